"""The person's own data (Decree 13/2023/NĐ-CP): /ca-nhan/du-lieu, its downloads, corrections and withdrawal."""

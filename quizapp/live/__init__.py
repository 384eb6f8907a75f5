"""The live in-hall contest for players on phones: join with a code, answer, rejoin; the public results."""

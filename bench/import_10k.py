"""Benchmark: import a 10,000-question xlsx with duplicate detection (issue: under 10 s on the project machine).

Builds a realistic xlsx (Vietnamese text, 4 options, ~5% near-duplicates inside the file), loads the bundled bank
first (so duplicates are also checked against ~330 existing questions), then times `bank.import_file` end to end:
unpacking and reading the workbook, validation, duplicate detection, and the database transaction.

Usage:  .venv/bin/python bench/import_10k.py [--database-url URL] [--rows 10000]
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["cải", "cách", "hành", "chính", "nhà", "nước", "thủ", "tục", "một", "cửa", "liên", "thông", "công", "vụ", "công", "chức", "viên", "chức", "tài", "chính", "công", "chính", "phủ", "số", "điện", "tử", "nghị", "quyết", "chỉ", "thị", "quyết", "định", "kết", "luận", "giai", "đoạn", "mục", "tiêu", "tỉnh", "xã", "phường", "người", "dân", "doanh", "nghiệp", "dịch", "vụ", "công", "trực", "tuyến", "mức", "độ", "hài", "lòng", "chỉ", "số", "năng", "lực", "cạnh", "tranh"]


def make_drafts(rows: int, rng: random.Random):
    from quizapp.domain.questions import QuestionDraft

    drafts = []
    for i in range(rows):
        if i and rng.random() < 0.05:  # a reworded copy of an earlier question
            src = drafts[rng.randrange(len(drafts))]
            text = src.text.replace("?", " này?")
            drafts.append(QuestionDraft(text=text, options=list(reversed(src.options)), correct_index=3 - src.correct_index,
                                        topic=src.topic, difficulty=src.difficulty, explanation=src.explanation,
                                        source=src.source))
            continue
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(14, 30))).capitalize() + f" (mã {i})?"
        options = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) + f" {i}-{k}" for k in range(4)]
        drafts.append(QuestionDraft(text=text, options=options, correct_index=rng.randrange(4),
                                    topic=rng.choice(["Cải cách thể chế", "Cải cách thủ tục hành chính", "Chỉ số"]),
                                    difficulty=rng.randint(1, 3), explanation="Giải thích ngắn gọn.",
                                    source="Nghị quyết 76/NQ-CP ngày 15/7/2021"))
    return drafts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.domain.formats import export
    from quizapp.services import bank

    tmp = Path(tempfile.mkdtemp())
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    data = export(make_drafts(args.rows, random.Random(42)), "xlsx")
    with app.app_context():
        upgrade()
        bank.load_bundled()
        started, cpu = time.perf_counter(), time.process_time()
        report = bank.import_file(data, "bench.xlsx")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"database: {url.split(':')[0]}")
    print(f"file: {len(data) / 1e6:.1f} MB xlsx, {args.rows} rows")
    print(f"added: {report.added}, duplicates skipped: {len(report.duplicates)}, invalid: {len(report.invalid)}")
    print(f"import time: {elapsed:.2f} s (this process's CPU: {cpu:.2f} s; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

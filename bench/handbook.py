"""Benchmark: the printed Q&A handbook of the whole national core (521 questions), PDF and DOCX.

A fresh SQLite file, migrated, the bundled bank loaded; then each format is built through `handbook.make` (the
service the console and `flask bank handbook` call: loading the questions, laying out the book, rendering) a few
times, and the best and median times, the file size and the PDF's page count are printed (and appended to
bench/RESULTS.md with --results).

Usage:  .venv/bin/python bench/handbook.py [--repeat 3] [--collections quoc-gia] [--results]
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--collections", default="quoc-gia")
    parser.add_argument("--results", action="store_true", help="append the figures to bench/RESULTS.md")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.services import bank, handbook

    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    rows = []
    with app.app_context():
        upgrade()
        bank.load_bundled()
        collections = [c for c in args.collections.split(",") if c]
        for fmt in handbook.FORMATS:
            times, book = [], None
            for _ in range(args.repeat):
                start = time.perf_counter()
                book = handbook.make(fmt, collections=collections, now=datetime.now(UTC))
                times.append(time.perf_counter() - start)
            pages = ""
            if fmt == "pdf":
                import io

                from pypdf import PdfReader

                pages = str(len(PdfReader(io.BytesIO(book.data)).pages))
            rows.append((fmt, book.count, pages, len(book.data), min(times), statistics.median(times)))
    lines = ["| format | questions | pages | size | best | median |", "|---|---:|---:|---:|---:|---:|"]
    for fmt, count, pages, size, best, median in rows:
        lines.append(f"| {fmt.upper()} | {count} | {pages or '–'} | {size / 1024:,.0f} KiB | {best:.2f} s | "
                     f"{median:.2f} s |")
    table = "\n".join(lines)
    print(table)
    if args.results:
        machine = (f"{platform.machine()}, {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f} at the end: "
                   f"the machine is shared, so the best time is the one to read), Python {platform.python_version()}, "
                   f"fpdf2 {_version('fpdf2')}, python-docx {_version('python-docx')}")
        command = "`.venv/bin/python bench/handbook.py --results`" + (
            f" `--collections {args.collections}`" if args.collections != "quoc-gia" else "")
        with open(ROOT / "bench" / "RESULTS.md", "a", encoding="utf-8") as out:
            out.write(f"\n## Handbook\n\n{command}, {datetime.now(UTC):%Y-%m-%d}, {machine}. The whole national core "
                      f"(collections: {args.collections}), built {args.repeat} times per format through "
                      "`handbook.make` (load the active questions, lay out the book, render), on SQLite.\n\n"
                      f"{table}\n")


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


if __name__ == "__main__":
    main()

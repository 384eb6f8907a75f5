"""Benchmark: near-duplicate detection on files made to defeat it (issue 12, item 3).

Three files of N rows, checked by `find_duplicates` against an empty bank, as a dry-run import does:
- "one number": the same question N times with one number changed (no row is a duplicate: numbers differ);
- "one word": the same question with one word changed and the same numbers (every row is a near-duplicate);
- "shared stem": a 20-word common stem plus 6 random words (most rows are near-duplicates of an earlier one);
- "stem + tail": the same stem plus 20 random words (rows share the stem's shingles but are not duplicates).
Also the mixed realistic file of bench/import_10k.py (5% reworded copies), to check nothing got slower.

Usage:  .venv/bin/python bench/duplicates_bench.py [--rows 4000]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.domain.duplicates import find_duplicates, make_key  # noqa: E402

STEM = "Theo Nghị quyết số 76/NQ-CP của Chính phủ, chương trình tổng thể cải cách hành chính nhà nước giai đoạn"
OPTIONS = ["Cải cách thể chế", "Cải cách thủ tục hành chính", "Cải cách tổ chức bộ máy", "Cả ba phương án"]


def files(rows: int, rng: random.Random) -> dict[str, list]:
    from bench.import_10k import WORDS, make_drafts

    out = {
        "one number": [make_key(i, f"{STEM} 2021 - {2030 + i} có bao nhiêu nội dung?", OPTIONS) for i in range(rows)],
        "one word": [make_key(i, f"{STEM} 2021 - 2030 có bao nhiêu {rng.choice(WORDS)} nội dung?", OPTIONS)
                     for i in range(rows)],
        "shared stem": [make_key(i, STEM + " " + " ".join(rng.choice(WORDS) for _ in range(6)) + "?", OPTIONS)
                        for i in range(rows)],
        "stem + tail": [make_key(i, STEM + " " + " ".join(rng.choice(WORDS) for _ in range(20)) + "?", OPTIONS)
                        for i in range(rows)],
    }
    out["realistic"] = [make_key(i, d.text, d.options) for i, d in enumerate(make_drafts(rows, rng))]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args()
    for name, keys in files(args.rows, random.Random(12)).items():
        started = time.perf_counter()
        found = find_duplicates([], keys)
        print(f"{name:12} {args.rows} rows: {time.perf_counter() - started:7.2f} s, {len(found)} duplicates")


if __name__ == "__main__":
    main()

"""bench/RESULTS.md: each benchmark owns one section, which it replaces; the other sections stay as they are."""
from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Replace the section that starts with `heading` (a "## ..." line) by `text`, or append it."""
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    if heading in old:
        start = old.index(heading)
        nxt = old.find("\n## ", start + len(heading))
        old = old[:start].rstrip("\n") + ("\n\n" + old[nxt + 1:] if nxt != -1 else "")
    path.write_text(old.rstrip("\n") + "\n\n" + text)

"""Percentiles, the results table with CPU per request and the same-run /ping ratio, and RESULTS.md sections."""
from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .common import BENCH, ROOT
from .cpu import CpuUse

sys.path.insert(0, str(BENCH))
from results_file import write_section  # noqa: E402  (bench/results_file.py, shared with the other benchmarks)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (values in any order)."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))]


@dataclass
class Row:
    """One measured load: what a line of the table says."""
    name: str
    requests: int
    seconds: float
    p50: float  # ms
    p95: float
    p99: float
    max: float
    errors: int
    cpu: CpuUse | None = None
    ratio_to: Row | None = None  # the /ping row it is compared with
    note: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float | None:
        return self.rps / self.ratio_to.rps if self.ratio_to and self.ratio_to.rps else None

    def cpu_ms(self, what: str) -> float:
        return getattr(self.cpu, what) / self.requests * 1000 if self.cpu and self.requests else float("nan")

    @classmethod
    def from_latencies(cls, name: str, lat_s: list[float], seconds: float, errors: int, **kw) -> Row:
        ms = [v * 1000 for v in lat_s]
        return cls(name, len(ms), seconds, pct(ms, 50), pct(ms, 95), pct(ms, 99), max(ms, default=float("nan")),
                   errors, **kw)

    @classmethod
    def from_wrk(cls, name: str, w, **kw) -> Row:
        return cls(name, w.requests, w.seconds, w.p50, w.p95, w.p99, w.max, w.errors, **kw)


def table(rows: list[Row]) -> str:
    out = ["| measurement | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | gunicorn CPU ms/req | "
           "PostgreSQL CPU ms/req | client / other work, cores | vs /ping (same run) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in rows:
        ratio = f"{r.ratio:.1%}" if r.ratio is not None else "—"
        cores = f"{r.cpu.cores('client'):.2f} / {r.cpu.cores('other'):.2f}" if r.cpu else "—"
        cpu = f"{r.cpu_ms('gunicorn'):.2f} | {r.cpu_ms('postgres'):.2f}" if r.cpu else "— | —"
        out.append(f"| {r.name} | {r.requests} | {r.rps:.1f} | {r.p50:.1f} | {r.p95:.1f} | {r.p99:.1f} | {r.max:.0f} | "
                   f"{r.errors} | {cpu} | {cores} | {ratio} |")
    return "\n".join(out) + "\n"


def others(rows: list[Row]) -> str:
    """Who else used the machine (process names, cores), where it was noticeable."""
    seen = [f"{r.name}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.cpu.top_other)
            for r in rows if r.cpu and r.cpu.top_other]
    return "; ".join(seen)


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError, StopIteration):
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name"))
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        mem = ""
    return f"{os.cpu_count()} cores ({model}){mem}, {platform.system()} {platform.release()}"


def code_version(app_dir: Path) -> str:
    """Which code was served: git commit (+ uncommitted changes) of this checkout, or the --app-dir copy."""
    if app_dir.resolve() != ROOT.resolve():
        return f"the copy in {app_dir}"
    head = subprocess.run(["git", "-C", str(app_dir), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(app_dir), "status", "--porcelain", "--untracked-files=no", "--",
                            "quizapp", "migrations", "wsgi.py"], capture_output=True, text=True).stdout.splitlines()
    return f"git {head.stdout.strip()}" + (f" + uncommitted changes in {len(dirty)} app files" if dirty else "")


def section(scenario: str, label: str, header: list[str], rows: list[Row], extra: list[str]) -> tuple[str, str]:
    heading = f"## Issue 13 · {scenario} · {label}"
    text = [heading, "", *[f"- {h}" for h in header], "", table(rows).rstrip(), ""]
    if (o := others(rows)):
        text += [f"Other work on the machine meanwhile (cores, by process): {o}.", ""]
    text += [*extra, ""] if extra else []
    return heading, "\n".join(text)


def write(heading: str, text: str) -> None:
    write_section(heading, text)

"""CPU accounting from /proc: gunicorn (master + workers), the app's PostgreSQL backends, this client, the rest."""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(comm, ppid, cpu seconds incl. reaped children) of a process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    comm = raw[raw.index("(") + 1:raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2:].split()
    return comm, int(rest[1]), sum(int(x) for x in rest[11:13]) / CLK_TCK


def children_of(ppid: int) -> list[int]:
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit() and (st := _stat(int(d))) and st[1] == ppid:
            out.append(int(d))
    return out


def snapshot(gunicorn_pids: set[int], client_pids: set[int] = frozenset()) -> dict:
    """CPU seconds so far of each process, by role; `client_pids`: load generators (wrk) besides this process."""
    snap = {"gunicorn": {}, "postgres": {}, "client": {}, "others": {}}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        pid = int(d)
        if (st := _stat(pid)) is None:
            continue
        role = ("gunicorn" if pid in gunicorn_pids else "client" if pid in client_pids or pid == os.getpid()
                else "postgres" if st[0].startswith("postgres") else "others")
        snap[role][pid] = st[2] if role != "others" else (st[0], st[2])
    t = os.times()
    snap["self_children"] = t.children_user + t.children_system  # wrk runs that ended in between
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    snap["machine_busy"] = (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK
    snap["wall"] = time.monotonic()
    return snap


@dataclass
class CpuUse:
    wall: float
    gunicorn: float
    postgres: float
    client: float
    machine: float
    top_other: list = field(default_factory=list)

    @property
    def other(self) -> float:
        return max(0.0, self.machine - self.gunicorn - self.postgres - self.client)

    def cores(self, what: str) -> float:
        return getattr(self, what) / self.wall if self.wall else 0.0


def delta(a: dict, b: dict, our_pg: set[int]) -> CpuUse:
    """CPU used between two snapshots. `our_pg`: the bench database's backends and PostgreSQL's background
    processes; other databases' backends (other people's tests) count as other work."""
    def used(role, pids=None):
        return sum(v - a[role].get(pid, 0.0) for pid, v in b[role].items() if pids is None or pid in pids)

    client = used("client") + b["self_children"] - a["self_children"]
    use = CpuUse(b["wall"] - a["wall"], used("gunicorn"), used("postgres", our_pg), client,
                 b["machine_busy"] - a["machine_busy"])
    busy = Counter()
    for pid, (comm, v) in b["others"].items():
        busy[comm] += v - a["others"].get(pid, (comm, 0.0))[1]
    busy["postgres (other databases)"] = sum(v - a["postgres"].get(pid, 0.0) for pid, v in b["postgres"].items()
                                             if pid not in our_pg)
    use.top_other = [(k, v / use.wall) for k, v in busy.most_common(4) if use.wall and v / use.wall >= 0.02]
    return use


class Meter:
    """Measures one phase: `with Meter(server_pids_fn, pg_pids_fn) as m: ...` then m.use."""

    def __init__(self, gunicorn_pids, pg_pids, client_pids=lambda: set()):
        self.gunicorn_pids, self.pg_pids, self.client_pids = gunicorn_pids, pg_pids, client_pids
        self.use: CpuUse | None = None

    def __enter__(self) -> Meter:
        self.pg0 = self.pg_pids()
        self.a = snapshot(self.gunicorn_pids(), self.client_pids())
        return self

    def __exit__(self, *exc) -> None:
        b = snapshot(self.gunicorn_pids(), self.client_pids())
        self.use = delta(self.a, b, self.pg0 | self.pg_pids())

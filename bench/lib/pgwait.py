"""What the app's PostgreSQL sessions do during a phase: pg_stat_activity of the bench database, sampled."""
from __future__ import annotations

import threading
from collections import Counter

Q = ("SELECT state, wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90), pid "
     "FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'")


class PgSampler(threading.Thread):
    """`with PgSampler(bdb) as s: ...` then s.summary(): active sessions, idle in transaction, wait events."""

    def __init__(self, bdb, interval: float = 0.25):
        super().__init__(daemon=True)
        self.bdb, self.interval = bdb, interval
        self.stop_event = threading.Event()
        self.samples = self.active_sum = self.max_active = self.max_connections = self.idle_in_tx_sum = 0
        self.waits: Counter = Counter()
        self.lock_waits: Counter = Counter()  # the statement that waited on a heavyweight lock

    def __enter__(self) -> PgSampler:
        if self.bdb.kind == "postgresql":
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        if self.is_alive():
            self.join(timeout=5)

    def run(self) -> None:
        import psycopg

        try:
            conn = psycopg.connect(self.bdb.url, autocommit=True)
        except Exception:  # noqa: BLE001 - sampling only
            return
        with conn:
            while not self.stop_event.wait(self.interval):
                try:
                    rows = conn.execute(Q, (self.bdb.name,)).fetchall()
                except Exception:  # noqa: BLE001
                    continue
                active = [r for r in rows if r[0] == "active"]
                self.samples += 1
                self.max_connections = max(self.max_connections, len(rows))
                self.active_sum += len(active)
                self.max_active = max(self.max_active, len(active))
                self.idle_in_tx_sum += sum(r[0] == "idle in transaction" for r in rows)
                for _state, wtype, wevent, query, _pid in active:
                    self.waits[f"{wtype}:{wevent}" if wtype else "CPU (no wait)"] += 1
                    if wtype == "Lock":
                        self.lock_waits[f"{wevent}: {query}"] += 1

    def summary(self) -> str:
        if not self.samples:
            return ""
        n = self.samples
        waits = ", ".join(f"{k} {v / n:.2f}" for k, v in self.waits.most_common(6))
        text = (f"App sessions in PostgreSQL (sampled every {self.interval} s): mean active {self.active_sum / n:.2f} "
                f"(max {self.max_active}), mean idle in transaction {self.idle_in_tx_sum / n:.1f}, max connections "
                f"{self.max_connections}; mean sessions per wait event: {waits}.")
        if self.lock_waits:
            text += " Lock waits (by the statement waiting): " + "; ".join(
                f"`{k}…` ×{v}" for k, v in self.lock_waits.most_common(3))
        return text

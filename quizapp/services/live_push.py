"""Push for the live contest: Server-Sent Events fed by a broker.

Every step of a session is published once, as one JSON text, on the session's channel ("players": everybody;
"host": answer counts, only the host screen listens). Each process fans a published text out to its own open
streams through an in-process broker (one threading.Condition). With REDIS_URL set, a text is published to Redis
instead, and one listener thread per process (one Redis connection, not one per phone) hands what Redis delivers
to that process's broker, so a step taken on one gunicorn server reaches the phones connected to any other.
The latest text of each channel is kept too (in Redis, or in memory), so a stream that (re)connects starts from
where the session is. A stream holds a thread but no database connection while it waits.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

log = logging.getLogger("quizapp.live")
HEARTBEAT_SECONDS = 15.0
STREAM_SECONDS = 600.0  # then the stream ends and EventSource reconnects: no thread is held for ever
RETRY_MS = 2000
PREFIX = "quizapp:live:"
LATEST_TTL = 2 * 86400


def channel(key: str, audience: str = "players") -> str:
    """A session's channel; `key` is LiveSession.push_key (id and join code: a database reset or restore that
    gives an id again never meets the old session's kept state)."""
    return f"{PREFIX}{key}:{audience}"


class Subscription:
    """One open stream's view of some channels: the texts published since it subscribed, oldest first."""

    def __init__(self, broker: LocalBroker, channels: tuple[str, ...]):
        self.broker, self.channels = broker, channels
        self.pending: deque[tuple[str, str]] = deque()

    def get(self, timeout: float) -> tuple[str, str] | None:
        """The next (channel, text), or None after `timeout` seconds without one."""
        deadline = time.monotonic() + timeout
        with self.broker.cond:
            while not self.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.broker.cond.wait(left)
            return self.pending.popleft()

    def close(self) -> None:
        self.broker.unsubscribe(self)


class LocalBroker:
    """The in-process fan-out: every subscription of a channel gets each text published on it."""

    def __init__(self):
        self.cond = threading.Condition()
        self._subs: dict[str, set[Subscription]] = {}
        self._latest: dict[str, tuple[int, str]] = {}

    def subscribe(self, channels: tuple[str, ...]) -> Subscription:
        sub = Subscription(self, channels)
        with self.cond:
            for name in channels:
                self._subs.setdefault(name, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self.cond:
            for name in sub.channels:
                subs = self._subs.get(name)
                if subs is not None:
                    subs.discard(sub)
                    if not subs:
                        del self._subs[name]

    def deliver(self, name: str, text: str) -> None:
        with self.cond:
            for sub in self._subs.get(name, ()):
                sub.pending.append((name, text))
            self.cond.notify_all()

    def close(self) -> None:
        """Nothing to stop in process."""

    def listeners(self, name: str) -> int:
        with self.cond:
            return len(self._subs.get(name, ()))

    # the embedded default keeps the latest text itself
    def publish(self, name: str, text: str, version: int) -> None:
        """Deliver `text`; keep it as the channel's latest unless a newer version is kept already (two steps
        committed in one order may be published in the other)."""
        with self.cond:
            kept = self._latest.get(name)
            if kept is None or kept[0] <= version:
                self._latest[name] = (version, text)
        self.deliver(name, text)

    def latest(self, name: str) -> str | None:
        with self.cond:
            kept = self._latest.get(name)
            return kept[1] if kept else None


# Keep the text as the latest unless a newer version is kept, then publish it: one round trip, atomic.
_PUBLISH_LUA = """
local kept = tonumber(redis.call('GET', KEYS[2]) or '-1')
if tonumber(ARGV[2]) >= kept then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
end
return redis.call('PUBLISH', ARGV[4], ARGV[1])
"""


class RedisBroker(LocalBroker):
    """Publishes through Redis; one daemon thread per process delivers what Redis sends to local streams."""

    def __init__(self, url: str):
        super().__init__()
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._publish = self._redis.register_script(_PUBLISH_LUA)
        self._url = url
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stop = threading.Event()

    def subscribe(self, channels: tuple[str, ...]) -> Subscription:
        self._ensure_listener()
        return super().subscribe(channels)

    def _ensure_listener(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._listen, name="live-redis-listener", daemon=True)
                self._thread.start()

    def _listen(self) -> None:
        import redis

        pause = 0.5
        while not self._stop.is_set():
            try:
                client = redis.Redis.from_url(self._url, socket_connect_timeout=2, health_check_interval=30)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(PREFIX + "*")
                pause = 0.5
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)  # returns as soon as a message arrives
                    if message and message.get("type") == "pmessage":
                        name, data = message["channel"], message["data"]
                        self.deliver(name.decode() if isinstance(name, bytes) else name,
                                     data.decode() if isinstance(data, bytes) else data)
                pubsub.close()
                client.close()
            except Exception as e:  # noqa: BLE001  (Redis away: streams keep their heartbeat; pages fall back to polling)
                log.warning("live push: Redis listener lost (%s); retrying in %.1f s", type(e).__name__, pause)
                self._stop.wait(pause)
                pause = min(pause * 2, 10)

    def close(self) -> None:
        """Stop the listener thread (tests; a process simply exits)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._redis.close()

    def publish(self, name: str, text: str, version: int) -> None:
        self._publish(keys=[name + ":latest", name + ":version"], args=[text, version, LATEST_TTL, name])

    def latest(self, name: str) -> str | None:
        value = self._redis.get(name + ":latest")
        return value.decode() if isinstance(value, bytes) else value


_brokers: dict[str | None, LocalBroker] = {}
_brokers_lock = threading.Lock()


def reset() -> None:
    """Forget every broker of this process, stopping their listeners (tests: ids restart after truncation)."""
    with _brokers_lock:
        for b in _brokers.values():
            b.close()
        _brokers.clear()


def broker_for(redis_url: str | None) -> LocalBroker:
    """The process's broker for this Redis URL (None: the in-process one)."""
    with _brokers_lock:
        if redis_url not in _brokers:
            _brokers[redis_url] = RedisBroker(redis_url) if redis_url else LocalBroker()
        return _brokers[redis_url]


def broker() -> LocalBroker:
    from flask import current_app

    return broker_for(current_app.config.get("REDIS_URL"))


def publish(key: str, payload: dict, version: int, audience: str = "players") -> None:
    """Send a state to every stream of the session; failures are logged, never fail the host's step."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        broker().publish(channel(key, audience), text, version)
    except Exception as e:  # noqa: BLE001  (the step is saved; phones still get it by polling or on reconnect)
        log.warning("live push: publish failed (%s)", type(e).__name__)


def _event(text: str, name: str = "state") -> str:
    now_ms = int(time.time() * 1000)
    return f"event: {name}\ndata: {{\"now\":{now_ms},\"state\":{text}}}\n\n"


def stream(b: LocalBroker, key: str, initial: Callable[[], str], audiences: tuple[str, ...] = ("players",),
           heartbeat: float = HEARTBEAT_SECONDS, lifetime: float = STREAM_SECONDS) -> Iterator[str]:
    """The SSE text of one connection: the current state first, then every change, a comment every `heartbeat`."""
    names = tuple(channel(key, a) for a in audiences)
    sub = b.subscribe(names)  # before reading the current state: a step taken in between is not lost
    try:
        yield f"retry: {RETRY_MS}\n\n"
        yield _event(initial())
        for extra in names[1:]:
            text = b.latest(extra)
            if text:
                yield _event(text, "count")
        ends = time.monotonic() + lifetime
        while time.monotonic() < ends:
            item = sub.get(heartbeat)
            if item is None:
                yield ": heartbeat\n\n"
                continue
            name, text = item
            yield _event(text, "state" if name == names[0] else "count")
    finally:
        sub.close()

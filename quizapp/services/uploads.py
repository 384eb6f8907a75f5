"""Uploaded files kept between a preview and its confirmation (instance/uploads, random tokens)."""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 3600


def _dir(instance_path: str) -> Path:
    path = Path(instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(instance_path: str, data: bytes, filename: str) -> str:
    """Store the upload; returns a token to fetch it with."""
    _sweep(instance_path)
    token = secrets.token_urlsafe(24)
    (_dir(instance_path) / token).write_bytes(data)
    (_dir(instance_path) / f"{token}.name").write_text(filename, encoding="utf-8")
    return token


def fetch(instance_path: str, token: str) -> tuple[bytes, str] | None:
    """The stored upload and its file name, or None when unknown or expired."""
    if not _TOKEN.match(token or ""):
        return None
    path = _dir(instance_path) / token
    if not path.exists():
        return None
    return path.read_bytes(), (_dir(instance_path) / f"{token}.name").read_text(encoding="utf-8")


def discard(instance_path: str, token: str) -> None:
    if _TOKEN.match(token or ""):
        for p in (_dir(instance_path) / token, _dir(instance_path) / f"{token}.name"):
            p.unlink(missing_ok=True)


def _sweep(instance_path: str) -> None:
    cutoff = time.time() - MAX_AGE_SECONDS
    for p in _dir(instance_path).iterdir():
        if p.stat().st_mtime < cutoff:
            p.unlink(missing_ok=True)

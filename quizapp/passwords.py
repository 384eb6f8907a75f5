"""Password hashes: argon2id for every new password; older werkzeug hashes still verify until the next sign-in.

The parameters are the minimum that OWASP's Password Storage Cheat Sheet accepts for argon2id ("a minimum
configuration of 19 MiB of memory, an iteration count of 2, and 1 degree of parallelism",
https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id): the lowest cost it
allows, so that a round opening's sign-ins cost as little CPU as the guidance permits. bench/password_hash.py
measures it.
"""
from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from werkzeug.security import check_password_hash

MEMORY_KIB, TIME_COST, PARALLELISM = 19456, 2, 1  # OWASP minimum for argon2id (see above)
HASH_LEN, SALT_LEN = 32, 16  # argon2-cffi's defaults (RFC 9106: 128-bit salt, 256-bit tag)
ARGON2_PREFIX = "$argon2"

_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM,
                         hash_len=HASH_LEN, salt_len=SALT_LEN)


def hash_password(password: str) -> str:
    """An argon2id hash of the password with the parameters above (97 characters)."""
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether the password matches the stored hash: argon2 by argon2-cffi, scrypt/pbkdf2 by werkzeug.

    An empty or unreadable hash never matches.
    """
    if not stored:
        return False
    if stored.startswith(ARGON2_PREFIX):
        try:
            return _HASHER.verify(stored, password)
        except (VerificationError, InvalidHashError):  # a mismatch, or a hash argon2 cannot read
            return False
    return check_password_hash(stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether a (verified) stored hash should be replaced: not argon2id with exactly these parameters."""
    if not stored.startswith(ARGON2_PREFIX):
        return True
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not-a-real-password")


def check_dummy(password: str) -> None:
    """Spend the time of one argon2id check, so that refusing an unknown account takes as long as a wrong password."""
    verify_password(_dummy_hash(), password)

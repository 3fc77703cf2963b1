"""Password hashing (argon2id through pwdlib)."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash

from kernel.errors import ValidationFailed

MIN_LENGTH = 10
MAX_LENGTH = 1000


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@cache
def _decoy() -> str:
    return _hasher().hash("a password nobody has")


def check_strength(password: str) -> None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValidationFailed(
            f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters",
            details={"field": "password"},
        )


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher().hash(password)


def verify(password: str, stored: str | None) -> bool:
    """Takes as long for an unknown user (no hash) as for a wrong password."""
    if len(password) > MAX_LENGTH:
        return False
    ok = _hasher().verify(password, stored or _decoy())
    return ok and stored is not None

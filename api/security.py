"""API keys: hashed storage, constant-time lookup, read and write roles.

The keys file holds one key per line, ``<sha256-hex> <role> <label>``; blank
lines and lines starting with ``#`` are ignored. Only the SHA-256 digest of a
key is stored, so the file is no secret by itself; the key is shown once, when
:func:`create_key` makes it. A presented key is hashed and compared with every
stored digest by :func:`hmac.compare_digest` (constant time, no early exit),
so response time does not reveal how much of a digest matched.

Roles: ``read`` opens the GET endpoints and the budget computations; ``write``
also opens ingest and channel status changes (write implies read).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "ApiKey",
    "KeyFileError",
    "KeyStore",
    "Role",
    "create_key",
    "hash_key",
]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_LABEL = re.compile(r"^[\w.@:+-]{1,64}$")
KEY_PREFIX = "tp_"


class Role(StrEnum):
    """What a key may do; ``write`` includes everything ``read`` may."""

    read = "read"
    write = "write"

    def allows(self, needed: Role) -> bool:
        """True when a key of this role may call an endpoint needing ``needed``."""
        return self is Role.write or needed is Role.read


class KeyFileError(ValueError):
    """The keys file has a malformed line (names the file and line number)."""


@dataclass(frozen=True)
class ApiKey:
    """A stored key: its digest, role and label (never the key itself)."""

    digest: str
    role: Role
    label: str


def hash_key(key: str) -> str:
    """Hex SHA-256 digest of a key, as stored in the keys file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _parse(path: Path, text: str) -> tuple[ApiKey, ...]:
    keys: list[ApiKey] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        parts = stripped.split(maxsplit=2)
        if len(parts) < 2:
            raise KeyFileError(f"{path}:{number}: expected '<sha256-hex> <role> [label]'")
        digest, role = parts[0].lower(), parts[1].lower()
        if not _HEX64.match(digest):
            raise KeyFileError(f"{path}:{number}: first field must be 64 hex digits")
        if role not in Role.__members__:
            raise KeyFileError(f"{path}:{number}: role must be read or write, got {parts[1]!r}")
        keys.append(ApiKey(digest, Role(role), parts[2] if len(parts) > 2 else ""))
    return tuple(keys)


class KeyStore:
    """The keys of one keys file, re-read when the file changes.

    Parameters
    ----------
    path : Path
        The keys file. A missing file means no keys: every protected request
        is refused.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys: tuple[ApiKey, ...] = ()

    def keys(self) -> tuple[ApiKey, ...]:
        """Current keys (the file is re-parsed only when its mtime or size changed)."""
        try:
            st = self.path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            if stamp != self._stamp:
                text = self.path.read_text(encoding="utf-8") if stamp else ""
                self._keys = _parse(self.path, text)
                self._stamp = stamp
            return self._keys

    def lookup(self, presented: str) -> ApiKey | None:
        """The stored key matching ``presented``, or ``None``.

        Every stored digest is compared (constant time per comparison, no early
        exit), so timing reveals neither which entry matched nor how closely.
        """
        digest = hash_key(presented)
        found: ApiKey | None = None
        for key in self.keys():
            if hmac.compare_digest(digest, key.digest) and found is None:
                found = key
        return found


def create_key(path: str | os.PathLike[str], role: Role | str, label: str = "key") -> str:
    """Make a new random key, append its digest to the keys file, return the key.

    The key (``tp_`` + 43 URL-safe characters, 256 random bits from
    :mod:`secrets`) is returned once and stored nowhere; the file gets
    ``<sha256-hex> <role> <label>``. A new file is created readable by its
    owner only.

    Raises
    ------
    ValueError
        Unknown role, or a label that is empty, longer than 64 characters, or
        holds characters other than letters, digits and ``_ . @ : + -``.
    """
    try:
        role = Role(str(role).lower())
    except ValueError as exc:
        raise ValueError(f"role must be read or write, got {role!r}") from exc
    if not _LABEL.match(label):
        raise ValueError(
            f"label {label!r}: use 1-64 letters, digits or _ . @ : + - (no spaces)"
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(f"{hash_key(key)} {role.value} {label}\n")
    return key

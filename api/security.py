"""API keys: hashed storage, constant-time lookup, read and write roles.

The keys file
-------------
One key per line; blank lines and lines starting with ``#`` are ignored::

    <sha256-hex> <role> <created> <label>

* ``sha256-hex``: the SHA-256 digest of the key, 64 hex digits (any case);
* ``role``: ``read`` or ``write`` (any case);
* ``created``: when the key was made, UTC, ``YYYY-MM-DDTHH:MM:SSZ``;
* ``label``: the name the key is known by (``keys list``, ``keys revoke
  --label``); :func:`create_key` writes 1-64 letters, digits or ``_ . @ : + -``
  and refuses a label another key already has.

Files written before keys had a created time hold ``<sha256-hex> <role>
[label]`` and still load (created time unknown). The third field is read as
the created time only when it has the exact form above *and* a label follows
it; otherwise everything after the role is the label (a hand-written label
may contain spaces).

Only the digest of a key is stored, so the file is no secret by itself; the
key is shown once, when :func:`create_key` makes it. The short *key id* that
``keys list`` shows is the first 12 hex digits of the digest. The file is
still kept ``0600``: whoever can write it can add keys.

Every change (:func:`create_key`, :func:`revoke_keys`) writes a complete new
file next to the old one, fsyncs it and renames it over the old one, so a
reader sees the old file or the new one, never part of one; writers take an
exclusive lock on the file's directory, so two changes never lose each
other's keys. :class:`KeyStore` checks the file's identity (device, inode,
size, modification and change time) with one ``stat`` per request and re-reads
it only when that changed, so a revoked key is refused on the next request of
a running server. A file that turns malformed while the server runs is
logged and the keys read before stay in use; at start (:meth:`KeyStore.load`)
a malformed line is an error naming the file and line.

A presented key is hashed and compared with every stored digest by
:func:`hmac.compare_digest` (constant time, no early exit), so response time
does not reveal how much of a digest matched.

Roles: ``read`` opens the GET endpoints and the budget computations; ``write``
also opens ingest and channel status changes (write implies read).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from touchpath.errors import TouchpathError

__all__ = [
    "KEY_ID_LENGTH",
    "AmbiguousKeyError",
    "ApiKey",
    "KeyFileError",
    "KeyStore",
    "LabelInUseError",
    "NoSuchKeyError",
    "Role",
    "create_key",
    "hash_key",
    "read_keys",
    "revoke_keys",
    "secure_permissions",
]

log = logging.getLogger("touchpath.keys")

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{12,64}$")
_LABEL = re.compile(r"^[\w.@:+-]{1,64}$")
_CREATED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_CREATED_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
KEY_PREFIX = "tp_"
#: Hex digits of the digest that make the key id ``keys list`` shows.
KEY_ID_LENGTH = 12

#: What identifies one version of the keys file: device, inode, size, mtime, ctime.
_Stamp = tuple[int, int, int, int, int]


class Role(StrEnum):
    """What a key may do; ``write`` includes everything ``read`` may."""

    read = "read"
    write = "write"

    def allows(self, needed: Role) -> bool:
        """True when a key of this role may call an endpoint needing ``needed``."""
        return self is Role.write or needed is Role.read


class KeyFileError(TouchpathError, ValueError):
    """The keys file cannot be used: a malformed line, unsafe permissions, unreadable.

    Parameters
    ----------
    path : Path
        The keys file.
    reason : str
        What is wrong, in plain words.
    line : int, optional
        The 1-based line number, for a malformed line.
    """

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        where = f"keys file {path}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


class LabelInUseError(TouchpathError, ValueError):
    """:func:`create_key` was given a label another key already has."""


class NoSuchKeyError(TouchpathError, LookupError):
    """No stored key matches what :func:`revoke_keys` was asked to revoke."""


class AmbiguousKeyError(TouchpathError, LookupError):
    """Several keys match a revoke that did not ask for all of them.

    Attributes
    ----------
    matches : tuple[ApiKey, ...]
        The keys that matched (nothing was revoked).
    """

    def __init__(self, message: str, matches: tuple[ApiKey, ...]) -> None:
        super().__init__(message)
        self.matches = matches


@dataclass(frozen=True)
class ApiKey:
    """A stored key: its digest, role, label and created time (never the key itself).

    ``created`` is ``None`` for a line written before keys had a created time.
    """

    digest: str
    role: Role
    label: str
    created: datetime | None = None

    @property
    def key_id(self) -> str:
        """The short id ``keys list`` shows: the first 12 hex digits of the digest."""
        return self.digest[:KEY_ID_LENGTH]

    @property
    def created_text(self) -> str | None:
        """The created time as written in the keys file, or ``None`` when unknown."""
        return None if self.created is None else self.created.strftime(_CREATED_FORMAT)


def hash_key(key: str) -> str:
    """Hex SHA-256 digest of a key, as stored in the keys file."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _parse_line(path: Path, number: int, stripped: str) -> ApiKey:
    parts = stripped.split(maxsplit=3)
    if len(parts) < 2:
        raise KeyFileError(path, "expected '<sha256-hex> <role> <created> <label>'", number)
    digest, role = parts[0].lower(), parts[1].lower()
    if not _HEX64.match(digest):
        raise KeyFileError(path, f"first field must be 64 hex digits, got {parts[0]!r}", number)
    if role not in Role.__members__:
        raise KeyFileError(path, f"role must be read or write, got {parts[1]!r}", number)
    created: datetime | None = None
    if len(parts) == 4 and _CREATED.match(parts[2]):
        try:
            created = datetime.strptime(parts[2], _CREATED_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise KeyFileError(path, f"created time {parts[2]!r} is not a valid date and time",
                               number) from None
        label = parts[3]
    else:
        rest = stripped.split(maxsplit=2)
        label = rest[2] if len(rest) > 2 else ""
    return ApiKey(digest, Role(role), label, created)


def _parse(path: Path, lines: list[str]) -> list[tuple[int, ApiKey]]:
    """``(index into lines, key)`` for every key line; raises :class:`KeyFileError`."""
    keys: list[tuple[int, ApiKey]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keys.append((index, _parse_line(path, index + 1, stripped)))
    return keys


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise KeyFileError(path, "not UTF-8 text", line) from None


def _stamp(st: os.stat_result) -> _Stamp:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read(path: Path) -> tuple[_Stamp | None, str]:
    """The file's stamp and text, read from one open file (``(None, "")`` when missing)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        raise KeyFileError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise KeyFileError(path, "not a regular file")
        chunks = []
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError as exc:
        raise KeyFileError(path, f"cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    return _stamp(st), _decode(path, b"".join(chunks))


def read_keys(path: str | os.PathLike[str]) -> tuple[ApiKey, ...]:
    """Every key of the keys file, in file order (none when the file is missing).

    Raises
    ------
    KeyFileError
        A malformed line (names the file and line), or a file that cannot be read.
    """
    target = Path(path)
    _, text = _read(target)
    return tuple(key for _, key in _parse(target, text.splitlines()))


def secure_permissions(path: str | os.PathLike[str]) -> str | None:
    """Make sure only the owner can read or write the keys file.

    A file that group or others may read or write is changed to ``0600`` when
    this process owns it.

    Returns
    -------
    str or None
        A warning saying what was tightened, or ``None`` when nothing was
        needed (also when the file does not exist).

    Raises
    ------
    KeyFileError
        The permissions are loose and the file belongs to another user, or
        they cannot be changed.
    """
    target = Path(path)
    try:
        st = target.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeyFileError(target, f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise KeyFileError(target, "not a regular file")
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o077:
        return None
    if st.st_uid != os.geteuid():
        raise KeyFileError(
            target,
            f"mode {mode:04o} lets group or others read or write it, and it belongs to "
            f"uid {st.st_uid}, not this user; run 'chmod 600 {target}' as its owner",
        )
    try:
        os.chmod(target, 0o600)
    except OSError as exc:
        raise KeyFileError(
            target,
            f"mode {mode:04o} lets group or others read or write it, and it cannot be "
            f"changed to 0600: {exc.strerror or exc}",
        ) from None
    return (f"keys file {target}: mode was {mode:04o} (group or others could read or write "
            "it); changed to 0600")


def _os_error(path: Path, doing: str, exc: OSError) -> KeyFileError:
    return KeyFileError(path, f"cannot {doing}: {exc.strerror or exc}")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the directory of ``path`` (serialises writers)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError as exc:
        raise _os_error(path, f"open its directory {path.parent}", exc) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _write_atomic(path: Path, text: str, previous: os.stat_result | None) -> None:
    """Replace ``path`` by a file holding ``text``: temp file, fsync, rename, fsync dir.

    The new file is ``0600`` and keeps the owner of the file it replaces. On
    any failure the old file stays as it was and the temp file is removed.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _os_error(path, f"write a new version in {path.parent}", exc) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if previous is not None and previous.st_uid != os.geteuid():
                try:
                    os.fchown(fh.fileno(), previous.st_uid, previous.st_gid)
                except PermissionError:
                    raise KeyFileError(path, f"belongs to uid {previous.st_uid}; change keys "
                                             "as that user") from None
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _os_error(path, "write", exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        # The new file is in place; some file systems cannot fsync a directory.
        pass


@contextmanager
def _changing(path: Path) -> Iterator[tuple[list[str], list[tuple[int, ApiKey]], list[str]]]:
    """Lock, read and parse the keys file; write back the lines the caller leaves.

    Yields ``(lines, keys, out)``: the file's lines (with their line ends), its
    keys as ``(line index, key)``, and a list the caller fills with the new
    file's lines. Nothing is written when ``out`` is left equal to ``lines`` or
    when the block raises. A symlinked keys file is changed where it points.
    """
    path = Path(os.path.realpath(path))
    with _locked(path):
        try:
            previous: os.stat_result | None = path.stat()
        except FileNotFoundError:
            previous = None
        except OSError as exc:
            raise _os_error(path, "read", exc) from None
        _, text = _read(path)
        lines = text.splitlines(keepends=True)
        keys = _parse(path, lines)
        out = list(lines)
        yield lines, keys, out
        if out != lines:
            _write_atomic(path, "".join(out), previous)


def create_key(path: str | os.PathLike[str], role: Role | str, label: str = "key") -> str:
    """Make a new random key, add its digest to the keys file, return the key.

    The key (``tp_`` + 43 URL-safe characters, 256 random bits from
    :mod:`secrets`) is returned once and stored nowhere; the file gets the line
    ``<sha256-hex> <role> <created> <label>``. The file is rewritten whole and
    renamed into place (see the module notes), readable by its owner only.

    Raises
    ------
    ValueError
        Unknown role; a label that is empty, longer than 64 characters, or
        holds characters other than letters, digits and ``_ . @ : + -``.
    LabelInUseError
        Another key already has the label (a :class:`ValueError` too).
    KeyFileError
        The existing keys file has a malformed line or cannot be read or replaced.
    """
    try:
        role = Role(str(role).lower())
    except ValueError as exc:
        raise ValueError(f"role must be read or write, got {role!r}") from exc
    if not _LABEL.match(label):
        raise ValueError(
            f"label {label!r}: use 1-64 letters, digits or _ . @ : + - (no spaces)"
        )
    target = Path(path)
    with _changing(target) as (lines, keys, out):
        taken = [key for _, key in keys if key.label == label]
        if taken:
            raise LabelInUseError(
                f"label {label!r} is already used by key {taken[0].key_id} in {target}; "
                "choose another label (labels pick the key to revoke)"
            )
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        created = datetime.now(UTC).strftime(_CREATED_FORMAT)
        if out and not out[-1].endswith(("\n", "\r")):
            out[-1] += "\n"
        out.append(f"{hash_key(key)} {role.value} {created} {label}\n")
    return key


def revoke_keys(
    path: str | os.PathLike[str],
    *,
    label: str | None = None,
    key_id: str | None = None,
    all_matches: bool = False,
) -> tuple[ApiKey, ...]:
    """Remove keys from the keys file by label or by key id; return the keys removed.

    Give exactly one of ``label`` (matched exactly) and ``key_id`` (the 12 hex
    digits ``keys list`` shows, or a longer start of the digest). Every other
    line, comments included, stays as it was.

    Raises
    ------
    ValueError
        Neither or both of ``label`` and ``key_id``, or a key id that is not
        12 to 64 hex digits.
    NoSuchKeyError
        No key matches (the file is left as it was).
    AmbiguousKeyError
        Several keys match and ``all_matches`` is false (nothing is revoked).
    KeyFileError
        The keys file has a malformed line or cannot be read or replaced.
    """
    if (label is None) == (key_id is None):
        raise ValueError("give either a label or a key id")
    wanted = None if key_id is None else key_id.strip().lower()
    if wanted is not None and not _KEY_ID.match(wanted):
        raise ValueError(f"key id {key_id!r}: expected {KEY_ID_LENGTH} to 64 hex digits")
    target = Path(path)
    what = f"label {label!r}" if label is not None else f"id {key_id!r}"
    with _changing(target) as (_lines, keys, out):
        if wanted is None:
            matched = [(i, k) for i, k in keys if k.label == label]
        else:
            matched = [(i, k) for i, k in keys if k.digest.startswith(wanted)]
        if not matched:
            raise NoSuchKeyError(f"no key with {what} in {target}")
        found = tuple(key for _, key in matched)
        if len(matched) > 1 and not all_matches:
            ids = ", ".join(key.key_id for key in found)
            raise AmbiguousKeyError(
                f"{len(found)} keys have {what} in {target} (ids {ids})", found)
        drop = {index for index, _ in matched}
        out[:] = [line for index, line in enumerate(out) if index not in drop]
    return found


class KeyStore:
    """The keys of one keys file, re-read when the file changes.

    Parameters
    ----------
    path : Path
        The keys file. A missing file means no keys: every protected request
        is refused.

    Notes
    -----
    :meth:`keys` costs one ``stat`` while the file is unchanged. When the
    file's device, inode, size, modification or change time differ from the
    version read last, it is read again; a version that cannot be parsed is
    logged once (error on the ``touchpath.keys`` logger) and the keys read
    before stay in use until the file is fixed.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # (stamp, keys) of the last good read, swapped as one object; the stamp of
        # a bad version already logged.
        self._good: tuple[_Stamp | None, tuple[ApiKey, ...]] | None = None
        self._bad: _Stamp | None = None

    def load(self) -> tuple[ApiKey, ...]:
        """Check and read the keys file now (at start): tighten loose permissions, parse.

        Raises
        ------
        KeyFileError
            A malformed line (names the file and line), a file that cannot be
            read, or loose permissions that cannot be tightened.
        """
        warning = secure_permissions(self.path)
        if warning:
            log.warning("%s", warning)
        stamp, text = _read(self.path)
        keys = tuple(key for _, key in _parse(self.path, text.splitlines()))
        with self._lock:
            self._good, self._bad = (stamp, keys), None
        return keys

    def _current_stamp(self) -> _Stamp | None:
        try:
            return _stamp(os.stat(self.path))
        except FileNotFoundError:
            return None
        except OSError as exc:
            # Cannot even stat it (e.g. a directory on the way lost its x bit): one
            # stamp per errno, so the failure is logged once, not on every request.
            return (-1, -1, -1, -1, exc.errno or 0)

    def _cached(self, stamp: _Stamp | None) -> tuple[ApiKey, ...] | None:
        """The keys in use when ``stamp`` is the version read last or a bad one seen."""
        good = self._good
        if good is not None and stamp == good[0]:
            return good[1]
        if stamp is not None and stamp == self._bad:
            return good[1] if good is not None else ()
        return None

    def keys(self) -> tuple[ApiKey, ...]:
        """Current keys (the file is re-read only when it changed; see the class notes)."""
        stamp = self._current_stamp()
        cached = self._cached(stamp)
        if cached is not None:
            return cached
        with self._lock:
            cached = self._cached(stamp)
            if cached is not None:
                return cached
            try:
                read_stamp, text = _read(self.path)
                keys = tuple(key for _, key in _parse(self.path, text.splitlines()))
            except KeyFileError as exc:
                kept = self._good[1] if self._good is not None else ()
                log.error("%s; still using the %d key(s) read before", exc, len(kept))
                self._bad = stamp
                return kept
            self._good, self._bad = (read_stamp, keys), None
            return keys

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

"""Staging of ingest uploads: the size limit on decompressed bytes, and the temp folders.

An upload is written to a folder of its own, ``touchpath-upload-<pid>-<random>``
in the system temp directory, before the warehouse reads it
(:mod:`touchpath.api.routes.ingest`). The upload limit (``max_upload_bytes``,
``TOUCHPATH_MAX_UPLOAD_BYTES``) counts the bytes received
(:class:`touchpath.api.main.BodySizeLimit`) and also the bytes they decompress to, so a
small compressed file cannot expand into rows the service cannot hold:

* gzip is decompressed here in bounded chunks into a plain CSV file, counting
  the decompressed bytes; past the limit the upload is refused (413) at once.
  The warehouse only ever reads the plain file.
* Parquet: the footer's declared sizes are checked first, then the file is
  decoded batch by batch, counting the bytes of its values as a plain
  (undictionaried) table holds them, and at least one byte per value, as a CSV
  would; past the limit, 413.
* zstd, bzip2, xz and zip files are refused (422) without being decompressed.

All of this happens before the data lock is taken and before DuckDB reads the
file. :func:`remove_stale_upload_dirs` (run when the app starts) removes the
folders a killed server left behind.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
import tempfile
import time
import zlib
from pathlib import Path
from typing import IO, Any, Literal

from touchpath.api.problems import PayloadTooLarge

__all__ = [
    "STALE_UNNAMED_AFTER_S",
    "UPLOAD_DIR_PREFIX",
    "Kind",
    "detect",
    "remove_stale_upload_dirs",
    "stage_upload",
    "upload_dir_prefix",
]

log = logging.getLogger("touchpath.api")

#: Prefix of every upload's temp folder; the server's pid follows (``touchpath-upload-<pid>-``).
UPLOAD_DIR_PREFIX = "touchpath-upload-"

#: Upload folders without a pid in their name (made before pids were recorded) are
#: removed at start once they are this old, in seconds: no upload takes that long.
STALE_UNNAMED_AFTER_S = 6 * 3600.0

#: How an upload is staged: a plain CSV, a gzip-compressed CSV, or Parquet.
Kind = Literal["csv", "csv.gz", "parquet"]

_CHUNK = 1024 * 1024
_PARQUET_BATCH_ROWS = 8192
_PARQUET_MAGIC = b"PAR1"
_GZIP_MAGIC = b"\x1f\x8b"
#: Compressed formats that are refused: DuckDB would read them as text.
_REFUSED_MAGIC = {
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"PK\x03\x04": "zip",
}
_PID_DIR = re.compile(re.escape(UPLOAD_DIR_PREFIX) + r"(\d+)-")


def upload_dir_prefix() -> str:
    """Prefix of this process's upload folders: ``touchpath-upload-<pid>-``."""
    return f"{UPLOAD_DIR_PREFIX}{os.getpid()}-"


def detect(head: bytes, name: str) -> Kind:
    """How to stage an upload, from its first bytes.

    Parameters
    ----------
    head : bytes
        The first 8 bytes (or fewer) of the upload.
    name : str
        The client's file name, for the error message.

    Raises
    ------
    IngestError
        A zstd, bzip2, xz or zip file (row 0: which format, and what to send).
    """
    if head.startswith(_PARQUET_MAGIC):
        return "parquet"
    if head.startswith(_GZIP_MAGIC):
        return "csv.gz"
    for magic, fmt in _REFUSED_MAGIC.items():
        if head.startswith(magic):
            raise _unreadable(name, f"{fmt}-compressed files are not accepted; send the CSV "
                                    "plain or gzip-compressed, or a Parquet file")
    return "csv"


def stage_upload(src: IO[bytes], target: str | os.PathLike[str], kind: Kind, limit: int,
                 name: str) -> None:
    """Write the upload ``src`` to ``target`` as the warehouse will read it.

    Parameters
    ----------
    src : binary file
        The uploaded file, positioned at its start.
    target : path
        Where to write: a ``.csv`` path for ``csv`` and ``csv.gz`` (gzip is
        decompressed), a ``.parquet`` path for ``parquet``.
    kind : {"csv", "csv.gz", "parquet"}
        From :func:`detect`.
    limit : int
        The upload limit in bytes, on the decompressed (decoded) data.
    name : str
        The client's file name, for messages.

    Raises
    ------
    PayloadTooLarge
        The data is over ``limit`` bytes once decompressed (413). Nothing is
        left behind but what was written to ``target`` (the caller's folder).
    IngestError
        Broken gzip data or an unreadable Parquet file (422, row 0).
    """
    with open(target, "wb") as out:
        if kind == "csv.gz":
            _gunzip(src, out, limit, name)
        else:
            shutil.copyfileobj(src, out, _CHUNK)
    if kind == "parquet":
        _check_parquet(target, limit, name)


def _too_large(name: str, what: str, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(limit, f"{name}: {what}; the upload limit of {limit} bytes "
                                  "(TOUCHPATH_MAX_UPLOAD_BYTES) counts decompressed bytes")


def _unreadable(name: str, reason: str) -> Any:
    from touchpath.data.warehouse import IngestError, IngestProblem

    return IngestError([IngestProblem(0, "", f"cannot read: {reason}")], 1, name)


def _gunzip(src: IO[bytes], out: IO[bytes], limit: int, name: str) -> None:
    """Decompress gzip ``src`` into ``out`` 1 MiB at a time, stopping past ``limit`` bytes."""
    written = 0
    with gzip.GzipFile(fileobj=src, mode="rb") as packed:
        while True:
            try:
                chunk = packed.read(_CHUNK)
            except (OSError, EOFError, zlib.error) as exc:
                raise _unreadable(name, f"broken gzip data ({exc})") from None
            if not chunk:
                return
            written += len(chunk)
            if written > limit:
                raise _too_large(name, f"more than {limit} bytes once decompressed", limit)
            out.write(chunk)


def _check_parquet(path: str | os.PathLike[str], limit: int, name: str) -> None:
    """Refuse a Parquet file whose data is over ``limit`` bytes once decoded.

    First the footer: the row groups' declared uncompressed sizes, the column
    chunks' and one byte per value (rows × columns). Then the data, a batch of
    rows at a time: string columns are read as dictionaries and counted as
    their values' lengths (plus a 4-byte offset each), other columns by their
    Arrow buffers, and every value as at least one byte.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        groups = [meta.row_group(i) for i in range(meta.num_row_groups)]
        declared = max(
            sum(g.total_byte_size for g in groups),
            sum(g.column(j).total_uncompressed_size for g in groups for j in range(g.num_columns)),
            meta.num_rows * meta.num_columns,
        )
        if declared > limit:
            raise _too_large(name, f"the Parquet file declares {declared} bytes of data", limit)
        schema = meta.schema.to_arrow_schema()
        strings = [f.name for f in schema
                   if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
                   or pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)]
        decoded = 0
        with pq.ParquetFile(path, read_dictionary=strings) as pf:
            for batch in pf.iter_batches(batch_size=_PARQUET_BATCH_ROWS):
                for column in batch.columns:
                    decoded += max(_decoded_bytes(column, pa, pc), len(column))
                if decoded > limit:
                    raise _too_large(name, f"more than {limit} bytes once decompressed", limit)
    except (pa.ArrowException, OSError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _unreadable(name, f"not a readable Parquet file ({text})") from None


def _decoded_bytes(column: Any, pa: Any, pc: Any) -> int:
    """Bytes of ``column`` as a plain Arrow array (a dictionary column expanded)."""
    if pa.types.is_dictionary(column.type):
        lengths = pc.binary_length(column.dictionary)
        used = pc.sum(pc.take(lengths, column.indices)).as_py() or 0
        return int(used) + 4 * len(column)
    return int(column.nbytes)


# ------------------------------------------------------------------ stale folders
def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (of any user)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _started_at(pid: int) -> float | None:
    """Wall-clock start time of process ``pid`` (Linux ``/proc``), or None when unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        # Field 22 (starttime, clock ticks after boot); fields from 3 on follow the
        # command name's closing parenthesis.
        ticks = float(stat.rsplit(")", 1)[1].split()[19])
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _stale(entry: os.DirEntry[str], now: float) -> bool:
    """Whether an upload folder belongs to no running server."""
    modified = entry.stat(follow_symlinks=False).st_mtime
    match = _PID_DIR.match(entry.name)
    if match is None:  # no pid in the name: only its age tells
        return now - modified > STALE_UNNAMED_AFTER_S
    pid = int(match.group(1))
    if not _alive(pid):
        return True
    started = _started_at(pid)
    # The pid was reused: the process holding it started after the folder was made.
    return started is not None and modified < started - 1.0


def remove_stale_upload_dirs(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove upload folders left by servers that are gone (killed during an upload).

    A folder ``touchpath-upload-<pid>-*`` is stale when no process ``pid``
    runs, or when the process with that pid started after the folder was made
    (the pid was reused). A folder ``touchpath-upload-*`` without a pid is
    stale after :data:`STALE_UNNAMED_AFTER_S`. Only folders of the current
    user are touched; links are never followed.

    Parameters
    ----------
    directory : path, optional
        Where to look; the system temp directory by default.

    Returns
    -------
    list of Path
        The folders removed.
    """
    root = Path(directory if directory is not None else tempfile.gettempdir())
    uid = os.getuid() if hasattr(os, "getuid") else None
    now = time.time()
    removed: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        log.warning("cannot look for stale upload folders in %s: %s", root, exc)
        return removed
    for entry in entries:
        try:
            if not entry.name.startswith(UPLOAD_DIR_PREFIX):
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            if uid is not None and entry.stat(follow_symlinks=False).st_uid != uid:
                continue
            if not _stale(entry, now):
                continue
            shutil.rmtree(entry.path)
        except OSError as exc:
            log.warning("cannot remove stale upload folder %s: %s", entry.path, exc)
            continue
        removed.append(Path(entry.path))
        log.info("removed stale upload folder %s", entry.path)
    return removed

"""Dependencies of the API routes, as ``Annotated`` aliases.

* :data:`SettingsDep` — the app's :class:`~touchpath.api.settings.Settings`;
* :data:`StateDep` — the app-wide :class:`AppState` (warehouse, locks, cache, keys);
* :data:`ReadSessionDep` / :data:`ConnDep` — a read session for one request:
  a shared hold on the data lock, the data version it sees, and a warehouse
  view over a cursor of its own;
* :data:`ReaderKey` / :data:`WriterKey` — the caller's API key, checked for
  the ``read`` / ``write`` role (401 without a valid key, 403 with too weak a role).

Concurrency model (DESIGN.md, "Interfaces"; one process, uvicorn's thread
pool): the app opens one :class:`~touchpath.data.warehouse.Warehouse` in its lifespan.
DuckDB connections are not safe to share between threads, so every request
works on its own cursor (``Warehouse.cursor()``). Writes (ingest, status
changes) are serialised and exclusive: they hold the write side of a
read/write lock (:class:`ReadWriteLock`: a waiting writer lets reads in for a
while, then has priority), and each ingest is one DuckDB transaction.
Reads hold the read side for the whole request, so a request's queries and the
data version it reports all belong to one state of the data — the state before
an ingest or the state after it, never part of it.

Bounded holds: a read's computations get ``request_time_budget_s`` from the
moment its hold is taken (:meth:`ReadSession.should_stop`, asked between model
fits and bootstrap batches); past it they stop, the request gets 503 and the
hold is released, so no read keeps a writer out for longer than that.
``/v1/health`` takes no hold at all: it answers from :class:`DataSnapshot`,
refreshed under the write hold after every write (:meth:`AppState.refresh`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import duckdb
from fastapi import Depends, HTTPException, Request, Security
from fastapi.responses import Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from touchpath.api.cache import ResultCache
from touchpath.api.security import ApiKey, KeyStore, Role
from touchpath.api.settings import Settings
from touchpath.data.warehouse import Warehouse

__all__ = [
    "DATA_VERSION_HEADER",
    "AppState",
    "ConnDep",
    "DataSnapshot",
    "ReadSession",
    "ReadSessionDep",
    "ReadWriteLock",
    "ReaderKey",
    "SettingsDep",
    "StateDep",
    "WriteSession",
    "WriteSessionDep",
    "WriterKey",
    "get_settings_dep",
    "get_state",
]

#: Response header naming the data version a cached JSON or CSV body was computed from.
DATA_VERSION_HEADER = "X-Touchpath-Data-Version"


class ReadWriteLock:
    """Many readers or one writer, with bounded waits on both sides.

    Policy (in order of precedence):

    1. A writer holding the lock excludes everyone; readers that arrive then
       wait for that writer's work only.
    2. A writer that *waits* (for reads in flight) does not stop new readers
       during its first ``writer_patience_s`` seconds of waiting: reads keep
       being served on the data as it is, and the writer gets in as soon as
       the reads in flight are done. Each read is bounded by the request time
       budget, so the writer is not kept out by any one read.
    3. A writer that has waited ``writer_patience_s`` or longer has priority:
       new readers queue behind it. This bounds a writer's wait under a
       steady stream of overlapping reads to about ``writer_patience_s`` plus
       the longest read admitted before that (one time budget).
    4. When a writer finishes, the readers queued behind it go before the next
       writer, unless that writer has priority (rule 3) itself; so a reader
       waits for one writer's work, not for a chain of writers.

    Hence a reader never waits for a writer that merely waits (during its
    patience), and waits for a writer's own work when one holds the lock; a
    writer waits at most its patience plus one bounded read. Writers among
    themselves are serialised in no particular order.

    Not re-entrant. Holds are counted, not owned by a thread, so a hold may
    be released from another thread than the one that took it (FastAPI may
    enter and leave a dependency on different worker threads).

    Parameters
    ----------
    writer_patience_s : float, default 10.0
        How long a waiting writer lets new readers in before it has priority;
        0 gives a writer priority at once (writer preference). Keep it at
        least the request time budget, so that the reads in flight when a
        writer arrives can finish without new reads queueing.
    clock : callable, default time.monotonic
        Seconds, monotonic (tests pass a clock of their own).
    """

    def __init__(self, writer_patience_s: float = 10.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not writer_patience_s >= 0:
            raise ValueError(f"writer_patience_s must be 0 or more, got {writer_patience_s!r}")
        self.writer_patience_s = float(writer_patience_s)
        self._clock = clock
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._readers_waiting = 0
        self._writers_since: list[float] = []  # when each waiting writer arrived, oldest first

    # -- state, for health checks and tests (a snapshot: it may change at once)
    @property
    def readers(self) -> int:
        """Shared holds taken now."""
        return self._readers

    @property
    def writing(self) -> bool:
        """Whether a writer holds the lock now."""
        return self._writer

    @property
    def readers_waiting(self) -> int:
        """Readers queued (behind a writer that holds the lock or has priority)."""
        return self._readers_waiting

    @property
    def writers_waiting(self) -> int:
        """Writers waiting for the lock."""
        return len(self._writers_since)

    # -- the policy (call with self._cond held)
    def _has_priority(self, since: float) -> bool:
        return self._clock() - since >= self.writer_patience_s

    def _reader_must_wait(self) -> bool:
        return self._writer or bool(self._writers_since
                                    and self._has_priority(self._writers_since[0]))

    def _writer_must_wait(self, since: float) -> bool:
        if self._writer or self._readers:
            return True
        return bool(self._readers_waiting) and not self._has_priority(since)

    # -- read side
    def try_acquire_read(self) -> bool:
        """Take a shared hold if that needs no waiting (rules 1 and 3); whether taken."""
        with self._cond:
            if self._reader_must_wait():
                return False
            self._readers += 1
            return True

    def acquire_read(self) -> None:
        """Take a shared hold, waiting while a writer holds the lock or has priority."""
        with self._cond:
            if self._reader_must_wait():
                self._readers_waiting += 1
                try:
                    while self._reader_must_wait():
                        self._cond.wait()
                finally:
                    self._readers_waiting -= 1
                    # a writer deferring to queued readers (rule 4) re-checks
                    self._cond.notify_all()
            self._readers += 1

    def release_read(self) -> None:
        """Give back a shared hold."""
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    # -- write side
    def acquire_write(self) -> None:
        """Take the exclusive hold (waits for the reads in flight, see the class)."""
        with self._cond:
            since = self._clock()
            self._writers_since.append(since)
            try:
                while self._writer_must_wait(since):
                    self._cond.wait()
            finally:
                self._writers_since.remove(since)
            self._writer = True

    def release_write(self) -> None:
        """Give back the exclusive hold."""
        with self._cond:
            self._writer = False
            self._cond.notify_all()

    @contextmanager
    def read(self) -> Iterator[None]:
        """Context manager around a shared hold."""
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def write(self) -> Iterator[None]:
        """Context manager around the exclusive hold."""
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()


@dataclass(frozen=True)
class DataSnapshot:
    """What ``/v1/health`` reports about the data, read once per write.

    Made by :meth:`AppState.refresh` at startup and after every write, under
    the write hold, so its fields belong to one state of the data; health
    answers from it without touching the lock or DuckDB.
    """

    data_version: int
    counts: dict[str, int]
    first_day: date | None
    last_day: date | None
    last_ingest_at: datetime | None


@dataclass
class AppState:
    """Everything one app instance shares between requests.

    Parameters
    ----------
    settings : Settings
        The settings the app was made with.
    warehouse : Warehouse
        The one open warehouse (its connection is only used to make cursors).
    keys : KeyStore
        API keys.
    cache : ResultCache
        Results by ``(data version, endpoint, params)``.
    lock : ReadWriteLock
        Readers share it; ingest and status changes take it exclusively.
    snapshot : DataSnapshot or None
        Data version, row counts, date range and last ingest time, as of the
        last :meth:`refresh` (``None`` before the first).
    """

    settings: Settings
    warehouse: Warehouse
    keys: KeyStore
    cache: ResultCache
    lock: ReadWriteLock = field(default_factory=ReadWriteLock)
    conn_lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = -1
    snapshot: DataSnapshot | None = None

    def refresh(self) -> int:
        """Re-read the data version and the health snapshot; return the version.

        Call at startup and after every write while still holding the write
        side of the lock (no reader can see a version without its snapshot).
        """
        view, cursor = self.view()
        try:
            first, last = view.date_range()
            snapshot = DataSnapshot(
                data_version=int(view.data_version),
                counts=dict(view.counts()),
                first_day=None if first is None else first.date(),
                last_day=None if last is None else last.date(),
                last_ingest_at=view.last_ingest_at,
            )
        finally:
            cursor.close()
        self.snapshot = snapshot
        self.version = snapshot.data_version
        return self.version

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new cursor on the warehouse.

        The warehouse's own connection refuses concurrent calls, so making a
        cursor from it is serialised; the cursor is then the caller's alone.
        """
        with self.conn_lock:
            return self.warehouse.cursor()

    def view(self) -> tuple[Warehouse, duckdb.DuckDBPyConnection]:
        """``(warehouse view, cursor)``: the warehouse bound to a new cursor of its own.

        The caller closes the cursor (the view does not own it,
        :meth:`~touchpath.data.warehouse.Warehouse.bind`).
        """
        cursor = self.cursor()
        return self.warehouse.bind(cursor), cursor


def _state_of(request: Request) -> AppState:
    state = getattr(request.app.state, "touchpath", None)
    if state is None:
        raise HTTPException(status_code=503, detail="the service is starting or stopping")
    return state


# The cheap dependencies are ``async def``: they run on the event loop instead
# of taking a worker-thread round trip each (a cached read is mostly such
# overhead). Anything that may block (the data lock, DuckDB) stays synchronous.
async def get_state(request: Request) -> AppState:
    """The :class:`AppState` of the app serving ``request``."""
    return _state_of(request)


async def get_settings_dep(request: Request) -> Settings:
    """The settings of the app serving ``request`` (override in tests)."""
    return _state_of(request).settings


StateDep = Annotated[AppState, Depends(get_state)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


class ReadSession:
    """One request's consistent view of the data.

    Attributes
    ----------
    warehouse : Warehouse
        A view of the app's warehouse over this request's own cursor, made on
        first use (a request answered from the cache never touches DuckDB).
    conn : duckdb.DuckDBPyConnection
        That cursor.
    version : int
        The data version this request sees (it cannot change before the
        request ends: writes wait for the read hold to be released).
    cache : ResultCache
        The app's result cache.
    settings : Settings
        The app's settings.
    deadline : float or None
        ``time.monotonic()`` by which the request's computations must be done:
        ``settings.request_time_budget_s`` after the session started (that
        is, after the read hold was taken); ``None`` without a budget.
    """

    def __init__(self, state: AppState) -> None:
        self._state = state
        self._view: Warehouse | None = None
        self._cursor: duckdb.DuckDBPyConnection | None = None
        self.version = state.version
        self.cache = state.cache
        self.settings = state.settings
        budget = state.settings.request_time_budget_s
        self.deadline = None if budget is None else time.monotonic() + budget

    def should_stop(self) -> bool:
        """Whether the request is past its time budget (pass to long computations).

        Computations ask at their checkpoints and raise
        :class:`~touchpath.attribution.base.ComputationStopped`, which the API answers
        with 503; the read hold is released as the request ends.
        """
        return self.deadline is not None and time.monotonic() >= self.deadline

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse bound to this request's cursor."""
        if self._view is None:
            self._view, self._cursor = self._state.view()
        return self._view

    @property
    def conn(self) -> duckdb.DuckDBPyConnection:
        """The cursor of this request (made on first use)."""
        if self._cursor is None:
            self._view, self._cursor = self._state.view()
        return self._cursor

    def close(self) -> None:
        """Close the cursor, if one was made."""
        if self._cursor is not None:
            self._cursor.close()
            self._cursor = self._view = None

    def cached(self, endpoint: str, params: dict[str, Any], compute: Any) -> Any:
        """``compute()`` cached under ``(self.version, endpoint, params)``."""
        return self.cache.get_or_compute(self.version, endpoint, params, compute)

    def cached_json(self, endpoint: str, params: dict[str, Any],
                    compute: Callable[[], BaseModel]) -> Response:
        """The JSON response of ``compute()``, encoded once per data version and params.

        ``compute`` builds the response model (validated on construction);
        its JSON bytes are cached under ``(self.version, endpoint + ":json",
        params)`` and every hit is answered with those bytes as they are, so a
        repeated request neither re-validates nor re-serialises the model. The
        route keeps its ``response_model`` for the OpenAPI document; FastAPI
        passes a returned :class:`~starlette.responses.Response` through
        untouched. The encoding matches FastAPI's own (compact JSON, field
        names, non-finite floats as ``null``).
        """

        def encode() -> bytes:
            return compute().model_dump_json().encode("utf-8")

        body = self.cache.get_or_compute(self.version, endpoint + ":json", params, encode)
        return Response(body, media_type="application/json",
                        headers={DATA_VERSION_HEADER: str(self.version)})


async def read_session(state: StateDep) -> AsyncIterator[ReadSession]:
    """Hold the data lock shared and give the request a cursor of its own.

    The hold is taken on the event loop when that needs no waiting (the usual
    case: no write holding the lock or waiting past its patience, see
    :class:`ReadWriteLock`), else in a worker thread, so that waiting for an
    ingest never blocks the loop. The request's time budget starts once the
    hold is taken. Nothing can be cancelled between taking the
    hold and the ``try`` that gives it back.
    """
    if not state.lock.try_acquire_read():
        await run_in_threadpool(state.lock.acquire_read)
    try:
        session = ReadSession(state)
        try:
            yield session
        finally:
            session.close()
    finally:
        state.lock.release_read()


@dataclass
class WriteSession:
    """Exclusive access for one write request (ingest, status change).

    ``changed`` is True unless the route found nothing to write
    (:meth:`unchanged`); then the cached results are kept.
    """

    warehouse: Warehouse
    state: AppState
    changed: bool = True

    def finish(self) -> int:
        """Drop every cached result; return the current data version."""
        self.state.cache.invalidate()
        return self.state.refresh()

    def unchanged(self) -> int:
        """Nothing was written: keep the cached results; return the data version."""
        self.changed = False
        return self.state.version


def write_session(state: StateDep) -> Iterator[WriteSession]:
    """Hold the data lock exclusively for the request (writes are serialised)."""
    state.lock.acquire_write()
    session: WriteSession | None = None
    try:
        view, cursor = state.view()
        session = WriteSession(view, state)
        try:
            yield session
        finally:
            cursor.close()
    finally:
        # Any write (rows or a channel status) may change every result: drop them all,
        # unless the route wrote nothing. No reader is in flight while the write hold
        # is taken, so nothing stale can be stored after this.
        try:
            if session is None or session.changed:
                state.cache.invalidate()
                state.refresh()
        finally:
            state.lock.release_write()


ReadSessionDep = Annotated[ReadSession, Depends(read_session)]
ConnDep = ReadSessionDep
WriteSessionDep = Annotated[WriteSession, Depends(write_session)]

_bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer <key>`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                               description="`X-API-Key: <key>`")


def _authenticate(
    state: AppState,
    bearer: HTTPAuthorizationCredentials | None,
    header_key: str | None,
    needed: Role,
) -> ApiKey:
    presented = header_key or (bearer.credentials if bearer is not None else None)
    if not presented:
        raise HTTPException(
            status_code=401,
            detail="an API key is required: send 'Authorization: Bearer <key>' or 'X-API-Key'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = state.keys.lookup(presented)
    if key is None:
        raise HTTPException(status_code=401, detail="the API key is not valid",
                            headers={"WWW-Authenticate": "Bearer"})
    if not key.role.allows(needed):
        raise HTTPException(status_code=403,
                            detail=f"this endpoint needs a {needed.value} key; "
                                   f"the key given has role {key.role.value}")
    return key


async def require_read(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_api_key_header)],
) -> ApiKey:
    """The caller's key, which must have the ``read`` (or ``write``) role."""
    return _authenticate(state, bearer, header_key, Role.read)


async def require_write(
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    header_key: Annotated[str | None, Security(_api_key_header)],
) -> ApiKey:
    """The caller's key, which must have the ``write`` role."""
    return _authenticate(state, bearer, header_key, Role.write)


ReaderKey = Annotated[ApiKey, Depends(require_read)]
WriterKey = Annotated[ApiKey, Depends(require_write)]

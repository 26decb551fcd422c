"""Dependencies of the API routes, as ``Annotated`` aliases.

* :data:`SettingsDep` — the app's :class:`~api.settings.Settings`;
* :data:`StateDep` — the app-wide :class:`AppState` (warehouse, locks, cache, keys);
* :data:`ReadSessionDep` / :data:`ConnDep` — a read session for one request:
  a shared hold on the data lock, the data version it sees, and a warehouse
  view over a cursor of its own;
* :data:`ReaderKey` / :data:`WriterKey` — the caller's API key, checked for
  the ``read`` / ``write`` role (401 without a valid key, 403 with too weak a role).

Concurrency model (DESIGN.md, "Interfaces"; one process, uvicorn's thread
pool): the app opens one :class:`~data.warehouse.Warehouse` in its lifespan.
DuckDB connections are not safe to share between threads, so every request
works on its own cursor (``Warehouse.cursor()``). Writes (ingest, status
changes) are serialised and exclusive: they hold the write side of a
writer-preferring read/write lock, and each ingest is one DuckDB transaction.
Reads hold the read side for the whole request, so a request's queries and the
data version it reports all belong to one state of the data — the state before
an ingest or the state after it, never part of it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.responses import Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.cache import ResultCache
from api.security import ApiKey, KeyStore, Role
from api.settings import Settings

__all__ = [
    "DATA_VERSION_HEADER",
    "AppState",
    "ConnDep",
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
    """Many readers or one writer; a waiting writer blocks new readers.

    Writer preference keeps an ingest from starving under a steady stream of
    reads. Not re-entrant. Holds are counted, not owned by a thread, so a hold
    may be released from another thread than the one that took it (FastAPI
    may enter and leave a dependency on different worker threads).
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    def try_acquire_read(self) -> bool:
        """Take a shared hold if no writer holds or waits; never waits. Whether taken."""
        with self._cond:
            if self._writer or self._writers_waiting:
                return False
            self._readers += 1
            return True

    def acquire_read(self) -> None:
        """Take a shared hold (waits while a writer holds or waits)."""
        with self._cond:
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        """Give back a shared hold."""
        with self._cond:
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        """Take the exclusive hold (waits for current readers to finish)."""
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
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
    """

    settings: Settings
    warehouse: Any
    keys: KeyStore
    cache: ResultCache
    lock: ReadWriteLock = field(default_factory=ReadWriteLock)
    conn_lock: threading.Lock = field(default_factory=threading.Lock)
    version: int = -1

    def refresh_version(self) -> int:
        """Re-read the data version from the warehouse (after a write, under its hold)."""
        self.version = self.data_version()
        return self.version

    def cursor(self) -> Any:
        """A new cursor on the warehouse.

        The warehouse's own connection refuses concurrent calls, so making a
        cursor from it is serialised; the cursor is then the caller's alone.
        """
        with self.conn_lock:
            return self.warehouse.cursor()

    def view(self) -> tuple[Any, Any]:
        """``(warehouse view, cursor)``: the warehouse bound to a new cursor of its own."""
        cursor = self.cursor()
        return _view(self.warehouse, cursor), cursor

    def data_version(self) -> int:
        """The current data version, read on a cursor of its own."""
        view, cursor = self.view()
        try:
            return int(view.data_version)
        finally:
            cursor.close()


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


def _view(warehouse: Any, cursor: Any) -> Any:
    """A shallow copy of ``warehouse`` whose connection is ``cursor``.

    Domain functions take a warehouse and query ``wh.conn`` / ``wh.cursor()``;
    the copy routes those to the request's own cursor.
    """
    view = copy.copy(warehouse)
    bind = getattr(view, "_bind_connection", None)
    if callable(bind):
        bind(cursor)
    else:
        for name in ("_conn", "conn"):
            if name in vars(view):
                setattr(view, name, cursor)
                break
    return view


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
    """

    def __init__(self, state: AppState) -> None:
        self._state = state
        self._view: Any = None
        self._cursor: Any = None
        self.version = state.version
        self.cache = state.cache

    @property
    def warehouse(self) -> Any:
        """The warehouse bound to this request's cursor."""
        if self._view is None:
            self._view, self._cursor = self._state.view()
        return self._view

    @property
    def conn(self) -> Any:
        """The cursor of this request (made on first use)."""
        self.warehouse  # noqa: B018  (makes the cursor)
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

    The hold is taken on the event loop when it is free (the usual case: no
    write running or waiting), else in a worker thread, so that waiting for an
    ingest never blocks the loop. Nothing can be cancelled between taking the
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

    warehouse: Any
    state: AppState
    changed: bool = True

    def finish(self) -> int:
        """Drop every cached result; return the current data version."""
        self.state.cache.invalidate()
        return self.state.refresh_version()

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
        if session is None or session.changed:
            state.cache.invalidate()
            state.refresh_version()
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

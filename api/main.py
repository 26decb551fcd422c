"""The FastAPI application factory of the Touchpath HTTP API.

``create_app(settings)`` builds an app whose lifespan loads and checks the API
keys file (:meth:`~touchpath.api.security.KeyStore.load`; a malformed file stops the
start), removes the upload temp folders of servers that are gone
(:func:`touchpath.api.upload.remove_stale_upload_dirs`), opens one
:class:`~touchpath.data.warehouse.Warehouse` (closed on shutdown) and sets up the result
cache; routers are mounted under ``/v1``. OpenAPI is at
``/openapi.json`` and the interactive docs at ``/docs`` (Swagger UI shipped
inside the package, :mod:`touchpath.api.routes.docs`; no CDN). Errors are problem
details (:mod:`touchpath.api.problems`); request bodies are size-limited before they are
parsed (:class:`BodySizeLimit`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from touchpath.api.cache import ResultCache
from touchpath.api.deps import AppState, ReadWriteLock
from touchpath.api.problems import PROBLEM_JSON, PayloadTooLarge, install_problem_handlers
from touchpath.api.security import KeyStore
from touchpath.api.settings import Settings, get_settings

__all__ = ["BodySizeLimit", "create_app", "package_version"]

#: Limit on request bodies other than ingest uploads (JSON bodies are small).
MAX_JSON_BODY_BYTES = 1024 * 1024

_TAGS = [
    {"name": "health", "description": "Liveness, data version and row counts (no key needed)."},
    {"name": "defaults", "description": "The service's defaults (no key needed)."},
    {"name": "ingest", "description": "Load CSV or Parquet files into the warehouse (write key)."},
    {"name": "paths", "description": "Customer journeys and the path table."},
    {"name": "attribution", "description": "Attribution models and their comparison."},
    {"name": "roi", "description": "Channel ROI per period, as JSON or CSV."},
    {"name": "lifecycle", "description": "Test / scale / exit verdicts and channel status."},
    {"name": "budget", "description": "Budget plans, scenarios and goal seeking."},
]

_DESCRIPTION = """\
Multi-touch attribution, channel ROI, new-channel lifecycle rules and budget
planning over the Touchpath warehouse.

**Auth.** Every endpoint but `/v1/health` and `/v1/defaults` needs an API key, sent as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. Keys have the role `read`
(GET endpoints and budget computations) or `write` (also ingest and channel
status changes). Missing or unknown key: 401; role too weak: 403.

**Errors** are RFC 9457 problem details (`application/problem+json`).

**Consistency.** Every response carries the `data_version` it was computed
from; an ingest is all-or-nothing and readers see the data before or after it.
"""


def package_version() -> str:
    """The installed Touchpath version."""
    try:
        return version("touchpath")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0.0.0"


class BodySizeLimit:
    """ASGI middleware refusing request bodies over a byte limit with 413.

    The declared ``Content-Length`` is checked before anything is read, and
    the bytes actually received are counted as they stream in (a chunked
    upload, or a client that lies about its length, is cut off as soon as it
    passes the limit). Paths under ``upload_prefix`` get ``upload_limit``;
    everything else gets ``body_limit``. What an upload decompresses to is
    held to the same limit while it is staged (:mod:`touchpath.api.upload`).
    """

    def __init__(self, app: ASGIApp, *, upload_limit: int, body_limit: int,
                 upload_prefix: str = "/v1/ingest") -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.body_limit = body_limit
        self.upload_prefix = upload_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on with a byte-counting ``receive``; answer 413 when over."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_limit if path.startswith(self.upload_prefix) else self.body_limit
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
                break
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except PayloadTooLarge:
            if started:
                raise
            await self._refuse(scope, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, send: Send, limit: int) -> None:
        from starlette.requests import Request

        from touchpath.api.problems import problem_response

        response = problem_response(Request(scope), 413,
                                    f"request body exceeds the limit of {limit} bytes",
                                    headers={"Connection": "close"})
        await response(scope, _drain, send)


async def _drain() -> Message:
    return {"type": "http.disconnect"}


def _problem_content_types(schema: dict[str, Any]) -> None:
    """Declare error responses as ``application/problem+json`` in the OpenAPI document."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                body = content.get("application/json")
                ref = (body or {}).get("schema", {}).get("$ref", "")
                if ref.endswith("/Problem"):
                    content[PROBLEM_JSON] = content.pop("application/json")


def create_app(settings: Settings | None = None, *, warehouse: Any = None) -> FastAPI:
    """Build the Touchpath API.

    Parameters
    ----------
    settings : Settings, optional
        Defaults to :func:`touchpath.api.settings.get_settings` (environment and config file).
    warehouse : Warehouse, optional
        An already open warehouse to serve (the caller closes it). By default
        the lifespan opens ``settings.db`` and closes it on shutdown.

    Returns
    -------
    FastAPI
        The app; run it with uvicorn (``touchpath serve``) or ``TestClient``.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from touchpath.api.upload import remove_stale_upload_dirs
        from touchpath.data.warehouse import Warehouse

        # The keys file is checked before anything is opened: a malformed line or
        # permissions that cannot be tightened stop the start (KeyFileError).
        keys = KeyStore(settings.api_keys_file)
        keys.load()
        # Upload folders of servers killed mid-upload (their pid is gone).
        remove_stale_upload_dirs()
        owned = warehouse is None
        wh = Warehouse(settings.db) if owned else warehouse
        app.state.touchpath = AppState(
            settings=settings,
            warehouse=wh,
            keys=keys,
            cache=ResultCache(settings.cache_entries),
            lock=ReadWriteLock(settings.writer_patience_s),
        )
        app.state.touchpath.refresh()
        try:
            yield
        finally:
            app.state.touchpath = None
            if owned:
                wh.close()

    app = FastAPI(
        title="Touchpath API",
        version=package_version(),
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served from the package by api.routes.docs, not from a CDN
        redoc_url=None,
        openapi_tags=_TAGS,
        lifespan=lifespan,
    )
    app.state.touchpath = None
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit, upload_limit=settings.max_upload_bytes,
                       body_limit=MAX_JSON_BODY_BYTES)

    from touchpath.api.routes import ROUTERS

    for router in ROUTERS:
        app.include_router(router)

    from touchpath.api.routes.dashboard import install_dashboard

    install_dashboard(app)

    from touchpath.api.routes.docs import install_docs

    install_docs(app)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes,
                                 tags=app.openapi_tags)
            _problem_content_types(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app

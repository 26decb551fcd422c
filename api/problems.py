"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns is a JSON object with ``type``, ``title``,
``status``, ``detail`` and ``instance`` (the request path), plus members of
its own where they help the client fix the request:

* request validation (422): ``errors``, a list of ``{loc, msg, type}``;
* a refused ingest (422): ``problems`` (``{row, column, reason}``, the first N),
  ``total`` (all problems) and ``source``;
* a domain rule broken by the parameters (422): the domain's message in
  ``detail``;
* anything unexpected (500): a fixed message. The exception is logged on the
  server; no stack trace or exception text reaches the client.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = [
    "PROBLEM_JSON",
    "PayloadTooLarge",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:touchpath:problem:"
log = logging.getLogger("touchpath.api")


class PayloadTooLarge(StarletteHTTPException):
    """A request body larger than the configured limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"request body exceeds the limit of {limit} bytes",
        )
        self.limit = limit


def _slug(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return "about:blank"
    return _TYPE + phrase.lower().replace(" ", "-").replace("'", "")


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A ``application/problem+json`` response (RFC 9457, section 3)."""
    body: dict[str, Any] = {
        "type": type_ or _slug(status),
        "title": title or _title(status),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(jsonable_encoder(extra))
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


async def _http_exception(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
    extra = exc.detail if isinstance(exc.detail, dict) else {}
    return problem_response(request, exc.status_code, detail,
                            headers=dict(exc.headers or {}), **extra)


def _clean_error(err: dict[str, Any]) -> dict[str, Any]:
    """A validation error without the raw input (it may be large or binary)."""
    return {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")),
            "type": str(err.get("type", ""))}


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [_clean_error(e) for e in exc.errors()]
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(str(p) for p in first["loc"])
    detail = f"{where}: {first['msg']}" if where else first["msg"]
    if len(errors) > 1:
        detail += f" (and {len(errors) - 1} more)"
    return problem_response(request, 422, detail, title="Invalid request",
                            type_=_TYPE + "invalid-request", errors=errors)


async def _ingest_error(request: Request, exc: Exception) -> JSONResponse:
    problems = []
    for p in getattr(exc, "problems", []):
        if hasattr(p, "_asdict"):
            problems.append(dict(p._asdict()))
        elif isinstance(p, tuple | list):
            problems.append(dict(zip(("row", "column", "reason", "value"), p, strict=False)))
        else:
            problems.append(p)
    total = int(getattr(exc, "total", len(problems)))
    source = str(getattr(exc, "source", ""))
    detail = f"file refused, nothing loaded: {total} problem(s)"
    if problems:
        p = problems[0]
        if isinstance(p, dict):
            detail += f"; first: row {p.get('row')}, column {p.get('column')}: {p.get('reason')}"
    return problem_response(request, 422, detail, title="Ingest refused",
                            type_=_TYPE + "ingest-refused", problems=problems, total=total,
                            source=source)


async def _value_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, str(exc) or type(exc).__name__,
                            title="Request cannot be processed",
                            type_=_TYPE + "unprocessable")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "an internal error occurred; it has been logged",
                            title="Internal Server Error")


def install_problem_handlers(app: FastAPI) -> None:
    """Register every problem-details handler on ``app``.

    ``IngestError`` (from :mod:`data.warehouse`) is registered before
    ``ValueError`` so its row-level report is kept when it derives from it.
    """
    from data.warehouse import IngestError

    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(IngestError, _ingest_error)
    app.add_exception_handler(ValueError, _value_error)
    app.add_exception_handler(Exception, _unexpected)

"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns is a JSON object with ``type``, ``title``,
``status``, ``detail`` and ``instance`` (the request path), plus members of
its own where they help the client fix the request:

* request validation (422): ``errors``, a list of ``{loc, msg, type}``;
* a refused ingest (422): ``problems`` (``{row, column, reason}``, the first N),
  ``total`` (all problems) and ``source``;
* a domain rule broken by the parameters (422): the domain's message in
  ``detail`` — for every :class:`~touchpath.errors.TouchpathError` (the base of
  every error Touchpath raises on purpose, :class:`InvalidParameter` included)
  without a handler of its own;
* more work than one request may ask for (422, :class:`WorkLimitExceeded`):
  ``limit`` and ``requested``, in model refits;
* a computation stopped at the request time budget (503, ``Retry-After``):
  ``time_budget_s`` and ``reason`` (how far it got);
* anything else (500), a bare ``ValueError`` or ``KeyError`` included, and an
  error of the server's own warehouse file: a fixed message. The exception is
  logged on the server; no stack trace or exception text reaches the client (it
  may hold paths or data of the server).
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from touchpath.errors import TouchpathError

__all__ = [
    "INTERNAL_ERROR_DETAIL",
    "PROBLEM_JSON",
    "InvalidParameter",
    "PayloadTooLarge",
    "WorkLimitExceeded",
    "install_problem_handlers",
    "problem_response",
]

PROBLEM_JSON = "application/problem+json"
_TYPE = "urn:touchpath:problem:"
log = logging.getLogger("touchpath.api")

#: The ``detail`` of every 500: fixed, whatever went wrong.
INTERNAL_ERROR_DETAIL = "an internal error occurred; it has been logged"


class InvalidParameter(TouchpathError, ValueError):
    """A request parameter the route itself refuses (422 with this message).

    For checks a query schema cannot state, e.g. ``to`` before ``from``.
    """


class WorkLimitExceeded(InvalidParameter):
    """A request asking for more model refits than the server's limit (422).

    Parameters
    ----------
    message : str
        What was asked for and how to stay under the limit.
    requested, limit : int
        Model refits asked for, and the most one request may ask for.
    """

    def __init__(self, message: str, *, requested: int, limit: int) -> None:
        super().__init__(message)
        self.requested = int(requested)
        self.limit = int(limit)


class PayloadTooLarge(StarletteHTTPException, TouchpathError):
    """A request body, or the data an upload decompresses to, over the limit (413).

    Parameters
    ----------
    limit : int
        The limit in bytes.
    detail : str, optional
        What was too large; by default "request body exceeds the limit of ... bytes".
    """

    def __init__(self, limit: int, detail: str | None = None) -> None:
        super().__init__(
            status_code=413,
            detail=detail or f"request body exceeds the limit of {limit} bytes",
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


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, str(exc) or type(exc).__name__,
                            title="Request cannot be processed",
                            type_=_TYPE + "unprocessable")


async def _work_limit(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(request, 422, str(exc), title="Too much work for one request",
                            type_=_TYPE + "work-limit-exceeded",
                            requested=getattr(exc, "requested", None),
                            limit=getattr(exc, "limit", None))


def _time_budget(request: Request) -> float | None:
    state = getattr(request.app.state, "touchpath", None)
    return None if state is None else state.settings.request_time_budget_s


async def _computation_stopped(request: Request, exc: Exception) -> JSONResponse:
    budget = _time_budget(request)
    spent = f"its time budget of {budget:g} s" if budget is not None else "its time budget"
    detail = (f"the computation went over {spent} and was {exc}; nothing was kept. Ask for "
              "fewer bootstrap resamples (ci) or models, or a shorter from/to range, or retry "
              "when the service is less busy")
    retry = str(max(1, math.ceil(budget or 1)))
    return problem_response(request, 503, detail, title="Time budget exceeded",
                            type_=_TYPE + "time-budget-exceeded",
                            headers={"Retry-After": retry}, time_budget_s=budget,
                            reason=str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, INTERNAL_ERROR_DETAIL, title="Internal Server Error")


def install_problem_handlers(app: FastAPI) -> None:
    """Register every problem-details handler on ``app``.

    HTTP exceptions keep their status; request validation, a refused ingest,
    every other :class:`~touchpath.errors.TouchpathError` and
    :class:`WorkLimitExceeded` are 422; a computation stopped at the time budget
    is 503; an error of the server's own warehouse file and anything that is not
    a ``TouchpathError`` are a 500 with :data:`INTERNAL_ERROR_DETAIL` (logged with
    its traceback on the server). A handler applies to the error's class and its
    subclasses; the most specific one wins.
    """
    from touchpath.attribution.base import ComputationStopped
    from touchpath.data.warehouse import IngestError, WarehouseError

    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(TouchpathError, _domain_error)
    app.add_exception_handler(IngestError, _ingest_error)
    app.add_exception_handler(WorkLimitExceeded, _work_limit)
    app.add_exception_handler(ComputationStopped, _computation_stopped)
    # The warehouse the server opened (held by another process, not usable) is
    # the server's problem, not the request's.
    app.add_exception_handler(WarehouseError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)

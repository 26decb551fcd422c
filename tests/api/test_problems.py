"""Which exceptions become 4xx problems, which become a fixed 500, and what they reveal."""

import pytest
from fastapi import APIRouter, HTTPException
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from touchpath.api.problems import INTERNAL_ERROR_DETAIL, InvalidParameter
from touchpath.errors import TouchpathError


def _raising_app(db, keys, exc: BaseException):
    """The real app plus one route that raises ``exc``."""
    from touchpath.api.main import create_app

    app = create_app(make_settings(db, keys))
    router = APIRouter()

    @router.get("/v1/_raise")
    def _raise() -> None:
        raise exc

    app.include_router(router)
    return app


def _domain_instances() -> list[BaseException]:
    from touchpath.attribution.curves import CurveFitError
    from touchpath.attribution.lifecycle import LifecycleError
    from touchpath.attribution.registry import ModelSpecError
    from touchpath.attribution.roi import ROIError
    from touchpath.attribution.shapley import DegenerateGameError
    from touchpath.data.paths import PathTableError
    from touchpath.errors import InvalidRequest
    from touchpath.optimizer.constraints import ConstraintError
    from touchpath.optimizer.curves import CurveError
    from touchpath.optimizer.model import PlanError, PlanInfeasible

    class NewDomainError(TouchpathError):
        """An error type no handler names: the base class's handler serves it."""

    return [ModelSpecError("unknown model 'nope'"), PathTableError("paths: no channel"),
            DegenerateGameError("the game has one player"), PlanError("not solved", ["x"]),
            PlanInfeasible("infeasible", ["minimums 400 > budget 250"]),
            InvalidParameter("'to' is before 'from'"),
            LifecycleError("status must be one of established, test, exited"),
            ROIError("period must be week, month or quarter"),
            CurveFitError("search: spend[1] = -2.0: must be finite and non-negative"),
            CurveError("channel 'kol': verdict must be one of exit, test, admit, scale"),
            ConstraintError("max change must be a rate >= 0, got -1"),
            InvalidRequest("ci: no journeys in the range"),
            NewDomainError("a rule the parameters break")]


@pytest.mark.parametrize("exc", _domain_instances(), ids=lambda e: type(e).__name__)
def test_touchpaths_own_errors_are_422_with_their_message(db_copy, keys, exc):
    with TestClient(_raising_app(db_copy, keys, exc)) as c:
        r = c.get("/v1/_raise")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == str(exc)


def _busy_warehouse() -> BaseException:
    from touchpath.data.warehouse import WarehouseBusyError

    return WarehouseBusyError("/srv/touchpath/secret.duckdb", 4242)


@pytest.mark.parametrize("exc", [
    ValueError("invalid literal for int() with base 10: '/srv/touchpath/secret.duckdb'"),
    _busy_warehouse(),
    KeyError("column_x"),
    TypeError("unsupported operand type(s)"),
    RuntimeError("solver binary /opt/cbc crashed"),
    ZeroDivisionError("float division by zero"),
], ids=lambda e: type(e).__name__)
def test_any_other_exception_is_a_500_with_a_fixed_message(db_copy, keys, exc, caplog):
    with TestClient(_raising_app(db_copy, keys, exc), raise_server_exceptions=False) as c:
        r = c.get("/v1/_raise")
    assert r.status_code == 500
    body = r.json()
    assert body["detail"] == INTERNAL_ERROR_DETAIL and body["status"] == 500
    text = r.text
    for leak in (str(exc), type(exc).__name__, "Traceback", "/srv", "/opt"):
        assert leak not in text
    # ... and the exception itself is in the server's log.
    assert any(rec.exc_info and rec.exc_info[1] is exc for rec in caplog.records)


def test_http_exceptions_keep_their_status_and_detail(db_copy, keys):
    exc = HTTPException(status_code=409, detail="channel already exited")
    with TestClient(_raising_app(db_copy, keys, exc)) as c:
        r = c.get("/v1/_raise")
    assert r.status_code == 409 and r.json()["detail"] == "channel already exited"


def test_domain_errors_are_exactly_touchpaths_own_types(db_copy, keys):
    """Every handler the app installs is for a Touchpath error, HTTP, validation or the 500."""
    from fastapi.exceptions import RequestValidationError, WebSocketRequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from touchpath.api.main import create_app

    errors = set(create_app(make_settings(db_copy, keys)).exception_handlers)
    errors -= {Exception, StarletteHTTPException, RequestValidationError,
               WebSocketRequestValidationError}
    assert ValueError not in errors and Exception not in errors and TouchpathError in errors
    for cls in errors:
        assert cls.__module__.split(".")[0] == "touchpath"
        assert issubclass(cls, TouchpathError)


@pytest.mark.parametrize(("name", "payload"), [
    ("bad.parquet", b"PAR1 this is not a parquet file"),
    ("spend.csv.gz", b"\x1f\x8b not gzip either"),
])
def test_unreadable_upload_names_the_clients_file_not_the_servers_temp_path(
        client, write_h, name, payload):
    files = {"file": (name, payload, "application/octet-stream")}
    r = client.post("/v1/ingest/spend", files=files, headers=write_h)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["source"] == name
    assert "touchpath-upload-" not in r.text and "upload." not in r.text
    assert "/tmp" not in r.text and "\\\\" not in r.text
    assert name in body["problems"][0]["reason"] or "cannot read" in body["problems"][0]["reason"]


def test_bad_rows_report_keeps_row_numbers_and_the_clients_file_name(client, write_h):
    csv = b"channel,day,amount\nsearch,2026-01-02,100\nsearch,not-a-day,5\n"
    files = {"file": ("march spend.csv", csv, "text/csv")}
    r = client.post("/v1/ingest/spend", files=files, headers=write_h)
    assert r.status_code == 422
    body = r.json()
    assert body["source"] == "march spend.csv" and body["total"] == 1
    (p,) = body["problems"]
    assert (p["row"], p["column"]) == (2, "day")
    assert "touchpath-upload-" not in r.text


def test_repeated_models_in_a_comparison_are_422(ro_client, read_h):
    r = ro_client.get("/v1/attribution/compare?models=linear,last_touch,linear", headers=read_h)
    assert r.status_code == 422 and "linear repeated" in r.json()["detail"]


def test_bootstrap_on_a_range_without_journeys_is_422(ro_client, read_h):
    r = ro_client.get("/v1/attribution?model=linear&ci=20&from=2030-01-01&to=2030-01-31",
                      headers=read_h)
    assert r.status_code == 422 and r.json()["detail"].startswith("ci:")


def test_plan_from_a_warehouse_without_spend_is_422(tmp_path, keys):
    from tests.api.conftest import DATA
    from touchpath.api.main import create_app
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "nospend.duckdb"
    with Warehouse.open(db) as wh:
        for table in ("channels", "touchpoints", "conversions"):
            wh.ingest(table, DATA / f"{table}.csv")
    with TestClient(create_app(make_settings(db, keys))) as c:
        r = c.post("/v1/budget/plan", json={"budget": 100, "model": "last_touch"},
                   headers=keys.headers("read"))
    assert r.status_code == 422, r.text
    assert "cannot plan from the warehouse" in r.json()["detail"]

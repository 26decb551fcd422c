"""``GET /v1/paths`` says how many journeys censoring left out, warns, and takes ``censor``.

The warehouse is the issue's case in small (tests/cli/test_cli_censor.py): January
2024 with the 30-day lookback; u2's email and u3's search > social never convert and
both end less than 30 days before the end of the data (01-31 12:00), so both are
censored by default and nulls with ``censor=false``.
"""

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings, touchpath_serve
from tests.seed.month import load_month
from touchpath.data.warehouse import Warehouse


@pytest.fixture(scope="module")
def month_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("month") / "month.duckdb"
    with Warehouse.open(db) as wh:
        load_month(wh)
    return db


@pytest.fixture(scope="module")
def month_client(month_db, keys):
    from touchpath.api.main import create_app

    with TestClient(create_app(make_settings(month_db, keys))) as client:
        client.headers.update(keys.headers("read"))
        yield client


def test_paths_reports_the_censored_journeys_and_the_warning(month_client):
    body = month_client.get("/v1/paths").json()
    assert body["options"]["censor"] is True
    assert body["censored_journeys"] == 2
    assert body["totals"]["nulls"] == 0
    assert body["censoring"] == {
        "censor": True, "non_converting_journeys": 0, "censored_journeys": 2,
        "open_journeys": 2, "converting_journeys": 2, "lookback_days": 30,
        "data_start": "2024-01-01T09:00:00Z", "data_end": "2024-01-31T12:00:00Z"}
    (text,) = body["warnings"]
    assert text.startswith("all 2 non-converting journeys were censored: the data covers 31 "
                           "days (2024-01-01 to 2024-01-31) and the lookback is 30 days")
    assert "censor=false" in text


def test_censor_false_counts_every_journey_without_a_conversion(month_client):
    body = month_client.get("/v1/paths", params={"censor": "false"}).json()
    assert body["options"]["censor"] is False
    assert (body["censored_journeys"], body["warnings"]) == (0, [])
    assert body["totals"]["nulls"] == 2
    assert {p["path"]: p["nulls"] for p in body["paths"]} == {
        "display": 0, "email": 1, "search": 0, "search > social": 1}
    assert body["censoring"]["non_converting_journeys"] == 2
    assert body["censoring"]["open_journeys"] == 2
    # the cached censored answer is not served for the uncensored question, nor the reverse
    assert month_client.get("/v1/paths").json()["totals"]["nulls"] == 0


def test_a_shorter_lookback_leaves_no_warning(month_client):
    body = month_client.get("/v1/paths", params={"lookback_days": 10}).json()
    assert (body["censored_journeys"], body["warnings"]) == (0, [])
    assert body["totals"]["nulls"] == 2


def test_every_journey_endpoint_takes_censor(month_client):
    on = month_client.get("/v1/attribution", params={"model": "linear"}).json()
    off = month_client.get("/v1/attribution",
                           params={"model": "linear", "censor": "false"}).json()
    assert on["options"]["censor"] is True and off["options"]["censor"] is False
    assert {c["channel"] for c in on["channels"]} == {"search", "display"}
    assert {c["channel"] for c in off["channels"]} == {"search", "display", "email", "social"}
    roi = month_client.get("/v1/roi", params={"censor": "false"}).json()
    assert roi["options"]["censor"] is False
    bad = month_client.get("/v1/paths", params={"censor": "maybe"})
    assert bad.status_code == 422


def test_the_real_server_reports_censoring(month_db, keys, tmp_path):
    served_db = tmp_path / "served.duckdb"
    served_db.write_bytes(month_db.read_bytes())
    with touchpath_serve(served_db, keys, tmp_path) as served:
        h = keys.headers("read")
        on = httpx.get(f"{served.base}/v1/paths", headers=h, timeout=30).json()
        off = httpx.get(f"{served.base}/v1/paths", params={"censor": "false"}, headers=h,
                        timeout=30).json()
        defaults = httpx.get(f"{served.base}/v1/defaults", timeout=30).json()
    assert (on["censored_journeys"], on["totals"]["nulls"], len(on["warnings"])) == (2, 0, 1)
    assert (off["censored_journeys"], off["totals"]["nulls"], off["warnings"]) == (0, 2, [])
    assert defaults["censor"] is True

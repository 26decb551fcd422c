"""Calibration through ``touchpath serve`` and the CLI: the same numbers.

Data: tests/seed/calibration.py. The experiments are loaded by
``POST /v1/ingest/experiments``; the March lift test makes search's calibrated
credit 34 in March (the experiment's) and 0.4 x its credit elsewhere:
34 + 0.4 x (507 - 85) = 202.8 over the six months.
"""

import json

import httpx
import pytest
from typer.testing import CliRunner

from tests.api.conftest import touchpath_serve
from tests.seed.calibration import load_calibration
from touchpath.cli import app
from touchpath.data.warehouse import Warehouse

runner = CliRunner()

CSV = (b"channel,start,end,incremental_conversions,lower,upper\n"
       b"search,2024-03-01,2024-03-31,34,25.5,42.5\n")


@pytest.fixture(scope="module")
def cal_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("calapi") / "cal.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh, experiment=False)
    return path


@pytest.fixture(scope="module")
def served(cal_db, keys, tmp_path_factory):
    with touchpath_serve(cal_db, keys, tmp_path_factory.mktemp("serve")) as s:
        yield s


def _ingest(served, keys, content):
    return httpx.post(f"{served.base}/v1/ingest/experiments", headers=keys.headers("write"),
                      timeout=60, files={"file": ("exp.csv", content, "text/csv")})


def test_ingest_refuses_an_unknown_channel_then_loads(served, keys):
    bad = _ingest(served, keys, CSV + b"tv,2024-03-01,2024-03-31,3,,\n")
    assert bad.status_code == 422
    text = json.dumps(bad.json())
    assert "unknown channel" in text and '"row": 2' in text
    ok = _ingest(served, keys, CSV)
    assert ok.status_code == 200, ok.text
    assert ok.json()["rows_inserted"] == 1


def test_the_stored_experiments_are_listed(served, keys):
    _ingest(served, keys, CSV)
    doc = _get(served, keys, "/v1/experiments")
    assert doc["kind"] == "purchase"
    assert doc["experiments"] == [{"channel": "search", "kind": "purchase",
                                   "start": "2024-03-01", "end": "2024-03-31",
                                   "metric": "conversions", "incremental": 34.0,
                                   "lower": 25.5, "upper": 42.5}]
    assert _get(served, keys, "/v1/experiments", kind="add_to_cart")["experiments"] == []


def _get(served, keys, path, **params):
    r = httpx.get(f"{served.base}{path}", params=params, headers=keys.headers("read"),
                  timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.usefixtures("served")
def test_attribution_calibrate_over_the_api_and_the_cli(served, keys, tmp_path):
    _ingest(served, keys, CSV)
    doc = _get(served, keys, "/v1/attribution", calibrate="true")["calibration"]
    rows = {r["channel"]: r for r in doc["channels"]}
    assert rows["search"]["calibrated_conversions"] == pytest.approx(202.8)
    assert rows["search"]["conversions_lower"] == pytest.approx(25.5 + 0.3 * 422)
    assert rows["search"]["conversions_upper"] == pytest.approx(42.5 + 0.5 * 422)
    assert rows["social"]["calibrated_conversions"] == pytest.approx(347)
    assert doc["freed_conversions"] == pytest.approx(507 - 202.8)
    march = _get(served, keys, "/v1/attribution", calibrate="true", **{"from": "2024-03-01",
                                                                       "to": "2024-03-31"})
    march_rows = {r["channel"]: r for r in march["calibration"]["channels"]}
    assert march_rows["search"]["calibrated_conversions"] == pytest.approx(34)
    # The server holds its warehouse: the CLI reads the same data built anew, and agrees.
    copy = tmp_path / "same.duckdb"
    with Warehouse.open(copy) as wh:
        load_calibration(wh)
    res = runner.invoke(app, ["attribute", "--db", str(copy), "--calibrate", "-f", "json"])
    assert res.exit_code == 0, res.output
    cli = {r["channel"]: r for r in json.loads(res.stdout)["channels"]}
    for ch in ("search", "social"):
        assert cli[ch]["calibrated_conversions"] == pytest.approx(
            rows[ch]["calibrated_conversions"])
        assert cli[ch]["calibrated_revenue"] == pytest.approx(rows[ch]["calibrated_revenue"])


def test_roi_and_plan_calibrate_over_the_api(served, keys):
    _ingest(served, keys, CSV)
    roi = _get(served, keys, "/v1/roi", calibrate="true")
    search = {r["period"]: r for r in roi["rows"] if r["channel"] == "search"}
    freed = {r["period"]: r for r in roi["rows"] if r["channel"] == "(freed)"}
    assert search["2024-03"]["attributed_conversions"] == pytest.approx(34)
    assert search["2024-01"]["attributed_conversions"] == pytest.approx(0.4 * 60)
    assert freed["2024-03"]["attributed_conversions"] == pytest.approx(51)
    assert roi["calibration"]["channels"] == ["search"]
    r = httpx.post(f"{served.base}/v1/budget/plan", json={"calibrate": True},
                   headers=keys.headers("read"), timeout=120)
    assert r.status_code == 200, r.text
    body = r.json()
    cmp = {row["channel"]: row for row in body["calibration"]["comparison"]}
    assert cmp["search"]["spend_calibrated"] < cmp["search"]["spend_uncalibrated"]
    assert cmp["social"]["spend_calibrated"] > cmp["social"]["spend_uncalibrated"]
    assert body["expected_revenue"] == pytest.approx(cmp["(total)"]
                                                     ["expected_revenue_calibrated"])
    assert "search" in body["calibration"]["calibrated_by"]
    plain = httpx.post(f"{served.base}/v1/budget/plan", json={},
                       headers=keys.headers("read"), timeout=120).json()
    assert plain["expected_revenue"] == pytest.approx(cmp["(total)"]
                                                      ["expected_revenue_uncalibrated"])

"""``/v1/plans``, ``/v1/pacing``, ``/v1/alerts`` and ``/v1/anomalies`` on the constructed quarter.

:mod:`tests.seed.monitoring`: search's CPA is 40 in February 2026 and 10 in the
other months; display's spend is 12x its usual on 2026-03-04.
"""

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import live_server, make_settings
from tests.seed.monitoring import SPIKE_DAY
from touchpath import service
from touchpath.data.warehouse import Warehouse

RULE = {"name": "search CPA", "metric": "cpa", "channel": "search", "op": ">",
        "threshold": 20, "period": "month"}


@pytest.fixture
def mon_client(monitoring_copy, keys):
    from touchpath.api.main import create_app

    with TestClient(create_app(make_settings(monitoring_copy, keys))) as c:
        yield c


def test_record_list_and_pace_a_plan(mon_client, keys):
    read_h, write_h = keys.headers("read"), keys.headers("write")
    body = {"quarter": "2026Q1", "model": "last_touch"}
    assert mon_client.post("/v1/plans", json=body, headers=read_h).status_code == 403
    assert mon_client.get("/v1/pacing", headers=read_h).status_code == 422  # none recorded
    before = mon_client.get("/v1/health").json()["data_version"]
    r = mon_client.post("/v1/plans", json=body, headers=write_h)
    assert r.status_code == 200, r.text
    rec = r.json()
    assert rec["plan_id"] == 1 and rec["recorded"]["quarter"] == "2026Q1"
    assert rec["recorded"]["data_version"] == before
    assert rec["plan"]["total_spend"] == pytest.approx(rec["recorded"]["total_spend"])
    assert sum(ln["spend"] for ln in rec["recorded"]["lines"]) == pytest.approx(
        rec["plan"]["total_spend"])
    # the plan keeps the version it was fitted on; recording it moved the warehouse's on
    assert mon_client.get("/v1/health").json()["data_version"] == before + 1
    listed = mon_client.get("/v1/plans", headers=read_h).json()
    assert [p["plan_id"] for p in listed["plans"]] == [1] and listed["plans"][0]["lines"] == []
    pacing = mon_client.get("/v1/pacing", headers=read_h).json()
    assert pacing["plan_id"] == 1 and (pacing["elapsed_days"], pacing["total_days"]) == (74, 90)
    search = next(c for c in pacing["channels"] if c["channel"] == "search")
    assert search["actual_spend"] == 740 and search["attributed_revenue"] == pytest.approx(2650)
    second = mon_client.post("/v1/plans", json={**body, "quarter": "2026Q2"},
                             headers=write_h).json()
    assert second["plan_id"] == 2
    assert mon_client.get("/v1/pacing", headers=read_h).json()["plan_id"] == 2  # the latest
    assert mon_client.get("/v1/pacing?plan=1", headers=read_h).json()["plan_id"] == 1
    missing = mon_client.get("/v1/pacing?plan=9", headers=read_h)
    assert missing.status_code == 422 and "recorded plans: 1, 2" in missing.text
    curves = mon_client.post("/v1/plans", json={"curves": [
        {"channel": "a", "segments": [{"width": 1, "slope": 1}]}]}, headers=write_h)
    assert curves.status_code == 422 and "leave out `curves`" in curves.text


def test_alerts_in_the_body_as_json_or_toml(mon_client, keys):
    read_h = keys.headers("read")
    r = mon_client.post("/v1/alerts", json={"rules": [RULE]}, headers=read_h)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["fired"] == 1 and [(b["channel"], b["period"]) for b in doc["breaches"]] == [
        ("search", "2026-02")]
    assert doc["breaches"][0]["value"] == pytest.approx(40)
    toml = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in RULE.items())
    t = mon_client.post("/v1/alerts", json={"toml": "[[alert]]\n" + toml}, headers=read_h)
    assert t.json()["breaches"] == doc["breaches"]


def test_an_unknown_metric_is_a_422_naming_the_rule(mon_client, keys):
    r = mon_client.post("/v1/alerts", json={"rules": [{**RULE, "metric": "cpc"}]},
                        headers=keys.headers("read"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "alert 'search CPA' (alert 1): metric: unknown metric 'cpc'" in r.json()["detail"]
    both = mon_client.post("/v1/alerts", json={"rules": [RULE], "toml": "x"},
                           headers=keys.headers("read"))
    assert both.status_code == 422


def test_anomalies_flag_the_spike(mon_client, keys):
    r = mon_client.get("/v1/anomalies?metric=spend", headers=keys.headers("read"))
    assert r.status_code == 200, r.text
    doc = r.json()
    assert [(a["channel"], a["day"]) for a in doc["anomalies"]] == [
        ("display", SPIKE_DAY.isoformat())]
    assert doc["anomalies"][0]["value"] == 1200 and "median ± 3.5" in doc["rule"]
    every = mon_client.get("/v1/anomalies?metric=spend&flagged_only=false",
                           headers=keys.headers("read")).json()
    # 74 days per channel, judged from the 29th on (four same weekdays before it): 2 x 46
    assert every["judged"] == len(every["anomalies"]) == 2 * (74 - 28)
    assert mon_client.get("/v1/anomalies?metric=clicks",
                          headers=keys.headers("read")).status_code == 422


def test_pacing_through_a_live_server_equals_the_service(monitoring_copy, keys):
    import httpx

    from touchpath.api.main import create_app

    with Warehouse.open(monitoring_copy) as wh:
        settings = service.CurveSettings(model="last_touch")
        params = service.PlanParams(quarter="2026Q1")
        plan = service.plan(service.plan_inputs(wh, settings), params)
        service.record_plan(wh, plan, params, settings)
        expected = service.pacing(wh).to_dict()
    with live_server(create_app(make_settings(monitoring_copy, keys))) as base:
        got = httpx.get(f"{base}/v1/pacing", headers=keys.headers("read"), timeout=60).json()
    assert got.pop("data_version") >= 1
    assert _same(got, expected)


def _same(got, expected):
    """Equal, numbers to 1e-6 (the API writes money quantized to the millionth)."""
    if isinstance(expected, dict):
        assert set(got) == set(expected)
        return all(_same(got[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        assert len(got) == len(expected)
        return all(_same(g, e) for g, e in zip(got, expected, strict=True))
    if isinstance(expected, float):
        assert got == pytest.approx(expected, abs=1e-6)
        return True
    assert got == expected
    return True

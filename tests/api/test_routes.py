"""Endpoint tests on the hand-worked seed (see conftest.py for the journeys)."""

import csv
import io

import pytest

from tests.api.conftest import DATA
from touchpath.api.deps import require_read
from touchpath.api.security import ApiKey, Role


def credit(body):
    return {r["channel"]: (r["conversions"], r["value"]) for r in body["channels"]}


# ------------------------------------------------------------------ attribution
def test_last_touch_matches_hand_computation(ro_client, read_h):
    r = ro_client.get("/v1/attribution", params={"model": "last_touch"}, headers=read_h)
    assert r.status_code == 200
    body = r.json()
    # closing touches: email (u1, 100), social (u2 50, u3 80), tiktok (u6 40, u7 60)
    assert credit(body) == {"email": (1, 100), "search": (0, 0), "social": (2, 130),
                            "tiktok": (2, 100), "(direct)": (2, 50)}
    assert body["total_conversions"] == 5 and body["total_value"] == 330
    direct = next(c for c in body["channels"] if c["channel"] == "(direct)")
    assert direct["share"] is None


def test_linear_splits_each_journey_evenly(ro_client, read_h):
    body = ro_client.get("/v1/attribution?model=linear", headers=read_h).json()
    c = credit(body)
    # search: u1 1/2 (50), u3 1/2 (40), u7 1/2 (30)
    assert c["search"] == pytest.approx((1.5, 120))
    assert c["social"] == pytest.approx((1.5, 90))
    assert c["email"] == pytest.approx((0.5, 50))
    assert c["tiktok"] == pytest.approx((1.5, 70))


def test_date_range_is_inclusive_and_filters_by_conversion_day(ro_client, read_h):
    body = ro_client.get("/v1/attribution?model=first_touch&from=2026-02-02&to=2026-02-13",
                         headers=read_h).json()
    # conversions on 02-02 (u6: tiktok) and 02-13 (u7: search first)
    assert credit(body) == {"search": (1, 60), "tiktok": (1, 40)}
    assert body["options"]["start"] == "2026-02-02" and body["options"]["end"] == "2026-02-13"


def test_bootstrap_interval_contains_the_estimate(ro_client, read_h):
    body = ro_client.get("/v1/attribution?model=markov&order=1&ci=30&seed=3",
                         headers=read_h).json()
    assert body["ci_level"] == 0.95
    for row in body["channels"]:
        if row["channel"] != "(direct)":
            lo, hi = row["conversions_lo"], row["conversions_hi"]
            assert lo - 1e-9 <= row["conversions"] <= hi + 1e-9


@pytest.mark.parametrize("query", [
    "model=nope", "model=markov&order=7", "ci=-1", "ci=5000", "lookback_days=0",
    "from=2026-02-01&to=2026-01-01", "from=not-a-date", "interaction=view",
    "model=markov2&order=3",
])
def test_bad_attribution_parameters_are_422_problems(ro_client, read_h, query):
    r = ro_client.get(f"/v1/attribution?{query}", headers=read_h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 422 and r.json()["detail"]


def test_compare_rank_agreement_is_spearman_of_shares(ro_client, read_h):
    r = ro_client.get("/v1/attribution/compare?models=first_touch,last_touch,time_decay",
                      headers=read_h)
    assert r.status_code == 200
    body = r.json()
    assert body["models"][:2] == ["first_touch", "last_touch"] and len(body["models"]) == 3
    pair = body["rank_agreement"][0]
    # shares: first email 0, search .6, social .2, tiktok .2; last .2, 0, .4, .4
    # ranks (mid-rank ties): first 1, 4, 2.5, 2.5; last 2, 1, 3.5, 3.5
    import numpy as np

    a, b = np.array([1, 4, 2.5, 2.5]), np.array([2, 1, 3.5, 3.5])
    assert pair["spearman"] == pytest.approx(np.corrcoef(a, b)[0, 1])


def test_compare_refuses_too_many_models(ro_client, read_h):
    r = ro_client.get("/v1/attribution/compare?models=" + ",".join(["linear"] * 13),
                      headers=read_h)
    assert r.status_code == 422


def test_models_lists_the_registry(ro_client, read_h):
    names = [m["name"] for m in ro_client.get("/v1/attribution/models", headers=read_h)
             .json()["models"]]
    assert {"markov", "shapley", "last_touch"} <= set(names)


# ------------------------------------------------------------------------ paths
def test_paths_summary_and_top_paths(ro_client, read_h):
    body = ro_client.get("/v1/paths?limit=2", headers=read_h).json()
    assert body["totals"]["path_conversions"] == 5 and body["totals"]["nulls"] == 1
    assert body["totals"]["direct_conversions"] == 2
    assert len(body["paths"]) == 2
    summary = {r["channel"]: r for r in body["summary"]}
    assert summary["search"]["touches"] == 3 and summary["search"]["spend"] == 150


# -------------------------------------------------------------------------- roi
def test_roi_json_by_quarter(ro_client, read_h):
    body = ro_client.get("/v1/roi?period=quarter&model=last_touch", headers=read_h).json()
    rows = {r["channel"]: r for r in body["rows"]}
    # Q1: social spend 40, last-touch revenue 130 -> ROI 3.25; search spend 150 revenue 0
    assert rows["social"]["roi"] == pytest.approx(130 / 40)
    assert rows["search"]["roi"] == 0 and rows["search"]["cpa"] is None
    assert rows["(direct)"]["roi"] is None
    assert sum(r["attributed_revenue"] for r in body["rows"]) == pytest.approx(380)


@pytest.mark.parametrize("how", ["format", "accept"])
def test_roi_csv(ro_client, read_h, how):
    if how == "format":
        r = ro_client.get("/v1/roi?period=month&model=last_touch&format=csv", headers=read_h)
    else:
        r = ro_client.get("/v1/roi?period=month&model=last_touch",
                          headers={**read_h, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    jan_social = next(x for x in rows if x["period"] == "2026-01" and x["channel"] == "social")
    assert float(jan_social["roi"]) == pytest.approx(3.25)
    assert len(rows) == 15  # 3 months x (4 channels + direct)


def test_roi_rejects_unknown_period(ro_client, read_h):
    assert ro_client.get("/v1/roi?period=year", headers=read_h).status_code == 422


# -------------------------------------------------------------------- lifecycle
def test_lifecycle_scale_verdict_on_quarter(ro_client, read_h):
    # the bars on the point ratio alone: tiktok has 2 attributed conversions (see
    # test_lifecycle_evidence.py for the default rules, which want 30 and the bound)
    r = ro_client.get("/v1/lifecycle?period=quarter&model=last_touch&min_conversions=1&level=0",
                      headers=read_h)
    assert r.status_code == 200
    (v,) = r.json()["verdicts"]
    # tiktok: 100 / 20 = 5.0; baseline (established) 230 / 200 = 1.15; 5 >= 1.30 x 1.15
    assert v["channel"] == "tiktok" and v["verdict"] == "scale"
    assert v["roi"] == pytest.approx(5.0) and v["baseline"] == pytest.approx(1.15)


def test_lifecycle_rejects_inconsistent_rules(ro_client, read_h):
    r = ro_client.get("/v1/lifecycle?admit=1.5&scale=1.2", headers=read_h)
    assert r.status_code == 422 and "scale" in r.json()["detail"]


def test_status_change_needs_write_and_takes_effect(client, read_h, write_h):
    url = "/v1/channels/tiktok/status"
    body = {"status": "established", "reason": "passed the Q1 test"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=read_h).status_code == 403
    before = client.get("/v1/lifecycle?period=quarter&model=last_touch", headers=read_h).json()
    assert len(before["verdicts"]) == 1
    r = client.post(url, json=body, headers=write_h)
    assert r.status_code == 200 and r.json()["previous_status"] == "test"
    after = client.get("/v1/lifecycle?period=quarter&model=last_touch", headers=read_h).json()
    assert after["verdicts"] == []  # the cached verdicts were dropped
    assert client.post("/v1/channels/nope/status", json=body, headers=write_h).status_code == 404
    bad = client.post(url, json={"status": "paused", "reason": "x"}, headers=write_h)
    assert bad.status_code == 422
    blank = client.post(url, json={"status": "test", "reason": " "}, headers=write_h)
    assert blank.status_code == 422


# ----------------------------------------------------------------------- budget
CURVES = [
    {"channel": "a", "segments": [{"width": 100, "slope": 4.0}, {"width": 100, "slope": 1.0}]},
    {"channel": "b", "segments": [{"width": 100, "slope": 3.0}, {"width": 100, "slope": 2.0}]},
]


def test_plan_from_curves_matches_greedy_fill(ro_client, read_h):
    r = ro_client.post("/v1/budget/plan", json={"budget": 250, "spend_all": True,
                                                 "curves": CURVES}, headers=read_h)
    assert r.status_code == 200
    body = r.json()
    # greedy by slope: a1 (4 x 100), b1 (3 x 100), b2 half (2 x 50) = 800
    assert {c["channel"]: c["spend"] for c in body["channels"]} == {"a": 100, "b": 150}
    assert body["expected_revenue"] == pytest.approx(800)
    assert body["budget_shadow_price"] == pytest.approx(2.0)


def test_infeasible_plan_names_the_conflict(ro_client, read_h):
    r = ro_client.post("/v1/budget/plan", json={"budget": 250, "curves": CURVES,
                                                 "mins": {"a": 200, "b": 200}}, headers=read_h)
    assert r.status_code == 200
    assert r.json()["status"] == "infeasible" and "400" in r.json()["conflicts"][0]


def test_plan_from_warehouse_respects_budget_and_test_cap(ro_client, read_h):
    r = ro_client.post("/v1/budget/plan", json={"budget": 300, "quarter": "2026Q2",
                                                 "model": "last_touch"}, headers=read_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "optimal" and body["total_spend"] <= 300 + 1e-6
    spend = {c["channel"]: c["spend"] for c in body["channels"]}
    assert spend["tiktok"] <= 0.05 * body["total_spend"] + 1e-6
    assert body["months"] == ["2026-04", "2026-05", "2026-06"]


def test_scenarios_and_goals(ro_client, read_h):
    s = ro_client.post("/v1/budget/scenarios", json={"budget": 250, "curves": CURVES,
                                                      "multipliers": [0.8, 1.2]},
                       headers=read_h).json()
    revenue = {row["multiplier"]: row["expected_revenue"] for row in s["scenarios"]}
    assert revenue == pytest.approx({0.8: 700, 1.0: 800, 1.2: 900})
    g = ro_client.post("/v1/budget/goal", json={"target_revenue": 800, "curves": CURVES},
                       headers=read_h).json()
    assert g["budget"] == pytest.approx(250)
    g = ro_client.post("/v1/budget/goal", json={"min_marginal_roi": 2, "curves": CURVES},
                       headers=read_h).json()
    assert g["budget"] == pytest.approx(300)  # segments of slope >= 2: a1, b1, b2


@pytest.mark.parametrize("body", [
    {"budget": -1, "curves": CURVES},
    {"budget": 100, "curves": [{"channel": "a", "segments": [{"width": 0, "slope": 1}]}]},
    {"budget": 100, "objective": "fame"},
    {"budget": 100, "quarter": "2027Q5"},
    {"budget": 100, "unknown": 1},
])
def test_bad_plan_bodies_are_422(ro_client, read_h, body):
    assert ro_client.post("/v1/budget/plan", json=body, headers=read_h).status_code == 422


def test_goal_needs_exactly_one_goal(ro_client, read_h):
    r = ro_client.post("/v1/budget/goal", json={"curves": CURVES}, headers=read_h)
    assert r.status_code == 422


def test_json_body_over_one_mib_is_413(ro_client, read_h):
    r = ro_client.post("/v1/budget/plan", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                       headers={**read_h, "Content-Type": "application/json"})
    assert r.status_code == 413


# ------------------------------------------------------------------- auth, errors
@pytest.mark.parametrize("path", ["/v1/paths", "/v1/attribution", "/v1/roi", "/v1/lifecycle",
                                  "/v1/attribution/compare", "/v1/attribution/models"])
def test_every_read_endpoint_needs_a_key(ro_client, path):
    r = ro_client.get(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = ro_client.get(path, headers={"Authorization": "Bearer tp_wrong"})
    assert r.status_code == 401


def test_budget_needs_a_key(ro_client):
    r = ro_client.post("/v1/budget/plan", json={"budget": 1, "curves": CURVES})
    assert r.status_code == 401


def test_unexpected_errors_are_500_problems_without_traceback(db_copy, keys):
    from fastapi.testclient import TestClient

    from tests.api.conftest import make_settings
    from touchpath.api.main import create_app

    app = create_app(make_settings(db_copy, keys))

    def broken():
        raise RuntimeError("secret internal detail /srv/x.py line 3")

    app.dependency_overrides[require_read] = broken
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/v1/paths")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "secret" not in r.text and "Traceback" not in r.text


def test_dependency_override_replaces_auth(db_copy, keys):
    from fastapi.testclient import TestClient

    from tests.api.conftest import make_settings
    from touchpath.api.main import create_app

    app = create_app(make_settings(db_copy, keys))
    app.dependency_overrides[require_read] = lambda: ApiKey("0" * 64, Role.read, "test")
    with TestClient(app) as c:
        assert c.get("/v1/attribution?model=linear").status_code == 200


def test_cache_serves_repeats_and_is_dropped_by_ingest(client, read_h, write_h):
    url = "/v1/attribution?model=last_touch"
    first = client.get(url, headers=read_h).json()
    assert client.get(url, headers=read_h).json() == first
    assert client.get("/v1/health").json()["cache_entries"] >= 1
    files = {"file": ("more.csv", (DATA / "conversions_more.csv").read_bytes(), "text/csv")}
    assert client.post("/v1/ingest/conversions", files=files, headers=write_h).status_code == 200
    second = client.get(url, headers=read_h).json()
    # u4's email journey now converts (70): email gains one last-touch conversion
    assert credit(second)["email"] == (2, 170)
    assert second["data_version"] == first["data_version"] + 1


def test_openapi_documents_every_operation_with_examples(ro_client):
    spec = ro_client.get("/openapi.json").json()
    assert ro_client.get("/docs").status_code == 200
    schemas = spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        assert path.startswith("/v1/")
        for method, op in item.items():
            ok = op["responses"]["200"]["content"]
            ref = next(iter(ok.values()))["schema"]["$ref"].split("/")[-1]
            assert schemas[ref].get("examples"), (method, path)
            for code, resp in op["responses"].items():
                if code.startswith(("4", "5")):
                    assert list(resp["content"]) == ["application/problem+json"], (path, code)
            if path not in ("/v1/health", "/v1/defaults"):
                assert op.get("security"), (method, path)

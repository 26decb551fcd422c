"""The API says what a reader needs: currency, model warnings, the curve fits behind a plan."""

import math

from tests.attribution.test_negative_credit import low_converting_x
from touchpath.api.routes.attribution import compare_response
from touchpath.attribution.compare import compare
from touchpath.service import DEFAULTS


def test_defaults_carry_the_currency(ro_client):
    assert ro_client.get("/v1/defaults").json()["currency"] == DEFAULTS.currency == "CNY"


def test_compare_response_carries_the_negative_credit_warning():
    from touchpath.api.routes.common import DateRange, JourneyQuery

    comparison = compare(["linear", "shapley_rate"], low_converting_x())
    query = JourneyQuery(30, False, "all", None, DateRange(None, None))
    doc = compare_response(comparison, 1, query).model_dump()
    assert len(doc["warnings"]) == 1
    assert doc["warnings"][0].startswith("shapley_rate gives negative credit to x (−")
    x = next(r for r in doc["rows"] if r["model"] == "shapley_rate" and r["channel"] == "x")
    assert x["conversions"] < 0


def test_compare_endpoint_warns_exactly_when_a_credit_is_negative(ro_client, read_h):
    r = ro_client.get("/v1/attribution/compare?models=linear,shapley_rate", headers=read_h)
    assert r.status_code == 200, r.text
    body = r.json()
    negative = sorted(row["channel"] for row in body["rows"]
                      if row["channel"] != "(direct)" and row["conversions"] < 0)
    warned = sorted(w.split("negative credit to ")[1].split(" (")[0] for w in body["warnings"])
    assert warned == negative
    single = ro_client.get("/v1/attribution?model=shapley_rate", headers=read_h).json()
    assert len(single["warnings"]) == len(negative)


def test_plan_lists_the_curve_fit_of_each_modelled_channel(ro_client, read_h):
    r = ro_client.post("/v1/budget/plan", json={"budget": 250}, headers=read_h)
    assert r.status_code == 200, r.text
    plan = r.json()
    modelled = {c["channel"] for c in plan["channels"] if c["modelled"]}
    fits = {c["channel"]: c for c in plan["curves"]}
    assert set(fits) == modelled and modelled
    for c in fits.values():
        assert c["method"] in ("fit", "fallback") and c["note"]
        assert c["form"] in ("exponential", "power", "constant")
        assert c["spend_min"] is None or c["spend_min"] <= c["spend_max"]
        assert c["r2"] is None or math.isfinite(c["r2"])
    # a fallback is a constant ROI curve
    assert all(c["form"] == "constant" for c in fits.values() if c["method"] == "fallback")

"""``GET /v1/defaults``: the values a request gets when it leaves a parameter out."""

import dataclasses

import pytest

from touchpath.service import DEFAULTS, model_spec


@pytest.fixture(scope="module")
def defaults(ro_client):
    r = ro_client.get("/v1/defaults")  # no key: the dashboard reads it before one is entered
    assert r.status_code == 200, r.text
    return r.json()


def test_defaults_are_the_services(defaults):
    wanted = dataclasses.asdict(DEFAULTS)
    for name in ("order", "lookback_days", "censor", "period", "ci", "level", "max_change",
                 "test_budget", "scale_growth", "spend_all", "objective", "segments",
                 "currency"):
        assert defaults[name] == wanted[name], name
    assert defaults["compare_models"] == list(DEFAULTS.compare_models)
    assert defaults["scenario_multipliers"] == list(DEFAULTS.scenario_multipliers)
    # the model at its order, as one spec (the label the other endpoints answer with)
    assert defaults["model"] == model_spec(DEFAULTS.model, order=DEFAULTS.order)


def test_endpoints_asked_nothing_answer_with_the_defaults(ro_client, read_h, defaults):
    roi = ro_client.get("/v1/roi", headers=read_h).json()
    assert roi["model"] == defaults["model"] and roi["period"] == defaults["period"]
    assert roi["options"]["lookback_days"] == defaults["lookback_days"]
    compare = ro_client.get("/v1/attribution/compare", headers=read_h).json()
    assert compare["models"] == defaults["compare_models"]
    assert all(r["conversions_lo"] is None for r in compare["rows"])  # ci 0: no intervals


def test_plans_asked_nothing_use_the_default_limits(ro_client, read_h, defaults):
    # One channel whose curve pays 5x for 1,000 units, last quarter at 100: only the
    # change limit holds it back, so it is planned at 100 x (1 + max_change), and the
    # budget of 1,000 is not all spent (spend_all off).
    curves = [{"channel": "a", "previous_spend": 100.0,
               "segments": [{"width": 1000, "slope": 5.0}]}]
    plan = ro_client.post("/v1/budget/plan", json={"budget": 1000, "curves": curves},
                          headers=read_h).json()
    assert plan["status"] == "optimal"
    assert plan["channels"][0]["spend"] == pytest.approx(100 * (1 + defaults["max_change"]))
    assert plan["budget_equality"] is defaults["spend_all"] is False
    scenarios = ro_client.post("/v1/budget/scenarios", json={"budget": 1000, "curves": curves},
                               headers=read_h).json()
    assert sorted(r["multiplier"] for r in scenarios["scenarios"]) == sorted(
        {1.0, *defaults["scenario_multipliers"]})

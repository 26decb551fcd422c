"""The CLI and the HTTP API give the same answer for the same parameters.

Both surfaces call one workflow of the service with the service's defaults, so
each command below, run with nothing but ``--db`` (or with the same options as
the request), must return what its endpoint returns on the same warehouse. On
a copy of the hand-worked seed (tests/seed): the API answers first and is
closed (it holds the file) before the CLI runs.
"""

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.api.conftest import make_settings
from touchpath.cli.app import app

runner = CliRunner()

#: (request, CLI arguments besides --db) of every read the two surfaces share.
ASKED = {
    "paths": (("GET", "/v1/paths?limit=1000", None), ["paths"]),
    "attribution": (("GET", "/v1/attribution", None), ["attribute", "-f", "json"]),
    "attribution_linear": (("GET", "/v1/attribution?model=linear&lookback_days=7", None),
                           ["attribute", "-m", "linear", "--lookback", "7", "-f", "json"]),
    "compare": (("GET", "/v1/attribution/compare", None), ["compare", "-f", "json"]),
    "roi": (("GET", "/v1/roi", None), ["roi", "-f", "json"]),
    "roi_quarter": (("GET", "/v1/roi?period=quarter&model=markov&order=2", None),
                    ["roi", "--period", "quarter", "-m", "markov", "--order", "2", "-f", "json"]),
    "lifecycle": (("GET", "/v1/lifecycle", None), ["lifecycle", "-f", "json"]),
    "plan": (("POST", "/v1/budget/plan", {}), ["plan", "-f", "json"]),
    "plan_exact": (("POST", "/v1/budget/plan", {"spend_all": True, "max_change": None}),
                   ["plan", "--exact-budget", "--max-change", "none", "-f", "json"]),
}


@pytest.fixture(scope="module")
def answers(tmp_path_factory, seeded_db, keys):
    """Every request of :data:`ASKED` answered by the API, then by the CLI."""
    import shutil

    db = tmp_path_factory.mktemp("agree") / "wh.duckdb"
    shutil.copyfile(seeded_db, db)
    api = {}
    with TestClient(create_app(make_settings(db, keys))) as client:
        for name, ((method, url, body), _) in ASKED.items():
            r = client.request(method, url, json=body, headers=keys.headers("read"))
            assert r.status_code == 200, (name, r.text)
            api[name] = r.json()
    cli = {}
    for name, (_, args) in ASKED.items():
        out = db.with_name(f"{name}.out")
        res = runner.invoke(app, [*args, "--db", str(db), "--out", str(out)])
        assert res.exit_code == 0, (name, res.output)
        text = out.read_text(encoding="utf-8")
        cli[name] = (list(csv.DictReader(io.StringIO(text))) if name == "paths"
                     else json.loads(text))
    return api, cli


def create_app(settings):
    from touchpath.api.main import create_app as make

    return make(settings)


def test_paths_writes_the_path_table_the_paths_endpoint_summarises(answers):
    api, cli = answers
    rows = {r["path"]: (float(r["total_conversions"]), float(r["total_conversion_value"]),
                        float(r["total_null"])) for r in cli["paths"]}
    direct = rows.pop("(direct)")  # the ChannelAttribution shape carries the baseline as a row
    assert rows == {r["path"]: (r["conversions"], r["value"], r["nulls"])
                    for r in api["paths"]["paths"]}
    totals = api["paths"]["totals"]
    assert direct == (totals["direct_conversions"], totals["direct_value"], 0.0) == (2, 50, 0)
    # the seed's 5 converting journeys worth 330 and one null journey (email)
    assert (totals["path_conversions"], totals["path_value"]) == (5, 330)
    assert rows["email"][2] == 1


def _credit(records):
    return {r["channel"]: (pytest.approx(r["conversions"], abs=1e-12),
                           pytest.approx(r["value"], abs=1e-9)) for r in records}


@pytest.mark.parametrize("name", ["attribution", "attribution_linear"])
def test_attribute_is_the_attribution_endpoint(answers, name):
    api, cli = answers
    assert _credit(api[name]["channels"]) == _credit(cli[name])
    assert {r["model"] for r in cli[name]} == {api[name]["label"]}


def test_compare_is_the_compare_endpoint(answers):
    api, cli = answers
    by_model = {(r["model"], r["channel"]): r["conversions"] for r in api["compare"]["rows"]}
    assert api["compare"]["models"] == [
        "first_touch", "last_touch", "linear", "time_decay", "position", "markov1", "markov2",
        "shapley"]
    assert {(r["model"], r["channel"]): pytest.approx(r["conversions"], abs=1e-12)
            for r in cli["compare"]} == by_model


@pytest.mark.parametrize("name", ["roi", "roi_quarter"])
def test_roi_is_the_roi_endpoint(answers, name):
    api, cli = answers
    assert cli[name]["model"] == api[name]["model"]
    keys = ("period", "channel", "spend", "attributed_conversions", "attributed_revenue")
    rows = [tuple(r[k] for k in keys) for r in api[name]["rows"]]
    assert rows and [tuple(r[k] for k in keys) for r in cli[name]["rows"]] == [
        tuple(pytest.approx(x, abs=1e-9) if isinstance(x, float) else x for x in row)
        for row in rows]


def test_lifecycle_is_the_lifecycle_endpoint(answers):
    api, cli = answers
    assert cli["lifecycle"]["model"] == api["lifecycle"]["model"] == "markov1"
    got = [(v["channel"], v["verdict"], v["rule"]) for v in cli["lifecycle"]["verdicts"]]
    assert got == [(v["channel"], v["verdict"], v["rule"]) for v in api["lifecycle"]["verdicts"]]
    assert got and got[0][0] == "tiktok"


@pytest.mark.parametrize("name", ["plan", "plan_exact"])
def test_plan_is_the_plan_endpoint(answers, name):
    """Same budget (last quarter's spend), limits and split: the defaults are one set."""
    api, cli = answers
    for key in ("status", "quarter", "budget", "budget_equality"):
        assert cli[name][key] == api[name][key], key
    spend = {c["channel"]: c["spend"] for c in api[name]["channels"]}
    assert {c["channel"]: pytest.approx(c["spend"], rel=1e-9, abs=1e-9)
            for c in cli[name]["channels"]} == spend
    assert cli[name]["expected_revenue"] == pytest.approx(api[name]["expected_revenue"],
                                                          rel=1e-9)
    assert cli[name]["binding_constraints"] == api[name]["binding_constraints"]


def test_the_curves_document_plans_what_the_warehouse_plans(seeded_db, tmp_path):
    """``curves --out`` writes the very inputs ``plan`` fits, so planning from the file is
    planning from the warehouse (same quarter given to both: a file has no data end)."""
    doc = tmp_path / "curves.json"
    res = runner.invoke(app, ["curves", "--db", str(seeded_db), "--out", str(doc)])
    assert res.exit_code == 0, res.output
    plans = []
    for source in (["--db", str(seeded_db)], ["--curves", str(doc)]):
        res = runner.invoke(app, ["plan", *source, "--quarter", "2026Q2", "-f", "json"])
        assert res.exit_code == 0, res.output
        plans.append(json.loads(res.stdout))
    fitted, from_file = plans
    assert from_file["budget"] == pytest.approx(fitted["budget"], rel=1e-12)
    assert fitted["budget"] == pytest.approx(150 + 40 + 10 + 20)  # the seed's Q1 spend
    assert {c["channel"]: pytest.approx(c["spend"], rel=1e-9, abs=1e-9)
            for c in from_file["channels"]} == {c["channel"]: c["spend"]
                                                  for c in fitted["channels"]}
    assert from_file["expected_revenue"] == pytest.approx(fitted["expected_revenue"], rel=1e-9)
    assert from_file["months"] == fitted["months"] == ["2026-04", "2026-05", "2026-06"]

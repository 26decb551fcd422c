"""The same question gets the same answer on every surface.

One synthetic warehouse; each workflow is asked through the CLI (``--format json``),
the HTTP API (a TestClient over the app) and the HTML report's documents
(``touchpath.report.collect``), every surface with its own defaults — which are all
``touchpath.service.DEFAULTS`` — and then with the same explicit parameters. The
numbers must be identical, not close: each surface calls the same service function,
so any difference is a surface doing work of its own.
"""

import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.seed import Keys
from touchpath.api.main import create_app
from touchpath.api.security import create_key
from touchpath.api.settings import Settings
from touchpath.cli import app as cli_app
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.service import DEFAULTS, default_model_spec


@pytest.fixture(scope="module")
def db(synth_warehouse):
    return synth_warehouse(n_users=6000, seed=11)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("agree-keys") / "touchpath.keys"
    return Keys(path, create_key(path, "read", "agree-read"), create_key(path, "write", "agree-w"))


@pytest.fixture(scope="module")
def api(db, keys, tmp_path_factory):
    # The server holds its file read-write; the CLI and the report read a byte copy of it
    # (DuckDB refuses a second, read-only connection to a file open in the same process).
    served = tmp_path_factory.mktemp("agree-api") / "served.duckdb"
    shutil.copyfile(db, served)
    with TestClient(create_app(Settings(db=str(served), api_keys_file=keys.path))) as client:
        client.headers.update(keys.headers("read"))
        yield client


@pytest.fixture(scope="module")
def report(db):
    with Warehouse.open(db, read_only=True) as wh:
        return collect(wh, ReportOptions())


def cli(*args):
    res = CliRunner().invoke(cli_app, [*args, "--format", "json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _by_channel(rows, *fields):
    return {r["channel"]: tuple(r[f] for f in fields) for r in rows}


def test_every_surface_starts_from_the_service_defaults(report):
    assert report["options"]["model"] == default_model_spec()
    assert report["options"]["period"] == DEFAULTS.period
    assert report["options"]["lookback_days"] == DEFAULTS.lookback_days
    assert report["options"]["censor"] is DEFAULTS.censor


def test_attribution_is_the_same_on_cli_and_api(db, api):
    from_cli = cli("attribute", "--db", str(db))
    from_api = api.get("/v1/attribution").json()
    assert from_api["label"] == default_model_spec()
    assert {r["model"] for r in from_cli} == {default_model_spec()}
    fields = ("conversions", "value", "share")
    assert _by_channel(from_cli, *fields) == _by_channel(from_api["channels"], *fields)


@pytest.mark.parametrize("censor", [True, False])
def test_censoring_counts_are_the_same_on_cli_api_and_report(db, api, censor, tmp_path):
    flag, query = ("--censor", "true") if censor else ("--no-censor", "false")
    res = CliRunner().invoke(cli_app, ["paths", "--db", str(db), "--out",
                                       str(tmp_path / "paths.csv"), flag],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    from_api = api.get("/v1/paths", params={"censor": query}).json()
    with Warehouse.open(db, read_only=True) as wh:
        from_report = collect(wh, ReportOptions(censor=censor))["paths"]
    c = from_api["censoring"]
    assert from_api["censored_journeys"] == from_report["censored_journeys"]
    assert c == from_report["censoring"]
    assert from_api["warnings"] == from_report["warnings"]
    assert c["open_journeys"] > 0  # the synthetic data ends with journeys still open
    err = " ".join(res.stderr.split())
    if censor:
        assert from_api["censored_journeys"] == c["open_journeys"]
        assert (f"censoring: {c['censored_journeys']:,} non-converting journeys censored"
                in err)
        assert f"{c['non_converting_journeys']:,} kept as nulls" in err
    else:
        assert from_api["censored_journeys"] == 0
        assert (f"censoring off: all {c['non_converting_journeys']:,} non-converting journeys "
                f"kept as nulls ({c['open_journeys']:,} of them still open)") in err
    assert f"{from_api['totals']['nulls']:,.0f} nulls" in res.stdout


def test_uncensored_attribution_is_the_same_on_cli_and_api(db, api):
    from_cli = cli("attribute", "--db", str(db), "--no-censor")
    from_api = api.get("/v1/attribution", params={"censor": "false"}).json()
    assert from_api["options"]["censor"] is False
    fields = ("conversions", "value", "share")
    assert _by_channel(from_cli, *fields) == _by_channel(from_api["channels"], *fields)
    censored = api.get("/v1/attribution").json()
    assert _by_channel(censored["channels"], *fields) != _by_channel(from_api["channels"],
                                                                     *fields)


def test_comparison_is_the_same_on_cli_api_and_report(db, api, report):
    fields = ("model", "conversions", "value")

    def table(rows):
        return sorted(tuple(r[f] for f in ("channel", *fields)) for r in rows)

    from_cli = cli("compare", "--db", str(db))
    from_api = api.get("/v1/attribution/compare").json()["rows"]
    assert table(from_cli) == table(from_api) == table(report["compare"]["rows"])
    assert {r["model"] for r in from_api} == set(DEFAULTS.compare_models)


@pytest.mark.parametrize("period", [None, "quarter"])
def test_roi_table_is_the_same_on_cli_api_and_report(db, api, report, period):
    args = [] if period is None else ["--period", period]
    query = {} if period is None else {"period": period}
    fields = ("spend", "attributed_conversions", "attributed_revenue", "roi", "cpa")

    def table(rows):
        return {(r["period"], r["channel"]): tuple(r[f] for f in fields) for r in rows}

    from_cli = cli("roi", "--db", str(db), *args)
    from_api = api.get("/v1/roi", params=query).json()
    assert table(from_cli["rows"]) == table(from_api["rows"])
    assert from_cli["model"] == from_api["model"] == default_model_spec()
    if period is None:
        assert table(report["roi"]["rows"]) == table(from_api["rows"])


def test_lifecycle_verdicts_are_the_same_on_cli_api_and_report(db, api, report):
    fields = ("verdict", "rule", "roi", "baseline", "ratio", "period")
    from_cli = cli("lifecycle", "--db", str(db))["verdicts"]
    from_api = api.get("/v1/lifecycle").json()["verdicts"]
    assert from_api, "the synthetic data has a channel in test"
    assert _by_channel(from_cli, *fields) == _by_channel(from_api, *fields)
    assert _by_channel(report["lifecycle"]["verdicts"], *fields) == _by_channel(from_api, *fields)


def test_the_default_plan_is_the_same_on_cli_api_and_report(db, api, report):
    """No budget given anywhere: last quarter's spend, ±30 %, at most the budget."""
    fields = ("spend", "expected_revenue", "marginal_roi", "rule")
    from_cli = cli("plan", "--db", str(db))
    r = api.post("/v1/budget/plan", json={})
    assert r.status_code == 200, r.text
    from_api = r.json()
    from_report = report["plan"]
    for doc in (from_cli, from_report):
        assert doc["budget"] == from_api["budget"]
        assert doc["total_spend"] == from_api["total_spend"]
        assert doc["expected_revenue"] == from_api["expected_revenue"]
        assert doc["binding_constraints"] == from_api["binding_constraints"]
        assert _by_channel(doc["channels"], *fields) == _by_channel(from_api["channels"], *fields)
    # the change limit of the defaults is in force: no established channel moves more than
    # 30 % (a channel in test is held by the test budget instead)
    checked = 0
    for c in from_api["channels"]:
        if c["previous_spend"] and c["status"] == "established":
            assert abs(c["spend"] / c["previous_spend"] - 1) <= DEFAULTS.max_change + 1e-9, c
            checked += 1
    assert checked >= 3


def test_an_explicit_plan_is_the_same_on_cli_and_api(db, api):
    fields = ("spend", "expected_revenue")
    from_cli = cli("plan", "--db", str(db), "--budget", "15000", "--max-change", "0.2",
                   "--order", "2", "--test-budget", "0.02")
    r = api.post("/v1/budget/plan", json={"budget": 15000, "max_change": 0.2,
                                          "model": "markov2", "test_budget": 0.02})
    assert r.status_code == 200, r.text
    from_api = r.json()
    assert from_cli["status"] == from_api["status"]
    assert from_cli["total_spend"] == from_api["total_spend"]
    assert _by_channel(from_cli["channels"], *fields) == _by_channel(from_api["channels"], *fields)


def test_the_funnel_is_the_same_on_cli_and_api(tmp_path, keys):
    from tests.service.test_funnel import funnel_warehouse

    db = funnel_warehouse(tmp_path / "funnel.duckdb")
    served = tmp_path / "served.duckdb"
    shutil.copyfile(db, served)
    from_cli = cli("funnel", "--db", str(db), "--stages", "add_to_cart,purchase")
    with TestClient(create_app(Settings(db=str(served), api_keys_file=keys.path))) as client:
        client.headers.update(keys.headers("read"))
        res = client.get("/v1/funnel", params={"stages": "add_to_cart,purchase"})
    assert res.status_code == 200, res.text
    from_api = res.json()
    assert from_api["model"] == default_model_spec()
    fields = ("channel", "stage", "step", "conversions", "value", "rate", "drop_off")
    assert [tuple(r[f] for f in fields) for r in from_cli] == \
        [tuple(r[f] for f in fields) for r in from_api["rows"]]
    assert [r["conversions"] for r in from_cli if r["channel"] == "(all)"] == [10.0, 4.0]


def test_identities_are_the_same_on_cli_api_and_report(tmp_path, keys):
    from touchpath.data.synth import SynthConfig, generate

    db = tmp_path / "devices.duckdb"
    data = generate(SynthConfig(n_users=3000, seed=3, cross_device_share=0.5))
    with Warehouse.open(db) as wh:
        data.load_into(wh)
    served = tmp_path / "served.duckdb"
    shutil.copyfile(db, served)
    from_cli = cli("identities", "--db", str(db))
    with TestClient(create_app(Settings(db=str(served), api_keys_file=keys.path))) as client:
        client.headers.update(keys.headers("read"))
        res = client.get("/v1/identities")
    assert res.status_code == 200, res.text
    from_api = res.json()
    with Warehouse.open(db, read_only=True) as wh:
        from_report = collect(wh, ReportOptions())["identities"]
    assert from_api["model"] == from_cli["model"] == from_report["model"] == default_model_spec()
    for part in ("report", "effect", "credit"):
        assert from_cli[part] == from_api[part] == from_report[part], part
    # the login pairs are the generator's, one person per pair
    assert from_api["report"]["pairs"] == from_api["report"]["persons"] == len(data.identities)
    assert from_api["effect"]["direct_before"] > from_api["effect"]["direct_after"]
def _segment_cells(rows):
    return {(r["segment"], r["channel"]): (r["conversions"], r["value"], r["share"])
            for r in rows}


def test_segments_are_the_same_on_cli_api_and_report(db, api, report):
    # the report opens its segments on DEFAULTS.segment_by (the synthetic conversions have it)
    assert report["segments"]["by"]["name"] == DEFAULTS.segment_by == "device"
    from_cli = cli("attribute", "--db", str(db), "--by", "device")
    from_api = api.get("/v1/attribution", params={"by": "device"}).json()
    assert from_api["model"] == from_cli["model"] == report["segments"]["model"]
    assert from_api["segments"] == from_cli["segments"] == report["segments"]["segments"]
    cells = _segment_cells(from_cli["rows"])
    assert cells == _segment_cells(from_api["rows"]) == _segment_cells(report["segments"]["rows"])
    assert {s["segment"] for s in from_api["segments"]} >= {"desktop", "mobile", "tablet"}


def test_segmented_roi_and_comparison_are_the_same_on_cli_and_api(db, api):
    fields = ("segment", "period", "channel", "spend", "attributed_conversions",
              "attributed_revenue", "spend_basis")
    from_cli = cli("roi", "--db", str(db), "--by", "customer_type", "--model", "linear")
    from_api = api.get("/v1/roi", params={"by": "customer_type", "model": "linear"}).json()
    assert [tuple(r[f] for f in fields) for r in from_cli["rows"]] == \
        [tuple(r[f] for f in fields) for r in from_api["rows"]]
    models = "first_touch,linear"
    from_cli = cli("compare", "--db", str(db), "--by", "region", "--models", models)
    from_api = api.get("/v1/attribution/compare",
                       params={"by": "region", "models": models}).json()
    key = ("segment", "model", "channel", "conversions", "value")
    assert [tuple(r[k] for k in key) for r in from_cli["rows"]] == \
        [tuple(r[k] for k in key) for r in from_api["rows"]]


def test_campaign_attribution_is_the_same_on_cli_api_and_report(db, api, report):
    """``--grain campaign``: campaign rows and the roll-up, number for number."""
    models = report["campaigns"]["models"]
    assert models == ["linear", default_model_spec()]
    from_cli = cli("compare", "--db", str(db), "--grain", "campaign", "--models",
                   ",".join(models), "--no-progress")
    from_api = api.get("/v1/attribution/compare",
                       params={"models": ",".join(models), "grain": "campaign"}).json()

    def cells(rows):
        return {(r["model"], r["channel"], r["campaign"]): (r["conversions"], r["value"])
                for r in rows if r["channel"] != "(direct)"}

    assert cells(from_cli["campaigns"]) == cells(from_api["campaign_rows"]) \
        == cells(report["campaigns"]["campaign_rows"])
    assert len(cells(from_cli["campaigns"])) > 2 * 8

    def rollup(rows):
        return {(r["model"], r["channel"]): (r["conversions"], r["channel_conversions"],
                                             r["exact"]) for r in rows}

    assert rollup(from_cli["channels"]) == rollup(from_api["rollup"]) \
        == rollup(report["campaigns"]["rollup"])
    one = cli("attribute", "--db", str(db), "--grain", "campaign")
    api_one = api.get("/v1/attribution", params={"grain": "campaign"}).json()
    pick = ("channel", "campaign", "conversions", "value")
    assert [tuple(r[k] for k in pick) for r in one["campaigns"]] == \
        [tuple(r[k] for k in pick) for r in api_one["campaigns"]]


def test_pacing_of_a_recorded_plan_is_the_same_on_every_surface(monitoring_copy, keys,
                                                                 tmp_path):
    from touchpath import service

    with Warehouse.open(monitoring_copy) as wh:
        settings = service.CurveSettings(model="last_touch")
        params = service.PlanParams(quarter="2026Q1")
        service.record_plan(wh, service.plan(service.plan_inputs(wh, settings), params),
                            params, settings)
    served = tmp_path / "served.duckdb"
    shutil.copyfile(monitoring_copy, served)
    by_cli = cli("pacing", "--db", str(monitoring_copy))
    with Warehouse.open(monitoring_copy, read_only=True) as wh:
        by_report = collect(wh, ReportOptions(model="last_touch",
                                              models=("last_touch",)))["monitoring"]["pacing"]
    with TestClient(create_app(Settings(db=str(served), api_keys_file=keys.path))) as client:
        by_api = client.get("/v1/pacing", headers=keys.headers("read")).json()
    assert by_api.pop("data_version") >= 1
    assert by_cli == by_api == by_report
    search = next(c for c in by_cli["channels"] if c["channel"] == "search")
    assert search["actual_spend"] == 740.0 and search["attributed_revenue"] == 2650.0


def test_calibrated_attribution_roi_and_plan_are_the_same_on_cli_api_and_report(tmp_path, keys):
    from tests.seed.calibration import load_calibration

    path = tmp_path / "cal.duckdb"
    with Warehouse.open(path) as wh:
        load_calibration(wh)
    served = tmp_path / "served.duckdb"
    shutil.copyfile(path, served)
    with Warehouse.open(path, read_only=True) as wh:
        doc = collect(wh, ReportOptions())["calibration"]
    with TestClient(create_app(Settings(db=str(served), api_keys_file=keys.path))) as client:
        client.headers.update(keys.headers("read"))
        api_att = client.get("/v1/attribution", params={"calibrate": "true"}).json()
        api_roi = client.get("/v1/roi", params={"calibrate": "true"}).json()
        api_plan = client.post("/v1/budget/plan", json={"calibrate": True}).json()
    cli_att = cli("attribute", "--db", str(path), "--calibrate")
    cli_roi = cli("roi", "--db", str(path), "--calibrate")
    cli_plan = cli("plan", "--db", str(path), "--calibrate")
    fields = ("calibrated_conversions", "conversions_lower", "conversions_upper",
              "calibrated_revenue", "factor")
    assert _by_channel(cli_att["channels"], *fields) == _by_channel(
        api_att["calibration"]["channels"], *fields) == _by_channel(doc["channels"], *fields)
    assert cli_att["freed_conversions"] == api_att["calibration"]["freed_conversions"] \
        == doc["freed_conversions"]
    key = [(r["period"], r["channel"], r["attributed_conversions"], r["attributed_revenue"])
           for r in cli_roi["rows"]]
    assert key == [(r["period"], r["channel"], r["attributed_conversions"],
                    r["attributed_revenue"]) for r in api_roi["rows"]]
    assert cli_plan["calibration"]["comparison"] == api_plan["calibration"]["comparison"]

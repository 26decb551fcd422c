"""CLI behaviour: read-only lifecycle, empty ROI ranges, option names, closed pipes, CPA.

On the hand-worked seed of tests/seed (spend: search 100 + 50, social 40,
email 10, tiktok 20; conversions from 2026-01-04 to 2026-03-20).
"""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.api.conftest import make_settings
from touchpath.cli.app import app

runner = CliRunner()


def _verdict_rows(db) -> int:
    from touchpath.data.verdicts import verdict_history
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db) as wh:
        return len(verdict_history(wh.conn))


# -------------------------------------------------------------------- lifecycle
def test_lifecycle_is_read_only_by_default(db_copy):
    before = _verdict_rows(db_copy)
    res = runner.invoke(app, ["lifecycle", "--db", str(db_copy), "--model", "last_touch",
                              "--period", "quarter", "--min-conversions", "30"])
    assert res.exit_code == 0, res.output
    # ratio 4.35 on 2 attributed conversions, under the rules' minimum of 30 (and the
    # 90 % lower bound 1.16 is under the scale bar 1.3): tiktok stays in test
    # (tests/api/test_lifecycle_evidence.py)
    assert "tiktok: TEST" in res.stdout
    assert "recorded" not in res.output
    assert _verdict_rows(db_copy) == before


def test_lifecycle_record_writes_and_says_so(db_copy):
    before = _verdict_rows(db_copy)
    res = runner.invoke(app, ["lifecycle", "--db", str(db_copy), "--model", "last_touch",
                              "--period", "quarter", "--record"])
    assert res.exit_code == 0, res.output
    assert f"recorded 1 verdict in channel_verdicts of {db_copy}" in " ".join(res.stdout.split())
    assert _verdict_rows(db_copy) == before + 1
    # Machine-readable output stays parseable: the note goes to stderr.
    res = runner.invoke(app, ["lifecycle", "--db", str(db_copy), "--model", "last_touch",
                              "--period", "quarter", "--record", "--format", "json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["verdicts"][0]["channel"] == "tiktok"
    assert "recorded 1 verdict" in res.stderr
    assert _verdict_rows(db_copy) == before + 2


# ---------------------------------------------------------------- empty ranges
@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_roi_outside_the_data_warns_and_exits_1_without_a_table(seeded_db, fmt):
    res = runner.invoke(app, ["roi", "--db", str(seeded_db), "--model", "last_touch",
                              "--from", "2030-01-01", "--to", "2030-02-01", "--format", fmt])
    assert res.exit_code == 1
    assert res.stdout == ""
    message = " ".join(res.stderr.split())
    # first / last day with a conversion or spend: spend 2026-01-02, conversion 2026-03-20
    assert ("warning: no conversions or spend between 2030-01-01 and 2030-02-01; "
            "the data covers 2026-01-02 to 2026-03-20") in message


def test_roi_inside_the_data_still_prints_its_table(seeded_db):
    res = runner.invoke(app, ["roi", "--db", str(seeded_db), "--model", "last_touch",
                              "--from", "2026-01-01", "--to", "2026-01-31", "--format", "csv"])
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert {r["period"] for r in rows} == {"2026-01"}
    assert "warning" not in res.stderr


# ---------------------------------------------------------------- option names
def _options() -> dict[str, list[tuple[str, bool]]]:
    group = typer.main.get_command(app)
    return {name: [(opt, bool(getattr(p, "hidden", False))) for p in cmd.params for opt in p.opts]
            for name, cmd in group.commands.items()}


def test_one_name_per_option_across_commands():
    visible = {name: {o for o, hidden in opts if not hidden} for name, opts in _options().items()}
    for name, opts in visible.items():
        assert "--lookback-days" not in opts and "--spend-all" not in opts, name
        assert not [o for o in opts if "lookback" in o and o != "--lookback"], name
    assert "--lookback" in visible["report"] and "--lookback" in visible["roi"]
    assert "--exact-budget" in visible["report"] and "--exact-budget" in visible["plan"]


@pytest.mark.parametrize("args", [["--lookback", "45", "--exact-budget"],
                                  ["--lookback-days", "45", "--spend-all"]],
                         ids=["current", "old-aliases"])
def test_report_takes_lookback_and_exact_budget(monkeypatch, tmp_path, args):
    import touchpath.report.html
    seen = {}

    def fake_write_report(db, out, options):
        seen["options"] = options
        return out

    monkeypatch.setattr(touchpath.report.html, "write_report", fake_write_report)
    res = runner.invoke(app, ["report", "--db", str(tmp_path / "x.duckdb"),
                              "--out", str(tmp_path / "r.html"), *args])
    assert res.exit_code == 0, res.output
    assert seen["options"].lookback_days == 45 and seen["options"].spend_all is True


def test_report_plans_like_touchpath_plan_by_default(monkeypatch, tmp_path):
    """Same defaults as ``touchpath plan`` and ``touchpath compare``: ±30%, at most, the
    eight compared models; ``--max-change none`` lifts the limit."""
    import touchpath.report.html
    seen = []

    def fake_write_report(db, out, options):
        seen.append(options)
        return out

    monkeypatch.setattr(touchpath.report.html, "write_report", fake_write_report)
    base = ["report", "--db", str(tmp_path / "x.duckdb"), "--out", str(tmp_path / "r.html")]
    for extra in ([], ["--max-change", "none"], ["--max-change", "0.25"]):
        res = runner.invoke(app, [*base, *extra])
        assert res.exit_code == 0, res.output
    default, lifted, quarter = seen
    assert (default.max_change, lifted.max_change, quarter.max_change) == (0.3, None, 0.25)
    assert (default.spend_all, default.period, default.ci, default.lookback_days) == (
        False, "month", 0, 30)
    assert default.models == ("first_touch", "last_touch", "linear", "time_decay", "position",
                              "markov1", "markov2", "shapley")
    assert default.model_spec == "markov1"


# ------------------------------------------------------------------ closed pipe
def _touchpath() -> list[str]:
    script = Path(sys.executable).with_name("touchpath")
    return [str(script)] if script.exists() else [
        sys.executable, "-c", "from touchpath.cli import main; main()"]


@pytest.mark.parametrize("fmt", ["table", "csv"])
def test_output_into_a_closed_pipe_ends_quietly(seeded_db, fmt):
    proc = subprocess.Popen([*_touchpath(), "roi", "--db", str(seeded_db), "--model",
                             "last_touch", "--period", "week", "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line (like `| head -0`)
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(60) == 1
    assert "Broken pipe" not in err and "error" not in err.lower() and "Traceback" not in err


# -------------------------------------------------------------------------- CPA
def test_cpa_is_zero_without_spend_and_undefined_without_conversions_everywhere(db_copy, keys):
    """attribution/roi.py: CPA = spend ÷ attributed conversions.

    Q1, last touch, after one ``app_push`` journey (no spend) converting for 70:
    app_push 0 ÷ 1 = 0 (it cost nothing); search 150 ÷ 0 is undefined (null in
    JSON, empty in CSV, "–" in the CLI); social 40 ÷ 2 = 20.
    """
    from touchpath.api.main import create_app
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db_copy) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e_push"], "user_id": ["u9"], "channel": ["app_push"],
            "ts": [pd.Timestamp("2026-03-01 10:00")]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c_push"], "user_id": ["u9"], "value": [70.0],
            "ts": [pd.Timestamp("2026-03-02 12:00")]}))
    with TestClient(create_app(make_settings(db_copy, keys))) as c:
        url = "/v1/roi?period=quarter&model=last_touch"
        body = c.get(url, headers=keys.headers("read")).json()
        text = c.get(url + "&format=csv", headers=keys.headers("read")).text
    rows = {r["channel"]: r for r in body["rows"]}
    assert rows["app_push"]["spend"] == 0 and rows["app_push"]["attributed_conversions"] == 1
    assert rows["app_push"]["cpa"] == 0.0 and rows["app_push"]["roi"] is None
    assert rows["search"]["cpa"] is None and rows["search"]["spend"] == 150
    assert rows["social"]["cpa"] == pytest.approx(40 / 2)
    csv_rows = {r["channel"]: r for r in csv.DictReader(io.StringIO(text))}
    assert float(csv_rows["app_push"]["cpa"]) == 0.0 and csv_rows["search"]["cpa"] == ""

    res = runner.invoke(app, ["roi", "--db", str(db_copy), "--model", "last_touch",
                              "--period", "quarter"])
    assert res.exit_code == 0, res.output
    cells = {}
    for line in res.stdout.splitlines():
        parts = [p.strip() for p in line.strip("│ ").split("│")]
        if len(parts) > 6 and parts[0] in ("app_push", "search", "social"):
            cells[parts[0]] = parts[6]  # channel, spend, conv., revenue, ROI, net ROI, CPA
    assert cells == {"app_push": "0.00", "search": "–", "social": "20.00"}


# ----------------------------------------------------------------------- curves
def test_curves_old_horizon_is_accepted_as_the_quarter_and_refused_otherwise(seeded_db,
                                                                            tmp_path):
    """The document is scaled to the quarter (3 months); ``--horizon 3`` says just that."""
    docs = []
    for extra in ([], ["--horizon", "3"]):
        out = tmp_path / f"curves{len(docs)}.json"
        res = runner.invoke(app, ["curves", "--db", str(seeded_db), "--out", str(out), *extra])
        assert res.exit_code == 0, res.output
        docs.append(json.loads(out.read_text()))
    assert docs[0] == docs[1]
    # seed: search spent 100 + 50 in Q1, all of it in the last three months
    search = next(c for c in docs[0]["channels"] if c["channel"] == "search")
    assert search["previous_spend"] == pytest.approx(150.0)
    res = runner.invoke(app, ["curves", "--db", str(seeded_db), "--horizon", "1"])
    assert res.exit_code == 2
    assert "scaled to the quarter the plan covers (3 month periods)" in " ".join(
        res.output.split())


def test_tables_written_to_a_pipe_are_never_truncated(tmp_path):
    """Piped output (logs, ``| less``, CI) used to cut cells to fit 80 columns (``email_s…``):
    a long channel name and every column must come through whole."""

    from touchpath.data.warehouse import Warehouse

    long_name = "marketplace_tmall_flagship_store_campaign_spring"
    db = tmp_path / "wide.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1", "e2"], "user_id": ["u1", "u2"],
            "ts": ["2026-01-02T10:00:00", "2026-01-03T10:00:00"],
            "channel": [long_name, "search"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["u1"], "ts": ["2026-01-04T10:00:00"],
            "value": ["120.50"]}))
        wh.ingest("spend", pd.DataFrame({"channel": [long_name], "day": ["2026-01-02"],
                                         "amount": ["40.00"]}))
    for args in (["roi", "--db", str(db)], ["attribute", "--db", str(db)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert long_name in res.output and "…" not in res.output, res.output

"""``touchpath demo`` end to end on a small world: every step runs, every file is written."""

import csv
import re

from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from touchpath.cli.app import app
from touchpath.cli.data_cmds import DEMO_STEPS


def test_demo_runs_every_step_and_lists_its_files(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["demo", "--users", "3000", "--db", str(tmp_path / "d.duckdb"),
                                   "--out-dir", str(out), "--ci", "20", "--resamples", "3"])
    assert res.exit_code == 0, res.output
    labels = [s.label for s in DEMO_STEPS]
    assert labels.index("Summarising channels") < labels.index("Comparing attribution models")
    assert labels[-2:] == ["Planning next quarter", "Writing the HTML report"]
    for name in ("paths.csv", "compare.png", "roi_month.csv", "curves.png", "plan.png",
                 "scenarios.png", "report.html"):
        assert (out / name).stat().st_size > 0, name
        assert str(out / name) in res.stdout.replace("\n", "")
    with open(out / "roi_month.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["period"] for r in rows} == {f"2026-{m:02d}" for m in range(1, 13)}
    assert "owned_site" in {r["channel"] for r in rows}
    assert "90% range over 3 bootstrap resamples" in " ".join(res.stdout.split())
    for text in ("Budget plan 2027Q1", "budget shadow price", "binding constraints",
                 "livestream:", "Scenarios"):
        assert text in res.stdout, text

    # the report plans the demo's budget, spent in full, for the same quarter
    flat = " ".join(res.stdout.split())
    budget = re.search(r"Budget ([\d,]+\.\d\d) = last quarter's paid spend", flat).group(1)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f'<strong id="plan-total">{budget}</strong>' in report
    assert "2027Q1" in report
    assert re.search(r"Last ingest</div><div class=\"tile-value\">\d{4}-\d\d-\d\d "
                     r"\d\d:\d\d UTC<", report)
    # column labels are the specs asked for, not every setting spelled out
    assert "shapley_rate" in flat and "n_permutations" not in flat


# ------------------------------------------------------- whose warehouse the demo replaces
#: A demo small and quick enough to run twice in a test.
SMALL = ["--users", "400", "--ci", "0", "--resamples", "0"]


def run_demo_cli(db, out, *extra):
    return CliRunner().invoke(app, ["demo", *SMALL, "--db", str(db), "--out-dir", str(out),
                                    *extra])


def digest(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_refuses_a_warehouse_it_did_not_make_and_leaves_it_alone(db_copy, tmp_path):
    from tests.seed import COUNTS_A
    from touchpath.data.warehouse import Warehouse

    before = digest(db_copy)
    res = run_demo_cli(db_copy, tmp_path / "out")
    assert res.exit_code == 1, res.output
    [line] = res.stderr.splitlines()
    assert line == (f"error: {db_copy} is not the demo's warehouse (it was not made by "
                    "`touchpath demo`); the demo replaces only its own: pass --db with another "
                    f"file, or remove {db_copy} yourself")
    assert "Traceback" not in res.output and res.stdout == ""
    assert digest(db_copy) == before
    with Warehouse.open(db_copy, read_only=True) as wh:
        assert wh.counts() == COUNTS_A
    assert not (tmp_path / "out").exists()


def test_demo_replaces_its_own_warehouse_on_a_second_run(tmp_path):
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "demo.duckdb"
    first = run_demo_cli(db, tmp_path / "out1", "--seed", "1")
    assert first.exit_code == 0, first.output
    second = run_demo_cli(db, tmp_path / "out2", "--seed", "2")
    assert second.exit_code == 0, second.output
    # the demo's world has funnel stages: its conversions are purchases and carts
    world = generate(SynthConfig(n_users=400, seed=2, funnel_stages=True)).tables()
    expected = {name: len(frame) for name, frame in world.items()}
    assert set(world["conversions"]["kind"]) == {"purchase", "add_to_cart"}
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.counts() == expected  # the second world only: replaced, not added to
        assert wh.made_by_demo


def test_demo_refuses_its_own_warehouse_once_data_was_loaded_into_it(tmp_path):
    import pandas as pd

    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "demo.duckdb"
    assert run_demo_cli(db, tmp_path / "out1").exit_code == 0
    with Warehouse.open(db) as wh:
        before_load = wh.counts()
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["shop-order-1"], "user_id": ["u-1"],
            "ts": ["2026-06-01T10:00:00"], "value": ["49.90"]}))
        loaded = wh.counts()
    assert loaded["conversions"] == before_load["conversions"] + 1
    before = digest(db)
    res = run_demo_cli(db, tmp_path / "out2")
    assert res.exit_code == 1, res.output
    assert "changed after the demo" in res.stderr and len(res.stderr.splitlines()) == 1
    assert digest(db) == before
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.counts() == loaded


def test_demo_refuses_its_own_warehouse_while_another_process_holds_it(tmp_path, hold_file):
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "demo.duckdb"
    with Warehouse.replace_demo(db):
        pass
    before = digest(db)
    holder = hold_file(db)
    res = run_demo_cli(db, tmp_path / "out")
    assert res.exit_code == 1, res.output
    assert res.stderr.splitlines() == [
        f"error: the warehouse {db} is in use by another process (PID {holder.pid}); "
        "stop it, or use the HTTP API if it is `touchpath serve`"]
    assert digest(db) == before


def test_demo_creates_its_warehouse_over_an_empty_file(tmp_path):
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "new.duckdb"
    db.touch()
    res = run_demo_cli(db, tmp_path / "out")
    assert res.exit_code == 0, res.output
    with Warehouse.open(db, read_only=True) as wh:
        assert wh.counts()["touchpoints"] > 0 and wh.made_by_demo


def test_demo_fits_the_roi_table_once_for_its_steps_and_once_for_the_report(tmp_path,
                                                                              monkeypatch):
    """ROI, lifecycle, curves and plan read one table through the demo's memo.

    Without it the steps would fit it four times (the ROI step, the lifecycle
    step, and the curves' own table and verdicts); the report answers from its
    own cache and fits it once more.
    """
    import touchpath.service.roi as roi_workflow

    fitted = []
    real = roi_workflow.channel_roi

    def counting(wh, model, period, *args, **kwargs):
        fitted.append((getattr(model, "name", model), period))
        return real(wh, model, period, *args, **kwargs)

    monkeypatch.setattr(roi_workflow, "channel_roi", counting)
    res = run_demo_cli(tmp_path / "d.duckdb", tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert fitted == [("markov", "month")] * 2

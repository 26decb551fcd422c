"""One spelling and one meaning per option across ``touchpath`` commands.

Choices shown in ``--help`` and checked by Typer (``plan``), ``--order`` taking
``1``-``4`` or ``auto`` everywhere (``report`` too), ``--collapse-repeats /
--keep-repeats`` everywhere, one ``--from`` / ``--to`` for the journey commands,
and one model label for the ROI table whether or not a period has conversions.
Hand-worked numbers on the seed of tests/seed.
"""

import csv
import io
import json
from typing import Any

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from touchpath.cli.app import app

runner = CliRunner()


def _params(command: str) -> dict[str, Any]:
    cmd = typer.main.get_command(app).commands[command]
    return {opt: p for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}


def _choices(param: Any) -> list[str]:
    return [member.value for member in param.type_descriptor.annotation]


def _formats(param: Any) -> list[str]:
    return list(param.type_descriptor.parameter_info.formats)


def _flat(text: str) -> str:
    """Output with rich's box drawing and line breaks squeezed out."""
    return " ".join(text.replace("│", " ").split())


# ------------------------------------------------------------------------ plan
PLAN_CHOICES = {
    "--objective": ["revenue", "conversions", "profit"],
    "--solver": ["cbc", "highs", "auto"],
    "--monthly": ["pattern", "even"],
    "--unmodelled": ["hold", "zero"],
    "--period": ["week", "month", "quarter"],
    "--format": ["table", "csv", "json"],
}

#: Channel ``a``: 100 at 4 per unit, then 100 at 1; ``email`` has no curve (10 last quarter).
CURVES = {"channels": [
    {"channel": "a", "previous_spend": 80,
     "segments": [{"width": 100, "slope": 4.0}, {"width": 100, "slope": 1.0}]},
    {"channel": "email", "previous_spend": 10},
]}


@pytest.fixture
def curves_file(tmp_path):
    path = tmp_path / "curves.json"
    path.write_text(json.dumps(CURVES))
    return path


def test_plan_help_lists_the_choices_of_every_choice_option():
    params = _params("plan")
    for option, values in PLAN_CHOICES.items():
        assert _choices(params[option]) == values, option
    text = _flat(runner.invoke(app, ["plan", "--help"], env={"COLUMNS": "200"}).output)
    for values in PLAN_CHOICES.values():
        assert "|".join(values) in text


@pytest.mark.parametrize("option", list(PLAN_CHOICES))
def test_plan_refuses_a_value_outside_the_choices_with_exit_2(curves_file, option):
    res = runner.invoke(app, ["plan", "--curves", str(curves_file), "--budget", "150",
                              option, "nope"])
    assert res.exit_code == 2
    text = _flat(res.output)
    assert f"Invalid value for '{option}'" in text and "'nope' is not one of" in text


def _plan(curves_file, *extra) -> dict:
    res = runner.invoke(app, ["plan", "--curves", str(curves_file), "--budget", "150",
                              "--format", "json", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_plan_unmodelled_choice_reaches_the_plan(curves_file):
    """hold: email keeps 10, a gets 140 → 100·4 + 40·1 = 440; zero: a 150 → 450.

    No limit on a's change from its 80 of last quarter (``--max-change none``).
    """
    held = _plan(curves_file, "--max-change", "none")
    zero = _plan(curves_file, "--unmodelled", "zero", "--max-change", "none")
    assert {c["channel"]: c["spend"] for c in held["channels"]} == pytest.approx(
        {"a": 140.0, "email": 10.0})
    assert held["expected_revenue"] == pytest.approx(440.0)
    assert {c["channel"]: c["spend"] for c in zero["channels"]} == pytest.approx(
        {"a": 150.0, "email": 0.0})
    assert zero["expected_revenue"] == pytest.approx(450.0)


def test_plan_monthly_even_and_solver_choices_reach_the_plan(curves_file):
    """Even split: each month of 2027Q1 gets a third of the quarter (140 / 3, 10 / 3)."""
    plan = _plan(curves_file, "--monthly", "even", "--solver", "auto", "--quarter", "2027Q1",
                 "--objective", "revenue", "--max-change", "none")
    assert plan["months"] == ["2027-01", "2027-02", "2027-03"]
    months = {c["channel"]: c["monthly"] for c in plan["channels"]}
    assert months["a"] == pytest.approx({m: 140 / 3 for m in plan["months"]})
    assert months["email"] == pytest.approx({m: 10 / 3 for m in plan["months"]})


def test_plan_keeps_each_channel_within_30_percent_unless_told_otherwise(curves_file):
    """a spent 80 last quarter: at most 80 · 1.3 = 104 → 100·4 + 4·1 = 404, 114 spent of 150.

    ``--max-change 0.5``: a at most 120 → 420; ``none``: a 140 → 440 (the whole budget).
    """
    default = _plan(curves_file)
    assert {c["channel"]: c["spend"] for c in default["channels"]} == pytest.approx(
        {"a": 104.0, "email": 10.0})
    assert default["expected_revenue"] == pytest.approx(404.0)
    assert default["total_spend"] == pytest.approx(114.0)
    assert _plan(curves_file, "--max-change", "0.5")["expected_revenue"] == pytest.approx(420.0)
    lifted = _plan(curves_file, "--max-change", "none")
    assert lifted["expected_revenue"] == pytest.approx(440.0)
    assert lifted["total_spend"] == pytest.approx(150.0)


def test_plan_max_change_says_how_to_lift_it_and_refuses_nonsense(curves_file):
    param = _params("plan")["--max-change"]
    assert param.default == "0.3" and "'none' for no limit" in param.help
    for bad in ("-0.1", "lots"):
        res = runner.invoke(app, ["plan", "--curves", str(curves_file), "--max-change", bad])
        assert res.exit_code == 2
        assert "Invalid value for '--max-change'" in _flat(res.output)


def test_plan_from_curves_without_a_budget_plans_last_quarters_spend(curves_file):
    """The curves' previous spend: a 80 + email 10 = 90; a stays within 56..104 → a 80."""
    res = runner.invoke(app, ["plan", "--curves", str(curves_file), "--format", "json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    assert plan["budget"] == pytest.approx(90.0)
    assert {c["channel"]: c["spend"] for c in plan["channels"]} == pytest.approx(
        {"a": 80.0, "email": 10.0})


# ----------------------------------------------------------------------- order
ORDER_COMMANDS = ("attribute", "roi", "lifecycle", "curves", "plan", "report")


def test_order_is_one_option_everywhere():
    first = _params("attribute")["--order"]
    for command in ORDER_COMMANDS:
        p = _params(command)["--order"]
        assert (p.help, p.metavar) == (first.help, first.metavar), command
        assert p.callback.__name__ == "check_order", command
    assert "auto" in first.help


@pytest.mark.parametrize(("given", "model", "order"), [
    ("auto", "markov_auto", None), ("AUTO", "markov_auto", None),
    ("3", "markov3", 3), (None, "markov1", None)])
def test_report_takes_order_1_to_4_or_auto(monkeypatch, tmp_path, given, model, order):
    """The report gets the service's spec of --model / --order (the service's order: 1)."""
    import touchpath.report.html
    from touchpath.attribution.registry import make_model

    seen = {}

    def fake_write_report(db, out, options):
        seen["options"] = options
        return out

    monkeypatch.setattr(touchpath.report.html, "write_report", fake_write_report)
    args = [] if given is None else ["--order", given]
    res = runner.invoke(app, ["report", "--db", str(tmp_path / "x.duckdb"),
                              "--out", str(tmp_path / "r.html"), *args])
    assert res.exit_code == 0, res.output
    options = seen["options"]
    assert (options.model, options.order) == (model, None)
    expected = "auto" if given and given.lower() == "auto" else (order or 1)
    assert make_model(options.model_spec).order == expected


@pytest.mark.parametrize("command", ["report", "attribute", "roi"])
@pytest.mark.parametrize("bad", ["0", "5", "two"])
def test_bad_order_is_a_usage_error_in_every_command(tmp_path, command, bad):
    res = runner.invoke(app, [command, "--db", str(tmp_path / "x.duckdb"), "--order", bad])
    assert res.exit_code == 2
    assert f"Invalid value for '--order': expected 1, 2, 3, 4 or auto, got '{bad}'" in _flat(
        res.output)


# --------------------------------------------------------------------- repeats
@pytest.fixture
def repeats_db(db_copy):
    """The seed plus u9: search 03-01, search 03-02, social 03-03, converting 03-04 for 10."""
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db_copy) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["r1", "r2", "r3"], "user_id": ["u9"] * 3,
            "channel": ["search", "search", "social"],
            "ts": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 10:00", "2026-03-03 10:00"])}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c9"], "user_id": ["u9"], "value": [10.0],
            "ts": [pd.Timestamp("2026-03-04 12:00")]}))
    return db_copy


def _paths_csv(db, tmp_path, *extra) -> dict[str, float]:
    out = tmp_path / "paths.csv"
    res = runner.invoke(app, ["paths", "--db", str(db), "--out", str(out),
                              "--from", "2026-03-01", "--to", "2026-03-10", *extra])
    assert res.exit_code == 0, res.output
    return {r["path"]: float(r["total_conversions"])
            for r in csv.DictReader(io.StringIO(out.read_text()))}


@pytest.mark.parametrize(("flags", "path"), [
    ([], "search > search > social"),
    (["--keep-repeats"], "search > search > social"),
    (["--no-collapse-repeats"], "search > search > social"),
    (["--collapse-repeats"], "search > social")])
def test_paths_spells_repeats_like_attribute_and_keeps_the_old_name(repeats_db, tmp_path,
                                                                     flags, path):
    assert _paths_csv(repeats_db, tmp_path, *flags) == {path: 1.0}


def test_repeat_options_read_the_same_everywhere():
    for command in ("paths", "attribute", "compare"):
        params = _params(command)
        p = params["--collapse-repeats"]
        assert (p.opts, p.secondary_opts) == (["--collapse-repeats"], ["--keep-repeats"])
        assert p.help == _params("attribute")["--collapse-repeats"].help
    assert _params("paths")["--no-collapse-repeats"].hidden


@pytest.mark.parametrize(("flag", "search"), [("--keep-repeats", 2 / 3),
                                              ("--collapse-repeats", 1 / 2)])
def test_attribute_linear_credit_follows_the_repeat_flag(repeats_db, flag, search):
    """Linear on u9's journey: kept, search has 2 of 3 touches; collapsed, 1 of 2."""
    res = runner.invoke(app, ["attribute", "--db", str(repeats_db), "-m", "linear", flag,
                              "--from", "2026-03-01", "--to", "2026-03-10", "-f", "json"])
    assert res.exit_code == 0, res.output
    credit = {r["channel"]: r["conversions"] for r in json.loads(res.stdout)}
    assert credit["search"] == pytest.approx(search)
    assert credit["social"] == pytest.approx(1 - search)


# ------------------------------------------------------------------ from / to
def test_journey_from_to_read_the_same_in_attribute_compare_and_paths():
    ref = _params("attribute")
    for command in ("compare", "paths"):
        params = _params(command)
        for option in ("--from", "--to"):
            assert params[option].help == ref[option].help, (command, option)
            assert _formats(params[option]) == _formats(ref[option])
    assert "inclusive" in ref["--from"].help and "exclusive" in ref["--to"].help
    for command in ("roi", "lifecycle", "curves"):
        params = _params(command)
        assert "inclusive" in params["--from"].help and "inclusive" in params["--to"].help


def test_journey_range_is_start_inclusive_end_exclusive_in_paths_and_attribute(seeded_db,
                                                                               tmp_path):
    """[01-04 12:00, 01-12 12:00): u2 (social, 50) converts at the start and is in; u1
    (search > email, 100) is in; u3 converts at the end and is out; u4's null journey
    ends 01-15 and is out. Last touch: email 1 conversion / 100, social 1 / 50."""
    rng = ["--from", "2026-01-04T12:00:00", "--to", "2026-01-12T12:00:00"]
    out = tmp_path / "paths.csv"
    res = runner.invoke(app, ["paths", "--db", str(seeded_db), "--out", str(out), *rng])
    assert res.exit_code == 0, res.output
    rows = {r["path"]: (float(r["total_conversions"]), float(r["total_conversion_value"]),
                        float(r["total_null"]))
            for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows == {"search > email": (1.0, 100.0, 0.0), "social": (1.0, 50.0, 0.0)}
    res = runner.invoke(app, ["attribute", "--db", str(seeded_db), "-m", "last_touch", *rng,
                              "-f", "json"])
    assert res.exit_code == 0, res.output
    credit = {r["channel"]: (r["conversions"], r["value"]) for r in json.loads(res.stdout)
              if r["conversions"]}
    assert credit == {"email": (1.0, 100.0), "social": (1.0, 50.0)}


# ---------------------------------------------------------------- model label
def _roi_model(db, *args) -> str:
    res = runner.invoke(app, ["roi", "--db", str(db), "-m", "markov", *args, "-f", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["model"]


@pytest.mark.parametrize(("order", "label"), [("2", "markov2"), ("1", "markov1")])
def test_roi_model_label_is_the_same_with_and_without_conversions(seeded_db, order, label):
    """2026-01-02..03 has spend (search 100, social 40) but no conversion; January has both."""
    empty = _roi_model(seeded_db, "--order", order, "--from", "2026-01-02", "--to", "2026-01-03")
    full = _roi_model(seeded_db, "--order", order, "--from", "2026-01-01", "--to", "2026-01-31")
    assert empty == full == label


@pytest.mark.parametrize("spec", ["first_touch", "last_non_direct", "linear", "position",
                                  "j_curve", "inverse_j", "markov1", "markov2", "markov4",
                                  "shapley", "shapley_rate", "position(first=0.3, last=0.5)",
                                  "custom(first=0.3, middle=0.3, last=0.4)"])
def test_fallback_label_is_the_result_label(spec):
    """A registry spec in its short form names itself, with or without a result."""
    from touchpath.attribution.registry import make_model
    from touchpath.attribution.registry import model_label as _model_label
    from touchpath.data.paths import PathTable

    model = make_model(spec)
    paths = PathTable.from_frame(pd.DataFrame({
        "path": ["a > b", "b", "a > c"], "total_conversions": [2, 1, 1],
        "total_conversion_value": [20.0, 10.0, 5.0], "total_null": [3, 2, 1]}))
    assert _model_label(model) == spec
    assert model.attribute(paths).label == spec


def test_fallback_label_of_an_order_still_to_choose_is_markov_auto():
    from touchpath.attribution.registry import make_model
    from touchpath.attribution.registry import model_label as _model_label

    assert _model_label(make_model("markov", order="auto")) == "markov_auto"

"""``--censor/--no-censor`` on every journey command, and ``touchpath paths`` saying what it did.

The warehouse is the issue's case in small: one month (January 2024) and the
30-day lookback. u1 search 01-01 converts 01-05 (20); u2 email 01-03; u3 search
01-10 > social 01-20; u4 display 01-25 converts 01-31 12:00 (5), the end of the
data. Both journeys without a conversion end less than 30 days before the end:
censored by default, nulls with ``--no-censor``.
"""

import csv
import io
import json
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.seed.month import load_month
from touchpath.cli.app import app
from touchpath.data.warehouse import Warehouse

runner = CliRunner()

JOURNEY_COMMANDS = ("paths", "attribute", "compare", "roi", "lifecycle", "curves", "plan",
                    "report")


@pytest.fixture
def month_db(tmp_path):
    db = tmp_path / "month.duckdb"
    with Warehouse.open(db) as wh:
        load_month(wh)
    return db


def _params(command: str) -> dict[str, Any]:
    cmd = typer.main.get_command(app).commands[command]
    return {opt: p for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _paths(db, tmp_path, *extra):
    out = tmp_path / "paths.csv"
    res = runner.invoke(app, ["paths", "--db", str(db), "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    rows = {r["path"]: (float(r["total_conversions"]), float(r["total_null"]))
            for r in csv.DictReader(io.StringIO(out.read_text()))}
    return res, rows


def test_paths_says_every_failure_was_censored_and_what_to_do(month_db, tmp_path):
    res, rows = _paths(month_db, tmp_path)
    assert rows == {"display": (1, 0), "search": (1, 0)}
    assert res.stdout.startswith(f"wrote {tmp_path / 'paths.csv'}: 2 paths, 2 conversions, "
                                 "0 nulls, 0 direct conversions")
    err = _flat(res.stderr)
    assert ("censoring: 2 non-converting journeys censored (still open: last touch less than "
            "30 days before the end of the data), 0 kept as nulls") in err
    assert ("warning: all 2 non-converting journeys were censored: the data covers 31 days "
            "(2024-01-01 to 2024-01-31) and the lookback is 30 days, so no journey without a "
            "conversion is old enough to count as a failure") in err
    assert "--no-censor" in err


def test_paths_no_censor_brings_the_journeys_back_as_nulls(month_db, tmp_path):
    res, rows = _paths(month_db, tmp_path, "--no-censor")
    assert rows == {"display": (1, 0), "email": (0, 1), "search": (1, 0),
                    "search > social": (0, 1)}
    assert "2 nulls" in res.stdout
    err = _flat(res.stderr)
    assert ("censoring off: all 2 non-converting journeys kept as nulls (2 of them still open)"
            in err)
    assert "warning" not in err


def test_paths_a_shorter_lookback_keeps_the_old_journey(month_db, tmp_path):
    # lookback 10: u2's email (01-03) closed by 01-13; u3's social (01-20 12:00) reaches
    # 01-30 12:00, before the end 01-31 12:00: closed too; its journey keeps the touches since
    # 01-10 12:00, so the search of 01-10 11:00 is out -> social
    res, rows = _paths(month_db, tmp_path, "--lookback", "10")
    assert rows == {"display": (1, 0), "email": (0, 1), "search": (1, 0), "social": (0, 1)}
    assert "warning" not in res.stderr
    assert "0 non-converting journeys censored" in _flat(res.stderr)


def test_every_journey_command_takes_one_censor_option():
    ref = _params("paths")["--censor"]
    assert (ref.opts, ref.secondary_opts, ref.default) == (["--censor"], ["--no-censor"], True)
    assert "ChannelAttribution" in ref.help
    for command in JOURNEY_COMMANDS:
        p = _params(command)["--censor"]
        assert (p.opts, p.secondary_opts, p.default, p.help) == (
            ref.opts, ref.secondary_opts, ref.default, ref.help), command


def test_attribute_follows_censor_and_warns_on_journeys_that_never_fail(month_db):
    def credit(*extra):
        res = runner.invoke(app, ["attribute", "--db", str(month_db), "-m", "markov1",
                                  "-f", "json", *extra])
        assert res.exit_code == 0, res.output
        return ({r["channel"]: round(r["conversions"], 9) for r in json.loads(res.stdout)},
                _flat(res.stderr))

    # by hand (tests/service/test_censoring.py): search and display 1 each either way; the
    # uncensored chain also has email and social, with no credit
    on, err = credit()
    assert on == {"search": 1.0, "display": 1.0}
    assert "warning: all 2 non-converting journeys were censored" in err
    off, err = credit("--no-censor")
    assert off == {"search": 1.0, "display": 1.0, "email": 0.0, "social": 0.0}
    assert "warning" not in err


def test_compare_follows_censor(month_db):
    def channels(*extra):
        res = runner.invoke(app, ["compare", "--db", str(month_db), "--models", "linear",
                                  "-f", "json", *extra])
        assert res.exit_code == 0, res.output
        return {r["channel"] for r in json.loads(res.stdout)}

    assert channels() == {"search", "display"}
    assert channels("--no-censor") == {"search", "display", "social", "email"}


def test_roi_echoes_the_censor_option(month_db):
    def options(*extra):
        res = runner.invoke(app, ["roi", "--db", str(month_db), "-f", "json", *extra])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["options"]

    assert options()["censor"] is True
    assert options("--no-censor")["censor"] is False


def test_plan_fits_its_curves_on_the_chosen_journeys(plan_db, tmp_path):
    """`plan --no-censor --lookback 14` plans on the curves `curves` fits with those options."""
    def run(*args):
        res = runner.invoke(app, [*args, "--db", str(plan_db)] if args[0] == "curves" else
                            [*args, "-f", "json"])
        assert res.exit_code == 0, res.output
        return res.stdout

    curves = tmp_path / "curves.json"
    run("curves", "--no-censor", "--lookback", "14", "--out", str(curves))
    from_curves = json.loads(run("plan", "--curves", str(curves)))
    direct = json.loads(run("plan", "--db", str(plan_db), "--no-censor", "--lookback", "14"))
    default = json.loads(run("plan", "--db", str(plan_db)))
    def split(plan):
        return {r["channel"]: (r["spend"], r["expected_revenue"]) for r in plan["channels"]}

    assert split(direct) == split(from_curves)
    assert split(direct) != split(default)

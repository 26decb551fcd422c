"""The report's Data section says how many journeys censoring left out, and warns.

The warehouse is the issue's case in small (tests/cli/test_cli_censor.py): January
2024 with the 30-day lookback; the two journeys without a conversion are both still
open at the end of the data, so both are censored unless the report is told not to.
"""

import html
import re

import pytest
from typer.testing import CliRunner

from tests.seed.month import load_month
from touchpath.cli import app
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect


@pytest.fixture
def month_db(tmp_path):
    db = tmp_path / "month.duckdb"
    with Warehouse.open(db) as wh:
        load_month(wh, spend=True)
    return db


def test_collect_carries_the_count_both_ways(month_db):
    with Warehouse.open(month_db, read_only=True) as wh:
        on = collect(wh, ReportOptions())
        off = collect(wh, ReportOptions(censor=False))
    assert on["options"]["censor"] is True and off["options"]["censor"] is False
    assert (on["paths"]["censored_journeys"], on["paths"]["totals"]["nulls"]) == (2, 0)
    assert on["paths"]["warnings"][0].startswith("all 2 non-converting journeys were censored")
    assert (off["paths"]["censored_journeys"], off["paths"]["totals"]["nulls"]) == (0, 2)
    assert off["paths"]["warnings"] == []
    assert off["roi"]["options"]["censor"] is False


def _data_section(page: str) -> str:
    return html.unescape(re.search(r'<section id="data".*?</section>', page, re.S).group(0))


def test_the_html_report_shows_the_count_and_the_warning(month_db, tmp_path):
    runner = CliRunner()
    for flag, name in (("--censor", "on.html"), ("--no-censor", "off.html")):
        res = runner.invoke(app, ["report", "--db", str(month_db), "--out",
                                  str(tmp_path / name), flag])
        assert res.exit_code == 0, res.output
    on = " ".join(_data_section((tmp_path / "on.html").read_text()).split())
    assert ("Censored (still open at the end of the data, left out): 2 non-converting "
            "journeys, 0 kept as non-converting.") in on
    assert '<p class="warn censoring-warning">⚠ all 2 non-converting journeys were censored' in on
    assert "open journeys censored." in on
    off = " ".join(_data_section((tmp_path / "off.html").read_text()).split())
    assert ("Censoring off: all 2 non-converting journeys count as non-converting (2 of them "
            "still open).") in off
    assert "censoring-warning" not in off and "no censoring." in off

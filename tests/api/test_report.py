"""``touchpath report`` and :mod:`touchpath.report`: numbers against the hand-worked seed."""

import re

import pytest
from typer.testing import CliRunner

from tests.api.test_dashboard import external_urls
from touchpath.attribution.roi import next_quarter
from touchpath.report import ReportOptions, default_budget, write_report
from touchpath.report.charts import grouped_bars_svg, money, nice_ticks, pct, utc_minute


def test_nice_ticks_cover_the_range_in_round_steps():
    # raw step 23/5 = 4.6 -> next round step 5; 23 needs the tick 25
    assert nice_ticks(0, 23) == [0, 5, 10, 15, 20, 25]
    # raw step 0.7/5 = 0.14 -> 0.2
    assert nice_ticks(-0.3, 0.4) == pytest.approx([-0.4, -0.2, 0, 0.2, 0.4])


def test_money_keeps_cents_and_thousands_separators():
    assert money(1234567.891) == "1,234,567.89"
    assert money(0.1) == "0.10"
    assert money(None) == "—"
    assert pct(0.1234) == "12.3%"


def test_bar_heights_are_proportional_to_values():
    svg = grouped_bars_svg(["a", "b"], [{"name": "m", "color": "#000", "values": [10.0, 20.0]}],
                           fmt=str, height=340)
    heights = [float(h) for h in re.findall(r'<rect class="bar"[^>]* height="([\d.]+)"', svg)]
    # top tick: 20 × 1.05 = 21 -> step 5 -> 25; plot height 340 - 14 - 62 = 264 px
    assert heights == pytest.approx([264 * 10 / 25, 264 * 20 / 25], abs=0.06)
    assert svg.count('class="bar-group"') == 2


def test_next_quarter_and_default_budget():
    from datetime import date

    assert next_quarter(date(2026, 12, 31)) == "2027Q1"
    assert next_quarter(date(2026, 5, 2)) == "2026Q3"
    roi = {"period": "month", "totals": [{"spend": 1.0}, {"spend": 2.5}, {"spend": 4.0},
                                         {"spend": 8.25}]}
    assert default_budget(roi) == 2.5 + 4.0 + 8.25  # the last three months


def test_report_options_refuse_bad_input():
    with pytest.raises(ValueError, match="period"):
        ReportOptions(period="year")
    with pytest.raises(ValueError, match="order"):
        ReportOptions(order=7)
    with pytest.raises(ValueError, match="budget"):
        ReportOptions(budget=-1.0)
    with pytest.raises(ValueError, match="max_change"):
        ReportOptions(max_change=-0.1)
    with pytest.raises(ValueError, match="multipliers"):
        ReportOptions(multipliers=(0.8, 0.0))


def test_utc_minute_formats_instants_in_utc():
    assert utc_minute("2026-07-01T06:15:42.5Z") == "2026-07-01 06:15 UTC"
    assert utc_minute("2026-07-01T08:15:00+02:00") == "2026-07-01 06:15 UTC"
    assert utc_minute(None) == "—" and utc_minute("soon") == "—"


def test_report_on_an_open_warehouse_uses_the_comparison_and_plan_settings(seeded_db, tmp_path):
    import shutil

    from touchpath.attribution.compare import compare
    from touchpath.data.journeys import JourneyOptions, build_paths
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    shutil.copy(seeded_db, db)
    out = tmp_path / "r.html"
    with Warehouse.open(db) as wh:  # read-write, as the demo holds it
        paths = build_paths(wh, JourneyOptions(lookback_days=30))
        comparison = compare(["first_touch", "markov1"], paths)
        stamped = wh.last_ingest_at
        write_report(wh, out, ReportOptions(model="last_touch", period="quarter",
                                            models=("first_touch", "markov1"), budget=200.0,
                                            spend_all=True, max_change=0.5,
                                            multipliers=(0.9, 1.1)), comparison=comparison)
        assert wh.conn is not None  # left open
    html = out.read_text(encoding="utf-8")
    # first touch on the seed: search gets u1 (1) and u3 (1) and u7 (1) of 5 paths: 60.0%
    assert re.search(r"<td>search</td><td class=\"num\">60\.0%</td>", html)
    assert f"Last ingest</div><div class=\"tile-value\">{utc_minute(stamped.isoformat())}" in html
    # spend_all: the plan spends the whole budget; scenarios at 180 and 220 plus the base
    assert '<strong id="plan-total">200.00</strong>' in html
    assert "180.00" in html and "220.00" in html


def row_cells(html: str, table_id: str, first: str, second: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    for row in re.findall(r"<tr>(.*?)</tr>", table):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
        if cells[:2] == [first, second]:
            return cells
    raise AssertionError(f"no row {first} / {second}")


def test_cli_report_on_seed_matches_hand_worked_roi(seeded_db, tmp_path):
    from touchpath.cli import app

    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", "--db", str(seeded_db), "--out", str(out),
                                   "--period", "quarter", "--model", "last_touch",
                                   "--models", "first_touch,last_touch", "--budget", "200"])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out.resolve())
    html = out.read_text(encoding="utf-8")
    # Last touch in 2026Q1 (conftest table): social gets u2 (50) + u3 (80) = 130 on spend 40,
    # email gets u1 (100) on spend 10, tiktok u6 + u7 = 100 on spend 20, search nothing on 150.
    assert row_cells(html, "roi-table-el", "2026-Q1", "social")[2:6] == [
        "40.00", "2.0", "130.00", "3.25"]
    assert row_cells(html, "roi-table-el", "2026-Q1", "email")[4:6] == ["100.00", "10.00"]
    assert row_cells(html, "roi-table-el", "2026-Q1", "search")[2:6] == [
        "150.00", "0.0", "0.00", "0.00"]
    assert row_cells(html, "roi-table-el", "2026-Q1", "(direct)")[4] == "50.00"
    # charts: attribution, ROI, one lifecycle chart (tiktok is in test), split, scenarios
    assert html.count("<svg") == 5
    assert 'data-channel="tiktok"' in html and "<script" not in html
    assert external_urls(html) == []
    # one bar group per channel with a touch: email, search, social, tiktok
    assert html.count('class="bar-group"') == 4


def test_cli_report_names_a_missing_warehouse(tmp_path):
    from touchpath.cli import app

    res = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "none.duckdb"),
                                   "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2
    assert "none.duckdb" in res.output and not (tmp_path / "r.html").exists()

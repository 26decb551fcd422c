"""``touchpath report`` and :mod:`touchpath.report`: numbers against the hand-worked seed."""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.api.test_dashboard import external_urls
from touchpath.attribution.roi import next_quarter
from touchpath.report import ReportOptions, write_report
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


def test_next_quarter():
    from datetime import date

    assert next_quarter(date(2026, 12, 31)) == "2027Q1"
    assert next_quarter(date(2026, 5, 2)) == "2026Q3"


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
    # charts: attribution, one ROI panel per paid channel (search, social, email, tiktok),
    # one lifecycle chart (tiktok is in test), split, scenarios, and the campaigns' roll-up
    # (the seed's touches carry campaigns)
    assert html.count("<svg") == 1 + 4 + 1 + 1 + 1 + 1
    assert 'data-channel="tiktok"' in html and "<script" not in html
    assert external_urls(html) == []
    # one bar group per channel with a touch: email, search, social, tiktok (attribution),
    # and again in the campaigns' roll-up
    attribution = html[html.index('id="attribution"'):html.index('id="campaigns"')]
    assert attribution.count('class="bar-group"') == 4
    assert html.count('class="bar-group"') == 4 + 4


def test_cli_report_names_a_missing_warehouse(tmp_path):
    from touchpath.cli import app

    res = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "none.duckdb"),
                                   "--out", str(tmp_path / "r.html")])
    assert res.exit_code == 2
    assert "none.duckdb" in res.output and not (tmp_path / "r.html").exists()


# ------------------------------------------------------- the service's numbers
def footer_cells(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    return re.findall(r"<td[^>]*>(.*?)</td>", table[table.index("<tfoot>"):])


def tile(html: str, label: str) -> str:
    return re.search(rf'<div class="tile-label">{re.escape(label)}</div>'
                     r'<div class="tile-value">(.*?)</div>', html).group(1)


def test_report_numbers_are_the_services_for_the_same_parameters(seeded_db):
    from touchpath import service
    from touchpath.data.warehouse import Warehouse
    from touchpath.report import collect, render
    from touchpath.service import DEFAULTS

    with Warehouse.open(seeded_db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(model="last_touch"))
        journeys = service.journey_options()
        table = service.roi_table(wh, "last_touch", DEFAULTS.period, journeys)
        inputs = service.plan_inputs(wh, service.CurveSettings(model="last_touch"))
        plan = service.plan(inputs)
        scenarios = service.scenarios(inputs)
    html = render(doc)
    # ROI totals: the service's table, and by hand the whole seed (spend 100 + 50 + 40 + 10
    # + 20; 7 conversions worth 380, the (direct) row included)
    foot = footer_cells(html, "roi-table-el")
    assert foot[2] == money(table.totals["spend"].sum()) == "220.00"
    assert foot[3] == f"{table.totals['conversions'].sum():,.1f}" == "7.0"
    assert foot[4] == money(table.totals["revenue"].sum()) == "380.00"
    # the plan: the service's default plan; its budget is last quarter's spend, which on the
    # seed (spend in January and February, data up to March) is all of it
    assert plan.budget == inputs.previous_total == pytest.approx(220.0)
    assert tile(html, "Budget") == money(plan.budget) == "220.00"
    assert f'<strong id="plan-total">{money(plan.total_spend)}</strong>' in html
    assert tile(html, "Expected revenue") == money(plan.expected_revenue)
    assert doc["plan"]["channels"] == plan.to_dict()["channels"]
    # scenarios at the default multipliers of that budget, the base included
    budgets = sorted(r["budget"] for r in doc["scenarios"]["scenarios"])
    assert budgets == pytest.approx(sorted(220.0 * m for m in {1.0,
                                                               *DEFAULTS.scenario_multipliers}))
    assert [r["expected_revenue"] for r in doc["scenarios"]["scenarios"]] == pytest.approx(
        scenarios.to_frame()["expected_revenue"].tolist())


def test_report_options_default_to_the_services():
    """Every default of ReportOptions is read from DEFAULTS (or the service), no literal."""
    import ast
    import dataclasses
    import inspect

    tree = ast.parse(inspect.getsource(ReportOptions))
    defaults = {n.target.id: n.value for n in tree.body[0].body
                if isinstance(n, ast.AnnAssign) and n.value is not None}
    assert set(defaults) == {f.name for f in dataclasses.fields(ReportOptions)}
    for name, value in defaults.items():
        text = ast.unparse(value)
        assert (text == "None" or text.startswith("DEFAULTS.")
                or text == "field(default_factory=service.default_model_spec)"), (name, text)
    from touchpath.service import DEFAULTS, default_model_spec

    o = ReportOptions()
    assert o.model_spec == default_model_spec() and o.max_change == DEFAULTS.max_change
    assert tuple(o.models) == DEFAULTS.compare_models and o.period == DEFAULTS.period


def test_report_without_spend_says_why_there_is_no_plan(tmp_path):
    from tests.seed import DATA as SEED_DATA
    from touchpath.data.warehouse import Warehouse

    db = tmp_path / "w.duckdb"
    with Warehouse.open(db) as wh:
        for table in ("channels", "touchpoints", "conversions"):
            wh.ingest(table, SEED_DATA / f"{table}.csv")
    out = write_report(db, tmp_path / "r.html")
    html = out.read_text(encoding="utf-8")
    assert "No plan: cannot plan from the warehouse: no channel has spend in it" in html
    assert 'id="plan-total"' not in html and 'id="roi-table-el"' in html


# ------------------------------------------------------- templates and charts
def test_every_text_is_escaped_in_tables_and_charts(seeded_db):
    from touchpath.data.warehouse import Warehouse
    from touchpath.report import collect, render

    with Warehouse.open(seeded_db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(models=("first_touch", "linear")))
    evil = '<img src=x onerror="alert(1)">'
    for row in doc["compare"]["rows"]:
        if row["channel"] == "search":
            row["channel"] = evil
    doc["compare"]["skipped"] = [{"model": "shapley", "reason": "<script>alert(2)</script>"}]
    html = render(doc)
    assert "<img" not in html and "<script" not in html
    escaped = "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;"
    # the table cell (Jinja's autoescape) and the chart's group and tooltip (charts.py)
    assert f"<td>{escaped}</td>" in html
    assert 'data-channel="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"' in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_charts_come_only_from_the_chart_module():
    from touchpath.report.html import TEMPLATES

    room = Path(__file__).resolve().parents[2] / "report"
    svg = re.compile(r"<(svg|rect|path|circle|line|polyline|text)\b")
    for f in [room / "html.py", *sorted(TEMPLATES.glob("*.j2"))]:
        assert not svg.search(f.read_text(encoding="utf-8")), f.name
    # and html.py writes no markup at all: the templates do
    assert not re.search(r"<[a-z]+[\s>/]", (room / "html.py").read_text(encoding="utf-8"))
    assert svg.search((room / "charts.py").read_text(encoding="utf-8"))


#: Classes that only name an element (chart parts, hooks for tests); they need no rule.
HOOKS = {"bar", "bar-group", "axis", "x-axis", "y-axis", "series", "line", "whisker",
         "split-bar", "grid", "zero", "notes", "agree-na"}


def test_the_report_ships_its_own_stylesheet_and_it_styles_every_class(seeded_db):
    import importlib.resources

    from touchpath.data.warehouse import Warehouse
    from touchpath.report import collect, render
    from touchpath.report.html import stylesheet

    shipped = importlib.resources.files("touchpath.report") / "templates"
    assert (shipped / "report.html.j2").is_file() and (shipped / "report.css").is_file()
    with Warehouse.open(seeded_db, read_only=True) as wh:
        html = render(collect(wh, ReportOptions(models=("first_touch", "linear"))))
    css = stylesheet()
    assert f"<style>\n{css}\n</style>" in html
    styled = set(re.findall(r"\.([A-Za-z][\w-]*)", css))
    used = {c for attr in re.findall(r'class="([^"]+)"', html) for c in attr.split()}
    assert used - styled - HOOKS == set()
    assert "topbar" not in css and "button" not in css  # the dashboard's chrome is not in it


def test_one_report_computes_its_roi_table_once(seeded_db, monkeypatch):
    """ROI section, lifecycle verdicts and the plan's curves read one table (one memo)."""
    import touchpath.service.roi as roi_workflow
    from touchpath.data.warehouse import Warehouse
    from touchpath.report import collect

    calls = []
    real = roi_workflow.channel_roi

    def counted(*args, **kwargs):
        calls.append(args[2])  # the period
        return real(*args, **kwargs)

    monkeypatch.setattr(roi_workflow, "channel_roi", counted)
    with Warehouse.open(seeded_db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(models=("first_touch",), period="quarter"))
    assert calls == ["quarter"]
    assert doc["plan"]["status"] == "optimal" and doc["lifecycle"]["verdicts"]


def test_report_shows_the_plans_unallocated_budget_and_warnings(seeded_db):
    """A floor no channel of the seed reaches (ROI 1,000): nothing modelled is bought.

    With the change limit off the whole budget less the unmodelled spend is
    unallocated, the reason and each warning shown in the budget section.
    """
    from markupsafe import escape

    from touchpath import service
    from touchpath.data.warehouse import Warehouse
    from touchpath.report import collect, render

    def html_escape(text):
        return str(escape(text))

    options = ReportOptions(model="last_touch", max_change=None, min_roi=1000.0)
    with Warehouse.open(seeded_db, read_only=True) as wh:
        html = render(collect(wh, options))
        inputs = service.plan_inputs(wh, service.CurveSettings(model="last_touch"))
    plan = service.plan(inputs, options.plan_params())
    assert all(c.spend == 0.0 for c in plan.channels if c.modelled)
    assert plan.unallocated == pytest.approx(plan.budget - plan.unmodelled_spend)
    assert plan.unallocated > 0
    assert plan.unallocated_reason.startswith("no channel returns ≥ 1,000.0")
    assert (f'Unallocated: <strong>{money(plan.unallocated)}</strong>: '
            f'{html_escape(plan.unallocated_reason)}') in html
    section = html[html.index('id="plan-warnings"'):]
    for w in plan.warnings:
        assert f"<li>{html_escape(w)}</li>" in section

"""The report is readable: small multiples, axis titles with units, collapsed ROI table, fits."""

import math
import re

import pytest

from tests.report.test_report import footer_cells
from touchpath.report import ReportOptions, collect, render
from touchpath.service import DEFAULTS

#: Paid channels of the seed (tests/conftest.py: spend rows for these four only).
SEED_PAID = {"search", "social", "email", "tiktok"}


@pytest.fixture(scope="module")
def doc(seeded_db):
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(seeded_db, read_only=True) as wh:
        return collect(wh, ReportOptions(model="last_touch", period="month"))


@pytest.fixture(scope="module")
def html(doc):
    return render(doc)


def section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start)]


def test_roi_chart_is_one_panel_per_paid_channel(html):
    roi = section(html, "roi")
    panels = re.findall(r'<svg data-channel="([^"]+)" [^>]*class="chart roi-panel"', roi)
    assert sorted(panels) == sorted(SEED_PAID)
    # each panel has its own y axis and the ROI title
    assert roi.count('class="axis y-axis"') == len(SEED_PAID)
    assert roi.count(">ROI (revenue ÷ spend)</text>") == len(SEED_PAID)


def test_every_chart_has_a_y_title_and_money_axes_name_the_currency(html):
    cur = DEFAULTS.currency
    assert cur == "CNY"
    n_svg = html.count("<svg")
    # every chart but the horizontal plan split has a y title; the split has an x title
    assert html.count('class="axis-title y-title"') == n_svg - 1
    budget = section(html, "budget")
    assert f">spend per quarter ({cur})</text>" in budget
    assert f">expected revenue ({cur})</text>" in budget
    assert f">budget ({cur})</text>" in budget
    assert ">share of conversions (%)</text>" in section(html, "attribution")


def test_scenario_chart_labels_the_current_budget(doc, html):
    base = doc["scenarios"]["base_budget"]
    assert base == pytest.approx(220.0)  # last quarter's spend of the seed
    assert ">current budget 220</text>" in section(html, "budget")


def test_roi_totals_per_channel_are_the_sums_of_the_period_rows(doc, html):
    rows = doc["roi"]["rows"]
    roi = section(html, "roi")
    totals = roi[roi.index('id="roi-totals-el"'):]
    totals = totals[:totals.index("</table>")]
    body = totals[totals.index("<tbody>"):totals.index("<tfoot>")]
    got = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", tr)
        got[cells[0]] = cells
    assert set(got) == {r["channel"] for r in rows}
    for ch, cells in got.items():
        mine = [r for r in rows if r["channel"] == ch]
        spend = math.fsum(r["spend"] or 0.0 for r in mine)
        conv = math.fsum(r["attributed_conversions"] or 0.0 for r in mine)
        revenue = math.fsum(r["attributed_revenue"] or 0.0 for r in mine)
        assert cells[1] == str(len(mine))
        assert cells[2] == f"{spend:,.2f}"
        assert cells[3] == f"{conv:,.1f}"
        assert cells[4] == f"{revenue:,.2f}"
        assert cells[5] == (f"{revenue / spend:,.2f}" if spend > 0 else "—")
    # seed by hand (last touch over the whole seed): social 130 on 40 -> ROI 3.25
    assert got["social"][2] == "40.00" and got["social"][5] == "3.25"
    # the per-period rows sit behind a <details>, with the footer of all rows
    details = roi[roi.index('<details class="more" id="roi-periods">'):]
    assert f"{len(rows)} rows</summary>" in details and 'id="roi-table-el"' in details
    assert footer_cells(html, "roi-totals-el")[2] == footer_cells(html, "roi-table-el")[2]


def test_budget_section_lists_each_curve_fit_beside_the_plan(doc, html):
    curves = doc["curves"]
    planned = {c["channel"] for c in doc["plan"]["channels"] if c["modelled"]}
    assert {c["channel"] for c in curves} == planned
    budget = section(html, "budget")
    table = budget[budget.index('id="curves-table-el"'):]
    table = table[:table.index("</table>")]
    for c in curves:
        assert f"<td>{c['channel']}</td><td>{c['form']}</td><td>{c['method']}</td>" in table
    fallbacks = [c["channel"] for c in curves if c["method"] == "fallback"]
    if fallbacks:
        assert f"Fallbacks: {', '.join(fallbacks)}." in budget


def test_attribution_section_shows_model_warnings(seeded_db):
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(seeded_db, read_only=True) as wh:
        d = collect(wh, ReportOptions(model="last_touch", models=("linear",)))
    d["compare"]["warnings"] = ["shapley_rate gives negative credit to x (−5.0 %): a test"]
    attribution = section(render(d), "attribution")
    assert '<p class="warn model-warning">⚠ shapley_rate gives negative credit to x' in attribution

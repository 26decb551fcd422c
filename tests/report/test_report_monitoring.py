"""The report's plan tracking section on the constructed quarter (:mod:`tests.seed.monitoring`)."""

import re

from tests.seed.monitoring import SPIKE_DAY
from touchpath import service
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render

OPTIONS = ReportOptions(model="last_touch", models=("last_touch",))


def _section(page):
    section = page[page.index('<section id="monitoring"'):]
    return section[:section.index("</section>")]


def _rows(section, table_id):
    table = section[section.index(f'id="{table_id}"'):]
    table = table[:table.index("</table>")]
    body = table[table.index("<tbody>"):]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>",
                                                                          body, re.S)]


def test_the_report_shows_the_latest_plans_pacing_and_the_spike(monitoring_copy):
    with Warehouse.open(monitoring_copy) as wh:
        settings = service.CurveSettings(model="last_touch")
        params = service.PlanParams(quarter="2026Q1")
        service.record_plan(wh, service.plan(service.plan_inputs(wh, settings), params), params,
                            settings)
        expected = service.pacing(wh).to_dict()
        doc = collect(wh, OPTIONS)
    assert doc["monitoring"]["pacing"] == expected
    section = _section(render(doc))
    assert "74 of 90 days elapsed" in section
    rows = _rows(section, "pacing-table")
    assert [r[0] for r in rows] == [c["channel"] for c in expected["channels"]]
    for r, c in zip(rows, expected["channels"], strict=True):
        assert r[3] == f"{c['actual_spend']:,.2f}" and r[4] == f"{c['projected_spend']:,.2f}"
        assert r[6].startswith("off pace: ") == c["off_pace"]
    assert section.count('class="bar-group"') == len(expected["channels"])
    # the last four weeks: 2026-02-16 .. 2026-03-15, display's 12x day among the anomalies
    assert doc["monitoring"]["from"] == "2026-02-16" and doc["monitoring"]["to"] == "2026-03-15"
    anomalies = _rows(section, "anomaly-table")
    spend = [r for r in anomalies if r[3] == "spend"]
    assert [(r[0], r[2], r[4]) for r in spend] == [(SPIKE_DAY.isoformat(), "display", "1,200.00")]
    assert float(spend[0][5].replace(",", "")) < 101 < float(spend[0][6].replace(",", ""))


def test_without_a_recorded_plan_the_section_says_how_to_record_one(monitoring_db):
    with Warehouse.open(monitoring_db, read_only=True) as wh:
        doc = collect(wh, OPTIONS)
    assert doc["monitoring"]["pacing"] is None
    section = _section(render(doc))
    assert "No plan is recorded" in section and "--record" in section
    assert 'id="anomaly-table"' in section
    # 3 series (spend, conversions, revenue) x 2 channels x 28 days, each with 8 weeks before
    assert doc["monitoring"]["judged"] == 3 * 2 * 28

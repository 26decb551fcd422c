"""The dashboard's plan tracking and alerts panel in headless Chromium.

Over the constructed quarter of :mod:`tests.seed.monitoring` with one plan recorded
before the server starts: the pacing table is the API's ``/v1/pacing``, the rules
typed in the form come back as the API's breaches (search's CPA of 40 in February),
and the anomalies of the last four weeks hold display's 12x spend day.
"""

import shutil

import httpx
import pytest

from tests.e2e.conftest import serve
from tests.seed.monitoring import SPIKE_DAY
from touchpath import service
from touchpath.data.warehouse import Warehouse

READY_TIMEOUT_MS = 90_000
CPA_RULE = """[[alert]]
name = "search CPA above 20"
metric = "cpa"
channel = "search"
op = ">"
threshold = 20
period = "month"
"""


@pytest.fixture(scope="module")
def monitoring_site(tmp_path_factory, monitoring_db):
    from touchpath.api.security import create_key

    root = tmp_path_factory.mktemp("e2e-monitoring")
    db = root / "monitoring.duckdb"
    shutil.copyfile(monitoring_db, db)
    with Warehouse.open(db) as wh:
        settings = service.CurveSettings(model="last_touch")
        params = service.PlanParams(quarter="2026Q1")
        service.record_plan(wh, service.plan(service.plan_inputs(wh, settings), params),
                            params, settings)
    keys = root / "touchpath.keys"
    key = create_key(keys, "read", "browser")
    gen = serve(db, keys, tmp_path_factory)
    base = next(gen)
    yield base, key
    gen.close()


def _cells(page, selector):
    return page.eval_on_selector_all(
        f"{selector} tbody tr", "rows => rows.map(r => Array.from(r.cells, c => c.textContent))")


def test_the_panel_shows_pacing_alerts_and_anomalies(browser, monitoring_site, artifacts):
    base, key = monitoring_site
    headers = {"X-API-Key": key}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append((r.status, r.url)) if r.status >= 400 else None)
    try:
        page.goto(f"{base}/")
        page.fill("#key-input", key)
        page.click("#key-save")
        page.wait_for_selector("#monitoring[data-state=ready]", timeout=READY_TIMEOUT_MS)
        page.wait_for_selector("#anomaly-rows", timeout=READY_TIMEOUT_MS)
        page.locator("#monitoring").screenshot(path=str(artifacts / "monitoring.png"))
        assert page.text_content("#monitoring-plan-label") == "plan 1 · 2026Q1 · last_touch"
        pacing = httpx.get(f"{base}/v1/pacing", headers=headers, timeout=60).json()
        rows = _cells(page, "#pacing-rows")
        assert [r[0] for r in rows] == [c["channel"] for c in pacing["channels"]]
        for row, c in zip(rows, pacing["channels"], strict=True):
            assert row[2] == f"{c['actual_spend']:,.2f}"
            assert row[1] == f"{c['planned_to_date']:,.2f}"
            assert row[4].startswith("off pace: ") == c["off_pace"]
            assert row[6] == f"{c['attributed_revenue']:,.2f}"
        search = next(r for r in rows if r[0] == "search")
        assert search[2] == "740.00"  # 74 days x 10
        assert "74 of 90 days of 2026Q1 elapsed" in page.text_content("#monitoring .status")
        # one bar group per channel, three bars each (planned, actual, projected)
        groups = page.eval_on_selector_all(
            "#pacing-chart .bar-group", "gs => gs.map(g => [g.dataset.channel, "
            "g.querySelectorAll('rect.bar').length])")
        assert groups == [[c["channel"], 3] for c in pacing["channels"]]
        # the rules typed are checked by the server
        page.fill("#alerts-rules", CPA_RULE)
        page.click("#alerts-form button[type=submit]")
        page.wait_for_function(
            "() => document.querySelector('#alerts-summary').textContent.includes('fired')")
        assert _cells(page, "#alerts-rows") == [
            ["search CPA above 20", "cpa", "search", "2026-02", "40.00", "> 20"]]
        assert "1 alert(s) fired" in page.text_content("#alerts-summary")
        # anomalies of the last 28 days (2026-02-16 .. 2026-03-15): the spike is among them
        anomalies = _cells(page, "#anomaly-rows")
        spend = [r for r in anomalies if r[3] == "spend"]
        assert spend == [[SPIKE_DAY.isoformat(), "Wednesday", "display", "spend", "1,200.00",
                          spend[0][5], spend[0][6], spend[0][7]]]
        low, high = (float(x.replace(",", "")) for x in spend[0][5].split(" – "))
        assert low < 101 < high < 1200
        api = httpx.get(f"{base}/v1/anomalies", params={"from": "2026-02-16", "to": "2026-03-15"},
                        headers=headers, timeout=60).json()
        assert len(anomalies) == len(api["anomalies"])
        # a bad rule is refused with the rule's name, in the panel
        page.fill("#alerts-rules", CPA_RULE.replace('"cpa"', '"cpc"'))
        assert errors == []
        page.click("#alerts-form button[type=submit]")
        page.wait_for_function(
            "() => document.querySelector('#alerts-summary').textContent.includes('refused')")
        assert "alert 'search CPA above 20' (alert 1): metric: unknown metric 'cpc'" in \
            page.text_content("#alerts-summary")
        assert [e[0] for e in errors] == [422]  # the refusal, and nothing else
    finally:
        context.close()

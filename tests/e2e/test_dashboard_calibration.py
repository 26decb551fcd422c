"""The dashboard's calibration panel in headless Chromium (tests/seed/calibration.py).

search: 85 conversions attributed in March 2024, 34 incremental by the lift test
(factor 0.4, interval [0.3, 0.5]); over the six months 507 attributed, calibrated
34 + 0.4 × 422 = 202.8 (interval 25.5 + 0.3 × 422 .. 42.5 + 0.5 × 422), freed 304.2.
"""

import httpx
import pytest

from tests.e2e.conftest import serve
from tests.seed.calibration import load_calibration

READY_TIMEOUT_MS = 60_000


def _site(tmp_path_factory, name, experiment):
    from touchpath.api.security import create_key
    from touchpath.data.warehouse import Warehouse

    root = tmp_path_factory.mktemp(name)
    db = root / "cal.duckdb"
    with Warehouse.open(db) as wh:
        load_calibration(wh, experiment=experiment)
    keys = root / "touchpath.keys"
    key = create_key(keys, "read", "browser")
    return serve(db, keys, tmp_path_factory), key


@pytest.fixture(scope="module")
def cal_site(tmp_path_factory):
    gen, key = _site(tmp_path_factory, "e2e-cal", True)
    yield next(gen), key
    gen.close()


@pytest.fixture(scope="module")
def plain_site(tmp_path_factory):
    gen, key = _site(tmp_path_factory, "e2e-nocal", False)
    yield next(gen), key
    gen.close()


def _open(browser, base, key):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append((r.status, r.url)) if r.status >= 400 else None)
    page.goto(f"{base}/")
    page.fill("#key-input", key)
    page.click("#key-save")
    page.wait_for_selector("#calibration[data-state=ready]", timeout=READY_TIMEOUT_MS)
    return context, page, errors


def test_the_panel_draws_attributed_vs_incremental_and_the_calibrated_credit(
        browser, cal_site, artifacts):
    base, key = cal_site
    context, page, errors = _open(browser, base, key)
    try:
        page.locator("#calibration").screenshot(path=str(artifacts / "calibration.png"))
        rows = page.eval_on_selector_all(
            "#cal-chart .calibration-row",
            "gs => gs.map(g => [g.dataset.name, Number(g.dataset.attributed), "
            "Number(g.dataset.incremental), "
            "Number(g.querySelector('rect.attributed').getAttribute('width')), "
            "Number(g.querySelector('rect.incremental').getAttribute('width'))])")
        assert [tuple(r[:3]) for r in rows] == [("search 2024-03-01..2024-03-31", 85, 34)]
        assert rows[0][4] / rows[0][3] == pytest.approx(0.4, abs=1e-3)   # bars on one scale
        assert page.text_content("#cal-chart .calibration-factor") == \
            "incremental 34.0 · factor 0.400 [0.300, 0.500]"
        exp = page.locator("#cal-experiments-table tbody tr").first.inner_text().split("\t")
        assert exp == ["search", "2024-03-01 .. 2024-03-31", "conversions", "85.0", "34.0",
                       "25.5 – 42.5", "0.400", "0.300 – 0.500"]
        search = page.locator("#cal-channels-table tbody tr", has_text="search") \
            .inner_text().split("\t")
        assert search[:4] == ["search", "507.0", "202.8", "152.1 – 253.5"]
        assert search[4:6] == ["50,700.00", "20,280.00"]
        social = page.locator("#cal-channels-table tbody tr", has_text="social") \
            .inner_text().split("\t")
        assert social[1:3] == ["347.0", "347.0"]
        assert social[-1] == "not calibrated (no experiment)"
        assert "Freed by calibration: 304.2 conversions, 30,420.00 revenue" in \
            page.text_content("#cal-freed")
        # The page shows the API's answer for its model.
        api = httpx.get(f"{base}/v1/attribution",
                        params={"calibrate": "true", "model": page.input_value("#global-model")},
                        headers={"X-API-Key": key}, timeout=60).json()["calibration"]
        assert {r["channel"]: round(r["calibrated_conversions"], 1) for r in api["channels"]} \
            == {"search": 202.8, "social": 347.0}
        assert errors == []
    finally:
        context.close()


def test_without_experiments_the_panel_says_how_to_load_them(browser, plain_site):
    base, key = plain_site
    context, page, errors = _open(browser, base, key)
    try:
        text = page.text_content("#calibration .status")
        assert "No experiments of kind 'purchase'" in text
        assert "--table experiments" in text
        assert page.eval_on_selector_all("#cal-chart .calibration-row", "gs => gs.length") == 0
        assert errors == []
    finally:
        context.close()

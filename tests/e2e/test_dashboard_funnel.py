"""The dashboard's funnel panel in headless Chromium, over a warehouse with carts and purchases.

The warehouse is tests/service/test_funnel.py's: 10 carts, 4 purchases.
"""

import httpx
import pytest

from tests.e2e.conftest import serve
from tests.service.test_funnel import funnel_warehouse

READY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def funnel_site(tmp_path_factory):
    from touchpath.api.security import create_key

    root = tmp_path_factory.mktemp("e2e-funnel")
    db = funnel_warehouse(root / "funnel.duckdb")
    keys = root / "touchpath.keys"
    key = create_key(keys, "read", "browser")
    gen = serve(db, keys, tmp_path_factory)
    base = next(gen)
    yield base, key
    gen.close()


def test_the_funnel_panel_draws_the_stages_and_the_step(browser, funnel_site, artifacts):
    base, key = funnel_site
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # This warehouse has no spend, so the budget panel's plan is a 422 (nothing to plan),
    # the API's documented answer; whether it arrives before the test ends is timing.
    # Every other failed response counts.
    page.on("response", lambda r: errors.append((r.status, r.url))
            if r.status >= 400 and "/v1/budget/" not in r.url else None)
    try:
        page.goto(f"{base}/")
        page.fill("#key-input", key)
        page.click("#key-save")
        page.wait_for_selector("#funnel[data-state=ready]", timeout=READY_TIMEOUT_MS)
        page.locator("#funnel").screenshot(path=str(artifacts / "funnel-stages.png"))
        # the warehouse's kinds, most conversions first, became the stages
        assert page.input_value("#funnel-stages") == "add_to_cart,purchase"
        bars = page.eval_on_selector_all(
            "#funnel-chart .funnel-stage",
            "gs => gs.map(g => [g.dataset.stage, Number(g.dataset.conversions), "
            "Number(g.querySelector('rect').getAttribute('width'))])")
        assert [(s, c) for s, c, _ in bars] == [("add_to_cart", 10), ("purchase", 4)]
        assert bars[1][2] / bars[0][2] == pytest.approx(0.4, abs=1e-3)
        assert page.text_content("#funnel-chart .funnel-step") == "↓ 40.0% go on · 60.0% drop off"
        # the table is the API's answer for the page's model
        model = page.input_value("#global-model")
        api = httpx.get(f"{base}/v1/funnel", params={"stages": "add_to_cart,purchase",
                                                     "model": model},
                        headers={"X-API-Key": key}, timeout=30).json()
        search = {r["step"]: r for r in api["rows"] if r["channel"] == "search"}
        row = page.locator("#funnel-rows tbody tr", has_text="search").all_inner_texts()[0]
        cells = row.split("\t")
        assert cells[1:3] == [f"{search[1]['conversions']:.1f}", f"{search[2]['conversions']:.1f}"]
        assert cells[3] == f"{search[2]['rate'] * 100:.1f}%"
        first = page.locator("#funnel-rows tbody tr").first.all_inner_texts()[0].split("\t")
        assert first == ["All conversions", "10.0", "4.0", "40.0%", "60.0%"]
        # another pair of stages, typed
        page.fill("#funnel-stages", "purchase,add_to_cart")
        page.click("#funnel-form button[type=submit]")
        page.wait_for_selector("#funnel-chart svg > g.funnel-stage:first-of-type"
                               "[data-stage=purchase]", timeout=READY_TIMEOUT_MS)
        page.wait_for_selector("#funnel[data-state=ready]", timeout=READY_TIMEOUT_MS)
        assert page.text_content("#funnel-chart .funnel-step") == \
            "↓ 250.0% go on · -150.0% drop off"
        assert errors == []
    finally:
        context.close()

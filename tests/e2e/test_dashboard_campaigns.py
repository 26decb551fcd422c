"""The dashboard's Campaigns panel in headless Chromium, against a real `touchpath serve`.

The synthetic warehouse of tests/e2e/conftest.py: every touch but the owned site's
carries a campaign (search: brand / generic / competitor, ...). Under linear, a
per-touch rule, the campaigns of each channel sum exactly to its credit; under
first-order Markov the campaign states are a chain of their own, shown beside the
channel-level fit. Every number on the page is checked against the API's answer.
"""

import httpx
import pytest

READY_TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def panel(browser, server, demo, artifacts):
    _, _, key = demo
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append((r.status, r.url)) if r.status >= 400 else None)
    page.goto(f"{server}/")
    page.fill("#key-input", key)
    page.click("#key-save")
    page.wait_for_selector("#campaigns[data-state=ready]", timeout=READY_TIMEOUT_MS)
    yield page, key, errors
    context.close()


def _api(server, key, **params):
    r = httpx.get(f"{server}/v1/attribution", params={"grain": "campaign", **params},
                  headers={"X-API-Key": key}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def _rows(page, selector):
    return [row.split("\t") for row in page.locator(f"{selector} tbody tr").all_inner_texts()]


def test_linear_campaigns_sum_to_the_channel_credit(panel, server, artifacts):
    page, key, errors = panel
    page.locator("#campaigns").screenshot(path=str(artifacts / "campaigns-linear.png"))
    assert page.input_value("#campaign-model") == "linear"
    api = _api(server, key, model="linear")
    assert api["exact"] is True
    rollup = _rows(page, "#campaign-rollup-rows")
    assert [r[0] for r in rollup] == [r["channel"] for r in api["rollup"]]
    for cells, want in zip(rollup, api["rollup"], strict=True):
        assert cells[2] == cells[3] == f"{want['channel_conversions']:,.1f}"
        assert cells[4] == "0.0"
    campaigns = _rows(page, "#campaign-rows")
    wanted = [c for c in api["campaigns"] if c["channel"] != "(direct)"]
    assert len(campaigns) == len(wanted) > 2 * len(rollup)
    assert [(c[0], c[1], c[2]) for c in campaigns] == [
        (w["channel"], w["campaign"], f"{w['conversions']:,.1f}") for w in wanted]
    # the chart: one bar group per channel, one series (summed = channel)
    groups = page.eval_on_selector_all("#campaign-chart .bar-group", "gs => gs.length")
    assert groups == len(rollup)
    series = page.eval_on_selector_all(
        "#campaign-chart .bar", "bs => [...new Set(bs.map(b => b.dataset.series))]")
    assert series == ["linear: campaigns summed = channel"]
    assert "sum exactly to its channel credit" in page.text_content("#campaigns .status")
    assert errors == []


def test_markov_campaign_fit_stands_beside_the_channel_fit(panel, server, artifacts):
    page, key, errors = panel
    page.select_option("#campaign-model", "markov1")
    page.wait_for_selector("#campaign-model-label:text-is('markov1')", timeout=READY_TIMEOUT_MS)
    page.wait_for_selector("#campaigns[data-state=ready]", timeout=READY_TIMEOUT_MS)
    page.locator("#campaigns").screenshot(path=str(artifacts / "campaigns-markov1.png"))
    api = _api(server, key, model="markov1")
    assert api["exact"] is False
    rollup = _rows(page, "#campaign-rollup-rows")
    for cells, want in zip(rollup, api["rollup"], strict=True):
        assert cells[0] == want["channel"]
        assert cells[2] == f"{want['conversions']:,.1f}"
        assert cells[3] == f"{want['channel_conversions']:,.1f}"
    assert any(abs(w["difference"]) >= 0.05 for w in api["rollup"])
    bars = page.eval_on_selector_all(
        "#campaign-chart .bar",
        "bs => bs.map(b => [b.closest('g').dataset.channel, b.dataset.series, "
        "Number(b.dataset.value)])")
    total = sum(w["conversions"] for w in api["rollup"])
    total_channel = sum(w["channel_conversions"] for w in api["rollup"])
    want = {}
    for w in api["rollup"]:
        want[(w["channel"], "markov1: campaigns summed")] = w["conversions"] / total
        want[(w["channel"], "markov1: channel-level fit")] = \
            w["channel_conversions"] / total_channel
    assert {(c, s): pytest.approx(v, abs=1e-12) for c, s, v in bars} == want
    assert "fits channel / campaign states of its own" in page.text_content("#campaigns .status")
    assert errors == []

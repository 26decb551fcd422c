"""The dashboard's segments panel in headless Chromium: per-segment credit and the drill-down.

The warehouse: 3,000 synthetic users with their users file loaded, so ``device`` and
``region`` are attributes of conversions and users ("both"), ``customer_type`` of the
conversions, and ``first_seen`` (one value per user) is kept but not segmentable.
Every number the panel shows is checked against the API's answer for the same query.
"""

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from tests.e2e.conftest import serve

READY_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def segments_site(tmp_path_factory):
    from touchpath.api.security import create_key
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse

    root = tmp_path_factory.mktemp("e2e-segments")
    db = root / "segments.duckdb"
    data = generate(SynthConfig(n_users=3000, days=90, seed=7))
    with Warehouse.open(db) as wh:
        data.load_into(wh)
        wh.ingest("users", data.users)
    keys = root / "touchpath.keys"
    key = create_key(keys, "read", "browser")
    gen = serve(db, keys, tmp_path_factory)
    base = next(gen)
    yield base, key
    gen.close()


def _cells(page, selector):
    return [row.split("\t") for row in page.locator(f"{selector} tbody tr").all_inner_texts()]


def test_segment_panel_shows_every_segment_and_drills_down_into_a_small_one(
        browser, segments_site, artifacts):
    base, key = segments_site
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list = []
    asked: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append((r.status, r.url)) if r.status >= 400 else None)
    page.on("request", lambda r: asked.append(r.url) if "/v1/attribution?" in r.url
            and "by=" in r.url else None)
    try:
        page.goto(f"{base}/")
        page.fill("#key-input", key)
        page.click("#key-save")
        page.wait_for_selector("#segments[data-state=ready]", timeout=READY_TIMEOUT_MS)
        # the panel opens on the service's segment_by attribute; first_seen is flagged
        assert page.input_value("#segments-by") == "device"
        options = page.eval_on_selector_all("#segments-by option", "os => os.map(o => o.value)")
        assert options == ["customer_type", "device", "region"]
        assert "first_seen" in page.text_content("#segments-blocked")
        # the page's numbers are the API's for the very query it sent
        query = parse_qs(urlparse(asked[-1]).query)
        assert query["by"] == ["device"]
        api = httpx.get(f"{base}/v1/attribution", params={k: v[0] for k, v in query.items()},
                        headers={"X-API-Key": key}, timeout=60).json()
        sizes = _cells(page, "#segments-size-table")
        assert [r[0] for r in sizes] == [s["segment"] for s in api["segments"]]
        assert [r[0] for r in sizes] == ["desktop", "mobile", "tablet"]
        for row, s in zip(sizes, api["segments"], strict=True):
            assert row[2] == f"{s['conversions']:,.0f}" and row[1] == f"{s['journeys']:,}"
        # the small segment is shown, with its n, never hidden
        small = [s for s in api["segments"] if s["small_sample"]]
        assert [s["segment"] for s in small] == ["tablet"]
        n = small[0]["conversions"]
        assert sizes[2][5] == f"small (n={n:,.0f})"
        bars = page.eval_on_selector_all("#segments-chart rect.bar",
                                         "rs => [...new Set(rs.map(r => r.dataset.segment))]")
        assert bars == ["desktop", "mobile", "tablet"]
        assert page.locator("#segments-chart .whisker").count() > 0
        assert f"tablet (n={n:,.0f}, small)" in page.text_content("#segments-chart .legend")
        # drill down into the small segment: its channels with their intervals
        page.click("#segments-size-table tbody tr[data-segment=tablet]")
        assert page.text_content("#segments-detail-title") == "device = tablet"
        assert f"n = {n:,.0f} conversions" in page.text_content("#segments-detail-n")
        assert "small segment" in page.text_content("#segments-detail-n")
        rows = [r for r in api["rows"] if r["segment"] == "tablet"]
        detail = _cells(page, "#segments-detail-table")
        assert [r[0] for r in detail] == [r["channel"] for r in rows]
        first = rows[0]
        assert detail[0][1] == f"{first['conversions']:,.1f}"
        assert detail[0][2] == f"{first['conversions_lo']:,.1f} – {first['conversions_hi']:,.1f}"
        # per segment, credit + (direct) = the segment's conversions
        assert sum(r["conversions"] for r in rows) == pytest.approx(n, abs=1e-9)
        assert page.locator("#segments-size-table tr.selected").get_attribute(
            "data-segment") == "tablet"
        page.locator("#segments").screenshot(path=str(artifacts / "segments-drilldown.png"))
        # another attribute and model: every region, each a segment (linear: its small
        # segments' bootstrap is one vectorised pass, not a refit per resample)
        page.select_option("#segments-by", "region")
        page.select_option("#segments-model", "linear")
        page.click("#segments-form button[type=submit]")
        page.wait_for_selector("#segments-size-table tbody tr[data-segment=Central]",
                               timeout=READY_TIMEOUT_MS)
        page.wait_for_selector("#segments[data-state=ready]", timeout=READY_TIMEOUT_MS)
        regions = [r[0] for r in _cells(page, "#segments-size-table")]
        assert regions == ["Central", "East", "North", "Northeast", "Northwest", "South",
                           "Southwest"]
        assert page.text_content("#segments-detail-title") == "region = Central"
        assert page.text_content("#segments-model-label") == "linear per region"
        assert errors == []
    finally:
        context.close()

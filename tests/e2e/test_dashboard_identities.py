"""The dashboard's identities panel and stitch switch in headless Chromium.

Hand-worked warehouse: a search click on a phone (cookie:p1) and a purchase on a
laptop (acct:7), linked by a login pair, and a one-device customer u2 (email,
then a purchase). Per id: u2's email journey converts, the laptop purchase is
(direct), the phone journey is still open (censored): email 50 %, (direct) 50 %.
Per person: search 50 %, email 50 %, (direct) 0 % (any model: one-channel paths).
"""

import pandas as pd
import pytest

from tests.e2e.conftest import serve
from touchpath.data.warehouse import Warehouse

READY_TIMEOUT_MS = 60_000


def devices_warehouse(path):
    with Warehouse.open(path) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1", "e2"], "user_id": ["cookie:p1", "u2"],
            "ts": ["2024-03-01 09:00", "2024-03-01 10:00"], "channel": ["search", "email"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1", "c2"], "user_id": ["acct:7", "u2"],
            "ts": ["2024-03-02 20:00", "2024-03-02 10:00"], "value": ["100", "50"]}))
        wh.ingest("identities", pd.DataFrame({"id_a": ["cookie:p1"], "id_b": ["acct:7"],
                                              "source": ["login"]}))
    return path


@pytest.fixture(scope="module")
def devices_site(tmp_path_factory):
    from touchpath.api.security import create_key

    root = tmp_path_factory.mktemp("e2e-identities")
    db = devices_warehouse(root / "devices.duckdb")
    keys = root / "touchpath.keys"
    key = create_key(keys, "read", "browser")
    gen = serve(db, keys, tmp_path_factory)
    base = next(gen)
    yield base, key
    gen.close()


def test_the_identities_panel_shows_credit_with_and_without_stitching(browser, devices_site,
                                                                      artifacts):
    base, key = devices_site
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors, requests = [], []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # no spend: the budget panel's plan is the API's 422 (nothing to plan); others count
    page.on("response", lambda r: errors.append((r.status, r.url))
            if r.status >= 400 and "/v1/budget/" not in r.url else None)
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(f"{base}/")
        page.fill("#key-input", key)
        page.click("#key-save")
        page.wait_for_selector("#identities[data-state=ready] #identities-chart svg",
                               timeout=READY_TIMEOUT_MS)
        page.locator("#identities").screenshot(path=str(artifacts / "identities-panel.png"))
        bars = page.eval_on_selector_all(
            "#identities-chart .identity-bar",
            "gs => gs.map(g => [g.dataset.channel, Number(g.dataset.perId), "
            "Number(g.dataset.perPerson), g.querySelectorAll('rect')[0].getAttribute('width'),"
            " g.querySelectorAll('rect')[1].getAttribute('width')])")
        shares = {ch: (a, b) for ch, a, b, _, _ in bars}
        assert shares == {"email": (0.5, 0.5), "search": (0.0, 0.5), "(direct)": (0.5, 0.0)}
        widths = {ch: (float(wa), float(wb)) for ch, _, _, wa, wb in bars}
        assert widths["search"][0] == 0 and widths["(direct)"][1] == 0
        assert widths["search"][1] == pytest.approx(widths["email"][0])  # both 50 %
        effect = page.locator("#identities-effect-table tbody tr").all_inner_texts()
        # per id the phone journey is still open at the end of the data: censored
        assert effect[:3] == ["Journeys\t2\t2", "Converting journeys with touches\t1\t2",
                              "(direct) conversions\t1\t0"]
        assert "1 conversions that were (direct) per id" in page.text_content(
            "#identities .status")
        assert page.is_checked("#journey-form input[name=stitch]")
        # the switch: unchecked, every journey request says stitch=false
        requests.clear()
        page.uncheck("#journey-form input[name=stitch]")
        page.click("#journey-form button[type=submit]")
        page.wait_for_selector("#attribution[data-state=ready]", timeout=READY_TIMEOUT_MS)
        page.wait_for_selector("#identities[data-state=ready]", timeout=READY_TIMEOUT_MS)
        sent = [u for u in requests if "/v1/attribution?" in u or "/v1/paths?" in u]
        assert sent and all("stitch=false" in u for u in sent)
        assert errors == []
    finally:
        context.close()

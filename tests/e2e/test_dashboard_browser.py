"""The dashboard in headless Chromium against a real `touchpath serve` with synthetic data."""

import csv
import io
import re

import httpx
import pytest

SECTIONS = ("data", "attribution", "funnel", "roi", "lifecycle", "budget")
READY_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def session(browser, server, demo, artifacts):
    """The dashboard loaded with a key, and every console message / failed request seen."""
    _, _, key = demo
    context = browser.new_context(viewport={"width": 1400, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    seen = {"console": [], "page_errors": [], "failed": [], "http_errors": []}
    page.on("console", lambda m: seen["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: seen["page_errors"].append(str(e)))
    page.on("requestfailed", lambda r: seen["failed"].append((r.url, r.failure)))
    page.on("response", lambda r: seen["http_errors"].append((r.status, r.url))
            if r.status >= 400 else None)
    page.goto(f"{server}/")
    page.fill("#key-input", key)
    page.click("#key-save")
    for section in SECTIONS:
        if section != "data":
            page.wait_for_selector(f"#{section}[data-state=ready]", timeout=READY_TIMEOUT_MS)
    page.wait_for_selector("#data[data-state=ready]", timeout=READY_TIMEOUT_MS)
    yield page, seen, key
    context.close()


def screenshot_sections(page, artifacts, suffix=""):
    page.evaluate("window.scrollTo(0, 0)")
    for section in SECTIONS:
        box = page.locator(f"#{section}").bounding_box()
        page.screenshot(path=str(artifacts / f"{section}{suffix}.png"), full_page=True, clip=box)


def tile_rows_are_full(page, selector: str) -> bool:
    """Whether every row of tiles in ``selector`` reaches the container's right edge."""
    return page.eval_on_selector(selector, """box => {
        const pad = parseFloat(getComputedStyle(box).paddingRight);
        const right = box.getBoundingClientRect().right - pad;
        const rows = new Map();
        for (const t of box.children) {
            const r = t.getBoundingClientRect();
            const top = Math.round(r.top);
            rows.set(top, Math.max(rows.get(top) ?? -Infinity, r.right));
        }
        return rows.size > 0 && [...rows.values()].every(end => Math.abs(end - right) < 2);
    }""")


def test_page_loads_with_no_console_errors_and_no_failed_requests(session, artifacts):
    page, seen, _ = session
    screenshot_sections(page, artifacts)
    assert seen["page_errors"] == []
    assert [m for m in seen["console"] if m[0] in ("error", "warning")] == []
    assert seen["failed"] == []
    assert seen["http_errors"] == []
    labels = [t.lower() for t in page.locator("#data .tile-label").all_inner_texts()]
    assert len(labels) == 7 and "latest data" not in labels  # no tile repeats the date range
    assert tile_rows_are_full(page, "#data-tiles")
    page.set_viewport_size({"width": 760, "height": 900})
    try:
        assert tile_rows_are_full(page, "#data-tiles")
    finally:
        page.set_viewport_size({"width": 1400, "height": 900})
    last_ingest = page.locator("#data .tile", has_text="Last ingest").locator(".tile-value")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", last_ingest.inner_text())
    assert all((artifacts / f"{s}.png").stat().st_size > 5_000 for s in SECTIONS)


def test_dashboard_opens_on_the_services_defaults(session, server, demo):
    page, _, key = session
    d = httpx.get(f"{server}/v1/defaults", timeout=10).json()
    # the values a growth lead sees first are the service's, whatever the page's markup says
    assert page.input_value("#global-model") == d["model"] == "markov1"
    assert page.input_value("#global-period") == d["period"]
    assert page.input_value("#journey-form input[name=lookback_days]") == str(d["lookback_days"])
    assert page.is_checked("#journey-form input[name=censor]") is d["censor"]
    assert page.input_value("#attr-ci") == str(d["ci"])
    checked = page.eval_on_selector_all("#attr-models input:checked",
                                        "els => els.map(e => e.value)")
    assert checked == d["compare_models"]
    assert page.input_value("#plan-form input[name=max_change]") == "30"  # ±30%, 0.3
    assert float(page.input_value("#plan-form input[name=test_budget]")) == pytest.approx(
        100 * d["test_budget"])
    assert page.is_checked("#plan-spend-all") is d["spend_all"]
    assert float(page.input_value("#plan-form input[name=min_roi]")) == d["min_roi"]
    assert page.input_value("#plan-objective") == d["objective"]
    # the scenario table holds the base budget and one row per default multiplier
    assert page.locator("#plan-scenarios-table tbody tr").count() == len(
        {1.0, *d["scenario_multipliers"]})
    # the first plan is the service's default plan: last quarter's spend, the next quarter
    plan = httpx.post(f"{server}/v1/budget/plan", json={"model": d["model"]},
                      headers={"X-API-Key": key}, timeout=60).json()
    assert float(page.input_value("#plan-budget")) == pytest.approx(plan["budget"], abs=0.005)
    assert page.input_value("#plan-quarter") == plan["quarter"]
    assert page.inner_text("#plan-total") == f"{plan['total_spend']:,.2f}"
    # the plan's warnings, each as given, and its unallocated budget with the reason
    shown = page.eval_on_selector_all("#plan-warnings li", "ls => ls.map(l => l.textContent)")
    assert shown == plan["warnings"]
    if plan["unallocated"] > 0:
        assert page.inner_text("#plan-unallocated") == (
            f"Unallocated: {plan['unallocated']:,.2f}: {plan['unallocated_reason']}")
    else:
        assert page.locator("#plan-unallocated").count() == 0


def test_attribution_chart_has_one_bar_group_per_channel(session, server):
    page, _, key = session
    models = page.eval_on_selector_all("#attr-models input:checked", "els => els.map(e => e.value)")
    r = httpx.get(f"{server}/v1/attribution/compare", headers={"X-API-Key": key},
                  params={"models": ",".join(models), "ci": 0}, timeout=60)
    channels = sorted({row["channel"] for row in r.json()["rows"]} - {"(direct)"})
    groups = page.locator("#attr-chart svg g.bar-group")
    assert groups.count() == len(channels)
    assert sorted(groups.evaluate_all("gs => gs.map(g => g.dataset.channel)")) == channels
    # every group holds one bar per model
    bars = groups.first.locator("rect.bar")
    assert bars.count() == len(models)


def test_lifecycle_cards_show_each_verdicts_interval_as_text_and_whiskers(session, server):
    """Each card states the API's bounds and level, and draws one whisker per bounded cycle."""
    page, _, key = session
    params = {"period": page.input_value("#global-period"),
              "model": page.input_value("#global-model"),
              "interaction": page.eval_on_selector("#journey-form", "f => f.interaction.value")}
    lookback = page.eval_on_selector("#journey-form", "f => f.lookback_days.value")
    if lookback:
        params["lookback_days"] = lookback
    doc = httpx.get(f"{server}/v1/lifecycle", headers={"X-API-Key": key}, params=params,
                    timeout=60).json()
    assert doc["verdicts"]
    for v in doc["verdicts"]:
        card = page.locator(f'#lifecycle-cards .verdict-card[data-channel="{v["channel"]}"]')
        text = card.inner_text()
        assert v["reason"] in text
        assert (f"{round(v['level'] * 100)}% bounds {v['ratio_low']:.2f} – "
                f"{v['ratio_high']:.2f}") in text
        assert f"on {v['conversions']:.1f} attributed conversions" in text
        bounded = [c for c in v["cycles"]
                   if c.get("roi_low") is not None and c.get("roi_high") is not None]
        assert card.locator("svg path.whisker").count() == len(bounded) > 0


def test_planner_split_follows_the_new_budget_and_spends_it_exactly(session, server, artifacts):
    page, _, key = session

    def split():
        return {c: float(s) for c, s in page.eval_on_selector_all(
            "#plan-split g.split-bar", "gs => gs.map(g => [g.dataset.channel, g.dataset.spend])")}

    before = split()
    assert before, "the planner shows a first plan on load"
    budget = round(0.8 * sum(before.values()), 2) + 0.37
    page.fill("#plan-budget", f"{budget:.2f}")
    page.check("#plan-spend-all")
    with page.expect_response(lambda r: r.url.endswith("/v1/budget/plan")) as resp:
        page.click("#plan-submit")
    assert resp.value.status == 200
    page.wait_for_selector("#budget[data-state=ready]", timeout=READY_TIMEOUT_MS)
    after = split()
    assert after != before
    assert sum(after.values()) == pytest.approx(budget, abs=0.01)
    assert page.inner_text("#plan-total") == f"{budget:,.2f}"
    # the bars show what the API plans for the same request
    body = {"budget": budget, "quarter": page.input_value("#plan-quarter"), "spend_all": True,
            "model": page.input_value("#global-model"), "test_budget": 0.05}
    plan = httpx.post(f"{server}/v1/budget/plan", json=body, headers={"X-API-Key": key},
                      timeout=60).json()
    assert plan["status"] == "optimal"
    assert after == pytest.approx({c["channel"]: c["spend"] for c in plan["channels"]})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "budget-after-submit.png"), full_page=True,
                    clip=page.locator("#budget").bounding_box())


def test_roi_table_is_collapsed_behind_per_channel_totals(session, server):
    page, _, key = session
    params = {"period": page.input_value("#global-period"),
              "model": page.input_value("#global-model")}
    doc = httpx.get(f"{server}/v1/roi", params=params, headers={"X-API-Key": key},
                    timeout=60).json()
    channels = list(dict.fromkeys(r["channel"] for r in doc["rows"]))
    # one ROI panel per paid channel, each with its y-axis title
    paid = sorted({r["channel"] for r in doc["rows"]
                   if r["channel"] != "(direct)" and (r["spend"] or 0) > 0})
    panels = page.locator("#roi-chart figure.roi-panel")
    assert sorted(panels.evaluate_all("fs => fs.map(f => f.dataset.channel)")) == paid
    assert page.locator("#roi-chart text.y-title").count() == len(paid)
    # the totals table shows first, one row per channel, spend summed over the periods
    totals = page.locator("#roi-totals-el tbody tr")
    assert totals.count() == len(channels)
    shown = {}
    for row in totals.all():
        cells = row.locator("td").all_inner_texts()
        shown[cells[0]] = cells
    for ch in channels:
        spend = sum(r["spend"] or 0.0 for r in doc["rows"] if r["channel"] == ch)
        assert shown[ch][2] == f"{spend:,.2f}"
    # the per-period rows sit in a closed expander, and open on a click
    assert page.eval_on_selector("#roi-periods", "d => d.open") is False
    assert not page.locator("#roi-table-el").is_visible()
    page.click("#roi-periods-summary")
    assert page.locator("#roi-table-el").is_visible()
    summary = page.inner_text("#roi-periods-summary")
    assert summary == f"Per {doc['period']}: {len(doc['rows'])} rows"
    page.click("#roi-periods-summary")


def test_budget_panel_lists_the_curve_fits_and_the_scenarios_fit_the_window(session, server,
                                                                            artifacts):
    page, _, key = session
    plan = httpx.post(f"{server}/v1/budget/plan", json={"model": page.input_value("#global-model")},
                      headers={"X-API-Key": key}, timeout=60).json()
    rows = page.locator("#plan-curves-el tbody tr")
    assert rows.count() == len(plan["curves"]) > 0
    for row, fit in zip(rows.all(), plan["curves"], strict=True):
        cells = row.locator("td").all_inner_texts()
        assert cells[:3] == [fit["channel"], fit["form"], fit["method"]]
    currency = httpx.get(f"{server}/v1/defaults", timeout=10).json()["currency"]
    assert page.locator(f"#plan-scenarios text.y-title:text-is('expected revenue ({currency})')"
                        ).count() == 1
    assert page.locator("#plan-scenarios text.mark-label").text_content().startswith(
        "current budget ")
    # at 1400 px the scenarios table is not clipped: it is as wide as its content
    assert page.eval_on_selector("#plan-scenarios-table",
                                 "d => d.scrollWidth <= d.clientWidth + 1")
    page.evaluate("window.scrollTo(0, 0)")
    for section in ("roi", "budget"):
        page.screenshot(path=str(artifacts / f"{section}-readable.png"), full_page=True,
                        clip=page.locator(f"#{section}").bounding_box())


def test_csv_download_is_the_roi_table(session, server, tmp_path):
    page, _, key = session
    with page.expect_download() as dl:
        page.click("#roi-csv")
    path = tmp_path / "roi.csv"
    dl.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    params = {"period": page.input_value("#global-period"),
              "model": page.input_value("#global-model")}
    doc = httpx.get(f"{server}/v1/roi", params=params, headers={"X-API-Key": key},
                    timeout=60).json()
    assert {"period", "channel", "spend", "attributed_revenue", "roi", "cpa"} <= set(rows[0])
    assert len(rows) == len(doc["rows"])
    assert [(r["period"], r["channel"]) for r in rows] == [
        (r["period"], r["channel"]) for r in doc["rows"]]
    assert sum(float(r["spend"]) for r in rows) == pytest.approx(
        sum(r["spend"] or 0 for r in doc["rows"]))
    # the table on the page lists the same rows
    assert page.locator("#roi-table-el tbody tr").count() == len(doc["rows"])


def _apply_journey_options(page, *, lookback: str, censor: bool) -> None:
    """Set the lookback and the censor switch, apply, and wait for every section."""
    page.fill("#journey-form input[name=lookback_days]", lookback)
    page.set_checked("#journey-form input[name=censor]", censor)
    with page.expect_response(lambda r: "/v1/paths?" in r.url
                              and f"censor={'true' if censor else 'false'}" in r.url
                              and f"lookback_days={lookback}" in r.url):
        page.click("#journey-form button[type=submit]")
    for section in SECTIONS:
        page.wait_for_selector(f"#{section}[data-state=ready]", timeout=READY_TIMEOUT_MS)


def test_data_section_shows_the_censored_journeys_and_the_switch_brings_them_back(
        session, server, artifacts):
    """The count and the warning are the API's; unchecking the switch asks censor=false."""
    page, seen, key = session

    def api_paths(lookback, censor):
        return httpx.get(f"{server}/v1/paths", headers={"X-API-Key": key}, timeout=60, params={
            "lookback_days": lookback, "censor": "true" if censor else "false",
            "interaction": "all", "limit": 8}).json()

    def shown():
        return (page.inner_text("#censoring"),
                page.eval_on_selector_all("#journey-summary .censoring-warning",
                                          "ps => ps.map(p => p.textContent)"))

    # the first view: the defaults (lookback 30, censoring on)
    doc = api_paths(30, True)
    text, warnings = shown()
    c = doc["censoring"]
    assert text == (f"Censored (still open at the end of the data, left out): "
                    f"{c['censored_journeys']:,} non-converting journeys · kept as "
                    f"non-converting: {c['non_converting_journeys']:,}")
    assert c["censored_journeys"] > 0
    assert warnings == [f"⚠ {w}" for w in doc["warnings"]]
    try:
        # a lookback as long as the data: every journey without a conversion is censored
        _apply_journey_options(page, lookback="365", censor=True)
        doc = api_paths(365, True)
        text, warnings = shown()
        assert doc["censoring"]["non_converting_journeys"] == 0
        assert doc["warnings"] and warnings == [f"⚠ {w}" for w in doc["warnings"]]
        assert warnings[0].startswith(
            f"⚠ all {doc['censored_journeys']:,} non-converting journeys were censored")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / "data-all-censored.png"), full_page=True,
                        clip=page.locator("#data").bounding_box())
        # the switch off: they come back as non-converting journeys, no warning
        _apply_journey_options(page, lookback="365", censor=False)
        doc = api_paths(365, False)
        text, warnings = shown()
        c = doc["censoring"]
        assert text == (f"Censoring off: all {c['non_converting_journeys']:,} non-converting "
                        f"journeys count as non-converting ({c['open_journeys']:,} of them "
                        "still open)")
        assert c["non_converting_journeys"] == doc["totals"]["nulls"] > 0
        assert warnings == []
        assert f"non-converting: {doc['totals']['nulls']:,.0f}" in page.inner_text(
            "#journey-summary")
    finally:
        _apply_journey_options(page, lookback="30", censor=True)
    assert seen["page_errors"] == [] and seen["http_errors"] == []


def test_report_opens_offline_and_shows_every_chart(browser, demo, tmp_path, artifacts):
    from touchpath.data.warehouse import Warehouse
    from touchpath.report import ReportOptions, collect, render

    db, _, _ = demo
    with Warehouse.open(db.with_name("report.duckdb"), read_only=True) as wh:
        doc = collect(wh, ReportOptions(period="month", model="markov", order=2, ci=10))
    out = tmp_path / "report.html"
    out.write_text(render(doc), encoding="utf-8")
    n_test = len(doc["lifecycle"]["verdicts"])
    assert n_test >= 1

    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 900})
    requested = []

    def only_the_file(route):
        requested.append(route.request.url)
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_file)
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(out.as_uri())
    # attribution, one ROI panel per paid channel, one per test channel, budget split,
    # scenario curve, the segments (the synthetic conversions carry a device) and the
    # campaigns' roll-up (the synthetic touches carry campaigns)
    paid = {r["channel"] for r in doc["roi"]["rows"]
            if r["channel"] != "(direct)" and (r["spend"] or 0) > 0}
    assert doc["segments"]["by"]["name"] == "device"
    assert doc["campaigns"] is not None
    assert page.locator("svg.chart").count() == 4 + len(paid) + n_test + 1
    assert page.locator("#campaigns svg.chart").count() == 1
    assert page.locator("#roi svg.roi-panel").count() == len(paid)
    assert page.locator("img").count() == 0
    for chart in page.locator("svg.chart").all():
        box = chart.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    channels = {r["channel"] for r in doc["compare"]["rows"]} - {"(direct)"}
    assert page.locator("#attribution g.bar-group").count() == len(channels)
    assert requested == [out.as_uri()] and errors == []
    # nothing sticks out sideways: the page is no wider than the window
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)
    context.close()

"""The report's funnel section: shown when the warehouse has several conversion kinds."""

import re

import pytest

from tests.service.test_funnel import funnel_warehouse
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render


def test_a_warehouse_with_carts_and_purchases_gets_a_funnel_section(tmp_path):
    db = funnel_warehouse(tmp_path / "funnel.duckdb")
    with Warehouse.open(db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(model="last_touch", models=("last_touch",)))
    funnel = doc["funnel"]
    assert [(s["stage"], s["conversions"]) for s in funnel["stages"]] == [
        ("add_to_cart", 10.0), ("purchase", 4.0)]
    page = render(doc)
    section = page[page.index('id="funnel"'):]
    section = section[:section.index("</section>")]
    bars = dict(re.findall(r'data-stage="([^"]+)" data-conversions="([^"]+)"', section))
    assert bars == {"add_to_cart": "10.0", "purchase": "4.0"}
    # the step between the bars: 4 of 10 go on
    assert "↓ 40.0% go on · 60.0% drop off" in section
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"',
                                           section)]
    assert widths[1] / widths[0] == pytest.approx(0.4, abs=1e-3)
    # the table: search 6 carts, 2 purchases under last touch, a third go on
    row = re.search(r"<tr><td>search</td>(.*?)</tr>", section).group(1)
    assert re.findall(r">([^<]+)</td>", row) == ["6.0", "2.0", "33.3%", "66.7%"]


def test_one_kind_means_no_funnel_section(seeded_db):
    with Warehouse.open(seeded_db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(model="last_touch", models=("last_touch",)))
    assert doc["funnel"] is None
    assert 'id="funnel"' not in render(doc)

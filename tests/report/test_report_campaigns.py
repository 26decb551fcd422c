"""The report's Campaigns section: campaign credit, and the roll-up beside the channel fit.

Numbers from the hand-worked campaign warehouse (tests/seed/campaigns.py).
"""

import re

import pytest

from tests.seed.campaigns import LINEAR_CAMPAIGNS
from touchpath import service
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render


@pytest.fixture(scope="module")
def doc(tmp_path_factory):
    from tests.seed.campaigns import load_campaigns

    db = tmp_path_factory.mktemp("report-campaigns") / "c.duckdb"
    with Warehouse.open(db) as wh:
        load_campaigns(wh)
        yield collect(wh, ReportOptions(model="markov", models=("linear",))), \
            service.attribute_campaigns(wh, "markov1").rollup()


def _section(page):
    part = page[page.index('id="campaigns"'):]
    return part[:part.index("</section>")]


def test_the_campaigns_document_is_the_services(doc):
    report, markov = doc
    c = report["campaigns"]
    assert c["models"] == ["linear", "markov1"]
    assert c["exact"] == {"linear": True, "markov1": False}
    linear = {(r["channel"], r["campaign"]): (r["conversions"], r["value"])
              for r in c["campaign_rows"] if r["model"] == "linear"}
    assert linear.keys() == LINEAR_CAMPAIGNS.keys()
    for key, expected in LINEAR_CAMPAIGNS.items():
        assert linear[key] == pytest.approx(expected, abs=1e-12)
    roll = {r["channel"]: r for r in c["rollup"] if r["model"] == "markov1"}
    for row in markov.itertuples(index=False):
        assert roll[row.channel]["conversions"] == row.conversions
        assert roll[row.channel]["channel_conversions"] == row.channel_conversions


def test_the_section_shows_campaigns_and_the_rollup(doc):
    report, markov = doc
    section = _section(render(report))
    assert "4 states over 3 channels" in section
    # linear: search's campaigns summed = 11/6 = 1.8; markov1 fits states of its own
    row = re.search(r'id="campaign-rollup-table".*?<tr><td>search</td>(.*?)</tr>', section,
                    re.S).group(1)
    cells = re.findall(r">([^<]+)</td>", row)
    search = markov.set_index("channel").loc["search"]
    assert cells == ["2", "1.8", f"{search['conversions']:.1f}",
                     f"{search['channel_conversions']:.1f}", f"{search['difference']:.1f}"]
    brand = re.search(r'id="campaign-table".*?<tr><td>search</td><td>brand</td>(.*?)</tr>',
                      section, re.S).group(1)
    assert re.findall(r">([^<]+)</td>", brand)[:2] == ["1.2", "38.9%"]  # 7/6 of 3
    # the chart: one series for linear (exact), two for markov1, bars per channel
    assert section.count('class="bar-group"') == 3
    assert "linear: campaigns summed = channel" in section
    assert "markov1: channel-level fit" in section


def test_touches_without_campaigns_mean_no_section():
    from tests.seed.month import load_month

    with Warehouse.open(":memory:") as wh:
        load_month(wh)
        report = collect(wh, ReportOptions(model="last_touch", models=("last_touch",),
                                           censor=False))
    assert report["campaigns"] is None
    assert 'id="campaigns"' not in render(report)

"""The report's lifecycle section shows each verdict's interval, in words and as whiskers.

Seed, quarter, last touch: tiktok has 2 attributed conversions, ROI 5.0 against the
baseline 1.15 (ratio 4.348); the 90 % one-sided bounds of the ratio are
4.348 × χ²⁻¹(0.1; 4) / 4 and 4.348 × χ²⁻¹(0.9; 6) / 4, recomputed here.
"""

import re

from scipy.stats import chi2

from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render

RATIO = 5.0 / 1.15


def _section(seeded_db) -> str:
    with Warehouse.open(seeded_db, read_only=True) as wh:
        doc = collect(wh, ReportOptions(models=("last_touch",), model="last_touch",
                                        period="quarter"))
    html = render(doc)
    start = html.index('<section id="lifecycle"')
    return html[start:html.index("</section>", start)]


def test_lifecycle_section_states_the_interval_and_draws_it(seeded_db):
    section = _section(seeded_db)
    low, high = RATIO * chi2.ppf(0.1, 4) / 4, RATIO * chi2.ppf(0.9, 6) / 4
    assert f"90% bounds {low:.2f} – {high:.2f}" in section  # 1.16 – 11.60
    assert "on 2.0 attributed conversions; about 28 more needed" in section
    assert "not enough evidence to scale" in section
    assert "≥ 30 attributed conversions" in section and "90% lower bound" in section
    # one whisker (one cycle), from ROI low to ROI high, drawn on the ROI axis
    (whisker,) = re.findall(r'<path class="whisker"[^>]*d="M([\d.]+),([\d.]+)V([\d.]+)', section)
    assert float(whisker[1]) > float(whisker[2])  # the lower bound sits lower on the page
    assert "tiktok ROI (90% bounds)" in section
    assert f"[{low * 1.15:.2f} – {high * 1.15:.2f}]" in section  # the point's tooltip

"""The report's segments section: the model per segment, sizes, small segments marked.

The warehouse is the hand-worked one of tests/service/test_segments.py.
"""

from __future__ import annotations

import re

import pytest

from tests.data.test_segments import CONVERSIONS, TOUCHES, USERS
from tests.service.test_segments import SPEND
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render


@pytest.fixture
def wh():
    with Warehouse(":memory:") as w:
        w.ingest("touchpoints", TOUCHES)
        w.ingest("conversions", CONVERSIONS)
        w.ingest("spend", SPEND)
        yield w


def _section(html: str) -> str:
    return html[html.index('<section id="segments"'):].split("</section>", 1)[0]


def test_the_report_opens_on_device_and_marks_every_small_segment(wh):
    wh.ingest("users", USERS)
    options = ReportOptions(model="linear", censor=False, models=("linear",))
    doc = collect(wh, options)
    seg = doc["segments"]
    assert seg["by"]["name"] == "device" and seg["model"] == "linear"
    section = _section(render(doc))
    sizes = section[section.index('id="segment-sizes"'):].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>([^<]+)</td>", sizes)
    assert rows == ["desktop", "mobile", "(none)"]
    assert sizes.count("small: read the interval") == 3
    # one bar series per segment with conversions on paths; (none) has only a direct one
    models = set(re.findall(r'data-model="([^"]+)"', section))
    assert models == {"desktop (n=1, small)", "mobile (n=1, small)"}
    assert "credit + (direct) equals the segment" in section


def test_the_report_takes_another_attribute_and_has_no_section_without_any(wh):
    options = ReportOptions(model="linear", censor=False, models=("linear",), by="plan")
    doc = collect(wh, options)
    assert [s["segment"] for s in doc["segments"]["segments"]] == ["gold", "silver", "(none)"]
    with Warehouse(":memory:") as bare:
        bare.ingest("touchpoints", TOUCHES)
        bare.ingest("conversions", CONVERSIONS.drop(columns="plan"))
        bare.ingest("spend", SPEND)
        doc = collect(bare, ReportOptions(model="linear", models=("linear",)))
    assert doc["segments"] is None
    assert 'id="segments"' not in render(doc)

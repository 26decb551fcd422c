"""The report's calibration section (tests/seed/calibration.py: 85 attributed, 34 incremental)."""

import re

import pytest

from tests.seed.calibration import load_calibration
from touchpath.data.warehouse import Warehouse
from touchpath.report import ReportOptions, collect
from touchpath.report.html import render


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    out = {}
    for name, experiment in (("with", True), ("without", False)):
        path = tmp_path_factory.mktemp(f"cal-{name}") / "cal.duckdb"
        with Warehouse.open(path) as wh:
            load_calibration(wh, experiment=experiment)
            out[name] = collect(wh, ReportOptions())
    return out


def test_the_section_shows_attributed_vs_incremental_with_the_factor(docs):
    doc = docs["with"]["calibration"]
    rows = {r["channel"]: r for r in doc["channels"]}
    assert rows["search"]["calibrated_conversions"] == pytest.approx(34 + 0.4 * 422)
    assert rows["social"]["calibrated_conversions"] == pytest.approx(347)
    html = render(docs["with"])
    section = html[html.index('<section id="calibration"'):]
    section = section[:section.index("</section>")]
    bar = re.search(r'class="calibration-row" data-name="search 2024-03-01..2024-03-31" '
                    r'data-attributed="([0-9.]+)" data-incremental="([0-9.]+)"', section)
    assert bar is not None
    assert (float(bar.group(1)), float(bar.group(2))) == (85.0, 34.0)
    assert "factor 0.400 [0.300, 0.500]" in section
    assert "202.8" in section and "304.2" in section          # calibrated, freed conversions
    assert "25.5 – 42.5" in section and "0.300 – 0.500" in section
    assert "not calibrated (no experiment)" in section


def test_no_section_without_experiments(docs):
    assert docs["without"]["calibration"] is None
    assert 'id="calibration"' not in render(docs["without"])

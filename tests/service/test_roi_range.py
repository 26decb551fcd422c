"""A ROI range reaching beyond the data is clipped to it (no empty periods by the thousand)."""

from datetime import date

import pytest

from touchpath import service
from touchpath.attribution.roi import ROIError
from touchpath.data.warehouse import Warehouse


def test_a_range_beyond_the_data_is_the_datas_range(seeded_db):
    """The seed's data runs 2026-01-02 .. 2026-03-20: three months, whatever range is asked
    around it (a year 163 start once meant 22,359 empty months and a 106 s request)."""
    with Warehouse.open(seeded_db, read_only=True) as wh:
        wide = service.roi_table(wh, "last_touch", start=date(163, 1, 4), end=date(2099, 1, 1))
        plain = service.roi_table(wh, "last_touch")
    assert wide.periods == plain.periods == ["2026-01", "2026-02", "2026-03"]
    assert wide.to_frame().equals(plain.to_frame())


def test_a_range_without_data_names_what_the_data_covers(seeded_db):
    with Warehouse.open(seeded_db, read_only=True) as wh:
        with pytest.raises(ROIError, match="the data covers 2026-01-02 .. 2026-03-20"):
            service.roi_table(wh, "last_touch", start=date(2030, 1, 1), end=date(2030, 2, 1))

"""Fixtures for the data layer: an in-memory warehouse and tiny CSV writers."""

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
import pytest

from touchpath.data.warehouse import Warehouse


@pytest.fixture
def wh():
    """An empty in-memory warehouse, closed after the test."""
    with Warehouse.open(":memory:") as warehouse:
        yield warehouse


@pytest.fixture
def write_csv(tmp_path):
    """Write rows (first row = header) to ``tmp_path/name`` and return the path."""

    def _write(name: str, rows: Iterable[Sequence[object]]) -> Path:
        path = tmp_path / name
        with path.open("w", newline="") as fh:
            csv.writer(fh).writerows(rows)
        return path

    return _write


def touches(*rows):
    """Touchpoint frame from (event_id, user_id, ts, channel[, interaction]) tuples."""
    cols = ["event_id", "user_id", "ts", "channel", "interaction"]
    full = [tuple(r) + ("click",) * (5 - len(r)) for r in rows]
    return pd.DataFrame(full, columns=cols)


def conversions(*rows):
    """Conversion frame from (conversion_id, user_id, ts, value) tuples."""
    return pd.DataFrame(list(rows), columns=["conversion_id", "user_id", "ts", "value"])


@pytest.fixture
def load():
    """Load touchpoint and conversion tuples into a warehouse."""

    def _load(warehouse, touch_rows=(), conversion_rows=()):
        if touch_rows:
            warehouse.ingest("touchpoints", touches(*touch_rows))
        if conversion_rows:
            warehouse.ingest("conversions", conversions(*conversion_rows))
        return warehouse

    return _load

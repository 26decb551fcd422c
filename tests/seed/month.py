"""The hand-worked one-month warehouse of the censoring tests.

Four users over January 2024, lookback 30 days by default: u1 converts (c1,
search), u4 converts (c4, display); u2 (email) and u3 (search, social) end without
a conversion less than 30 days before the end of the data (2024-01-31 12:00), so
with censoring on both non-converting journeys are censored, and with
``--no-censor`` they come back as two nulls. Optional spend (search 10, email 5)
for the surfaces that need a spend table.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["load_month"]


def load_month(wh, *, spend: bool = False) -> None:
    """Ingest the month's touchpoints and conversions (with ``spend``, its spend) into ``wh``."""
    wh.ingest("touchpoints", pd.DataFrame({
        "event_id": ["e1", "e2", "e3", "e4", "e5"], "user_id": ["u1", "u2", "u3", "u3", "u4"],
        "ts": ["2024-01-01 09:00", "2024-01-03 10:00", "2024-01-10 11:00",
               "2024-01-20 12:00", "2024-01-25 13:00"],
        "channel": ["search", "email", "search", "social", "display"]}))
    wh.ingest("conversions", pd.DataFrame({
        "conversion_id": ["c1", "c4"], "user_id": ["u1", "u4"],
        "ts": ["2024-01-05 09:00", "2024-01-31 12:00"], "value": ["20", "5"]}))
    if spend:
        wh.ingest("spend", pd.DataFrame({
            "day": ["2024-01-01", "2024-01-03"], "channel": ["search", "email"],
            "amount": ["10", "5"]}))

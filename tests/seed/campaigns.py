"""The hand-worked campaign warehouse of the campaign-level tests.

January 2024, lookback 30 days. Touches are (channel / campaign); ``-`` is no
campaign (the state ``(none)``):

- u1: search/brand (01-01), social/spring (01-02), search/generic (01-03),
  purchase c1 on 01-04 worth 30;
- u2: search/brand (01-05), search/generic (01-06), email/- (01-07), purchase c2
  on 01-08 worth 60 (with collapsed repeats the search run keeps its last
  touch, search/generic);
- u3: social/spring (01-10), no conversion: a null (the data end, 03-31, is
  more than 30 days after it);
- u4: email/- (01-12), an ``add_to_cart`` on 01-13 (not a purchase: it closes no
  journey), search/brand (01-14), purchase c4 on 01-15 worth 10;
- u5: a direct purchase c5 on 01-20 worth 5 (no touch);
- u6: display/launch on 03-31, still open at the end of the data (censored).

Linear credit by hand: c1 gives 1/3 to each touch (value 10 each), c2 1/3 (20
each), c4 1/2 (5 each). So search/brand 1/3 + 1/3 + 1/2 = 7/6 conversions and
10 + 20 + 5 = 35; search/generic 2/3 and 30; social/spring 1/3 and 10;
email/(none) 1/3 + 1/2 = 5/6 and 25. The channel level: search 11/6 and 65,
social 1/3 and 10, email 5/6 and 25; direct 1 conversion worth 5.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["LINEAR_CAMPAIGNS", "LINEAR_CHANNELS", "load_campaigns"]

#: (channel, campaign) -> (conversions, value) under the linear model, by hand.
LINEAR_CAMPAIGNS = {
    ("email", "(none)"): (5 / 6, 25.0),
    ("search", "brand"): (7 / 6, 35.0),
    ("search", "generic"): (2 / 3, 30.0),
    ("social", "spring"): (1 / 3, 10.0),
}

#: channel -> (conversions, value) under the linear model, by hand.
LINEAR_CHANNELS = {"email": (5 / 6, 25.0), "search": (11 / 6, 65.0), "social": (1 / 3, 10.0)}


def load_campaigns(wh) -> None:
    """Ingest the campaign warehouse's touchpoints and conversions into ``wh``."""
    rows = [
        ("e1", "u1", "2024-01-01 09:00", "search", "brand"),
        ("e2", "u1", "2024-01-02 09:00", "social", "spring"),
        ("e3", "u1", "2024-01-03 09:00", "search", "generic"),
        ("e4", "u2", "2024-01-05 09:00", "search", "brand"),
        ("e5", "u2", "2024-01-06 09:00", "search", "generic"),
        ("e6", "u2", "2024-01-07 09:00", "email", None),
        ("e7", "u3", "2024-01-10 09:00", "social", "spring"),
        ("e8", "u4", "2024-01-12 09:00", "email", None),
        ("e9", "u4", "2024-01-14 09:00", "search", "brand"),
        ("e10", "u6", "2024-03-31 09:00", "display", "launch"),
    ]
    wh.ingest("touchpoints", pd.DataFrame(
        rows, columns=["event_id", "user_id", "ts", "channel", "campaign"]))
    wh.ingest("conversions", pd.DataFrame({
        "conversion_id": ["c1", "c2", "k4", "c4", "c5"],
        "user_id": ["u1", "u2", "u4", "u4", "u5"],
        "ts": ["2024-01-04 09:00", "2024-01-08 09:00", "2024-01-13 09:00",
               "2024-01-15 09:00", "2024-01-20 09:00"],
        "value": ["30", "60", "10", "10", "5"],
        "kind": ["purchase", "purchase", "add_to_cart", "purchase", "purchase"]}))

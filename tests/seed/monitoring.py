"""A constructed quarter for the monitoring tests (pacing, rule alerts, anomalies).

2026-01-01 .. 2026-03-15 (the data stops mid-quarter: 74 of Q1's 90 days).
Every conversion closes a one-touch journey (a touch of its channel an hour
before), so every model gives a conversion's whole credit to that channel:

- ``search``: spend 10 a day; one conversion (value 50) a day in January and
  March, one every fourth day in February (Feb 1, 5, ..., 25: 7), so its CPA is
  310 / 31 = 10 in January, 280 / 7 = 40 in February and 150 / 15 = 10 in March;
- ``display``: spend 100 + (day of the year mod 3) on weekdays, three times that
  on Saturdays and Sundays, except :data:`SPIKE_DAY`, a Wednesday, at 12 × its
  weekday amount; two conversions (value 30 each) a day.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

__all__ = ["FIRST", "LAST", "SPIKE_DAY", "display_spend", "load_monitoring", "search_converts"]

FIRST = date(2026, 1, 1)
LAST = date(2026, 3, 15)
#: The day of the 12x spike of display's spend (a Wednesday).
SPIKE_DAY = date(2026, 3, 4)


def _days() -> list[date]:
    return [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


def display_spend(d: date) -> int:
    """Display's spend on day ``d`` (see the module docstring)."""
    base = 100 + d.timetuple().tm_yday % 3
    if d == SPIKE_DAY:
        return 12 * base
    return 3 * base if d.weekday() >= 5 else base


def search_converts(d: date) -> bool:
    """Whether search has its conversion on day ``d``."""
    return d.month != 2 or (d.day - 1) % 4 == 0


def load_monitoring(wh) -> None:
    """Ingest the quarter's channels, touchpoints, conversions and spend into ``wh``."""
    touches, convs, spend = [], [], []
    for d in _days():
        spend += [{"channel": "search", "day": d.isoformat(), "amount": "10"},
                  {"channel": "display", "day": d.isoformat(), "amount": str(display_spend(d))}]
        users = ([("search", "50")] if search_converts(d) else []) + [("display", "30")] * 2
        for k, (channel, value) in enumerate(users):
            uid = f"{channel}-{d.isoformat()}-{k}"
            touches.append({"event_id": f"t-{uid}", "user_id": uid, "channel": channel,
                            "ts": f"{d.isoformat()} 09:00:00"})
            convs.append({"conversion_id": f"c-{uid}", "user_id": uid, "value": value,
                          "ts": f"{d.isoformat()} 10:00:00"})
    wh.ingest("channels", pd.DataFrame({"channel": ["search", "display"],
                                        "status": ["established", "established"]}))
    wh.ingest("touchpoints", pd.DataFrame(touches))
    wh.ingest("conversions", pd.DataFrame(convs))
    wh.ingest("spend", pd.DataFrame(spend))

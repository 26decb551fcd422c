"""The hand-built warehouse of the calibration tests: two channels, six months, one experiment.

January to June 2024. Every user touches one channel once (single-touch
journeys), so every additive model credits each channel exactly the
conversions of its users: nothing depends on the model. In month ``m`` the
channel ``c`` spends :data:`SPEND` ``[c][m]`` (on the month's first day) and
gets ``round(K[c] · √spend)`` converting users, each buying for
:data:`ORDER_VALUE`, plus one user who never converts. So the revenue is a
concave function of spend, the same on every surface.

The experiment (:data:`EXPERIMENT`): a lift test on ``search`` over March 2024
found 40 % of its attributed conversions incremental: 0.4 × 85 = 34, interval
[25.5, 42.5] (factor 0.4, interval [0.3, 0.5]).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

__all__ = ["CONVERSIONS", "EXPERIMENT", "MONTHS", "ORDER_VALUE", "SPEND", "load_calibration"]

MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")
SPEND = {"search": (400, 600, 800, 1000, 1200, 900),
         "social": (300, 500, 700, 400, 600, 800)}
K = {"search": 3.0, "social": 2.5}
ORDER_VALUE = 100
#: Converting users per channel per month (worked out by hand: round(K √spend)).
CONVERSIONS = {c: tuple(round(K[c] * math.sqrt(s)) for s in SPEND[c]) for c in SPEND}
EXPERIMENT = {"channel": "search", "start": "2024-03-01", "end": "2024-03-31",
              "incremental_conversions": "34", "lower": "25.5", "upper": "42.5"}


def load_calibration(wh, *, experiment: bool = True) -> None:
    """Ingest the six months (and, with ``experiment``, :data:`EXPERIMENT`) into ``wh``."""
    touches, conversions, spend = [], [], []
    for c in SPEND:
        for m, month in enumerate(MONTHS):
            first = date.fromisoformat(month + "-01")
            spend.append({"channel": c, "day": first.isoformat(), "amount": str(SPEND[c][m])})
            for u in range(CONVERSIONS[c][m] + 1):
                user = f"{c}-{month}-{u}"
                day = first.replace(day=1 + u % 27)
                touches.append({"event_id": f"t-{user}", "user_id": user,
                                "ts": f"{day.isoformat()} 09:00", "channel": c})
                if u < CONVERSIONS[c][m]:
                    conversions.append({"conversion_id": f"c-{user}", "user_id": user,
                                        "ts": f"{day.isoformat()} 10:00",
                                        "value": str(ORDER_VALUE)})
    wh.ingest("spend", pd.DataFrame(spend))
    wh.ingest("touchpoints", pd.DataFrame(touches))
    wh.ingest("conversions", pd.DataFrame(conversions))
    if experiment:
        wh.ingest("experiments", pd.DataFrame([EXPERIMENT]))

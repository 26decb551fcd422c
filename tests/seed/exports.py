"""Synthetic journeys written as the exports a new user brings: an event log and a GA4 export.

Both are written from one :class:`~touchpath.data.synth.SyntheticData` (its
touchpoints, conversions and spend), with no ids, so that ingesting them the
"Bring your own data" way gives the journeys of the same data ingested as
Touchpath's own tables:

* :func:`write_event_log`: one CSV in the shape of the public multi-touch log
  (``customer_id,time,interaction,conversion,conversion_value,channel``); a
  touch is an ``impression`` row, a conversion a ``conversion`` row with
  ``conversion=1`` and its value; spend as ``date,channel,cost``.
* :func:`write_ga4_export`: a GA4 BigQuery export (newline-delimited JSON,
  gzip), in the schema of tests/data/fixtures/ga4/make_fixtures.py: one
  session per touch (``user_pseudo_id``, the ``ga_session_id`` parameter, a
  ``session_start`` and a ``page_view`` event, ``collected_traffic_source``
  from :data:`GA4_SOURCES`), one ``purchase`` event per conversion
  (``ecommerce.transaction_id``, ``ecommerce.purchase_revenue``, every third
  one a FLOAT64 one step off its value, as sums of item prices come out, e.g.
  29.990000000000002 for 29.99);
  spend as ``date,channel,cost`` under the channel names the built-in rules
  give (:data:`GA4_CHANNELS`).
"""

from __future__ import annotations

import csv
import gzip
import json
import math
from decimal import Decimal
from pathlib import Path

import pandas as pd

from touchpath.data.synth import SyntheticData

__all__ = ["GA4_CHANNELS", "GA4_SOURCES", "ga4_float_artifact", "write_event_log",
           "write_ga4_export", "write_spend"]

#: The traffic source (manual_source, manual_medium) a synthetic channel's sessions carry.
GA4_SOURCES: dict[str, tuple[str, str]] = {
    "search": ("baidu", "cpc"),
    "short_video": ("douyin", "cpc"),
    "social_kol": ("xiaohongshu", "kol"),
    "marketplace": ("taobao", "cpc"),
    "email_sms": ("sms", "sms"),
    "app_push": ("jpush", "push"),
    "owned_site": ("(direct)", "(none)"),
    "livestream": ("kuaishou", "cpc"),
}

#: The channel the built-in channel rules should give each synthetic channel's
#: sessions (worked out from the rules' text, not by running them).
GA4_CHANNELS: dict[str, str] = {
    "search": "Baidu Search Ads",
    "short_video": "Douyin Ads",
    "social_kol": "Xiaohongshu",
    "marketplace": "Taobao/Tmall Ads",
    "email_sms": "SMS",
    "app_push": "Mobile Push Notifications",
    "owned_site": "Direct",
    "livestream": "Kuaishou Ads",
}


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _micros(ts: pd.Timestamp) -> int:
    return int(ts.value // 1_000)


def write_spend(data: SyntheticData, path: Path, rename: dict[str, str] | None = None) -> Path:
    """Spend as ``date,channel,cost`` (the user's own column names), channels renamed."""
    rename = rename or {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "channel", "cost"])
        for row in data.spend.itertuples(index=False):
            out.writerow([str(row.day), rename.get(row.channel, row.channel),
                          format(Decimal(str(row.amount)), "f")])
    return path


def write_event_log(data: SyntheticData, path: Path) -> Path:
    """The public-log shape: one row per touch (impression) and per conversion, no ids."""
    rows = [(t.user_id, t.ts, "impression", "0", "", t.channel)
            for t in data.touchpoints.itertuples(index=False)]
    rows += [(c.user_id, c.ts, "conversion", "1", format(Decimal(str(c.value)), "f"), "")
             for c in data.conversions.itertuples(index=False)]
    rows.sort(key=lambda r: (r[1], r[0], r[2]))
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["customer_id", "time", "interaction", "conversion", "conversion_value",
                      "channel"])
        for user, ts, interaction, conversion, value, channel in rows:
            out.writerow([user, _iso(ts), interaction, conversion, value, channel])
    return path


def ga4_float_artifact(value: float) -> float:
    """The FLOAT64 next above ``value``: 29.99 -> 29.990000000000002 (a binary-float artifact)."""
    return math.nextafter(value, math.inf)


def _event(user: str, ts: int, name: str, params: dict[str, object], **extra: object) -> dict:
    typed = []
    for key, val in params.items():
        kind = "int_value" if isinstance(val, int) else "string_value"
        typed.append({"key": key, "value": {kind: str(val) if kind == "int_value" else val}})
    record: dict[str, object] = {
        "event_date": pd.Timestamp(ts, unit="us", tz="UTC").strftime("%Y%m%d"),
        "event_timestamp": str(ts),
        "event_name": name,
        "event_params": typed,
        "user_id": None,
        "user_pseudo_id": user,
        "device": {"category": "mobile", "operating_system": "Android"},
        "geo": {"country": "China"},
        "stream_id": "4178235672",
        "platform": "WEB",
    }
    record.update(extra)
    return record


def write_ga4_export(data: SyntheticData, path: Path,
                     extra_sources: list[tuple[str, str, str, pd.Timestamp]] = ()) -> Path:
    """A gzip NDJSON GA4 export of ``data``: a session per touch, a purchase per conversion.

    ``extra_sources`` adds sessions (user, source, medium, time) of sources the
    rules may not know. Every third purchase's revenue is a binary-float
    artifact of its value (:func:`ga4_float_artifact`).
    """
    records: list[tuple[int, dict]] = []
    sessions = [(t.user_id, t.ts, *GA4_SOURCES[t.channel])
                for t in data.touchpoints.itertuples(index=False)]
    sessions += [(u, ts, s, m) for u, s, m, ts in extra_sources]
    for n, (user, ts, source, medium) in enumerate(sessions, start=1):
        us = _micros(ts)
        cts = {"manual_source": source, "manual_medium": medium, "manual_campaign_name": None,
               "gclid": None}
        base = {"ga_session_id": 1_000_000 + n, "ga_session_number": 1}
        records.append((us, _event(user, us, "session_start", base,
                                   collected_traffic_source=cts)))
        records.append((us + 1, _event(user, us + 1, "page_view",
                                       {"ga_session_id": 1_000_000 + n,
                                        "page_location": "https://shop.example.com/"},
                                       collected_traffic_source=cts)))
    for i, c in enumerate(data.conversions.itertuples(index=False)):
        us = _micros(c.ts)
        revenue = float(c.value)
        if i % 3 == 0:
            revenue = ga4_float_artifact(revenue)
        ecommerce = {"transaction_id": c.conversion_id, "purchase_revenue": revenue,
                     "total_item_quantity": 1}
        records.append((us, _event(c.user_id, us, "purchase", {"currency": "CNY"},
                                   ecommerce=ecommerce)))
    records.sort(key=lambda r: r[0])
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for _, record in records:
            fh.write(json.dumps(record) + "\n")
    return path

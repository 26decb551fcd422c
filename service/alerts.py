"""Alerts: threshold rules on channel metrics, robust daily anomalies, webhook delivery.

:func:`check_alerts` evaluates :class:`~touchpath.data.alert_rules.AlertRules`
(``touchpath alerts --rules FILE``, ``POST /v1/alerts``): per rule, the metric of
each channel it names in every period of the range — from the channel ROI table
of that period (:func:`touchpath.service.roi.roi_table`) under the model, or,
for ``day``, the same table cut by days (:func:`daily_table`); ``pacing`` from
the latest recorded plan (:func:`touchpath.service.pacing.pacing`). A value that
is undefined (a CPA without conversions) never fires and is counted as such.

:func:`anomalies` judges daily spend, attributed conversions and attributed
revenue per channel against the same weekday's trailing median and MAD
(:func:`touchpath.attribution.monitoring.daily_anomalies`, where the formulas are).

:func:`deliver` POSTs the alerts document (:meth:`AlertsResult.to_dict`) as JSON
to the rules' webhook (standard library HTTP, with the file's timeout); a
failure is reported in a :class:`Delivery`, never raised: the run's result
stands whether or not the receiver answered.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from touchpath.attribution.monitoring import AnomalySettings, breaches, daily_anomalies
from touchpath.attribution.roi import ROIError, channel_roi
from touchpath.data.alert_rules import AlertRule, AlertRules, AlertRulesError, Webhook
from touchpath.data.journeys import JourneyOptions, check_kind
from touchpath.data.periods import daily_spend, roi_inputs, roi_range
from touchpath.data.plans import NoRecordedPlan
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import journey_options, options_key
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec
from touchpath.service.pacing import pacing
from touchpath.service.roi import roi_table

__all__ = ["AlertsResult", "AnomalyReport", "Breach", "Delivery", "MonitoringSummary",
           "anomalies", "check_alerts", "daily_table", "deliver", "monitoring"]

#: ROI table column of each metric.
_COLUMNS = {"spend": "spend", "revenue": "attributed_revenue", "roi": "roi", "cpa": "cpa",
            "conversions": "attributed_conversions",
            "conversion_rate": "journey_conversion_rate"}
#: The daily series judged for anomalies: metric name → ROI table column.
ANOMALY_METRICS = {"spend": "spend", "conversions": "attributed_conversions",
                   "revenue": "attributed_revenue"}


def _finite(x: Any) -> float | None:
    return float(x) if x is not None and math.isfinite(float(x)) else None


@dataclass(frozen=True)
class Breach:
    """One rule firing for one channel in one period."""

    rule: str
    metric: str
    channel: str
    period: str
    value: float
    op: str
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {"rule": self.rule, "metric": self.metric, "channel": self.channel,
                "period": self.period, "value": self.value, "op": self.op,
                "threshold": self.threshold}


@dataclass(frozen=True)
class AnomalyReport:
    """Every judged day (:data:`~touchpath.attribution.monitoring.ANOMALY_COLUMNS`)."""

    frame: pd.DataFrame
    settings: AnomalySettings
    model: str

    @property
    def flagged(self) -> pd.DataFrame:
        """The days outside their expected range."""
        return self.frame[self.frame["flagged"]].reset_index(drop=True)

    def records(self, flagged_only: bool = True) -> list[dict[str, Any]]:
        """Rows as JSON-safe dicts (``day`` ISO text; an infinite z is ``None``)."""
        frame = self.flagged if flagged_only else self.frame
        out = []
        for r in frame.to_dict(orient="records"):
            r["day"] = r["day"].isoformat()
            r = {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            r["z"] = _finite(r["z"])
            out.append(r)
        return out


@dataclass(frozen=True)
class Delivery:
    """What became of a webhook POST."""

    url: str
    ok: bool
    status: int | None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict."""
        return {"url": self.url, "ok": self.ok, "status": self.status, "error": self.error}


@dataclass(frozen=True)
class AlertsResult:
    """The breaches of a set of rules, and the anomalies when asked for."""

    rules: tuple[AlertRule, ...]
    breaches: tuple[Breach, ...]
    checked: int
    undefined: int
    model: str
    data_version: int
    anomalies: AnomalyReport | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def fired(self) -> int:
        """Breaches plus flagged anomaly days: non-zero means exit code 1."""
        flagged = 0 if self.anomalies is None else len(self.anomalies.flagged)
        return len(self.breaches) + flagged

    def to_dict(self) -> dict[str, Any]:
        """The alerts document: what the CLI prints as JSON, the API returns, a webhook gets."""
        doc: dict[str, Any] = {
            "source": "touchpath", "data_version": self.data_version, "model": self.model,
            "fired": self.fired, "checked": self.checked, "undefined": self.undefined,
            "rules": [{"name": r.name, "rule": r.describe(), "metric": r.metric,
                       "channel": r.channel, "op": r.op, "threshold": r.threshold,
                       "period": r.period} for r in self.rules],
            "breaches": [b.to_dict() for b in self.breaches],
            "notes": list(self.notes),
        }
        if self.anomalies is not None:
            doc["anomaly_rule"] = self.anomalies.settings.describe()
            doc["anomalies"] = self.anomalies.records()
        return doc


def _range(wh: Warehouse, start: date | None, end: date | None) -> tuple[date, date]:
    """``[first, end)`` of the data clipped to ``start`` .. ``end`` (inclusive days)."""
    rng = roi_range(wh)
    if rng is None:
        raise ROIError("the warehouse has no conversions or spend; nothing to watch")
    first = rng[0] if start is None else max(start, rng[0])
    stop = rng[1] if end is None else min(end + timedelta(days=1), rng[1])
    if first >= stop:
        raise ROIError(f"no conversions or spend in {start} .. {end}; the data covers "
                       f"{rng[0]} .. {rng[1] - timedelta(days=1)}")
    return first, stop


def daily_table(wh: Warehouse, model: str | None = None, options: JourneyOptions | None = None,
                *, start: date | None = None, end: date | None = None,
                memo: Memo = no_memo) -> pd.DataFrame:
    """The channel ROI table cut by days: the frame of :func:`roi_table` with one period a day.

    Each day's conversions are attributed on their own journeys, exactly as a
    period of the ROI table; ``period`` is the day (``2026-03-14``). ``start`` /
    ``end`` are inclusive days (default all the data). Memoised.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    first, stop = _range(wh, start, end)

    def compute() -> pd.DataFrame:
        check_kind(wh, options)
        days = [first + timedelta(days=i) for i in range((stop - first).days)]
        bounds = [(d.isoformat(), d, d + timedelta(days=1)) for d in days]
        inputs = roi_inputs(wh, options, bounds)
        # The period kind only labels the table; its bounds are the days.
        table = channel_roi(inputs, build_model(spec), "week", currency=DEFAULTS.currency)
        return table.to_frame(include_direct=False)

    key = {"model": spec, "first": first, "stop": stop, **options_key(options)}
    return memo("daily_table", key, compute)


def _metric_frame(wh: Warehouse, rule: AlertRule, model: str, options: JourneyOptions,
                  start: date | None, end: date | None, memo: Memo) -> pd.DataFrame:
    """``channel, period, value`` of the rule's metric (every channel, every period)."""
    if rule.metric == "pacing":
        try:
            report = pacing(wh, memo=memo)
        except NoRecordedPlan as exc:
            raise AlertRulesError([f"alert {rule.name!r}: metric pacing needs a recorded "
                                   f"plan: {exc}"]) from None
        return pd.DataFrame([{"channel": c.channel, "period": report.plan.quarter,
                              "value": math.nan if c.spend_pace is None else c.spend_pace}
                             for c in report.channels], columns=["channel", "period", "value"])
    if rule.period == "day":
        frame = daily_table(wh, model, options, start=start, end=end, memo=memo)
    else:
        first, stop = _range(wh, start, end)
        frame = roi_table(wh, model, rule.period, options, start=first, end=stop,  # type: ignore[arg-type]
                          memo=memo).to_frame(include_direct=False)
    return pd.DataFrame({"channel": frame["channel"].astype(str),
                         "period": frame["period"].astype(str),
                         "value": pd.to_numeric(frame[_COLUMNS[rule.metric]],
                                                errors="coerce")})


def check_alerts(wh: Warehouse, rules: AlertRules, *, model: str | None = None,
                 options: JourneyOptions | None = None, start: date | None = None,
                 end: date | None = None, latest: bool = False,
                 anomaly_settings: AnomalySettings | None = None, with_anomalies: bool = False,
                 memo: Memo = no_memo) -> AlertsResult:
    """Evaluate ``rules`` over ``start`` .. ``end`` (inclusive days, default all the data).

    Parameters
    ----------
    latest : bool
        Only the last period of each rule's table (for a daily cron run).
    with_anomalies : bool
        Also judge the daily series (:func:`anomalies`, over the same days).

    Raises
    ------
    AlertRulesError
        A rule naming a channel the warehouse does not have (with the rule's
        name and the channels there are), or ``pacing`` without a recorded plan.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    known = set(wh.channels()["channel"].astype(str))
    problems = [f"{rules.origin}: alert {r.name!r}: channel: unknown channel {r.channel!r} "
                f"(channels: {', '.join(sorted(known))})"
                for r in rules.rules if r.channel != "*" and r.channel not in known]
    if problems:
        raise AlertRulesError(problems)
    found: list[Breach] = []
    checked = undefined = 0
    for rule in rules.rules:
        frame = _metric_frame(wh, rule, spec, options, start, end, memo)
        if rule.channel != "*":
            frame = frame[frame["channel"] == rule.channel]
        if latest and len(frame):
            frame = frame[frame["period"] == frame["period"].iloc[-1]]
        checked += len(frame)
        undefined += int(frame["value"].isna().sum())
        for r in breaches(frame, rule.op, rule.threshold).itertuples(index=False):
            found.append(Breach(rule.name, rule.metric, str(r.channel), str(r.period),
                                float(r.value), rule.op, rule.threshold))
    notes = []
    if undefined:
        notes.append(f"{undefined} value(s) undefined (e.g. a CPA without conversions, an ROI "
                     "without spend): never counted as a breach")
    report = (anomalies(wh, anomaly_settings, spec, options, start=start, end=end, memo=memo)
              if with_anomalies else None)
    return AlertsResult(rules.rules, tuple(found), checked, undefined, spec, wh.data_version,
                        report, tuple(notes))


def anomalies(wh: Warehouse, settings: AnomalySettings | None = None, model: str | None = None,
              options: JourneyOptions | None = None, *, start: date | None = None,
              end: date | None = None, metrics: tuple[str, ...] = tuple(ANOMALY_METRICS),
              memo: Memo = no_memo) -> AnomalyReport:
    """Daily spend, attributed conversions and revenue per channel against the weekday baseline.

    Days in ``start`` .. ``end`` (inclusive; default all) are judged, each
    against the ``window_weeks`` before it (only those days are attributed).
    Spend comes from the spend table as loaded, conversions and revenue from
    :func:`daily_table` under ``model``. A channel's series starts on its first
    day with a value.

    Raises
    ------
    ValueError
        An unknown metric name.
    """
    unknown = [m for m in metrics if m not in ANOMALY_METRICS]
    if unknown:
        raise ValueError(f"unknown anomaly metric(s) {', '.join(unknown)}; metrics: "
                         f"{', '.join(ANOMALY_METRICS)}")
    settings = settings or AnomalySettings(
        window_weeks=DEFAULTS.anomaly_window_weeks, min_history=DEFAULTS.anomaly_min_history,
        threshold=DEFAULTS.anomaly_threshold)
    spec = model_spec(model or default_model_spec())
    parts = []
    if "spend" in metrics:
        spend = daily_spend(wh)
        parts.append(pd.DataFrame({"day": spend["day"], "channel": spend["channel"].astype(str),
                                   "metric": "spend", "value": spend["amount"]}))
    credit = [m for m in metrics if m != "spend"]
    if credit:
        # Days before the first judged day's baseline are never looked at: not attributed.
        since = None if start is None else start - timedelta(days=7 * settings.window_weeks)
        daily = daily_table(wh, spec, options, start=since, end=end, memo=memo)
        days = pd.to_datetime(daily["period"]).dt.date
        for m in credit:
            values = pd.to_numeric(daily[ANOMALY_METRICS[m]], errors="coerce").fillna(0.0)
            part = pd.DataFrame({"day": days, "channel": daily["channel"].astype(str),
                                 "metric": m, "value": values})
            active = part[part["value"] != 0].groupby("channel")["day"].min()
            part = part[part["channel"].isin(active.index)]
            part = part[part["day"] >= part["channel"].map(active)]
            parts.append(part)
    series = (pd.concat(parts, ignore_index=True) if parts
              else pd.DataFrame(columns=["day", "channel", "metric", "value"]))
    frame = daily_anomalies(series, settings, start=start, end=end)
    return AnomalyReport(frame, settings, spec)


def deliver(webhook: Webhook, document: dict[str, Any]) -> Delivery:
    """POST ``document`` as JSON to the webhook; the outcome (never raises).

    A 2xx answer is delivered; anything else (an HTTP error status, a refused
    connection, a timeout) is reported with its reason.
    """
    body = json.dumps({**document, "sent_at": datetime.now(UTC).isoformat(timespec="seconds")},
                      allow_nan=False, default=str).encode("utf-8")
    request = urllib.request.Request(webhook.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "touchpath-alerts"})
    try:
        with urllib.request.urlopen(request, timeout=webhook.timeout) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return Delivery(webhook.url, False, exc.code,
                        f"the receiver answered HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError):
            text = f"no answer within {webhook.timeout:g} s"
        else:
            text = f"could not reach it: {reason}"
        return Delivery(webhook.url, False, None, text)
    if 200 <= status < 300:
        return Delivery(webhook.url, True, status)
    return Delivery(webhook.url, False, status, f"the receiver answered HTTP {status}")


@dataclass(frozen=True)
class MonitoringSummary:
    """What the report's tracking section shows: the latest plan's pacing, recent anomalies."""

    pacing: Any
    anomalies: AnomalyReport
    days: int
    first_day: date | None
    last_day: date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict: the pacing document (or ``None``) and the flagged anomalies."""
        return {"pacing": None if self.pacing is None else self.pacing.to_dict(),
                "days": self.days,
                "from": None if self.first_day is None else self.first_day.isoformat(),
                "to": None if self.last_day is None else self.last_day.isoformat(),
                "anomaly_rule": self.anomalies.settings.describe(),
                "judged": len(self.anomalies.frame), "anomalies": self.anomalies.records()}


def monitoring(wh: Warehouse, *, days: int = 28, model: str | None = None,
               options: JourneyOptions | None = None, memo: Memo = no_memo) -> MonitoringSummary:
    """The latest recorded plan's pacing and the anomalies of the data's last ``days`` days.

    ``pacing`` is ``None`` when no plan is recorded; the anomalies are judged
    under ``model`` (default the service's) over the last four weeks by default.
    """
    try:
        report = pacing(wh, memo=memo)
    except NoRecordedPlan:
        report = None
    _, last = wh.activity_range()
    first = None if last is None else last - timedelta(days=days - 1)
    found = anomalies(wh, None, model, options, start=first, end=last, memo=memo)
    return MonitoringSummary(report, found, days, first, last)

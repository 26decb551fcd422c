"""Alert rules files (TOML): thresholds on channel metrics, and where to deliver.

``touchpath alerts --rules alerts.toml`` reads a file such as::

    [webhook]                       # optional: POST the alerts as JSON here
    url = "https://hooks.example.com/touchpath"
    timeout = 10                    # seconds (default 10)

    [[alert]]
    name = "search CPA above 45"
    metric = "cpa"                  # spend, revenue, roi, cpa, conversions,
                                    # conversion_rate, pacing
    channel = "search"              # a channel name, or "*" for every channel
    op = ">"                        # <, <=, >, >=
    threshold = 45
    period = "month"                # day, week, month, quarter

Metrics per channel and period: ``spend``; ``revenue`` and ``conversions`` as
attributed by the model; ``roi`` = revenue ÷ spend; ``cpa`` = spend ÷
attributed conversions; ``conversion_rate`` = converting journeys ÷ journeys
touching the channel; ``pacing`` = the channel's quarter spend projected at the
run rate ÷ its spend in the latest recorded plan (period ``quarter`` only).

The ``POST /v1/alerts`` body carries the same rules as JSON (a list of the
``[[alert]]`` tables) or the file's text. Every problem is refused before
anything runs, one line each, naming the origin, the rule (its ``name``, or its
number when it has none) and the field: ``alerts.toml: alert 'search CPA'
(alert 1): metric: unknown metric 'cpc' (metrics: spend, revenue, ...)``.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any
from urllib.parse import urlsplit

from touchpath.errors import InvalidRequest

__all__ = [
    "ALERT_METRICS",
    "ALERT_OPERATORS",
    "ALERT_PERIODS",
    "AlertRule",
    "AlertRules",
    "AlertRulesError",
    "Webhook",
]

#: The metrics a rule may watch.
ALERT_METRICS = ("spend", "revenue", "roi", "cpa", "conversions", "conversion_rate", "pacing")
#: The comparisons of a rule.
ALERT_OPERATORS = ("<", "<=", ">", ">=")
#: The periods a rule is evaluated per.
ALERT_PERIODS = ("day", "week", "month", "quarter")

_KEYS = ("name", "metric", "channel", "op", "threshold", "period")
_WEBHOOK_KEYS = ("url", "timeout")
#: Seconds a webhook delivery may take unless the file says otherwise.
DEFAULT_WEBHOOK_TIMEOUT = 10.0


class AlertRulesError(InvalidRequest):
    """Alert rules that cannot be used: one line per problem (:attr:`problems`)."""

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class AlertRule:
    """One threshold: ``metric`` of ``channel`` per ``period`` ``op`` ``threshold`` fires."""

    name: str
    metric: str
    channel: str
    op: str
    threshold: float
    period: str

    def describe(self) -> str:
        """``cpa of search per month > 45``."""
        who = "every channel" if self.channel == "*" else self.channel
        return f"{self.metric} of {who} per {self.period} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Webhook:
    """Where fired alerts are POSTed as JSON (http or https only)."""

    url: str
    timeout: float = DEFAULT_WEBHOOK_TIMEOUT


def _kind(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", str: "text",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)


def _webhook(table: object, origin: str, problems: list[str]) -> Webhook | None:
    if not isinstance(table, Mapping):
        problems.append(f"{origin}: [webhook] must be a table with url = \"...\", not "
                        f"{_kind(table)}")
        return None
    for key in table:
        if key not in _WEBHOOK_KEYS:
            problems.append(f"{origin}: [webhook]: unknown key {key!r} (allowed: url, timeout)")
    url = table.get("url")
    timeout = table.get("timeout", DEFAULT_WEBHOOK_TIMEOUT)
    ok = True
    if not isinstance(url, str) or not url.strip():
        problems.append(f"{origin}: [webhook]: url: give the address to POST to, as text")
        ok = False
    else:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(f"{origin}: [webhook]: url: only http:// and https:// addresses "
                            f"are delivered to, got {url!r}")
            ok = False
    if (isinstance(timeout, bool) or not isinstance(timeout, int | float)
            or not math.isfinite(timeout) or not 0 < timeout <= 300):
        problems.append(f"{origin}: [webhook]: timeout: seconds from 0 to 300, got {timeout!r}")
        ok = False
    return Webhook(str(url).strip(), float(timeout)) if ok else None


def _rule(number: int, table: object, origin: str, problems: list[str]) -> AlertRule | None:
    if not isinstance(table, Mapping):
        problems.append(f"{origin}: alert {number}: must be a table, not {_kind(table)}")
        return None
    name = table.get("name")
    label = (f"alert {name!r} (alert {number})" if isinstance(name, str) and name.strip()
             else f"alert {number}")
    before = len(problems)

    def bad(field: str, reason: str) -> None:
        problems.append(f"{origin}: {label}: {field}: {reason}")

    for key in table:
        if key not in _KEYS:
            bad(str(key), f"unknown key (allowed: {', '.join(_KEYS)})")
    if not isinstance(name, str) or not name.strip():
        bad("name", "every alert needs a name (text), to say which one fired")
    for field, allowed, what in (("metric", ALERT_METRICS, "metric"),
                                 ("op", ALERT_OPERATORS, "operator"),
                                 ("period", ALERT_PERIODS, "period")):
        value = table.get(field)
        if value is None:
            bad(field, f"missing (one of {', '.join(allowed)})")
        elif value not in allowed:
            bad(field, f"unknown {what} {value!r} ({what}s: {', '.join(allowed)})")
    channel = table.get("channel")
    if not isinstance(channel, str) or not channel.strip():
        bad("channel", "missing: a channel name, or \"*\" for every channel")
    threshold = table.get("threshold")
    if (isinstance(threshold, bool) or not isinstance(threshold, int | float)
            or not math.isfinite(threshold)):
        bad("threshold", f"must be a number, got {threshold!r}")
    if table.get("metric") == "pacing" and table.get("period") not in (None, "quarter"):
        bad("period", "pacing is measured over the recorded plan's quarter: use "
                      "period = \"quarter\"")
    if len(problems) > before:
        return None
    assert isinstance(name, str) and isinstance(channel, str)
    return AlertRule(name.strip(), str(table["metric"]), channel.strip(), str(table["op"]),
                     float(threshold), str(table["period"]))  # type: ignore[arg-type]


@dataclass(frozen=True)
class AlertRules:
    """The rules of an alerts file (or request) and its webhook."""

    rules: tuple[AlertRule, ...]
    webhook: Webhook | None = None
    origin: str = "alert rules"

    @classmethod
    def from_mapping(cls, doc: Mapping[str, Any], origin: str) -> AlertRules:
        """Rules from a parsed document: ``alert`` (a list of tables), optional ``webhook``.

        Raises
        ------
        AlertRulesError
            Every problem, one line each (see the module docstring).
        """
        problems: list[str] = []
        for key in doc:
            if key not in ("alert", "webhook"):
                problems.append(f"{origin}: unknown top-level key {key!r} (an alerts file "
                                "holds [[alert]] tables and an optional [webhook])")
        tables = doc.get("alert", [])
        if not isinstance(tables, list):
            raise AlertRulesError([*problems, f"{origin}: 'alert' must be [[alert]] tables, "
                                              f"not {_kind(tables)}"])
        if not tables:
            raise AlertRulesError([*problems, f"{origin}: no alerts (add [[alert]] tables with "
                                              "name, metric, channel, op, threshold, period)"])
        rules = [_rule(i, t, origin, problems) for i, t in enumerate(tables, start=1)]
        webhook = _webhook(doc["webhook"], origin, problems) if "webhook" in doc else None
        seen: set[str] = set()
        for r in rules:
            if r is not None and r.name in seen:
                problems.append(f"{origin}: alert {r.name!r}: name: used by two alerts; names "
                                "must be unique")
            if r is not None:
                seen.add(r.name)
        if problems:
            raise AlertRulesError(problems)
        return cls(tuple(r for r in rules if r is not None), webhook, origin)

    @classmethod
    def parse(cls, text: str, origin: str) -> AlertRules:
        """Rules from TOML text (``origin`` starts every error line).

        Raises
        ------
        AlertRulesError
            Not TOML (with its line and column), or a bad rule.
        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise AlertRulesError([f"{origin}: not valid TOML: {exc}"]) from None
        return cls.from_mapping(doc, origin)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> AlertRules:
        """Read an alerts file (TOML, UTF-8).

        Raises
        ------
        AlertRulesError
            The file cannot be read, is not UTF-8 TOML, or holds a bad rule.
        """
        origin = str(path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise AlertRulesError([f"{origin}: cannot read the alerts file: "
                                   f"{exc.strerror or exc}"]) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AlertRulesError([f"{origin}: not UTF-8 text (byte {exc.start + 1})"]) from None
        return cls.parse(text, origin)

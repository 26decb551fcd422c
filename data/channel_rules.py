r"""Channel rules: a channel for rows that have a traffic source but no channel.

An exported event log often says where a visit came from (``source``,
``medium``, ``campaign``, ``referrer``: the UTM parameters and the referring
page) without a channel. Touchpath derives the channel by ordered rules.

Rules file
----------
A TOML file of ``[[rule]]`` tables, read in file order::

    # Our own newsletter before anything else.
    [[rule]]
    channel = "Newsletter"
    source = "newsletter|mailchimp"

    [[rule]]
    channel = "Baidu Search Ads"
    source = "baidu|百度"
    medium = "cpc|ppc"

Each rule has ``channel`` (the name the rows get) and at least one of
``source``, ``medium``, ``campaign``, ``referrer``: regular expressions.

Semantics
---------
- A pattern is matched against the whole value (full match, as if written
  ``^(?:pattern)$``) and case-insensitively; ``.`` does not match a newline.
- A missing value (NULL, an absent column) is matched as the empty string:
  ``medium = ""`` catches rows without a medium, and a rule's omitted field
  matches any value.
- A rule matches a row when all its patterns match; the first matching rule
  wins; a row no rule matches gets :data:`OTHER_CHANNEL`, ``(other)``.
- Patterns must be valid for both Python's :mod:`re` (:meth:`ChannelRules.match`)
  and RE2, the engine of DuckDB's ``regexp_full_match``
  (:meth:`ChannelRules.stage`, the path ingest takes). RE2 has no
  look-arounds and no back-references; a pattern either engine refuses is
  refused when the rules are read, with the file, the rule and the reason.
  Write patterns with literal characters, classes and ``|``: ``\d`` and
  ``\w`` mean ASCII in RE2 but any Unicode digit / letter in Python.

The built-in defaults
---------------------
:meth:`ChannelRules.default` reads ``default_channel_rules.toml``, packaged
with Touchpath (``python -c "from touchpath.data.channel_rules import
ChannelRules; print(ChannelRules.default().to_frame())"`` lists them). In
order:

1. The platforms of Chinese e-commerce, each its own channel and, where the
   medium says the touch was paid (or the source is the platform's ad system),
   its own ads channel: Baidu / 360 (so.com) / Sogou search ads; Ocean Engine
   (巨量引擎, ByteDance's ad platform), Douyin, Kuaishou; Xiaohongshu (小红书,
   RED); WeChat (微信, 公众号, 小程序; Tencent Ads / 广点通 as WeChat Ads) and
   Weibo; Taobao / Tmall with Alimama's tools (阿里妈妈: 直通车, 万相台, 引力魔方,
   淘宝客) as Taobao/Tmall Ads; JD (京东; 京准通 as JD Ads); Pinduoduo (拼多多,
   PDD; 多多搜索 / 多多场景 / 多多进宝 as Pinduoduo Ads); then e-mail, SMS and
   app push named in Chinese (邮件, EDM, 短信, 推送 and the push services 极光 /
   个推 / 友盟 ...), and direct visits named in Chinese (直接访问).
2. GA4's default channel groups, in GA4's order and with GA4's conditions, as
   the help page "[GA4] Default channel group" (Google Analytics Help,
   https://support.google.com/analytics/answer/9756891) documents them:
   Direct, Cross-network, Paid Shopping, Paid Search, Paid Social, Paid Video,
   Display, Paid Other, Organic Shopping, Organic Social, Organic Video,
   Organic Search, Referral, Email, Affiliates, Audio, SMS, Mobile Push
   Notifications. GA4 decides "source is a shopping / search / social / video
   site" by internal lists it does not publish; the defaults use regular
   expressions of the major sites, international and Chinese, so a minor site
   may fall elsewhere than in GA4. GA4's paid medium
   ``^(.*cp.*|ppc|retargeting|paid.*)$`` is extended with the Chinese words
   for advertising (广告, 付费, 竞价, 信息流). A GA4 condition read from GA's own
   ad data (the ad network of a Google Ads click) has no counterpart in an
   exported log and is left out.
3. Rows with no source and no medium but a referring page: a search engine's
   page is Organic Search, a social site's is Organic Social, any other page
   is Referral (what GA4 does when it takes the source from the referrer).

``Direct`` (a touch whose source is ``(direct)``: the visitor typed the
address or used a bookmark) is a channel like any other. It is not
Touchpath's ``(direct)`` row (:data:`touchpath.data.paths.DIRECT`), which
counts conversions with no touch at all in their window; a rules file may not
name a channel ``(direct)`` for that reason. GA4 calls a visit no rule
matches "Unassigned"; Touchpath calls it ``(other)``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from os import PathLike
from typing import Any

import duckdb
import pandas as pd

from touchpath.data.paths import DIRECT, PATH_SEP, separator_mark
from touchpath.data.warehouse import load_sql
from touchpath.errors import TouchpathError

__all__ = [
    "DEFAULT_RULES_ORIGIN",
    "FIELDS",
    "OTHER_CHANNEL",
    "ChannelRule",
    "ChannelRules",
    "ChannelRulesError",
]

#: The channel of a row no rule matches (GA4 says "Unassigned").
OTHER_CHANNEL = "(other)"

#: The fields a rule may match, in the order of ``_channel_inputs``.
FIELDS = ("source", "medium", "campaign", "referrer")

#: :attr:`ChannelRules.origin` of the packaged defaults.
DEFAULT_RULES_ORIGIN = "built-in defaults"

_DEFAULT_FILE = "default_channel_rules.toml"
_ALLOWED_KEYS = ("channel", *FIELDS)


class ChannelRulesError(TouchpathError, ValueError):
    """A rules file that cannot be used: one line per problem.

    Each line names the file, the rule (1-based, in ``[[rule]]`` order) and its
    channel, the field and the reason, e.g. ``rules.toml: rule 2 (channel
    'Paid Search'): medium: not a valid regular expression: missing ),
    unterminated subpattern at position 0``. :attr:`problems` holds the lines.
    """

    def __init__(self, problems: list[str] | tuple[str, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class ChannelRule:
    """One rule: the rows it catches get ``channel``.

    Parameters
    ----------
    channel : str
        Channel name given to the rows the rule catches.
    source, medium, campaign, referrer : str or None
        Regular expressions matched in full and case-insensitively against the
        row's value (a missing value as ``""``); ``None`` matches any value.
    """

    channel: str
    source: str | None = None
    medium: str | None = None
    campaign: str | None = None
    referrer: str | None = None

    def patterns(self) -> dict[str, str]:
        """The fields the rule matches, with their patterns (``None`` left out)."""
        return {f: p for f in FIELDS if (p := getattr(self, f)) is not None}


def _label(number: int, channel: object) -> str:
    if isinstance(channel, str) and channel.strip():
        return f"rule {number} (channel {channel!r})"
    return f"rule {number}"


#: What :func:`_pattern_problems` found for each pattern already checked (``None``: fine).
_CHECKED: dict[str, str | None] = {}


def _pattern_problems(patterns: Iterable[object]) -> dict[str, str | None]:
    """Why each pattern cannot be used by Python ``re`` or DuckDB's RE2 (``None``: it can).

    Patterns are compiled by both engines, RE2 on a private in-memory DuckDB
    connection opened only when a pattern has not been checked before.
    """
    todo = {p for p in patterns if isinstance(p, str) and p not in _CHECKED}
    if todo:
        check = load_sql("channel_rule_check")
        with duckdb.connect(":memory:") as conn:
            for pattern in sorted(todo):
                _CHECKED[pattern] = _one_pattern_problem(conn, check, pattern)
    return _CHECKED


def _one_pattern_problem(conn: duckdb.DuckDBPyConnection, check: str,
                         pattern: str) -> str | None:
    try:
        re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    try:
        conn.execute(check, [pattern]).fetchone()
    except duckdb.Error as exc:
        reason = str(exc).removeprefix("Invalid Input Error: ").splitlines()[0]
        return (f"not a valid regular expression for DuckDB (RE2; no look-arounds or"
                f" back-references): {reason}")
    return None


def _channel_problem(channel: object) -> str | None:
    if channel is None:
        return "missing (every rule needs channel = \"...\")"
    if not isinstance(channel, str):
        return f"must be text, not {type(channel).__name__}"
    if not channel.strip():
        return "empty (every rule needs a channel name)"
    mark = separator_mark()
    if mark in channel:
        return (f"contains {mark!r}, the path separator (channels in a path are joined"
                f" by {PATH_SEP!r})")
    if channel.strip() == DIRECT:
        return (f"{DIRECT!r} is Touchpath's row for conversions with no touch; name the"
                f" channel of direct visits \"Direct\"")
    return None


def _rule_problems(number: int, rule: ChannelRule) -> list[str]:
    """Problems of the channel and patterns of ``rule`` (rule ``number``), as lines."""
    label = _label(number, rule.channel)
    out: list[str] = []
    if (why := _channel_problem(rule.channel)) is not None:
        out.append(f"{label}: channel: {why}")
    given = rule.patterns()
    if not given:
        out.append(f"{label}: no pattern: give at least one of {', '.join(FIELDS)}")
    for name, pattern in given.items():
        if not isinstance(pattern, str):
            out.append(f"{label}: {name}: must be a text pattern, not"
                       f" {type(pattern).__name__}")
        elif (why := _pattern_problems([pattern])[pattern]) is not None:
            out.append(f"{label}: {name}: {why}")
    return out


def _toml_type(value: object) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list",
             dict: "a table"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class ChannelRules:
    """Ordered, immutable channel rules; the first rule that matches a row wins.

    Parameters
    ----------
    rules : tuple of ChannelRule
        The rules in order.
    origin : str
        Where they come from: the file's path, or ``"built-in defaults"``.
        Error messages start with it.

    Raises
    ------
    ChannelRulesError
        When there is no rule, or a rule has no channel, no pattern or a
        pattern Python or DuckDB cannot compile.

    See Also
    --------
    touchpath.data.channel_rules : the file format and the semantics.
    """

    rules: tuple[ChannelRule, ...]
    origin: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        if not self.rules:
            raise ChannelRulesError([f"{self.origin}: no rules (add [[rule]] tables, each"
                                     f" with channel = \"...\" and a pattern)"])
        _pattern_problems(p for rule in self.rules for p in rule.patterns().values())
        problems = [f"{self.origin}: {line}"
                    for n, rule in enumerate(self.rules, start=1)
                    for line in _rule_problems(n, rule)]
        if problems:
            raise ChannelRulesError(problems)

    # -- reading ---------------------------------------------------------------

    @classmethod
    def default(cls) -> ChannelRules:
        """The built-in rules: Chinese e-commerce platforms, then GA4's default channel groups.

        Read from the packaged ``default_channel_rules.toml`` (see the module
        docstring for what it holds and in which order).
        """
        return _default_rules()

    @classmethod
    def load(cls, path: str | PathLike[str]) -> ChannelRules:
        """Read a rules file (TOML, UTF-8).

        Parameters
        ----------
        path : str or path-like
            The rules file.

        Raises
        ------
        ChannelRulesError
            The file cannot be read, is not TOML, or holds a bad rule.
        """
        origin = str(path)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise ChannelRulesError([f"{origin}: cannot read the channel rules file:"
                                     f" {exc.strerror or exc}"]) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ChannelRulesError([f"{origin}: not UTF-8 text (byte {exc.start + 1})"]) from None
        return cls.parse(text, origin)

    @classmethod
    def parse(cls, text: str, origin: str) -> ChannelRules:
        """Read rules from TOML text.

        Parameters
        ----------
        text : str
            The TOML text: ``[[rule]]`` tables.
        origin : str
            Where the text comes from (a file path): every error line starts
            with it.

        Raises
        ------
        ChannelRulesError
            With one line per problem: TOML syntax (with its line and
            column), an unknown key, a pattern that is not text or not a valid
            regular expression, a rule with no pattern, a missing, empty or
            refused channel name, no rules at all.
        """
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ChannelRulesError([f"{origin}: not valid TOML: {exc}"]) from None
        problems: list[str] = []
        for key in doc:
            if key != "rule":
                problems.append(f"{origin}: unknown top-level key {key!r} (a rules file"
                                f" holds only [[rule]] tables)")
        tables = doc.get("rule", [])
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            raise ChannelRulesError([*problems, f"{origin}: 'rule' must be [[rule]] tables,"
                                                f" not {_toml_type(tables)}"])
        if not tables:
            raise ChannelRulesError([*problems, f"{origin}: no rules (add [[rule]] tables, each"
                                                f" with channel = \"...\" and a pattern)"])
        _pattern_problems(v for t in tables for k, v in t.items() if k in FIELDS)
        rules: list[ChannelRule] = []
        for number, table in enumerate(tables, start=1):
            label = _label(number, table.get("channel"))
            for key in table:
                if key not in _ALLOWED_KEYS:
                    problems.append(f"{origin}: {label}: unknown key {key!r} (allowed:"
                                    f" {', '.join(_ALLOWED_KEYS)})")
            patterns: dict[str, str] = {}
            for name in FIELDS:
                value = table.get(name)
                if value is None or isinstance(value, str):
                    if value is not None:
                        patterns[name] = value
                else:
                    problems.append(f"{origin}: {label}: {name}: must be a text pattern"
                                    f" (a quoted string), not {_toml_type(value)}")
            channel = table.get("channel")
            rule = ChannelRule(channel.strip() if isinstance(channel, str) else channel,
                               **patterns)
            rules.append(rule)
            lines = _rule_problems(number, rule)
            if any(key not in ("channel", *patterns) for key in table):
                # A pattern given but not as text, or a misspelt key: said above.
                lines = [ln for ln in lines if ": no pattern:" not in ln]
            problems.extend(f"{origin}: {line}" for line in lines)
        if problems:
            raise ChannelRulesError(problems)
        return cls(tuple(rules), origin)

    # -- matching --------------------------------------------------------------

    @cached_property
    def _compiled(self) -> tuple[tuple[str, tuple[tuple[int, re.Pattern[str]], ...]], ...]:
        index = {name: i for i, name in enumerate(FIELDS)}
        return tuple(
            (rule.channel,
             tuple((index[f], re.compile(p, re.IGNORECASE)) for f, p in rule.patterns().items()))
            for rule in self.rules)

    def first_rule(self, source: object = None, medium: object = None, campaign: object = None,
              referrer: object = None) -> int | None:
        """The number (1-based) of the first rule matching these values, or ``None``."""
        values = tuple("" if v is None else str(v) for v in (source, medium, campaign, referrer))
        for number, (_, patterns) in enumerate(self._compiled, start=1):
            if all(p.fullmatch(values[i]) for i, p in patterns):
                return number
        return None

    def match(self, source: object = None, medium: object = None, campaign: object = None,
              referrer: object = None) -> str:
        """The channel of one row: the first matching rule's, else ``(other)``.

        Parameters
        ----------
        source, medium, campaign, referrer : str or None
            The row's values; ``None`` is matched as ``""``.

        Returns
        -------
        str
            The channel.

        Examples
        --------
        >>> rules = ChannelRules.default()
        >>> rules.match("baidu", "cpc"), rules.match("google", "organic")
        ('Baidu Search Ads', 'Organic Search')
        >>> rules.match("nowhere", "nothing")
        '(other)'
        """
        number = self.first_rule(source, medium, campaign, referrer)
        return OTHER_CHANNEL if number is None else self.rules[number - 1].channel

    # -- SQL ---------------------------------------------------------------------

    def stage(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Build the temp table ``_channel_map`` from the temp view ``_channel_inputs``.

        ``_channel_inputs(source, medium, campaign, referrer)`` (text, NULL
        allowed, duplicates expected) must exist on ``cur``. The result holds
        one row per distinct combination (NULLs equal to each other):
        ``_channel_map(source, medium, campaign, referrer, channel, rows)``,
        ``rows`` = how many input rows had it. Only the distinct combinations
        are matched (DuckDB ``regexp_full_match`` with option ``'i'``), so
        millions of rows with few distinct traffic sources stage fast. The
        rules go in as rows of the temp table ``_channel_rules`` and as the
        bound parameters of one statement per rule, which catches the
        combinations no earlier rule caught (``data/sql/channel_*.sql``); a
        pattern bound as a parameter is compiled once per statement.

        Parameters
        ----------
        cur : duckdb.DuckDBPyConnection
            The cursor holding ``_channel_inputs``; :meth:`drop` removes what
            this makes.
        """
        cur.execute(load_sql("channel_rules_table"))
        cur.execute(load_sql("channel_rules_insert"), {
            "channels": [rule.channel for rule in self.rules],
            **{f"{f}s": [getattr(rule, f) for rule in self.rules] for f in FIELDS},
        })
        cur.execute(load_sql("channel_combos"))
        apply = load_sql("channel_rule_apply")
        for n, rule in enumerate(self.rules, start=1):
            cur.execute(apply, {"rule_no": n, **{f: getattr(rule, f) for f in FIELDS}})
        cur.execute(load_sql("channel_map"), {"other": OTHER_CHANNEL})

    @staticmethod
    def drop(cur: duckdb.DuckDBPyConnection) -> None:
        """Drop the temp tables :meth:`stage` made (``_channel_map`` and its helpers)."""
        cur.execute(load_sql("channel_rules_drop"))

    # -- showing -----------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        """The rules as records: ``rule`` (1-based), ``channel`` and the four patterns."""
        return [{"rule": n, "channel": r.channel, **{f: getattr(r, f) for f in FIELDS}}
                for n, r in enumerate(self.rules, start=1)]

    def to_frame(self) -> pd.DataFrame:
        """The rules as a table, one row per rule in order (``None`` = any value)."""
        return pd.DataFrame(self.rows(), columns=["rule", "channel", *FIELDS])

    def channels(self) -> tuple[str, ...]:
        """The distinct channel names the rules give, in first-rule order."""
        return tuple(dict.fromkeys(r.channel for r in self.rules))

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        return f"ChannelRules({len(self.rules)} rules from {self.origin!r})"


@cache
def _default_rules() -> ChannelRules:
    text = resources.files("touchpath.data").joinpath(_DEFAULT_FILE).read_text(encoding="utf-8")
    return ChannelRules.parse(text, DEFAULT_RULES_ORIGIN)


"""Channel rules: the file format, its errors, the built-in defaults, Python vs SQL.

The expected channel of every case below is what the rule set's documentation
says a marketer would file that traffic under, written here by hand; the test
then checks that the defaults give it, in Python (``match``) and in SQL
(``stage``), and that every default rule catches at least one case.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from touchpath.data.channel_rules import (
    DEFAULT_RULES_ORIGIN,
    OTHER_CHANNEL,
    ChannelRule,
    ChannelRules,
    ChannelRulesError,
)

# (source, medium, campaign, referrer) -> expected channel.
CASES: list[tuple[str | None, str | None, str | None, str | None, str]] = [
    # -- Baidu / 360 / Sogou search ads
    ("fengchao", None, None, None, "Baidu Search Ads"),
    ("百度推广", "", None, None, "Baidu Search Ads"),
    ("e.baidu.com", "referral", None, None, "Baidu Search Ads"),
    ("baidu", "cpc", None, None, "Baidu Search Ads"),
    ("m.baidu.com", "PPC", "brand", None, "Baidu Search Ads"),
    ("百度", "竞价", None, None, "Baidu Search Ads"),
    ("baidu", "organic", None, None, "Organic Search"),
    ("dianjing", None, None, None, "360 Search Ads"),
    ("360点睛", "cpc", None, None, "360 Search Ads"),
    ("so.com", "cpc", None, None, "360 Search Ads"),
    ("360搜索", "付费搜索", None, None, "360 Search Ads"),
    ("www.so.com", "organic", None, None, "Organic Search"),
    ("搜狗推广", None, None, None, "Sogou Search Ads"),
    ("sogou ads", "referral", None, None, "Sogou Search Ads"),
    ("sogou", "cpc", None, None, "Sogou Search Ads"),
    ("m.sogou.com", "paid_search", None, None, "Sogou Search Ads"),
    ("搜狗", None, None, None, "Organic Search"),
    # -- ByteDance: Ocean Engine, Douyin
    ("oceanengine", None, None, None, "Ocean Engine"),
    ("巨量千川", "cpm", None, None, "Ocean Engine"),
    ("ad.oceanengine.com", "social", None, None, "Ocean Engine"),
    ("toutiao", "cpc", None, None, "Ocean Engine"),
    ("今日头条", "信息流广告", None, None, "Ocean Engine"),
    ("douyin", "cpc", None, None, "Douyin Ads"),
    ("抖音", "paid_social", None, None, "Douyin Ads"),
    ("douyin", "social", None, None, "Douyin"),
    ("抖音", None, None, None, "Douyin"),
    ("www.douyin.com", "referral", None, None, "Douyin"),
    # -- Kuaishou
    ("磁力金牛", None, None, None, "Kuaishou Ads"),
    ("e.kuaishou.com", "cpc", None, None, "Kuaishou Ads"),
    ("kuaishou", "cpm", None, None, "Kuaishou Ads"),
    ("快手", "广告", None, None, "Kuaishou Ads"),
    ("kuaishou", "live", None, None, "Kuaishou"),
    ("快手", None, None, None, "Kuaishou"),
    # -- Xiaohongshu
    ("聚光", None, None, None, "Xiaohongshu Ads"),
    ("pugongying", "kol", None, None, "Xiaohongshu Ads"),
    ("xhs", "cpc", None, None, "Xiaohongshu Ads"),
    ("小红书", "付费", None, None, "Xiaohongshu Ads"),
    ("RED", "note", None, None, "Xiaohongshu"),
    ("xhslink.com", None, None, None, "Xiaohongshu"),
    ("小红书", "social", None, None, "Xiaohongshu"),
    # -- WeChat / Weibo
    ("广点通", None, None, None, "WeChat Ads"),
    ("tencent ads", "cpm", None, None, "WeChat Ads"),
    ("wechat", "cpc", None, None, "WeChat Ads"),
    ("朋友圈", "广告", None, None, "WeChat Ads"),
    ("weixin", "social", None, None, "WeChat"),
    ("mp.weixin.qq.com", "referral", None, None, "WeChat"),
    ("公众号", None, None, None, "WeChat"),
    ("小程序", "share", None, None, "WeChat"),
    ("粉丝通", None, None, None, "Weibo Ads"),
    ("weibo ads", "social", None, None, "Weibo Ads"),
    ("weibo", "cpc", None, None, "Weibo Ads"),
    ("微博", "paid", None, None, "Weibo Ads"),
    ("weibo.com", "social", None, None, "Weibo"),
    ("t.cn", None, None, None, "Weibo"),
    ("微博", "", None, None, "Weibo"),
    # -- Taobao / Tmall / Alimama
    ("直通车", None, None, None, "Taobao/Tmall Ads"),
    ("万相台", "", None, None, "Taobao/Tmall Ads"),
    ("alimama", "cps", None, None, "Taobao/Tmall Ads"),
    ("阿里妈妈", None, None, None, "Taobao/Tmall Ads"),
    ("淘宝客", "affiliate", None, None, "Taobao/Tmall Ads"),
    ("taobao", "cpc", None, None, "Taobao/Tmall Ads"),
    ("天猫", "付费推广", None, None, "Taobao/Tmall Ads"),
    ("taobao", "organic", None, None, "Taobao/Tmall"),
    ("detail.tmall.com", "referral", None, None, "Taobao/Tmall"),
    ("手淘", None, None, None, "Taobao/Tmall"),
    # -- JD
    ("京准通", None, None, None, "JD Ads"),
    ("jzt", "cpc", None, None, "JD Ads"),
    ("jd", "cpc", None, None, "JD Ads"),
    ("京东", "广告", None, None, "JD Ads"),
    ("jd.com", "referral", None, None, "JD"),
    ("item.jd.com", None, None, None, "JD"),
    ("京东", "", None, None, "JD"),
    # -- Pinduoduo
    ("多多搜索", None, None, None, "Pinduoduo Ads"),
    ("多多进宝", "affiliate", None, None, "Pinduoduo Ads"),
    ("pdd", "cpc", None, None, "Pinduoduo Ads"),
    ("拼多多", "竞价", None, None, "Pinduoduo Ads"),
    ("pinduoduo", "social", None, None, "Pinduoduo"),
    ("mobile.yangkeduo.com", None, None, None, "Pinduoduo"),
    ("拼多多", None, None, None, "Pinduoduo"),
    # -- e-mail / SMS / push / direct named in Chinese
    ("newsletter", "EDM", None, None, "Email"),
    ("会员", "邮件", None, None, "Email"),
    ("邮件营销", None, None, None, "Email"),
    ("edm", "", None, None, "Email"),
    ("会员", "短信", None, None, "SMS"),
    ("营销短信", None, None, None, "SMS"),
    ("app", "推送", None, None, "Mobile Push Notifications"),
    ("jpush", None, None, None, "Mobile Push Notifications"),
    ("个推", "", None, None, "Mobile Push Notifications"),
    ("huawei push", "notice", None, None, "Mobile Push Notifications"),
    ("直接访问", None, None, None, "Direct"),
    ("直达", "(none)", None, None, "Direct"),
    # -- GA4: Direct, Cross-network
    ("(direct)", "(none)", None, None, "Direct"),
    ("(direct)", "(not set)", None, None, "Direct"),
    ("(DIRECT)", None, None, None, "Direct"),
    ("(direct)", "cpc", None, None, "Paid Other"),
    ("google", "cpc", "spring cross-network pmax", None, "Cross-network"),
    ("partner", "cpc", "spring cross-network pmax", None, "Cross-network"),
    (None, None, "Cross-Network", None, "Cross-network"),
    # -- GA4: paid groups
    ("amazon", "cpc", None, None, "Paid Shopping"),
    ("www.amazon.co.uk", "paid", None, None, "Paid Shopping"),
    ("唯品会", "retargeting", None, None, "Paid Shopping"),
    ("partner", "cpc", "summer_shopping", None, "Paid Shopping"),
    ("partner", "ppc", "eshop-sale", None, "Paid Shopping"),
    ("google", "cpc", None, None, "Paid Search"),
    ("bing", "paidsearch", None, None, "Paid Search"),
    ("m.sm.cn", "cpc", None, None, "Paid Search"),
    ("谷歌", "付费", None, None, "Paid Search"),
    ("facebook", "cpc", None, None, "Paid Social"),
    ("l.instagram.com", "paid_social", None, None, "Paid Social"),
    ("知乎", "cpc", None, None, "Paid Social"),
    ("youtube", "cpv", None, None, "Paid Video"),
    ("bilibili", "cpc", None, None, "Paid Video"),
    ("哔哩哔哩", "广告", None, None, "Paid Video"),
    ("v.qq.com", "cpc", None, None, "Paid Video"),
    ("news-site", "display", None, None, "Display"),
    ("dsp", "CPM", None, None, "Display"),
    ("partner", "banner", None, None, "Display"),
    ("partner", "cpa", None, None, "Paid Other"),
    ("newsletter-network", "paid", None, None, "Paid Other"),
    ("network", "信息流", None, None, "Paid Other"),
    # -- GA4: organic groups
    ("ebay", None, None, None, "Organic Shopping"),
    ("得物", "referral", None, None, "Organic Shopping"),
    ("partner", "referral", "shopping-week", None, "Organic Shopping"),
    (None, None, "shop", None, "Organic Shopping"),
    ("facebook.com", "referral", None, None, "Organic Social"),
    ("t.co", None, None, None, "Organic Social"),
    ("豆瓣", None, None, None, "Organic Social"),
    ("qq", "share", None, None, "Organic Social"),
    ("forum", "social-network", None, None, "Organic Social"),
    ("forum", "SM", None, None, "Organic Social"),
    ("youtube.com", "referral", None, None, "Organic Video"),
    ("优酷", None, None, None, "Organic Video"),
    ("partner", "video-embed", None, None, "Organic Video"),
    ("partner", "短视频", None, None, "Organic Video"),
    ("google", "organic", None, None, "Organic Search"),
    ("www.google.com.hk", "referral", None, None, "Organic Search"),
    ("duckduckgo", None, None, None, "Organic Search"),
    ("必应", None, None, None, "Organic Search"),
    ("startpage-like", "organic", None, None, "Organic Search"),
    ("portal", "自然搜索", None, None, "Organic Search"),
    # -- GA4: the rest
    ("blog.example.com", "referral", None, None, "Referral"),
    ("partner", "app", None, None, "Referral"),
    ("email", None, None, None, "Email"),
    ("e-mail", "newsletter", None, None, "Email"),
    ("crm", "email", None, None, "Email"),
    ("crm", "E_Mail", None, None, "Email"),
    ("partner", "affiliate", None, None, "Affiliates"),
    ("podcast", "audio", None, None, "Audio"),
    ("sms", None, None, None, "SMS"),
    ("crm", "sms", None, None, "SMS"),
    ("crm", "web-push", None, None, "Mobile Push Notifications"),
    ("crm", "mobile_notification", None, None, "Mobile Push Notifications"),
    ("firebase", None, None, None, "Mobile Push Notifications"),
    # -- referrer only
    (None, None, None, "https://www.google.com/search?q=shoes", "Organic Search"),
    ("", "", None, "https://www.baidu.com/s?wd=鞋", "Organic Search"),
    (None, None, None, "https://m.facebook.com/", "Organic Social"),
    (None, None, None, "http://t.co/abc", "Organic Social"),
    (None, None, None, "https://blog.example.com/post", "Referral"),
    (None, None, None, "https://weibo.com/u/1", "Referral"),
    # -- nothing catches these
    (None, None, None, None, OTHER_CHANNEL),
    ("", "", "", "", OTHER_CHANNEL),
    ("partner", "newsletter", None, None, OTHER_CHANNEL),
    ("(direct)", "", "", "https://x.example/", "Direct"),
    ("googleads", "banner-ish", None, None, OTHER_CHANNEL),
    ("360buy-like", "none", None, None, OTHER_CHANNEL),
]


@pytest.fixture(scope="module")
def defaults() -> ChannelRules:
    return ChannelRules.default()


def _staged(rules: ChannelRules, rows, cur: duckdb.DuckDBPyConnection | None = None,
            ) -> tuple[duckdb.DuckDBPyConnection, dict]:
    """Stage ``rows`` with ``rules`` (on ``cur``, else a new connection): the map by values."""
    cur = cur or duckdb.connect(":memory:")
    cur.execute("CREATE OR REPLACE TEMP TABLE t (source VARCHAR, medium VARCHAR,"
                " campaign VARCHAR, referrer VARCHAR)")
    if rows:
        cur.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", [list(r) for r in rows])
    cur.execute("CREATE OR REPLACE TEMP VIEW _channel_inputs AS SELECT * FROM t")
    rules.stage(cur)
    out = {tuple(r[:4]): (r[4], r[5]) for r in
           cur.execute("SELECT source, medium, campaign, referrer, channel, rows"
                       " FROM _channel_map").fetchall()}
    return cur, out


# -- the defaults, case by case -----------------------------------------------------


@pytest.mark.parametrize("source, medium, campaign, referrer, expected", CASES)
def test_default_rules_give_the_expected_channel(defaults, source, medium, campaign,
                                                 referrer, expected):
    assert defaults.match(source, medium, campaign, referrer) == expected


def test_every_default_rule_catches_a_case_with_its_own_channel(defaults):
    caught: dict[int, list[tuple]] = {}
    for *values, expected in CASES:
        number = defaults.first_rule(*values)
        if number is not None:
            assert defaults.rules[number - 1].channel == expected, values
            caught.setdefault(number, []).append(tuple(values))
    missing = [n for n in range(1, len(defaults) + 1) if n not in caught]
    assert missing == [], f"rules without a test case: {missing}"


def test_sql_stage_agrees_with_python_on_every_case(defaults):
    rows = [tuple(c[:4]) for c in CASES]
    cur, staged = _staged(defaults, rows)
    for *values, expected in CASES:
        channel, count = staged[tuple(values)]
        assert channel == expected, values
        assert count == rows.count(tuple(values))


def test_rule_order_decides(defaults):
    # The Chinese platforms come before GA4's generic groups ...
    assert defaults.match("baidu", "cpc") == "Baidu Search Ads"
    assert defaults.match("douyin", "cpc") == "Douyin Ads"
    # ... and GA4's own order holds among its groups.
    assert defaults.match("google", "cpc") == "Paid Search"
    assert defaults.match("google", "organic") == "Organic Search"
    assert defaults.match("google", "email") == "Organic Search"   # search site before Email
    assert defaults.match("google", "cpm") == "Paid Search"        # Paid Search before Display
    assert defaults.match("partner", "cpm") == "Display"           # Display before Paid Other
    assert defaults.match("email", "referral") == "Referral"       # Referral before Email


def test_matching_is_full_and_case_insensitive():
    rules = ChannelRules((ChannelRule("Search", source="google"),), "t")
    assert rules.match("GOOGLE") == "Search"
    assert rules.match("Google") == "Search"
    assert rules.match("google.com") == OTHER_CHANNEL     # full match, not a search
    assert rules.match("xgoogle") == OTHER_CHANNEL


def test_missing_values_match_as_the_empty_string():
    rules = ChannelRules((ChannelRule("No medium", medium=""),
                          ChannelRule("Any", source=".*")), "t")
    assert rules.match("x", None) == "No medium"
    assert rules.match("x", "") == "No medium"
    assert rules.match("x", "cpc") == "Any"
    assert rules.match(None, "cpc") == "Any"              # '.*' matches the empty string
    _, staged = _staged(rules, [("x", None, None, None), ("x", "", None, None),
                                ("x", "cpc", None, None)])
    assert staged[("x", None, None, None)] == ("No medium", 1)
    assert staged[("x", "", None, None)] == ("No medium", 1)
    assert staged[("x", "cpc", None, None)] == ("Any", 1)


def test_a_rule_needs_all_its_patterns():
    rules = ChannelRules((ChannelRule("Both", source="a", medium="b"),), "t")
    assert rules.match("a", "b") == "Both"
    assert rules.match("a", "c") == OTHER_CHANNEL
    assert rules.match("c", "b") == OTHER_CHANNEL


# -- Python and SQL agree --------------------------------------------------------

_TOKENS = ["", "google", "Google.com", "baidu", "百度", "m.baidu.com", "cpc", "CPC", "organic",
           "(direct)", "(none)", "email", "e mail", "淘宝", "直通车", "douyin", "抖音", "social",
           "sm", "push", "app", "shop", "eshop", "cross-network", "https://www.google.com/x",
           "https://blog.example/", "小红书", "京东", "pdd", "sms", "短信", "referral", "video"]
_value = st.one_of(st.none(), st.sampled_from(_TOKENS),
                   st.text(alphabet="abcdeghlmnoprstuvwx.-_ ()淘宝百度抖音东京", max_size=12),
                   st.builds(lambda a, b: a + b, st.sampled_from(_TOKENS),
                             st.sampled_from(_TOKENS)))
_row = st.tuples(_value, _value, _value, _value)


@pytest.fixture(scope="module")
def shared_cur():
    with duckdb.connect(":memory:") as cur:
        yield cur


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(_row, min_size=1, max_size=25))
def test_sql_and_python_agree_on_generated_rows(defaults, shared_cur, rows):
    _, staged = _staged(defaults, rows, shared_cur)
    assert len(staged) == len(set(rows))
    for row in set(rows):
        channel, count = staged[row]
        assert channel == defaults.match(*row), row
        assert count == rows.count(row)


# -- _channel_map --------------------------------------------------------------


def test_channel_map_has_one_row_per_distinct_combination_nulls_together(defaults):
    rows = [("baidu", "cpc", None, None)] * 3 + [("baidu", "cpc", "", None)] * 2 + [
        (None, None, None, None)] * 4 + [("google", "organic", None, None)]
    cur, staged = _staged(defaults, rows)
    assert staged == {
        ("baidu", "cpc", None, None): ("Baidu Search Ads", 3),
        ("baidu", "cpc", "", None): ("Baidu Search Ads", 2),   # '' and NULL stay apart
        (None, None, None, None): (OTHER_CHANNEL, 4),
        ("google", "organic", None, None): ("Organic Search", 1),
    }
    assert cur.execute("SELECT sum(rows) FROM _channel_map").fetchone()[0] == 10
    cols = [r[0] for r in cur.execute("DESCRIBE _channel_map").fetchall()]
    assert cols == ["source", "medium", "campaign", "referrer", "channel", "rows"]


def test_stage_of_no_rows_and_drop_leaves_nothing(defaults):
    cur, staged = _staged(defaults, [])
    assert staged == {}
    ChannelRules.drop(cur)
    temp = {r[0] for r in cur.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
    assert temp == {"t"}
    ChannelRules.drop(cur)                              # dropping twice is harmless


def test_patterns_go_in_as_data_not_sql():
    tricky = "x'); DROP TABLE t; --"
    rules = ChannelRules((ChannelRule("Quote's", source=".*'.*"),
                          ChannelRule("Injected", source=tricky.replace("(", r"\(")
                                      .replace(")", r"\)")),), "t")
    _, staged = _staged(rules, [(tricky, None, None, None), ("plain", None, None, None)])
    assert staged[(tricky, None, None, None)] == ("Quote's", 1)
    assert staged[("plain", None, None, None)] == (OTHER_CHANNEL, 1)


def test_a_million_rows_stage(defaults):
    cur = duckdb.connect(":memory:")
    cur.execute("""
        CREATE TEMP VIEW _channel_inputs AS
        SELECT (['baidu', 'google', '抖音', 'taobao', '(direct)', NULL])[1 + i % 6] AS source,
               (['cpc', 'organic', NULL, '(none)', 'email'])[1 + i % 5] AS medium,
               'c' || (i % 7) AS campaign,
               NULL::VARCHAR AS referrer
        FROM range(1000000) AS r(i)
    """)
    defaults.stage(cur)
    n, total = cur.execute("SELECT count(*), sum(rows) FROM _channel_map").fetchone()
    assert (n, total) == (6 * 5 * 7, 1_000_000)         # 6, 5, 7 coprime: all combinations
    by = dict(cur.execute("SELECT source || '/' || coalesce(medium, ''), any_value(channel)"
                          " FROM _channel_map GROUP BY ALL").fetchall())
    assert by["baidu/cpc"] == "Baidu Search Ads"
    assert by["抖音/"] == "Douyin"
    assert by["taobao/cpc"] == "Taobao/Tmall Ads"
    assert by["(direct)/(none)"] == "Direct"
    assert by["google/email"] == "Organic Search"


# -- files -----------------------------------------------------------------------


def test_defaults_are_the_packaged_file_with_its_origin(defaults):
    assert defaults.origin == DEFAULT_RULES_ORIGIN
    frame = defaults.to_frame()
    assert list(frame.columns) == ["rule", "channel", "source", "medium", "campaign",
                                   "referrer"]
    assert list(frame["rule"]) == list(range(1, len(defaults) + 1))
    assert frame.iloc[0]["channel"] == "Baidu Search Ads"
    assert {"Direct", "Paid Search", "Organic Search", "Email", "SMS", "Referral",
            "Mobile Push Notifications", "WeChat", "JD", "Pinduoduo",
            "Taobao/Tmall"} <= set(defaults.channels())


def test_a_user_file_replaces_the_defaults(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("""
# Our own newsletter, then everything from Baidu as one channel.
[[rule]]
channel = "Newsletter"
source = "newsletter|mailchimp"

[[rule]]
channel = "Baidu"
source = 'baidu|百度'

[[rule]]
channel = "Rest"
medium = '.*'
""", encoding="utf-8")
    rules = ChannelRules.load(path)
    assert rules.origin == str(path)
    assert [r.channel for r in rules.rules] == ["Newsletter", "Baidu", "Rest"]
    assert rules.match("MailChimp", "email") == "Newsletter"
    assert rules.match("baidu", "cpc") == "Baidu"           # the defaults say Baidu Search Ads
    assert rules.match("百度", "organic") == "Baidu"
    assert rules.match("google", "organic") == "Rest"
    _, staged = _staged(rules, [("百度", "organic", None, None)])
    assert staged[("百度", "organic", None, None)] == ("Baidu", 1)


def _error(text: str, origin: str = "rules.toml") -> str:
    with pytest.raises(ChannelRulesError) as info:
        ChannelRules.parse(text, origin)
    return str(info.value)


def test_toml_syntax_error_names_line_and_column():
    msg = _error('[[rule]]\nchannel = "A"\nsource = google\n')
    assert msg.startswith("rules.toml: not valid TOML:")
    assert "line 3" in msg and "column 10" in msg
    assert "\n" not in msg


def test_unknown_key_names_the_allowed_ones():
    msg = _error('[[rule]]\nchannel = "A"\nsource = "a"\n\n[[rule]]\nchannel = "B"\n'
                 'sourse = "b"\n')
    assert msg == ("rules.toml: rule 2 (channel 'B'): unknown key 'sourse' (allowed: channel,"
                   " source, medium, campaign, referrer)")


def test_unknown_top_level_key():
    msg = _error('rules = 1\n[[rule]]\nchannel = "A"\nsource = "a"\n')
    assert msg == ("rules.toml: unknown top-level key 'rules' (a rules file holds only"
                   " [[rule]] tables)")


def test_pattern_that_is_not_text():
    msg = _error('[[rule]]\nchannel = "A"\nmedium = 5\n')
    assert msg == "rules.toml: rule 1 (channel 'A'): medium: must be a text pattern (a quoted" \
                  " string), not a number"
    msg = _error('[[rule]]\nchannel = "A"\nsource = ["a", "b"]\n')
    assert msg.endswith("source: must be a text pattern (a quoted string), not a list")


def test_rule_without_any_pattern():
    msg = _error('[[rule]]\nchannel = "A"\n')
    assert msg == ("rules.toml: rule 1 (channel 'A'): no pattern: give at least one of source,"
                   " medium, campaign, referrer")


@pytest.mark.parametrize("channel_line, reason", [
    ("", "rule 1: channel: missing (every rule needs channel = \"...\")"),
    ('channel = ""', "rule 1: channel: empty (every rule needs a channel name)"),
    ('channel = "   "', "rule 1: channel: empty (every rule needs a channel name)"),
    ("channel = 3", "rule 1: channel: must be text, not int"),
    ('channel = "search > email"', "rule 1 (channel 'search > email'): channel: contains '>',"
                                   " the path separator (channels in a path are joined by"
                                   " ' > ')"),
    ('channel = "(direct)"', "rule 1 (channel '(direct)'): channel: '(direct)' is Touchpath's"
                             " row for conversions with no touch; name the channel of direct"
                             " visits \"Direct\""),
])
def test_bad_channel(channel_line, reason):
    assert _error(f'[[rule]]\n{channel_line}\nsource = "a"\n') == f"rules.toml: {reason}"


def test_invalid_python_regex():
    msg = _error('[[rule]]\nchannel = "A"\nsource = "(cpc"\n')
    assert msg.startswith("rules.toml: rule 1 (channel 'A'): source: not a valid regular"
                          " expression: missing ), unterminated subpattern")


def test_regex_python_accepts_but_re2_refuses():
    msg = _error("[[rule]]\nchannel = \"A\"\nreferrer = '(?!.*internal).*'\n")
    assert msg.startswith("rules.toml: rule 1 (channel 'A'): referrer: not a valid regular"
                          " expression for DuckDB (RE2; no look-arounds or back-references):")
    msg = _error("[[rule]]\nchannel = \"A\"\ncampaign = '(a)\\1'\n")
    assert msg.startswith("rules.toml: rule 1 (channel 'A'): campaign: not a valid regular"
                          " expression for DuckDB (RE2")


def test_no_rules_at_all():
    assert _error("") == ("rules.toml: no rules (add [[rule]] tables, each with channel ="
                          " \"...\" and a pattern)")
    assert _error("# only a comment\n").startswith("rules.toml: no rules")
    assert _error('rule = "x"\n') == "rules.toml: 'rule' must be [[rule]] tables, not str"


def test_every_problem_gets_its_line():
    msg = _error('[[rule]]\nchannel = "A"\nsource = "(a"\n\n[[rule]]\nchannel = ""\n'
                 'medium = "x"\nextra = 1\n')
    assert msg.splitlines() == [
        "rules.toml: rule 1 (channel 'A'): source: not a valid regular expression: missing ),"
        " unterminated subpattern at position 0",
        "rules.toml: rule 2: unknown key 'extra' (allowed: channel, source, medium, campaign,"
        " referrer)",
        "rules.toml: rule 2: channel: empty (every rule needs a channel name)",
    ]


def test_load_names_the_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ChannelRulesError, match=r"nope\.toml: cannot read the channel rules"
                                                r" file: No such file or directory"):
        ChannelRules.load(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nchannel = "A"\nsource = "(?<=x)y"\n', encoding="utf-8")
    with pytest.raises(ChannelRulesError) as info:
        ChannelRules.load(bad)
    assert str(info.value).startswith(f"{bad}: rule 1 (channel 'A'): source: not a valid")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[rule]]\nchannel = "Caf\u00e9"\nsource = "a"\n'.encode("latin-1"))
    with pytest.raises(ChannelRulesError, match=r"latin\.toml: not UTF-8 text"):
        ChannelRules.load(latin)


def test_rules_built_in_code_are_checked_too():
    with pytest.raises(ChannelRulesError, match=r"^here: rule 2 \(channel 'B'\): no pattern"):
        ChannelRules((ChannelRule("A", source="a"), ChannelRule("B")), "here")
    with pytest.raises(ChannelRulesError, match=r"^here: no rules"):
        ChannelRules((), "here")


def test_channel_rules_error_is_a_touchpath_value_error():
    from touchpath.errors import TouchpathError

    assert issubclass(ChannelRulesError, TouchpathError)
    assert issubclass(ChannelRulesError, ValueError)


def test_the_default_rules_file_is_declared_package_data():
    # A wheel carries only the data files pyproject declares: the defaults must be one.
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    setup = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    globs = setup["setuptools"]["package-data"]["touchpath.data"]
    assert (root / "data" / "default_channel_rules.toml").is_file()
    assert any(fnmatch.fnmatch("default_channel_rules.toml", g) for g in globs)
    sql = sorted(p.name for p in (root / "data" / "sql").glob("channel_*.sql"))
    assert all(any(fnmatch.fnmatch(f"sql/{name}", g) for g in globs) for name in sql)

"""Recorded plans, pacing, rule alerts and anomalies on the constructed quarter.

:mod:`tests.seed.monitoring`: every conversion closes a one-touch journey, so
every model credits it wholly to its channel and the expected numbers below are
worked from the data's construction, not from the code.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest

from tests.seed.monitoring import FIRST, LAST, SPIKE_DAY, display_spend, search_converts
from touchpath import service
from touchpath.data.alert_rules import AlertRules, AlertRulesError
from touchpath.data.plans import NoRecordedPlan, PlanLine, get_plan, record_plan
from touchpath.data.warehouse import Warehouse

RULE = """
[[alert]]
name = "{name}"
metric = "{metric}"
channel = "{channel}"
op = "{op}"
threshold = {threshold}
period = "{period}"
"""


def rules(**kw) -> AlertRules:
    values = {"name": "r", "metric": "cpa", "channel": "search", "op": ">", "threshold": 20,
              "period": "month", **kw}
    return AlertRules.parse(RULE.format(**values), "alerts.toml")


@pytest.fixture
def wh(monitoring_db):
    with Warehouse.open(monitoring_db, read_only=True) as w:
        yield w


# ------------------------------------------------------------------ rule alerts
def test_a_cpa_breach_in_one_month_only(wh):
    # search: Jan 310 / 31 = 10, Feb 280 / 7 = 40, Mar (1-15) 150 / 15 = 10
    result = service.check_alerts(wh, rules(name="search CPA", threshold=20))
    assert [(b.rule, b.channel, b.period) for b in result.breaches] == [
        ("search CPA", "search", "2026-02")]
    assert result.breaches[0].value == pytest.approx(280 / 7)
    assert result.checked == 3 and result.fired == 1
    calm = service.check_alerts(wh, rules(threshold=40.5))
    assert calm.breaches == () and calm.fired == 0


def test_daily_and_weekly_periods_and_every_channel(wh):
    # search spends 10 a day; February's days without a conversion have no CPA (undefined)
    day = service.check_alerts(wh, rules(metric="spend", op=">=", threshold=10, period="day"))
    assert len(day.breaches) == (LAST - FIRST).days + 1
    cpa_days = service.check_alerts(wh, rules(period="day", threshold=0))
    feb_without = sum(1 for d in range(28) if not search_converts(date(2026, 2, 1 + d)))
    assert cpa_days.undefined == feb_without == 21
    # display's revenue: 2 x 30 every day -> 420 a full ISO week; "*" covers both channels
    weeks = service.check_alerts(wh, rules(metric="revenue", channel="*", op=">=",
                                           threshold=420, period="week"))
    assert {b.channel for b in weeks.breaches} == {"display"}
    assert all(b.value == pytest.approx(420) for b in weeks.breaches)


def test_pacing_metric_needs_a_recorded_plan(wh):
    with pytest.raises(AlertRulesError, match="alert 'p'.*needs a recorded plan"):
        service.check_alerts(wh, rules(name="p", metric="pacing", period="quarter"))


def test_an_unknown_metric_is_refused_naming_the_rule():
    with pytest.raises(AlertRulesError) as err:
        rules(name="search cost per click", metric="cpc")
    text = str(err.value)
    assert "alert 'search cost per click' (alert 1): metric: unknown metric 'cpc'" in text
    assert "spend, revenue, roi, cpa, conversions, conversion_rate, pacing" in text


@pytest.mark.parametrize(("text", "expected"), [
    (RULE.format(name="a", metric="cpa", channel="search", op="=>", threshold=1,
                 period="month"), "alert 'a' (alert 1): op: unknown operator '=>'"),
    (RULE.format(name="a", metric="cpa", channel="search", op=">", threshold='"x"',
                 period="month"), "alert 'a' (alert 1): threshold: must be a number"),
    (RULE.format(name="a", metric="pacing", channel="*", op=">", threshold=1,
                 period="month"), "alert 'a' (alert 1): period: pacing is measured over"),
    (RULE.format(name="a", metric="cpa", channel="search", op=">", threshold=1,
                 period="year"), "alert 'a' (alert 1): period: unknown period 'year'"),
    ("[webhook]\nurl = \"ftp://example.com/x\"\n" + RULE.format(
        name="a", metric="cpa", channel="search", op=">", threshold=1, period="month"),
     "[webhook]: url: only http:// and https://"),
    (RULE.format(name="a", metric="cpa", channel="search", op=">", threshold=1,
                 period="month") * 2, "alert 'a': name: used by two alerts"),
    ("[[alert]]\nmetric = \"cpa\"\n", "alert 2"),
    ("", "no alerts"),
    ("[[alert]\n", "not valid TOML"),
])
def test_bad_rules_files_are_refused_with_the_place(text, expected):
    if expected == "alert 2":
        text = RULE.format(name="a", metric="cpa", channel="search", op=">", threshold=1,
                           period="month") + text
    with pytest.raises(AlertRulesError) as err:
        AlertRules.parse(text, "alerts.toml")
    assert expected in str(err.value)
    assert str(err.value).startswith("alerts.toml")


def test_an_unknown_channel_is_refused_naming_the_rule(wh):
    with pytest.raises(AlertRulesError, match=r"alert 'x': channel: unknown channel 'tv' "
                                              r"\(channels: display, search\)"):
        service.check_alerts(wh, rules(name="x", channel="tv"))


# -------------------------------------------------------------------- anomalies
def test_a_12x_spend_spike_on_one_day_is_the_one_spend_anomaly(wh):
    report = service.anomalies(wh, metrics=("spend",))
    flagged = report.flagged
    assert list(zip(flagged["channel"], flagged["day"], strict=True)) == [("display", SPIKE_DAY)]
    row = flagged.iloc[0]
    assert row["value"] == 12 * (100 + SPIKE_DAY.timetuple().tm_yday % 3)
    # the baseline by hand: the eight Wednesdays before the spike
    hist = np.array([display_spend(SPIKE_DAY - timedelta(days=7 * k)) for k in range(1, 9)],
                    dtype=float)
    med = float(np.median(hist))
    mad = float(np.median(np.abs(hist - med)))
    scale = max(1.4826 * mad, 0.05 * med)
    assert (row["median"], row["mad"], row["history"]) == (med, mad, 8)
    assert row["low"] == pytest.approx(med - 3.5 * scale)
    assert row["high"] == pytest.approx(med + 3.5 * scale)
    assert row["low"] < display_spend(SPIKE_DAY) / 12 < row["high"]


def test_the_baseline_is_weekday_aware(wh):
    # weekends spend three times the weekdays: judged against weekends, never flagged
    frame = service.anomalies(wh, metrics=("spend",)).frame
    weekend = frame[(frame["channel"] == "display")
                    & frame["day"].map(lambda d: d.weekday() >= 5)]
    assert len(weekend) > 10 and not weekend["flagged"].any()
    assert (weekend["median"] > 290).all()
    # the week after the spike: its Wednesday is judged against a baseline the spike
    # does not move (median and MAD are robust)
    after = frame[(frame["channel"] == "display") & (frame["day"] == SPIKE_DAY + timedelta(7))]
    assert not after["flagged"].iloc[0] and after["median"].iloc[0] < 110


def test_anomalies_judge_only_the_days_asked_and_say_the_rule(wh):
    report = service.anomalies(wh, metrics=("spend",), start=date(2026, 3, 5))
    assert report.frame["day"].min() == date(2026, 3, 5)
    assert report.flagged.empty
    assert "median ± 3.5" in report.settings.describe()
    with pytest.raises(ValueError, match="unknown anomaly metric"):
        service.anomalies(wh, metrics=("clicks",))


# ----------------------------------------------------------- recorded plans, pacing
def _record_by_hand(wh, quarter="2026Q1"):
    lines = [PlanLine("search", m, Decimal("300"), Decimal("1500")) for m in
             ("2026-01", "2026-02", "2026-03")]
    lines += [PlanLine("display", m, Decimal("4000"), None) for m in
              ("2026-01", "2026-02", "2026-03")]
    params = {"curves": {"model": "last_touch", "lookback_days": 30, "censor": True,
                         "kind": "purchase"}}
    return record_plan(wh.conn, quarter=quarter, data_version=wh.data_version, model="last_touch",
                       params=params, budget=None, total_spend=Decimal("12900"),
                       expected_revenue=Decimal("4500"), currency="CNY", lines=lines,
                       recorded_at=datetime(2026, 1, 1))


def test_pacing_equals_a_direct_sql_sum(monitoring_copy):
    with Warehouse.open(monitoring_copy) as wh:
        plan_id = _record_by_hand(wh)
        report = service.pacing(wh)
        assert report.plan.plan_id == plan_id and report.as_of == LAST
        assert (report.elapsed_days, report.total_days) == (74, 90)
        by = {c.channel: c for c in report.channels}
        for ch in ("search", "display"):
            sql = wh.conn.execute(
                "SELECT sum(amount) FROM spend WHERE channel = ? AND day BETWEEN ? AND ?",
                [ch, date(2026, 1, 1), date(2026, 3, 15)]).fetchone()[0]
            assert by[ch].actual_spend == float(sql)
            assert by[ch].projected_spend == pytest.approx(float(sql) * 90 / 74)
            months = wh.conn.execute(
                "SELECT strftime(day, '%Y-%m'), sum(amount) FROM spend WHERE channel = ? "
                "GROUP BY 1 ORDER BY 1", [ch]).fetchall()
            assert [(m.month, m.actual_spend) for m in by[ch].months] == [
                (m, float(s)) for m, s in months]
    search = by["search"]
    assert search.actual_spend == 740  # 74 days x 10
    assert search.planned_to_date == pytest.approx(300 + 300 + 300 * 15 / 31)
    assert search.spend_pace == pytest.approx(740 * 90 / 74 / 900) == pytest.approx(1.0)
    assert not search.off_pace
    # revenue: 50 per search conversion: 31 + 7 + 15 = 53 conversions
    assert search.attributed_revenue == pytest.approx(53 * 50)
    assert [m.attributed_revenue for m in search.months] == pytest.approx([1550, 350, 750])
    assert search.expected_to_date == pytest.approx(1500 + 1500 + 1500 * 15 / 31)
    display = by["display"]
    assert display.spend_pace == pytest.approx(display.actual_spend * 90 / 74 / 12000)
    assert display.off_pace and display.spend_pace > 1.15
    assert display.expected_revenue is None and display.revenue_pace is None
    assert [c.channel for c in report.off_pace] == ["display"]


def test_pacing_as_of_and_tolerance(monitoring_copy):
    with Warehouse.open(monitoring_copy) as wh:
        _record_by_hand(wh)
        early = service.pacing(wh, as_of=date(2026, 1, 10))
        late = service.pacing(wh, tolerance=1.0)
        before = service.pacing(wh, as_of=date(2025, 12, 1))
    s = {c.channel: c for c in early.channels}["search"]
    assert (early.elapsed_days, s.actual_spend) == (10, 100)
    assert s.planned_to_date == pytest.approx(300 * 10 / 31)
    assert not any(c.off_pace for c in late.channels)
    assert before.elapsed_days == 0 and all(c.projected_spend is None for c in before.channels)
    with pytest.raises(ValueError, match="tolerance"):
        service.pacing(Warehouse(":memory:"), tolerance=-1)


def test_a_plan_of_the_current_quarter_is_recorded_and_listed(monitoring_copy):
    with Warehouse.open(monitoring_copy) as wh:
        with pytest.raises(NoRecordedPlan, match="no plan is recorded"):
            service.pacing(wh)
        settings = service.CurveSettings(model="last_touch")
        inputs = service.plan_inputs(wh, settings)
        params = service.PlanParams(quarter="2026Q1")  # the quarter the data is in
        plan = service.plan(inputs, params)
        version = wh.data_version
        first = service.record_plan(wh, plan, params, settings)
        second = service.record_plan(wh, plan, service.PlanParams(quarter="2026q2"), settings)
        listed = service.recorded_plans(wh)
        after = wh.data_version
        assert wh.conn.execute("SELECT count(*) FROM plan_lines").fetchone()[0] == 2 * 6
        with pytest.raises(NoRecordedPlan, match="no recorded plan 9; recorded plans: 1, 2"):
            get_plan(wh.conn, 9)
        report = service.pacing(wh, first.plan_id)
    assert (first.plan_id, second.plan_id) == (1, 2)
    assert [p.plan_id for p in listed] == [2, 1]
    assert first.quarter == "2026Q1" and first.data_version == version
    assert (second.data_version, after) == (version + 1, version + 2)  # each record bumps it
    assert first.params["plan"]["quarter"] == "2026Q1" and first.model == "last_touch"
    assert sum(ln.spend for ln in first.lines) == first.total_spend
    assert first.total_spend == Decimal(str(plan.to_dict()["total_spend"]))
    for ch in plan.to_dict()["channels"]:
        mine = [ln for ln in first.lines if ln.channel == ch["channel"]]
        assert [float(ln.spend) for ln in mine] == [ch["monthly"][m] for m in plan.months]
        assert float(sum(ln.expected_revenue for ln in mine)) == pytest.approx(
            ch["expected_revenue"], abs=1e-6)
    assert {c.channel for c in report.channels} == {"search", "display"}


def test_a_recorded_plan_makes_the_warehouse_the_users(tmp_path):
    from tests.seed.monitoring import load_monitoring

    with Warehouse.replace_demo(tmp_path / "demo.duckdb") as wh:
        load_monitoring(wh)
        wh.mark_demo()
        assert wh.made_by_demo
        _record_by_hand(wh)
        assert not wh.made_by_demo  # `touchpath demo` will not replace it now

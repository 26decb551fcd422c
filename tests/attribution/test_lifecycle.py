"""Lifecycle rules: exit streaks, admit/scale bars, insufficient data, readings, history.

Fixture: in every cycle the established channel ``est`` spends 100 and returns
300, so the baseline is 300 / 100 = 3.0. With the default (multiple) reading
the admit bar is 1.15 × 3 = 3.45, the scale bar 1.30 × 3 = 3.9 and the exit bar
0.5 × 3.45 = 1.725. The test channel ``t`` spends 100 with ``rev`` revenue, so
its ROI is ``rev / 100``.
"""

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from touchpath.attribution.lifecycle import LifecycleError, LifecycleRules, evaluate
from touchpath.data.verdicts import record_verdicts, verdict_history
from touchpath.data.warehouse import Warehouse
from touchpath.service.lifecycle import change_status, verdict_rows

CHANNELS = pd.DataFrame({"channel": ["est", "t"], "status": ["established", "test"]})

#: The bars on the point ratio alone (no bound, one conversion enough): what the tests of
#: the bars, readings and exit streaks read; the evidence rules are tested in
#: test_lifecycle_evidence.py.
POINT = LifecycleRules(min_conversions=1, level=0)


def _frame(test_revenue, test_spend=None, test_conv=None):
    rows = []
    for i, rev in enumerate(test_revenue):
        period = f"2026-{i + 1:02d}"
        start = pd.Timestamp(2026, i + 1, 1)
        spend = 100.0 if test_spend is None else test_spend[i]
        conv = 10.0 if test_conv is None else test_conv[i]
        rows.append({"period": period, "period_start": start, "channel": "est",
                     "spend": 100.0, "attributed_conversions": 30.0,
                     "attributed_revenue": 300.0})
        rows.append({"period": period, "period_start": start, "channel": "t", "spend": spend,
                     "attributed_conversions": conv, "attributed_revenue": float(rev)})
    return pd.DataFrame(rows)


def _one(frame, rules=None, channels=CHANNELS):
    (v,) = evaluate(frame, channels, rules)
    return v


def test_exit_fires_on_third_low_cycle_not_second():
    # ROI 1.0 < 1.725 is low; 4.0 is not.
    two = _one(_frame([400, 100, 100]))
    assert two.verdict == "test" and two.low_streak == 2
    three = _one(_frame([400, 100, 100, 100]))
    assert three.verdict == "exit" and three.rule == "exit_streak"
    assert three.low_streak == 3


def test_good_cycle_in_between_resets_the_count():
    v = _one(_frame([100, 100, 400, 100, 100]))
    assert v.verdict == "test" and v.low_streak == 2
    assert v.cycles["low"].tolist() == [True, True, False, True, True]


def test_admit_exactly_at_115_percent_of_baseline():
    # 345 / 100 = 3.45 while 1.15 × 3.0 = 3.4499999999999997 in floats
    assert _one(_frame([345]), POINT).verdict == "admit"
    assert _one(_frame([344.99]), POINT).verdict == "test"


def test_scale_exactly_at_130_percent_of_baseline():
    # 390 / 100 = 3.9 while 1.30 × 3.0 = 3.9000000000000004: ≥ holds with the tolerance
    v = _one(_frame([390]), POINT)
    assert v.verdict == "scale" and v.rule == "scale_bar"
    assert v.ratio == pytest.approx(1.30)
    below = _one(_frame([389.99]), POINT)
    assert below.verdict == "admit"


def test_verdict_carries_its_evidence():
    v = _one(_frame([200, 400]), POINT)
    assert v.period == "2026-02"
    assert v.roi == pytest.approx(4.0) and v.baseline == pytest.approx(3.0)
    assert v.ratio == pytest.approx(4.0 / 3.0)
    assert v.cycles["roi"].tolist() == pytest.approx([2.0, 4.0])
    assert v.cycles["baseline"].tolist() == pytest.approx([3.0, 3.0])
    assert v.cycles["admit_bar"].tolist() == pytest.approx([3.45, 3.45])
    assert v.cycles["exit_bar"].tolist() == pytest.approx([1.725, 1.725])
    assert v.verdict == "scale" and "3.9" in v.reason
    d = v.to_dict()
    assert d["verdict"] == "scale" and len(d["cycles"]) == 2


def test_insufficient_data_gives_test_with_reason():
    no_spend = _one(_frame([0], test_spend=[0.0]))
    assert no_spend.verdict == "test" and no_spend.rule == "insufficient_data"
    assert "insufficient data" in no_spend.reason
    few = _one(_frame([900], test_conv=[2.0]), LifecycleRules(min_conversions=5))
    assert few.verdict == "test" and "min_conversions" in few.reason
    small = _one(_frame([900], test_spend=[50.0]), LifecycleRules(min_spend=60))
    assert small.verdict == "test" and "min_spend" in small.reason


def test_insufficient_cycle_breaks_an_exit_streak():
    # cycles: low, low, no data, low, low -> streak 2 only
    v = _one(_frame([100, 100, 0, 100, 100], test_spend=[100, 100, 0, 100, 100]))
    assert v.verdict == "test" and v.low_streak == 2
    # low, low, low, then no data: latest cycle is insufficient, no exit
    w = _one(_frame([100, 100, 100, 0], test_spend=[100, 100, 100, 0]))
    assert w.verdict == "test" and w.rule == "insufficient_data"


def test_fraction_reading_gives_different_verdicts_on_same_data():
    """ROI 1.0 against baseline 3.0 (ratio 1/3).

    multiple: admit bar 3.45, exit bar 1.725 -> low every cycle -> exit after 3.
    fraction: admit bar 0.15 × 3 = 0.45, scale bar 0.30 × 3 = 0.9 -> scale.
    ROI 0.5: fraction -> admit (0.45 ≤ 0.5 < 0.9).
    """
    data = _frame([100, 100, 100])
    assert _one(data, LifecycleRules()).verdict == "exit"
    assert _one(data, POINT).verdict == "exit"
    frac = LifecycleRules(reading="fraction", min_conversions=1, level=0)
    assert (frac.admit, frac.scale) == (0.15, 0.30)
    assert _one(data, frac).verdict == "scale"
    assert _one(_frame([50, 50, 50]), frac).verdict == "admit"


def test_fixed_exit_target():
    # target ROI 2.0 -> exit bar 1.0: ROI 1.0 is not low, 0.99 is
    rules = LifecycleRules(exit_target=2.0, min_conversions=1, level=0)
    assert _one(_frame([100, 100, 100]), rules).verdict == "test"
    assert _one(_frame([99, 99, 99]), rules).verdict == "exit"


def test_exit_cycles_and_fraction_are_configurable():
    rules = LifecycleRules(exit_cycles=2, exit_fraction=0.2, min_conversions=1,
                           level=0)  # exit bar 0.2 × 3.45 = 0.69
    assert _one(_frame([60, 60]), rules).verdict == "exit"
    assert _one(_frame([100, 100]), rules).verdict == "test"


def test_cycles_before_launch_are_skipped():
    chans = CHANNELS.assign(launched_on=[None, pd.Timestamp(2026, 3, 1)])
    frame = _frame([100, 100, 100, 100])
    frame["period_end"] = frame["period_start"] + pd.offsets.MonthBegin(1)
    v = _one(frame, channels=chans)
    assert v.cycles["period"].tolist() == ["2026-03", "2026-04"]
    assert v.verdict == "test" and v.low_streak == 2


def test_only_test_channels_get_verdicts_and_bad_rules_are_refused():
    chans = pd.DataFrame({"channel": ["est", "t", "x"],
                          "status": ["established", "test", "exited"]})
    assert [v.channel for v in evaluate(_frame([400]), chans)] == ["t"]
    with pytest.raises(LifecycleError, match="reading='fraction'"):
        LifecycleRules(admit=0.15)
    with pytest.raises(LifecycleError, match="at least admit"):
        LifecycleRules(admit=1.3, scale=1.15)
    with pytest.raises(LifecycleError, match="missing columns"):
        evaluate(pd.DataFrame({"period": []}), CHANNELS)


def _conn():
    conn = duckdb.connect()
    conn.execute("CREATE TABLE channels (channel VARCHAR PRIMARY KEY, status VARCHAR, "
                 "group_name VARCHAR, launched_on DATE)")
    conn.execute("INSERT INTO channels VALUES ('est', 'established', 'g', NULL), "
                 "('t', 'test', 'g', NULL)")
    return conn


def test_verdicts_are_recorded_in_the_warehouse():
    conn = _conn()
    v = _one(_frame([200, 400]), POINT)
    assert record_verdicts(conn, verdict_rows([v], datetime(2026, 3, 1))) == 1
    hist = verdict_history(conn, "t")
    assert hist["verdict"].tolist() == ["scale"]
    assert hist["roi"].tolist() == pytest.approx([4.0])
    assert hist["baseline"].tolist() == pytest.approx([3.0])
    assert hist["rule"].tolist() == ["scale_bar"] and hist["period"].tolist() == ["2026-02"]


def test_set_channel_status_is_a_recorded_user_action():
    with Warehouse(":memory:") as wh:
        wh.ingest("channels", CHANNELS)
        conn = wh.conn
        assert change_status(wh, "t", "exited", "poor ROI for a quarter").previous_status == "test"
        status = conn.execute("SELECT status FROM channels WHERE channel = 't'").fetchone()[0]
        assert status == "exited"
        hist = verdict_history(conn, "t")
        assert hist["source"].tolist() == ["user"] and hist["verdict"].tolist() == ["exited"]
        assert "poor ROI" in hist["reason"].iat[0]
        with pytest.raises(LifecycleError, match="unknown channel"):
            change_status(wh, "nope", "exited", "x")
        with pytest.raises(LifecycleError, match="reason"):
            change_status(wh, "t", "established", "  ")
        with pytest.raises(LifecycleError, match="status"):
            change_status(wh, "t", "paused", "x")



def test_set_channel_status_to_the_current_status_records_nothing():
    with Warehouse(":memory:") as wh:
        wh.ingest("channels", pd.DataFrame({"channel": ["t"], "status": ["test"]}))
        v0 = wh.data_version
        assert change_status(wh, "t", "test", "still testing").previous_status == "test"
        assert wh.data_version == v0
        assert verdict_history(wh.conn, "t").empty
        # The reason is still required, and a real change still records and bumps.
        with pytest.raises(LifecycleError, match="reason"):
            change_status(wh, "t", "test", " ")
        assert change_status(wh, "t", "exited", "poor ROI").previous_status == "test"
        assert wh.data_version == v0 + 1 and len(verdict_history(wh.conn, "t")) == 1

def test_demo_test_channel_gets_a_verdict():
    """Small synthetic world: livestream (test status) launched part-way gets one verdict.

    The latest cycle's baseline and ROI are recomputed here from the ROI table
    rows (established channels with spend: Σ revenue / Σ spend), and the verdict from the
    bars on the point ratio (``POINT``), independently of the rules engine.
    """
    from touchpath.attribution.rules import Linear
    from touchpath.data.synth import TEST_CHANNEL, SynthConfig, generate
    from touchpath.service.roi import compute_roi_table

    with Warehouse(":memory:") as wh:
        generate(SynthConfig(n_users=20_000, seed=11)).load_into(wh)
        table = compute_roi_table(wh, Linear(), "month")
        channels = wh.channels()
    verdicts = evaluate(table, channels, POINT)
    assert [v.channel for v in verdicts] == [TEST_CHANNEL]
    (v,) = verdicts
    assert v.verdict in ("exit", "test", "admit", "scale")
    launch = channels.set_index("channel").at[TEST_CHANNEL, "launched_on"]
    assert all(pd.Timestamp(e) > pd.Timestamp(launch) for e in v.cycles["period_end"])
    f = table.to_frame()
    last = f[f["period"] == table.periods[-1]]
    est = last[last["channel"].isin(channels.loc[channels["status"] == "established",
                                                 "channel"]) & (last["spend"] > 0)]
    baseline = est["attributed_revenue"].sum() / est["spend"].sum()
    row = last[last["channel"] == TEST_CHANNEL].iloc[0]
    roi = row["attributed_revenue"] / row["spend"]
    assert v.baseline == pytest.approx(baseline) and v.roi == pytest.approx(roi)
    if v.verdict != "exit" and row["attributed_conversions"] >= 1:
        expected = ("scale" if roi >= 1.30 * baseline else
                    "admit" if roi >= 1.15 * baseline else "test")
        assert v.verdict == expected


def _with_owned(test_revenue):
    """The fixture plus an established, unpaid channel ``owned`` (spend 0, revenue 100)."""
    frame = _frame(test_revenue)
    owned = frame[frame["channel"] == "est"].assign(channel="owned", spend=0.0,
                                                     attributed_conversions=10.0,
                                                     attributed_revenue=100.0)
    chans = pd.DataFrame({"channel": ["est", "owned", "t"],
                          "status": ["established", "established", "test"]})
    return pd.concat([frame, owned], ignore_index=True), chans


def test_paid_baseline_leaves_out_unpaid_established_revenue():
    """Paid baseline = 300 / 100 = 3.0; t's ROI 360 / 100 = 3.6 = 1.2 × 3.0 → admit.

    The literal reading adds owned's revenue but no spend: (300 + 100) / 100 = 4.0,
    admit bar 1.15 × 4.0 = 4.6 > 3.6 → test.
    """
    frame, chans = _with_owned([360.0])
    paid = _one(frame, POINT, chans)
    assert paid.baseline == pytest.approx(3.0) and paid.ratio == pytest.approx(1.2)
    assert paid.verdict == "admit"
    literal = _one(frame, LifecycleRules(baseline="all", min_conversions=1, level=0), chans)
    assert literal.baseline == pytest.approx(4.0) and literal.ratio == pytest.approx(0.9)
    assert literal.verdict == "test" and literal.rule == "below_admit"


def test_paid_and_all_baselines_agree_when_every_established_channel_spends():
    frame = _frame([360.0])
    assert _one(frame).baseline == _one(frame, LifecycleRules(baseline="all")).baseline == 3.0
    with pytest.raises(LifecycleError, match="baseline"):
        LifecycleRules(baseline="everything")

"""Response curves: recovery of known curves, concave segments, fallback."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from touchpath.attribution.curves import (
    CurveFitError,
    FittedCurve,
    fit_curves,
    fit_response_curve,
    plot_curves,
)
from touchpath.optimizer.curves import breakpoints, segments_from
from touchpath.optimizer.io import curves_document


def _exp_points(seed=0, n=24, a=1.2e6, k=1.5e5, noise=0.03):
    rng = np.random.default_rng(seed)
    s = rng.uniform(2e4, 3.5e5, n)
    y = a * (1 - np.exp(-s / k)) * (1 + rng.normal(0, noise, n))
    return s, y


def test_exponential_parameters_recovered_within_tolerance():
    a, k = 1.2e6, 1.5e5
    s, y = _exp_points(a=a, k=k)
    c = fit_response_curve(s, y, "search")
    assert c.method == "fit" and c.form == "exponential"
    assert c.params["a"] == pytest.approx(a, rel=0.10)
    assert c.params["k"] == pytest.approx(k, rel=0.15)
    assert c.r2 > 0.95
    assert c.spend_min == pytest.approx(s.min()) and c.spend_max == pytest.approx(s.max())
    assert c.max_spend == pytest.approx(1.5 * s.max())


def test_power_parameters_recovered_within_tolerance():
    rng = np.random.default_rng(1)
    s = rng.uniform(1e3, 1e5, 30)
    y = 5.0 * s**0.6 * (1 + rng.normal(0, 0.03, 30))
    c = fit_response_curve(s, y, "social")
    assert c.form == "power"
    assert c.params["b"] == pytest.approx(0.6, abs=0.03)
    # a·s^b at the middle of the range is the better-conditioned check of a
    assert c.revenue(5e4) == pytest.approx(5.0 * 5e4**0.6, rel=0.03)


def test_rmse_and_r2_match_their_formulas():
    s, y = _exp_points(seed=3)
    c = fit_response_curve(s, y, "x", forms=("exponential",))
    fitted = c.params["a"] * (1 - np.exp(-s / c.params["k"]))
    rss = np.sum((y - fitted) ** 2)
    assert c.rmse == pytest.approx(math.sqrt(rss / len(s)))
    assert c.r2 == pytest.approx(1 - rss / np.sum((y - y.mean()) ** 2))


def test_segments_are_concave_and_cover_the_spend_range():
    s, y = _exp_points(seed=2)
    c = fit_response_curve(s, y, "search")
    segs = segments_from(c, 8)
    assert len(segs) == 8
    widths = np.array([g.width for g in segs])
    slopes = np.array([g.slope for g in segs])
    assert widths.sum() == pytest.approx(1.5 * s.max(), rel=1e-12)
    assert np.all(np.diff(slopes) <= 0) and np.all(slopes >= 0)
    # the LP reproduces the curve at the right end: Σ width·slope = a(1 − e^(−S/k))
    a, k = c.params["a"], c.params["k"]
    assert (widths * slopes).sum() == pytest.approx(a * (1 - math.exp(-1.5 * s.max() / k)))
    # first chord = (R(w) − R(0)) / w
    w = widths[0]
    assert slopes[0] == pytest.approx(a * (1 - math.exp(-w / k)) / w)


def test_segments_with_explicit_max_spend():
    s, y = _exp_points(seed=4)
    c = fit_response_curve(s, y, "search")
    segs = segments_from(c, n=5, max_spend=1e6)
    assert sum(g.width for g in segs) == pytest.approx(1e6)
    assert len(segs) == 5


def test_marginal_matches_numeric_derivative():
    s, y = _exp_points(seed=5)
    for form in ("exponential", "power"):
        c = fit_response_curve(s, y, "x", forms=(form,), min_r2=0.0)
        x, h = 1.2e5, 1.0
        numeric = (c.revenue(x + h) - c.revenue(x - h)) / (2 * h)
        assert c.marginal(x) == pytest.approx(numeric, rel=1e-5)


def test_fallback_with_two_periods():
    """Two periods: ROI = (300 + 500) / (100 + 200) = 8/3; cap = 1.5 × 200 = 300."""
    c = fit_response_curve([100.0, 200.0], [300.0, 500.0], "email")
    assert c.method == "fallback" and c.form == "constant"
    assert "min_periods" in c.note
    assert c.params["roi"] == pytest.approx(8 / 3)
    assert c.params["cap"] == pytest.approx(300.0)
    assert c.revenue(150.0) == pytest.approx(400.0)
    assert c.revenue(1000.0) == pytest.approx(800.0)  # capped at 300 × 8/3
    segs = segments_from(c, 4)
    assert [g.width for g in segs] == pytest.approx([75.0] * 4)
    assert [g.slope for g in segs] == pytest.approx([8 / 3] * 4)


def test_fallback_user_cap_breaks_segments_at_the_cap():
    c = fit_response_curve([100.0, 200.0], [300.0, 500.0], "email", fallback_cap=250.0)
    assert "user cap 250" in c.note
    segs = segments_from(c, n=2, max_spend=400.0)
    # breakpoints 0, 200, 250 (cap), 400
    assert [g.width for g in segs] == pytest.approx([200.0, 50.0, 150.0])
    assert [g.slope for g in segs] == pytest.approx([8 / 3, 8 / 3, 0.0])


def test_poor_fit_falls_back_and_says_so():
    rng = np.random.default_rng(7)
    s = rng.uniform(100, 1000, 12)
    y = rng.uniform(0, 1000, 12)  # no relation to spend
    c = fit_response_curve(s, y, "noise", min_r2=0.3)
    assert c.method == "fallback"
    assert "poor fit" in c.note
    assert c.params["roi"] == pytest.approx(y.sum() / s.sum())


def test_zero_spend_periods_are_left_out_and_no_spend_gives_zero_curve():
    c = fit_response_curve([0.0, 100.0, 200.0], [50.0, 300.0, 500.0], "x")
    assert c.n_periods == 2 and c.params["roi"] == pytest.approx(8 / 3)
    owned = fit_response_curve([0.0, 0.0], [10.0, 20.0], "direct")
    assert owned.params == {"roi": 0.0, "cap": 0.0}
    assert segments_from(owned) == []
    assert "undefined" in owned.note


def test_bad_input_is_refused_with_position():
    with pytest.raises(CurveFitError, match=r"spend\[1\]"):
        fit_response_curve([1.0, -2.0], [1.0, 1.0], "x")
    with pytest.raises(CurveFitError, match="length|values"):
        fit_response_curve([1.0, 2.0], [1.0], "x")
    with pytest.raises(CurveFitError, match="unknown curve forms"):
        fit_response_curve([1.0], [1.0], "x", forms=("cubic",))


def test_fit_curves_from_roi_frame_skips_direct_and_unspent_channels():
    s, y = _exp_points(seed=8, n=6)
    rows = []
    for i in range(6):
        rows.append({"period": f"2026-{i + 1:02d}", "channel": "search", "spend": s[i],
                     "attributed_revenue": y[i]})
        rows.append({"period": f"2026-{i + 1:02d}", "channel": "owned", "spend": 0.0,
                     "attributed_revenue": 10.0})
        rows.append({"period": f"2026-{i + 1:02d}", "channel": "(direct)", "spend": 0.0,
                     "attributed_revenue": 99.0})
    curves = fit_curves(pd.DataFrame(rows))
    assert list(curves) == ["search"]
    assert curves["search"].n_periods == 6


def test_curves_document_matches_the_optimizer_document():
    c = fit_response_curve([100.0, 200.0], [300.0, 500.0], "email")
    doc = curves_document({"email": c}, n=2, previous_spend={"email": 600.0},
                          groups={"email": "crm"}, statuses={"email": "established"},
                          periods=3)
    doc = json.loads(json.dumps(doc))
    (item,) = doc["channels"]
    assert item["channel"] == "email" and item["previous_spend"] == 600.0
    assert item["group"] == "crm" and item["status"] == "established"
    # monthly cap 300 cut in 2 → widths 150; a quarter (3 periods) triples them
    assert item["segments"] == [{"width": 450.0, "slope": pytest.approx(8 / 3)}] * 2


def test_plot_curves_writes_png(tmp_path):
    s, y = _exp_points(seed=9)
    curves = {"a": fit_response_curve(s, y, "a"),
              "b": fit_response_curve([1.0, 2.0], [2.0, 3.0], "b")}
    out = plot_curves(curves, tmp_path / "curves.png",
                      breakpoints={k: breakpoints(c) for k, c in curves.items()})
    with open(out, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


@settings(max_examples=40, deadline=None)
@given(a=st.floats(1.0, 1e7), k=st.floats(1.0, 1e6), b=st.floats(0.05, 1.0),
       hi=st.floats(1.0, 1e7), n=st.integers(1, 30))
def test_segments_non_increasing_and_sum_to_curve(a, k, b, hi, n):
    empty = np.zeros(0)
    for form, params in (("exponential", {"a": a, "k": k}), ("power", {"a": a, "b": b})):
        c = FittedCurve("x", form, params, "fit", "", 1.0, 0.0, 0.0, 0, 0.0, 0.0, hi,
                        empty, empty)
        segs = segments_from(c, n)
        slopes = np.array([g.slope for g in segs])
        widths = np.array([g.width for g in segs])
        assert np.all(np.diff(slopes) <= 0)
        assert widths.sum() == pytest.approx(hi, rel=1e-9)
        assert (widths * slopes).sum() == pytest.approx(c.revenue(hi), rel=1e-6)


def test_synthetic_world_curves_fit_and_track_the_true_response():
    """End to end: synthetic data → warehouse → monthly linear ROI → fitted curves.

    In the synthetic world a bought channel's spend opens its journeys as
    ``E·(1 − exp(−s/k))`` and the truth's response (``touchpath.data.synth``) is their
    expected revenue. Bars, measured first on seeds 1–10 of this very set-up
    (30,000 users, 2026, linear model):

    * R² of search, short_video and marketplace ranged 0.58–0.96 (minimum per
      channel 0.69, 0.74, 0.58): bar 0.5. social_kol, the smallest bought channel
      (about 50 purchases a month from its own journeys), ranged 0.48–0.84: it
      must be a real fit (default min_r2 0.3).
    * fitted ÷ true revenue at the median monthly spend ranged 0.67–0.76
      (short_video), 0.78–0.88 (social_kol), 1.09–1.21 (search) and 1.24–1.46
      (marketplace). The gap is structural, not noise: linear credit is shared
      along paths, so openers (short_video, social_kol hand over to search and
      marketplace) give part of their journeys' revenue away and closers gain
      it, while the truth counts only the journeys a channel's spend opens.
      Tolerance: the ratio in [0.6, 1.6] (the measured range plus about 10% for
      the fit's sampling error at the median), on the side of 1 the path
      structure predicts.
    """
    from touchpath.attribution.curves import fit_curves as fit
    from touchpath.attribution.rules import Linear
    from touchpath.data.synth import SynthConfig, generate
    from touchpath.data.warehouse import Warehouse
    from touchpath.service.roi import compute_roi_table

    data = generate(SynthConfig(n_users=30_000, seed=3))
    with Warehouse(":memory:") as wh:
        data.load_into(wh)
        table = compute_roi_table(wh, Linear(), "month")
    frame = table.to_frame()
    curves = fit(table)
    openers, closers = ("short_video", "social_kol"), ("search", "marketplace")
    for channel in (*openers, *closers):
        curve = curves[channel]
        assert curve.method == "fit", (channel, curve.note)
        if channel != "social_kol":
            assert curve.r2 >= 0.5, (channel, curve.r2)
        rows = frame[(frame["channel"] == channel) & (frame["spend"] > 0)]
        assert len(rows) == 12
        median = float(np.median(rows["spend"]))
        days = 365 / 12
        truth = data.truth.response_revenue(channel, median, days)
        # independent recomputation of the truth: days · a · (1 − exp(−S / (days · k)))
        row = data.truth.response.set_index("channel").loc[channel]
        assert truth == pytest.approx(days * row["a"] * (1 - math.exp(-median / (days * row["k"]))))
        ratio = float(curve.revenue(median)) / truth
        assert 0.6 <= ratio <= 1.6, (channel, ratio)
        assert (ratio < 1) if channel in openers else (ratio > 1), (channel, ratio)

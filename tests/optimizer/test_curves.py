import math

import numpy as np
import pytest

from touchpath.optimizer import (
    ChannelInput,
    CurveError,
    ResponseCurve,
    Segment,
    channel_input_from_segments,
)


def test_revenue_is_sum_of_filled_segments_by_hand():
    c = ResponseCurve.from_pairs([(100.0, 4.0), (50.0, 2.0), (50.0, 0.5)])
    assert c.capacity == 200.0
    assert c.revenue(0.0) == 0.0
    assert c.revenue(120.0) == 4.0 * 100 + 2.0 * 20
    assert c.revenue(200.0) == 400 + 100 + 25
    assert c.revenue(1e6) == 525.0  # flat beyond the capacity


def test_right_and_left_slopes_at_kinks_and_inside():
    c = ResponseCurve.from_pairs([(100.0, 4.0), (50.0, 2.0)])
    assert (c.right_slope(0.0), c.left_slope(0.0)) == (4.0, None)
    assert (c.right_slope(60.0), c.left_slope(60.0)) == (4.0, 4.0)
    assert (c.right_slope(100.0), c.left_slope(100.0)) == (2.0, 4.0)
    assert (c.right_slope(150.0), c.left_slope(150.0)) == (0.0, 2.0)


def test_non_concave_curve_is_refused_naming_channel_and_segment():
    with pytest.raises(CurveError, match=r"'social', segment 2: slope 3\.0 is above"):
        ResponseCurve.from_pairs([(10, 5.0), (10, 2.0), (10, 3.0)], channel="social")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([(0.0, 1.0)], "segment 0: width must be > 0"),
        ([(10.0, -1.0)], "segment 0: slope must be >= 0"),
        ([(10.0, 1.0), (math.inf, 0.5)], "segment 1: width must be > 0"),
        ([], "at least one segment"),
    ],
)
def test_bad_segments_are_refused(pairs, message):
    with pytest.raises(CurveError, match=message):
        ResponseCurve.from_pairs(pairs, channel="x")


def test_from_function_chords_match_the_function_at_breakpoints():
    def f(s):
        return 1000.0 * (1.0 - math.exp(-s / 300.0))

    bps = [100.0, 250.0, 500.0, 900.0]
    c = ResponseCurve.from_function(f, bps, channel="video")
    for b in bps:
        assert c.revenue(b) == pytest.approx(f(b), rel=1e-12)
    assert list(c.slopes) == sorted(c.slopes, reverse=True)


def test_channel_input_validation_names_the_channel():
    with pytest.raises(CurveError, match="channel 'kol': status must be one of"):
        ChannelInput("kol", None, status="paused")
    with pytest.raises(CurveError, match="channel 'kol': verdict must be one of"):
        ChannelInput("kol", None, verdict="grow")
    with pytest.raises(CurveError, match="channel 'kol': previous_spend"):
        ChannelInput("kol", None, previous_spend=-1.0)


def test_effective_verdict_rules():
    curve = ResponseCurve((Segment(1.0, 1.0),))
    assert ChannelInput("a", curve, status="exited", verdict="scale").effective_verdict == "exit"
    assert ChannelInput("a", curve, status="test").effective_verdict == "test"
    assert ChannelInput("a", curve, status="test", verdict="admit").effective_verdict == "admit"
    assert ChannelInput("a", curve).effective_verdict is None


def test_channel_input_from_segments_builds_the_curve():
    ci = channel_input_from_segments("search", [(100_000, 4.1), (100_000, 2.7)], group="search")
    assert ci.curve.capacity == 200_000.0
    assert ci.curve.revenue(150_000) == pytest.approx(4.1 * 100_000 + 2.7 * 50_000)
    assert channel_input_from_segments("email", None).curve is None


class _CappedLine:
    """A fitted curve the optimizer has never seen: 3 per unit up to 40, flat after."""

    channel = "kol"
    max_spend = 100.0
    kinks = (40.0,)

    def revenue(self, spend):
        return 3.0 * np.minimum(spend, 40.0)


def test_any_object_with_the_fitted_members_is_cut_at_its_breakpoints_and_kinks():
    from touchpath.optimizer import breakpoints, segments_from

    curve = _CappedLine()
    assert list(breakpoints(curve, n=4)) == [0.0, 25.0, 40.0, 50.0, 75.0, 100.0]
    segs = segments_from(curve, n=4)
    assert [(s.width, s.slope) for s in segs] == [(25.0, 3.0), (15.0, 3.0), (10.0, 0.0),
                                                 (25.0, 0.0), (25.0, 0.0)]


def test_the_chords_of_a_fitted_curve_and_of_from_function_are_the_same_cut():
    from touchpath.attribution.curves import fit_response_curve
    from touchpath.optimizer import breakpoints, curves_document, segments_from

    a, k = 1000.0, 300.0
    spend = [50.0, 120.0, 200.0, 300.0, 420.0, 600.0]
    fitted = fit_response_curve(spend, [a * (1 - math.exp(-s / k)) for s in spend], "video")
    assert fitted.form == "exponential"
    pa, pk = fitted.params["a"], fitted.params["k"]
    xs = [float(x) for x in breakpoints(fitted, n=4)]
    assert xs == pytest.approx([0.0, 225.0, 450.0, 675.0, 900.0])  # 1.5 × 600 in 4 steps
    by_hand = []
    for lo, hi in zip(xs[:-1], xs[1:], strict=True):
        by_hand += [hi - lo, pa * (math.exp(-lo / pk) - math.exp(-hi / pk)) / (hi - lo)]
    cut = [x for s in segments_from(fitted, n=4) for x in (s.width, s.slope)]
    from_function = ResponseCurve.from_function(fitted.revenue, xs[1:], channel="video")
    assert cut == pytest.approx(by_hand, rel=1e-9)
    assert [x for s in from_function.segments for x in (s.width, s.slope)] == pytest.approx(
        by_hand, rel=1e-9)
    # the document carries the same cut, widths × periods
    (item,) = curves_document({"video": fitted}, n=4, periods=3.0)["channels"]
    assert [x for s in item["segments"] for x in (s["width"] / 3.0, s["slope"])] == (
        pytest.approx(by_hand, rel=1e-9))

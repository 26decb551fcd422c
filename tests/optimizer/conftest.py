"""Fixtures and independent reference computations for the optimizer tests."""

import math

import pytest
from hypothesis import strategies as st

from touchpath.optimizer import channel_input_from_segments


def greedy_revenue(curves, budget):
    """Reference optimum with only ``total <= budget``: fill segments by descending slope.

    For concave curves (non-increasing slopes per channel) filling the globally
    steepest segments first respects each channel's segment order, and an
    exchange argument shows it is optimal. Returns (revenue, spend per channel).
    """
    segs = []
    for name, pairs in curves.items():
        for k, (w, s) in enumerate(pairs):
            segs.append((-s, name, k, w))
    segs.sort()
    left = budget
    revenue = []
    spend = dict.fromkeys(curves, 0.0)
    for neg_s, name, _k, w in segs:
        if left <= 0 or -neg_s <= 0:
            break
        take = min(w, left)
        revenue.append(-neg_s * take)
        spend[name] += take
        left -= take
    return math.fsum(revenue), spend


@st.composite
def concave_curves(draw, max_channels=5, max_segments=5):
    """Random concave curves: {channel: [(width, slope), ...]} with slopes non-increasing."""
    n = draw(st.integers(1, max_channels))
    out = {}
    for j in range(n):
        k = draw(st.integers(1, max_segments))
        widths = draw(st.lists(st.integers(1, 500), min_size=k, max_size=k))
        slopes = sorted(draw(st.lists(st.integers(0, 80), min_size=k, max_size=k)), reverse=True)
        out[f"c{j}"] = [(float(w) * 100.0, s / 10.0) for w, s in zip(widths, slopes, strict=True)]
    return out


def to_inputs(curves, **meta):
    return [channel_input_from_segments(c, pairs, **meta.get(c, {})) for c, pairs in curves.items()]


@pytest.fixture
def two_channels():
    """Hand-checkable pair: a = [(100, 4), (100, 1)], b = [(100, 3), (100, 2)]."""
    return to_inputs({"a": [(100.0, 4.0), (100.0, 1.0)], "b": [(100.0, 3.0), (100.0, 2.0)]})

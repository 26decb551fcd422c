"""Per-segment attribution recovers the synthetic truth (``SegmentTruth``) within bands.

Through the product: the synthetic tables are ingested (the conversions' device,
region and customer_type columns become attributes) and attributed per segment
by :func:`touchpath.service.attribute_segments`.

- Region is drawn independently of everything: each region's linear credit
  shares are the pooled shares within binomial bands (``4·sqrt(p(1-p)/n)`` for a
  share from ``n`` conversions: a credit per conversion lies in [0, 1], so its
  variance is at most ``p(1-p)``).
- Device depends on the channel that opened the user's first journey, and on
  nothing else: among first-journey purchases opened by channel ``c`` the share
  of device ``d`` is ``P(d | c)`` (``SegmentTruth.device_given_channel``, the
  Bayes side of ``first_channel_share``). The test tags each purchase that
  closes a first journey (the ledger's ``seq == 0``) with an attribute
  ``opening = first:<device>`` and reads the first-touch credit per segment:
  with a lookback longer than the data, a first journey's first touch is the
  channel that opened it.
- Journey-level models (first, last, linear, position) credit each journey on
  its own, so the segments' credit adds up to the pooled credit channel by
  channel, exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from touchpath import service
from touchpath.data.journeys import JourneyOptions
from touchpath.data.segments import NO_VALUE
from touchpath.data.synth import SynthConfig, generate
from touchpath.data.synth.config import REGIONS
from touchpath.data.warehouse import Warehouse

CONFIG = SynthConfig(n_users=20_000, days=180, seed=23)


def band(p: float, n: float) -> float:
    """Four binomial standard deviations of a share ``p`` estimated from ``n`` draws."""
    return 4.0 * math.sqrt(max(p * (1.0 - p), 1e-12) / n)


@pytest.fixture(scope="module")
def data():
    return generate(CONFIG)


@pytest.fixture(scope="module")
def wh(data):
    led = data.journeys
    first = set(led.loc[(led["seq"] == 0) & (led["outcome"] == "conversion"), "conversion_id"])
    conversions = data.conversions.copy()
    conversions["opening"] = np.where(conversions["conversion_id"].isin(first),
                                      "first:" + conversions["device"], "later")
    with Warehouse(":memory:") as w:
        for name, frame in {**data.tables(), "conversions": conversions}.items():
            w.ingest(name, frame)
        yield w


def _shares(result) -> dict[str, float]:
    return dict(zip(result.channels, result.share.tolist(), strict=True))


def test_region_segments_agree_with_each_other_and_the_pooled_credit(wh):
    pooled = _shares(service.attribute(wh, "linear"))
    seg = service.attribute_segments(wh, "region", "linear")
    # region is a conversion attribute here: non-converting journeys are in (none)
    assert [s.segment for s in seg.segments] == [*sorted(REGIONS), NO_VALUE]
    assert seg.segments[-1].conversions == 0
    regions = seg.segments[:-1]
    total = sum(s.conversions for s in regions)
    for s in regions:
        n = seg.results[s.segment].total_conversions
        assert n > 150, s.segment
        for channel, share in _shares(seg.results[s.segment]).items():
            p = pooled[channel]
            assert abs(share - p) < band(p, n), (s.segment, channel, share, p)
        # a region's share of the purchases: users buy more than once, so twice the band
        p = REGIONS[s.segment]
        assert abs(s.conversions / total - p) < 2 * band(p, total), s.segment


def test_device_given_the_opening_channel_is_recovered_from_first_touch(wh, data):
    truth = data.truth.segments.device_given_channel
    options = JourneyOptions(lookback_days=CONFIG.days + 30, censor=False)
    seg = service.attribute_segments(wh, "opening", "first_touch", options)
    devices = [d for d in truth.columns if f"first:{d}" in seg.results]
    assert devices == list(truth.columns)
    credit = {d: dict(zip(seg.results[f"first:{d}"].channels,
                          seg.results[f"first:{d}"].conversions.tolist(), strict=True))
              for d in devices}
    checked = 0
    for channel in truth.index:
        n = sum(credit[d].get(channel, 0.0) for d in devices)
        if n < 200:
            continue
        for d in devices:
            p = float(truth.loc[channel, d])
            got = credit[d].get(channel, 0.0) / n
            assert abs(got - p) < band(p, n), (channel, d, got, p)
        checked += 1
    assert checked >= 6
    # and the devices' mixes differ the way the truth says: search leans desktop
    search = {d: credit[d]["search"] / seg.results[f"first:{d}"].total_conversions
              for d in ("desktop", "mobile")}
    assert search["desktop"] > search["mobile"] + 0.05


@pytest.mark.parametrize("model", ["first_touch", "last_touch", "linear", "position"])
def test_journey_level_credit_of_the_segments_adds_up_to_the_pooled(wh, model):
    pooled = service.attribute(wh, model)
    seg = service.attribute_segments(wh, "customer_type", model)
    summed: dict[str, float] = {}
    for result in seg.results.values():
        for channel, x in zip(result.channels, result.conversions.tolist(), strict=True):
            summed[channel] = summed.get(channel, 0.0) + x
    for channel, x in zip(pooled.channels, pooled.conversions.tolist(), strict=True):
        assert summed.get(channel, 0.0) == pytest.approx(x, rel=1e-12, abs=1e-9), channel

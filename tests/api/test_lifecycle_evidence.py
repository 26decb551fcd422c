"""``GET /v1/lifecycle`` carries the evidence of each verdict: bounds, level, conversions.

Seed, quarter, last touch: tiktok is credited c6 (40) and c7 (60), 2 conversions and
revenue 100 on spend 20, ROI 5.0; the baseline is 230 / 200 = 1.15 (established
channels with spend), so the ratio is 5 / 1.15 = 4.348. The bounds are recomputed here
with the chi-square form of the exact Poisson bounds, ``χ²⁻¹(q; 2n) / 2``.
"""

import pytest
from scipy.stats import chi2

from touchpath.attribution.lifecycle import LifecycleRules

URL = "/v1/lifecycle?period=quarter&model=last_touch"
RATIO = 5.0 / 1.15


def test_default_rules_hold_a_two_conversion_channel_in_test_with_its_interval(ro_client,
                                                                                read_h):
    r = ro_client.get(URL, headers=read_h)
    assert r.status_code == 200
    doc = r.json()
    (v,) = doc["verdicts"]
    assert v["channel"] == "tiktok" and v["ratio"] == pytest.approx(RATIO)
    assert v["verdict"] == "test" and v["rule"] == "insufficient_evidence"
    assert v["level"] == 0.9 and v["conversions"] == pytest.approx(2.0)
    assert v["ratio_low"] == pytest.approx(RATIO * chi2.ppf(0.1, 4) / 2 / 2)
    assert v["ratio_high"] == pytest.approx(RATIO * chi2.ppf(0.9, 6) / 2 / 2)
    # the bound already clears the scale bar at a handful of conversions; 30 are required
    assert v["conversions_needed"] == 28
    assert "90% bounds 1.16 – 11.6 on 2 conversions" in v["reason"]
    assert "about 28 more conversions needed" in v["reason"]
    (cycle,) = v["cycles"]
    assert cycle["ratio_low"] == pytest.approx(v["ratio_low"])
    assert cycle["ratio_high"] == pytest.approx(v["ratio_high"])
    assert cycle["roi_low"] == pytest.approx(v["ratio_low"] * 1.15)
    assert "30 attributed conversions" in doc["rules"] and "90%" in doc["rules"]


def test_query_defaults_are_the_rules_defaults_and_can_be_changed(ro_client, read_h):
    rules = LifecycleRules()
    assert (rules.min_conversions, rules.level) == (30.0, 0.9)
    default = ro_client.get(URL, headers=read_h).json()
    explicit = ro_client.get(f"{URL}&min_conversions=30&level=0.9", headers=read_h).json()
    assert default["verdicts"] == explicit["verdicts"]
    # two conversions enough, 95 % bounds: 4.348 × χ²⁻¹(0.05; 4) / 2 / 2 = 0.773 < 1.15 → test
    url = f"{URL}&min_conversions=1&level=0.95"
    (v,) = ro_client.get(url, headers=read_h).json()["verdicts"]
    assert v["level"] == 0.95 and v["verdict"] == "test"
    assert v["ratio_low"] == pytest.approx(RATIO * chi2.ppf(0.05, 4) / 4)
    assert "lower bound 0.773 < 1.3" in v["reason"]
    # conversions needed: the least whole N whose bound at this ratio clears 1.3, less 2
    need = next(n for n in range(1, 100) if RATIO * chi2.ppf(0.05, 2 * n) / 2 / n >= 1.3)
    assert v["conversions_needed"] == need - 2 == 2


def test_level_outside_its_range_is_refused(ro_client, read_h):
    assert ro_client.get(f"{URL}&level=1", headers=read_h).status_code == 422
    r = ro_client.get(f"{URL}&level=0.3", headers=read_h)
    assert r.status_code == 422 and "level" in r.json()["detail"]

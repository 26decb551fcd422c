"""Fit facts in plans: fallback and poorly fitting curves, extrapolation, the named cap.

The curves are fitted from hand-made monthly points: ``email_sms`` follows
``R(s) = 20,000 · (1 − exp(−s / 2,000))`` at spend 540, 600, 700, 810 (a clean
fit, its cut ends at 1.5 × 810 = 1,215 per month, 3 × 1,215 = 3,645 per
quarter, where its slope is still 10 · exp(−0.6) ≈ 5.4 > 1); ``display`` has two
periods only (fewer than 4: constant-ROI fallback, ROI 3,000 / 100,000 = 0.03).
"""

import math

import numpy as np
import pytest

from touchpath.attribution.curves import fit_response_curve
from touchpath.errors import InvalidRequest
from touchpath.optimizer.io import curves_document, curves_from_json
from touchpath.service import PlanInputs, PlanParams, inputs_from_curves, plan


def _inputs():
    s = np.array([540.0, 600.0, 700.0, 810.0])
    email = fit_response_curve(s, 20000.0 * -np.expm1(-s / 2000.0), "email_sms")
    display = fit_response_curve([40000.0, 60000.0], [1200.0, 1800.0], "display")
    curves = {"email_sms": email, "display": display}
    previous = {"email_sms": 2000.0, "display": 100000.0}
    doc = curves_document(curves, n=8, previous_spend=previous, periods=3.0)
    inputs, sets = curves_from_json(doc)
    return PlanInputs(inputs, sets, doc, previous, curves)


def test_the_cap_is_named_with_its_reason_and_fit_facts_are_warned():
    found = _inputs()
    assert found.curves["email_sms"].method == "fit"
    assert found.curves["display"].method == "fallback"
    result = plan(found, PlanParams(budget=200000.0, max_change=None, quarter="2027Q1"))
    email = result.channel("email_sms")
    cap = ("curve capacity email_sms (1.5 × the largest observed spend 810 per month: "
           "3,645 per quarter)")
    assert email.spend == pytest.approx(3645.0)
    assert email.held_by == cap and cap in result.binding_constraints
    assert email.marginal_roi is None
    last_slope = found.document["channels"][0]["segments"][-1]["slope"]
    assert email.last_unit_roi == pytest.approx(last_slope) and last_slope > 1
    assert any(w.startswith(f"email_sms: held by {cap}") for w in result.warnings)
    # 3,645 per quarter = 1,215 per month > 810 observed
    assert any(w.startswith("email_sms: planned 1,215 per month is above the largest observed "
                            "810 per month") for w in result.warnings)
    # display: ROI 0.03 < 1, nothing bought; its fallback is still named with R²
    assert result.channel("display").spend == 0.0
    fb = [w for w in result.warnings if w.startswith("display: constant-ROI fallback curve")]
    r2 = found.curves["display"].r2
    assert len(fb) == 1 and "ROI 0.03" in fb[0] and f"R² {r2:.2f}" in fb[0]
    assert result.unallocated == pytest.approx(200000.0 - 3645.0)
    assert "display 0.03" in result.unallocated_reason


def test_a_poorly_fitting_curve_is_warned_with_its_r2():
    s = np.array([100.0, 200.0, 300.0, 400.0, 500.0])
    noisy = fit_response_curve(s, [900.0, 300.0, 1200.0, 500.0, 1400.0], "social",
                               min_r2=0.0)
    assert noisy.method == "fit" and noisy.r2 < 0.3
    doc = curves_document({"social": noisy}, n=4, previous_spend={"social": 900.0},
                          periods=3.0)
    inputs, sets = curves_from_json(doc)
    found = PlanInputs(inputs, sets, doc, {"social": 900.0}, {"social": noisy})
    result = plan(found, PlanParams(budget=900.0, min_roi=0.0))
    assert f"social: poorly fitting curve, R² {noisy.r2:.2f} < 0.3" in result.warnings


def test_plans_from_a_curves_document_say_once_they_have_no_fit_facts():
    doc = {"channels": [{"channel": "a", "segments": [{"width": 100, "slope": 0.5}],
                         "previous_spend": 100}]}
    result = plan(inputs_from_curves(doc), PlanParams(budget=100.0))
    # the default change limit ±30 % forces 70 of 100 at slope 0.5; 30 left unplaced
    assert result.spend() == {"a": pytest.approx(70.0)}
    assert result.unallocated == pytest.approx(30.0)
    assert any(w.startswith("a: marginal ROI 0.5 < 1.0") for w in result.warnings)
    assert sum("no fit facts" in n for n in result.notes) == 1
    assert not any("R²" in w for w in result.warnings)


def test_min_roi_defaults_to_one_and_must_be_non_negative():
    assert PlanParams().min_roi == 1.0
    with pytest.raises(InvalidRequest, match="min_roi"):
        PlanParams(min_roi=-0.5)
    with pytest.raises(InvalidRequest, match="min_roi"):
        PlanParams(min_roi=math.nan)

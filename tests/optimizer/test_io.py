import json

import pytest

from touchpath.optimizer import CurveError, curves_from_json, load_curves_file

ISSUE_EXAMPLE = {
    "channels": [
        {
            "channel": "search",
            "previous_spend": 250000,
            "group": "search",
            "status": "established",
            "segments": [{"width": 100000, "slope": 4.1}, {"width": 100000, "slope": 2.7}],
        }
    ]
}


def test_issue_example_parses():
    inputs, sets = curves_from_json(ISSUE_EXAMPLE)
    (ci,) = inputs
    assert ci.channel == "search" and ci.previous_spend == 250000.0 and ci.group == "search"
    assert ci.curve.revenue(150000) == pytest.approx(4.1 * 100000 + 2.7 * 50000)
    assert sets == []


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda c: c["segments"][1].update(slope="x"),
            r"channels\[0\] \('search'\)\.segments\[1\]\.slope",
        ),
        (
            lambda c: c["segments"][0].update(width=0),
            r"segments\[0\]\.width: expected a number > 0",
        ),
        (
            lambda c: c["segments"][1].update(slope=5.0),
            r"segments: .*segment 1: slope 5\.0 is above",
        ),
        (lambda c: c.update(status="paused"), r"\('search'\): channel 'search': status must be"),
        (lambda c: c.update(verdict="grow"), "verdict must be one of"),
        (lambda c: c.update(previous_spend=-5), r"previous_spend: expected a number >= 0"),
        (lambda c: c.update(budget=3), r"unknown field\(s\) budget"),
        (lambda c: c["segments"][0].pop("slope"), "missing field 'slope'"),
        (
            lambda c: c.update(resamples=[[{"width": 1, "slope": 1}]], segments=None),
            "without segments has no resamples",
        ),
    ],
)
def test_bad_fields_are_named(mutate, message):
    data = json.loads(json.dumps(ISSUE_EXAMPLE))
    mutate(data["channels"][0])
    with pytest.raises(CurveError, match=message):
        curves_from_json(data)


def test_duplicate_channel_and_resample_counts():
    data = json.loads(json.dumps(ISSUE_EXAMPLE))
    data["channels"].append(data["channels"][0])
    with pytest.raises(CurveError, match="channel listed twice"):
        curves_from_json(data)
    two = {
        "channels": [
            {
                "channel": "a",
                "segments": [{"width": 1, "slope": 1}],
                "resamples": [[{"width": 1, "slope": 2}]],
            },
            {
                "channel": "b",
                "segments": [{"width": 1, "slope": 1}],
                "resamples": [[{"width": 1, "slope": 2}], [{"width": 1, "slope": 3}]],
            },
        ]
    }
    with pytest.raises(CurveError, match="same number"):
        curves_from_json(two)


def test_resamples_and_aov_and_bad_file(tmp_path):
    data = {
        "channels": [
            {
                "channel": "a",
                "segments": [{"width": 10, "slope": 2}],
                "aov": 50,
                "resamples": [[{"width": 10, "slope": 1}], [{"width": 10, "slope": 3}]],
            }
        ]
    }
    inputs, sets = curves_from_json(data)
    assert inputs[0].conversions_per_revenue == pytest.approx(0.02)
    assert [s["a"].revenue(10) for s in sets] == [10.0, 30.0]
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(CurveError, match="not valid JSON"):
        load_curves_file(bad)

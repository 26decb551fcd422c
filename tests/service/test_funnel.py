"""The funnel: conversion kinds as stages, attributed, with stage-to-stage rates (by hand).

Ten users, one touch each on 2024-01-01 (u0-u5 search, u6-u9 email), every one
adds to cart on 2024-01-02 (10 each); u0, u1, u2 and u6 buy on 2024-01-03 (100
each), and u0 also sees display between its cart and its purchase. The cart
cuts nothing, so u0's purchase path is ``search > display``.

- Stages: 10 carts, 4 purchases: rate 0.4, drop-off 0.6.
- Last touch, carts: search 6, email 4, display 0; purchases: search 2 (u1, u2),
  display 1 (u0), email 1 (u6). Rates: search 2/6, email 1/4, display
  undefined (no cart credited).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from touchpath import service
from touchpath.data.warehouse import Warehouse
from touchpath.errors import InvalidRequest
from touchpath.service.funnel import FUNNEL_COLUMNS, funnel_stages

USERS = [f"u{i}" for i in range(10)]
BUYERS = ("u0", "u1", "u2", "u6")


def funnel_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    touches = [(f"t{i}", u, f"2024-01-01 {i:02d}:00:00", "search" if i < 6 else "email")
               for i, u in enumerate(USERS)]
    touches.append(("t10", "u0", "2024-01-02 12:00:00", "display"))
    convs = [(f"c{i}", u, f"2024-01-02 {i:02d}:00:00", "10", "add_to_cart")
             for i, u in enumerate(USERS)]
    convs += [(f"p{u[1:]}", u, "2024-01-03 10:00:00", "100", "purchase") for u in BUYERS]
    tp = pd.DataFrame(touches, columns=["event_id", "user_id", "ts", "channel"])
    cv = pd.DataFrame(convs, columns=["conversion_id", "user_id", "ts", "value", "kind"])
    return tp, cv


def funnel_warehouse(path: Path | str) -> Path | str:
    """Write the hand-worked funnel warehouse at ``path`` (``":memory:"`` not allowed)."""
    tp, cv = funnel_frames()
    with Warehouse.open(path) as wh:
        wh.ingest("touchpoints", tp)
        wh.ingest("conversions", cv)
    return path


@pytest.fixture
def wh():
    tp, cv = funnel_frames()
    with Warehouse.open(":memory:") as warehouse:
        warehouse.ingest("touchpoints", tp)
        warehouse.ingest("conversions", cv)
        yield warehouse


def test_stage_totals_rate_and_drop_off(wh):
    result = service.funnel(wh, "add_to_cart,purchase", "last_touch")
    assert result.stages == ("add_to_cart", "purchase")
    assert result.totals == (10.0, 4.0)
    assert result.values == (100.0, 400.0)
    rates = result.rates()
    assert math.isnan(rates[0]) and rates[1] == pytest.approx(0.4)
    assert result.overall_rate() == pytest.approx(0.4)


def test_per_channel_credit_and_rates_under_last_touch(wh):
    result = service.funnel(wh, ["add_to_cart", "purchase"], "last_touch")
    assert result.channels == ["display", "email", "search"]
    credit = result.credit
    assert credit.loc["search"].tolist() == [6.0, 2.0]
    assert credit.loc["email"].tolist() == [4.0, 1.0]
    assert credit.loc["display"].tolist() == [0.0, 1.0]
    assert result.rates("search")[1] == pytest.approx(2 / 6)
    assert result.rates("email")[1] == pytest.approx(1 / 4)
    assert math.isnan(result.rates("display")[1])  # nothing carted: undefined, not 0


def test_the_frame_has_the_overall_funnel_first_then_each_channel(wh):
    frame = service.funnel(wh, "add_to_cart,purchase", "last_touch").to_frame()
    assert tuple(frame.columns) == FUNNEL_COLUMNS
    assert frame["channel"].tolist() == ["(all)"] * 2 + ["display"] * 2 + ["email"] * 2 \
        + ["search"] * 2
    purchase = frame[frame["stage"] == "purchase"].set_index("channel")
    assert purchase.loc["(all)", "rate"] == pytest.approx(0.4)
    assert purchase.loc["(all)", "drop_off"] == pytest.approx(0.6)
    assert purchase.loc["search", "drop_off"] == pytest.approx(4 / 6)
    assert purchase.loc["email", "drop_off"] == pytest.approx(0.75)
    cart = frame[frame["stage"] == "add_to_cart"]
    assert cart["rate"].isna().all() and cart["drop_off"].isna().all()
    # every stage: channels + (direct) = the stage's conversions
    for stage, total in (("add_to_cart", 10), ("purchase", 4)):
        rows = frame[(frame["stage"] == stage) & (frame["channel"] != "(all)")]
        assert rows["conversions"].sum() == pytest.approx(total)


def test_the_purchase_stage_is_the_purchase_attribution(wh):
    result = service.funnel(wh, "add_to_cart,purchase", "linear")
    alone = service.attribute(wh, "linear", service.journey_options(kind="purchase"))
    by_channel = alone.to_frame().set_index("channel")["conversions"]
    for ch in ("search", "display", "email"):
        assert result.credit.loc[ch, "purchase"] == pytest.approx(by_channel[ch])
    # linear: u0's purchase path search > display splits one purchase in halves
    assert result.credit.loc["display", "purchase"] == pytest.approx(0.5)


@pytest.mark.parametrize(("stages", "message"), [
    ("", "give conversion kinds"),
    ("add_to_cart,,purchase", "blank"),
    ("purchase,purchase", "given twice"),
])
def test_bad_stages_are_refused(stages, message):
    with pytest.raises(InvalidRequest, match=message):
        funnel_stages(stages)


def test_one_stage_is_a_funnel_without_steps(wh):
    frame = service.funnel(wh, "purchase", "last_touch").to_frame()
    overall = frame[frame["channel"] == "(all)"]
    assert overall["conversions"].tolist() == [4.0] and overall["rate"].isna().all()


def test_a_stage_without_conversions_names_the_kinds_present(wh):
    with pytest.raises(InvalidRequest) as err:
        service.funnel(wh, "view,purchase", "last_touch")
    text = str(err.value)
    assert "no conversions of kind 'view'" in text
    assert "'add_to_cart' (10), 'purchase' (4)" in text

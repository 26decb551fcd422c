"""The demo's funnel stages: ``service.funnel`` recovers the synthetic funnel truth.

The demo generates its data with ``funnel_stages`` (an ``add_to_cart`` before
every purchase, abandoned carts after null journeys; data/synth, step 10). A
cart is placed after its journey's last touch (before the purchase, or 60 s +
Exponential(90 min) after a null journey's last touch), so under last touch
each stage credits a cart to the channel that touched last: the funnel's carts,
purchases and cart → purchase rates per channel are the truth's
(:class:`~touchpath.data.synth.truth.FunnelTruth`, counted by the generator)
exactly, and the share of abandoned carts is within 0.03 of the configured 0.70
(binomial spread about 0.006 at 5,000 carts).
"""

import math
from pathlib import Path

import pytest

from touchpath import service
from touchpath.cli.data_cmds import DemoContext, demo_config
from touchpath.data.synth import generate
from touchpath.data.warehouse import Warehouse

#: Largest distance of the realised share of abandoned carts from the configured one.
ABANDONMENT_BAND = 0.03


@pytest.fixture(scope="module")
def demo_funnel():
    ctx = DemoContext(db=Path("unused.duckdb"), out_dir=Path("unused"), users=6000, seed=21)
    config = demo_config(ctx)
    assert config.funnel_stages and config.n_users == 6000 and config.seed == 21
    data = generate(config)
    with Warehouse.open(":memory:") as wh:
        data.load_into(wh)
        yield wh, data.truth.funnel


def test_the_demo_generates_carts_with_their_truth(demo_funnel):
    wh, truth = demo_funnel
    assert truth is not None and truth.carts > 4000
    kinds = service.funnel(wh, "add_to_cart,purchase", "last_touch").totals
    assert kinds == (float(truth.carts), float(truth.purchases))


def test_cart_abandonment_is_the_configured_share(demo_funnel):
    wh, truth = demo_funnel
    result = service.funnel(wh, "add_to_cart,purchase")
    drop = 1.0 - result.overall_rate()
    assert drop == pytest.approx(truth.abandonment, abs=1e-12)
    assert abs(drop - truth.abandonment_target) < ABANDONMENT_BAND
    assert truth.abandonment_target == 0.7


def test_last_touch_funnel_per_channel_is_the_truth(demo_funnel):
    wh, truth = demo_funnel
    result = service.funnel(wh, "add_to_cart,purchase", "last_touch")
    expected = truth.by_channel.set_index("last_channel")
    assert set(result.channels) == set(expected.index)
    for channel, row in expected.iterrows():
        assert result.credit.loc[channel, "add_to_cart"] == pytest.approx(row["carts"], abs=1e-9)
        assert result.credit.loc[channel, "purchase"] == \
            pytest.approx(row["purchases"], abs=1e-9)
        rate = result.rates(channel)[1]
        assert rate == pytest.approx(row["cart_to_purchase"], abs=1e-12), channel
    # a direct purchase's cart is direct too: every one of them is bought
    assert result.rates("(direct)")[1] == 1.0
    # the leakiest stage is where the openers' carts end: short video and KOLs
    rates = {c: result.rates(c)[1] for c in result.channels if c != "(direct)"}
    assert min(rates, key=rates.get) in ("short_video", "social_kol")
    assert all(0.0 < r < 1.0 and not math.isnan(r) for r in rates.values())


def test_purchase_attribution_is_the_same_with_or_without_carts(demo_funnel):
    """Carts are not purchases: the purchase stage's journeys ignore them."""
    wh, _ = demo_funnel
    with_carts = service.attribute(wh, "linear")
    cur = wh.cursor()
    try:
        n_purchase = cur.execute(
            "SELECT count(*) FROM conversions WHERE kind = 'purchase'").fetchone()[0]
    finally:
        cur.close()
    assert with_carts.total_conversions + with_carts.direct_conversions == n_purchase

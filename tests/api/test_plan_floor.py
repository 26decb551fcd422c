"""``POST /v1/budget/plan`` through ``touchpath serve`` on loss-making data.

The warehouse is synthetic data with every day's spend multiplied by 1,000, so
every channel returns a few thousandths per unit of spend: under the default
floor (marginal ROI 1.0) nothing is worth buying. The expected spend is worked
out from the spend table by SQL: with the change limit off the plan buys nothing
and the whole budget (last quarter's spend) is unallocated; with the default
±30 % it buys exactly 70 % of each channel's last quarter (the most a max
decrease allows it to cut) and names each such channel.
"""

import math

import httpx
import pytest

from tests.api.conftest import touchpath_serve
from touchpath.data.warehouse import Warehouse

LAST_QUARTER = """
WITH last AS (SELECT date_trunc('month', max(day)) - INTERVAL 2 MONTH AS first_day FROM spend)
SELECT channel, sum(amount) FROM spend, last WHERE day >= last.first_day AND amount > 0
GROUP BY channel
"""


@pytest.fixture(scope="module")
def cheap_db(synth_warehouse):
    """Synthetic data with every spend × 1,000: each channel then returns ~0.002 per unit."""
    path = synth_warehouse(n_users=3000, seed=3)
    with Warehouse.open(path) as wh:
        wh.conn.execute("UPDATE spend SET amount = amount * 1000")
    return path


@pytest.fixture(scope="module")
def last(cheap_db):
    """Last quarter's spend per channel, read before the server takes the warehouse's lock."""
    with Warehouse.open(cheap_db, read_only=True) as wh:
        return {c: float(v) for c, v in wh.conn.execute(LAST_QUARTER).fetchall()}


@pytest.fixture(scope="module")
def served(cheap_db, last, keys, tmp_path_factory):
    with touchpath_serve(cheap_db, keys, tmp_path_factory.mktemp("serve")) as s:
        yield s


def _post(served, keys, body):
    r = httpx.post(f"{served.base}/v1/budget/plan", json=body, headers=keys.headers("read"),
                   timeout=300)
    assert r.status_code == 200, r.text
    return r.json()


def test_defaults_carry_the_floor(served, keys):
    r = httpx.get(f"{served.base}/v1/defaults", headers=keys.headers("read"), timeout=30)
    assert r.json()["min_roi"] == 1.0


def test_a_loss_making_warehouse_is_not_bought(served, keys, last):
    budget = math.fsum(float(v) for v in last.values())
    p = _post(served, keys, {"max_change": None, "model": "markov1"})
    assert p["status"] == "optimal" and p["min_roi"] == 1.0
    assert p["budget"] == pytest.approx(budget)
    assert p["total_spend"] == 0.0
    assert p["unallocated"] == pytest.approx(budget)
    assert p["unallocated_reason"].startswith("no channel returns ≥ 1.0 per unit")
    for c in p["channels"]:
        if c["modelled"]:
            assert f"{c['channel']} " in p["unallocated_reason"]
            assert c["marginal_roi"] < 1.0
    assert p["warnings"]  # fit facts of the curves behind the plan

    limited = _post(served, keys, {"model": "markov1"})
    spend = {c["channel"]: c["spend"] for c in limited["channels"]}
    status = {c["channel"]: c["status"] for c in limited["channels"]}
    established = {ch: prev for ch, prev in last.items() if status[ch] == "established"}
    assert len(established) >= 4
    for ch, prev in established.items():
        assert spend[ch] == pytest.approx(0.7 * float(prev), rel=1e-6), limited
        assert any(w.startswith(f"{ch}: marginal ROI ") and "< 1.0" in w
                   and f"max decrease {ch}" in w for w in limited["warnings"])
    # a channel in test has no change limit to force spend on it: the floor buys none of it
    for ch in set(last) - set(established):
        assert spend[ch] == 0.0
    forced = math.fsum(0.7 * float(prev) for prev in established.values())
    assert limited["unallocated"] == pytest.approx(budget - forced, rel=1e-6)

    everything = _post(served, keys, {"model": "markov1", "min_roi": 0})
    assert everything["unallocated"] == pytest.approx(0.0, abs=1e-6 * budget)
    assert everything["total_spend"] == pytest.approx(budget)

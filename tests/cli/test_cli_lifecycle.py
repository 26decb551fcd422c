"""``touchpath lifecycle --baseline paid|all`` and ``touchpath channel-status``.

``lifecycle`` on a small synthetic warehouse: the baseline of the latest cycle
is recomputed from the ROI table rows: ``paid`` sums revenue and spend over
established channels with spend in the cycle; ``all`` adds the revenue of the
unpaid ones (owned site, app push), whose spend is 0, so it is strictly larger
when they earn revenue. ``channel-status`` on a copy of the seed (tiktok is in
test).
"""

import json

import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.seed import history_rows
from touchpath.attribution.rules import Linear
from touchpath.cli.app import app
from touchpath.data.synth import TEST_CHANNEL
from touchpath.data.warehouse import Warehouse
from touchpath.service.roi import compute_roi_table


@pytest.fixture(scope="module")
def db(synth_warehouse):
    return synth_warehouse(n_users=4000, seed=2)


def _latest_baselines(db):
    with Warehouse.open(db, read_only=True) as wh:
        table = compute_roi_table(wh, Linear(), "month")
        statuses = dict(wh.conn.execute("SELECT channel, status FROM channels").fetchall())
    frame = table.to_frame(include_direct=False)
    last = frame[frame["period"] == table.periods[-1]]
    est = last[last["channel"].map(statuses).eq("established")]
    paid = est[est["spend"] > 0]
    return (paid["attributed_revenue"].sum() / paid["spend"].sum(),
            est["attributed_revenue"].sum() / est["spend"].sum())


def _verdict(db, *extra):
    res = CliRunner().invoke(app, ["lifecycle", "--db", str(db), "--model", "linear",
                                   "--no-record", "--format", "json", *extra])
    assert res.exit_code == 0, res.output
    (v,) = json.loads(res.stdout)["verdicts"]
    assert v["channel"] == TEST_CHANNEL
    return v


def test_lifecycle_cli_baseline_paid_by_default_and_all_on_request(db):
    paid, literal = _latest_baselines(db)
    assert literal > paid  # unpaid established channels add revenue without spend
    assert _verdict(db)["baseline"] == pytest.approx(paid)
    assert _verdict(db, "--baseline", "paid")["baseline"] == pytest.approx(paid)
    v = _verdict(db, "--baseline", "all")
    assert v["baseline"] == pytest.approx(literal) and v["rules"]["baseline"] == "all"


# ---------------------------------------------------------------- channel-status
def test_the_cli_says_an_unchanged_status_is_unchanged_and_records_nothing(db_copy):
    with Warehouse.open(db_copy, read_only=True) as wh:
        v0 = wh.data_version
    rows = history_rows(db_copy, "tiktok")
    res = CliRunner().invoke(app, ["channel-status", "tiktok", "--status", "test",
                                   "--reason", "still testing", "--db", str(db_copy)])
    assert res.exit_code == 0, res.output
    assert "tiktok" in res.output and "unchanged" in res.output and "->" not in res.output
    with Warehouse.open(db_copy, read_only=True) as wh:
        assert wh.data_version == v0
    assert history_rows(db_copy, "tiktok") == rows
    res = CliRunner().invoke(app, ["channel-status", "tiktok", "--status", "exited",
                                   "--reason", "poor ROI", "--db", str(db_copy)])
    assert res.exit_code == 0, res.output
    assert "test -> exited" in res.output
    with Warehouse.open(db_copy, read_only=True) as wh:
        assert wh.data_version == v0 + 1
    assert history_rows(db_copy, "tiktok") == rows + 1

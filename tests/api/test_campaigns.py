"""``grain=campaign`` on ``/v1/paths``, ``/v1/attribution`` and ``/v1/attribution/compare``.

Numbers from the hand-worked campaign warehouse (tests/seed/campaigns.py).
"""

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tests.seed.campaigns import LINEAR_CAMPAIGNS, LINEAR_CHANNELS, load_campaigns
from touchpath.data.warehouse import Warehouse


@pytest.fixture(scope="module")
def camp_client(tmp_path_factory, keys):
    from touchpath.api.main import create_app

    db = tmp_path_factory.mktemp("campaigns") / "c.duckdb"
    with Warehouse.open(db) as wh:
        load_campaigns(wh)
    with TestClient(create_app(make_settings(db, keys))) as client:
        yield client


def test_attribution_at_the_campaign_grain(camp_client, read_h):
    r = camp_client.get("/v1/attribution?model=linear&grain=campaign", headers=read_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grain"] == "campaign" and body["exact"] is True
    rows = {(c["channel"], c["campaign"]): (c["conversions"], c["value"])
            for c in body["campaigns"] if c["channel"] != "(direct)"}
    assert rows.keys() == LINEAR_CAMPAIGNS.keys()
    for key, expected in LINEAR_CAMPAIGNS.items():
        assert rows[key] == pytest.approx(expected, abs=1e-9)
    # channels: the channel-level fit; rollup: the campaigns summed beside it
    channels = {c["channel"]: (c["conversions"], c["value"]) for c in body["channels"]
                if c["channel"] != "(direct)"}
    roll = {c["channel"]: c for c in body["rollup"]}
    for channel, expected in LINEAR_CHANNELS.items():
        assert channels[channel] == pytest.approx(expected, abs=1e-9)
        assert (roll[channel]["conversions"], roll[channel]["value"]) == \
            pytest.approx(expected, abs=1e-9)
        assert roll[channel]["difference"] == pytest.approx(0.0, abs=1e-12)
    assert roll["search"]["campaigns"] == 2
    plain = camp_client.get("/v1/attribution?model=linear", headers=read_h).json()
    assert plain["grain"] is None and plain["campaigns"] is None
    assert plain["channels"] == body["channels"]


def test_markov_at_the_campaign_grain_is_its_own_fit(camp_client, read_h):
    body = camp_client.get("/v1/attribution?grain=campaign", headers=read_h).json()
    assert body["label"] == "markov1" and body["exact"] is False
    roll = {c["channel"]: c for c in body["rollup"]}
    assert sum(c["conversions"] for c in body["campaigns"] if c["channel"] != "(direct)") \
        == pytest.approx(3.0, abs=1e-9)
    assert abs(roll["search"]["difference"]) > 0.01
    assert not any(c["exact"] for c in body["rollup"])


def test_compare_at_the_campaign_grain(camp_client, read_h):
    r = camp_client.get("/v1/attribution/compare?models=linear,markov2&grain=campaign",
                        headers=read_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["models"] == ["linear", "markov2"]
    linear = {(c["channel"], c["campaign"]): c["conversions"] for c in body["campaign_rows"]
              if c["model"] == "linear" and c["channel"] != "(direct)"}
    assert linear[("search", "brand")] == pytest.approx(7 / 6, abs=1e-9)
    rows = {(c["model"], c["channel"]): c["conversions"] for c in body["rows"]}
    assert rows[("linear", "search")] == pytest.approx(11 / 6, abs=1e-9)
    exact = {c["model"]: c["exact"] for c in body["rollup"]}
    assert exact == {"linear": True, "markov2": False}


def test_paths_at_the_campaign_grain_list_their_states(camp_client, read_h):
    body = camp_client.get("/v1/paths?grain=campaign", headers=read_h).json()
    assert body["grain"] == "campaign"
    assert {p["path"] for p in body["paths"]} >= {"email / (none) > search / brand",
                                                  "social / spring"}
    assert {(s["state"], s["channel"], s["campaign"]) for s in body["states"]} == {
        ("email / (none)", "email", "(none)"), ("search / brand", "search", "brand"),
        ("search / generic", "search", "generic"), ("social / spring", "social", "spring")}


def test_bad_grain_and_separator_campaigns_are_422(camp_client, read_h, tmp_path, keys):
    r = camp_client.get("/v1/attribution?grain=ad", headers=read_h)
    assert r.status_code == 422
    import pandas as pd

    from touchpath.api.main import create_app

    db = tmp_path / "bad.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1"], "user_id": ["u"], "ts": ["2024-01-01"], "channel": ["search"],
            "campaign": ["a>b"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["u"], "ts": ["2024-01-02"], "value": ["1"]}))
    with TestClient(create_app(make_settings(db, keys))) as client:
        r = client.get("/v1/attribution?model=linear&grain=campaign", headers=read_h)
        assert r.status_code == 422, r.text
        assert "campaign 'a>b' of channel 'search' contains '>'" in r.json()["detail"]


def test_defaults_name_the_grain(camp_client):
    assert camp_client.get("/v1/defaults").json()["grain"] == "channel"

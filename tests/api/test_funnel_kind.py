"""``kind`` on the journey routes and ``GET /v1/funnel`` (tests/service/test_funnel.py's data)."""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tests.service.test_funnel import funnel_warehouse
from touchpath.api.main import create_app
from touchpath.data.warehouse import Warehouse


@pytest.fixture
def funnel_api(tmp_path, keys):
    db = funnel_warehouse(tmp_path / "funnel.duckdb")
    with TestClient(create_app(make_settings(db, keys))) as client:
        client.headers.update(keys.headers("read"))
        yield client


@pytest.fixture
def event_api(tmp_path, keys):
    db = tmp_path / "events.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1"], "user_id": ["u1"], "ts": ["2024-01-01 09:00"],
            "channel": ["search"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["u1"], "ts": ["2024-01-03 09:00"],
            "value": ["20"], "kind": ["conversion"]}))
    with TestClient(create_app(make_settings(db, keys))) as client:
        client.headers.update(keys.headers("read"))
        yield client


def test_defaults_name_the_kind(funnel_api):
    assert funnel_api.get("/v1/defaults").json()["kind"] == "purchase"


def test_attribution_kind(funnel_api):
    def credit(**params):
        res = funnel_api.get("/v1/attribution", params={"model": "last_touch", **params})
        assert res.status_code == 200, res.text
        body = res.json()
        return body["options"]["kind"], {r["channel"]: r["conversions"]
                                         for r in body["channels"]}

    assert credit() == ("purchase", {"display": 1.0, "email": 1.0, "search": 2.0})
    assert credit(kind="add_to_cart") == ("add_to_cart", {"email": 4.0, "search": 6.0})


def test_a_kind_without_conversions_is_a_422_naming_the_kinds(event_api):
    for route in ("/v1/attribution", "/v1/paths", "/v1/roi"):
        res = event_api.get(route)
        assert res.status_code == 422, (route, res.text)
        detail = res.json()["detail"]
        assert "no conversions of kind 'purchase'" in detail
        assert "'conversion' (1)" in detail
    assert event_api.get("/v1/attribution", params={"kind": "conversion"}).status_code == 200
    assert event_api.get("/v1/attribution", params={"kind": "all"}).status_code == 200


def test_funnel_by_hand(funnel_api):
    res = funnel_api.get("/v1/funnel", params={"stages": "add_to_cart,purchase",
                                               "model": "last_touch"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert [(s["stage"], s["conversions"], s["rate"]) for s in body["stages"]] == [
        ("add_to_cart", 10.0, None), ("purchase", 4.0, pytest.approx(0.4))]
    assert body["stages"][1]["drop_off"] == pytest.approx(0.6)
    assert body["overall_rate"] == pytest.approx(0.4)
    search = [r for r in body["rows"] if r["channel"] == "search"]
    assert [r["conversions"] for r in search] == [6.0, 2.0]
    assert search[1]["rate"] == pytest.approx(1 / 3)
    display = [r for r in body["rows"] if r["channel"] == "display"]
    assert display[1]["rate"] is None


@pytest.mark.parametrize("stages", [",,,", "view,purchase", "purchase,purchase"])
def test_funnel_bad_stages_are_422(funnel_api, stages):
    res = funnel_api.get("/v1/funnel", params={"stages": stages})
    assert res.status_code == 422, res.text


def test_the_kinds_most_conversions_first(funnel_api):
    body = funnel_api.get("/v1/funnel/kinds").json()
    assert body["kinds"] == [{"kind": "add_to_cart", "conversions": 10},
                             {"kind": "purchase", "conversions": 4}]

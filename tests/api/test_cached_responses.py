"""Cached reads are answered with stored JSON bytes; a status change is a new data version."""

import json

import duckdb
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tests.seed import history_rows

CURVES = [
    {"channel": "a", "segments": [{"width": 100, "slope": 4.0}, {"width": 100, "slope": 1.0}]},
    {"channel": "b", "segments": [{"width": 100, "slope": 3.0}, {"width": 100, "slope": 2.0}]},
]

#: (method, url, body, response model) of every cached endpoint.
CACHED = [
    ("GET", "/v1/attribution?model=last_touch", None, "AttributionResponse"),
    ("GET", "/v1/attribution/compare?models=first_touch,last_touch", None, "CompareResponse"),
    ("GET", "/v1/roi?period=quarter&model=last_touch", None, "ROIResponse"),
    ("GET", "/v1/lifecycle?period=quarter&model=last_touch", None, "LifecycleResponse"),
    ("GET", "/v1/paths?limit=3", None, "PathsResponse"),
    ("POST", "/v1/budget/plan", {"budget": 250, "curves": CURVES}, "PlanResponse"),
    ("POST", "/v1/budget/scenarios", {"budget": 250, "curves": CURVES}, "ScenariosResponse"),
    ("POST", "/v1/budget/goal", {"target_revenue": 800, "curves": CURVES}, "GoalResponse"),
]


@pytest.mark.parametrize(("method", "url", "body", "model"), CACHED,
                         ids=[c[1].split("?")[0] for c in CACHED])
def test_a_cache_hit_neither_validates_nor_serialises_again(
        ro_client, read_h, monkeypatch, method, url, body, model):
    import touchpath.api.schemas as schemas
    cls = getattr(schemas, model)
    first = ro_client.request(method, url, json=body, headers=read_h)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "application/json"
    # The body is what the response model would have produced.
    assert cls.model_validate_json(first.content).model_dump(mode="json") == first.json()

    def refuse(*args, **kwargs):
        raise AssertionError(f"{model} re-validated or re-encoded on a cache hit")

    # A hit must neither encode the model again nor go through FastAPI's
    # response_model path (which validates and serialises the returned object).
    import fastapi.routing

    monkeypatch.setattr(cls, "model_dump_json", refuse)
    monkeypatch.setattr(fastapi.routing, "serialize_response", refuse)
    again = ro_client.request(method, url, json=body, headers=read_h)
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["x-touchpath-data-version"] == str(first.json()["data_version"])


def test_openapi_still_documents_the_cached_bodies(ro_client):
    spec = ro_client.get("/openapi.json").json()
    for method, url, _, model in CACHED:
        op = spec["paths"][url.split("?")[0]][method.lower()]
        ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model}"


def test_roi_csv_hits_are_the_same_bytes(ro_client, read_h):
    url = "/v1/roi?period=month&model=last_touch&format=csv"
    a, b = ro_client.get(url, headers=read_h), ro_client.get(url, headers=read_h)
    assert a.status_code == b.status_code == 200 and a.content == b.content
    assert a.headers["content-type"].startswith("text/csv")
    assert ro_client.get(url.replace("csv", "json"), headers=read_h).headers[
        "content-type"] == "application/json"


def test_status_change_bumps_the_data_version_and_clients_see_it(db_copy, keys):
    from touchpath.api.main import create_app
    from touchpath.data.warehouse import Warehouse

    read_h, write_h = keys.headers("read"), keys.headers("write")
    url = "/v1/lifecycle?period=quarter&model=last_touch"
    with TestClient(create_app(make_settings(db_copy, keys))) as c:
        v0 = c.get("/v1/health").json()["data_version"]
        before = c.get(url, headers=read_h).json()
        assert before["data_version"] == v0 and len(before["verdicts"]) == 1
        r = c.post("/v1/channels/tiktok/status", headers=write_h,
                   json={"status": "established", "reason": "passed the Q1 test"})
        assert r.status_code == 200 and r.json()["data_version"] == v0 + 1
        assert c.get("/v1/health").json()["data_version"] == v0 + 1
        after = c.get(url, headers=read_h).json()
        assert after["data_version"] == v0 + 1 and after["verdicts"] == []
        # A refused change (unknown status) changes nothing, the version included.
        bad = c.post("/v1/channels/tiktok/status", headers=write_h,
                     json={"status": "paused", "reason": "x"})
        assert bad.status_code == 422
        assert c.get("/v1/health").json()["data_version"] == v0 + 1
        last_ingest = c.get("/v1/health").json()["last_ingest_at"]
    with Warehouse.open(db_copy, read_only=True) as wh:
        assert wh.data_version == v0 + 1
        # The status change is not an ingest: the last-ingest stamp is the seed's.
        assert wh.last_ingest_at.isoformat().replace("+00:00", "Z")[:19] == last_ingest[:19]


def test_status_change_and_version_bump_roll_back_together(db_copy):
    from touchpath.data.warehouse import Warehouse
    from touchpath.service.lifecycle import change_status

    with Warehouse.open(db_copy) as wh:
        v0 = wh.data_version
        change = change_status(wh, "tiktok", "exited", "ROI under half the bar")
        assert change.previous_status == "test"
        assert wh.data_version == v0 + 1
        # Make the audit row's insert fail after the status UPDATE: nothing may stay.
        wh.conn.execute("DROP TABLE channel_verdicts")
        wh.conn.execute("CREATE TABLE channel_verdicts (channel VARCHAR)")
        with pytest.raises(duckdb.Error):
            change_status(wh, "tiktok", "test", "retry")
        assert wh.data_version == v0 + 1
        status = wh.conn.execute("SELECT status FROM channels WHERE channel = 'tiktok'")
        assert status.fetchone()[0] == "exited"


def test_cached_json_matches_fastapis_own_encoding(ro_client, read_h):
    """Same document as FastAPI's response_model path (jsonable_encoder of the model)."""
    from fastapi.encoders import jsonable_encoder

    from touchpath.api.schemas import AttributionResponse

    r = ro_client.get("/v1/attribution?model=linear", headers=read_h)
    model = AttributionResponse.model_validate_json(r.content)
    assert json.loads(r.content) == jsonable_encoder(model)


def test_setting_the_status_a_channel_already_has_changes_nothing(db_copy, keys):
    from touchpath.api.main import create_app

    read_h, write_h = keys.headers("read"), keys.headers("write")
    url = "/v1/lifecycle?period=quarter&model=last_touch"
    rows = history_rows(db_copy, "tiktok")
    with TestClient(create_app(make_settings(db_copy, keys))) as c:
        cache = c.app.state.touchpath.cache
        v0 = c.get("/v1/health").json()["data_version"]
        assert c.get(url, headers=read_h).status_code == 200
        cached = len(cache)
        assert cached >= 1
        r = c.post("/v1/channels/tiktok/status", headers=write_h,
                   json={"status": "test", "reason": "still testing"})  # tiktok is in test
        assert r.status_code == 200, r.text
        assert r.json() == {"channel": "tiktok", "previous_status": "test", "status": "test",
                            "changed": False, "data_version": v0}
        assert c.get("/v1/health").json()["data_version"] == v0
        assert len(cache) == cached  # the cached verdicts were kept
        hits = cache.stats().hits
        again = c.get(url, headers=read_h)
        assert again.json()["data_version"] == v0 and len(again.json()["verdicts"]) == 1
        assert cache.stats().hits == hits + 1
        # A real change is still one: recorded, a new version.
        moved = c.post("/v1/channels/tiktok/status", headers=write_h,
                       json={"status": "established", "reason": "passed the Q1 test"})
        assert moved.json()["changed"] is True and moved.json()["data_version"] == v0 + 1
    assert history_rows(db_copy, "tiktok") == rows + 1

"""``POST /v1/ingest/identities``, ``stitch`` on the journey routes and ``GET /v1/identities``.

The phone click + laptop purchase of tests/data/test_identities.py, by hand: per id
the search click is a non-converting journey and the purchase (100) is direct; per
person the click converts.
"""

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from touchpath.api.main import create_app
from touchpath.data.warehouse import Warehouse

PAIRS_CSV = b"cookie,account,source\ncookie:p1,acct:7,login\nacct:7,acct:7,login\n"


@pytest.fixture
def api(tmp_path, keys):
    db = tmp_path / "devices.duckdb"
    with Warehouse.open(db) as wh:
        wh.ingest("touchpoints", pd.DataFrame({
            "event_id": ["e1"], "user_id": ["cookie:p1"], "ts": ["2024-03-01 09:00"],
            "channel": ["search"]}))
        wh.ingest("conversions", pd.DataFrame({
            "conversion_id": ["c1"], "user_id": ["acct:7"], "ts": ["2024-03-02 20:00"],
            "value": ["100"]}))
    with TestClient(create_app(make_settings(db, keys))) as client:
        client.headers.update(keys.headers("read"))
        yield client


def _ingest(api, keys):
    return api.post("/v1/ingest/identities",
                    files={"file": ("pairs.csv", PAIRS_CSV, "text/csv")},
                    params={"map": ["id_a=cookie", "id_b=account"]},
                    headers=keys.headers("write"))


def _credit(api, **params):
    res = api.get("/v1/attribution", params={"model": "last_touch", "censor": "false", **params})
    assert res.status_code == 200, res.text
    body = res.json()
    return ({r["channel"]: r["conversions"] for r in body["channels"]},
            body["options"]["stitch"])


def test_ingest_then_stitch_on_the_journey_routes(api, keys):
    # no pairs yet: nothing to stitch
    assert _credit(api) == ({"search": 0.0, "(direct)": 1.0}, True)
    res = _ingest(api, keys)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["table"], body["rows_in_file"], body["rows_inserted"]) == ("identities", 2, 2)
    again = _ingest(api, keys).json()
    assert (again["rows_inserted"], again["data_version"]) == (0, body["data_version"])
    assert _credit(api) == ({"search": 1.0}, True)  # no (direct) row left
    assert _credit(api, stitch="false") == ({"search": 0.0, "(direct)": 1.0}, False)
    paths = api.get("/v1/paths", params={"censor": "false", "stitch": "false"}).json()
    assert paths["options"]["stitch"] is False


def test_a_bad_identities_file_is_refused_whole(api, keys):
    res = api.post("/v1/ingest/identities",
                   files={"file": ("pairs.csv", b"id_a,id_b\nk1,a1\n,a2\n", "text/csv")},
                   headers=keys.headers("write"))
    assert res.status_code == 422, res.text
    assert "row 2" in res.text and "id_a" in res.text
    assert api.get("/v1/identities").json()["report"]["pairs"] == 0


def test_identities_report_by_hand(api, keys):
    _ingest(api, keys)
    res = api.get("/v1/identities", params={"model": "last_touch", "censor": "false"})
    assert res.status_code == 200, res.text
    body = res.json()
    report = body["report"]
    assert (report["pairs"], report["self_pairs"], report["persons"], report["ids_merged"]) \
        == (2, 1, 1, 2)
    assert report["sizes"] == [{"ids": 2, "persons": 1}] and report["oversized"] == []
    effect = body["effect"]
    assert (effect["journeys_before"], effect["journeys_after"]) == (2, 1)
    assert (effect["direct_before"], effect["direct_after"], effect["direct_now_touched"]) \
        == (1, 0, 1)
    assert [(r["channel"], r["conversions_per_id"], r["conversions_per_person"])
            for r in body["credit"]] == [("search", 0.0, 1.0), ("(direct)", 1.0, 0.0)]
    capped = api.get("/v1/identities", params={"max_ids": 1})
    assert capped.status_code == 422


def test_defaults_name_the_stitching(api):
    body = api.get("/v1/defaults").json()
    assert (body["stitch"], body["stitch_max_ids"]) == (True, 50)

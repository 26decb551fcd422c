"""Segments over HTTP: ``/v1/ingest/users``, ``/v1/segments`` and ``by=`` on the read routes.

The warehouse is the hand-worked one of tests/service/test_segments.py (its
journeys in tests/data/test_segments.py), written to a file and served by the app.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings
from tests.data.test_segments import CONVERSIONS, TOUCHES, USERS
from tests.service.test_segments import SPEND
from touchpath.data.warehouse import Warehouse

NO_CENSOR = {"censor": "false"}


@pytest.fixture
def client(tmp_path, keys):
    from touchpath.api.main import create_app

    db = tmp_path / "seg.duckdb"
    with Warehouse(db) as wh:
        wh.ingest("touchpoints", TOUCHES)
        wh.ingest("conversions", CONVERSIONS)
        wh.ingest("spend", SPEND)
    with TestClient(create_app(make_settings(db, keys))) as c:
        yield c


def _csv(frame: pd.DataFrame) -> dict:
    buf = io.BytesIO(frame.to_csv(index=False).encode())
    return {"file": ("users.csv", buf.getvalue(), "text/csv")}


def test_users_upload_lists_its_attributes_and_refuses_a_changed_value(client, keys):
    write = keys.headers("write")
    r = client.post("/v1/ingest/users", files=_csv(USERS), headers=write)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["tables"] == [{"table": "users", "rows": 3, "rows_inserted": 3,
                               "rows_skipped_existing": 0}]
    assert body["attributes"] == [{"name": "device", "scope": "user", "values_loaded": 3,
                                   "distinct": 2, "segmentable": True}]
    again = client.post("/v1/ingest/users", files=_csv(USERS), headers=write).json()
    assert (again["rows_inserted"], again["data_version"]) == (0, body["data_version"])
    changed = USERS.assign(device=["mobile", "tablet", "mobile"])
    r = client.post("/v1/ingest/users", files=_csv(changed), headers=write)
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert (problem["row"], problem["column"]) == (2, "device")
    listed = client.get("/v1/segments", headers=keys.headers("read")).json()
    assert listed["attributes"] == [
        {"name": "device", "scope": "user", "values": ["desktop", "mobile"], "distinct": 2,
         "segmentable": True},
        {"name": "plan", "scope": "conversion", "values": ["gold", "silver"], "distinct": 2,
         "segmentable": True}]


def test_attribution_by_a_user_attribute_is_the_hand_worked_table(client, keys):
    client.post("/v1/ingest/users", files=_csv(USERS), headers=keys.headers("write"))
    read = keys.headers("read")
    r = client.get("/v1/attribution", params={"by": "device", "model": "linear", **NO_CENSOR},
                   headers=read)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["by"]["scope"] == "user" and body["model"] == "linear"
    assert [(s["segment"], s["conversions"], s["revenue"], s["nulls"], s["small_sample"])
            for s in body["segments"]] == [("desktop", 1, 20, 1, True), ("mobile", 1, 10, 1, True),
                                           ("(none)", 1, 5, 1, True)]
    cells = {(row["segment"], row["channel"]): (row["conversions"], row["value"])
             for row in body["rows"]}
    assert cells[("mobile", "search")] == cells[("mobile", "email")] == (0.5, 5.0)
    assert cells[("desktop", "search")] == (1.0, 20.0)
    assert cells[("(none)", "(direct)")] == (1.0, 5.0)
    # small segments carry their interval
    assert all(row["conversions_lo"] is not None for row in body["rows"]
               if row["channel"] != "(direct)" and row["segment"] != "(none)")


def test_compare_and_roi_by_segment(client, keys):
    read = keys.headers("read")
    r = client.get("/v1/attribution/compare",
                   params={"by": "plan", "models": "first_touch,last_touch", **NO_CENSOR},
                   headers=read)
    assert r.status_code == 200, r.text
    rows = {(x["segment"], x["model"], x["channel"]): x["conversions"] for x in r.json()["rows"]}
    assert rows[("gold", "first_touch", "search")] == 1.0
    assert rows[("gold", "last_touch", "email")] == 1.0
    assert rows[("silver", "last_touch", "search")] == 1.0
    r = client.get("/v1/roi", params={"by": "plan", "model": "linear", **NO_CENSOR},
                   headers=read)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["segment"] for s in body["segments"]] == ["gold", "silver", "(none)"]
    assert all(s["reconciles"] for s in body["segments"])
    assert sum(s["spend"] for s in body["segments"]) == pytest.approx(146.0, abs=1e-9)
    csv = client.get("/v1/roi", params={"by": "plan", "model": "linear", "format": "csv",
                                        **NO_CENSOR}, headers=read)
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("segment,period,")


@pytest.mark.parametrize(("by", "status", "text"), [
    ("country", 422, "no attribute 'country' on conversions or users; the attributes are "
                     "'plan'"),
])
def test_an_unknown_attribute_is_a_422_naming_the_ones_there_are(client, keys, by, status,
                                                                  text):
    for url in ("/v1/attribution", "/v1/attribution/compare", "/v1/roi"):
        r = client.get(url, params={"by": by}, headers=keys.headers("read"))
        assert r.status_code == status, (url, r.text)
        assert text in r.json()["detail"]

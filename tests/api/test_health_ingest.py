import io
from datetime import UTC, datetime, timedelta

import pandas as pd

from tests.api.conftest import COUNTS_A, COUNTS_B, DATA


def upload(name: str, content: bytes | None = None, filename: str | None = None):
    data = content if content is not None else (DATA / name).read_bytes()
    return {"file": (filename or name, data, "text/csv")}


def test_health_needs_no_key_and_reports_counts(ro_client):
    r = ro_client.get("/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["counts"] == COUNTS_A
    assert body["first_day"] == "2026-01-02" and body["last_day"] == "2026-03-20"
    assert isinstance(body["data_version"], int) and body["data_version"] >= 1
    seeded = datetime.fromisoformat(body["last_ingest_at"])
    assert seeded.utcoffset() == timedelta(0) and seeded <= datetime.now(UTC)


def test_ingest_adds_rows_bumps_version_and_invalidates(client, write_h):
    before = client.get("/v1/health").json()
    sent = datetime.now(UTC)
    r = client.post("/v1/ingest/conversions", files=upload("conversions_more.csv"),
                    headers=write_h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["rows_in_file"] == 1 and body["rows_inserted"] == 1
    assert body["source"] == "conversions_more.csv" and body["format"] == "csv"
    assert body["data_version"] == before["data_version"] + 1
    after = client.get("/v1/health").json()
    assert after["counts"] == COUNTS_B and after["data_version"] == body["data_version"]
    assert (datetime.fromisoformat(before["last_ingest_at"]) <= sent
            <= datetime.fromisoformat(after["last_ingest_at"]) <= datetime.now(UTC))


def test_reingest_is_a_noop(client, write_h):
    before = client.get("/v1/health").json()
    r = client.post("/v1/ingest/touchpoints", files=upload("touchpoints.csv"), headers=write_h)
    assert r.status_code == 200
    assert r.json()["rows_inserted"] == 0 and r.json()["rows_skipped_existing"] == 9
    after = client.get("/v1/health").json()
    assert after["counts"] == COUNTS_A
    assert (after["data_version"], after["last_ingest_at"]) == (before["data_version"],
                                                               before["last_ingest_at"])


def test_parquet_upload_is_detected(client, write_h, tmp_path):
    frame = pd.read_csv(DATA / "conversions_more.csv", dtype=str)
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    r = client.post("/v1/ingest/conversions",
                    files={"file": ("more.bin", buf.getvalue(), "application/octet-stream")},
                    headers=write_h)
    assert r.status_code == 200, r.text
    assert r.json()["format"] == "parquet" and r.json()["rows_inserted"] == 1


def test_bad_file_gets_row_level_report_and_nothing_loads(client, write_h):
    version = client.get("/v1/health").json()["data_version"]
    r = client.post("/v1/ingest/touchpoints", files=upload("bad_touchpoints.csv"),
                    headers=write_h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["total"] == 2 and body["source"] == "bad_touchpoints.csv"
    assert [(p["row"], p["column"]) for p in body["problems"]] == [(2, "ts"), (3, "cost")]
    assert "tmp" not in body["detail"] and "Traceback" not in r.text
    health = client.get("/v1/health").json()
    assert health["counts"] == COUNTS_A and health["data_version"] == version


def test_missing_column_is_row_zero(client, write_h):
    r = client.post("/v1/ingest/spend", files=upload("x.csv", b"channel,amount\nsearch,1\n"),
                    headers=write_h)
    assert r.status_code == 422
    assert r.json()["problems"][0] == {
        "row": 0, "column": "day", "value": None,
        "reason": "missing required column; the file has channel, amount"
                  " (name yours with --map day=COLUMN)"}


def test_ingest_needs_a_write_key(client, read_h):
    files = upload("conversions_more.csv")
    assert client.post("/v1/ingest/conversions", files=files).status_code == 401
    r = client.post("/v1/ingest/conversions", files=files, headers=read_h)
    assert r.status_code == 403
    assert client.get("/v1/health").json()["counts"] == COUNTS_A


def test_x_api_key_header_works_too(client, keys):
    r = client.post("/v1/ingest/conversions", files=upload("conversions_more.csv"),
                    headers=keys.headers("write", style="x-api-key"))
    assert r.status_code == 200


def test_unknown_table_and_missing_file_are_422(client, write_h):
    r = client.post("/v1/ingest/visitors", files=upload("conversions.csv"), headers=write_h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["path", "table"]
    r = client.post("/v1/ingest/conversions", data={"x": "1"}, headers=write_h)
    assert r.status_code == 422 and "file" in r.json()["detail"]


def test_upload_over_the_limit_is_413_by_header_and_by_stream(db_copy, keys):
    from fastapi.testclient import TestClient

    from tests.api.conftest import make_settings
    from touchpath.api.main import create_app

    app = create_app(make_settings(db_copy, keys, max_upload_bytes=2000))
    big = b"conversion_id,user_id,ts,value\n" + b"c,u,2026-01-01,1\n" * 500
    with TestClient(app) as c:
        h = keys.headers("write")
        r = c.post("/v1/ingest/conversions", files=upload("big.csv", big), headers=h)
        assert r.status_code == 413
        assert r.json()["status"] == 413

        def chunks():  # no Content-Length: the streamed size is what counts
            for _ in range(10):
                yield big[:1000]

        r = c.post("/v1/ingest/conversions", content=chunks(),
                   headers={**h, "Content-Type": "multipart/form-data; boundary=xyz"})
        assert r.status_code == 413
        assert c.get("/v1/health").json()["counts"]["conversions"] == 7

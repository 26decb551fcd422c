"""Hardened ingest through a real ``touchpath serve`` process: refused files name their rows,
and the service keeps answering reads afterwards."""

import io
import os
import shutil
import subprocess
import time

import httpx
import pandas as pd
import pytest

from tests.api.conftest import COUNTS_A
from touchpath.api.testing import free_port, stop_process, touchpath_command

WINDOW = "1990-01-01 .. 2100-01-01"


@pytest.fixture(scope="module")
def served(tmp_path_factory, seeded_db, keys):
    """``(base URL, write headers, read headers)`` of a server over a copy of the seed."""
    root = tmp_path_factory.mktemp("serve-ingest")
    db = root / "wh.duckdb"
    shutil.copyfile(seeded_db, db)
    port = free_port()
    env = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys.path)}
    env.pop("TOUCHPATH_CONFIG", None)
    log = (root / "serve.log").open("w+b")
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"touchpath serve exited: {log.read().decode()[-2000:]}")
            try:
                httpx.get(f"{base}/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "touchpath serve did not come up"
                time.sleep(0.1)
        yield base, keys.headers("write"), keys.headers("read")
    finally:
        stop_process(proc)
        log.close()


def post(served, table: str, content: bytes, name: str = "upload.csv") -> httpx.Response:
    base, write_h, _ = served
    return httpx.post(f"{base}/v1/ingest/{table}", headers=write_h, timeout=30,
                      files={"file": (name, content, "text/csv")})


def assert_reads_still_work(served) -> None:
    base, _, read_h = served
    health = httpx.get(f"{base}/v1/health", timeout=30)
    assert health.status_code == 200, health.text
    assert health.json()["counts"] == COUNTS_A
    assert (health.json()["first_day"], health.json()["last_day"]) == ("2026-01-02", "2026-03-20")
    paths = httpx.get(f"{base}/v1/paths", headers=read_h, timeout=30)
    assert paths.status_code == 200, paths.text
    assert (paths.json()["totals"]["path_conversions"], paths.json()["totals"]["nulls"]) == (5, 1)
    attribution = httpx.get(f"{base}/v1/attribution?model=first_touch", headers=read_h,
                            timeout=30)
    assert attribution.status_code == 200 and attribution.json()["total_conversions"] == 5


def test_out_of_range_timestamps_are_422_and_reads_keep_working(served):
    body = (b"event_id,user_id,ts,channel\n"
            b"n1,u9,2026-02-01T10:00:00Z,search\n"
            b"n2,u9,20260-06-01T10:00:00,search\n"
            b"n3,u9,294247-01-01T00:00:00,search\n"
            b"n4,u9,0001-01-01T00:00:00,search\n")
    r = post(served, "touchpoints", body, "far.csv")
    assert r.status_code == 422, r.text
    assert r.json()["total"] == 3 and r.json()["source"] == "far.csv"
    assert r.json()["problems"] == [
        {"row": row, "column": "ts", "reason": f"timestamp {ts} is outside {WINDOW}", "value": ts}
        for row, ts in [(2, "20260-06-01T10:00:00"), (3, "294247-01-01T00:00:00"),
                        (4, "0001-01-01T00:00:00")]]
    assert "Traceback" not in r.text
    assert_reads_still_work(served)


def test_native_parquet_timestamps_outside_the_window_are_422(served):
    frame = pd.DataFrame({"conversion_id": ["k1", "k2"], "user_id": ["u9", "u9"],
                          "value": ["1", "2"],
                          "ts": pd.array(["2026-02-01T00:00:00", "2262-01-01T00:00:00"],
                                         dtype="datetime64[us]")})
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    r = post(served, "conversions", buf.getvalue(), "far.parquet")
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == [
        {"row": 2, "column": "ts", "reason": f"timestamp 2262-01-01 00:00:00 is outside {WINDOW}",
         "value": "2262-01-01 00:00:00"}]
    assert_reads_still_work(served)


def test_a_channel_name_holding_the_separator_is_422(served):
    r = post(served, "spend", b"channel,day,amount\nsearch,2026-01-05,1\nsearch > email,"
                              b"2026-01-05,2\n")
    assert r.status_code == 422, r.text
    assert [(p["row"], p["column"], p["value"]) for p in r.json()["problems"]] == [
        (2, "channel", "search > email")]
    assert "path separator" in r.json()["problems"][0]["reason"]
    assert_reads_still_work(served)


def test_broken_csv_structure_is_422_naming_the_row(served):
    short = b"event_id,user_id,ts,channel\nn1,u9,2026-02-01,search\nn2,u9,2026-02-01\n"
    r = post(served, "touchpoints", short)
    assert r.status_code == 422, r.text
    assert [(p["row"], p["column"], p["reason"]) for p in r.json()["problems"]] == [
        (2, "", "has 3 fields, the header has 4")]
    latin1 = "event_id,user_id,ts,channel\nn1,u9,2026-02-01,caf\xe9\n".encode("latin-1")
    r = post(served, "touchpoints", latin1)
    assert r.status_code == 422, r.text
    assert [(p["row"], p["column"]) for p in r.json()["problems"]] == [(1, "channel")]
    assert r.json()["problems"][0]["reason"].startswith("not UTF-8 text")
    r = post(served, "touchpoints", b"")
    assert r.status_code == 422, r.text
    assert r.json()["problems"] == [
        {"row": 0, "column": "", "value": None,
         "reason": "the file is empty (0 bytes): expected a header line with columns"
                   " user_id, ts, channel (or source, medium, campaign, referrer to derive it"
                   " from) (optional: event_id, interaction, cost)"}]
    r = post(served, "touchpoints", b"event_id,user_id,ts,channel\n")
    assert r.status_code == 200, r.text
    assert (r.json()["rows_in_file"], r.json()["rows_inserted"]) == (0, 0)
    assert_reads_still_work(served)

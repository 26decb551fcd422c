"""The upload limit counts decompressed bytes: gzip and Parquet bombs get 413 early.

``TOUCHPATH_MAX_UPLOAD_BYTES`` is 1 MiB here. The bombs are a few hundred
kilobytes on the wire (under the limit) and tens of megabytes once
decompressed; they are refused with 413 before the data lock is taken and
before DuckDB reads anything, and the server never holds the decompressed data.
"""

import gzip
import io
import shutil

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import COUNTS_A, DATA, make_settings, touchpath_serve

LIMIT = 1024 * 1024
HEADER = b"conversion_id,user_id,ts,value\n"
#: 50 MB of one repeated conversion row: about 0.1 MB as gzip.
BOMB_CSV = HEADER + b"c1,u1,2026-01-01T00:00:00Z,1.0\n" * 1_600_000


def gzip_bomb() -> bytes:
    return gzip.compress(BOMB_CSV, 9)


def dictionary_bomb() -> bytes:
    """A Parquet file of 200 000 rows of one 200-character user id (dictionary-encoded)."""
    n = 200_000
    table = pa.table({"conversion_id": pa.array(["c1"] * n), "user_id": pa.array(["u" * 200] * n),
                      "ts": pa.array(["2026-01-01"] * n), "value": pa.array(["1"] * n)})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def declared_bomb() -> bytes:
    """A Parquet file whose footer declares 16 MB of plain int64 zeros (zstd: a few KB)."""
    n = 2_000_000
    table = pa.table({"conversion_id": pa.array(["c1"] * n), "user_id": pa.array(["u1"] * n),
                      "ts": pa.array(["2026-01-01"] * n), "value": pa.array(["1"] * n),
                      "pad": pa.array([0] * n, pa.int64())})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd", use_dictionary=["conversion_id", "user_id",
                                                                   "ts", "value"])
    return buf.getvalue()


def footer_bytes(data: bytes) -> int:
    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))


def post(base_or_client, headers, name: str, data: bytes, table: str = "conversions"):
    files = {"file": (name, data, "application/octet-stream")}
    if isinstance(base_or_client, str):
        return httpx.post(f"{base_or_client}/v1/ingest/{table}", files=files, headers=headers,
                          timeout=120)
    return base_or_client.post(f"/v1/ingest/{table}", files=files, headers=headers)


@pytest.fixture(scope="module")
def served(tmp_path_factory, seeded_db, keys):
    """A real ``touchpath serve`` with a 1 MiB upload limit over a private copy of the seed."""
    root = tmp_path_factory.mktemp("limits")
    db = root / "wh.duckdb"
    shutil.copyfile(seeded_db, db)
    with touchpath_serve(db, keys, root, TOUCHPATH_MAX_UPLOAD_BYTES=str(LIMIT)) as server:
        yield server


def health(base: str) -> dict:
    return httpx.get(f"{base}/v1/health", timeout=10).json()


def assert_decompressed_413(r) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 413
    assert str(LIMIT) in body["detail"] and "decompressed" in body["detail"]


def test_gzip_bomb_is_413_and_the_server_never_holds_it(served, keys):
    bomb = gzip_bomb()
    assert len(bomb) < LIMIT // 4 < LIMIT * 40 < len(BOMB_CSV)  # small on the wire, huge inside
    before = health(served.base)
    peak = served.peak_rss_kib()
    r = post(served.base, keys.headers("write"), "bomb.csv.gz", bomb)
    assert_decompressed_413(r)
    after = health(served.base)
    assert after["counts"] == before["counts"]
    assert (after["data_version"], after["last_ingest_at"]) == (before["data_version"],
                                                               before["last_ingest_at"])
    # 50 MB decompressed; the server's peak memory grew by far less than that.
    assert served.peak_rss_kib() - peak < 16 * 1024


def test_gzip_upload_under_the_limit_still_loads(served, keys):
    before = health(served.base)
    data = gzip.compress((DATA / "conversions_more.csv").read_bytes())
    r = post(served.base, keys.headers("write"), "more.csv.gz", data)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["format"], body["rows_in_file"], body["rows_inserted"]) == ("csv", 1, 1)
    after = health(served.base)
    assert after["counts"]["conversions"] == before["counts"]["conversions"] + 1
    assert after["data_version"] == before["data_version"] + 1


def test_parquet_that_decodes_past_the_limit_is_413(served, keys):
    bomb = dictionary_bomb()
    # Its footer declares less than the limit: only decoding shows the 40+ MB.
    assert len(bomb) < LIMIT // 100 and footer_bytes(bomb) < LIMIT // 100
    before = health(served.base)
    peak = served.peak_rss_kib()
    assert_decompressed_413(post(served.base, keys.headers("write"), "bomb.parquet", bomb))
    after = health(served.base)
    assert (after["counts"], after["data_version"]) == (before["counts"], before["data_version"])
    assert served.peak_rss_kib() - peak < 16 * 1024


def test_parquet_declaring_more_than_the_limit_is_413(served, keys):
    bomb = declared_bomb()
    assert len(bomb) < LIMIT // 4 and footer_bytes(bomb) > 10 * LIMIT
    before = health(served.base)
    r = post(served.base, keys.headers("write"), "declared.parquet", bomb)
    assert_decompressed_413(r)
    assert "declares" in r.json()["detail"]
    assert health(served.base)["data_version"] == before["data_version"]


# ------------------------------------------------------------- in-process checks
class CountingLock:
    """Wraps the app's data lock and counts exclusive holds."""

    def __init__(self, inner):
        self.inner = inner
        self.writes = 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def acquire_write(self):
        self.writes += 1
        self.inner.acquire_write()

    def write(self):
        self.writes += 1
        return self.inner.write()


@pytest.fixture
def limited(db_copy, keys, monkeypatch):
    """``(client, lock, ingested)``: a 1 MiB-limited app whose warehouse ingests are recorded."""
    from touchpath.api.main import create_app
    from touchpath.data.warehouse import Warehouse

    ingested = []
    real = Warehouse.ingest

    def recording(self, table, source, **kw):
        ingested.append(str(source))
        return real(self, table, source, **kw)

    monkeypatch.setattr(Warehouse, "ingest", recording)
    with TestClient(create_app(make_settings(db_copy, keys, max_upload_bytes=LIMIT))) as c:
        lock = CountingLock(c.app.state.touchpath.lock)
        c.app.state.touchpath.lock = lock
        yield c, lock, ingested


@pytest.mark.parametrize("name, make", [("bomb.csv.gz", gzip_bomb),
                                        ("bomb.parquet", dictionary_bomb),
                                        ("declared.parquet", declared_bomb)])
def test_a_bomb_is_refused_before_the_lock_and_before_duckdb(limited, write_h, name, make):
    client, lock, ingested = limited
    assert_decompressed_413(post(client, write_h, name, make()))
    assert lock.writes == 0 and ingested == []
    assert client.get("/v1/health").json()["counts"] == COUNTS_A


def test_the_limit_is_on_decompressed_bytes_exactly(db_copy, keys, write_h):
    from touchpath.api.main import create_app

    csv = HEADER + b"".join(b"c%03d,u1,2026-01-01,1\n" % i for i in range(100))
    packed = gzip.compress(csv)
    assert len(packed) * 2 < len(csv)
    with TestClient(create_app(make_settings(db_copy, keys, max_upload_bytes=len(csv) - 1))) as c:
        assert_decompressed_413_at(post(c, write_h, "x.csv.gz", packed), len(csv) - 1)
    with TestClient(create_app(make_settings(db_copy, keys, max_upload_bytes=len(csv)))) as c:
        r = post(c, write_h, "x.csv.gz", packed)
        assert r.status_code == 200, r.text
        assert r.json()["rows_inserted"] == 100


def assert_decompressed_413_at(r, limit: int) -> None:
    assert r.status_code == 413, r.text
    assert f"limit of {limit} bytes" in r.json()["detail"]


def test_concatenated_gzip_members_load_whole(client, write_h):
    first = HEADER + b"c10,u1,2026-01-01,1\n"
    data = gzip.compress(first) + gzip.compress(b"c11,u2,2026-01-02,2\n")
    r = post(client, write_h, "two.csv.gz", data)
    assert r.status_code == 200, r.text
    assert (r.json()["rows_in_file"], r.json()["rows_inserted"]) == (2, 2)


@pytest.mark.parametrize("cut", [10, -4])
def test_a_broken_gzip_is_422_naming_the_file(client, write_h, cut):
    data = gzip.compress((DATA / "conversions_more.csv").read_bytes())
    r = post(client, write_h, "broken.csv.gz", data[:cut])
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["source"] == "broken.csv.gz"
    assert body["problems"][0]["row"] == 0 and "gzip" in body["problems"][0]["reason"].lower()
    assert "tmp" not in r.text and "Traceback" not in r.text
    assert client.get("/v1/health").json()["counts"] == COUNTS_A


def test_a_zstd_file_is_refused_in_plain_words(client, write_h):
    # A zstd frame header (magic 28 b5 2f fd); the rest does not matter: it is never decoded.
    data = b"\x28\xb5\x2f\xfd" + b"\x00" * 64
    r = post(client, write_h, "x.csv.zst", data)
    assert r.status_code == 422, r.text
    reason = r.json()["problems"][0]["reason"]
    assert "zstd" in reason and "gzip" in reason


def test_a_broken_parquet_file_is_422_naming_the_file(client, write_h):
    r = post(client, write_h, "broken.parquet", b"PAR1" + b"\x00" * 100)
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["source"] == "broken.parquet" and body["problems"][0]["row"] == 0
    assert "Parquet" in body["problems"][0]["reason"]
    assert "tmp" not in r.text and "touchpath-upload" not in r.text
    assert client.get("/v1/health").json()["counts"] == COUNTS_A

"""``kill -9`` of a real ``touchpath serve`` in the middle of an ingest.

The server is killed at several points of a large upload-and-ingest (fractions
of the time a full ingest takes on the same machine). Whatever the point, the
warehouse afterwards holds the data before the ingest or after it, never part
of it; the data version agrees with the rows; the server starts again and the
same file then loads whole.
"""

import signal
import threading
import time

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.api.conftest import touchpath_serve
from touchpath.data.warehouse import Warehouse

ROWS = 300_000


def _touchpoints_csv(path, n):
    rng = np.random.default_rng(3)
    pd.DataFrame({
        "event_id": [f"crash-{i}" for i in range(n)],
        "user_id": [f"cu{u}" for u in rng.integers(0, n // 4, n)],
        "ts": "2026-03-02T10:00:00",
        "channel": rng.choice(["search", "email_sms", "social_kol"], n),
    }).to_csv(path, index=False)


def _state(db):
    with Warehouse.open(db, read_only=True) as wh:
        return wh.counts()["touchpoints"], wh.data_version


def _upload(base, keys, csv, result):
    try:
        with open(csv, "rb") as fh:
            r = httpx.post(f"{base}/v1/ingest/touchpoints", headers=keys.headers("write"),
                           files={"file": ("big.csv", fh, "text/csv")}, timeout=120)
        result["status"] = r.status_code
    except httpx.TransportError as exc:
        result["error"] = type(exc).__name__


@pytest.mark.slow
def test_kill_9_mid_ingest_leaves_the_data_before_or_after_it(db_copy, keys, tmp_path):
    csv = tmp_path / "big.csv"
    _touchpoints_csv(csv, ROWS)
    rows_before, version_before = _state(db_copy)

    # How long a whole ingest takes here, on a copy of the same warehouse.
    probe = tmp_path / "probe.duckdb"
    probe.write_bytes(db_copy.read_bytes())
    with touchpath_serve(probe, keys, tmp_path) as served:
        result: dict = {}
        start = time.monotonic()
        _upload(served.base, keys, csv, result)
        full = time.monotonic() - start
    assert result == {"status": 200}
    assert _state(probe)[0] == rows_before + ROWS

    outcomes = []
    for fraction in (0.2, 0.5, 0.8):
        with touchpath_serve(db_copy, keys, tmp_path) as served:
            result = {}
            sender = threading.Thread(target=_upload, args=(served.base, keys, csv, result))
            sender.start()
            time.sleep(full * fraction)
            served.proc.send_signal(signal.SIGKILL)
            served.proc.wait(timeout=30)
            sender.join(timeout=60)
        rows, version = _state(db_copy)
        # all or nothing: the rows and the version move together, or not at all
        assert (rows, version) in {(rows_before, version_before),
                                   (rows_before + ROWS, version_before + 1)}, fraction
        outcomes.append((fraction, rows == rows_before, result))
        if rows != rows_before:
            break
    # At least one kill landed before the commit: the request was cut off, nothing kept.
    assert any(kept_nothing for _, kept_nothing, _ in outcomes), outcomes

    # The server comes back on the same file and the same file then loads whole.
    with touchpath_serve(db_copy, keys, tmp_path) as served:
        assert httpx.get(f"{served.base}/v1/health", timeout=10).status_code == 200
        result = {}
        _upload(served.base, keys, csv, result)
    assert result == {"status": 200}
    assert _state(db_copy)[0] == rows_before + ROWS

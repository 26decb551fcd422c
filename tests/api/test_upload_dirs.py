"""Upload temp folders carry the server's pid; a start removes those of servers that are gone.

A server killed with SIGKILL during an upload cannot remove its
``touchpath-upload-<pid>-*`` folder; the next start does, while folders of
running servers stay.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from tests.api.conftest import make_settings, touchpath_serve


def dead_pid() -> int:
    """The pid of a process that has exited (and was reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def upload_dir(root: Path, name: str, *, age_s: float = 0.0) -> Path:
    path = root / name
    path.mkdir()
    (path / "upload.csv").write_bytes(b"event_id,user_id,ts,channel\n" * 1000)
    if age_s:
        then = time.time() - age_s
        os.utime(path, (then, then))
    return path


def test_a_start_removes_folders_of_gone_servers_and_keeps_live_ones(db_copy, keys, tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    gone = upload_dir(tmp, f"touchpath-upload-{dead_pid()}-k1ll3d")
    live = upload_dir(tmp, f"touchpath-upload-{os.getpid()}-busy")  # this test process runs
    # A folder named for a running pid, but older than that process: the pid was reused.
    reused = upload_dir(tmp, f"touchpath-upload-{os.getpid()}-0ld", age_s=30 * 86400)
    unnamed_old = upload_dir(tmp, "touchpath-upload-x7q2", age_s=2 * 86400)
    unnamed_new = upload_dir(tmp, "touchpath-upload-a9z1")
    other = upload_dir(tmp, "someone-else-9")
    with touchpath_serve(db_copy, keys, tmp_path, TMPDIR=str(tmp)) as served:
        assert not gone.exists() and not reused.exists() and not unnamed_old.exists()
        assert live.is_dir() and unnamed_new.is_dir() and other.is_dir()
        assert (live / "upload.csv").stat().st_size == 28 * 1000
        r = httpx.post(f"{served.base}/v1/ingest/conversions",
                       files={"file": ("more.csv", b"conversion_id,user_id,ts,value\n"
                                                   b"c9,u1,2026-01-01,1\n", "text/csv")},
                       headers=keys.headers("write"), timeout=30)
        assert r.status_code == 200, r.text
    # The server's own upload folder went away with its request.
    assert sorted(p.name for p in tmp.iterdir()) == sorted([live.name, unnamed_new.name,
                                                            other.name])


def test_an_upload_is_staged_in_a_folder_named_for_the_server_pid(db_copy, keys, write_h,
                                                                  monkeypatch):
    from touchpath.api.main import create_app
    from touchpath.data.warehouse import Warehouse

    seen = []
    real = Warehouse.ingest

    def recording(self, table, source, **kw):
        seen.append(Path(source))
        assert Path(source).is_file()
        return real(self, table, source, **kw)

    monkeypatch.setattr(Warehouse, "ingest", recording)
    with TestClient(create_app(make_settings(db_copy, keys))) as c:
        r = c.post("/v1/ingest/conversions", headers=write_h,
                   files={"file": ("m.csv", b"conversion_id,user_id,ts,value\n"
                                            b"c9,u1,2026-01-01,1\n", "text/csv")})
        assert r.status_code == 200, r.text
    (source,) = seen
    assert source.parent.name.startswith(f"touchpath-upload-{os.getpid()}-")
    assert not source.parent.exists()


def test_the_folder_of_a_server_killed_with_sigkill_goes_at_the_next_start(db_copy, keys,
                                                                           tmp_path, seeded_db):
    import shutil
    import signal

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    other_db = tmp_path / "other.duckdb"
    shutil.copyfile(seeded_db, other_db)
    with touchpath_serve(db_copy, keys, tmp_path, TMPDIR=str(tmp)) as first:
        held = upload_dir(tmp, f"touchpath-upload-{first.proc.pid}-inflight")
        # Another server starting meanwhile leaves the running one's folder alone.
        with touchpath_serve(other_db, keys, tmp_path, TMPDIR=str(tmp)):
            assert held.is_dir()
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(10)
    assert held.is_dir()  # nothing removed it when the server was killed
    with touchpath_serve(db_copy, keys, tmp_path, TMPDIR=str(tmp)):
        assert not held.exists()

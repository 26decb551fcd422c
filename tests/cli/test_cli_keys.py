"""``touchpath keys create|list|revoke`` and key changes seen by a running ``touchpath serve``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.seed import COUNTS_A
from touchpath.api.security import hash_key
from touchpath.api.testing import free_port, stop_process, touchpath_command

runner = CliRunner()
D_OLD = hash_key("an old key")


def _keys(*args: str):
    from touchpath.cli import app

    return runner.invoke(app, ["keys", *args])


def _create(path: Path, role: str, label: str) -> str:
    out = _keys("create", "--role", role, "--label", label, "--keys-file", str(path))
    assert out.exit_code == 0, out.output
    return out.stdout.strip()


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    return subprocess.run([*touchpath_command(), *args], capture_output=True, text=True,
                          timeout=60, env=env, cwd=cwd)


def test_keys_list_shows_label_role_created_and_id_never_the_key(tmp_path):
    path = tmp_path / "k"
    path.write_text(f"{D_OLD} read legacy team\n")
    made = {label: _create(path, role, label) for role, label in
            (("read", "analyst"), ("write", "loader"))}
    digests = {label: hash_key(key) for label, key in made.items()}
    secrets_ = [*made.values(), *digests.values(), D_OLD]

    out = _keys("list", "--keys-file", str(path), "--format", "json")
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert [(r["label"], r["role"], r["id"]) for r in rows] == [
        ("legacy team", "read", D_OLD[:12]), ("analyst", "read", digests["analyst"][:12]),
        ("loader", "write", digests["loader"][:12])]
    assert rows[0]["created"] is None
    for row in rows[1:]:
        created = time.strptime(row["created"], "%Y-%m-%dT%H:%M:%SZ")
        assert abs(time.mktime(created) - time.mktime(time.gmtime())) < 120

    out_csv = _keys("list", "--keys-file", str(path), "--format", "csv")
    assert out_csv.exit_code == 0, out_csv.output
    table = list(csv.DictReader(io.StringIO(out_csv.stdout)))
    assert [r["id"] for r in table] == [r["id"] for r in rows]
    assert table[0]["created"] == "" and table[1]["created"] == rows[1]["created"]

    out_table = _keys("list", "--keys-file", str(path))
    assert out_table.exit_code == 0, out_table.output
    assert "unknown" in out_table.stdout and digests["loader"][:12] in out_table.stdout
    assert "legacy team" in out_table.stdout

    for text in (out.stdout, out_csv.stdout, out_table.stdout):
        assert not any(s in text for s in secrets_)


def test_keys_list_of_a_malformed_file_is_one_line_error(tmp_path):
    path = tmp_path / "k"
    path.write_text(f"{D_OLD} read a\n{D_OLD[:20]} read b\n")
    out = _keys("list", "--keys-file", str(path))
    assert out.exit_code == 1
    assert out.stderr.strip().splitlines() == [
        f"error: keys file {path}, line 2: first field must be 64 hex digits, "
        f"got '{D_OLD[:20]}'"]


def test_keys_create_refuses_a_label_already_used(tmp_path):
    path = tmp_path / "k"
    key = _create(path, "read", "analyst")
    before = path.read_bytes()
    out = _keys("create", "--role", "write", "--label", "analyst", "--keys-file", str(path))
    assert out.exit_code == 1
    assert out.stderr.strip() == (f"error: label 'analyst' is already used by key "
                                  f"{hash_key(key)[:12]} in {path}; choose another label "
                                  "(labels pick the key to revoke)")
    assert path.read_bytes() == before


def test_keys_revoke_by_label_and_id_refuses_ambiguity_and_reports(tmp_path):
    path = tmp_path / "k"
    path.write_text(f"{D_OLD} read shared\n")
    other = hash_key("another old key")
    with path.open("a") as fh:
        fh.write(f"{other} write shared\n")
    kept = _create(path, "read", "analyst")

    out = _keys("revoke", "--label", "shared", "--keys-file", str(path))
    assert out.exit_code == 1
    assert out.stderr.strip() == (f"error: 2 keys have label 'shared' in {path} (ids "
                                  f"{D_OLD[:12]}, {other[:12]}); nothing revoked: revoke one "
                                  "with --id, or all of them with --all")
    assert len(path.read_text().splitlines()) == 3

    out = _keys("revoke", "--id", D_OLD[:12], "--keys-file", str(path))
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == (f"revoked read key 'shared' (id {D_OLD[:12]}, created "
                                  f"unknown) from {path}")

    out = _keys("revoke", "--label", "shared", "--all", "--keys-file", str(path))
    assert out.exit_code == 0, out.output
    assert f"revoked write key 'shared' (id {other[:12]}" in out.stdout

    out = _keys("revoke", "--label", "shared", "--keys-file", str(path))
    assert out.exit_code == 1
    assert out.stderr.strip() == f"error: no key with label 'shared' in {path}"

    listed = json.loads(_keys("list", "--keys-file", str(path), "-f", "json").stdout)
    assert [r["id"] for r in listed] == [hash_key(kept)[:12]]


@pytest.mark.parametrize("args", [[], ["--label", "a", "--id", "0" * 12], ["--id", "nothex"]])
def test_keys_revoke_usage_errors(tmp_path, args):
    path = tmp_path / "k"
    _create(path, "read", "a")
    out = _keys("revoke", *args, "--keys-file", str(path))
    assert out.exit_code == 2
    assert len(path.read_text().splitlines()) == 1


def _env(keys_file: Path) -> dict[str, str]:
    env = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys_file)}
    env.pop("TOUCHPATH_CONFIG", None)
    return env


def test_serve_refuses_a_malformed_keys_file_with_one_line(db_copy, tmp_path):
    path = tmp_path / "touchpath.keys"
    path.write_text(f"# keys\n{D_OLD} read a\n{D_OLD} owner b\n")
    proc = _run("serve", "--port", str(free_port()), "--db", str(db_copy),
                env=_env(path), cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"error: keys file {path}, line 3: role must be read or write, got 'owner'"]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_lifespan_refuses_a_malformed_keys_file(db_copy, tmp_path):
    from fastapi.testclient import TestClient

    from touchpath.api.main import create_app
    from touchpath.api.security import KeyFileError
    from touchpath.api.settings import Settings

    path = tmp_path / "touchpath.keys"
    path.write_text("garbage\n")
    app = create_app(Settings(db=str(db_copy), api_keys_file=path))
    with pytest.raises(KeyFileError, match="line 1"), TestClient(app):
        pass


def _start(db: Path, keys_file: Path, cwd: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--log-level", "warning"],
        env=_env(keys_file), stdout=log.open("wb"), stderr=subprocess.STDOUT, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            httpx.get(f"{base}/v1/health", timeout=1)
            return proc, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "touchpath serve did not come up"
            time.sleep(0.1)


def test_running_server_refuses_a_revoked_key_and_survives_a_broken_file(db_copy, tmp_path):
    path = tmp_path / "touchpath.keys"
    keep = _create(path, "read", "analyst")
    drop = _create(path, "write", "loader")
    path.chmod(0o644)  # loose: tightened at start, with a warning
    log = tmp_path / "serve.log"
    proc, base = _start(db_copy, path, tmp_path, log)
    try:
        url = f"{base}/v1/health"
        assert (path.stat().st_mode & 0o777) == 0o600
        for key in (keep, drop):
            r = httpx.get(f"{base}/v1/paths", headers={"X-API-Key": key}, timeout=10)
            assert r.status_code == 200, r.text
        assert httpx.get(url, timeout=10).json()["counts"] == COUNTS_A

        revoked = _run("keys", "revoke", "--label", "loader", "--keys-file", str(path))
        assert revoked.returncode == 0, revoked.stderr
        assert revoked.stdout.startswith("revoked write key 'loader' (id "
                                         f"{hash_key(drop)[:12]}, created ")

        r = httpx.get(f"{base}/v1/paths", headers={"Authorization": f"Bearer {drop}"},
                      timeout=10)
        assert r.status_code == 401, r.text
        r = httpx.get(f"{base}/v1/paths", headers={"Authorization": f"Bearer {keep}"},
                      timeout=10)
        assert r.status_code == 200, r.text

        # Broken by hand while running: the last good keys stay in use, no 500.
        good = path.read_text()
        path.write_text(good + "not a key line\n")
        for _ in range(3):
            r = httpx.get(f"{base}/v1/paths", headers={"X-API-Key": keep}, timeout=10)
            assert r.status_code == 200, r.text
            r = httpx.get(f"{base}/v1/paths", headers={"X-API-Key": drop}, timeout=10)
            assert r.status_code == 401, r.text

        # A key created while running works on its next request.
        new = _create(path.with_name("fresh.keys"), "read", "fresh")
        path.write_text(good + path.with_name("fresh.keys").read_text())
        r = httpx.get(f"{base}/v1/paths", headers={"X-API-Key": new}, timeout=10)
        assert r.status_code == 200, r.text
    finally:
        stop_process(proc)
    text = log.read_text()
    assert f"keys file {path}: mode was 0644" in text and "changed to 0600" in text
    assert f"keys file {path}, line 2: " in text and "still using the 1 key(s)" in text
    assert text.count("still using") == 1
    assert "Traceback" not in text


def test_keys_create_prints_key_once_and_stores_hash(tmp_path):
    from touchpath.api.security import KeyStore

    path = tmp_path / "k"
    out = _keys("create", "--role", "write", "--label", "ci", "--keys-file", str(path))
    assert out.exit_code == 0, out.output
    key = out.stdout.strip().splitlines()[0]
    assert key.startswith("tp_") and key not in path.read_text()
    assert KeyStore(path).lookup(key).role.value == "write"
    bad = _keys("create", "--role", "admin", "--keys-file", str(path))
    assert bad.exit_code != 0

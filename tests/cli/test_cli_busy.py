"""A warehouse another process holds: every command says so in one line, exit code 1.

The holder is a real second process (a Python process with the DuckDB file
open, or a real ``touchpath serve``); DuckDB's file lock is per process, so
the command under test meets exactly what a user meets.
"""

import os
import subprocess
import time

import httpx
import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.seed import DATA
from touchpath.api.testing import free_port, stop_process, touchpath_command
from touchpath.cli.app import app

#: Every command that opens the warehouse, with the arguments it needs besides --db.
COMMANDS = {
    "ingest": ["ingest", str(DATA / "conversions_more.csv"), "--table", "conversions"],
    "paths": ["paths", "--out", "{tmp}/paths.csv"],
    "attribute": ["attribute", "--model", "linear"],
    "compare": ["compare", "--models", "linear,first_touch", "--ci", "0"],
    "roi": ["roi"],
    "lifecycle": ["lifecycle"],
    "channel-status": ["channel-status", "email", "--status", "exited", "--reason", "test"],
    "curves": ["curves"],
    "plan": ["plan", "--budget", "1000"],
    "report": ["report", "--out", "{tmp}/report.html", "--ci", "0"],
    "demo": ["demo", "--users", "50", "--out-dir", "{tmp}/out"],
}


def busy_line(path, pid):
    return (f"error: the warehouse {path} is in use by another process (PID {pid}); "
            "stop it, or use the HTTP API if it is `touchpath serve`")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_on_a_held_warehouse_prints_one_line_and_exits_1(command, db_copy,
                                                                       hold_file, tmp_path):
    holder = hold_file(db_copy)
    args = [a.format(tmp=tmp_path) for a in COMMANDS[command]] + ["--db", str(db_copy)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1, (res.output, res.exception)
    assert isinstance(res.exception, SystemExit), res.exception  # not an uncaught error
    assert res.stderr.splitlines() == [busy_line(db_copy, holder.pid)]
    assert "Traceback" not in res.output
    assert res.stdout == ""


def start_serve(db, keys, tmp_path):
    port = free_port()
    env = {**os.environ, "TOUCHPATH_API_KEYS_FILE": str(keys.path)}
    env.pop("TOUCHPATH_CONFIG", None)
    proc = subprocess.Popen(
        [*touchpath_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", str(db), "--log-level", "warning"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert proc.poll() is None, proc.stdout.read().decode()
        try:
            httpx.get(f"{base}/v1/health", timeout=1)
            return proc, base
        except httpx.TransportError:
            assert time.monotonic() < deadline, "touchpath serve did not come up"
            time.sleep(0.1)


def run_touchpath(args, tmp_path):
    env = {**os.environ}
    env.pop("TOUCHPATH_CONFIG", None)
    return subprocess.run([*touchpath_command(), *args], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env=env)


def test_second_serve_and_cli_ingest_fail_in_one_line_while_serve_holds_the_file(
        db_copy, keys, tmp_path):
    from tests.seed import COUNTS_A

    server, base = start_serve(db_copy, keys, tmp_path)
    try:
        second = run_touchpath(["serve", "--port", str(free_port()), "--db", str(db_copy)],
                               tmp_path)
        ingest = run_touchpath(["ingest", str(DATA / "conversions_more.csv"), "--table",
                                "conversions", "--db", str(db_copy)], tmp_path)
        # the first server still serves the unchanged warehouse
        health = httpx.get(f"{base}/v1/health", timeout=5).json()
    finally:
        stop_process(server)
        server.stdout.close()
    for done in (second, ingest):
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines() == [busy_line(db_copy, server.pid)], done.stderr
        assert "Traceback" not in done.stdout + done.stderr
    assert health["counts"] == COUNTS_A


def test_serve_on_a_file_held_by_another_process_exits_before_listening(db_copy, keys,
                                                                        hold_file, tmp_path):
    holder = hold_file(db_copy)
    port = free_port()
    started = time.monotonic()
    done = run_touchpath(["serve", "--port", str(port), "--db", str(db_copy)], tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == busy_line(db_copy, holder.pid)
    assert "Traceback" not in done.stdout + done.stderr
    assert "Uvicorn running" not in done.stdout + done.stderr
    assert time.monotonic() - started < 30

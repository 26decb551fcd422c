"""``touchpath plan --record``, ``plans``, ``pacing`` and ``alerts`` (exit codes, webhook).

On the constructed quarter of :mod:`tests.seed.monitoring` (search's CPA is 40
in February 2026 and 10 otherwise; display's spend jumps 12x on 2026-03-04).
The webhook receiver is an HTTP server on 127.0.0.1 started by the test.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from typer.testing import CliRunner

import touchpath.cli  # noqa: F401  (registers the commands)
from tests.seed.monitoring import SPIKE_DAY
from touchpath import service
from touchpath.api.testing import free_port
from touchpath.cli.app import app
from touchpath.data.warehouse import Warehouse

CPA = """
[[alert]]
name = "search CPA above {threshold}"
metric = "cpa"
channel = "search"
op = ">"
threshold = {threshold}
period = "month"
"""


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def receiver():
    """An HTTP server on loopback recording each POST's body; yields (url, bodies, statuses)."""
    bodies, statuses = [], [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the http.server hook's name)
            length = int(self.headers["Content-Length"])
            bodies.append((self.headers["Content-Type"], json.loads(self.rfile.read(length))))
            self.send_response(statuses[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", bodies, statuses
    finally:
        server.shutdown()
        server.server_close()


def test_exit_code_1_when_an_alert_fires_0_when_none(monitoring_db, tmp_path):
    fires, calm = tmp_path / "fires.toml", tmp_path / "calm.toml"
    fires.write_text(CPA.format(threshold=20), encoding="utf-8")
    calm.write_text(CPA.format(threshold=45), encoding="utf-8")
    hit = run("alerts", "--rules", fires, "--db", monitoring_db)
    assert hit.exit_code == 1, hit.output
    assert "search CPA above 20" in hit.output and "2026-02" in hit.output
    assert "> 20" in hit.output and "40" in hit.output and "2026-01" not in hit.output
    quiet = run("alerts", "--rules", calm, "--db", monitoring_db)
    assert quiet.exit_code == 0, quiet.output
    assert "0 breach(es)" in quiet.output
    doc = json.loads(run("alerts", "--rules", fires, "--db", monitoring_db, "-f", "json").stdout)
    assert [(b["channel"], b["period"]) for b in doc["breaches"]] == [("search", "2026-02")]
    assert doc["breaches"][0]["value"] == pytest.approx(40)


def test_exit_code_2_for_an_unknown_metric_naming_the_rule(monitoring_db, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(CPA.format(threshold=20).replace('"cpa"', '"cpc"'), encoding="utf-8")
    r = run("alerts", "--rules", bad, "--db", monitoring_db)
    assert r.exit_code == 2
    assert "alert 'search CPA above 20' (alert 1): metric: unknown metric 'cpc'" in r.output
    assert "Traceback" not in r.output
    assert run("alerts", "--db", monitoring_db).exit_code == 2  # neither rules nor anomalies
    assert run("alerts", "--rules", tmp_path / "none.toml", "--db", monitoring_db).exit_code == 2


def test_anomalies_flag_the_spike_with_its_expected_range(monitoring_db):
    r = run("alerts", "--anomalies", "--db", monitoring_db, "--from", "2026-03-01", "-f", "json")
    assert r.exit_code == 1
    spend = [a for a in json.loads(r.stdout)["anomalies"] if a["metric"] == "spend"]
    assert [(a["channel"], a["day"]) for a in spend] == [("display", SPIKE_DAY.isoformat())]
    assert spend[0]["low"] < 101 < spend[0]["high"] < spend[0]["value"] == 1200


def test_fired_alerts_are_posted_to_the_webhook(monitoring_db, tmp_path, receiver):
    url, bodies, _ = receiver
    rules = tmp_path / "alerts.toml"
    rules.write_text(f'[webhook]\nurl = "{url}"\ntimeout = 5\n' + CPA.format(threshold=20),
                     encoding="utf-8")
    r = run("alerts", "--rules", rules, "--db", monitoring_db)
    assert r.exit_code == 1
    assert f"delivered to {url} (HTTP 200)" in r.output
    [(ctype, body)] = bodies
    assert ctype == "application/json"
    assert body["source"] == "touchpath" and body["fired"] == 1
    assert body["breaches"] == [{"rule": "search CPA above 20", "metric": "cpa",
                                 "channel": "search", "period": "2026-02",
                                 "value": pytest.approx(40), "op": ">", "threshold": 20.0}]
    # nothing fired: nothing sent; --no-webhook: nothing sent either
    rules.write_text(f'[webhook]\nurl = "{url}"\n' + CPA.format(threshold=45), encoding="utf-8")
    assert run("alerts", "--rules", rules, "--db", monitoring_db).exit_code == 0
    rules.write_text(f'[webhook]\nurl = "{url}"\n' + CPA.format(threshold=20), encoding="utf-8")
    assert run("alerts", "--rules", rules, "--db", monitoring_db, "--no-webhook").exit_code == 1
    assert len(bodies) == 1


def test_a_failed_delivery_is_said_and_the_run_stands(monitoring_db, tmp_path, receiver):
    url, bodies, statuses = receiver
    statuses[0] = 500
    rules = tmp_path / "alerts.toml"
    rules.write_text(f'[webhook]\nurl = "{url}"\n' + CPA.format(threshold=20), encoding="utf-8")
    r = run("alerts", "--rules", rules, "--db", monitoring_db, "-f", "json")
    assert r.exit_code == 1 and len(bodies) == 1
    assert f"webhook {url} not delivered: the receiver answered HTTP 500" in r.stderr
    assert json.loads(r.stdout)["delivery"]["ok"] is False
    closed = f"http://127.0.0.1:{free_port()}/hook"
    rules.write_text(f'[webhook]\nurl = "{closed}"\ntimeout = 2\n' + CPA.format(threshold=20),
                     encoding="utf-8")
    r = run("alerts", "--rules", rules, "--db", monitoring_db)
    assert r.exit_code == 1 and "could not reach it" in r.stderr
    assert "search CPA above 20" in r.stdout


def test_plan_record_plans_and_pacing(monitoring_copy):
    r = run("plan", "--db", monitoring_copy, "--model", "last_touch", "--quarter", "2026Q1",
            "--record")
    assert r.exit_code == 0, r.output
    assert "recorded plan 1 (2026Q1, data version" in r.stdout
    j = run("plan", "--db", monitoring_copy, "--model", "last_touch", "--quarter", "2026Q2",
            "--record", "-f", "json")
    assert j.exit_code == 0 and json.loads(j.stdout)["plan_id"] == 2
    listed = json.loads(run("plans", "--db", monitoring_copy, "-f", "json").stdout)
    assert [(p["plan_id"], p["quarter"]) for p in listed] == [(2, "2026Q2"), (1, "2026Q1")]
    table = run("plans", "--db", monitoring_copy)
    assert "2026Q1" in table.stdout and "last_touch" in table.stdout
    doc = json.loads(run("pacing", "--db", monitoring_copy, "--plan", 1, "-f", "json").stdout)
    with Warehouse.open(monitoring_copy, read_only=True) as wh:
        expected = service.pacing(wh, 1).to_dict()
    assert doc == json.loads(json.dumps(expected))
    assert doc["elapsed_days"] == 74 and doc["quarter"] == "2026Q1"
    shown = run("pacing", "--db", monitoring_copy, "--plan", 1)
    assert shown.exit_code == 0 and "74 of 90 days elapsed" in shown.stdout
    assert run("pacing", "--db", monitoring_copy, "--plan", 7).exit_code == 2
    assert "--record tracks a plan" in run("plan", "--curves", "x.json", "--record").output


def test_plans_on_a_warehouse_without_any(monitoring_db):
    r = run("plans", "--db", monitoring_db)
    assert r.exit_code == 0 and "No plan recorded yet" in r.stdout
    p = run("pacing", "--db", monitoring_db)
    assert p.exit_code == 2 and "no plan is recorded in this warehouse" in p.output

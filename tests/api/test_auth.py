"""Every protected operation: 401 without a (valid) key, 403 with too weak a role."""

import pytest

CURVES = [{"channel": "a", "segments": [{"width": 100, "slope": 2.0}]}]

#: Operations anyone may call: health and the service's defaults (no data in either).
PUBLIC = {"/v1/health", "/v1/defaults"}
#: Every other operation of the OpenAPI document: (method, path) -> role, and a
#: request that would succeed with the right key (so a refusal is the key's doing).
PROTECTED = {
    ("get", "/v1/paths"): ("read", "/v1/paths", None),
    ("get", "/v1/attribution"): ("read", "/v1/attribution?model=linear", None),
    ("get", "/v1/attribution/compare"): ("read", "/v1/attribution/compare", None),
    ("get", "/v1/attribution/models"): ("read", "/v1/attribution/models", None),
    ("get", "/v1/roi"): ("read", "/v1/roi?model=linear", None),
    ("get", "/v1/funnel"): ("read", "/v1/funnel?stages=purchase", None),
    ("get", "/v1/funnel/kinds"): ("read", "/v1/funnel/kinds", None),
    ("get", "/v1/identities"): ("read", "/v1/identities", None),
    ("get", "/v1/segments"): ("read", "/v1/segments", None),
    ("get", "/v1/lifecycle"): ("read", "/v1/lifecycle?model=linear", None),
    ("post", "/v1/budget/plan"): ("read", "/v1/budget/plan",
                                  {"budget": 50, "curves": CURVES}),
    ("post", "/v1/budget/scenarios"): ("read", "/v1/budget/scenarios",
                                       {"budget": 50, "curves": CURVES}),
    ("post", "/v1/budget/goal"): ("read", "/v1/budget/goal",
                                  {"target_revenue": 100, "curves": CURVES}),
    ("post", "/v1/ingest/{table}"): ("write", "/v1/ingest/spend", "upload"),
    ("post", "/v1/channels/{channel}/status"): (
        "write", "/v1/channels/tiktok/status", {"status": "exited", "reason": "audit"}),
    ("post", "/v1/plans"): ("write", "/v1/plans", {"quarter": "2026Q1"}),
    ("get", "/v1/plans"): ("read", "/v1/plans", None),
    ("get", "/v1/pacing"): ("read", "/v1/pacing", None),
    ("post", "/v1/alerts"): ("read", "/v1/alerts", {"rules": [
        {"name": "r", "metric": "spend", "channel": "*", "op": ">", "threshold": 0,
         "period": "month"}]}),
    ("get", "/v1/anomalies"): ("read", "/v1/anomalies", None),
    ("get", "/v1/experiments"): ("read", "/v1/experiments", None),
}


@pytest.fixture(scope="module", autouse=True)
def _a_recorded_plan(ro_client, keys):
    """One plan recorded in the module's warehouse, so that ``GET /v1/pacing`` has one."""
    r = ro_client.post("/v1/plans", json={"quarter": "2026Q1"}, headers=keys.headers("write"))
    assert r.status_code == 200, r.text
CASES = [(m, p, *v) for (m, p), v in PROTECTED.items()]
IDS = [f"{m.upper()} {p}" for m, p in PROTECTED]


def _send(client, method, url, body, headers):
    if body == "upload":
        files = {"file": ("spend.csv", b"channel,day,amount\nsearch,2026-03-01,5\n", "text/csv")}
        return client.post(url, files=files, headers=headers)
    return client.request(method.upper(), url, json=body, headers=headers)


def test_the_table_lists_every_protected_operation(ro_client):
    spec = ro_client.get("/openapi.json").json()
    operations = {(m, p) for p, item in spec["paths"].items() for m in item
                  if p not in PUBLIC}
    assert operations == set(PROTECTED)


@pytest.mark.parametrize(("method", "path", "role", "url", "body"), CASES, ids=IDS)
def test_no_key_or_an_unknown_key_is_401(ro_client, method, path, role, url, body):
    for headers in ({}, {"Authorization": "Bearer tp_not_a_key"}, {"X-API-Key": "tp_nope"},
                    {"Authorization": "Basic dXNlcjpwYXNz"}):
        r = _send(ro_client, method, url, body, headers)
        assert r.status_code == 401, (headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("method", "path", "role", "url", "body"),
                         [c for c in CASES if c[2] == "write"],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[2] == "write"])
def test_write_operations_refuse_a_read_key_with_403(client, keys, method, path, role, url,
                                                     body):
    for style in ("bearer", "header"):
        r = _send(client, method, url, body, keys.headers("read", style))
        assert r.status_code == 403, r.text
        assert "write" in r.json()["detail"]
    ok = _send(client, method, url, body, keys.headers("write"))
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(("method", "path", "role", "url", "body"),
                         [c for c in CASES if c[2] == "read"],
                         ids=[i for i, c in zip(IDS, CASES, strict=True) if c[2] == "read"])
def test_read_operations_accept_either_role(ro_client, keys, method, path, role, url, body):
    for who in ("read", "write"):
        r = _send(ro_client, method, url, body, keys.headers(who, "header"))
        assert r.status_code == 200, (who, r.text[:300])


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_health_and_defaults_need_no_key(ro_client, path):
    assert ro_client.get(path).status_code == 200
    assert "security" not in ro_client.get("/openapi.json").json()["paths"][path]["get"]

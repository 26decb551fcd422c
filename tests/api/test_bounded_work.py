"""Health never waits for the data lock; work per request is capped and time-bounded."""

import threading
import time

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import COUNTS_A, DATA, make_settings


def _app(db, keys, **settings):
    from touchpath.api.main import create_app

    return create_app(make_settings(db, keys, **settings))


def test_health_answers_while_a_writer_holds_the_lock(client):
    state = client.app.state.touchpath
    before = client.get("/v1/health").json()
    answered: dict = {}

    def ask() -> None:
        t0 = time.perf_counter()
        r = client.get("/v1/health")
        answered.update(status=r.status_code, body=r.json(), seconds=time.perf_counter() - t0)

    state.lock.acquire_write()  # as an ingest in progress does
    try:
        asker = threading.Thread(target=ask, daemon=True)
        asker.start()
        asker.join(10)
        finished_under_hold = not asker.is_alive()
    finally:
        state.lock.release_write()
    asker.join(10)
    assert finished_under_hold, "health waited for the write hold"
    assert answered["status"] == 200 and answered["seconds"] < 1.0
    # the state after the last completed write, as before the hold was taken
    assert answered["body"]["counts"] == COUNTS_A
    assert answered["body"]["data_version"] == before["data_version"]


def test_health_answers_while_a_writer_waits_behind_a_reader(client):
    state = client.app.state.touchpath
    state.lock.acquire_read()  # a long read in flight
    writer = threading.Thread(target=lambda: (state.lock.acquire_write(),
                                              state.lock.release_write()), daemon=True)
    writer.start()
    try:
        deadline = time.monotonic() + 10
        while state.lock.writers_waiting == 0:
            assert time.monotonic() < deadline
            time.sleep(0.002)
        t0 = time.perf_counter()
        r = client.get("/v1/health")
        assert r.status_code == 200 and time.perf_counter() - t0 < 1.0
        assert state.lock.writers_waiting == 1  # the writer still waits: health took no hold
    finally:
        state.lock.release_read()
    writer.join(10)
    assert not writer.is_alive()


def test_health_reports_the_state_after_each_write(client, write_h):
    files = {"file": ("more.csv", (DATA / "conversions_more.csv").read_bytes(), "text/csv")}
    before = client.get("/v1/health").json()
    assert client.post("/v1/ingest/conversions", files=files, headers=write_h).status_code == 200
    after = client.get("/v1/health").json()
    assert after["counts"]["conversions"] == before["counts"]["conversions"] + 1
    assert after["data_version"] == before["data_version"] + 1
    # the new conversion (2026-01-20) is inside the old range: the days stay
    assert (after["first_day"], after["last_day"]) == ("2026-01-02", "2026-03-20")


def test_the_issues_expensive_compare_is_refused_with_the_default_limit(ro_client, read_h):
    r = ro_client.get("/v1/attribution/compare?ci=1000&models=markov4,shapley_rate,markov_auto",
                      headers=read_h)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (body["requested"], body["limit"]) == (3 * 1000, 2000)
    assert "markov4, shapley_rate, markov_auto" in body["detail"]
    assert "limit of 2000" in body["detail"] and "ci=666" in body["detail"]


def test_only_models_refitted_per_resample_count_against_the_limit(db_copy, keys):
    h = keys.headers("read")
    with TestClient(_app(db_copy, keys, max_bootstrap_work=100)) as c:
        r = c.get("/v1/attribution/compare?ci=60&models=markov1,linear,shapley_rate", headers=h)
        assert r.status_code == 422
        assert (r.json()["requested"], r.json()["limit"]) == (120, 100)
        assert "markov1, shapley_rate" in r.json()["detail"]
        # at the limit exactly: 50 x 2 = 100 fits
        r = c.get("/v1/attribution/compare?ci=50&models=markov1,linear,shapley_rate", headers=h)
        assert r.status_code == 200, r.text
        # models priced by one matrix product do not count
        r = c.get("/v1/attribution/compare?ci=1000&models=linear,shapley,first_touch",
                  headers=h)
        assert r.status_code == 200, r.text
        r = c.get("/v1/attribution?model=markov&ci=101", headers=h)
        assert r.status_code == 422 and r.json()["requested"] == 101
        assert c.get("/v1/attribution?model=markov&ci=100", headers=h).status_code == 200


@pytest.mark.parametrize("url", [
    "/v1/attribution/compare?ci=20&models=markov1,last_touch",
    "/v1/attribution?model=markov&ci=20",
    "/v1/roi?period=month&model=last_touch",
])
def test_over_the_time_budget_is_503_and_the_hold_is_released(db_copy, keys, url):
    with TestClient(_app(db_copy, keys, request_time_budget_s=1e-6)) as c:
        state = c.app.state.touchpath
        r = c.get(url, headers=keys.headers("read"))
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "1"
        body = r.json()
        assert body["time_budget_s"] == 1e-6 and body["reason"].startswith("stopped ")
        assert "time budget of 1e-06 s" in body["detail"] and "Traceback" not in r.text
        assert body["reason"] in body["detail"]
        # released, and nothing of the stopped computation kept: at most the complete
        # path table it was computed from (an intermediate the service memoises)
        assert state.lock.readers == 0
        assert {key[1] for key in state.cache._data} <= {"path_table"}
        files = {"file": ("more.csv", (DATA / "conversions_more.csv").read_bytes(), "text/csv")}
        w = c.post("/v1/ingest/conversions", files=files, headers=keys.headers("write"))
        assert w.status_code == 200


_BOUND_VARS = ("TOUCHPATH_REQUEST_TIME_BUDGET_S", "TOUCHPATH_MAX_BOOTSTRAP_WORK",
               "TOUCHPATH_WRITER_PATIENCE_S", "TOUCHPATH_CONFIG")


def test_budget_and_limit_settings_come_from_the_environment(monkeypatch):
    from touchpath.api.settings import Settings

    for name in _BOUND_VARS:
        monkeypatch.delenv(name, raising=False)

    monkeypatch.setenv("TOUCHPATH_REQUEST_TIME_BUDGET_S", "2.5")
    monkeypatch.setenv("TOUCHPATH_MAX_BOOTSTRAP_WORK", "300")
    monkeypatch.setenv("TOUCHPATH_WRITER_PATIENCE_S", "4")
    s = Settings()
    assert (s.request_time_budget_s, s.max_bootstrap_work, s.writer_patience_s) == (2.5, 300, 4)
    monkeypatch.setenv("TOUCHPATH_REQUEST_TIME_BUDGET_S", "0")
    with pytest.raises(ValueError, match="request_time_budget_s"):
        Settings()


def test_defaults_bound_every_request(monkeypatch):
    from touchpath.api.settings import Settings

    for name in _BOUND_VARS:
        monkeypatch.delenv(name, raising=False)

    s = Settings(db=":memory:")
    assert (s.request_time_budget_s, s.max_bootstrap_work, s.writer_patience_s) == (10, 2000, 10)

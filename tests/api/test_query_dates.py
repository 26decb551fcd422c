"""``from`` / ``to`` take ISO dates only: a number is not a Unix timestamp (no 1970 by accident)."""

import pytest

ENDPOINTS = [
    "/v1/paths",
    "/v1/attribution?model=first_touch",
    "/v1/attribution/compare?models=first_touch,last_touch",
    "/v1/roi?model=last_touch",
    "/v1/lifecycle?model=last_touch",
]


def with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("param, value", [
    ("from", "0"), ("to", "0"),
    ("from", "86400"),          # 1970-01-02 as a timestamp
    ("to", "1767225600"),       # 2026-01-01T00:00:00Z as a timestamp
    ("from", "-1"), ("to", "1e9"),
])
def test_a_number_is_422_naming_the_parameter_and_the_format(ro_client, read_h, url, param,
                                                             value):
    r = ro_client.get(with_query(url, f"{param}={value}"), headers=read_h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert [e["loc"] for e in body["errors"]] == [["query", param]]
    assert body["detail"].startswith(f"query.{param}: ")
    assert "YYYY-MM-DD" in body["detail"]


@pytest.mark.parametrize("value", ["2026-2-2", "02/02/2026", "2026-02-30", "", "2026-02-02x"])
def test_other_non_iso_text_is_422_too(ro_client, read_h, value):
    r = ro_client.get(f"/v1/paths?from={value}", headers=read_h)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["query", "from"]


def test_iso_days_and_midnight_datetimes_are_the_same_range(ro_client, read_h):
    url = "/v1/attribution?model=first_touch&from={}&to={}"
    day = ro_client.get(url.format("2026-02-02", "2026-02-13"), headers=read_h)
    midnight = ro_client.get(url.format("2026-02-02T00:00:00", "2026-02-13T00:00:00Z"),
                             headers=read_h)
    assert day.status_code == midnight.status_code == 200
    # conversions on 02-02 (u6, 40) and 02-13 (u7, 60)
    assert day.json()["total_conversions"] == 2 and day.json()["total_value"] == 100
    assert midnight.json()["channels"] == day.json()["channels"]
    assert midnight.json()["options"]["start"] == "2026-02-02"


def test_a_datetime_with_a_time_of_day_is_refused(ro_client, read_h):
    r = ro_client.get("/v1/paths?to=2026-02-13T10:30:00", headers=read_h)
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["query", "to"]


def test_openapi_still_declares_iso_dates(ro_client):
    doc = ro_client.get("/openapi.json").json()
    for path in ("/v1/paths", "/v1/attribution", "/v1/roi", "/v1/lifecycle"):
        params = {p["name"]: p for p in doc["paths"][path]["get"]["parameters"]}
        for name in ("from", "to"):
            schema = params[name]["schema"]
            options = schema.get("anyOf", [schema])
            assert {"type": "string", "format": "date"} in options, (path, name, schema)

"""The dashboard page and its static files, served by the API (no browser needed)."""

import re

import pytest

from touchpath.api.routes.dashboard import static_dir

#: http(s) references allowed in the page's files: this machine, and the SVG XML
#: namespace name (an identifier given to createElementNS; never fetched).
ALLOWED = re.compile(r"^https?://(127\.0\.0\.1|localhost)([:/]|$)|^http://www\.w3\.org/2000/svg$")
URL = re.compile(r"https?://[^\s\"'<>`)]+")


def external_urls(text: str) -> list[str]:
    return [u for u in URL.findall(text) if not ALLOWED.match(u)]


def test_external_url_scan_catches_a_cdn_reference():
    page = '<script src="https://cdn.example.org/vega.js"></script><a href="http://localhost:8000/">'
    assert external_urls(page) == ["https://cdn.example.org/vega.js"]


@pytest.mark.parametrize("path", ["/", "/dashboard"])
def test_page_is_served_without_a_key_with_a_same_origin_policy(ro_client, path):
    r = ro_client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<script src="/static/app.js"' in r.text and "/static/app.css" in r.text
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    for section in ("data", "attribution", "roi", "lifecycle", "budget"):
        assert f'<section id="{section}"' in r.text


@pytest.mark.parametrize(("name", "mime"), [("app.js", "javascript"), ("app.css", "text/css"),
                                            ("favicon.svg", "image/svg+xml")])
def test_static_assets_are_served(ro_client, name, mime):
    r = ro_client.get(f"/static/{name}")
    assert r.status_code == 200
    assert mime in r.headers["content-type"]
    assert r.content == (static_dir() / name).read_bytes()


#: Third-party files vendored unmodified (Swagger UI for /docs). Their strings hold
#: URLs (licence headers, docs links) that the code never fetches; /docs itself is
#: checked for external references in test_docs.py. Everything else is scanned.
VENDORED = ("swagger",)


def test_no_file_of_the_page_references_another_origin(ro_client):
    root = static_dir()
    files = sorted(p for p in root.rglob("*")
                   if p.is_file() and p.relative_to(root).parts[0] not in VENDORED)
    assert {p.name for p in files} >= {"index.html", "app.js", "app.css", "favicon.svg"}
    for path in files:
        assert external_urls(path.read_text(encoding="utf-8")) == [], path.name
    assert external_urls(ro_client.get("/").text) == []


def test_page_does_not_open_the_api(ro_client):
    assert ro_client.get("/v1/attribution/models").status_code == 401


def test_dashboard_routes_stay_out_of_the_openapi_document(ro_client):
    paths = ro_client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/dashboard" not in paths
    assert all(p.startswith("/v1/") for p in paths)


def test_static_mount_does_not_serve_files_outside_its_directory(ro_client):
    assert ro_client.get("/static/../main.py").status_code == 404
    assert ro_client.get("/static/%2e%2e/main.py").status_code == 404
    assert ro_client.get("/static/missing.js").status_code == 404


def test_data_tiles_do_not_repeat_the_date_range():
    """The health's ``last_day`` is shown once, as the end of "Date range"."""
    js = (static_dir() / "app.js").read_text(encoding="utf-8")
    block = js[js.index("const tiles = ["):]
    block = block[:block.index("];")]
    labels = re.findall(r'^\s*\["([^"]+)"', block, flags=re.M)
    assert labels == ["Touchpoints", "Conversions", "Spend rows", "Channels", "Date range",
                      "Data version", "Last ingest"]
    assert block.count("h.last_day") == 1


def test_tiles_fill_their_rows():
    """Tiles wrap and grow (flex), so a lone tile never sits in a half-empty row.

    The layout itself is checked in a real browser in tests/e2e.
    """
    css = (static_dir() / "app.css").read_text(encoding="utf-8")
    tiles = re.search(r"\.tiles \{([^}]*)\}", css).group(1)
    tile = re.search(r"\.tile \{([^}]*)\}", css).group(1)
    assert "flex-wrap: wrap" in tiles and "display: flex" in tiles
    assert re.search(r"flex: 1 1 \d+px", tile)

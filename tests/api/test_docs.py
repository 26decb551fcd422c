"""``/docs`` works without internet: Swagger UI comes from the package, not a CDN."""

import re

import pytest

from touchpath.api.routes.dashboard import static_dir
from touchpath.api.routes.docs import SWAGGER_CSS, SWAGGER_JS

LOCAL = re.compile(r"^https?://(127\.0\.0\.1|localhost)([:/]|$)")
URL = re.compile(r"https?://[^\s\"'<>`)]+")


def test_docs_page_references_only_this_origin(ro_client):
    r = ro_client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert [u for u in URL.findall(html) if not LOCAL.match(u)] == []
    assert "cdn.jsdelivr.net" not in html and "tiangolo" not in html
    # Every script, stylesheet and icon the page loads is a path on this server.
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs and all(ref.startswith("/") and not ref.startswith("//") for ref in refs)
    assert {SWAGGER_JS, SWAGGER_CSS, "/static/favicon.svg"} <= set(refs)
    assert "url: '/openapi.json'" in html
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


@pytest.mark.parametrize(("url", "mime", "name"), [
    (SWAGGER_JS, "javascript", "swagger-ui-bundle.js"),
    (SWAGGER_CSS, "text/css", "swagger-ui.css"),
    ("/static/favicon.svg", "image/svg+xml", None),
])
def test_docs_assets_are_served_from_the_package(ro_client, url, mime, name):
    r = ro_client.get(url)
    assert r.status_code == 200 and mime in r.headers["content-type"]
    if name is not None:
        assert r.content == (static_dir() / "swagger" / name).read_bytes()
        assert len(r.content) > 10_000  # the real bundle, not a placeholder


def test_vendored_swagger_ui_ships_with_its_licence():
    folder = static_dir() / "swagger"
    assert "Apache License" in (folder / "LICENSE").read_text(encoding="utf-8")
    assert "SwaggerUIBundle" in (folder / "swagger-ui-bundle.js").read_text(encoding="utf-8")


def test_redoc_is_not_served_and_docs_stay_out_of_openapi(ro_client):
    assert ro_client.get("/redoc").status_code == 404
    assert "/docs" not in ro_client.get("/openapi.json").json()["paths"]

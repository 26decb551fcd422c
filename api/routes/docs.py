"""``GET /docs``: the interactive API docs (Swagger UI), served with no internet access.

Swagger UI's script and stylesheet are vendored from the npm package
``swagger-ui-dist`` into ``api/static/swagger/`` (see the README there) and
served by this app under ``/static/swagger/``; the favicon is the dashboard's.
The page refers to nothing outside this origin, and its Content-Security-Policy
keeps the browser from loading or calling anything else (Swagger UI starts
from one inline script, hence ``'unsafe-inline'`` for scripts and styles).
ReDoc is not served.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

__all__ = ["DOCS_CONTENT_SECURITY_POLICY", "SWAGGER_CSS", "SWAGGER_JS", "install_docs"]

#: Where the vendored Swagger UI files are served (the ``/static`` mount).
SWAGGER_JS = "/static/swagger/swagger-ui-bundle.js"
SWAGGER_CSS = "/static/swagger/swagger-ui.css"
_FAVICON = "/static/favicon.svg"

#: This origin only; the inline start-up script and Swagger UI's inline styles allowed.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def install_docs(app: FastAPI, docs_url: str = "/docs") -> None:
    """Add the Swagger UI page at ``docs_url`` to ``app`` (create it with ``docs_url=None``).

    The ``/static`` mount (:func:`touchpath.api.routes.dashboard.install_dashboard`)
    serves the vendored files.
    """
    router = APIRouter(include_in_schema=False)

    @router.get(docs_url, response_class=HTMLResponse)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI over this app's ``/openapi.json``, from files of this package."""
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — docs",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url=_FAVICON,
            oauth2_redirect_url=None,
            # No online validator badge: the spec is never sent anywhere.
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        page.headers["X-Content-Type-Options"] = "nosniff"
        page.headers["Referrer-Policy"] = "no-referrer"
        return page

    app.include_router(router)

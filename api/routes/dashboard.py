"""The dashboard page: ``/`` and ``/dashboard``, and its files under ``/static``.

The page (``api/static/index.html``) is plain HTML, CSS and JavaScript shipped
inside the package and found with :mod:`importlib.resources`; it draws its
charts as SVG and talks only to this server's ``/v1`` API, with the API key the
user types (kept in the browser tab's ``sessionStorage``). The page itself
needs no key. Its Content-Security-Policy allows scripts, styles, images and
requests from this origin only, so the page cannot load or call anything else.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["CONTENT_SECURITY_POLICY", "install_dashboard", "router", "static_dir"]

#: Only this origin; inline ``style`` attributes are not used by the page either.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(tags=["dashboard"], include_in_schema=False)


def static_dir() -> Path:
    """The directory of the page's files inside the installed ``api`` package.

    Raises
    ------
    FileNotFoundError
        The package was installed without its ``static`` files.
    """
    path = Path(str(files("touchpath.api").joinpath("static")))
    if not (path / "index.html").is_file():
        raise FileNotFoundError(f"dashboard files missing: {path / 'index.html'} not found "
                                "(reinstall Touchpath with its package data)")
    return path


def _page() -> HTMLResponse:
    html = (static_dir() / "index.html").read_text(encoding="utf-8")
    return HTMLResponse(html, headers=_PAGE_HEADERS)


@router.get("/", response_class=HTMLResponse, summary="The dashboard page")
def index() -> HTMLResponse:
    """The dashboard (no key needed for the page; its data calls need one)."""
    return _page()


@router.get("/dashboard", response_class=HTMLResponse, summary="The dashboard page")
def dashboard() -> HTMLResponse:
    """The dashboard, under its own name."""
    return _page()


def install_dashboard(app: FastAPI) -> None:
    """Add the dashboard routes and mount ``/static`` on ``app``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=static_dir()), name="static")

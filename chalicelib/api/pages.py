"""The merchant console (``/console/``) and the staff app (``/staff-app/``): static files served by the API.

Served by the API's own routes rather than a bucket: one deployment, one origin, so the pages call the API
with relative URLs under ``Content-Security-Policy: default-src 'self'`` and no CORS at all, on the
execute-api URL (``/api/console/``) as on a custom domain. The files live in ``chalicelib/pages/``
(packaged with the code); each app's own folder first, then ``common/``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from chalice.app import Blueprint, Response

from chalicelib.api.etag import conditional
from chalicelib.api.http import PUBLIC, Call, endpoint
from chalicelib.errors import NotFound

pages = Blueprint(__name__)

ROOT = Path(__file__).resolve().parent.parent / "pages"
APPS = ("console", "staff-app")
ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*\.(html|js|css|svg)$")
CONTENT_TYPES = {"html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
                 "css": "text/css; charset=utf-8", "svg": "image/svg+xml"}

# Every page and file: nothing from another origin, no inline script or style, never framed, no referrer
# (a binding link in a URL must not leak), no MIME sniffing. Images also from blob: URLs: the console fetches
# message images from GET /admin/images/{id} with its key and shows them from memory (still nothing foreign).
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' blob:; base-uri 'none'; form-action 'self'; "
                                "frame-ancestors 'none'; object-src 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@lru_cache(maxsize=64)
def read_asset(app: str, name: str) -> bytes | None:
    """The file's bytes (the app's own folder, then common/), or None; read once per warm instance."""
    for folder in (ROOT / app, ROOT / "common"):
        path = folder / name
        if path.is_file():
            return path.read_bytes()
    return None


def serve(call: Call, app: str, name: str) -> Response:
    data = read_asset(app, name) if ASSET_NAME.match(name) else None
    if data is None:
        raise NotFound(f"no file '{name}' in /{app}/")
    return conditional(call, data, CONTENT_TYPES[name.rsplit(".", 1)[1]], SECURITY_HEADERS)


def index(call: Call, app: str) -> Response:
    # API Gateway hands /console and /console/ to the same route; the pages use relative URLs, so
    # send the first to the second (a relative Location keeps any stage prefix such as /api).
    path = str((call.request.context or {}).get("path") or "")
    if path and not path.endswith("/"):
        return Response(body="", status_code=301, headers={"Location": f"{app}/", **SECURITY_HEADERS})
    return serve(call, app, "index.html")


@endpoint(pages, "/console", ["GET"], roles=PUBLIC)
def console_index(call: Call) -> Response:
    return index(call, "console")


@endpoint(pages, "/console/{name}", ["GET"], roles=PUBLIC)
def console_asset(call: Call, name: str) -> Response:
    return serve(call, "console", name)


@endpoint(pages, "/staff-app", ["GET"], roles=PUBLIC)
def staff_app_index(call: Call) -> Response:
    return index(call, "staff-app")


@endpoint(pages, "/staff-app/{name}", ["GET"], roles=PUBLIC)
def staff_app_asset(call: Call, name: str) -> Response:
    return serve(call, "staff-app", name)


def page_url(app: str) -> str:
    """The absolute URL of ``/{app}/`` on the stage's public API URL (configuration, never the request's Host)."""
    from chalicelib.links import public_api_url

    return f"{public_api_url()}/{app}/"

"""The REST API's documentation at ``/docs``: Swagger UI from the ``openapi-ui-bundles`` package, served by
this server itself under the pages' content security policy, so it works on a network without the internet
and the browser fetches nothing from elsewhere. Its script is started from a file of this server's own
(``static/api-docs.js``): the policy runs no inline script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from openapi_ui_bundles import swagger_ui

from watchkeeper.errors import NotFoundError
from watchkeeper.web.pages import WebRoute, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SWAGGER_UI = swagger_ui.static_path
ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}
"""The package's files the page uses; nothing else of it is served (its own ``index.html`` has an inline script
that loads an example API from elsewhere)."""


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """Open to anyone, like the OpenAPI document it shows: trying an operation needs an access key."""
    return render(request, None, "api_docs.html", openapi_url=request.app.openapi_url)


@router.get("/docs/assets/{name}")
def api_docs_asset(name: str) -> Response:
    if name not in ASSETS:
        raise NotFoundError(f"no documentation asset {name!r}")
    return FileResponse(SWAGGER_UI / name, media_type=ASSETS[name])

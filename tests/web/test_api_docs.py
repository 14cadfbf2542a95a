"""The API documentation at ``/docs`` works on a network without the internet: the page and Swagger UI's files
come from this server, under the pages' content security policy, and the operations list renders in a
browser that may reach nothing but the server."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import BrowserContext, Request, Route, expect

from tests.web.browsing import Server, photograph
from watchkeeper.web.pages import SECURITY_HEADERS

OpenContext = Callable[[], BrowserContext]


class References(HTMLParser):
    """Every URL a page's elements load or link to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value for name, value in attrs if name in ("src", "href", "action") and value}
        self.urls.extend(value for value in found.values() if value is not None)
        if tag == "script" and "src" not in found:
            self.inline_scripts += 1


def test_the_docs_page_references_only_this_server_under_the_pages_policy(server: Server) -> None:
    with httpx.Client(base_url=server.url) as visitor:
        page = visitor.get("/docs")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        references = References()
        references.feed(page.text)
        assert references.inline_scripts == 0
        assert references.urls, "the page loads its assets"
        elsewhere = [url for url in references.urls if urlsplit(url).scheme or urlsplit(url).netloc]
        assert elsewhere == []
        for url in references.urls:
            if url.startswith(("/docs/assets/", "/static/")):
                asset = visitor.get(url)
                assert asset.status_code == 200, url
                assert asset.content, url
        assert visitor.get("/docs/assets/index.html").status_code == 404  # the package's own page, inline script
        assert visitor.get("/redoc").status_code == 404  # FastAPI's, from a CDN


@pytest.mark.slow
def test_swagger_ui_renders_the_operations_with_no_network_beyond_the_server(
    server: Server, new_context: OpenContext
) -> None:
    context = new_context()
    elsewhere: list[str] = []

    def only_the_server(route: Route, request: Request) -> None:
        if request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            elsewhere.append(request.url)
            route.abort()

    context.route("**/*", only_the_server)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.goto("/docs")
    expect(page.locator(".opblock-summary-path").filter(has_text=re.compile("^/api/v1/users$")).first).to_be_visible()
    expect(page.locator(".opblock-tag").filter(has_text="users")).to_be_visible()
    assert page.locator(".opblock").count() > 20
    page.locator(".opblock-summary-path").filter(has_text=re.compile("^/api/v1/me$")).click()
    expect(page.get_by_text("The caller's user name, role and what that role may do")).to_be_visible()
    photograph(page, "api-docs")
    assert elsewhere == []
    assert refused == []

"""The web interface end to end: the real server (``watchkeeper serve`` in a subprocess, its own data
directory) driven by Debian's chromium through Playwright, installed by the project's own script.

The pages are photographed at a desktop and a phone width into ``build/screenshots/`` for review, and
each page is checked for the basics of accessibility as it is photographed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.serve_process import first_key, watchkeeper_serve
from tests.web.browsing import DESKTOP, PEOPLE, PROJECT_ROOT, Server, sign_in

BROWSER_SCRIPT = PROJECT_ROOT / "scripts" / "browser.sh"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed by ``scripts/browser.sh`` when missing."""
    installed = subprocess.run([str(BROWSER_SCRIPT), "install"], capture_output=True, text=True, check=False)
    if installed.returncode != 0:
        pytest.skip(f"chromium is not installed and could not be installed: {installed.stderr.strip()}")
    return installed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``watchkeeper serve`` on loopback with a fresh data directory, its first administrator, and an
    operator, an analyst, an auditor and a disclosure officer with access keys issued through the API."""
    data_dir = tmp_path_factory.mktemp("web-data")
    # One browser makes many requests from one address; the limit per address is not under test here.
    # Runs are started on the shared clip, so its folder is where the server may take video files from; and
    # from a folder of the tests' own, for clips they make (a run that lasts).
    videos = tmp_path_factory.mktemp("web-videos")
    shared_faces = PROJECT_ROOT.parent / "shared" / "data" / "faces"
    directories = [str(videos), *([str(shared_faces)] if shared_faces.is_dir() else [])]
    (data_dir / "watchkeeper.toml").write_text(
        f"[server]\nrequests_per_second = 500\nburst = 1000\nvideo_directories = {json.dumps(directories)}\n"
    )
    log = data_dir / "server.log"
    with watchkeeper_serve(data_dir, log) as (_process, url):
        admin_token = first_key(data_dir / "keys" / "first-administrator-key.txt")
        secrets = {"admin": admin_token.partition(".")[2]}
        bearer = {"admin": admin_token}
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"}) as admin:
            for name, role in PEOPLE.items():
                admin.post("/api/v1/users", json={"name": name, "role": role, "reason": "web tests"}).raise_for_status()
                issued = admin.post(f"/api/v1/users/{name}/keys", json={"reason": "web tests"})
                issued.raise_for_status()
                secrets[name] = issued.json()["secret_access_key"]
                bearer[name] = issued.json()["bearer_token"]
        yield Server(url, secrets, bearer, log, videos)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def new_context(browser: Browser, server: Server) -> Iterator[Callable[[], BrowserContext]]:
    """Open browser contexts (each its own cookie jar: one person), all closed after the test."""
    opened: list[BrowserContext] = []

    def open_context() -> BrowserContext:
        context = browser.new_context(base_url=server.url, viewport=DESKTOP)
        context.set_default_timeout(60_000)  # a hang guard: pages are slow on a busy machine
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def signed_in(new_context: Callable[[], BrowserContext], server: Server) -> Callable[[str], Page]:
    """A page of a new browser context (a person of their own), signed in as the user named."""

    def open_signed_in(user: str) -> Page:
        page = new_context().new_page()
        sign_in(page, server, user)
        return page

    return open_signed_in

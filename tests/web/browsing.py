"""Helpers of the browser tests: the server under test, signing in, and photographing pages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.sync_api import Page, ViewportSize, expect

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "build" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
PEOPLE = {"olu": "operator", "ann": "analyst", "aud": "auditor", "dot": "disclosure"}
"""Users the tests' server has beside the first administrator (``admin``), by name and role."""


@dataclass(frozen=True)
class Server:
    url: str
    secrets: dict[str, str]
    """Each user's secret access key, which is what a person signs in with."""
    bearer: dict[str, str]
    log: Path
    videos: Path
    """A folder of the server's video directories that tests may put clips of their own in."""

    def api(self, user: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.bearer[user]}"})


def sign_in(page: Page, server: Server, user: str, secret: str | None = None) -> None:
    """Sign in through the form, with the keyboard only (with the user's secret of the fixture, unless
    given another)."""
    page.goto("/sign-in")
    page.get_by_label("User name").focus()
    page.keyboard.type(user)
    page.keyboard.press("Tab")
    page.keyboard.type(secret or server.secrets[user])
    page.keyboard.press("Enter")
    expect(page.locator(".who")).to_contain_text(user)


def photograph(page: Page, name: str) -> None:
    """Screenshot the page at desktop and phone widths, then check its accessibility basics."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    check_accessible(page)


def check_accessible(page: Page) -> None:
    """Every field has a label, every image a text alternative, the page a title, a language and one
    main heading, and the first Tab reaches the skip link with a visible focus indicator."""
    problems = page.evaluate(
        """() => {
        const problems = [];
        for (const field of document.querySelectorAll('input:not([type=hidden]), select, textarea')) {
            if (!field.labels.length && !field.getAttribute('aria-label')) {
                problems.push('unlabelled ' + field.outerHTML);
            }
        }
        for (const image of document.querySelectorAll('img')) {
            if (!image.hasAttribute('alt')) problems.push('no alt: ' + image.outerHTML);
        }
        if (!document.title) problems.push('no title');
        if (!document.documentElement.lang) problems.push('no lang');
        if (document.querySelectorAll('h1').length !== 1) problems.push('not exactly one h1');
        return problems;
    }"""
    )
    assert problems == []
    first = page.locator("a[href], button, input:not([type=hidden]), select, textarea, summary").first
    expect(first).to_have_text("Skip to content")
    first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    focused = page.evaluate(
        """() => {
        const element = document.activeElement;
        const style = getComputedStyle(element);
        return {text: element.textContent.trim(), outline: style.outlineStyle, width: style.outlineWidth};
    }"""
    )
    assert focused["text"] == "Skip to content"
    assert focused["outline"] != "none", focused
    assert focused["width"] != "0px", focused
    page.evaluate("() => document.activeElement.blur()")

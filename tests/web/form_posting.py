"""The web pages' forms over plain HTTP, without a browser: sign in through the sign-in form, then post a
page's forms with that page's CSRF token, as its script would (asking for JSON, so a refusal comes back as
``{"error": {"message": ...}}`` with its status rather than as a notice on the next page)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')


@dataclass
class Visitor:
    """One person's cookie jar on the server."""

    http: httpx.Client

    def token(self, page: str) -> str:
        """The CSRF token the form of ``page`` carries."""
        shown = self.http.get(page)
        shown.raise_for_status()
        found = TOKEN_FIELD.search(shown.text)
        assert found is not None, f"{page} has no form"
        return found[1]

    def post(self, path: str, fields: dict[str, str | list[str]], token: str) -> httpx.Response:
        return self.http.post(path, data={**fields, "csrf_token": token}, headers={"Accept": "application/json"})


def signed_in_visitor(url: str, user: str, secret: str) -> Visitor:
    """A visitor signed in through the form, with the secret of one of ``user``'s access keys."""
    visitor = Visitor(httpx.Client(base_url=url, timeout=60.0))
    signed = visitor.http.post(
        "/sign-in", data={"user": user, "secret": secret, "csrf_token": visitor.token("/sign-in")}
    )
    assert signed.status_code == 303, signed.text
    return visitor

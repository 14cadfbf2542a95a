"""The hostile-input suite of the HTTP surface: requests built to break the server, not to use it.

Oversize integers in paths, queries and headers, deeply nested JSON, sources a run may not listen to,
floods of failed sign-ins, and a server whose disk is full: each must be answered with a 4xx (or a 503
when the server cannot store) in the documented shape of the protocol spoken (REST, Rekognition's or
the web pages'), and change nothing stored. Floods are bounded and everything stays on loopback.

This module holds what every hostile-input test checks of a refusal.
"""

from __future__ import annotations

import httpx


def rest_refusal(response: httpx.Response, status: int, code: str) -> str:
    """The message of a REST refusal, after checking its status and its documented shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"] == code
    assert error["message"]
    return str(error["message"])

"""What every hostile-input test checks of a refusal."""

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

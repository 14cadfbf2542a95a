"""Signing in and out, and the landing page of each role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.errors import RateLimitedError, WatchkeeperError
from watchkeeper.governance import credentials
from watchkeeper.server.errors import retry_after_header
from watchkeeper.server.limits import request_charge
from watchkeeper.web.pages import (
    SIGN_IN_PATH,
    FormSession,
    Session,
    SignInRequiredError,
    Web,
    WebRoute,
    current_session,
    home_path,
    redirect,
    render,
    set_session_cookie,
)
from watchkeeper.web.sessions import COOKIE_NAME

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/")
def home(session: Session) -> Response:
    return redirect(home_path(session.signed_in.actor))


@router.get(SIGN_IN_PATH)
def sign_in_page(request: Request, web: Web) -> Response:
    try:
        return redirect(home_path(current_session(request).signed_in.actor))
    except SignInRequiredError:
        pass
    return _sign_in_form(request, web, None, "")


@router.post(SIGN_IN_PATH)
async def sign_in(
    request: Request,
    web: Web,
    user: Annotated[str, Form(max_length=100)] = "",
    secret: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    visitor = web.sessions.id_from_cookie(request.cookies.get(COOKIE_NAME))
    if visitor is None or not web.sessions.csrf_valid(visitor, csrf_token):
        return _sign_in_form(request, web, "The sign-in form had expired. Please try again.", user, 400)
    attempt = credentials.SignInAttempt(user.strip(), secret.strip(), request_charge(request.scope).address)
    try:
        signed_in = await run_in_threadpool(credentials.sign_in, web.server.gov, web.sign_ins, attempt)
    except RateLimitedError as error:
        refused = _sign_in_form(request, web, str(error), user, 429)
        refused.headers.update(retry_after_header(error))
        return refused
    except WatchkeeperError:
        return _sign_in_form(request, web, "The user name or the secret access key is not valid.", user, 401)
    session = web.sessions.start(signed_in)
    response = redirect(home_path(signed_in.actor))
    set_session_cookie(request, response, session.id)
    return response


@router.post("/sign-out")
def sign_out(session: FormSession, web: Web) -> Response:
    web.sessions.end(session.id)
    credentials.sign_out(web.server.gov, session.signed_in)
    response = redirect(SIGN_IN_PATH)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def _sign_in_form(request: Request, web: Web, error: str | None, user: str, status_code: int = 200) -> Response:
    """The form, under the visitor's signed id (a new one if they have none), whose token it carries."""
    visitor = web.sessions.id_from_cookie(request.cookies.get(COOKIE_NAME)) or web.sessions.new_id()
    response = render(
        request,
        None,
        "sign_in.html",
        status_code=status_code,
        error=error,
        user=user,
        visitor_token=web.sessions.csrf_token(visitor),
    )
    set_session_cookie(request, response, visitor)
    return response

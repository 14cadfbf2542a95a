"""What every page of the web interface shares: the signed-in person, rendering, refusals, headers.

Routes use :class:`WebRoute`, which turns Watchkeeper's errors into pages (or, for a form sent by the
page's script, a JSON message) instead of the API's JSON bodies, sends a visitor who is not signed in to
the sign-in page, and puts the same protective headers on every response: nothing is cached, nothing is
framed, and only this server's own scripts, styles and images run or show.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import Depends, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.templating import Jinja2Templates

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.governance import credentials
from watchkeeper.governance.audit_verification import LogVerifier
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.roles import Actor, Permission, PermissionDeniedError
from watchkeeper.governance.sign_in_throttle import SignInThrottle
from watchkeeper.reports.foi_answers import pounds
from watchkeeper.server.errors import retry_after_header, status_of
from watchkeeper.server.limits import request_charge
from watchkeeper.server.state import ServerState
from watchkeeper.web.sessions import COOKIE_NAME, LIFETIME_SECONDS, Notice, SessionStore, WebSession

SIGN_IN_PATH = "/sign-in"
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
"""Every web response, images of faces above all, is kept out of browser and proxy caches."""


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    path: str
    permission: Permission | None


NAVIGATION = (
    NavItem("Alerts", "/alerts", Permission.ADJUDICATE_ALERTS),
    NavItem("Deployments", "/deployments", Permission.VIEW_DEPLOYMENTS),
    NavItem("Watchlists and galleries", "/galleries", Permission.VIEW_SUBJECTS),
    NavItem("Search", "/search", Permission.SEARCH),
    NavItem("Audit log", "/audit", Permission.READ_AUDIT),
    NavItem("Technology register", "/register", Permission.PRODUCE_REPORTS),
    NavItem("FOI log", "/foi", Permission.PRODUCE_REPORTS),
    NavItem("Reports", "/reports", Permission.PRODUCE_REPORTS),
    NavItem("Retention", "/retention", None),
    NavItem("Users", "/users", Permission.MANAGE_USERS),
    NavItem("Access keys", "/keys", Permission.MANAGE_USERS),
)
"""The pages, in the order of the menu; a page is offered only to roles allowed to use it."""


@dataclass
class WebState:
    server: ServerState
    sessions: SessionStore
    templates: Jinja2Templates
    sign_ins: SignInThrottle
    audit: LogVerifier
    """The audit log's verification, kept for the server's life so each view checks only what is new."""


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.watchkeeper_web
    return state


class SignInRequiredError(Exception):
    """The request needs a signed-in session and has none (or it ended)."""


class FormForgeryError(PermissionDeniedError):
    """A form arrived without this session's CSRF token: it was not sent from our own page."""

    code = "csrf_failed"


def current_session(request: Request) -> WebSession:
    """The signed-in session of the request's cookie, still backed by a current key of an active user in
    the role they signed in with (a person whose role changed signs in again, to act in the new one); the
    request is charged to that key from here on (:class:`RateLimitedError` past its rate)."""
    web = web_state(request)
    session_id = web.sessions.id_from_cookie(request.cookies.get(COOKIE_NAME))
    session = web.sessions.get(session_id) if session_id else None
    if session is None:
        raise SignInRequiredError
    try:
        holder = credentials.key_holder(web.server.gov, session.signed_in.access_key_id)
    except AuthenticationError:
        holder = None
    if holder is None or holder.actor != session.signed_in.actor:
        web.sessions.end(session.id)
        raise SignInRequiredError
    request_charge(request.scope).key_verified(session.signed_in.access_key_id)
    return session


async def still_signed_in(request: Request) -> bool:
    """Whether a long response (an event stream, a live view) may go on: its session has not ended since
    it began (signed out, expired, key revoked)."""
    try:
        await run_in_threadpool(current_session, request)
    except SignInRequiredError:
        return False
    return True


def checked_form(
    request: Request,
    session: Annotated[WebSession, Depends(current_session)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> WebSession:
    """The session of a form post, once its CSRF token is shown to be this session's."""
    if not web_state(request).sessions.csrf_valid(session.id, csrf_token):
        raise FormForgeryError("this form did not come from this session's page; reload the page and try again")
    return session


Text = Annotated[str, Form(min_length=1, max_length=2000)]
"""A form's required free text: a reason for the audit log, a purpose, a summary."""
Session = Annotated[WebSession, Depends(current_session)]
FormSession = Annotated[WebSession, Depends(checked_form)]
Web = Annotated[WebState, Depends(web_state)]


def allowed(actor: Actor, permission: Permission | None) -> bool:
    return permission is None or actor.may(permission)


HOME_PAGES = ("/alerts", "/search", "/audit", "/deployments", "/galleries", "/register", "/retention")
"""Where signing in lands: the first of these the role may use (an operator's alerts, an analyst's
search, an auditor's log, an administrator's deployments, a disclosure officer's register)."""


def home_path(actor: Actor) -> str:
    permitted = {item.path for item in NAVIGATION if allowed(actor, item.permission)}
    return next(path for path in HOME_PAGES if path in permitted)


def render(
    request: Request, session: WebSession | None, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """A page: the template with the signed-in person, their menu, their pending notices and the CSRF
    token of their session."""
    web = web_state(request)
    actor = session.signed_in.actor if session else None
    base: dict[str, Any] = {
        "actor": actor,
        "navigation": [item for item in NAVIGATION if actor and allowed(actor, item.permission)],
        "notices": session.take_notices() if session else [],
        "csrf_token": web.sessions.csrf_token(session.id) if session else "",
        "can": (lambda permission: actor is not None and allowed(actor, Permission(permission))),
        "current_path": request.url.path,
    }
    return web.templates.TemplateResponse(request, template, {**base, **context}, status_code=status_code)


def redirect(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def done(session: WebSession, path: str, message: str, is_error: bool = False) -> RedirectResponse:
    """After a form: the page to show next, with what happened."""
    session.notices.append(Notice(message, is_error))
    return redirect(path)


def wants_json(request: Request) -> bool:
    """A form sent by the page's own script, which shows the answer in place."""
    return "application/json" in request.headers.get("accept", "")


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        web_state(request).sessions.cookie_value(session_id),
        max_age=LIFETIME_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def utc_time(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def form_time(moment: datetime) -> str:
    """A time as a ``datetime-local`` field shows it; the pages give and take times in UTC."""
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M}"


def time_from_form(value: str, field: str) -> datetime:
    """A ``datetime-local`` value (or an ISO 8601 time with a zone) as a UTC time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{value!r} is not a date and time (YYYY-MM-DDTHH:MM, UTC)") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


class WebRoute(APIRoute):
    """A web route: errors become pages or notices, and every response carries :data:`SECURITY_HEADERS`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                response = await handle(request)
            except SignInRequiredError:
                response = _sign_in_required(request)
            except RequestValidationError as error:
                response = _refusal(request, 422, "; ".join(_problem(p) for p in error.errors()))
            except WatchkeeperError as error:
                response = _refusal(request, status_of(error), str(error))
                response.headers.update(retry_after_header(error))
            response.headers.update(SECURITY_HEADERS)
            return response

        return handler


def _problem(problem: Any) -> str:
    field = str(problem["loc"][-1]).replace("_", " ") if problem.get("loc") else "form"
    return f"{field}: {problem['msg']}"


def _sign_in_required(request: Request) -> Response:
    if "text/html" in request.headers.get("accept", ""):
        return redirect(SIGN_IN_PATH)
    return JSONResponse({"error": {"code": "sign_in_required", "message": "sign in first"}}, status_code=401)


def _refusal(request: Request, status: int, message: str) -> Response:
    """A refused request: a script gets the message as JSON; a form post goes back to the page it came
    from with the message; a page shows it."""
    if wants_json(request):
        return JSONResponse({"error": {"message": message}}, status_code=status)
    session = _session_or_none(request)
    back = _same_origin_referrer(request)
    if request.method == "POST" and session is not None and back is not None:
        session.notices.append(Notice(message, is_error=True))
        return redirect(back)
    return render(request, session, "error.html", status_code=status, message=message, status=status)


def _session_or_none(request: Request) -> WebSession | None:
    try:
        return current_session(request)
    except SignInRequiredError:
        return None


def _same_origin_referrer(request: Request) -> str | None:
    """The path of this server's page the request came from, or None. A path beginning ``//`` (or ``/\\``,
    which browsers read alike) would be taken by the browser as another host's address, so it is never
    sent back as a redirect."""
    referrer = urlsplit(request.headers.get("referer", ""))
    path = referrer.path
    if referrer.netloc != request.url.netloc or not path.startswith("/") or path.startswith(("//", "/\\")):
        return None
    return path + (f"?{referrer.query}" if referrer.query else "")


def create_templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("watchkeeper.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["utc"] = utc_time
    environment.filters["pounds"] = pounds
    environment.filters["path_part"] = lambda value: quote(str(value), safe="")
    return Jinja2Templates(env=environment)

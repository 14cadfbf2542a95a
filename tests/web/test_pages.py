"""The operator web interface in a real browser: each role's work, from signing in to the audit log.

An administrator builds a watchlist from the shared images (by upload and by drag and drop) and authorises
a deployment; an operator starts it on the shared clip, sees an alert arrive without reloading and confirms
it; an analyst searches a gallery; an auditor sees the log verified; and what a role may not do is neither
offered nor accepted.
"""

from __future__ import annotations

import base64
import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.web.browsing import DESKTOP, Server, check_accessible, photograph, sign_in

pytestmark = pytest.mark.slow

CLIP = "examples/short_hamilton_clip.mp4"
WATCHLIST = "hamilton"
UPLOADED = {
    "lin_manuel_miranda": "examples/lin-manuel-miranda.png",
    "alex_lacamoire": "examples/alex-lacamoire.png",
    "biden": "examples/biden.jpg",
}
DROPPED = ("obama", "examples/obama.jpg")
IN_CLIP = {"lin_manuel_miranda", "alex_lacamoire"}
DEPLOYMENT = "foyer-watch"
OpenContext = Callable[[], BrowserContext]
SignIn = Callable[[str], Page]


@pytest.fixture(scope="module")
def watchlist(browser: Browser, server: Server, faces_dir: Path) -> Iterator[str]:
    """The administrator creates the watchlist gallery and enrols four people: three by choosing files,
    one by dropping a file on the form."""
    context = browser.new_context(base_url=server.url, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Watchlists and galleries").click()
    page.get_by_label("Name", exact=True).fill(WATCHLIST)
    page.get_by_label("Description").fill("people sought at the theatre")
    page.get_by_label("Reason", exact=True).fill("watchlist for the evening's event")
    page.get_by_role("button", name="Create gallery").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WATCHLIST)
    for reference, image in UPLOADED.items():
        fill_subject(page, reference)
        page.get_by_label("Face images").set_input_files(faces_dir / image)
        submit_enrolment(page, reference)
    reference, image = DROPPED
    fill_subject(page, reference)
    drop_file(page, "[data-dropzone]", faces_dir / image, "image/jpeg")
    expect(page.locator(".chosen li")).to_have_text([Path(image).name])
    submit_enrolment(page, reference)
    yield WATCHLIST
    context.close()


def fill_subject(page: Page, reference: str) -> None:
    page.get_by_label("Subject reference").fill(reference)
    page.get_by_label("Entry category").select_option("missing_or_vulnerable")
    page.get_by_label("Reason", exact=True).fill("welfare concern")
    page.get_by_label("Source of the images").fill("family photographs")


def submit_enrolment(page: Page, reference: str) -> None:
    page.get_by_role("button", name="Enrol").click()
    expect(page.get_by_role("status")).to_have_text(f"Enrolled 1 image(s) of {reference}.")


def drop_file(page: Page, target: str, path: Path, media_type: str) -> None:
    """Drop a file on an element as a person dragging it from their desktop would."""
    transfer = page.evaluate_handle(
        """([name, data, type]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type}));
            return transfer;
        }""",
        [path.name, base64.b64encode(path.read_bytes()).decode(), media_type],
    )
    page.dispatch_event(target, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(target, "drop", {"dataTransfer": transfer})


def images_loaded(page: Page, selector: str) -> None:
    page.wait_for_function(
        "(selector) => { const images = [...document.querySelectorAll(selector)];"
        " return images.length > 0 && images.every((i) => i.complete && i.naturalWidth > 0); }",
        arg=selector,
    )


def csrf_token(page: Page) -> str:
    return page.locator("input[name=csrf_token]").first.input_value()


def test_watchlist_is_created_from_images(watchlist: str, server: Server, new_context: OpenContext) -> None:
    page = new_context().new_page()
    page.goto("/sign-in")
    photograph(page, "sign-in")
    sign_in(page, server, "admin")
    page.goto("/galleries")
    row = page.get_by_role("row", name=re.compile(watchlist))
    expect(row.locator("td.num")).to_have_text(["4", "4"])
    photograph(page, "galleries")
    row.get_by_role("link", name=watchlist).click()
    subjects = page.locator("table.subjects tbody th")
    expect(subjects).to_have_text(["alex_lacamoire", "biden", "lin_manuel_miranda", "obama"])
    images_loaded(page, "img.thumb")
    photograph(page, "gallery")


def test_operator_sees_an_alert_arrive_without_reloading_and_confirms_it(
    watchlist: str, server: Server, new_context: OpenContext, signed_in: SignIn, faces_dir: Path
) -> None:
    admin = signed_in("admin")
    admin.get_by_role("link", name="Deployments").click()
    admin.get_by_label("Name", exact=True).fill(DEPLOYMENT)
    admin.get_by_label("Purpose").fill("find missing people at the theatre")
    admin.get_by_label("Location").fill("theatre foyer")
    admin.get_by_label("Cameras").fill("foyer\nGate 3, north\n")
    admin.get_by_label("Watchlist from gallery").select_option(watchlist)
    admin.get_by_label("Authorising officer").fill("Supt. A. Example")
    admin.get_by_label("This is a trial").check()
    admin.get_by_role("button", name="Authorise").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Deployment {DEPLOYMENT} authorised")
    photograph(admin, "deployments-administrator")

    operator = new_context()
    alerts = operator.new_page()
    sign_in(alerts, server, "olu")
    expect(alerts).to_have_url(re.compile("/alerts$"))
    expect(alerts.locator("#stream-state")).to_contain_text("Live")
    expect(alerts.locator(".alert-card")).to_have_count(0)
    photograph(alerts, "alerts-waiting")
    alerts.evaluate("() => { window.sameDocument = true; }")

    controls = operator.new_page()
    controls.goto("/deployments")
    expect(controls.get_by_role("button", name="Authorise")).to_have_count(0)  # an operator runs, never authorises
    controls.get_by_label("Source").fill(str(faces_dir / CLIP))
    controls.get_by_role("button", name="Start run").click()
    expect(controls.get_by_role("status")).to_have_text(f"Deployment {DEPLOYMENT} running on camera foyer.")

    first = alerts.locator(".alert-card").first
    expect(first).to_be_visible(timeout=120_000)
    # Pin the card by its id: a later alert arriving on top must not swap the card under the test's hands.
    alert_id = first.get_attribute("data-alert-id")
    card = alerts.locator(f"#alert-{alert_id}")
    assert alerts.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    subject = card.locator("h2").inner_text().split()[0]
    assert subject in IN_CLIP
    expect(card.locator(".facts")).to_contain_text("foyer")
    images_loaded(alerts, ".alert-card img")
    photograph(alerts, "alerts")
    card.get_by_label("Confirm").check()
    card.get_by_label("Reason").fill("matches the watchlist photograph")
    card.get_by_label("Action taken").fill("spoke to them")
    card.get_by_role("button", name="Record decision").click()
    expect(alerts.locator(f"#alert-{alert_id} .badge")).to_have_text("confirmed")
    expect(alerts.locator(f"#alert-{alert_id} .decision")).to_contain_text("matches the watchlist photograph")
    assert alerts.evaluate("() => window.sameDocument === true"), "the page was reloaded"
    with server.api("olu") as api:
        recorded = {a["id"]: a for a in api.get("/api/v1/alerts").json()}
    assert recorded[int(alert_id or 0)]["outcome"] == "confirmed"
    assert recorded[int(alert_id or 0)]["adjudicated_by"] == "olu"

    controls.reload()
    stop = controls.get_by_role("button", name="Stop foyer")
    if stop.count():  # the clip may have ended by now; then the run has finished by itself
        stop.click()
        expect(controls.get_by_role("status")).to_contain_text("Camera foyer of foyer-watch stopped")
    expect(controls.locator(".runs tbody tr")).to_contain_text(re.compile("stopped|finished"))
    expect(controls.locator(".counts")).to_have_text(re.compile(r"^[1-9]\d* frames processed, [1-9]\d* faces seen"))
    expect(controls.locator(".run-history li")).to_have_text(re.compile(r"foyer: \d{4}-.+ to \d{4}-.+ frames\)"))
    photograph(controls, "deployments-operator")


def test_analyst_search_lists_the_right_person_first(watchlist: str, signed_in: SignIn, faces_dir: Path) -> None:
    page = signed_in("ann")
    expect(page).to_have_url(re.compile("/search$"))
    page.get_by_label("Gallery").select_option(watchlist)
    page.get_by_label("Probe image", exact=True).set_input_files(faces_dir / "examples/obama2.jpg")
    images_loaded(page, "#probe-preview")
    page.get_by_label("Case reference").fill("OP-7")
    page.get_by_label("Reason for this search").fill("identify the person in the image")
    page.get_by_role("button", name="Search").click()
    candidates = page.locator(".candidate")
    expect(candidates.first).to_contain_text("obama")
    expect(candidates.first.locator(".badge")).to_have_text("within threshold")
    expect(candidates).to_have_count(4)
    images_loaded(page, ".candidate img")
    expect(page.get_by_label("Case reference")).to_have_value("OP-7")
    photograph(page, "search")


def test_auditor_sees_the_audit_log_verified(watchlist: str, signed_in: SignIn) -> None:
    page = signed_in("aud")
    expect(page).to_have_url(re.compile("/audit$"))
    expect(page.locator("#verification")).to_contain_text("Verified.")
    actions = page.locator("table.audit code")
    expect(actions.filter(has_text="subject.enrol")).to_have_count(4)
    expect(actions.filter(has_text="session.sign_in").first).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link")).to_have_text(
        [
            "Deployments",
            "Watchlists and galleries",
            "Audit log",
            "Technology register",
            "FOI log",
            "Reports",
            "Retention",
        ]
    )
    photograph(page, "audit")
    # The auditor checks the records about people, not their faces.
    refused = page.request.get(f"/galleries/{watchlist}/subjects/obama/image")
    assert refused.status == 403
    page.goto(f"/galleries/{watchlist}")
    expect(page.locator("img")).to_have_count(0)


def test_a_cameras_password_is_shown_to_its_operator_never_to_the_auditor(
    watchlist: str, server: Server, signed_in: SignIn
) -> None:
    with socket.socket() as closed:  # a camera that is down: its run keeps reconnecting, still running
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    source = f"rtsp://viewer:s3cret@127.0.0.1:{port}/stage?token=abc123"
    now = datetime.now(UTC)
    with server.api("admin") as admin:
        admin.post(
            "/api/v1/deployments",
            json={
                "name": "stage-watch", "purpose": "find missing people at the theatre", "location": "stage door",
                "cameras": ["stage"], "mode": "static", "trial": True, "gallery": watchlist,
                "authorising_officer": "Supt. A. Example", "starts_at": (now - timedelta(minutes=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        ).raise_for_status()  # fmt: skip
    with server.api("olu") as operator:
        operator.post(
            "/api/v1/deployments/stage-watch/runs", json={"camera": "stage", "source": source}
        ).raise_for_status()
        try:
            controls = signed_in("olu")
            controls.goto("/deployments")
            expect(controls.locator(".runs")).to_contain_text(source)
            audit = signed_in("aud")
            audit.goto("/deployments")
            expect(audit.locator(".runs")).to_contain_text(f"rtsp://127.0.0.1:{port}/stage?token=***")
            assert "s3cret" not in audit.content()
            assert "abc123" not in audit.content()
        finally:
            operator.post("/api/v1/deployments/stage-watch/runs/stage/stop").raise_for_status()


def test_analyst_cannot_open_the_deployment_controls(watchlist: str, signed_in: SignIn) -> None:
    page = signed_in("ann")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Deployments")).to_have_count(0)
    response = page.goto("/deployments")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    expect(page.get_by_role("button", name="Start run")).to_have_count(0)
    photograph(page, "not-allowed")
    form: dict[str, str | float | bool] = {"csrf_token": csrf_token(page), "camera": "foyer", "source": "/dev/null"}
    forged = page.request.post(f"/deployments/{DEPLOYMENT}/runs", form=form, headers={"Accept": "application/json"})
    assert forged.status == 403
    assert "may not run deployments" in forged.json()["error"]["message"]


def test_face_images_only_to_signed_in_people_and_never_cached(
    watchlist: str, new_context: OpenContext, signed_in: SignIn
) -> None:
    image = f"/galleries/{watchlist}/subjects/obama/image"
    stranger = new_context().request.get(image)
    assert stranger.status == 401
    page = signed_in("ann")
    shown = page.request.get(image)
    assert shown.status == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["cache-control"] == "no-store"
    page.goto("/search")
    assert page.evaluate("() => document.cookie") == ""  # the session cookie is out of scripts' reach


def test_forms_without_the_session_token_are_refused(server: Server, signed_in: SignIn) -> None:
    page = signed_in("admin")
    for token in ("", "0" * 64):
        forged = page.request.post("/galleries", form={"csrf_token": token, "name": "forged", "reason": "forged"})
        assert forged.status == 403
    with server.api("admin") as api:
        assert "forged" not in {g["name"] for g in api.get("/api/v1/galleries").json()}


def test_sign_in_refuses_a_wrong_secret_and_sign_out_ends_the_session(server: Server, new_context: OpenContext) -> None:
    page = new_context().new_page()
    page.goto("/alerts")
    expect(page).to_have_url(re.compile("/sign-in$"))
    page.get_by_label("User name").fill("olu")
    page.get_by_label("Secret access key").fill("not-the-secret")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The user name or the secret access key is not valid.")
    check_accessible(page)
    sign_in(page, server, "olu")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile("/sign-in$"))
    page.goto("/alerts")
    expect(page).to_have_url(re.compile("/sign-in$"))


def test_retention_is_shown_to_all_and_enforced_by_an_administrator(signed_in: SignIn) -> None:
    operator = signed_in("olu")
    operator.get_by_role("link", name="Retention").click()
    expect(operator.get_by_role("row", name=re.compile("alerts"))).to_contain_text("31 days")
    expect(operator.get_by_role("button", name="Enforce retention now")).to_have_count(0)
    admin = signed_in("admin")
    admin.goto("/retention")
    admin.get_by_role("button", name="Enforce retention now").click()
    expect(admin.get_by_role("status")).to_contain_text("Retention enforced: 0 expired subjects")
    photograph(admin, "retention")

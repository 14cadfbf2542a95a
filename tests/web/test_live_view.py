"""The live view in a real browser: an operator sees each running camera's picture on the deployments page;
an auditor, who reads the runs, neither sees it nor may fetch it; a stopped camera shows nothing."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import av
import pytest
from playwright.sync_api import Page, expect

from tests.api.test_http_galleries_and_search import enrol
from tests.web.browsing import Server, photograph
from watchkeeper.web.routes.deployments import LIVE_VIEW_BOUNDARY

pytestmark = pytest.mark.slow

CLIP = "examples/short_hamilton_clip.mp4"
DEPLOYMENT = "stage-door"
CAMERA = "Gate 3, north"
DOWN = "back door"
STREAM = "/deployments/stage-door/cameras/Gate%203%2C%20north/live.mjpg"
LOOPS = 12
"""The clip played this many times over: a run that lasts a minute or more, longer than any test of it."""
SignIn = Callable[[str], Page]


def looped(source: Path, target: Path, times: int) -> Path:
    """``source``'s video packets ``times`` over, one after another, without decoding them."""
    with av.open(str(source)) as clip, av.open(str(target), "w") as looping:
        original = clip.streams.video[0]
        copy = looping.add_stream_from_template(original)
        packets = [(p, p.pts, p.dts) for p in clip.demux(original) if p.pts is not None and p.dts is not None]
        span = max(pts + (packet.duration or 0) for packet, pts, _ in packets) - min(pts for _, pts, _ in packets)
        for turn in range(times):
            for packet, pts, dts in packets:
                again = av.Packet(bytes(packet))
                again.pts, again.dts, again.duration = pts + turn * span, dts + turn * span, packet.duration
                again.time_base, again.is_keyframe, again.stream = packet.time_base, packet.is_keyframe, copy
                looping.mux(again)
    return target


@pytest.fixture(scope="module")
def long_clip(server: Server, faces_dir: Path) -> Path:
    return looped(faces_dir / CLIP, server.videos / "long_clip.mp4", LOOPS)


@pytest.fixture(scope="module")
def deployment(server: Server, faces_dir: Path) -> str:
    now = datetime.now(UTC)
    with server.api("admin") as admin:
        admin.post("/api/v1/galleries", json={"name": "stage", "reason": "watchlist"}).raise_for_status()
        enrol(admin, "stage", "lin", faces_dir / "examples/lin-manuel-miranda.png").raise_for_status()
        spec = {
            "name": DEPLOYMENT,
            "purpose": "find a missing person",
            "location": "stage door",
            "cameras": [CAMERA, DOWN],
            "mode": "static",
            "trial": True,
            "gallery": "stage",
            "authorising_officer": "Supt. A. Example",
            "starts_at": (now - timedelta(minutes=1)).isoformat(),
            "ends_at": (now + timedelta(hours=1)).isoformat(),
            "minimum_face_px": 30,
            "recognition_zones": {CAMERA: {"left": 0.1, "top": 0.0, "right": 0.9, "bottom": 1.0}},
        }
        admin.post("/api/v1/deployments", json=spec).raise_for_status()
    return DEPLOYMENT


@pytest.fixture
def running(server: Server, deployment: str, long_clip: Path) -> Iterator[str]:
    """The camera running on the long clip for the test, stopped after it."""
    runs = f"/api/v1/deployments/{deployment}/runs"
    with server.api("olu") as operator:
        operator.post(runs, json={"camera": CAMERA, "source": str(long_clip)}).raise_for_status()
        try:
            yield STREAM
        finally:
            stopped = operator.post(f"{runs}/{CAMERA}/stop")
            assert stopped.status_code == 200, stopped.text


def pictures_showing(page: Page) -> None:
    page.wait_for_function(
        "() => { const images = [...document.querySelectorAll('.live-view img')];"
        " return images.length > 0 && images.every((i) => i.naturalWidth > 0); }"
    )


def test_an_operator_sees_the_running_cameras_picture(running: str, signed_in: SignIn) -> None:
    page = signed_in("olu")
    page.goto("/deployments", wait_until="domcontentloaded")
    view = page.locator(".live-view")
    expect(view).to_have_count(1)
    expect(view.locator("img")).to_have_attribute("src", running)
    expect(view.locator("img")).to_have_attribute("alt", re.compile(f"^Live view of camera {CAMERA} of {DEPLOYMENT}"))
    expect(page.get_by_role("list", name="What the live view shows")).to_contain_text("too small")
    pictures_showing(page)
    assert page.evaluate("() => document.querySelector('.live-view img').naturalWidth") == 640
    photograph(page, "deployments-live-view")
    response = page.evaluate(
        """async (url) => {
            const response = await fetch(url);
            const reader = response.body.getReader();
            const first = await reader.read();
            await reader.cancel();
            return {
                status: response.status,
                type: response.headers.get('content-type'),
                cache: response.headers.get('cache-control'),
                start: new TextDecoder('latin1').decode(first.value.slice(0, 80)),
            };
        }""",
        running,
    )
    assert response["status"] == 200
    assert response["type"] == f"multipart/x-mixed-replace; boundary={LIVE_VIEW_BOUNDARY}"
    assert response["cache"] == "no-store"
    assert response["start"].startswith(f"--{LIVE_VIEW_BOUNDARY}\r\nContent-Type: image/jpeg\r\n")


def test_an_auditor_reads_the_run_but_never_sees_the_picture(running: str, signed_in: SignIn) -> None:
    page = signed_in("aud")
    page.goto("/deployments")
    expect(page.locator(".runs tbody tr", has_text=CAMERA)).to_contain_text("running")
    expect(page.locator(".live-view")).to_have_count(0)
    expect(page.locator("img")).to_have_count(0)
    refused = page.request.get(running)
    assert refused.status == 403
    assert "may not run deployments" in refused.text()
    analyst = signed_in("ann").request.get(running)
    assert analyst.status == 403


def test_a_camera_that_is_down_is_shown_waiting_and_the_page_loads(
    server: Server, deployment: str, signed_in: SignIn
) -> None:
    with socket.socket() as closed:  # nothing listens there: the run keeps reconnecting, still running
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    runs = f"/api/v1/deployments/{deployment}/runs"
    with server.api("olu") as operator:
        operator.post(runs, json={"camera": DOWN, "source": f"rtsp://127.0.0.1:{port}/back"}).raise_for_status()
        try:
            page = signed_in("olu")
            page.goto("/deployments")  # the load event comes: the view sends a picture saying it waits
            expect(page.locator(".live-view figcaption")).to_have_text(f"{deployment}: {DOWN}")
            pictures_showing(page)
        finally:
            operator.post(f"{runs}/{DOWN}/stop").raise_for_status()


def test_a_stopped_camera_shows_nothing(server: Server, running: str, signed_in: SignIn) -> None:
    page = signed_in("olu")
    page.goto("/deployments", wait_until="domcontentloaded")
    pictures_showing(page)
    with server.api("olu") as operator:
        operator.post(f"/api/v1/deployments/{DEPLOYMENT}/runs/{CAMERA}/stop").raise_for_status()
    # The stream ends with a picture saying the run stopped: the image is complete, no frame left frozen.
    page.wait_for_function("() => { const image = document.querySelector('.live-view img');"
                           " return image.complete && image.naturalWidth > 0; }")  # fmt: skip
    page.goto("/deployments", wait_until="domcontentloaded")
    expect(page.locator(".runs tbody tr", has_text=CAMERA)).to_contain_text("stopped")
    expect(page.locator(".live-view")).to_have_count(0)
    assert page.request.get(running).status == 404
    assert page.request.get("/deployments/stage-door/cameras/nowhere/live.mjpg").status == 404


def test_an_operator_starts_a_wide_camera_on_centerface_from_the_page(
    server: Server, deployment: str, long_clip: Path, signed_in: SignIn
) -> None:
    page = signed_in("olu")
    page.goto("/deployments", wait_until="domcontentloaded")
    page.get_by_label("Camera", exact=True).select_option(CAMERA)
    page.get_by_label("Source").fill(str(long_clip))
    detector = page.get_by_label("Detector")
    expect(detector.locator("option").first).to_contain_text("the server's (cnn)")
    detector.select_option("centerface")
    page.get_by_role("button", name="Start run").click()
    try:
        expect(page.get_by_role("status")).to_have_text(f"Deployment {DEPLOYMENT} running on camera {CAMERA}.")
        expect(page.locator("td[data-label=Camera]").filter(has_text=f"{long_clip}, centerface")).to_have_count(1)
    finally:
        with server.api("olu") as operator:
            stopped = operator.post(f"/api/v1/deployments/{deployment}/runs/{CAMERA}/stop")
            assert stopped.status_code == 200, stopped.text

"""The deployment form's camera names: one per line, so a name may hold a comma."""

from __future__ import annotations

from watchkeeper.web.routes.deployments import cameras_from_form


def test_cameras_are_one_per_line_and_keep_their_commas() -> None:
    assert cameras_from_form("foyer\r\n  Gate 3, north \n\n\tstage\n") == ("foyer", "Gate 3, north", "stage")


def test_a_form_of_blank_lines_names_no_camera() -> None:
    assert cameras_from_form(" \n\r\n") == ()

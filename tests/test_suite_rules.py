"""The suite's own rule that no test depends on the machine's speed, checked where it can be.

A property that hypothesis fails for taking over 200 ms on a loaded machine fails the whole README test
command for no fault of the code; the profile in ``conftest.py`` turns deadlines off for every property.
"""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis

TESTS = Path(__file__).resolve().parent


def test_properties_run_without_a_deadline() -> None:
    default = hypothesis.settings.default
    assert default is not None
    assert default.deadline is None


def test_no_test_sets_a_hypothesis_deadline_of_its_own() -> None:
    timed = [
        f"{path.relative_to(TESTS)}:{number}"
        for path in sorted(TESTS.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"\bdeadline\s*=\s*(?!None\b)[\w.(]", line) and "monotonic" not in line
    ]
    assert not timed, f"hypothesis deadlines depend on the machine's speed: {timed}"


def test_every_test_directory_is_a_package() -> None:
    """Helpers are imported by their package path (``tests.api.serving``), never as top-level modules that
    only resolve because pytest put their directory on ``sys.path``; a directory without ``__init__.py``
    would silently bring that back for its files."""
    directories = [TESTS, *(path for path in TESTS.rglob("*") if path.is_dir() and any(path.glob("*.py")))]
    missing = [str(path.relative_to(TESTS.parent)) for path in directories if not (path / "__init__.py").is_file()]
    assert not missing, f"test directories without __init__.py: {missing}"

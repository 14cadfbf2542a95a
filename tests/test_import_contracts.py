"""The import contract in ``pyproject.toml`` (checked by ``make lint``): the real tree keeps it, and a copy of
the package with one deliberate violation breaks the contract that forbids it.

``lint-imports`` reads the source statically, so a violation needs no more than one import line; it runs in a
subprocess on the copy, found first on ``PYTHONPATH``, exactly as ``make lint`` runs it on the tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import watchkeeper

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(watchkeeper.__file__).resolve().parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
HANG_GUARD_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Violation:
    module: str
    """The file, relative to the package, that gains the import."""
    line: str
    broken: str
    """The start of the name of the contract it breaks."""
    reported: str
    """The chain ``lint-imports`` names."""


VIOLATIONS = (
    Violation(
        "web/pages.py",
        "from watchkeeper.api.auth import CurrentActor",
        "The REST API and the web pages are sibling adapters",
        "watchkeeper.web.pages -> watchkeeper.api.auth",
    ),
    Violation(
        "api/routes/users.py",
        "from watchkeeper.web.sessions import SessionStore",
        "The REST API and the web pages are sibling adapters",
        "watchkeeper.api.routes.users -> watchkeeper.web.sessions",
    ),
    Violation(
        "server/state.py",
        "from watchkeeper.api.auth import CurrentActor",
        "Layers of README's layout",
        "watchkeeper.server.state -> watchkeeper.api.auth",
    ),
    Violation(
        "governance/users.py",
        "from watchkeeper.live.supervisor import LiveSupervisor",
        "Layers of README's layout",
        "watchkeeper.governance.users -> watchkeeper.live.supervisor",
    ),
    Violation(
        "forecasting/methods.py",
        "from watchkeeper.cli.output import print_json",
        "Layers of README's layout",
        "watchkeeper.forecasting.methods -> watchkeeper.cli.output",
    ),
    Violation(
        "forecasting/scoring.py",
        "from watchkeeper.governance.schema import User",
        "Only the governance core uses the schema's tables",
        "watchkeeper.forecasting.scoring -> watchkeeper.governance.schema",
    ),
    Violation(
        "api/routes/users.py",
        "from watchkeeper.governance.schema import User",
        "Only the governance core uses the schema's tables",
        "watchkeeper.api.routes.users -> watchkeeper.governance.schema",
    ),
    Violation(
        "governance/audit/store.py",
        "from watchkeeper.governance.roles import Actor, Permission",
        "The audit package is pure log",
        "watchkeeper.governance.audit.store -> watchkeeper.governance.roles",
    ),
)


def lint_imports(project: Path, source: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` with ``project``'s ``pyproject.toml``, reading the package found in ``source``."""
    assert LINT_IMPORTS.is_file(), f"import-linter is not installed next to {sys.executable}"
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", str(project / "pyproject.toml")],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(source), "COLUMNS": "1000"},  # no line wrapped in the report
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


def test_the_tree_keeps_the_contract() -> None:
    result = lint_imports(ROOT, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("violation", VIOLATIONS, ids=lambda v: v.reported)
def test_a_violation_breaks_the_contract_that_forbids_it(tmp_path: Path, violation: Violation) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source / "watchkeeper", ignore=shutil.ignore_patterns("__pycache__"))
    target = source / "watchkeeper" / violation.module
    target.write_text(f"{target.read_text(encoding='utf-8')}\n{violation.line}\n", encoding="utf-8")

    result = lint_imports(tmp_path, source)

    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]  # an import between the adapters breaks two
    assert violation.broken in broken
    assert violation.reported in broken

"""Running governance commands in-process, as a user would type them, each in a data directory of its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from watchkeeper.cli import app

runner = CliRunner()


def run(env: dict[str, str], *args: str | Path) -> tuple[int, dict[str, Any]]:
    """Exit code and the ``--json`` document of one command."""
    result = runner.invoke(app, [*(str(a) for a in args), "--json"], env=env)
    assert result.stdout, f"{args}: no output; exit {result.exit_code}; {result.stderr or result.exception!r}"
    return result.exit_code, json.loads(result.stdout)

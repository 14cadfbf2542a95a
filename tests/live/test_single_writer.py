"""The live package finds faces and matches them; storing anything is the governance layer's."""

from __future__ import annotations

import ast
from pathlib import Path

import watchkeeper.live

WRITE_PATHS = ("watchkeeper.governance.schema", "watchkeeper.governance.db")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}


def test_no_live_module_reaches_the_database_or_its_tables() -> None:
    package = Path(watchkeeper.live.__file__).parent
    reaching = {
        f"{path.name}: {module}"
        for path in sorted(package.glob("*.py"))
        for module in imported_modules(path)
        if module.startswith(WRITE_PATHS)
    }
    assert reaching == set()

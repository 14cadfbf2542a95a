"""Blocks as Markdown; charts become PNG files beside it, linked by relative path."""

from __future__ import annotations

from watchkeeper.reports.layout import Block, Chart, Heading, Paragraph, Table


def render_markdown(blocks: list[Block], chart_dir: str = "charts") -> tuple[str, dict[str, bytes]]:
    """The Markdown text and the chart files it links (path relative to the Markdown file -> PNG bytes)."""
    lines: list[str] = []
    charts: dict[str, bytes] = {}
    for block in blocks:
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Paragraph):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines += _table(block)
        elif isinstance(block, Chart):
            path = f"{chart_dir}/{block.name}.png"
            charts[path] = block.png
            lines += [f"![{block.title}]({path})", ""]
    return "\n".join(lines), charts


def _table(table: Table) -> list[str]:
    if not table.rows:
        return ["None recorded.", ""]
    rows = [table.columns, *table.rows]
    lines = ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    lines.insert(1, "|" + "|".join(" --- " for _ in table.columns) + "|")
    return [*lines, ""]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")

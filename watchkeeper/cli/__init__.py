"""The ``watchkeeper`` command line: a thin layer over the same functions the server will call."""

from __future__ import annotations

from typing import Annotated

import typer

from watchkeeper import __version__
from watchkeeper.cli.demo import demo
from watchkeeper.cli.face_commands import compare, detect

app = typer.Typer(
    name="watchkeeper",
    help="Open, accountable facial recognition. Every result is for a person to review, never an identification.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(detect)
app.command()(compare)
app.command()(demo)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"watchkeeper {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Open, accountable facial recognition."""

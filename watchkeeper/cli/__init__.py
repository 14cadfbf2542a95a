"""The ``watchkeeper`` command line: a thin layer over the same functions the server will call."""

from __future__ import annotations

from typing import Annotated

import typer

from watchkeeper import __version__
from watchkeeper.cli.demo import demo
from watchkeeper.cli.deployment_commands import alert_app, deploy_app, footage_search
from watchkeeper.cli.evaluation_commands import calibrate_command, degrade_command, evaluate_command
from watchkeeper.cli.face_commands import compare, detect
from watchkeeper.cli.forecast_commands import forecast_app
from watchkeeper.cli.governance_commands import (
    audit_app,
    enrol,
    gallery_app,
    retention_app,
    search_command,
    subject_app,
    user_app,
)
from watchkeeper.cli.report_commands import foi_app, register_app, report_app
from watchkeeper.cli.server_commands import key_app, serve

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
app.command()(enrol)
app.command("search")(search_command)
app.command("footage-search")(footage_search)
app.command("evaluate")(evaluate_command)
app.command("degrade")(degrade_command)
app.command("calibrate")(calibrate_command)
app.add_typer(user_app, name="user")
app.add_typer(gallery_app, name="gallery")
app.add_typer(subject_app, name="subject")
app.add_typer(audit_app, name="audit")
app.add_typer(retention_app, name="retention")
app.add_typer(deploy_app, name="deploy")
app.add_typer(alert_app, name="alert")
app.command()(serve)
app.add_typer(key_app, name="key")
app.add_typer(register_app, name="register")
app.add_typer(foi_app, name="foi")
app.add_typer(report_app, name="report")
app.add_typer(forecast_app, name="forecast")


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

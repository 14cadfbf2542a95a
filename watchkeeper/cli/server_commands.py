"""``watchkeeper serve`` and ``watchkeeper key``: running the server, and the access keys it accepts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
import uvicorn

from watchkeeper.cli import output
from watchkeeper.cli.governance_commands import Reason, User
from watchkeeper.cli.governed import governed
from watchkeeper.cli.options import JsonOutput
from watchkeeper.config import ConfigError, load_settings
from watchkeeper.governance import credentials, users
from watchkeeper.server.app import create_app
from watchkeeper.server.config import read_server_config

SHUTDOWN_GRACE_SECONDS = 5
"""How long stopping waits for open requests: an event stream (live alerts) never ends by itself."""

key_app = typer.Typer(
    help="Access keys for the HTTP API and the Rekognition-compatible endpoint.", no_args_is_help=True
)


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on [default: from config].")] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535, help="Port [default: from config].")] = None,
) -> None:
    """Run the HTTP server (REST API under /api/v1, Rekognition-compatible endpoint, live runs) until stopped."""
    try:
        settings = load_settings()
        config = read_server_config(settings.effective_config_file)
    except ConfigError as error:
        output.fail(error, False)
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    config = config.model_copy(update=overrides)
    with governed(False) as gov:
        created = users.bootstrap_first_administrator(gov)
        first_key = credentials.first_key_file(gov)
        if first_key is not None:
            said = f"first start: administrator '{credentials.FIRST_ADMINISTRATOR}' created" if created else "note"
            output.stderr.print(
                f"{said}; their access key is in {first_key} (readable by you only), which is deleted once "
                f"'{credentials.FIRST_ADMINISTRATOR}' signs in or issues another key",
                highlight=False,
                soft_wrap=True,
            )
        output.stderr.print(f"Watchkeeper serving http://{config.host}:{config.port}/docs", highlight=False)
        try:
            uvicorn.run(
                create_app(gov, config),
                host=config.host,
                port=config.port,
                log_level="info",
                timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
                proxy_headers=bool(config.trusted_proxies),
                forwarded_allow_ips=list(config.trusted_proxies) or None,
            )
        finally:
            gov.close()


@key_app.command("issue")
def key_issue(
    holder: Annotated[str, typer.Argument(help="The user the key is for.")],
    reason: Reason,
    user: User,
    description: Annotated[str, typer.Option("--description", help="What the key is for (a program, a person).")] = "",
    as_json: JsonOutput = False,
) -> None:
    """Issue an access key pair; the secret is printed once and cannot be shown again."""
    with governed(as_json) as gov:
        issued = credentials.issue_access_key(gov, users.resolve_actor(gov, user), holder, description, reason)
    document = {"key": {**asdict(issued), "bearer_token": issued.bearer_token}}
    message = (
        f"access key for {issued.user}\n  access key id:     {issued.access_key_id}\n"
        f"  secret access key: {issued.secret_access_key}\n(the secret is shown only now)"
    )
    output.emit(as_json, document, message)


@key_app.command("list")
def key_list(
    user: User,
    holder: Annotated[str | None, typer.Option("--holder", help="Only this user's keys.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """List access keys (never their secrets)."""
    with governed(as_json) as gov:
        keys = credentials.list_access_keys(gov, users.resolve_actor(gov, user), holder)
    output.print_records(as_json, "keys", keys, _KEY_COLUMNS, _key_row)


_KEY_COLUMNS = ("access key id", "user", "description", "issued", "revoked")


def _key_row(k: credentials.AccessKeyRecord) -> tuple[str, ...]:
    revoked = f"{k.revoked_at:%Y-%m-%d}" if k.revoked_at else ""
    return k.access_key_id, k.user, k.description, f"{k.issued_at:%Y-%m-%d}", revoked


@key_app.command("revoke")
def key_revoke(access_key_id: str, reason: Reason, user: User, as_json: JsonOutput = False) -> None:
    """Revoke a key: requests made with it are refused from now on."""
    with governed(as_json) as gov:
        record = credentials.revoke_access_key(gov, users.resolve_actor(gov, user), access_key_id, reason)
    output.emit(as_json, {"key": output.plain(asdict(record))}, f"revoked {record.access_key_id} of {record.user}")

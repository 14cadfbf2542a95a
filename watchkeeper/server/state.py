"""What every request handler shares: the governance core, the server's limits, the live runs."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from watchkeeper.governance.context import Governance
from watchkeeper.live.supervisor import LiveSupervisor
from watchkeeper.server.config import ServerConfig


@dataclass
class ServerState:
    gov: Governance
    config: ServerConfig
    live: LiveSupervisor


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.watchkeeper
    return state

"""`cellgate agent`: the kiosk agent's command (the logic is in hardware/agent.py)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Any

import click

from hardware.agent import AgentEvent, HttpAgentServer, KioskAgent
from hardware.cards import PcscCardReader


@click.command(
    "agent",
    help="Kiosk agent: watch the card reader and relay card challenges to the server.",
)
@click.option("--server", required=True, help="The kiosk server's address, e.g. https://kiosk-a/")
@click.option(
    "--credential-file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding this kiosk's device credential (shown once at registration).",
)
@click.option("--reader", default="", help="Use the first reader whose name contains this.")
def agent_command(server: str, credential_file: Path, reader: str) -> None:
    credential = credential_file.read_text().strip()
    if not credential:
        raise click.ClickException(f"{credential_file} is empty: put the device credential in it")
    stop = threading.Event()

    def on_signal(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def report(event: AgentEvent) -> None:
        click.echo(event.line())

    agent = KioskAgent(PcscCardReader(reader), HttpAgentServer(server, credential), report)
    click.echo(f"agent: watching reader {reader or '(first)'} for {server}")
    agent.run(stop, wait_seconds=0.5)
    click.echo("agent: stopped")

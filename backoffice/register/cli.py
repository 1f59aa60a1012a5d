"""`cellgate register ...`: the Prisoners' Register's events from a file (JSON lines, one event
each), the waiting ones tried again, and the nightly comparison with the register's full list."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from . import services
from .reading import json_lines

FEED = Actor.system("register")


def _echo(receipt: services.Receipt) -> None:
    click.echo(
        f"{receipt.received} new events, {receipt.applied} applied, {receipt.waiting} waiting, "
        f"{receipt.duplicates} seen before, {len(receipt.refused)} refused"
    )
    for position, why in receipt.refused:
        click.echo(f"  event {position}: {why}", err=True)


@click.group("register", help="The Prisoners' Register: its events and the nightly comparison.")
def register_group() -> None:
    pass


@register_group.command("import", help="Apply the events of a JSON-lines file (each once).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_file(path: Path) -> None:
    with command_session(command_settings()) as db:
        events = json_lines(path.read_text(encoding="utf-8"))
        receipt = services.receive(db, FEED, events, source=f"file:{path.name}")
        services.record_delivery(db, FEED, receipt, f"file:{path.name}")
        db.commit()
    _echo(receipt)
    if receipt.refused:
        sys.exit(1)


@register_group.command("retry", help="Try the waiting events again.")
def retry() -> None:
    with command_session(command_settings()) as db:
        receipt = services.retry(db, FEED)
        db.commit()
    _echo(receipt)


@register_group.command(
    "reconcile", help="List every difference from the register's full list (a JSON-lines file)."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def reconcile(path: Path) -> None:
    rows = [r for r in json_lines(path.read_text(encoding="utf-8")) if isinstance(r, dict)]
    with command_session(command_settings()) as db:
        differences = services.reconcile(db, rows)
    for line in differences:
        click.echo(line)
    click.echo(f"{len(differences)} differences among {len(rows)} people listed")
    if differences:
        sys.exit(1)

"""`cellgate shop ...`: check a protocol file before it goes live, and close orders that were
never delivered (their holds go back to the inmates)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..audit.services import Actor
from ..db import make_engine, make_session_factory
from ..settings import ROOT, SettingsError, load_settings
from . import services
from .protocols import ProtocolError, load_protocols


@click.group("shop", help="The prison shop: protocols and housekeeping.")
def shop_group() -> None:
    pass


@shop_group.command("check-protocols", help="Load a protocol file and report its first mistake.")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def check_protocols(path: Path | None) -> None:
    if path is None:
        try:
            path = ROOT / load_settings()["shop.protocols_file"]
        except SettingsError as error:
            raise click.ClickException(f"bad setting: {error}") from None
    try:
        protocols = load_protocols(path)
    except ProtocolError as error:
        click.echo(f"PROBLEM: {error}", err=True)
        sys.exit(1)
    click.echo(f"ok: {path}: {len(protocols.rules)} rules")
    for rule in protocols.rules:
        click.echo(f"  {rule.id:28} {type(rule).__name__}")


@shop_group.command(
    "expire-orders", help="Close orders not delivered in the grace period and release their holds."
)
def expire_orders() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(f"bad setting: {error}") from None
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            expired = services.expire_stale_orders(
                db, Actor.system("cellgate shop expire-orders"), settings
            )
            db.commit()
            numbers = [order.number for order in expired]
    finally:
        engine.dispose()
    click.echo(f"{len(numbers)} orders expired" + (f": {', '.join(numbers)}" if numbers else ""))

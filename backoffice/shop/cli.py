"""`cellgate shop ...`: check a protocol file before it goes live, put it in force on every
worker without a restart, and close orders that were never delivered (their holds go back to
the inmates)."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.exc import DBAPIError

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from ..settings import Settings
from . import services
from .models import ProtocolVersion
from .protocol_versions import (
    ProtocolFile,
    catalogue_names,
    configured_path,
    in_force,
    put_in_force,
    read_file,
    settings_names,
)
from .protocols import ProtocolError

T = TypeVar("T")

PATH = click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))


@click.group("shop", help="The prison shop: protocols and housekeeping.")
def shop_group() -> None:
    pass


def _or_exit(read: Callable[[], T]) -> T:
    """What `read` returns; a mistake in the file, or a database that cannot be read, is
    printed one line each and ends the command with status 1."""
    try:
        return read()
    except (ProtocolError, DBAPIError) as error:
        _report(error)
    sys.exit(1)


def _report(error: ProtocolError | DBAPIError) -> None:
    if isinstance(error, ProtocolError):
        for problem in error.problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        return
    click.echo(
        "PROBLEM: cannot read the catalogue and the rules in force from the database "
        f"(is it migrated? cellgate db upgrade): {error.orig}",
        err=True,
    )


def describe(version: ProtocolVersion | None) -> str:
    if version is None:
        return "the file each app read at its start (nothing reloaded yet)"
    return (
        f"version {version.id} ({version.sha256[:12]}) from {version.source}, "
        f"loaded {version.loaded_at:%Y-%m-%d %H:%M} UTC by {version.loaded_by}"
    )


def _list(file: ProtocolFile) -> None:
    click.echo(f"ok: {file.source}: {len(file.protocols.rules)} rules")
    for rule in file.protocols.rules:
        click.echo(f"  {rule.id:28} {type(rule).__name__}")


@shop_group.command(
    "check-protocols",
    help="Check a protocol file: its structure, and every product, category, tag, regime "
    "level and legal status it names. Reports every mistake with its line; changes nothing.",
)
@PATH
@click.option(
    "--file-only",
    is_flag=True,
    help="Without the database: the catalogue's names are not checked.",
)
def check_protocols(path: Path | None, file_only: bool) -> None:
    settings = command_settings()
    path = path or configured_path(settings)
    if file_only:
        _list(_or_exit(lambda: read_file(path, settings_names(settings))))
        return
    with command_session(settings) as db:
        file = _or_exit(lambda: read_file(path, catalogue_names(db, settings)))
        current = _or_exit(lambda: in_force(db))
    _list(file)
    same = current is not None and current.sha256 == file.sha256
    click.echo(f"in force: {'this file, ' if same else ''}{describe(current)}")


@shop_group.command(
    "reload-protocols",
    help="Check a protocol file as check-protocols does and put it in force: every worker of "
    "every app applies it on its next shop call, without a restart. A bad file is refused and "
    "the rules in force stay.",
)
@PATH
@click.option("--by", default="", help="Who reloads (default: the user running the command).")
def reload_protocols(path: Path | None, by: str) -> None:
    settings = command_settings()
    # Recorded as the source the back office shows: the whole path, not the one typed here.
    path = (path or configured_path(settings)).resolve()
    actor = Actor.system(by or _who())
    with command_session(settings) as db:
        current = _or_exit(lambda: in_force(db))
        try:
            file = read_file(path, catalogue_names(db, settings))
        except (ProtocolError, DBAPIError) as error:
            _report(error)
            click.echo(f"REFUSED: nothing changed; in force: {describe(current)}", err=True)
            sys.exit(1)
        version, new = put_in_force(db, actor, file)
        db.commit()
    if not new:
        click.echo(f"already in force: {describe(version)}")
        return
    click.echo(f"in force: {describe(version)}, {len(file.protocols.rules)} rules")
    click.echo("every worker applies it on its next shop call")


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (a bare container)
        return "unknown user"


def refuse_to_serve_unknown_names(settings: Settings) -> None:
    """Before the kiosk or the tablet API are served: the configured file must name only
    what exists (each app checks the rest itself at its start)."""
    with command_session(settings) as db:
        file = _or_exit(lambda: read_file(configured_path(settings), catalogue_names(db, settings)))
        current = _or_exit(lambda: in_force(db))
    if current is not None and current.sha256 != file.sha256:
        click.echo(
            f"shop rules: {file.source} differs from the rules in force ({describe(current)}); "
            "cellgate shop reload-protocols puts it in force"
        )


@shop_group.command(
    "expire-orders", help="Close orders not delivered in the grace period and release their holds."
)
def expire_orders() -> None:
    settings = command_settings()
    with command_session(settings) as db:
        expired = services.expire_stale_orders(
            db, Actor.system("cellgate shop expire-orders"), settings
        )
        db.commit()
        numbers = [order.number for order in expired]
    click.echo(f"{len(numbers)} orders expired" + (f": {', '.join(numbers)}" if numbers else ""))

"""`cellgate content ...`: the content library's job. `publish-due` runs with the other jobs
(`cellgate jobs`): it publishes what was approved for now and takes off what has expired."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from ..cli_support import command_session, command_settings
from . import services


@click.group("content", help="The content library: its schedule.")
def content_group() -> None:
    pass


@content_group.command(
    "publish-due", help="Publish approved items whose time has come; take off expired ones."
)
def publish_due() -> None:
    with command_session(command_settings()) as db:
        result = services.run_due(db, datetime.now(UTC))
        db.commit()
    click.echo(f"{result.published} items published, {result.unpublished} taken off")

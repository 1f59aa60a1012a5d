"""`cellgate retention run [--dry-run]`: apply the data retention rules of [accounts]."""

from __future__ import annotations

from datetime import date

import click

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from .retention import plan_retention, run_retention
from .services import local_today


@click.group("retention", help="Data protection: retention of personal data.")
def retention_group() -> None:
    pass


@retention_group.command(
    "run", help="Pseudonymise what the retention rules say is due; --dry-run only lists it."
)
@click.option("--dry-run", is_flag=True, help="List what would change; change nothing.")
@click.option("--today", "today_text", default="", help="Run as of this day (YYYY-MM-DD).")
@click.option("--by", "by", default="cellgate retention run", help="Who runs it, for the audit.")
def run(dry_run: bool, today_text: str, by: str) -> None:
    settings = command_settings()
    try:
        today = date.fromisoformat(today_text) if today_text else local_today(settings["timezone"])
    except ValueError:
        raise click.ClickException("--today: a date like 2030-01-31, please") from None
    with command_session(settings) as db:
        plan = plan_retention(db, settings, today)
        prefix = "would " if dry_run else ""
        for change in plan.changes:
            click.echo(f"{prefix}change: {change}")
        for kept in plan.kept:
            click.echo(kept)
        if dry_run:
            click.echo(f"dry run: {len(plan.changes)} changes listed, nothing changed")
            return
        run_retention(db, Actor.system(by), plan)
        db.commit()
        click.echo(
            f"done: {len(plan.inmates)} inmates pseudonymised, "
            f"{len(plan.deposits)} deposit senders pseudonymised"
        )

"""`cellgate requests ...`: the daily jobs (escalate overdue cases, close settled ones), a check
of the request types file, and department membership from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..audit.services import Actor
from ..cli_support import command_session, command_settings
from ..errors import ServiceError
from ..settings import Settings
from ..staff.models import Role, StaffUser
from . import services
from .types import RequestTypesError


def _rules(settings: Settings) -> services.Rules:
    try:
        return services.rules_from_settings(settings)
    except (RequestTypesError, ValueError) as error:
        raise click.ClickException(str(error)) from None


@click.group("requests", help="Inmates' requests: daily jobs and departments.")
def requests_group() -> None:
    pass


@requests_group.command("check-types", help="Check the request types file and list its types.")
def check_types() -> None:
    rules = _rules(command_settings())
    for request_type in rules.catalogue.types.values():
        flags = [
            f"{request_type.deadline_working_days} working days",
            request_type.department,
        ]
        if request_type.one_open_at_a_time:
            flags.append("one open at a time")
        if request_type.confidential:
            flags.append("confidential")
        click.echo(f"{request_type.code:20} {', '.join(flags)}")


@requests_group.command(
    "escalate", help="Escalate open cases past their deadline to supervisors (run daily)."
)
def escalate() -> None:
    settings = command_settings()
    rules = _rules(settings)
    with command_session(settings) as db:
        cases = services.escalate_overdue(db, Actor.system("requests-escalate"), rules)
        db.commit()
        for case in cases:
            click.echo(f"escalated {case.receipt} ({case.department_code}, due {case.due_on})")
        click.echo(f"{len(cases)} overdue case(s) escalated")


@requests_group.command(
    "close-settled", help="Close answered cases whose appeal window has passed (run daily)."
)
def close_settled() -> None:
    settings = command_settings()
    with command_session(settings) as db:
        count = services.close_settled(db, Actor.system("requests-close"))
        db.commit()
    click.echo(f"{count} answered case(s) closed")


@requests_group.command("member", help="Put a staff user in a request department.")
@click.argument("username")
@click.argument("department")
@click.option("--supervisor", is_flag=True, help="Also receives the department's overdue cases.")
@click.option("--remove", is_flag=True, help="Take the user out of the department.")
def member(username: str, department: str, supervisor: bool, remove: bool) -> None:
    settings = command_settings()
    rules = _rules(settings)
    actor = Actor(kind="system", id=None, name="cli", roles=frozenset({Role.ADMIN.value}))
    with command_session(settings) as db:
        user = db.scalar(select(StaffUser).where(StaffUser.username == username.lower()))
        if user is None:
            raise click.ClickException(f"no staff user named {username!r}")
        try:
            services.set_membership(
                db, actor, rules, user.id, department, member=not remove, supervisor=supervisor
            )
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        db.commit()
    what = "removed from" if remove else ("supervisor in" if supervisor else "member of")
    click.echo(f"{username} is {what} {department}")

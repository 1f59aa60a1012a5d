"""The `cellgate` command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from . import migrate
from .accounts.cli import retention_group
from .audit.services import Actor
from .bank.cli import bank_group
from .content.cli import content_group
from .content.cli import publish_due as content_publish_due
from .db import make_engine, make_session_factory
from .errors import ServiceError
from .money.cli import carry_left_behind as ledger_carry_left_behind
from .money.cli import expire_holds as ledger_expire_holds
from .money.cli import ledger_group, money_group
from .money.cli import seal as ledger_seal
from .outbox.cli import outbox_group
from .outbox.cli import remind as outbox_remind
from .outbox.cli import send as outbox_send
from .people.cli import prison_group
from .people.demo import SECOND_PRISON_STAFF
from .register.cli import register_group
from .requests.cli import escalate as requests_escalate
from .requests.cli import requests_group
from .seed import DEMO_STAFF, demo_devices, demo_password, is_seeded, seed_demo
from .settings import ROOT, Settings, SettingsError, load_settings
from .shop.cli import expire_orders as shop_expire_orders
from .shop.cli import refuse_to_serve_unknown_names, shop_group
from .signin.cli import agent_command
from .signin.demo import DEMO_PIN
from .staff.models import Role
from .staff.services import create_staff_user
from .visits.cli import sweep as visits_sweep
from .visits.cli import visits_group

SURFACES = {
    "kiosk": ("kiosk:create_app()", "kiosk_port", "/health"),
    "tablet-api": ("tablet_api:create_app()", "tablet_api_port", "/api/v1/health"),
    "backoffice": ("backoffice.web:create_app()", "backoffice_port", "/health"),
    "family": ("backoffice.family:create_app()", "family_port", "/health"),
}


def with_settings(func: Callable[..., Any]) -> Callable[..., Any]:
    """Load and check the settings first; a bad one stops the command with one line."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            settings = load_settings()
        except SettingsError as error:
            click.echo(f"cellgate: bad setting: {error}", err=True)
            sys.exit(2)
        try:
            return func(settings, *args, **kwargs)
        except migrate.UnknownRevision as error:
            click.echo(f"cellgate: {error}", err=True)
            sys.exit(2)

    return wrapper


@click.group(help="Cellgate: self-service platform for prisons.")
def main() -> None:
    pass


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database to the newest schema.")
@with_settings
def db_upgrade(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    click.echo(f"database at revision {migrate.current_revision(engine)}")
    engine.dispose()


@db.command("current", help="Show the database's schema revision.")
@with_settings
def db_current(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    click.echo(migrate.current_revision(engine) or "empty (run: cellgate db upgrade)")
    engine.dispose()


main.add_command(ledger_group)


@main.command(help="Run the housekeeping jobs: visits sweep, expired shop orders, expired holds, "
              "money left behind in a prison's books, transfers waiting for their seal, overdue "
              "requests, the content library's schedule, call reminders, the outbox. Once, or "
              "every --every seconds.")  # fmt: skip
@click.option("--every", type=click.IntRange(min=10), default=None, help="Repeat (seconds).")
@click.pass_context
def jobs(ctx: click.Context, every: int | None) -> None:
    # Shop orders go before the ledger's sweep: the shop releases its own holds with the order.
    # Released holds first, then what they gave back in the books of a prison he left is carried.
    steps = [visits_sweep, shop_expire_orders, ledger_expire_holds, ledger_carry_left_behind,
             ledger_seal, requests_escalate, content_publish_due, outbox_remind,
             outbox_send]  # fmt: skip
    while True:
        for step in steps:
            try:
                ctx.invoke(step)
            except click.ClickException as error:
                click.echo(f"cellgate jobs: {step.name}: {error.message}", err=True)
        if every is None:
            return
        time.sleep(every)


main.add_command(retention_group)
main.add_command(money_group)
main.add_command(register_group)
main.add_command(prison_group)
main.add_command(bank_group)
main.add_command(outbox_group)
main.add_command(requests_group)
main.add_command(shop_group)
main.add_command(visits_group)
main.add_command(agent_command)
main.add_command(content_group)


@main.group(help="Demo data.")
def seed() -> None:
    pass


def _seed(settings: Settings) -> bool:
    """Seed the demo prison unless it is there; True if it was made now."""
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        if is_seeded(session):
            return False
        devices = seed_demo(session, min_password_length=settings["auth"]["min_password_length"])
        session.commit()
    engine.dispose()
    click.echo("Demo devices (credentials for the kiosk and tablet clients):")
    for device in devices:
        click.echo(f"  {device.name:14} {device.kind:7} {device.where:18} {device.credential}")
    return True


@seed.command("demo", help="Create a demo prison, its inmates, staff and devices.")
@with_settings
def seed_demo_command(settings: Settings) -> None:
    if not _seed(settings):
        click.echo("The demo prison is there already; nothing changed.")


@main.group(help="Staff users.")
def user() -> None:
    pass


@user.command("create", help="Create a back-office staff user.")
@click.option("--username", required=True)
@click.option("--full-name", required=True)
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.password_option(help="Asked for when not given.")
@with_settings
def user_create(
    settings: Settings, username: str, full_name: str, roles: tuple[str, ...], password: str
) -> None:
    engine = make_engine(settings.database_url)
    with make_session_factory(engine)() as session:
        try:
            created = create_staff_user(
                session,
                Actor.system("cli"),
                username=username,
                full_name=full_name,
                password=password,
                roles=list(roles),
                min_password_length=settings["auth"]["min_password_length"],
            )
        except ServiceError as error:
            raise click.ClickException(error.message) from None
        session.commit()
        click.echo(f"created staff user {created.username} with roles {', '.join(roles)}")


@main.command(help="Serve one surface, or all four, under gunicorn.")
@click.argument("surface", type=click.Choice([*SURFACES, "all"]))
@with_settings
def serve(settings: Settings, surface: str) -> None:
    _serve(settings, list(SURFACES) if surface == "all" else [surface])


def _serve(settings: Settings, surfaces: list[str], *, with_jobs: bool = False) -> None:
    host = settings["server"]["host"]
    if {"kiosk", "tablet-api"} & set(surfaces):
        # Inmates shop there: a rule naming a product or category that does not exist would
        # be switched off without a word. (The back office alone may start, to fix the
        # catalogue.)
        refuse_to_serve_unknown_names(settings)
    processes = []
    if with_jobs:
        jobs_command = [sys.executable, "-m", "backoffice", "jobs", "--every", "300"]
        processes.append(subprocess.Popen(jobs_command, cwd=ROOT))
        click.echo(
            "jobs        visits sweep, expired orders and holds, overdue requests, content "
            "schedule: every 5 min"
        )
        sealer_command = [sys.executable, "-m", "backoffice", "ledger", "seal", "--every", "1"]
        processes.append(subprocess.Popen(sealer_command, cwd=ROOT))
        click.echo("sealer      seals new transfers into the ledger's hash chain: every second")
    for name in surfaces:
        target, port_key, health = SURFACES[name]
        port = settings["server"][port_key]
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "config/gunicorn.conf.py"),
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(settings["server"]["workers"]),
            "--name",
            f"cellgate-{name}",
            target,
        ]
        processes.append(subprocess.Popen(command, cwd=ROOT))
        click.echo(f"{name:11} http://{host}:{port}/   (health: http://{host}:{port}{health})")

    def stop(_signum: int, _frame: Any) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    codes = [process.wait() for process in processes]
    if any(code not in (0, -signal.SIGTERM) for code in codes):
        sys.exit(1)


def tablet_app_addresses(settings: Settings) -> list[tuple[str, str]]:
    """The demo tablets, each with the tablet app's address that binds a browser to it."""
    base = f"http://{settings['server']['host']}:{settings['server']['tablet_api_port']}/app/"
    return [
        (
            f"{name} (wing {wing}, cell {cell})",
            f"{base}#device=cgd_{name.lower().replace('-', '')}.{secret}",
        )
        for name, kind, wing, cell, secret in demo_devices()
        if kind == "tablet"
    ]


@main.command(help="Migrate, seed the demo prison if it is missing, and serve all four.")
@with_settings
def demo(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    _seed(settings)
    click.echo("Demo staff sign-ins for the back office (username / password):")
    for username, _name, roles in DEMO_STAFF:
        click.echo(f"  {username:12} {demo_password(username):26} {', '.join(roles)}")
    # The second prison's books are its own: its accountant sees nothing of Tartu's money, the
    # national auditor reads both (each reading audited).
    for username, _name, roles, in_tallinn in SECOND_PRISON_STAFF:
        where = "Tallinn" if in_tallinn else "national"
        click.echo(f"  {username:12} {demo_password(username):26} {', '.join(roles)} ({where})")
    kiosk_url = f"http://{settings['server']['host']}:{settings['server']['kiosk_port']}"
    click.echo("Kiosks: open once in each kiosk's browser to bind it (a kiosk serves one wing):")
    for name, kind, wing, _cell, secret in demo_devices():
        if kind == "kiosk":
            key_id = name.lower().replace("-", "")  # as seed_demo registers it
            click.echo(f"  {name:8} wing {wing}  {kiosk_url}/device#cgd_{key_id}.{secret}")
    click.echo("Tablet app: open once in a tablet's browser to bind it (it serves its cell):")
    for where, address in tablet_app_addresses(settings):
        click.echo(f"  {where:28} {address}")
    if settings.mode == "development" and "CELLGATE_SIGNIN__PIN_ALLOWED" not in os.environ:
        # A demo machine has no enrolled faces and no card reader: let the PIN fallback work.
        os.environ["CELLGATE_SIGNIN__PIN_ALLOWED"] = "true"
    if os.environ.get("CELLGATE_SIGNIN__PIN_ALLOWED") == "true":
        click.echo(
            f"Inmate sign-in by number and PIN: PIN {DEMO_PIN} for TRT1001 to TRT1008 "
            "(odd numbers live on wing A, even on wing B)"
        )
    click.echo(f"Database: {settings.database_url}")
    _serve(settings, list(SURFACES), with_jobs=True)

"""Roles are duties, on SQLite and PostgreSQL: every endpoint of the back office and every
`cellgate` command is tried by one member of staff per role (and by nobody signed in), and who
gets through must be exactly the written table below; `admin` is no one else's stand-in. And no
one checks their own making, whatever roles they hold."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from backoffice.accounts import deposits
from backoffice.accounts.models import Deposit, EntryStatus, ManualEntry
from backoffice.cli import main
from backoffice.errors import Forbidden
from backoffice.money.services import balances_for, income_rules
from backoffice.people.models import Inmate, Prison
from backoffice.seed import DEMO_STAFF, demo_password, seed_demo
from backoffice.settings import Settings
from backoffice.staff.models import Role, StaffUser
from backoffice.web import create_app
from tests.bank_files import camt053
from tests.integration.accounts_world import RULES, actor_of, bank_line, spendable, statement, today
from tests.integration.staff_client import csrf_token as _csrf
from tests.integration.staff_client import post_form as post
from tests.integration.staff_client import sign_in

ADMIN, SHOP, ACCOUNTANT, OFFICER, REQUESTS, VISITS, AUDITOR = (r.value for r in Role)
EVERY_ROLE = frozenset(r.value for r in Role)
NOBODY = "nobody signed in"
PUBLIC = EVERY_ROLE | {NOBODY}


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


# Who gets through to each endpoint of the back office. A new endpoint fails this test until it
# is written here.
ENDPOINTS: dict[str, frozenset[str]] = {
    "health.health": PUBLIC,
    "static": PUBLIC,
    "views.sign_in": PUBLIC,
    "views.language": PUBLIC,
    "views.home": EVERY_ROLE,
    "views.sign_out": EVERY_ROLE,
    # the auditor reads the books, not the people
    "views.inmates": EVERY_ROLE - {AUDITOR},
    "views.audit": only(ADMIN, ACCOUNTANT, OFFICER),
    "views.devices": only(ADMIN),
    "views.device_register": only(ADMIN),
    "views.device_revoke": only(ADMIN),
    "views.device_renew": only(ADMIN),
    # accounts: the accountant's books; the security officer decides on held deposits; the
    # national auditor reads the books (every reading audited) and moves no money
    "accounts.static": EVERY_ROLE,
    "accounts.index": only(ACCOUNTANT, AUDITOR),
    "accounts.journal": only(ACCOUNTANT, AUDITOR),
    "accounts.statement": only(ACCOUNTANT, AUDITOR),
    "accounts.deposits_page": only(ACCOUNTANT),
    "accounts.deposits_import": only(ACCOUNTANT),
    "accounts.held": only(ACCOUNTANT, OFFICER),
    "accounts.deposit_release": only(OFFICER),
    "accounts.deposit_return": only(OFFICER),
    "accounts.entries_page": only(ACCOUNTANT),
    "accounts.entry_create": only(ACCOUNTANT),
    "accounts.release_payouts": only(ACCOUNTANT),
    "accounts.entry_approve": only(ACCOUNTANT),
    "accounts.entry_reject": only(ACCOUNTANT),
    "accounts.reconciliation_page": only(ACCOUNTANT, AUDITOR),
    "accounts.months": only(ACCOUNTANT, AUDITOR),
    "accounts.month_close": only(ACCOUNTANT),
    "accounts.subject_access": only(ACCOUNTANT),
    # people: administrators run prisons, wings and cells; admissions and each inmate's steps
    # are administrators' and officers' work
    **dict.fromkeys(
        [
            "people.places",
            "people.prison_create",
            "people.prison_rename",
            "people.wing_create",
            "people.wing_rename",
            "people.wing_close",
            "people.cell_create",
            "people.cell_rename",
            "people.cell_close",
        ],
        only(ADMIN),
    ),
    **dict.fromkeys(
        ["people.admission", "people.admit", "people.inmate", "people.step"], only(ADMIN, OFFICER)
    ),
    # staff accounts: administrators
    **dict.fromkeys(
        [
            "staff.index",
            "staff.create",
            "staff.account",
            "staff.roles",
            "staff.prison",
            "staff.active",
            "staff.password",
        ],
        only(ADMIN),
    ),
    # the Prisoners' Register: its waiting events for administrators and officers; its feed is
    # a machine with a token
    "register.queue": only(ADMIN, OFFICER),
    "register.retry": only(ADMIN, OFFICER),
    "register.feed": PUBLIC,
    # bank and money: the accountant's statements, payments out, debts and wage runs
    **{
        f"bank.{name}": only(ACCOUNTANT)
        for name in (
            "index",
            "statement_import",
            "entry_assign",
            "entry_explain",
            "entry_return",
            "difference_explain",
            "payments_page",
            "release_payout",
            "deposit_return",
            "debt_payouts",
            "payment_approve",
            "payment_reject",
            "payment_file_write",
            "payment_file",
        )
    },
    **{
        f"money.{name}": only(ACCOUNTANT)
        for name in (
            "debts_page",
            "debt_register",
            "correction_enter",
            "correction_approve",
            "correction_reject",
            "wages_page",
            "payroll_upload",
            "payroll_approve",
            "payroll_reject",
        )
    },
    # requests: handlers and officers; administrators only place staff in departments
    "requests.static": only(REQUESTS, OFFICER, ADMIN),
    "requests.index": only(REQUESTS, OFFICER),
    "requests.department": only(REQUESTS, OFFICER),
    "requests.case": only(REQUESTS, OFFICER),
    "requests.print_case": only(REQUESTS, OFFICER),
    "requests.document": only(REQUESTS, OFFICER),
    "requests.claim": only(REQUESTS, OFFICER),
    "requests.release": only(REQUESTS, OFFICER),
    "requests.forward": only(REQUESTS, OFFICER),
    "requests.note": only(REQUESTS, OFFICER),
    "requests.answer": only(REQUESTS, OFFICER),
    "requests.attach": only(REQUESTS, OFFICER),
    "requests.close": only(REQUESTS, OFFICER),
    "requests.statistics": only(REQUESTS, OFFICER),
    "requests.memberships": only(ADMIN),
    "requests.membership_change": only(ADMIN),
    # shop: shop staff; officers hand orders over on the wing and set sanctions
    "shop.static": EVERY_ROLE,
    "shop.index": only(SHOP, OFFICER),
    "shop.day": only(SHOP),
    "shop.round_view": only(SHOP, OFFICER),
    "shop.start_picking": only(SHOP),
    "shop.pick_list": only(SHOP),
    "shop.packing_slips": only(SHOP, OFFICER),
    "shop.order_view": only(SHOP, OFFICER),
    "shop.pack": only(SHOP),
    "shop.deliver": only(SHOP, OFFICER),
    "shop.cancel": only(SHOP),
    "shop.refund": only(SHOP),
    "shop.products": only(SHOP),
    "shop.product_create": only(SHOP),
    "shop.product_view": only(SHOP),
    "shop.product_update": only(SHOP),
    "shop.product_photo": only(SHOP),
    "shop.product_photo_upload": only(SHOP),
    "shop.inmate_view": only(SHOP, OFFICER),
    "shop.ban": only(SHOP, OFFICER),
    "shop.restrict": only(SHOP, OFFICER),
    "shop.rules_in_force": only(SHOP, ACCOUNTANT),
    "shop.schedules": only(SHOP),
    "shop.schedule_set": only(SHOP),
    "shop.holiday_add": only(SHOP),
    "shop.holiday_remove": only(SHOP),
    # inmate sign-in: enrolment, cards and PINs, by officers and administrators
    "signin.static": only(ADMIN, OFFICER),
    "signin.index": only(ADMIN, OFFICER),
    "signin.inmate": only(ADMIN, OFFICER),
    "signin.enrol": only(ADMIN, OFFICER),
    "signin.delete_faces": only(ADMIN, OFFICER),
    "signin.issue_card": only(ADMIN, OFFICER),
    "signin.block_card": only(ADMIN, OFFICER),
    "signin.replace_card": only(ADMIN, OFFICER),
    "signin.set_pin": only(ADMIN, OFFICER),
    "signin.unlock": only(ADMIN, OFFICER),
    "signin.sessions": only(ADMIN, OFFICER),
    "signin.end_session": only(ADMIN, OFFICER),
    # the content library and urgent notices: officers write and review (never their own)
    "content.index": only(OFFICER),
    "content.create": only(OFFICER),
    "content.item": only(OFFICER),
    "content.save_version": only(OFFICER),
    "content.upload": only(OFFICER),
    "content.tags": only(OFFICER),
    "content.targets": only(OFFICER),
    "content.schedule": only(OFFICER),
    "content.add_part": only(OFFICER),
    "content.move": only(OFFICER),
    "content.category": only(OFFICER),
    "content.media": only(OFFICER),
    "content.notices": only(OFFICER),
    "content.send_notice": only(OFFICER),
    "content.notice": only(OFFICER),
    "content.withdraw_notice": only(OFFICER),
    "content.completions": only(OFFICER),
    # video visits: visit staff only
    "visits.contacts": only(VISITS),
    "visits.decide": only(VISITS),
    "visits.bar": only(VISITS),
    "visits.calls": only(VISITS),
    "visits.end_call": only(VISITS),
    "visits.call_failed": only(VISITS),
    "visits.reinvite": only(VISITS),
    "visits.setup": only(VISITS),
    "visits.add_template": only(VISITS),
    "visits.stop_template": only(VISITS),
    "visits.add_booth": only(VISITS),
    "visits.blocked": only(VISITS),
    "visits.block": only(VISITS),
    "visits.unblock": only(VISITS),
    # the outbox: visit staff answer families, admins look after the mail and SMS gateways
    "outbox.messages": only(VISITS, ADMIN),
    "outbox.retry": only(VISITS, ADMIN),
    # message screening: security officers
    "messages.screening": only(OFFICER),
    "messages.show": only(OFFICER),
    "messages.photo": only(OFFICER),
    "messages.pass_message": only(OFFICER),
    "messages.reject": only(OFFICER),
    "messages.rules": only(OFFICER),
    "messages.save_rules": only(OFFICER),
    "messages.standing": only(OFFICER),
}

# Every `cellgate` command: the duty of the member of staff it acts as (named with --by), or
# None for the operator's and the scheduler's commands, which act as the system.
COMMANDS: dict[str, frozenset[str] | None] = {
    "money wage-run": only(ACCOUNTANT),
    "bank import": only(ACCOUNTANT),
    "bank payment-file": only(ACCOUNTANT),
    "prison create": only(ADMIN),
    "prison transfer-inmate": only(OFFICER),
    **dict.fromkeys(
        [
            "db upgrade",
            "db current",
            "ledger verify",
            "ledger check",
            "ledger seal",
            "ledger expire-holds",
            "ledger carry-left-behind",
            "jobs",
            "retention run",
            "register import",
            "register retry",
            "register reconcile",
            "requests check-types",
            "requests escalate",
            "requests close-settled",
            "requests member",
            "shop check-protocols",
            "shop reload-protocols",
            "shop expire-orders",
            "visits sweep",
            "visits open-slots",
            "visits outbox",
            "content publish-due",
            "outbox send",
            "outbox remind",
            "outbox list",
            "agent",
            "seed demo",
            "user create",
            "serve",
            "demo",
        ]
    ),
}

# A value for each kind of path argument: ids that name nothing (a 404 from the view is fine).
FAKE = {"day": "2026-01-05", "filename": "no-such-file.css", "code": "no_such_department"}


@pytest.fixture
def app(settings: Settings, prison: Prison) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def _url(rule: Rule) -> str:
    values = {
        name: 987654 if name.endswith("_id") else FAKE.get(name, "x") for name in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def _gets_through(client: FlaskClient, token: str, rule: Rule) -> bool:
    """Whether the access check lets this client in: a refusal is 403 for staff and the sign-in
    page (to come back here) for nobody; anything else (a page, a redirect after the action, a
    404 for the fake id, a form's 4xx) is the view answering."""
    if "GET" in (rule.methods or ()):
        response = client.get(_url(rule))
    else:
        response = client.post(_url(rule), data={"csrf_token": token})
    assert response.status_code < 500, (rule.endpoint, response.status_code)
    if response.status_code == 403:
        return False
    return not (
        response.status_code == 302 and "/sign-in?next=" in response.headers.get("Location", "")
    )


def test_every_endpoint_opens_to_exactly_the_roles_whose_duty_it_is(
    app: Flask, make_staff: Callable[..., StaffUser]
) -> None:
    rules = sorted(
        app.url_map.iter_rules(),
        # Signing out goes last: it ends the session the other requests use.
        key=lambda r: (r.endpoint == "views.sign_out", r.endpoint, r.rule),
    )
    assert {r.endpoint for r in rules} == set(ENDPOINTS), "write new endpoints in ENDPOINTS"
    seen: dict[str, set[str]] = {endpoint: set() for endpoint in ENDPOINTS}
    for who in [*sorted(EVERY_ROLE), NOBODY]:
        client = app.test_client()
        if who != NOBODY:
            make_staff(f"only-{who}", who)
            sign_in(client, f"only-{who}")
        token = _csrf(client, "/sign-in")
        for rule in rules:
            if _gets_through(client, token, rule):
                seen[rule.endpoint].add(who)
    wrong = {
        endpoint: {"expected": sorted(ENDPOINTS[endpoint]), "got": sorted(seen[endpoint])}
        for endpoint in ENDPOINTS
        if seen[endpoint] != ENDPOINTS[endpoint]
    }
    assert wrong == {}


def _commands(
    group: click.Group, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def test_every_command_that_acts_as_staff_runs_only_for_its_duty(
    db: Session,
    make_inmate: Callable[..., Inmate],
    make_staff: Callable[..., StaffUser],
    prison: Prison,
    other_prison: Prison,
    database_url: str,
    tmp_path: Path,
) -> None:
    commands = dict(_commands(main))
    assert set(commands) == set(COMMANDS), "write new commands in COMMANDS"
    # A command without a duty acts as the system: it names no member of staff.
    for name, duty in COMMANDS.items():
        takes_staff = any(p.name == "by" and p.required for p in commands[name].params)
        assert takes_staff == (duty is not None), name

    inmate = make_inmate(legal_status="remand")
    payroll = tmp_path / "payroll.csv"
    payroll.write_text(f"{inmate.prison_number},1.00\n")
    for role in EVERY_ROLE:
        make_staff(f"only-{role}", role)
    make_staff("every-role-but-accountant", *(EVERY_ROLE - {ACCOUNTANT}))
    env = {"CELLGATE_DATABASE_URL": database_url}

    def wage_run(who: str) -> list[str]:
        return ["money", "wage-run", str(payroll), "--prison", prison.code, "--key", f"w-{who}",
                "--by", who]  # fmt: skip

    camt = tmp_path / "statement.xml"
    camt.write_bytes(camt053([]))

    def bank_import(who: str) -> list[str]:
        return ["bank", "import", str(camt), "--prison", prison.code, "--by", who]

    def payment_file(who: str) -> list[str]:
        return ["bank", "payment-file", "--prison", prison.code, "--by", who, "--out",
                str(tmp_path / f"{who}.xml")]  # fmt: skip

    def prison_create(who: str) -> list[str]:
        return ["prison", "create", f"P{abs(hash(who)) % 10_000}", f"Prison of {who}",
                "--wing", "A:Wing A:2", "--by", who]  # fmt: skip

    def transfer_inmate(who: str) -> list[str]:
        return ["prison", "transfer-inmate", inmate.prison_number, "--to", "VIR", "--by", who]

    runs = {"money wage-run": wage_run, "bank import": bank_import,
            "bank payment-file": payment_file, "prison create": prison_create,
            "prison transfer-inmate": transfer_inmate}  # fmt: skip
    duty_word = {"prison create": "an admin", "prison transfer-inmate": "an officer"}
    assert set(runs) == {name for name, duty in COMMANDS.items() if duty is not None}
    for name, arguments in runs.items():
        allowed = set()
        lacking = "every-role-but-accountant" if name not in duty_word else None
        # Those whose duty it is go last: a transfer is done once, the others are refused first.
        tried = sorted(f"only-{role}" for role in EVERY_ROLE)
        tried.sort(key=lambda who: who.removeprefix("only-") in (COMMANDS[name] or ()))
        for who in [*tried, *([lacking] if lacking else [])]:
            result = CliRunner().invoke(main, arguments(who), env=env)
            if result.exit_code == 0:
                allowed.add(who)
            else:
                word = duty_word.get(name, "an accountant")
                assert f"{who} is not {word}" in result.output, result.output
        assert allowed == {f"only-{role}" for role in COMMANDS[name] or ()}, name
    db.expire_all()
    assert balances_for(db, inmate).spendable_cents == 100  # paid once, by the accountant


def test_an_accountant_approving_their_own_correction_is_refused_whatever_roles_they_hold(
    app: Flask,
    db: Session,
    make_staff: Callable[..., StaffUser],
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate(legal_status="remand")
    make_staff("kadri", *EVERY_ROLE)
    make_staff("leena", ACCOUNTANT)
    maker = app.test_client()
    sign_in(maker, "kadri")
    post(maker, "/accounts/entries", "/accounts/entries", prison_number=inmate.prison_number,
         kind="correction", amount="4.20", reason="a parcel charged twice",
         effective_on=today().isoformat(), counter="shop", part="spendable",
         direction="to_inmate")  # fmt: skip
    entry_id = db.scalar(select(ManualEntry.id))
    db.rollback()
    assert entry_id is not None
    refused = post(maker, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert "you cannot approve it" in refused and "maker-checker" in refused
    assert db.scalar(select(ManualEntry.status)) == EntryStatus.PENDING
    db.rollback()
    assert spendable(db, inmate) == 0

    checker = app.test_client()
    sign_in(checker, "leena")
    approved = post(checker, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert f"Entry M{entry_id} approved; the money has moved." in approved
    assert spendable(db, inmate) == 420


def test_an_officer_cannot_release_a_deposit_they_imported(
    db: Session,
    settings: Settings,
    prison: Prison,
    make_staff: Callable[..., StaffUser],
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate(legal_status="remand")
    both = make_staff("kadri", ACCOUNTANT, OFFICER)
    officer = make_staff("olev", OFFICER)
    income = income_rules(settings)
    deposits.import_statement(
        db, actor_of(both), prison,
        statement(bank_line("BIG-1", inmate.prison_number, "500.00"),
                  bank_line("BIG-2", inmate.prison_number, "400.00")),
        rules=RULES, income=income,
    )  # fmt: skip
    db.commit()
    held = {d.bank_reference: d.id for d in db.scalars(select(Deposit))}
    for decide in (
        lambda: deposits.release_deposit(
            db, actor_of(both), held["BIG-1"], "my own family", income=income
        ),
        lambda: deposits.return_deposit(db, actor_of(both), held["BIG-2"], "sent back by me"),
    ):
        with pytest.raises(Forbidden, match="you imported deposit"):
            decide()
        db.rollback()
    assert spendable(db, inmate) == 0

    deposits.release_deposit(
        db, actor_of(officer), held["BIG-1"], "the mother, checked", income=income
    )
    db.commit()
    assert spendable(db, inmate) == 50000


def sign_in_as_demo(client: FlaskClient, username: str) -> None:
    sign_in(client, username, demo_password(username))


def test_every_demo_sign_in_reaches_the_work_its_home_page_offers(app: Flask, db: Session) -> None:
    seed_demo(db, min_password_length=12)
    db.commit()
    for username, _name, _roles in DEMO_STAFF:
        client = app.test_client()
        sign_in_as_demo(client, username)
        home = client.get("/").get_data(as_text=True)
        offered = re.findall(r'<li><a href="([^"]+)"', home.split('class="tasks"')[1])
        assert offered, username
        for path in offered:
            assert client.get(path).status_code == 200, (username, path)
    # The demo's maker-checker pairs: accountant2 checks accountant's correction, and the
    # officer decides on the deposits the seed held.
    checker = app.test_client()
    sign_in_as_demo(checker, "accountant2")
    entry_id = db.scalar(select(ManualEntry.id).where(ManualEntry.entered_by == "accountant"))
    db.rollback()
    approved = post(checker, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert f"Entry M{entry_id} approved" in approved
    officer = app.test_client()
    sign_in_as_demo(officer, "officer")
    held = db.scalar(select(Deposit.id).where(Deposit.status == "held"))
    db.rollback()
    released = post(officer, f"/accounts/deposits/{held}/release", "/accounts/deposits/held",
                    reason="family, checked by phone")  # fmt: skip
    assert f"Deposit {held} released and credited." in released

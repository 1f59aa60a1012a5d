"""Prisons kept apart, on SQLite and PostgreSQL: with two prisons in one installation, a member of
staff of Viru holding every role tries every back-office endpoint and every `cellgate` command
that acts as staff on Tartu's records (the demo prison), naming them by id in the URL, in the
form and in the query string. Every try must be refused and change nothing, and nothing of Tartu
may appear in Viru's lists, searches, exports or audit log. The endpoints come from the app's
url_map and the role-duties table, so a new endpoint is probed without being written here; a new
kind of record id in a URL fails the test until it is named in RECORDS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image as PILImage
from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from backoffice.accounts.models import Deposit, ManualEntry
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor, AuditQuery, search
from backoffice.bank.models import (
    BankEntry,
    BankStatement,
    EntryStatus,
    OutgoingPayment,
    PaymentFile,
    PaymentKind,
)
from backoffice.cli import main
from backoffice.content.models import Item, Notice
from backoffice.content.services import send_notice
from backoffice.db import Base, all_metadata, utcnow
from backoffice.devices.models import Device
from backoffice.devices.services import inmates_allowed_at as signin_services_allowed
from backoffice.messages.models import Attachment, Message
from backoffice.messages.services import clean_photo, write_to_inmate
from backoffice.money.models import Debt, DebtCorrection, Payroll
from backoffice.money.services import balances_for, enter_correction, register_debt, upload_payroll
from backoffice.outbox.models import OutboxMessage
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.requests.models import Request, RequestAttachment
from backoffice.seed import DEMO_PRISON_CODE, seed_demo
from backoffice.settings import Settings
from backoffice.shop.models import Category, Order, Product, ShopHoliday
from backoffice.shop.services import create_product
from backoffice.signin import services as signin
from backoffice.signin.models import InmateCard, InmateSession
from backoffice.staff.models import Role, StaffUser
from backoffice.staff.scope import PrisonScope
from backoffice.staff.services import create_staff_user
from backoffice.visits.models import BlockedDate, Booking, Contact, SessionTemplate
from backoffice.visits.services import block_date
from backoffice.web import create_app
from ledger import Account
from tests.bank_files import Entry as BankLine
from tests.bank_files import camt053
from tests.conftest import TEST_PASSWORD
from tests.integration.staff_client import csrf_token, sign_in
from tests.integration.test_role_duties import COMMANDS, ENDPOINTS, PUBLIC

EVERY_ROLE = [r.value for r in Role]
VIRU = "VIR"
PROBER = "viru-everything"
IBAN = "EE382200221020145685"
TARTU_ADDRESS = "tartu-family@example.org"

# Each kind of record id a URL takes, and its model. Rows of models without a prison_id are
# found through their inmate (or request).
RECORDS: dict[str, type[Base] | tuple[type[Base], ...]] = {
    "inmate_id": Inmate,
    "card_id": InmateCard,
    "session_id": InmateSession,
    "device_id": Device,
    "order_id": Order,
    "holiday_id": ShopHoliday,
    "product_id": Product,
    "wing_id": Wing,
    "request_id": Request,
    "document_id": RequestAttachment,
    "deposit_id": Deposit,
    # A manual ledger entry's id, and a bank statement's entry's (the bank's pages).
    "entry_id": (ManualEntry, BankEntry),
    "contact_id": Contact,
    "booking_id": Booking,
    "template_id": SessionTemplate,
    "blocked_id": BlockedDate,
    # The content library's items are national; its notices are a prison's.
    "item_id": Item,
    "notice_id": Notice,
    # Money: a debt's corrections are the prison's through the debt's inmate.
    "debt_id": Debt,
    "correction_id": DebtCorrection,
    "payroll_id": Payroll,
    "statement_id": BankStatement,
    "payment_id": OutgoingPayment,
    "file_id": PaymentFile,
    # Administration: a prison is its own; a cell is its wing's prison's; staff have a prison.
    "prison_id": Prison,
    "cell_id": Cell,
    "user_id": StaffUser,
    # A message to or from a family (its photos are the prison's through it), and a message
    # in the outbox.
    "message_id": (Message, OutboxMessage),
    "attachment_id": Attachment,
}
# Path arguments that are not records.
PLAIN = {
    "day": date.today().isoformat(),
    "code": "governor",
    "filename": "x.css",
    "token": "x",
    "sha256": "0" * 64,
}
# What a form would otherwise need to go through, so that only the prison stands in the way.
FILLED = {
    "reason": "probe",
    "note": "probe",
    "text": "probe",
    "answer": "probe",
    "pin": "482915",
    "pin_again": "482915",
    "kind": "tablet",
    "name": "probe-device",
    "location": "probe",
    "amount": "1.00",
    "price": "1.00",
    "direction": "to_inmate",
    "part": "spendable",
    "counter": "cash",
    "effective_on": date.today().isoformat(),
    "decision": "approve",
    "department": "governor",
    "action": "add",
    "until": "",
    "days": "7",
}


def _b_rows(db: Session, model: type[Base], tartu: int) -> list[int]:
    """Ids of Tartu's rows of this model."""
    table = model.__table__
    stmt = select(table.c.id)
    if model is Prison:
        stmt = stmt.where(table.c.id == tartu)
    elif "prison_id" in table.c:
        stmt = stmt.where(table.c.prison_id == tartu)
    elif "inmate_id" in table.c:
        stmt = stmt.join(Inmate, Inmate.id == table.c.inmate_id).where(Inmate.prison_id == tartu)
    elif "request_id" in table.c:
        stmt = stmt.join(Request, Request.id == table.c.request_id).where(
            Request.prison_id == tartu
        )
    elif "wing_id" in table.c:
        stmt = stmt.join(Wing, Wing.id == table.c.wing_id).where(Wing.prison_id == tartu)
    elif "message_id" in table.c:
        stmt = stmt.join(Message, Message.id == table.c.message_id).where(
            Message.prison_id == tartu
        )
    elif "debt_id" in table.c:
        stmt = (
            stmt.join(Debt, Debt.id == table.c.debt_id)
            .join(Inmate, Inmate.id == Debt.inmate_id)
            .where(Inmate.prison_id == tartu)
        )
    return list(db.scalars(stmt.order_by(table.c.id).limit(3)))


Rows = dict[str, set[tuple[Any, ...]]]


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, list | dict) else value


def rows_of(db: Session) -> Rows:
    """Every row of every table but the audit log's (a refusal may be audited)."""
    db.rollback()
    seen = {
        table.name: {tuple(map(_hashable, row)) for row in db.execute(select(table))}
        for metadata in all_metadata()
        for table in metadata.sorted_tables
        if table.name != "audit_events"
    }
    db.rollback()
    return seen


def owned_by(db: Session, prison_id: int) -> dict[str, set[Any]]:
    """The ids of the prison's rows in every table: the prison, rows with its prison_id, its
    inmates' and staff's ledger accounts, and rows that point at any of these (twice over:
    a card's challenge is the prison's through the card, through the inmate)."""
    tables = [t for metadata in all_metadata() for t in metadata.sorted_tables if "id" in t.c]
    owned: dict[str, set[Any]] = {"prisons": {prison_id}}
    inmates = set(db.scalars(select(Inmate.id).where(Inmate.prison_id == prison_id)))
    codes = (f"prison:{prison_id}:", *(f"inmate:{i}:" for i in inmates))
    owned[Account.__tablename__] = {
        a.id for a in db.scalars(select(Account)) if a.code.startswith(codes)
    }
    for _ in range(3):
        for table in tables:
            pointers = [
                fk.parent.in_(owned[fk.column.table.name])
                for fk in table.foreign_keys
                if fk.column.table.name in owned and fk.column.name == "id"
            ]
            if pointers:
                found = set(db.scalars(select(table.c.id).where(or_(*pointers))))
                owned[table.name] = owned.get(table.name, set()) | found
    db.rollback()
    return owned


def touched(before: Rows, after: Rows, owned: dict[str, set[Any]], db: Session) -> list[str]:
    """The tables where a row of the prison (or one pointing at its rows) came, went or
    changed between `before` and `after`."""
    hits = []
    for metadata in all_metadata():
        for table in metadata.sorted_tables:
            changed = before.get(table.name, set()) ^ after.get(table.name, set())
            names = [c.name for c in table.c]
            links = {
                fk.parent.name: owned.get(fk.column.table.name, set())
                for fk in table.foreign_keys
                if fk.column.name == "id"
            }
            mine = owned.get(table.name, set())
            for row in changed:
                values = dict(zip(names, row, strict=True))
                if values.get("id") in mine or any(
                    values.get(column) in ids for column, ids in links.items()
                ):
                    hits.append(table.name)
                    break
    return hits


class World:
    def __init__(self, db: Session) -> None:
        seed_demo(db, min_password_length=12)
        self.tartu = db.scalars(select(Prison).where(Prison.code == DEMO_PRISON_CODE)).one()
        viru = Prison(code=VIRU, name="Viru Prison", timezone="Europe/Tallinn")
        wing = Wing(prison=viru, code="A", name="Viru wing A")
        cell = Cell(wing=wing, number="V1")
        db.add_all([viru, wing, cell])
        db.flush()
        db.add(
            Inmate(prison_number="VIR0001", first_name="Oma", last_name="Viruvang",
                   date_of_birth=date(1990, 1, 1), language="et", legal_status="remand",
                   prison_id=viru.id, wing_id=wing.id, cell_id=cell.id,
                   admitted_on=date(2026, 1, 1))
        )  # fmt: skip
        self.prober = create_staff_user(
            db, Actor.system("test"), username=PROBER, full_name="Viru Everything",
            password=TEST_PASSWORD, roles=EVERY_ROLE, min_password_length=12, prison_id=viru.id,
            language="en",
        )  # fmt: skip
        db.commit()
        self.viru = viru
        self._more_of_tartu(db)
        inmates = list(
            db.scalars(select(Inmate).where(Inmate.prison_id == self.tartu.id).order_by(Inmate.id))
        )
        devices = db.scalars(select(Device).where(Device.prison_id == self.tartu.id))
        # What must never show on a Viru page: Tartu's prison numbers, names and devices.
        # (The prison number the probes type is left out: a refusal may repeat what was typed.)
        self.markers = sorted(
            {i.prison_number for i in inmates[1:]}
            | {i.full_name for i in inmates}
            | {d.name for d in devices}
            | {self.tartu.name, TARTU_ADDRESS}
        )
        self.ids = {
            arg: [
                row
                for model in (models if isinstance(models, tuple) else (models,))
                for row in _b_rows(db, model, self.tartu.id)
            ]
            for arg, models in RECORDS.items()
        }
        first_inmate = inmates[0]
        tartu_wing = db.scalars(select(Wing).where(Wing.prison_id == self.tartu.id)).first()
        assert tartu_wing is not None
        tartu_staff = db.scalar(select(StaffUser.id).where(StaffUser.prison_id == self.tartu.id))
        # Tartu's records as a form or a query string would name them.
        self.params: dict[str, Any] = {
            "prison": self.tartu.id,
            "prison_id": self.tartu.id,
            "prison_number": first_inmate.prison_number,
            "q": first_inmate.last_name,
            "wing_id": tartu_wing.id,
            "wing": tartu_wing.id,
            "cell_id": tartu_wing.cells[0].id,
            "staff_user_id": tartu_staff,
            **{arg: ids[0] for arg, ids in self.ids.items() if ids},
        }
        db.rollback()

    def _more_of_tartu(self, db: Session) -> None:
        """Records the demo does not make: a signed-in session, a Tartu-only product, a notice
        and a blocked visiting day."""
        seed = Actor.system("test")
        kiosk = db.scalars(select(Device).where(Device.prison_id == self.tartu.id)).first()
        assert kiosk is not None
        inmate = db.scalars(signin_services_allowed(kiosk)).first()
        signin.start_session(db, seed, kiosk, inmate, method="pin")
        category = db.scalars(select(Category.code)).first()
        create_product(
            db, seed, sku="TRT-ONLY-1", category_code=category, price_cents=100,
            names={"et": "Tartu tee", "ru": "Тартуский чай", "en": "Tartu tea"},
            prison_id=self.tartu.id,
        )  # fmt: skip
        officer = db.scalars(select(StaffUser).where(StaffUser.prison_id == self.tartu.id)).first()
        assert officer is not None
        send_notice(
            db, Actor(kind="staff", id=officer.id, name=officer.username), prison_id=self.tartu.id,
            texts={"en": {"title": "Tartu drill", "body": "At noon."}}, now=utcnow(),
        )  # fmt: skip
        block_date(db, seed, self.tartu.id, date.today() + timedelta(days=20), reason="drill",
                   now=utcnow())  # fmt: skip
        self._money_of_tartu(db, inmate, Actor(kind="staff", id=officer.id, name=officer.username))
        self._messages_of_tartu(db)
        db.commit()

    def _messages_of_tartu(self, db: Session) -> None:
        """A family's message with a photo waiting for screening, and a failed message in the
        outbox."""
        contact = db.scalars(
            select(Contact).join(Inmate, Inmate.id == Contact.inmate_id)
            .where(Inmate.prison_id == self.tartu.id, Contact.status == "approved")
            .order_by(Contact.id)
        ).first()  # fmt: skip
        assert contact is not None
        picture = BytesIO()
        PILImage.new("RGB", (8, 8), "red").save(picture, format="PNG")
        write_to_inmate(db, contact, "Hello from Tartu", utcnow(),
                        photos=[clean_photo(picture.getvalue())])  # fmt: skip
        db.add(
            OutboxMessage(key="tartu-outbox-1", dedupe_key="tartu-outbox-1", kind="invitation",
                          channel="email", address=TARTU_ADDRESS, language="et",
                          subject="Tartu", body="x", contact_id=contact.id,
                          prison_id=self.tartu.id, status="failed", attempts=3,
                          created_at=utcnow(), next_attempt_at=utcnow(), last_error="refused")
        )  # fmt: skip

    def _money_of_tartu(self, db: Session, inmate: Inmate, officer: Actor) -> None:
        """Tartu's money records waiting for a second person: a debt and its correction, a
        payroll, a release payout; and a bank statement and a payment file as imported and
        written."""
        debt = register_debt(
            db, officer, inmate, creditor="court_fines", amount_cents=5000, description="fine",
            payee_name="Tartu Bailiff", payee_iban=IBAN,
        )  # fmt: skip
        enter_correction(db, officer, debt.id, new_amount_cents=4000, reason="court reduced it")
        upload_payroll(db, officer, f"{inmate.prison_number},1.00\n", key="tartu-wages",
                       prison_id=self.tartu.id)  # fmt: skip
        statement = BankStatement(
            prison_id=self.tartu.id, message_kind="camt.053", statement_ref="T-1",
            account_iban=IBAN, currency="EUR", opening_cents=0, closing_cents=777, entries=1,
            file_sha256="1" * 64, imported_by=officer.name,
        )  # fmt: skip
        db.add(statement)
        db.flush()
        db.add_all([
            BankEntry(entry_reference="TARTU-E-1", prison_id=self.tartu.id,
                      statement_id=statement.id, booked_on=date.today(), amount_cents=777,
                      currency="EUR", direction="credit", counterparty_name="Tartu Kin",
                      counterparty_account=IBAN, status=EntryStatus.WAITING.value,
                      reason="no reference"),
            # A release payout waiting for its second person (the demo's release funds are
            # empty, so it is written as entered).
            OutgoingPayment(prison_id=self.tartu.id, kind=PaymentKind.RELEASE_PAYOUT.value,
                            source_key=f"release:{inmate.id}", inmate_id=inmate.id,
                            payee_name="Tartu Kin", payee_iban=IBAN, amount_cents=100,
                            remittance="release", end_to_end_id="CGTARTU1",
                            entered_by_id=officer.id, entered_by=officer.name),
            PaymentFile(prison_id=self.tartu.id, message_id="TARTU-FILE-1", payments=0,
                        total_cents=0, xml="<Document/>", written_by=officer.name),
        ])  # fmt: skip


@pytest.fixture
def world(db: Session) -> World:
    return World(db)


@pytest.fixture
def app(settings: Settings, world: World) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


class Probes:
    def __init__(self, world: World, db: Session) -> None:
        self.world = world
        self.db = db
        self.count = 0
        self.leaks: list[str] = []
        self.owned = owned_by(db, world.tartu.id)

    def shows_tartu(self, where: str, body: str) -> None:
        shown = [m for m in self.world.markers if m in body]
        if shown:
            self.leaks.append(f"{where}: shows {shown[:3]}")

    def probe(self, client: FlaskClient, token: str, rule: Rule, path: str, how: str,
              query: dict[str, Any], form: dict[str, Any]) -> None:  # fmt: skip
        self.count += 1
        where = f"{rule.endpoint} by {how} {path}"
        if "GET" in (rule.methods or ()):
            response = client.get(path, query_string=query)
            body = response.get_data(as_text=True)
            if response.status_code >= 500:
                self.leaks.append(f"{where}: {response.status_code}")
            elif how == "url" and response.status_code == 200:
                self.leaks.append(f"{where}: answered 200 for a Tartu record")
            self.shows_tartu(where, body)
            return
        before = rows_of(self.db)
        response = client.post(
            path, query_string=query, data={"csrf_token": token, **FILLED, **form},
            follow_redirects=True,
        )  # fmt: skip
        if response.status_code >= 500:
            self.leaks.append(f"{where}: {response.status_code}")
        self.shows_tartu(where, response.get_data(as_text=True))
        changed = touched(before, rows_of(self.db), self.owned, self.db)
        if changed:
            self.leaks.append(f"{where}: changed Tartu's {changed}")


def _paths(rule: Rule, world: World) -> Iterator[str]:
    """The rule's URL naming Tartu's records (each of the first few of each kind)."""
    record_args = [a for a in rule.arguments if a.endswith("_id")]
    unknown = [a for a in record_args if a not in RECORDS]
    assert not unknown, f"{rule.endpoint}: name {unknown} in RECORDS"
    if not record_args:
        yield rule.build(dict(PLAIN), append_unknown=False)[1]  # type: ignore[index]
        return
    depth = max(len(world.ids[a]) for a in record_args)
    for n in range(max(depth, 1)):
        values: dict[str, Any] = {
            a: (world.ids[a][min(n, len(world.ids[a]) - 1)] if world.ids[a] else 987654)
            for a in record_args
        }
        values.update({a: PLAIN.get(a, "x") for a in rule.arguments if a not in values})
        yield rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def test_staff_of_one_prison_reach_nothing_of_another(
    app: Flask, db: Session, world: World
) -> None:
    rules = sorted(
        (
            r
            for r in app.url_map.iter_rules()
            if ENDPOINTS.get(r.endpoint) != PUBLIC and r.endpoint != "views.sign_out"
        ),
        key=lambda r: (r.endpoint, r.rule),
    )
    assert {r.endpoint for r in app.url_map.iter_rules()} == set(ENDPOINTS)
    client = app.test_client()
    sign_in(client, PROBER)
    token = csrf_token(client, "/")
    probes = Probes(world, db)
    audit_start = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0
    db.rollback()
    for rule in rules:
        has_ids = any(a.endswith("_id") for a in rule.arguments)
        for path in _paths(rule, world):
            if has_ids:
                probes.probe(client, token, rule, path, "url", {}, {})
            probes.probe(client, token, rule, path, "form", {}, world.params)
            probes.probe(client, token, rule, path, "query", world.params, {})
            if "GET" in (rule.methods or ()):
                probes.probe(
                    client, token, rule, path, "export", {**world.params, "format": "csv"}, {}
                )

    # Nothing of Tartu in Viru's audit log, by the same rule the audit page uses.
    viru_reads = search(db, AuditQuery(), within=PrisonScope(world.viru.id).audit_events(),
                        limit=1_000_000)  # fmt: skip
    tartu_rows = {e.id for e in search(db, AuditQuery(), within=PrisonScope(world.tartu.id)
                                       .audit_events(), limit=1_000_000)}  # fmt: skip
    probes.count += 1
    shared = [e for e in viru_reads if e.id in tartu_rows and e.actor_id != world.prober.id]
    if shared:
        probes.leaks.append(f"audit log: Viru reads {len(shared)} of Tartu's events")
    # Whatever the prober did that went through touched no Tartu record.
    done_to_tartu = list(
        db.scalars(
            select(AuditEvent).where(
                AuditEvent.id > audit_start,
                AuditEvent.outcome == "ok",
                AuditEvent.actor_id == world.prober.id,
                PrisonScope(world.tartu.id).audit_events(),
            )
        )
    )
    probes.count += 1
    if done_to_tartu:
        probes.leaks.append(f"audit: the prober did {[e.action for e in done_to_tartu]}")
    unnamed = sorted(arg for arg, ids in world.ids.items() if not ids)
    print(f"prison separation: {probes.count} probes, {len(probes.leaks)} leaks", end="")
    print(f" (the demo has no Tartu rows for {unnamed})" if unnamed else "")
    assert probes.leaks == [], "\n".join(probes.leaks)


def test_commands_acting_as_staff_of_one_prison_touch_nothing_of_another(
    db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    tartu_inmate = db.scalars(
        select(Inmate).where(Inmate.prison_id == world.tartu.id).order_by(Inmate.id)
    ).first()
    assert tartu_inmate is not None
    paid_before = balances_for(db, tartu_inmate).spendable_cents
    db.rollback()
    payroll = tmp_path / "payroll.csv"
    payroll.write_text(f"{tartu_inmate.prison_number},1.00\nVIR0001,1.00\n")
    # A statement paying Tartu's inmate, by prison number, as Viru's bank would send it.
    camt = tmp_path / "statement.xml"
    camt.write_bytes(
        camt053([BankLine("VIRU-IN-1", "2.00", date.today(), text=tartu_inmate.prison_number)])
    )
    env = {"CELLGATE_DATABASE_URL": database_url}
    # Every command that acts as a member of staff, run by Viru's on Tartu's records: in the
    # prison it names and in the records its file names.
    runs: dict[str, list[list[str]]] = {
        "money wage-run": [
            ["money", "wage-run", str(payroll), "--prison", DEMO_PRISON_CODE, "--key", "w-1",
             "--by", PROBER],
            ["money", "wage-run", str(payroll), "--prison", VIRU, "--key", "w-2", "--by", PROBER],
        ],
        "bank import": [
            ["bank", "import", str(camt), "--prison", DEMO_PRISON_CODE, "--by", PROBER],
            ["bank", "import", str(camt), "--prison", VIRU, "--by", PROBER],
        ],
        "bank payment-file": [
            ["bank", "payment-file", "--prison", DEMO_PRISON_CODE, "--by", PROBER, "--out",
             str(tmp_path / "tartu.xml")],
            ["bank", "payment-file", "--prison", VIRU, "--by", PROBER, "--out",
             str(tmp_path / "viru.xml")],
        ],
        # Viru's administrator sets up no prison; Viru's officer transfers no Tartu inmate.
        "prison create": [["prison", "create", "ZZZ", "Prison Z", "--by", PROBER]],
        "prison transfer-inmate": [
            ["prison", "transfer-inmate", tartu_inmate.prison_number, "--to", VIRU,
             "--by", PROBER],
        ],
    }  # fmt: skip
    refusals = {"prison create": "Only national administrators create prisons"}
    assert set(runs) == {name for name, duty in COMMANDS.items() if duty is not None}
    owned = owned_by(db, world.tartu.id)
    probes = 0
    leaks = []
    for name, tries in runs.items():
        for arguments in tries:
            probes += 1
            before = rows_of(db)
            result = CliRunner().invoke(main, arguments, env=env)
            named = (
                arguments[arguments.index("--prison") + 1]
                if "--prison" in arguments
                else DEMO_PRISON_CODE
            )
            refusal = refusals.get(name, "works in another prison")
            if named == DEMO_PRISON_CODE and refusal not in result.output:
                leaks.append(f"{name} {arguments}: {result.output}")
            changed = touched(before, rows_of(db), owned, db)
            if changed:
                leaks.append(f"{name} {arguments}: changed Tartu's {changed}")
    db.expire_all()
    if balances_for(db, tartu_inmate).spendable_cents != paid_before:
        leaks.append("a Tartu inmate was paid by Viru's wage run")
    print(f"prison separation (commands): {probes} probes, {len(leaks)} leaks")
    assert leaks == []


def test_national_staff_see_both_prisons(
    app: Flask, db: Session, world: World, make_staff: Callable[..., StaffUser]
) -> None:
    make_staff("national-admin", "admin")
    client = app.test_client()
    sign_in(client, "national-admin")
    page = client.get("/inmates").get_data(as_text=True)
    assert "VIR0001" in page and f"{DEMO_PRISON_CODE}1001" in page
    viru_only = app.test_client()
    sign_in(viru_only, PROBER)
    page = viru_only.get("/inmates").get_data(as_text=True)
    assert "VIR0001" in page and f"{DEMO_PRISON_CODE}1001" not in page

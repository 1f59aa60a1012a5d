"""Smartcard sign-in end to end: pcscd with the vpcd virtual reader, the project's card
emulator in it, `cellgate agent` watching the reader through pyscard, and the server's agent
endpoints over HTTP on a free port. Nothing is faked."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.devices.services import register_device, revoke_device
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.signin import services as signin
from backoffice.signin.models import InmateSession
from backoffice.surface import init_common
from kiosk import agent_api
from tests.conftest import wing_of
from tests.e2e.pcsc import VirtualReader, emulated_card, virtual_reader

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
CELLGATE = str(Path(sys.executable).parent / "cellgate")


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[VirtualReader]:
    with virtual_reader(tmp_path) as found:
        yield found


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    """The agent endpoints as the kiosk app mounts them, served on a free port."""
    app = Flask("agent-test")
    init_common(app, settings, "kiosk")
    agent_api.init_app(app)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    # Requests still running at the end are waited for, so their connections close.
    httpd.daemon_threads = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()
    app.extensions["cellgate"]["engine"].dispose()


class AgentProcess:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def expect(self, pattern: str, timeout: float = 20.0) -> str:
        """The next line matching `pattern`, within `timeout` seconds."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"agent never said {pattern!r}; it said {self.seen}") from None
            self.seen.append(line)
            if re.search(pattern, line):
                return line


@pytest.fixture
def start_agent(
    server: str, reader: VirtualReader, tmp_path: Path
) -> Iterator[Callable[[str], AgentProcess]]:
    started: list[subprocess.Popen[str]] = []

    def start(credential: str) -> AgentProcess:
        credential_file = tmp_path / "kiosk.credential"
        credential_file.write_text(credential)
        process = subprocess.Popen(
            [
                CELLGATE,
                "agent",
                "--server",
                server,
                "--credential-file",
                str(credential_file),
                "--reader",
                reader.name,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        agent = AgentProcess(process)
        agent.expect("agent: watching")
        return agent

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_agent_sees_the_card_proves_it_and_notices_it_pulled(
    db: Session,
    system: Actor,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
    reader: VirtualReader,
    start_agent: Callable[[str], AgentProcess],
) -> None:
    inmate = make_inmate("A", "A1")
    kiosk = register_device(
        db, system, kind="kiosk", name="kiosk-A", wing_id=wing_of(db, prison, "A").id
    )
    signin.set_pin(db, system, inmate, "4071")
    card, key = signin.issue_card(db, system, inmate)
    db.commit()
    agent = start_agent(kiosk.credential)

    # The right card: challenge, answer, and the kiosk is told to ask for the PIN.
    with emulated_card(reader, card.card_number, key):
        agent.expect(rf"^inserted {card.card_number}$")
        agent.expect(rf"^verified {card.card_number} pin-required$")
        db.expire_all()
        pending = signin.pending_card(db, kiosk.device, utcnow())
        assert pending is not None and pending.inmate.id == inmate.id
        actor = signin.device_actor(kiosk.device)
        signed_in = signin.card_pin_confirm(
            db, actor, kiosk.device, pending.challenge_id, "4071", utcnow()
        )
        session, token = signin.start_session(db, actor, kiosk.device, signed_in, method="card")
        db.commit()
    # Pulling the card (the emulator stops) is noticed and ends the card's session.
    agent.expect(rf"^removed {card.card_number}$")
    db.expire_all()
    assert db.get(InmateSession, session.id).end_reason == "card removed"
    assert signin.session_for_token(db, kiosk.device, token, utcnow()) is None

    # A clone: the right number, a wrong key.
    with emulated_card(reader, card.card_number, b"\x42" * 32):
        agent.expect(rf"^inserted {card.card_number}$")
        line = agent.expect(rf"^(verified|refused) {card.card_number}")
        assert line.startswith(f"refused {card.card_number} card-refused"), line
    agent.expect(rf"^removed {card.card_number}$")
    db.expire_all()
    assert signin.pending_card(db, kiosk.device, utcnow()) is None
    assert db.scalars(select(InmateSession).where(InmateSession.ended_at.is_(None))).all() == []


def test_an_agent_with_a_revoked_credential_is_refused(
    db: Session,
    system: Actor,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
    reader: VirtualReader,
    start_agent: Callable[[str], AgentProcess],
) -> None:
    inmate = make_inmate("A", "A1")
    kiosk = register_device(
        db, system, kind="kiosk", name="kiosk-A", wing_id=wing_of(db, prison, "A").id
    )
    card, key = signin.issue_card(db, system, inmate)
    revoke_device(db, system, kiosk.device.id, reason="stolen")
    db.commit()
    agent = start_agent(kiosk.credential)
    with emulated_card(reader, card.card_number, key):
        line = agent.expect(rf"^(verified|refused) {card.card_number}")
        assert line.startswith(f"refused {card.card_number} device-revoked:"), line
    line = agent.expect(rf"^(removed|error) {card.card_number}")
    assert "could not report removal" in line, line

"""The kiosk agent's endpoints over the Flask test client, on both engines: the device
credential is checked on every call, and a kiosk serves only its own wing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backoffice.audit.services import Actor
from backoffice.devices.services import NewDevice, register_device, revoke_device
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.signin import services as signin
from backoffice.surface import init_common
from hardware.cards import card_response
from kiosk import agent_api
from tests.conftest import wing_of


@pytest.fixture
def client(settings: Settings) -> Any:
    app = Flask("agent-test")
    init_common(app, settings, "kiosk")
    agent_api.init_app(app)
    yield app.test_client()
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def kiosks(db: Session, system: Actor, prison: Prison) -> dict[str, NewDevice]:
    made = {
        wing: register_device(
            db, system, kind="kiosk", name=f"kiosk-{wing}", wing_id=wing_of(db, prison, wing).id
        )
        for wing in ("A", "B")
    }
    db.commit()
    return made


def _post(client: FlaskClient, path: str, credential: str | None, **body: str) -> Any:
    headers = {"Authorization": f"Bearer {credential}"} if credential is not None else {}
    return client.post(f"/agent/{path}", json=body, headers=headers)


def test_a_card_is_verified_through_the_agent_endpoints(
    client: FlaskClient,
    db: Session,
    system: Actor,
    kiosks: dict[str, NewDevice],
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate("A", "A1")
    card, key = signin.issue_card(db, system, inmate)
    db.commit()
    credential = kiosks["A"].credential
    answer = _post(client, "card/challenge", credential, card_number=card.card_number)
    assert answer.status_code == 200
    challenge = bytes.fromhex(answer.json["challenge"])
    verified = _post(
        client,
        "card/verify",
        credential,
        challenge_id=answer.json["challenge_id"],
        response=card_response(key, challenge).hex(),
    )
    assert verified.status_code == 200
    assert verified.json["status"] == "pin-required"
    assert verified.json["first_name"] == inmate.first_name
    removed = _post(client, "card/removed", credential, card_number=card.card_number)
    assert removed.json == {"status": "ok"}


def test_missing_wrong_and_revoked_credentials_are_refused(
    client: FlaskClient,
    db: Session,
    system: Actor,
    kiosks: dict[str, NewDevice],
) -> None:
    good = kiosks["A"].credential
    for credential in (None, "", "cgd_nothing.here", good[:-3] + "xyz"):
        answer = _post(client, "card/challenge", credential, card_number="CG1")
        assert answer.status_code == 401
        assert answer.json["code"] == "device"
    revoke_device(db, system, kiosks["A"].device.id, reason="stolen")
    db.commit()
    answer = _post(client, "card/challenge", good, card_number="CG1")
    assert (answer.status_code, answer.json["code"]) == (401, "device-revoked")


def test_a_kiosk_cannot_sign_in_an_inmate_of_another_wing(
    client: FlaskClient,
    db: Session,
    system: Actor,
    kiosks: dict[str, NewDevice],
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate("A", "A1")
    card, key = signin.issue_card(db, system, inmate)
    db.commit()
    answer = _post(client, "card/challenge", kiosks["B"].credential, card_number=card.card_number)
    assert answer.status_code == 401
    assert answer.json["code"] == "not-allowed-here"
    # A challenge of kiosk A answered through kiosk B is unknown there.
    issued = _post(client, "card/challenge", kiosks["A"].credential, card_number=card.card_number)
    relayed = _post(
        client,
        "card/verify",
        kiosks["B"].credential,
        challenge_id=issued.json["challenge_id"],
        response=card_response(key, bytes.fromhex(issued.json["challenge"])).hex(),
    )
    assert (relayed.status_code, relayed.json["code"]) == (401, "challenge-unknown")
    unknown = _post(client, "card/challenge", kiosks["A"].credential, card_number="CG404")
    assert unknown.json == {
        "code": "card-not-valid",
        "message": "This card is not valid. Ask an officer.",
    }

"""Sign-in hardware without a database: liveness measures, the Cellgate card and its emulator's
socket protocol, the kiosk agent with a fake reader and server, sealing, cameras, settings."""

from __future__ import annotations

import socket
import struct
import threading
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from backoffice.settings import SettingsError, load_settings
from backoffice.signin.crypto import SealError, seal, unseal
from hardware import card_emulator
from hardware.agent import AgentEvent, KioskAgent, Refused
from hardware.camera import CameraError, FakeCamera, OpenCVCamera, decode_image, write_video
from hardware.cards import (
    AID,
    CellgateCard,
    FakeCardReader,
    answer_challenge,
    authenticate_apdu,
    card_response,
    read_card,
    read_number_apdu,
    select_apdu,
)
from hardware.faces import eye_aspect_ratio, head_turn, liveness

KEY = bytes(range(32))


def face(ear: float = 0.3, nose_x: float = 50.0) -> np.ndarray:
    """68 landmarks of a schematic face 100 wide: eyes 20 wide with the given aspect ratio."""
    points = np.zeros((68, 2))
    points[0:17, 0] = np.linspace(0, 100, 17)
    points[0:17, 1] = 50
    half = ear * 20 / 2
    for start, cx in ((36, 30.0), (42, 70.0)):
        points[start : start + 6] = [
            (cx - 10, 40),
            (cx - 4, 40 - half),
            (cx + 4, 40 - half),
            (cx + 10, 40),
            (cx + 4, 40 + half),
            (cx - 4, 40 + half),
        ]
    points[30] = (nose_x, 60)
    return points


def moved(points: np.ndarray, angle: float, scale: float, shift: tuple[float, float]) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return points @ (scale * np.array([[c, -s], [s, c]])).T + np.array(shift)


def test_measures_do_not_change_when_a_photo_is_moved_scaled_or_turned() -> None:
    base = face(ear=0.31, nose_x=56)
    assert eye_aspect_ratio(base) == pytest.approx(0.31)
    assert head_turn(base) == pytest.approx(0.56)
    other = moved(base, angle=0.3, scale=1.7, shift=(120, -40))
    assert eye_aspect_ratio(other) == pytest.approx(0.31)
    assert head_turn(other) == pytest.approx(0.56)


def test_a_blink_or_a_head_turn_is_live_and_a_moved_photo_is_not() -> None:
    blink = [face(0.31), face(0.30), face(0.12), face(0.29)]
    assert liveness(blink).live and liveness(blink).reason == "blink"
    turn = [face(nose_x=40), face(nose_x=52), face(nose_x=63)]
    assert not liveness([face(nose_x=48), face(nose_x=52), face(nose_x=58)]).live
    assert liveness(turn).live and liveness(turn).reason == "head turn"
    photo = face(0.3, nose_x=52)
    held_up = [
        moved(photo, a, s, (x, x)) for a, s, x in ((0, 1, 0), (0.1, 1.2, 30), (-0.1, 0.9, 9))
    ]
    verdict = liveness(held_up)
    assert not verdict.live and verdict.reason == "no blink and no head movement"
    # Eyes that are always half shut never count as a blink.
    assert not liveness([face(0.22), face(0.19), face(0.23)]).live
    assert not liveness([face(0.3)]).live


def test_the_card_answers_only_after_selection_and_proves_its_key() -> None:
    card = CellgateCard("CG0000000001", KEY)
    assert card.process(read_number_apdu())[-2:] == b"\x69\x85"
    assert card.process(bytes([0, 0xA4, 4, 0, 3]) + b"abc")[-2:] == b"\x6a\x82"
    assert card.process(select_apdu()) == b"\x90\x00"
    assert card.process(read_number_apdu()) == b"CG0000000001\x90\x00"
    challenge = bytes(32)
    answer = card.process(authenticate_apdu(challenge))
    assert answer == card_response(KEY, challenge) + b"\x90\x00"
    assert card_response(b"\x01" * 32, challenge) != card_response(KEY, challenge)
    assert card.process(bytes([0, 0x88, 0, 0, 2, 1, 2]))[-2:] == b"\x67\x00"
    assert card.process(bytes([0x80, 0x10, 0, 0]))[-2:] == b"\x6d\x00"


def test_the_emulator_speaks_vpcds_length_prefixed_protocol() -> None:
    vpcd, emulator_end = socket.socketpair()
    card = CellgateCard("CG0000000002", KEY)
    serving = threading.Thread(target=card_emulator.serve, args=(card, emulator_end))
    serving.start()

    def ask(payload: bytes) -> bytes:
        vpcd.sendall(struct.pack(">H", len(payload)) + payload)
        (length,) = struct.unpack(">H", vpcd.recv(2))
        return vpcd.recv(length)

    vpcd.sendall(b"\x00\x01\x01")  # power on: no answer
    atr = ask(b"\x04")
    assert atr[0] == 0x3B and card_emulator.HISTORICAL in atr
    check = 0
    for byte in atr[1:]:
        check ^= byte
    assert check == 0  # TCK makes the XOR of T0..TCK zero
    assert ask(select_apdu()) == b"\x90\x00"
    assert ask(read_number_apdu()) == b"CG0000000002\x90\x00"
    vpcd.close()
    serving.join(timeout=5)
    assert not serving.is_alive()
    emulator_end.close()


class FakeServer:
    def __init__(self, key: bytes) -> None:
        self.key = key
        self.challenges: dict[str, bytes] = {}
        self.removed_cards: list[str] = []

    def challenge(self, card_number: str) -> tuple[str, bytes]:
        self.challenges["c1"] = b"\x07" * 32
        return "c1", self.challenges["c1"]

    def verify(self, challenge_id: str, response: bytes) -> dict[str, Any]:
        if response != card_response(self.key, self.challenges[challenge_id]):
            raise Refused("card-refused", "This card could not be verified.")
        return {"status": "pin-required"}

    def removed(self, card_number: str) -> None:
        self.removed_cards.append(card_number)


def test_the_agent_relays_a_card_and_reports_its_removal() -> None:
    reader, server, events = FakeCardReader(), FakeServer(KEY), []
    agent = KioskAgent(reader, server, events.append)
    assert agent.step() is None
    reader.insert(CellgateCard("CG1", KEY))
    assert agent.step() == AgentEvent("verified", "CG1", "pin-required")
    assert agent.step() is None  # the same card stays in: nothing new
    reader.remove()
    assert agent.step() == AgentEvent("removed", "CG1")
    assert server.removed_cards == ["CG1"]
    reader.insert(CellgateCard("CG1", b"\x00" * 32))
    refused = agent.step()
    assert refused is not None and refused.kind == "refused" and "card-refused" in refused.detail
    assert [e.kind for e in events] == ["inserted", "verified", "removed", "inserted", "refused"]


def test_the_fake_reader_wakes_a_waiting_agent() -> None:
    reader = FakeCardReader()
    waiter = threading.Thread(target=reader.wait_for_change, args=(30,))
    waiter.start()
    reader.insert(CellgateCard("CG1", KEY))
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert read_card(reader).card_number == "CG1"
    assert len(answer_challenge(reader, b"\x01" * 32)) == 32
    assert AID.startswith(b"\xf0")


def test_sealed_secrets_open_only_with_their_key_and_owner() -> None:
    key = "k" * 40
    sealed = seal(key, b"template bytes", "face:1")
    assert b"template" not in sealed
    assert unseal(key, sealed, "face:1") == b"template bytes"
    with pytest.raises(SealError):
        unseal(key, sealed, "face:2")
    with pytest.raises(SealError):
        unseal("x" * 40, sealed, "face:1")


def test_cameras_play_frames_and_video_files(tmp_path: Path) -> None:
    frames = [np.full((48, 64, 3), shade, dtype=np.uint8) for shade in (10, 120, 240)]
    fake = FakeCamera(frames)
    assert [int(f[0, 0, 0]) for f in fake.capture(4)] == [10, 120, 240, 10]
    fake.close()
    with pytest.raises(CameraError):
        fake.capture()
    video = str(tmp_path / "burst.avi")
    write_video(video, frames)
    camera = OpenCVCamera(video)
    played = camera.capture(3)
    camera.close()
    shades = [int(f[20, 30, 0]) for f in played]
    assert all(abs(got - want) <= 8 for got, want in zip(shades, (10, 120, 240), strict=True))
    with pytest.raises(CameraError):
        OpenCVCamera(str(tmp_path / "missing.avi"))
    _ok, png = cv2.imencode(".png", frames[1])
    assert decode_image(png.tobytes()).shape == (48, 64, 3)
    with pytest.raises(CameraError, match="not a JPEG or PNG"):
        decode_image(b"not an image")


def test_production_refuses_the_default_template_key() -> None:
    production = {
        "CELLGATE_MODE": "production",
        "CELLGATE_SECRET_KEY": "s" * 40,
        "CELLGATE_DATABASE_URL": "postgresql+psycopg://cellgate@db/cellgate",
        "CELLGATE_VISITS__JITSI_SECRET": "j" * 40,
        "CELLGATE_SERVER__SHARED_STORAGE": "redis://redis.example:6379/0",
    }
    with pytest.raises(SettingsError, match=r"signin\.template_key"):
        load_settings(production)
    settings = load_settings({**production, "CELLGATE_SIGNIN__TEMPLATE_KEY": "t" * 40})
    assert settings["signin.template_key"] == "t" * 40
    with pytest.raises(SettingsError, match=r"signin\.template_key: must be 32"):
        load_settings({"CELLGATE_SIGNIN__TEMPLATE_KEY": "short"})

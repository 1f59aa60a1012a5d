"""The Cellgate inmate card and the readers that talk to it.

The card is an ISO 7816-4 application selected by its AID. It answers three commands:

| command               | APDU                                  | answer                      |
|-----------------------|---------------------------------------|-----------------------------|
| SELECT by AID         | 00 A4 04 00 Lc AID                    | 90 00                       |
| READ card number      | 80 CA 00 00 00                        | the number (ASCII), 90 00   |
| INTERNAL AUTHENTICATE | 00 88 00 00 20 <32-byte challenge> 20 | 32-byte HMAC-SHA256, 90 00  |

The HMAC is keyed with the card's secret key over "cellgate-card-v1" and the challenge.

The card number only says which card it claims to be; the answer to a fresh challenge proves it
holds the card's secret key. `CardReader` is what the kiosk agent needs of a reader: the real
one uses pyscard over PC/SC, the fake holds a `CellgateCard` in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

AID = bytes.fromhex("F0434C4741544501")  # F0 (proprietary) "CLGATE" 01
CHALLENGE_BYTES = 32
RESPONSE_BYTES = 32

SW_OK = b"\x90\x00"
SW_WRONG_LENGTH = b"\x67\x00"
SW_NOT_SELECTED = b"\x69\x85"
SW_FILE_NOT_FOUND = b"\x6a\x82"
SW_INS_NOT_SUPPORTED = b"\x6d\x00"
SW_CLA_NOT_SUPPORTED = b"\x6e\x00"


class CardError(Exception):
    """The card is missing, answered with an error, or is not a Cellgate card."""


def card_response(key: bytes, challenge: bytes) -> bytes:
    """What a genuine card answers to a challenge. The server computes the same to check it."""
    return hmac.new(key, b"cellgate-card-v1" + challenge, hashlib.sha256).digest()


def select_apdu() -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(AID)]) + AID


def read_number_apdu() -> bytes:
    return bytes([0x80, 0xCA, 0x00, 0x00, 0x00])


def authenticate_apdu(challenge: bytes) -> bytes:
    if len(challenge) != CHALLENGE_BYTES:
        raise ValueError(f"a challenge has {CHALLENGE_BYTES} bytes")
    return bytes([0x00, 0x88, 0x00, 0x00, CHALLENGE_BYTES]) + challenge + bytes([RESPONSE_BYTES])


@dataclass
class CellgateCard:
    """The card's behaviour, APDU in and response APDU out. The emulator and the fake reader
    both run it; a real card runs the same logic as a Java Card applet."""

    card_number: str
    key: bytes
    selected: bool = field(default=False)

    def reset(self) -> None:
        self.selected = False

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return SW_WRONG_LENGTH
        cla, ins, p1, p2 = apdu[0], apdu[1], apdu[2], apdu[3]
        body = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if cla == 0x00 and ins == 0xA4 and p1 == 0x04:
            if body == AID:
                self.selected = True
                return SW_OK
            self.selected = False
            return SW_FILE_NOT_FOUND
        if not self.selected:
            return SW_NOT_SELECTED
        if cla == 0x80 and ins == 0xCA:
            return self.card_number.encode("ascii") + SW_OK
        if cla == 0x00 and ins == 0x88 and p2 == 0x00 and p1 == 0x00:
            if len(body) != CHALLENGE_BYTES:
                return SW_WRONG_LENGTH
            return card_response(self.key, body) + SW_OK
        if cla not in (0x00, 0x80):
            return SW_CLA_NOT_SUPPORTED
        return SW_INS_NOT_SUPPORTED


class CardReader(Protocol):
    def card_present(self) -> bool:
        """True while a card is in the reader (answers to power on)."""
        ...

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU to the card in the reader; the answer ends with its two status bytes.
        Raises CardError when no card is there."""
        ...

    def wait_for_change(self, timeout: float) -> None:
        """Return when a card may have been inserted or removed, or after `timeout` seconds."""
        ...


class FakeCardReader:
    """A reader for unit tests: insert and remove a CellgateCard by hand."""

    def __init__(self) -> None:
        self.card: CellgateCard | None = None
        self._changed = threading.Event()

    def insert(self, card: CellgateCard) -> None:
        card.reset()
        self.card = card
        self._changed.set()

    def remove(self) -> None:
        self.card = None
        self._changed.set()

    def wait_for_change(self, timeout: float) -> None:
        self._changed.wait(timeout)
        self._changed.clear()

    def card_present(self) -> bool:
        return self.card is not None

    def transmit(self, apdu: bytes) -> bytes:
        if self.card is None:
            raise CardError("no card in the reader")
        return self.card.process(apdu)


class PcscCardReader:
    """A PC/SC reader through pyscard: the first reader whose name contains `reader_name`."""

    def __init__(self, reader_name: str = "") -> None:
        # pyscard is only needed on kiosks with a reader; the import loads libpcsclite.
        from smartcard.System import readers

        self._readers: Callable[[], list[object]] = readers
        self.reader_name = reader_name
        self._connection: object | None = None
        self._context: int | None = None
        self._state: int = 0

    def _reader(self) -> object | None:
        try:
            found = self._readers()
        except Exception:  # pcscd is not running or has no readers: no card either
            return None
        for reader in found:
            if self.reader_name in str(reader):
                return reader
        return None

    def card_present(self) -> bool:
        from smartcard.Exceptions import CardConnectionException, NoCardException

        reader = self._reader()
        if reader is None:
            self._connection = None
            return False
        if self._connection is not None:
            try:
                self._connection.getATR()  # type: ignore[attr-defined]
                self._connection.transmit(list(select_apdu()))  # type: ignore[attr-defined]
                return True
            except (CardConnectionException, NoCardException):
                # Gone, or pulled and put back: report it gone once, so a card put in again
                # (perhaps another one) is read and challenged afresh.
                self._drop()
                return False
        try:
            connection = reader.createConnection()  # type: ignore[attr-defined]
            connection.connect()
        except (CardConnectionException, NoCardException):
            return False
        self._connection = connection
        return True

    def _drop(self) -> None:
        # The card may be gone already; there is nothing left to release then.
        with contextlib.suppress(Exception):
            self._connection.disconnect()  # type: ignore[union-attr]
        self._connection = None

    def wait_for_change(self, timeout: float) -> None:
        """Block in pcscd until the reader's state changes (SCardGetStatusChange)."""
        from smartcard import scard

        reader = self._reader()
        if reader is None:
            time.sleep(timeout)  # no reader (yet): look again later
            return
        if self._context is None:
            result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if result != scard.SCARD_S_SUCCESS:
                time.sleep(timeout)
                return
            self._context = context
        current = self._state or scard.SCARD_STATE_UNAWARE
        result, states = scard.SCardGetStatusChange(
            self._context, int(timeout * 1000), [(str(reader), current)]
        )
        if result == scard.SCARD_S_SUCCESS and states:
            state = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if current == scard.SCARD_STATE_UNAWARE:
                # The first call only learns the state; wait for its change now.
                self._state = state
                self.wait_for_change(timeout)
                return
            self._state = state
        elif result != scard.SCARD_E_TIMEOUT:
            scard.SCardReleaseContext(self._context)
            self._context, self._state = None, 0
            time.sleep(timeout)

    def transmit(self, apdu: bytes) -> bytes:
        from smartcard.Exceptions import CardConnectionException

        if self._connection is None and not self.card_present():
            raise CardError("no card in the reader")
        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))  # type: ignore[union-attr]
        except CardConnectionException as error:
            self._drop()
            raise CardError(f"the card did not answer: {error}") from None
        return bytes(data) + bytes([sw1, sw2])


@dataclass(frozen=True)
class CardIdentity:
    card_number: str


def _check(answer: bytes, what: str) -> bytes:
    if answer[-2:] != SW_OK:
        raise CardError(f"{what}: the card answered {answer[-2:].hex().upper()}")
    return answer[:-2]


def read_card(reader: CardReader) -> CardIdentity:
    """Select the Cellgate application and read the card number."""
    _check(reader.transmit(select_apdu()), "select")
    number = _check(reader.transmit(read_number_apdu()), "read card number")
    try:
        return CardIdentity(number.decode("ascii"))
    except UnicodeDecodeError:
        raise CardError("the card number is not text") from None


def answer_challenge(reader: CardReader, challenge: bytes) -> bytes:
    """The card's answer to a challenge (selecting the Cellgate application first)."""
    _check(reader.transmit(select_apdu()), "select")
    response = _check(reader.transmit(authenticate_apdu(challenge)), "internal authenticate")
    if len(response) != RESPONSE_BYTES:
        raise CardError("the card's answer has the wrong length")
    return response

"""The kiosk agent: runs on the kiosk computer, watches its card reader, and relays each card's
challenge and answer to the Cellgate server under the kiosk's device credential. The server
decides; the agent holds no secret but the device credential. After a card is verified the
kiosk screen asks for the PIN (the kiosk app learns of the waiting card from the server).

Server endpoints (JSON, `Authorization: Bearer <device credential>`):
    POST /agent/card/challenge {"card_number"}                -> {"challenge_id", "challenge"}
    POST /agent/card/verify    {"challenge_id", "response"}   -> {"status": "pin-required", ...}
    POST /agent/card/removed   {"card_number"}                -> {"status": "ok"}
Bytes travel as hex. A refusal is a 4xx answer with {"code", "message"}.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cards import CardError, CardReader, answer_challenge, read_card


class Refused(Exception):
    """The server refused: `code` is stable, `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ServerUnreachable(Exception):
    pass


class AgentServer(Protocol):
    def challenge(self, card_number: str) -> tuple[str, bytes]: ...

    def verify(self, challenge_id: str, response: bytes) -> dict[str, Any]: ...

    def removed(self, card_number: str) -> None: ...


class HttpAgentServer:
    """The server's agent endpoints over HTTP(S)."""

    def __init__(self, base_url: str, credential: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.credential = credential
        self.timeout = timeout

    def _post(self, path: str, body: dict[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.base_url}/agent/{path}",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {self.credential}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return dict(json.loads(answer.read() or b"{}"))
        except urllib.error.HTTPError as error:
            try:
                problem = json.loads(error.read() or b"{}")
            except ValueError:
                problem = {}
            raise Refused(
                str(problem.get("code", f"http-{error.code}")),
                str(problem.get("message", error.reason)),
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise ServerUnreachable(f"{self.base_url}: {error}") from None

    def challenge(self, card_number: str) -> tuple[str, bytes]:
        answer = self._post("card/challenge", {"card_number": card_number})
        return str(answer["challenge_id"]), bytes.fromhex(answer["challenge"])

    def verify(self, challenge_id: str, response: bytes) -> dict[str, Any]:
        return self._post("card/verify", {"challenge_id": challenge_id, "response": response.hex()})

    def removed(self, card_number: str) -> None:
        self._post("card/removed", {"card_number": card_number})


@dataclass(frozen=True)
class AgentEvent:
    # inserted | verified | refused | removed | error
    kind: str
    card_number: str = ""
    detail: str = ""

    def line(self) -> str:
        return " ".join(part for part in (self.kind, self.card_number, self.detail) if part)


@dataclass
class KioskAgent:
    reader: CardReader
    server: AgentServer
    on_event: Callable[[AgentEvent], None] = field(default=lambda _event: None)
    card_number: str | None = None

    def _emit(self, event: AgentEvent) -> AgentEvent:
        self.on_event(event)
        return event

    def step(self) -> AgentEvent | None:
        """Look at the reader once and act on a change: a new card is read and verified; a
        card gone is reported."""
        present = self.reader.card_present()
        if not present and self.card_number is not None:
            number, self.card_number = self.card_number, None
            try:
                self.server.removed(number)
            except (Refused, ServerUnreachable) as error:
                return self._emit(AgentEvent("error", number, f"could not report removal: {error}"))
            return self._emit(AgentEvent("removed", number))
        if present and self.card_number is None:
            return self._verify()
        return None

    def _verify(self) -> AgentEvent:
        try:
            number = read_card(self.reader).card_number
        except CardError as error:
            # Not a Cellgate card, or pulled while being read: wait for it to leave.
            self.card_number = ""
            return self._emit(AgentEvent("error", "", str(error)))
        self.card_number = number
        self._emit(AgentEvent("inserted", number))
        try:
            challenge_id, challenge = self.server.challenge(number)
            response = answer_challenge(self.reader, challenge)
            answer = self.server.verify(challenge_id, response)
        except Refused as refused:
            return self._emit(AgentEvent("refused", number, f"{refused.code}: {refused.message}"))
        except (CardError, ServerUnreachable) as error:
            return self._emit(AgentEvent("error", number, str(error)))
        return self._emit(AgentEvent("verified", number, str(answer.get("status", ""))))

    def run(self, stop: threading.Event, wait_seconds: float = 1.0) -> None:
        while not stop.is_set():
            self.step()
            self.reader.wait_for_change(wait_seconds)

"""A real SMTP server for the tests (aiosmtpd, on a free local port) that keeps what it
received, and can be told to refuse or stall the next deliveries; and a local SMS gateway
double over HTTP that takes POSTs the way `HttpSmsGateway` sends them."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import queue
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What the server received, and what it is to answer the next deliveries: "451" refuses
    for now, "550" for good, "stall" holds the delivery until `release` is set (then 451)."""

    port: int = 0
    received: queue.Queue[EmailMessage] = field(default_factory=queue.Queue)
    script: list[str] = field(default_factory=list)
    stalled: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        action = self.script.pop(0) if self.script else "250"
        if action == "stall":
            self.stalled.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
            return "451 4.3.0 Stalled, try again later"
        if action.startswith("4") or action.startswith("5"):
            return f"{action} Refused by the test's script"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.put(message)
        return "250 2.0.0 OK"

    def all(self) -> list[EmailMessage]:
        out = []
        while True:
            try:
                out.append(self.received.get_nowait())
            except queue.Empty:
                return out

    def next(self, timeout: float = 30) -> EmailMessage:
        return self.received.get(timeout=timeout)


def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname=HOST, port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        mailbox.release.set()
        controller.stop()


@dataclass
class Gateway:
    """The SMS gateway double: what it took, by Idempotency-Key (a retry of the same key is
    taken once), and the status codes it is to answer the next POSTs with."""

    url: str = ""
    token: str = "gateway-test-token"
    taken: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: int = 0
    script: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def sms_gateway() -> Iterator[Gateway]:
    gateway = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with gateway.lock:
                gateway.posts += 1
                status = gateway.script.pop(0) if gateway.script else 202
                if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                    status = 401
                if status == 202:
                    key = self.headers["Idempotency-Key"]
                    gateway.taken.setdefault(key, json.loads(body))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((HOST, 0), Handler)
    gateway.url = f"http://{HOST}:{server.server_address[1]}/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Counter:
    """Takes every message and counts it (an MTA queues, it does not parse)."""

    taken: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.taken += 1
        return "250 2.0.0 OK"


def serve_counting(port: int) -> None:
    """A mail server in a process of its own (the bench's: an MTA is another process) that
    prints how many messages it took when its stdin closes."""
    counter = Counter()
    controller = Controller(counter, hostname=HOST, port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(counter.taken, flush=True)


if __name__ == "__main__":
    serve_counting(int(sys.argv[1]))

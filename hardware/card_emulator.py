"""An emulated Cellgate card in a virtual reader: it speaks the socket protocol of vsmartcard's
vpcd driver, so pcscd, pyscard and the kiosk agent see a real reader with a card in it.

vpcd (loaded by pcscd) listens on TCP; the emulator connects to it. Every message both ways is a
2-byte big-endian length and that many bytes. A 1-byte message from vpcd is a control: 0 power
off, 1 power on, 2 reset, 4 send the ATR. Anything longer is a command APDU, answered with the
response APDU. Closing the connection pulls the card out.

For tests and demos only. Never install vpcd on a real kiosk: it accepts cards from the network.

    python -m hardware.card_emulator --card-number CG0000000001 --key-hex <64 hex> --port 35963
"""

from __future__ import annotations

import argparse
import signal
import socket
import struct
import sys
import time
from types import FrameType

from .cards import CellgateCard

POWER_OFF, POWER_ON, RESET, GET_ATR = 0, 1, 2, 4
HISTORICAL = b"CELLGATE"


def atr() -> bytes:
    """TS, T0 (TD1 follows, 8 historical bytes), TD1 (T=0, TD2 follows), TD2 (T=1), the
    historical bytes and the check byte TCK (XOR of T0 to the last historical byte)."""
    body = bytes([0x80 | len(HISTORICAL), 0x80, 0x01]) + HISTORICAL
    check = 0
    for byte in body:
        check ^= byte
    return b"\x3b" + body + bytes([check])


def _receive(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


def serve(card: CellgateCard, sock: socket.socket) -> None:
    """Answer vpcd until it closes the connection."""
    powered = False
    while True:
        header = _receive(sock, 2)
        if header is None:
            return
        (length,) = struct.unpack(">H", header)
        message = _receive(sock, length) if length else b""
        if message is None:
            return
        if length == 1:
            control = message[0]
            if control == POWER_OFF:
                powered = False
                card.reset()
            elif control in (POWER_ON, RESET):
                powered = True
                card.reset()
            elif control == GET_ATR:
                _send(sock, atr())
            continue
        if not powered:
            # vpcd does not send APDUs to a card it has not powered; answer anyway.
            powered = True
        _send(sock, card.process(message))


def connect(host: str, port: int, wait_seconds: float = 10.0) -> socket.socket:
    """Connect to vpcd, waiting for pcscd to open the port if it is still starting."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return socket.create_connection((host, port), timeout=None)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Emulate a Cellgate card in a vpcd reader.")
    parser.add_argument("--card-number", required=True)
    parser.add_argument("--key-hex", required=True, help="the card's secret key, 64 hex digits")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=35963)
    args = parser.parse_args(argv)
    card = CellgateCard(args.card_number, bytes.fromhex(args.key_hex))

    def stop(_signum: int, _frame: FrameType | None) -> None:
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    sock = connect(args.host, args.port)
    print(f"card {args.card_number} inserted (vpcd {args.host}:{args.port})", flush=True)
    try:
        serve(card, sock)
    finally:
        sock.close()
    print("card removed: vpcd closed the connection", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

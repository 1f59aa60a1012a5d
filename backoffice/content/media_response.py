"""A media file as an HTTP answer, the same on the kiosk, the tablet API and the back office:
Range requests (206, and 416 past the end), an ETag that is the file's SHA-256 (so a player's
If-None-Match or If-Range works across restarts and hosts), and caching kept private to the
signed-in browser. Only ever read from disk, as the type found at upload.

Not flask.send_file: under gunicorn it wraps the file in gunicorn's wrapper, which cannot seek,
so every Range request read and threw away the whole file before its range, 8 KB at a time (a
player's 1 MB requests into a 5 MB film read 3.5 MB each). Here the file seeks to the range and
is sent in larger blocks."""

from __future__ import annotations

import os
import time

from flask import Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wsgi import FileWrapper

from .models import Media
from .services import MediaConfig

# A file's bytes never change under its hash; whether the inmate may still see it is checked
# on every request, so the browser keeps it only for itself and for a day.
CACHE_SECONDS = 86400
# What one write to the socket carries.
BLOCK = 256 * 1024


def media_response(config: MediaConfig, media: Media) -> Response:
    file = config.path_of(media.sha256).open("rb")
    size = os.fstat(file.fileno()).st_size
    response = Response(
        FileWrapper(file, BLOCK), mimetype=media.content_type, direct_passthrough=True
    )
    response.content_length = size
    response.set_etag(media.sha256)
    response.last_modified = media.uploaded_at
    response.cache_control.max_age = CACHE_SECONDS
    response.expires = int(time.time() + CACHE_SECONDS)
    try:
        response = response.make_conditional(
            request.environ, accept_ranges=True, complete_length=size
        )
    except RequestedRangeNotSatisfiable as past_the_end:
        file.close()
        # Answered as HTTP says (416 with the file's length), not as a surface's error page.
        return past_the_end.get_response()
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Documents open in the browser's viewer, never as a page of this site.
    if not media.content_type.startswith(("video/", "audio/", "text/vtt")):
        response.headers["Content-Disposition"] = "inline"
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response

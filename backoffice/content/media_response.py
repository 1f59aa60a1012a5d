"""A media file as an HTTP answer, the same on the kiosk, the tablet API and the back office:
Range requests (206, and 416 past the end), an ETag that is the file's SHA-256 (so a player's
If-None-Match or If-Range works across restarts and hosts), and caching kept private to the
signed-in browser. Only ever read from disk, as the type found at upload."""

from __future__ import annotations

from flask import Response, send_file
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from .models import Media
from .services import MediaConfig

# A file's bytes never change under its hash; whether the inmate may still see it is checked
# on every request, so the browser keeps it only for itself and for a day.
CACHE_SECONDS = 86400


def media_response(config: MediaConfig, media: Media) -> Response:
    try:
        response = send_file(
            config.path_of(media.sha256),
            mimetype=media.content_type,
            conditional=True,
            etag=media.sha256,
            max_age=CACHE_SECONDS,
            last_modified=media.uploaded_at,
        )
    except RequestedRangeNotSatisfiable as past_the_end:
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

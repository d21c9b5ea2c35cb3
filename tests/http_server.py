"""A real HTTP server on 127.0.0.1 for download tests, with misbehaviours.

Serves one file at ``/SUSY.csv.gz`` with Range support (a range that starts
at or past the end is answered 416). ``server.mode`` picks a misbehaviour:
``"drop"`` closes the connection halfway through the first response that has
a body (later requests are served), ``"silent"`` accepts the request and never
answers, ``"no_range"`` ignores Range headers. ``failures`` answers the first
that many requests with HTTP 503; ``content_length=False`` sends no
Content-Length, so the body ends when the connection closes.

Every request is recorded in ``server.requests`` (its Range header) and
``server.answers`` (an Answer: its Range header, the status and how many bytes
of the file were sent from where), before any byte of the body is sent.
"""

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator
from typing import NamedTuple

PATH = "/SUSY.csv.gz"


class Answer(NamedTuple):
    range: str | None
    status: int
    start: int = 0
    sent: int = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        range_header = self.headers.get("Range")
        server.requests.append(range_header)
        if server.mode == "silent":
            time.sleep(server.silence_seconds)
            return
        if self.path != PATH:
            server.answers.append(Answer(range_header, 404))
            self.send_error(404, "Not Found")
            return
        if len(server.requests) <= server.failures:
            server.answers.append(Answer(range_header, 503))
            self.send_error(503, "Service Unavailable")
            return
        body = server.body
        start = 0
        if range_header and server.mode != "no_range":
            start = int(range_header.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                server.answers.append(Answer(range_header, 416))
                self.send_error(416, "Range Not Satisfiable")
                return
            status = 206
        else:
            status = 200
        end = len(body)
        if server.mode == "drop" and not server.bodies_sent:
            # Send half, then hang up: the client must resume from there.
            end = max(start, len(body) // 2)
        server.bodies_sent += 1
        server.answers.append(Answer(range_header, status, start, end - start))
        self.send_response(status)
        if status == 206:
            self.send_header(
                "Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}"
            )
        if server.content_length:
            self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:end])
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(
    body: bytes,
    mode: str = "normal",
    *,
    failures: int = 0,
    content_length: bool = True,
) -> Iterator[http.server.HTTPServer]:
    """Serve ``body`` on 127.0.0.1 at a free port; ``server.url`` is its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.body, server.mode, server.requests = body, mode, []
    server.failures, server.content_length = failures, content_length
    server.answers, server.bodies_sent = [], 0
    server.silence_seconds = 5.0
    server.url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    # A short poll interval: shutdown() waits up to one interval.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

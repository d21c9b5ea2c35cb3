"""A real HTTP server on 127.0.0.1 for download tests, with misbehaviours.

Serves one file at ``/SUSY.csv.gz`` with Range support. ``server.mode`` picks
a misbehaviour: ``"drop"`` closes the connection halfway through the first
response (later requests are served), ``"silent"`` accepts the request and
never answers, ``"no_range"`` ignores Range headers.
"""

import contextlib
import http.server
import threading
import time
from collections.abc import Iterator

PATH = "/SUSY.csv.gz"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(self.headers.get("Range"))
        if server.mode == "silent":
            time.sleep(server.silence_seconds)
            return
        if self.path != PATH:
            self.send_error(404, "Not Found")
            return
        body = server.body
        start = 0
        range_header = self.headers.get("Range")
        if range_header and server.mode != "no_range":
            start = int(range_header.removeprefix("bytes=").rstrip("-"))
            if start >= len(body):
                self.send_error(416, "Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header(
                "Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}"
            )
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        if server.mode == "drop" and len(server.requests) == 1:
            # Send half, then hang up: the client must resume from there.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[start:])

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(body: bytes, mode: str = "normal") -> Iterator[http.server.HTTPServer]:
    """Serve ``body`` on 127.0.0.1 at a free port; ``server.url`` is its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.body, server.mode, server.requests = body, mode, []
    server.silence_seconds = 5.0
    server.url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()

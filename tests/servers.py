"""Real HTTP servers on 127.0.0.1 for tests: they serve what a test tells them and count hits."""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0  # seconds to wait before answering


class RecordingServer:
    """A threaded HTTP server whose routes a test sets and whose requests it can inspect.

    It can be stopped and started again on the same port, to play an identity provider that
    goes away and comes back. With ``tls`` (a server-side context) it speaks HTTPS.
    """

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.tls = tls
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        self._lock = threading.Lock()
        self._port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def handle(self) -> None:
                try:
                    super().handle()
                except (ssl.SSLError, ConnectionResetError):
                    return  # a TLS client that refused the server (a test of just that)

            def do_GET(self) -> None:
                with recorder._lock:
                    recorder.requests.append(self.path)
                    recorder.headers.append(dict(self.headers.items()))
                    route = recorder.routes.get(self.path, Route(404, b'{"error":"not found"}'))
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self._port}"

    def serve_json(self, path: str, document: Any, **headers: str) -> None:
        body = json.dumps(document).encode()
        self.routes[path] = Route(200, body, {"Content-Type": "application/json", **headers})

    def serve(self, path: str, route: Route) -> None:
        self.routes[path] = route

    def hits(self, path: str | None = None) -> int:
        with self._lock:
            return sum(1 for p in self.requests if path is None or p == path)

    def start(self) -> RecordingServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler())
        self._server.daemon_threads = True
        if self.tls is not None:  # the handshake happens in the request's thread
            self._server.socket = self.tls.wrap_socket(
                self._server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    server = RecordingServer().start()
    try:
        yield server
    finally:
        server.stop()


def eventually(check: Callable[[], bool], timeout: float = 10.0, interval: float = 0.2) -> bool:
    """Poll ``check`` until it holds or ``timeout`` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return False


@contextmanager
def serve_wsgi(app: Callable[..., Any]) -> Iterator[str]:
    """Serve a WSGI ``app`` on 127.0.0.1 in a thread (a real HTTP server); yield its base URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

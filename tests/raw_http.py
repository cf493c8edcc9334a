"""Raw TCP servers on 127.0.0.1 that answer HTTP requests byte for byte as a test tells them:
slowly (one byte at a time), with garbage, or cut short. For what a well-behaved HTTP server
cannot do; ``tests/servers.py`` has the well-behaved one."""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

Handler = Callable[[socket.socket, bytes], None]
"""Answers one connection, given the request head it sent (request line and headers)."""


class RawServer:
    """Accepts connections, reads each request head, and lets ``handler`` answer; over TLS
    when given a server-side ``tls`` context."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.tls = tls
        self.requests: list[bytes] = []  # request heads, in arrival order
        self._lock = threading.Lock()
        self._connections: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        port = self._listener.getsockname()[1]
        return f"https://localhost:{port}" if self.tls else f"http://127.0.0.1:{port}"

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def start(self) -> RawServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            for connection in self._connections:
                with suppress(OSError):
                    connection.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            connection.settimeout(5)
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                head += chunk
            with self._lock:
                self.requests.append(head)
            self.handler(connection, head)
        except OSError:
            return  # the client gave up (what the timeout tests expect it to do)
        finally:
            with suppress(OSError):
                connection.close()


@contextmanager
def raw_server(handler: Handler, *, tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    server = RawServer(handler, tls=tls).start()
    try:
        yield server
    finally:
        server.stop()


def answer(document: Any, *, status: str = "200 OK", extra: bytes = b"") -> bytes:
    """A complete HTTP/1.1 answer carrying ``document`` as JSON."""
    body = json.dumps(document).encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n".encode()
        + extra
        + b"\r\n"
        + body
    )


def send(data: bytes) -> Handler:
    """Send ``data`` at once, then close."""

    def handle(connection: socket.socket, head: bytes) -> None:
        connection.sendall(data)

    return handle


def drip(data: bytes, interval: float = 0.5) -> Handler:
    """Send ``data`` one byte every ``interval`` seconds (each read gets a byte in time)."""

    def handle(connection: socket.socket, head: bytes) -> None:
        for byte in data:
            connection.sendall(bytes([byte]))
            time.sleep(interval)

    return handle

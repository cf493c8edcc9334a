"""A real ``redis-server`` on 127.0.0.1 for tests: a free port, a temporary directory, no
persistence; it can be killed and started again on the same port, to play an outage.

Without ``redis-server`` the tests that need it are skipped with a hint on installing it, except
when ``CI`` is set: there a missing server is a failure (``.ci/run`` installs it).
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from tests.binaries import require_binary
from tests.e2e.gunicorn import free_port

INSTALL_HINT = (
    "install it with `sudo apt-get install redis-server` (Debian, Ubuntu) or "
    "`brew install redis` (macOS)"
)
START_TIMEOUT = 10.0


def redis_server_binary() -> str:
    """The ``redis-server`` executable; skips the test without it (fails it when ``CI`` is set)."""
    return require_binary("redis-server", needed_by="the Redis tests", install_hint=INSTALL_HINT)


class RedisServer:
    """One ``redis-server`` process; :meth:`kill` and :meth:`start` keep the port."""

    def __init__(self, directory: Path) -> None:
        self.binary = redis_server_binary()
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        command += ["--logfile", str(self.directory / "redis.log"), "--daemonize", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not self.ping():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.directory / "redis.log"
                raise RuntimeError(f"redis-server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.02)
        return self

    def kill(self) -> None:
        """Stop at once (SIGKILL), as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def command(self, *words: str) -> bytes:
        """Send one inline command and return the first line of the reply."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as connection:
            connection.sendall(" ".join(words).encode() + b"\r\n")
            return connection.makefile("rb").readline().rstrip(b"\r\n")

    def ping(self) -> bool:
        try:
            return self.command("PING") == b"+PONG"
        except OSError:
            return False

    def flush(self) -> None:
        assert self.command("FLUSHALL") == b"+OK"

"""Serve an example project with gunicorn on 127.0.0.1 for the tests, and always stop it.

:class:`SharedServers` keeps the servers a test run shares: each is started the first time a
test asks for it and stopped when the run ends.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


#: The access log line of every request: ``<worker pid> status path query``.
ACCESS_LOG_FORMAT = "%(p)s %(s)s %(U)s %(q)s"


@dataclass(frozen=True)
class Server:
    """One running gunicorn: its base URL, its master process, its output (``log``), the
    environment it was started with and its access log, if it keeps one."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: Mapping[str, str]
    access_log: Path | None = None

    def check_running(self) -> None:
        """Fail the test at once, with the end of the server's log, if the server has exited."""
        if self.process.poll() is not None:
            pytest.fail(
                f"gunicorn at {self.url} exited with {self.process.returncode}:\n"
                f"{self.log.read_text()[-3000:]}",
                pytrace=False,
            )


@contextmanager
def serve(
    project: str,
    app: str,
    env: Mapping[str, str],
    log: Path,
    *,
    health: str = "/health",
    workers: int = 1,
    access_log: Path | None = None,
    access_log_format: str = ACCESS_LOG_FORMAT,
) -> Iterator[Server]:
    """Run ``gunicorn --chdir example_projects/<project> <app> -b 127.0.0.1:PORT`` (design §6).

    ``env`` replaces every ``JWTGUARD_*`` variable of this process's environment. Yields the
    server once ``health`` answers 200; it is stopped on exit, whatever happened. With
    ``access_log``, each request is logged there in ``access_log_format`` (gunicorn's atoms).
    """
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("JWTGUARD_")} | dict(env)
    command = [sys.executable, "-m", "gunicorn", "--chdir", f"example_projects/{project}", app]
    command += ["-b", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"]
    if access_log is not None:
        command += ["--access-logfile", str(access_log), "--access-logformat", access_log_format]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environ, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_healthy(process, base_url + health, log)
            yield Server(base_url, process, log, dict(env), access_log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # not listening yet, or its workers are still starting
        time.sleep(0.1)
    raise RuntimeError(
        f"gunicorn did not answer {url} within {START_TIMEOUT} s:\n{log.read_text()}"
    )


#: The example APIs of design §6: project folder and the WSGI app gunicorn serves.
EXAMPLE_APIS = {"flask": ("flask_api", "app:create_app()"), "django": ("django_api", "config.wsgi")}


def django_environment(workdir: Path, **jwtguard: str) -> dict[str, str]:
    """The Django example's own settings module (the test session has its own) and ``jwtguard``.

    ``XDG_RUNTIME_DIR`` gives each server its own gunicorn control socket.
    """
    return {"DJANGO_SETTINGS_MODULE": "config.settings", "XDG_RUNTIME_DIR": str(workdir)} | jwtguard


@contextmanager
def serve_api(
    framework: str,
    env: Mapping[str, str],
    workdir: Path,
    *,
    workers: int = 1,
    access_log: Path | None = None,
    access_log_format: str = ACCESS_LOG_FORMAT,
) -> Iterator[Server]:
    """Serve the ``framework`` example API (``"flask"`` or ``"django"``) with ``env``.

    ``workdir`` holds the server's log (and, for Django, its control socket): one per server.
    The server's ``env`` is ``env`` as given, without what this adds for Django.
    """
    project, app = EXAMPLE_APIS[framework]
    environ = django_environment(workdir, **env) if framework == "django" else env
    log = workdir / f"{project}.log"
    with serve(
        project,
        app,
        environ,
        log,
        workers=workers,
        access_log=access_log,
        access_log_format=access_log_format,
    ) as server:
        yield replace(server, env=dict(env))


@dataclass(frozen=True)
class _Config:
    framework: str
    env: dict[str, str]
    workers: int
    access_log_format: str


class SharedServers:
    """Example APIs started once per test run: each under a name, the first time a test asks for
    it, and all stopped when the run ends (``stack`` closes).

    A server that exited fails every test that asks for it afterwards, with its log; one that
    could not start fails them at once, without trying again.
    """

    def __init__(self, stack: ExitStack, root: Path) -> None:
        self._stack = stack
        self._root = root
        self._servers: dict[str, tuple[_Config, Server]] = {}
        self._broken: dict[str, str] = {}

    def api(
        self,
        name: str,
        framework: str,
        env: Mapping[str, str],
        *,
        workers: int = 1,
        access_log_format: str = ACCESS_LOG_FORMAT,
    ) -> Server:
        """The ``framework`` example API named ``name``, serving ``env`` with an access log; a
        name always means the same configuration."""
        config = _Config(framework, dict(env), workers, access_log_format)
        if name in self._broken:
            pytest.fail(f"the shared server {name!r} did not start:\n{self._broken[name]}")
        if name not in self._servers:
            workdir = self._root / name
            workdir.mkdir(exist_ok=True)
            served = serve_api(
                framework,
                env,
                workdir,
                workers=workers,
                access_log=workdir / "access.log",
                access_log_format=access_log_format,
            )
            try:
                self._servers[name] = (config, self._stack.enter_context(served))
            except BaseException as error:  # a start that timed out too: never wait for it again
                self._broken[name] = str(error) or type(error).__name__
                raise
        started, server = self._servers[name]
        assert started == config, f"the shared server {name!r} was started as {started}"
        server.check_running()
        return server

    def terminate(self) -> None:
        """Ask every server to stop, all at once: closing the stack then waits for each."""
        for _, server in self._servers.values():
            if server.process.poll() is None:
                server.process.terminate()

"""Run an example API under gunicorn on 127.0.0.1, as design §6 says, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
BOOT_SECONDS = 15


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment(workdir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without Django or jwtguard settings, plus ``extra``.

    ``XDG_RUNTIME_DIR`` gives each server its own gunicorn control socket.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("JWTGUARD_") and name != "DJANGO_SETTINGS_MODULE"
    }
    return {**env, "XDG_RUNTIME_DIR": str(workdir), **extra}


def start(
    app: str, chdir: str, env: Mapping[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [str(GUNICORN), "--chdir", chdir, app, "-b", f"127.0.0.1:{port}"]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=output, stderr=output)
    return process, f"http://127.0.0.1:{port}"


@contextmanager
def gunicorn(app: str, chdir: str, env: Mapping[str, str], log: Path) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL once ``/health`` answers 200."""
    process, url = start(app, chdir, env, log)
    try:
        wait_until_healthy(process, url, log)
        yield url
    finally:
        stop(process)


def wait_until_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)  # polling for start-up, not an assertion
    raise TimeoutError(f"{url}/health did not answer 200 within {BOOT_SECONDS} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)

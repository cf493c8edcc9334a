"""Redis (the ``redis`` extra): ``RedisStore`` imports, and replay protection on a real
redis-server refuses a token's second use; an unreachable Redis is a 503, never a pass.

    python smoke_redis.py [--wheel]

Without ``redis-server`` on this machine only the unreachable case runs, unless ``CI`` is set
(then it is a failure).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

from jwtguard import GuardConfig, StoreUnavailable, TokenReplayed, Validator
from jwtguard.stores.redis import RedisStore

from smoke_common import AUDIENCE, ISSUER, KEY, check_installed_wheel, done, token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def validator(url: str) -> Validator:
    config = GuardConfig(
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=["ES256"],
        jwks=KEY.jwks(),
        max_lifetime=3600,
        replay_protection=True,
        redis_url=url,
        store_timeout=0.5,
    )
    return Validator(config)


def replay_refused(url: str) -> None:
    checker, once = validator(url), token()
    checker.validate(once)
    try:
        checker.validate(once)
    except TokenReplayed:
        return
    raise AssertionError("the token passed twice")


def main(argv: list[str]) -> None:
    check_installed_wheel("--wheel" in argv)
    assert RedisStore.__module__ == "jwtguard.stores.redis"
    closed = f"redis://127.0.0.1:{free_port()}/0"
    try:
        validator(closed).validate(token())
    except StoreUnavailable as error:
        assert error.status == 503
    else:
        raise AssertionError("an unreachable Redis let a token through")

    binary = shutil.which("redis-server")
    if binary is None:
        assert not os.environ.get("CI"), "redis-server is missing (CI is set)"
        print("smoke redis: redis-server not found, replay on a real server not checked")
    else:
        port = free_port()
        with tempfile.TemporaryDirectory() as directory:
            command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            server = subprocess.Popen(
                [*command, "--appendonly", "no", "--dir", directory],
                stdout=subprocess.DEVNULL,
            )
            try:
                deadline = time.monotonic() + 10
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        assert time.monotonic() < deadline, "redis-server did not start"
                        time.sleep(0.05)
                replay_refused(f"redis://127.0.0.1:{port}/0")
            finally:
                server.terminate()
                server.wait(timeout=10)
    done("redis")


if __name__ == "__main__":
    main(sys.argv[1:])

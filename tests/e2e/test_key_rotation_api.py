"""Key rotation and outages through both example APIs under gunicorn (#14 §5), with the default
refetch cooldown (30 s): a real identity provider on 127.0.0.1 that the tests rotate, stop and
start, and whose fetches they count; gunicorn ``--preload``; a provider behind a private CA.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from jwtguard.testing import generate_key
from tests.contract import AUDIENCE, ISSUER, Minter, bearer
from tests.e2e.gunicorn import serve_api
from tests.servers import RecordingServer, eventually, recording_server
from tests.tls import PrivateCA

FRAMEWORKS = ["flask", "django"]
JWKS = "/jwks.json"


@pytest.fixture
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def environment(idp: RecordingServer, **settings: str) -> dict[str, str]:
    """Remote keys with every other setting at its default (the cooldown is 30 s)."""
    return {
        "JWTGUARD_ISSUER": ISSUER,
        "JWTGUARD_AUDIENCE": AUDIENCE,
        "JWTGUARD_ALGORITHMS": "RS256,ES256",
        "JWTGUARD_JWKS_URL": idp.url + JWKS,
    } | {f"JWTGUARD_{name}": value for name, value in settings.items()}


def get(url: str, token: str | None = None) -> requests.Response:
    return requests.get(url + "/api/me", headers=bearer(token) if token else {}, timeout=10)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_rotation_right_after_start_up_is_accepted_at_once(
    framework: str, idp: RecordingServer, minter: Minter, tmp_path: Path
) -> None:
    idp.serve_json(JWKS, minter.jwks())
    rotated = generate_key("RS256", kid="rsa-2")
    with serve_api(framework, environment(idp, JWKS_PREWARM="1"), tmp_path) as server:
        url = server.url
        assert get(url, minter.token()).status_code == 200  # the keys are fetched by now
        fetched = idp.hits(JWKS)
        idp.serve_json(JWKS, rotated.jwks())
        response = get(url, minter.token(rotated))
        assert response.status_code == 200, response.text
        assert idp.hits(JWKS) == fetched + 1, "one refetch, at once"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_flood_of_random_kids_costs_one_fetch_per_cooldown(
    framework: str, idp: RecordingServer, minter: Minter, tmp_path: Path
) -> None:
    idp.serve_json(JWKS, minter.jwks())
    with serve_api(framework, environment(idp), tmp_path) as server:
        url = server.url
        assert get(url, minter.token()).status_code == 200
        with requests.Session() as session:
            for _ in range(200):
                forged = minter.token(
                    minter.stranger, header={"alg": "RS256", "kid": secrets.token_hex(8)}
                )
                answer = session.get(url + "/api/me", headers=bearer(forged), timeout=10)
                assert (answer.status_code, answer.json()["code"]) == (401, "unknown_key")
        assert idp.hits(JWKS) == 2, "the first fetch, and one refetch within the cooldown"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_unknown_kid_while_the_provider_is_down_is_503(
    framework: str, idp: RecordingServer, minter: Minter, tmp_path: Path
) -> None:
    idp.serve_json(JWKS, minter.jwks())
    rotated = generate_key("RS256", kid="rsa-2")
    with serve_api(framework, environment(idp), tmp_path) as server:
        url = server.url
        assert get(url, minter.token()).status_code == 200
        idp.stop()
        response = get(url, minter.token(rotated))
        assert response.status_code == 503, response.text
        assert (response.json()["error"], response.json()["code"]) == (
            "temporarily_unavailable",
            "key_source_unavailable",
        )
        assert int(response.headers["Retry-After"]) == 30, "when a refetch may be tried again"
        assert "WWW-Authenticate" not in response.headers, "the client's token is not blamed"
        assert get(url, minter.token()).status_code == 200, "known keys still serve"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_failed_start_recovers_within_the_backoff(
    framework: str, idp: RecordingServer, minter: Minter, tmp_path: Path
) -> None:
    idp.stop()
    with serve_api(framework, environment(idp, JWKS_PREWARM="1"), tmp_path) as server:
        url = server.url
        down = get(url, minter.token())
        assert down.status_code == 503
        assert int(down.headers["Retry-After"]) <= 2
        idp.serve_json(JWKS, minter.jwks())
        idp.start()
        recovered = time.monotonic()
        assert eventually(lambda: get(url, minter.token()).status_code == 200, timeout=5)
        assert time.monotonic() - recovered < 5, "not a whole cooldown of 503"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_provider_behind_a_private_ca(framework: str, minter: Minter, tmp_path: Path) -> None:
    ca = PrivateCA(tmp_path)
    idp = RecordingServer(tls=ca.server_context()).start()
    try:
        idp.serve_json(JWKS, minter.jwks())
        trusting = environment(idp, HTTP_CA_FILE=str(ca.ca_file))
        with serve_api(framework, trusting, tmp_path) as server:
            url = server.url
            assert get(url, minter.token()).status_code == 200
        assert idp.hits(JWKS) == 1
        with serve_api(framework, environment(idp), tmp_path) as server:
            url = server.url
            assert get(url, minter.token()).status_code == 503, "the system's CAs do not know it"
        assert idp.hits(JWKS) == 1
    finally:
        idp.stop()


# --- gunicorn --preload --------------------------------------------------------------------


def socket_owner(client_port: int, server_port: int) -> int | None:
    """The process holding the client end of a TCP connection on 127.0.0.1 (Linux ``/proc``)."""
    wanted = (f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}")
    inodes = [
        fields[9]
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if (fields[1], fields[2]) == wanted
    ]
    if not inodes:
        return None
    target = f"socket:[{inodes[0]}]"
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            if any(os.readlink(fd) == target for fd in (process / "fd").iterdir()):
                return int(process.name)
        except OSError:
            continue  # gone, or not ours
    return None


def parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # it ended
    return int(stat.rpartition(")")[2].split()[1])


class AttributingServer(RecordingServer):
    """A key server that records which process each fetch came from."""

    def __init__(self) -> None:
        super().__init__()
        self.fetchers: list[int | None] = []

    def _handler(self) -> Any:
        recording = super()._handler()
        server = self

        class Handler(recording):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                port = int(server.url.rpartition(":")[2])
                server.fetchers.append(socket_owner(self.client_address[1], port))
                super().do_GET()

        return Handler


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_preloaded_workers_refresh_their_keys_in_the_background(
    minter: Minter, tmp_path: Path
) -> None:
    """``--preload`` builds the guard (and fetches) in gunicorn's master, then forks: each
    worker's background refresh must run again, without any request."""
    idp = AttributingServer().start()
    try:
        idp.serve_json(JWKS, minter.jwks(), **{"Cache-Control": "max-age=1"})
        settings = environment(idp, JWKS_PREWARM="1", JWKS_REFRESH_AHEAD="1", JWKS_MIN_TTL="1") | {
            "GUNICORN_CMD_ARGS": "--preload"
        }
        with serve_api("flask", settings, tmp_path, workers=2) as server:
            url = server.url
            master = idp.fetchers[0]
            assert master is not None, "the pre-warming fetch, made by the master"

            def workers_fetching() -> set[int]:
                return {
                    pid
                    for pid in idp.fetchers[1:]
                    if pid is not None and pid != master and parent_of(pid) == master
                }

            assert eventually(lambda: len(workers_fetching()) == 2, timeout=10), (
                f"fetches came from {set(idp.fetchers)}, master {master}"
            )
            assert get(url, minter.token()).status_code == 200
    finally:
        idp.stop()

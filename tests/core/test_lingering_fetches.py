"""A resolver that hangs leaves at most one fetch worker behind per key source (issue 11 §4).

No socket shutdown interrupts ``getaddrinfo``, so a worker blocked in it outlives
``HTTP_TIMEOUT``. Here ``socket.getaddrinfo`` blocks for one host name (``localhost``) until the
test releases it, within the test only; the key server is a real one on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jwtguard import GuardConfig, KeySourceUnavailable, Validator, render_error
from jwtguard.keys.http import FetchError, FetchLane, fetch_json
from jwtguard.testing import SigningKey, generate_key
from tests.servers import RecordingServer, eventually, recording_server

TIMEOUT = 0.3
REFRESHES = 20
PASSWORD = "pw-5ecret-1312"


class HangingResolver:
    """``socket.getaddrinfo`` for ``localhost`` blocks until :meth:`release`, then resolves to
    127.0.0.1; every other name resolves as usual."""

    def __init__(self, resolve: Any) -> None:
        self._resolve = resolve
        self._released = threading.Event()
        self._lock = threading.Lock()
        self.calls = 0
        self.blocked = 0

    def __call__(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "localhost":
            return self._resolve(host, *args, **kwargs)
        with self._lock:
            self.calls += 1
            self.blocked += 1
        try:
            self._released.wait()
        finally:
            with self._lock:
                self.blocked -= 1
        return self._resolve("127.0.0.1", *args, **kwargs)

    def release(self) -> None:
        self._released.set()


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[HangingResolver]:
    hanging = HangingResolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    try:
        yield hanging
    finally:
        hanging.release()  # no worker stays blocked past the test
        assert eventually(lambda: hanging.blocked == 0, timeout=5, interval=0.01)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key("ES256", kid="k1")


def fetch_workers() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "jwtguard-fetch")


def localhost(server: RecordingServer, path: str, *, credentials: bool = False) -> str:
    userinfo = f"alice:{PASSWORD}@" if credentials else ""
    return f"http://{userinfo}localhost:{server.url.rpartition(':')[2]}{path}"


ISSUER = "https://idp.example/t"


def by_jwks_url(server: RecordingServer, key: SigningKey) -> tuple[dict[str, Any], str]:
    """Settings fetching ``key`` from a JWKS URL on ``localhost``, and that URL as shown."""
    server.serve_json("/jwks.json", key.jwks())
    url = localhost(server, "/jwks.json", credentials=True)
    return {"JWKS_URL": url}, localhost(server, "/jwks.json").replace("//", "//***@")


def by_discovery(server: RecordingServer, key: SigningKey) -> tuple[dict[str, Any], str]:
    """Settings discovering ``key`` from metadata on ``localhost``, and its URL as shown."""
    metadata = localhost(server, "/meta")
    server.serve_json("/meta", {"issuer": ISSUER, "jwks_uri": server.url + "/keys"})
    server.serve_json("/keys", key.jwks())
    return {"ISSUER": ISSUER, "OPENID_CONFIGURATION_URL": metadata}, metadata


@pytest.mark.parametrize("source", [by_jwks_url, by_discovery], ids=["JWKS_URL", "discovery"])
def test_a_hanging_resolver_leaves_at_most_one_worker_behind(
    resolver: HangingResolver, server: RecordingServer, key: SigningKey, source: Any
) -> None:
    settings, shown = source(server, key)
    config = GuardConfig.from_mapping(
        {
            **settings,
            "ALGORITHMS": ["ES256"],
            "HTTP_TIMEOUT": TIMEOUT,
            "JWKS_REFETCH_COOLDOWN": 0,  # every request may refresh: nothing else holds them back
        }
    )
    check = Validator(config)
    token = key.token(sub="alice", iss=ISSUER)
    before = fetch_workers()
    started = time.monotonic()
    with pytest.raises(KeySourceUnavailable) as first:
        check.validate(token)
    assert time.monotonic() - started < TIMEOUT + 0.75
    assert "did not answer within HTTP_TIMEOUT" in first.value.detail
    started = time.monotonic()
    for _ in range(REFRESHES):
        with pytest.raises(KeySourceUnavailable) as caught:
            check.validate(token)
        response = render_error(caught.value, config)
        assert (response.status, response.code) == (503, "key_source_unavailable")
        assert f"the previous fetch of {shown} has not finished" in caught.value.detail
        assert PASSWORD not in caught.value.detail
    assert time.monotonic() - started < TIMEOUT, "the refreshes waited instead of failing"
    assert (resolver.calls, resolver.blocked) == (1, 1)
    assert fetch_workers() <= before + 1
    assert server.hits() == 0
    # Resolution works again: the lingering worker ends and the next refresh succeeds.
    resolver.release()
    assert eventually(lambda: resolver.blocked == 0, timeout=5, interval=0.01)
    assert eventually(lambda: fetch_workers() <= before, timeout=5, interval=0.01)
    assert check.validate(token).subject == "alice"
    assert server.hits() >= 1


def test_a_lane_refuses_a_second_exchange_while_the_first_worker_is_busy(
    resolver: HangingResolver, server: RecordingServer, key: SigningKey
) -> None:
    server.serve_json("/jwks.json", key.jwks())
    url = localhost(server, "/jwks.json")
    lane = FetchLane()
    with pytest.raises(FetchError, match="did not answer within HTTP_TIMEOUT"):
        fetch_json(url, timeout=TIMEOUT, max_bytes=65536, lane=lane)
    with pytest.raises(FetchError) as caught:
        fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536, lane=lane)
    assert str(caught.value).startswith(f"the previous fetch of {url} has not finished")
    assert resolver.calls == 1
    assert server.hits() == 0
    # Another lane (another key source) is not held up by this one.
    assert fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536).document
    resolver.release()
    assert eventually(lambda: resolver.blocked == 0, timeout=5, interval=0.01)
    assert eventually(lambda: _fetches(url, lane), timeout=5, interval=0.01), (
        "the lane stayed busy after its worker ended"
    )


def _fetches(url: str, lane: FetchLane) -> bool:
    try:
        return bool(fetch_json(url, timeout=TIMEOUT, max_bytes=65536, lane=lane).document)
    except FetchError:
        return False

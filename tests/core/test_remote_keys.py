"""Remote keys against a real HTTP server on 127.0.0.1: rotation, floods, single flight, outages,
discovery and multiple issuers (issue 5)."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from jwtguard import (
    AuthError,
    ConfigurationError,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    Validator,
    render_error,
)
from jwtguard.keys import KeySet
from jwtguard.keys.discovery import DiscoveredJWKS, jwks_fetcher, metadata_urls
from jwtguard.keys.remote import CachePolicy, RemoteJWKS, _Snapshot
from jwtguard.testing import SigningKey, generate_key
from tests.servers import RecordingServer, Route, recording_server

AUDIENCE = "api://notes"
JWKS_PATH = "/jwks.json"


class FakeClock:
    """Monotonic time that a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {kid: generate_key("ES256", kid=kid) for kid in ("k1", "k2", "k3")}


def token(key: SigningKey, **claims: Any) -> str:
    return key.token(sub="alice", aud=AUDIENCE, **claims)


def remote(server: RecordingServer, clock: FakeClock, **policy: Any) -> RemoteJWKS:
    fetcher = jwks_fetcher(server.url + JWKS_PATH, timeout=1.0, max_bytes=512 * 1024)
    return RemoteJWKS(fetcher, algorithms=["ES256"], policy=CachePolicy(**policy), clock=clock)


def validator(source: RemoteJWKS) -> Validator:
    config = GuardConfig(
        jwks_url="https://idp.invalid/jwks", algorithms=["ES256"], audience=AUDIENCE
    )
    return Validator(config, key_source=source)


def code_of(check: Validator, jwt: str) -> str | None:
    try:
        check.validate(jwt)
    except AuthError as error:
        return error.code
    return None


# --- rotation ------------------------------------------------------------------------------


def test_rotation_is_followed_without_a_restart(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["k1"])) is None
    assert server.hits(JWKS_PATH) == 1

    server.serve_json(JWKS_PATH, keys["k2"].jwks())  # rotated: k2 in, k1 out
    clock.advance(31)  # past the refetch cooldown
    assert code_of(check, token(keys["k2"])) is None, "the new kid triggers one refetch"
    assert server.hits(JWKS_PATH) == 2
    assert code_of(check, token(keys["k1"])) == "unknown_key", "the removed key is gone"
    assert server.hits(JWKS_PATH) == 2, "and asking again within the cooldown costs nothing"


def test_rotation_through_configuration(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    config = GuardConfig.from_mapping(
        {
            "JWKS_URL": server.url + JWKS_PATH,
            "ALGORITHMS": ["ES256"],
            "AUDIENCE": AUDIENCE,
            "JWKS_REFETCH_COOLDOWN": 0,
        }
    )
    check = Validator(config)
    assert code_of(check, token(keys["k1"])) is None
    server.serve_json(JWKS_PATH, keys["k2"].jwks())
    assert code_of(check, token(keys["k2"])) is None
    assert code_of(check, token(keys["k1"])) == "unknown_key"


def test_expired_cache_is_refreshed(server: RecordingServer, keys: dict[str, SigningKey]) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks(), **{"Cache-Control": "public, max-age=300"})
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["k1"])) is None
    clock.advance(299)
    assert code_of(check, token(keys["k1"])) is None
    assert server.hits(JWKS_PATH) == 1
    clock.advance(2)
    assert code_of(check, token(keys["k1"])) is None
    assert server.hits(JWKS_PATH) == 2


@pytest.mark.parametrize(
    ("cache_control", "ttl"),
    [
        (None, 600.0),
        ("max-age=5", 60.0),
        ("max-age=3600", 3600.0),
        ("max-age=999999", 86400.0),
        ("no-store", 60.0),
        ('private, max-age="120"', 120.0),
    ],
)
def test_cache_control_is_honoured_within_bounds(
    server: RecordingServer, keys: dict[str, SigningKey], cache_control: str | None, ttl: float
) -> None:
    headers = {"Cache-Control": cache_control} if cache_control else {}
    server.serve_json(JWKS_PATH, keys["k1"].jwks(), **headers)
    clock = FakeClock()
    source = remote(server, clock)
    assert source.warm()
    assert source._snapshot.expires_at - clock.now == ttl


# --- floods of unknown kids ------------------------------------------------------------------


def test_random_kid_flood_costs_one_fetch_per_cooldown_window(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    clock = FakeClock()
    check = validator(remote(server, clock, cooldown=30))
    assert code_of(check, token(keys["k1"])) is None  # warm-up: fetch 1
    stranger = keys["k3"]
    for _ in range(1000):  # 1,000 requests in 10 s, each with a random kid
        clock.advance(0.01)
        forged = stranger.sign(
            {"sub": "x", "exp": 4_000_000_000, "aud": AUDIENCE},
            {"alg": "ES256", "kid": secrets.token_hex(8)},
        )
        assert code_of(check, forged) == "unknown_key"
    # The warm-up was routine: the first unknown kid refetched at once, the others not.
    assert server.hits(JWKS_PATH) == 2, "one refetch in the first 30 s window"
    for _ in range(9000):  # 90 s more: three more windows open
        clock.advance(0.01)
        forged = stranger.sign({"sub": "x"}, {"alg": "ES256", "kid": secrets.token_hex(4)})
        code_of(check, forged)
    assert server.hits(JWKS_PATH) == 1 + 4, "one refetch per window of 30 s, in 100 s"


# --- single flight ---------------------------------------------------------------------------


def test_fifty_threads_cause_one_fetch(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve(JWKS_PATH, Route(200, _jwks_bytes(keys["k1"]), delay=0.3))
    check = validator(remote(server, FakeClock()))
    jwt = token(keys["k1"])
    start = threading.Barrier(50)
    results: list[str | None] = []

    def request() -> None:
        start.wait()
        results.append(code_of(check, jwt))

    threads = [threading.Thread(target=request) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [None] * 50
    assert server.hits(JWKS_PATH) == 1


def test_fifty_asyncio_tasks_cause_one_fetch(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve(JWKS_PATH, Route(200, _jwks_bytes(keys["k1"]), delay=0.3))
    check = validator(remote(server, FakeClock()))
    jwt = token(keys["k1"])

    async def main() -> list[str]:
        ticks = 0

        async def ticker() -> None:  # proves the loop keeps running during the fetch
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        tokens = await asyncio.gather(*(check.validate_async(jwt) for _ in range(50)))
        beat.cancel()
        assert ticks >= 10, "the event loop was blocked during the fetch"
        return [t.subject or "" for t in tokens]

    assert asyncio.run(main()) == ["alice"] * 50
    assert server.hits(JWKS_PATH) == 1


def _jwks_bytes(*signing_keys: SigningKey) -> bytes:
    return json.dumps(signing_keys[0].jwks(*signing_keys[1:])).encode()


# --- outages ---------------------------------------------------------------------------------


def test_server_gone_after_warm_up_keeps_serving(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    clock = FakeClock()
    source = remote(server, clock)
    check = validator(source)
    assert code_of(check, token(keys["k1"])) is None
    server.stop()
    clock.advance(700)  # past the TTL: the refresh fails, the stale keys still serve
    assert code_of(check, token(keys["k1"])) is None
    assert source.last_error is not None
    assert "could not be fetched" in source.last_error
    server.start()  # back on the same port
    clock.advance(31)
    assert code_of(check, token(keys["k1"])) is None
    assert source.last_error is None


BROKEN_ANSWERS = {
    "HTTP 500": Route(500, b'{"error":"oops"}'),
    "timeout": Route(200, b"{}", delay=2.5),
    "invalid JSON": Route(200, b'{"keys": [', {"Content-Type": "application/json"}),
    "HTML error page": Route(200, b"<html><body>Bad gateway</body></html>",
                             {"Content-Type": "text/html"}),
    "5 MB body": Route(200, b'{"keys":[' + b" " * (5 * 1024 * 1024) + b"]}"),
    "no usable keys": Route(200, b'{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}'),
    "a JSON array": Route(200, b"[]"),
    "redirect": Route(302, b"", {"Location": "https://evil.example.com/jwks"}),
}  # fmt: skip


@pytest.mark.parametrize("failure", list(BROKEN_ANSWERS))
def test_broken_refresh_keeps_the_stale_keys(
    server: RecordingServer, keys: dict[str, SigningKey], failure: str
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    clock = FakeClock()
    source = remote(server, clock, stale_ttl=3600)
    check = validator(source)
    assert code_of(check, token(keys["k1"])) is None
    server.serve(JWKS_PATH, BROKEN_ANSWERS[failure])
    clock.advance(601)
    assert code_of(check, token(keys["k1"])) is None
    assert server.hits(JWKS_PATH) == 2, "the refresh was attempted"
    assert source.last_error is not None
    clock.advance(3600)  # stale for longer than allowed, and the provider is still broken
    with pytest.raises(KeySourceUnavailable):
        check.validate(token(keys["k1"]))


@pytest.mark.parametrize("failure", list(BROKEN_ANSWERS))
def test_cold_start_without_keys_is_503(
    server: RecordingServer, keys: dict[str, SigningKey], failure: str
) -> None:
    server.serve(JWKS_PATH, BROKEN_ANSWERS[failure])
    clock = FakeClock()
    check = validator(remote(server, clock))
    with pytest.raises(KeySourceUnavailable) as caught:
        check.validate(token(keys["k1"]))
    response = render_error(caught.value, check.config)
    assert (response.status, response.code) == (503, "key_source_unavailable")
    assert response.header("Retry-After") == "1", "the first retry comes after 1 s"
    assert response.header("WWW-Authenticate") is None
    clock.advance(0.5)
    with pytest.raises(KeySourceUnavailable) as again:
        check.validate(token(keys["k1"]))
    assert again.value.retry_after == 1, "no new fetch inside the backoff"
    assert server.hits(JWKS_PATH) == 1
    clock.advance(0.5)
    with pytest.raises(KeySourceUnavailable) as third:
        check.validate(token(keys["k1"]))
    assert third.value.retry_after == 2, "retried after 1 s, then the backoff doubles"
    # After a timeout, the first exchange's worker may still be ending (no real time passed):
    # its lane then fails the retry at once, before it reaches the server.
    assert server.hits(JWKS_PATH) in ({1, 2} if failure == "timeout" else {2})


def test_cold_start_with_the_server_down_is_503(keys: dict[str, SigningKey]) -> None:
    down = RecordingServer().start()
    down.stop()  # a port where nothing listens
    config = GuardConfig(jwks_url=down.url + JWKS_PATH, algorithms=["ES256"], audience=AUDIENCE)
    request = SimpleRequest(headers={"Authorization": f"Bearer {token(keys['k1'])}"})
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).authenticate(request)
    assert caught.value.status == 503
    assert "could not be fetched" in caught.value.detail


def test_failures_and_skipped_keys_are_logged(
    server: RecordingServer, keys: dict[str, SigningKey], caplog: pytest.LogCaptureFixture
) -> None:
    weak = {"kty": "oct", "kid": "hs", "k": "c2hvcnQ"}
    jwks = {"keys": [*keys["k1"].jwks()["keys"], weak, {"kty": "RSA", "use": "enc", "kid": "e"}]}
    server.serve_json(JWKS_PATH, jwks)
    caplog.set_level(logging.INFO, logger="jwtguard")
    source = remote(server, FakeClock())
    assert source.warm()
    assert source.key_set is not None
    assert source.key_set.kids == ("k1",)
    text = caplog.text
    assert "ignoring a key" in text
    assert "'e'" in text
    assert "fetched 1 key(s)" in text


def test_a_slower_older_fetch_never_overwrites_newer_keys(keys: dict[str, SigningKey]) -> None:
    source = RemoteJWKS(lambda: None, algorithms=["ES256"])  # type: ignore[arg-type,return-value]
    newer = _Snapshot(KeySet([]), 10.0, 20.0, sequence=2)
    older = _Snapshot(KeySet([]), 5.0, 15.0, sequence=1)
    assert source._install(newer)
    assert not source._install(older)
    assert source._snapshot is newer


# --- background refresh and pre-warming ------------------------------------------------------


def test_prewarm_fetches_at_start_up(server: RecordingServer, keys: dict[str, SigningKey]) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks())
    config = GuardConfig(jwks_url=server.url + JWKS_PATH, algorithms=["ES256"], jwks_prewarm=True)
    Validator(config)
    assert server.hits(JWKS_PATH) == 1


def test_background_refresh_before_expiry(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve_json(JWKS_PATH, keys["k1"].jwks(), **{"Cache-Control": "max-age=1"})
    policy = CachePolicy(min_ttl=1, cooldown=0.2, refresh_ahead=True)
    fetcher = jwks_fetcher(server.url + JWKS_PATH, timeout=1.0, max_bytes=65536)
    source = RemoteJWKS(fetcher, algorithms=["ES256"], policy=policy)
    try:
        assert source.warm()
        done = threading.Event()
        for _ in range(100):  # poll for up to 5 s; no request is made meanwhile
            if server.hits(JWKS_PATH) >= 3:
                done.set()
                break
            done.wait(0.05)
        assert done.is_set(), f"only {server.hits(JWKS_PATH)} fetches"
    finally:
        source.close()


# --- discovery -------------------------------------------------------------------------------


def test_openid_discovery_from_the_issuer(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    issuer = server.url + "/tenant-a"
    server.serve_json(
        "/tenant-a/.well-known/openid-configuration",
        {"issuer": issuer, "jwks_uri": server.url + "/a/keys"},
    )
    server.serve_json("/a/keys", keys["k1"].jwks())
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], audience=AUDIENCE)
    assert code_of(Validator(config), token(keys["k1"], iss=issuer)) is None
    assert server.hits("/a/keys") == 1


def test_rfc8414_metadata_is_the_fallback(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    issuer = server.url + "/as"
    server.serve_json(
        "/.well-known/oauth-authorization-server/as",
        {"issuer": issuer, "jwks_uri": server.url + "/as/jwks"},
    )
    server.serve_json("/as/jwks", keys["k2"].jwks())
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], audience=AUDIENCE)
    assert code_of(Validator(config), token(keys["k2"], iss=issuer)) is None


def test_metadata_for_another_issuer_is_refused(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    issuer = server.url + "/victim"
    server.serve_json(
        "/victim/.well-known/openid-configuration",
        {"issuer": server.url + "/attacker", "jwks_uri": server.url + "/k"},
    )
    server.serve_json("/k", keys["k1"].jwks())
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], audience=AUDIENCE)
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).validate(token(keys["k1"], iss=issuer))
    assert "is the metadata of issuer" in caught.value.detail
    assert server.hits("/k") == 0


def test_explicit_openid_configuration_url(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    issuer = "https://login.example.com/tenant/v2.0"
    server.serve_json("/meta", {"issuer": issuer, "jwks_uri": server.url + "/keys"})
    server.serve_json("/keys", keys["k1"].jwks())
    config = GuardConfig(
        issuer=issuer,
        openid_configuration_url=server.url + "/meta",
        algorithms=["ES256"],
        audience=AUDIENCE,
    )
    assert code_of(Validator(config), token(keys["k1"], iss=issuer)) is None


def test_metadata_url_forms() -> None:
    assert metadata_urls("https://idp.example.com") == (
        "https://idp.example.com/.well-known/openid-configuration",
        "https://idp.example.com/.well-known/oauth-authorization-server",
    )
    assert metadata_urls("https://idp.example.com/realms/acme/") == (
        "https://idp.example.com/realms/acme/.well-known/openid-configuration",
        "https://idp.example.com/.well-known/oauth-authorization-server/realms/acme",
    )


def test_discovery_follows_a_moved_jwks_uri(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    issuer = server.url + "/t"
    meta = "/t/.well-known/openid-configuration"
    server.serve_json(meta, {"issuer": issuer, "jwks_uri": server.url + "/old"})
    server.serve_json("/old", keys["k1"].jwks())
    fetch = DiscoveredJWKS(issuer, timeout=1.0, max_bytes=65536)
    assert fetch().document == keys["k1"].jwks()
    server.serve_json(meta, {"issuer": issuer, "jwks_uri": server.url + "/new"})
    server.serve_json("/new", keys["k2"].jwks())
    del server.routes["/old"]
    with pytest.raises(Exception, match="HTTP 404"):
        fetch()
    assert fetch().document == keys["k2"].jwks()


# --- several issuers (multi-tenant) ----------------------------------------------------------


def test_each_issuer_has_its_own_keys(server: RecordingServer, keys: dict[str, SigningKey]) -> None:
    issuers = {name: f"{server.url}/{name}" for name in ("a", "b")}
    for (name, issuer), key in zip(issuers.items(), (keys["k1"], keys["k2"]), strict=True):
        server.serve_json(
            f"/{name}/.well-known/openid-configuration",
            {"issuer": issuer, "jwks_uri": f"{server.url}/{name}/jwks"},
        )
        server.serve_json(f"/{name}/jwks", key.jwks())
    config = GuardConfig(issuer=list(issuers.values()), algorithms=["ES256"], audience=AUDIENCE)
    check = Validator(config)
    assert code_of(check, token(keys["k1"], iss=issuers["a"])) is None
    assert code_of(check, token(keys["k2"], iss=issuers["b"])) is None
    # b's key is not trusted for a's tokens, even though b is a trusted issuer
    assert code_of(check, token(keys["k2"], iss=issuers["a"])) == "unknown_key"
    before = server.hits()
    assert code_of(check, token(keys["k1"], iss=server.url + "/evil")) == "issuer_invalid"
    assert code_of(check, token(keys["k1"], iss=None)) == "issuer_invalid"
    assert server.hits() == before, "an untrusted iss is refused before any fetch"


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"JWKS_URL": "http://idp.example.com/jwks"}, "JWKS_URL must use https"),
        ({"JWKS_URL": "ftp://idp/jwks"}, "JWKS_URL must be an https URL"),
        (
            {"OPENID_CONFIGURATION_URL": "https://idp/.well-known/openid-configuration"},
            "OPENID_CONFIGURATION_URL needs exactly one ISSUER",
        ),
        ({"JWKS_URL": "https://idp/jwks", "JWKS": {"keys": []}}, "conflicting key sources"),
        ({"ISSUER": "http://idp.example.com/"}, "cannot be used for key discovery"),
        (
            {"JWKS_URL": "https://idp/jwks", "JWKS_MIN_TTL": 100, "JWKS_MAX_TTL": 10},
            "JWKS_MIN_TTL must not exceed JWKS_MAX_TTL",
        ),
        ({"JWKS_URL": "https://idp/jwks", "HTTP_TIMEOUT": 0}, "HTTP_TIMEOUT must be between"),
    ],
)
def test_remote_configuration_problems(settings: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping({"ALGORITHMS": ["RS256"], **settings})
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_loopback_http_and_env_settings_are_accepted() -> None:
    config = GuardConfig.from_env(
        {
            "JWTGUARD_JWKS_URL": "http://127.0.0.1:9/jwks",
            "JWTGUARD_ALGORITHMS": "RS256",
            "JWTGUARD_JWKS_REFRESH_AHEAD": "1",
            "JWTGUARD_JWKS_REFETCH_COOLDOWN": "5",
        }
    )
    assert (config.jwks_refresh_ahead, config.jwks_refetch_cooldown) == (True, 5.0)
    assert config.key_set.keys == ()

"""Key rotation and outages against a real OpenID provider (#14 §5), through both example APIs
under gunicorn: ``oidc-provider`` on 127.0.0.1 (``tests/oidc_provider.py``) rotates its signing
keys, goes down and comes back; jwtguard knows only its issuer. Every setting is at its default
(the refetch cooldown is 30 s) unless a test says otherwise.

- A rotation right after start-up, or right after a routine refresh, is accepted at once.
- An unknown ``kid`` while the provider is down is 503 with ``Retry-After``, and retrying after
  that long works once the provider is back; a failed start recovers within a short backoff.
- A provider behind a private CA, trusted by ``HTTP_CA_FILE``.
- gunicorn ``--preload``: the workers refresh the keys in the background after ``fork()``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jwtguard import GuardConfig, KeySourceUnavailable, Validator
from tests.contract import bearer
from tests.e2e.gunicorn import serve_api
from tests.oidc_provider import DISCOVERY, NOTES_API, OpenIDProvider, discovered
from tests.servers import eventually
from tests.tls import PrivateCA

FRAMEWORKS = ["flask", "django"]
COOLDOWN = 30  # JWKS_REFETCH_COOLDOWN's default


def me(url: str, token: str) -> requests.Response:
    """``GET /api/me`` on a connection of its own."""
    headers = bearer(token) | {"Connection": "close"}
    return requests.get(url + "/api/me", headers=headers, timeout=10)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_rotation_right_after_start_up_is_accepted_at_once(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    with serve_api(framework, discovered(oidc_provider, JWKS_PREWARM="1"), tmp_path) as server:
        url = server.url
        assert me(url, oidc_provider.token()).status_code == 200  # keys fetched at start-up
        fetched = oidc_provider.hits()
        oidc_provider.rotate()
        rotated = me(url, oidc_provider.token())
        assert rotated.status_code == 200, rotated.text
        assert oidc_provider.hits() == fetched + 1, "one refetch, at once"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_rotation_right_after_a_routine_refresh_is_accepted_at_once(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    env = discovered(oidc_provider, JWKS_CACHE_TTL="1", JWKS_MIN_TTL="1")
    with serve_api(framework, env, tmp_path) as server:
        url = server.url
        token = oidc_provider.token()
        assert me(url, token).status_code == 200
        time.sleep(1.2)  # the keys expire: the next request refreshes them, a routine fetch
        refreshed = oidc_provider.hits()
        assert me(url, token).status_code == 200
        assert oidc_provider.hits() == refreshed + 1, "the expired keys were fetched again"

        oidc_provider.rotate()
        rotated = me(url, oidc_provider.token())
        assert rotated.status_code == 200, rotated.text
        assert oidc_provider.hits() == refreshed + 2


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_unknown_kid_while_the_provider_is_down_is_503_until_it_can_be_checked(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    cooldown = 2  # short, to wait out the Retry-After it gives
    env = discovered(oidc_provider, JWKS_REFETCH_COOLDOWN=str(cooldown))
    with serve_api(framework, env, tmp_path) as server:
        url = server.url
        old = oidc_provider.token()
        assert me(url, old).status_code == 200
        oidc_provider.rotate()
        new = oidc_provider.token()
        oidc_provider.down()

        unknown = me(url, new)
        assert unknown.status_code == 503, unknown.text
        assert (unknown.json()["error"], unknown.json()["code"]) == (
            "temporarily_unavailable",
            "key_source_unavailable",
        )
        assert "WWW-Authenticate" not in unknown.headers, "the client's token is not blamed"
        retry_after = int(unknown.headers["Retry-After"])
        assert 1 <= retry_after <= cooldown
        assert me(url, old).status_code == 200, "the keys it has still serve"

        oidc_provider.up()
        time.sleep(retry_after)
        assert eventually(lambda: me(url, new).status_code == 200, timeout=3), (
            "retrying after Retry-After works once the provider is back"
        )


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_failed_start_recovers_within_the_backoff(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    token = oidc_provider.token()
    oidc_provider.down()
    with serve_api(framework, discovered(oidc_provider, JWKS_PREWARM="1"), tmp_path) as server:
        url = server.url
        down = me(url, token)
        assert down.status_code == 503, down.text
        assert (down.json()["error"], down.json()["code"]) == (
            "temporarily_unavailable",
            "key_source_unavailable",
        )
        assert "WWW-Authenticate" not in down.headers, "a 503 blames no client credentials"
        assert oidc_provider.issuer not in down.text, "the provider's address stays in the logs"
        assert 1 <= int(down.headers["Retry-After"]) <= 5, "a short backoff, not the cooldown"

        oidc_provider.up()
        back = time.monotonic()
        assert eventually(lambda: me(url, token).status_code == 200, timeout=8)
        assert time.monotonic() - back < 6, f"not a whole cooldown ({COOLDOWN} s) of 503"


@pytest.fixture(scope="module")
def private_ca(tmp_path_factory: pytest.TempPathFactory) -> PrivateCA:
    return PrivateCA(tmp_path_factory.mktemp("private-ca"))


@pytest.fixture(scope="module")
def https_provider(
    private_ca: PrivateCA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenIDProvider]:
    """The OpenID provider over HTTPS, with a certificate of :func:`private_ca`."""
    directory = tmp_path_factory.mktemp("https-provider")
    certificate = private_ca.issue("server")
    provider = OpenIDProvider(directory, certificate=certificate, ca_file=private_ca.ca_file)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_provider_behind_a_private_ca_is_trusted_with_the_ca_setting(
    framework: str, https_provider: OpenIDProvider, private_ca: PrivateCA, tmp_path: Path
) -> None:
    assert https_provider.issuer.startswith("https://")
    discovery, jwks = https_provider.hits(DISCOVERY), https_provider.hits()
    trusting = discovered(https_provider, HTTP_CA_FILE=str(private_ca.ca_file))
    with serve_api(framework, trusting, tmp_path) as server:
        url = server.url
        accepted = me(url, https_provider.token())
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["iss"] == https_provider.issuer
    assert https_provider.hits(DISCOVERY) == discovery + 1
    assert https_provider.hits() == jwks + 1


def test_without_the_ca_setting_the_private_ca_provider_is_not_trusted(
    https_provider: OpenIDProvider,
) -> None:
    """The control: the system's CAs do not know the provider, so nothing is fetched."""
    discovery = https_provider.hits(DISCOVERY)
    config = GuardConfig(issuer=https_provider.issuer, audience=NOTES_API, algorithms=["RS256"])
    with pytest.raises(KeySourceUnavailable):
        Validator(config).validate(https_provider.token())
    assert https_provider.hits(DISCOVERY) == discovery, "no TLS, no request"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_preloaded_workers_refresh_their_keys_in_the_background(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    """``--preload`` builds the guard and fetches the keys in gunicorn's master, then forks the
    workers: each must go on refreshing in the background. No request reaches them while the
    provider rotates; then it goes down, and only keys they refreshed on their own can verify
    the new key's tokens."""
    refreshing = {"JWKS_REFRESH_AHEAD": "1", "JWKS_CACHE_TTL": "1", "JWKS_MIN_TTL": "1"}
    env = discovered(oidc_provider, JWKS_PREWARM="1", **refreshing)
    env["GUNICORN_CMD_ARGS"] = "--preload"
    with serve_api(framework, env, tmp_path, workers=2) as server:
        url = server.url
        rotated = oidc_provider.hits()
        oidc_provider.rotate()
        token = oidc_provider.token()
        # A background refresh each second, per process: wait for a few rounds of them.
        assert eventually(lambda: oidc_provider.hits() >= rotated + 6, timeout=10), (
            "background refreshes run"
        )
        oidc_provider.down()
        answers = [me(url, token).status_code for _ in range(12)]
        assert answers == [200] * 12, "every worker has the rotated key"

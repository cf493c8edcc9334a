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
from pathlib import Path

import pytest
import requests

from tests.contract import bearer
from tests.e2e.gunicorn import serve_api
from tests.oidc_provider import OpenIDProvider, discovered
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
    with serve_api(framework, discovered(oidc_provider, JWKS_PREWARM="1"), tmp_path) as url:
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
    with serve_api(framework, env, tmp_path) as url:
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
    with serve_api(framework, env, tmp_path) as url:
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
    with serve_api(framework, discovered(oidc_provider, JWKS_PREWARM="1"), tmp_path) as url:
        down = me(url, token)
        assert down.status_code == 503, down.text
        assert 1 <= int(down.headers["Retry-After"]) <= 5, "a short backoff, not the cooldown"

        oidc_provider.up()
        back = time.monotonic()
        assert eventually(lambda: me(url, token).status_code == 200, timeout=8)
        assert time.monotonic() - back < 6, f"not a whole cooldown ({COOLDOWN} s) of 503"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_provider_behind_a_private_ca_is_trusted_with_the_ca_setting(
    framework: str, tmp_path: Path
) -> None:
    ca = PrivateCA(tmp_path)
    provider = OpenIDProvider(tmp_path, certificate=ca.issue("server"), ca_file=ca.ca_file)
    provider.start()
    try:
        assert provider.issuer.startswith("https://")
        token = provider.token()
        trusting = discovered(provider, HTTP_CA_FILE=str(ca.ca_file))
        with serve_api(framework, trusting, tmp_path) as url:
            accepted = me(url, token)
            assert accepted.status_code == 200, accepted.text
            assert accepted.json()["iss"] == provider.issuer
        assert provider.hits("/.well-known/openid-configuration") == 1
        assert provider.hits() == 1

        with serve_api(framework, discovered(provider), tmp_path) as url:
            untrusted = me(url, token)
            assert untrusted.status_code == 503, "the system's CAs do not know the provider"
            assert untrusted.json()["code"] == "key_source_unavailable"
        assert provider.hits("/.well-known/openid-configuration") == 1, "no TLS, no request"
    finally:
        provider.stop()


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
    with serve_api(framework, env, tmp_path, workers=2) as url:
        oidc_provider.rotate()
        token = oidc_provider.token()
        time.sleep(2.5)  # a background refresh each second
        oidc_provider.down()
        answers = [me(url, token).status_code for _ in range(12)]
        assert answers == [200] * 12, "every worker has the rotated key"

"""Remote keys through both example APIs under gunicorn (issue 5): a real identity provider
on 127.0.0.1 that the tests start, stop and rotate, configured only by ``JWTGUARD_*`` variables.

The identity provider is the run's (``idp`` in ``conftest.py``): each test serves its documents
under a path of its own, and counts the fetches of those paths only. The test that plays an
identity provider which is down when the API starts has one of its own, which it stops and
starts again. Each test starts its own API: what they check happens when an API starts (a cold
start, a prewarm) or over an API's whole life (how often it fetched), with a configuration that
names the test's own paths.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from jwtguard.testing import generate_key, parse_challenge
from tests.contract import AUDIENCE, ISSUER, Minter, bearer
from tests.e2e.gunicorn import serve_api
from tests.servers import RecordingServer, eventually, recording_server

FRAMEWORKS = ["flask", "django"]
COOLDOWN = 1  # JWTGUARD_JWKS_REFETCH_COOLDOWN for these tests, in seconds


@pytest.fixture
def tenant() -> str:
    """This test's own path on the run's identity provider."""
    return f"/tenant-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def own_idp() -> Iterator[RecordingServer]:
    """An identity provider for one test, which it may stop and start again."""
    with recording_server() as server:
        yield server


def remote_environment(**settings: str) -> dict[str, str]:
    return {
        "JWTGUARD_AUDIENCE": AUDIENCE,
        "JWTGUARD_ALGORITHMS": "RS256,ES256",
        "JWTGUARD_JWKS_REFETCH_COOLDOWN": str(COOLDOWN),
    } | {f"JWTGUARD_{name}": value for name, value in settings.items()}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_cold_start_with_the_key_server_down_answers_503_then_recovers(
    framework: str, own_idp: RecordingServer, minter: Minter, tmp_path: Path
) -> None:
    own_idp.stop()  # the port stays known: the identity provider is down when the API starts
    env = remote_environment(ISSUER=ISSUER, JWKS_URL=own_idp.url + "/jwks.json")
    token = bearer(minter.token())
    with serve_api(framework, env, tmp_path) as api:
        response = requests.get(api.url + "/api/me", headers=token, timeout=10)
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) >= 1
        assert "WWW-Authenticate" not in response.headers, "a 503 blames no client credentials"
        body = response.json()
        assert (body["error"], body["code"]) == (
            "temporarily_unavailable",
            "key_source_unavailable",
        )
        assert own_idp.url not in response.text, "the key server's address stays in the logs"

        # Requests that need no key are answered as usual meanwhile.
        missing = requests.get(api.url + "/api/me", timeout=10)
        assert missing.status_code == 401
        assert parse_challenge(missing.headers["WWW-Authenticate"])[1].keys() == {"realm"}

        own_idp.serve_json("/jwks.json", minter.jwks())
        own_idp.start()  # back on the same port: the API recovers without a restart
        assert eventually(
            lambda: requests.get(api.url + "/api/me", headers=token, timeout=10).status_code == 200
        )
    assert own_idp.hits("/jwks.json") == 1


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_prewarmed_keys_are_fetched_at_start_and_follow_rotation(
    framework: str, idp: RecordingServer, tenant: str, minter: Minter, tmp_path: Path
) -> None:
    jwks = tenant + "/jwks.json"
    idp.serve_json(jwks, minter.jwks())
    env = remote_environment(ISSUER=ISSUER, JWKS_URL=idp.url + jwks, JWKS_PREWARM="1")
    rotated = generate_key("RS256", kid="rsa-2")
    old_token, new_token = bearer(minter.token()), bearer(minter.token(rotated))
    with serve_api(framework, env, tmp_path) as api:
        assert idp.hits(jwks) == 1, "fetched at start-up, before any token came"
        me = requests.get(api.url + "/api/me", headers=old_token, timeout=10)
        assert (me.status_code, me.json()["iss"]) == (200, ISSUER)
        assert idp.hits(jwks) == 1, "a known kid is answered from the prewarmed keys"

        idp.serve_json(jwks, rotated.jwks())  # new kid in, old key out
        assert eventually(
            lambda: (
                requests.get(api.url + "/api/me", headers=new_token, timeout=10).status_code == 200
            )
        ), "a token with the new kid is accepted without a restart"
        refused = requests.get(api.url + "/api/me", headers=old_token, timeout=10)
        assert (refused.status_code, refused.json()["code"]) == (401, "unknown_key")
        challenge = parse_challenge(refused.headers["WWW-Authenticate"])[1]
        assert challenge["error"] == "invalid_token"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_keys_discovered_from_the_issuer(
    framework: str, idp: RecordingServer, tenant: str, minter: Minter, tmp_path: Path
) -> None:
    """Only ``JWTGUARD_ISSUER`` names the identity provider: its OpenID configuration gives
    the ``jwks_uri``."""
    issuer = idp.url + tenant
    idp.serve_json(
        tenant + "/.well-known/openid-configuration",
        {"issuer": issuer, "jwks_uri": issuer + "/keys"},
    )
    idp.serve_json(tenant + "/keys", minter.jwks())
    with serve_api(framework, remote_environment(ISSUER=issuer), tmp_path) as api:
        response = requests.get(
            api.url + "/api/me", headers=bearer(minter.token(iss=issuer)), timeout=10
        )
        assert (response.status_code, response.json()["iss"]) == (200, issuer), response.text
        foreign = requests.get(api.url + "/api/me", headers=bearer(minter.token()), timeout=10)
        assert (foreign.status_code, foreign.json()["code"]) == (401, "issuer_invalid")
    assert idp.hits(tenant + "/.well-known/openid-configuration") == 1
    assert idp.hits(tenant + "/keys") == 1

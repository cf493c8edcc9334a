"""jwtguard against a real OpenID provider (#14): panva's ``oidc-provider`` on 127.0.0.1, started
by the tests (``tests/oidc_provider.py``), issuing JWT access tokens (RFC 9068) by the
client_credentials grant. jwtguard knows only the issuer (or its discovery URL): the keys are
discovered. Through the core, and through both example APIs under gunicorn.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from jwtguard import GuardConfig, Validator
from jwtguard.testing import parse_challenge
from tests.contract import Minter, bearer
from tests.e2e.gunicorn import serve_api
from tests.oidc_provider import DISCOVERY, NOTES_API, OTHER_API, OpenIDProvider, discovered

FRAMEWORKS = ["flask", "django"]


def forged(minter: Minter) -> str:
    """A token naming a random ``kid`` the provider never had."""
    return minter.token(
        minter.stranger, header={"alg": "RS256", "typ": "at+jwt", "kid": secrets.token_hex(8)}
    )


@pytest.mark.parametrize("metadata", [False, True], ids=["issuer", "openid_configuration_url"])
async def test_the_core_validates_the_providers_tokens_by_discovery(
    metadata: bool, oidc_provider: OpenIDProvider
) -> None:
    """The issuer alone, or with its metadata's URL: the keys are discovered."""
    config = GuardConfig(
        issuer=oidc_provider.issuer,
        openid_configuration_url=oidc_provider.discovery_url if metadata else None,
        audience=NOTES_API,
        algorithms=["RS256"],
        token_types=["at+jwt"],
    )
    validator = Validator(config)
    discovery, jwks = oidc_provider.hits(DISCOVERY), oidc_provider.hits()

    token = validator.validate(oidc_provider.token("notes:read"))
    assert (token.issuer, token.subject, token.client_id) == (
        oidc_provider.issuer,
        "notes-client",
        "notes-client",
    )
    assert token.audience == (NOTES_API,)
    assert token.scopes == {"notes:read"}
    assert token.header["typ"] == "at+jwt"
    again = await validator.validate_async(oidc_provider.token())
    assert again.scopes == {"notes:read", "notes:write"}

    assert oidc_provider.hits(DISCOVERY) == discovery + 1, "discovered once"
    assert oidc_provider.hits() == jwks + 1, "the keys fetched once"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_example_apis_trust_the_provider_by_its_issuer(
    framework: str, oidc_provider: OpenIDProvider, tmp_path: Path
) -> None:
    reader = bearer(oidc_provider.token("notes:read"))
    with serve_api(framework, discovered(oidc_provider), tmp_path) as server:
        url = server.url
        me = requests.get(url + "/api/me", headers=reader, timeout=10)
        assert me.status_code == 200, me.text
        assert me.json() == {
            "sub": "notes-client",
            "scopes": ["notes:read"],
            "iss": oidc_provider.issuer,
        }
        assert requests.get(url + "/api/notes", headers=reader, timeout=10).status_code == 200
        if framework == "django":  # a plain Django view: the middleware and @jwt_required
            plain = requests.get(url + "/plain/me", headers=reader, timeout=10)
            assert (plain.status_code, plain.json()["sub"]) == (200, "notes-client")

        # Scopes: the provider granted notes:read only.
        write = requests.post(url + "/api/notes", headers=reader, json={"text": "x"}, timeout=10)
        assert (write.status_code, write.json()["code"]) == (403, "insufficient_scope")
        challenge = parse_challenge(write.headers["WWW-Authenticate"])[1]
        assert (challenge["error"], challenge["scope"]) == ("insufficient_scope", "notes:write")
        writer = bearer(oidc_provider.token("notes:write"))
        created = requests.post(url + "/api/notes", headers=writer, json={"text": "x"}, timeout=10)
        assert created.status_code == 201, created.text

        # A token of the same provider for another API (its aud) is not for this one.
        other = bearer(oidc_provider.token("other:read", resource=OTHER_API, client="other-client"))
        refused = requests.get(url + "/api/me", headers=other, timeout=10)
        assert (refused.status_code, refused.json()["code"]) == (401, "audience_invalid")
        assert parse_challenge(refused.headers["WWW-Authenticate"])[1]["error"] == "invalid_token"


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_random_kid_flood_costs_at_most_one_fetch_per_cooldown(
    framework: str, oidc_provider: OpenIDProvider, minter: Minter, tmp_path: Path
) -> None:
    cooldown = 0.5
    env = discovered(oidc_provider, JWKS_REFETCH_COOLDOWN=str(cooldown))
    with serve_api(framework, env, tmp_path) as server:
        url = server.url
        valid = bearer(oidc_provider.token())
        assert requests.get(url + "/api/me", headers=valid, timeout=10).status_code == 200
        before = oidc_provider.hits()
        started = time.monotonic()

        def attack(_: int) -> list[tuple[int, str]]:
            answers = []
            with requests.Session() as session:
                while time.monotonic() - started < 1.6:
                    answer = session.get(
                        url + "/api/me", headers=bearer(forged(minter)), timeout=10
                    )
                    answers.append((answer.status_code, answer.json()["code"]))
            return answers

        with ThreadPoolExecutor(4) as pool:
            answers = [answer for each in pool.map(attack, range(4)) for answer in each]
        elapsed = time.monotonic() - started
        fetches = oidc_provider.hits() - before
        assert set(answers) == {(401, "unknown_key")}, set(answers)
        assert len(answers) > 20, "a flood"
        assert 1 <= fetches <= int(elapsed / cooldown) + 1, (fetches, elapsed, len(answers))
        assert requests.get(url + "/api/me", headers=valid, timeout=10).status_code == 200

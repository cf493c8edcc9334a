"""A provider preset over real HTTP (#14 §3): both example APIs under gunicorn, configured by
``JWTGUARD_PROVIDER`` alone (with the provider's keys served on 127.0.0.1), accept a Cognito
access token and refuse its ID token and another app client's token, from DRF (``/api/me`` in
Django), a plain Django view (``/plain/me``) and Flask (``/api/me``); the examples' development
key, issuer and audience no longer count."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.devkey import DEV_AUDIENCE, DEV_ISSUER, dev_key
from tests.e2e.gunicorn import serve_api
from tests.presets import CASES, PresetCase, check_preset_answer
from tests.provider_tokens import COGNITO_ISSUER, IDPS, TOKENS, jwks_path, keys_server

ENDPOINTS = [
    ("django", "/api/me", True),
    ("django", "/plain/me", False),
    ("flask", "/api/me", False),
]
REFUSED = [
    case for case in CASES if case.idp == "cognito" and case.view == "any" and case.code is not None
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with keys_server() as keys:
        env = {
            "JWTGUARD_PROVIDER": json.dumps(IDPS["cognito"].provider),
            "JWTGUARD_JWKS_URL": keys.url + jwks_path("cognito"),
        }
        directory = tmp_path_factory.mktemp("presets")
        (directory / "django").mkdir()
        (directory / "flask").mkdir()
        with (
            serve_api("django", env, directory / "django") as django,
            serve_api("flask", env, directory / "flask") as flask,
        ):
            yield {"django": django.url, "flask": flask.url}


@pytest.mark.parametrize(("framework", "path", "drf"), ENDPOINTS)
def test_the_providers_access_token_is_accepted(
    servers: dict[str, str], session: requests.Session, framework: str, path: str, drf: bool
) -> None:
    case = next(case for case in CASES if case.name == "cognito access token")
    response = session.get(servers[framework] + path, headers=case.headers(), timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "sub": TOKENS["cognito access"]["sub"],
        "scopes": ["aws.cognito.signin.user.admin", "notes/read"],
        "iss": COGNITO_ISSUER,
    }


@pytest.mark.parametrize(("framework", "path", "drf"), ENDPOINTS)
@pytest.mark.parametrize("case", REFUSED, ids=lambda case: case.name)
def test_the_tokens_the_preset_exists_to_refuse(
    servers: dict[str, str],
    session: requests.Session,
    case: PresetCase,
    framework: str,
    path: str,
    drf: bool,
) -> None:
    response = session.get(servers[framework] + path, headers=case.headers(), timeout=10)
    check_preset_answer(
        case, response.status_code, response.headers.get, response.content, detail=drf
    )


@pytest.mark.parametrize(("framework", "path", "drf"), ENDPOINTS)
def test_the_development_key_no_longer_counts(
    servers: dict[str, str], session: requests.Session, framework: str, path: str, drf: bool
) -> None:
    token = dev_key().token(iss=DEV_ISSUER, aud=DEV_AUDIENCE, sub="alice", scope="notes:read")
    headers = {"Authorization": f"Bearer {token}"}
    response = session.get(servers[framework] + path, headers=headers, timeout=10)
    assert (response.status_code, response.json()["code"]) == (401, "algorithm_not_allowed")

"""The example Django API under gunicorn, over real HTTP: design §2 and §6 end to end.

Keys are generated here and published to the server through a JWKS file (and a PEM file);
nothing is mocked between ``requests`` and the Django process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from jwtguard.testing import SigningKey, b64url, generate_key, parse_challenge
from tests.contract import DESCRIPTIONS
from tests.e2e.servers import ROOT, clean_environment, gunicorn, start, stop

APP = ("config.wsgi", "example_projects/django_api")
ISSUER = "https://idp.e2e.example/"
AUDIENCE = "api://notes-e2e"
REALM = "api"


class Keys:
    def __init__(self) -> None:
        self.ec = generate_key("ES256", kid="e2e-ec")
        self.stranger = generate_key("ES256", kid="e2e-ec")  # same kid, another key
        self.rsa = generate_key("RS256", kid="e2e-rsa")

    def token(self, key: SigningKey | None = None, **claims: Any) -> str:
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "scope": "notes:read"} | claims
        return (key or self.ec).token(**claims)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def api(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example API trusting a JWKS file this test wrote."""
    workdir = tmp_path_factory.mktemp("django-jwks")
    jwks = workdir / "jwks.json"
    jwks.write_text(json.dumps(keys.ec.jwks()))
    env = idp_environment(workdir, "ES256", JWTGUARD_JWKS_FILE=str(jwks))
    with gunicorn(*APP, env=env, log=workdir / "gunicorn.log") as url:
        yield url


def idp_environment(workdir: Path, algorithms: str, **key_source: str) -> dict[str, str]:
    """``JWTGUARD_*`` variables trusting this test's identity provider and ``key_source``."""
    return clean_environment(
        workdir,
        JWTGUARD_ISSUER=ISSUER,
        JWTGUARD_AUDIENCE=AUDIENCE,
        JWTGUARD_ALGORITHMS=algorithms,
        **key_source,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned() -> str:
    return b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(b'{"sub":"alice"}') + "."


def check_refusal(
    response: requests.Response, status: int, code: str, *, detail: bool = False, **extra: str
) -> None:
    """Exact status, ``WWW-Authenticate`` (parsed, in order) and body of design §2."""
    description = extra.pop("description", DESCRIPTIONS[code])
    error = {400: "invalid_request", 401: "invalid_token", 403: "insufficient_scope"}[status]
    if code in ("token_missing", "unsupported_scheme"):
        error, challenge = "unauthorized", {"realm": REALM}
    else:
        challenge = {"realm": REALM, "error": error, "error_description": description, **extra}
    body = {"error": error, "error_description": description, "code": code}
    if detail:
        body["detail"] = description
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content == json.dumps(body, separators=(",", ":")).encode()
    scheme, params = parse_challenge(response.headers["WWW-Authenticate"])
    assert scheme == "Bearer"
    assert list(params.items()) == list(challenge.items())


def test_health_is_public(api: str) -> None:
    response = requests.get(f"{api}/health", timeout=5)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize("path", ["/api/me", "/api/notes", "/plain/me"])
def test_no_token(api: str, path: str) -> None:
    check_refusal(requests.get(f"{api}{path}", timeout=5), 401, "token_missing")


@pytest.mark.parametrize(
    "authorization", ["Basic YWxpY2U6c2VjcmV0", "SSWS 00abcdefABCDEF0123456789"]
)
@pytest.mark.parametrize("path", ["/api/me", "/plain/me"])
def test_wrong_scheme(api: str, authorization: str, path: str) -> None:
    response = requests.get(f"{api}{path}", headers={"Authorization": authorization}, timeout=5)
    check_refusal(response, 401, "unsupported_scheme")


def test_malformed_credentials(api: str) -> None:
    response = requests.get(f"{api}/api/me", headers=bearer("abc,def"), timeout=5)
    check_refusal(response, 400, "malformed_request")


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda k: "not.a-jwt", "token_malformed"),
        (lambda k: k.token(exp=int(time.time()) - 3600), "token_expired"),
        (lambda k: k.token(aud="api://billing"), "audience_invalid"),
        (lambda k: k.token(iss="https://evil.example/"), "issuer_invalid"),
        (lambda k: k.token(k.stranger), "signature_invalid"),
        (lambda k: unsigned(), "algorithm_not_allowed"),
    ],
    ids=["malformed", "expired", "wrong audience", "wrong issuer", "bad signature", "alg none"],
)
@pytest.mark.parametrize("path", ["/api/me", "/api/notes", "/plain/me", "/health"])
def test_invalid_tokens(api: str, keys: Keys, make: Any, code: str, path: str) -> None:
    """Refused everywhere, the public /health included (a bad token is never ignored)."""
    response = requests.get(f"{api}{path}", headers=bearer(make(keys)), timeout=5)
    check_refusal(response, 401, code)


def test_missing_scope(api: str, keys: Keys) -> None:
    response = requests.post(
        f"{api}/api/notes", headers=bearer(keys.token()), json={"text": "hi"}, timeout=5
    )
    check_refusal(response, 403, "insufficient_scope", detail=True, scope="notes:write")


@pytest.mark.parametrize("path", ["/api/me", "/plain/me"])
def test_valid_token(api: str, keys: Keys, path: str) -> None:
    token = keys.token(scope="notes:read profile")
    response = requests.get(f"{api}{path}", headers=bearer(token), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"sub": "alice", "scopes": ["notes:read", "profile"], "iss": ISSUER}


def test_write_then_read_notes(api: str, keys: Keys) -> None:
    writer = bearer(keys.token(sub="bob", scope="notes:write"))
    created = requests.post(f"{api}/api/notes", headers=writer, json={"text": "hello"}, timeout=5)
    assert created.status_code == 201
    note = created.json()
    assert (note["text"], note["owner"]) == ("hello", "bob")
    listed = requests.get(f"{api}/api/notes", headers=bearer(keys.token()), timeout=5)
    assert listed.status_code == 200
    assert note in listed.json()["notes"]
    refused = requests.get(f"{api}/api/notes", headers=writer, timeout=5)
    check_refusal(refused, 403, "insufficient_scope", detail=True, scope="notes:read")


def test_public_key_file(keys: Keys, tmp_path: Path) -> None:
    pem = tmp_path / "public.pem"
    pem.write_bytes(keys.rsa.public_pem())
    env = idp_environment(tmp_path, "RS256", JWTGUARD_PUBLIC_KEY_FILE=str(pem))
    with gunicorn(*APP, env=env, log=tmp_path / "gunicorn.log") as url:
        valid = requests.get(f"{url}/api/me", headers=bearer(keys.token(keys.rsa)), timeout=5)
        assert (valid.status_code, valid.json()["sub"]) == (200, "alice")
        other = requests.get(f"{url}/api/me", headers=bearer(keys.token()), timeout=5)
        check_refusal(other, 401, "algorithm_not_allowed")


def test_development_key_by_default(tmp_path: Path) -> None:
    """With no JWTGUARD_* variable the API trusts the committed development key."""
    devkeys = ROOT / "example_projects" / "devkeys"
    private_key = load_pem_private_key((devkeys / "dev-private-key.pem").read_bytes(), None)
    dev = SigningKey("ES256", private_key, kid="jwtguard-dev-1")
    token = dev.token(iss="https://dev.jwtguard.local/", aud="api://notes", sub="dev")
    with gunicorn(*APP, env=clean_environment(tmp_path), log=tmp_path / "gunicorn.log") as url:
        response = requests.get(f"{url}/api/me", headers=bearer(token), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"sub": "dev", "scopes": [], "iss": "https://dev.jwtguard.local/"}


def test_wrong_configuration_stops_the_server(tmp_path: Path) -> None:
    env = clean_environment(tmp_path, JWTGUARD_ALGORITHMS="none")
    process, _ = start(*APP, env=env, log=tmp_path / "gunicorn.log")
    try:
        process.wait(timeout=15)
    finally:
        stop(process)  # no-op once it exited; kills it if it did not
    log = (tmp_path / "gunicorn.log").read_text()
    assert process.returncode != 0
    assert "ConfigurationError" in log
    assert "ALGORITHMS may not contain 'none'" in log


def test_manage_py_check(tmp_path: Path) -> None:
    """``manage.py check`` is clean by default and names each problem by its check id."""

    def check(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "check"],
            cwd=ROOT / APP[1],
            env=clean_environment(tmp_path, **env),
            capture_output=True,
            text=True,
            check=False,
        )

    clean = check()
    assert clean.returncode == 0, clean.stderr
    assert "no issues" in clean.stdout
    broken = check(JWTGUARD_SECRET="short", JWTGUARD_ALGORITHMS="HS256")
    assert broken.returncode != 0
    assert "(jwtguard.E005) SECRET is 5 bytes" in broken.stderr

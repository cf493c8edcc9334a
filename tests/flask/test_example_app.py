"""The Flask example API in process: design §6 endpoints, dev-key defaults, env configuration."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from jwtguard.testing import SigningKey, generate_key, parse_challenge
from tests.contract import bearer
from tests.devkey import DEV_ISSUER, dev_key

EXAMPLES = Path(__file__).resolve().parents[2] / "example_projects"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``example_projects/flask_api/app.py``, imported with no ``JWTGUARD_*`` in the environment."""
    for name in list(os.environ):
        if name.startswith("JWTGUARD_"):
            monkeypatch.delenv(name)
    spec = importlib.util.spec_from_file_location("flask_api_app", EXAMPLES / "flask_api/app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", name="dev_key")
def dev_key_fixture() -> SigningKey:
    return dev_key()


def dev_token(key: SigningKey, scope: str, issuer: str = DEV_ISSUER) -> dict[str, str]:
    return bearer(key.token(iss=issuer, aud="api://notes", sub="alice", scope=scope))


def test_endpoints_on_the_development_key(example: ModuleType, dev_key: SigningKey) -> None:
    app: Flask = example.create_app()
    client = app.test_client()
    reader, writer = dev_token(dev_key, "notes:read"), dev_token(dev_key, "notes:write")

    assert client.get("/health").get_json() == {"status": "ok"}
    assert client.get("/api/me", headers=reader).get_json() == {
        "sub": "alice",
        "scopes": ["notes:read"],
        "iss": DEV_ISSUER,
    }
    missing = client.get("/api/me")
    assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
    assert client.get("/api/notes", headers=reader).get_json() == []
    assert client.get("/api/notes", headers=writer).status_code == 403

    created = client.post("/api/notes", headers=writer, json={"text": "hello"})
    assert (created.status_code, created.get_json()) == (
        201,
        {"id": 1, "text": "hello", "author": "alice"},
    )
    assert client.get("/api/notes", headers=reader).get_json() == [created.get_json()]
    assert client.post("/api/notes", headers=writer, json={"text": " "}).status_code == 400
    refused = client.post("/api/notes", headers=reader, json={"text": "hi"})
    assert refused.status_code == 403
    assert parse_challenge(refused.headers["WWW-Authenticate"])[1]["scope"] == "notes:write"


def test_environment_replaces_the_development_key(
    example: ModuleType, dev_key: SigningKey, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = generate_key("RS256", kid="prod-1")
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(key.jwks()))
    monkeypatch.setenv("JWTGUARD_JWKS_FILE", str(jwks))
    monkeypatch.setenv("JWTGUARD_ALGORITHMS", "RS256")
    monkeypatch.setenv("JWTGUARD_ISSUER", "https://idp.example.com/")
    monkeypatch.setenv("JWTGUARD_REALM", "notes")
    client = example.create_app().test_client()

    accepted = client.get("/api/me", headers=dev_token(key, "a b", "https://idp.example.com/"))
    assert accepted.get_json() == {
        "sub": "alice",
        "scopes": ["a", "b"],
        "iss": "https://idp.example.com/",
    }
    refused = client.get("/api/me", headers=dev_token(dev_key, "notes:read"))
    assert refused.get_json()["code"] == "algorithm_not_allowed"
    assert parse_challenge(refused.headers["WWW-Authenticate"])[1]["realm"] == "notes"


PAGE_ORIGIN = "https://notes.example.com"
ALLOW_ORIGIN = "Access-Control-Allow-Origin"


def preflight(client: FlaskClient, origin: str = PAGE_ORIGIN) -> TestResponse:
    """What a browser sends before a JSON POST with a bearer token from ``origin``."""
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    return client.options("/api/notes", headers=headers)


def test_no_other_origin_is_allowed_by_default(
    example: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS", raising=False)
    client = example.create_app().test_client()
    assert ALLOW_ORIGIN not in preflight(client).headers
    refused = client.get("/api/me", headers={"Origin": PAGE_ORIGIN})
    assert (refused.status_code, refused.headers.get(ALLOW_ORIGIN)) == (401, None)


def test_cors_allowed_origins(example: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f" {PAGE_ORIGIN} , http://localhost:5173,")
    client = example.create_app().test_client()
    answered = preflight(client)
    assert (answered.status_code, answered.headers[ALLOW_ORIGIN]) == (200, PAGE_ORIGIN)
    assert answered.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    refused = client.get("/api/me", headers={"Origin": "http://localhost:5173"})
    assert (refused.status_code, refused.headers[ALLOW_ORIGIN]) == (401, "http://localhost:5173")
    exposed = refused.headers["Access-Control-Expose-Headers"]
    assert "WWW-Authenticate" in [name.strip() for name in exposed.split(",")]
    assert ALLOW_ORIGIN not in preflight(client, "https://notes.example.com.evil.test").headers
    assert ALLOW_ORIGIN not in preflight(client, "http://notes.example.com").headers


@pytest.mark.parametrize(
    "value",
    ["*", "https://*.example.com", "https://notes.example.com/", "notes.example.com", "ftp://a.b"],
)
def test_cors_allowed_origins_are_exact_origins(
    example: ModuleType, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """flask-cors would read ``*`` as every origin and other values as patterns: refused."""
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{PAGE_ORIGIN},{value}")
    with pytest.raises(ValueError, match=rf"CORS_ALLOWED_ORIGINS: {re.escape(repr(value))} is not"):
        example.create_app()

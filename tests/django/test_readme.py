"""The README's Django and DRF snippets, run as written: settings and views under Django."""

from __future__ import annotations

import json
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from corsheaders.checks import check_settings as cors_checks
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, override_settings
from django.urls import path

from jwtguard_django import get_revocations
from jwtguard_django.checks import check_middleware, check_rest_framework, check_settings
from jwtguard_django.conf import build_settings, get_guard
from jwtguard_django.stores import DjangoCacheStore
from tests.contract import ISSUER, Minter, bearer
from tests.servers import serve_wsgi
from tests.test_readme import readme_blocks


def run(name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"readme_{name.replace('-', '_')}"}
    exec(compile(readme_blocks()[name], f"README.md[{name}]", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture
def readme_settings(minter: Minter, tmp_path: Path) -> dict[str, Any]:
    """The settings snippet, with its JWKS file standing for the identity provider's keys."""
    settings = run("django-settings")
    jwks = tmp_path / "idp-jwks.json"
    jwks.write_text(json.dumps(minter.jwks()))
    assert settings["JWTGUARD"]["JWKS_FILE"] == "/etc/notes-api/idp-jwks.json"
    settings["JWTGUARD"] = {**settings["JWTGUARD"], "JWKS_FILE": str(jwks)}
    return settings


@pytest.fixture
def readme_project(readme_settings: dict[str, Any]) -> Iterator[None]:
    """The views snippet behind the settings snippet's middleware, JWTGUARD and DRF settings."""
    views = types.ModuleType("readme_django_views")
    vars(views).update(run("django-views"))
    urls = types.ModuleType("readme_django_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("notes", views.NotesView.as_view()),
        path("plain/notes", views.plain_notes),
        path("health", views.health),
    ]
    sys.modules[urls.__name__] = urls
    try:
        with override_settings(
            ROOT_URLCONF=urls.__name__,
            MIDDLEWARE=readme_settings["MIDDLEWARE"],
            JWTGUARD=readme_settings["JWTGUARD"],
            REST_FRAMEWORK=readme_settings["REST_FRAMEWORK"],
        ):
            yield
    finally:
        del sys.modules[urls.__name__]


def test_settings_snippet_builds_a_clean_configuration(readme_settings: dict[str, Any]) -> None:
    assert "jwtguard_django" in readme_settings["INSTALLED_APPS"]
    built = build_settings(readme_settings["JWTGUARD"])
    assert (built.mode, built.user_resolver) == ("enforce", None)
    assert built.guard.config.audience == "api://notes"
    with override_settings(
        MIDDLEWARE=readme_settings["MIDDLEWARE"], REST_FRAMEWORK=readme_settings["REST_FRAMEWORK"]
    ):
        assert check_middleware() == []
        assert check_rest_framework() == []


def _code(response: Any) -> str:
    return str(json.loads(response.content)["code"])


@pytest.mark.usefixtures("readme_project")
def test_views_snippet(minter: Minter) -> None:
    client = Client()
    reader = bearer(minter.token())
    assert client.get("/notes", headers=reader).json() == {"owner": "alice", "notes": []}
    refused = client.post("/notes", headers=reader)
    assert (refused.status_code, _code(refused)) == (403, "insufficient_scope")
    assert refused.headers["WWW-Authenticate"].endswith('scope="notes:write"')
    assert json.loads(refused.content)["detail"] == "The access token lacks the required scope"
    writer = bearer(minter.token(scope="notes:write"))
    assert client.post("/notes", headers=writer).status_code == 201

    assert client.get("/plain/notes", headers=reader).json()["sub"] == "alice"
    assert _code(client.get("/plain/notes", headers=writer)) == "insufficient_scope"
    assert _code(client.get("/plain/notes")) == "token_missing"
    assert _code(client.get("/notes", headers={"Authorization": "Basic YTpi"})) == (
        "unsupported_scheme"
    )

    assert client.get("/health").json() == {"status": "ok"}
    expired = bearer(minter.token(now=0))
    assert _code(client.get("/health", headers=expired)) == "token_expired"


@pytest.mark.usefixtures("readme_project")
def test_a_spoofed_preflight_over_http_runs_no_view(minter: Minter) -> None:
    """The README's project (no CORS layer) under a real HTTP server: ``OPTIONS`` with
    ``Access-Control-Request-Method`` is authenticated like any request, in every path."""
    spoof = {"Access-Control-Request-Method": "POST", "Origin": "https://evil.example"}
    with serve_wsgi(WSGIHandler()) as url:
        for path in ("/notes", "/plain/notes"):
            response = requests.options(url + path, headers=spoof, timeout=10)
            assert (response.status_code, response.json()["code"]) == (401, "token_missing")
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        reader = requests.options(url + "/plain/notes", headers=bearer(minter.token()), timeout=10)
        assert reader.json()["sub"] == "alice", "with a token, OPTIONS reaches the view"


def test_stores_snippet(minter: Minter, tmp_path: Path, redis_url: str) -> None:
    """The cache and JWTGUARD settings of the README, on the test's own redis-server."""
    settings = run("django-stores")
    jwks = tmp_path / "idp-jwks.json"
    jwks.write_text(json.dumps(minter.jwks()))
    caches = settings["CACHES"]
    caches["default"]["LOCATION"] = redis_url
    jwtguard = {
        **settings["JWTGUARD"],
        "JWKS_FILE": str(jwks),
        "ISSUER": ISSUER,
        "ALGORITHMS": ["RS256"],
    }
    token = bearer(minter.token(now=time.time() - 10))
    with override_settings(CACHES=caches, JWTGUARD=jwtguard):
        client = Client()
        assert client.get("/plain/", headers=token).status_code == 200
        assert isinstance(get_guard().validator.store, DjangoCacheStore)
        get_revocations().revoke_subject("alice")
        assert _code(client.get("/plain/", headers=token)) == "token_revoked"
        assert check_settings() == []


PAGE = {"Origin": "https://notes.example.com"}


@pytest.mark.usefixtures("readme_project")
def test_cors_snippet(minter: Minter) -> None:
    """django-cors-headers as the README sets it up: it answers the preflight above jwtguard
    (no view runs), and a page on the listed origin can read refusals and their challenge."""
    settings = run("django-cors")
    assert "corsheaders" in settings["INSTALLED_APPS"]
    cors = {name: value for name, value in settings.items() if name.startswith("CORS_")}
    with override_settings(MIDDLEWARE=settings["MIDDLEWARE"], **cors):
        assert check_middleware() == []
        assert cors_checks() == []
        client = Client()
        request = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        }
        preflight = client.options("/notes", headers=PAGE | request)
        assert (preflight.status_code, preflight.content) == (200, b"")
        assert "Allow" not in preflight.headers  # a view's OPTIONS answer would list methods
        assert preflight.headers["Access-Control-Allow-Origin"] == PAGE["Origin"]
        assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"

        reader = PAGE | bearer(minter.token())
        for refused, status in (
            (client.get("/plain/notes", headers=PAGE), 401),
            (client.post("/notes", headers=reader), 403),
        ):
            assert refused.status_code == status
            assert refused.headers["Access-Control-Allow-Origin"] == PAGE["Origin"]
            exposed = refused.headers["Access-Control-Expose-Headers"]
            assert exposed == "WWW-Authenticate, Retry-After"
        assert client.get("/notes", headers=reader).status_code == 200
        other = client.get("/plain/notes", headers={"Origin": "https://notes.example.com.evil"})
        assert "Access-Control-Allow-Origin" not in other.headers

"""The Django and DRF examples of the README and the docs, run as written under Django."""

from __future__ import annotations

import json
import sys
import time
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from corsheaders.checks import check_settings as cors_checks
from django.core.handlers.wsgi import WSGIHandler
from django.test import Client, override_settings
from django.urls import path

from jwtguard.testing import generate_key
from jwtguard_django import get_revocations
from jwtguard_django.checks import check_middleware, check_rest_framework, check_settings
from jwtguard_django.conf import build_settings, get_guard
from jwtguard_django.stores import DjangoCacheStore
from tests.contract import ISSUER, Minter, bearer
from tests.doc_blocks import run_block, run_sh
from tests.servers import recording_server, serve_wsgi


def run(name: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"readme_{name.replace('-', '_')}", **names}
    return run_block(name, namespace)


@pytest.fixture
def readme_settings(minter: Minter, tmp_path: Path) -> dict[str, Any]:
    """The settings of the Django and DRF pages, trusting the contract's keys and issuer."""
    settings = run("django-settings", BASE_DIR=tmp_path)
    drf = run("drf-settings")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "jwks.json").write_text(json.dumps(minter.jwks()))
    assert settings["JWTGUARD"]["JWKS_FILE"] == str(tmp_path / "keys" / "jwks.json")
    settings["JWTGUARD"] = {**settings["JWTGUARD"], "ISSUER": ISSUER, "ALGORITHMS": ["RS256"]}
    settings["REST_FRAMEWORK"] = drf["REST_FRAMEWORK"]
    settings["INSTALLED_APPS"] = drf["INSTALLED_APPS"]
    return settings


def _urlconf(name: str, patterns: list[Any]) -> types.ModuleType:
    urls = types.ModuleType(name)
    urls.urlpatterns = patterns  # type: ignore[attr-defined]
    return urls


@contextmanager
def _project(urls: types.ModuleType, **settings: Any) -> Iterator[None]:
    sys.modules[urls.__name__] = urls
    try:
        with override_settings(ROOT_URLCONF=urls.__name__, **settings):
            yield
    finally:
        del sys.modules[urls.__name__]


@pytest.fixture
def readme_project(readme_settings: dict[str, Any]) -> Iterator[None]:
    """The views of the Django and DRF pages behind their middleware, JWTGUARD and DRF settings."""
    views = run("django-views")
    drf = run("drf-views")
    urls = _urlconf(
        "readme_django_urls", [*views["urlpatterns"], path("drf/notes", drf["NotesView"].as_view())]
    )
    with _project(
        urls,
        MIDDLEWARE=readme_settings["MIDDLEWARE"],
        JWTGUARD=readme_settings["JWTGUARD"],
        REST_FRAMEWORK=readme_settings["REST_FRAMEWORK"],
    ):
        yield


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
    assert client.get("/drf/notes", headers=reader).json() == {"owner": "alice", "notes": []}
    refused = client.post("/drf/notes", headers=reader)
    assert (refused.status_code, _code(refused)) == (403, "insufficient_scope")
    assert refused.headers["WWW-Authenticate"].endswith('scope="notes:write"')
    assert json.loads(refused.content)["detail"] == "The access token lacks the required scope"
    writer = bearer(minter.token(scope="notes:write"))
    assert client.post("/drf/notes", headers=writer).status_code == 201

    assert client.get("/notes/", headers=reader).json()["sub"] == "alice"
    assert _code(client.get("/notes/", headers=writer)) == "insufficient_scope"
    assert _code(client.get("/notes/")) == "token_missing"
    assert _code(client.get("/drf/notes", headers={"Authorization": "Basic YTpi"})) == (
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
        for path in ("/drf/notes", "/notes/"):
            response = requests.options(url + path, headers=spoof, timeout=10)
            assert (response.status_code, response.json()["code"]) == (401, "token_missing")
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        reader = requests.options(url + "/notes/", headers=bearer(minter.token()), timeout=10)
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
        preflight = client.options("/drf/notes", headers=PAGE | request)
        assert (preflight.status_code, preflight.content) == (200, b"")
        assert "Allow" not in preflight.headers  # a view's OPTIONS answer would list methods
        assert preflight.headers["Access-Control-Allow-Origin"] == PAGE["Origin"]
        assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"

        reader = PAGE | bearer(minter.token())
        for refused, status in (
            (client.get("/notes/", headers=PAGE), 401),
            (client.post("/drf/notes", headers=reader), 403),
        ):
            assert refused.status_code == status
            assert refused.headers["Access-Control-Allow-Origin"] == PAGE["Origin"]
            exposed = refused.headers["Access-Control-Expose-Headers"]
            assert exposed == "WWW-Authenticate, Retry-After"
        assert client.get("/drf/notes", headers=reader).status_code == 200
        other = client.get("/notes/", headers={"Origin": "https://notes.example.com.evil"})
        assert "Access-Control-Allow-Origin" not in other.headers


def test_first_token_walkthrough(tmp_path: Path) -> None:
    """The Django page's steps 1 to 3 as a new user runs them: ``jwtguard keygen`` and ``mint``
    in the project directory, the settings with startproject's ``BASE_DIR``, the views."""
    completed = run_sh("django-first-token", tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    token = (tmp_path / "token.txt").read_text().strip()
    settings = run("django-settings", BASE_DIR=tmp_path)
    urls = _urlconf("first_token_urls", run("django-views")["urlpatterns"])
    with _project(urls, MIDDLEWARE=settings["MIDDLEWARE"], JWTGUARD=settings["JWTGUARD"]):
        assert check_settings() == []
        client = Client()
        notes = client.get("/notes/", headers=bearer(token))
        assert notes.json() == {"sub": "alice", "scopes": ["notes:read"]}
        missing = client.get("/notes/")
        assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (
            401,
            'Bearer realm="api"',
        )
        assert client.get("/health").json() == {"status": "ok"}


def test_admin_needs_its_exempt_path_or_annotate_mode(readme_settings: dict[str, Any]) -> None:
    """Enforce mode answers Django's admin with a 401 JSON; the page's EXEMPT_PATHS (or
    annotate mode) give it back its sessions, and a bad token there is still refused."""
    from django.contrib.admin import AdminSite  # noqa: PLC0415

    urls = _urlconf("admin_urls", [path("admin/", AdminSite().urls)])  # Django's admin views
    base = readme_settings["JWTGUARD"]
    exempted = {**base, **run("django-admin")["JWTGUARD"]}
    assert exempted["EXEMPT_PATHS"] == [r"/health", r"/admin/.*"]
    for jwtguard, status in (
        (base, 401),
        (exempted, 302),
        ({**base, "MODE": "annotate"}, 302),
    ):
        with _project(urls, MIDDLEWARE=readme_settings["MIDDLEWARE"], JWTGUARD=jwtguard):
            client = Client()
            response = client.get("/admin/")
            assert response.status_code == status
            if status == 401:
                assert _code(response) == "token_missing"
            else:  # the admin's own answer: its login page
                assert response.headers["Location"] == "/admin/login/?next=/admin/"
            bad = client.get("/admin/", headers={"Authorization": "Bearer not.a.jwt"})
            assert _code(bad) == "token_malformed"


README_JWKS_URL = "https://idp.example.com/.well-known/jwks.json"


@contextmanager
def _readme_example(name: str, minter: Minter) -> Iterator[dict[str, Any]]:
    """A README example with its JWKS_URL pointed at a real key server on this machine."""
    with recording_server() as server:
        server.serve_json("/.well-known/jwks.json", minter.jwks())
        namespace = run(name)
        if "JWTGUARD" in namespace:
            assert namespace["JWTGUARD"]["JWKS_URL"] == README_JWKS_URL
            url = server.url + "/.well-known/jwks.json"
            namespace["JWTGUARD"] = {**namespace["JWTGUARD"], "JWKS_URL": url}
        yield namespace


def test_readme_django_example(minter: Minter) -> None:
    with _readme_example("readme-django", minter) as example:
        urls = _urlconf("readme_landing_urls", [path("notes", example["notes"])])
        with _project(urls, MIDDLEWARE=example["MIDDLEWARE"], JWTGUARD=example["JWTGUARD"]):
            client = Client()
            assert client.get("/notes", headers=bearer(minter.token())).json() == {"sub": "alice"}
            refused = client.get("/notes", headers=bearer(minter.token(scope="notes:write")))
            assert (refused.status_code, _code(refused)) == (403, "insufficient_scope")
            assert _code(client.get("/notes")) == "token_missing"


def test_readme_drf_example(minter: Minter) -> None:
    with (
        _readme_example("readme-django", minter) as django,
        _readme_example("readme-drf", minter) as drf,
    ):
        urls = _urlconf("readme_drf_urls", [path("notes", drf["NotesView"].as_view())])
        with _project(
            urls,
            MIDDLEWARE=[],  # DRF's classes alone
            JWTGUARD=django["JWTGUARD"],
            REST_FRAMEWORK=drf["REST_FRAMEWORK"],
        ):
            client = Client()
            reader = bearer(minter.token())
            assert client.get("/notes", headers=reader).json() == {"sub": "alice", "notes": []}
            refused = client.post("/notes", headers=reader)
            assert (refused.status_code, _code(refused)) == (403, "insufficient_scope")
            writer = bearer(minter.token(scope="notes:write"))
            assert client.post("/notes", headers=writer).status_code == 201
            missing = client.get("/notes")
            assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (
                401,
                'Bearer realm="api"',
            )


def test_cognito_recipe_refuses_other_app_clients_and_id_tokens(
    readme_settings: dict[str, Any],
) -> None:
    """The Cognito recipe under the middleware, with no code of the application's: only access
    tokens of the listed app clients get through; a client is never told which ones."""
    key = generate_key("RS256", kid="cognito-1")
    recipe = run("recipe-cognito")["JWTGUARD"]
    urls = _urlconf("cognito_urls", run("django-views")["urlpatterns"])
    claims = {"iss": recipe["ISSUER"], "sub": "u-1", "scope": "notes:read", "token_use": "access"}
    ours = {"client_id": "1example23456789"}
    with _project(
        urls, MIDDLEWARE=readme_settings["MIDDLEWARE"], JWTGUARD={**recipe, "JWKS": key.jwks()}
    ):
        client = Client()
        accepted = client.get("/notes/", headers=bearer(key.token(**claims, **ours)))
        assert accepted.json()["sub"] == "u-1"
        for refused_claims, code in (
            (claims | {"client_id": "another-app-client"}, "audience_invalid"),
            (claims, "claim_missing"),
            (claims | ours | {"token_use": "id"}, "claim_invalid"),
            (claims | ours | {"aud": "1example23456789"}, "audience_invalid"),  # an ID token's
        ):
            refused = client.get("/notes/", headers=bearer(key.token(**refused_claims)))
            assert (refused.status_code, _code(refused)) == (401, code)
            challenge = refused.headers["WWW-Authenticate"]
            assert "1example23456789" not in refused.content.decode() + challenge
            assert "access" not in refused.json()["error_description"].replace("access token", "")

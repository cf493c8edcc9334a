"""Claim rules and the audience fallback (issue 14 §1) over real HTTP: both example APIs under
gunicorn, configured by ``JWTGUARD_CLAIM_RULES`` and ``JWTGUARD_AUDIENCE_FALLBACK`` as JSON in
the environment, answer the shared table of claim-rule requests from DRF (``/api/me`` in Django),
a plain Django view (``/plain/me``) and Flask (``/api/me``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.answers import check_error_answer
from tests.claim_rule_table import SCENARIOS, SETTINGS, reveals
from tests.contract import Minter, Scenario
from tests.e2e.gunicorn import Server, django_environment, serve
from tests.e2e.notes_api import EXPECTED_ME, contract_environment

APPS = {"django_api": "config.wsgi", "flask_api": "app:create_app()"}
#: Each endpoint, the app serving it, and whether DRF answers (adding ``detail``).
ENDPOINTS = [("django_api", "/api/me", True), ("django_api", "/plain/me", False)]
ENDPOINTS += [("flask_api", "/api/me", False)]


def environment(project: str, directory: Path, jwks_file: Path) -> dict[str, str]:
    rules = {f"JWTGUARD_{name}": json.dumps(value) for name, value in SETTINGS.items()}
    env = contract_environment(jwks_file) | rules
    return django_environment(directory, **env) if project == "django_api" else env


@pytest.fixture(scope="module")
def servers(minter: Minter, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    urls: dict[str, Server] = {}
    directory = tmp_path_factory.mktemp("claim_rules")
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps(minter.jwks()))
    django_dir, flask_dir = directory / "django", directory / "flask"
    django_dir.mkdir()
    flask_dir.mkdir()
    with (
        serve(
            "django_api",
            APPS["django_api"],
            environment("django_api", django_dir, jwks_file),
            django_dir / "gunicorn.log",
        ) as urls["django_api"],
        serve(
            "flask_api",
            APPS["flask_api"],
            environment("flask_api", flask_dir, jwks_file),
            flask_dir / "gunicorn.log",
        ) as urls["flask_api"],
    ):
        yield {name: server.url for name, server in urls.items()}


@pytest.mark.parametrize(("project", "path", "drf"), ENDPOINTS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_claim_rules_over_http(
    servers: dict[str, str],
    session: requests.Session,
    minter: Minter,
    scenario: Scenario,
    project: str,
    path: str,
    drf: bool,
) -> None:
    response = session.get(servers[project] + path, headers=scenario.headers(minter), timeout=10)
    if scenario.code is None:
        assert response.status_code == 200, response.text
        assert response.json()["sub"] == EXPECTED_ME["sub"]
        return
    check_error_answer(
        scenario, response.status_code, response.headers.get, response.content, detail=drf
    )
    assert reveals(response.text, response.headers["WWW-Authenticate"]) == []

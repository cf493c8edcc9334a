"""A feature's scenario table over real HTTP: both example APIs under gunicorn, configured by a
feature's ``JWTGUARD_*`` environment, and the check of each endpoint's answer to a scenario."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.answers import check_error_answer
from tests.contract import Minter, Scenario
from tests.e2e.gunicorn import serve_api
from tests.e2e.notes_api import EXPECTED_ME

#: Each endpoint, the example API serving it, and whether DRF answers (adding ``detail``).
ENDPOINTS = [("django_api", "/api/me", True), ("django_api", "/plain/me", False)]
ENDPOINTS += [("flask_api", "/api/me", False)]

#: What a refusal told its client of the values the feature's settings hold (there should be none).
Reveals = Callable[[str, str], list[str]]


@contextmanager
def serve_both(
    minter: Minter, directory: Path, environment: Callable[[Path], dict[str, str]]
) -> Iterator[dict[str, str]]:
    """Both example APIs (their base URLs by project), each with ``environment(jwks_file)``: the
    ``JWTGUARD_*`` variables trusting the minter's JWK Set, written to ``directory``."""
    jwks_file = directory / "jwks.json"
    jwks_file.write_text(json.dumps(minter.jwks()))
    env = environment(jwks_file)
    django_dir, flask_dir = directory / "django", directory / "flask"
    django_dir.mkdir()
    flask_dir.mkdir()
    with (
        serve_api("django", env, django_dir) as django,
        serve_api("flask", env, flask_dir) as flask,
    ):
        yield {"django_api": django.url, "flask_api": flask.url}


def check_over_http(
    session: requests.Session,
    url: str,
    scenario: Scenario,
    minter: Minter,
    reveals: Reveals,
    *,
    drf: bool,
) -> None:
    """The exact answer of ``url`` to ``scenario``; a refusal reveals none of the settings'
    values."""
    response = session.get(url, headers=scenario.headers(minter), timeout=10)
    if scenario.code is None:
        assert response.status_code == 200, response.text
        assert response.json()["sub"] == EXPECTED_ME["sub"]
        return
    check_error_answer(
        scenario, response.status_code, response.headers.get, response.content, detail=drf
    )
    assert reveals(response.text, response.headers["WWW-Authenticate"]) == []


def over_http_test(scenarios: Sequence[Scenario], reveals: Reveals) -> Callable[..., None]:
    """The test of ``scenarios`` at every endpoint (:data:`ENDPOINTS`) of the module's
    ``servers`` fixture (their base URLs by project), checked by :func:`check_over_http`."""

    @pytest.mark.parametrize(("project", "path", "drf"), ENDPOINTS)
    @pytest.mark.parametrize("scenario", scenarios, ids=lambda s: s.name)
    def test_over_http(
        servers: dict[str, str],
        session: requests.Session,
        minter: Minter,
        scenario: Scenario,
        project: str,
        path: str,
        drf: bool,
    ) -> None:
        check_over_http(session, servers[project] + path, scenario, minter, reveals, drf=drf)

    return test_over_http

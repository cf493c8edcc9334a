"""Provider presets through Flask (#14 §3): every case of :mod:`tests.presets`, with only
``JWTGUARD_PROVIDER`` (and the provider's keys) in the app's config, in every way a Flask view
is protected (``@jwt_required`` on sync and async views, ``JWTGuard.protect`` on a blueprint and
on the whole app, ``verify_request``): the same answers as the core's and Django's."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest
from flask import Flask

from jwtguard import ConfigurationError
from jwtguard_flask import JWTGuard
from tests.flask import entry_points
from tests.flask.conftest import MODES
from tests.presets import CASES, VIEWS, PresetCase, check_preset_answer
from tests.provider_tokens import IDPS, keys_server, settings_of


def build(settings: dict[str, Any], mode: str, only: str | None = None) -> Flask:
    """An app serving ``/presets/<view>`` for every view (``only``: that one, the whole app
    protected), protected by ``mode``."""
    return entry_points.build("presets", settings, VIEWS, mode, only)


@pytest.fixture(scope="module")
def keys_url() -> Iterator[str]:
    with keys_server() as server:
        yield server.url


@pytest.fixture(scope="module")
def apps(keys_url: str) -> Callable[..., Flask]:
    return cache(lambda idp, mode, only=None: build(settings_of(idp, keys_url), mode, only))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_case(apps: Callable[..., Flask], case: PresetCase, mode: str) -> None:
    app = apps(case.idp, mode, case.view if mode == "app" else None)
    response = app.test_client().get(f"/presets/{case.view}", headers=case.headers())
    check_preset_answer(case, response.status_code, response.headers.get, response.data)


@pytest.mark.parametrize("idp", sorted(IDPS))
def test_the_provider_as_the_environment_gives_it(keys_url: str, idp: str) -> None:
    """``JWTGUARD_PROVIDER`` (and a ``JWTGUARD_JWKS``) as JSON text in the app's config."""
    settings = settings_of(idp, keys_url)
    text = {name: v if isinstance(v, str) else json.dumps(v) for name, v in settings.items()}
    client = build(text, "decorator").test_client()
    for case in [case for case in CASES if case.idp == idp]:
        response = client.get(f"/presets/{case.view}", headers=case.headers())
        check_preset_answer(case, response.status_code, response.headers.get, response.data)


def test_a_wrong_provider_stops_init_app() -> None:
    app = Flask("wrong")
    app.config["JWTGUARD_PROVIDER"] = {"name": "keycloak", "url": "https://kc.example.com"}
    with pytest.raises(ConfigurationError) as caught:
        JWTGuard(app)
    [issue] = caught.value.issues
    assert (issue.setting, issue.code) == ("PROVIDER", "provider_invalid")
    assert issue.message == "PROVIDER: keycloak: realm is required: the realm"


def test_the_explain_command_names_the_preset_and_the_failed_rule(keys_url: str) -> None:
    """``flask jwtguard explain``: the app's preset heads the report, and Google's hosted
    domain rule is the step that refuses an account of another domain."""
    case = next(case for case in CASES if case.name == "google another hosted domain")
    app = build(settings_of("google", keys_url), "decorator")
    result = app.test_cli_runner().invoke(args=["jwtguard", "explain", case.mint()])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert lines[0] == (
        'REFUSED: 401 claim_invalid (the client is told: "The access token\'s hd claim is invalid")'
    )
    assert lines[1].startswith('  provider google (client_ids ["1234567890-abc123def456')
    assert "    keys: yours: JWKS_URL" in lines
    assert (
        '  [FAIL] claim rule: hd one_of ["example.com"]: hd must be one of ["example.com"], '
        'found "evil.example" (CLAIM_RULES)' in lines
    )

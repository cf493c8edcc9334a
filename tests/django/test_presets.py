"""Provider presets through Django (#14 §3): every case of :mod:`tests.presets`, with only
``PROVIDER`` (and the provider's keys) in ``JWTGUARD``, answered by the middleware (sync and
async views; the cases a token alone decides), by ``@jwt_required`` (sync and async, alone and
behind an annotating middleware) and by DRF's ``HasScopes`` + ``HasRoles`` (in every stack):
the same status, challenge and body everywhere."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import AsyncClient, Client, override_settings

from jwtguard_django.checks import check_settings
from jwtguard_django.conf import read_options
from tests.django.stacks import DRF_STACKS, drf_stack, wire
from tests.presets import CASES, PresetCase, check_preset_answer
from tests.provider_tokens import COGNITO_ISSUER, IDPS, keys_server, settings_of

pytestmark = pytest.mark.urls("tests.django.preset_views")

TOKEN_ALONE = [case for case in CASES if case.status != 403]  # the middleware's own answers


def _name(case: PresetCase) -> str:
    return case.name


@pytest.fixture(scope="module")
def keys_url() -> Iterator[str]:
    with keys_server() as server:
        yield server.url


@pytest.fixture
def preset_setting(request: pytest.FixtureRequest, keys_url: str) -> Iterator[dict[str, Any]]:
    case: PresetCase = request.getfixturevalue("case")
    value = settings_of(case.idp, keys_url)
    with override_settings(JWTGUARD=value):
        yield value


@pytest.fixture(params=["without middleware", "annotating middleware"])
def decorator_stack(
    request: pytest.FixtureRequest, preset_setting: dict[str, Any]
) -> Iterator[None]:
    if request.param == "without middleware":
        with override_settings(MIDDLEWARE=[]):
            yield
    else:
        with override_settings(JWTGUARD={**preset_setting, "MODE": "annotate"}):
            yield


def check(response: Any, case: PresetCase, *, drf: bool = False) -> None:
    status, header, body = response.status_code, response.headers.get, response.content
    check_preset_answer(case, status, header, body, detail=drf)


@pytest.mark.usefixtures("preset_setting")
@pytest.mark.parametrize("case", TOKEN_ALONE, ids=_name)
@pytest.mark.parametrize("path", ["/presets/plain/", "/presets/async-plain/"])
def test_middleware(case: PresetCase, path: str) -> None:
    response = Client().get(path, headers=case.headers())
    check(response, case)


@pytest.mark.usefixtures("preset_setting")
@pytest.mark.parametrize("case", TOKEN_ALONE, ids=_name)
async def test_middleware_in_an_async_stack(case: PresetCase) -> None:
    response = await AsyncClient().get("/presets/async-plain/", headers=case.headers())
    check(response, case)


@pytest.mark.usefixtures("decorator_stack")
@pytest.mark.parametrize("case", CASES, ids=_name)
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_jwt_required(case: PresetCase, kind: str) -> None:
    response = Client().get(f"/presets/{kind}/{case.view}/", headers=case.headers())
    check(response, case)


@pytest.mark.parametrize("case", CASES, ids=_name)
def test_drf(case: PresetCase, preset_setting: dict[str, Any]) -> None:
    """HasScopes then HasRoles: byte for byte the same with or without the middleware."""
    answers = {}
    for stack in DRF_STACKS:
        with drf_stack(stack, preset_setting):
            response = Client().get(f"/presets/drf/{case.view}/", headers=case.headers())
        check(response, case, drf=True)
        answers[stack] = wire(response)
        if case.code is None:
            assert response.json()["auth"] is True
    assert len(set(answers.values())) == 1, answers


def test_a_wrong_provider_is_a_system_check_error(keys_url: str) -> None:
    wrong = {**settings_of("cognito", keys_url), "PROVIDER": {"name": "cognito"}}
    with override_settings(JWTGUARD=wrong):
        messages = check_settings()
    assert {message.id for message in messages} == {"jwtguard.E006"}
    assert messages[0].msg == ("PROVIDER: cognito: region is required: the user pool's AWS region")


def test_every_provider_is_run() -> None:
    assert {case.idp for case in CASES} == set(IDPS)


def test_a_provider_in_the_environment_replaces_what_the_dict_says_of_it(
    keys_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``ENV_PREFIX``, ``JWTGUARD_PROVIDER`` takes over the issuer, audience and keys of the
    ``JWTGUARD`` dict (its development key never lingers); the dict's other keys stay."""
    development = {
        "ISSUER": "https://dev.example.com/",
        "AUDIENCE": "api://dev",
        "SECRET": "a development secret, 32 bytes long!",
        "ALGORITHMS": ["HS256"],
        "MODE": "annotate",
        "ENV_PREFIX": "JWTGUARD_",
    }
    environ = {
        "JWTGUARD_PROVIDER": json.dumps(IDPS["cognito"].provider),
        "JWTGUARD_JWKS_URL": keys_url + "/cognito/keys",
    }
    options = read_options(development, environ)
    assert options.mode == "annotate"
    config = options.config
    assert (config.secret, config.audience, config.algorithms) == (None, None, ("RS256",))
    assert config.issuer == COGNITO_ISSUER
    case = next(case for case in CASES if case.name == "cognito ID token")
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with override_settings(JWTGUARD=development):
        response = Client().get("/presets/sync/any/", headers=case.headers())
    check(response, case)


@pytest.mark.parametrize("idp", sorted(IDPS))
def test_a_preset_alone_passes_the_system_checks(keys_url: str, idp: str) -> None:
    with override_settings(JWTGUARD=settings_of(idp, keys_url)):
        assert check_settings() == []


def test_the_explain_command_names_the_preset_and_the_failed_rule(keys_url: str) -> None:
    """``manage.py jwtguard_explain``: the project's preset heads the report, and the token
    ``typ`` rule of the Keycloak preset is the step that refuses a token of another kind."""
    case = next(case for case in CASES if case.name == "keycloak typ other than Bearer")
    out = io.StringIO()
    with (
        override_settings(JWTGUARD=settings_of("keycloak", keys_url)),
        pytest.raises(SystemExit) as exited,
    ):
        call_command("jwtguard_explain", case.mint(), stdout=out)
    lines = out.getvalue().splitlines()
    assert exited.value.code == 1
    assert lines[0] == (
        "REFUSED: 401 claim_invalid (the client is told: \"The access token's typ claim is "
        'invalid")'
    )
    assert lines[1].startswith('  provider keycloak (url "https://keycloak.example.com/", ')
    assert "    keys: yours: JWKS" in lines
    assert '  [FAIL] claim rule: typ equals "Bearer": typ must equal "Bearer", found "Offline"' in (
        out.getvalue()
    )

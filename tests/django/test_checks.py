"""System checks report misconfiguration with stable ids (as ``manage.py check`` shows them)."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core.checks import Error, Warning
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings
from rest_framework.authentication import SessionAuthentication

from jwtguard import ConfigProblem, ConfigurationError
from jwtguard_django import checks
from jwtguard_django.checks import check_middleware, check_rest_framework, check_settings
from jwtguard_django.drf import JWTAuthentication
from jwtguard_django.middleware import JWTGuardMiddleware
from tests.contract import SETTINGS

OURS = "jwtguard_django.middleware.JWTGuardMiddleware"
SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
REMOTE_USER = "django.contrib.auth.middleware.RemoteUserMiddleware"
PERSISTENT_REMOTE_USER = "django.contrib.auth.middleware.PersistentRemoteUserMiddleware"
CORS = "corsheaders.middleware.CorsMiddleware"
SECRET = "s" * 32
JWT_AUTHENTICATION = "jwtguard_django.drf.JWTAuthentication"


def settings_ids(value: Any) -> list[str]:
    with override_settings(JWTGUARD=value):
        return [message.id or "" for message in check_settings()]


def middleware_ids(*middleware: str) -> list[str]:
    with override_settings(MIDDLEWARE=list(middleware)):
        return [message.id or "" for message in check_middleware()]


def test_the_test_settings_pass() -> None:
    assert check_settings() == []
    assert check_middleware() == []
    assert check_rest_framework() == []


@pytest.mark.parametrize(
    ("value", "ids"),
    [
        (None, ["jwtguard.E001"]),
        ("ES256", ["jwtguard.E001"]),
        ({"SECRET": SECRET, "ISSUER": "x"}, ["jwtguard.E002", "jwtguard.E002"]),
        ({"ALGORITHMS": ["none"], "SECRET": SECRET, "ISSUER": "x"}, ["jwtguard.E002"] * 2),
        ({"ALGORITHMS": ["RS256"], "SECRET": SECRET, "ISSUER": "x"}, ["jwtguard.E002"]),
        ({"ALGORITHMS": ["HS256"], "AUDIENCE": "x"}, ["jwtguard.E003"]),
        ({"ALGORITHMS": ["RS256"], "ISSUER": "http://idp.example.com/"}, ["jwtguard.E006"]),
        (
            {
                "ALGORITHMS": ["HS256"],
                "SECRET": SECRET,
                "JWKS_URL": "https://idp/jwks",
                "ISSUER": "x",
            },
            ["jwtguard.E004"],
        ),
        (
            {"ALGORITHMS": ["HS256"], "SECRET": SECRET, "JWKS_FILE": __file__, "ISSUER": "x"},
            ["jwtguard.E004"],
        ),
        ({"ALGORITHMS": ["HS256"], "SECRET": "short", "ISSUER": "x"}, ["jwtguard.E005"]),
        ({"ALGORITHMS": ["HS512"], "SECRET": SECRET, "ISSUER": "x"}, ["jwtguard.E005"]),
        ({"ALGORITHMS": ["HS256"], "SECRET": SECRET, "LEEWAY": -1}, ["jwtguard.E006"]),
        ({"ALGORITHMS": ["HS256"], "SECRET": SECRET, "ISSUR": "x"}, ["jwtguard.E006"]),
        (
            {"ALGORITHMS": ["HS256"], "SECRET": SECRET, "ISSUER": "x", "MODE": "x"},
            ["jwtguard.E007"],
        ),
        (
            {"ALGORITHMS": ["HS256"], "SECRET": SECRET, "AUDIENCE": "x", "USER_RESOLVER": "a.b"},
            ["jwtguard.E007"],
        ),
        ({"ALGORITHMS": ["HS256"], "SECRET": SECRET}, ["jwtguard.W001"]),
        ({"ALGORITHMS": ["HS256"], "SECRET": SECRET, "AUDIENCE": "api://notes"}, []),
        ({"ALGORITHMS": [], "AUDIENCE": "x"}, ["jwtguard.E002", "jwtguard.E003"]),
    ],
)
def test_settings_checks(value: Any, ids: list[str]) -> None:
    assert settings_ids(value) == ids


def test_middleware_messages_name_the_fix() -> None:
    with override_settings(MIDDLEWARE=[SESSION, AUTHENTICATION, REMOTE_USER, OURS]):
        [warning] = check_middleware()
    assert warning.msg == (
        f"{REMOTE_USER} reads request.user before JWTGuardMiddleware has set it from the token."
    )
    assert warning.hint == f"Move {OURS} above {REMOTE_USER}."


def test_settings_messages_carry_the_problem_and_a_hint() -> None:
    with override_settings(JWTGUARD={"ALGORITHMS": ["HS256"], "AUDIENCE": "x"}):
        [message] = check_settings()
    assert isinstance(message, Error)
    assert message.msg.startswith("no key source")
    assert message.hint == (
        "Set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE, JWKS_URL or "
        "OPENID_CONFIGURATION_URL, or an https ISSUER to discover its keys."
    )
    with override_settings(JWTGUARD={"ALGORITHMS": ["HS256"], "SECRET": SECRET}):
        [warning] = check_settings()
    assert isinstance(warning, Warning)


@pytest.mark.parametrize(
    ("problem", "check_id"),
    [
        (ConfigProblem("ALGORITHMS", "algorithms_invalid", "worded anew"), "jwtguard.E002"),
        (ConfigProblem(None, "key_source_missing", "worded anew"), "jwtguard.E003"),
        (ConfigProblem(None, "key_sources_conflict", "worded anew"), "jwtguard.E004"),
        (ConfigProblem("JWKS", "secret_too_short", "worded anew"), "jwtguard.E005"),
        (ConfigProblem("MODE", "mode_invalid", "worded anew"), "jwtguard.E007"),
        (ConfigProblem("ALGORITHMS", "setting_unknown", "ALGORITHMS is required"), "jwtguard.E006"),
        (ConfigProblem(None, "configuration_invalid", "no key source"), "jwtguard.E006"),
    ],
)
def test_check_ids_come_from_problem_codes_not_wording(
    monkeypatch: pytest.MonkeyPatch, problem: ConfigProblem, check_id: str
) -> None:
    def read_options(raw: Any) -> Any:
        raise ConfigurationError([problem])

    monkeypatch.setattr(checks, "read_options", read_options)
    [message] = check_settings()
    assert (message.id, message.msg) == (check_id, problem.message)


@pytest.mark.parametrize(
    ("middleware", "ids"),
    [
        ([], []),
        ([SESSION, AUTHENTICATION], []),
        ([SESSION, AUTHENTICATION, OURS], []),
        ([OURS, SESSION, AUTHENTICATION], ["jwtguard.E008"]),
        ([SESSION, AUTHENTICATION, OURS, REMOTE_USER], []),
        ([SESSION, AUTHENTICATION, REMOTE_USER, OURS], ["jwtguard.W002"]),
        (
            [SESSION, AUTHENTICATION, PERSISTENT_REMOTE_USER, OURS],
            ["jwtguard.W002"],
        ),
        ([CORS, OURS], []),
        ([OURS, CORS], ["jwtguard.W003"]),
        ([OURS, SESSION, AUTHENTICATION, CORS], ["jwtguard.E008", "jwtguard.W003"]),
        (["tests.django.test_checks.CustomGuard", SESSION, AUTHENTICATION], ["jwtguard.E008"]),
        (["tests.nowhere.Middleware", OURS], []),
    ],
)
def test_middleware_order(middleware: list[str], ids: list[str]) -> None:
    assert middleware_ids(*middleware) == ids


class CustomGuard(JWTGuardMiddleware):
    """A project's own subclass, which the checks recognise as the middleware."""


@pytest.mark.parametrize(
    ("classes", "ids"),
    [
        ([], []),
        (["jwtguard_django.drf.JWTAuthentication"], []),
        (
            [
                "jwtguard_django.drf.JWTAuthentication",
                "rest_framework.authentication.SessionAuthentication",
            ],
            [],
        ),
        (
            [
                "rest_framework.authentication.SessionAuthentication",
                "jwtguard_django.drf.JWTAuthentication",
            ],
            ["jwtguard.W004"],
        ),
        (["rest_framework.authentication.BasicAuthentication"], []),
    ],
)
def test_rest_framework_order(classes: list[str], ids: list[str]) -> None:
    with override_settings(REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": classes}):
        assert [message.id for message in check_rest_framework()] == ids


def test_rest_framework_classes_may_be_classes() -> None:
    with override_settings(
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": [SessionAuthentication, JWTAuthentication]
        }
    ):
        [warning] = check_rest_framework()
    assert warning.id == "jwtguard.W004"
    assert "rest_framework.authentication.SessionAuthentication's challenge" in warning.msg


def test_rest_framework_check_skips_without_drf(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain Django (the ``django`` extra has no DRF): a leftover ``REST_FRAMEWORK`` setting is
    not checked (``None`` in ``sys.modules`` is how Python marks a module unimportable)."""
    monkeypatch.setitem(sys.modules, "rest_framework", None)
    classes = ["rest_framework.authentication.SessionAuthentication", JWT_AUTHENTICATION]
    with override_settings(REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": classes}):
        assert check_rest_framework() == []


def test_manage_py_check_reports_them() -> None:
    with (
        override_settings(JWTGUARD={**SETTINGS, "ISSUER": None}),
        pytest.raises(SystemCheckError, match=r"jwtguard\.E003"),
    ):
        call_command("check")


def test_an_exempt_path_written_as_a_prefix_is_an_error() -> None:
    """``EXEMPT_PATHS`` match whole paths: ``^/health`` once exempted ``/healthz-admin`` too."""
    value = {**SETTINGS, "SECRET": SECRET, "ALGORITHMS": ["HS256"], "EXEMPT_PATHS": ["^/health"]}
    with override_settings(JWTGUARD=value):
        [message] = check_settings()
    assert (message.id, type(message)) == ("jwtguard.E006", Error)
    assert "'^/health' is written as a prefix" in message.msg

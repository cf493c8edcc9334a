"""The JWTGUARD setting: built lazily once, rebuilt on change, Django-only keys split off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

from jwtguard import ConfigurationError
from jwtguard_django.conf import build_settings, get_settings
from tests.contract import SETTINGS, Minter
from tests.django.resolvers import by_username

SECRET = "s" * 32
HS256 = {"ALGORITHMS": ["HS256"], "SECRET": SECRET}


def problems(raw: object, environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigurationError) as caught:
        build_settings(raw, environ)
    return caught.value.problems


def test_importing_reads_no_settings() -> None:
    """Every module imports before Django is configured (no settings at import time)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    modules = [
        "apps",
        "auth",
        "checks",
        "conf",
        "decorators",
        "drf",
        "middleware",
        "request",
        "users",
    ]
    code = "; ".join(f"import jwtguard_django.{module}" for module in modules)
    completed = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_built_once_and_rebuilt_on_change(jwtguard_setting: dict[str, object]) -> None:
    first = get_settings()
    assert get_settings() is first
    assert first.guard.config.realm == "notes"
    with override_settings(JWTGUARD={**jwtguard_setting, "REALM": "other"}):
        assert get_settings().guard.config.realm == "other"
    assert get_settings().guard.config.realm == "notes"


def test_missing_or_not_a_dict() -> None:
    assert problems(None) == (
        "JWTGUARD is not set: add a JWTGUARD dict with ALGORITHMS and a key source",
    )
    assert problems(["ES256"]) == ("JWTGUARD must be a dict, not list",)
    with override_settings():
        del settings.JWTGUARD
        with pytest.raises(ConfigurationError, match="JWTGUARD is not set"):
            get_settings()


def test_django_keys_are_split_off(minter: Minter) -> None:
    built = build_settings(
        {
            **SETTINGS,
            "JWKS": minter.jwks(),
            "MODE": "annotate",
            "USER_RESOLVER": "tests.django.resolvers.by_username",
        }
    )
    assert built.mode == "annotate"
    assert not built.enforcing
    assert built.user_resolver is by_username
    assert build_settings({**HS256, "USER_RESOLVER": by_username}).user_resolver is by_username
    assert build_settings(HS256).enforcing


def test_every_problem_at_once() -> None:
    found = problems(
        {"ALGORITHMS": [], "ISSUR": "x", "MODE": "strict", "USER_RESOLVER": "tests.nowhere.f"}
    )
    assert found[0] == "ISSUR: unknown setting (did you mean ISSUER?)"
    assert found[1] == "MODE must be one of ['enforce', 'annotate'], got 'strict'"
    assert found[2].startswith("USER_RESOLVER: cannot import 'tests.nowhere.f'")
    assert problems({**HS256, "USER_RESOLVER": 42}) == (
        "USER_RESOLVER must be a callable or its dotted path, got 42",
    )


def test_env_prefix_overrides_the_dict(minter: Minter) -> None:
    """With ENV_PREFIX the dict holds defaults; an env key source replaces the dict's."""
    defaults = {**SETTINGS, "JWKS": minter.jwks(), "ENV_PREFIX": "JWTGUARD_"}
    built = build_settings(
        defaults,
        {
            "JWTGUARD_AUDIENCE": "api://billing",
            "JWTGUARD_ALGORITHMS": "HS256",
            "JWTGUARD_SECRET": SECRET,
            "JWTGUARD_MODE": "annotate",
            "OTHER_SECRET": "ignored",
        },
    )
    config = built.guard.config
    assert (config.audience, config.algorithms, config.jwks) == ("api://billing", ("HS256",), None)
    assert config.issuer == SETTINGS["ISSUER"]
    assert built.mode == "annotate"
    assert build_settings(defaults, {}).guard.config.jwks == minter.jwks()


def test_env_prefix_reports_env_problems() -> None:
    assert problems({**HS256, "ENV_PREFIX": "JWTGUARD_"}, {"JWTGUARD_LEEWAY": "soon"}) == (
        "LEEWAY: expected a number, got 'soon'",
    )
    assert problems({**HS256, "ENV_PREFIX": ""}) == (
        "ENV_PREFIX must be a non-empty string such as 'JWTGUARD_'",
    )


def test_env_prefix_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWTGUARD_TEST_REALM", "from-env")
    built = build_settings({**HS256, "ENV_PREFIX": "JWTGUARD_TEST_"})
    assert built.guard.config.realm == "from-env"

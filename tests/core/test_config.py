"""GuardConfig: immutable, validated once, every problem reported together."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from jwtguard import ConfigProblem, ConfigurationError, GuardConfig
from tests.contract import AUDIENCE, ISSUER, Minter


def problems_of(**kwargs: object) -> tuple[str, ...]:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(**kwargs)  # type: ignore[arg-type]
    return caught.value.problems


def test_defaults_are_secure(minter: Minter) -> None:
    config = GuardConfig(jwks=minter.jwks(), algorithms=["RS256"])
    assert config.leeway == 60
    assert config.required_claims == ("exp",)
    assert config.max_token_bytes == 8192
    assert config.token_locations == ("header",)
    assert config.header_name == "Authorization"
    assert config.header_scheme == "Bearer"
    assert config.error_format == "json"


def test_config_is_frozen(minter: Minter) -> None:
    config = GuardConfig(jwks=minter.jwks(), algorithms=["RS256"], audience=["a", "b"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.leeway = 0  # type: ignore[misc]
    assert config.audience == ("a", "b"), "lists are frozen into tuples"
    assert config.audiences == ("a", "b")


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(
        algorithms=["none", "HS1024"],
        secret="too short",
        leeway=-5,
        max_token_bytes=10,
        realm='say "hi"',
        token_locations=["header", "carrier-pigeon"],
        error_format="xml",
        exempt_paths=["(unclosed"],
    )
    text = "\n".join(problems)
    for fragment in [
        "may not contain 'none'",
        "'HS1024' is not one of",
        "SECRET is 9 bytes",
        "LEEWAY must be between 0 and 86400",
        "MAX_TOKEN_BYTES must be between",
        "REALM must be printable ASCII",
        "TOKEN_LOCATIONS must be a non-empty subset",
        "ERROR_FORMAT must be 'json' or 'problem', got 'xml'",
        "EXEMPT_PATHS: '(unclosed' is not a regular expression",
    ]:
        assert fragment in text
    assert len(problems) == 9


def test_algorithms_are_required(minter: Minter) -> None:
    assert any("ALGORITHMS is required" in p for p in problems_of(jwks=minter.jwks()))


def test_a_key_source_is_required() -> None:
    assert any("no key source" in p for p in problems_of(algorithms=["RS256"]))


def test_two_key_sources_conflict(minter: Minter) -> None:
    problems = problems_of(
        algorithms=["RS256"], jwks=minter.jwks(), public_key=minter.key.public_pem()
    )
    assert any("conflicting key sources PUBLIC_KEY, JWKS" in p for p in problems)


def test_every_allowed_algorithm_needs_a_key(minter: Minter) -> None:
    problems = problems_of(algorithms=["RS256", "EdDSA"], jwks=minter.key.jwks())
    assert problems == ("ALGORITHMS allows EdDSA, but no configured key can verify it",)


def test_key_type_must_fit_some_algorithm(minter: Minter) -> None:
    problems = problems_of(algorithms=["HS256"], public_key=minter.key.public_pem())
    assert "no configured key can verify any of ALGORITHMS" in problems[0]
    assert "RSA 2048-bit key fits PS256, PS384, PS512, RS256, RS384, RS512" in problems[0]


def test_private_keys_are_refused(minter: Minter) -> None:
    assert (
        "holds a private key"
        in problems_of(algorithms=["RS256"], public_key=minter.key.private_pem())[0]
    )
    private_jwk = minter.key.public_jwk() | {"d": "AQAB"}
    assert (
        "contains private key material (d)"
        in problems_of(algorithms=["RS256"], jwks={"keys": [private_jwk]})[0]
    )


def test_secret_and_repr_never_show_key_material() -> None:
    secret = "s3cr3t-" * 8
    config = GuardConfig(secret=secret, algorithms=["HS256"])
    assert secret not in repr(config)
    assert secret not in str(config)


def test_files_are_read_and_checked(tmp_path: Path, minter: Minter) -> None:
    pem = tmp_path / "key.pem"
    pem.write_bytes(minter.key.public_pem())
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(minter.jwks()))
    assert GuardConfig(public_key_file=str(pem), algorithms=["RS256"]).key_set.algorithms == {
        "RS256"
    }
    assert GuardConfig(jwks_file=str(jwks), algorithms=["RS256", "ES256"]).key_set.kids == (
        "rsa-1",
        "ec-1",
    )
    missing = problems_of(jwks_file=str(tmp_path / "nope.json"), algorithms=["RS256"])
    assert any("nope.json is not a readable file" in p for p in missing)
    jwks.write_text("{not json")
    assert problems_of(jwks_file=str(jwks), algorithms=["RS256"]) == (
        "JWKS_FILE is not valid JSON",
    )


def test_a_relative_key_file_names_the_directory_it_was_looked_up_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Django's runserver, gunicorn --chdir and a test run each start in another directory:
    the problem says which one a relative path was resolved against."""
    monkeypatch.chdir(tmp_path)
    for name in ("JWKS_FILE", "PUBLIC_KEY_FILE"):
        [problem] = problems_of(**{name.lower(): "keys/idp.json"}, algorithms=["RS256"])
        assert problem == (
            f"{name}: keys/idp.json is not a readable file (a relative path, looked up in the "
            f"working directory {tmp_path}: give an absolute path)"
        )
    [absolute] = problems_of(jwks_file=str(tmp_path / "nope.json"), algorithms=["RS256"])
    assert absolute == f"JWKS_FILE: {tmp_path / 'nope.json'} is not a readable file"


def test_from_mapping_uses_design_key_names(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {
            "ISSUER": ISSUER,
            "AUDIENCE": [AUDIENCE, "api://other"],
            "ALGORITHMS": ["RS256"],
            "JWKS": minter.key.jwks(),
            "LEEWAY": 5,
            "REALM": "notes",
            "TOKEN_LOCATIONS": ["header", "cookie"],
            "COOKIE_NAME": "at",
        }
    )
    assert config.issuers == (ISSUER,)
    assert config.audiences == (AUDIENCE, "api://other")
    assert config.leeway == 5
    assert config.token_locations == ("header", "cookie")


def test_from_mapping_refuses_unknown_keys_with_a_hint(minter: Minter) -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping({"ISSUR": ISSUER, "ALGORITHM": ["RS256"], "issuer": ISSUER})
    assert caught.value.problems == (
        "ISSUR: unknown setting (did you mean ISSUER?)",
        "ALGORITHM: unknown setting (did you mean ALGORITHMS?)",
        "issuer: unknown setting (did you mean ISSUER?)",
    )


def test_from_env_parses_lists_numbers_and_json(minter: Minter) -> None:
    environ = {
        "JWTGUARD_ISSUER": ISSUER,
        "JWTGUARD_AUDIENCE": "api://a, api://b",
        "JWTGUARD_ALGORITHMS": "RS256,ES256",
        "JWTGUARD_JWKS": json.dumps(minter.jwks()),
        "JWTGUARD_LEEWAY": "0",
        "JWTGUARD_MAX_LIFETIME": "3600",
        "JWTGUARD_MAX_TOKEN_BYTES": "16384",
        "JWTGUARD_REQUIRED_CLAIMS": "exp,sub",
        "OTHER_VARIABLE": "ignored",
    }
    config = GuardConfig.from_env(environ)
    assert config.issuer == ISSUER
    assert config.audiences == ("api://a", "api://b")
    assert config.algorithms == ("RS256", "ES256")
    assert config.leeway == 0
    assert config.max_lifetime == 3600
    assert config.max_token_bytes == 16384
    assert config.required_claims == ("exp", "sub")


def test_from_env_reports_bad_values_together() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_env(
            {"JWTGUARD_LEEWAY": "soon", "JWTGUARD_MAX_TOKEN_BYTES": "big", "JWTGUARD_JWKS": "{"}
        )
    assert caught.value.problems == (
        "LEEWAY: expected a number, got 'soon'",
        "MAX_TOKEN_BYTES: expected an integer, got 'big'",
        "JWKS: expected JSON",
    )


def test_configuration_error_message_lists_problems() -> None:
    error = ConfigurationError(["first", ConfigProblem("LEEWAY", "leeway_invalid", "second")])
    assert str(error) == "2 problems in the jwtguard configuration:\n  - first\n  - second"
    assert error.problems == ("first", "second")
    assert error.issues == (
        ConfigProblem(None, "configuration_invalid", "first"),
        ConfigProblem("LEEWAY", "leeway_invalid", "second"),
    )


def issues_of(build: Callable[[], object]) -> set[tuple[str | None, str]]:
    with pytest.raises(ConfigurationError) as caught:
        build()
    assert caught.value.problems == tuple(issue.message for issue in caught.value.issues)
    return {(issue.setting, issue.code) for issue in caught.value.issues}


def test_each_problem_names_its_setting_and_a_stable_code() -> None:
    assert issues_of(
        lambda: GuardConfig(algorithms=["HS512", "none"], secret="s" * 32, leeway=-1, realm='"')
    ) == {
        ("ALGORITHMS", "algorithms_invalid"),
        ("LEEWAY", "leeway_invalid"),
        ("REALM", "realm_invalid"),
        ("SECRET", "secret_too_short"),
    }
    assert issues_of(lambda: GuardConfig(algorithms=["RS256"], audience="api")) == {
        (None, "key_source_missing")
    }
    assert issues_of(
        lambda: GuardConfig(algorithms=["RS256"], jwks_url="https://idp/k", public_key="x")
    ) == {(None, "key_sources_conflict")}
    assert issues_of(lambda: GuardConfig(algorithms=["RS256"], public_key="not a key")) == {
        ("PUBLIC_KEY", "key_invalid")
    }
    assert issues_of(lambda: GuardConfig.from_env({"JWTGUARD_LEEWAY": "soon"})) == {
        ("LEEWAY", "leeway_invalid")
    }
    assert issues_of(lambda: GuardConfig.from_mapping({"ISSUR": "x"})) == {
        ("ISSUR", "setting_unknown")
    }


def test_a_value_of_the_wrong_shape_is_a_problem_not_a_crash() -> None:
    problems = problems_of(algorithms=5, secret="s" * 32, token_locations=7)
    assert "ALGORITHMS: 5 is not a string" in problems
    assert (
        "TOKEN_LOCATIONS must be a non-empty subset of ['header', 'query', 'form', 'cookie']"
        in (problems)
    )


def test_replace_revalidates(minter: Minter) -> None:
    config = GuardConfig(jwks=minter.jwks(), algorithms=["RS256", "ES256"])
    assert dataclasses.replace(config, leeway=0).leeway == 0
    with pytest.raises(ConfigurationError):
        dataclasses.replace(config, leeway=-1)


def test_from_env_defaults_fill_gaps_and_yield_to_an_env_key_source(minter: Minter) -> None:
    defaults = {"JWKS": minter.jwks(), "ALGORITHMS": ["RS256", "ES256"], "LEEWAY": 30}
    assert GuardConfig.from_env({}, defaults=defaults).leeway == 30
    config = GuardConfig.from_env({"JWTGUARD_LEEWAY": "5"}, defaults=defaults)
    assert (config.leeway, config.key_set.kids) == (5, ("rsa-1", "ec-1"))
    secret = {"JWTGUARD_SECRET": "k" * 32, "JWTGUARD_ALGORITHMS": "HS256"}
    replaced = GuardConfig.from_env(secret, defaults=defaults)
    assert (replaced.jwks, replaced.key_set.algorithms) == (None, {"HS256"})


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        (
            "^/health",
            "EXEMPT_PATHS: '^/health' is written as a prefix, but each pattern must match the "
            "whole path: write '^/health$' for that path alone, or '^/health/.*' for everything "
            "under it",
        ),
        (
            "/static/",
            "EXEMPT_PATHS: '/static/' ends with '/', but each pattern must match the whole path: "
            "write '/static/.*' for everything under it",
        ),
    ],
)
def test_exempt_paths_written_as_prefixes_are_refused(
    minter: Minter, pattern: str, problem: str
) -> None:
    """They used to match as prefixes (``^/health`` exempted ``/healthz-admin``); now each must
    match the whole path, so a pattern written for the old rule is an error, not a surprise."""
    assert problems_of(jwks=minter.jwks(), algorithms=["RS256"], exempt_paths=[pattern]) == (
        problem,
    )


@pytest.mark.parametrize(
    "pattern", ["^/health$", "/health", r"/health\Z", "^/static/.*", "/api/(docs|openapi)", "/"]
)
def test_whole_path_exempt_patterns_are_accepted(minter: Minter, pattern: str) -> None:
    config = GuardConfig(jwks=minter.jwks(), algorithms=["RS256"], exempt_paths=[pattern])
    assert config.exempt_paths == (pattern,)


def test_csrf_names_are_checked(minter: Minter) -> None:
    problems = problems_of(
        jwks=minter.jwks(),
        algorithms=["RS256"],
        csrf_cookie_name="csrf token",
        csrf_header_name="X-CSRF:Token",
    )
    assert problems == (
        "CSRF_COOKIE_NAME must be a cookie name, got 'csrf token'",
        "CSRF_HEADER_NAME must be an HTTP header name, got 'X-CSRF:Token'",
    )


def test_a_key_file_that_is_not_text_is_a_problem(tmp_path: Path) -> None:
    binary = tmp_path / "jwks.json"
    binary.write_bytes(b"\xff\xfe{}")
    assert problems_of(jwks_file=str(binary), algorithms=["RS256"]) == ("JWKS_FILE is not text",)

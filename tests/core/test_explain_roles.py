"""``jwtguard explain`` with roles: ``--role`` / ``--any-role`` run the view's role check after
its scope check, name the role that failed for the operator, and say what the client gets."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from jwtguard import ErrorResponse, Guard, GuardConfig, SimpleRequest, Validator
from jwtguard.adapters import Requirement
from jwtguard.tools.cli import main
from jwtguard.tools.explain import Explanation, explain, steps_of
from jwtguard.tools.explain_report import FIXES
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter
from tests.roles import ENTRA_APP_ONLY, ENTRA_DELEGATED

NOW = float(int(time.time()))


@pytest.fixture
def guard(minter: Minter) -> Guard:
    return Guard(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))


def steps(explanation: Explanation) -> dict[str, tuple[str, str]]:
    return {check.step: (check.status, check.message) for check in explanation.checks}


def test_roles_come_last(guard: Guard) -> None:
    assert steps_of(guard.validator)[-2:] == ("scopes", "roles")


def test_a_delegated_scope_is_no_app_role(guard: Guard, minter: Minter) -> None:
    credentials = f"Bearer {minter.token(**ENTRA_DELEGATED)}"
    explanation = explain(credentials, guard.validator, roles=["Notes.Read.All"], now=NOW)
    assert (explanation.accepted, explanation.status, explanation.code) == (
        False,
        403,
        "insufficient_role",
    )
    assert explanation.description == "The access token lacks a required role"
    found = steps(explanation)
    assert found["scopes"] == ("skipped", "no scope asked for (--scope)")
    assert found["roles"] == ("failed", "missing role `Notes.Read.All` (token has `none`)")
    failure = explanation.first_failure
    assert failure is not None
    assert (failure.step, failure.fix) == ("roles", FIXES["insufficient_role"])
    # the verdict is the guard's answer for the same request and view
    request = SimpleRequest(headers={"Authorization": credentials})
    answer = guard.decide(request, Requirement.of(roles="Notes.Read.All"))
    assert isinstance(answer, ErrorResponse)
    assert (answer.status, answer.code) == (explanation.status, explanation.code)


def test_an_app_role_passes(guard: Guard, minter: Minter) -> None:
    credentials = f"Bearer {minter.token(**ENTRA_APP_ONLY)}"
    explanation = explain(
        credentials, guard.validator, roles=["Notes.Read.All"], any_roles=["a", "Notes.Read.All"]
    )
    assert explanation.accepted
    assert steps(explanation)["roles"] == (
        "passed",
        "has all of `Notes.Read.All` and one of `a`, `Notes.Read.All` (token has `Notes.Read.All`)",
    )


def test_one_of_the_roles_and_both_checks_reported(guard: Guard, minter: Minter) -> None:
    credentials = minter.token(scope="openid", roles=["viewer", "Notes Reader"])
    explanation = explain(
        credentials, guard.validator, scopes="notes:read", any_roles=["admin", "Notes Editor"]
    )
    assert explanation.code == "insufficient_scope", "scopes are checked first"
    found = steps(explanation)
    assert found["scopes"][0] == "failed"
    assert found["roles"] == (
        "failed",
        "needs one of `admin`, `Notes Editor` (token has `Notes Reader`, `viewer`)",
    )


def test_roles_are_not_reached_with_a_bad_token(guard: Guard, minter: Minter) -> None:
    explanation = explain(minter.token(now=NOW - 3600), guard.validator, roles=["admin"])
    assert explanation.code == "token_expired"
    assert steps(explanation)["roles"] == ("skipped", "not reached: the token is not valid")
    explanation = explain("Basic eDp5", guard.validator, roles=["admin"])
    assert steps(explanation)["roles"] == ("skipped", "not reached: the scheme check failed")


def test_the_command_takes_role_and_any_role(
    minter: Minter, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "jwks.json").write_text(json.dumps(minter.jwks()))
    config = ["--jwks-file", str(tmp_path / "jwks.json"), "--algorithms", "RS256"]
    config += ["--issuer", ISSUER, "--audience", AUDIENCE]
    config += ["--role-claims", r"resource_access.notes\.api.roles"]
    client_role = {"resource_access": {"notes.api": {"roles": ["Notes Editor"]}}}
    token = minter.token(**client_role, roles=["admin"])

    def run(*argv: str) -> tuple[int, str]:
        status = main(["explain", token, *config, *argv], stdin=io.StringIO())
        captured = capsys.readouterr()
        return status, captured.out + captured.err

    status, out = run("--role", "Notes Editor")  # one role, its space and all
    assert (status, out.splitlines()[0]) == (0, "ACCEPTED: the token would be accepted")
    assert "[pass] roles: has all of `Notes Editor` (token has `Notes Editor`)" in out
    status, out = run("--role", "admin")  # in `roles`, which ROLE_CLAIMS does not name
    assert status == 1
    assert out.startswith("REFUSED: 403 insufficient_role")
    assert "[FAIL] roles: missing role `admin` (token has `Notes Editor`)" in out
    assert f"fix: {FIXES['insufficient_role']}" in out
    status, out = run("--any-role", "admin", "--any-role", "Notes Editor", "--json")
    assert (status, json.loads(out)["accepted"]) == (0, True)


def test_without_roles_in_the_view_the_step_is_skipped(minter: Minter) -> None:
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    explanation = explain(minter.token(), validator, scopes="notes:read")
    assert explanation.accepted
    assert steps(explanation)["roles"] == ("skipped", "no role asked for (--role)")

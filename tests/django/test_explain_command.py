"""``manage.py jwtguard_explain``: the project's own guard (its ``JWTGUARD``, keys and store)
explains a token exactly as ``jwtguard explain`` does, with the same exit status."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from jwtguard.testing import generate_key
from jwtguard.tools.cli import explain_output
from jwtguard_django.conf import get_guard
from tests.contract import SETTINGS, Minter
from tests.devkey import DEV_AUDIENCE, DEV_ISSUER, dev_key
from tests.doc_blocks import run_example_explain


def explain(*arguments: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("jwtguard_explain", *arguments, stdout=out, stdin=io.StringIO(stdin))
    except SystemExit as exit_:
        return int(str(exit_.code)), out.getvalue()
    return 0, out.getvalue()


def test_the_project_guard_accepts_a_token_as_jwtguard_explain_would(
    minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWTGUARD_ALGORITHMS", "HS256")  # the environment is not the project's
    token = minter.token()
    status, out = explain(token, "--scope", "notes:read")
    assert status == 0
    assert out.splitlines()[0] == "ACCEPTED: the token would be accepted"
    assert out == explain_output(token, get_guard().validator, scopes=["notes:read"])[0] + "\n"


def test_a_refused_token_exits_1(minter: Minter) -> None:
    status, out = explain(f"Bearer {minter.token()}", "--scope", "notes:write")
    assert status == 1
    assert out.startswith("REFUSED: 403 insufficient_scope")


def test_the_project_settings_decide(minter: Minter) -> None:
    other = generate_key("RS256", kid="rsa-1")
    with override_settings(JWTGUARD={**SETTINGS, "ALGORITHMS": ["RS256"], "JWKS": other.jwks()}):
        status, out = explain(minter.token())
    assert status == 1
    assert out.startswith("REFUSED: 401 signature_invalid")


def test_standard_input_and_json(minter: Minter) -> None:
    status, out = explain(
        "-", "--json", "--any-scope", "notes:read notes:write", stdin=minter.token()
    )
    assert (status, json.loads(out)["accepted"]) == (0, True)


def test_usage_and_configuration_errors_exit_2(minter: Minter) -> None:
    with pytest.raises(CommandError, match="no token given") as caught:
        explain()
    assert caught.value.returncode == 2
    with (
        override_settings(JWTGUARD={"ALGORITHMS": ["RS256"]}),
        pytest.raises(CommandError, match="no key source") as caught,
    ):
        explain(minter.token())
    assert caught.value.returncode == 2


def test_the_example_readme_command() -> None:
    """The example project's README runs ``manage.py jwtguard_explain`` in the project, with its
    own settings (the development key): a token without ``notes:write`` is refused for it."""
    token = dev_key().token(iss=DEV_ISSUER, aud=DEV_AUDIENCE, sub="alice", scope="notes:read")
    explained = run_example_explain("django_api", token)
    assert explained.returncode == 1, explained.stderr
    assert explained.stdout.startswith("REFUSED: 403 insufficient_scope")
    assert "[pass] signature" in explained.stdout

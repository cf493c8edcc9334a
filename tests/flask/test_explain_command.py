"""``flask jwtguard explain``: the app's own guard (its configuration, keys and store) explains
a token exactly as ``jwtguard explain`` does, with the same exit status."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from jwtguard.testing import generate_key
from jwtguard.tools.cli import explain_output
from jwtguard_flask import JWTGuard, get_state
from tests.contract import Minter
from tests.devkey import DEV_AUDIENCE, DEV_ISSUER, dev_key
from tests.doc_blocks import run_example_explain
from tests.flask.conftest import flask_settings


def explain(app: Flask, *arguments: str, stdin: str = "") -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["jwtguard", "explain", *arguments], input=stdin)
    return result.exit_code, result.output


def make_app(settings: dict[str, Any]) -> Flask:
    app = Flask("explained")
    app.config.update(flask_settings(settings))
    JWTGuard(app)
    return app


def test_the_app_guard_accepts_a_token_as_jwtguard_explain_would(
    settings: dict[str, Any], minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWTGUARD_ALGORITHMS", "HS256")  # the environment is not the app's
    app, token = make_app(settings), minter.token()
    status, out = explain(app, token, "--scope", "notes:read")
    assert status == 0
    assert out.splitlines()[0] == "ACCEPTED: the token would be accepted"
    validator = get_state(app).guard.validator
    assert out == explain_output(token, validator, scopes=["notes:read"])[0] + "\n"


def test_a_refused_token_exits_1(settings: dict[str, Any], minter: Minter) -> None:
    status, out = explain(make_app(settings), f"Bearer {minter.token()}", "--scope", "notes:write")
    assert status == 1
    assert out.startswith("REFUSED: 403 insufficient_scope")


def test_the_app_configuration_decides(settings: dict[str, Any], minter: Minter) -> None:
    other = generate_key("RS256", kid="rsa-1")
    app = make_app({**settings, "ALGORITHMS": ["RS256"], "JWKS": other.jwks()})
    status, out = explain(app, minter.token())
    assert status == 1
    assert out.startswith("REFUSED: 401 signature_invalid")


def test_a_file_standard_input_and_json(
    settings: dict[str, Any], minter: Minter, tmp_path: Path
) -> None:
    app = make_app(settings)
    status, out = explain(app, "--json", "--any-scope", "notes:read", stdin=minter.token())
    assert (status, json.loads(out)["accepted"]) == (0, True)
    (tmp_path / "token.txt").write_text(minter.token() + "\n")
    status, out = explain(app, "--file", str(tmp_path / "token.txt"))
    assert (status, out.splitlines()[0]) == (0, "ACCEPTED: the token would be accepted")


def test_no_token_is_a_usage_error(settings: dict[str, Any]) -> None:
    status, out = explain(make_app(settings), "-")
    assert status == 2
    assert "no token given" in out


def test_the_example_readme_command() -> None:
    """The example app's README runs ``flask jwtguard explain`` on the app, with its own
    configuration (the development key): a token without ``notes:write`` is refused for it."""
    token = dev_key().token(iss=DEV_ISSUER, aud=DEV_AUDIENCE, sub="alice", scope="notes:read")
    explained = run_example_explain("flask_api", token)
    assert explained.returncode == 1, explained.stderr
    assert explained.stdout.startswith("REFUSED: 403 insufficient_scope")
    assert "[pass] signature" in explained.stdout

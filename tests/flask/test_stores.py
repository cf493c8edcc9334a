"""Replay protection and revocation in Flask: ``JWTGUARD_REDIS_URL`` (a real redis-server),
``JWTGuard(store=...)``, the 503 of an outage, and ``flask jwtguard revoke``."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from flask import Flask
from flask.typing import ResponseReturnValue

from jwtguard import MemoryStore
from jwtguard.stores import checks as store_checks
from jwtguard.stores.checks import OncePerProcess
from jwtguard_flask import JWTGuard, get_state, jwt_required
from tests.answers import check_error_answer
from tests.contract import DESCRIPTIONS, ISSUER, Minter, Scenario, bearer
from tests.e2e.gunicorn import free_port
from tests.flask.conftest import flask_settings, whoami

REPLAYED = Scenario("replayed", 401, "token_replayed")
REVOKED = Scenario("revoked", 401, "token_revoked")


def make_app(settings: dict[str, Any], **extension: Any) -> Flask:
    app = Flask("stores")
    app.config.update(flask_settings(settings))
    app.add_url_rule("/me", "me", jwt_required(whoami))

    @jwt_required
    async def async_me() -> ResponseReturnValue:
        return whoami()

    app.add_url_rule("/async-me", "async_me", async_me)
    JWTGuard(app, **extension)
    return app


@pytest.mark.parametrize("path", ["/me", "/async-me"])
def test_a_token_passes_once(
    settings: dict[str, Any], minter: Minter, redis_url: str, path: str
) -> None:
    app = make_app({**settings, "REPLAY_PROTECTION": True, "REDIS_URL": redis_url})
    client, token = app.test_client(), bearer(minter.token())
    assert client.get(path, headers=token).get_json() == {"sub": "alice", "scopes": ["notes:read"]}
    again = client.get(path, headers=token)
    check_error_answer(REPLAYED, again.status_code, again.headers.get, again.data)
    other_app = make_app({**settings, "REPLAY_PROTECTION": True, "REDIS_URL": redis_url})
    elsewhere = other_app.test_client().get(path, headers=token)
    assert elsewhere.get_json()["code"] == "token_replayed", "one Redis, one use, any app"


def test_a_store_given_to_the_extension(settings: dict[str, Any], minter: Minter) -> None:
    store = MemoryStore()
    app = make_app({**settings, "REVOCATION": True}, store=store)
    assert get_state(app).guard.validator.store is store
    token = minter.token(jti="x")
    assert app.test_client().get("/me", headers=bearer(token)).status_code == 200
    get_state(app).guard.revocations.revoke_token("x")
    refused = app.test_client().get("/me", headers=bearer(token))
    check_error_answer(REVOKED, refused.status_code, refused.headers.get, refused.data)


def test_the_default_memory_store_warns_once_at_run_time(
    settings: dict[str, Any],
    minter: Minter,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(store_checks, "PROCESS_LOCAL_WARNING", OncePerProcess())
    caplog.set_level(logging.WARNING, logger="jwtguard")
    client = make_app({**settings, "REVOCATION": True}).test_client()
    for path in ("/me", "/async-me") * 3:
        assert client.get(path, headers=bearer(minter.token())).status_code == 200
    [record] = [r for r in caplog.records if "in this process only" in r.getMessage()]
    assert "for revocation (MemoryStore)" in record.getMessage()
    assert "a revocation reaches one worker" in record.getMessage()


@pytest.mark.parametrize("path", ["/me", "/async-me"])
def test_store_outage_answers_503(settings: dict[str, Any], minter: Minter, path: str) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app({**settings, "REVOCATION": True, "REDIS_URL": dead, "STORE_TIMEOUT": 0.5})
    response = app.test_client().get(path, headers=bearer(minter.token()))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "WWW-Authenticate" not in response.headers
    assert response.get_json() == {
        "error": "temporarily_unavailable",
        "error_description": DESCRIPTIONS["store_unavailable"],
        "code": "store_unavailable",
    }
    fail_open = make_app(
        {**settings, "REVOCATION": True, "REDIS_URL": dead, "STORE_FAILURE": "open"}
    )
    assert fail_open.test_client().get(path, headers=bearer(minter.token())).status_code == 200


# --- flask jwtguard revoke -------------------------------------------------------------------


def test_revoke_command(settings: dict[str, Any], minter: Minter, redis_url: str) -> None:
    app = make_app({**settings, "REVOCATION": True, "REDIS_URL": redis_url})
    client, runner = app.test_client(), app.test_cli_runner()
    token = minter.token(jti="laptop", now=time.time() - 10)
    other = minter.token(jti="phone", now=time.time() - 10)
    assert client.get("/me", headers=bearer(token)).status_code == 200

    result = runner.invoke(args=["jwtguard", "revoke", "--jti", "laptop"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"revoked jti 'laptop' from iss {ISSUER!r} (kept until ")
    refused = client.get("/me", headers=bearer(token))
    check_error_answer(REVOKED, refused.status_code, refused.headers.get, refused.data)
    assert client.get("/me", headers=bearer(other)).status_code == 200

    result = runner.invoke(args=["jwtguard", "revoke", "--sub", "alice"])
    assert result.output.startswith(f"revoked tokens of sub 'alice' from iss {ISSUER!r} issued ")
    assert client.get("/me", headers=bearer(other)).get_json()["code"] == "token_revoked"


def test_revoke_command_under_one_issuer_or_every_issuer(
    settings: dict[str, Any], minter: Minter, redis_url: str
) -> None:
    tenant_b = "https://tenant-b.example/"
    keys = {"JWKS": settings["JWKS"]}  # each issuer trusts them in an entry of its own
    issuers = {"TRUSTED_ISSUERS": {ISSUER: keys, tenant_b: keys}}
    single = {k: v for k, v in settings.items() if k not in ("ISSUER", "JWKS")}
    app = make_app({**single, **issuers, "REVOCATION": True, "REDIS_URL": redis_url})
    client, runner = app.test_client(), app.test_cli_runner()
    earlier = time.time() - 10

    def status(**claims: Any) -> int:
        return client.get("/me", headers=bearer(minter.token(**claims))).status_code

    def revoke(*arguments: str) -> str:
        result = runner.invoke(args=["jwtguard", "revoke", *arguments])
        assert result.exit_code == 0, result.output
        return result.output

    result = runner.invoke(args=["jwtguard", "revoke", "--jti", "laptop"])
    assert result.exit_code == 1
    assert "several issuers are trusted" in result.output
    assert "(--issuer ISS), or revoke under every issuer (--all-issuers)" in result.output
    result = runner.invoke(
        args=["jwtguard", "revoke", "--jti", "laptop", "--issuer", ISSUER, "--all-issuers"]
    )
    assert (result.exit_code, "not both" in result.output) == (1, True), result.output

    printed = revoke("--jti", "laptop", "--issuer", tenant_b)
    assert printed.startswith(f"revoked jti 'laptop' from iss {tenant_b!r} (kept until ")
    assert (status(iss=tenant_b, jti="laptop"), status(iss=ISSUER, jti="laptop")) == (401, 200)

    revoke("--sub", "alice", "--issuer", ISSUER)
    assert (status(iss=ISSUER, now=earlier), status(iss=tenant_b, now=earlier)) == (401, 200)

    printed = revoke("--sub", "bob", "--all-issuers")
    assert printed.startswith("revoked tokens of sub 'bob' from every issuer issued before ")
    for issuer in (ISSUER, tenant_b):
        refused = client.get(
            "/me", headers=bearer(minter.token(iss=issuer, sub="bob", now=earlier))
        )
        check_error_answer(REVOKED, refused.status_code, refused.headers.get, refused.data)


@pytest.mark.parametrize(
    ("settings_", "arguments", "message"),
    [
        ({"REVOCATION": True}, ["--sub", "a"], "cannot reach the running API"),
        ({"REPLAY_PROTECTION": True}, ["--sub", "a"], "REVOCATION is off"),
        ({"REVOCATION": True, "REDIS_URL": "DEAD"}, ["--sub", "a"], "the token store failed"),
        ({"REVOCATION": True, "REDIS_URL": "LIVE"}, [], "give either --jti"),
        ({"REVOCATION": True, "REDIS_URL": "LIVE"}, ["--sub", "a", "--before", "x"], "not a time"),
    ],
)
def test_revoke_command_refuses(
    settings: dict[str, Any],
    redis_url: str,
    settings_: dict[str, Any],
    arguments: list[str],
    message: str,
) -> None:
    urls = {"DEAD": f"redis://127.0.0.1:{free_port()}/0", "LIVE": redis_url}
    if "REDIS_URL" in settings_:
        settings_ = {**settings_, "REDIS_URL": urls[settings_["REDIS_URL"]]}
    app = make_app({**settings, **settings_})
    result = app.test_cli_runner().invoke(args=["jwtguard", "revoke", *arguments])
    assert result.exit_code == 1
    assert message in result.output

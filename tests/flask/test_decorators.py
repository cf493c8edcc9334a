"""``@jwt_required``, ``@jwt_exempt``, blueprint protection and ``current_token`` in detail."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import pytest
from flask import Blueprint, Flask

from jwtguard import GuardConfig
from jwtguard.keys import KeySet, StaticKeySource, TrustedKey
from jwtguard.testing import parse_challenge
from jwtguard_flask import (
    JWTGuard,
    current_token,
    get_current_token,
    jwt_exempt,
    jwt_required,
)
from tests.contract import Minter, bearer
from tests.flask.conftest import flask_settings


def identity() -> dict[str, Any]:
    """What a view sees: the token's subject, or None when it has no token."""
    token = get_current_token()
    return {"sub": token.subject if token else None, "bool": bool(current_token)}


@pytest.fixture
def app(settings: dict[str, Any]) -> Flask:
    app = Flask("decorators")
    app.config.update(flask_settings({**settings, "EXEMPT_PATHS": [r"/api/public/.*"]}))
    JWTGuard(app)
    return app


def test_bare_and_called_forms_keep_the_view_identity() -> None:
    def view() -> str:
        """Docs."""
        return "ok"

    async def async_view() -> str:
        return "ok"

    for decorated in (jwt_required(view), jwt_required(scopes=["a"], optional=True)(view)):
        assert (decorated.__name__, decorated.__doc__) == ("view", "Docs.")
        assert decorated.__wrapped__ is view  # type: ignore[attr-defined]
        assert not inspect.iscoroutinefunction(decorated)
    assert inspect.iscoroutinefunction(jwt_required(async_view))
    assert inspect.iscoroutinefunction(jwt_required(any_of=["a"])(async_view))


def test_options_go_by_keyword() -> None:
    with pytest.raises(TypeError, match="by keyword"):
        jwt_required(["notes:read"])  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("options", "status", "scope"),
    [
        # (all of one scope, granted or not: the contract table's "valid token with scope" and
        # "missing scope"; as a string: test_scopes_as_a_space_delimited_string)
        ({"any_of": ["notes:admin", "notes:read"]}, 200, None),
        ({"any_of": ["notes:admin", "notes:write"]}, 403, "notes:admin"),  # one that would do
        ({"scopes": ["notes:read"], "any_of": "notes:write"}, 403, "notes:read notes:write"),
    ],
)
def test_scopes_and_any_of(
    app: Flask, minter: Minter, options: dict[str, Any], status: int, scope: str | None
) -> None:
    app.add_url_rule("/scoped", "scoped", jwt_required(**options)(identity))
    response = app.test_client().get("/scoped", headers=bearer(minter.token()))
    assert response.status_code == status
    assert (scope is None) == ("WWW-Authenticate" not in response.headers)
    if scope is not None:
        assert response.headers["WWW-Authenticate"].endswith(f'scope="{scope}"')


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_optional_authentication(app: Flask, minter: Minter, asynchronous: bool) -> None:
    async def async_identity() -> dict[str, Any]:
        return identity()

    view = async_identity if asynchronous else identity
    app.add_url_rule("/optional", "optional", jwt_required(optional=True)(view))
    app.add_url_rule(
        "/optional-scoped", "scoped", jwt_required(optional=True, scopes=["notes:write"])(view)
    )
    client = app.test_client()
    anonymous = {"sub": None, "bool": False}
    assert client.get("/optional").get_json() == anonymous
    assert client.get("/optional", headers={"Authorization": "Basic eDp5"}).get_json() == anonymous
    assert client.get("/optional", headers=bearer(minter.token())).get_json() == {
        "sub": "alice",
        "bool": True,
    }
    expired = bearer(minter.token(now=0))
    assert client.get("/optional", headers=expired).get_json()["code"] == "token_expired"
    assert client.get("/optional", headers={"Authorization": "Bearer"}).status_code == 400
    assert client.get("/optional-scoped").get_json() == anonymous
    assert client.get("/optional-scoped", headers=bearer(minter.token())).status_code == 403


def protected_blueprint(app: Flask, **options: Any) -> Blueprint:
    blueprint = Blueprint("api", __name__, url_prefix="/api")
    app.extensions["jwtguard"].extension.protect(blueprint, **options)
    return blueprint


def test_blueprint_protection_with_exemptions(app: Flask, minter: Minter) -> None:
    api = protected_blueprint(app, scopes=["notes:read"])

    @api.get("/private")
    def private() -> dict[str, Any]:
        return identity()

    @api.get("/status")
    @jwt_exempt
    def status() -> dict[str, Any]:
        return identity()

    @jwt_exempt  # either order works: the route keeps the same function
    @api.get("/status2")
    def status2() -> dict[str, Any]:
        return identity()

    @api.get("/public/docs")  # matches EXEMPT_PATHS
    def docs() -> dict[str, Any]:
        return identity()

    @api.get("/write")
    @jwt_required(scopes=["notes:write"])  # adds to the blueprint's scopes
    def write() -> dict[str, Any]:
        return identity()

    @api.get("/exempt-but-required")
    @jwt_exempt
    @jwt_required
    def exempt_but_required() -> dict[str, Any]:
        return identity()

    app.register_blueprint(api)
    client = app.test_client()
    token, expired = bearer(minter.token()), bearer(minter.token(now=0))
    unscoped = bearer(minter.token(scope="other"))
    anonymous = {"sub": None, "bool": False}

    assert client.get("/api/private").status_code == 401
    assert client.get("/api/private", headers=unscoped).status_code == 403
    assert client.get("/api/private", headers=token).get_json()["sub"] == "alice"
    for path in ("/api/status", "/api/status2"):
        assert client.get(path).get_json() == anonymous
        assert client.get(path, headers=unscoped).get_json()["sub"] == "alice"
        assert client.get(path, headers=expired).status_code == 401, "a bad token is never ignored"
    assert client.get("/api/public/docs").get_json() == anonymous
    assert client.get("/api/public/docs", headers=expired).status_code == 401, "never ignored"
    assert client.get("/api/write", headers=token).status_code == 403
    assert client.get("/api/exempt-but-required").status_code == 401


def test_exempt_paths_do_not_lift_an_explicit_decorator(app: Flask) -> None:
    app.add_url_rule("/api/public/secret", "secret", jwt_required(identity))
    assert app.test_client().get("/api/public/secret").status_code == 401


class CountingKeySource:
    """The configured keys, counting how often the validator asks for them."""

    def __init__(self, config: GuardConfig) -> None:
        self.inner = StaticKeySource(config.key_set)
        self.calls = 0

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        self.calls += 1
        return self.inner.candidates(kid, algorithm)


def test_a_token_is_validated_once_per_request(settings: dict[str, Any], minter: Minter) -> None:
    keys = CountingKeySource(GuardConfig.from_mapping(settings))
    app = Flask("once")
    app.config.update(flask_settings(settings), JWTGUARD_PROTECT_APP=True)
    guard = JWTGuard(app, key_source=keys)
    api = Blueprint("api", __name__)
    guard.protect(api)
    api.add_url_rule("/x", "x", jwt_required(scopes=["notes:read"])(identity))
    app.register_blueprint(api)
    response = app.test_client().get("/x", headers=bearer(minter.token()))
    assert response.get_json()["sub"] == "alice"
    assert keys.calls == 1


def test_the_token_never_outlives_its_request(app: Flask, minter: Minter) -> None:
    app.add_url_rule("/optional", "optional", jwt_required(optional=True)(identity))
    client = app.test_client()
    with app.app_context():  # requests share this app context, and its g
        assert client.get("/optional", headers=bearer(minter.token())).get_json()["sub"] == "alice"
        assert client.get("/optional").get_json() == {"sub": None, "bool": False}


def test_current_token_without_a_token(app: Flask) -> None:
    @app.get("/unprotected")
    def unprotected() -> dict[str, Any]:
        assert get_current_token() is None
        assert not current_token
        return {"sub": current_token.subject}

    app.testing = True
    with pytest.raises(RuntimeError, match="This request has no access token"):
        app.test_client().get("/unprotected")
    with pytest.raises(RuntimeError, match="outside of request context"):
        get_current_token()
    assert not current_token


class _AsyncOnlyKeySource:
    """Serves keys only through the async path, as a remote source would after a fetch."""

    def __init__(self, keys: KeySet) -> None:
        self.keys = keys
        self.async_calls = 0

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise AssertionError("an async view must not take the blocking key path")

    async def acandidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        self.async_calls += 1
        return self.keys.candidates(kid, algorithm)


def test_async_views_fetch_keys_without_blocking(settings: dict[str, Any], minter: Minter) -> None:
    source = _AsyncOnlyKeySource(GuardConfig.from_mapping(dict(settings)).key_set)
    app = Flask("async_keys")
    app.config.update({f"JWTGUARD_{key}": value for key, value in settings.items()})
    JWTGuard(app, key_source=source)

    @app.get("/async")
    @jwt_required(scopes=["notes:read"])
    async def async_view() -> dict[str, Any]:
        return {"sub": current_token.subject}

    response = app.test_client().get("/async", headers=bearer(minter.token()))
    assert (response.status_code, response.json) == (200, {"sub": "alice"})
    assert source.async_calls == 1


def test_scopes_as_a_space_delimited_string(app: Flask, minter: Minter) -> None:
    """As in the Django decorator: a string is RFC 6749's space-delimited scope list."""

    @app.get("/both")
    @jwt_required(scopes="notes:read notes:write")
    def both() -> str:
        return "ok"

    client = app.test_client()
    refused = client.get("/both", headers=bearer(minter.token()))
    assert refused.status_code == 403
    assert parse_challenge(refused.headers["WWW-Authenticate"])[1]["scope"] == (
        "notes:read notes:write"
    )
    granted = bearer(minter.token(scope="notes:write notes:read"))
    assert client.get("/both", headers=granted).status_code == 200

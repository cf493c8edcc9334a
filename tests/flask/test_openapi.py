"""apispec and flask-smorest: JWTGuardPlugin documents what each route requires.

Real specs are built for small apps, with apispec-webframeworks' ``FlaskPlugin`` and with
flask-smorest, and validated by openapi-spec-validator.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
import pytest
from apispec import APISpec
from apispec_webframeworks.flask import FlaskPlugin
from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from flask_smorest import Api
from flask_smorest import Blueprint as SmorestBlueprint
from openapi_spec_validator import validate

from jwtguard import GuardConfig, InsufficientScope, render_error
from jwtguard_flask import JWTGuard, jwt_exempt, jwt_required
from jwtguard_flask.openapi import JWTGuardPlugin
from tests.contract import ISSUER, SETTINGS
from tests.flask.conftest import flask_settings

OIDC = "openIdConnect"
OK = {"get": {"responses": {"200": {"description": "OK"}}}}


def ok_view() -> Any:
    """A new view function (FlaskPlugin finds a view's route by the function)."""

    def ok() -> ResponseReturnValue:
        return {}

    return ok


def make_app(**settings: Any) -> tuple[Flask, JWTGuard]:
    app = Flask("openapi")
    keys = {"SECRET": "s" * 32, "ALGORITHMS": ["HS256"], "TOKEN_LOCATIONS": ["header"]}
    app.config.update(flask_settings(SETTINGS | keys | settings))
    return app, JWTGuard(app)


def build(app: Flask, *views: tuple[Any, dict[str, Any]]) -> dict[str, Any]:
    """The validated spec of ``views`` (each a view function and its documented operations)."""
    spec = APISpec("Notes", "1.0.0", "3.0.3", plugins=[FlaskPlugin(), JWTGuardPlugin(app)])
    with app.test_request_context():
        for view, operations in views:
            spec.path(view=view, operations=operations)
    document: dict[str, Any] = json.loads(json.dumps(spec.to_dict()))
    validate(document)
    return document


def test_a_decorated_view_gets_its_scopes_and_refusals() -> None:
    app, _ = make_app()

    @app.get("/notes")
    @jwt_required(scopes="notes:read notes:list")
    def notes() -> ResponseReturnValue:
        return []

    document = build(app, (notes, OK))
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes[OIDC]["openIdConnectUrl"] == f"{ISSUER}.well-known/openid-configuration"
    operation = document["paths"]["/notes"]["get"]
    assert operation["security"] == [{"bearerAuth": [], OIDC: ["notes:read", "notes:list"]}]
    assert list(operation["responses"]) == ["200", "401", "403"]
    forbidden = operation["responses"]["403"]["content"]["application/json"]
    assert forbidden["schema"] == {"$ref": "#/components/schemas/BearerError"}
    config = GuardConfig.from_mapping(SETTINGS | {"SECRET": "s" * 32, "ALGORITHMS": ["HS256"]})
    expected = json.loads(
        render_error(InsufficientScope(["notes:read", "notes:list"]), config).body
    )
    assert forbidden["examples"]["insufficient_scope"]["value"] == expected
    body = document["components"]["schemas"]["BearerError"]
    assert body["required"] == ["error", "error_description", "code"]  # no DRF "detail"


def test_blueprint_protection_exemptions_and_view_scopes_add_up() -> None:
    app, guard = make_app(EXEMPT_PATHS=["/admin/health"])
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.get("/stats")
    @jwt_required(any_of=["stats:read", "stats:all"])
    def stats() -> ResponseReturnValue:
        return {}

    @admin.get("/about")
    @jwt_exempt
    def about() -> ResponseReturnValue:
        return {}

    admin.add_url_rule("/health", "health", ok_view())
    guard.protect(admin, scopes="admin")
    app.register_blueprint(admin)
    app.add_url_rule("/public", "public", ok_view())
    views = app.view_functions
    document = build(
        app, (stats, OK), (about, OK), (views["admin.health"], OK), (views["public"], OK)
    )
    paths = document["paths"]
    assert paths["/admin/stats"]["get"]["security"] == [
        {"bearerAuth": [], OIDC: ["admin", "stats:read"]},
        {"bearerAuth": [], OIDC: ["admin", "stats:all"]},
    ]
    refusal = paths["/admin/stats"]["get"]["responses"]["403"]
    # the challenge names one set that satisfies protection and view: theirs, the first any-of
    assert refusal["headers"]["WWW-Authenticate"]["example"].endswith('scope="admin stats:read"')
    for exempt in ("/admin/about", "/admin/health"):
        assert paths[exempt]["get"]["security"] == [{"bearerAuth": [], OIDC: []}, {}]
        assert list(paths[exempt]["get"]["responses"]) == ["200", "401"]
    assert paths["/public"]["get"] == OK["get"]  # jwtguard does not guard it: left alone


def test_nested_blueprints_and_the_whole_app_are_protected_in_flask_order() -> None:
    app, guard = make_app()
    outer, inner = Blueprint("outer", __name__), Blueprint("inner", __name__)
    inner.add_url_rule("/deep", "deep", ok_view())
    guard.protect(app, scopes="app")
    guard.protect(outer, scopes="outer")
    guard.protect(inner, scopes="inner")
    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    document = build(app, (app.view_functions["outer.inner.deep"], OK))
    assert document["paths"]["/deep"]["get"]["security"] == [
        {"bearerAuth": [], OIDC: ["app", "outer", "inner"]}
    ]


def test_method_views_optional_tokens_and_stacked_decorators() -> None:
    app, _ = make_app()

    class Notes(MethodView):
        decorators = [jwt_required(scopes="notes")]  # noqa: RUF012 - Flask's own API

        @jwt_required(scopes="notes:read", optional=True)
        def get(self) -> ResponseReturnValue:
            return []

        @jwt_required(scopes="notes:write")
        @jwt_required(any_of="editor owner")
        def post(self) -> ResponseReturnValue:
            return {}, 201

    app.add_url_rule("/notes", view_func=Notes.as_view("notes"))
    operations = {"get": OK["get"], "post": {"responses": {"201": {"description": "Created"}}}}
    notes = build(app, (app.view_functions["notes"], operations))["paths"]["/notes"]
    assert notes["get"]["security"] == [{"bearerAuth": [], OIDC: ["notes", "notes:read"]}]
    assert notes["post"]["security"] == [
        {"bearerAuth": [], OIDC: ["notes", "notes:write", "editor"]},
        {"bearerAuth": [], OIDC: ["notes", "notes:write", "owner"]},
    ]

    @app.get("/maybe")
    @jwt_required(optional=True)
    def maybe() -> ResponseReturnValue:
        return {}

    optional = build(app, (maybe, OK))["paths"]["/maybe"]["get"]
    assert optional["security"] == [{"bearerAuth": [], OIDC: []}, {}]
    examples = optional["responses"]["401"]["content"]["application/json"]["examples"]
    assert list(examples) == ["token_expired"]  # no token is fine here


def test_what_an_operation_documents_itself_is_kept() -> None:
    app, _ = make_app()

    @app.get("/mine")
    @jwt_required(scopes="x")
    def mine() -> ResponseReturnValue:
        return {}

    documented = {
        "get": {
            "security": [{"bearerAuth": []}],
            "responses": {200: {"description": "OK"}, 401: {"description": "Log in"}},
        }
    }
    operation = build(app, (mine, documented))["paths"]["/mine"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert operation["responses"]["401"] == {"description": "Log in"}
    assert "403" in operation["responses"]


def test_settings_shape_the_schemes() -> None:
    app, _ = make_app(ISSUER=None, TOKEN_LOCATIONS=["header", "cookie"], ERROR_FORMAT="problem")

    @app.post("/notes")
    @jwt_required(scopes="notes:write")
    def add() -> ResponseReturnValue:
        return {}, 201

    document = build(app, (add, {"post": {"responses": {"201": {"description": "Created"}}}}))
    assert list(document["components"]["securitySchemes"]) == ["bearerAuth", "tokenCookie"]
    operation = document["paths"]["/notes"]["post"]
    assert operation["security"] == [{"bearerAuth": []}, {"tokenCookie": []}]
    forbidden = operation["responses"]["403"]["content"]["application/problem+json"]
    assert set(forbidden["examples"]) == {"insufficient_scope", "csrf_failed"}


def test_flask_smorest_documents_the_same() -> None:
    app, _ = make_app()
    app.config.update(API_TITLE="Notes", API_VERSION="1.0.0", OPENAPI_VERSION="3.0.3")
    api = Api(app, spec_kwargs={"extra_plugins": [JWTGuardPlugin(app)]})
    blp = SmorestBlueprint("notes", __name__, url_prefix="/api/notes")

    class Note(ma.Schema):
        text = ma.fields.String(required=True)

    @blp.route("")
    class Notes(MethodView):
        @blp.response(200, Note(many=True))
        @jwt_required(scopes="notes:read")
        def get(self) -> ResponseReturnValue:
            return []

        @jwt_required(scopes="notes:write")
        @blp.arguments(Note)
        @blp.response(201, Note)
        def post(self, note: dict[str, Any]) -> ResponseReturnValue:
            return note

    api.register_blueprint(blp)
    document: dict[str, Any] = json.loads(json.dumps(api.spec.to_dict()))
    validate(document)
    notes = document["paths"]["/api/notes"]
    for method, scope in (("get", "notes:read"), ("post", "notes:write")):
        assert notes[method]["security"] == [{"bearerAuth": [], OIDC: [scope]}]
        assert {"401", "403"} <= set(notes[method]["responses"])
    assert "BearerError" in document["components"]["schemas"]


def test_the_plugin_needs_jwtguard_set_up_first() -> None:
    with pytest.raises(RuntimeError, match="did you call"):
        APISpec("Notes", "1.0.0", "3.0.3", plugins=[JWTGuardPlugin(Flask("bare"))])

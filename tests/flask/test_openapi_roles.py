"""JWTGuardPlugin with roles: ``@jwt_required(roles=)`` and ``protect(roles=)`` give a 403 that
names the roles, and no scope in the security requirement."""

from __future__ import annotations

from flask import Blueprint
from flask.typing import ResponseReturnValue

from jwtguard_flask import jwt_required
from tests.flask.test_openapi import OIDC, OK, build, make_app


def test_roles_of_protection_and_view_are_documented() -> None:
    app, guard = make_app()
    admin = Blueprint("admin", __name__, url_prefix="/admin")

    @admin.get("/stats")
    @jwt_required(scopes="stats:read", any_roles=["auditor", "owner"])
    def stats() -> ResponseReturnValue:
        return {}

    guard.protect(admin, roles="staff")
    app.register_blueprint(admin)
    operation = build(app, (stats, OK))["paths"]["/admin/stats"]["get"]
    assert operation["security"] == [{"bearerAuth": [], OIDC: ["stats:read"]}]
    forbidden = operation["responses"]["403"]
    assert forbidden["description"].endswith(
        "the token lacks a required role (all of: staff; one of: auditor, owner)"
    )
    examples = forbidden["content"]["application/json"]["examples"]
    assert list(examples) == ["insufficient_scope", "insufficient_role"]
    assert examples["insufficient_role"]["value"]["error"] == "access_denied"

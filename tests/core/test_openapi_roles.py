"""jwtguard.openapi with roles: the security requirement lists scopes only (roles are no
OAuth scopes), and the 403 names the roles, with the core's ``insufficient_role`` answer."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from jwtguard import GuardConfig, InsufficientRole, InsufficientScope, render_error
from jwtguard.openapi import (
    ERROR_SCHEMA,
    OPENID_SCHEME,
    Requirement,
    error_responses,
    error_schema,
    security,
    security_schemes,
)

ISSUER = "https://idp.example.com/tenant/"
REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
CONFIG = GuardConfig(issuer=ISSUER, audience="api://notes", algorithms=["HS256"], secret="s" * 32)


def test_roles_stay_out_of_the_security_requirement() -> None:
    requirement = Requirement.of("notes:read", roles=["Notes.Admin"])
    assert security(CONFIG, requirement) == [{"bearerAuth": [], OPENID_SCHEME: ["notes:read"]}]
    only_roles = Requirement.of(roles=["Notes.Admin"])
    assert security(CONFIG, only_roles) == [{"bearerAuth": [], OPENID_SCHEME: []}]


def test_a_role_403_is_the_core_answer_and_names_the_roles() -> None:
    requirement = Requirement.of(roles=["Notes.Admin"], any_roles=["a", "b"])
    forbidden = error_responses(CONFIG, requirement, "GET", REF)["403"]
    assert forbidden["description"] == (
        "The token lacks a required role (all of: Notes.Admin; one of: a, b)"
    )
    assert forbidden["headers"]["WWW-Authenticate"]["example"] == 'Bearer realm="api"'
    examples = forbidden["content"]["application/json"]["examples"]
    assert list(examples) == ["insufficient_role"]
    assert examples["insufficient_role"]["value"] == json.loads(
        render_error(InsufficientRole(), CONFIG).body
    )


def test_scopes_and_roles_give_both_403_examples_scope_first() -> None:
    requirement = Requirement.of("notes:read", roles="Notes Admin")
    forbidden = error_responses(CONFIG, requirement, "GET", REF)["403"]
    assert forbidden["description"] == (
        "The token lacks a required scope (it needs notes:read); "
        "or the token lacks a required role (all of: Notes Admin)"
    )
    examples = forbidden["content"]["application/json"]["examples"]
    assert list(examples) == ["insufficient_scope", "insufficient_role"]
    scope = render_error(InsufficientScope(["notes:read"]), CONFIG)
    assert forbidden["headers"]["WWW-Authenticate"]["example"] == scope.header("WWW-Authenticate")
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/notes": {
                "get": {
                    "security": security(CONFIG, requirement),
                    "responses": {
                        "200": {"description": "ok"},
                        **error_responses(CONFIG, requirement, "GET", REF),
                    },
                }
            }
        },
        "components": {
            "schemas": {ERROR_SCHEMA: error_schema(CONFIG)},
            "securitySchemes": security_schemes(CONFIG),
        },
    }
    validate(document)

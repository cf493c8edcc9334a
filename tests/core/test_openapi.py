"""jwtguard.openapi: the security schemes, requirements and refusals an OpenAPI document shows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from jwtguard import (
    CsrfFailed,
    GuardConfig,
    InsufficientScope,
    TokenExpired,
    TokenMissing,
    render_error,
)
from jwtguard.openapi import (
    ERROR_SCHEMA,
    OPENID_SCHEME,
    Requirement,
    ScopeCheck,
    error_responses,
    error_schema,
    openid_configuration_url,
    security,
    security_schemes,
)

ISSUER = "https://idp.example.com/tenant/"
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
REF = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
READ = Requirement((ScopeCheck.of("notes:read"),))


def config(**settings: Any) -> GuardConfig:
    return GuardConfig(
        **{"audience": "api://notes", "algorithms": ["HS256"], "secret": "s" * 32} | settings
    )


def test_bearer_and_openid_connect_schemes_for_a_known_issuer() -> None:
    schemes = security_schemes(config(issuer=ISSUER))
    assert schemes["bearerAuth"] == BEARER
    assert schemes[OPENID_SCHEME]["type"] == "openIdConnect"
    expected = "https://idp.example.com/tenant/.well-known/openid-configuration"
    assert schemes[OPENID_SCHEME]["openIdConnectUrl"] == expected


def test_the_configured_discovery_url_wins_over_the_issuer() -> None:
    url = "https://login.example.com/v2.0/.well-known/openid-configuration"
    # OPENID_CONFIGURATION_URL is a key source: the only one configured
    settings = config(
        issuer=ISSUER, secret=None, algorithms=["RS256"], openid_configuration_url=url
    )
    assert openid_configuration_url(settings) == url


@pytest.mark.parametrize(
    ("settings", "why"),
    [
        ({}, "no issuer"),
        ({"issuer": [ISSUER, "https://other.example.com/"], "secret": None}, "several issuers"),
        (
            {
                "secret": None,
                "trusted_issuers": {
                    "https://login.example.com/{tenantid}/v2.0": {
                        "JWKS_URL": "https://login.example.com/common/keys"
                    }
                },
            },
            "an issuer template",
        ),
        ({"issuer": "accounts.example.com"}, "an issuer that is not a URL"),
        ({"issuer": "http://idp.example.com/"}, "plain http off loopback"),
        ({"issuer": "https://user:pw@idp.example.com/"}, "credentials in the URL"),
    ],
)
def test_no_openid_connect_scheme_without_one_publishable_issuer_url(
    settings: dict[str, Any], why: str
) -> None:
    tested = config(**settings)
    assert openid_configuration_url(tested) is None, why
    assert list(security_schemes(tested)) == ["bearerAuth"]
    assert security(tested, READ) == [{"bearerAuth": []}]  # scopes have nowhere to go


def test_a_discovery_url_with_query_values_is_not_published() -> None:
    url = "https://idp.example.com/.well-known/openid-configuration?key=secret"
    settings = config(
        issuer=ISSUER, secret=None, algorithms=["RS256"], openid_configuration_url=url
    )
    assert OPENID_SCHEME not in security_schemes(settings)
    assert "secret" not in json.dumps(security_schemes(settings))


@pytest.mark.parametrize(
    ("settings", "scheme"),
    [
        (
            {"header_name": "X-Token", "header_scheme": ""},
            {"in": "header", "name": "X-Token", "value": "<JWT> (no scheme)"},
        ),
        (
            {"header_scheme": "JWT"},
            {"in": "header", "name": "Authorization", "value": "JWT <JWT>"},
        ),
    ],
)
def test_a_custom_header_is_an_api_key_scheme(
    settings: dict[str, Any], scheme: dict[str, str]
) -> None:
    described = security_schemes(config(**settings))["bearerAuth"]
    assert (described["type"], described["in"], described["name"]) == (
        "apiKey",
        scheme["in"],
        scheme["name"],
    )
    assert described["description"].endswith(scheme["value"])


def test_each_token_location_openapi_can_describe_has_a_scheme() -> None:
    tested = config(
        issuer=ISSUER, token_locations=["header", "cookie", "query", "form"], cookie_name="at"
    )
    schemes = security_schemes(tested)
    assert schemes["tokenCookie"] == {"type": "apiKey", "in": "cookie", "name": "at"}
    assert schemes["tokenQuery"] == {"type": "apiKey", "in": "query", "name": "access_token"}
    assert list(schemes) == ["bearerAuth", "tokenCookie", "tokenQuery", OPENID_SCHEME]
    assert security(tested, READ) == [
        {"bearerAuth": [], OPENID_SCHEME: ["notes:read"]},
        {"tokenCookie": [], OPENID_SCHEME: ["notes:read"]},
        {"tokenQuery": [], OPENID_SCHEME: ["notes:read"]},
    ]


def test_security_lists_every_way_to_satisfy_the_checks() -> None:
    requirement = Requirement.join(
        Requirement((ScopeCheck.of("admin"),)),
        Requirement((ScopeCheck.of("notes:read", any_of="a b"),), optional=True),
    )
    assert not requirement.optional  # one required part makes the token required
    assert requirement.scope_sets() == (("admin", "notes:read", "a"), ("admin", "notes:read", "b"))
    assert security(config(issuer=ISSUER), requirement) == [
        {"bearerAuth": [], OPENID_SCHEME: ["admin", "notes:read", "a"]},
        {"bearerAuth": [], OPENID_SCHEME: ["admin", "notes:read", "b"]},
    ]


def test_an_optional_token_adds_the_anonymous_alternative_last() -> None:
    optional = Requirement((ScopeCheck.of("notes:read"),), optional=True)
    assert security(config(issuer=ISSUER), optional) == [
        {"bearerAuth": [], OPENID_SCHEME: ["notes:read"]},
        {},
    ]
    assert Requirement.join(optional, Requirement(optional=True)).optional


def test_401_examples_are_what_the_core_sends() -> None:
    tested = config(issuer=ISSUER, realm="notes")
    responses = error_responses(tested, READ, "GET", REF)
    unauthorized = responses["401"]
    content = unauthorized["content"]["application/json"]
    assert content["schema"] == REF
    assert {name: example["value"] for name, example in content["examples"].items()} == {
        "token_missing": json.loads(render_error(TokenMissing(), tested).body),
        "token_expired": json.loads(render_error(TokenExpired(), tested).body),
    }
    assert unauthorized["headers"]["WWW-Authenticate"]["example"] == 'Bearer realm="notes"'


def test_403_names_the_scopes_with_the_core_challenge() -> None:
    tested = config(issuer=ISSUER)
    forbidden = error_responses(tested, READ, "GET", REF)["403"]
    refusal = render_error(InsufficientScope(["notes:read"]), tested)
    assert forbidden["headers"]["WWW-Authenticate"]["example"] == refusal.header("WWW-Authenticate")
    assert 'scope="notes:read"' in forbidden["headers"]["WWW-Authenticate"]["example"]
    assert "notes:read" in forbidden["description"]
    example = forbidden["content"]["application/json"]["examples"]["insufficient_scope"]
    assert example["value"] == json.loads(refusal.body)


def test_no_403_without_scopes_and_no_token_missing_when_optional() -> None:
    tested = config(issuer=ISSUER)
    assert list(error_responses(tested, Requirement(), "POST", REF)) == ["401"]
    optional = error_responses(tested, Requirement(optional=True), "GET", REF)["401"]
    assert list(optional["content"]["application/json"]["examples"]) == ["token_expired"]
    assert "without one is served" in optional["description"]


@pytest.mark.parametrize(("method", "csrf"), [("POST", True), ("DELETE", True), ("GET", False)])
def test_a_cookie_token_adds_the_csrf_403_on_unsafe_methods(method: str, csrf: bool) -> None:
    tested = config(issuer=ISSUER, token_locations=["header", "cookie"])
    responses = error_responses(tested, Requirement(), method, REF)
    assert ("403" in responses) is csrf
    if csrf:
        examples = responses["403"]["content"]["application/json"]["examples"]
        assert examples["csrf_failed"]["value"] == json.loads(
            render_error(CsrfFailed(), tested).body
        )


def test_problem_documents_are_described_as_problem_json() -> None:
    tested = config(issuer=ISSUER, error_format="problem")
    schema = error_schema(tested)
    assert schema["properties"]["status"]["type"] == "integer"
    assert set(schema["required"]) == {"type", "title", "status", "detail", "error", "code"}
    content = error_responses(tested, READ, "GET", REF)["403"]["content"]
    assert list(content) == ["application/problem+json"]


def test_the_schema_is_the_body_plus_what_a_framework_adds() -> None:
    tested = config(issuer=ISSUER)
    assert error_schema(tested)["required"] == ["error", "error_description", "code"]

    def with_detail(answer: Any) -> dict[str, Any]:
        return {**json.loads(answer.body), "detail": "x"}

    assert error_schema(tested, with_detail)["required"][-1] == "detail"


@pytest.mark.parametrize("error_format", ["json", "problem"])
def test_a_document_made_of_these_parts_is_valid_and_its_examples_fit_the_schema(
    error_format: str,
) -> None:
    tested = config(issuer=ISSUER, token_locations=["header", "cookie"], error_format=error_format)
    requirement = Requirement((ScopeCheck.of("notes:write", any_of="a b"),))
    responses = error_responses(tested, requirement, "POST", REF)
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/notes": {
                "post": {
                    "security": security(tested, requirement),
                    "responses": {"201": {"description": "created"}, **responses},
                }
            }
        },
        "components": {
            "schemas": {ERROR_SCHEMA: error_schema(tested)},
            "securitySchemes": security_schemes(tested),
        },
    }
    validate(document)
    body_schema = error_schema(tested)
    examples = [
        example["value"]
        for response in responses.values()
        for content in response["content"].values()
        for example in content["examples"].values()
    ]
    assert len(examples) == 4  # token_missing, token_expired, insufficient_scope, csrf_failed
    for value in examples:
        OAS30Validator(body_schema).validate(value)

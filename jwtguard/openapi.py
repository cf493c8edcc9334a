"""OpenAPI 3 descriptions of what jwtguard asks of a request and how it refuses one.

The framework integrations (drf-spectacular: :mod:`jwtguard_django.spectacular`; apispec and
flask-smorest: :mod:`jwtguard_flask.openapi`) describe an operation by its
:class:`Requirement` (the one :meth:`Guard.decide <jwtguard.Guard.decide>` holds requests to)
and call the functions below, so Django and Flask document the same thing:

- :func:`security_schemes`: one scheme per ``TOKEN_LOCATIONS`` entry OpenAPI can express (the
  ``Authorization: Bearer`` header is an HTTP ``bearer`` scheme with ``bearerFormat: JWT``), plus
  an ``openIdConnect`` scheme when the issuer is known, which is what carries the scopes.
- :func:`security`: an operation's security requirements (a location scheme AND the
  ``openIdConnect`` scheme with the scopes it needs; one alternative per way to satisfy it).
- :func:`error_responses`: its 401 (and, when it can happen, 403) answers, whose examples are
  rendered by the core itself (:func:`~jwtguard.render_error`), so the document cannot drift
  from the wire.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from .challenge import ErrorResponse, render_error
from .config import GuardConfig
from .csrf import needs_csrf_check
from .errors import AuthError, CsrfFailed, InsufficientScope, TokenExpired, TokenMissing
from .extract import ACCESS_TOKEN_PARAMETER
from .keys.discovery import metadata_urls
from .scopes import Requirement, ScopeCheck
from .urls import redact_url, url_problem

__all__ = [
    "ERROR_SCHEMA",
    "OPENID_SCHEME",
    "SCHEME_NAMES",
    "Document",
    "Requirement",
    "ScopeCheck",
    "body_document",
    "error_responses",
    "error_schema",
    "openid_configuration_url",
    "security",
    "security_schemes",
]

SCHEME_NAMES = {"header": "bearerAuth", "cookie": "tokenCookie", "query": "tokenQuery"}
"""The security scheme of each token location OpenAPI can describe (not ``"form"``)."""
OPENID_SCHEME = "openIdConnect"
ERROR_SCHEMA = "BearerError"
"""The component name of the refusal body's schema."""

Document = Callable[[ErrorResponse], Mapping[str, Any]]
"""How a framework turns the core's answer into the body it sends (DRF adds ``detail``)."""
Schema = dict[str, Any]

_FIELDS = {
    "error": "The OAuth error code (RFC 6750 section 3.1)",
    "error_description": "What failed, for humans (never the token)",
    "code": "jwtguard's stable code for the failed check",
    "detail": "The error description again (Django REST framework's key)",
    "type": "A URI identifying the problem type (RFC 9457)",
    "title": "The HTTP status phrase",
    "status": "The HTTP status code",
}


def body_document(answer: ErrorResponse) -> Mapping[str, Any]:
    """The body the core sends, as JSON (the :data:`Document` of the Flask adapter)."""
    document: dict[str, Any] = json.loads(answer.body)
    return document


def openid_configuration_url(config: GuardConfig) -> str | None:
    """The issuer's OpenID Connect discovery URL, if it is known and fit to publish.

    ``OPENID_CONFIGURATION_URL`` when set, else derived from a single ``ISSUER``. ``None`` when
    there is no one issuer (several, or an issuer template), or the URL is not an https (or
    loopback http) URL, or carries credentials or query values (a published document must not
    show them).
    """
    url, issuer = config.openid_configuration_url, config.accepted_issuers.only
    if url is None and issuer is not None:
        url = metadata_urls(issuer)[0]
    if url is None or url_problem(url) is not None or redact_url(url) != url:
        return None
    return url


def security_schemes(config: GuardConfig) -> dict[str, Schema]:
    """The ``components.securitySchemes`` entries for ``config``, by name."""
    schemes: dict[str, Schema] = {}
    for location in config.token_locations:
        if location in SCHEME_NAMES:
            schemes[SCHEME_NAMES[location]] = _location_scheme(location, config)
    url = openid_configuration_url(config)
    if url is not None:
        schemes[OPENID_SCHEME] = {
            "type": "openIdConnect",
            "openIdConnectUrl": url,
            "description": "The scopes an operation needs, granted by the token's issuer; "
            "send the access token as the other scheme of the requirement says.",
        }
    return schemes


def _location_scheme(location: str, config: GuardConfig) -> Schema:
    if location == "cookie":
        return {"type": "apiKey", "in": "cookie", "name": config.cookie_name}
    if location == "query":
        return {"type": "apiKey", "in": "query", "name": ACCESS_TOKEN_PARAMETER}
    name, scheme = config.header_name, config.header_scheme
    if name.lower() == "authorization" and scheme.lower() == "bearer":
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    value = f"{scheme} <JWT>" if scheme else "<JWT> (no scheme)"
    return {
        "type": "apiKey",
        "in": "header",
        "name": name,
        "description": f"The access token, a JWT, in the {name} header: {value}",
    }


def security(config: GuardConfig, requirement: Requirement) -> list[dict[str, list[str]]]:
    """An operation's ``security``: alternatives, each a location scheme AND (when the issuer
    is known) the ``openIdConnect`` scheme listing the scopes; ``{}`` last when ``optional``."""
    names = [name for name in security_schemes(config) if name != OPENID_SCHEME]
    with_scopes = openid_configuration_url(config) is not None
    alternatives: list[dict[str, list[str]]] = []
    for name in names:
        if not with_scopes:
            alternatives.append({name: []})
            continue
        alternatives.extend({name: [], OPENID_SCHEME: list(s)} for s in requirement.scope_sets())
    if requirement.optional:
        alternatives.append({})
    return alternatives


def error_schema(config: GuardConfig, document: Document = body_document) -> Schema:
    """The schema of every refusal body (:data:`ERROR_SCHEMA`), read off a rendered one."""
    example = document(render_error(TokenMissing(), config))
    return {
        "type": "object",
        "description": "jwtguard's refusal (see WWW-Authenticate for the challenge)",
        "properties": {
            key: {"type": "integer" if isinstance(value, int) else "string"}
            | ({"description": _FIELDS[key]} if key in _FIELDS else {})
            for key, value in example.items()
        },
        "required": list(example),
    }


def error_responses(
    config: GuardConfig,
    requirement: Requirement,
    method: str,
    schema: Schema,
    document: Document = body_document,
) -> dict[str, Schema]:
    """The 401 and, when the operation can answer it, 403 responses of a ``method`` operation.

    ``schema`` is the body's schema or a reference to it (``{"$ref": ...}``). A 403 comes from a
    missing scope, a missing role, or the CSRF check of an unsafe request with a cookie token.
    Roles are named in the 403's description only: the security requirement lists scopes (an
    OpenAPI 3.0 bearer scheme takes none).
    """
    missing: list[AuthError] = [] if requirement.optional else [TokenMissing()]
    unauthorized = "The request has no valid access token"
    if requirement.optional:
        unauthorized = "The access token sent is invalid (a request without one is served)"
    responses = {
        "401": _response(unauthorized, [*missing, TokenExpired()], config, schema, document)
    }
    forbidden: list[AuthError] = []
    reasons: list[str] = []
    for refusal in requirement.refusals():
        forbidden.append(refusal)
        if isinstance(refusal, InsufficientScope):
            needs = " or ".join(" ".join(scopes) for scopes in requirement.scope_sets())
            reasons.append(f"the token lacks a required scope (it needs {needs})")
        else:
            needs = requirement.role_needs.describe(sep=", ")
            reasons.append(f"the token lacks a required role ({needs})")
    if "cookie" in config.token_locations and needs_csrf_check(method, "cookie"):
        forbidden.append(CsrfFailed())
        reasons.append("a token sent in a cookie failed the CSRF check")
    if forbidden:
        description = "; or ".join(reasons)
        responses["403"] = _response(
            description[0].upper() + description[1:], forbidden, config, schema, document
        )
    return responses


def _response(
    description: str,
    errors: list[AuthError],
    config: GuardConfig,
    schema: Schema,
    document: Document,
) -> Schema:
    answers = [render_error(error, config) for error in errors]
    return {
        "description": description,
        "headers": {
            "WWW-Authenticate": {
                "description": "The Bearer challenge (RFC 6750 section 3)",
                "schema": {"type": "string"},
                "example": answers[0].header("WWW-Authenticate"),
            }
        },
        "content": {
            answers[0].content_type: {
                "schema": schema,
                "examples": {answer.code: {"value": dict(document(answer))} for answer in answers},
            }
        },
    }

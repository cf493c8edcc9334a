"""Rendering an :class:`~jwtguard.errors.AuthError` into one neutral HTTP answer.

Adapters turn :class:`ErrorResponse` into their framework's response in a few lines and decide
nothing. The ``WWW-Authenticate`` challenge follows RFC 6750 §3 (attributes in the order realm,
error, error_description, error_uri, scope, then RFC 9728 ``resource_metadata``); the body is
``{"error", "error_description", "code"}`` JSON or an RFC 9457 problem document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus

from .config import GuardConfig
from .errors import AuthError, InsufficientScope, ServiceUnavailable

_DESCRIPTION_UNSAFE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")  # RFC 6750 §3 error_description
_SCOPE_UNSAFE = re.compile(r"[^\x21\x23-\x5b\x5d-\x7e]")  # RFC 6750 §3 scope-token
_MAX_DESCRIPTION = 200


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """A complete HTTP error answer, independent of any framework."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    code: str

    @property
    def content_type(self) -> str:
        return dict(self.headers)["Content-Type"]

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


def sanitize_description(text: str) -> str:
    """Make ``text`` a legal RFC 6750 ``error_description``: printable ASCII, no quote/backslash."""
    cleaned = _DESCRIPTION_UNSAFE.sub("?", text.replace('"', "'"))
    return cleaned[:_MAX_DESCRIPTION]


def scope_value(scopes: tuple[str, ...]) -> str:
    """The challenge ``scope`` attribute: space-delimited scope-tokens, each made legal."""
    return " ".join(dict.fromkeys(_SCOPE_UNSAFE.sub("_", scope) for scope in scopes if scope))


def www_authenticate(error: AuthError, config: GuardConfig) -> str:
    """The ``Bearer`` challenge for ``error``."""
    params = [("realm", config.realm)]
    if error.error is not None:
        params.append(("error", error.error))
        params.append(("error_description", sanitize_description(error.description)))
        if config.error_uri:
            params.append(("error_uri", config.error_uri))
        if isinstance(error, InsufficientScope) and error.required:
            params.append(("scope", scope_value(error.required)))
    if config.resource_metadata_url:
        params.append(("resource_metadata", config.resource_metadata_url))
    return "Bearer " + ", ".join(f'{name}="{value}"' for name, value in params)


def render_error(error: AuthError, config: GuardConfig) -> ErrorResponse:
    """Turn ``error`` into status, headers and body, per the configured ``ERROR_FORMAT``."""
    description = sanitize_description(error.description)
    headers: list[tuple[str, str]] = []
    if error.challenges:
        headers.append(("WWW-Authenticate", www_authenticate(error, config)))
    if isinstance(error, ServiceUnavailable):
        headers.append(("Retry-After", str(error.retry_after)))
    if config.error_format == "problem":
        document: dict[str, object] = {
            "type": config.error_uri or "about:blank",
            "title": HTTPStatus(error.status).phrase,
            "status": error.status,
            "detail": description,
            "error": error.body_error,
            "code": error.code,
        }
        content_type = "application/problem+json"
    else:
        document = {"error": error.body_error, "error_description": description, "code": error.code}
        content_type = "application/json"
    headers.append(("Content-Type", content_type))
    headers.append(("Cache-Control", "no-store"))
    body = json.dumps(document, separators=(",", ":")).encode("ascii")
    return ErrorResponse(error.status, tuple(headers), body, error.code)

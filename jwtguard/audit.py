"""What a guard reports of its decisions (design §7): one audit record per rejected request, on
the ``jwtguard.audit`` logger, and the listeners the adapters register to re-send each decision as
a framework signal.

Each record carries, as attributes of the ``logging.LogRecord`` (for JSON formatters) and in its
message (for plain ones): ``code``, ``status``, ``error``, ``method``, ``path``, ``client``, the
operator-only ``detail`` and, when the token can be read, its ``iss``, ``sub``, ``kid`` and
``alg``: a validated token's when the refusal came after validation (scopes, CSRF, a user
resolver), marked ``verified`` in the message; otherwise read without verification and marked
``unverified`` (a rejected token's claims prove nothing). They are cut short and stripped of
control characters. The token itself is never logged. The record
reuses what the decision read (:meth:`Guard.decide <jwtguard.Guard.decide>`): the token it
found, or the claims it validated; nothing is extracted again.

4xx rejections are logged at INFO, a 503 (keys or store unavailable) at WARNING.

A listener that raises is logged (on ``jwtguard``) and ignored: a broken receiver never turns a
decision into a 500, and never lets a refused request through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from .config import GuardConfig
from .errors import AuthError
from .jws import CompactJWS
from .request import RequestView
from .token import AccessToken

AUDIT_LOGGER = "jwtguard.audit"
audit_log = logging.getLogger(AUDIT_LOGGER)
logger = logging.getLogger("jwtguard")

#: The token facts an audit record may carry, and where they come from.
TOKEN_FACTS = {"iss": "payload", "sub": "payload", "kid": "header", "alg": "header"}
_LIMIT = 128

Token = str | AccessToken | None
"""The request's token as far as the decision read it: validated, found, or not found."""


def rejection_record(
    error: AuthError, request: RequestView, config: GuardConfig, token: Token = None
) -> dict[str, Any]:
    """The audit fields for ``error`` answered to ``request`` (``None`` where unknown), with
    the facts of the request's ``token`` as the decision read it (see :func:`token_facts`)."""
    record: dict[str, Any] = {
        "code": error.code,
        "status": error.status,
        "error": error.error,
        "method": _clean(request.method),
        "path": _clean(request.path),
        "client": _clean(request.client_address),
        "detail": _clean(error.detail, limit=512),
    }
    record.update(token_facts(token, config))
    return record


def token_facts(token: Token, config: GuardConfig) -> dict[str, str | None]:
    """``iss``, ``sub``, ``kid`` and ``alg`` of the request's token: a validated
    :class:`~jwtguard.AccessToken`'s, or read unverified from the token string, where readable
    (``None``: the request carried no token, or none could be found)."""
    facts: dict[str, str | None] = dict.fromkeys(TOKEN_FACTS)
    parts: dict[str, Mapping[str, Any]] = {"header": {}, "payload": {}}
    if isinstance(token, AccessToken):
        parts = {"header": token.header, "payload": token.claims}
    elif token is not None and len(token) <= config.max_token_bytes:
        try:
            jws = CompactJWS(token)
            parts["header"] = jws.header
            parts["payload"] = jws.payload()
        except Exception:  # noqa: S110 - best effort: the request is refused anyway
            pass
    for name, part in TOKEN_FACTS.items():
        value = parts[part].get(name)
        facts[name] = _clean(value) if isinstance(value, str) else None
    return facts


def log_rejection(
    error: AuthError, request: RequestView, config: GuardConfig, token: Token = None
) -> dict[str, Any]:
    """Write the audit record of one rejection; returns its fields."""
    record = rejection_record(error, request, config, token)
    level = logging.WARNING if error.status >= 500 else logging.INFO
    if audit_log.isEnabledFor(level):
        known = " ".join(f"{name}={record[name]}" for name in TOKEN_FACTS if record[name])
        audit_log.log(
            level,
            "%s %s %s %s from %s: %s%s",
            record["status"],
            record["code"],
            record["method"],
            record["path"],
            record["client"] or "unknown client",
            record["detail"] or error.description,
            f" [{_provenance(token)} {known}]" if known else "",
            extra=record,
        )
    return record


def _provenance(token: Token) -> str:
    """Whether the facts of an audit message were read from a validated token, for the operator
    (a token refused for its scopes or by a CSRF check was valid)."""
    return "verified" if isinstance(token, AccessToken) else "unverified"


# --- listeners ---------------------------------------------------------------------------------


class GuardListener(Protocol):
    """Receives a guard's events (both methods are called synchronously, in the request)."""

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        """``request`` carried ``token``, and it is valid (scopes are checked later)."""

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        """``request`` is answered with ``error``; ``record`` holds its audit fields."""


class Listeners:
    """The listeners of one guard, each called in turn, none able to break the request."""

    def __init__(self) -> None:
        self._listeners: list[GuardListener] = []

    def add(self, listener: GuardListener) -> None:
        self._listeners.append(listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def validated(self, request: RequestView, token: AccessToken) -> None:
        for listener in self._listeners:
            try:
                listener.token_validated(request, token)
            except Exception:
                logger.exception("a token_validated listener failed (%r)", listener)

    def rejected(self, request: RequestView, error: AuthError, record: Mapping[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener.token_rejected(request, error, record)
            except Exception:
                logger.exception("a token_rejected listener failed (%r)", listener)


def _clean(value: str | None, *, limit: int = _LIMIT) -> str | None:
    """``value`` safe for a log line: printable, no control characters, at most ``limit``."""
    if value is None:
        return None
    printable = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in value[: limit + 1])
    return printable if len(printable) <= limit else printable[:limit] + "…"

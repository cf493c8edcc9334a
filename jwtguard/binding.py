"""The binding step: a token bound to a key by ``cnf`` (RFC 7800) is refused, because jwtguard
cannot yet check the proof of possession that makes such a token safe. It follows the claim rules
(:mod:`jwtguard.claims`) and comes before the store, so a refused token uses up no ``jti``.
"""

from __future__ import annotations

from typing import Any

from .claims import invalid_claim
from .errors import InvalidToken, TokenBindingUnsupported
from .pipeline import Facts, Step

#: RFC 7800 §3 confirmation methods and the specifications that bind tokens with them.
CONFIRMATION_METHODS = {
    "jkt": "DPoP, RFC 9449",
    "x5t#S256": "mutual TLS, RFC 8705",
    "jwk": "RFC 7800",
    "jwe": "RFC 7800",
    "jku": "RFC 7800",
    "kid": "RFC 7800",
}
_MAX_METHODS_NAMED = 4


def _check(state: Facts) -> None:
    claims = state.claims
    if "cnf" in claims:
        raise binding_refusal(claims["cnf"])


BINDING: Step[Facts] = Step(
    "binding",
    ("cnf",),
    _check,
    lambda _state: "no `cnf` claim: bound to no key",
    after=("payload",),
)
"""Refuse a token that ``cnf`` binds to a key (RFC 7800 §3): see :func:`binding_refusal`."""


def binding_refusal(confirmation: Any) -> InvalidToken:
    """Why a token with this ``cnf`` is refused (RFC 7800 §3): accepted as a bearer token, a
    stolen DPoP or certificate-bound token would work like an unbound one.

    Any member of ``cnf`` counts, known or not (RFC 7800 lets new confirmation methods be
    defined): :class:`~jwtguard.errors.TokenBindingUnsupported`. A ``cnf`` that is not a
    non-empty JSON object (``null``, a string, ``{}``) is malformed, and refused as an invalid
    claim rather than guessed to be unbound. The detail names the methods, never their values.
    """
    if not isinstance(confirmation, dict) or not confirmation:
        return invalid_claim("cnf", "must be a JSON object naming a confirmation method (RFC 7800)")
    methods = sorted(confirmation)
    named = [
        f"{_shorten(method)} ({CONFIRMATION_METHODS[method]})"
        if method in CONFIRMATION_METHODS
        else _shorten(method)
        for method in methods[:_MAX_METHODS_NAMED]
    ]
    more = len(methods) - len(named)
    return TokenBindingUnsupported(
        detail=f"cnf binds the token to a key by {', '.join(named)}"
        + (f" and {more} more" if more else "")
        + "; jwtguard cannot check a proof of possession, so it accepts only unbound tokens"
    )


def _shorten(name: str, limit: int = 32) -> str:
    return repr(name if len(name) <= limit else name[:limit] + "…")

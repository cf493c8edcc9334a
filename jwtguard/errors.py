"""Errors that know their HTTP answer.

Every rejection is an :class:`AuthError`. Each subclass fixes the HTTP status, the RFC 6750 §3.1
``error`` attribute of the challenge (``None`` when the request carried no credentials), the
``error`` member of the JSON body and a stable ``code`` that clients and operators can rely on.

``description`` is safe to send to the client: it names the failed check and nothing else.
``detail`` is for the operator only (logs, ``jwtguard explain``): it may name expected values,
but never the token itself nor a secret.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class ConfigProblem:
    """One problem of a configuration: the ``setting`` it is about (``None`` when it is about no
    one setting), a stable ``code`` (``leeway_invalid``, ``key_source_missing``...; see the
    settings reference) and the ``message`` for people."""

    setting: str | None
    code: str
    message: str

    def __str__(self) -> str:
        return self.message


class ConfigurationError(Exception):
    """jwtguard was configured wrongly; raised once, when the configuration is built.

    ``issues`` lists every problem found (:class:`ConfigProblem`), so one start-up shows them
    all; ``problems`` their messages. A plain string given for a problem gets the code
    ``configuration_invalid``.
    """

    def __init__(self, problems: Iterable[str | ConfigProblem]) -> None:
        self.issues: tuple[ConfigProblem, ...] = tuple(
            problem
            if isinstance(problem, ConfigProblem)
            else ConfigProblem(None, "configuration_invalid", problem)
            for problem in problems
        )
        self.problems: tuple[str, ...] = tuple(issue.message for issue in self.issues)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the jwtguard configuration:"
        super().__init__("\n  - ".join((heading, *self.problems)))


class AuthError(Exception):
    """Base of every rejection; subclasses set the class attributes below."""

    status: ClassVar[int] = 401
    #: RFC 6750 ``error`` attribute of the challenge; ``None`` means "no error attribute".
    error: ClassVar[str | None] = None
    #: ``error`` member of the JSON body.
    body_error: ClassVar[str] = "unauthorized"
    #: Whether the answer carries a ``WWW-Authenticate: Bearer`` challenge.
    challenges: ClassVar[bool] = True
    code: ClassVar[str] = "unauthorized"
    default_description: ClassVar[str] = "Authentication is required"

    def __init__(self, description: str | None = None, *, detail: str | None = None) -> None:
        self.description: str = description or self.default_description
        self.detail: str = detail or self.description
        super().__init__(self.description)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, description={self.description!r})"


# --- no usable credentials: 401 without an error attribute (RFC 6750 §3.1) -------------------


class TokenMissing(AuthError):
    """The request carried no access token at all (RFC 6750 §3.1, last paragraph)."""

    code = "token_missing"
    default_description = "An access token is required"


class UnsupportedScheme(AuthError):
    """``Authorization`` used another scheme (Basic, SSWS, Token, ...), so no bearer token came."""

    code = "unsupported_scheme"
    default_description = "The Authorization header must use the Bearer scheme"


# --- malformed requests: 400 invalid_request (RFC 6750 §3.1) ---------------------------------


class InvalidRequest(AuthError):
    """The request is malformed: empty or non-b64token credentials (RFC 6750 §2.1, §3.1)."""

    status = 400
    error = "invalid_request"
    body_error = "invalid_request"
    code = "malformed_request"
    default_description = "The bearer credentials are malformed"


class MultipleTokens(InvalidRequest):
    """The token came in more than one place (RFC 6750 §2: "MUST NOT use more than one method")."""

    code = "multiple_tokens"
    default_description = "The access token was sent in more than one place"


# --- the token is bad: 401 invalid_token (RFC 6750 §3.1) -------------------------------------


class InvalidToken(AuthError):
    """The token is expired, revoked, malformed, or invalid for other reasons."""

    error = "invalid_token"
    body_error = "invalid_token"
    code = "invalid_token"
    default_description = "The access token is invalid"


class TokenMalformed(InvalidToken):
    code = "token_malformed"
    default_description = "The access token is not a well-formed signed JWT"


class TokenTooLarge(InvalidToken):
    code = "token_too_large"
    default_description = "The access token is too large"


class AlgorithmNotAllowed(InvalidToken):
    code = "algorithm_not_allowed"
    default_description = "The token's signing algorithm is not allowed"


class UnknownKey(InvalidToken):
    code = "unknown_key"
    default_description = "The token was signed by an unknown key"


class SignatureInvalid(InvalidToken):
    code = "signature_invalid"
    default_description = "The token's signature is invalid"


class TokenExpired(InvalidToken):
    code = "token_expired"
    default_description = "The access token expired"


class TokenNotYetValid(InvalidToken):
    code = "token_not_yet_valid"
    default_description = "The access token is not valid yet"


class TokenIssuedInFuture(InvalidToken):
    code = "token_issued_in_future"
    default_description = "The access token was issued in the future"


class ClaimMissing(InvalidToken):
    code = "claim_missing"
    default_description = "The access token lacks a required claim"


class ClaimInvalid(InvalidToken):
    code = "claim_invalid"
    default_description = "The access token has an invalid claim"


class AudienceInvalid(InvalidToken):
    code = "audience_invalid"
    default_description = "Unexpected audience"


class IssuerInvalid(InvalidToken):
    code = "issuer_invalid"
    default_description = "Unexpected issuer"


class TypeInvalid(InvalidToken):
    code = "type_invalid"
    default_description = "Unexpected token type"


class LifetimeTooLong(InvalidToken):
    code = "lifetime_too_long"
    default_description = "The access token's lifetime is too long"


class CriticalHeaderUnsupported(InvalidToken):
    code = "critical_header_unsupported"
    default_description = "The token requires an unsupported critical header extension"


class TokenBindingUnsupported(InvalidToken):
    """The token is bound to a key by its ``cnf`` claim (RFC 7800: DPoP ``jkt``, RFC 9449;
    mutual-TLS ``x5t#S256``, RFC 8705; ``jwk``, ``jwe``, ``jku``, ``kid``), and jwtguard cannot
    check the proof of possession: accepting it as a bearer token would be a silent downgrade."""

    code = "token_binding_unsupported"
    default_description = "The access token is bound to a key; this API accepts only bearer tokens"


class TokenRevoked(InvalidToken):
    code = "token_revoked"
    default_description = "The access token was revoked"


class TokenReplayed(InvalidToken):
    code = "token_replayed"
    default_description = "The access token was already used"


# --- valid token, not enough privileges: 403 insufficient_scope (RFC 6750 §3.1) --------------


class InsufficientScope(AuthError):
    """The token is valid but lacks the scopes the resource requires.

    ``required`` are the scopes rendered in the challenge's ``scope`` attribute; ``missing``
    those of the all-of list the token lacks, ``one_of`` the any-of list it has none of (for
    the operator: ``jwtguard explain``).
    """

    status = 403
    error = "insufficient_scope"
    body_error = "insufficient_scope"
    code = "insufficient_scope"
    default_description = "The access token lacks the required scope"

    def __init__(
        self,
        required: Iterable[str],
        description: str | None = None,
        *,
        detail: str | None = None,
        missing: Iterable[str] = (),
        one_of: Iterable[str] = (),
    ) -> None:
        self.required: tuple[str, ...] = tuple(required)
        self.missing: tuple[str, ...] = tuple(missing)
        self.one_of: tuple[str, ...] = tuple(one_of)
        super().__init__(description, detail=detail)


class InsufficientRole(AuthError):
    """The token is valid but lacks a role the resource requires (roles are read from
    ``ROLE_CLAIMS``, apart from scopes: see :mod:`jwtguard.scopes`).

    403, and, as RFC 6750 defines no error code for it, a challenge without one (``Bearer
    realm``) and OAuth's ``access_denied`` in the body (RFC 6749 §4.1.2.1); the ``code`` says
    which. Not ``insufficient_scope``: no scope can help, and a client that steps up on it
    (RFC 6750 §3.1; the MCP authorization spec) would only ask for a new token with the same
    scopes; not a code of our own in the challenge either: error codes used with Bearer tokens
    must be registered (RFC 6749 §8.5). A role is granted by the provider's administrator, so
    the client is not told which: ``missing`` (the all-of roles the token lacks) and ``one_of``
    (the any-of list it has none of) are for the operator (the audit detail, ``jwtguard
    explain``).
    """

    status = 403
    body_error = "access_denied"
    code = "insufficient_role"
    default_description = "The access token lacks a required role"

    def __init__(
        self,
        description: str | None = None,
        *,
        detail: str | None = None,
        missing: Iterable[str] = (),
        one_of: Iterable[str] = (),
    ) -> None:
        self.missing: tuple[str, ...] = tuple(missing)
        self.one_of: tuple[str, ...] = tuple(one_of)
        super().__init__(description, detail=detail)


# --- a token sent in a cookie, without proof the request is not forged: 403 ----------------


class CsrfFailed(AuthError):
    """An unsafe request authenticated by a token in a cookie failed the CSRF check.

    403 as Django's and DRF's CSRF refusals. RFC 6750 has no error code for it, so the challenge
    carries none (``Bearer realm``: send the token in the ``Authorization`` header instead) and
    the body's ``error`` is OAuth's ``access_denied`` (RFC 6749 §4.1.2.1); the ``code`` says
    which check failed (see :mod:`jwtguard.csrf`).
    """

    status = 403
    body_error = "access_denied"
    code = "csrf_failed"
    default_description = "CSRF verification failed for a token sent in a cookie"


# --- we cannot decide right now: 503 (not the client's fault, so no challenge) ---------------


class ServiceUnavailable(AuthError):
    """A dependency needed to decide is unreachable; the client should retry later."""

    status = 503
    body_error = "temporarily_unavailable"
    challenges = False
    code = "temporarily_unavailable"
    default_description = "Authentication is temporarily unavailable"

    def __init__(
        self,
        description: str | None = None,
        *,
        detail: str | None = None,
        retry_after: int = 30,
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(description, detail=detail)


class KeySourceUnavailable(ServiceUnavailable):
    code = "key_source_unavailable"
    default_description = "The keys needed to verify the token are temporarily unavailable"


class StoreUnavailable(ServiceUnavailable):
    code = "store_unavailable"
    default_description = "The token store is temporarily unavailable"


INVALID_TOKEN_ERRORS: tuple[type[InvalidToken], ...] = (
    TokenMalformed,
    TokenTooLarge,
    AlgorithmNotAllowed,
    UnknownKey,
    SignatureInvalid,
    TokenExpired,
    TokenNotYetValid,
    TokenIssuedInFuture,
    ClaimMissing,
    ClaimInvalid,
    AudienceInvalid,
    IssuerInvalid,
    TypeInvalid,
    LifetimeTooLong,
    CriticalHeaderUnsupported,
    TokenBindingUnsupported,
    TokenRevoked,
    TokenReplayed,
)
"""Every ``invalid_token`` error, one per stable code of the design's §3."""

"""jwtguard: JWT access-token validation with RFC 6750-correct answers."""

from __future__ import annotations

from .challenge import ErrorResponse, render_error
from .config import GuardConfig
from .errors import (
    AlgorithmNotAllowed,
    AudienceInvalid,
    AuthError,
    ClaimInvalid,
    ClaimMissing,
    ConfigurationError,
    CriticalHeaderUnsupported,
    CsrfFailed,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    IssuerInvalid,
    KeySourceUnavailable,
    LifetimeTooLong,
    MultipleTokens,
    ServiceUnavailable,
    SignatureInvalid,
    StoreUnavailable,
    TokenBindingUnsupported,
    TokenExpired,
    TokenIssuedInFuture,
    TokenMalformed,
    TokenMissing,
    TokenNotYetValid,
    TokenReplayed,
    TokenRevoked,
    TokenTooLarge,
    TypeInvalid,
    UnknownKey,
    UnsupportedScheme,
)
from .extract import extract_token
from .guard import Guard
from .request import RequestView, SimpleRequest
from .scopes import require_scopes
from .stores.base import StoreError, TokenStore
from .stores.memory import MemoryStore
from .stores.revocation import Revocation, Revocations
from .token import AccessToken
from .validator import Validator

__version__ = "0.1.0"

__all__ = [
    "AccessToken",
    "AlgorithmNotAllowed",
    "AudienceInvalid",
    "AuthError",
    "ClaimInvalid",
    "ClaimMissing",
    "ConfigurationError",
    "CriticalHeaderUnsupported",
    "CsrfFailed",
    "ErrorResponse",
    "Guard",
    "GuardConfig",
    "InsufficientScope",
    "InvalidRequest",
    "InvalidToken",
    "IssuerInvalid",
    "KeySourceUnavailable",
    "LifetimeTooLong",
    "MemoryStore",
    "MultipleTokens",
    "RequestView",
    "Revocation",
    "Revocations",
    "ServiceUnavailable",
    "SignatureInvalid",
    "SimpleRequest",
    "StoreError",
    "StoreUnavailable",
    "TokenBindingUnsupported",
    "TokenExpired",
    "TokenIssuedInFuture",
    "TokenMalformed",
    "TokenMissing",
    "TokenNotYetValid",
    "TokenReplayed",
    "TokenRevoked",
    "TokenStore",
    "TokenTooLarge",
    "TypeInvalid",
    "UnknownKey",
    "UnsupportedScheme",
    "Validator",
    "extract_token",
    "render_error",
    "require_scopes",
]

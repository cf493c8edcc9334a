"""jwtguard: JWT access-token validation with RFC 6750-correct answers.

Here: what an application needs. Adapter authors also use :mod:`jwtguard.adapters`; test
helpers are in :mod:`jwtguard.testing`, keys in :mod:`jwtguard.keys`, token stores in
:mod:`jwtguard.stores`, the operator's tools in :mod:`jwtguard.tools`.
"""

from __future__ import annotations

import warnings
from typing import Any

from .challenge import ErrorResponse, render_error
from .config import GuardConfig
from .errors import (
    AlgorithmNotAllowed,
    AudienceInvalid,
    AuthError,
    ClaimInvalid,
    ClaimMissing,
    ConfigProblem,
    ConfigurationError,
    CriticalHeaderUnsupported,
    CsrfFailed,
    InsufficientRole,
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
from .extract import extract_token as _extract_token
from .guard import Guard
from .request import RequestView, SimpleRequest
from .scopes import require_roles, require_scopes
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
    "ConfigProblem",
    "ConfigurationError",
    "CriticalHeaderUnsupported",
    "CsrfFailed",
    "ErrorResponse",
    "Guard",
    "GuardConfig",
    "InsufficientRole",
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
    "render_error",
    "require_roles",
    "require_scopes",
]

_MOVED = {"extract_token": ("jwtguard.adapters", _extract_token)}


def __getattr__(name: str) -> Any:
    """A name that moved out of the top level: still found, with a ``DeprecationWarning``."""
    if name in _MOVED:
        home, value = _MOVED[name]
        message = f"jwtguard.{name} is deprecated; import it from {home}"
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

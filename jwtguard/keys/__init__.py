"""Keys: static keys and their loaders, remote JWK Sets and discovery, the HTTP fetcher, and
signature verifiers. Nothing here reads a configuration: :mod:`jwtguard.sources` chooses the
key source a :class:`~jwtguard.GuardConfig` describes.

Implement :class:`KeySource` to give a validator keys of your own.
"""

from .algorithms import MIN_RSA_BITS, SUPPORTED_ALGORITHMS
from .keyset import (
    MAX_KEYS_WITHOUT_KID_LIMIT,
    KeyNotTried,
    KeySet,
    KeySource,
    StaticKeySource,
    TrustedKey,
    VerificationKey,
)
from .loaders import LoadResult, load_jwks, load_pem, load_secret

__all__ = [
    "MAX_KEYS_WITHOUT_KID_LIMIT",
    "MIN_RSA_BITS",
    "SUPPORTED_ALGORITHMS",
    "KeyNotTried",
    "KeySet",
    "KeySource",
    "LoadResult",
    "StaticKeySource",
    "TrustedKey",
    "VerificationKey",
    "load_jwks",
    "load_pem",
    "load_secret",
]

"""Loading configured and fetched keys: each parsed once and bound to what its type permits.

A key's type decides which algorithms it can ever verify (RFC 8725 §3.1): an HMAC secret only
HS*, an RSA key of at least 2048 bits only RS*/PS*, an EC key only the ES* of its curve, an OKP
key only EdDSA (the table: :mod:`jwtguard.keys.algorithms`). A token header can name an
algorithm, never widen what a key may do, and keys referenced from inside a token (``jku``,
``x5u``, ``jwk``, ``x5c``) are never looked at.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import InvalidKeyError

from ..errors import ConfigProblem
from .algorithms import (
    EC_ALGORITHM_BY_CURVE,
    HMAC_MIN_BYTES,
    MIN_RSA_BITS,
    RSA_ALGORITHMS,
    SUPPORTED_ALGORITHMS,
)
from .keyset import TrustedKey

_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
_IMPLEMENTATIONS: dict[str, Algorithm] = {
    name: implementation
    for name, implementation in get_default_algorithms().items()
    if name in SUPPORTED_ALGORITHMS
}


@dataclass
class LoadResult:
    """Keys loaded from configuration, with the problems that make the configuration invalid
    (code ``key_invalid``, or ``secret_too_short``; the caller knows which setting they are of)."""

    keys: list[TrustedKey] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def refuse(self, message: str, code: str = "key_invalid") -> None:
        """Add a problem."""
        self.problems.append(ConfigProblem(None, code, message))


def load_secret(
    secret: str | bytes, allowed: Iterable[str], *, origin: str = "SECRET"
) -> LoadResult:
    """Bind an HMAC secret to the allowed HS algorithms its length supports."""
    result = LoadResult()
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    text = raw[:64].lstrip()
    if text.startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-")):
        result.refuse(
            f"{origin} looks like a PEM or SSH key; an asymmetric key belongs in PUBLIC_KEY, "
            "never in an HMAC secret"
        )
        return result
    _bind_hmac(raw, None, allowed, origin, result)
    return result


def load_pem(pem: str | bytes, allowed: Iterable[str], *, origin: str = "PUBLIC_KEY") -> LoadResult:
    """Load a PEM public key or certificate and bind it to the algorithms its type allows."""
    result = LoadResult()
    data = pem.encode("utf-8") if isinstance(pem, str) else bytes(pem)
    if b"PRIVATE KEY-----" in data:
        result.refuse(f"{origin} holds a private key; configure the public key only")
        return result
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            public_key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            public_key = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        result.refuse(f"{origin} is not a PEM public key or certificate ({exc})")
        return result
    _bind_asymmetric(public_key, allowed, origin, result)
    return result


def load_jwks(
    jwks: Mapping[str, Any] | str,
    allowed: Iterable[str],
    *,
    origin: str = "JWKS",
    fetched: bool = False,
) -> LoadResult:
    """Load a JWK Set (or a single JWK) keeping only usable signature-verification keys.

    Keys meant for encryption, of unknown type, or not usable with any allowed algorithm are
    skipped (and reported in ``skipped``); weak or private keys are configuration problems.
    ``fetched``: the set was fetched from a URL, a public document, so HMAC (``oct``) keys in it
    are skipped whatever the algorithms (anyone can read the secret), and so are keys without
    ``kid`` (keys from a URL are selected by ``kid`` only).
    """
    result = LoadResult()
    allowed = frozenset(allowed)
    document: Any = jwks
    if isinstance(jwks, str):
        try:
            document = json.loads(jwks)
        except ValueError:
            result.refuse(f"{origin} is not valid JSON")
            return result
    if not isinstance(document, Mapping):
        result.refuse(f"{origin} must be a JSON object (a JWK Set or a single JWK)")
        return result
    entries = document.get("keys") if "keys" in document else [document]
    if not isinstance(entries, list):
        result.refuse(f'{origin} "keys" must be a list')
        return result
    for index, entry in enumerate(entries):
        _load_jwk(entry, allowed, f"{origin} key #{index}", result, fetched=fetched)
    return result


def _load_jwk(
    jwk: Any, allowed: frozenset[str], origin: str, result: LoadResult, *, fetched: bool
) -> None:
    if not isinstance(jwk, Mapping):
        result.refuse(f"{origin} is not a JSON object")
        return
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        result.refuse(f"{origin} has a non-string kid")
        return
    if kid is not None:
        origin = f"{origin} (kid {kid!r})"
    kty = jwk.get("kty")
    if fetched and kty == "oct":
        result.skipped.append(
            f"{origin}: an HMAC secret in a JWK Set fetched from a URL is public; ignored"
        )
        return
    if fetched and kid is None:
        result.skipped.append(
            f"{origin}: a key without kid in a JWK Set fetched from a URL is never selected "
            "(keys from a URL are chosen by the token's kid); ignored"
        )
        return
    if jwk.get("use", "sig") != "sig":
        result.skipped.append(f"{origin}: use {jwk.get('use')!r} is not a signature key")
        return
    key_ops = jwk.get("key_ops")
    if isinstance(key_ops, list) and "verify" not in key_ops:
        result.skipped.append(f"{origin}: key_ops {key_ops!r} do not include verify")
        return
    pinned = jwk.get("alg")
    if pinned is not None and pinned not in SUPPORTED_ALGORITHMS:
        result.skipped.append(f"{origin}: alg {pinned!r} is not a supported signature algorithm")
        return
    if kty == "oct":
        try:
            secret = _IMPLEMENTATIONS["HS256"].from_jwk(dict(jwk))
        except (InvalidKeyError, ValueError, TypeError, KeyError):
            result.refuse(f"{origin} is not a valid oct JWK")
            return
        _bind_hmac(secret, kid, allowed if pinned is None else allowed & {pinned}, origin, result)
        return
    if kty not in ("RSA", "EC", "OKP"):
        result.skipped.append(f"{origin}: kty {kty!r} is not supported")
        return
    private = [member for member in _PRIVATE_JWK_MEMBERS if member in jwk]
    if private:
        result.refuse(
            f"{origin} contains private key material ({', '.join(private)}); "
            "publish public keys only"
        )
        return
    implementation = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}[kty]
    try:
        public_key = _IMPLEMENTATIONS[implementation].from_jwk(dict(jwk))
    except (InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        result.refuse(f"{origin} is not a valid {kty} JWK ({exc})")
        return
    _bind_asymmetric(public_key, allowed, origin, result, kid=kid, pinned=pinned)


def _bind_hmac(
    secret: bytes, kid: str | None, allowed: Iterable[str], origin: str, result: LoadResult
) -> None:
    wanted = [alg for alg in allowed if alg in HMAC_MIN_BYTES]
    if len(secret) < HMAC_MIN_BYTES["HS256"]:
        result.refuse(
            f"{origin} is {len(secret)} bytes; HMAC secrets must be at least 32 bytes "
            "(RFC 7518 §3.2)",
            "secret_too_short",
        )
        return
    too_short = [alg for alg in wanted if len(secret) < HMAC_MIN_BYTES[alg]]
    for alg in too_short:
        result.refuse(
            f"{origin} is {len(secret)} bytes; {alg} needs at least {HMAC_MIN_BYTES[alg]}",
            "secret_too_short",
        )
    usable = frozenset(wanted) - frozenset(too_short)
    if not usable:
        if not too_short:
            result.skipped.append(f"{origin}: an HMAC secret, but no HS algorithm is allowed")
        return
    label = f"HMAC secret ({len(secret)} bytes)"
    result.keys.append(TrustedKey(kid, "oct", usable, secret, label, origin))


def _bind_asymmetric(
    public_key: Any,
    allowed: Iterable[str],
    origin: str,
    result: LoadResult,
    *,
    kid: str | None = None,
    pinned: str | None = None,
) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        kind, label = "RSA", f"RSA {public_key.key_size}-bit"
        if public_key.key_size < MIN_RSA_BITS:
            result.refuse(
                f"{origin} is a {public_key.key_size}-bit RSA key; at least {MIN_RSA_BITS} "
                "bits are required (RFC 7518 §3.3)"
            )
            return
        fitting: frozenset[str] = RSA_ALGORITHMS
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        kind, label = "EC", f"EC {public_key.curve.name}"
        algorithm = EC_ALGORITHM_BY_CURVE.get(public_key.curve.name)
        fitting = frozenset({algorithm} if algorithm else ())
    elif isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        kind = "OKP"
        label = "OKP Ed25519" if isinstance(public_key, ed25519.Ed25519PublicKey) else "OKP Ed448"
        fitting = frozenset({"EdDSA"})
    else:
        result.refuse(f"{origin} is a {type(public_key).__name__}, not a signing key")
        return
    if pinned is not None and pinned not in fitting:
        result.refuse(f"{origin} is an {label} key but its alg is {pinned}")
        return
    usable = (fitting if pinned is None else frozenset({pinned})) & frozenset(allowed)
    if not usable:
        result.skipped.append(
            f"{origin}: an {label} key fits {', '.join(sorted(fitting)) or 'no algorithm'}, "
            "none of which is allowed"
        )
        return
    result.keys.append(TrustedKey(kid, kind, usable, public_key, label, origin))

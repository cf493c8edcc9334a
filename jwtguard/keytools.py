"""``jwtguard keygen`` and ``jwtguard mint``: keys and tokens for development and tests.

Never use these to issue production tokens: an identity provider does that.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import get_default_algorithms

from .testing import SigningKey, b64url, generate_key

_ALGORITHMS = get_default_algorithms()
_CURVE_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def keygen(algorithm: str, *, kid: str | None, output: str, rsa_bits: int = 2048) -> str:
    """A new key for ``algorithm`` as a private ``jwk``, a public ``jwks`` or ``pem`` (both)."""
    key = generate_key(algorithm, kid=kid, rsa_bits=rsa_bits)
    if output == "jwks":
        return json.dumps(key.jwks(), indent=2)
    if output == "jwk":
        return json.dumps(private_jwk(key), indent=2)
    if key.is_symmetric:
        raise ValueError("an HMAC secret has no PEM form: use --format jwk")
    return (key.private_pem() + key.public_pem()).decode("ascii").rstrip("\n")


def write_key_files(
    directory: Path, algorithm: str, *, kid: str | None, rsa_bits: int = 2048
) -> list[Path]:
    """One new key in every form: ``private.jwk.json``, ``jwks.json`` (public) and, unless it
    is an HMAC secret, ``private.pem`` and ``public.pem``. Returns the files written."""
    key = generate_key(algorithm, kid=kid, rsa_bits=rsa_bits)
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "private.jwk.json": json.dumps(private_jwk(key), indent=2) + "\n",
        "jwks.json": json.dumps(key.jwks(), indent=2) + "\n",
    }
    if not key.is_symmetric:
        files["private.pem"] = key.private_pem().decode("ascii")
        files["public.pem"] = key.public_pem().decode("ascii")
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, "utf-8")
        if name.startswith("private") or key.is_symmetric:
            path.chmod(0o600)
        written.append(path)
    return written


def private_jwk(key: SigningKey) -> dict[str, Any]:
    if key.is_symmetric:
        jwk: dict[str, Any] = {"kty": "oct", "k": b64url(key.private_key)}
    else:
        jwk = dict(_ALGORITHMS[key.algorithm].to_jwk(key.private_key, as_dict=True))
    jwk.update({"use": "sig", "alg": key.algorithm})
    if key.kid:
        jwk["kid"] = key.kid
    return jwk


def load_signing_key(path: Path, *, algorithm: str | None, kid: str | None) -> SigningKey:
    """A private key from a PEM file or a private JWK (JSON) file; ``alg`` inferred if absent."""
    data = path.read_bytes()
    if data.lstrip().startswith(b"{"):
        jwk = json.loads(data)
        algorithm = algorithm or jwk.get("alg")
        kid = kid or jwk.get("kid")
        if jwk.get("kty") == "oct":
            secret = _ALGORITHMS["HS256"].from_jwk(jwk)
            return SigningKey(algorithm or "HS256", secret, kid)
        if not algorithm:
            raise ValueError("the JWK has no alg: pass --alg")
        return SigningKey(algorithm, _ALGORITHMS[algorithm].from_jwk(jwk), kid)
    private_key = load_pem_private_key(data, password=None)
    return SigningKey(algorithm or _default_algorithm(private_key), private_key, kid)


def _default_algorithm(private_key: Any) -> str:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return _CURVE_ALGORITHMS.get(private_key.curve.name, "ES256")
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise ValueError(f"cannot infer an algorithm for a {type(private_key).__name__}: pass --alg")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``2h``, ``1d`` → seconds."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use 90s, 5m, 2h or 1d)")
    return float(match[1]) * _UNITS[match[2]]


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs; a value that is JSON (``3``, ``true``, ``["a"]``) is decoded."""
    result: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise ValueError(f"expected name=value, got {pair!r}")
        try:
            result[name] = json.loads(raw)
        except ValueError:
            result[name] = raw
    return result


def mint(
    key: SigningKey,
    claims: Mapping[str, Any],
    *,
    expires_in: float,
    header: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> str:
    """A signed token: ``iat``, ``exp`` and a random ``jti`` plus ``claims`` (which win)."""
    issued = time.time() if now is None else now
    full_header = {"alg": key.algorithm, "typ": "JWT"} | ({"kid": key.kid} if key.kid else {})
    full_header |= dict(header or {})
    return key.token(lifetime=expires_in, now=issued, header=full_header, **claims)

"""``jwtguard keygen`` and ``jwtguard mint``: keys and tokens for development and tests.

Never use these to issue production tokens: an identity provider does that. Keys are made and
checked by the rules the validator applies (RSA of at least 2048 bits, an EC key on its
algorithm's curve, HMAC secrets of at least 32/48/64 bytes), so what they produce is accepted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from jwt.algorithms import get_default_algorithms
from jwt.exceptions import InvalidKeyError

from ..keys.algorithms import EC_ALGORITHM_BY_CURVE, HMAC_MIN_BYTES, MIN_RSA_BITS
from ..keys.signing import SigningKey, b64url, generate_key

_ALGORITHMS = get_default_algorithms()
#: RFC 7638 §3.2: the members of each key type that its thumbprint covers.
_THUMBPRINT_MEMBERS = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def new_key(algorithm: str, *, kid: str | None, rsa_bits: int = 2048) -> SigningKey:
    """A fresh key for ``algorithm``; without ``kid``, its RFC 7638 thumbprint is the kid."""
    if rsa_bits < MIN_RSA_BITS:
        raise ValueError(f"RSA keys need at least {MIN_RSA_BITS} bits (RFC 7518 §3.3)")
    key = generate_key(algorithm, kid=kid, rsa_bits=rsa_bits)
    if kid is None:
        key = dataclasses.replace(key, kid=thumbprint(key.public_jwk()))
    return key


def thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of ``jwk``, base64url-encoded."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def keygen(algorithm: str, *, kid: str | None, output: str, rsa_bits: int = 2048) -> str:
    """A new key for ``algorithm`` as a private ``jwk``, a public ``jwks`` or ``pem`` (both)."""
    key = new_key(algorithm, kid=kid, rsa_bits=rsa_bits)
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
    key = new_key(algorithm, kid=kid, rsa_bits=rsa_bits)
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


def development_key(directory: Path, algorithm: str, *, kid: str) -> SigningKey:
    """The key whose files (those of :func:`write_key_files`) are in ``directory``, made there
    on first use: a development key of this machine's own, never one shipped with the code.

    The files are written in a private sibling directory renamed into place, so processes that
    start together agree on one key and never read half-written files.
    """
    private = directory / "private.pem"
    if not private.exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", dir=directory.parent))
        try:
            write_key_files(staging, algorithm, kid=kid)
            staging.rename(directory)
        except OSError:
            if not private.exists():  # not another process making it first: a real problem
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return load_signing_key(private, algorithm=algorithm, kid=kid)


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
    """A private key from a PEM file or a private JWK (JSON) file; ``alg`` inferred if absent.

    Raises ``ValueError`` for a public key, or a key that cannot sign ``algorithm``.
    """
    data = path.read_bytes()
    try:
        if data.lstrip().startswith(b"{"):
            key = _from_jwk(json.loads(data), algorithm=algorithm, kid=kid)
        else:
            if b"PRIVATE KEY-----" not in data:  # said here: cryptography's words vary by release
                raise ValueError(
                    f"{path} holds no PEM private key; minting needs one, such as the "
                    "private.pem of `jwtguard keygen --out`"
                )
            private_key = load_pem_private_key(data, password=None)
            key = SigningKey(algorithm or _default_algorithm(private_key), private_key, kid)
    except (InvalidKeyError, KeyError, TypeError) as error:  # a broken JWK, an encrypted PEM
        raise ValueError(f"{path} is not a usable private key ({error})") from None
    _check_fits(key)
    return key


def _from_jwk(jwk: Any, *, algorithm: str | None, kid: str | None) -> SigningKey:
    if isinstance(jwk, dict) and isinstance(jwk.get("keys"), list):
        if len(jwk["keys"]) != 1:
            raise ValueError("the file is a JWK Set of several keys: give one private JWK")
        jwk = jwk["keys"][0]
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise ValueError("the file is not a JWK (a JSON object with a kty)")
    algorithm = algorithm or jwk.get("alg")
    kid = kid or jwk.get("kid")
    if jwk["kty"] == "oct":
        secret = _ALGORITHMS["HS256"].from_jwk(jwk)
        return SigningKey(algorithm or "HS256", secret, kid)
    if "d" not in jwk:
        raise ValueError(
            'the JWK is a public key; minting needs the private one (with "d"), such as the '
            "private.jwk.json of `jwtguard keygen --out`"
        )
    if not algorithm or algorithm not in _ALGORITHMS:
        raise ValueError("the JWK has no usable alg: pass --alg")
    return SigningKey(algorithm, _ALGORITHMS[algorithm].from_jwk(jwk), kid)


def _check_fits(key: SigningKey) -> None:
    """Refuse keys the validator would refuse, or that cannot sign their algorithm."""
    algorithm, private_key = key.algorithm, key.private_key
    family = algorithm[:2]
    if family == "HS":
        size = len(private_key) if isinstance(private_key, bytes) else 0
        fits = size >= HMAC_MIN_BYTES.get(algorithm, 32)
        why = f"{algorithm} needs a secret of at least {HMAC_MIN_BYTES.get(algorithm, 32)} bytes"
    elif family in ("RS", "PS"):
        fits = isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size >= MIN_RSA_BITS
        why = f"{algorithm} needs an RSA key of at least {MIN_RSA_BITS} bits"
    elif family == "ES":
        is_ec = isinstance(private_key, ec.EllipticCurvePrivateKey)
        fits = is_ec and EC_ALGORITHM_BY_CURVE.get(private_key.curve.name) == algorithm
        why = f"{algorithm} needs an EC key on its own curve"
    else:
        fits = isinstance(private_key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey)
        why = f"{algorithm} needs an Ed25519 or Ed448 key"
    if not fits:
        raise ValueError(f"this key cannot sign {algorithm} tokens: {why}")


def _default_algorithm(private_key: Any) -> str:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return "RS256"
    if (
        isinstance(private_key, ec.EllipticCurvePrivateKey)
        and private_key.curve.name in EC_ALGORITHM_BY_CURVE
    ):
        return EC_ALGORITHM_BY_CURVE[private_key.curve.name]
    if isinstance(private_key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "EdDSA"
    raise ValueError(f"cannot infer an algorithm for a {type(private_key).__name__}: pass --alg")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``5m``, ``2h``, ``1d`` → seconds."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use 90s, 5m, 2h or 1d)")
    return float(match[1]) * _UNITS[match[2]]


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs; a value that is JSON (``3``, ``true``, ``["a"]``, ``null``) is
    decoded, anything else is a string."""
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
    """A signed token: ``iat``, ``exp`` and a random ``jti`` plus ``claims`` (which win; a
    claim given as ``None`` is left out)."""
    issued = time.time() if now is None else now
    full_header = {"alg": key.algorithm, "typ": "JWT"} | ({"kid": key.kid} if key.kid else {})
    full_header |= dict(header or {})
    return key.token(lifetime=expires_in, now=issued, header=full_header, **claims)

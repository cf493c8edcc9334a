"""Signature verification functions, built once per key and algorithm (RFC 7518 §3).

Each verifier closes over its key and pre-built padding/hash objects, so a request pays only
for the cryptography itself. Every verifier returns ``False`` for any bad signature, never
raises.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

Verifier = Callable[[bytes, bytes], bool]
"""``verify(signing_input, signature) -> bool``"""

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def build_verifier(algorithm: str, key: Any) -> Verifier:
    """The verifier for ``key`` under ``algorithm``; the key type must already fit it."""
    family, bits = algorithm[:2], algorithm[2:5]
    if family == "HS":
        return _hmac_verifier(key, _HASHLIB[bits])
    if family in ("RS", "PS"):
        return _rsa_verifier(key, family, _HASHES[bits]())
    if family == "ES":
        return _ecdsa_verifier(key, _HASHES[bits]())
    if algorithm == "EdDSA":
        return _eddsa_verifier(key)
    raise ValueError(f"no verifier for {algorithm}")


def _hmac_verifier(secret: bytes, digest: Callable[[], Any]) -> Verifier:
    def verify(signing_input: bytes, signature: bytes) -> bool:
        return hmac.compare_digest(hmac.digest(secret, signing_input, digest), signature)

    return verify


def _rsa_verifier(key: rsa.RSAPublicKey, family: str, hash_: hashes.HashAlgorithm) -> Verifier:
    scheme: padding.AsymmetricPadding = (
        padding.PKCS1v15()
        if family == "RS"
        else padding.PSS(mgf=padding.MGF1(hash_), salt_length=hash_.digest_size)
    )

    def verify(signing_input: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, signing_input, scheme, hash_)
        except (InvalidSignature, ValueError):
            return False
        return True

    return verify


def _ecdsa_verifier(key: ec.EllipticCurvePublicKey, hash_: hashes.HashAlgorithm) -> Verifier:
    size = (key.curve.key_size + 7) // 8
    scheme = ec.ECDSA(hash_)

    def verify(signing_input: bytes, signature: bytes) -> bool:
        if len(signature) != 2 * size:  # JWS uses raw r || s (RFC 7518 §3.4), never DER
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        try:
            key.verify(encode_dss_signature(r, s), signing_input, scheme)
        except (InvalidSignature, ValueError):
            return False
        return True

    return verify


def _eddsa_verifier(key: ed25519.Ed25519PublicKey | ed448.Ed448PublicKey) -> Verifier:
    def verify(signing_input: bytes, signature: bytes) -> bool:
        try:
            key.verify(signature, signing_input)
        except (InvalidSignature, ValueError):
            return False
        return True

    return verify

"""Signing keys for development and tests: a private key (or HMAC secret) with its algorithm and
``kid``, and compact JWS assembly. Never use these to issue production tokens: an identity
provider does that.

Keys are made by the table the validator binds keys with (:mod:`jwtguard.keys.algorithms`), so
what they sign is accepted. :mod:`jwtguard.testing` and the ``keygen``/``mint`` tools
(:mod:`jwtguard.tools.keytools`) build on them.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from .algorithms import CURVES, HMAC_MIN_BYTES

_ALGORITHMS = get_default_algorithms()


def b64url(data: bytes) -> str:
    """Unpadded base64url, as JOSE uses it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def compact(
    header: bytes | Mapping[str, Any], payload: bytes | Mapping[str, Any], signature: bytes
) -> str:
    """Assemble a compact JWS from raw parts (for crafting malformed tokens)."""
    return ".".join(b64url(_json(part)) for part in (header, payload)) + "." + b64url(signature)


def _json(part: bytes | Mapping[str, Any]) -> bytes:
    return part if isinstance(part, bytes) else json.dumps(dict(part)).encode("utf-8")


@dataclass(frozen=True)
class SigningKey:
    """A private key (or HMAC secret) with its algorithm and ``kid``."""

    algorithm: str
    private_key: Any = field(repr=False)
    kid: str | None = None

    @property
    def is_symmetric(self) -> bool:
        return self.algorithm.startswith("HS")

    def public_key(self) -> Any:
        return self.private_key if self.is_symmetric else self.private_key.public_key()

    def public_jwk(self) -> dict[str, Any]:
        """The verification key as a JWK (for HS keys, the secret itself, ``kty: oct``)."""
        jwk: dict[str, Any] = dict(
            _ALGORITHMS[self.algorithm].to_jwk(self.public_key(), as_dict=True)
        )
        jwk.update({"use": "sig", "alg": self.algorithm})
        if self.kid is not None:
            jwk["kid"] = self.kid
        return jwk

    def jwks(self, *others: SigningKey) -> dict[str, Any]:
        """A JWK Set holding this key's (and ``others``') verification keys."""
        return {"keys": [key.public_jwk() for key in (self, *others)]}

    def public_pem(self) -> bytes:
        if self.is_symmetric:
            raise TypeError("an HMAC secret has no PEM form")
        return bytes(
            self.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def private_pem(self) -> bytes:
        if self.is_symmetric:
            raise TypeError("an HMAC secret has no PEM form")
        return bytes(
            self.private_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )

    def sign(
        self,
        payload: bytes | Mapping[str, Any],
        header: Mapping[str, Any] | bytes | None = None,
        *,
        algorithm: str | None = None,
    ) -> str:
        """Sign ``payload`` (claims or raw JSON bytes) under ``header`` exactly as given.

        The default header is ``{"alg", "typ": "JWT", "kid"}``; pass ``header`` to control
        every member (even a wrong ``alg``), ``algorithm`` to sign with another algorithm.
        """
        algorithm = algorithm or self.algorithm
        if header is None:
            header = {"alg": algorithm, "typ": "JWT"} | ({"kid": self.kid} if self.kid else {})
        signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}".encode("ascii")
        signature = _ALGORITHMS[algorithm].sign(signing_input, self.private_key)
        return f"{signing_input.decode('ascii')}.{b64url(signature)}"

    def token(
        self,
        *,
        lifetime: float = 300,
        now: float | None = None,
        header: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token with ``iat``/``exp`` (``now`` + ``lifetime``) and a random ``jti``, plus
        ``claims``; a claim given as ``None`` is left out."""
        issued = time.time() if now is None else now
        payload = {"iat": int(issued), "exp": int(issued + lifetime), "jti": secrets.token_hex(8)}
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return self.sign(payload, header)


def generate_key(
    algorithm: str = "RS256", *, kid: str | None = "test-key", rsa_bits: int = 2048
) -> SigningKey:
    """A fresh key for ``algorithm`` (HS*, RS*, PS*, ES*, EdDSA)."""
    private_key: Any
    if algorithm in HMAC_MIN_BYTES:
        private_key = secrets.token_bytes(HMAC_MIN_BYTES[algorithm])
    elif algorithm[:2] in ("RS", "PS"):
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif algorithm in CURVES:
        private_key = ec.generate_private_key(CURVES[algorithm])
    elif algorithm == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    return SigningKey(algorithm, private_key, kid)

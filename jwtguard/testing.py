"""Keys and tokens for tests and development: never use these helpers to issue real tokens.

>>> key = generate_key("ES256", kid="k1")
>>> token = key.token(sub="alice", aud="api://notes", scope="notes:read")
>>> config = GuardConfig(jwks=key.jwks(), algorithms=["ES256"], audience="api://notes")

For your own tests, :class:`TokenFactory` (behind the pytest plugin's
``jwtguard_make_token``)::

    factory = TokenFactory.generate()                     # a fresh ES256 key
    app.config["JWTGUARD"] = factory.settings()           # Flask; Django: JWTGUARD = ...
    token = factory(scope="notes:read")                   # iss, aud, sub, iat, exp, jti + yours
    client.get("/api/notes", headers=factory.bearer(token))
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from .config import GuardConfig

_ALGORITHMS = get_default_algorithms()
_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES256K": ec.SECP256K1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
}
_HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


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
    if algorithm in _HMAC_BYTES:
        private_key = secrets.token_bytes(_HMAC_BYTES[algorithm])
    elif algorithm[:2] in ("RS", "PS"):
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    elif algorithm in _CURVES:
        private_key = ec.generate_private_key(_CURVES[algorithm])
    elif algorithm == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
    else:
        raise ValueError(f"unsupported algorithm {algorithm!r}")
    return SigningKey(algorithm, private_key, kid)


@dataclass(frozen=True)
class TokenFactory:
    """Tokens signed by ``key`` for ``issuer`` and ``audience``, ``lifetime`` seconds long."""

    key: SigningKey
    issuer: str = "https://issuer.test/"
    audience: str = "api://test"
    subject: str = "test-user"
    lifetime: float = 300

    @classmethod
    def generate(
        cls, algorithm: str = "ES256", *, kid: str = "test-key", **options: Any
    ) -> TokenFactory:
        """A factory with a freshly generated key for ``algorithm``."""
        return cls(generate_key(algorithm, kid=kid), **options)

    def __call__(self, **claims: Any) -> str:
        return self.make(**claims)

    def make(
        self,
        *,
        lifetime: float | None = None,
        now: float | None = None,
        header: Mapping[str, Any] | None = None,
        **claims: Any,
    ) -> str:
        """A token with the default claims overridden (or, given as ``None``, removed)."""
        defaults = {"iss": self.issuer, "aud": self.audience, "sub": self.subject}
        lifetime = self.lifetime if lifetime is None else lifetime
        return self.key.token(lifetime=lifetime, now=now, header=header, **(defaults | claims))

    def expired(self, **claims: Any) -> str:
        """A token that expired an hour ago (beyond any sensible leeway)."""
        return self.make(now=time.time() - 3600 - self.lifetime, **claims)

    def jwks(self) -> dict[str, Any]:
        """The JWK Set of the verification key."""
        return self.key.jwks()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """jwtguard settings trusting this factory's tokens: a Django ``JWTGUARD`` value or a
        Flask ``app.config["JWTGUARD"]``; ``extra`` adds or replaces keys."""
        trusted = {
            "ISSUER": self.issuer,
            "AUDIENCE": self.audience,
            "ALGORITHMS": [self.key.algorithm],
            "JWKS": self.jwks(),
        }
        return trusted | extra

    def config(self, **extra: Any) -> GuardConfig:
        return GuardConfig.from_mapping(self.settings(**extra))

    @staticmethod
    def bearer(token: str) -> dict[str, str]:
        """``{"Authorization": "Bearer <token>"}``, for a test client's ``headers=``."""
        return {"Authorization": f"Bearer {token}"}


_RFC9110_TCHARS = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_AUTH_PARAM = re.compile(rf"({_RFC9110_TCHARS})[ \t]*=[ \t]*({_RFC9110_TCHARS}|{_QUOTED})")
_SEPARATOR = re.compile(r"[ \t]*,[ \t]*")


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """Parse one ``WWW-Authenticate`` challenge strictly (RFC 9110 §11.2, §11.6.1).

    Returns the scheme and its parameters, unquoted, in order. Raises ``ValueError`` for
    anything that is not exactly ``scheme 1*SP auth-param *("," auth-param)`` or that repeats a
    parameter (RFC 9110 §11.2: "each parameter name MUST only occur once").
    """
    scheme_match = re.match(rf"({_RFC9110_TCHARS})(?: +|$)", value)
    if scheme_match is None:
        raise ValueError(f"no auth-scheme in {value!r}")
    params: dict[str, str] = {}
    position = scheme_match.end()
    while position < len(value):
        param = _AUTH_PARAM.match(value, position)
        if param is None:
            raise ValueError(f"bad auth-param at {position} in {value!r}")
        name, raw = param.group(1).lower(), param.group(2)
        if name in params:
            raise ValueError(f"parameter {name!r} repeated in {value!r}")
        params[name] = re.sub(r"\\(.)", r"\1", raw[1:-1]) if raw.startswith('"') else raw
        position = param.end()
        if position < len(value):
            separator = _SEPARATOR.match(value, position)
            if separator is None or separator.end() == len(value):
                raise ValueError(f"bad separator at {position} in {value!r}")
            position = separator.end()
    return scheme_match.group(1), params

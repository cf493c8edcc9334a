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

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import GuardConfig
from .keys.signing import SigningKey, b64url, compact, generate_key

__all__ = [
    "SigningKey",
    "TokenFactory",
    "b64url",
    "compact",
    "generate_key",
    "parse_challenge",
]


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

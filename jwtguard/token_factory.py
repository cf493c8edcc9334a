"""``TokenFactory``: signed tokens for your own tests, and the settings that trust them.

    factory = TokenFactory.generate()                     # a fresh ES256 key
    app.config["JWTGUARD"] = factory.settings()           # Flask; Django: JWTGUARD = ...
    token = factory(scope="notes:read")                   # iss, aud, sub, iat, exp, jti + yours
    client.get("/api/notes", headers=factory.bearer(token))

A claim passed as ``None`` is left out (``factory(aud=None)``); ``factory.expired()`` is a token
that expired an hour ago. Never use this to issue real tokens.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .config import GuardConfig
from .testing import SigningKey, generate_key


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

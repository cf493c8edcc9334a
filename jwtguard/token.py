"""``AccessToken``: what a successful validation returns."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A validated access token: its verified claims, header, granted scopes (``SCOPE_CLAIMS``)
    and roles (``ROLE_CLAIMS``), two sets that never mix.

    The raw token is deliberately not kept, so it cannot end up in a log or a ``repr``.
    """

    claims: Mapping[str, Any]
    header: Mapping[str, Any]
    scopes: frozenset[str]
    #: Where the request carried the token: the header's name (``"Authorization"``),
    #: ``"query"``, ``"form"`` or ``"cookie"``; ``None`` when validated without a request.
    location: str | None = field(default=None, compare=False)
    roles: frozenset[str] = frozenset()

    @property
    def subject(self) -> str | None:
        """The ``sub`` claim: whom the token is about."""
        return _string(self.claims.get("sub"))

    @property
    def issuer(self) -> str | None:
        return _string(self.claims.get("iss"))

    @property
    def audience(self) -> tuple[str, ...]:
        aud = self.claims.get("aud")
        if isinstance(aud, str):
            return (aud,)
        return tuple(a for a in aud if isinstance(a, str)) if isinstance(aud, list) else ()

    @property
    def token_id(self) -> str | None:
        """The ``jti`` claim: the key for anything that must be unique per token (a deny-list,
        a cache, a rate limit), as replay protection and revocation use it. Not the token
        string: an ES* token is also accepted with the high-S twin of its ECDSA signature,
        which JWS allows, so it has two accepted strings."""
        return _string(self.claims.get("jti"))

    @property
    def client_id(self) -> str | None:
        """The OAuth client: ``client_id`` (RFC 9068), ``azp`` (OIDC), ``cid`` (Okta), ``appid``."""
        for name in ("client_id", "azp", "cid", "appid"):
            value = _string(self.claims.get(name))
            if value is not None:
                return value
        return None

    @property
    def key_id(self) -> str | None:
        return _string(self.header.get("kid"))

    @property
    def algorithm(self) -> str:
        return str(self.header["alg"])

    @property
    def expires_at(self) -> datetime | None:
        return _datetime(self.claims.get("exp"))

    @property
    def issued_at(self) -> datetime | None:
        return _datetime(self.claims.get("iat"))

    @property
    def not_before(self) -> datetime | None:
        return _datetime(self.claims.get("nbf"))

    def has_scopes(self, scopes: Iterable[str]) -> bool:
        """Whether every one of ``scopes`` was granted."""
        return self.scopes.issuperset(scopes)

    def has_roles(self, roles: Iterable[str]) -> bool:
        """Whether the token holds every one of ``roles``."""
        return self.roles.issuperset(roles)

    def __repr__(self) -> str:
        return (
            f"AccessToken(subject={self.subject!r}, issuer={self.issuer!r}, "
            f"scopes={sorted(self.scopes)!r}, roles={sorted(self.roles)!r}, "
            f"expires_at={self.expires_at!r})"
        )


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return datetime.fromtimestamp(value, tz=UTC)

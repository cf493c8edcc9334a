"""Scopes: where identity providers put them, and how a view requires them.

A view's :class:`Requirement` (its :class:`ScopeCheck` list, and whether a token is optional)
is what :meth:`Guard.decide <jwtguard.Guard.decide>` holds a request to, and what the OpenAPI
documents of :mod:`jwtguard.openapi` describe.

``scope`` is a space-delimited string (RFC 8693 §4.2, RFC 9068; Auth0, Cognito, Keycloak),
``scp`` a string (Entra ID) or a list (Okta); roles live in lists such as ``roles`` or nested
claims such as Keycloak's ``realm_access.roles``: claim paths are read by
:mod:`jwtguard.claim_paths`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .claim_paths import ClaimPath
from .errors import InsufficientScope
from .token import AccessToken


class ScopeReader:
    """Reads the scopes granted by a token's claims from configured claim paths
    (:class:`~jwtguard.claim_paths.ClaimPath`, parsed once, here)."""

    def __init__(self, claim_paths: Sequence[str]) -> None:
        self._paths = tuple(map(ClaimPath.parse, claim_paths))

    def __call__(self, claims: Mapping[str, Any]) -> frozenset[str]:
        granted: set[str] = set()
        for path in self._paths:
            value = path.lookup(claims)
            if type(value) is str:
                granted.update(value.split())
            elif type(value) is list:
                granted.update(item for item in value if type(item) is str and item)
        return frozenset(granted)


def extract_scopes(claims: Mapping[str, Any], claim_paths: Sequence[str]) -> frozenset[str]:
    """Every scope granted by ``claims`` under any of ``claim_paths``.

    Values that are neither a string nor a list of strings grant nothing.
    """
    return ScopeReader(claim_paths)(claims)


def scope_list(scopes: str | Iterable[str]) -> tuple[str, ...]:
    """``scopes`` as a tuple; a string is a space-delimited scope list (RFC 6749 §3.3).

    So ``"notes:read"`` is one scope (never a sequence of characters) and
    ``"notes:read notes:write"`` two, the same in every adapter.
    """
    return tuple(scopes.split()) if isinstance(scopes, str) else tuple(scopes)


def require_scopes(
    token: AccessToken,
    scopes: str | Iterable[str] = (),
    *,
    any_of: str | Iterable[str] = (),
) -> None:
    """Raise :class:`InsufficientScope` unless ``token`` has all of ``scopes`` and, when
    ``any_of`` is given, at least one of ``any_of`` (each a list or a space-delimited string)."""
    all_of = scope_list(scopes)
    one_of = scope_list(any_of)
    missing = [scope for scope in all_of if scope not in token.scopes]
    lacks_one_of = bool(one_of) and token.scopes.isdisjoint(one_of)
    if not missing and not lacks_one_of:
        return
    wants = [f"all of: {' '.join(all_of)}"] if all_of else []
    if one_of:
        wants.append(f"one of: {' '.join(one_of)}")
    granted = " ".join(sorted(token.scopes)) or "none"
    raise InsufficientScope(
        required=all_of + one_of,
        detail=f"requires {'; '.join(wants)}; the token grants {granted}",
        missing=missing,
        one_of=one_of if lacks_one_of else (),
    )


_NO_SCOPES = AccessToken(claims={}, header={}, scopes=frozenset())


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    """One authorization a view makes: all of ``scopes`` and, if given, one of ``any_of``."""

    scopes: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()

    @classmethod
    def of(cls, scopes: str | Iterable[str] = (), any_of: str | Iterable[str] = ()) -> ScopeCheck:
        """A check from scopes as views declare them (lists or space-delimited strings)."""
        return cls(scope_list(scopes), scope_list(any_of))

    def refusal(self) -> InsufficientScope | None:
        """What the core answers a token without scopes (``None``: this check needs none)."""
        try:
            require_scopes(_NO_SCOPES, self.scopes, any_of=self.any_of)
        except InsufficientScope as error:
            return error
        return None


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a view asks of a request's token: every one of ``checks``.

    ``optional``: a request without a token is served too (a token that is sent must be valid
    and pass the checks).
    """

    checks: tuple[ScopeCheck, ...] = ()
    optional: bool = False

    @classmethod
    def of(
        cls,
        scopes: str | Iterable[str] = (),
        any_of: str | Iterable[str] = (),
        *,
        optional: bool = False,
    ) -> Requirement:
        """A view's one check, from scopes as views declare them (see :meth:`ScopeCheck.of`)."""
        return cls((ScopeCheck.of(scopes, any_of),), optional=optional)

    @classmethod
    def join(cls, first: Requirement, *others: Requirement) -> Requirement:
        """Several requirements that all apply, in the order they are checked: every check
        counts, and a token is optional only if every one of them says so."""
        every = (first, *others)
        return cls(
            tuple(check for requirement in every for check in requirement.checks),
            optional=all(requirement.optional for requirement in every),
        )

    def authorize(self, token: AccessToken) -> None:
        """Raise the :class:`InsufficientScope` of the first check ``token`` fails, in order."""
        for check in self.checks:
            require_scopes(token, check.scopes, any_of=check.any_of)

    def scope_sets(self) -> tuple[tuple[str, ...], ...]:
        """Each set of scopes that satisfies every check (one per choice of the ``any_of``s)."""
        all_of = tuple(scope for check in self.checks for scope in check.scopes)
        groups = [check.any_of for check in self.checks if check.any_of]
        sets = (tuple(dict.fromkeys(all_of + picks)) for picks in itertools.product(*groups))
        return tuple(dict.fromkeys(sets))

    def refusal(self) -> InsufficientScope | None:
        """The first 403 a token without scopes gets, as the checks run in order."""
        return next((e for e in map(ScopeCheck.refusal, self.checks) if e is not None), None)


ANY_TOKEN = Requirement()
"""A valid token, whatever its scopes."""
OPTIONAL = Requirement(optional=True)
"""No token, or a valid one."""

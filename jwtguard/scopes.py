"""Scopes and roles: where identity providers put them, and how a view requires them.

A view's :class:`Requirement` (its :class:`ScopeCheck` list, and whether a token is optional)
is what :meth:`Guard.decide <jwtguard.Guard.decide>` holds a request to, and what the OpenAPI
documents of :mod:`jwtguard.openapi` describe.

Scopes and roles are two sets, never mixed: a scope is what the client was granted
(``SCOPE_CLAIMS``: ``scope``, a space-delimited string, RFC 8693 §4.2, RFC 9068; ``scp``, a
string in Entra ID, a list in Okta), a role what the subject is (``ROLE_CLAIMS``: ``roles``,
RFC 9068 §2.2.3.1 and Entra ID's app roles; Keycloak's ``realm_access.roles`` and
``resource_access.<client>.roles``; ``cognito:groups``; Auth0's ``permissions`` or namespaced
claims). So an Entra ID delegated token with ``scp`` ``Notes.Read.All`` does not pass a view
that requires the app role ``Notes.Read.All``. Claim paths are read by
:mod:`jwtguard.claim_paths`. A scope string is space-delimited; a role is a name, never split
(Keycloak's role names may hold spaces).

A token without a required scope is refused 403 ``insufficient_scope``, whose challenge's
``scope`` names one set of scopes that satisfies the whole requirement (see
:meth:`Needs.satisfying`): RFC 6750 §3 reads the list as "all required", so an any-of list is
never sent whole. Without a required role it is refused 403 ``insufficient_role``
(:class:`~jwtguard.errors.InsufficientRole`), which names nothing. Scopes are checked first:
a client can ask for a scope, not for a role.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .claim_paths import ClaimPath
from .errors import AuthError, InsufficientRole, InsufficientScope
from .token import AccessToken


class ScopeReader:
    """Reads the scopes granted by a token's claims from configured claim paths
    (:class:`~jwtguard.claim_paths.ClaimPath`, parsed once, here): a string is a space-delimited
    list, a list holds one scope per string; other values grant nothing."""

    def __init__(self, claim_paths: Sequence[str]) -> None:
        self._paths = tuple(map(ClaimPath.parse, claim_paths))

    def __call__(self, claims: Mapping[str, Any]) -> frozenset[str]:
        granted: set[str] = set()
        for path in self._paths:
            value = path.lookup(claims)
            if type(value) is str:
                granted.update(self.names_in(value))
            elif type(value) is list:
                granted.update(item for item in value if type(item) is str and item)
        return frozenset(granted)

    @staticmethod
    def names_in(text: str) -> list[str]:
        """The names a string claim holds: scopes are space-delimited (RFC 6749 §3.3)."""
        return text.split()


class RoleReader(ScopeReader):
    """Reads the roles a token's claims hold (``ROLE_CLAIMS``), as :class:`ScopeReader` reads
    scopes, except that a string is one role, never split: ``"Notes Editor"`` is not the role
    ``Editor``."""

    @staticmethod
    def names_in(text: str) -> list[str]:
        return [text] if text else []


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


def role_list(roles: str | Iterable[str]) -> tuple[str, ...]:
    """``roles`` as a tuple; a string is one role (a role name may hold spaces), ``""`` none."""
    if isinstance(roles, str):
        return (roles,) if roles else ()
    return tuple(roles)


@dataclass(frozen=True, slots=True)
class Needs:
    """What a requirement asks of one set (scopes, or roles): all of ``all_of``, and one of
    each of ``groups``."""

    all_of: tuple[str, ...] = ()
    groups: tuple[tuple[str, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.all_of or self.groups)

    def missing(self, granted: frozenset[str]) -> tuple[str, ...]:
        """The names of ``all_of`` that ``granted`` lacks."""
        return tuple(name for name in self.all_of if name not in granted)

    def unmet(self, granted: frozenset[str]) -> tuple[tuple[str, ...], ...]:
        """The groups ``granted`` has none of."""
        return tuple(group for group in self.groups if granted.isdisjoint(group))

    def satisfying(self, granted: frozenset[str]) -> tuple[str, ...]:
        """One set of names that meets every need: all of ``all_of`` and, from each group, a
        name already in the set, else one ``granted`` holds, else the group's first (declare
        the least privileged alternative first). What a challenge's ``scope`` says."""
        chosen = dict.fromkeys(self.all_of)
        for group in self.groups:
            if chosen.keys().isdisjoint(group):
                chosen[next((name for name in group if name in granted), group[0])] = None
        return tuple(chosen)

    def describe(self, quote: str = "{}", sep: str = " ") -> str:
        """``all of: a b; one of: c d`` (each name put into ``quote``, joined by ``sep``)."""
        named = [("all of", self.all_of)] if self.all_of else []
        named += [("one of", group) for group in self.groups]
        return "; ".join(f"{what}: {sep.join(map(quote.format, names))}" for what, names in named)


def require_scopes(
    token: AccessToken,
    scopes: str | Iterable[str] = (),
    *,
    any_of: str | Iterable[str] = (),
) -> None:
    """Raise :class:`InsufficientScope` unless ``token`` has all of ``scopes`` and, when
    ``any_of`` is given, at least one of ``any_of`` (each a list or a space-delimited string)."""
    Requirement.of(scopes, any_of).authorize(token)


def require_roles(
    token: AccessToken,
    roles: str | Iterable[str] = (),
    *,
    any_of: str | Iterable[str] = (),
) -> None:
    """Raise :class:`~jwtguard.errors.InsufficientRole` unless ``token`` has all of ``roles``
    and, when ``any_of`` is given, at least one of ``any_of`` (each a list, or one role)."""
    Requirement.of(roles=roles, any_roles=any_of).authorize(token)


_NOTHING = frozenset[str]()


@dataclass(frozen=True, slots=True)
class ScopeCheck:
    """One authorization a view makes: all of ``scopes`` and, if given, one of ``any_of``;
    all of ``roles`` and, if given, one of ``any_roles``."""

    scopes: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    any_roles: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        scopes: str | Iterable[str] = (),
        any_of: str | Iterable[str] = (),
        *,
        roles: str | Iterable[str] = (),
        any_roles: str | Iterable[str] = (),
    ) -> ScopeCheck:
        """A check as views declare it: scopes as lists or space-delimited strings, roles as
        lists or one role (see :func:`scope_list`, :func:`role_list`)."""
        return cls(scope_list(scopes), scope_list(any_of), role_list(roles), role_list(any_roles))

    def refusal(self) -> AuthError | None:
        """What the core answers a token without scopes and roles (``None``: it needs none)."""
        return Requirement((self,)).refusal()


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
        roles: str | Iterable[str] = (),
        any_roles: str | Iterable[str] = (),
        optional: bool = False,
    ) -> Requirement:
        """A view's one check, as views declare it (see :meth:`ScopeCheck.of`)."""
        check = ScopeCheck.of(scopes, any_of, roles=roles, any_roles=any_roles)
        return cls((check,), optional=optional)

    @classmethod
    def join(cls, first: Requirement, *others: Requirement) -> Requirement:
        """Several requirements that all apply, in the order they are checked: every check
        counts, and a token is optional only if every one of them says so."""
        every = (first, *others)
        return cls(
            tuple(check for requirement in every for check in requirement.checks),
            optional=all(requirement.optional for requirement in every),
        )

    @property
    def scope_needs(self) -> Needs:
        """What every check together asks of the token's scopes."""
        return _needs((c.scopes, c.any_of) for c in self.checks)

    @property
    def role_needs(self) -> Needs:
        """What every check together asks of the token's roles."""
        return _needs((c.roles, c.any_roles) for c in self.checks)

    def authorize(self, token: AccessToken) -> None:
        """Raise the refusal of ``token``: :class:`InsufficientScope` before
        :class:`~jwtguard.errors.InsufficientRole` (see :meth:`refusals_of`)."""
        if self.checks:
            refusals = self.refusals_of(token.scopes, token.roles)
            if refusals:
                raise refusals[0]

    def refusals_of(
        self, scopes: frozenset[str], roles: frozenset[str]
    ) -> tuple[InsufficientScope | InsufficientRole, ...]:
        """Why a token granting ``scopes`` and holding ``roles`` is refused, scopes first
        (``()``: it is not). The scope refusal's challenge names one set of scopes that meets
        the whole requirement (:meth:`Needs.satisfying`)."""
        refusals: list[InsufficientScope | InsufficientRole] = []
        needs = self.scope_needs
        missing, unmet = needs.missing(scopes), needs.unmet(scopes)
        if missing or unmet:
            granted = " ".join(sorted(scopes)) or "none"
            refusals.append(
                InsufficientScope(
                    required=needs.satisfying(scopes),
                    detail=f"requires {needs.describe()}; the token grants {granted}",
                    missing=missing,
                    one_of=tuple(itertools.chain.from_iterable(unmet)),
                )
            )
        needs = self.role_needs
        missing, unmet = needs.missing(roles), needs.unmet(roles)
        if missing or unmet:
            held = ", ".join(f"`{role}`" for role in sorted(roles)) or "none"
            refusals.append(
                InsufficientRole(
                    detail=f"requires roles {needs.describe('`{}`', ', ')}; the token has {held}",
                    missing=missing,
                    one_of=tuple(itertools.chain.from_iterable(unmet)),
                )
            )
        return tuple(refusals)

    def scope_sets(self) -> tuple[tuple[str, ...], ...]:
        """Each set of scopes that satisfies every check (one per choice of the ``any_of``s)."""
        needs = self.scope_needs
        sets = (tuple(dict.fromkeys(needs.all_of + p)) for p in itertools.product(*needs.groups))
        return tuple(dict.fromkeys(sets))

    def refusals(self) -> tuple[InsufficientScope | InsufficientRole, ...]:
        """The 403s this requirement can answer: those of a token without scopes and roles."""
        return self.refusals_of(_NOTHING, _NOTHING)

    def refusal(self) -> AuthError | None:
        """The first 403 a token without scopes and roles gets."""
        return next(iter(self.refusals()), None)


def _needs(declared: Iterable[tuple[tuple[str, ...], tuple[str, ...]]]) -> Needs:
    all_of: list[str] = []
    groups: list[tuple[str, ...]] = []
    for names, one_of in declared:
        all_of.extend(names)
        if one_of:
            groups.append(one_of)
    return Needs(tuple(dict.fromkeys(all_of)), tuple(dict.fromkeys(groups)))


ANY_TOKEN = Requirement()
"""A valid token, whatever its scopes and roles."""
OPTIONAL = Requirement(optional=True)
"""No token, or a valid one."""

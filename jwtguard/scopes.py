"""Scopes: where identity providers put them, and how a view requires them.

``scope`` is a space-delimited string (RFC 8693 §4.2, RFC 9068; Auth0, Cognito, Keycloak),
``scp`` a string (Entra ID) or a list (Okta); roles live in lists such as ``roles`` or nested
claims such as Keycloak's ``realm_access.roles``. A claim path is first looked up as one name
(Auth0's namespaced ``https://example.com/roles`` contains dots), then as a dotted path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import InsufficientScope
from .token import AccessToken


class ScopeReader:
    """Reads the scopes granted by a token's claims from configured claim paths.

    Paths are split once, here; a name present as such wins over a dotted path.
    """

    def __init__(self, claim_paths: Sequence[str]) -> None:
        self._paths = tuple((path, tuple(path.split("."))) for path in claim_paths)

    def __call__(self, claims: Mapping[str, Any]) -> frozenset[str]:
        granted: set[str] = set()
        for path, parts in self._paths:
            value = claims.get(path)
            if value is None and len(parts) > 1:
                value = _walk(claims, parts)
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


def _walk(claims: Mapping[str, Any], parts: tuple[str, ...]) -> Any:
    node: Any = claims
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


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

"""Claim paths: where a value sits in a token's claims, written once for every setting that
names one (``SCOPE_CLAIMS``, and the rules built on claim values).

``realm_access.roles`` walks into nested objects. A name that holds dots itself is looked up
whole first (Auth0's namespaced ``https://example.com/roles``), or its dots are escaped with a
backslash, as Keycloak's claim mappers write them: ``resource_access.notes\\.api.roles`` is the
``roles`` of the ``notes.api`` client. ``\\\\`` is a backslash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()
"""What :meth:`ClaimPath.lookup` answers when no value sits at the path (``None`` is a value:
JSON ``null``)."""


@dataclass(frozen=True, slots=True)
class ClaimPath:
    """One claim path, parsed once: its text as configured, and the names it walks through."""

    text: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> ClaimPath:
        """The path ``text`` names; ``ValueError`` for an empty name or a dangling escape."""
        parts: list[str] = []
        name: list[str] = []
        chars = iter(text)
        for char in chars:
            if char == "\\":
                escaped = next(chars, None)
                if escaped not in (".", "\\"):
                    raise ValueError(f"claim path {text!r}: '\\' escapes only '.' or '\\'")
                name.append(escaped)
            elif char == ".":
                parts.append("".join(name))
                name = []
            else:
                name.append(char)
        parts.append("".join(name))
        if not all(parts):
            raise ValueError(f"claim path {text!r} has an empty name")
        return cls(text, tuple(parts))

    @classmethod
    def of(cls, *names: str) -> ClaimPath:
        """The path through ``names``, each taken as it is, its dots and backslashes escaped:
        ``of("resource_access", "notes.api", "roles")`` is ``resource_access.notes\\.api.roles``."""
        text = ".".join(name.replace("\\", "\\\\").replace(".", "\\.") for name in names)
        return cls.parse(text)

    @property
    def escaped(self) -> bool:
        """Whether the text escapes a dot (then it is never looked up as one whole name)."""
        return "\\" in self.text

    def lookup(self, claims: Mapping[str, Any]) -> Any:
        """The value at this path in ``claims``, or :data:`ABSENT`: a claim named by the whole
        (unescaped) text wins over the nested path."""
        if not self.escaped and self.text in claims:
            return claims[self.text]
        if len(self.parts) == 1:
            return claims.get(self.parts[0], ABSENT)
        node: Any = claims
        for part in self.parts:
            if type(node) is not dict or part not in node:
                return ABSENT
            node = node[part]
        return node

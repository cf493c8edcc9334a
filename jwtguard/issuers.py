"""Which issuers are trusted: exact names (``ISSUER``, or the names in ``TRUSTED_ISSUERS``) and
templates of multi-tenant issuers (``https://login.microsoftonline.com/{tenantid}/v2.0``).

A template has one placeholder, which stands for a tenant. A token's ``iss`` fits it when it is
the template with a **tenant id** in the placeholder's place: 1 to 128 ASCII letters, digits,
``-`` and ``_``, so never ``/``, ``.``, ``%`` or anything else that could reach beyond the path
segment the template meant. The token's tenant claim (``tid`` by default) must then equal that
id, and, when the template lists ``tenants``, be one of them.

:meth:`Issuers.match` is the one decision: the pipeline's issuer step and the choice of an
issuer's keys (:class:`~jwtguard.keys.keyset.IssuerKeySources`) both ask it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import IssuerInvalid

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
TENANT_ID = re.compile(r"[A-Za-z0-9_-]{1,128}", re.ASCII)
"""What a tenant id may be: in an ``iss``, in a tenant claim, in a list of tenants."""
TENANT_ID_TEXT = "1 to 128 letters, digits, - and _"
DEFAULT_TENANT_CLAIM = "tid"
_SHOWN = 96  # characters of a token's iss shown to the operator


def is_template(name: str) -> bool:
    """Whether an issuer name is meant as a template (it has a brace)."""
    return "{" in name or "}" in name


def template_problem(text: str) -> str | None:
    """What is wrong with ``text`` as an issuer template; ``None`` when it is one."""
    placeholders = PLACEHOLDER.findall(text)
    if len(placeholders) != 1:
        return (
            f"an issuer template needs exactly one placeholder such as {{tenantid}}, "
            f"{text!r} has {len(placeholders)}"
        )
    if is_template(PLACEHOLDER.sub("", text)):
        return f"{text!r} has a brace outside its placeholder {{{placeholders[0]}}}"
    if PLACEHOLDER.fullmatch(text):
        return f"{text!r} is only a placeholder: write the issuer around it"
    return None


@dataclass(frozen=True)
class IssuerTemplate:
    """A multi-tenant issuer: ``text`` with one placeholder, the ``claim`` that must name the
    same tenant, and the ``tenants`` accepted (``None``: any)."""

    text: str
    claim: str = DEFAULT_TENANT_CLAIM
    tenants: frozenset[str] | None = None
    prefix: str = field(init=False, repr=False)
    suffix: str = field(init=False, repr=False)
    placeholder: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        problem = template_problem(self.text)
        if problem is not None:
            raise ValueError(problem)
        found = PLACEHOLDER.search(self.text)
        assert found is not None  # noqa: S101 - template_problem said there is one
        object.__setattr__(self, "prefix", self.text[: found.start()])
        object.__setattr__(self, "suffix", self.text[found.end() :])
        object.__setattr__(self, "placeholder", found.group(0))

    def fits(self, iss: str) -> str | None:
        """What stands in the placeholder's place in ``iss`` (anything), if ``iss`` has the
        template's shape; ``None`` when it does not."""
        prefix, suffix = self.prefix, self.suffix
        if len(iss) > len(prefix) + len(suffix) and iss.startswith(prefix) and iss.endswith(suffix):
            return iss[len(prefix) : len(iss) - len(suffix)]
        return None

    def refusal(self, iss: str, tenant: str, claims: Mapping[str, Any]) -> str | None:
        """Why a token whose ``iss`` has this shape, with ``tenant`` in the placeholder's
        place, is not one of this template's (for the operator); ``None`` when it is."""
        shown = f"iss {_shorten(iss)!r}"
        if TENANT_ID.fullmatch(tenant) is None:
            return (
                f"{shown} has the shape of the issuer template {self.text!r}, but "
                f"{_shorten(tenant)!r} in place of {self.placeholder} is not a tenant id "
                f"({TENANT_ID_TEXT})"
            )
        claimed = claims.get(self.claim)
        if claimed is None:
            return (
                f"{shown} names tenant {tenant!r} (issuer template {self.text!r}), but the "
                f"token has no {self.claim} claim to confirm it"
            )
        if claimed != tenant:
            return (
                f"{shown} names tenant {tenant!r} (issuer template {self.text!r}), but the "
                f"token's {self.claim} is {_shorten(repr(claimed))}"
            )
        if self.tenants is not None and tenant not in self.tenants:
            return (
                f"tenant {tenant!r} of {shown} is not one of the tenants "
                f"{sorted(self.tenants)} of the issuer template {self.text!r}"
            )
        return None

    def admits(self, iss: str) -> bool:
        """Whether ``iss`` is an issuer of this template (a tenant id, one of ``tenants``)."""
        tenant = self.fits(iss)
        return (
            tenant is not None
            and TENANT_ID.fullmatch(tenant) is not None
            and (self.tenants is None or tenant in self.tenants)
        )

    def overlaps(self, other: IssuerTemplate) -> bool:
        """Whether some ``iss`` could fit both templates. Each length of ``iss`` is tried up to
        the first at which the literal ends of both no longer meet (longer ones add tenant-id
        characters in both middles, which always agree)."""
        ends = (self, other)
        shortest = max(len(t.prefix) + len(t.suffix) + 1 for t in ends)
        longest = max(len(t.prefix) for t in ends) + max(len(t.suffix) for t in ends) + 1
        return any(
            _agree(self._layout(length), other._layout(length))
            for length in range(shortest, longest + 1)
        )

    def _layout(self, length: int) -> list[str | None]:
        """An ``iss`` of ``length`` characters fitting the template: each a literal character,
        or ``None`` where the tenant id goes."""
        middle = length - len(self.prefix) - len(self.suffix)
        return [*self.prefix, *([None] * middle), *self.suffix]


class Issuers:
    """The trusted issuers: exact ``names`` and ``templates``. Empty: ``iss`` is not checked."""

    def __init__(self, names: Iterable[str] = (), templates: Iterable[IssuerTemplate] = ()) -> None:
        ordered = tuple(dict.fromkeys(names))
        self.names = frozenset(ordered)
        self.templates = tuple(templates)
        self._by_text = {template.text: template for template in self.templates}
        #: Every trusted issuer and template, as configured.
        self.listing: tuple[str, ...] = (*ordered, *self._by_text)

    def __bool__(self) -> bool:
        return bool(self.listing)

    def __str__(self) -> str:
        """For the operator: ``['https://a/', 'https://login.../{tenantid}/v2.0']``."""
        return str(list(self.listing))

    @property
    def only(self) -> str | None:
        """The issuer, when exactly one is trusted and it is no template."""
        return next(iter(self.names)) if len(self.names) == 1 and not self.templates else None

    @property
    def claims(self) -> tuple[str, ...]:
        """The claims a match reads: ``iss``, and the templates' tenant claims."""
        return ("iss", *dict.fromkeys(template.claim for template in self.templates))

    def match(self, claims: Mapping[str, Any]) -> str:
        """The trusted issuer vouching for a token's ``iss`` (its name, or its template's text);
        :class:`~jwtguard.errors.IssuerInvalid` saying why there is none."""
        iss = claims.get("iss")
        if isinstance(iss, str):
            if iss in self.names:
                return iss
            for template in self.templates:
                tenant = template.fits(iss)
                if tenant is None:
                    continue
                refusal = template.refusal(iss, tenant, claims)
                if refusal is not None:
                    raise IssuerInvalid(detail=refusal)
                return template.text
        shown = _shorten(iss) if isinstance(iss, str) else iss
        raise IssuerInvalid(detail=f"iss {shown!r} is not one of the trusted issuers {self}")

    def vouched(self, claims: Mapping[str, Any]) -> str:
        """What :meth:`match` found, for the operator (the token matched)."""
        iss = claims["iss"]
        template = self._by_text.get(self.match(claims))
        if template is None:
            return f"`iss` {iss!r} is trusted"
        listed = " and is one of its tenants" if template.tenants is not None else ""
        return (
            f"`iss` {iss!r} fits the issuer template {template.text!r}: its tenant equals "
            f"`{template.claim}`{listed}"
        )

    def admits(self, iss: str) -> bool:
        """Whether a token with this ``iss`` may be accepted (revocations name one)."""
        return iss in self.names or any(template.admits(iss) for template in self.templates)

    def conflicts(self) -> Iterator[str]:
        """Names and templates that could both claim one ``iss``: a configuration problem,
        since then which keys verify it would be a matter of order."""
        for name in sorted(self.names):
            for template in self.templates:
                if template.admits(name):
                    yield (
                        f"{name!r} is also an issuer of the template {template.text!r}: take its "
                        "tenant out of the template's TENANTS, or drop one of them"
                    )
        for index, template in enumerate(self.templates):
            for other in self.templates[index + 1 :]:
                if template.overlaps(other):
                    yield (
                        f"the issuer templates {template.text!r} and {other.text!r} can fit the "
                        "same iss"
                    )


def _agree(one: list[str | None], other: list[str | None]) -> bool:
    """Whether two layouts of the same length admit a common ``iss``."""
    for mine, theirs in zip(one, other, strict=True):
        if mine is None and theirs is None:
            continue
        if mine is None or theirs is None:
            if TENANT_ID.fullmatch(mine or theirs or "") is None:  # a literal where ids go
                return False
        elif mine != theirs:
            return False
    return True


def _shorten(value: str, limit: int = _SHOWN) -> str:
    return value if len(value) <= limit else value[:limit] + "…"

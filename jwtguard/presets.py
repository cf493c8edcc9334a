"""Provider presets: the ``PROVIDER`` setting names an identity provider and its parameters, and
fills the settings its tokens need (the providers: :mod:`jwtguard.providers`)::

    PROVIDER = {"name": "cognito", "region": "eu-west-1", "user_pool_id": "eu-west-1_EXAMPLE",
                "client_ids": ["1example23456789"]}

:func:`resolve` reads it (every problem at once, in one
:class:`~jwtguard.errors.ConfigurationError`, code ``provider_invalid``) into a :class:`Preset`;
:meth:`Preset.apply` lays the settings written beside it over the preset's:

- a setting written beside ``PROVIDER`` (even as ``None``) replaces the preset's value;
- but ``CLAIM_RULES`` adds up: the preset's rules are kept and yours are checked too, since a
  rule only ever refuses more, while replacing them could silently let in the tokens a preset
  refuses (a Cognito ID token); ``"replace_claim_rules": true`` in ``PROVIDER`` says yours
  replace them;
- a key source written beside it (``JWKS``, ``JWKS_URL``, ...) replaces the preset's keys (its
  ``JWKS_URL``, or the discovery its ``ISSUER`` implies); where the preset gives each issuer its
  own keys (``TRUSTED_ISSUERS``: Entra ID's multi-tenant issuer templates), yours replace the
  keys of each, which keep their tenants; an ``ISSUER`` of yours replaces them all.

:meth:`GuardConfig.from_mapping <jwtguard.GuardConfig.from_mapping>` (and so ``from_env``, Django
and Flask) does both, and keeps the :class:`Preset` as the configuration's ``provider``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, NoReturn

from .errors import ConfigProblem, ConfigurationError
from .providers import FILLED, PROVIDERS, Invalid, read_args
from .settings import KEY_SOURCE_SETTINGS

__all__ = ["FILLED", "OWNED", "Preset", "resolve"]

SETTING: Final = "PROVIDER"
PER_ISSUER: Final = "TRUSTED_ISSUERS"
CODE: Final = "provider_invalid"
REPLACE_RULES: Final = "replace_claim_rules"
OWNED: Final = frozenset(FILLED) | KEY_SOURCE_SETTINGS
"""The settings a preset decides unless they are written beside it: those it fills, and where
keys come from (``from_env`` drops them from its defaults when the environment names a
provider)."""
EXAMPLE: Final = '{"name": "cognito", "region": "eu-west-1", ...}'


@dataclass(frozen=True)
class Preset:
    """A provider's preset, read: its ``name``, its ``parameters`` as given, the ``settings`` it
    fills, and (once applied) ``yours``: the settings written beside it that replace (or, for
    ``CLAIM_RULES``, add to) the preset's."""

    name: str
    parameters: Mapping[str, Any]
    settings: Mapping[str, Any] = field(repr=False)
    replace_claim_rules: bool = False
    yours: tuple[str, ...] = ()

    def __repr__(self) -> str:
        given = ", ".join(f"{name}={value!r}" for name, value in self.parameters.items())
        mine = f", yours={list(self.yours)!r}" if self.yours else ""
        return f"Preset({self.name!r}, {given}{mine})"

    @property
    def key_source(self) -> str:
        """Where the preset's keys come from, in words."""
        if PER_ISSUER in self.settings:
            return f"each issuer's own, in {PER_ISSUER}"
        url = self.settings.get("JWKS_URL")
        return f"JWKS_URL {url}" if url else "discovered from ISSUER"

    def whose(self, name: str) -> str:
        """Whose value of the setting ``name`` is in force: ``preset``, ``yours``, ``preset
        and yours`` (``CLAIM_RULES`` added up), or ``preset, with your keys`` (the preset's
        issuers, each with the keys you gave)."""
        if name == "CLAIM_RULES" and name in self.yours and not self.replace_claim_rules:
            return "preset and yours"
        if name == PER_ISSUER and name not in self.yours and name in self.settings:
            if "ISSUER" in self.yours:
                return "yours"
            if KEY_SOURCE_SETTINGS.intersection(self.yours):
                return "preset, with your keys"
        return "yours" if name in self.yours else "preset"

    def apply(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The settings: the preset's, with ``given`` (upper-case names, ``PROVIDER`` aside)
        laid over them; ``PROVIDER`` is this preset, which records ``yours``."""
        merged = dict(self.settings)
        yours = tuple(name for name in given if name in OWNED)
        given = dict(given)
        keys = {name: value for name, value in given.items() if name in KEY_SOURCE_SETTINGS}
        table = None if PER_ISSUER in given else merged.get(PER_ISSUER)
        if "ISSUER" in given and table is not None:  # your issuers replace the preset's
            del merged[PER_ISSUER]
            table = None
        if keys:
            merged = {name: v for name, v in merged.items() if name not in KEY_SOURCE_SETTINGS}
        if keys and table is not None:  # the preset's issuers keep their entries, with your keys
            merged[PER_ISSUER] = {
                issuer: {k: v for k, v in entry.items() if k not in KEY_SOURCE_SETTINGS} | keys
                for issuer, entry in table.items()
            }
            given = {name: v for name, v in given.items() if name not in keys}
        merged.update(given)
        if "CLAIM_RULES" in given and not self.replace_claim_rules:
            merged["CLAIM_RULES"] = added(self.settings["CLAIM_RULES"], given["CLAIM_RULES"])
        merged[SETTING] = replace(self, yours=yours)
        return merged


def added(presets: list[Any], yours: Any) -> Any:
    """``CLAIM_RULES``: yours, then each of the preset's you did not write too (yours first,
    so that a problem with one of yours names its place in your list)."""
    if not isinstance(yours, list | tuple):
        return yours  # the setting's own rule reports it
    return [*yours, *(rule for rule in presets if rule not in yours)]


def resolve(value: Any) -> Preset:
    """The preset ``value`` describes: a mapping with the provider's ``name`` and its
    parameters (a bare name is a mapping with only the name); :class:`ConfigurationError` with
    every problem."""
    given = {"name": value} if isinstance(value, str) else value
    if not isinstance(given, Mapping):
        _fail([f"must be a mapping such as {EXAMPLE}, not {type(value).__name__}"])
    name = given.get("name")
    provider = PROVIDERS.get(name) if isinstance(name, str) else None
    if provider is None:
        known = ", ".join(PROVIDERS)
        close = difflib.get_close_matches(str(name), PROVIDERS, n=1) if name else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        _fail([f"'name' must name a provider: {known}; got {name!r}{hint}"])
    problems = [
        f"{provider.name}: unknown parameter {key!r}{_suggestion(key, provider.params)}"
        for key in given
        if key not in ("name", REPLACE_RULES, *provider.params)
    ]
    replacing = given.get(REPLACE_RULES, False)
    if not isinstance(replacing, bool):
        problems.append(f"{REPLACE_RULES} must be true or false")
    args, wrong = read_args(provider, given)
    problems += [f"{provider.name}: {problem}" for problem in wrong]
    if not problems:
        try:
            settings = provider.fill(args)
        except Invalid as invalid:
            problems += [f"{provider.name}: {problem}" for problem in invalid.problems]
    if problems:
        _fail(problems)
    parameters = {key: given[key] for key in provider.params if given.get(key) is not None}
    return Preset(provider.name, parameters, settings, replace_claim_rules=replacing is True)


def _suggestion(key: Any, names: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(str(key), [*names, REPLACE_RULES], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fail(problems: list[str]) -> NoReturn:
    raise ConfigurationError([ConfigProblem(SETTING, CODE, f"{SETTING}: {p}") for p in problems])

"""``GuardConfig``: every setting in one frozen object, validated once.

Build it directly (``GuardConfig(issuer=..., audience=..., algorithms=[...], secret=...)``), from
a mapping of upper-case keys (``GuardConfig.from_mapping({"ISSUER": ...})``, as Django and Flask
settings spell them) or from ``JWTGUARD_*`` environment variables (``GuardConfig.from_env()``).
Every problem found is reported at once in one :class:`~jwtguard.errors.ConfigurationError`;
unknown keys are refused with a suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .config_rules import ConfigChecker, load_configured_keys
from .errors import ConfigurationError
from .keys.keyset import KeySet
from .keys.loaders import LoadResult
from .settings import Settings

KEY_SOURCE_SETTINGS = frozenset(
    {
        "SECRET",
        "PUBLIC_KEY",
        "PUBLIC_KEY_FILE",
        "JWKS",
        "JWKS_FILE",
        "JWKS_URL",
        "OPENID_CONFIGURATION_URL",
    }
)
"""The settings that say where keys come from; exactly one may be set (or none, with ISSUER)."""
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True, kw_only=True)
class GuardConfig(Settings):
    """Validated jwtguard settings. All arguments are keyword-only; each is described in the
    settings reference of the documentation (docs/reference/settings.md)."""

    key_set: KeySet = field(init=False, repr=False, compare=False)
    """The static keys, parsed and bound to their algorithms when the configuration is built
    (empty when keys are fetched from a URL)."""

    def __post_init__(self) -> None:
        for name in (
            "algorithms",
            "required_claims",
            "token_types",
            "scope_claims",
            "token_locations",
            "exempt_paths",
        ):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        for name in ("issuer", "audience"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                object.__setattr__(self, name, tuple(value))
        checker = ConfigChecker(self)
        problems = checker.problems()
        loaded = load_configured_keys(self) if checker.static_keys else LoadResult()
        problems.extend(loaded.problems)
        limit = checker.max_keys_without_kid
        key_set = KeySet(loaded.keys, max_without_kid=limit or 1)
        if limit is not None:  # keys sharing a kid beyond the limit are never tried: a mistake
            problems.extend(key_set.left_out)
        if problems:
            raise ConfigurationError(problems)
        object.__setattr__(self, "key_set", key_set)

    # --- alternative constructors -----------------------------------------------------------

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> GuardConfig:
        """Build from upper-case keys (``{"ISSUER": ..., "ALGORITHMS": [...]}``).

        String values of list, number and boolean settings are parsed as in :meth:`from_env`,
        so settings read from the environment by a framework work unchanged.
        """
        known = {f.name.upper(): f for f in dataclasses.fields(cls) if f.init}
        problems: list[str] = []
        kwargs: dict[str, Any] = {}
        for key, value in settings.items():
            spec = known.get(str(key).upper()) if str(key).isupper() else None
            if spec is None:
                problems.append(_unknown_key(str(key), known))
                continue
            try:
                kwargs[spec.name] = _coerce(spec.metadata["kind"], value)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
        if problems:
            raise ConfigurationError(problems)
        try:
            return cls(**kwargs)
        except ConfigurationError:
            raise
        except TypeError as exc:  # pragma: no cover - defensive: mapping built all kwargs
            raise ConfigurationError([str(exc)]) from None

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        prefix: str = "JWTGUARD_",
        defaults: Mapping[str, Any] | None = None,
    ) -> GuardConfig:
        """Build from ``JWTGUARD_*`` variables; lists are comma-separated, numbers parsed.

        ``defaults`` (upper-case keys) fill in what the environment does not set. A key source
        in the environment (``JWTGUARD_SECRET``, ``JWTGUARD_JWKS_URL``, ...) or an issuer of its
        own (``JWTGUARD_ISSUER``, which may mean discovery) replaces the default key source
        entirely, so a development key never lingers beside a real one.
        """
        environ = os.environ if environ is None else environ
        found = {
            name[len(prefix) :]: value for name, value in environ.items() if name.startswith(prefix)
        }
        settings = dict(defaults or {})
        if KEY_SOURCE_SETTINGS.intersection(found) or "ISSUER" in found:
            settings = {k: v for k, v in settings.items() if k not in KEY_SOURCE_SETTINGS}
        settings.update(found)
        return cls.from_mapping(settings)


def _unknown_key(key: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(key.upper(), list(known), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{key}: unknown setting{hint}"


def _coerce(kind: str, value: Any) -> Any:
    """Turn a string from the environment into the setting's type; pass other values through."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if kind == "str_list":
        items = [item.strip() for item in text.split(",") if item.strip()]
        return items[0] if len(items) == 1 else items
    if kind == "number":
        if text.lower() in ("", "none"):
            return None
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text!r}") from None
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {text!r}") from None
    if kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"expected a boolean (1/0, true/false), got {text!r}")
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("expected JSON") from None
    return value

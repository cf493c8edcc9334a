"""``GuardConfig``: every setting in one frozen object, validated once.

Build it directly (``GuardConfig(issuer=..., audience=..., algorithms=[...], secret=...)``), from
a mapping of upper-case keys (``GuardConfig.from_mapping({"ISSUER": ...})``, as Django and Flask
settings spell them) or from ``JWTGUARD_*`` environment variables (``GuardConfig.from_env()``).
The settings, their rules and their parsing are the table of :mod:`jwtguard.settings`; here they
are applied, with the rules between settings, and the static keys loaded. Every problem found is
reported at once in one :class:`~jwtguard.errors.ConfigurationError`; unknown keys are refused
with a suggestion.
"""

from __future__ import annotations

import dataclasses
import difflib
import importlib.util
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_rules import resolved_against
from .errors import ConfigProblem, ConfigurationError
from .keys.algorithms import SUPPORTED_ALGORITHMS
from .keys.keyset import KeySet
from .keys.loaders import LoadResult, load_jwks, load_pem, load_secret
from .presets import OWNED, Preset, resolve
from .settings import KEY_SOURCE_SETTINGS, SPECS, Settings, problem_code, spec_of, specs
from .stores.build import store_kind
from .urls import url_problem

__all__ = ["KEY_SOURCE_SETTINGS", "GuardConfig"]


@dataclass(frozen=True, kw_only=True)
class GuardConfig(Settings):
    """Validated jwtguard settings. All arguments are keyword-only; each is described in the
    settings reference of the documentation (docs/reference/settings.md)."""

    key_set: KeySet = field(init=False, repr=False, compare=False)
    """The static keys, parsed and bound to their algorithms when the configuration is built
    (empty when keys are fetched from a URL)."""

    def __post_init__(self) -> None:
        for _name, item in specs(type(self)):  # lists are frozen into tuples
            value = getattr(self, item.name)
            if not spec_of(item).rule.is_list or value is None:
                continue
            if not isinstance(value, str) and isinstance(value, Iterable):
                object.__setattr__(self, item.name, tuple(value))
            elif isinstance(value, str) and item.default is not None:  # ISSUER may be one string
                object.__setattr__(self, item.name, (value,))
        problems = list(_problems(self))
        key_set = _static_keys(self, {problem.setting for problem in problems}, problems)
        if problems:
            raise ConfigurationError(problems)
        object.__setattr__(self, "key_set", key_set)

    @property
    def preset(self) -> Preset | None:
        """The provider preset that filled this configuration (``PROVIDER``), if any."""
        return self.provider if isinstance(self.provider, Preset) else None

    # --- alternative constructors -----------------------------------------------------------

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> GuardConfig:
        """Build from upper-case keys (``{"ISSUER": ..., "ALGORITHMS": [...]}``).

        String values are read as from the environment (:meth:`from_env`), so settings read from
        the environment by a framework work unchanged. ``PROVIDER`` fills the settings its
        provider needs, under those given here (:mod:`jwtguard.presets`).
        """
        problems: list[ConfigProblem] = []
        given: dict[str, Any] = {}
        for key, value in settings.items():
            name = str(key)
            spec = SPECS.get(name) if name.isupper() else None
            if spec is None:
                problems.append(ConfigProblem(name, "setting_unknown", _unknown(name)))
                continue
            try:
                given[name] = spec.rule.parse(value) if isinstance(value, str) else value
            except ValueError as exc:
                problems.append(ConfigProblem(name, problem_code(name), f"{name}: {exc}"))
        provider = given.pop("PROVIDER", None)
        if provider is not None and "PROVIDER" not in {problem.setting for problem in problems}:
            try:
                given = resolve(provider).apply(given)
            except ConfigurationError as exc:
                problems += exc.issues
        if problems:
            raise ConfigurationError(problems)
        return cls(**{name.lower(): value for name, value in given.items()})

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
        entirely, so a development key never lingers beside a real one. A provider in the
        environment (``JWTGUARD_PROVIDER``) replaces every default it decides (its issuer,
        audience, keys, claims), and the environment's own settings are laid over it.
        """
        environ = os.environ if environ is None else environ
        found = {
            name[len(prefix) :]: value for name, value in environ.items() if name.startswith(prefix)
        }
        settings = dict(defaults or {})
        if KEY_SOURCE_SETTINGS.intersection(found) or "ISSUER" in found:
            settings = {k: v for k, v in settings.items() if k not in KEY_SOURCE_SETTINGS}
        if "PROVIDER" in found:
            settings = {k: v for k, v in settings.items() if k not in OWNED}
        settings.update(found)
        return cls.from_mapping(settings)


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key.upper(), list(SPECS), n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{key}: unknown setting{hint}"


# --- the rules: each setting's own (the table's), then those between settings ------------------


def _problems(config: Settings) -> Iterator[ConfigProblem]:
    for name, item in specs(type(config)):
        value = getattr(config, item.name)
        if value is None and item.default is None:  # an optional setting left unset
            continue
        for message in spec_of(item).rule.problems(name, value):
            yield ConfigProblem(name, problem_code(name), message)
    yield from _key_source_problems(config)
    if config.provider is not None and not isinstance(config.provider, Preset):
        yield _problem(
            "PROVIDER",
            "PROVIDER is applied when settings are read by name: build with "
            "GuardConfig.from_mapping({'PROVIDER': ..., ...}) (as Django, Flask and from_env "
            "do), which tells the settings you write from the preset's",
        )
    if _number(config.jwks_min_ttl) > _number(config.jwks_max_ttl):
        yield _problem("JWKS_MIN_TTL", "JWKS_MIN_TTL must not exceed JWKS_MAX_TTL")
    yield from _store_problems(config)


def _key_source_problems(config: Settings) -> Iterator[ConfigProblem]:
    given = _given_sources(config)
    if not given and not config.issuers:
        yield ConfigProblem(
            None,
            "key_source_missing",
            "no key source: set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE, "
            "JWKS_URL, OPENID_CONFIGURATION_URL, or ISSUER to discover its keys",
        )
    elif len(given) > 1:
        yield ConfigProblem(
            None,
            "key_sources_conflict",
            f"conflicting key sources {', '.join(given)}: set exactly one",
        )
    if config.openid_configuration_url and len(config.issuers) != 1:
        yield _problem(
            "OPENID_CONFIGURATION_URL",
            "OPENID_CONFIGURATION_URL needs exactly one ISSUER, which the metadata must name",
        )
    if not given:
        for issuer in config.issuers:
            problem = url_problem(issuer) if isinstance(issuer, str) else "is not a string"
            if problem is not None:
                yield _problem(
                    "ISSUER", f"ISSUER {issuer!r} cannot be used for key discovery: it {problem}"
                )


def _store_problems(config: Settings) -> Iterator[ConfigProblem]:
    url = config.redis_url if isinstance(config.redis_url, str) and config.redis_url else None
    if config.store == "memory" and url is not None:
        yield _problem("STORE", "REDIS_URL is set but STORE is 'memory': drop one of them")
    if config.store == "redis" and url is None:
        yield _problem("STORE", "STORE 'redis' needs REDIS_URL, e.g. redis://127.0.0.1:6379/0")
    if store_kind(config) == "redis" and importlib.util.find_spec("redis") is None:
        yield _problem(
            "STORE", "a Redis store needs the redis package: pip install 'jwtguard-api[redis]'"
        )


def _given_sources(config: Settings) -> list[str]:
    """The key-source settings that are set, in the table's order."""
    return [
        name
        for name in SPECS
        if name in KEY_SOURCE_SETTINGS and getattr(config, name.lower()) not in (None, "", b"")
    ]


def _problem(name: str, message: str) -> ConfigProblem:
    return ConfigProblem(name, problem_code(name), message)


def _number(value: Any) -> float:
    """A valid number of seconds as it is; anything else (reported already) as ``nan``."""
    valid = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if valid else float("nan")


# --- the static keys ----------------------------------------------------------------------------


def _static_keys(
    config: Settings, failed: set[str | None], problems: list[ConfigProblem]
) -> KeySet:
    """The keys of the one static key source, if that is what is configured (and its setting
    has no problem yet); their problems are added to ``problems``."""
    sources = _given_sources(config)
    limit = config.max_keys_without_kid if "MAX_KEYS_WITHOUT_KID" not in failed else None
    if len(sources) != 1 or SPECS[sources[0]].key_source != "static" or sources[0] in failed:
        return KeySet((), max_without_kid=limit or 1)
    source = sources[0]
    loaded = _load_keys(config, source)
    key_set = KeySet(loaded.keys, max_without_kid=limit or 1)
    for problem in loaded.problems:
        problems.append(
            problem if problem.setting else dataclasses.replace(problem, setting=source)
        )
    if limit is not None:  # keys sharing a kid beyond the limit are never tried: a mistake
        problems += [ConfigProblem(source, "key_invalid", reason) for reason in key_set.left_out]
    return key_set


def _load_keys(config: Settings, source: str) -> LoadResult:
    """Parse the static key source ``source`` and bind its keys to the allowed algorithms."""
    listed = config.algorithms if isinstance(config.algorithms, tuple) else ()  # else reported
    allowed = [algorithm for algorithm in listed if algorithm in SUPPORTED_ALGORITHMS]
    value: Any = getattr(config, source.lower())
    try:
        if source in ("PUBLIC_KEY_FILE", "JWKS_FILE"):
            value = Path(value).read_bytes()
        if source == "SECRET":
            result = load_secret(value, allowed)
        elif source in ("PUBLIC_KEY", "PUBLIC_KEY_FILE"):
            result = load_pem(value, allowed, origin=source)
        else:
            document = value if source == "JWKS" else value.decode("utf-8")
            result = load_jwks(document, allowed, origin=source)
    except OSError as exc:
        path = getattr(config, source.lower())
        message = f"cannot read the key file: {exc}{resolved_against(path)}"
        return LoadResult(problems=[ConfigProblem(source, "key_invalid", message)])
    except UnicodeDecodeError:
        return LoadResult(problems=[ConfigProblem(source, "key_invalid", f"{source} is not text")])
    if result.problems:
        return result
    served = frozenset().union(*(key.algorithms for key in result.keys))
    if not served:
        reasons = "; ".join(result.skipped) or "no key was found"
        message = f"no configured key can verify any of ALGORITHMS ({reasons})"
        return LoadResult(problems=[_problem("ALGORITHMS", message)])
    for algorithm in listed:
        if algorithm in SUPPORTED_ALGORITHMS and algorithm not in served:
            result.problems.append(
                _problem(
                    "ALGORITHMS",
                    f"ALGORITHMS allows {algorithm}, but no configured key can verify it",
                )
            )
    return result

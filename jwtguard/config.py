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
import ssl
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config_rules import resolved_against
from .errors import ConfigProblem, ConfigurationError
from .issuers import (
    DEFAULT_TENANT_CLAIM,
    TENANT_ID,
    TENANT_ID_TEXT,
    Issuers,
    IssuerTemplate,
    is_template,
    template_problem,
)
from .keys.algorithms import SUPPORTED_ALGORITHMS
from .keys.http import tls_context
from .keys.keyset import KeySet
from .keys.loaders import LoadResult, load_jwks, load_pem, load_secret
from .presets import OWNED, Preset, resolve
from .settings import KEY_SOURCE_SETTINGS, SPECS, Settings, problem_code, spec_of, specs
from .stores.build import store_kind
from .urls import url_problem

__all__ = ["ENTRY_KEYS", "KEY_SOURCE_SETTINGS", "GuardConfig", "IssuerEntry", "replaced"]

ENTRY_SOURCES = tuple(
    name for name, spec in SPECS.items() if spec.key_source in ("static", "remote")
)
"""The key settings an issuer of ``TRUSTED_ISSUERS`` may have (at most one)."""
TRANSPORT_KEYS = (
    "HTTP_CA_FILE",
    "HTTP_CLIENT_CERT_FILE",
    "HTTP_CLIENT_KEY_FILE",
    "HTTP_SSL_CONTEXT",
    "HTTP_HEADERS",
    "HTTP_PROXY",
)
"""The fetch settings an issuer's entry may give for its own key and discovery fetches."""
ENTRY_KEYS = (*ENTRY_SOURCES, "TENANT_CLAIM", "TENANTS", *TRANSPORT_KEYS)
"""Every key of an issuer's entry in ``TRUSTED_ISSUERS``."""
PER_ISSUER = "TRUSTED_ISSUERS"


@dataclass(frozen=True)
class IssuerEntry:
    """One trusted issuer with keys of its own, checked: the key setting its entry names and
    that setting's value (none: its keys are discovered from the issuer), and its static keys,
    parsed. ``name`` is the issuer, or its template."""

    name: str
    source: str | None = None
    value: Any = field(default=None, repr=False)
    key_set: KeySet | None = field(default=None, repr=False)
    transport: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The entry's own ``HTTP_*`` fetch settings (:data:`TRANSPORT_KEYS`), each replacing the
    top-level one for this issuer's fetches."""


@dataclass(frozen=True, kw_only=True)
class GuardConfig(Settings):
    """Validated jwtguard settings. All arguments are keyword-only; each is described in the
    settings reference of the documentation (docs/reference/settings.md)."""

    key_set: KeySet = field(init=False, repr=False, compare=False)
    """The static keys, parsed and bound to their algorithms when the configuration is built
    (empty when keys are fetched from a URL, or each issuer has its own)."""
    accepted_issuers: Issuers = field(init=False, repr=False, compare=False)
    """The trusted issuers, names and templates: what the ``iss`` of a token must match."""
    issuer_entries: tuple[IssuerEntry, ...] = field(init=False, repr=False, compare=False)
    """Each issuer of ``TRUSTED_ISSUERS`` with where its keys come from (empty without it)."""

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
        failed = {problem.setting for problem in problems}
        key_set = _static_keys(self, failed, problems)
        problems += _tls_problems(self, failed)
        entries = _issuer_entries(self, failed, problems)
        if problems:
            raise ConfigurationError(problems)
        object.__setattr__(self, "key_set", key_set)
        object.__setattr__(self, "issuer_entries", entries)
        object.__setattr__(self, "accepted_issuers", _accepted_issuers(self))

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
        gone = replaced(found)
        settings = {k: v for k, v in (defaults or {}).items() if k not in gone}
        settings.update(found)
        return cls.from_mapping(settings)


def replaced(given: Collection[str], *, by_issuer: bool = True) -> frozenset[str]:
    """The settings of a layer below (the defaults; the environment, under the command's
    flags) that the settings ``given`` replace: every key source, when ``given`` has one (or
    ``ISSUER``, whose keys are then discovered, when ``by_issuer``), so that a development key
    never lingers beside a real one; ``ISSUER`` when ``given`` has ``TRUSTED_ISSUERS``,
    which names the issuers itself; and every setting a provider decides
    (:data:`~jwtguard.presets.OWNED`) when ``given`` has ``PROVIDER``."""
    gone: set[str] = set()
    if KEY_SOURCE_SETTINGS.intersection(given) or (by_issuer and "ISSUER" in given):
        gone |= KEY_SOURCE_SETTINGS
    if PER_ISSUER in given:
        gone.add("ISSUER")
    if "PROVIDER" in given:
        gone |= OWNED
    return frozenset(gone)


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
    yield from _per_issuer_problems(config)
    if _number(config.jwks_min_ttl) > _number(config.jwks_max_ttl):
        yield _problem("JWKS_MIN_TTL", "JWKS_MIN_TTL must not exceed JWKS_MAX_TTL")
    yield from _store_problems(config)
    yield from _transport_problems(config)


def _transport_problems(config: Settings) -> Iterator[ConfigProblem]:
    files = (config.http_ca_file, config.http_client_cert_file, config.http_client_key_file)
    if config.http_ssl_context is not None and any(files):
        yield _problem(
            "HTTP_SSL_CONTEXT",
            "HTTP_SSL_CONTEXT is the whole TLS context: load the CAs and the client certificate "
            "into it, and drop HTTP_CA_FILE, HTTP_CLIENT_CERT_FILE and HTTP_CLIENT_KEY_FILE",
        )
    if config.http_client_key_file and not config.http_client_cert_file:
        yield _problem(
            "HTTP_CLIENT_KEY_FILE",
            "HTTP_CLIENT_KEY_FILE needs HTTP_CLIENT_CERT_FILE, the certificate it is the key of",
        )


def _key_source_problems(config: Settings) -> Iterator[ConfigProblem]:
    given = _given_sources(config)
    if not given and not config.issuers:
        yield ConfigProblem(
            None,
            "key_source_missing",
            "no key source: set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE, "
            "JWKS_URL, OPENID_CONFIGURATION_URL, or ISSUER to discover its keys, or "
            "TRUSTED_ISSUERS",
        )
    elif PER_ISSUER in given and len(given) > 1:
        others = ", ".join(name for name in given if name != PER_ISSUER)
        yield ConfigProblem(
            None,
            "key_sources_conflict",
            f"TRUSTED_ISSUERS gives each issuer its own keys: move {others} into the entry of "
            "the issuer whose keys they are",
        )
    elif len(given) > 1:
        yield ConfigProblem(
            None,
            "key_sources_conflict",
            f"conflicting key sources {', '.join(given)}: set exactly one",
        )
    if PER_ISSUER in given:
        return
    issuers = config.issuers
    if config.openid_configuration_url and len(issuers) != 1:
        yield _problem(
            "OPENID_CONFIGURATION_URL",
            "OPENID_CONFIGURATION_URL needs exactly one ISSUER, which the metadata must name",
        )
    for issuer in issuers:
        if isinstance(issuer, str) and is_template(issuer):
            yield _problem(
                "ISSUER",
                f"ISSUER {issuer!r} is an issuer template: a template goes in TRUSTED_ISSUERS, "
                "with the keys its tenants share",
            )
    static = [name for name in given if SPECS[name].key_source == "static"]
    if static and len(issuers) > 1:
        yield _problem(
            "ISSUER",
            f"{static[0]} would be trusted for each of the {len(issuers)} ISSUER values, so a "
            "key of one issuer would verify tokens claiming another: give each issuer its own "
            f"keys in TRUSTED_ISSUERS, such as {{{issuers[0]!r}: {{{static[0]!r}: ...}}, "
            f"{issuers[1]!r}: {{...}}}} (the same keys under two names only if they truly "
            "are one issuer's)",
        )
    if not given:
        for issuer in issuers:
            problem = url_problem(issuer) if isinstance(issuer, str) else "is not a string"
            if problem is not None:
                yield _problem(
                    "ISSUER", f"ISSUER {issuer!r} cannot be used for key discovery: it {problem}"
                )


def _per_issuer_problems(config: Settings) -> Iterator[ConfigProblem]:
    """``TRUSTED_ISSUERS``: each issuer's entry, and no two issuers that one ``iss`` fits."""
    table = config.trusted_issuers
    if not isinstance(table, Mapping) or not table:  # unset, or its rule said what is wrong
        return
    if config.issuer not in (None, "", ()):
        yield _problem(
            "ISSUER",
            "ISSUER and TRUSTED_ISSUERS both name the trusted issuers: keep TRUSTED_ISSUERS only",
        )
    for name, entry in _entries(table):
        for message in _entry_problems(name, entry):
            yield _problem(PER_ISSUER, message)
    for conflict in _issuers_of(table).conflicts():
        yield _problem(PER_ISSUER, f"TRUSTED_ISSUERS: {conflict}")


def _entry_problems(name: str, entry: Mapping[str, Any]) -> Iterator[str]:
    label = f"TRUSTED_ISSUERS[{name!r}]"
    for key in entry:
        if key not in ENTRY_KEYS:
            close = difflib.get_close_matches(str(key).upper(), ENTRY_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            yield f"{label}: unknown key {key!r}{hint}"
    sources = _entry_sources(entry)
    if len(sources) > 1:
        yield f"{label}: conflicting key sources {', '.join(sources)}: set exactly one"
    for source in sources:
        yield from SPECS[source].rule.problems(f"{label}.{source}", entry[source])
    yield from _entry_transport_problems(label, entry, sources)
    if not is_template(name):
        extra = [key for key in ("TENANT_CLAIM", "TENANTS") if key in entry]
        if extra:
            yield (
                f"{label}: {' and '.join(extra)} belong to an issuer template, whose tenant is "
                "a placeholder such as {tenantid}"
            )
        problem = None if sources else url_problem(name)
        if problem is not None:
            yield f"{label} has no key setting and cannot be used for key discovery: it {problem}"
        return
    problem = template_problem(name)
    if problem is not None:
        yield f"{label}: {problem}"
    if not sources:
        yield (
            f"{label}: an issuer template cannot be discovered: give the keys its tenants "
            "share, as JWKS_URL (or OPENID_CONFIGURATION_URL, whose metadata names this "
            "template as its issuer)"
        )
    claim = entry.get("TENANT_CLAIM", DEFAULT_TENANT_CLAIM)
    if not isinstance(claim, str) or not claim:
        yield f"{label}.TENANT_CLAIM must name the claim holding the tenant id, such as 'tid'"
    tenants = entry.get("TENANTS")
    if tenants is None:
        return
    if isinstance(tenants, str | bytes) or not isinstance(tenants, list | tuple) or not tenants:
        yield f"{label}.TENANTS must be a non-empty list of tenant ids"
        return
    for tenant in tenants:
        if not isinstance(tenant, str) or TENANT_ID.fullmatch(tenant) is None:
            yield f"{label}.TENANTS: {tenant!r} is not a tenant id ({TENANT_ID_TEXT})"


def _entries(table: Mapping[Any, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The entries of ``TRUSTED_ISSUERS`` of the right shape (its rule reports the others)."""
    for name, entry in table.items():
        if isinstance(name, str) and name and isinstance(entry, Mapping):
            yield name, entry


def _entry_sources(entry: Mapping[str, Any]) -> list[str]:
    return [name for name in ENTRY_SOURCES if entry.get(name) not in (None, "", b"")]


def _issuers_of(table: Mapping[Any, Any]) -> Issuers:
    """The issuers ``TRUSTED_ISSUERS`` names (of its entries, those that are right)."""
    names: list[str] = []
    templates: list[IssuerTemplate] = []
    for name, entry in _entries(table):
        if not is_template(name):
            names.append(name)
            continue
        claim, tenants = entry.get("TENANT_CLAIM", DEFAULT_TENANT_CLAIM), entry.get("TENANTS")
        if template_problem(name) is None and isinstance(claim, str) and claim:
            listed = None
            if isinstance(tenants, list | tuple):  # its wrong items are reported already
                listed = frozenset(tenant for tenant in tenants if isinstance(tenant, str))
            templates.append(IssuerTemplate(name, claim, listed))
    return Issuers(names, templates)


def _accepted_issuers(config: Settings) -> Issuers:
    table = config.trusted_issuers
    if isinstance(table, Mapping) and table:
        return _issuers_of(table)
    return Issuers(config.issuers)


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


# --- the TLS files of key fetches --------------------------------------------------------------


def _entry_transport_problems(
    label: str, entry: Mapping[str, Any], sources: list[str]
) -> Iterator[str]:
    """An entry's own fetch settings: each checked by its setting's rule, its CA file and
    client certificate loaded, and none beside static keys (nothing is fetched)."""
    given = [key for key in TRANSPORT_KEYS if key in entry]
    if not given:
        return
    if sources and SPECS[sources[0]].key_source == "static":
        yield f"{label}: {', '.join(given)} apply to fetched keys, and {sources[0]} is not fetched"
        return
    found = []
    for key in given:
        found += list(SPECS[key].rule.problems(f"{label}.{key}", entry[key]))
    yield from found
    files = [entry.get(key) for key in TRANSPORT_KEYS[:3]]
    if found or not any(files):
        return
    try:
        tls_context(*files)
    except (OSError, ssl.SSLError, ValueError) as error:
        yield f"{label}: cannot load its CA certificates or client certificate: {error}"


def _tls_problems(config: Settings, failed: set[str | None]) -> Iterator[ConfigProblem]:
    """Whether the CA file and the client certificate load (when their settings are right so
    far), with the function the key sources build their TLS context with."""
    tls = {"HTTP_CA_FILE", "HTTP_CLIENT_CERT_FILE", "HTTP_CLIENT_KEY_FILE", "HTTP_SSL_CONTEXT"}
    if tls & failed:
        return
    loads = (
        ("HTTP_CA_FILE", (config.http_ca_file,), "the CA certificates"),
        (
            "HTTP_CLIENT_CERT_FILE",
            (config.http_ca_file, config.http_client_cert_file, config.http_client_key_file),
            "the client certificate and its key",
        ),
    )
    for name, files, what in loads:
        if not getattr(config, name.lower()):
            continue
        try:
            tls_context(*files)
        except (OSError, ssl.SSLError, ValueError) as error:
            yield _problem(name, f"{name}: cannot load {what}: {error}")
            return


# --- the static keys ----------------------------------------------------------------------------


def _static_keys(
    config: Settings, failed: set[str | None], problems: list[ConfigProblem]
) -> KeySet:
    """The keys of the one static key source, if that is what is configured (and its setting
    has no problem yet); their problems are added to ``problems``."""
    sources = _given_sources(config)
    limit = _limit(config, failed)
    if len(sources) != 1 or SPECS[sources[0]].key_source != "static" or sources[0] in failed:
        return KeySet((), max_without_kid=limit or 1)
    source = sources[0]
    listed = _listed(config)
    loaded = _load_keys(getattr(config, source.lower()), source, listed, origin=source)
    if not loaded.problems:
        loaded.problems += _unserved(loaded, listed)
    key_set = KeySet(loaded.keys, max_without_kid=limit or 1)
    for problem in loaded.problems:
        problems.append(
            problem if problem.setting else dataclasses.replace(problem, setting=source)
        )
    if limit is not None:  # keys sharing a kid beyond the limit are never tried: a mistake
        problems += [ConfigProblem(source, "key_invalid", reason) for reason in key_set.left_out]
    return key_set


def _issuer_entries(
    config: Settings, failed: set[str | None], problems: list[ConfigProblem]
) -> tuple[IssuerEntry, ...]:
    """Each issuer of ``TRUSTED_ISSUERS`` with its key setting, its static keys loaded (when
    the setting has no problem yet); their problems are added to ``problems``."""
    table = config.trusted_issuers
    if not isinstance(table, Mapping) or PER_ISSUER in failed:
        return ()
    limit, listed = _limit(config, failed), _listed(config)
    entries = []
    for name, entry in _entries(table):
        sources = _entry_sources(entry)
        source = sources[0] if sources else None
        key_set = None
        if source is not None and SPECS[source].key_source == "static":
            origin = f"TRUSTED_ISSUERS[{name!r}].{source}"
            loaded = _load_keys(entry[source], source, listed, origin=origin)
            key_set = KeySet(loaded.keys, max_without_kid=limit or 1)
            problems += [
                dataclasses.replace(problem, setting=problem.setting or PER_ISSUER)
                for problem in loaded.problems
            ]
            if limit is not None:
                problems += [
                    ConfigProblem(PER_ISSUER, "key_invalid", f"{origin}: {reason}")
                    for reason in key_set.left_out
                ]
        transport = {key: entry[key] for key in TRANSPORT_KEYS if key in entry}
        value = entry.get(source) if source else None
        entries.append(IssuerEntry(name, source, value, key_set, transport))
    return tuple(entries)


def _limit(config: Settings, failed: set[str | None]) -> int | None:
    """``MAX_KEYS_WITHOUT_KID``, unless it has a problem."""
    return config.max_keys_without_kid if "MAX_KEYS_WITHOUT_KID" not in failed else None


def _listed(config: Settings) -> tuple[str, ...]:
    return config.algorithms if isinstance(config.algorithms, tuple) else ()  # else reported


def _load_keys(value: Any, source: str, listed: tuple[str, ...], *, origin: str) -> LoadResult:
    """Parse ``value``, the static key setting ``source``, and bind its keys to the allowed
    algorithms; ``origin`` names it in problems. A set whose keys verify none of them is a
    problem."""
    allowed = [algorithm for algorithm in listed if algorithm in SUPPORTED_ALGORITHMS]
    path = value
    try:
        if source in ("PUBLIC_KEY_FILE", "JWKS_FILE"):
            value = Path(value).read_bytes()
        if source == "SECRET":
            result = load_secret(value, allowed, origin=origin)
        elif source in ("PUBLIC_KEY", "PUBLIC_KEY_FILE"):
            result = load_pem(value, allowed, origin=origin)
        else:
            document = value if source == "JWKS" else value.decode("utf-8")
            result = load_jwks(document, allowed, origin=origin)
    except OSError as exc:
        message = f"cannot read the key file: {exc}{resolved_against(path)}"
        if origin != source:
            message = f"{origin}: {message}"
        return LoadResult(problems=[ConfigProblem(None, "key_invalid", message)])
    except UnicodeDecodeError:
        return LoadResult(problems=[ConfigProblem(None, "key_invalid", f"{origin} is not text")])
    if result.problems:
        return result
    if not _served(result):
        reasons = "; ".join(result.skipped) or "no key was found"
        keys = "configured key" if origin == source else f"key of {origin}"
        message = f"no {keys} can verify any of ALGORITHMS ({reasons})"
        return LoadResult(problems=[_problem("ALGORITHMS", message)])
    return result


def _served(result: LoadResult) -> frozenset[str]:
    return frozenset().union(*(key.algorithms for key in result.keys))


def _unserved(result: LoadResult, listed: tuple[str, ...]) -> list[ConfigProblem]:
    """Each algorithm of ``ALGORITHMS`` that none of the one static source's keys verifies."""
    served = _served(result)
    unserved = "ALGORITHMS allows {}, but no configured key can verify it"
    return [
        _problem("ALGORITHMS", unserved.format(algorithm))
        for algorithm in listed
        if algorithm in SUPPORTED_ALGORITHMS and algorithm not in served
    ]

"""The rules the settings of a :class:`~jwtguard.GuardConfig` must satisfy, and loading its static
keys. They read :class:`~jwtguard.settings.Settings`, below the config that applies them.

Every rule adds a problem instead of raising, so one ``ConfigurationError`` lists them all.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .keys.algorithms import SUPPORTED_ALGORITHMS
from .keys.keyset import MAX_KEYS_WITHOUT_KID_LIMIT
from .keys.loaders import LoadResult, load_jwks, load_pem, load_secret
from .settings import Settings
from .stores.base import is_store
from .stores.build import load_factory, store_kind
from .urls import redact_url, redis_url_problem, url_problem

TOKEN_LOCATIONS = ("header", "query", "form", "cookie")
ERROR_FORMATS = ("json", "problem")
STORE_FAILURES = ("closed", "open")
_STORE_PREFIX = re.compile(r"[!-~]{0,64}")  # printable ASCII without spaces (memcached keys)
_TOKEN_CHARS = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_QUOTABLE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII without " and \
_STATIC_SOURCES = frozenset({"SECRET", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "JWKS", "JWKS_FILE"})
_END_ANCHORS = ("$", r"\Z", ".*", ".+")  # patterns that end like these meant the whole path
_URI_CHARS = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6750 error_uri characters


class ConfigChecker:
    """Collects every problem of a configuration instead of stopping at the first."""

    def __init__(self, config: Settings) -> None:
        self.config = config
        self._problems: list[str] = []
        self.static_keys = False  # whether a valid static key source is set, to load
        self.max_keys_without_kid: int | None = None  # the setting once found valid

    def problems(self) -> list[str]:
        c = self.config
        self._check_algorithms(c.algorithms)
        self._check_key_sources()
        if self._check_int(
            "MAX_KEYS_WITHOUT_KID",
            c.max_keys_without_kid,
            minimum=1,
            maximum=MAX_KEYS_WITHOUT_KID_LIMIT,
        ):
            self.max_keys_without_kid = c.max_keys_without_kid
        self._check_remote_limits()
        self._check_stores()
        self._check_string_list("ISSUER", c.issuers, allow_empty=True)
        self._check_string_list("AUDIENCE", c.audiences, allow_empty=True)
        self._check_string_list("REQUIRED_CLAIMS", c.required_claims, allow_empty=True)
        self._check_string_list("TOKEN_TYPES", c.token_types, allow_empty=True)
        self._check_string_list("SCOPE_CLAIMS", c.scope_claims, allow_empty=True)
        self._check_number("LEEWAY", c.leeway, minimum=0, maximum=86400)
        if c.max_lifetime is not None:
            self._check_number("MAX_LIFETIME", c.max_lifetime, minimum=1, maximum=None)
        self._check_int("MAX_TOKEN_BYTES", c.max_token_bytes, minimum=256, maximum=1 << 20)
        self._check_pattern("REALM", c.realm, _QUOTABLE, 'printable ASCII without " or \\')
        for name, uri in (
            ("ERROR_URI", c.error_uri),
            ("RESOURCE_METADATA_URL", c.resource_metadata_url),
        ):
            if uri is not None:
                self._check_pattern(name, uri, _URI_CHARS, "an absolute URI")
        self._check_pattern("HEADER_NAME", c.header_name, _TOKEN_CHARS, "an HTTP header name")
        self._check_pattern("COOKIE_NAME", c.cookie_name, _TOKEN_CHARS, "a cookie name")
        self._check_pattern("CSRF_COOKIE_NAME", c.csrf_cookie_name, _TOKEN_CHARS, "a cookie name")
        self._check_pattern(
            "CSRF_HEADER_NAME", c.csrf_header_name, _TOKEN_CHARS, "an HTTP header name"
        )
        if c.header_scheme != "":
            self._check_pattern("HEADER_SCHEME", c.header_scheme, _TOKEN_CHARS, "an auth scheme")
        unknown = [loc for loc in c.token_locations if loc not in TOKEN_LOCATIONS]
        if unknown or not c.token_locations:
            self._add(f"TOKEN_LOCATIONS must be a non-empty subset of {list(TOKEN_LOCATIONS)}")
        if c.error_format not in ERROR_FORMATS:
            self._add(f"ERROR_FORMAT must be one of {list(ERROR_FORMATS)}")
        for pattern in c.exempt_paths:
            self._check_exempt_path(pattern)
        return self._problems

    def _add(self, problem: str) -> None:
        self._problems.append(problem)

    def _check_exempt_path(self, pattern: Any) -> None:
        """A pattern must compile, and must not be written for prefix matching: each one must
        match the whole path (``re.fullmatch``), so ``^/health`` would exempt ``/health`` only,
        where it used to exempt ``/healthz-admin`` too."""
        try:
            re.compile(pattern)
        except (re.error, TypeError) as exc:
            self._add(f"EXEMPT_PATHS: {pattern!r} is not a regular expression ({exc})")
            return
        if pattern.startswith("^") and not pattern.endswith(_END_ANCHORS):
            self._add(
                f"EXEMPT_PATHS: {pattern!r} is written as a prefix, but each pattern must match "
                f"the whole path: write {pattern + '$'!r} for that path alone, or "
                f"{pattern.rstrip('/') + '/.*'!r} for everything under it"
            )
        elif pattern.endswith("/") and pattern != "/":
            self._add(
                f"EXEMPT_PATHS: {pattern!r} ends with '/', but each pattern must match the whole "
                f"path: write {pattern + '.*'!r} for everything under it"
            )

    def _check_algorithms(self, algorithms: Sequence[Any]) -> None:
        if not algorithms:
            self._add(
                "ALGORITHMS is required: list the signing algorithms you accept, e.g. ['RS256']"
            )
        for algorithm in algorithms:
            if not isinstance(algorithm, str):
                self._add(f"ALGORITHMS: {algorithm!r} is not a string")
            elif algorithm.lower() == "none":
                self._add("ALGORITHMS may not contain 'none': unsigned tokens are never accepted")
            elif algorithm not in SUPPORTED_ALGORITHMS:
                self._add(
                    f"ALGORITHMS: {algorithm!r} is not one of {', '.join(SUPPORTED_ALGORITHMS)}"
                )

    def _check_key_sources(self) -> None:
        c = self.config
        given = [
            name
            for name, value in (
                ("SECRET", c.secret),
                ("PUBLIC_KEY", c.public_key),
                ("PUBLIC_KEY_FILE", c.public_key_file),
                ("JWKS", c.jwks),
                ("JWKS_FILE", c.jwks_file),
                ("JWKS_URL", c.jwks_url),
                ("OPENID_CONFIGURATION_URL", c.openid_configuration_url),
            )
            if value not in (None, "", b"")
        ]
        if not given and not c.issuers:
            self._add(
                "no key source: set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE, "
                "JWKS_URL, OPENID_CONFIGURATION_URL, or ISSUER to discover its keys"
            )
        elif len(given) > 1:
            self._add(f"conflicting key sources {', '.join(given)}: set exactly one")
        for name in ("JWKS_URL", "OPENID_CONFIGURATION_URL"):
            url = getattr(c, name.lower())
            problem = url_problem(url) if isinstance(url, str) and url else None
            if problem is not None:
                self._add(f"{name} {problem}, got {redact_url(url)!r}")
        if c.openid_configuration_url and len(c.issuers) != 1:
            self._add(
                "OPENID_CONFIGURATION_URL needs exactly one ISSUER, which the metadata must name"
            )
        if not given:
            for issuer in c.issuers:
                problem = url_problem(issuer) if isinstance(issuer, str) else "is not a string"
                if problem is not None:
                    self._add(f"ISSUER {issuer!r} cannot be used for key discovery: it {problem}")
        for name in ("PUBLIC_KEY_FILE", "JWKS_FILE"):
            path = getattr(c, name.lower())
            if path and not Path(path).is_file():
                self._add(f"{name}: {path} is not a readable file{resolved_against(path)}")
                return
        self.static_keys = len(given) == 1 and given[0] in _STATIC_SOURCES

    def _check_remote_limits(self) -> None:
        c = self.config
        for name in ("JWKS_CACHE_TTL", "JWKS_MIN_TTL", "JWKS_MAX_TTL", "JWKS_STALE_TTL"):
            self._check_number(name, getattr(c, name.lower()), minimum=0, maximum=31 * 86400)
        self._check_number(
            "JWKS_REFETCH_COOLDOWN", c.jwks_refetch_cooldown, minimum=0, maximum=3600
        )
        self._check_number("HTTP_TIMEOUT", c.http_timeout, minimum=0.1, maximum=120)
        self._check_int("JWKS_MAX_BYTES", c.jwks_max_bytes, minimum=1024, maximum=16 << 20)
        for name in ("JWKS_REFRESH_AHEAD", "JWKS_PREWARM"):
            if not isinstance(getattr(c, name.lower()), bool):
                self._add(f"{name} must be true or false")
        if (
            isinstance(c.jwks_min_ttl, int | float)
            and isinstance(c.jwks_max_ttl, int | float)
            and c.jwks_min_ttl > c.jwks_max_ttl
        ):
            self._add("JWKS_MIN_TTL must not exceed JWKS_MAX_TTL")

    def _check_stores(self) -> None:
        c = self.config
        for name in ("REPLAY_PROTECTION", "REVOCATION"):
            if not isinstance(getattr(c, name.lower()), bool):
                self._add(f"{name} must be true or false")
        store = c.store
        if isinstance(store, str) and store not in ("memory", "redis"):
            self._check_store_factory(store)
        elif store is not None and not isinstance(store, str) and not is_store(store):
            self._add(
                f"STORE must be 'memory', 'redis', a dotted path to a store factory, or a store "
                f"(with add, put and get_many methods), not {type(store).__name__}"
            )
        url = c.redis_url
        if url is not None and (not isinstance(url, str) or not url):
            self._add("REDIS_URL must be a non-empty string such as redis://127.0.0.1:6379/0")
            url = None
        if url is not None and (problem := redis_url_problem(url)) is not None:
            self._add(f"REDIS_URL {problem}, got {redact_url(url)!r}")
        if store == "memory" and url is not None:
            self._add("REDIS_URL is set but STORE is 'memory': drop one of them")
        if store == "redis" and url is None:
            self._add("STORE 'redis' needs REDIS_URL, e.g. redis://127.0.0.1:6379/0")
        if store_kind(c) == "redis" and importlib.util.find_spec("redis") is None:
            self._add("a Redis store needs the redis package: pip install 'jwtguard-api[redis]'")
        if c.store_failure not in STORE_FAILURES:
            self._add(f"STORE_FAILURE must be 'closed' or 'open', got {c.store_failure!r}")
        self._check_number("STORE_TIMEOUT", c.store_timeout, minimum=0.01, maximum=60)
        self._check_number("REVOCATION_TTL", c.revocation_ttl, minimum=1, maximum=366 * 86400)
        self._check_int("STORE_MAX_ENTRIES", c.store_max_entries, minimum=1, maximum=10**8)
        self._check_pattern(
            "STORE_PREFIX", c.store_prefix, _STORE_PREFIX, "printable ASCII without spaces"
        )

    def _check_store_factory(self, path: str) -> None:
        if not re.fullmatch(r"[\w.]+[.:]\w+", path):
            self._add(
                f"STORE must be 'memory', 'redis' or a dotted path to a store factory, got {path!r}"
            )
            return
        try:
            load_factory(path)
        except (ImportError, AttributeError, TypeError) as exc:
            self._add(f"STORE: cannot use {path!r} ({exc})")

    def _check_string_list(self, name: str, values: Sequence[Any], *, allow_empty: bool) -> None:
        if not allow_empty and not values:
            self._add(f"{name} must not be empty")
        for value in values:
            if not isinstance(value, str) or not value:
                self._add(f"{name}: {value!r} is not a non-empty string")

    def _check_number(
        self, name: str, value: Any, *, minimum: float, maximum: float | None
    ) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self._add(f"{name} must be a number of seconds")
        elif value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            self._add(f"{name} must be {bound}, got {value}")

    def _check_int(self, name: str, value: Any, *, minimum: int, maximum: int) -> bool:
        """Whether ``value`` is valid (else a problem is added)."""
        if isinstance(value, bool) or not isinstance(value, int):
            self._add(f"{name} must be an integer")
        elif not minimum <= value <= maximum:
            self._add(f"{name} must be between {minimum} and {maximum}, got {value}")
        else:
            return True
        return False

    def _check_pattern(self, name: str, value: Any, pattern: re.Pattern[str], what: str) -> None:
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            self._add(f"{name} must be {what}, got {value!r}")


def resolved_against(path: str | Path) -> str:
    """For a relative key file path, the directory it was looked up in (the process's working
    directory, which differs between ``manage.py runserver``, gunicorn and a test run)."""
    if Path(path).is_absolute():
        return ""
    try:
        here = os.getcwd()
    except OSError:  # the working directory was removed
        here = "(unknown)"
    return f" (a relative path, looked up in the working directory {here}: give an absolute path)"


def load_configured_keys(config: Settings) -> LoadResult:
    """Parse the configured key source and bind its keys to the allowed algorithms."""
    try:
        result = _load_key_source(config)
    except OSError as exc:
        path = config.public_key_file or config.jwks_file or ""
        return LoadResult(problems=[f"cannot read the key file: {exc}{resolved_against(path)}"])
    if result.problems:
        return result
    served = frozenset().union(*(key.algorithms for key in result.keys))
    if not served:
        reasons = "; ".join(result.skipped) or "no key was found"
        result.problems.append(f"no configured key can verify any of ALGORITHMS ({reasons})")
        return result
    for algorithm in config.algorithms:
        if algorithm in SUPPORTED_ALGORITHMS and algorithm not in served:
            result.problems.append(
                f"ALGORITHMS allows {algorithm}, but no configured key can verify it"
            )
    return result


def _load_key_source(config: Settings) -> LoadResult:
    allowed = [algorithm for algorithm in config.algorithms if algorithm in SUPPORTED_ALGORITHMS]
    if config.secret:
        return load_secret(config.secret, allowed)
    if config.public_key:
        return load_pem(config.public_key, allowed)
    if config.public_key_file:
        return load_pem(
            Path(config.public_key_file).read_bytes(), allowed, origin="PUBLIC_KEY_FILE"
        )
    if config.jwks is not None:
        return load_jwks(config.jwks, allowed)
    assert config.jwks_file is not None  # noqa: S101 - guaranteed by _check_key_sources
    return load_jwks(Path(config.jwks_file).read_text("utf-8"), allowed, origin="JWKS_FILE")

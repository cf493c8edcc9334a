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
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigurationError
from .keys import SUPPORTED_ALGORITHMS, KeySet, LoadResult, load_jwks, load_pem, load_secret

TOKEN_LOCATIONS = ("header", "query", "form", "cookie")
KEY_SOURCE_SETTINGS = frozenset({"SECRET", "PUBLIC_KEY", "PUBLIC_KEY_FILE", "JWKS", "JWKS_FILE"})
ERROR_FORMATS = ("json", "problem")
_TOKEN_CHARS = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
_QUOTABLE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII without " and \
_URI_CHARS = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6750 error_uri characters
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def _kind(kind: str) -> dict[str, str]:
    return {"kind": kind}


@dataclass(frozen=True, kw_only=True)
class GuardConfig:
    """Validated jwtguard settings. All arguments are keyword-only; see the README for each."""

    issuer: str | Sequence[str] | None = field(default=None, metadata=_kind("str_list"))
    audience: str | Sequence[str] | None = field(default=None, metadata=_kind("str_list"))
    algorithms: Sequence[str] = field(default=(), metadata=_kind("str_list"))
    secret: str | bytes | None = field(default=None, repr=False, metadata=_kind("str"))
    public_key: str | bytes | None = field(default=None, repr=False, metadata=_kind("str"))
    public_key_file: str | None = field(default=None, metadata=_kind("str"))
    jwks: Mapping[str, Any] | None = field(default=None, repr=False, metadata=_kind("json"))
    jwks_file: str | None = field(default=None, metadata=_kind("str"))
    leeway: float = field(default=60.0, metadata=_kind("number"))
    required_claims: Sequence[str] = field(default=("exp",), metadata=_kind("str_list"))
    max_lifetime: float | None = field(default=None, metadata=_kind("number"))
    token_types: Sequence[str] = field(default=(), metadata=_kind("str_list"))
    scope_claims: Sequence[str] = field(default=("scope", "scp"), metadata=_kind("str_list"))
    realm: str = field(default="api", metadata=_kind("str"))
    error_uri: str | None = field(default=None, metadata=_kind("str"))
    resource_metadata_url: str | None = field(default=None, metadata=_kind("str"))
    token_locations: Sequence[str] = field(default=("header",), metadata=_kind("str_list"))
    header_name: str = field(default="Authorization", metadata=_kind("str"))
    header_scheme: str = field(default="Bearer", metadata=_kind("str"))
    cookie_name: str = field(default="access_token", metadata=_kind("str"))
    max_token_bytes: int = field(default=8192, metadata=_kind("int"))
    error_format: Literal["json", "problem"] = field(default="json", metadata=_kind("str"))
    exempt_paths: Sequence[str] = field(default=(), metadata=_kind("str_list"))

    key_set: KeySet = field(init=False, repr=False, compare=False)
    """The trusted keys, parsed and bound to their algorithms when the configuration is built."""

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
        checker = _Checker(self)
        problems = checker.problems()
        loaded = _load_keys(self) if checker.key_source_ok else LoadResult()
        problems.extend(loaded.problems)
        if problems:
            raise ConfigurationError(problems)
        object.__setattr__(self, "key_set", KeySet(loaded.keys))

    # --- normalized views -------------------------------------------------------------------

    @property
    def issuers(self) -> tuple[str, ...]:
        """The trusted issuers (empty: ``iss`` is not checked)."""
        return _as_tuple(self.issuer)

    @property
    def audiences(self) -> tuple[str, ...]:
        """The accepted audiences (empty: tokens carrying ``aud`` are refused)."""
        return _as_tuple(self.audience)

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

        ``defaults`` (upper-case keys) fill in what the environment does not set; a key source
        in the environment (``JWTGUARD_SECRET``, ``JWTGUARD_JWKS_FILE``, ...) replaces the
        default key source entirely rather than conflicting with it.
        """
        environ = os.environ if environ is None else environ
        found = {
            name[len(prefix) :]: value for name, value in environ.items() if name.startswith(prefix)
        }
        settings = dict(defaults or {})
        if KEY_SOURCE_SETTINGS.intersection(found):
            settings = {k: v for k, v in settings.items() if k not in KEY_SOURCE_SETTINGS}
        settings.update(found)
        return cls.from_mapping(settings)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


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


class _Checker:
    """Collects every problem of a configuration instead of stopping at the first."""

    def __init__(self, config: GuardConfig) -> None:
        self.config = config
        self._problems: list[str] = []
        self.key_source_ok = False

    def problems(self) -> list[str]:
        c = self.config
        self._check_algorithms(c.algorithms)
        self._check_key_sources()
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
        if c.header_scheme != "":
            self._check_pattern("HEADER_SCHEME", c.header_scheme, _TOKEN_CHARS, "an auth scheme")
        unknown = [loc for loc in c.token_locations if loc not in TOKEN_LOCATIONS]
        if unknown or not c.token_locations:
            self._add(f"TOKEN_LOCATIONS must be a non-empty subset of {list(TOKEN_LOCATIONS)}")
        if c.error_format not in ERROR_FORMATS:
            self._add(f"ERROR_FORMAT must be one of {list(ERROR_FORMATS)}")
        for pattern in c.exempt_paths:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                self._add(f"EXEMPT_PATHS: {pattern!r} is not a regular expression ({exc})")
        return self._problems

    def _add(self, problem: str) -> None:
        self._problems.append(problem)

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
            )
            if value not in (None, "", b"")
        ]
        if not given:
            self._add(
                "no key source: set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE"
            )
        elif len(given) > 1:
            self._add(f"conflicting key sources {', '.join(given)}: set exactly one")
        for name in ("PUBLIC_KEY_FILE", "JWKS_FILE"):
            path = getattr(c, name.lower())
            if path and not Path(path).is_file():
                self._add(f"{name}: {path} is not a readable file")
                return
        self.key_source_ok = len(given) == 1

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

    def _check_int(self, name: str, value: Any, *, minimum: int, maximum: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self._add(f"{name} must be an integer")
        elif not minimum <= value <= maximum:
            self._add(f"{name} must be between {minimum} and {maximum}, got {value}")

    def _check_pattern(self, name: str, value: Any, pattern: re.Pattern[str], what: str) -> None:
        if not isinstance(value, str) or pattern.fullmatch(value) is None:
            self._add(f"{name} must be {what}, got {value!r}")


def _load_keys(config: GuardConfig) -> LoadResult:
    """Parse the configured key source and bind its keys to the allowed algorithms."""
    try:
        result = _load_key_source(config)
    except OSError as exc:
        return LoadResult(problems=[f"cannot read the key file: {exc}"])
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


def _load_key_source(config: GuardConfig) -> LoadResult:
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

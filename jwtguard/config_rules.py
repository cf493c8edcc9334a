"""What one setting's value must be: the rules the settings table
(:class:`~jwtguard.settings.Settings`) names, one per setting.

A rule reads a setting's value from text (:meth:`Rule.parse`: an environment variable, a
command-line flag, a string in Django or Flask settings), says what is wrong with a value
(:meth:`Rule.problems`: every problem, never only the first), and describes itself for the
settings reference (``str(rule)``, :attr:`Rule.env_form`). The rules between settings (one key
source, a store and its URL) are :class:`~jwtguard.GuardConfig`'s.
"""

from __future__ import annotations

import json
import math
import os
import re
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from .claim_paths import ClaimPath
from .claim_values import InvalidRule, read_rule, rules_problems
from .keys.algorithms import SUPPORTED_ALGORITHMS
from .keys.http import Proxy
from .stores.base import is_store
from .stores.build import load_factory
from .urls import redact_url, redis_url_problem, url_problem

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})
_END_ANCHORS = ("$", r"\Z", ".*", ".+")  # patterns that end like these meant the whole path

TOKEN_CHARS = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token
QUOTABLE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")  # printable ASCII without " and \
URI_CHARS = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")  # RFC 6750 error_uri characters
STORE_PREFIX = re.compile(r"[!-~]{0,64}")  # printable ASCII without spaces (memcached keys)
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")  # printable ASCII and tabs, on one line
#: Request headers jwtguard (or the connection) sets itself.
RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "te", "upgrade", "keep-alive"}
)


@dataclass(frozen=True)
class Rule:
    """Any text: read as it is, never wrong (the base of the other rules)."""

    #: How the environment spells a value, for the settings reference.
    env_form: ClassVar[str] = "text"
    #: Whether the value is a list (a repeatable command-line flag).
    is_list: ClassVar[bool] = False

    def parse(self, text: str) -> Any:
        """The value ``text`` stands for; ``ValueError`` (its message names the problem)."""
        return text

    def problems(self, name: str, value: Any) -> Iterator[str]:
        """What is wrong with ``value`` as the setting ``name``; nothing if it is right."""
        return iter(())

    def __str__(self) -> str:
        return ""


@dataclass(frozen=True)
class Text(Rule):
    """Text that matches ``pattern`` (``empty``: ``""`` is also accepted)."""

    pattern: re.Pattern[str]
    what: str
    empty: bool = False

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if value == "" and self.empty:
            return
        if not isinstance(value, str) or self.pattern.fullmatch(value) is None:
            yield f"{name} must be {self.what}, got {value!r}"

    def __str__(self) -> str:
        return self.what + (" (or empty)" if self.empty else "")


@dataclass(frozen=True)
class Choice(Rule):
    """One of a few words."""

    choices: tuple[str, ...]

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if value not in self.choices:
            yield f"{name} must be {_alternatives(self.choices)}, got {value!r}"

    def __str__(self) -> str:
        return _alternatives(self.choices)


@dataclass(frozen=True)
class Seconds(Rule):
    """A number of seconds from ``minimum`` to ``maximum`` (``None``: no upper bound)."""

    env_form: ClassVar[str] = "a number"
    minimum: float
    maximum: float | None = None

    def parse(self, text: str) -> float | None:
        if text.strip().lower() in ("", "none"):
            return None
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"expected a number, got {text.strip()!r}") from None

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            yield f"{name} must be a number of seconds"
        elif value < self.minimum or (self.maximum is not None and value > self.maximum):
            yield f"{name} must be {self._bounds()}, got {value}"

    def _bounds(self) -> str:
        if self.maximum is None:
            return f">= {self.minimum}"
        return f"between {self.minimum} and {self.maximum}"

    def __str__(self) -> str:
        return f"seconds, {self._bounds()}"


@dataclass(frozen=True)
class Integer(Rule):
    """A whole number from ``minimum`` to ``maximum``."""

    env_form: ClassVar[str] = "an integer"
    minimum: int
    maximum: int

    def parse(self, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"expected an integer, got {text.strip()!r}") from None

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if isinstance(value, bool) or not isinstance(value, int):
            yield f"{name} must be an integer"
        elif not self.minimum <= value <= self.maximum:
            yield f"{name} must be between {self.minimum} and {self.maximum}, got {value}"

    def __str__(self) -> str:
        return f"between {self.minimum} and {self.maximum}"


@dataclass(frozen=True)
class Switch(Rule):
    """``True`` or ``False``."""

    env_form: ClassVar[str] = "`1`/`0`, `true`/`false`, `yes`/`no`, `on`/`off`"

    def parse(self, text: str) -> bool:
        word = text.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ValueError(f"expected a boolean (1/0, true/false), got {text.strip()!r}")

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, bool):
            yield f"{name} must be true or false"

    def __str__(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Json(Rule):
    """A JSON document (the key loader says what is wrong with its content)."""

    env_form: ClassVar[str] = "JSON"

    def parse(self, text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("expected JSON") from None


@dataclass(frozen=True)
class Names(Rule):
    """One non-empty string or several (comma-separated in text)."""

    env_form: ClassVar[str] = "comma-separated"
    is_list: ClassVar[bool] = True

    def parse(self, text: str) -> str | list[str]:
        items = [item.strip() for item in text.split(",") if item.strip()]
        return items[0] if len(items) == 1 else items

    def problems(self, name: str, value: Any) -> Iterator[str]:
        for item in _items(value):
            if not isinstance(item, str) or not item:
                yield f"{name}: {item!r} is not a non-empty string"

    def __str__(self) -> str:
        return "non-empty strings"


@dataclass(frozen=True)
class ClaimPaths(Names):
    """Claim paths (:mod:`jwtguard.claim_paths`): dots reach in, ``\\.`` is a dot in a name."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        yield from super().problems(name, value)
        for item in _items(value):
            if isinstance(item, str) and item:
                try:
                    ClaimPath.parse(item)
                except ValueError as error:
                    yield f"{name}: {error}"

    def __str__(self) -> str:
        return "claim paths (a.b reaches into a.b; a\\.b names the claim 'a.b')"


@dataclass(frozen=True)
class ClaimRuleList(Json):
    """Claim rules (:mod:`jwtguard.claim_values`): a list, JSON in text."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        yield from rules_problems(name, value)

    def __str__(self) -> str:
        return (
            'a list of rules, each {"claim": PATH} with one of "equals": VALUE, '
            '"one_of": [VALUES], "contains": VALUE or "present": true/false'
        )


@dataclass(frozen=True)
class AudienceFallback(Json):
    """One claim rule naming the accepted values of a claim that stands for ``aud``."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        try:
            rule = read_rule(value, operators=("equals", "one_of"))
        except InvalidRule as invalid:
            yield from (f"{name}: {problem}" for problem in invalid.problems)
            return
        accepted = rule.operand if rule.operator == "one_of" else (rule.operand,)
        if not all(isinstance(item, str) and item for item in accepted):
            yield f"{name}: the accepted values must be non-empty strings, as AUDIENCE's are"
        if rule.path.parts == ("aud",):
            yield f"{name} stands in for aud when a token has none: name another claim"

    def __str__(self) -> str:
        return '{"claim": PATH, "one_of": [VALUES]} (or "equals": VALUE)'


@dataclass(frozen=True)
class ProviderChoice(Json):
    """An identity provider's preset (:mod:`jwtguard.presets`): a mapping with its ``name`` and
    parameters; in text, JSON, or a bare name. What the parameters must be is the preset's."""

    env_form: ClassVar[str] = "JSON"

    def parse(self, text: str) -> Any:
        if text.lstrip().startswith("{"):
            return super().parse(text)
        return text.strip() or None  # empty: no provider

    def __str__(self) -> str:
        return (
            'a provider\'s name and parameters, such as {"name": "cognito", "region": ..., '
            '"user_pool_id": ..., "client_ids": [...]} ([Identity providers](../recipes.md))'
        )


@dataclass(frozen=True)
class IssuerTable(Json):
    """Trusted issuers, each with its own keys: ``{ISSUER: {KEY SETTING: VALUE, ...}}`` (JSON
    in text). The shape is checked here; what each issuer's settings must be, with the other
    rules between settings, by :class:`~jwtguard.GuardConfig`."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, Mapping) or not value:
            yield (
                f"{name} must map each trusted issuer to its key settings, such as "
                f'{{"https://idp.example.com/": {{"JWKS_URL": "https://idp.example.com/keys"}}}}'
            )
            return
        for issuer, entry in value.items():
            if not isinstance(issuer, str) or not issuer:
                yield f"{name}: {issuer!r} is not a non-empty string"
            elif not isinstance(entry, Mapping):
                yield (
                    f"{name}[{issuer!r}] must be a mapping of its key settings, such as "
                    f'{{"JWKS_URL": ...}} ({{}} to discover them), not {type(entry).__name__}'
                )

    def __str__(self) -> str:
        return (
            "a mapping of each issuer (or issuer template) to its key settings: one of SECRET, "
            "PUBLIC_KEY(_FILE), JWKS(_FILE), JWKS_URL, OPENID_CONFIGURATION_URL (none: discovery), "
            "and for a template TENANT_CLAIM and TENANTS"
        )


@dataclass(frozen=True)
class Algorithms(Names):
    """At least one algorithm jwtguard can verify; never ``none``."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        algorithms = _items(value)
        if not algorithms:
            yield f"{name} is required: list the signing algorithms you accept, e.g. ['RS256']"
        for algorithm in algorithms:
            if not isinstance(algorithm, str):
                yield f"{name}: {algorithm!r} is not a string"
            elif algorithm.lower() == "none":
                yield f"{name} may not contain 'none': unsigned tokens are never accepted"
            elif algorithm not in SUPPORTED_ALGORITHMS:
                yield f"{name}: {algorithm!r} is not one of {', '.join(SUPPORTED_ALGORITHMS)}"

    def __str__(self) -> str:
        return "one or more of " + ", ".join(SUPPORTED_ALGORITHMS)


@dataclass(frozen=True)
class Subset(Names):
    """One or more of a few words."""

    choices: tuple[str, ...]

    def problems(self, name: str, value: Any) -> Iterator[str]:
        chosen = _items(value)
        if not chosen or any(item not in self.choices for item in chosen):
            yield f"{name} must be a non-empty subset of {list(self.choices)}"

    def __str__(self) -> str:
        return "one or more of " + _alternatives(self.choices, last="and")


@dataclass(frozen=True)
class PathPatterns(Names):
    """Regular expressions, each matching a whole path (``re.fullmatch``)."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        """A pattern must compile, and must not be written for prefix matching: ``^/health``
        would exempt ``/health`` only, where it used to exempt ``/healthz-admin`` too."""
        for pattern in _items(value):
            try:
                re.compile(pattern)
            except (re.error, TypeError) as exc:
                yield f"{name}: {pattern!r} is not a regular expression ({exc})"
                continue
            if pattern.startswith("^") and not pattern.endswith(_END_ANCHORS):
                yield (
                    f"{name}: {pattern!r} is written as a prefix, but each pattern must match "
                    f"the whole path: write {pattern + '$'!r} for that path alone, or "
                    f"{pattern.rstrip('/') + '/.*'!r} for everything under it"
                )
            elif pattern.endswith("/") and pattern != "/":
                yield (
                    f"{name}: {pattern!r} ends with '/', but each pattern must match the whole "
                    f"path: write {pattern + '.*'!r} for everything under it"
                )

    def __str__(self) -> str:
        return "regular expressions matching whole paths"


@dataclass(frozen=True)
class File(Rule):
    """The path of a readable file."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, str | os.PathLike):
            yield f"{name} must be a file path, got {type(value).__name__}"
        elif value and not Path(value).is_file():
            yield f"{name}: {value} is not a readable file{resolved_against(value)}"

    def __str__(self) -> str:
        return "a readable file"


@dataclass(frozen=True)
class HttpsUrl(Rule):
    """An https URL (plain http for localhost only)."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        problem = url_problem(value) if isinstance(value, str) and value else None
        if problem is not None:
            yield f"{name} {problem}, got {redact_url(value)!r}"

    def __str__(self) -> str:
        return "an https URL (http for localhost only)"


@dataclass(frozen=True)
class ProxyUrl(Rule):
    """An http:// proxy URL (:class:`~jwtguard.keys.http.Proxy`); its password never shown."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, str):
            yield f"{name} must be a proxy URL such as http://proxy.internal:3128"
            return
        try:
            Proxy.parse(value)
        except ValueError as error:
            yield f"{name}: {error}"

    def __str__(self) -> str:
        return "an http:// proxy URL (user:password@ for its credentials) tunnelling with CONNECT"


@dataclass(frozen=True)
class Headers(Json):
    """HTTP request headers, names to values (a JSON object in text); values are never shown."""

    env_form: ClassVar[str] = "a JSON object"

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, Mapping):
            yield f"{name} must map header names to values, such as {{'X-Api-Key': '...'}}"
            return
        for header, text in value.items():
            if not isinstance(header, str) or TOKEN_CHARS.fullmatch(header) is None:
                yield f"{name}: {header!r} is not an HTTP header name"
            elif header.lower() in RESERVED_HEADERS:
                yield f"{name}: {header} is set by the connection itself"
            elif header.lower() == "proxy-authorization":
                yield f"{name}: give the proxy's credentials in HTTP_PROXY (http://user:pass@host)"
            elif not isinstance(text, str) or HEADER_VALUE.fullmatch(text) is None:
                yield f"{name}: the value of {header} must be printable ASCII on one line"

    def __str__(self) -> str:
        return "header names and printable ASCII values"


@dataclass(frozen=True)
class TlsContext(Rule):
    """An ``ssl.SSLContext`` that verifies certificates and host names (Python settings only)."""

    env_form: ClassVar[str] = "not from text: Python settings only"

    def parse(self, text: str) -> Any:
        raise ValueError(
            "an ssl.SSLContext can only be given in Python settings; from text, set "
            "HTTP_CA_FILE (and HTTP_CLIENT_CERT_FILE)"
        )

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, ssl.SSLContext):
            yield f"{name} must be an ssl.SSLContext, not {type(value).__name__}"
        elif value.verify_mode != ssl.CERT_REQUIRED or not value.check_hostname:
            yield (
                f"{name} must verify the server's certificate and host name (verify_mode "
                "CERT_REQUIRED, check_hostname True): fetched keys are only as trustworthy as "
                "the connection they came by"
            )

    def __str__(self) -> str:
        return "an ssl.SSLContext verifying certificates and host names"


@dataclass(frozen=True)
class RedisUrl(Rule):
    """A ``redis://``, ``rediss://`` or ``unix://`` URL."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if not isinstance(value, str) or not value:
            yield f"{name} must be a non-empty string such as redis://127.0.0.1:6379/0"
        elif (problem := redis_url_problem(value)) is not None:
            yield f"{name} {problem}, got {redact_url(value)!r}"

    def __str__(self) -> str:
        return "a redis://, rediss:// or unix:// URL"


@dataclass(frozen=True)
class StoreChoice(Rule):
    """``"memory"``, ``"redis"``, the dotted path of a store factory, or a store."""

    def problems(self, name: str, value: Any) -> Iterator[str]:
        if isinstance(value, str) and value not in ("memory", "redis"):
            yield from _factory_problems(name, value)
        elif value is not None and not isinstance(value, str) and not is_store(value):
            yield (
                f"{name} must be 'memory', 'redis', a dotted path to a store factory, or a store "
                f"(with add, put and get_many methods), not {type(value).__name__}"
            )

    def __str__(self) -> str:
        return "'memory', 'redis', the dotted path of a store factory, or a store"


def _factory_problems(name: str, path: str) -> Iterator[str]:
    if not re.fullmatch(r"[\w.]+[.:]\w+", path):
        yield f"{name} must be 'memory', 'redis' or a dotted path to a store factory, got {path!r}"
        return
    try:
        load_factory(path)
    except (ImportError, AttributeError, TypeError) as exc:
        yield f"{name}: cannot use {path!r} ({exc})"


def _items(value: Any) -> Sequence[Any]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) or not isinstance(value, Sequence) else value


def _alternatives(choices: Sequence[str], *, last: str = "or") -> str:
    quoted = [repr(choice) for choice in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {last} {quoted[-1]}"


def resolved_against(path: str | os.PathLike[str]) -> str:
    """For a relative key file path, the directory it was looked up in (the process's working
    directory, which differs between ``manage.py runserver``, gunicorn and a test run)."""
    if Path(path).is_absolute():
        return ""
    try:
        here = os.getcwd()
    except OSError:  # the working directory was removed
        here = "(unknown)"
    return f" (a relative path, looked up in the working directory {here}: give an absolute path)"

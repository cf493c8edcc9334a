"""Every jwtguard setting, once: the settings table.

Each field of :class:`Settings` is one setting: its name (upper-case in Django, Flask and the
environment: ``leeway`` is ``LEEWAY`` and ``JWTGUARD_LEEWAY``), its type, its default, and its
:class:`Spec`: the rule its value must satisfy (which also reads it from text, and whose problems
carry the code ``<setting>_invalid``, e.g. ``leeway_invalid``), its one-line meaning, its group
in the settings reference, and whether the ``jwtguard`` command takes it as a flag.

Derived from this table: :class:`~jwtguard.GuardConfig`'s fields and the checks it runs,
:meth:`~jwtguard.GuardConfig.from_mapping` and :meth:`~jwtguard.GuardConfig.from_env` (names and
parsing), the ``jwtguard explain`` / ``revoke`` flags, and the settings reference of the docs.
"""

from __future__ import annotations

import dataclasses
import ssl
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .config_rules import (
    QUOTABLE,
    STORE_PREFIX,
    TOKEN_CHARS,
    URI_CHARS,
    Algorithms,
    AudienceFallback,
    Choice,
    ClaimPaths,
    ClaimRuleList,
    File,
    Headers,
    HttpsUrl,
    Integer,
    IssuerTable,
    Json,
    Names,
    PathPatterns,
    ProviderChoice,
    ProxyUrl,
    RedisUrl,
    Rule,
    Seconds,
    StoreChoice,
    Subset,
    Switch,
    Text,
    TlsContext,
)
from .keys.keyset import MAX_KEYS_WITHOUT_KID_LIMIT
from .stores.base import TokenStore

DAY = 86400
TOKEN_LOCATIONS = ("header", "query", "form", "cookie")
ERROR_FORMATS = ("json", "problem")
STORE_FAILURES = ("closed", "open")


KeySourceKind = Literal["static", "remote", "per issuer"]


@dataclass(frozen=True)
class Spec:
    """What the table says of a setting beyond its name, type and default."""

    rule: Rule
    meaning: str
    group: str
    #: Whether ``jwtguard explain`` and ``revoke`` take it as a flag (``--jwks-url``).
    flag: bool = False
    #: ``"static"``, ``"remote"`` or ``"per issuer"`` for the settings that say where keys
    #: come from.
    key_source: KeySourceKind | None = None
    #: The default in words, where the value alone would not say it.
    default_text: str | None = None


def setting(
    default: Any,
    rule: Rule,
    group: str,
    meaning: str,
    *,
    flag: bool = False,
    key_source: KeySourceKind | None = None,
    secret: bool = False,
    default_text: str | None = None,
) -> Any:
    """One row of the table: a field with its :class:`Spec` (``secret``: never in a ``repr``)."""
    spec = Spec(rule, meaning, group, flag, key_source, default_text)
    return field(default=default, repr=not secret, metadata={"spec": spec})


PROVIDER = "Identity provider"
KEYS = "Algorithms and key sources"
CLAIMS = "Claims"
WHERE = "Where the token comes from"
ANSWER = "The answer"
REMOTE = "Remote keys"
STORES = "Replay protection and revocation"

_HEADER = Text(TOKEN_CHARS, "an HTTP header name")
_URI = Text(URI_CHARS, "an absolute URI")
_TTL = Seconds(0, 31 * DAY)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The settings of a :class:`~jwtguard.GuardConfig`, unchecked: build a ``GuardConfig``."""

    # fmt: off
    provider: Mapping[str, Any] | str | None = setting(
        None, ProviderChoice(), PROVIDER,
        "An identity provider and its parameters: fills the settings its tokens need",
        flag=True)

    algorithms: Sequence[str] = setting(
        (), Algorithms(), KEYS, "The accepted alg values, such as RS256, ES256, EdDSA or HS256",
        flag=True, default_text="required")
    secret: str | bytes | None = setting(
        None, Rule(), KEYS, "An HMAC secret for HS256, HS384 or HS512 tokens (32 bytes or more)",
        key_source="static", secret=True)
    public_key: str | bytes | None = setting(
        None, Rule(), KEYS, "A PEM public key or certificate (RSA, EC, Ed25519)",
        key_source="static", secret=True)
    public_key_file: str | None = setting(
        None, File(), KEYS, "The path of a PEM public key or certificate",
        flag=True, key_source="static")
    jwks: Mapping[str, Any] | None = setting(
        None, Json(), KEYS, "A JWK Set, as a dict (JSON in the environment)",
        key_source="static", secret=True)
    jwks_file: str | None = setting(
        None, File(), KEYS, "The path of a JWK Set file, read when the configuration is built",
        flag=True, key_source="static")
    jwks_url: str | None = setting(
        None, HttpsUrl(), KEYS, "The identity provider's JWK Set URL, fetched and cached",
        flag=True, key_source="remote", secret=True)
    openid_configuration_url: str | None = setting(
        None, HttpsUrl(), KEYS, "An OpenID Connect discovery URL, whose jwks_uri names the keys",
        flag=True, key_source="remote", secret=True)
    max_keys_without_kid: int = setting(
        1, Integer(1, MAX_KEYS_WITHOUT_KID_LIMIT), KEYS,
        "The most keys a token without kid is tried against", flag=True)
    trusted_issuers: Mapping[str, Mapping[str, Any]] | None = setting(
        None, IssuerTable(), KEYS,
        "Each trusted issuer (or issuer template) and where its own keys come from",
        flag=True, key_source="per issuer", secret=True)

    issuer: str | Sequence[str] | None = setting(
        None, Names(), CLAIMS, "The trusted iss value, or several", flag=True)
    audience: str | Sequence[str] | None = setting(
        None, Names(), CLAIMS, "The accepted aud value, or several", flag=True)
    leeway: float = setting(
        60.0, Seconds(0, DAY), CLAIMS, "Seconds of clock skew tolerated for exp, nbf and iat",
        flag=True)
    required_claims: Sequence[str] = setting(
        ("exp",), Names(), CLAIMS, "Claims that must be present (any value)")
    max_lifetime: float | None = setting(
        None, Seconds(1), CLAIMS, "The longest lifetime accepted, exp - iat in seconds",
        flag=True)
    token_types: Sequence[str] = setting(
        (), Names(), CLAIMS, "The accepted typ header values, such as at+jwt", flag=True)
    scope_claims: Sequence[str] = setting(
        ("scope", "scp"), ClaimPaths(), CLAIMS,
        "The claims holding scopes (dotted paths reach in; `\\.` is a dot in a name)",
        flag=True)
    role_claims: Sequence[str] = setting(
        ("roles",), ClaimPaths(), CLAIMS,
        "The claims holding roles, required apart from scopes (paths as in SCOPE_CLAIMS)",
        flag=True)
    claim_rules: Sequence[Mapping[str, Any]] = setting(
        (), ClaimRuleList(), CLAIMS,
        "Rules claim values must meet: equals, one_of, contains, present",
        flag=True)
    audience_fallback: Mapping[str, Any] | None = setting(
        None, AudienceFallback(), CLAIMS,
        "For tokens without aud: the claim naming the client, and the accepted values",
        flag=True)

    token_locations: Sequence[str] = setting(
        ("header",), Subset(TOKEN_LOCATIONS), WHERE, "Where a token is looked for")
    header_name: str = setting(
        "Authorization", _HEADER, WHERE, "The header carrying the token")
    header_scheme: str = setting(
        "Bearer", Text(TOKEN_CHARS, "an auth scheme", empty=True), WHERE,
        "The scheme before the token in HEADER_NAME")
    cookie_name: str = setting(
        "access_token", Text(TOKEN_CHARS, "a cookie name"), WHERE,
        "The cookie carrying the token (TOKEN_LOCATIONS with cookie)")
    csrf_cookie_name: str = setting(
        "csrf_token", Text(TOKEN_CHARS, "a cookie name"), WHERE,
        "The double-submit CSRF cookie for cookie tokens outside Django")
    csrf_header_name: str = setting(
        "X-CSRF-Token", _HEADER, WHERE, "The header that must repeat the CSRF cookie")
    max_token_bytes: int = setting(
        8192, Integer(256, 1 << 20), WHERE, "Larger tokens are refused before any parsing")
    exempt_paths: Sequence[str] = setting(
        (), PathPatterns(), WHERE, "Paths that need no token, as regular expressions")

    realm: str = setting(
        "api", Text(QUOTABLE, 'printable ASCII without " or \\'), ANSWER,
        "The challenge's realm")
    error_uri: str | None = setting(
        None, _URI, ANSWER, "An error_uri for challenges that carry an error")
    resource_metadata_url: str | None = setting(
        None, _URI, ANSWER, "A resource_metadata challenge attribute (RFC 9728)")
    error_format: Literal["json", "problem"] = setting(
        "json", Choice(ERROR_FORMATS), ANSWER, "The body of a refusal: JSON or RFC 9457")

    jwks_cache_ttl: float = setting(
        600.0, _TTL, REMOTE, "Seconds fetched keys are trusted without a max-age")
    jwks_min_ttl: float = setting(
        60.0, _TTL, REMOTE, "The shortest time fetched keys are trusted")
    jwks_max_ttl: float = setting(
        86400.0, _TTL, REMOTE, "The longest time fetched keys are trusted")
    jwks_refetch_cooldown: float = setting(
        30.0, Seconds(0, 3600), REMOTE,
        "At most one refetch per this many seconds for unknown kids; the longest retry backoff")
    jwks_stale_ttl: float = setting(
        21600.0, _TTL, REMOTE, "How long the last good keys serve while refreshes fail")
    jwks_refresh_ahead: bool = setting(
        False, Switch(), REMOTE, "Refresh in the background before the keys expire")
    jwks_prewarm: bool = setting(
        False, Switch(), REMOTE, "Fetch the keys when the guard is built")
    jwks_max_bytes: int = setting(
        524288, Integer(1024, 16 << 20), REMOTE, "The largest key document accepted, in bytes")
    http_timeout: float = setting(
        5.0, Seconds(0.1, 120), REMOTE, "Seconds one key refresh may take, all of it")
    http_ca_file: str | None = setting(
        None, File(), REMOTE, "The CA certificates (PEM) key fetches trust, not the system's",
        flag=True)
    http_ssl_context: ssl.SSLContext | None = setting(  # noqa: RUF009 - the user's object
        None, TlsContext(), REMOTE, "The whole TLS context of key fetches (Python only)")
    http_client_cert_file: str | None = setting(
        None, File(), REMOTE, "A client certificate (PEM) key fetches present: mutual TLS",
        flag=True)
    http_client_key_file: str | None = setting(
        None, File(), REMOTE, "The client certificate's private key (PEM), if not in its file",
        flag=True)
    http_headers: Mapping[str, str] | None = setting(
        None, Headers(), REMOTE, "Extra request headers of key fetches (values never shown)",
        secret=True)
    http_proxy: str | None = setting(
        None, ProxyUrl(), REMOTE, "An HTTP proxy key fetches tunnel through, not the environment's",
        secret=True)

    replay_protection: bool = setting(
        False, Switch(), STORES, "Accept each token once")
    revocation: bool = setting(
        False, Switch(), STORES, "Refuse revoked tokens")
    store: str | TokenStore | None = setting(  # noqa: RUF009 - a store object is the user's
        None, StoreChoice(), STORES, "Where replay and revocation entries live",
        default_text="memory, or Redis when `REDIS_URL` is set")
    redis_url: str | None = setting(
        None, RedisUrl(), STORES, "The Redis server of the shared store", flag=True, secret=True)
    store_failure: Literal["closed", "open"] = setting(
        "closed", Choice(STORE_FAILURES), STORES, "What a store failure means: 503, or accept")
    store_timeout: float = setting(
        1.0, Seconds(0.01, 60), STORES, "Seconds to connect to Redis, and to wait for a reply")
    store_prefix: str = setting(
        "jwtguard:", Text(STORE_PREFIX, "printable ASCII without spaces"), STORES,
        "The prefix of every key jwtguard writes to the store")
    store_max_entries: int = setting(
        100_000, Integer(1, 10**8), STORES, "The most entries the memory store holds")
    revocation_ttl: float = setting(
        86400.0, Seconds(1, 366 * DAY), STORES,
        "How long a subject's revocation is kept without MAX_LIFETIME")
    # fmt: on

    @property
    def issuers(self) -> tuple[str, ...]:
        """The trusted issuers: ``ISSUER``'s, or the names (and templates) of
        ``TRUSTED_ISSUERS`` (empty: ``iss`` is not checked)."""
        if isinstance(self.trusted_issuers, Mapping) and self.trusted_issuers:
            return tuple(self.trusted_issuers)
        return _as_tuple(self.issuer)

    @property
    def audiences(self) -> tuple[str, ...]:
        """The accepted audiences (empty: tokens carrying ``aud`` are refused)."""
        return _as_tuple(self.audience)


def specs(settings: type[Settings] = Settings) -> Iterator[tuple[str, dataclasses.Field[Any]]]:
    """Each setting of the table by its upper-case name, with its field (``.metadata["spec"]``
    is its :class:`Spec`), in the table's order."""
    for item in dataclasses.fields(settings):
        if "spec" in item.metadata:
            yield item.name.upper(), item


def spec_of(item: dataclasses.Field[Any]) -> Spec:
    spec: Spec = item.metadata["spec"]
    return spec


SPECS: dict[str, Spec] = {name: spec_of(item) for name, item in specs()}
"""Every setting's :class:`Spec`, by its upper-case name."""

KEY_SOURCE_SETTINGS = frozenset(name for name, spec in SPECS.items() if spec.key_source)
"""The settings that say where keys come from; exactly one may be set (or none, with ISSUER)."""


def problem_code(name: str) -> str:
    """The code of a problem with the setting ``name``: ``LEEWAY`` → ``leeway_invalid``."""
    return f"{name.lower()}_invalid"


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)

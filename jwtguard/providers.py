"""The identity providers the ``PROVIDER`` setting knows, each as its parameters and the settings
its documented tokens need (:mod:`jwtguard.presets` applies them).

Each provider's ``fill`` returns every setting of :data:`FILLED` (a value the table's default
would give too is still filled: a preset owns these settings) and, when its keys are not
discovered from its one ``ISSUER``, the ``JWKS_URL`` they come from. Its parameters are read
first (:meth:`Param.read`); ``fill`` raises :class:`Invalid` for what depends on several.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from .claim_paths import ClaimPath
from .urls import url_problem

FILLED: Final = (
    "ISSUER",
    "AUDIENCE",
    "AUDIENCE_FALLBACK",
    "ALGORITHMS",
    "TOKEN_TYPES",
    "SCOPE_CLAIMS",
    "ROLE_CLAIMS",
    "CLAIM_RULES",
)
"""The settings every preset fills (besides its key source)."""

Kind = Literal["text", "texts", "switch", "choice"]
_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}")
_VERSION = re.compile(r"1\.0|2\.0")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")
_ALGORITHMS = ("RS256",)  # what each of these providers signs access and ID tokens with


class Invalid(ValueError):
    """Parameters that cannot make a preset; ``problems`` says why, each on its own."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Param:
    """One parameter of a provider: its kind, whether it is required, its default, and for
    text a pattern it must match (``what`` names it)."""

    kind: Kind
    meaning: str
    required: bool = False
    default: Any = None
    pattern: re.Pattern[str] | None = None
    what: str = ""
    choices: tuple[str, ...] = ()

    def read(self, name: str, value: Any) -> tuple[Any, list[str]]:
        """``value`` in its read form (``texts``: a tuple) and what is wrong with it."""
        if self.kind == "switch":
            return value, [] if isinstance(value, bool) else [f"{name} must be true or false"]
        if self.kind == "choice":
            wrong = value not in self.choices
            return value, [f"{name} must be one of {list(self.choices)}, got {value!r}"] * wrong
        if self.kind == "text":
            if not isinstance(value, str):
                return value, [f"{name} must be a string, got {value!r}"]
            return value, [] if self._ok(value) else [f"{name}: {value!r} is not {self._what}"]
        items = (value,) if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items:
            return value, [f"{name} must be a non-empty string, or a list of them, got {value!r}"]
        problems = [f"{name}: {item!r} is not {self._what}" for item in items if not self._ok(item)]
        return tuple(items), problems

    @property
    def _what(self) -> str:
        return self.what or "a non-empty string"

    def _ok(self, item: Any) -> bool:
        if not isinstance(item, str) or not item:
            return False
        return self.pattern is None or self.pattern.fullmatch(item) is not None


Args = Mapping[str, Any]


@dataclass(frozen=True)
class Provider:
    """A provider: its name in ``PROVIDER``, its parameters, and the settings they fill."""

    name: str
    params: Mapping[str, Param]
    fill: Callable[[Args], dict[str, Any]]


def _settings(
    issuer: str | tuple[str, ...] | None,
    *,
    audience: str | tuple[str, ...] | None = None,
    fallback: Mapping[str, Any] | None = None,
    scopes: tuple[str, ...] = ("scope",),
    roles: tuple[str, ...] = (),
    rules: list[dict[str, Any]] | None = None,
    types: tuple[str, ...] = (),
) -> dict[str, Any]:
    return {
        "ISSUER": issuer,
        "AUDIENCE": audience,
        "AUDIENCE_FALLBACK": fallback,
        "ALGORITHMS": _ALGORITHMS,
        "TOKEN_TYPES": types,
        "SCOPE_CLAIMS": scopes,
        "ROLE_CLAIMS": roles,
        "CLAIM_RULES": rules or [],
    }


def _one_of(claim: str, values: tuple[str, ...]) -> dict[str, Any]:
    return {"claim": claim, "one_of": list(values)}


def _host(value: str) -> str:
    """A host name, given as it is or as an https URL with no path (``https://acme.okta.com/``)."""
    parts = urlsplit(value)
    host = value
    if parts.scheme == "https":
        bare = not (parts.path.strip("/") or parts.query or parts.fragment)
        host = parts.netloc if bare else ""  # a port or credentials are no host name
    if _HOST.fullmatch(host) is None:
        raise Invalid([f"domain: {value!r} is not a host name such as acme.okta.com"])
    return host


# --- Okta ---------------------------------------------------------------------------------------


def _okta(args: Args) -> dict[str, Any]:
    host, server = _host(args["domain"]), args["authorization_server"]
    audience, clients = args["audience"], args["client_ids"]
    if server == "org":  # the org authorization server: ID tokens for sign-in, aud = the client
        if clients is None or audience is not None:
            raise Invalid(
                [
                    "the org authorization server (authorization_server 'org') issues access "
                    "tokens for Okta's own APIs only: give client_ids (no audience) to accept "
                    "the ID tokens it issues to your apps, or name your custom authorization "
                    "server"
                ]
            )
        return _settings(f"https://{host}", audience=clients, scopes=(), roles=("groups",))
    if audience is None and server != "default":
        raise Invalid([f"audience is required: the Audience of authorization server {server!r}"])
    rules = [_one_of("cid", clients)] if clients else []
    return _settings(
        f"https://{host}/oauth2/{server}",
        audience=audience or "api://default",
        scopes=("scp",),
        roles=("groups",),
        rules=rules,
    )


# --- Auth0 --------------------------------------------------------------------------------------


def _auth0(args: Args) -> dict[str, Any]:
    rfc9068 = args["profile"] == "rfc9068"
    clients = args["client_ids"]
    rules = [_one_of("client_id" if rfc9068 else "azp", clients)] if clients else []
    return _settings(
        f"https://{_host(args['domain'])}/",
        audience=args["audience"],
        roles=("permissions",),
        rules=rules,
        types=("at+jwt",) if rfc9068 else (),
    )


# --- Microsoft Entra ID -------------------------------------------------------------------------

ENTRA = "https://login.microsoftonline.com"
CONSUMERS_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
"""The tenant id of personal Microsoft accounts (the ``consumers`` endpoint's)."""
MULTI_TENANT = ("organizations", "common")


def entra_issuers(tenant: str, versions: tuple[str, ...]) -> dict[str, str]:
    """The issuer of ``tenant``'s tokens of each version (``{tenantid}``: a template), with the
    keys its metadata names (``common``'s for a template): those of v1.0 and v2.0 differ."""
    keys = "common" if tenant == "{tenantid}" else tenant
    issuers = {
        "2.0": (f"{ENTRA}/{tenant}/v2.0", f"{ENTRA}/{keys}/discovery/v2.0/keys"),
        "1.0": (f"https://sts.windows.net/{tenant}/", f"{ENTRA}/{keys}/discovery/keys"),
    }
    return dict(issuers[version] for version in sorted(versions, reverse=True))


def _entra(args: Args) -> dict[str, Any]:
    tenant, versions = args["tenant"], tuple(args["versions"])
    audiences = (args["client_id"], *([args["app_id_uri"]] if args["app_id_uri"] else []))
    settings = _settings(None, audience=audiences, scopes=("scp",), roles=("roles",))
    tenants = {} if args["tenants"] is None else {"TENANTS": list(args["tenants"])}
    if tenant.lower() in MULTI_TENANT:  # each tenant's issuer: a template, its tenant in tid
        issuers = entra_issuers("{tenantid}", versions)
        table = {issuer: {"JWKS_URL": keys} | tenants for issuer, keys in issuers.items()}
        return settings | {"TRUSTED_ISSUERS": table}
    if tenants:
        multi = " or ".join(MULTI_TENANT)
        raise Invalid([f"tenants lists the tenants of a multi-tenant API (tenant {multi})"])
    tenant = CONSUMERS_TENANT if tenant.lower() == "consumers" else tenant
    if _GUID.fullmatch(tenant) is None:
        raise Invalid(
            [
                f"tenant: {args['tenant']!r} is not a tenant id: give the Directory (tenant) ID, "
                "a GUID (the issuer names it, never a domain name), or 'organizations' or "
                "'common'"
            ]
        )
    issuers = entra_issuers(tenant, versions)
    if len(issuers) == 1:
        [(issuer, keys)] = issuers.items()
        return settings | {"ISSUER": issuer, "JWKS_URL": keys}
    return settings | {
        "TRUSTED_ISSUERS": {issuer: {"JWKS_URL": k} for issuer, k in issuers.items()}
    }


# --- Keycloak -----------------------------------------------------------------------------------


def _keycloak(args: Args) -> dict[str, Any]:
    url, realm = args["url"].rstrip("/"), args["realm"]
    problem = url_problem(url)
    problems = [f"url {problem}, got {url!r}"] if problem else []
    if urlsplit(url).query or urlsplit(url).fragment:
        problems.append(f"url: {url!r} is the server's base URL, without a query")
    if "/realms/" in url + "/":
        problems.append(f"url: {url!r} names a realm: give the server's URL and the realm apart")
    audience, clients = args["audience"], args["client_ids"]
    if audience is None and clients is None:
        problems.append(
            "give audience (the client id your audience mapper adds to aud), client_ids (the "
            "clients, in azp, whose tokens carry no aud), or both: without either, every "
            "client of the realm would be let in"
        )
    if problems:
        raise Invalid(problems)
    roles = [ClaimPath.of("realm_access", "roles").text] if args["realm_roles"] else []
    if args["client_roles"]:
        roles.append(ClaimPath.of("resource_access", args["client_roles"], "roles").text)
    rules: list[dict[str, Any]] = [{"claim": "typ", "equals": "Bearer"}]
    if audience is not None and clients is not None:
        rules.append(_one_of("azp", clients))
    return _settings(
        f"{url}/realms/{realm}",
        audience=audience,
        fallback=_one_of("azp", clients) if audience is None else None,
        roles=tuple(roles),
        rules=rules,
    )


# --- Amazon Cognito -----------------------------------------------------------------------------


def _cognito(args: Args) -> dict[str, Any]:
    region, pool = args["region"], args["user_pool_id"]
    if not pool.startswith(f"{region}_"):
        raise Invalid(
            [f"user_pool_id {pool!r} is not a user pool of region {region!r} ({region}_...)"]
        )
    return _settings(
        f"https://cognito-idp.{region}.amazonaws.com/{pool}",
        fallback=_one_of("client_id", args["client_ids"]),
        roles=("cognito:groups",),
        rules=[{"claim": "token_use", "equals": "access"}],
    )


# --- Google -------------------------------------------------------------------------------------

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"


def _google(args: Args) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    if args["email_verified"]:
        rules.append({"claim": "email_verified", "equals": True})
    if args["hosted_domains"]:
        rules.append(_one_of("hd", args["hosted_domains"]))
    settings = _settings(GOOGLE_ISSUERS, audience=args["client_ids"], scopes=(), rules=rules)
    return settings | {"JWKS_URL": GOOGLE_JWKS_URL}


# --- the table ----------------------------------------------------------------------------------

_DOMAIN = Param("text", "the organization's Okta domain, such as acme.okta.com", required=True)
_CLIENTS = "the client ids (app clients) whose tokens are accepted"


PROVIDERS: dict[str, Provider] = {
    provider.name: provider
    for provider in (
        Provider(
            "okta",
            {
                "domain": _DOMAIN,
                "authorization_server": Param(
                    "text",
                    "the custom authorization server's id, or 'org' for the org server",
                    default="default",
                    pattern=_NAME,
                    what="an authorization server id such as default or aus1a2b3c4",
                ),
                "audience": Param(
                    "texts", "the authorization server's Audience (api://default for default)"
                ),
                "client_ids": Param("texts", _CLIENTS + " (cid; the org server: aud)"),
            },
            _okta,
        ),
        Provider(
            "auth0",
            {
                "domain": Param("text", "the tenant's domain (or custom domain)", required=True),
                "audience": Param("texts", "the API's Identifier", required=True),
                "client_ids": Param("texts", _CLIENTS + " (azp, or client_id with rfc9068)"),
                "profile": Param(
                    "choice",
                    "the API's access token profile",
                    default="auth0",
                    choices=("auth0", "rfc9068"),
                ),
            },
            _auth0,
        ),
        Provider(
            "entra",
            {
                "tenant": Param(
                    "text", "the Directory (tenant) ID, or organizations or common", required=True
                ),
                "client_id": Param(
                    "text", "the API registration's Application (client) ID", required=True
                ),
                "app_id_uri": Param("text", "the Application ID URI, the aud of v1.0 tokens"),
                "versions": Param(
                    "texts",
                    "the token versions accepted",
                    default=("2.0",),
                    pattern=_VERSION,
                    what="'1.0' or '2.0'",
                ),
                "tenants": Param(
                    "texts",
                    "with a multi-tenant tenant: the tenant ids accepted",
                    pattern=_GUID,
                    what="a tenant id (a GUID)",
                ),
            },
            _entra,
        ),
        Provider(
            "keycloak",
            {
                "url": Param(
                    "text", "the server's URL (with /auth before Keycloak 17)", required=True
                ),
                "realm": Param(
                    "text", "the realm", required=True, pattern=_NAME, what="a realm name"
                ),
                "audience": Param("texts", "the aud an audience mapper adds for this API"),
                "client_ids": Param("texts", _CLIENTS + " (azp)"),
                "realm_roles": Param("switch", "realm roles are roles", default=True),
                "client_roles": Param("text", "the client whose client roles are roles"),
            },
            _keycloak,
        ),
        Provider(
            "cognito",
            {
                "region": Param(
                    "text",
                    "the user pool's AWS region",
                    required=True,
                    pattern=_REGION,
                    what="an AWS region such as eu-west-1",
                ),
                "user_pool_id": Param("text", "the user pool's id", required=True),
                "client_ids": Param("texts", _CLIENTS + " (client_id)", required=True),
            },
            _cognito,
        ),
        Provider(
            "google",
            {
                "client_ids": Param(
                    "texts", "the OAuth client ids (aud) of your sign-in apps", required=True
                ),
                "hosted_domains": Param("texts", "the Workspace domains (hd) accepted"),
                "email_verified": Param("switch", "the email must be verified", default=True),
            },
            _google,
        ),
    )
}


def read_args(provider: Provider, given: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``given`` parameters read (defaults filled in), and every problem with them."""
    args: dict[str, Any] = {}
    problems: list[str] = []
    for name, param in provider.params.items():
        if name not in given or given[name] is None:
            if param.required:
                problems.append(f"{name} is required: {param.meaning}")
            args[name] = param.default
            continue
        args[name], wrong = param.read(name, given[name])
        problems += wrong
    return args, problems

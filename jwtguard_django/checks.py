"""System checks: jwtguard misconfiguration shows up in ``manage.py check`` with stable ids.

========================  ==================================================================
``jwtguard.E001``         ``JWTGUARD`` is missing or not a dict
``jwtguard.E002``         ``ALGORITHMS`` is missing or wrong, or no configured key fits it
``jwtguard.E003``         no key source (``SECRET``, ``PUBLIC_KEY``, ``JWKS_URL``...)
``jwtguard.E004``         more than one key source
``jwtguard.E005``         an HMAC secret shorter than its algorithm needs
``jwtguard.E006``         any other invalid setting (every problem the core reports)
``jwtguard.E007``         a wrong Django-only key (``MODE``, ``USER_RESOLVER``, ``ENV_PREFIX``)
``jwtguard.E008``         ``JWTGuardMiddleware`` before ``AuthenticationMiddleware``
``jwtguard.W001``         neither ``ISSUER`` nor ``AUDIENCE``: tokens minted for anyone pass
``jwtguard.W002``         ``JWTGuardMiddleware`` after a middleware that reads ``request.user``
``jwtguard.W003``         ``CorsMiddleware`` after ``JWTGuardMiddleware``
``jwtguard.W004``         ``JWTAuthentication`` not first in DRF's authentication classes
``jwtguard.W005``         replay protection or revocation on a per-process store (memory,
                          ``LocMemCache``): each worker process remembers on its own
========================  ==================================================================
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from jwtguard import ConfigProblem, ConfigurationError, GuardConfig
from jwtguard.adapters import is_process_local, store_kind

from .conf import SETTING, read_options

_OUR_MIDDLEWARE = "jwtguard_django.middleware.JWTGuardMiddleware"
_OUR_AUTHENTICATION = "jwtguard_django.drf.JWTAuthentication"


@dataclass(frozen=True)
class _Order:
    """``other`` must come ``above`` ``JWTGuardMiddleware`` (else below it)."""

    other: str
    above: bool
    level: type[Error] | type[Warning]
    id: str
    problem: str


_ORDER = (
    _Order(
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        True,
        Error,
        "jwtguard.E008",
        "JWTGuardMiddleware comes before AuthenticationMiddleware, which then replaces the "
        "token's user in request.user with the session's.",
    ),
    _Order(
        "django.contrib.auth.middleware.RemoteUserMiddleware",
        False,
        Warning,
        "jwtguard.W002",  # and its subclasses, such as PersistentRemoteUserMiddleware
        "{other} reads request.user before JWTGuardMiddleware has set it from the token.",
    ),
    _Order(
        "corsheaders.middleware.CorsMiddleware",
        True,
        Warning,
        "jwtguard.W003",
        "CorsMiddleware comes after JWTGuardMiddleware, so CORS preflights reach jwtguard, "
        "which answers them 401 (they carry no token), and browsers cannot read jwtguard's "
        "401/403 answers (they lack the CORS headers).",
    ),
)

_KEY_SOURCES = (
    "Set one of SECRET, PUBLIC_KEY, PUBLIC_KEY_FILE, JWKS, JWKS_FILE, JWKS_URL or "
    "OPENID_CONFIGURATION_URL, or an https ISSUER to discover its keys."
)
_DJANGO_KEYS = "See jwtguard_django.conf for the Django-only keys."
#: The check id and hint of a problem, by the problem's code; any other code is ``E006``.
_CHECK_IDS = {
    "jwtguard_invalid": (
        "jwtguard.E001",
        "See the documentation's Django page (docs/getting-started/django.md).",
    ),
    "algorithms_invalid": (
        "jwtguard.E002",
        "List the algorithms your keys sign with, e.g. 'ALGORITHMS': ['RS256'].",
    ),
    "key_source_missing": ("jwtguard.E003", _KEY_SOURCES),
    "key_sources_conflict": ("jwtguard.E004", "Keep exactly one."),
    "secret_too_short": (
        "jwtguard.E005",
        "Use a random secret of at least 32 bytes (48 for HS384, 64 for HS512).",
    ),
    "mode_invalid": ("jwtguard.E007", _DJANGO_KEYS),
    "user_resolver_invalid": ("jwtguard.E007", _DJANGO_KEYS),
    "env_prefix_invalid": ("jwtguard.E007", _DJANGO_KEYS),
}
_OTHER = ("jwtguard.E006", "See the settings reference (docs/reference/settings.md).")


def check_settings(**kwargs: Any) -> list[CheckMessage]:
    """Build the configuration as the middleware would and report each problem."""
    try:
        config = read_options(getattr(settings, SETTING, None)).config
    except ConfigurationError as exc:
        return [_error(problem) for problem in exc.issues]
    messages: list[CheckMessage] = []
    if not config.issuers and not config.audiences:
        messages.append(
            Warning(
                f"{SETTING} sets neither ISSUER nor AUDIENCE: any token signed by a trusted "
                "key passes, whoever it was minted for.",
                hint="Set AUDIENCE to this API's identifier and ISSUER to your identity provider.",
                id="jwtguard.W001",
            )
        )
    if _per_process_store(config):
        messages.append(
            Warning(
                "REPLAY_PROTECTION or REVOCATION keeps its entries in each process's memory: "
                "with several worker processes a token can be replayed once per process, and a "
                "revocation (manage.py jwtguard_revoke) reaches no running worker.",
                hint="Set REDIS_URL, or STORE = 'django-cache' on a Redis or Memcached cache.",
                id="jwtguard.W005",
            )
        )
    return messages


def _per_process_store(config: GuardConfig) -> bool:
    if not (config.replay_protection or config.revocation):
        return False
    return store_kind(config) == "memory" or is_process_local(config.store)


def check_middleware(**kwargs: Any) -> list[CheckMessage]:
    """Report ``MIDDLEWARE`` orders that break what the middleware promises."""
    middleware = getattr(settings, "MIDDLEWARE", None) or ()
    stack = [(_name(entry), _import(entry)) for entry in middleware]
    ours = _first(stack, _OUR_MIDDLEWARE)
    if ours is None:
        return []
    messages: list[CheckMessage] = []
    for rule in _ORDER:
        position = _first(stack, rule.other)
        if position is not None and (position > ours if rule.above else position < ours):
            where = "below" if rule.above else "above"
            messages.append(
                rule.level(
                    rule.problem.format(other=stack[position][0]),
                    hint=f"Move {_OUR_MIDDLEWARE} {where} {stack[position][0]}.",
                    id=rule.id,
                )
            )
    return messages


def check_rest_framework(**kwargs: Any) -> list[CheckMessage]:
    """DRF takes the 401 challenge from the first authentication class only.

    Nothing to check (and nothing imported) in a plain Django project: DRF is not installed.
    """
    if importlib.util.find_spec("rest_framework") is None:
        return []
    rest_framework = getattr(settings, "REST_FRAMEWORK", None) or {}
    entries = rest_framework.get("DEFAULT_AUTHENTICATION_CLASSES") or ()
    if not entries:
        return []
    stack = [(_name(entry), _import(entry)) for entry in entries]
    position = _first(stack, _OUR_AUTHENTICATION)
    if position is None or position == 0:
        return []
    return [
        Warning(
            "JWTAuthentication is not the first of DEFAULT_AUTHENTICATION_CLASSES, so DRF "
            f"answers unauthenticated requests with {stack[0][0]}'s challenge (or a 403) "
            "instead of the Bearer challenge.",
            hint=f"List {_OUR_AUTHENTICATION} first.",
            id="jwtguard.W004",
        )
    ]


def _error(problem: ConfigProblem) -> Error:
    check_id, hint = _CHECK_IDS.get(problem.code, _OTHER)
    return Error(problem.message, hint=hint, id=check_id)


def _import(entry: Any) -> type | None:
    try:
        imported = import_string(entry) if isinstance(entry, str) else entry
    except Exception:  # a broken entry is for Django's start-up to report, not a check crash
        return None
    return imported if isinstance(imported, type) else None


def _name(entry: Any) -> str:
    if isinstance(entry, type):
        return f"{entry.__module__}.{entry.__qualname__}"
    return str(entry)


def _first(stack: Sequence[tuple[str, type | None]], dotted: str) -> int | None:
    """Where the class ``dotted`` (or a subclass of it) first appears in ``stack``.

    ``dotted`` is not imported (``django.contrib.auth``'s middleware needs its app installed):
    a subclass in ``stack`` has imported its base already.
    """
    module, _, class_name = dotted.rpartition(".")
    wanted = getattr(sys.modules.get(module), class_name, None)
    if not isinstance(wanted, type):
        wanted = None
    for position, (name, cls) in enumerate(stack):
        if name == dotted or (wanted is not None and cls is not None and issubclass(cls, wanted)):
            return position
    return None

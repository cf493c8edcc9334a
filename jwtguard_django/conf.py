"""The ``JWTGUARD`` setting, turned into one :class:`~jwtguard.Guard` plus the Django options.

Nothing is read at import time: :func:`get_settings` builds on first use, caches, and is reset
whenever ``JWTGUARD`` changes (``override_settings``, pytest-django's ``settings`` fixture).
The Django-only keys below are split off; everything else goes to
:meth:`GuardConfig.from_mapping <jwtguard.GuardConfig.from_mapping>`, which refuses unknown keys.

``MODE``
    ``"enforce"`` (default): the middleware refuses requests without a token (401), except on
    ``EXEMPT_PATHS`` and ``@jwt_exempt`` views. ``"annotate"``: it only attaches the token and
    user; views opt in with ``@jwt_required`` or DRF permissions. A token that is present but
    bad is refused in both modes. DRF views answer the middleware's refusals themselves
    (:mod:`jwtguard_django.middleware`).
``USER_RESOLVER``
    Dotted path to (or a callable) ``resolver(token: AccessToken) -> user``; the default is a
    stateless :class:`~jwtguard_django.users.TokenUser` (no database query).
``ENV_PREFIX``
    e.g. ``"JWTGUARD_"``: ``JWTGUARD_*`` environment variables override the dict, which then only
    holds defaults, by :meth:`GuardConfig.from_env <jwtguard.GuardConfig.from_env>`'s rules (a
    key source in the environment replaces the dict's key source).

``STORE`` also takes ``"django-cache"`` (or ``"django-cache:<alias>"``): replay protection and
revocation on Django's cache framework (:mod:`jwtguard_django.stores`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from jwtguard import (
    AccessToken,
    ConfigProblem,
    ConfigurationError,
    Guard,
    GuardConfig,
    Revocations,
)

from .signals import SignalListener
from .stores import django_store

SETTING = "JWTGUARD"
DJANGO_KEYS = frozenset({"MODE", "USER_RESOLVER", "ENV_PREFIX"})
MODES = ("enforce", "annotate")

UserResolver = Callable[[AccessToken], Any]
Mode = Literal["enforce", "annotate"]


@dataclass(frozen=True, slots=True)
class Options:
    """The validated ``JWTGUARD`` setting: the core configuration and the Django-only keys."""

    config: GuardConfig
    mode: Mode = "enforce"
    user_resolver: UserResolver | None = None


@dataclass(frozen=True, slots=True)
class GuardSettings:
    """Everything the Django adapter needs, built once from ``settings.JWTGUARD``."""

    guard: Guard
    mode: Mode = "enforce"
    user_resolver: UserResolver | None = None

    @property
    def enforcing(self) -> bool:
        """Whether the middleware refuses requests that carry no token."""
        return self.mode == "enforce"


@functools.cache
def get_settings() -> GuardSettings:
    """The adapter's settings; raises :class:`~jwtguard.ConfigurationError` if they are wrong."""
    return build_settings(getattr(django_settings, SETTING, None))


def get_guard() -> Guard:
    return get_settings().guard


def get_revocations() -> Revocations:
    """Revoke tokens in the configured store (``REVOCATION`` must be on), e.g. in a logout view:
    ``get_revocations().revoke(get_token(request))``."""
    return get_guard().revocations


def build_settings(raw: Any, environ: Mapping[str, str] | None = None) -> GuardSettings:
    """The adapter's settings from a ``JWTGUARD`` value (a remote key source may pre-warm)."""
    options = read_options(raw, environ)
    guard = Guard(options.config)
    guard.add_listener(SignalListener())
    return GuardSettings(guard, options.mode, options.user_resolver)


def read_options(raw: Any, environ: Mapping[str, str] | None = None) -> Options:
    """Validate a ``JWTGUARD`` value, listing every problem in one ``ConfigurationError``.

    Nothing is fetched: ``manage.py check`` uses this too.
    """
    if raw is None:
        raise ConfigurationError(
            [
                _problem(
                    SETTING,
                    f"{SETTING} is not set: add a {SETTING} dict with ALGORITHMS and a key source",
                )
            ]
        )
    if not isinstance(raw, Mapping):
        raise ConfigurationError(
            [_problem(SETTING, f"{SETTING} must be a dict, not {type(raw).__name__}")]
        )
    core = {key: value for key, value in raw.items() if key not in DJANGO_KEYS}
    options = {key: raw[key] for key in DJANGO_KEYS if key in raw}
    problems: list[ConfigProblem] = []
    env: dict[str, str] | None = None
    prefix = options.get("ENV_PREFIX")
    if prefix is not None:
        if isinstance(prefix, str) and prefix:
            environ = os.environ if environ is None else environ
            env = {name: value for name, value in environ.items() if name.startswith(prefix)}
            for key in DJANGO_KEYS:
                if prefix + key in env:
                    options[key] = env.pop(prefix + key)
            if prefix + "STORE" in env:
                core["STORE"] = env.pop(prefix + "STORE")
        else:
            problems.append(
                _problem("ENV_PREFIX", "ENV_PREFIX must be a non-empty string such as 'JWTGUARD_'")
            )
    if "STORE" in core:
        core["STORE"] = django_store(core["STORE"], problems)
    mode = options.get("MODE", "enforce")
    if mode not in MODES:
        problems.append(_problem("MODE", f"MODE must be one of {list(MODES)}, got {mode!r}"))
    resolver = _resolver(options.get("USER_RESOLVER"), problems)
    try:
        config = (
            GuardConfig.from_mapping(core)
            if env is None
            else GuardConfig.from_env(env, prefix=cast(str, prefix), defaults=core)
        )
    except ConfigurationError as exc:
        problems[:0] = exc.issues
    if problems:
        raise ConfigurationError(problems)
    return Options(config, cast(Mode, mode), resolver)


def _problem(key: str, message: str) -> ConfigProblem:
    """A problem with ``key`` of the setting (``JWTGUARD`` itself, or a Django-only key)."""
    return ConfigProblem(key, f"{key.lower()}_invalid", message)


def _resolver(value: Any, problems: list[ConfigProblem]) -> UserResolver | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = import_string(value)
        except ImportError as exc:
            problems.append(
                _problem("USER_RESOLVER", f"USER_RESOLVER: cannot import {value!r} ({exc})")
            )
            return None
    if not callable(value):
        problems.append(
            _problem(
                "USER_RESOLVER",
                f"USER_RESOLVER must be a callable or its dotted path, got {value!r}",
            )
        )
        return None
    return cast(UserResolver, value)


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING:
        get_settings.cache_clear()

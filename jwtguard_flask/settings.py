"""Reading jwtguard's settings from a Flask ``app.config``, once, at ``init_app``.

The settings are the ``JWTGUARD_*`` keys, a ``JWTGUARD`` dict (the keys win over it), or a ready
:class:`~jwtguard.GuardConfig` in ``JWTGUARD``. Flask-only options are split off first; the
rest goes to :meth:`GuardConfig.from_mapping`, which refuses unknown keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwtguard import ConfigProblem, ConfigurationError, GuardConfig

CONFIG_KEY = "JWTGUARD"
PREFIX = "JWTGUARD_"


@dataclass(frozen=True, slots=True)
class FlaskOptions:
    """Settings only the Flask adapter knows."""

    #: ``PROTECT_APP``: every view of the app needs a token unless exempted.
    protect_app: bool = False


FLASK_KEYS = frozenset({"PROTECT_APP"})
"""The settings only the Flask adapter reads (``JWTGUARD_PROTECT_APP``)."""


def read_settings(app_config: Mapping[str, Any]) -> tuple[GuardConfig, FlaskOptions]:
    """The app's :class:`GuardConfig` and Flask options.

    Raises one ``ConfigurationError`` listing every problem, the Flask-only ones included.
    """
    block = app_config.get(CONFIG_KEY)
    prefixed = {
        key[len(PREFIX) :]: value for key, value in app_config.items() if key.startswith(PREFIX)
    }
    if isinstance(block, GuardConfig):
        options, rest, problems = _split(prefixed)
        if rest:
            names = ", ".join(PREFIX + key for key in sorted(rest))
            problems.append(
                _problem(CONFIG_KEY, f"{CONFIG_KEY} is a GuardConfig, so {names} would be ignored")
            )
        _raise_if(problems)
        return block, options
    if block is not None and not isinstance(block, Mapping):
        wrong = f"{CONFIG_KEY} must be a dict or a GuardConfig, not {type(block).__name__}"
        _raise_if([_problem(CONFIG_KEY, wrong)])
    options, settings, problems = _split({**(block or {}), **prefixed})
    config: GuardConfig | None = None
    try:
        config = GuardConfig.from_mapping(settings)
    except ConfigurationError as error:
        problems.extend(error.issues)
    if problems or config is None:
        raise ConfigurationError(problems)
    return config, options


def _split(
    settings: Mapping[str, Any],
) -> tuple[FlaskOptions, dict[str, Any], list[ConfigProblem]]:
    """Separate the Flask-only options from the core settings; list their problems."""
    rest = {key: value for key, value in settings.items() if key not in FLASK_KEYS}
    protect_app = settings.get("PROTECT_APP", False)
    if not isinstance(protect_app, bool):
        wrong = f"PROTECT_APP must be True or False, not {protect_app!r}"
        return FlaskOptions(), rest, [_problem("PROTECT_APP", wrong)]
    return FlaskOptions(protect_app=protect_app), rest, []


def _problem(key: str, message: str) -> ConfigProblem:
    return ConfigProblem(key, f"{key.lower()}_invalid", message)


def _raise_if(problems: list[ConfigProblem]) -> None:
    if problems:
        raise ConfigurationError(problems)

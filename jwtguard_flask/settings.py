"""Reading jwtguard's settings from a Flask ``app.config``, once, at ``init_app``.

The settings are the ``JWTGUARD_*`` keys, a ``JWTGUARD`` dict (the keys win over it), or a ready
:class:`~jwtguard.GuardConfig` in ``JWTGUARD``. Flask-only options are split off first; the
rest goes to :meth:`GuardConfig.from_mapping`, which refuses unknown keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwtguard import ConfigurationError, GuardConfig

CONFIG_KEY = "JWTGUARD"
PREFIX = "JWTGUARD_"


@dataclass(frozen=True, slots=True)
class FlaskOptions:
    """Settings only the Flask adapter knows."""

    #: ``PROTECT_APP``: every view of the app needs a token unless exempted.
    protect_app: bool = False


_FLASK_ONLY = frozenset({"PROTECT_APP"})


def read_settings(app_config: Mapping[str, Any]) -> tuple[GuardConfig, FlaskOptions]:
    """The app's :class:`GuardConfig` and Flask options; raises ``ConfigurationError``."""
    block = app_config.get(CONFIG_KEY)
    prefixed = {
        key[len(PREFIX) :]: value for key, value in app_config.items() if key.startswith(PREFIX)
    }
    if isinstance(block, GuardConfig):
        options, rest = _split(prefixed)
        if rest:
            names = ", ".join(PREFIX + key for key in sorted(rest))
            raise ConfigurationError(
                [f"{CONFIG_KEY} is a GuardConfig, so {names} would be ignored: set them in it"]
            )
        return block, options
    if block is not None and not isinstance(block, Mapping):
        raise ConfigurationError(
            [f"{CONFIG_KEY} must be a dict or a GuardConfig, not {type(block).__name__}"]
        )
    options, settings = _split({**(block or {}), **prefixed})
    return GuardConfig.from_mapping(settings), options


def _split(settings: Mapping[str, Any]) -> tuple[FlaskOptions, dict[str, Any]]:
    """Separate the Flask-only options from the core settings."""
    rest = {key: value for key, value in settings.items() if key not in _FLASK_ONLY}
    protect_app = settings.get("PROTECT_APP", False)
    if not isinstance(protect_app, bool):
        raise ConfigurationError([f"{PREFIX}PROTECT_APP must be a bool, not {protect_app!r}"])
    return FlaskOptions(protect_app=protect_app), rest

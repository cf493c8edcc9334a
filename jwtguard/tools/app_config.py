"""An application's own configuration for the ``jwtguard`` command: ``--django-settings`` and
``--flask-app``. Its validator is the app's own, with the app's keys and store.

The one place the core reaches into an adapter: lazily, when one of these flags is given, and
changing the process's ``DJANGO_SETTINGS_MODULE`` and ``sys.path`` to do it. To be replaced by
commands the adapters register themselves (as they do for ``revoke``).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from ..errors import ConfigurationError
from ..validator import Validator


def django_validator(settings_module: str) -> Validator:
    """The validator of the Django project whose settings module this is."""
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    _importable_cwd()
    import django  # noqa: PLC0415 - only for --django-settings

    django.setup()
    from jwtguard_django.conf import get_guard  # noqa: PLC0415

    return get_guard().validator


def _flask_app(target: str) -> Any:
    module_name, _, expression = target.partition(":")
    _importable_cwd()
    module = importlib.import_module(module_name)
    name = expression or "app"
    call = name.endswith("()")
    factory = getattr(module, name.removesuffix("()"), None)
    if factory is None:
        raise ConfigurationError([f"--flask-app: {module_name} has no {name.removesuffix('()')}"])
    return factory() if call else factory


def flask_validator(target: str) -> Validator:
    """The validator of the Flask app ``module:app`` (or ``module:create_app()``) names."""
    from jwtguard_flask import get_state  # noqa: PLC0415 - only for --flask-app

    return get_state(_flask_app(target)).guard.validator


def _importable_cwd() -> None:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())

"""Where ``jwtguard explain`` and ``jwtguard revoke`` get their configuration: flags over
``JWTGUARD_*`` variables. The flags are the settings the table marks ``flag``
(:mod:`jwtguard.settings`), plus ``--secret-env``, which names the variable holding the secret.

An application's own configuration (its guard, keys and store) is read by its adapter's commands:
``manage.py jwtguard_explain`` and ``flask jwtguard explain`` (``revoke`` likewise).
"""

from __future__ import annotations

import argparse
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from ..config import GuardConfig, replaced
from ..errors import ConfigProblem, ConfigurationError
from ..settings import SPECS
from ..validator import Validator

SECRET_ENV = "--secret-env"  # noqa: S105 - a flag, not a secret
#: Flags of earlier versions, and the adapter commands that do their work now.
MOVED = {
    "--django-settings": "in the Django project, run `python manage.py jwtguard_{command}`, "
    "which reads the project's own settings, keys and store",
    "--flask-app": "run `flask --app APP jwtguard {command}`, which reads the app's own "
    "configuration, keys and store",
}


def flag(name: str) -> str:
    """The flag of the setting ``name``: ``JWKS_URL`` → ``--jwks-url``."""
    return "--" + name.lower().replace("_", "-")


def config_flags() -> dict[str, str]:
    """The settings the commands take, each with its flag (as the settings reference shows it)."""
    flags = {name: flag(name) for name, spec in SPECS.items() if spec.flag}
    return flags | {"SECRET": f"{SECRET_ENV} NAME"}


def add_config_arguments(parser: argparse.ArgumentParser, *, without: Collection[str] = ()) -> None:
    """The configuration flags, but for the settings ``without`` (a command that gives
    ``--issuer`` another meaning takes the trusted issuers from the environment)."""
    group = parser.add_argument_group(
        "configuration",
        "Flags override JWTGUARD_* environment variables; a key-source flag replaces the "
        "environment's key source. An application's own configuration: its adapter's command "
        "(manage.py jwtguard_explain, flask jwtguard explain).",
    )
    for name, spec in SPECS.items():
        if spec.flag and name not in without:
            group.add_argument(
                flag(name),
                dest=name,
                metavar=name,
                action="append" if spec.rule.is_list else "store",
                help=spec.meaning
                + (" (repeatable, or comma-separated)" if spec.rule.is_list else ""),
            )
    group.add_argument(
        SECRET_ENV, metavar="NAME", help="the environment variable holding the HMAC secret"
    )
    for gone, instead in MOVED.items():
        group.add_argument(gone, action=_Moved, const=instead, help=argparse.SUPPRESS)


def _help(meaning: str, *, repeatable: bool) -> str:
    text = meaning[:1].lower() + meaning[1:]
    return text + " (repeatable or comma-separated)" if repeatable else text


class _Moved(argparse.Action):
    """A flag that is gone: the command stops, naming the one that does its work now."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        command = parser.prog.rpartition(" ")[2]
        parser.error(f"{option_string} is gone: {str(self.const).format(command=command)}")


def load_validator(args: argparse.Namespace, environ: Mapping[str, str]) -> Validator:
    """The validator the arguments describe; :class:`ConfigurationError` if they are wrong."""
    return Validator(GuardConfig.from_env(flag_environment(args, environ)))


def flag_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ``'s ``JWTGUARD_*`` variables with the flags written over them."""
    flags: dict[str, str] = {}
    for name in SPECS:
        value = getattr(args, name, None)
        if value:
            flags[name] = ",".join(value) if isinstance(value, list) else str(value)
    if args.secret_env:
        secret = environ.get(args.secret_env)
        if not secret:
            wrong = f"{SECRET_ENV}: ${args.secret_env} is not set or empty"
            raise ConfigurationError([ConfigProblem("SECRET", "secret_invalid", wrong)])
        flags["SECRET"] = secret
    variables = {k: v for k, v in environ.items() if k.startswith("JWTGUARD_")}
    gone = replaced(flags, by_issuer=False)
    variables = {k: v for k, v in variables.items() if k[len("JWTGUARD_") :] not in gone}
    return variables | {f"JWTGUARD_{setting}": value for setting, value in flags.items()}

"""Where ``jwtguard explain`` and ``jwtguard revoke`` get their configuration: flags over
``JWTGUARD_*`` variables, or an application's own (:mod:`jwtguard.tools.app_config`: a Django
settings module, or a Flask app, whose own guard, keys and store are then used)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping

from ..config import KEY_SOURCE_SETTINGS, GuardConfig
from ..errors import ConfigurationError
from ..validator import Validator
from .app_config import django_validator, flask_validator

#: ``--flag`` → setting, for the flags that map one to one (lists are comma-separated).
FLAG_SETTINGS = {
    "issuer": "ISSUER",
    "audience": "AUDIENCE",
    "algorithms": "ALGORITHMS",
    "jwks_url": "JWKS_URL",
    "jwks_file": "JWKS_FILE",
    "public_key_file": "PUBLIC_KEY_FILE",
    "openid_configuration_url": "OPENID_CONFIGURATION_URL",
    "max_keys_without_kid": "MAX_KEYS_WITHOUT_KID",
    "leeway": "LEEWAY",
    "max_lifetime": "MAX_LIFETIME",
    "token_types": "TOKEN_TYPES",
    "scope_claims": "SCOPE_CLAIMS",
    "redis_url": "REDIS_URL",
}


def add_config_arguments(parser: argparse.ArgumentParser, *, issuer_flag: bool = True) -> None:
    """The configuration flags; without ``issuer_flag`` no ``--issuer`` (a command that gives
    ``--issuer`` another meaning takes the trusted issuers from the configuration)."""
    group = parser.add_argument_group(
        "configuration",
        "Flags override JWTGUARD_* environment variables; a key-source flag replaces the "
        "environment's key source. Or take an application's own configuration.",
    )
    if issuer_flag:
        group.add_argument("--issuer", action="append", help="trusted issuer (repeatable)")
    group.add_argument("--audience", action="append", help="accepted audience (repeatable)")
    group.add_argument("--algorithms", help="allowed algorithms, comma-separated: RS256,ES256")
    group.add_argument("--jwks-url", help="the identity provider's JWKS URL")
    group.add_argument("--jwks-file", help="a JWK Set file")
    group.add_argument("--public-key-file", help="a PEM public key file")
    group.add_argument("--openid-configuration-url", help="OpenID configuration URL")
    group.add_argument(
        "--max-keys-without-kid", help="keys a token without kid may be tried against (1)"
    )
    group.add_argument(
        "--secret-env", metavar="NAME", help="environment variable holding the HMAC secret"
    )
    group.add_argument("--leeway", help="clock skew allowance in seconds")
    group.add_argument("--max-lifetime", help="maximum exp - iat in seconds")
    group.add_argument("--token-types", help="accepted typ values, comma-separated")
    group.add_argument("--scope-claims", help="claims holding scopes, comma-separated")
    group.add_argument("--redis-url", help="the shared token store (replay, revocation)")
    group.add_argument(
        "--django-settings", metavar="MODULE", help="use this Django settings module's JWTGUARD"
    )
    group.add_argument(
        "--flask-app", metavar="MODULE:APP", help='use a Flask app, e.g. "app:create_app()"'
    )


def load_validator(args: argparse.Namespace, environ: Mapping[str, str]) -> Validator:
    """The validator the arguments describe; :class:`ConfigurationError` if they are wrong."""
    if args.django_settings:
        return django_validator(args.django_settings)
    if args.flask_app:
        return flask_validator(args.flask_app)
    return Validator(GuardConfig.from_env(flag_environment(args, environ)))


def flag_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ``'s ``JWTGUARD_*`` variables with the flags written over them."""
    flags: dict[str, str] = {}
    for name, setting in FLAG_SETTINGS.items():
        value = getattr(args, name, None)
        if value:
            flags[setting] = ",".join(value) if isinstance(value, list) else str(value)
    if args.secret_env:
        secret = environ.get(args.secret_env)
        if not secret:
            raise ConfigurationError([f"--secret-env: ${args.secret_env} is not set or empty"])
        flags["SECRET"] = secret
    variables = {k: v for k, v in environ.items() if k.startswith("JWTGUARD_")}
    if KEY_SOURCE_SETTINGS.intersection(flags):
        variables = {
            k: v for k, v in variables.items() if k[len("JWTGUARD_") :] not in KEY_SOURCE_SETTINGS
        }
    return variables | {f"JWTGUARD_{setting}": value for setting, value in flags.items()}

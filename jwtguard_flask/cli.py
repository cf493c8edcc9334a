"""``flask jwtguard``: ``explain`` a token by the app's own configuration; ``revoke`` tokens.
Both are registered by :meth:`JWTGuard.init_app <jwtguard_flask.JWTGuard.init_app>`.

    flask --app app:create_app jwtguard explain "$TOKEN" --scope notes:write
    flask --app app:create_app jwtguard explain "$TOKEN" --role Notes.Admin
    flask --app app:create_app jwtguard explain --file token.txt --json

``explain`` prints why a token (or a whole ``Authorization`` value) would be accepted or
refused, check by check, with the app's guard, keys and store, as ``jwtguard explain`` prints it
(:func:`jwtguard.adapters.explain_command`). Exit status: 0 accepted, 1 refused, 2 a usage error.

    flask --app app:create_app jwtguard revoke --jti 4f1c9a --exp 1767225600  # one token
    flask --app app:create_app jwtguard revoke --sub alice  # every token of alice issued so far
    flask --app app:create_app jwtguard revoke --sub alice --before 2026-01-01T00:00:00Z
    flask --app app:create_app jwtguard revoke --sub alice --issuer https://tenant-a.example/
    flask --app app:create_app jwtguard revoke --sub alice --all-issuers

``revoke`` refuses access tokens before they expire. It writes to the app's token store, which
must be shared with the running API (``JWTGUARD_REDIS_URL``) and have ``REVOCATION`` on. Times are
seconds since the epoch or ISO 8601 (UTC without an offset). With several trusted issuers,
``--issuer`` or ``--all-issuers`` is required (:func:`jwtguard.adapters.revoke_by_options`
decides)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from jwtguard import ConfigurationError, StoreError
from jwtguard.adapters import explain_command, revoke_by_options

from .state import get_state

jwtguard_cli = AppGroup("jwtguard", help="jwtguard: explain and revoke access tokens.")


@jwtguard_cli.command("explain")
@click.argument("token", required=False)
@click.option(
    "--file", type=click.Path(dir_okay=False, path_type=Path), help="Read the token from it."
)
@click.option("--scope", multiple=True, help="A required scope (repeatable).")
@click.option("--any-scope", multiple=True, help="One of these scopes is required (repeatable).")
@click.option("--role", multiple=True, help="A required role, one per option (repeatable).")
@click.option("--any-role", multiple=True, help="One of these roles is required (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def explain(  # click passes the options by name
    *,
    token: str | None,
    file: Path | None,
    scope: tuple[str, ...],
    any_scope: tuple[str, ...],
    role: tuple[str, ...],
    any_role: tuple[str, ...],
    as_json: bool,
) -> None:
    """Why a token (or a whole Authorization value; - or none: standard input) would be
    accepted or refused by this app's configuration, check by check."""
    try:
        text, accepted = explain_command(
            get_state().guard.validator,
            token,
            file=file,
            stdin=sys.stdin,
            scopes=scope,
            any_of=any_scope,
            roles=role,
            any_roles=any_role,
            as_json=as_json,
        )
    except (ValueError, OSError) as error:
        raise click.UsageError(str(error)) from None
    click.echo(text)
    if not accepted:
        raise click.exceptions.Exit(1)


@jwtguard_cli.command("revoke")
@click.option("--jti", help="The jti of the token to revoke.")
@click.option("--exp", help="With --jti: the token's exp, so the entry goes when it would.")
@click.option("--sub", help="The subject whose tokens to revoke.")
@click.option("--before", help="With --sub: revoke tokens issued before this (default: now).")
@click.option(
    "--issuer",
    metavar="ISS",
    help="The tokens' iss (default: the one trusted issuer; required with several).",
)
@click.option("--all-issuers", is_flag=True, help="Revoke under every issuer at once.")
def revoke(  # click passes the options by name
    *,
    jti: str | None,
    exp: str | None,
    sub: str | None,
    before: str | None,
    issuer: str | None,
    all_issuers: bool,
) -> None:
    """Revoke one token by its jti, or every token of a subject issued before a time."""
    try:
        revocation = revoke_by_options(
            get_state().guard.revocations,
            jti=jti,
            exp=exp,
            sub=sub,
            before=before,
            issuer=issuer,
            all_issuers=all_issuers,
        )
    except (ValueError, ConfigurationError) as error:
        raise click.ClickException(str(error)) from None
    except StoreError as error:
        raise click.ClickException(f"the token store failed: {error}") from None
    click.echo(revocation.describe())

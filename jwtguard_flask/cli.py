"""``flask jwtguard revoke``: refuse access tokens before they expire.

    flask --app app:create_app jwtguard revoke --jti 4f1c9a --exp 1767225600  # one token
    flask --app app:create_app jwtguard revoke --sub alice  # every token of alice issued so far
    flask --app app:create_app jwtguard revoke --sub alice --before 2026-01-01T00:00:00Z
    flask --app app:create_app jwtguard revoke --sub alice --issuer https://tenant-a.example/
    flask --app app:create_app jwtguard revoke --sub alice --all-issuers

Registered by :meth:`JWTGuard.init_app <jwtguard_flask.JWTGuard.init_app>`. It writes to the
app's token store, which must be shared with the running API (``JWTGUARD_REDIS_URL``) and have
``REVOCATION`` on. Times are seconds since the epoch or ISO 8601 (UTC without an offset). With
several trusted issuers, ``--issuer`` or ``--all-issuers`` is required
(:func:`jwtguard.adapters.revoke_by_options` decides).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from jwtguard import ConfigurationError, StoreError
from jwtguard.adapters import revoke_by_options

from .state import get_state

jwtguard_cli = AppGroup("jwtguard", help="jwtguard: revoke access tokens.")


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

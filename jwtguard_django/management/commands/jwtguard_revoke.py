"""``manage.py jwtguard_revoke``: refuse access tokens before they expire.

    manage.py jwtguard_revoke --jti 4f1c9a --exp 1767225600   # one token (its jti and exp)
    manage.py jwtguard_revoke --sub alice                     # every token of alice issued so far
    manage.py jwtguard_revoke --sub alice --before 2026-01-01T00:00:00Z
    manage.py jwtguard_revoke --sub alice --issuer https://tenant-a.example/
    manage.py jwtguard_revoke --sub alice --all-issuers

It writes to the token store of the ``JWTGUARD`` setting, which must be shared with the running
API (``REDIS_URL``, or ``STORE = "django-cache"`` on a Redis or Memcached cache) and have
``REVOCATION`` on. Times are seconds since the epoch or ISO 8601 (UTC without an offset). With
several trusted issuers, ``--issuer`` or ``--all-issuers`` is required
(:func:`jwtguard.adapters.revoke_by_options` decides).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from jwtguard import ConfigurationError, StoreError
from jwtguard.adapters import revoke_by_options

from ...conf import get_guard


class Command(BaseCommand):
    help = "Revoke one access token by its jti, or every token of a subject issued before a time."

    def add_arguments(self, parser: ArgumentParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--jti", help="the jti of the token to revoke")
        which.add_argument("--sub", help="the subject whose tokens to revoke")
        parser.add_argument(
            "--exp", help="with --jti: the token's exp, so the entry goes when the token would"
        )
        parser.add_argument(
            "--before", help="with --sub: revoke tokens issued before this time (default: now)"
        )
        whose = parser.add_mutually_exclusive_group()
        whose.add_argument(
            "--issuer",
            metavar="ISS",
            help="the tokens' iss (default: the one trusted issuer; required with several)",
        )
        whose.add_argument(
            "--all-issuers", action="store_true", help="revoke under every issuer at once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            revocation = revoke_by_options(
                get_guard().revocations,
                jti=options["jti"],
                exp=options["exp"],
                sub=options["sub"],
                before=options["before"],
                issuer=options["issuer"],
                all_issuers=options["all_issuers"],
            )
        except (ValueError, ConfigurationError) as error:
            raise CommandError(str(error)) from None
        except StoreError as error:
            raise CommandError(f"the token store failed: {error}") from None
        self.stdout.write(revocation.describe())

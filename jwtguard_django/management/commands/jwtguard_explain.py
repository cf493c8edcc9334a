"""``manage.py jwtguard_explain``: why a token would be accepted or refused, check by check, by
this project's own ``JWTGUARD`` setting (its keys, its store).

    python manage.py jwtguard_explain "$TOKEN" --scope notes:write
    python manage.py jwtguard_explain "$TOKEN" --role Notes.Admin
    python manage.py jwtguard_explain "Bearer $TOKEN" --json
    python manage.py jwtguard_explain --file token.txt
    python manage.py jwtguard_explain - < token.txt

The report is ``jwtguard explain``'s (:func:`jwtguard.adapters.explain_command`). Exit status: 0
the token would be accepted, 1 it would be refused, 2 a usage or configuration error.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError

from jwtguard import ConfigurationError
from jwtguard.adapters import add_explain_arguments, explain_command

from ...conf import get_guard


class Command(BaseCommand):
    help = (
        "Why a token (or a whole Authorization value) would be accepted or refused by this "
        "project's JWTGUARD setting, check by check."
    )
    stealth_options = ("stdin",)

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_explain_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        stdin: TextIO = options.get("stdin") or sys.stdin  # tests give their own
        try:
            text, accepted = explain_command(
                get_guard().validator,
                options["token"],
                file=options["file"],
                stdin=stdin,
                scopes=options["scope"],
                any_of=options["any_scope"],
                roles=options["role"],
                any_roles=options["any_role"],
                as_json=options["json"],
            )
        except (ConfigurationError, ValueError, OSError) as error:
            raise CommandError(str(error), returncode=2) from None
        self.stdout.write(text)
        if not accepted:
            sys.exit(1)

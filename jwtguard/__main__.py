"""``python -m jwtguard``: the ``jwtguard`` command."""

import sys

from .tools.cli import main

sys.exit(main())

"""``python -m jwtguard``: the ``jwtguard`` command."""

import sys

from .cli import main

sys.exit(main())

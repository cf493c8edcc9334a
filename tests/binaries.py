"""Programs that some tests need from the machine (Debian packages that ``.ci/run`` installs).

Without one, those tests are skipped with a hint on installing it, except when ``CI`` is set:
there a missing program is a failure, so that CI never passes by skipping them.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_binary(name: str, *, needed_by: str, install_hint: str) -> str:
    """The path of the executable ``name``; skips the test without it (fails it when ``CI`` is
    set). ``needed_by`` names the tests, ``install_hint`` says how to install it."""
    binary = shutil.which(name)
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail(
                f"{name} is not installed, and CI is set: {needed_by} must run there "
                f"(.ci/run installs it); {install_hint}"
            )
        pytest.skip(f"{name} is not installed, so {needed_by} are skipped; {install_hint}")
    return binary

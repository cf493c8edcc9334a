"""The wheel's smoke scripts (``python3 dev.py wheel-check`` runs them in one clean environment per
extra) pass here too; plain Django never imports DRF, whether DRF is installed or not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
#: Runs a smoke script as ``python smoke_x.py`` would, after making ``rest_framework`` unimportable
#: (``None`` in ``sys.modules``), as it is where only the ``django`` extra is installed.
WITHOUT_DRF = (
    "import runpy, sys\n"
    "sys.modules['rest_framework'] = None\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "sys.argv = sys.argv[2:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def run(*command: str) -> str:
    completed = subprocess.run(
        [sys.executable, *command], capture_output=True, text=True, check=False, cwd=HERE
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


@pytest.mark.parametrize("extra", ["django", "drf", "flask", "redis"])
def test_smoke_script_passes(extra: str) -> None:
    """For ``django``, DRF is installed here but unused: the script fails if anything imports it."""
    assert f"smoke {extra}: ok" in run(str(HERE / f"smoke_{extra}.py"))


def test_plain_django_works_without_drf() -> None:
    script = str(HERE / "smoke_django.py")
    assert "smoke django: ok" in run("-c", WITHOUT_DRF, str(HERE), script, "--without-drf")


def test_the_django_smoke_script_sees_drf_imported() -> None:
    """The check that guards the two tests above can fail: importing DRF first trips it."""
    code = WITHOUT_DRF.replace("sys.modules['rest_framework'] = None", "import rest_framework")
    completed = subprocess.run(
        [sys.executable, "-c", code, str(HERE), str(HERE / "smoke_django.py")],
        capture_output=True, text=True, check=False, cwd=HERE,
    )  # fmt: skip
    assert completed.returncode != 0
    assert "plain Django imported DRF: ['rest_framework'" in completed.stderr

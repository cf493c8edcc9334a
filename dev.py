#!/usr/bin/env python3
"""Set up and run jwtguard's demo or its whole test suite, on any machine with Python 3.11+.

    python3 dev.py demo    # the demo, on embedded defaults (nothing external needed)
    python3 dev.py test    # ruff, mypy --strict and the full pytest suite
    python3 dev.py docs    # the documentation site, built in strict mode into site/

Both create ``.venv`` beside this file on first use and (re)install the project with its ``dev``
extra whenever ``pyproject.toml`` changes. Extra arguments after ``test`` go to pytest.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".jwtguard-installed"
PACKAGES = ["jwtguard", "jwtguard_django", "jwtguard_flask"]


def venv_python() -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return VENV / scripts / ("python.exe" if os.name == "nt" else "python")


def run(*command: str | Path) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run(  # noqa: S603 - our own fixed commands
        [str(part) for part in command], cwd=ROOT, check=False
    )
    if completed.returncode != 0:
        sys.exit(completed.returncode)


def ensure_environment() -> Path:
    """Create ``.venv`` and install the project into it when missing or out of date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an old Python
        sys.exit(f"jwtguard needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = venv_python()
    if not python.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print(
            "installing jwtguard, Django, DRF, Flask, Redis's client and the test tools into "
            f"{VENV} (only when pyproject.toml changed; the first time takes about 2 minutes)",
            flush=True,
        )
        run(
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--editable",
            ".[dev]",
        )
        STAMP.write_text(wanted)
    return python


def demo(python: Path, args: list[str]) -> None:
    run(python, "example_projects/demo.py", *args)


def test(python: Path, args: list[str]) -> None:
    run(
        python,
        "-m",
        "ruff",
        "check",
        *PACKAGES,
        "tests",
        "benchmarks",
        "example_projects",
        "dev.py",
    )
    run(
        python,
        "-m",
        "ruff",
        "format",
        "--check",
        *PACKAGES,
        "tests",
        "benchmarks",
        "example_projects",
    )
    run(python, "-m", "mypy", "--strict", *PACKAGES)
    # The whole suite also enforces branch coverage of the three packages; a selection does not.
    coverage = (
        []
        if args
        else [
            *(f"--cov={package}" for package in PACKAGES),
            "--cov-branch",
            "--cov-fail-under=90",
            "--cov-report=term:skip-covered",
        ]
    )
    run(python, "-m", "pytest", *coverage, *args)


def docs(python: Path, args: list[str]) -> None:
    """Build the documentation site into ``site/`` in strict mode: any warning fails."""
    requirements = ROOT / "docs" / "requirements.txt"
    stamp = VENV / ".jwtguard-docs-installed"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        print(f"installing the documentation tools of {requirements.name} into {VENV}", flush=True)
        run(
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            requirements,
        )
        stamp.write_text(wanted)
    run(python, "-m", "ruff", "check", "docs/_hooks")
    run(python, "-m", "ruff", "format", "--check", "docs/_hooks")
    run(python, "-m", "mypy", "--strict", "docs/_hooks")
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's banner about its successor
    run(python, "-m", "mkdocs", "build", "--strict", *args)


def main() -> None:
    commands = {"demo": demo, "test": test, "docs": docs}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](ensure_environment(), sys.argv[2:])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Set up and run jwtguard's demo or its whole test suite, on any machine with Python 3.11+.

    python3 dev.py demo          # the demo, on embedded defaults (nothing external needed)
    python3 dev.py test          # ruff, mypy --strict and the full pytest suite
    python3 dev.py docs          # the documentation site, built in strict mode into site/
    python3 dev.py wheel-check   # build the sdist and wheel, install each extra, smoke-test it
    python3 dev.py nox -s oldest # the suite on the oldest supported versions (or -s latest)

Each creates ``.venv`` beside this file on first use and (re)installs the project (editable, as
``jwtguard-api`` with every extra) and its ``dev`` dependency group whenever ``pyproject.toml``
changes. Extra arguments after ``test`` go to pytest, after ``nox`` to nox.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".jwtguard-installed"
PACKAGES = ["jwtguard", "jwtguard_django", "jwtguard_flask"]
DISTRIBUTION = "jwtguard-api"
#: pip learned ``--group`` (PEP 735 dependency groups) in 25.1.
PIP = "pip>=25.1"
#: Where ``wheel-check`` builds, and keeps the dependencies' wheels between runs.
WHEEL_CHECK = ROOT / "build" / "wheel-check"
#: Each extra, and how its smoke script (``tests/packaging``) runs in a venv with only it.
SMOKE = {
    "django": ["smoke_django.py", "--without-drf"],
    "drf": ["smoke_drf.py"],
    "flask": ["smoke_flask.py"],
    "redis": ["smoke_redis.py"],
}


def venv_python(directory: Path = VENV, name: str = "python") -> Path:
    if os.name == "nt":
        return directory / "Scripts" / f"{name}.exe"
    return directory / "bin" / name


def run(*command: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(part) for part in command), flush=True)
    completed = subprocess.run(  # noqa: S603 - our own fixed commands
        [str(part) for part in command], cwd=cwd, env=env, check=False
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
            f"installing {DISTRIBUTION} (editable, every extra) and its development tools into "
            f"{VENV.name}: about two minutes the first time, then only when pyproject.toml changes",
            flush=True,
        )
        pip = [python, "-m", "pip", "--disable-pip-version-check"]
        run(*pip, "install", "--quiet", "--upgrade", PIP)
        # A venv made when the distribution was still named "jwtguard": never both.
        stale = [*map(str, pip), "uninstall", "--yes", "--quiet", "jwtguard"]
        subprocess.run(stale, capture_output=True, check=False)  # noqa: S603 - fixed command
        run(*pip, "install", "--quiet", "--editable", ".[drf,flask,redis]", "--group", "dev")
        STAMP.write_text(wanted)
    return python


def demo(python: Path, args: list[str]) -> None:
    run(python, "example_projects/demo.py", *args)


def test(python: Path, args: list[str]) -> None:
    linted = [*PACKAGES, "tests", "benchmarks", "example_projects", "dev.py", "noxfile.py"]
    run(python, "-m", "ruff", "check", *linted)
    run(python, "-m", "ruff", "format", "--check", *linted)
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


def nox(python: Path, args: list[str]) -> None:
    run(python, "-m", "nox", *args)


def wheel_check(python: Path, args: list[str]) -> None:
    """Build the sdist and the wheel as a release would, check their metadata, then for each
    extra install the wheel by its distribution name from the local folders only (never from an
    index) into a clean venv, and run that extra's smoke script there."""
    dist, wheelhouse = WHEEL_CHECK / "dist", WHEEL_CHECK / "wheelhouse"
    shutil.rmtree(dist, ignore_errors=True)
    run(python, "-m", "build", "--outdir", dist)
    built = sorted(dist.iterdir())
    run(python, "-m", "twine", "check", "--strict", *built)
    [wheel] = [path for path in built if path.suffix == ".whl"]
    # The dependencies of every extra, resolved once; kept (and reused) between runs.
    everything = f"{wheel}[{','.join(SMOKE)}]"
    run(python, "-m", "pip", "download", "--quiet", "--dest", wheelhouse, everything)
    for ours in wheelhouse.glob(f"{wheel.name.split('-')[0]}-*"):
        ours.unlink()  # jwtguard-api itself comes from dist/ only
    # No configuration file or PIP_* variable may add another place to install from.
    isolated = {name: value for name, value in os.environ.items() if not name.startswith("PIP_")}
    isolated |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    smoke_scripts = ROOT / "tests" / "packaging"
    unknown = set(args) - set(SMOKE)
    if unknown:
        sys.exit(f"wheel-check: unknown extra {', '.join(sorted(unknown))}; use {', '.join(SMOKE)}")
    for extra in args or list(SMOKE):
        script, *options = SMOKE[extra]
        with tempfile.TemporaryDirectory(prefix=f"jwtguard-wheel-{extra}-") as scratch:
            environment = Path(scratch) / "venv"
            print(f"\n== {DISTRIBUTION}[{extra}] in a clean venv", flush=True)
            venv.EnvBuilder(with_pip=True).create(environment)
            pip = [venv_python(environment), "-m", "pip", "install", "--quiet", "--no-index"]
            sources = ["--find-links", dist, "--find-links", wheelhouse]
            run(*pip, *sources, f"{DISTRIBUTION}[{extra}]", cwd=Path(scratch), env=isolated)
            command = venv_python(environment, "jwtguard")  # the console script works
            run(command, "keygen", "--out", Path(scratch) / "keys", cwd=Path(scratch))
            smoke = [venv_python(environment), "-E", "-s", smoke_scripts / script]
            run(*smoke, "--wheel", *options, cwd=Path(scratch), env=isolated)


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
    commands = {
        "demo": demo,
        "test": test,
        "docs": docs,
        "wheel-check": wheel_check,
        "nox": nox,
    }
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](ensure_environment(), sys.argv[2:])


if __name__ == "__main__":
    main()

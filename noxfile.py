"""The whole suite on both ends of what jwtguard-api supports (docs/install.md).

    python3 dev.py nox -s oldest   # Python 3.11 and every dependency at its floor (CI runs it)
    python3 dev.py nox -s latest   # the newest Python here and the newest of every dependency

The floors are not written here: ``oldest`` pins each ``name>=X`` of ``pyproject.toml``'s
dependencies and extras to ``name==X``, and its Python to ``requires-python``'s. Coverage is
measured by the main run only (``python3 dev.py test``).
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import nox
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PROJECT = ".[drf,flask,redis]"
TEST_TOOLS = nox.project.dependency_groups(PYPROJECT, "test")
#: The newest Python that jwtguard-api claims (a classifier) and ``latest`` runs on.
LATEST_PYTHON = "3.13"

#: Test tools held back with the floors: flask-smorest 0.42 (the last for Flask 2.3) warns with
#: marshmallow 3.24 and newer, and the suite turns warnings into errors.
OLDEST_TOOLS = ["marshmallow<3.24"]

nox.options.sessions = ["oldest"]
nox.options.reuse_venv = "yes"


def floor_pins() -> list[str]:
    """``name==X`` for every ``name>=X`` among the dependencies and extras."""
    project = PYPROJECT["project"]
    floors: dict[str, Version] = {}
    for line in chain(project["dependencies"], *project["optional-dependencies"].values()):
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        for specifier in requirement.specifier:
            if specifier.operator == ">=":
                floors[name] = max(floors.get(name, Version("0")), Version(specifier.version))
    return [f"{name}=={version}" for name, version in sorted(floors.items())]


def oldest_python() -> str:
    [floor] = SpecifierSet(PYPROJECT["project"]["requires-python"])
    return floor.version


def suite(session: nox.Session, *constraints: str) -> None:
    if constraints:
        # Not session.create_tmp(): it sets TMPDIR inside this project, where pytester's sample
        # suites would then find this project's pytest configuration.
        pins = Path(session.virtualenv.location) / "floors.txt"
        pins.write_text("\n".join(constraints) + "\n")
        session.install("--constraint", str(pins), "--editable", PROJECT, *TEST_TOOLS)
    else:
        upgrade = ["--upgrade", "--upgrade-strategy", "eager"]
        session.install(*upgrade, "--editable", PROJECT, *TEST_TOOLS)
    session.run("python", "-m", "pip", "list", "--format", "freeze")  # what was tested
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session(python=oldest_python())
def oldest(session: nox.Session) -> None:
    """The suite with every dependency at its floor."""
    suite(session, *floor_pins(), *OLDEST_TOOLS)


@nox.session(python=LATEST_PYTHON)
def latest(session: nox.Session) -> None:
    """The suite with the newest release of every dependency."""
    suite(session)

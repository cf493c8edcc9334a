"""The sdist and the wheel as a release builds them: what they hold, and the wheel's metadata."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

import jwtguard
from tests.devkey import dev_key

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("jwtguard", "jwtguard_django", "jwtguard_flask")
#: A PEM private key as secret scanners find it (mentions of the words are fine).
PEM_PRIVATE_KEY = re.compile(rb"-----BEGIN [A-Z ]*PRIVATE KEY-----\s+[A-Za-z0-9+/=\s]{64}")
#: Never in a source release: CI, environments, caches, build output, the examples' own key.
NOT_SHIPPED = {
    ".ci", ".venv", ".nox", ".git", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", ".hypothesis", ".benchmarks", "build", "dist", "generated", ".coverage",
    "site",
}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, and the wheel built from it (``python -m build``, without isolation)."""
    dev_key()  # the examples' development key exists: it must still stay out
    out = tmp_path_factory.mktemp("dist")
    completed = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    [sdist], [wheel] = out.glob("*.tar.gz"), out.glob("*.whl")
    return {"sdist": sdist, "wheel": wheel}


def test_sdist_ships_no_private_key_no_ci_and_no_environment(built: dict[str, Path]) -> None:
    prefix = f"jwtguard_api-{jwtguard.__version__}/"
    with tarfile.open(built["sdist"]) as sdist:
        members = [member for member in sdist.getmembers() if member.isfile()]
        names = [member.name.removeprefix(prefix) for member in members]
        keys = [
            name
            for name, member in zip(names, members, strict=True)
            if PEM_PRIVATE_KEY.search(sdist.extractfile(member).read())  # type: ignore[union-attr]
        ]
    assert not keys
    assert not [name for name in names if NOT_SHIPPED & set(Path(name).parts)]
    assert not [name for name in names if name.endswith((".pem", ".pyc"))]
    expected = {
        "pyproject.toml", "README.md", "LICENSE", "SECURITY.md", "CHANGELOG.md", "dev.py",
        "noxfile.py", "mkdocs.yml", "docs/install.md", "jwtguard/py.typed",
        "jwtguard_django/py.typed", "jwtguard_flask/py.typed", "example_projects/demo.py",
        "example_projects/devkeys/README.md", "tests/devkey.py", "tests/packaging/smoke_django.py",
    }  # fmt: skip
    assert expected <= set(names)


def wheel_metadata(wheel: Path) -> tuple[list[str], Message]:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata] = [name for name in names if name.endswith(".dist-info/METADATA")]
        return names, Parser().parsestr(archive.read(metadata).decode("utf-8"))


def test_wheel_holds_the_three_packages_and_their_type_marks(built: dict[str, Path]) -> None:
    names, _ = wheel_metadata(built["wheel"])
    info = f"jwtguard_api-{jwtguard.__version__}.dist-info"
    assert {name.split("/")[0] for name in names} == {*PACKAGES, info}
    assert {f"{package}/py.typed" for package in PACKAGES} <= set(names)
    assert f"{info}/licenses/LICENSE" in names


def test_wheel_metadata_names_the_distribution_its_version_extras_and_ranges(
    built: dict[str, Path],
) -> None:
    _, metadata = wheel_metadata(built["wheel"])
    assert metadata["Name"] == "jwtguard-api"
    assert metadata["Version"] == jwtguard.__version__  # written once, in jwtguard/__init__.py
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.11"
    assert set(metadata.get_all("Provides-Extra") or []) == {"django", "drf", "flask", "redis"}
    requires = metadata.get_all("Requires-Dist") or []
    assert "pyjwt[crypto]>=2.10.1" in requires
    assert [line for line in requires if "djangorestframework" in line] == [
        "djangorestframework>=3.14; extra == 'drf'"
    ]  # plain Django (the "django" extra) does not pull DRF
    assert not [line for line in requires if "pytest" in line or "ruff" in line]
    classifiers = set(metadata.get_all("Classifier") or [])
    assert {
        "Framework :: Django :: 4.2", "Framework :: Django :: 6.1", "Framework :: Flask",
        "Programming Language :: Python :: 3.11", "Programming Language :: Python :: 3.13",
        "Typing :: Typed",
    } <= classifiers  # fmt: skip
    assert any(line.startswith("Development Status ::") for line in classifiers)

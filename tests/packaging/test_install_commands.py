"""Every install command a user can read names the distribution ``jwtguard-api``: a bare
``jwtguard`` on the package index is an unrelated project (docs/install.md)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
#: ``pip install ...`` up to the end of the line or of the inline code span.
PIP_INSTALL = re.compile(r"pip install ([^\n`]+)")
#: Options whose next word is their value, not a distribution.
TAKES_VALUE = {"-e", "--editable", "-r", "--requirement", "-c", "--constraint", "--group",
               "-f", "--find-links", "-i", "--index-url", "--extra-index-url"}  # fmt: skip


def documents() -> list[Path]:
    """What users read: the READMEs, the docs, the security policy, dev.py, and the packages'
    own messages (CHANGELOG.md keeps the old name where it is history)."""
    texts = [ROOT / "README.md", ROOT / "SECURITY.md", ROOT / "dev.py"]
    texts += sorted((ROOT / "docs").rglob("*.md"))
    texts += sorted((ROOT / "example_projects").rglob("README.md"))
    for package in ("jwtguard", "jwtguard_django", "jwtguard_flask"):
        texts += sorted((ROOT / package).rglob("*.py"))
    return texts


def installed_names(command: str) -> list[str]:
    """The distributions a ``pip install`` argument list names (options and paths left out)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:  # an unbalanced quote in prose: take the words as they are
        words = command.split()
    names = []
    for previous, word in zip(["", *words], words, strict=False):
        if previous in TAKES_VALUE or word.startswith(("-", ".", "/", "~")):
            continue
        try:
            names.append(canonicalize_name(Requirement(word.strip("'\"()`,.;:")).name))
        except InvalidRequirement:
            continue
    return names


def test_install_commands_name_jwtguard_api() -> None:
    commands = {
        (path.relative_to(ROOT).as_posix(), match[1])
        for path in documents()
        for match in PIP_INSTALL.finditer(path.read_text("utf-8"))
    }
    assert len(commands) >= 8  # the README, docs/install.md, the examples, the Redis hint
    wrong = sorted(item for item in commands if "jwtguard" in installed_names(item[1]))
    assert not wrong
    named = {item for item in commands if "jwtguard-api" in installed_names(item[1])}
    assert {"README.md", "docs/install.md", "jwtguard/config.py"} <= {path for path, _ in named}


def test_the_check_finds_the_old_name() -> None:
    assert installed_names('"jwtguard[django]"  # the old name') == ["jwtguard"]
    assert installed_names("jwtguard-api gunicorn") == ["jwtguard-api", "gunicorn"]
    assert installed_names('-e ".[flask]" --group dev') == []

"""The code blocks of the README and of ``docs/``, for the tests that run them as written.

A fenced block preceded by ``<!-- doc-test: NAME -->`` is run by a test that asks for it by
name (``readme-test`` is the older spelling of the same marker); a Python block that cannot run on
its own is preceded by ``<!-- doc-untested: why -->`` instead.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(
    r"^(?:<!-- (?P<kind>doc-test|readme-test|doc-untested): (?P<name>[^\n]*?) -->\n)?"
    r"```(?P<lang>\w*)[^\n]*\n(?P<code>.*?)^```[ \t]*$",
    re.S | re.M,
)


@dataclass(frozen=True)
class Block:
    path: str  # relative to the repository
    line: int
    lang: str
    code: str
    kind: str | None  # "doc-test", "doc-untested" or None (no marker)
    name: str  # the block's name, or why it is not run


def doc_files() -> list[Path]:
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_hooks" not in p.parts)
    return [ROOT / "README.md", *docs]


def fenced_blocks() -> list[Block]:
    """Every fenced block of the README and the docs, with its marker."""
    blocks = []
    for path in doc_files():
        text = path.read_text("utf-8")
        for match in _FENCE.finditer(text):
            kind = "doc-test" if match["kind"] == "readme-test" else match["kind"]
            blocks.append(
                Block(
                    path=str(path.relative_to(ROOT)),
                    line=text.count("\n", 0, match.start()) + 1,
                    lang=match["lang"],
                    code=match["code"],
                    kind=kind,
                    name=match["name"] or "",
                )
            )
    return blocks


def doc_blocks(lang: str = "python") -> dict[str, str]:
    """The tested blocks of one language, by name (a name used twice is an error)."""
    found: dict[str, str] = {}
    for block in fenced_blocks():
        if block.kind != "doc-test" or block.lang != lang:
            continue
        if block.name in found:
            raise ValueError(f"two tested blocks are called {block.name!r} ({block.path})")
        found[block.name] = block.code
    return found


def run_block(name: str, namespace: dict[str, object] | None = None) -> dict[str, object]:
    """Run the Python block ``name`` in ``namespace`` (a fresh one by default); return it."""
    namespace = {"__name__": f"doc_{name.replace('-', '_')}"} if namespace is None else namespace
    exec(compile(doc_blocks()[name], f"docs[{name}]", "exec"), namespace)  # noqa: S102
    return namespace


def run_sh(name: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the shell block ``name`` in ``cwd`` with bash, the installed ``jwtguard`` command
    on ``PATH`` and no ``JWTGUARD_*`` variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("JWTGUARD_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(
        ["bash", "-eu", "-c", doc_blocks("sh")[name]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def example_explain(project: str) -> str:
    """The ``explain`` command of ``example_projects/<project>/README.md``, as a shell command
    run from the repository with ``$TOKEN`` set (the README's ``../../.venv/bin/`` left to
    ``PATH``)."""
    text = (ROOT / "example_projects" / project / "README.md").read_text("utf-8")
    ends = r"\)(?=[ \t]*(?:#[^\n]*)?$)"  # the subshell's ")", then perhaps a comment
    [command] = re.findall(rf"^\(cd example_projects/{project} && .*?{ends}", text, re.S | re.M)
    return re.sub(r"\\\n\s*", "", command).replace("../../.venv/bin/", "")


def run_example_explain(project: str, token: str) -> subprocess.CompletedProcess[str]:
    """:func:`example_explain` run in a shell, with this Python's scripts first on ``PATH``
    and no ``JWTGUARD_*`` or ``DJANGO_*`` variable of the test run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JWTGUARD_", "DJANGO_"))}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run(
        ["bash", "-c", example_explain(project)],
        cwd=ROOT,
        env=env | {"TOKEN": token},
        capture_output=True,
        text=True,
        check=False,
    )

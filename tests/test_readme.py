"""The README's Python examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"<!-- readme-test: (?P<name>[\w-]+) -->\n```python\n(?P<code>.*?)```", re.S)


def readme_blocks() -> dict[str, str]:
    return {match["name"]: match["code"] for match in _BLOCK.finditer(README.read_text("utf-8"))}


def test_readme_has_tested_examples() -> None:
    assert "core" in readme_blocks()


@pytest.mark.parametrize("name", ["core"])
def test_readme_example_runs(name: str) -> None:
    code = readme_blocks()[name]
    exec(compile(code, f"README.md[{name}]", "exec"), {"__name__": f"readme_{name}"})  # noqa: S102

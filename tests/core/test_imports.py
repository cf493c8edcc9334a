"""The core stays framework-free (design §1): importing it, its command and its test helpers
pulls in neither pytest nor Django, DRF or Flask. Names that moved (issue 13) still import, with a
``DeprecationWarning`` saying where they went."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import jwtguard
from jwtguard import adapters
from jwtguard.tools import explain as tools_explain


def test_the_core_imports_no_framework_and_no_pytest() -> None:
    code = (
        "import sys\n"
        "import jwtguard, jwtguard.tools.cli, jwtguard.tools.explain, jwtguard.audit\n"
        "import jwtguard.testing, jwtguard.openapi, jwtguard.adapters\n"
        "loaded = {name.split('.')[0] for name in sys.modules}\n"
        "frameworks = {'pytest', '_pytest', 'django', 'rest_framework', 'flask', 'werkzeug'}\n"
        "frameworks |= {'drf_spectacular', 'apispec', 'flask_smorest'}\n"
        "unwanted = loaded & frameworks\n"
        "assert not unwanted, unwanted\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


def test_jwtguard_explain_is_a_deprecated_alias_of_the_tool() -> None:
    sys.modules.pop("jwtguard.explain", None)
    with pytest.warns(DeprecationWarning, match=r"jwtguard\.tools\.explain"):
        alias = importlib.import_module("jwtguard.explain")
    assert alias.explain is tools_explain.explain
    assert alias.Explanation is tools_explain.Explanation


def test_extract_token_moved_to_the_adapter_module_and_still_works() -> None:
    assert "extract_token" not in jwtguard.__all__
    with pytest.warns(DeprecationWarning, match=r"jwtguard\.adapters"):
        moved = jwtguard.extract_token
    assert moved is adapters.extract_token
    with pytest.raises(AttributeError, match="no_such_name"):
        jwtguard.no_such_name  # noqa: B018 - the attribute lookup is the test

"""The core stays framework-free (design §1): importing it, its command and its test helpers
pulls in neither pytest nor Django, DRF or Flask."""

from __future__ import annotations

import subprocess
import sys


def test_the_core_imports_no_framework_and_no_pytest() -> None:
    code = (
        "import sys\n"
        "import jwtguard, jwtguard.cli, jwtguard.explain, jwtguard.audit, jwtguard.testing\n"
        "import jwtguard.openapi\n"
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

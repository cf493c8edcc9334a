"""``development_key``: the examples' key is made on each machine at first use (never shipped),
its public JWK Set always matches it, and processes that start together agree on one key."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from jwtguard import GuardConfig, Validator
from jwtguard.tools.keytools import development_key

#: Prints the ``x`` of the key it gets, after all the processes have started.
GET_KEY = (
    "import sys\n"
    "from pathlib import Path\n"
    "from jwtguard.tools.keytools import development_key\n"
    "key = development_key(Path(sys.argv[1]), 'ES256', kid='dev')\n"
    "print(key.public_jwk()['x'])\n"
)


def test_made_on_first_use_then_reused(tmp_path: Path) -> None:
    directory = tmp_path / "devkeys" / "generated"
    key = development_key(directory, "ES256", kid="dev")
    assert sorted(path.name for path in directory.iterdir()) == [
        "jwks.json",
        "private.jwk.json",
        "private.pem",
        "public.pem",
    ]
    assert stat.S_IMODE((directory / "private.pem").stat().st_mode) == 0o600
    again = development_key(directory, "ES256", kid="dev")
    assert again.public_jwk() == key.public_jwk()
    assert json.loads((directory / "jwks.json").read_text()) == key.jwks()
    config = GuardConfig(
        issuer="https://dev.example/",
        audience="api://dev",
        algorithms=["ES256"],
        jwks_file=str(directory / "jwks.json"),
    )
    token = again.token(iss="https://dev.example/", aud="api://dev", sub="alice")
    assert Validator(config).validate(token).subject == "alice"


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    directory = tmp_path / "generated"
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", GET_KEY, str(directory)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(6)
    ]
    seen = {process.communicate(timeout=60)[0].strip() for process in starts}
    assert all(process.returncode == 0 for process in starts)
    assert len(seen) == 1
    assert seen == {json.loads((directory / "jwks.json").read_text())["keys"][0]["x"]}
    assert [path.name for path in tmp_path.iterdir()] == ["generated"]  # no staging left over

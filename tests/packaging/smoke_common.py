"""What every smoke script shares: where jwtguard was imported from, and a key with its tokens.

The smoke scripts run in a virtual environment that has only the built wheel and one extra
installed (``python3 dev.py wheel-check``), so they import nothing from ``tests``.
"""

from __future__ import annotations

import importlib.metadata
import sys
import sysconfig
from pathlib import Path
from typing import Any

import jwtguard
from jwtguard.testing import SigningKey, generate_key

DISTRIBUTION = "jwtguard-api"
ISSUER, AUDIENCE = "https://idp.example.com/", "api://smoke"
KEY: SigningKey = generate_key("ES256", kid="smoke-1")
SETTINGS: dict[str, Any] = {
    "ISSUER": ISSUER,
    "AUDIENCE": AUDIENCE,
    "ALGORITHMS": ["ES256"],
    "JWKS": KEY.jwks(),
}


def token(scope: str = "") -> str:
    return KEY.token(iss=ISSUER, aud=AUDIENCE, sub="alice", scope=scope)


def bearer(scope: str = "") -> str:
    return f"Bearer {token(scope)}"


def check_installed_wheel(installed: bool) -> None:
    """With ``installed``: jwtguard comes from this environment's site-packages, installed as
    ``jwtguard-api`` at ``jwtguard.__version__``, and no distribution named ``jwtguard`` is here."""
    if not installed:
        return
    site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
    where = Path(jwtguard.__file__).resolve()
    assert where.is_relative_to(site_packages), f"jwtguard imported from {where}, not the wheel"
    assert importlib.metadata.version(DISTRIBUTION) == jwtguard.__version__
    try:
        importlib.metadata.distribution("jwtguard")
    except importlib.metadata.PackageNotFoundError:
        pass
    else:  # pragma: no cover - the failure this guards against
        raise AssertionError("a distribution named 'jwtguard' (not ours) is installed")


def done(name: str) -> None:
    print(
        f"smoke {name}: ok ({DISTRIBUTION} {jwtguard.__version__}, Python {sys.version.split()[0]})"
    )

"""The example APIs' development key: the one this checkout made on first use
(``example_projects/devkeys/generated``), which they trust with no ``JWTGUARD_*`` variable set."""

from __future__ import annotations

from pathlib import Path

from jwtguard.testing import SigningKey
from jwtguard.tools.keytools import development_key

DEV_KEYS = Path(__file__).resolve().parent.parent / "example_projects" / "devkeys" / "generated"
DEV_KID = "jwtguard-dev-1"
DEV_ISSUER, DEV_AUDIENCE = "https://dev.jwtguard.local/", "api://notes"


def dev_key() -> SigningKey:
    """The development key, made now if this checkout has none yet."""
    return development_key(DEV_KEYS, "ES256", kid=DEV_KID)

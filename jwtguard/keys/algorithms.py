"""The signature algorithms jwtguard knows, and what each asks of its key (RFC 7518 §3).

The one table of key sizes and curves: binding configured and fetched keys
(:mod:`jwtguard.keys.loaders`), making test keys (:mod:`jwtguard.keys.signing`) and checking
signing keys (:mod:`jwtguard.tools.keytools`) all read it here.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec

SUPPORTED_ALGORITHMS: tuple[str, ...] = (
    "HS256",
    "HS384",
    "HS512",
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES256K",
    "ES384",
    "ES512",
    "EdDSA",
)
"""Every algorithm jwtguard can verify; ``none`` is never among them."""

HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
"""The shortest secret each HS algorithm takes (RFC 7518 §3.2: at least its hash's size)."""

MIN_RSA_BITS = 2048
"""The smallest RSA key for RS* and PS* (RFC 7518 §3.3)."""
RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})

CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES256K": ec.SECP256K1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
}
"""The curve of each ES algorithm (RFC 7518 §3.4; RFC 8812 §3.2 for ES256K)."""
EC_ALGORITHM_BY_CURVE = {curve.name: algorithm for algorithm, curve in CURVES.items()}
"""The one ES algorithm a key on each curve (by its name, ``secp256r1``...) may verify."""

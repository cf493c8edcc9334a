"""Trusted keys: parsed once, bound to the algorithms they may verify, selected per token.

A key's type decides which algorithms it can ever verify (RFC 8725 §3.1): an HMAC secret only
HS*, an RSA key of at least 2048 bits only RS*/PS*, an EC key only the ES* of its curve, an OKP
key only EdDSA. A token header can name an algorithm, never widen what a key may do, and keys
referenced from inside a token (``jku``, ``x5u``, ``jwk``, ``x5c``) are never looked at.

Selection costs the same whatever the size of the set, and no token is ever tried against more
than ``MAX_KEYS_WITHOUT_KID`` keys (default 1):

- a token's ``kid`` picks its keys with one dictionary lookup; a set keeps at most
  ``MAX_KEYS_WITHOUT_KID`` keys per ``kid`` and algorithm (the first ones), and reports the others
  (:attr:`KeySet.left_out`: a configuration problem for static keys, ignored and logged for
  fetched ones);
- a token without ``kid`` (or with a ``kid`` that falls back to the keys configured without one)
  is refused (:class:`KeyNotTried`) without trying any key when more than that many would fit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import InvalidKeyError

from .errors import AlgorithmNotAllowed, UnknownKey
from .verifiers import Verifier, build_verifier

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

MIN_RSA_BITS = 2048
MAX_KEYS_WITHOUT_KID_LIMIT = 10
"""The largest ``MAX_KEYS_WITHOUT_KID`` a configuration may set."""
_HMAC_MIN_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
_RSA_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
_EC_ALGORITHM_BY_CURVE = {
    "secp256r1": "ES256",
    "secp256k1": "ES256K",
    "secp384r1": "ES384",
    "secp521r1": "ES512",
}
_PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")
_IMPLEMENTATIONS: dict[str, Algorithm] = {
    name: implementation
    for name, implementation in get_default_algorithms().items()
    if name in SUPPORTED_ALGORITHMS
}

VerificationKey = (
    bytes
    | rsa.RSAPublicKey
    | ec.EllipticCurvePublicKey
    | ed25519.Ed25519PublicKey
    | ed448.Ed448PublicKey
)


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """One verification key and the algorithms it is bound to."""

    kid: str | None
    kind: str  # "oct", "RSA", "EC" or "OKP"
    algorithms: frozenset[str]
    key: VerificationKey = field(repr=False)
    label: str = ""  # what the operator sees, e.g. "RSA 2048-bit"; never key material
    origin: str = field(default="", compare=False)  # where it was configured: "JWKS key #2"
    _verifiers: dict[str, Verifier] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        verifiers = {alg: build_verifier(alg, self.key) for alg in self.algorithms}
        object.__setattr__(self, "_verifiers", verifiers)

    def verify(self, algorithm: str, signing_input: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is this key's ``algorithm`` signature over ``signing_input``."""
        verifier = self._verifiers.get(algorithm)
        return verifier is not None and verifier(signing_input, signature)


class KeyNotTried(UnknownKey):
    """``unknown_key`` decided without trying any key: the token does not name its key by
    ``kid`` and the key set does not allow finding it by trial; ``detail`` says why."""


class KeySource(Protocol):
    """Where the validator finds the candidate keys for a token."""

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        """Keys that may have signed a token with this ``kid`` and ``alg``.

        Raises :class:`~jwtguard.errors.UnknownKey` or
        :class:`~jwtguard.errors.AlgorithmNotAllowed` when there are none.
        """
        ...


class KeySet:
    """An immutable set of trusted keys, indexed for selection by ``kid`` and ``alg``.

    ``max_without_kid`` (``MAX_KEYS_WITHOUT_KID``): the most keys any token is tried against.
    A token without a usable ``kid`` is refused without trying any when more fit; of keys sharing
    a ``kid`` and an algorithm, only the first ``max_without_kid`` are kept, and ``left_out``
    says why each other one is not.
    """

    def __init__(self, keys: Iterable[TrustedKey], *, max_without_kid: int = 1) -> None:
        self.max_without_kid = max_without_kid
        kept: list[TrustedKey] = []
        left_out: list[str] = []
        per_kid: dict[tuple[str, str], int] = {}  # (kid, alg) -> keys kept
        for key in keys:
            kid = key.kid
            if kid is not None:
                full = [a for a in key.algorithms if per_kid.get((kid, a), 0) >= max_without_kid]
                if full:
                    left_out.append(self._crowded(key, sorted(full)))
                    continue
                for alg in key.algorithms:
                    per_kid[kid, alg] = per_kid.get((kid, alg), 0) + 1
            kept.append(key)
        self.keys: tuple[TrustedKey, ...] = tuple(kept)
        self.left_out: tuple[str, ...] = tuple(left_out)
        by_kid: dict[str, list[TrustedKey]] = {}
        unnamed: dict[str, list[TrustedKey]] = {}
        for key in self.keys:
            if key.kid is not None:
                by_kid.setdefault(key.kid, []).append(key)
            else:
                for algorithm in key.algorithms:
                    unnamed.setdefault(algorithm, []).append(key)
        self._by_kid = {kid: tuple(keys) for kid, keys in by_kid.items()}
        self._unnamed_by_algorithm = {alg: tuple(keys) for alg, keys in unnamed.items()}
        # The common cases, answered with one dictionary lookup per token.
        self._fast: dict[tuple[str | None, str], tuple[TrustedKey, ...]] = {}
        self._too_many_without_kid: dict[str, int] = {}  # alg -> keys that would fit
        for alg in SUPPORTED_ALGORITHMS:
            fitting = self._unnamed_by_algorithm.get(alg, ()) + tuple(
                k for k in self.keys if k.kid is not None and alg in k.algorithms
            )
            if len(fitting) > max_without_kid:
                self._too_many_without_kid[alg] = len(fitting)
            elif fitting:
                self._fast[None, alg] = fitting
            for kid, named in self._by_kid.items():
                usable = tuple(key for key in named if alg in key.algorithms)
                if usable:
                    self._fast[kid, alg] = usable

    @property
    def kids(self) -> tuple[str, ...]:
        return tuple(self._by_kid)

    @property
    def algorithms(self) -> frozenset[str]:
        return frozenset().union(*(key.algorithms for key in self.keys))

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        """Select keys: by ``kid`` when the token names one, else the keys bound to ``alg``
        (at most ``max_without_kid`` of them, or :class:`KeyNotTried`).

        Keys configured without a ``kid`` (a bare secret or PEM) serve tokens with or without
        one, as identity providers add a ``kid`` that a single-key setup cannot know.
        """
        found = self._fast.get((kid, algorithm))
        if found is not None:
            return found
        if kid is None:
            fitting = self._too_many_without_kid.get(algorithm)
            if fitting is None:
                raise UnknownKey(detail=f"no trusted key can verify {algorithm} tokens")
            raise KeyNotTried(
                detail=f"the token has no kid and {fitting} trusted keys fit {algorithm}; "
                + self._at_most()
            )
        named = self._by_kid.get(kid)
        if named is None:
            unnamed = self._unnamed_by_algorithm.get(algorithm, ())
            unknown = f"kid {_shorten(kid)!r} is not among the trusted keys"
            if len(unnamed) > self.max_without_kid:
                raise KeyNotTried(
                    detail=f"{unknown}, and {len(unnamed)} keys without kid fit {algorithm}; "
                    + self._at_most()
                )
            if unnamed:
                return unnamed
            raise UnknownKey(detail=unknown)
        bound = sorted(set().union(*(key.algorithms for key in named)))
        raise AlgorithmNotAllowed(
            detail=f"kid {_shorten(kid)!r} is bound to {', '.join(bound)}, not {algorithm}"
        )

    def _crowded(self, key: TrustedKey, algorithms: list[str]) -> str:
        limit = self.max_without_kid
        where = key.origin or f"a {key.label} key with kid {_shorten(str(key.kid))!r}"
        return (
            f"{where}: its kid already names {limit} key{'' if limit == 1 else 's'} for "
            f"{', '.join(algorithms)}, the most a token is tried against "
            f"(MAX_KEYS_WITHOUT_KID={limit}): give each key its own kid, or raise "
            f"MAX_KEYS_WITHOUT_KID (at most {MAX_KEYS_WITHOUT_KID_LIMIT})"
        )

    def _at_most(self) -> str:
        limit = self.max_without_kid
        return (
            f"at most MAX_KEYS_WITHOUT_KID={limit} {'is' if limit == 1 else 'are'} tried: give "
            "the keys a kid (and have the issuer put it in its tokens), or raise "
            f"MAX_KEYS_WITHOUT_KID (at most {MAX_KEYS_WITHOUT_KID_LIMIT})"
        )


class StaticKeySource:
    """A key source over keys known at configuration time."""

    def __init__(self, key_set: KeySet) -> None:
        self.key_set = key_set

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        return self.key_set.candidates(kid, algorithm)


@dataclass
class LoadResult:
    """Keys loaded from configuration, with the problems that make the configuration invalid."""

    keys: list[TrustedKey] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_secret(
    secret: str | bytes, allowed: Iterable[str], *, origin: str = "SECRET"
) -> LoadResult:
    """Bind an HMAC secret to the allowed HS algorithms its length supports."""
    result = LoadResult()
    raw = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    text = raw[:64].lstrip()
    if text.startswith((b"-----BEGIN", b"ssh-", b"ecdsa-sha2-")):
        result.problems.append(
            f"{origin} looks like a PEM or SSH key; an asymmetric key belongs in PUBLIC_KEY, "
            "never in an HMAC secret"
        )
        return result
    _bind_hmac(raw, None, allowed, origin, result)
    return result


def load_pem(pem: str | bytes, allowed: Iterable[str], *, origin: str = "PUBLIC_KEY") -> LoadResult:
    """Load a PEM public key or certificate and bind it to the algorithms its type allows."""
    result = LoadResult()
    data = pem.encode("utf-8") if isinstance(pem, str) else bytes(pem)
    if b"PRIVATE KEY-----" in data:
        result.problems.append(f"{origin} holds a private key; configure the public key only")
        return result
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            public_key: Any = x509.load_pem_x509_certificate(data).public_key()
        else:
            public_key = load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        result.problems.append(f"{origin} is not a PEM public key or certificate ({exc})")
        return result
    _bind_asymmetric(public_key, allowed, origin, result)
    return result


def load_jwks(
    jwks: Mapping[str, Any] | str,
    allowed: Iterable[str],
    *,
    origin: str = "JWKS",
    fetched: bool = False,
) -> LoadResult:
    """Load a JWK Set (or a single JWK) keeping only usable signature-verification keys.

    Keys meant for encryption, of unknown type, or not usable with any allowed algorithm are
    skipped (and reported in ``skipped``); weak or private keys are configuration problems.
    ``fetched``: the set was fetched from a URL, a public document, so HMAC (``oct``) keys in it
    are skipped whatever the algorithms (anyone can read the secret), and so are keys without
    ``kid`` (keys from a URL are selected by ``kid`` only).
    """
    result = LoadResult()
    allowed = frozenset(allowed)
    document: Any = jwks
    if isinstance(jwks, str):
        try:
            document = json.loads(jwks)
        except ValueError:
            result.problems.append(f"{origin} is not valid JSON")
            return result
    if not isinstance(document, Mapping):
        result.problems.append(f"{origin} must be a JSON object (a JWK Set or a single JWK)")
        return result
    entries = document.get("keys") if "keys" in document else [document]
    if not isinstance(entries, list):
        result.problems.append(f'{origin} "keys" must be a list')
        return result
    for index, entry in enumerate(entries):
        _load_jwk(entry, allowed, f"{origin} key #{index}", result, fetched=fetched)
    return result


def _load_jwk(
    jwk: Any, allowed: frozenset[str], origin: str, result: LoadResult, *, fetched: bool
) -> None:
    if not isinstance(jwk, Mapping):
        result.problems.append(f"{origin} is not a JSON object")
        return
    kid = jwk.get("kid")
    if kid is not None and not isinstance(kid, str):
        result.problems.append(f"{origin} has a non-string kid")
        return
    if kid is not None:
        origin = f"{origin} (kid {kid!r})"
    kty = jwk.get("kty")
    if fetched and kty == "oct":
        result.skipped.append(
            f"{origin}: an HMAC secret in a JWK Set fetched from a URL is public; ignored"
        )
        return
    if fetched and kid is None:
        result.skipped.append(
            f"{origin}: a key without kid in a JWK Set fetched from a URL is never selected "
            "(keys from a URL are chosen by the token's kid); ignored"
        )
        return
    if jwk.get("use", "sig") != "sig":
        result.skipped.append(f"{origin}: use {jwk.get('use')!r} is not a signature key")
        return
    key_ops = jwk.get("key_ops")
    if isinstance(key_ops, list) and "verify" not in key_ops:
        result.skipped.append(f"{origin}: key_ops {key_ops!r} do not include verify")
        return
    pinned = jwk.get("alg")
    if pinned is not None and pinned not in SUPPORTED_ALGORITHMS:
        result.skipped.append(f"{origin}: alg {pinned!r} is not a supported signature algorithm")
        return
    if kty == "oct":
        try:
            secret = _IMPLEMENTATIONS["HS256"].from_jwk(dict(jwk))
        except (InvalidKeyError, ValueError, TypeError, KeyError):
            result.problems.append(f"{origin} is not a valid oct JWK")
            return
        _bind_hmac(secret, kid, allowed if pinned is None else allowed & {pinned}, origin, result)
        return
    if kty not in ("RSA", "EC", "OKP"):
        result.skipped.append(f"{origin}: kty {kty!r} is not supported")
        return
    private = [member for member in _PRIVATE_JWK_MEMBERS if member in jwk]
    if private:
        result.problems.append(
            f"{origin} contains private key material ({', '.join(private)}); "
            "publish public keys only"
        )
        return
    implementation = {"RSA": "RS256", "EC": "ES256", "OKP": "EdDSA"}[kty]
    try:
        public_key = _IMPLEMENTATIONS[implementation].from_jwk(dict(jwk))
    except (InvalidKeyError, ValueError, TypeError, KeyError) as exc:
        result.problems.append(f"{origin} is not a valid {kty} JWK ({exc})")
        return
    _bind_asymmetric(public_key, allowed, origin, result, kid=kid, pinned=pinned)


def _bind_hmac(
    secret: bytes, kid: str | None, allowed: Iterable[str], origin: str, result: LoadResult
) -> None:
    wanted = [alg for alg in allowed if alg in _HMAC_MIN_BYTES]
    if len(secret) < _HMAC_MIN_BYTES["HS256"]:
        result.problems.append(
            f"{origin} is {len(secret)} bytes; HMAC secrets must be at least 32 bytes "
            "(RFC 7518 §3.2)"
        )
        return
    too_short = [alg for alg in wanted if len(secret) < _HMAC_MIN_BYTES[alg]]
    for alg in too_short:
        result.problems.append(
            f"{origin} is {len(secret)} bytes; {alg} needs at least {_HMAC_MIN_BYTES[alg]}"
        )
    usable = frozenset(wanted) - frozenset(too_short)
    if not usable:
        if not too_short:
            result.skipped.append(f"{origin}: an HMAC secret, but no HS algorithm is allowed")
        return
    label = f"HMAC secret ({len(secret)} bytes)"
    result.keys.append(TrustedKey(kid, "oct", usable, secret, label, origin))


def _bind_asymmetric(
    public_key: Any,
    allowed: Iterable[str],
    origin: str,
    result: LoadResult,
    *,
    kid: str | None = None,
    pinned: str | None = None,
) -> None:
    if isinstance(public_key, rsa.RSAPublicKey):
        kind, label = "RSA", f"RSA {public_key.key_size}-bit"
        if public_key.key_size < MIN_RSA_BITS:
            result.problems.append(
                f"{origin} is a {public_key.key_size}-bit RSA key; at least {MIN_RSA_BITS} "
                "bits are required (RFC 7518 §3.3)"
            )
            return
        fitting: frozenset[str] = _RSA_ALGORITHMS
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        kind, label = "EC", f"EC {public_key.curve.name}"
        algorithm = _EC_ALGORITHM_BY_CURVE.get(public_key.curve.name)
        fitting = frozenset({algorithm} if algorithm else ())
    elif isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        kind = "OKP"
        label = "OKP Ed25519" if isinstance(public_key, ed25519.Ed25519PublicKey) else "OKP Ed448"
        fitting = frozenset({"EdDSA"})
    else:
        result.problems.append(f"{origin} is a {type(public_key).__name__}, not a signing key")
        return
    if pinned is not None and pinned not in fitting:
        result.problems.append(f"{origin} is an {label} key but its alg is {pinned}")
        return
    usable = (fitting if pinned is None else frozenset({pinned})) & frozenset(allowed)
    if not usable:
        result.skipped.append(
            f"{origin}: an {label} key fits {', '.join(sorted(fitting)) or 'no algorithm'}, "
            "none of which is allowed"
        )
        return
    result.keys.append(TrustedKey(kid, kind, usable, public_key, label, origin))


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "…"

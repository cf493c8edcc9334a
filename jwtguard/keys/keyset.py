"""Trusted keys, bound to the algorithms they may verify, and selected per token.

Selection costs the same whatever the size of the set, and no token is ever tried against more
than ``MAX_KEYS_WITHOUT_KID`` keys (default 1):

- a token's ``kid`` picks its keys with one dictionary lookup; a set keeps at most
  ``MAX_KEYS_WITHOUT_KID`` keys per ``kid`` and algorithm (the first ones), and reports the others
  (:attr:`KeySet.left_out`: a configuration problem for static keys, ignored and logged for
  fetched ones);
- a token without ``kid`` (or with a ``kid`` that falls back to the keys configured without one)
  is refused (:class:`KeyNotTried`) without trying any key when more than that many would fit.

The keys come from :mod:`jwtguard.keys.loaders` (configured keys) or :mod:`jwtguard.keys.remote`
(a JWKS URL); :class:`IssuerKeySources` holds one key source per trusted issuer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ..errors import AlgorithmNotAllowed, IssuerInvalid, UnknownKey
from ..issuers import Issuers
from .algorithms import SUPPORTED_ALGORITHMS
from .verifiers import Verifier, build_verifier

MAX_KEYS_WITHOUT_KID_LIMIT = 10
"""The largest ``MAX_KEYS_WITHOUT_KID`` a configuration may set."""

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
                raise UnknownKey(
                    detail=f"the token has no kid, and no trusted key can verify {algorithm} tokens"
                )
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


class IssuerKeySources:
    """One key source per trusted issuer; the validator picks by the token's ``iss``.

    ``sources`` are keyed by issuer, or by issuer template; ``issuers`` (by default the
    sources' names, as exact issuers) decides which of them a token's claims belong to
    (:meth:`jwtguard.issuers.Issuers.match`), so the keys of one issuer never verify a token
    claiming another.
    """

    def __init__(self, sources: Mapping[str, KeySource], issuers: Issuers | None = None) -> None:
        self.sources = dict(sources)
        self.issuers = Issuers(self.sources) if issuers is None else issuers

    def for_token(self, claims: Mapping[str, Any]) -> KeySource:
        """The key source of the issuer the (not yet verified) ``claims`` name;
        :class:`~jwtguard.errors.IssuerInvalid` when no trusted issuer fits them."""
        issuer = self.issuers.match(claims)
        source = self.sources.get(issuer)
        if source is None:
            raise IssuerInvalid(detail=f"no keys are configured for the issuer {issuer!r}")
        return source

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise TypeError("IssuerKeySources needs the token's issuer: use for_token() first")


def known_kids(source: object) -> list[str] | None:
    """The ``kid`` values a key source knows (static or already fetched), if it can tell."""
    key_set = getattr(source, "key_set", None)
    return sorted(key_set.kids) if isinstance(key_set, KeySet) else None


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "…"

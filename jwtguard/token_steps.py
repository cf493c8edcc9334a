"""Steps 1-4 of the pipeline (design §4), on the token itself: size, syntax, header, key,
signature encoding, signature and payload.

1. size limit before any parsing, then compact-JWS syntax (no decoding of anything that is not
   canonical base64url: :mod:`jwtguard.jws`);
2. header: no ``crit``; ``alg`` in the allow-list; optional ``typ`` check; a string ``kid``;
3. key selection by ``kid`` among trusted keys bound to that ``alg`` (never from the token);
   with a key source per issuer, the (not yet verified) ``iss`` picks it, so the payload is
   read first and an untrusted ``iss`` is refused before anything is fetched;
4. signature; the moment the token is judged at is read once it is proven (after any fetch).

A :class:`TokenState` carries what each step finds to the next ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .errors import (
    AlgorithmNotAllowed,
    AuthError,
    CriticalHeaderUnsupported,
    SignatureInvalid,
    TokenMalformed,
    TokenMissing,
    TokenTooLarge,
    TypeInvalid,
    UnknownKey,
)
from .jws import CompactJWS
from .keys.keyset import (
    IssuerKeySources,
    KeyNotTried,
    KeySource,
    StaticKeySource,
    TrustedKey,
    known_kids,
)
from .pipeline import Step

_EXPLICIT_TYPE_PREFIX = "application/"


class TokenState:
    """One token on its way through the pipeline: what the steps found so far.

    An attribute is set by the step that finds it (``jws`` by syntax, ``keys`` by key, ``now``
    by signature...) and read only by steps after it.
    """

    __slots__ = (
        "algorithm",
        "claims",
        "clock",
        "header",
        "jws",
        "key",
        "keys",
        "kid",
        "now",
        "signature",
        "source",
        "token",
    )
    token: str
    clock: Callable[[], float]
    jws: CompactJWS
    header: dict[str, Any]
    algorithm: str
    kid: str | None
    source: KeySource
    keys: Sequence[TrustedKey]
    signature: bytes
    key: TrustedKey
    claims: dict[str, Any]
    now: float

    def __init__(self, token: str, clock: Callable[[], float]) -> None:
        self.token = token
        self.clock = clock


def token_steps(
    *,
    max_bytes: int,
    algorithms: frozenset[str],
    token_types: Sequence[str],
    key_source: KeySource | IssuerKeySources,
) -> tuple[Step[TokenState], ...]:
    """The token's own steps for one configuration, in pipeline order."""
    front = (_size(max_bytes), _SYNTAX, _header(algorithms, token_types))
    key = _key(key_source)
    if isinstance(key_source, IssuerKeySources):
        return (*front, _PAYLOAD, key, _SIGNATURE_ENCODING, _SIGNATURE)
    return (*front, key, _SIGNATURE_ENCODING, _SIGNATURE, _PAYLOAD)


def _size(max_bytes: int) -> Step[TokenState]:
    def check(state: TokenState) -> None:
        token = state.token
        if not isinstance(token, str):
            raise TokenMissing(detail="the token is not a string")
        if len(token) > max_bytes:
            raise TokenTooLarge(
                detail=f"the token is {len(token)} characters; the limit (MAX_TOKEN_BYTES) is "
                f"{max_bytes}"
            )

    return Step(
        "size", (), check, lambda state: f"{len(state.token)} characters (limit {max_bytes})"
    )


def _parse(state: TokenState) -> None:
    jws = state.jws = CompactJWS(state.token)
    state.header = jws.header


_SYNTAX = Step(
    "syntax", (), _parse, lambda _state: "a compact JWS with 3 segments", after=("size",)
)


def _header(algorithms: frozenset[str], token_types: Sequence[str]) -> Step[TokenState]:
    types = frozenset(_normalize_type(t) for t in token_types)
    allowed = sorted(algorithms)

    def check(state: TokenState) -> None:
        header = state.header
        if "crit" in header:
            raise CriticalHeaderUnsupported(
                detail=f"crit lists {_shorten(repr(header['crit']))}; jwtguard understands no "
                "critical header extension"
            )
        algorithm = header.get("alg")
        if not isinstance(algorithm, str):
            raise TokenMalformed(detail="the token header has no alg string")
        if algorithm not in algorithms:
            raise AlgorithmNotAllowed(
                detail=f"alg {_shorten(algorithm)!r} is not in ALGORITHMS {allowed}"
            )
        if types:
            typ = header.get("typ")
            if not isinstance(typ, str) or _normalize_type(typ) not in types:
                raise TypeInvalid(detail=f"typ {_shorten(repr(typ))} is not one of {sorted(types)}")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise TokenMalformed(detail="the token header's kid is not a string")
        state.algorithm = algorithm
        state.kid = kid

    def passed(state: TokenState) -> str:
        typ = f"; typ {state.header.get('typ')!r} accepted" if types else ""
        kid = f"kid {state.kid!r}" if state.kid is not None else "no kid"
        return f"alg {state.algorithm} is allowed{typ}; {kid}; no crit"

    reads = ("crit", "alg", "typ", "kid") if types else ("crit", "alg", "kid")
    return Step("header", reads, check, passed, after=("syntax",))


def _key(source: KeySource | IssuerKeySources) -> Step[TokenState]:
    """Key selection: the candidates among the trusted keys (a remote source may fetch)."""
    if isinstance(source, IssuerKeySources):
        issuers = source

        def pick(state: TokenState) -> KeySource:
            found = state.source = issuers.for_token(state.claims)
            return found

        def check(state: TokenState) -> None:
            state.keys = pick(state).candidates(state.kid, state.algorithm)

        async def acheck(state: TokenState) -> None:
            found = pick(state)
            fetch = getattr(found, "acandidates", None)
            if fetch is None:
                state.keys = found.candidates(state.kid, state.algorithm)
            else:
                state.keys = await fetch(state.kid, state.algorithm)

        return Step(
            "key",
            ("kid", *issuers.issuers.claims),
            check,
            lambda state: f"`iss` {state.claims['iss']!r}: {_selected(state)}",
            after=("header", "payload"),
            acheck=acheck,
            refused=lambda state, error: _unknown_kid(state, error, lambda: state.source),
        )
    # Keys known in advance are asked directly: one call less on the hot path.
    candidates = source.key_set.candidates if type(source) is StaticKeySource else source.candidates
    fetch = getattr(source, "acandidates", None)

    def check_one(state: TokenState) -> None:
        state.keys = candidates(state.kid, state.algorithm)

    async def fetch_one(state: TokenState) -> None:
        assert fetch is not None  # noqa: S101 - only used when the source has it
        state.keys = await fetch(state.kid, state.algorithm)

    return Step(
        "key",
        ("kid",),
        check_one,
        _selected,
        after=("header",),
        acheck=fetch_one if fetch is not None else None,
        refused=lambda state, error: _unknown_kid(state, error, lambda: source),
    )


def _selected(state: TokenState) -> str:
    names = ", ".join(key_name(key) for key in state.keys)
    return f"kid {state.kid!r} selects {names}" if state.kid else f"no kid; candidates: {names}"


def _unknown_kid(state: TokenState, error: AuthError, source: Callable[[], object]) -> str | None:
    """An unknown ``kid``, with the ones its key source knows (static or already fetched)."""
    if not isinstance(error, UnknownKey) or isinstance(error, KeyNotTried) or state.kid is None:
        return None
    kids = known_kids(source())
    return None if kids is None else f"`kid` {state.kid!r} not among the trusted keys {kids}"


def _decode_signature(state: TokenState) -> None:
    state.signature = state.jws.signature()


_SIGNATURE_ENCODING = Step(
    "signature encoding",
    (),
    _decode_signature,
    lambda _state: "canonical base64url",
    after=("syntax",),
)


def _verify(state: TokenState) -> None:
    algorithm, signing_input, signature = state.algorithm, state.jws.signing_input, state.signature
    for key in state.keys:
        if key.verify(algorithm, signing_input, signature):
            state.key = key
            state.now = state.clock()
            return
    raise SignatureInvalid(
        detail=f"the {algorithm} signature does not match {_describe_keys(state.keys)}"
    )


_SIGNATURE = Step(
    "signature",
    (),
    _verify,
    lambda state: f"{state.algorithm} signature verified with {key_name(state.key)}",
    after=("key", "signature encoding"),
)


def _read_payload(state: TokenState) -> None:
    state.claims = state.jws.payload()


_PAYLOAD = Step(
    "payload",
    (),
    _read_payload,
    lambda _state: "a JSON object without duplicate members",
    after=("syntax",),
)


def key_name(key: TrustedKey) -> str:
    """A trusted key for the operator: ``RSA 2048-bit (kid 'rsa-1')``; never key material."""
    return f"{key.label} (kid {key.kid!r})" if key.kid else key.label


def _describe_keys(keys: Sequence[TrustedKey]) -> str:
    labels = [key_name(key) for key in keys]
    return (
        "the trusted key " + ", ".join(labels)
        if len(labels) == 1
        else "any of the trusted keys " + ", ".join(labels)
    )


def _normalize_type(media_type: str) -> str:
    """RFC 7515 §4.1.9: ``typ`` compares case-insensitively, ``application/`` may be omitted."""
    lowered = media_type.lower()
    return (
        lowered[len(_EXPLICIT_TYPE_PREFIX) :]
        if lowered.startswith(_EXPLICIT_TYPE_PREFIX)
        else lowered
    )


def _shorten(value: str, limit: int = 64) -> str:
    return value if len(value) <= limit else value[:limit] + "…"

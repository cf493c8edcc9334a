"""The lean JWS parser: strict where it matters, and its fast JSON path pinned down."""

from __future__ import annotations

import json

import pytest

from jwtguard import TokenMalformed
from jwtguard.jws import MAX_JSON_DEPTH, CompactJWS, b64url_decode, decode_json_object
from jwtguard.testing import b64url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a":1}', {"a": 1}),
        (' {"a":1}', {"a": 1}),
        ('{"a":1}\n', {"a": 1}),
        ('\t{"a": [1, {"b": null}]} ', {"a": [1, {"b": None}]}),
    ],
)
def test_json_objects_with_or_without_surrounding_whitespace(text: str, expected: object) -> None:
    assert decode_json_object(text.encode(), "header") == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1}x',
        '{"a":1}{}',
        "",
        " ",
        '{"a":1,"a":2}',
        ' {"a":1,"a":2}',
        '{"a":NaN}',
        '{"a":-Infinity}',
        "[]",
        "1",
        "null",
        '{"a":1',
        "\ufeff{}",
    ],
)
def test_json_that_is_not_one_object_is_refused(text: str) -> None:
    with pytest.raises(TokenMalformed):
        decode_json_object(text.encode(), "payload")


@pytest.mark.parametrize("segment", ["a", "ab+c", "ab/c", "ab=", "ab c", "ab\nc", "é"])
def test_b64url_decode_is_strict(segment: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every failure is a ValueError subclass
        b64url_decode(segment)


def test_b64url_decode_round_trips() -> None:
    for size in range(0, 40):
        data = bytes(range(size))
        assert b64url_decode(b64url(data)) == data


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "..",
        ".e30.",
        "e30",
        "e30.e30",
        "e30.e30.e30.e30",
        "e30.e30.a+b",
        "e30.e30.a/b",
        "e30.e30.ab==",
        "e30.e3 0.ab",
        "e30.é.ab",
        "e30.e30.ab\n",
    ],
)
def test_not_a_compact_jws(token: str) -> None:
    def parse_every_segment() -> None:
        jws = CompactJWS(token)
        jws.signature()
        jws.payload()

    with pytest.raises(TokenMalformed):
        parse_every_segment()


def test_json_nested_up_to_the_limit_is_read_and_deeper_is_malformed() -> None:
    """The same answer on every Python: the json module alone parses under 1,000 levels on 3.11 and
    5,000 on 3.13."""
    deepest = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    assert decode_json_object(f'{{"a":{deepest}}}'.encode(), "payload")["a"] == json.loads(deepest)
    too_deep = f'{{"b":1,"a":[{deepest}]}}'.encode()
    with pytest.raises(TokenMalformed) as refused:
        decode_json_object(too_deep, "payload")
    assert refused.value.detail == "the token payload nests arrays and objects over 32 levels deep"
    with pytest.raises(TokenMalformed):
        decode_json_object(b'{"a":' + b'{"a":' * 3000 + b"1" + b"}" * 3001, "header")

"""Token extraction (RFC 6750 §2): header, and the optional query, form, cookie, custom header."""

from __future__ import annotations

from typing import Any

import pytest

from jwtguard import GuardConfig, InvalidRequest, MultipleTokens, SimpleRequest
from jwtguard.extract import extract_token
from tests.contract import Minter

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"


def config(minter: Minter, **settings: Any) -> GuardConfig:
    return GuardConfig(jwks=minter.jwks(), algorithms=["RS256"], **settings)


@pytest.mark.parametrize(
    "value",
    [
        f"Bearer {TOKEN}",
        f"bearer {TOKEN}",
        f"BEARER {TOKEN}",
        f"Bearer     {TOKEN}",
        f"  Bearer {TOKEN}  ",
        f"bEaReR {TOKEN}",
    ],
)
def test_authorization_header(minter: Minter, value: str) -> None:
    extraction = extract_token(SimpleRequest(headers={"Authorization": value}), config(minter))
    assert (extraction.token, extraction.location) == (TOKEN, "Authorization")


@pytest.mark.parametrize(
    "value",
    [
        "Basic dXNlcjpwYXNz",
        "SSWS 00abc",
        "Token abc",
        "Bearerx abc",
        "Digest username=x",
        "MAC id=x",
    ],
)
def test_other_scheme_is_reported(minter: Minter, value: str) -> None:
    extraction = extract_token(SimpleRequest(headers={"Authorization": value}), config(minter))
    assert extraction.token is None
    assert extraction.other_scheme == value.split(" ", maxsplit=1)[0]
    error = extraction.missing_error()
    assert error.code == "unsupported_scheme"
    assert value.split(" ", 1)[1] not in error.detail, "credentials never reach the logs"


@pytest.mark.parametrize(
    "value",
    [
        TOKEN,  # a JWT sent without "Bearer "
        "00QCjAl4MlV-WPXM0123456789abcdefghijklmno",  # an Okta API token without "SSWS "
        "Negotiate",
        "x" * 25 + " more",  # longer than any auth scheme
    ],
)
def test_a_value_without_a_scheme_is_never_repeated(minter: Minter, value: str) -> None:
    extraction = extract_token(SimpleRequest(headers={"Authorization": value}), config(minter))
    assert (extraction.token, extraction.other_scheme) == (None, "")
    error = extraction.missing_error()
    assert error.code == "unsupported_scheme"
    assert error.detail == (
        "the Authorization header has no Bearer scheme, only a value that is not shown "
        "(it may be a credential sent without a scheme)"
    )


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_authorization_header_is_no_token(minter: Minter, value: str) -> None:
    extraction = extract_token(SimpleRequest(headers={"Authorization": value}), config(minter))
    assert extraction.token is None
    assert extraction.missing_error().code == "token_missing"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Bearer", "malformed_request"),
        ("Bearer   ", "malformed_request"),
        ("Bearer a b", "malformed_request"),
        ("Bearer a,b", "malformed_request"),
        ("Bearer tok\u00e9n", "malformed_request"),
        ("Bearer a=b", "malformed_request"),
        (f"Bearer {TOKEN}, Bearer {TOKEN}", "malformed_request"),  # repeated header, joined
    ],
)
def test_malformed_bearer_credentials(minter: Minter, value: str, code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        extract_token(SimpleRequest(headers={"Authorization": value}), config(minter))
    assert caught.value.code == code
    assert caught.value.status == 400


@pytest.mark.parametrize("value", ["abc==", "a.b.c", "A-Z_a~z+0/9=", "x" * 10])
def test_b64token_syntax_is_accepted(minter: Minter, value: str) -> None:
    request = SimpleRequest(headers={"Authorization": f"Bearer {value}"})
    assert extract_token(request, config(minter)).token == value


def test_optional_locations_are_off_by_default(minter: Minter) -> None:
    request = SimpleRequest(
        query={"access_token": [TOKEN]},
        form={"access_token": [TOKEN]},
        cookies={"access_token": TOKEN},
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    assert extract_token(request, config(minter)).token is None


def test_query_parameter(minter: Minter) -> None:
    request = SimpleRequest(query={"access_token": [TOKEN]})
    extraction = extract_token(request, config(minter, token_locations=["header", "query"]))
    assert (extraction.token, extraction.location) == (TOKEN, "query")


@pytest.mark.parametrize(
    ("method", "content_type", "found"),
    [
        ("POST", "application/x-www-form-urlencoded", True),
        ("PUT", "Application/X-WWW-Form-Urlencoded; charset=utf-8", True),
        ("GET", "application/x-www-form-urlencoded", False),
        ("POST", "multipart/form-data; boundary=x", False),
        ("POST", "application/json", False),
    ],
)
def test_form_body_only_urlencoded_and_not_get(
    minter: Minter, method: str, content_type: str, found: bool
) -> None:
    request = SimpleRequest(
        form={"access_token": [TOKEN]}, headers={"Content-Type": content_type}, method=method
    )
    extraction = extract_token(request, config(minter, token_locations=["form"]))
    assert (extraction.token == TOKEN) is found


def test_cookie(minter: Minter) -> None:
    request = SimpleRequest(cookies={"at": TOKEN})
    settings = {"token_locations": ["cookie"], "cookie_name": "at"}
    assert extract_token(request, config(minter, **settings)).token == TOKEN


def test_custom_header_without_scheme(minter: Minter) -> None:
    settings = {"header_name": "X-Token", "header_scheme": ""}
    request = SimpleRequest(headers={"x-token": TOKEN, "Authorization": "Basic abc"})
    extraction = extract_token(request, config(minter, **settings))
    assert (extraction.token, extraction.location) == (TOKEN, "X-Token")


def test_custom_header_with_custom_scheme(minter: Minter) -> None:
    settings = {"header_name": "X-Auth", "header_scheme": "JWT"}
    request = SimpleRequest(headers={"X-Auth": f"jwt {TOKEN}"})
    assert extract_token(request, config(minter, **settings)).token == TOKEN
    other = SimpleRequest(headers={"X-Auth": f"Bearer {TOKEN}"})
    assert extract_token(other, config(minter, **settings)).other_scheme == "Bearer"


@pytest.mark.parametrize(
    "request_",
    [
        SimpleRequest(
            headers={"Authorization": f"Bearer {TOKEN}"}, query={"access_token": [TOKEN]}
        ),
        SimpleRequest(query={"access_token": [TOKEN, TOKEN]}),
        SimpleRequest(
            headers={"Authorization": f"Bearer {TOKEN}"}, cookies={"access_token": TOKEN}
        ),
        SimpleRequest(
            query={"access_token": [TOKEN]},
            form={"access_token": [TOKEN]},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        ),
    ],
)
def test_more_than_one_token_is_a_400(minter: Minter, request_: SimpleRequest) -> None:
    every_location = config(minter, token_locations=["header", "query", "form", "cookie"])
    with pytest.raises(MultipleTokens) as caught:
        extract_token(request_, every_location)
    assert (caught.value.status, caught.value.code) == (400, "multiple_tokens")
    assert TOKEN not in caught.value.detail


def test_other_scheme_plus_query_token_uses_the_query_token(minter: Minter) -> None:
    request = SimpleRequest(headers={"Authorization": "Basic abc"}, query={"access_token": [TOKEN]})
    assert (
        extract_token(request, config(minter, token_locations=["header", "query"])).token == TOKEN
    )


FORM_POST = {"headers": {"Content-Type": "application/x-www-form-urlencoded"}, "method": "POST"}
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    ("request_", "where"),
    [
        (SimpleRequest(headers=BEARER, query={"access_token": [TOKEN]}), "Authorization, query"),
        (
            SimpleRequest(
                form={"access_token": [TOKEN]},
                headers={**BEARER, **FORM_POST["headers"]},
                method="POST",
            ),
            "Authorization, form",
        ),
        (
            SimpleRequest(
                query={"access_token": ["other"]},
                form={"access_token": [TOKEN]},
                headers={**BEARER, **FORM_POST["headers"]},
                method="PATCH",
            ),
            "Authorization, form, query",
        ),
    ],
)
def test_a_second_copy_where_tokens_are_not_read_is_still_a_400(
    minter: Minter, request_: SimpleRequest, where: str
) -> None:
    """RFC 6750 §3.1: more than one method is invalid_request, whatever the configuration
    reads (the copy in the URL has leaked into logs already)."""
    with pytest.raises(MultipleTokens) as caught:
        extract_token(request_, config(minter))  # TOKEN_LOCATIONS: the header only
    assert (caught.value.status, caught.value.code) == (400, "multiple_tokens")
    assert caught.value.detail == f"tokens found in: {where}"


@pytest.mark.parametrize(
    "request_",
    [
        SimpleRequest(headers=BEARER, query={"access_token": [""]}),  # empty: no token
        SimpleRequest(headers=BEARER, query={"token": [TOKEN]}),  # another parameter
        SimpleRequest(form={"access_token": [TOKEN]}, headers=BEARER, method="POST"),  # not a form
        SimpleRequest(form={"access_token": [TOKEN]}, headers=BEARER, method="GET"),
        SimpleRequest(headers=BEARER, cookies={"access_token": TOKEN}),  # cookies are not read
    ],
)
def test_what_is_not_a_second_copy(minter: Minter, request_: SimpleRequest) -> None:
    assert extract_token(request_, config(minter)).token == TOKEN


@pytest.mark.parametrize(
    ("length", "searched"),
    [("65536", True), ("12", True), ("65537", False), ("5000000", False), ("chunked", False)],
)
def test_only_a_small_declared_body_is_searched_for_an_unread_copy(
    minter: Minter, length: str, searched: bool
) -> None:
    """Searching a body is worth it only while it is small: a forged token must not make
    jwtguard read megabytes (where forms are read, the framework's own limits apply)."""
    headers = {**BEARER, **FORM_POST["headers"], "Content-Length": length}
    request = SimpleRequest(form={"access_token": [TOKEN]}, headers=headers, method="POST")
    if searched:
        with pytest.raises(MultipleTokens):
            extract_token(request, config(minter))
    else:
        assert extract_token(request, config(minter)).token == TOKEN


def test_an_unread_query_token_alone_is_no_token_and_the_operator_learns_why(
    minter: Minter,
) -> None:
    extraction = extract_token(SimpleRequest(query={"access_token": [TOKEN]}), config(minter))
    assert extraction.token is None
    error = extraction.missing_error()
    assert (error.status, error.code) == (401, "token_missing")
    assert error.detail == (
        "no access token in the request; a token in the access_token query parameter is not "
        "read (TOKEN_LOCATIONS does not include it)"
    )
    assert TOKEN not in error.detail


@pytest.mark.parametrize(
    "cookie_header",
    [
        f"access_token={TOKEN}; access_token={TOKEN}",
        f"access_token={TOKEN}; theme=dark; access_token=other",
        f'access_token="{TOKEN}"; access_token={TOKEN}',
    ],
)
def test_the_token_cookie_sent_twice_is_a_400(minter: Minter, cookie_header: str) -> None:
    request = SimpleRequest(headers={"Cookie": cookie_header})
    with pytest.raises(MultipleTokens) as caught:
        extract_token(request, config(minter, token_locations=["cookie"]))
    assert caught.value.detail == "tokens found in: cookie"


@pytest.mark.parametrize(
    ("cookie_header", "expected"),
    [
        (f"access_token={TOKEN}", TOKEN),
        (f'theme=dark; access_token="{TOKEN}"', TOKEN),
        (f"my_access_token=x; access_token={TOKEN}", TOKEN),
        ("access_token=; theme=dark", None),
        ("theme=dark", None),
        (f"prefs=dark,access_token={TOKEN}", None),  # a comma belongs to the value
        (f'q="x,access_token=zz"; access_token={TOKEN}', TOKEN),
    ],
)
def test_cookie_parsing(minter: Minter, cookie_header: str, expected: str | None) -> None:
    request = SimpleRequest(headers={"Cookie": cookie_header})
    assert extract_token(request, config(minter, token_locations=["cookie"])).token == expected

"""A real headless Chromium calls both example APIs from a page on another origin (issue #11 §1).

Each example API runs under gunicorn as its README says, with ``CORS_ALLOWED_ORIGINS`` naming
the page's origin (another port of 127.0.0.1 is another origin): one server per framework for
the whole run, which other e2e tests share (``dev_api.py``). The page's own script calls the
API with ``fetch(url, {headers: {Authorization: "Bearer …"}})``; the tests assert what that
script sees, and, from the API's access log, what reached the server: each preflight, its status
and the headers of its answer, which show who answered it (the CORS layer, never a view).

The browser is driven through Selenium and Debian's ``chromedriver`` rather than by hand over the
DevTools protocol: WebDriver's ``execute_async_script`` runs the page's function and returns what
it resolved to, which is all these tests need, with no protocol code of our own. The browser and
the driver are named explicitly, so Selenium Manager never runs and nothing is downloaded. One
browser serves the module (only this module needs one: it is stopped as soon as the module is
done), and each check calls a URL with a query string of its own, so that Chromium's preflight
cache never hides a preflight from a later check, and the shared server's access log shows
each check's requests apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from jwtguard.testing import parse_challenge
from tests.binaries import require_binary
from tests.e2e.dev_api import DevApi, Logged, Pages, dev_token

CHROMIUM_HINT = "install them with `sudo apt-get install chromium chromium-driver` (Debian)"
#: Headless, as root, and quiet: without the background-networking flags Chromium keeps trying
#: to reach Google's services, which a closed network refuses.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class Browser:
    """One headless Chromium; :meth:`call` runs the page's ``callApi`` on a page's origin."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        self.driver = driver

    def call(
        self,
        page: str,
        url: str,
        *,
        token: str | None = None,
        method: str = "GET",
        body: Any = None,
    ) -> dict[str, Any]:
        if self.driver.current_url != page:
            self.driver.get(page)
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        init: dict[str, Any] = {"method": method, "headers": headers}
        if body is not None:
            headers["Content-Type"] = "application/json"
            init["body"] = json.dumps(body)
        script = "callApi(arguments[0], arguments[1]).then(arguments[2]);"
        seen: dict[str, Any] = self.driver.execute_async_script(script, url, init)
        return seen


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """Debian's Chromium, headless, with a fresh profile (skipped without it, unless ``CI``)."""
    needed_by = "the browser CORS tests"
    chromium = require_binary("chromium", needed_by=needed_by, install_hint=CHROMIUM_HINT)
    driver_binary = require_binary("chromedriver", needed_by=needed_by, install_hint=CHROMIUM_HINT)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_binary))
    try:
        driver.set_script_timeout(15)
        yield Browser(driver)
    finally:
        driver.quit()


@pytest.fixture(params=["django", "flask"])
def api(request: pytest.FixtureRequest, dev_api: Callable[[str], DevApi]) -> DevApi:
    """The run's example API as its README runs it (development key), allowing the page's
    origin (``dev_api.py``)."""
    return dev_api(request.param)


def token(scope: str) -> str:
    return dev_token(scope=scope)


def check_preflight(api: DevApi, logged: Logged, origin: str, *headers: str) -> None:
    """An ``OPTIONS`` preflight that the CORS layer answered (200, no body) for ``origin``,
    allowing ``Authorization`` and ``headers``: never a view, and never refused by jwtguard."""
    assert (logged.method, logged.status, logged.length) == ("OPTIONS", "200", "0")
    assert (logged.origin, logged.allow_origin) == (origin, origin)
    allowed = {name.strip().lower() for name in logged.allow_headers.split(",")}
    assert {"authorization", *headers} <= allowed
    if api.framework == "django":
        # django-cors-headers answered above every other middleware, so the preflight never
        # reached jwtguard (which would have refused it: 401) nor a view (whose OPTIONS answer,
        # DRF's or Django's, lists the methods in ``Allow`` and has a body).
        assert logged.allow == "-"
    else:
        # Flask's automatic OPTIONS answer (no view runs), with flask-cors's headers.
        assert logged.allow != "-"


def test_a_valid_token_writes_and_reads_after_a_preflight(
    browser: Browser, pages: Pages, api: DevApi
) -> None:
    note = {"text": f"written from a page by {api.framework}"}
    writer = token("notes:read notes:write")
    created = browser.call(
        pages.allowed, api.url + "/api/notes?case=write", token=writer, method="POST", body=note
    )
    assert created.get("status") == 201, created
    assert json.loads(created["body"])["text"] == note["text"]
    listed = browser.call(
        pages.allowed, api.url + "/api/notes?case=read", token=token("notes:read")
    )
    assert listed.get("status") == 200, listed
    assert json.loads(created["body"]) in json.loads(listed["body"])

    json_post = ("write", "POST", "201", ("content-type",))
    for case, method, status, headers in (json_post, ("read", "GET", "200", ())):
        preflight, sent = api.logged(case, 2)
        check_preflight(api, preflight, pages.allowed_origin, *headers)
        assert (sent.method, sent.status, sent.allow_origin) == (
            method,
            status,
            pages.allowed_origin,
        )


def test_no_token_gives_a_401_the_page_can_read(
    browser: Browser, pages: Pages, api: DevApi
) -> None:
    seen = browser.call(pages.allowed, api.url + "/api/me?case=no-token")
    assert seen.get("status") == 401, seen
    assert seen["challenge"], f"the page cannot read WWW-Authenticate: {seen}"
    assert parse_challenge(seen["challenge"]) == ("Bearer", {"realm": "api"})
    assert json.loads(seen["body"])["code"] == "token_missing"
    [logged] = api.logged("no-token", 1)  # no custom header: a simple request, no preflight
    assert (logged.method, logged.status) == ("GET", "401")


def test_a_read_only_token_writing_gets_a_403_naming_the_scope(
    browser: Browser, pages: Pages, api: DevApi
) -> None:
    seen = browser.call(
        pages.allowed,
        api.url + "/api/notes?case=read-only",
        token=token("notes:read"),
        method="POST",
        body={"text": "not allowed"},
    )
    assert seen.get("status") == 403, seen
    assert seen["challenge"], f"the page cannot read WWW-Authenticate: {seen}"
    scheme, params = parse_challenge(seen["challenge"])
    assert (scheme, params["error"], params["scope"]) == (
        "Bearer",
        "insufficient_scope",
        "notes:write",
    )
    assert json.loads(seen["body"])["code"] == "insufficient_scope"
    preflight, sent = api.logged("read-only", 2)
    check_preflight(api, preflight, pages.allowed_origin, "content-type")
    assert (sent.method, sent.status) == ("POST", "403")


def test_a_page_on_another_origin_reads_nothing(
    browser: Browser, pages: Pages, api: DevApi
) -> None:
    reader = token("notes:read")
    refused = browser.call(pages.other, api.url + "/api/notes?case=other", token=reader)
    assert refused == {"error": "TypeError"}
    [preflight] = api.logged("other", 1)
    assert (preflight.method, preflight.allow_origin) == ("OPTIONS", "-")

    simple = browser.call(pages.other, api.url + "/api/me?case=other-simple")
    assert simple == {"error": "TypeError"}  # answered 401, but not readable from that origin
    [logged] = api.logged("other-simple", 1)
    assert (logged.method, logged.status, logged.allow_origin) == ("GET", "401", "-")
    # One worker logs in order: the preflight refused the origin, so the GET was never sent.
    assert [line.method for line in api.logged("other", 1)] == ["OPTIONS"]

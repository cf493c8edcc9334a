"""What every token store must do, as a test class each store's tests inherit.

A subclass provides a ``store`` fixture and sets ``granularity``: how finely the store honours a
TTL, in seconds (a millisecond for Redis, a second for Django's cache).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from jwtguard.stores import TokenStore, store_key


def key(name: str) -> str:
    return store_key("test:", "used", name, issuer="https://idp.example.com/")


class StoreContract:
    granularity = 0.001

    def test_is_a_token_store(self, store: TokenStore) -> None:
        assert isinstance(store, TokenStore)

    def test_add_stores_once(self, store: TokenStore) -> None:
        assert store.add(key("a"), "1", 60) is True
        assert store.add(key("a"), "2", 60) is False
        assert store.get_many([key("a")]) == ["1"], "a refused add leaves the value alone"

    def test_put_replaces(self, store: TokenStore) -> None:
        store.put(key("b"), "first", 60)
        store.put(key("b"), "1700000000.5", 60)
        assert store.get_many([key("b")]) == ["1700000000.5"]
        assert store.add(key("b"), "x", 60) is False

    def test_get_many_keeps_the_order_and_reports_absent_keys(self, store: TokenStore) -> None:
        store.put(key("c"), "C", 60)
        store.put(key("d"), "D", 60)
        assert store.get_many([key("d"), key("absent"), key("c")]) == ["D", None, "C"]
        assert store.get_many([]) == []

    def test_entries_expire_after_their_ttl(self, store: TokenStore) -> None:
        ttl = max(0.2, self.granularity)  # a whole number of the store's units
        assert store.add(key("e"), "1", ttl)
        store.put(key("f"), "1", ttl)
        time.sleep(ttl + 0.15)
        assert store.get_many([key("e"), key("f")]) == [None, None]
        assert store.add(key("e"), "1", 60) is True, "an expired entry can be added again"

    def test_entries_live_until_their_ttl(self, store: TokenStore) -> None:
        assert store.add(key("g"), "1", 30)
        time.sleep(0.05)
        assert store.get_many([key("g")]) == ["1"]
        assert store.add(key("g"), "1", 30) is False

    def test_concurrent_adds_of_one_key_store_it_once(self, store: TokenStore) -> None:
        threads = 16
        start = threading.Barrier(threads)

        def add(_: int) -> bool:
            start.wait()
            return store.add(key("race"), "1", 60)

        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(add, range(threads)))
        assert results.count(True) == 1

    def test_concurrent_adds_of_distinct_keys_all_succeed(self, store: TokenStore) -> None:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda i: store.add(key(f"k{i}"), "1", 60), range(200)))
        assert all(results)
        assert store.get_many([key(f"k{i}") for i in range(200)]) == ["1"] * 200

import threading
import time

import pytest

from touchpath.api.cache import ResultCache, normalise_params


def test_equal_params_share_an_entry_however_spelled():
    assert normalise_params({"b": 1.0, "a": None, "c": ("x", "y")}) == normalise_params(
        {"c": ["x", "y"], "b": 1}
    )
    assert normalise_params({"a": 1}) != normalise_params({"a": 2})


def test_hit_miss_and_version_separation():
    cache = ResultCache(4)
    calls = []

    def compute(v):
        calls.append(v)
        return v * 10

    assert cache.get_or_compute(1, "e", {"p": 1}, lambda: compute(1)) == 10
    assert cache.get_or_compute(1, "e", {"p": 1}, lambda: compute(99)) == 10
    assert cache.get_or_compute(2, "e", {"p": 1}, lambda: compute(2)) == 20
    assert calls == [1, 2]
    s = cache.stats()
    assert (s.hits, s.misses, s.entries) == (1, 2, 2)


def test_lru_evicts_the_least_recently_used():
    cache = ResultCache(2)
    cache.get_or_compute(1, "e", {"k": "a"}, lambda: "A")
    cache.get_or_compute(1, "e", {"k": "b"}, lambda: "B")
    cache.get_or_compute(1, "e", {"k": "a"}, lambda: "unused")  # a is now most recent
    cache.get_or_compute(1, "e", {"k": "c"}, lambda: "C")  # evicts b
    assert len(cache) == 2
    assert cache.get_or_compute(1, "e", {"k": "a"}, lambda: "recomputed") == "A"
    assert cache.get_or_compute(1, "e", {"k": "b"}, lambda: "recomputed") == "recomputed"


def test_invalidate_keeps_only_the_given_version():
    cache = ResultCache(8)
    for v in (1, 2, 3):
        cache.get_or_compute(v, "e", {}, lambda v=v: v)
    assert cache.invalidate(keep_version=3) == 2
    assert len(cache) == 1
    assert cache.invalidate() == 1 and len(cache) == 0


def test_concurrent_identical_requests_compute_once():
    cache = ResultCache(8)
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(2)
        return "done"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_compute(1, "e", {}, slow)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    time.sleep(0.05)
    gate.set()
    for t in threads:
        t.join(5)
    assert results == ["done"] * 8 and len(calls) == 1


def test_errors_are_raised_to_every_waiter_and_not_cached():
    cache = ResultCache(8)

    def boom():
        raise ValueError("bad")

    with pytest.raises(ValueError):
        cache.get_or_compute(1, "e", {}, boom)
    assert cache.get_or_compute(1, "e", {}, lambda: "ok") == "ok"

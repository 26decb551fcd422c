"""A bounded, thread-safe cache of expensive API results.

A result is stored under ``(data_version, endpoint, normalised parameters)``.
The data version changes on every ingest that adds rows, so an entry can never
be served for data it was not computed from; :meth:`ResultCache.invalidate`
drops the entries of older versions right after an ingest so they do not take
room. Eviction is least-recently-used once ``max_entries`` is reached.

Concurrent requests for the same key compute once: the first caller computes,
the others wait for its result (or its exception, which is not cached).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

__all__ = ["CacheStats", "ResultCache", "normalise_params"]

T = TypeVar("T")
CacheKey = tuple[int, str, str]


def _plain(value: Any) -> Any:
    """A JSON-serialisable, order-independent form of a parameter value."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if hasattr(value, "model_dump"):
        return _plain(value.model_dump(mode="json"))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def normalise_params(params: Mapping[str, Any]) -> str:
    """Canonical text of a parameter mapping: sorted keys, ``None`` values dropped.

    ``{"b": 1, "a": None}`` and ``{"b": 1.0}`` give the same text, so equal
    requests share an entry however they were spelled.
    """
    kept = {k: v for k, v in params.items() if v is not None}
    return json.dumps(_plain(kept), sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class CacheStats:
    """Counters of a :class:`ResultCache`."""

    entries: int
    max_entries: int
    hits: int
    misses: int


class _Pending:
    """A computation in flight that other callers of the same key wait on."""

    __slots__ = ("done", "value", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class ResultCache:
    """LRU map from ``(data_version, endpoint, params)`` to results.

    Parameters
    ----------
    max_entries : int
        Entries kept; the least recently used is evicted beyond that.
    """

    def __init__(self, max_entries: int = 256) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self.max_entries = int(max_entries)
        self._lock = threading.Lock()
        self._data: OrderedDict[CacheKey, Any] = OrderedDict()
        self._pending: dict[CacheKey, _Pending] = {}
        self._hits = 0
        self._misses = 0

    @staticmethod
    def key(version: int, endpoint: str, params: Mapping[str, Any]) -> CacheKey:
        """The cache key of a request."""
        return (int(version), endpoint, normalise_params(params))

    def get_or_compute(
        self,
        version: int,
        endpoint: str,
        params: Mapping[str, Any],
        compute: Callable[[], T],
    ) -> T:
        """The cached result of ``(version, endpoint, params)``, computing it once if absent."""
        key = self.key(version, endpoint, params)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self._hits += 1
                return self._data[key]
            pending = self._pending.get(key)
            owner = pending is None
            if owner:
                pending = self._pending[key] = _Pending()
                self._misses += 1
            else:
                self._hits += 1
        assert pending is not None
        if not owner:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value
        try:
            value = compute()
        except BaseException as exc:
            pending.error = exc
            with self._lock:
                self._pending.pop(key, None)
            pending.done.set()
            raise
        pending.value = value
        with self._lock:
            self._pending.pop(key, None)
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        pending.done.set()
        return value

    def invalidate(self, keep_version: int | None = None) -> int:
        """Drop every entry (or every entry not of ``keep_version``); return how many."""
        with self._lock:
            stale: list[Hashable] = [
                k for k in self._data if keep_version is None or k[0] != keep_version
            ]
            for k in stale:
                del self._data[k]
            return len(stale)

    def stats(self) -> CacheStats:
        """Entry count and hit / miss counters."""
        with self._lock:
            return CacheStats(len(self._data), self.max_entries, self._hits, self._misses)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

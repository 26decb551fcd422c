"""Memoisation seam of the workflows: a surface may cache, the workflows do not care.

Every workflow takes ``memo``, a callable ``memo(name, params, compute)`` that
returns ``compute()`` or a value it computed before for the same ``name`` and
``params``. The HTTP API passes its result cache, keyed by the data version
(:meth:`touchpath.api.deps.ReadSession.cached`), so that a plan and the ROI
table it was fitted from are computed once; the CLI and the report pass nothing
and get :func:`no_memo`. ``params`` holds only plain values (numbers, strings,
dates, tuples), so a cache can key on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

__all__ = ["LocalMemo", "Memo", "no_memo"]

T = TypeVar("T")


class Memo(Protocol):
    """``memo(name, params, compute)``: ``compute()``, or its value for the same key."""

    def __call__(self, name: str, params: Mapping[str, Any], compute: Callable[[], T]) -> T:
        """The value of ``compute()`` for ``(name, params)``."""
        ...


def no_memo(name: str, params: Mapping[str, Any], compute: Callable[[], T]) -> T:
    """Compute every time (the CLI's and the report's memo)."""
    return compute()


class LocalMemo:
    """A memo for one run of one surface (the demo, one report): a dict, never evicted.

    The demo's steps and the report's sections ask for the same ROI table (the
    lifecycle verdicts and the plan's curves read it too); with one ``LocalMemo``
    it is computed once. Keys are ``(name, sorted params)``.
    """

    def __init__(self) -> None:
        self._values: dict[tuple[str, tuple[tuple[str, Any], ...]], Any] = {}

    def __call__(self, name: str, params: Mapping[str, Any], compute: Callable[[], T]) -> T:
        """``compute()`` once per ``(name, params)``."""
        key = (name, tuple(sorted((k, repr(v)) for k, v in params.items())))
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

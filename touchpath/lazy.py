"""Packages whose public names load on first use (fast start-up of the ``touchpath`` command).

``touchpath.data`` and ``touchpath.service`` re-export names from their submodules;
importing those submodules pulls in DuckDB, pandas and SciPy. A package calls
:func:`lazy_exports` with a map from each public name to its submodule and gets the
module-level ``__getattr__`` / ``__dir__`` (PEP 562) that import a submodule the first
time one of its names is used, so ``touchpath --help`` loads none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str], namespace: dict[str, Any],
                 public: list[str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose names live in ``homes``' submodules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    homes : mapping of str to str
        Public name → submodule (relative to ``package``) that defines it.
    namespace : dict
        The package's ``globals()``: a name, once loaded, is stored there.
    public : list of str
        The package's ``__all__``.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook of PEP 562
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted({*namespace, *public})

    return __getattr__, __dir__

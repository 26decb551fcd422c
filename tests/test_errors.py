"""One base error: every exception class Touchpath defines derives from TouchpathError.

The classes are found by importing every module of every installed package
(``[tool.setuptools] packages`` of ``pyproject.toml``) and reading the classes each
module defines itself, not by a list kept in the code.
"""

import importlib
import inspect
import pkgutil
import tomllib
from pathlib import Path

from touchpath.errors import TouchpathError

ROOT = Path(__file__).resolve().parents[1]


def _modules():
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    seen = set()
    for name in packages["tool"]["setuptools"]["packages"]:
        package = importlib.import_module(name)
        if package.__name__ not in seen:
            seen.add(package.__name__)
            yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if info.name not in seen:
                seen.add(info.name)
                yield importlib.import_module(info.name)


def _own_exception_classes():
    for module in _modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and issubclass(cls, Exception):
                yield cls


def test_the_walk_finds_the_errors_of_every_room():
    """The walk is not empty: it sees errors of the data, attribution, optimizer, api and cli."""
    found = {f"{c.__module__}.{c.__qualname__}" for c in _own_exception_classes()}
    for name in ("touchpath.data.warehouse.IngestError",
                 "touchpath.attribution.registry.ModelSpecError",
                 "touchpath.optimizer.model.PlanInfeasible",
                 "touchpath.api.problems.WorkLimitExceeded",
                 "touchpath.api.settings.ConfigFileError"):
        assert name in found


def test_every_exception_touchpath_defines_derives_from_touchpath_error():
    outside = sorted(f"{c.__module__}.{c.__qualname__} (bases: "
                     f"{', '.join(b.__name__ for b in c.__bases__)})"
                     for c in _own_exception_classes() if not issubclass(c, TouchpathError))
    assert not outside, "\n".join(outside)


def test_the_second_bases_are_kept_for_existing_callers():
    """``except ValueError`` / ``except RuntimeError`` / ``except LookupError`` still catch them."""
    from touchpath.api.security import KeyFileError, NoSuchKeyError
    from touchpath.attribution.base import ComputationStopped
    from touchpath.data.warehouse import IngestError, WarehouseBusyError
    from touchpath.optimizer.model import PlanInfeasible

    assert issubclass(IngestError, ValueError) and issubclass(KeyFileError, ValueError)
    assert issubclass(WarehouseBusyError, RuntimeError)
    assert issubclass(ComputationStopped, RuntimeError)
    assert issubclass(PlanInfeasible, RuntimeError)
    assert issubclass(NoSuchKeyError, LookupError)

"""Touchpath attribution layer: rule-based, Markov and Shapley models over a PathTable.

DESIGN.md, "Attribution models". Every model returns an
:class:`~touchpath.attribution.base.AttributionResult`; :func:`make_model` builds one
from a name such as ``"markov2"``, :func:`bootstrap` adds confidence
intervals and :func:`compare` runs several models side by side.

The layer's later steps live in their own modules and are imported from
there (not re-exported, so importing the package does not pull in
``scipy.optimize``): :mod:`touchpath.attribution.roi` (channel ROI per period),
:mod:`touchpath.attribution.lifecycle` (test / admit / scale / exit verdicts) and
:mod:`touchpath.attribution.curves` (response curves fitted for the optimizer).

The names below load from their submodules on first use (:mod:`touchpath.lazy`), so
``from touchpath.attribution import MarkovChain`` imports the Markov model and what it
needs, not the Shapley models, the bootstrap or the comparison's plotting.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from touchpath.lazy import lazy_exports

if TYPE_CHECKING:  # pragma: no cover
    from touchpath.attribution.base import AttributionModel, AttributionResult
    from touchpath.attribution.bootstrap import bootstrap, resample_paths
    from touchpath.attribution.compare import ModelComparison, compare
    from touchpath.attribution.markov import MarkovChain
    from touchpath.attribution.registry import (
        ModelSpecError,
        available_models,
        describe_models,
        make_model,
    )
    from touchpath.attribution.rules import (
        CustomPosition,
        FirstTouch,
        InverseJ,
        JCurve,
        LastNonDirect,
        LastTouch,
        Linear,
        Participation,
        PositionBased,
        TimeDecay,
    )
    from touchpath.attribution.shapley import (
        DegenerateGameError,
        OrderedShapley,
        ShapleyConversionRate,
        ShapleySubset,
    )

#: The submodule each public name lives in.
_HOMES = {
    **dict.fromkeys(("AttributionModel", "AttributionResult"), "base"),
    **dict.fromkeys(("bootstrap", "resample_paths"), "bootstrap"),
    **dict.fromkeys(("ModelComparison", "compare"), "compare"),
    "MarkovChain": "markov",
    **dict.fromkeys(("ModelSpecError", "available_models", "describe_models", "make_model"),
                    "registry"),
    **dict.fromkeys(("CustomPosition", "FirstTouch", "InverseJ", "JCurve", "LastNonDirect",
                     "LastTouch", "Linear", "Participation", "PositionBased", "TimeDecay"),
                    "rules"),
    **dict.fromkeys(("DegenerateGameError", "OrderedShapley", "ShapleyConversionRate",
                     "ShapleySubset"), "shapley"),
}

__all__ = [
    "AttributionModel",
    "AttributionResult",
    "CustomPosition",
    "DegenerateGameError",
    "FirstTouch",
    "InverseJ",
    "JCurve",
    "LastNonDirect",
    "LastTouch",
    "Linear",
    "MarkovChain",
    "ModelComparison",
    "ModelSpecError",
    "OrderedShapley",
    "Participation",
    "PositionBased",
    "ShapleyConversionRate",
    "ShapleySubset",
    "TimeDecay",
    "available_models",
    "bootstrap",
    "compare",
    "describe_models",
    "make_model",
    "resample_paths",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals(), __all__)


class _AttributionPackage(types.ModuleType):
    """The package module: a function keeps its name when its submodule is imported.

    Importing a submodule binds it on its package under its own name, and
    ``bootstrap`` and ``compare`` name both a submodule and a function; the function
    wins, as it did when the package imported everything up front.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _AttributionPackage

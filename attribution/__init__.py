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
"""

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

"""Touchpath attribution layer: rule-based, Markov and Shapley models over a PathTable.

DESIGN.md, "Attribution models". Every model returns an
:class:`~attribution.base.AttributionResult`.
"""

from attribution.base import AttributionModel, AttributionResult

__all__ = ["AttributionModel", "AttributionResult"]

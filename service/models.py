"""Model specs as the workflows take them: one canonical spec per model and settings."""

from __future__ import annotations

from typing import Any

from touchpath.attribution.base import AttributionModel
from touchpath.attribution.registry import make_model, model_label
from touchpath.service.defaults import DEFAULTS

__all__ = ["build_model", "default_model_spec", "model_spec"]


def model_spec(model: str, **settings: Any) -> str:
    """The canonical spec of ``model`` with ``settings`` (``None`` settings are dropped).

    ``model_spec("markov", order=2) == model_spec("markov2") == "markov2"``: the
    shortest registry label that rebuilds the model
    (:func:`touchpath.attribution.registry.model_label`), so equal requests
    written differently share one cache entry and one label on every surface.

    Raises
    ------
    ModelSpecError
        Unknown model, or settings it does not take.
    """
    return model_label(build_model(model, **settings))


def build_model(model: str | AttributionModel, **settings: Any) -> AttributionModel:
    """The model a spec (plus settings) names; see :func:`touchpath.attribution.make_model`."""
    return make_model(model, **{k: v for k, v in settings.items() if v is not None})


def default_model_spec() -> str:
    """The spec of :data:`DEFAULTS` ``.model`` at ``DEFAULTS.order``."""
    return model_spec(DEFAULTS.model, order=DEFAULTS.order)

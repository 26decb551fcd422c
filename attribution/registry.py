"""Model names used by the CLI, the API and :func:`touchpath.attribution.compare.compare`.

A *spec* names a model and, optionally, its settings::

    first_touch
    markov2                      # MarkovChain(order=2)
    markov(order=auto)           # MarkovChain(order="auto")
    time_decay(half_life_days=3)
    custom(first=0.5, middle=0, last=0.5)

:func:`make_model` turns a spec (plus keyword settings) into a model instance;
:func:`short_label` goes the other way, from a result's model name and settings
to the shortest spec that rebuilds the model (``markov2``, ``position``,
``time_decay(half_life_days=3.0)``); :func:`available_models` lists the names,
:func:`describe_models` adds a one-line description of each. The model classes
are imported when a model is made (or a label shortened), so importing the
registry stays cheap.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from touchpath.attribution.base import AttributionModel
from touchpath.errors import TouchpathError

__all__ = [
    "ModelSpec",
    "ModelSpecError",
    "MODEL_SPECS",
    "available_models",
    "describe_models",
    "format_spec",
    "make_model",
    "model_label",
    "needs_touches",
    "parse_spec",
    "parse_value",
    "short_label",
    "split_specs",
]


class ModelSpecError(TouchpathError, ValueError):
    """A model spec names no known model or carries settings the model does not take."""


@dataclass(frozen=True)
class ModelSpec:
    """One registered model name.

    Parameters
    ----------
    name : str
        The name users type, e.g. ``"markov2"``.
    module, cls : str
        Where the model class lives (``touchpath.attribution.<module>.<cls>``).
    description : str
        One line for ``touchpath attribute --help`` and :func:`describe_models`.
    fixed : dict
        Settings implied by the name (``markov2`` fixes ``order=2``).
    """

    name: str
    module: str
    cls: str
    description: str
    fixed: Mapping[str, Any] = field(default_factory=dict)

    def model_class(self) -> type:
        """Import and return the model class."""
        module = importlib.import_module(f"touchpath.attribution.{self.module}")
        return getattr(module, self.cls)


def _spec(name: str, module: str, cls: str, description: str, **fixed: Any) -> ModelSpec:
    return ModelSpec(name, module, cls, description, fixed)


#: Every model name, in the order :func:`available_models` lists them.
MODEL_SPECS: dict[str, ModelSpec] = {
    s.name: s
    for s in (
        _spec("first_touch", "rules", "FirstTouch", "all credit to the first touch"),
        _spec("last_touch", "rules", "LastTouch", "all credit to the last touch"),
        _spec("last_non_direct", "rules", "LastNonDirect",
              "all credit to the last touch that is not a direct channel"),
        _spec("linear", "rules", "Linear", "equal credit to every touch"),
        _spec("participation", "rules", "Participation",
              "full credit to every channel on the path (reach, not summed)"),
        _spec("time_decay", "rules", "TimeDecay",
              "weight 2^(-t/half_life_days) by time before conversion (needs touches)"),
        _spec("position", "rules", "PositionBased",
              "U-shape: 40% first, 40% last, 20% spread over the middle"),
        _spec("j_curve", "rules", "JCurve", "J-curve: 20% first, 20% middle, 60% last"),
        _spec("inverse_j", "rules", "InverseJ", "inverse J: 60% first, 20% middle, 20% last"),
        _spec("custom", "rules", "CustomPosition",
              "custom first/middle/last weights: custom(first=..., middle=..., last=...)"),
        _spec("markov", "markov", "MarkovChain",
              "Markov chain removal effects, exact; order 1-4 or auto (order=...)"),
        _spec("markov1", "markov", "MarkovChain", "first-order Markov chain", order=1),
        _spec("markov2", "markov", "MarkovChain", "second-order Markov chain", order=2),
        _spec("markov3", "markov", "MarkovChain", "third-order Markov chain", order=3),
        _spec("markov4", "markov", "MarkovChain", "fourth-order Markov chain", order=4),
        _spec("markov_auto", "markov", "MarkovChain",
              "Markov chain of the order (1-4) that best predicts held-out outcomes",
              order="auto"),
        _spec("shapley", "shapley", "ShapleySubset",
              "Shapley value, v(S) = conversions of journeys whose channel set is within S"),
        _spec("shapley_rate", "shapley", "ShapleyConversionRate",
              "Shapley value, v(S) = conversion rate of journeys exposed to exactly S"),
        _spec("shapley_ordered", "shapley", "OrderedShapley",
              "ordered Shapley value: credit by touch position"),
    )
}

#: Other spellings accepted for a name.
_ALIASES = {
    "first": "first_touch",
    "last": "last_touch",
    "last_non_direct_touch": "last_non_direct",
    "position_based": "position",
    "u_shape": "position",
    "custom_position": "custom",
    "shapley_subset": "shapley",
    "shapley_conversion_rate": "shapley_rate",
    "ordered_shapley": "shapley_ordered",
    "markov_chain": "markov",
}

_SPEC_RE = re.compile(r"^\s*([A-Za-z][\w\-]*)\s*(?:\((.*)\))?\s*$", re.DOTALL)


def available_models() -> list[str]:
    """Names :func:`make_model` accepts, in display order."""
    return list(MODEL_SPECS)


def describe_models() -> dict[str, str]:
    """Each model name with its one-line description."""
    return {name: spec.description for name, spec in MODEL_SPECS.items()}


def _unknown(name: str) -> ModelSpecError:
    return ModelSpecError(
        f"unknown model {name!r}; valid models: {', '.join(available_models())}"
    )


def parse_value(text: str) -> Any:
    """A setting value from text: int, float, bool, ``a|b`` tuple, or the string itself."""
    raw = text.strip().strip("'\"")
    low = raw.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    if "|" in raw:
        return tuple(part.strip() for part in raw.split("|") if part.strip())
    for convert in (int, float):
        try:
            return convert(raw)
        except ValueError:
            continue
    return raw


def split_specs(text: str) -> list[str]:
    """Split a comma-separated list of specs, keeping commas inside parentheses.

    Examples
    --------
    >>> split_specs("first_touch, custom(first=0.5,middle=0,last=0.5),markov2")
    ['first_touch', 'custom(first=0.5,middle=0,last=0.5)', 'markov2']
    """
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise ModelSpecError(f"unbalanced ')' in model list {text!r}")
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if depth:
        raise ModelSpecError(f"unbalanced '(' in model list {text!r}")
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``"name(key=value, ...)"`` into the canonical name and its settings.

    Raises
    ------
    ModelSpecError
        If the text is not of that form or the name is not registered.
    """
    match = _SPEC_RE.match(spec)
    if match is None:
        raise ModelSpecError(f"cannot read model spec {spec!r}; expected name or name(key=value)")
    raw_name, inner = match.group(1), match.group(2)
    name = raw_name.lower().replace("-", "_")
    name = _ALIASES.get(name, name)
    if name not in MODEL_SPECS:
        raise _unknown(raw_name)
    params: dict[str, Any] = {}
    if inner and inner.strip():
        for item in inner.split(","):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ModelSpecError(
                    f"model spec {spec!r}: setting {item.strip()!r} is not key=value"
                )
            params[key.strip()] = parse_value(value)
    return name, params


def _settable_fields(cls: type) -> list[str]:
    if not dataclasses.is_dataclass(cls):
        return []
    return [f.name for f in dataclasses.fields(cls) if f.init and f.name != "name"]


def make_model(spec: str | AttributionModel, **params: Any) -> AttributionModel:
    """Build a model from its spec and settings.

    Parameters
    ----------
    spec : str or AttributionModel
        A registered name (see :func:`available_models`), optionally with
        settings in parentheses. A model instance is returned unchanged.
    **params
        Further settings; ``None`` values are ignored (so CLI options left
        unset fall through to the model defaults).

    Returns
    -------
    AttributionModel

    Raises
    ------
    ModelSpecError
        Unknown name (the message lists the valid ones), a setting the model
        does not take, a setting that contradicts the name (``markov2`` with
        ``order=3``), or settings the model rejects.

    Examples
    --------
    >>> make_model("markov", order=2)  # doctest: +SKIP
    MarkovChain(order=2, ...)
    """
    if not isinstance(spec, str):
        if params:
            raise ModelSpecError("settings cannot be applied to a model instance")
        return spec
    name, inline = parse_spec(spec)
    entry = MODEL_SPECS[name]
    given = {**inline, **{k: v for k, v in params.items() if v is not None}}
    for key, fixed in entry.fixed.items():
        if key in given and given[key] != fixed:
            raise ModelSpecError(
                f"model {name!r} fixes {key}={fixed!r}; got {key}={given[key]!r}"
            )
    cls = entry.model_class()
    accepted = _settable_fields(cls)
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        takes = ", ".join(accepted) if accepted else "no settings"
        raise ModelSpecError(f"model {name!r} does not take {', '.join(unknown)}; it takes {takes}")
    if "direct_channels" in given and isinstance(given["direct_channels"], str):
        given["direct_channels"] = parse_value(given["direct_channels"] + "|")
    if name == "markov" and "order" in given and isinstance(given["order"], str):
        if given["order"].lower() != "auto":
            raise ModelSpecError(f"markov order must be 1-4 or 'auto', got {given['order']!r}")
        given["order"] = "auto"
    try:
        return cls(**{**entry.fixed, **given})
    except (TypeError, ValueError) as exc:
        raise ModelSpecError(f"model {name!r}: {exc}") from exc


def needs_touches(model: AttributionModel) -> bool:
    """True for models that need touch timestamps (time decay), not just paths."""
    return callable(getattr(model, "attribute_touches", None))


def _same(a: Any, b: Any) -> bool:
    """Whether two setting values are equal (floats to 1e-12; never raises)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


def _defaults(cls: type) -> dict[str, Any]:
    """Constructor defaults of a dataclass model (fields without one are left out)."""
    if not dataclasses.is_dataclass(cls):
        return {}
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


@cache
def _specs_by_model_name() -> dict[str, list[tuple[ModelSpec, dict[str, Any]]]]:
    """Registry entries grouped by the ``name`` their class reports, with its defaults."""
    grouped: dict[str, list[tuple[ModelSpec, dict[str, Any]]]] = {}
    for spec in MODEL_SPECS.values():
        cls = spec.model_class()
        grouped.setdefault(str(getattr(cls, "name", spec.name)), []).append(
            (spec, _defaults(cls)))
    return grouped


def _format_value(value: Any) -> str:
    """A setting as :func:`parse_value` reads it back (tuples as ``a|b``)."""
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return str(value)


def format_spec(name: str, params: Mapping[str, Any]) -> str:
    """``name`` alone, or ``name(key=value, ...)`` with the settings in the given order."""
    if not params:
        return name
    return f"{name}({', '.join(f'{k}={_format_value(v)}' for k, v in params.items())})"


def short_label(model: str, params: Mapping[str, Any]) -> str:
    """The shortest registry spec that names ``model`` with the settings ``params``.

    Every registry name whose class reports ``model`` as its ``name`` and
    whose fixed settings match ``params`` is a candidate; each shows only the
    settings that differ from the class defaults and are not implied by the
    name. The candidate with the fewest shown settings wins, then the one
    whose name says the most (``markov1`` over ``markov`` for order 1, so
    orders read alike), then the shortest. A model the registry does not know
    keeps every setting. The label is itself a spec:
    ``make_model(short_label(...))`` builds a model with the same settings.

    Parameters
    ----------
    model : str
        :attr:`AttributionResult.model`, e.g. ``"markov"`` or ``"position"``.
    params : mapping
        :attr:`AttributionResult.params`, e.g. ``{"order": 2}``.

    Returns
    -------
    str

    Examples
    --------
    >>> short_label("markov", {"order": 2})
    'markov2'
    >>> short_label("markov", {"order": 1})
    'markov1'
    >>> short_label("position", {"first": 0.4, "last": 0.4})
    'position'
    >>> short_label("time_decay", {"half_life_days": 3.0})
    'time_decay(half_life_days=3.0)'
    >>> short_label("my_model", {"alpha": 1})
    'my_model(alpha=1)'
    """
    candidates: list[tuple[int, int, int, str]] = []
    for spec, defaults in _specs_by_model_name().get(model, []):
        if not all(k in params and _same(params[k], v) for k, v in spec.fixed.items()):
            continue
        rest = {k: v for k, v in params.items()
                if k not in spec.fixed and not (k in defaults and _same(v, defaults[k]))}
        text = format_spec(spec.name, rest)
        candidates.append((len(rest), -len(spec.fixed), len(text), text))
    if not candidates:
        return format_spec(model, params)
    return min(candidates)[3]


def model_label(model: AttributionModel) -> str:
    """The shortest spec naming ``model`` with its settings (its label everywhere).

    The same source as :attr:`AttributionResult.label`:
    :func:`touchpath.attribution.registry.short_label` of the model's name and its
    settings (dataclass fields), so settings equal to the registry's defaults
    drop out — ``markov2`` for ``MarkovChain(order=2)``, ``position`` for the
    default U-shape, ``markov_auto`` for an order still to be chosen.
    """
    params: dict[str, Any] = {}
    if dataclasses.is_dataclass(model):
        params = {f.name: getattr(model, f.name) for f in dataclasses.fields(model)
                  if f.name != "name"}
    return short_label(str(model.name), params)

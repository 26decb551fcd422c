"""Campaign-level attribution: credit per channel and campaign, beside the channel roll-up.

At the campaign grain (``JourneyOptions.grain="campaign"``, DESIGN.md "Journeys")
a touch's state is its channel and campaign; the journeys are those of the
channel grain with each touch labelled by its campaign (repeats still collapse
by channel, the length cap counts the same touches). So:

- for the additive rule-based models — first / last touch, last non-direct,
  linear, position (and its J-shaped variants and custom weights), time decay —
  the campaigns of a channel sum **exactly** to the channel's credit (each
  touch's weight depends on its position and time only, and a campaign is one
  label of a touch): :attr:`CampaignAttribution.exact` is ``True``;
- Markov chains and the Shapley values are fitted on the campaign states: their
  own fit, whose sum per channel (the *roll-up*) need not equal the channel-level
  fit of the same model. Both are shown side by side
  (:meth:`CampaignAttribution.rollup`), with the difference.

ROI, curves and plans stay per channel: spend has no campaign.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from touchpath.attribution.base import AttributionModel, AttributionResult, StopCheck
from touchpath.attribution.bootstrap import ProgressArg, percentile_interval, run_model
from touchpath.attribution.compare import ModelComparison, compare
from touchpath.attribution.registry import model_label, needs_touches
from touchpath.attribution.rules import LastNonDirect
from touchpath.data.journeys import (
    CampaignPathTable,
    JourneyOptions,
    build_campaign_paths,
    check_kind,
    journey_touches,
)
from touchpath.data.paths import DIRECT
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import (
    _check_resamplable,
    _specs,
    attribute,
    compare_models,
    journey_options,
    options_key,
)
from touchpath.service.defaults import DEFAULTS
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import build_model, default_model_spec, model_spec

__all__ = [
    "EXACT_ROLLUP_MODELS",
    "CampaignAttribution",
    "CampaignComparison",
    "attribute_campaigns",
    "campaign_paths",
    "campaign_touches",
    "compare_campaigns",
]

#: Models whose campaign credit sums exactly to their channel credit (per-touch rules).
EXACT_ROLLUP_MODELS = frozenset({"first_touch", "last_touch", "last_non_direct", "linear",
                                 "position", "j_curve", "inverse_j", "custom", "time_decay"})

_ROLLUP_COLUMNS = ["model", "channel", "campaigns", "conversions", "value",
                   "channel_conversions", "channel_value", "difference", "value_difference",
                   "conversions_lo", "conversions_hi", "value_lo", "value_hi", "exact"]


def _campaign_options(options: JourneyOptions | None) -> JourneyOptions:
    options = options or journey_options(grain="campaign")
    return dataclasses.replace(options, grain="campaign")


def campaign_paths(wh: Warehouse, options: JourneyOptions | None = None, *,
                   memo: Memo = no_memo) -> CampaignPathTable:
    """The campaign-level path table of ``options`` (at the campaign grain), memoised.

    Raises
    ------
    NoConversionsOfKind
        The warehouse has conversions, none of ``options.kind``.
    CampaignNameError
        A campaign holding the path separator, or two states named alike.
    """
    options = _campaign_options(options)

    def compute() -> CampaignPathTable:
        check_kind(wh, options)
        return build_campaign_paths(wh, options)

    return memo("campaign_paths", options_key(options), compute)


def campaign_touches(wh: Warehouse, options: JourneyOptions | None = None, *,
                     memo: Memo = no_memo) -> pd.DataFrame:
    """Converting journeys' touches with ``channel`` holding each touch's campaign state."""
    options = _campaign_options(options)
    table = campaign_paths(wh, options, memo=memo)
    return table.label_touches(journey_touches(wh, options))


def _exact(result: AttributionResult) -> bool:
    return result.additive and result.model in EXACT_ROLLUP_MODELS


def _at_states(model: AttributionModel, table: CampaignPathTable) -> AttributionModel:
    """``model`` as it applies to campaign states (last non-direct: the direct channels' states)."""
    if isinstance(model, LastNonDirect):
        direct = set(model.direct_channels)
        states = tuple(s for s, c in zip(table.paths.channels, table.channel, strict=True)
                       if c in direct)
        return dataclasses.replace(model, direct_channels=model.direct_channels + states)
    return model


def _as_asked(result: AttributionResult, model: AttributionModel) -> AttributionResult:
    """The result with the model's own settings (not the state-level rewrite)."""
    if isinstance(model, LastNonDirect):
        return dataclasses.replace(result, params={"direct_channels": model.direct_channels})
    return result


def _rollup(result: AttributionResult, table: CampaignPathTable,
            channel_result: AttributionResult, label: str) -> pd.DataFrame:
    """Campaign credit summed per channel, beside the channel-level fit."""
    channels = table.channels
    index = {c: k for k, c in enumerate(channels)}
    owner = np.array([index[c] for c in table.channel], dtype=np.int64)
    n = len(channels)
    conv = np.bincount(owner, weights=result.conversions, minlength=n) if n else np.zeros(0)
    value = np.bincount(owner, weights=result.value, minlength=n) if n else np.zeros(0)
    count = np.bincount(owner, minlength=n) if n else np.zeros(0, dtype=np.int64)
    at_channel = dict(zip(channel_result.channels, channel_result.conversions, strict=True))
    at_channel_value = dict(zip(channel_result.channels, channel_result.value, strict=True))
    ch_conv = np.array([float(at_channel.get(c, 0.0)) for c in channels])
    ch_value = np.array([float(at_channel_value.get(c, 0.0)) for c in channels])
    frame = pd.DataFrame({
        "model": label, "channel": list(channels), "campaigns": count.astype(np.int64),
        "conversions": conv, "value": value, "channel_conversions": ch_conv,
        "channel_value": ch_value, "difference": conv - ch_conv,
        "value_difference": value - ch_value,
    })
    draws = result.bootstrap_
    if draws is not None and result.ci_level is not None and n:
        onehot = np.zeros((len(table.channel), n))
        onehot[np.arange(len(table.channel)), owner] = 1.0
        conv_ci = percentile_interval(draws.conversions @ onehot, result.ci_level)
        value_ci = percentile_interval(draws.value @ onehot, result.ci_level)
        frame["conversions_lo"], frame["conversions_hi"] = conv_ci[:, 0], conv_ci[:, 1]
        frame["value_lo"], frame["value_hi"] = value_ci[:, 0], value_ci[:, 1]
    else:
        for col in ("conversions_lo", "conversions_hi", "value_lo", "value_hi"):
            frame[col] = np.nan
    frame["exact"] = _exact(result)
    return frame[_ROLLUP_COLUMNS]


def _campaign_frame(result: AttributionResult, table: CampaignPathTable, label: str,
                    include_direct: bool) -> pd.DataFrame:
    frame = result.to_frame(include_direct=include_direct)
    frame["model"] = label
    states = frame.pop("channel")
    channel = dict(zip(table.paths.channels, table.channel, strict=True))
    campaign = dict(zip(table.paths.channels, table.campaign, strict=True))
    frame.insert(1, "channel", [channel.get(s, DIRECT) for s in states])
    frame.insert(2, "campaign", [campaign.get(s) for s in states])
    return frame


@dataclass(frozen=True, eq=False)
class CampaignAttribution:
    """One model at the campaign grain, beside the same model at the channel grain.

    Attributes
    ----------
    result : AttributionResult
        The campaign-state fit; its "channels" are the states of ``table``.
    table : CampaignPathTable
        The campaign-level path table: each state's channel and campaign.
    channel_result : AttributionResult
        The same model fitted on the channel-level journeys of the same options.
    options : JourneyOptions
        The journey options (at the campaign grain).
    """

    result: AttributionResult
    table: CampaignPathTable
    channel_result: AttributionResult
    options: JourneyOptions

    @property
    def label(self) -> str:
        """The model's label (``markov1``, ``linear``)."""
        return self.result.label

    @property
    def exact(self) -> bool:
        """Campaign credit sums exactly to the channel credit (additive per-touch rules)."""
        return _exact(self.result)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The campaign fit's warnings, then the channel fit's not already said."""
        own = self.result.warnings
        return own + tuple(w for w in self.channel_result.warnings if w not in own)

    def to_frame(self, include_direct: bool = True) -> pd.DataFrame:
        """One row per campaign: ``model, channel, campaign, conversions, value, share, ...``.

        The columns of :meth:`AttributionResult.to_frame` with ``campaign``
        after ``channel``; the ``(direct)`` row (with ``include_direct``) has
        no campaign.
        """
        return _campaign_frame(self.result, self.table, self.label, include_direct)

    def to_records(self, include_direct: bool = True) -> list[dict[str, Any]]:
        """:meth:`to_frame` as JSON-ready objects (NaN becomes ``None``)."""
        return _records(self.to_frame(include_direct))

    def rollup(self) -> pd.DataFrame:
        """Per channel: the campaigns' credit summed, beside the channel-level fit.

        Columns ``model, channel, campaigns`` (how many), ``conversions, value``
        (the sum over the channel's campaigns), ``channel_conversions,
        channel_value`` (the channel-level fit), ``difference,
        value_difference`` (sum minus channel fit: zero to float precision
        when :attr:`exact`), the roll-up's bootstrap bounds (from the same
        resamples, when intervals were asked for) and ``exact``.
        """
        return _rollup(self.result, self.table, self.channel_result, self.label)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    obj = frame.astype(object)
    return obj.where(pd.notna(obj), None).to_dict(orient="records")


def attribute_campaigns(
    wh: Warehouse,
    model: str | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> CampaignAttribution:
    """Attribute the warehouse's journeys per channel and campaign with one model.

    Parameters are those of :func:`touchpath.service.attribute`; ``options``
    is read at the campaign grain whatever its ``grain``. The channel-level
    fit of the same model and options comes with it (without intervals).

    Raises
    ------
    ModelSpecError
        Unknown model or settings.
    InvalidRequest
        ``ci > 0`` on a range without journeys; a campaign holding the path
        separator (:class:`~touchpath.data.journeys.CampaignNameError`).
    """
    spec = model_spec(model or default_model_spec())
    options = _campaign_options(options)
    key = {"model": spec, "ci": ci, "level": level, "seed": seed, **options_key(options)}

    def compute() -> CampaignAttribution:
        built = build_model(spec)
        table = campaign_paths(wh, options, memo=memo)
        _check_resamplable(table.paths, ci)
        touches = campaign_touches(wh, options, memo=memo) if needs_touches(built) else None
        result = run_model(_at_states(built, table), table.paths, touches=touches, ci=ci,
                           level=level, seed=seed, progress=progress, should_stop=should_stop)
        channel = attribute(wh, spec, dataclasses.replace(options, grain="channel"),
                            should_stop=should_stop, memo=memo)
        return CampaignAttribution(_as_asked(result, built), table, channel, options)

    return memo("campaign_attribution", key, compute)


@dataclass(frozen=True, eq=False)
class CampaignComparison:
    """Several models at the campaign grain, beside the same models at the channel grain.

    Attributes
    ----------
    comparison : ModelComparison
        The campaign-state fits (their "channels" are the states of ``table``).
    table : CampaignPathTable
    channel_comparison : ModelComparison
        The same models on the channel-level journeys of the same options.
    options : JourneyOptions
    """

    comparison: ModelComparison
    table: CampaignPathTable
    channel_comparison: ModelComparison
    options: JourneyOptions

    @property
    def labels(self) -> tuple[str, ...]:
        """The models' labels, as asked."""
        return self.comparison.labels

    @property
    def skipped(self) -> tuple[tuple[str, str], ...]:
        """Models that could not run at the campaign grain, with the reason."""
        return self.comparison.skipped

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every campaign fit's warnings, in model order."""
        return self.comparison.warnings

    def exact(self, label: str) -> bool:
        """Whether the model labelled ``label`` rolls up exactly to its channel credit."""
        return _exact(self.comparison.result(label))

    def to_frame(self, include_direct: bool = False) -> pd.DataFrame:
        """Tidy: one row per (model, campaign) with ``channel`` and ``campaign`` columns."""
        frames = [_campaign_frame(r, self.table, label, include_direct)
                  for label, r in zip(self.comparison.labels, self.comparison.results,
                                      strict=True)]
        if not frames:
            return pd.DataFrame(columns=["model", "channel", "campaign", "conversions",
                                         "value", "share", "value_share"])
        tidy = pd.concat(frames, ignore_index=True)
        for col in ("conversions_lo", "conversions_hi", "value_lo", "value_hi"):
            if col not in tidy.columns:
                tidy[col] = np.nan
        return tidy

    def rollup(self) -> pd.DataFrame:
        """Per model and channel: the campaigns' credit summed, beside the channel-level fit.

        The columns of :meth:`CampaignAttribution.rollup`; models that ran at
        one grain only are left out.
        """
        frames = []
        for label, result in zip(self.comparison.labels, self.comparison.results, strict=True):
            if label not in self.channel_comparison.labels:
                continue
            frames.append(_rollup(result, self.table, self.channel_comparison.result(label),
                                  label))
        if not frames:
            return pd.DataFrame(columns=_ROLLUP_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def compare_campaigns(
    wh: Warehouse,
    models: Sequence[str] | None = None,
    options: JourneyOptions | None = None,
    *,
    ci: int = DEFAULTS.ci,
    level: float = DEFAULTS.level,
    seed: int = DEFAULTS.seed,
    progress: ProgressArg = False,
    should_stop: StopCheck | None = None,
    memo: Memo = no_memo,
) -> CampaignComparison:
    """Every model in ``models`` per channel and campaign, beside their channel-level fits.

    Parameters are those of :func:`touchpath.service.compare_models`;
    ``options`` is read at the campaign grain.

    Raises
    ------
    ModelSpecError
        No model, or an unknown one.
    InvalidRequest
        ``ci > 0`` on a range without journeys; a campaign holding the path separator.
    """
    specs = _specs(models)
    options = _campaign_options(options)
    key = {"models": tuple(specs), "ci": ci, "level": level, "seed": seed,
           **options_key(options)}

    def compute() -> CampaignComparison:
        built = [build_model(s) for s in specs]
        table = campaign_paths(wh, options, memo=memo)
        _check_resamplable(table.paths, ci)
        touches = (campaign_touches(wh, options, memo=memo)
                   if any(needs_touches(m) for m in built) else None)
        rewritten = [s if _at_states(m, table) is m else _at_states(m, table)
                     for s, m in zip(specs, built, strict=True)]
        states = compare(rewritten, table.paths, touches=touches, ci=ci, level=level,
                         seed=seed, progress=progress, should_stop=should_stop)
        states = _relabel(states, specs, built, rewritten)
        channel = compare_models(wh, specs, dataclasses.replace(options, grain="channel"),
                                 should_stop=should_stop, memo=memo)
        return CampaignComparison(states, table, channel, options)

    return memo("campaign_compare", key, compute)


def _relabel(states: ModelComparison, specs: Sequence[str], built: Sequence[AttributionModel],
             rewritten: Sequence[Any]) -> ModelComparison:
    """Labels and settings as asked for the models rewritten for states (last non-direct)."""
    renamed = {model_label(r): (s, m) for s, m, r in zip(specs, built, rewritten, strict=True)
               if not isinstance(r, str)}
    if not renamed:
        return states
    results, labels = [], []
    for label, result in zip(states.labels, states.results, strict=True):
        if label in renamed:
            spec, model = renamed[label]
            result, label = _as_asked(result, model), spec
        results.append(result)
        labels.append(label)
    return ModelComparison(tuple(results), tuple(labels), states.skipped)

"""Identity stitching as a workflow: who is who, what stitching changed, credit both ways.

Behind ``touchpath identities``, ``GET /v1/identities``, the report's identities
section and the dashboard's identities panel. The persons come from the
``identities`` table (:mod:`touchpath.data.identities`); the journeys are those
of the options, once per id (``stitch=False``) and once per person, and one
model attributes both, so the credit a channel loses or gains by stitching is
read side by side. ``(direct)`` is a row of its own: the conversions with no
touch, which stitching gives back to the channels that reached the customer on
another device.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from touchpath.attribution.base import AttributionResult
from touchpath.data.identities import IdentityReport, StitchEffect, identity_report, stitch_effect
from touchpath.data.journeys import JourneyOptions
from touchpath.data.warehouse import Warehouse
from touchpath.service.attribution import attribute, journey_options, options_key
from touchpath.service.memo import Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec

__all__ = ["IDENTITY_CREDIT_COLUMNS", "IdentitiesResult", "identities"]

DIRECT = "(direct)"

#: Columns of :meth:`IdentitiesResult.credit_frame`.
IDENTITY_CREDIT_COLUMNS = ("channel", "conversions_per_id", "conversions_per_person", "change",
                           "share_per_id", "share_per_person")


@dataclass(frozen=True)
class IdentitiesResult:
    """The identities report, what stitching changed, and the credit with and without it.

    Attributes
    ----------
    report : IdentityReport
        Pairs, persons, ids per person, oversized components.
    effect : StitchEffect
        Journeys, converting journeys, ``(direct)`` conversions, mean channels,
        per id (before) and per person (after).
    model : str
        The model both attributions ran.
    per_id, per_person : AttributionResult
        The attribution of the journeys per id (``stitch=False``) and per person.
    options : JourneyOptions
        The journey options (``stitch`` as asked; both views computed).
    """

    report: IdentityReport
    effect: StitchEffect
    model: str
    per_id: AttributionResult
    per_person: AttributionResult
    options: JourneyOptions

    def credit_frame(self) -> pd.DataFrame:
        """Credit per channel, per id and per person, then ``(direct)``.

        Columns :data:`IDENTITY_CREDIT_COLUMNS`: attributed conversions each
        way, the change (per person − per id) and each row's share of all
        conversions. Channels sorted by name, ``(direct)`` last; each
        conversion column sums to the conversions in the range.
        """
        def credit(result: AttributionResult) -> dict[str, float]:
            out = {ch: float(c) for ch, c in zip(result.channels, result.conversions,
                                                    strict=True)}
            out[DIRECT] = float(result.direct_conversions)
            return out

        before, after = credit(self.per_id), credit(self.per_person)
        channels = sorted((set(before) | set(after)) - {DIRECT}) + [DIRECT]
        total_before = sum(before.values()) or 1.0
        total_after = sum(after.values()) or 1.0
        rows = [{
            "channel": ch,
            "conversions_per_id": before.get(ch, 0.0),
            "conversions_per_person": after.get(ch, 0.0),
            "change": after.get(ch, 0.0) - before.get(ch, 0.0),
            "share_per_id": before.get(ch, 0.0) / total_before,
            "share_per_person": after.get(ch, 0.0) / total_after,
        } for ch in channels]
        return pd.DataFrame(rows, columns=list(IDENTITY_CREDIT_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready): report, effect, model and credit rows."""
        return {
            "report": self.report.to_dict(),
            "effect": self.effect.to_dict(),
            "model": self.model,
            "credit": self.credit_frame().to_dict(orient="records"),
        }


def identities(wh: Warehouse, options: JourneyOptions | None = None, *,
               model: str | None = None, memo: Memo = no_memo) -> IdentitiesResult:
    """Persons, what stitching changed and the credit with and without it (memoised).

    Parameters
    ----------
    wh : Warehouse
    options : JourneyOptions, optional
        Journey options (default :func:`journey_options`); ``stitch_max_ids``
        is the cap. Its ``stitch`` is ignored: both views are computed.
    model : str, optional
        Registry spec of the model run on both (default the service's).

    Returns
    -------
    IdentitiesResult

    Raises
    ------
    ModelSpecError
        Unknown model.
    NoConversionsOfKind
        The warehouse has conversions, none of ``options.kind``.
    """
    spec = model_spec(model or default_model_spec())
    options = options or journey_options()
    per_id_options = replace(options, stitch=False)
    per_person_options = replace(options, stitch=True)

    def compute() -> IdentitiesResult:
        return IdentitiesResult(
            report=identity_report(wh, options.stitch_max_ids),
            effect=stitch_effect(wh, options),
            model=spec,
            per_id=attribute(wh, spec, per_id_options, memo=memo),
            per_person=attribute(wh, spec, per_person_options, memo=memo),
            options=options,
        )

    return memo("identities", {"model": spec, **options_key(per_person_options)}, compute)

"""Query parameters and conversions shared by the read routes.

Dates on the wire: ``from`` and ``to`` are calendar days, both inclusive
(``from=2026-01-01&to=2026-03-31`` is the first quarter), as ISO 8601 text
(:data:`touchpath.api.schemas.IsoDate`; a number is refused, never read as a timestamp).
The domain layer takes half-open ranges ``[start, end)``, so ``end = to + 1 day``.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from fastapi import Depends, Query

from touchpath.api.problems import InvalidParameter
from touchpath.api.schemas import IsoDate, JourneyOptionsOut
from touchpath.service import DEFAULTS

__all__ = [
    "DateRange",
    "DateRangeDep",
    "GrainParam",
    "JourneyDep",
    "JourneyQuery",
    "clean",
    "records",
]


class DateRange:
    """Inclusive ``from`` / ``to`` days and the half-open ``[start, end)`` they mean."""

    def __init__(self, first: date | None, last: date | None) -> None:
        if first is not None and last is not None and last < first:
            raise InvalidParameter(f"'to' ({last}) is before 'from' ({first})")
        self.first = first
        self.last = last

    @property
    def start(self) -> date | None:
        """First day of the range (inclusive)."""
        return self.first

    @property
    def end(self) -> date | None:
        """The day after the last day (exclusive end)."""
        return None if self.last is None else self.last + timedelta(days=1)


async def date_range(
    first: Annotated[IsoDate | None, Query(
        alias="from", description="First conversion day (inclusive), YYYY-MM-DD.",
        examples=["2026-01-01"])] = None,
    last: Annotated[IsoDate | None, Query(
        alias="to", description="Last conversion day (inclusive), YYYY-MM-DD.",
        examples=["2026-03-31"])] = None,
) -> DateRange:
    """The ``from`` / ``to`` query parameters."""
    return DateRange(first, last)


DateRangeDep = Annotated[DateRange, Depends(date_range)]


class JourneyQuery:
    """Journey options from the query string (DESIGN.md, "Journeys")."""

    def __init__(self, lookback_days: int, collapse_repeats: bool,
                 interaction: Literal["all", "click"], max_path_length: int | None,
                 dates: DateRange, censor: bool = DEFAULTS.censor,
                 kind: str = DEFAULTS.kind or "all", stitch: bool = DEFAULTS.stitch) -> None:
        self.lookback_days = lookback_days
        self.stitch = stitch
        self.censor = censor
        self.kind = kind
        self.collapse_repeats = collapse_repeats
        self.interaction = interaction
        self.max_path_length = max_path_length
        self.dates = dates

    def options(self) -> Any:
        """The :class:`touchpath.data.journeys.JourneyOptions` these parameters mean.

        Raises
        ------
        InvalidParameter
            ``JourneyOptions`` refused the combination (422 with its message).
        """
        from touchpath.data.journeys import JourneyOptions, kind_value

        try:
            return JourneyOptions(
                lookback_days=self.lookback_days,
                collapse_repeats=self.collapse_repeats,
                interaction=self.interaction,
                max_path_length=self.max_path_length,
                start=self.dates.start,
                end=self.dates.end,
                censor=self.censor,
                kind=kind_value(self.kind),
                stitch=self.stitch,
            )
        except (TypeError, ValueError) as exc:
            raise InvalidParameter(f"journey options: {exc}") from exc

    def params(self) -> dict[str, Any]:
        """Normalised parameters, for cache keys."""
        return {
            "lookback_days": self.lookback_days,
            "collapse_repeats": self.collapse_repeats,
            "interaction": self.interaction,
            "max_path_length": self.max_path_length,
            "from": self.dates.first,
            "to": self.dates.last,
            "censor": self.censor,
            "kind": self.kind,
            "stitch": self.stitch,
        }

    def out(self) -> JourneyOptionsOut:
        """The options as echoed in responses (``start``/``end`` inclusive days)."""
        return JourneyOptionsOut(
            lookback_days=self.lookback_days,
            collapse_repeats=self.collapse_repeats,
            interaction=self.interaction,
            max_path_length=self.max_path_length,
            start=self.dates.first,
            end=self.dates.last,
            censor=self.censor,
            kind=self.kind,
            stitch=self.stitch,
        )


async def journey_query(
    dates: DateRangeDep,
    lookback_days: Annotated[int, Query(
        ge=1, le=3650, description="Lookback window of a conversion, in days.",
        examples=[30])] = DEFAULTS.lookback_days,
    collapse_repeats: Annotated[bool, Query(
        description="Merge consecutive touches of the same channel.")] = False,
    interaction: Annotated[Literal["all", "click"], Query(
        description="`click` keeps only clicks.")] = "all",
    max_path_length: Annotated[int | None, Query(
        ge=1, le=1000, description="Keep the last N touches of each journey.")] = None,
    censor: Annotated[bool, Query(
        description="Leave out journeys without a conversion that are still open (last touch "
                    "less than the lookback before the end of the data); false counts every "
                    "journey without a conversion as a failure (ChannelAttribution's "
                    "convention).")] = DEFAULTS.censor,
    kind: Annotated[str, Query(
        min_length=1, max_length=200,
        description="Conversion kind that closes journeys and is attributed (e.g. purchase, "
                    "add_to_cart); `all` pools every kind.",
        examples=["purchase"])] = DEFAULTS.kind or "all",
    stitch: Annotated[bool, Query(
        description="Cut journeys per person: the ids the identities table links are one "
                    "customer; false cuts them per id as stored.")] = DEFAULTS.stitch,
) -> JourneyQuery:
    """The journey options of a request."""
    return JourneyQuery(lookback_days, collapse_repeats, interaction, max_path_length, dates,
                        censor, kind, stitch)


JourneyDep = Annotated[JourneyQuery, Depends(journey_query)]


def clean(value: Any) -> Any:
    """JSON-safe scalar: NaN / infinity to ``None``, numpy scalars to Python, dates to ISO."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NaT:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of JSON-safe scalars."""
    cols = [str(c) for c in frame.columns]
    return [
        {c: clean(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


#: ``grain`` of the paths, attribution and compare endpoints: a touch's state is its channel, or
#: its channel and campaign (rows then carry both, beside the channel roll-up). ROI stays per
#: channel: spend has no campaign.
GrainParam = Annotated[Literal["channel", "campaign"], Query(
    description="State of a touch: `channel`, or `campaign` (channel and campaign: rows carry "
                "both, beside the channel roll-up).", examples=["campaign"])]

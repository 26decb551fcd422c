"""Wire documents of ``GET /v1/identities`` (identity stitching)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from touchpath.api.schemas import JourneyOptionsOut, _examples

__all__ = ["IdentitiesResponse", "IdentityCreditRow", "IdentityEffectOut",
           "IdentityReportOut", "IdentitySize", "OversizedOut"]


class IdentitySize(BaseModel):
    """How many persons have this many ids."""

    ids: int
    persons: int


class OversizedOut(BaseModel):
    """A component above the cap: not merged, its ids stay apart."""

    person_id: str = Field(description="Its smallest id.")
    ids: int = Field(description="Ids it links.")


class IdentityReportOut(BaseModel):
    """Pairs, persons and oversized components of the identities table."""

    pairs: int
    self_pairs: int = Field(description="Pairs naming one id twice (they link nothing).")
    unknown_pairs: int = Field(description="Pairs naming an id with no touch and no conversion.")
    ids_linked: int
    components: int
    persons: int = Field(description="Components merged into one person.")
    ids_merged: int
    ids_per_person: float
    max_ids: int
    sizes: list[IdentitySize]
    oversized: list[OversizedOut] = Field(description="Components left apart, largest first.")
    stitch_max_ids: int
    warnings: list[str]


class IdentityEffectOut(BaseModel):
    """Journeys per id (before) against per person (after)."""

    journeys_before: int
    journeys_after: int
    converting_before: int = Field(description="Converting journeys with at least one touch.")
    converting_after: int
    direct_before: int = Field(description="(direct) conversions: no touch in their window.")
    direct_after: int
    direct_now_touched: int = Field(description="Conversions (direct) per id, with touches "
                                                "per person.")
    channels_before: float = Field(description="Mean distinct channels per converting journey.")
    channels_after: float
    conversions: int


class IdentityCreditRow(BaseModel):
    """One channel's credit with and without stitching (conversions)."""

    channel: str
    conversions_per_id: float
    conversions_per_person: float
    change: float
    share_per_id: float
    share_per_person: float


class IdentitiesResponse(BaseModel):
    """Persons, what stitching changed, and one model's credit with and without it."""

    model_config = _examples({
        "data_version": 4, "model": "markov1",
        "options": {"lookback_days": 30, "collapse_repeats": False, "interaction": "all",
                    "max_path_length": None, "start": None, "end": None, "censor": True,
                    "kind": "purchase", "stitch": True},
        "report": {"pairs": 1, "self_pairs": 0, "unknown_pairs": 0, "ids_linked": 2,
                   "components": 1, "persons": 1, "ids_merged": 2, "ids_per_person": 2.0,
                   "max_ids": 2, "sizes": [{"ids": 2, "persons": 1}], "oversized": [],
                   "stitch_max_ids": 50, "warnings": []},
        "effect": {"journeys_before": 2, "journeys_after": 1, "converting_before": 0,
                   "converting_after": 1, "direct_before": 1, "direct_after": 0,
                   "direct_now_touched": 1, "channels_before": 0.0, "channels_after": 1.0,
                   "conversions": 1},
        "credit": [{"channel": "search", "conversions_per_id": 0.0,
                    "conversions_per_person": 1.0, "change": 1.0, "share_per_id": 0.0,
                    "share_per_person": 1.0},
                   {"channel": "(direct)", "conversions_per_id": 1.0,
                    "conversions_per_person": 0.0, "change": -1.0, "share_per_id": 1.0,
                    "share_per_person": 0.0}],
    })

    data_version: int
    model: str
    options: JourneyOptionsOut
    report: IdentityReportOut
    effect: IdentityEffectOut
    credit: list[IdentityCreditRow] = Field(description="Channels by name, (direct) last.")

"""Wire documents of ``GET /v1/identities`` (identity stitching)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from touchpath.api.schemas import JourneyOptionsOut

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

    data_version: int
    model: str
    options: JourneyOptionsOut
    report: IdentityReportOut
    effect: IdentityEffectOut
    credit: list[IdentityCreditRow] = Field(description="Channels by name, (direct) last.")

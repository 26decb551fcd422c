"""Identity stitching: the ids of one customer merged into one person before journeys.

A customer who clicks a search ad on a phone (a cookie id) and buys on a laptop
while logged in (an account id) is two ids; without stitching the phone journey
never converts and the purchase is a ``(direct)`` conversion. The
``identities`` table holds pairs of ids known to be one person (a login, a CRM
match, an order e-mail); ids are grouped into persons by the connected
components of those pairs.

Rules
-----
- Components are found in SQL by min-label propagation
  (``data/sql/identity_*.sql``): every id starts with the smallest of itself and
  its neighbours, and each step takes the smallest of its label, its
  neighbours' labels and its label's label (pointer jumping), until no label
  changes. A person is named by the smallest id of its component, so the
  grouping is deterministic whatever the order of the pairs. The Python loop
  runs one query per step, never over rows; the same queries run on Spark
  (:mod:`touchpath.data.engines`).
- The components are rebuilt by every identities ingest that adds a pair and
  stored in ``identity_persons`` (id, person, component size).
- A component of more than ``JourneyOptions.stitch_max_ids`` ids (default 50:
  a shared device, a test account, a bad match key) is not merged: its ids stay
  apart and :func:`identity_report` lists it with its size.
- A self-pair (the same id twice) links nothing; a pair naming an id that has
  no touch and no conversion is kept (such an id, a CRM key, may link two that
  have) and counted. Neither is an error.
- Journeys (:mod:`touchpath.data.journeys`), and with them path tables, ROI,
  segments and every model, are cut per person when ``JourneyOptions.stitch``
  (the default); ``stitch=False`` cuts them per id, as stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from touchpath.data.journeys import JourneyOptions, prepare_journeys
from touchpath.data.warehouse import Warehouse, load_sql

__all__ = [
    "IdentityReport",
    "OversizedComponent",
    "StitchEffect",
    "drop_work",
    "duckdb_components",
    "identity_report",
    "label_components",
    "rebuild_persons",
    "stitch_effect",
]

#: The working relations of the label propagation, in the order they are made.
_WORK = ("identity_edges", "identity_labels", "identity_labels_next", "identity_persons_found")


def label_components(materialise: Callable[[str, str], None],
                     count: Callable[[str], int],
                     query: Callable[[str], str]) -> int:
    """Find the components of the relation ``identities`` (``id_a, id_b``) on an engine.

    Parameters
    ----------
    materialise : callable (name, select)
        Make the relation ``name`` hold the rows of the query ``select`` (a
        DuckDB temp table, a checkpointed Spark view).
    count : callable (select) -> int
        The single number a query returns.
    query : callable (file name) -> str
        The text of a ``data/sql`` query in the engine's dialect.

    Returns
    -------
    int
        Propagation steps taken. Afterwards ``identity_persons_found`` holds
        ``user_id, person_id, ids`` for every id in a pair of two different ids.
    """
    materialise("identity_edges", query("identity_edges"))
    materialise("identity_labels", query("identity_labels_start"))
    steps = 0
    while True:
        materialise("identity_labels_next", query("identity_labels_step"))
        steps += 1
        changed = count(query("identity_labels_changed"))
        materialise("identity_labels", "SELECT id, label FROM identity_labels_next")
        if changed == 0:
            break
    materialise("identity_persons_found", query("identity_persons_select"))
    return steps


def _duckdb_materialise(cur: duckdb.DuckDBPyConnection) -> Callable[[str, str], None]:
    def materialise(name: str, select: str) -> None:
        # name is one of _WORK, select a query of data/sql: no user input in the text
        assert name in _WORK
        cur.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
    return materialise


def _duckdb_count(cur: duckdb.DuckDBPyConnection) -> Callable[[str], int]:
    def count(select: str) -> int:
        row = cur.execute(select).fetchone()
        return int(row[0]) if row and row[0] is not None else 0
    return count


def duckdb_components(cur: duckdb.DuckDBPyConnection) -> int:
    """:func:`label_components` on a DuckDB connection whose ``identities`` is the input."""
    return label_components(_duckdb_materialise(cur), _duckdb_count(cur), load_sql)


def drop_work(cur: duckdb.DuckDBPyConnection) -> None:
    """Drop the working tables of :func:`duckdb_components` from ``cur``."""
    for name in _WORK:
        cur.execute(f"DROP TABLE IF EXISTS {name}")  # a constant of _WORK


def rebuild_persons(cur: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``identity_persons`` from the stored pairs (inside the caller's transaction)."""
    try:
        duckdb_components(cur)
        cur.execute(load_sql("identity_persons_store"))
    finally:
        drop_work(cur)


@dataclass(frozen=True)
class OversizedComponent:
    """A component with more ids than the cap: not merged, its ids stay apart.

    Attributes
    ----------
    person_id : str
        Its smallest id (the name it would have as a person).
    ids : int
        How many ids it links.
    """

    person_id: str
    ids: int


@dataclass(frozen=True)
class IdentityReport:
    """What the identities table says about who is who.

    Attributes
    ----------
    pairs : int
        Stored pairs.
    self_pairs : int
        Pairs naming one id twice (they link nothing).
    unknown_pairs : int
        Pairs naming at least one id with no touch and no conversion.
    ids_linked : int
        Ids in a pair of two different ids.
    components : int
        Connected components over those ids.
    persons : int
        Components merged into one person (at most ``stitch_max_ids`` ids).
    ids_merged : int
        Ids in those persons.
    max_ids : int
        The largest merged person, in ids (0 without one).
    sizes : dict of int to int
        Persons by their number of ids.
    oversized : tuple of OversizedComponent
        Components left apart, largest first.
    stitch_max_ids : int
        The cap.
    """

    pairs: int
    self_pairs: int
    unknown_pairs: int
    ids_linked: int
    components: int
    persons: int
    ids_merged: int
    max_ids: int
    sizes: dict[int, int]
    oversized: tuple[OversizedComponent, ...]
    stitch_max_ids: int

    @property
    def ids_per_person(self) -> float:
        """Mean ids per merged person (0 without one)."""
        return self.ids_merged / self.persons if self.persons else 0.0

    @property
    def warnings(self) -> tuple[str, ...]:
        """Plain-words notes: components refused by the cap, self-pairs, unknown ids."""
        out: list[str] = []
        if self.oversized:
            big = ", ".join(f"{c.person_id} ({c.ids:,} ids)" for c in self.oversized[:5])
            more = "" if len(self.oversized) <= 5 else f" and {len(self.oversized) - 5:,} more"
            out.append(
                f"{len(self.oversized):,} component(s) link more than {self.stitch_max_ids} ids "
                f"and were not merged (a shared device, a test account or a bad match key?): "
                f"{big}{more}; their ids keep journeys of their own.")
        if self.self_pairs:
            out.append(f"{self.self_pairs:,} pair(s) name the same id twice and link nothing.")
        if self.unknown_pairs:
            out.append(f"{self.unknown_pairs:,} pair(s) name an id with no touch and no "
                       "conversion; they still link the ids on their other side.")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        return {
            "pairs": self.pairs, "self_pairs": self.self_pairs,
            "unknown_pairs": self.unknown_pairs, "ids_linked": self.ids_linked,
            "components": self.components, "persons": self.persons,
            "ids_merged": self.ids_merged, "ids_per_person": self.ids_per_person,
            "max_ids": self.max_ids,
            "sizes": [{"ids": k, "persons": v} for k, v in sorted(self.sizes.items())],
            "oversized": [{"person_id": c.person_id, "ids": c.ids} for c in self.oversized],
            "stitch_max_ids": self.stitch_max_ids, "warnings": list(self.warnings),
        }


def identity_report(wh: Warehouse, stitch_max_ids: int = JourneyOptions.stitch_max_ids
                    ) -> IdentityReport:
    """Persons, ids per person, oversized components and odd pairs of the identities table.

    Examples
    --------
    >>> import pandas as pd
    >>> wh = Warehouse(":memory:")
    >>> _ = wh.ingest("identities", pd.DataFrame({"id_a": ["phone", "laptop", "x"],
    ...     "id_b": ["laptop", "crm:7", "x"]}))
    >>> r = identity_report(wh)
    >>> (r.pairs, r.self_pairs, r.persons, r.ids_merged)
    (3, 1, 1, 3)
    >>> wh.close()
    """
    replace(JourneyOptions(), stitch_max_ids=stitch_max_ids)  # the cap's own checks
    cur = wh.cursor()
    try:
        counts = cur.execute(load_sql("identity_counts")).fetchone()
        sizes = cur.execute(load_sql("identity_sizes"), {"max_ids": stitch_max_ids}).fetchall()
    finally:
        cur.close()
    assert counts is not None
    pairs, self_pairs, unknown = (int(x or 0) for x in counts)
    merged = {int(n): int(k) for n, k, _ in sizes if int(n) <= stitch_max_ids}
    oversized = tuple(OversizedComponent(str(label), int(n))
                      for n, k, labels in sizes if int(n) > stitch_max_ids
                      for label in labels)
    oversized = tuple(sorted(oversized, key=lambda c: (-c.ids, c.person_id)))
    return IdentityReport(
        pairs=pairs, self_pairs=self_pairs, unknown_pairs=unknown,
        ids_linked=sum(int(n) * int(k) for n, k, _ in sizes),
        components=sum(int(k) for _, k, _ in sizes),
        persons=sum(merged.values()), ids_merged=sum(n * k for n, k in merged.items()),
        max_ids=max(merged, default=0), sizes=merged, oversized=oversized,
        stitch_max_ids=stitch_max_ids)


@dataclass(frozen=True)
class StitchEffect:
    """What stitching changed in the journeys of some options (before = per id).

    Attributes
    ----------
    journeys_before, journeys_after : int
        Journeys (converting, direct included, and non-converting).
    converting_before, converting_after : int
        Converting journeys with at least one touch.
    direct_before, direct_after : int
        ``(direct)`` conversions: no touch in their window.
    direct_now_touched : int
        Conversions that were ``(direct)`` per id and have touches per person.
    channels_before, channels_after : float
        Mean distinct channels per converting journey (a direct one counts 0).
    conversions : int
        Conversions in the range (the same both ways).
    """

    journeys_before: int
    journeys_after: int
    converting_before: int
    converting_after: int
    direct_before: int
    direct_after: int
    direct_now_touched: int
    channels_before: float
    channels_after: float
    conversions: int

    def to_dict(self) -> dict[str, Any]:
        """Plain values (JSON-ready)."""
        return dict(self.__dict__)


def stitch_effect(wh: Warehouse, options: JourneyOptions) -> StitchEffect:
    """Journeys per id against journeys per person under ``options`` (its ``stitch`` ignored).

    One cursor: the per-id journeys' conversions are kept in a temp table, then
    one query over the per-person journeys compares (``identity_effect.sql``).
    """
    params = options.sql_params()
    cur = wh.cursor()
    try:
        prepare_journeys(cur, replace(options, stitch=False))
        cur.execute(load_sql("identity_effect_before"), params)
        cur.execute(load_sql("identity_settings"),
                    {"stitch": True, "max_ids": options.stitch_max_ids})
        row = cur.execute(load_sql("identity_effect"), params).fetchone()
        cur.execute("DROP TABLE IF EXISTS identity_journeys_before")
    finally:
        cur.close()
    assert row is not None
    (jb, ja, cb, ca, db, da, dnt, chb, cha, conv) = row
    return StitchEffect(
        journeys_before=int(jb or 0), journeys_after=int(ja or 0),
        converting_before=int(cb or 0), converting_after=int(ca or 0),
        direct_before=int(db or 0), direct_after=int(da or 0),
        direct_now_touched=int(dnt or 0),
        channels_before=float(chb or 0.0), channels_after=float(cha or 0.0),
        conversions=int(conv or 0))

"""Recorded budget plans: the ``plans`` and ``plan_lines`` tables.

A plan recorded with ``touchpath plan --record`` (or ``POST /v1/plans``) keeps
what pacing needs to hold reality against it: the quarter, the data version
the plan was fitted on, the model and every parameter (JSON), the totals, and
per channel and month the planned spend and expected revenue, as exact
DECIMAL(18, 6) amounts (``data/sql/schema.sql``). Plans are never changed or
deleted: a new plan is a new id (one more than the largest). Every function
here takes the DuckDB connection (or cursor) to work on and runs packaged
queries only; a warehouse opened read-only that predates the tables has no
plans.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from touchpath.data.warehouse import bump_data_version, load_sql
from touchpath.errors import InvalidRequest

__all__ = [
    "NoRecordedPlan",
    "PlanLine",
    "RecordedPlan",
    "actual_spend",
    "get_plan",
    "list_plans",
    "record_plan",
]


class NoRecordedPlan(InvalidRequest):
    """No plan with the id asked for, or none recorded at all."""


@dataclass(frozen=True)
class PlanLine:
    """One channel-month of a recorded plan (money exact)."""

    channel: str
    month: str
    spend: Decimal
    expected_revenue: Decimal | None


@dataclass(frozen=True)
class RecordedPlan:
    """A plan as recorded: its header and, when read with :func:`get_plan`, its lines."""

    plan_id: int
    recorded_at: datetime
    quarter: str
    data_version: int
    model: str
    params: dict[str, Any]
    budget: Decimal | None
    total_spend: Decimal
    expected_revenue: Decimal
    currency: str
    lines: tuple[PlanLine, ...] = ()

    @property
    def channels(self) -> tuple[str, ...]:
        """The channels of the plan, in line order."""
        return tuple(dict.fromkeys(line.channel for line in self.lines))

    def to_dict(self, *, lines: bool = True) -> dict[str, Any]:
        """JSON-safe dict (money as floats of the exact amounts)."""
        doc: dict[str, Any] = {
            "plan_id": self.plan_id,
            "recorded_at": self.recorded_at.isoformat(),
            "quarter": self.quarter,
            "data_version": self.data_version,
            "model": self.model,
            "params": self.params,
            "budget": None if self.budget is None else float(self.budget),
            "total_spend": float(self.total_spend),
            "expected_revenue": float(self.expected_revenue),
            "currency": self.currency,
        }
        if lines:
            doc["lines"] = [{"channel": ln.channel, "month": ln.month, "spend": float(ln.spend),
                             "expected_revenue": None if ln.expected_revenue is None
                             else float(ln.expected_revenue)} for ln in self.lines]
        return doc


def _has_tables(conn: duckdb.DuckDBPyConnection) -> bool:
    found = conn.execute(load_sql("plan_tables_exist")).fetchone()
    return bool(found and found[0])


def _header(row: Sequence[Any]) -> RecordedPlan:
    pid, at, quarter, version, model, params, budget, total, expected, currency = row
    return RecordedPlan(int(pid), at, str(quarter), int(version), str(model), json.loads(params),
                        budget, total, expected, str(currency))


def record_plan(conn: duckdb.DuckDBPyConnection, *, quarter: str, data_version: int, model: str,
                params: dict[str, Any], budget: Decimal | None, total_spend: Decimal,
                expected_revenue: Decimal, currency: str, lines: Sequence[PlanLine],
                recorded_at: datetime) -> int:
    """Store a plan and its lines in one transaction; its new id.

    Nothing is written when any row fails (the transaction is rolled back).
    The plan keeps ``data_version``, the version it was fitted on; recording it
    moves the warehouse's data version on by one in the same transaction
    (:func:`~touchpath.data.warehouse.bump_data_version`), as a status change
    does, so ``touchpath demo`` never replaces a warehouse holding a recorded plan.

    Raises
    ------
    InvalidRequest
        No lines (a plan without channel-months cannot be tracked).
    """
    if not lines:
        raise InvalidRequest("cannot record a plan without spend per channel and month (give "
                             "the plan a quarter)")
    conn.execute("BEGIN TRANSACTION")
    try:
        found = conn.execute(load_sql("plan_next_id")).fetchone()
        assert found is not None
        plan_id = int(found[0])
        conn.execute(load_sql("plan_insert"), {
            "plan_id": plan_id, "recorded_at": recorded_at, "quarter": quarter,
            "data_version": int(data_version), "model": model,
            "params": json.dumps(params, sort_keys=True, default=str),
            "budget": None if budget is None else str(budget), "total_spend": str(total_spend),
            "expected_revenue": str(expected_revenue), "currency": currency})
        conn.executemany(load_sql("plan_line_insert"), [
            {"plan_id": plan_id, "channel": ln.channel, "month": ln.month, "spend": str(ln.spend),
             "expected_revenue": None if ln.expected_revenue is None
             else str(ln.expected_revenue)} for ln in lines])
        # A recorded plan is the user's work: a new data version, so the warehouse is no
        # longer the demo's to replace (and nothing cached under the old one is served).
        found = conn.execute(load_sql("has_data_version")).fetchone()
        if found and found[0]:
            bump_data_version(conn)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return plan_id


def list_plans(conn: duckdb.DuckDBPyConnection) -> list[RecordedPlan]:
    """The recorded plans, newest first, without their lines."""
    if not _has_tables(conn):
        return []
    return [_header(r) for r in conn.execute(load_sql("plan_list")).fetchall()]


def get_plan(conn: duckdb.DuckDBPyConnection, plan_id: int | None = None) -> RecordedPlan:
    """One recorded plan with its lines; the latest when ``plan_id`` is ``None``.

    Raises
    ------
    NoRecordedPlan
        No such plan (naming the ids there are), or no plan recorded.
    """
    row = (conn.execute(load_sql("plan_get"), {"plan_id": plan_id}).fetchone()
           if _has_tables(conn) else None)
    if row is None:
        ids = [p.plan_id for p in list_plans(conn)]
        if not ids:
            raise NoRecordedPlan("no plan is recorded in this warehouse: record one with "
                                 "`touchpath plan --quarter ... --record` (or POST /v1/plans)")
        raise NoRecordedPlan(f"no recorded plan {plan_id}; recorded plans: "
                             f"{', '.join(str(i) for i in sorted(ids))}")
    head = _header(row)
    lines = tuple(PlanLine(str(c), str(m), s, e) for c, m, s, e in
                  conn.execute(load_sql("plan_lines"), {"plan_id": head.plan_id}).fetchall())
    return RecordedPlan(head.plan_id, head.recorded_at, head.quarter, head.data_version,
                        head.model, head.params, head.budget, head.total_spend,
                        head.expected_revenue, head.currency, lines)


def actual_spend(conn: duckdb.DuckDBPyConnection, first: date,
                 last: date) -> dict[tuple[str, str], Decimal]:
    """Spend per (channel, month) over ``[first, last]`` (inclusive), exact DECIMAL sums."""
    rows = conn.execute(load_sql("plan_actual_spend"), {"first": first, "last": last}).fetchall()
    return {(str(c), str(m)): Decimal(s) for c, m, s in rows}

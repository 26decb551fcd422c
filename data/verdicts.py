"""The ``channel_verdicts`` history: lifecycle verdicts and users' status changes.

DESIGN.md, "ROI and lifecycle rules". The table (``data/sql/channel_verdicts_table.sql``,
created when missing) keeps one row per recorded verdict (``source = 'rules'``)
and per status change a user made (``source = 'user'``). The rules that decide
a verdict live in :mod:`touchpath.attribution.lifecycle`; the workflows that
record them in :mod:`touchpath.service.lifecycle`. Every function here takes the
DuckDB connection (or cursor) to work on and runs packaged queries only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

import duckdb
import pandas as pd

from touchpath.data.warehouse import bump_data_version, load_sql

__all__ = [
    "VerdictRow",
    "channel_status",
    "ensure_verdict_table",
    "record_verdicts",
    "set_channel_status",
    "verdict_history",
]


class VerdictRow(NamedTuple):
    """One row of ``channel_verdicts``, in column order.

    Undefined numbers (``roi``, ``baseline``, ``ratio``) are ``None`` (NULL).
    ``source`` is ``"rules"`` for a lifecycle verdict, ``"user"`` for a status
    change.
    """

    channel: str
    evaluated_at: datetime
    period: str | None
    verdict: str
    roi: float | None
    baseline: float | None
    ratio: float | None
    rule: str
    reason: str | None
    source: str


def ensure_verdict_table(conn: duckdb.DuckDBPyConnection) -> None:
    """Create ``channel_verdicts`` if missing (``channel_verdicts_table.sql``)."""
    conn.execute(load_sql("channel_verdicts_table"))


def record_verdicts(conn: duckdb.DuckDBPyConnection, rows: Sequence[VerdictRow]) -> int:
    """Append ``rows`` to ``channel_verdicts`` in one transaction; the number written.

    Nothing is written when any row fails (the transaction is rolled back).
    """
    ensure_verdict_table(conn)
    if rows:
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.executemany(load_sql("insert_verdict"), [tuple(r) for r in rows])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return len(rows)


def channel_status(conn: duckdb.DuckDBPyConnection, channel: str) -> str | None:
    """The stored status of ``channel``; ``None`` when it is not in ``channels``."""
    found = conn.execute(load_sql("channel_status"), {"channel": channel}).fetchall()
    return str(found[0][0]) if found else None


def set_channel_status(
    conn: duckdb.DuckDBPyConnection, channel: str, status: str, reason: str, when: datetime
) -> str | None:
    """Store a user's status change of ``channel`` with its history row; the previous status.

    Parameters
    ----------
    conn : duckdb.DuckDBPyConnection
        A warehouse connection or cursor (or a bare connection with a
        ``channels`` table).
    channel : str
    status : str
        The new status (checked by the caller:
        :func:`touchpath.attribution.lifecycle.check_status_change`).
    reason : str
        Why; stored as ``"status <previous> -> <status>: <reason>"``.
    when : datetime
        Time of the change (naive UTC), the row's ``evaluated_at``.

    Returns
    -------
    str or None
        The status before the change; ``None`` (nothing written) when the
        channel is not in the ``channels`` table.

    Notes
    -----
    Setting the status a channel already has writes nothing: no history
    row, no new data version. A change updates ``channels``, appends the
    history row (``rule = 'user_action'``, ``source = 'user'``) and bumps the
    warehouse's ``data_version`` in one transaction
    (:func:`touchpath.data.warehouse.bump_data_version`), so caches keyed by the
    version tell the states before and after it apart; a bare connection
    without the ``touchpath_meta`` table has no version to bump.
    """
    ensure_verdict_table(conn)
    previous = channel_status(conn, channel)
    if previous is None or previous == status:
        return previous
    found = conn.execute(load_sql("has_data_version")).fetchone()
    versioned = bool(found and found[0])
    row = VerdictRow(channel, when, None, status, None, None, None, "user_action",
                     f"status {previous} -> {status}: {reason}", "user")
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(load_sql("update_channel_status"), {"status": status, "channel": channel})
        conn.execute(load_sql("insert_verdict"), list(row))
        # Statuses change verdicts and plans: a new data version, in the same transaction.
        if versioned:
            bump_data_version(conn)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return previous


def verdict_history(conn: duckdb.DuckDBPyConnection, channel: str | None = None) -> pd.DataFrame:
    """The recorded verdicts and status changes, oldest first (optionally one channel).

    Columns are those of :class:`VerdictRow`; ordered by ``evaluated_at``,
    then ``channel`` (``verdict_history.sql``).
    """
    ensure_verdict_table(conn)
    return conn.execute(load_sql("verdict_history"), {"channel": channel}).df()

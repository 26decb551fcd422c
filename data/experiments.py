"""The ``experiments`` table: lift tests and geo holdouts the attribution is calibrated to.

Loaded by ``touchpath ingest FILE --table experiments`` / ``POST
/v1/ingest/experiments`` (:meth:`~touchpath.data.warehouse.Warehouse.ingest`,
``stage_experiments.sql``). Input columns:

==========================  =====================================================
``channel``                 a channel of the warehouse (required)
``start``, ``end``          the window, both days included (required)
``incremental_conversions``  the conversions the channel caused in the window,
``incremental_revenue``     or the revenue it caused: exactly one of the two
``lower``, ``upper``        the experiment's interval of that estimate (both or
                            neither; it must contain the estimate), read as a
                            95 % interval
``kind``                    conversion kind measured (default ``purchase``)
==========================  =====================================================

Refused, naming row and column: an unknown channel, an interval not
containing its estimate, a window of a channel overlapping another of the same
channel and kind (in the file or stored), a window ending before it starts.
Re-ingesting the same experiments is a no-op.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from touchpath.data.warehouse import Warehouse, load_sql

__all__ = ["Experiment", "read_experiments"]


@dataclass(frozen=True)
class Experiment:
    """One stored experiment.

    Attributes
    ----------
    channel, kind : str
    start, end : date
        First and last day of the window (both included).
    metric : {"conversions", "revenue"}
        What ``incremental`` counts.
    incremental : float
    lower, upper : float or None
        The experiment's interval of ``incremental``.
    """

    channel: str
    kind: str
    start: date
    end: date
    metric: Literal["conversions", "revenue"]
    incremental: float
    lower: float | None = None
    upper: float | None = None

    @property
    def window(self) -> tuple[datetime, datetime]:
        """The window as a ``[start, end)`` pair of datetimes (journey options' convention)."""
        return (datetime.combine(self.start, time()),
                datetime.combine(self.end + timedelta(days=1), time()))

    @property
    def label(self) -> str:
        """``search 2024-03-01..2024-03-28``."""
        return f"{self.channel} {self.start.isoformat()}..{self.end.isoformat()}"


def read_experiments(wh: Warehouse, kind: str | None = "purchase") -> list[Experiment]:
    """The stored experiments of ``kind`` (``None``: every kind), per channel in time order."""
    has = wh.conn.execute(load_sql("experiments_exists")).fetchone()
    if not has or not has[0]:
        return []
    rows = wh.conn.execute(load_sql("experiments_list"), {"kind": kind}).fetchall()
    return [Experiment(str(c), str(k), s, e, m, float(i),  # type: ignore[arg-type]
                       None if lo is None else float(lo), None if hi is None else float(hi))
            for c, k, s, e, m, i, lo, hi in rows]

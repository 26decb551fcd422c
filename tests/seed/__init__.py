"""The seed warehouse the API and CLI tests share: small enough to work by hand.

The seed data (``tests/seed/*.csv``; loaded by :func:`seed_warehouse`, the
``seeded_db`` and ``db_copy`` fixtures of ``tests/conftest.py``):

=========  ============================================  ==========  =====
user       touches (2026)                                conversion  value
=========  ============================================  ==========  =====
u1         search 01-02, email 01-05                     01-06       100
u2         social 01-03                                  01-04        50
u3         search 01-10, social 01-11                    01-12        80
u4         email 01-15                                   none (null journey)
u5         —                                             01-20        30 (direct)
u6         tiktok 02-01                                  02-02        40
u7         search 02-10, tiktok 02-12                    02-13        60
u8         —                                             03-20        20 (direct)
=========  ============================================  ==========  =====

Paths: 5 converting journeys worth 330, one null journey (``email``), and 2
direct conversions worth 50. ``conversions_more.csv`` adds u4's conversion on
01-20 worth 70, turning the null ``email`` journey into a converting one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["COUNTS_A", "COUNTS_B", "DATA", "SEED_ORDER", "Keys", "history_rows",
           "seed_warehouse"]

DATA = Path(__file__).parent
SEED_ORDER = ("channels", "touchpoints", "conversions", "spend")

#: Row counts of the seeded warehouse ("state A") and after conversions_more.csv ("state B").
COUNTS_A = {"channels": 4, "conversions": 7, "spend": 5, "touchpoints": 9}
COUNTS_B = {**COUNTS_A, "conversions": 8}


def seed_warehouse(path: Path) -> int:
    """Create a warehouse file at ``path`` with the seed CSVs; return its data version."""
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(path) as wh:
        for table in SEED_ORDER:
            wh.ingest(table, DATA / f"{table}.csv")
        return wh.data_version


def history_rows(db: Path, channel: str) -> int:
    """Rows of ``channel`` in the verdict and status history (0 before the first record)."""
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db, read_only=True) as wh:
        if not wh.conn.execute("SELECT count(*) FROM duckdb_tables() "
                               "WHERE table_name = 'channel_verdicts'").fetchone()[0]:
            return 0  # made on the first recorded verdict or status change
        return wh.conn.execute("SELECT count(*) FROM channel_verdicts WHERE channel = ?",
                               [channel]).fetchone()[0]


@dataclass(frozen=True)
class Keys:
    """The keys file of the ``keys`` fixture and its read and write keys."""

    path: Path
    read: str
    write: str

    def headers(self, role: str = "read", style: str = "bearer") -> dict[str, str]:
        """Request headers carrying the ``role`` key, as a bearer token or ``X-API-Key``."""
        key = self.read if role == "read" else self.write
        if style == "bearer":
            return {"Authorization": f"Bearer {key}"}
        return {"X-API-Key": key}

"""The lifecycle status of a channel: one enum for every room (DESIGN.md, "Tables").

The ``channels`` table holds one of these per channel; the SQL of the table and
of the channels ingest checks the same three values (``schema.sql``,
``stage_channels.sql``). Everything in Python names them through
:class:`ChannelStatus`: the lifecycle rules, the optimizer's channel inputs, the
CLI's ``--status`` choices and the API's request and response schemas. A member
equals its value (``ChannelStatus.test == "test"``), so frames, SQL parameters and
JSON hold plain text.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ChannelStatus"]


class ChannelStatus(StrEnum):
    """Where a channel is in its lifecycle.

    ``established`` (a channel of the baseline), ``test`` (a new channel under the
    lifecycle rules) or ``exited`` (no more spend).
    """

    established = "established"
    test = "test"
    exited = "exited"

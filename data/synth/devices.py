"""Cross-device customers: a phone id and a logged-in account id for one person.

With ``SynthConfig(cross_device_share=p)`` each customer is, with probability
``p``, a cross-device customer: besides the id of the generator (the phone's
cookie id, ``u123``) they have an account id (``acct:u123``) on which they log
in and buy. Every conversion of such a customer is made on the account id;
each of their touches stays on the phone with the probability that its
channel's users are on mobile (:data:`~touchpath.data.synth.config.DEVICE_BY_CHANNEL`,
the ``mobile`` column: short video, app push and livestream mostly on the
phone, search and the owned site often on the desktop), else it happens on the
account id. The login links the two ids: one pair per cross-device customer
whose account id was used (``id_a`` the phone id, ``id_b`` the account id,
``source`` ``login``).

Nothing else changes: event ids, times, channels, values and every other row
are those of the data without the option, so journeys stitched per person are
exactly the journeys of that data, and journeys cut per id show what ignoring
devices does (upper-funnel phone touches stranded in journeys that never
convert, purchases with fewer or no touches). The draws come from their own
stream (seeded by the config's seed and the chunk), after everything else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from touchpath.data.synth.config import DEVICE_BY_CHANNEL, DEVICES

__all__ = ["ACCOUNT_PREFIX", "IDENTITY_COLUMNS", "empty_identities", "split_devices"]

#: The account id of a cross-device customer: this prefix and the phone id.
ACCOUNT_PREFIX = "acct:"
#: Columns of the identity pairs frame.
IDENTITY_COLUMNS = ("id_a", "id_b", "source")
#: Stream tag of the device draws (their own random stream).
_STREAM = 18
_MOBILE = DEVICES.index("mobile")


def empty_identities() -> pd.DataFrame:
    """An identity pairs frame with no rows."""
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in IDENTITY_COLUMNS})


def _mobile_share(channels: pd.Series) -> np.ndarray:
    """P(touch on the phone) per touch: its channel's mobile share (a new channel: livestream's)."""
    fallback = DEVICE_BY_CHANNEL["livestream"][_MOBILE]
    shares = {c: row[_MOBILE] for c, row in DEVICE_BY_CHANNEL.items()}
    return channels.map(shares).fillna(fallback).to_numpy(dtype=np.float64)


def split_devices(touchpoints: pd.DataFrame, conversions: pd.DataFrame, share: float,
                  seed: int, part: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Move the cross-device customers' purchases and desktop touches to their account ids.

    Parameters
    ----------
    touchpoints, conversions : DataFrame
        One chunk's rows (``user_id``, and ``channel`` for touches).
    share : float
        Probability that a customer is cross-device (0: the frames come back as they are).
    seed, part : int
        The config's seed and the chunk's number: the draws' own stream.

    Returns
    -------
    (touchpoints, conversions, identities)
        New frames; ``identities`` has one ``login`` pair per cross-device
        customer with a purchase or a touch on the account id, sorted by phone id.
    """
    if share <= 0.0:
        return touchpoints, conversions, empty_identities()
    rng = np.random.default_rng([seed, _STREAM, part])
    users = np.unique(np.concatenate([touchpoints["user_id"].to_numpy(dtype=object),
                                      conversions["user_id"].to_numpy(dtype=object)]))
    cross = users[rng.random(len(users)) < share]
    on_phone = rng.random(len(touchpoints)) < _mobile_share(touchpoints["channel"])
    tp = touchpoints.copy()
    moved = tp["user_id"].isin(cross).to_numpy() & ~on_phone
    tp.loc[moved, "user_id"] = ACCOUNT_PREFIX + tp.loc[moved, "user_id"]
    cv = conversions.copy()
    buys = cv["user_id"].isin(cross).to_numpy()
    cv.loc[buys, "user_id"] = ACCOUNT_PREFIX + cv.loc[buys, "user_id"]
    # a login is seen only where the account id was used (a purchase or a desktop touch)
    used = np.unique(np.concatenate([touchpoints["user_id"].to_numpy(dtype=object)[moved],
                                     conversions["user_id"].to_numpy(dtype=object)[buys]]))
    phone = pd.Series(used, dtype=object)
    identities = pd.DataFrame({"id_a": phone, "id_b": ACCOUNT_PREFIX + phone, "source": "login"})
    return tp, cv, identities

"""A tiny hand-made event log shared by the module-08 tests (test_sequences.py, test_markov.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C


def log(rows):
    """An events table from (user, session, "HH:MM:SS" on 2025-03-01, type, item, position) tuples."""
    users, sessions, times, types, items, positions = zip(*rows)
    return pd.DataFrame({
        C.USER_ID: np.array(users, dtype=np.int64), C.SESSION_ID: np.array(sessions, dtype=np.int64),
        C.TIMESTAMP: pd.to_datetime([f"2025-03-01 {t}" for t in times]),
        C.EVENT_TYPE: pd.Categorical(types, categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(items, dtype="Int64"), C.QUERY: pd.array([None] * len(rows), dtype="string"),
        C.POSITION: pd.array(positions, dtype="Int64"), C.PRICE_PAID: np.full(len(rows), np.nan)})


ITEMS = pd.DataFrame({C.ITEM_ID: [1, 2, 3, 4], C.CATEGORY: ["a/x", "a/x", "b/y", "b/y"]})
# user 1: session 10 = step A (search, list of a/x, click 1, cart) + step B (list of b/y, no click)
#                      + step C (list b/y, click 4); session 11 = one step (list a/x, click 2)
# user 2: session 20 = step D (list b/y, clicks 3 and 4) + step E (list a/x, click 1)
TINY = log([
    (1, 10, "10:00:00", "search", None, None), (1, 10, "10:00:03", "impression", 1, 1),
    (1, 10, "10:00:03", "impression", 2, 2), (1, 10, "10:00:08", "click", 1, None),
    (1, 10, "10:00:14", "add_to_cart", 1, None),
    (1, 10, "10:02:00", "impression", 3, 1), (1, 10, "10:02:00", "impression", 4, 2),
    (1, 10, "10:04:00", "impression", 4, 1), (1, 10, "10:04:05", "click", 4, None),
    (1, 11, "18:00:00", "impression", 2, 1), (1, 11, "18:00:05", "click", 2, None),
    (2, 20, "11:00:00", "impression", 3, 1), (2, 20, "11:00:00", "impression", 4, 2),
    (2, 20, "11:00:05", "click", 3, None), (2, 20, "11:00:17", "click", 4, None),
    (2, 20, "11:02:00", "impression", 1, 1), (2, 20, "11:02:05", "click", 1, None),
])

"""Module 02's session-level conversion table (recsys_lib.tasks.sessions)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.tasks import session_conversion_table
from recsys_lib.tasks.sessions import (CONVERTED, DECISION_TIME, HOUR, PREVIOUS_CONVERSIONS, PREVIOUS_SESSIONS,
                                      SECONDS_TO_CLICK, SESSION_START)


def _log(rows):
    users, sessions, times, types, items = zip(*rows)
    return pd.DataFrame({
        C.USER_ID: np.array(users, dtype=np.int64),
        C.SESSION_ID: np.array(sessions, dtype=np.int64),
        C.TIMESTAMP: pd.to_datetime(list(times), format="mixed"),
        C.EVENT_TYPE: pd.Categorical(types, categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(items, dtype="Int64"),
    })


USERS = pd.DataFrame({C.USER_ID: [1, 2], C.DEVICE: pd.Categorical(["mobile", "desktop"])})
LOG = _log([
    # user 1, session 10: search, 2 impressions, first click at 09:01, favourite, cart, purchase, more browsing
    (1, 10, "2025-03-01 09:00", C.SEARCH, None), (1, 10, "2025-03-01 09:00", C.IMPRESSION, 5),
    (1, 10, "2025-03-01 09:00", C.IMPRESSION, 6), (1, 10, "2025-03-01 09:01", C.CLICK, 5),
    (1, 10, "2025-03-01 09:02", C.FAVORITE, 5), (1, 10, "2025-03-01 09:03", C.ADD_TO_CART, 5),
    (1, 10, "2025-03-01 09:04", C.PURCHASE, 5), (1, 10, "2025-03-01 09:05", C.SEARCH, None),
    (1, 10, "2025-03-01 09:05", C.IMPRESSION, 7), (1, 10, "2025-03-01 09:06", C.CLICK, 7),
    # user 2, session 20 (earlier): a cart but no purchase
    (2, 20, "2025-02-28 22:30", C.IMPRESSION, 5), (2, 20, "2025-02-28 22:31", C.CLICK, 5),
    (2, 20, "2025-02-28 22:32", C.ADD_TO_CART, 5), (2, 20, "2025-02-28 22:33", C.CLICK, 6),
    # user 1, session 11 (later): no cart
    (1, 11, "2025-03-02 18:00", C.SEARCH, None), (1, 11, "2025-03-02 18:00", C.IMPRESSION, 8),
    (1, 11, "2025-03-02 18:01:30", C.CLICK, 8), (1, 11, "2025-03-02 18:02", C.CLICK, 9),
    # user 2, session 21: no click -> no row, but it counts as an earlier session of user 2
    (2, 21, "2025-03-03 12:00", C.SEARCH, None), (2, 21, "2025-03-03 12:00", C.IMPRESSION, 9),
    # user 2, session 22
    (2, 22, "2025-03-04 07:00", C.IMPRESSION, 9), (2, 22, "2025-03-04 07:00", C.IMPRESSION, 8),
    (2, 22, "2025-03-04 07:00:10", C.CLICK, 8), (2, 22, "2025-03-04 07:01", C.PURCHASE, 8),
])


def test_session_table_on_a_hand_made_log():
    table = session_conversion_table(LOG, USERS)
    assert table[C.SESSION_ID].tolist() == [20, 10, 11, 22]             # sorted by start; 21 has no click
    assert table[SESSION_START].tolist() == pd.to_datetime(
        ["2025-02-28 22:30", "2025-03-01 09:00", "2025-03-02 18:00", "2025-03-04 07:00"]).tolist()
    assert table[DECISION_TIME].tolist() == pd.to_datetime(
        ["2025-02-28 22:31:00", "2025-03-01 09:01:00", "2025-03-02 18:01:30", "2025-03-04 07:00:10"]).tolist()
    assert table["n_searches"].tolist() == [0, 1, 1, 0]                  # nothing after the first click
    assert table["n_impressions"].tolist() == [1, 2, 1, 2]
    assert table[SECONDS_TO_CLICK].tolist() == [60.0, 60.0, 90.0, 10.0]
    assert table[C.DEVICE].astype(str).tolist() == ["desktop", "mobile", "mobile", "desktop"]
    assert table[HOUR].tolist() == [22, 9, 18, 7]
    assert table[PREVIOUS_SESSIONS].tolist() == [0, 0, 1, 2]
    assert table[PREVIOUS_CONVERSIONS].tolist() == [0, 0, 1, 0]
    assert table[CONVERTED].tolist() == [0, 1, 0, 1]
    assert table[CONVERTED].dtype == np.int64 and table["n_impressions"].dtype == np.int64


def test_session_table_on_the_shop_uses_only_events_up_to_the_first_click():
    from recsys_lib.simulation import shipped_shop

    _, users, events = shipped_shop().tables
    table = session_conversion_table(events, users)
    clicked_sessions = events.loc[events[C.EVENT_TYPE] == C.CLICK, C.SESSION_ID].unique()
    assert len(table) == len(clicked_sessions) and table[C.SESSION_ID].is_unique
    rate = table[CONVERTED].mean()
    assert 0.12 < rate < 0.2                                             # rare positives
    # every purchase session has a click, so no converting session is lost
    bought = events.loc[events[C.EVENT_TYPE] == C.PURCHASE, C.SESSION_ID].unique()
    assert set(bought) <= set(table[C.SESSION_ID])
    # no cart or purchase happens before the decision moment
    carts = events[events[C.EVENT_TYPE].isin([C.ADD_TO_CART, C.PURCHASE])].groupby(C.SESSION_ID)[C.TIMESTAMP].min()
    decision = table.set_index(C.SESSION_ID)[DECISION_TIME]
    assert (carts >= decision.reindex(carts.index)).all()
    assert (table[SECONDS_TO_CLICK] >= 0).all() and (table[PREVIOUS_CONVERSIONS] <= table[PREVIOUS_SESSIONS]).all()

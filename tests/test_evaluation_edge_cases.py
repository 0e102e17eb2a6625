"""recsys_lib.evaluation on edge cases: no cases at all, users without a case."""
from __future__ import annotations

import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data import load_shop
from recsys_lib.evaluation import case_session_events, leave_last_out_split


def test_no_cases_keeps_every_event_and_no_session_events():
    events = load_shop().events.head(200)
    none = pd.DataFrame({"user_id": pd.Series([], dtype="int64"), "cutoff": pd.Series([], dtype="datetime64[ns]"),
                         "session_id": pd.Series([], dtype="int64")})
    assert leave_last_out_split(events, none).equals(events)
    assert case_session_events(events, none).empty


def test_only_the_case_users_lose_their_events_after_the_cutoff():
    events = load_shop().events
    first, second = events[C.USER_ID].unique()[:2]
    mine = events[events[C.USER_ID] == first]
    cutoff = mine[C.TIMESTAMP].iloc[len(mine) // 2]
    cases = pd.DataFrame({"user_id": [first], "cutoff": [cutoff], "session_id": [mine[C.SESSION_ID].iloc[len(mine) // 2]]})
    kept = leave_last_out_split(events, cases)
    assert (kept.loc[kept[C.USER_ID] == first, C.TIMESTAMP] < cutoff).all()
    assert (kept[C.USER_ID] == second).sum() == (events[C.USER_ID] == second).sum()
    session = case_session_events(events, cases)
    assert (session[C.SESSION_ID] == cases["session_id"].iloc[0]).all() and (session[C.TIMESTAMP] < cutoff).all()

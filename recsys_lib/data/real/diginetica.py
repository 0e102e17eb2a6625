"""DIGINETICA's item views of the CIKM Cup 2016 (Track 2, personalised e-commerce search).

Source format (the challenge's data description): ``train-item-views.csv``, semicolon-separated with
the header ``sessionId;userId;itemId;timeframe;eventdate``; ``userId`` is ``NA`` for anonymous
sessions, ``timeframe`` the milliseconds since the session's start, ``eventdate`` ``YYYY-MM-DD``.
Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.data.real import reading as R
from recsys_lib.data.real.fetch import resolve
from recsys_lib.data.real.registry import dataset

NAME = "diginetica"
COLUMNS = ["sessionId", "userId", "itemId", "timeframe", "eventdate"]


def load_diginetica(path=None, *, cache=None, nrows: int | None = None, progress: bool = True) -> R.RealLog:
    """The CIKM Cup 2016 item views as a course log: every view is a ``click``, the challenge's
    sessions are kept, time = ``eventdate`` + ``timeframe`` ms, and a session without ``userId`` is
    its own anonymous user (ids above the largest ``userId``, in session order).

    ``path``: ``train-item-views.csv``; the challenge site needs an account, so there is no automatic
    download. A session that carries two user ids keeps its first (counted in ``notes``). A bad
    date or a non-integer id raises :class:`RealDataError` naming file, row and column; nothing is
    dropped.

    Taught in module 04 (knn_collaborative_filtering).
    """
    info = dataset(NAME)
    file = resolve(NAME, path, cache=cache, progress=progress)
    kinds = {"sessionId": "int", "userId": "nullable_int", "itemId": "int", "timeframe": "int",
             "eventdate": "string"}
    raw = R.read_delimited(file, COLUMNS, kinds, sep=";", header=True, nrows=nrows)
    day = pd.to_datetime(raw["eventdate"], format="%Y-%m-%d", errors="coerce")
    R.fail_where(day.isna().to_numpy(), raw, file, "eventdate", "not a date YYYY-MM-DD")
    R.fail_where((raw["timeframe"] < 0).to_numpy(), raw, file, "timeframe", "negative time in session")
    times = (day.to_numpy().astype("datetime64[ns]")
             + raw["timeframe"].to_numpy(np.int64).astype("timedelta64[ms]").astype("timedelta64[ns]"))
    sessions = raw["sessionId"].to_numpy()
    known = raw["userId"]
    per_session = raw.loc[known.notna(), ["sessionId", "userId"]].drop_duplicates("sessionId")
    notes = []
    mixed = raw.loc[known.notna(), ["sessionId", "userId"]].drop_duplicates()["sessionId"].duplicated()
    if mixed.any():
        notes.append(f"{int(mixed.sum()):,} session(s) carry more than one userId; each keeps its first")
    owner = pd.Series(per_session["userId"].to_numpy(np.int64), index=per_session["sessionId"].to_numpy())
    user = pd.Series(sessions).map(owner)
    anonymous = user.isna().to_numpy()
    start = int(owner.max()) if len(owner) else 0
    anon_ids = start + R.dense_codes(sessions[anonymous]) if anonymous.any() else np.zeros(0, np.int64)
    users = np.array(user.to_numpy(dtype=np.float64, na_value=np.nan))
    users[anonymous] = anon_ids
    events = R.events_frame(users.astype(np.int64), sessions, times,
                            pd.Categorical([C.CLICK] * len(raw), categories=list(C.EVENT_TYPES)),
                            raw["itemId"].to_numpy())
    items = events[[C.ITEM_ID]].drop_duplicates().sort_values(C.ITEM_ID, ignore_index=True)
    return R.RealLog(NAME, file, events, items, rows_read=len(raw), expected_rows=info.expected_rows,
                     notes=notes)

r"""Session-level conversion prediction (module 02): will this session convert?

One row per session **that has at least one click**, scored at the moment of its **first click**
(the decision moment: e.g. show a coupon banner or not). The label is 1 when the session contains at
least one purchase. Every feature is known at that moment: the searches and impressions of the
session up to the first click, the seconds from the session start to it, the shopper's device, the
hour the session started, and the shopper's history — earlier sessions and how many of them
converted (a user's sessions never overlap, so those are over). A session without a click cannot
convert in ShopSim (a purchase needs a cart, a cart needs a click) and never reaches the decision
moment, so it has no row.

Why not "everything before the first add_to_cart"? Then sessions that reach a cart are observed up
to their first cart and the others to their end: the observation window depends on the label, and a
model learns it (on the shipped shop the number of impressions gets a large negative weight and the
AUC is inflated to about 0.88). Scoring every session at the same kind of moment avoids that.

Taught in module 02 (logistic_regression), in its section "Will this session convert?".
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = [
    "SESSION_START",
    "DECISION_TIME",
    "SECONDS_TO_CLICK",
    "HOUR",
    "PREVIOUS_SESSIONS",
    "PREVIOUS_CONVERSIONS",
    "CONVERTED",
    "SESSION_COUNT_COLUMNS",
    "session_conversion_table",
]

#: time of the session's first event
SESSION_START = "session_start"
#: time of the session's first click: the moment the row is scored
DECISION_TIME = "decision_time"
#: seconds from the session start to its first click
SECONDS_TO_CLICK = "seconds_to_first_click"
#: hour of the day (0-23) of the session start
HOUR = "hour"
#: number of earlier sessions of the same user (with or without a click; 0 for their first)
PREVIOUS_SESSIONS = "previous_sessions"
#: number of earlier sessions of the same user that had a purchase
PREVIOUS_CONVERSIONS = "previous_conversions"
#: the label: 1 if the session has at least one purchase
CONVERTED = "converted"
#: count columns: events of each type in the session up to (and including) its first click
SESSION_COUNT_COLUMNS = {C.SEARCH: "n_searches", C.IMPRESSION: "n_impressions"}


def session_conversion_table(events: pd.DataFrame, users: pd.DataFrame) -> pd.DataFrame:
    r"""Per session with a click: features known at its first click, and the conversion label.

    Taught in module 02 (logistic_regression).

    Parameters
    ----------
    events : the shop's event log (``load_shop().events`` or ``shipped_shop().tables.events``)
    users : the users table (for ``device``)

    Returns
    -------
    DataFrame, one row per session with at least one click, sorted by session start (ties by
    session id), index 0..n-1:

    * ``session_id``, ``user_id``, ``session_start`` (first event), ``decision_time`` (first click);
    * ``n_searches``, ``n_impressions`` (int64): events of that type in the session at or before
      the first click; ``seconds_to_first_click`` (float);
    * ``device`` (the user's device), ``hour`` (0–23, of ``session_start``);
    * ``previous_sessions``, ``previous_conversions`` (int64): the user's earlier sessions (all of
      them, also those without a click) and how many of them had a purchase;
    * ``converted`` (int64): 1 if the session has at least one purchase.

    Vectorised (group-bys, no Python loop over sessions or events).
    """
    missing = [c for c in (C.USER_ID, C.SESSION_ID, C.TIMESTAMP, C.EVENT_TYPE) if c not in events.columns]
    if missing:
        raise ValueError(f"events lacks the column(s) {missing}")
    etype = events[C.EVENT_TYPE].astype(object).to_numpy()
    sid = events[C.SESSION_ID].to_numpy(dtype=np.int64)
    ts = events[C.TIMESTAMP]

    g = events.groupby(sid, sort=True)
    sessions = pd.DataFrame({C.USER_ID: g[C.USER_ID].first().to_numpy(dtype=np.int64),
                             SESSION_START: g[C.TIMESTAMP].min().to_numpy()},
                            index=pd.Index(g.size().index.to_numpy(dtype=np.int64), name=C.SESSION_ID))
    purchased = np.unique(sid[etype == C.PURCHASE])
    sessions[CONVERTED] = np.isin(sessions.index.to_numpy(), purchased).astype(np.int64)

    # the user's history: all earlier sessions (sessions of a user never overlap)
    sessions = sessions.sort_values([SESSION_START], kind="stable")
    by_user = sessions.groupby(C.USER_ID)
    sessions[PREVIOUS_SESSIONS] = by_user.cumcount().astype(np.int64)
    sessions[PREVIOUS_CONVERSIONS] = (by_user[CONVERTED].cumsum() - sessions[CONVERTED]).astype(np.int64)

    # the decision moment: the first click; sessions without one get no row
    is_click = etype == C.CLICK
    first_click = ts[is_click].groupby(sid[is_click]).min()
    sessions[DECISION_TIME] = first_click.reindex(sessions.index).to_numpy()
    sessions = sessions[sessions[DECISION_TIME].notna()].copy()

    cut = sessions[DECISION_TIME].reindex(sid).to_numpy()      # NaT for sessions without a row
    known = ~np.isnat(cut) & (ts.to_numpy() <= cut)
    counted = np.isin(etype, list(SESSION_COUNT_COLUMNS)) & known
    counts = pd.crosstab(sid[counted], etype[counted]).reindex(
        index=sessions.index, columns=list(SESSION_COUNT_COLUMNS), fill_value=0)
    for event_type, column in SESSION_COUNT_COLUMNS.items():
        sessions[column] = counts[event_type].to_numpy(dtype=np.int64)
    sessions[SECONDS_TO_CLICK] = (sessions[DECISION_TIME] - sessions[SESSION_START]).dt.total_seconds()

    device = users.set_index(C.USER_ID)[C.DEVICE]
    sessions[C.DEVICE] = device.reindex(sessions[C.USER_ID].to_numpy()).to_numpy()
    if isinstance(users[C.DEVICE].dtype, pd.CategoricalDtype):
        sessions[C.DEVICE] = pd.Categorical(sessions[C.DEVICE], categories=users[C.DEVICE].cat.categories)
    sessions[HOUR] = sessions[SESSION_START].dt.hour.astype(np.int64)

    sessions = sessions.reset_index().sort_values([SESSION_START, C.SESSION_ID], kind="stable")
    columns = [C.SESSION_ID, C.USER_ID, SESSION_START, DECISION_TIME, *SESSION_COUNT_COLUMNS.values(),
               SECONDS_TO_CLICK, C.DEVICE, HOUR, PREVIOUS_SESSIONS, PREVIOUS_CONVERSIONS, CONVERTED]
    return sessions[columns].reset_index(drop=True)

r"""Browsing steps and next-click moments, read from the event log alone.

Taught in module 08 (embedding_lstm_recommender).

A **browsing step** is one result page: an optional search, then the list of impressions the shop
showed, then what the shopper did with it (clicks, favourites, carts, purchases). ShopSim logs all
impressions of a list at one timestamp, right after the step's search, so a step can be read off
the log without the generator's truth:

* a new step starts at a search, at the first event of a session, and at an impression that does
  not continue the list before it (same session, and either the same timestamp as the previous
  impression or right after the step's search);
* every other event (click, favourite, add-to-cart, purchase) belongs to the current step.

A log without any impression (e.g. a real clickstream) has no lists; there every click opens a
step of its own, so every click is a moment to predict.

A **next-click moment** is a step, not the first of its session, that has at least one click: the
moment just before it (its ``cutoff`` is the time of its first event) and its ``target``, the first
click. ``last_moment_per_user`` keeps each user's last one; on a ShopSim log it reproduces
``recsys_lib.simulation.oracle.next_click_cases`` exactly (a test checks), which is what lets a
model pick its hyper-parameters on *earlier* moments of the training log (the validation split)
with the same definition as the held-out cases.

Everything is vectorised (no Python loop over events, steps or users).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = ["STEP", "STEP_IN_SESSION", "CUTOFF", "TARGET_ITEM_ID", "sort_events", "browsing_steps",
           "step_table", "next_click_moments", "last_moment_per_user"]

#: column of the step number (increasing along each user's log; unique over the table)
STEP = "step"
#: 0-based rank of a step in its session
STEP_IN_SESSION = "step_in_session"
#: the moment of a next-click case (the first event of the target step): history is strictly before
CUTOFF = "cutoff"
#: the first click of the target step
TARGET_ITEM_ID = "target_item_id"

_NEEDED = (C.USER_ID, C.SESSION_ID, C.TIMESTAMP, C.EVENT_TYPE, C.ITEM_ID)


def _require(events: pd.DataFrame, cols=_NEEDED) -> None:
    if not isinstance(events, pd.DataFrame):
        raise TypeError(f"events must be a pandas DataFrame; got {type(events).__name__}")
    missing = [c for c in cols if c not in events.columns]
    if missing:
        raise KeyError(f"events is missing the column(s) {missing}; it has {list(events.columns)}")


def sort_events(events: pd.DataFrame) -> pd.DataFrame:
    """The events sorted by user, then time, then event type in funnel order (search, impression,
    click, favourite, cart, purchase), then position -- the generator's own order, so simultaneous
    impressions of one list stay in slot order. Index kept; ties beyond that keep the log's order.

    ShopSim's log is already in this order (then this is a cheap check and no copy is made).
    Taught in module 08 (embedding_lstm_recommender).
    """
    _require(events, (C.USER_ID, C.TIMESTAMP))
    users = events[C.USER_ID].to_numpy()
    times = events[C.TIMESTAMP].to_numpy()
    if len(events) < 2:
        return events
    ordered = (users[1:] > users[:-1]) | ((users[1:] == users[:-1]) & (times[1:] >= times[:-1]))
    if bool(ordered.all()):
        return events
    keys = [users, times]
    if C.EVENT_TYPE in events.columns:
        codes = pd.Index(C.EVENT_TYPES).get_indexer(events[C.EVENT_TYPE].astype(object).to_numpy())
        keys.append(codes)
    if C.POSITION in events.columns:
        keys.append(events[C.POSITION].to_numpy(dtype=np.float64, na_value=-1.0))
    order = np.lexsort(tuple(reversed(keys)))
    return events.iloc[order]


def browsing_steps(events: pd.DataFrame) -> np.ndarray:
    """The step number of every event (int64, aligned with the rows of ``events``, which must be
    sorted by user then time: see :func:`sort_events`). Steps are numbered 0, 1, ... in log order.

    Taught in module 08 (embedding_lstm_recommender).
    """
    _require(events)
    if len(events) == 0:
        return np.empty(0, dtype=np.int64)
    etype = events[C.EVENT_TYPE].astype(object).to_numpy()
    session = events[C.SESSION_ID].to_numpy()
    user = events[C.USER_ID].to_numpy()
    ts = events[C.TIMESTAMP].to_numpy()
    is_search = etype == C.SEARCH
    is_imp = etype == C.IMPRESSION
    same = np.r_[False, (session[1:] == session[:-1]) & (user[1:] == user[:-1])]
    if is_imp.any():
        continues = same & (np.r_[False, is_imp[:-1] & (ts[1:] == ts[:-1])] | np.r_[False, is_search[:-1]])
        new = is_search | (is_imp & ~continues) | ~same
    else:                               # a clickstream without lists: every click opens a step
        new = is_search | (etype == C.CLICK) | ~same
    return (np.cumsum(new) - 1).astype(np.int64)


def step_table(events: pd.DataFrame, steps: np.ndarray | None = None) -> pd.DataFrame:
    """One row per browsing step: ``step``, ``user_id``, ``session_id``, ``step_in_session``,
    ``cutoff`` (its first event's time) and ``target_item_id`` (its first click, 0 if none), in
    step order. ``events`` sorted by user then time; ``steps`` from :func:`browsing_steps`.

    Taught in module 08 (embedding_lstm_recommender).
    """
    steps = browsing_steps(events) if steps is None else np.asarray(steps, dtype=np.int64)
    if steps.shape != (len(events),):
        raise ValueError(f"steps must have one entry per event ({len(events)}); got shape {steps.shape}")
    first = np.r_[True, steps[1:] != steps[:-1]] if steps.size else np.zeros(0, dtype=bool)
    session = events[C.SESSION_ID].to_numpy()[first]
    table = pd.DataFrame({
        STEP: steps[first],
        C.USER_ID: events[C.USER_ID].to_numpy()[first],
        C.SESSION_ID: session,
        CUTOFF: events[C.TIMESTAMP].to_numpy()[first],
    })
    new_session = np.r_[True, session[1:] != session[:-1]] if session.size else np.zeros(0, dtype=bool)
    run_start = np.maximum.accumulate(np.where(new_session, np.arange(session.size), 0)) if session.size else session
    table[STEP_IN_SESSION] = (np.arange(session.size) - run_start).astype(np.int64)
    is_click = (events[C.EVENT_TYPE] == C.CLICK).to_numpy()
    click_steps = steps[is_click]
    target = np.zeros(len(table), dtype=np.int64)
    if click_steps.size:
        first_click = np.r_[True, click_steps[1:] != click_steps[:-1]]
        items = events[C.ITEM_ID].to_numpy()[is_click][first_click]
        target[np.searchsorted(table[STEP].to_numpy(), click_steps[first_click])] = np.asarray(items, dtype=np.int64)
    table[TARGET_ITEM_ID] = target
    return table


def next_click_moments(events: pd.DataFrame) -> pd.DataFrame:
    """Every next-click moment of a log: the steps that are not the first of their session and
    have a click. Columns of :func:`step_table` (``target_item_id`` > 0), in step order.

    Taught in module 08 (embedding_lstm_recommender).
    """
    events = sort_events(events)
    table = step_table(events)
    keep = (table[STEP_IN_SESSION].to_numpy() > 0) & (table[TARGET_ITEM_ID].to_numpy() > 0)
    return table[keep].reset_index(drop=True)


def last_moment_per_user(moments: pd.DataFrame) -> pd.DataFrame:
    """Each user's last next-click moment (the leave-last-out case), sorted by user.

    On the full ShopSim log, ``last_moment_per_user(next_click_moments(events))`` has the users,
    sessions, cutoffs and targets of ``next_click_cases(shop)``; on the training part of a
    leave-last-out split it gives each user's previous moment: a validation case of *earlier* data.

    Taught in module 08 (embedding_lstm_recommender).
    """
    for col in (STEP, C.USER_ID):
        if col not in moments.columns:
            raise KeyError(f"moments is missing the column {col!r}; use next_click_moments(events)")
    last = moments.sort_values(STEP, kind="stable").groupby(C.USER_ID, sort=True).tail(1)
    return last.sort_values(C.USER_ID, kind="stable").reset_index(drop=True)

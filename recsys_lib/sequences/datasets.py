r"""Sequence datasets: fixed-length windows of the token stream, for training and for predicting.

Taught in module 08 (embedding_lstm_recommender).

Three kinds of window, all cut from the flat token stream of :func:`recsys_lib.sequences.event_tokens`
(ids from a fitted :class:`~recsys_lib.sequences.Vocabulary`) by :func:`~recsys_lib.sequences.history_windows`:

* **before a step** (:func:`windows_before_steps`): everything the user did strictly before the step
  starts -- the input for predicting that step's clicks (next item);
* **at the end** (:func:`windows_at_end`): the user's whole stream -- the input for recommending
  now (after the last event of the log given);
* **through a session's first click** (:func:`windows_through_first_click`): the history up to and
  including that click -- the input for predicting whether the session will convert.

:func:`next_item_examples` turns a log into training pairs (window before a step, an item clicked
on that step). Everything is vectorised.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.sequences.steps import STEP, STEP_IN_SESSION, browsing_steps, sort_events, step_table
from recsys_lib.sequences.tokens import ITEM_PREFIX, SLOT, TOKEN
from recsys_lib.sequences.windows import history_windows, window_bounds

__all__ = ["NextItemExamples", "windows_before_steps", "windows_at_end", "windows_through_first_click",
           "next_item_examples", "split_at_moments"]


def _user_codes(stream_users: np.ndarray, query_users) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of the stream's users (sorted ids) and of the query users (-1 when absent)."""
    known = pd.Index(pd.unique(np.asarray(stream_users)))
    stream = known.get_indexer(np.asarray(stream_users))
    query = known.get_indexer(np.asarray(query_users))
    return stream.astype(np.int64), query.astype(np.int64)


def _check_stream(tokens: pd.DataFrame, ids) -> np.ndarray:
    for col in (C.USER_ID, SLOT, TOKEN):
        if col not in tokens.columns:
            raise KeyError(f"tokens is missing the column {col!r}; make it with recsys_lib.sequences.event_tokens")
    ids = np.asarray(ids, dtype=np.int64)
    if ids.shape != (len(tokens),):
        raise ValueError(f"ids must hold one id per token ({len(tokens)}); got shape {ids.shape}")
    return ids


def _gather(ids, stream_users, keys, query_users, query_keys, max_len) -> tuple[np.ndarray, np.ndarray]:
    s_codes, q_codes = _user_codes(stream_users, query_users)
    absent = q_codes < 0
    starts, ends = window_bounds(s_codes, keys, np.where(absent, 0, q_codes), query_keys)
    starts[absent], ends[absent] = 0, 0
    return history_windows(ids, starts, ends, max_len), ends - starts


def windows_before_steps(tokens: pd.DataFrame, ids, users, steps, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, n_history)``: for each (user, step), the user's last ``max_len`` token ids strictly before
    the step (a ``<session>`` token opening the step's session included), left-padded with 0, and the
    number of tokens before it. Taught in module 08 (embedding_lstm_recommender)."""
    ids = _check_stream(tokens, ids)
    steps = np.asarray(steps, dtype=np.int64)
    return _gather(ids, tokens[C.USER_ID].to_numpy(), tokens[SLOT].to_numpy(dtype=np.int64),
                   np.asarray(users), 2 * steps + 1, max_len)


def windows_at_end(tokens: pd.DataFrame, ids, users, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, n_history)``: each user's last ``max_len`` token ids (the whole stream given), left-padded;
    users without tokens get a row of padding and ``n_history`` 0. Taught in module 08."""
    ids = _check_stream(tokens, ids)
    keys = tokens[SLOT].to_numpy(dtype=np.int64)
    beyond = int(keys.max()) + 1 if keys.size else 1
    users = np.asarray(users)
    return _gather(ids, tokens[C.USER_ID].to_numpy(), keys, users, np.full(users.shape, beyond), max_len)


def windows_through_first_click(tokens: pd.DataFrame, ids, sessions, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """``(X, found)``: for each session id, the user's last ``max_len`` token ids up to and including
    the session's first click token (``found`` is False, and the row padding, for a session without
    a click in ``tokens``). Taught in module 08 (embedding_lstm_recommender)."""
    ids = _check_stream(tokens, ids)
    sessions = np.asarray(sessions)
    is_click = tokens[TOKEN].astype(str).str.startswith(ITEM_PREFIX).to_numpy()
    pos = np.flatnonzero(is_click)
    first = pd.Series(pos, index=tokens[C.SESSION_ID].to_numpy()[pos])
    first = first[~first.index.duplicated(keep="first")]
    at = first.reindex(sessions).to_numpy(dtype=np.float64)
    found = ~np.isnan(at)
    ends = np.where(found, np.nan_to_num(at) + 1, 0).astype(np.int64)      # the click itself included
    codes, _ = _user_codes(tokens[C.USER_ID].to_numpy(), [])
    user_start = np.searchsorted(codes, codes, side="left")                # codes increase along the stream
    starts = np.where(found, user_start[np.maximum(ends - 1, 0)] if codes.size else 0, 0).astype(np.int64)
    return history_windows(ids, starts, ends, max_len), found


@dataclass(frozen=True)
class NextItemExamples:
    """Training pairs for the next-item head: ``X`` (n, max_len) windows, ``y`` (n,) item columns,
    and for each pair its ``user``, ``step``, ``step_in_session`` and ``first_click`` (True for the
    step's first click, the kind of target the held-out cases have)."""

    X: np.ndarray
    y: np.ndarray
    user: np.ndarray
    step: np.ndarray
    step_in_session: np.ndarray
    first_click: np.ndarray

    def __len__(self) -> int:
        return int(self.y.size)

    def subset(self, mask) -> "NextItemExamples":
        """The pairs where ``mask`` is True."""
        m = np.asarray(mask, dtype=bool)
        return NextItemExamples(self.X[m], self.y[m], self.user[m], self.step[m], self.step_in_session[m],
                                self.first_click[m])


def next_item_examples(events: pd.DataFrame, tokens: pd.DataFrame, ids, item_ids, max_len: int, *,
                       all_clicks: bool = True, first_steps: bool = False) -> NextItemExamples:
    """Every (history before a step, item clicked on that step) pair of a log.

    Parameters
    ----------
    events : the log ``tokens`` was made from
    tokens, ids : its token stream and the tokens' vocabulary ids
    item_ids : the catalogue: the label of a click is the position of its item in ``item_ids``
        (clicks on other items are dropped)
    max_len : window length
    all_clicks : one pair per click of the step (True) or only for its first click
    first_steps : also steps that open a session (their history ends with ``<session>``)

    Taught in module 08 (embedding_lstm_recommender).
    """
    ids = _check_stream(tokens, ids)
    ev = sort_events(events)
    steps = browsing_steps(ev)
    table = step_table(ev, steps).set_index(STEP)
    is_click = (ev[C.EVENT_TYPE] == C.CLICK).to_numpy()
    click_step = steps[is_click]
    click_item = np.asarray(ev[C.ITEM_ID].to_numpy()[is_click], dtype=np.int64)
    first = np.r_[True, click_step[1:] != click_step[:-1]] if click_step.size else np.zeros(0, dtype=bool)
    col = pd.Index(np.asarray(item_ids)).get_indexer(click_item)
    keep = col >= 0
    if not all_clicks:
        keep &= first
    in_session = table[STEP_IN_SESSION].reindex(click_step).to_numpy()
    if not first_steps:
        keep &= in_session > 0
    users = table[C.USER_ID].reindex(click_step[keep]).to_numpy()
    X, _ = windows_before_steps(tokens, ids, users, click_step[keep], max_len)
    return NextItemExamples(X=X, y=col[keep].astype(np.int64), user=users, step=click_step[keep],
                            step_in_session=in_session[keep].astype(np.int64), first_click=first[keep])


def split_at_moments(examples: NextItemExamples, moments: pd.DataFrame) -> tuple[NextItemExamples, NextItemExamples]:
    """``(train, validation)`` pairs for a validation split of earlier data: ``moments`` holds one step
    per user (e.g. :func:`recsys_lib.sequences.last_moment_per_user` of the training log); the
    validation pairs are the first clicks of those steps, the training pairs every pair of the user
    *before* that step (users without a moment keep all their pairs).

    Taught in module 08 (embedding_lstm_recommender).
    """
    for col in (C.USER_ID, STEP):
        if col not in moments.columns:
            raise KeyError(f"moments is missing the column {col!r}")
    limit = pd.Series(moments[STEP].to_numpy(dtype=np.int64), index=moments[C.USER_ID].to_numpy())
    if limit.index.has_duplicates:
        raise ValueError("moments must hold at most one step per user")
    at = limit.reindex(examples.user).to_numpy(dtype=np.float64)
    at = np.where(np.isnan(at), np.iinfo(np.int64).max, at).astype(np.int64)
    return examples.subset(examples.step < at), examples.subset((examples.step == at) & examples.first_click)

r"""From the event log to token sequences: what a sequence model reads about each shopper.

Taught in module 08 (embedding_lstm_recommender).

Each user's log, in time order, becomes a stream of **tokens** (strings, turned into integer ids
by :class:`recsys_lib.sequences.Vocabulary`):

=====================  =========================================================================
token                  emitted for
=====================  =========================================================================
``<session>``          the start of each session (so the model knows a new visit began)
``item:<item_id>``     each click, e.g. ``item:731``
``<favorite>``,        each favourite / add-to-cart / purchase (they follow the click of the same
``<add_to_cart>``,     item, so the item is not repeated)
``<purchase>``
``list:<category>``    each browsing step with impressions: the category of the list the shop
                       showed, e.g. ``list:electronics/phones`` (needs the ``items`` table)
=====================  =========================================================================

The ``list:`` token of a step is placed **after** what the shopper did on that page. The category of
a list is known the moment it is shown (its impressions are logged at the step's start), so placing
it at the step's end never uses the future; it puts the newest context -- the list just seen -- last
in the sequence, where a recurrent model reads it most directly. (Module 08 compares the
placements on validation data.) Searches are not tokens: the list that follows names the category.

Everything is vectorised; the stream is sorted by user, then step, then order within the step.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.sequences.steps import STEP, browsing_steps, sort_events

__all__ = ["TOKEN", "SLOT", "EVENT_ROW", "SESSION_TOKEN", "ITEM_PREFIX", "LIST_PREFIX", "ACTION_TOKENS",
           "event_tokens", "item_token", "token_items", "user_sequences"]

#: column holding the token string
TOKEN = "token"
#: ``2 * step`` for a session token, ``2 * step + 1`` for the step's other tokens: a model predicting
#: step ``s`` may read every token with ``slot < 2 * s + 1`` (the history strictly before the step)
SLOT = "slot"
#: position (0-based) in the sorted events table of the event a token comes from (-1: session token)
EVENT_ROW = "event_row"

SESSION_TOKEN = "<session>"
ITEM_PREFIX = "item:"
LIST_PREFIX = "list:"
ACTION_TOKENS = {C.FAVORITE: "<favorite>", C.ADD_TO_CART: "<add_to_cart>", C.PURCHASE: "<purchase>"}


def item_token(item_ids) -> np.ndarray:
    """``item:<id>`` token strings for item ids (array of str objects). Taught in module 08."""
    ids = np.asarray(item_ids)
    if ids.dtype.kind == "f":
        ids = ids.astype(np.int64)
    return np.asarray(ITEM_PREFIX + pd.Series(ids.ravel()).astype(str), dtype=object).reshape(ids.shape)


def token_items(tokens) -> np.ndarray:
    """The item id of each ``item:<id>`` token (int64), -1 for every other token. Taught in module 08."""
    s = pd.Series(np.asarray(tokens, dtype=object).ravel()).astype(str)
    is_item = s.str.startswith(ITEM_PREFIX).to_numpy()
    out = np.full(len(s), -1, dtype=np.int64)
    if is_item.any():
        out[is_item] = s[is_item].str.slice(len(ITEM_PREFIX)).astype(np.int64).to_numpy()
    return out


def _category_of(items: pd.DataFrame) -> pd.Series:
    for col in (C.ITEM_ID, C.CATEGORY):
        if col not in items.columns:
            raise KeyError(f"items is missing the column {col!r}; it has {list(items.columns)}")
    return pd.Series(items[C.CATEGORY].astype(str).to_numpy(), index=items[C.ITEM_ID].to_numpy(dtype=np.int64))


def event_tokens(events: pd.DataFrame, items: pd.DataFrame | None = None, *, lists: bool = True,
                 actions: bool = True, sessions: bool = True, list_position: str = "end") -> pd.DataFrame:
    r"""The token stream of every user (see the module docstring for the tokens).

    Parameters
    ----------
    events : the event log (any order; it is sorted by user, then time, stably)
    items : the items table (``C.ITEM_ID``, ``C.CATEGORY``); needed for ``list:`` tokens
    lists, actions, sessions : emit the ``list:``, action and ``<session>`` tokens
    list_position : ``"end"`` (default: after the step's clicks and actions) or ``"start"`` (before
        them, at the time the list is shown)

    Returns
    -------
    DataFrame with ``user_id``, ``session_id``, ``step``, ``slot``, ``timestamp`` (of the source
    event; a ``list:`` token at the end of its step carries the step's last event time), ``token``
    and ``event_row``; sorted by user, then ``slot``, then order within the step. Index 0..n-1.

    Taught in module 08 (embedding_lstm_recommender).
    """
    if list_position not in ("end", "start"):
        raise ValueError(f"list_position must be 'end' or 'start'; got {list_position!r}")
    ev = sort_events(events)
    steps = browsing_steps(ev)
    n = len(ev)
    etype = ev[C.EVENT_TYPE].astype(object).to_numpy()
    user = ev[C.USER_ID].to_numpy()
    session = ev[C.SESSION_ID].to_numpy()
    ts = ev[C.TIMESTAMP].to_numpy()
    pos = np.arange(n, dtype=np.int64)

    parts = []                                   # (event positions, token strings, within-step key)
    is_click = etype == C.CLICK
    click_pos = pos[is_click]
    parts.append((click_pos, item_token(ev[C.ITEM_ID].to_numpy()[is_click]), click_pos, ts[is_click]))
    if actions:
        for etype_name, token in ACTION_TOKENS.items():
            sel = pos[etype == etype_name]
            parts.append((sel, np.full(sel.size, token, dtype=object), sel, ts[sel]))
    if lists:
        if items is None:
            raise ValueError("list tokens need the items table (item categories); pass items=... or lists=False")
        is_imp = etype == C.IMPRESSION
        first_imp = is_imp & np.r_[True, ~(is_imp[:-1] & (steps[1:] == steps[:-1]))] if n else is_imp
        sel = pos[first_imp]
        category = _category_of(items).reindex(ev[C.ITEM_ID].to_numpy()[sel].astype(np.int64)).to_numpy()
        if pd.isna(category).any():
            bad = ev[C.ITEM_ID].to_numpy()[sel][pd.isna(category)][:5].tolist()
            raise ValueError(f"impressions of item(s) {bad} have no row in the items table")
        if list_position == "end":
            step_end = np.r_[steps[1:] != steps[:-1], True] if n else np.zeros(0, dtype=bool)
            last_ts = pd.Series(ts[step_end], index=steps[step_end])
            key, when = np.full(sel.size, n, dtype=np.int64), last_ts.reindex(steps[sel]).to_numpy()
        else:
            key, when = sel - 1, ts[sel]        # before the step's clicks (after its search)
        parts.append((sel, np.asarray(LIST_PREFIX + pd.Series(category, dtype=object), dtype=object), key, when))

    src = np.concatenate([p[0] for p in parts]) if parts else np.empty(0, np.int64)
    tok = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, object)
    within = np.concatenate([p[2] for p in parts]) if parts else np.empty(0, np.int64)
    when = np.concatenate([p[3] for p in parts]) if parts else np.empty(0, "datetime64[ns]")
    slot = 2 * steps[src] + 1
    if sessions and n:
        first = np.flatnonzero(np.r_[True, (session[1:] != session[:-1]) | (user[1:] != user[:-1])])
        src = np.concatenate([first, src])
        tok = np.concatenate([np.full(first.size, SESSION_TOKEN, dtype=object), tok])
        within = np.concatenate([first, within])
        when = np.concatenate([ts[first], when])
        slot = np.concatenate([2 * steps[first], slot])
    order = np.lexsort((within, slot))
    src, slot = src[order], slot[order]
    out = pd.DataFrame({
        C.USER_ID: user[src],
        C.SESSION_ID: session[src],
        STEP: slot // 2,
        SLOT: slot,
        C.TIMESTAMP: when[order],
        TOKEN: pd.array(tok[order], dtype=object),
        EVENT_ROW: np.where(slot % 2 == 0, -1, src),
    })
    return out


def user_sequences(tokens: pd.DataFrame, users=None) -> pd.Series:
    """Each user's whole token stream as a list of strings, oldest first (a Series indexed by user
    id; ``users`` selects and orders them, users without tokens get an empty list).

    Taught in module 08 (embedding_lstm_recommender).
    """
    grouped = tokens.groupby(C.USER_ID, sort=True)[TOKEN].agg(list)
    if users is not None:
        grouped = grouped.reindex(pd.Index(np.asarray(users), name=C.USER_ID))
        grouped = grouped.apply(lambda v: v if isinstance(v, list) else [])
    grouped.name = TOKEN
    return grouped

"""The user x item interaction matrix of implicit feedback.

Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lib import columns as C

__all__ = ["interaction_matrix", "DEFAULT_INTERACTION_TYPES"]

#: Event types that count as positive implicit feedback by default (searches have no item,
#: impressions are exposure, not interest).
DEFAULT_INTERACTION_TYPES = (C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)


def _index_ids(values: np.ndarray, vocabulary, what: str, unknown: str):
    """Map ``values`` onto positions in ``vocabulary`` (sorted unique ids if None).

    Returns ``(codes, vocabulary)``; codes are -1 for unknown ids when ``unknown == "ignore"``.
    """
    if vocabulary is None:
        vocab, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64), vocab
    vocab = np.asarray(vocabulary)
    if vocab.ndim != 1:
        raise ValueError(f"{what} must be a 1-D sequence of ids; got shape {vocab.shape}")
    if vocab.size and not np.issubdtype(vocab.dtype, np.integer):
        raise TypeError(f"{what} must hold integer ids; got dtype {vocab.dtype}")
    vocab = vocab.astype(np.int64)
    order = np.argsort(vocab, kind="stable")
    sorted_vocab = vocab[order]
    if sorted_vocab.size > 1 and (sorted_vocab[1:] == sorted_vocab[:-1]).any():
        dup = sorted_vocab[1:][sorted_vocab[1:] == sorted_vocab[:-1]][0]
        raise ValueError(f"{what} contains the id {dup} more than once")
    pos = np.searchsorted(sorted_vocab, values)
    pos_clipped = np.minimum(pos, max(sorted_vocab.size - 1, 0))
    found = (pos < sorted_vocab.size) & (sorted_vocab[pos_clipped] == values) if sorted_vocab.size else np.zeros(values.shape, bool)
    if not found.all():
        missing = np.unique(values[~found])
        if unknown == "raise":
            raise ValueError(
                f"{missing.size} id(s) in the events are not in the given {what} "
                f"(first: {missing[:5].tolist()}); pass unknown='ignore' to drop those events"
            )
    codes = np.where(found, order[pos_clipped] if sorted_vocab.size else -1, -1)
    return codes.astype(np.int64), vocab


def interaction_matrix(
    events: pd.DataFrame,
    event_types=DEFAULT_INTERACTION_TYPES,
    weights: Mapping[str, float] | None = None,
    users=None,
    items=None,
    *,
    binary: bool = False,
    unknown: str = "raise",
    dtype=np.float64,
):
    r"""Build the sparse user x item matrix of implicit feedback from an events table.

    .. math::

        X_{ui} = \sum_{e \in E:\ u_e = u,\ i_e = i,\ \mathrm{type}_e \in T} w_{\mathrm{type}_e}

    i.e. entry :math:`(u, i)` sums the weights of user :math:`u`'s events on item :math:`i` whose
    type is in ``event_types``. With ``binary=True`` the entry is :math:`[X_{ui} > 0]`.

    Parameters
    ----------
    events
        events table with the columns ``C.USER_ID``, ``C.ITEM_ID`` and ``C.EVENT_TYPE``.
    event_types
        event types that count (default: click, favorite, add_to_cart, purchase). ``None`` keeps
        every event that has an item. ``search`` has no item and is rejected.
    weights
        optional mapping event type -> weight (e.g. ``{"click": 1, "purchase": 5}``); types not
        in the mapping weigh 1. ``None``: every event weighs 1 (the entry counts events).
    users, items
        optional id vocabularies fixing the rows / columns and their order (e.g. the whole
        catalogue, so that items nobody touched get an all-zero column). ``None``: the sorted
        unique ids present in the selected events.
    binary
        store 1.0 for every nonzero entry instead of the summed weight.
    unknown
        what to do with events whose user or item is not in ``users`` / ``items``:
        ``"raise"`` (default) or ``"ignore"`` (drop them).
    dtype
        dtype of the matrix values.

    Returns
    -------
    (X, user_ids, item_ids)
        ``X`` a ``scipy.sparse.csr_matrix`` of shape ``(len(user_ids), len(item_ids))``; row
        ``r`` belongs to user ``user_ids[r]``, column ``c`` to item ``item_ids[c]``.

    Taught in module 04 (knn_collaborative_filtering).
    """
    for col in (C.USER_ID, C.ITEM_ID, C.EVENT_TYPE):
        if col not in events.columns:
            raise KeyError(f"events is missing the column {col!r}; it has {list(events.columns)}")
    if unknown not in ("raise", "ignore"):
        raise ValueError(f"unknown must be 'raise' or 'ignore'; got {unknown!r}")

    etype = events[C.EVENT_TYPE]
    if event_types is None:
        mask = np.ones(len(events), dtype=bool)
    else:
        if isinstance(event_types, str):
            event_types = (event_types,)
        event_types = tuple(event_types)
        bad = [t for t in event_types if t not in C.EVENT_TYPES]
        if bad:
            raise ValueError(f"unknown event type(s) {bad}; valid types are {C.EVENT_TYPES}")
        if C.SEARCH in event_types:
            raise ValueError("search events have no item and cannot enter the interaction matrix")
        mask = etype.isin(event_types).to_numpy()
    item_col = events[C.ITEM_ID]
    has_item = item_col.notna().to_numpy()
    if event_types is not None and (mask & ~has_item).any():
        n_bad = int((mask & ~has_item).sum())
        raise ValueError(f"{n_bad} event(s) of the selected types have a missing {C.ITEM_ID}")
    mask = mask & has_item

    sel = events.loc[mask]
    u = sel[C.USER_ID].to_numpy(dtype=np.int64)
    i = sel[C.ITEM_ID].to_numpy(dtype=np.int64)
    if weights is None:
        w = np.ones(len(sel), dtype=np.float64)
    else:
        if not isinstance(weights, Mapping):
            raise TypeError(f"weights must be a mapping event type -> weight; got {type(weights).__name__}")
        bad = [t for t in weights if t not in C.EVENT_TYPES]
        if bad:
            raise ValueError(f"weights has unknown event type(s) {bad}; valid types are {C.EVENT_TYPES}")
        w = sel[C.EVENT_TYPE].astype(object).map(dict(weights)).fillna(1.0).to_numpy(dtype=np.float64)
        if (w < 0).any():
            raise ValueError("weights must be non-negative")

    rows, user_ids = _index_ids(u, users, "users", unknown)
    cols, item_ids = _index_ids(i, items, "items", unknown)
    keep = (rows >= 0) & (cols >= 0)
    X = sp.csr_matrix(
        (w[keep], (rows[keep], cols[keep])), shape=(user_ids.size, item_ids.size), dtype=dtype
    )
    X.sum_duplicates()
    X.eliminate_zeros()
    if binary:
        X.data[:] = 1
    return X, user_ids, item_ids

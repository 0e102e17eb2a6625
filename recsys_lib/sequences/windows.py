r"""Padding, masking and leakage-free history windows: the fixed-size inputs of a sequence model.

Taught in module 08 (embedding_lstm_recommender).

A Keras ``Input(shape=(max_len,))`` takes every sequence at the same length :math:`L`. Sequences
are **left-padded** with the padding id 0 and **truncated to their last** :math:`L` ids, so the
newest token is always in the last column (where the LSTM's final state reads it) and

.. math::

    \text{mask}_{r,j} = [\,X_{r,j} \ne 0\,]

tells the layers which positions are real (``Embedding(..., mask_zero=True)`` computes this mask
and the LSTM skips the masked steps).

A *history window* is the input for one prediction: the last :math:`L` tokens of **that user**
strictly **before** the moment predicted. With the token stream of all users stored as one flat,
sorted array of ids, the window of prediction :math:`r` is the slice
``ids[max(start_r, end_r - L) : end_r]``, where ``start_r`` is the first position of the user's
stream and ``end_r`` the first position the model may not see. :func:`history_windows` gathers all
windows at once with one fancy-indexing operation.
"""
from __future__ import annotations

import numpy as np

from recsys_lib.features import pad_sequences
from recsys_lib.models.recommender_base import check_count
from recsys_lib.sequences.vocabulary import PAD

__all__ = ["left_pad", "padding_mask", "history_windows", "window_bounds"]


def left_pad(sequences, max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Left-pad integer id sequences with ``PAD`` (0) to ``max_len``, keeping each one's last
    ``max_len`` ids: ``(X, lengths)`` (int64 arrays ``(n, max_len)`` and ``(n,)``).

    The module-03 :func:`recsys_lib.features.pad_sequences` with the padding value 0 that
    ``mask_zero=True`` expects. Taught in module 08 (embedding_lstm_recommender).
    """
    max_len = check_count(max_len, "max_len")
    return pad_sequences(sequences, max_len=max_len, value=PAD)


def padding_mask(X) -> np.ndarray:
    """``X != PAD``: True where a position holds a real token. Taught in module 08."""
    return np.asarray(X) != PAD


def window_bounds(stream_users, stream_keys, query_users, query_keys) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, ends)`` of each query's history in a flat token stream sorted by (user, key).

    A query ``(u, k)`` may read the tokens of user ``u`` whose key is **strictly below** ``k``
    (e.g. key = the token's ``slot`` and ``k = 2 * step + 1`` for a prediction at the start of
    ``step``): ``starts`` is the first position of user ``u`` in the stream, ``ends`` one past the
    last readable position (``ends == starts``: no history). Vectorised: one ``searchsorted``.
    Taught in module 08 (embedding_lstm_recommender).
    """
    users = np.asarray(stream_users, dtype=np.int64)
    keys = np.asarray(stream_keys, dtype=np.int64)
    q_users = np.asarray(query_users, dtype=np.int64)
    q_keys = np.asarray(query_keys, dtype=np.int64)
    if users.shape != keys.shape or q_users.shape != q_keys.shape:
        raise ValueError("stream users/keys and query users/keys must have matching shapes")
    if users.size == 0:
        zero = np.zeros(q_users.shape, dtype=np.int64)
        return zero, zero.copy()
    base = int(min(keys.min(), q_keys.min(initial=keys.min())))
    span = int(max(keys.max(), q_keys.max(initial=keys.max()))) - base + 1
    encoded = users * span + (keys - base)           # (user, key) pairs as one sortable integer
    if (np.diff(encoded) < 0).any():
        raise ValueError("the token stream must be sorted by user, then key")
    starts = np.searchsorted(users, q_users, side="left")
    ends = np.searchsorted(encoded, q_users * span + (q_keys - base), side="left")
    return starts.astype(np.int64), np.maximum(ends, starts).astype(np.int64)


def history_windows(ids, starts, ends, max_len: int) -> np.ndarray:
    r"""The last ``max_len`` ids of ``ids[starts[r]:ends[r]]`` for every query ``r``, left-padded
    with ``PAD``: an int64 array ``(n_queries, max_len)``.

    ``X[r, j] = ids[ends[r] - max_len + j]`` when that position is ``>= starts[r]`` (inside the
    user's history), else 0. Vectorised: one gather for all queries.
    Taught in module 08 (embedding_lstm_recommender).
    """
    max_len = check_count(max_len, "max_len")
    ids = np.asarray(ids, dtype=np.int64)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    if starts.shape != ends.shape or starts.ndim != 1:
        raise ValueError(f"starts and ends must be 1-D of equal length; got {starts.shape} and {ends.shape}")
    if (ends < starts).any() or (ends > ids.size).any() or (starts < 0).any():
        raise ValueError("need 0 <= starts <= ends <= len(ids) for every query")
    pos = ends[:, None] - max_len + np.arange(max_len)[None, :]
    inside = pos >= starts[:, None]
    if ids.size == 0:
        return np.zeros((starts.size, max_len), dtype=np.int64)
    return np.where(inside, ids[np.clip(pos, 0, ids.size - 1)], PAD).astype(np.int64)

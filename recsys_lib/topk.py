r"""Top-K selection: the ``k`` best-scored columns of every row, deterministically.

The one top-K function of the course: the recommenders (module 04 on), the oracle and the
evaluation helpers all rank with it, so ties are broken the same way everywhere.

Taught in module 04 (knn_collaborative_filtering).
"""
from __future__ import annotations

import numpy as np

__all__ = ["top_k", "check_positive_int"]


def check_positive_int(value, name: str) -> None:
    """Raise ``ValueError`` unless ``value`` is an integer >= 1 (``bool`` is not accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


def top_k(scores, k: int, valid=None) -> np.ndarray:
    r"""Column indices of the ``k`` largest scores in each row of a dense array, best first.

    ``np.argpartition`` selects the ``k`` largest entries of every row in :math:`O(m)`, then only
    those ``k`` are sorted (:math:`O(k \log k)`) instead of a full :math:`O(m \log m)` sort. Ties
    are broken by column index (lower first), also at the selection boundary, so the result is
    deterministic. Entries that are NaN, ``-inf`` or ``False`` in ``valid`` are never selected; a
    row with fewer than ``k`` selectable entries is padded with ``-1``.

    Parameters
    ----------
    scores : array (n_rows, m)
    k : int >= 1
    valid : optional bool array (n_rows, m), False = not selectable

    Returns
    -------
    int64 array (n_rows, k)

    Taught in module 04 (knn_collaborative_filtering).
    """
    check_positive_int(k, "k")
    key = np.array(scores, dtype=np.float64)  # copy: we write -inf into it
    if key.ndim != 2:
        raise ValueError(f"scores must be 2-D (n_rows, n_items); got shape {key.shape}")
    n, m = key.shape
    key[np.isnan(key)] = -np.inf
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != key.shape:
            raise ValueError(f"valid has shape {valid.shape} but scores has shape {key.shape}")
        key[~valid] = -np.inf
    out = np.full((n, int(k)), -1, dtype=np.int64)
    kk = min(int(k), m)
    if n == 0 or kk == 0:
        return out
    if kk < m:
        cols = np.argpartition(-key, kk - 1, axis=1)[:, :kk]
        thr = np.take_along_axis(key, cols, axis=1).min(axis=1)[:, None]  # k-th largest value
        n_gt = (key > thr).sum(axis=1)
        n_eq = (key == thr).sum(axis=1)
        tied = n_gt + n_eq > kk  # the boundary value is shared with unselected entries
        if tied.any():
            sub, t = key[tied], thr[tied]
            eq = sub == t
            need = (kk - n_gt[tied])[:, None]
            sel = (sub > t) | (eq & (np.cumsum(eq, axis=1, dtype=np.int64) <= need))
            cols[tied] = np.nonzero(sel)[1].reshape(-1, kk)  # lowest indices among the ties
    else:
        cols = np.broadcast_to(np.arange(m, dtype=np.int64), (n, m)).copy()
    vals = np.take_along_axis(key, cols, axis=1)
    order = np.lexsort((cols, -vals), axis=-1)  # by value descending, then by index
    cols = np.take_along_axis(cols, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    cols[vals == -np.inf] = -1
    out[:, :kk] = cols
    return out

r"""Top-K recommenders for implicit feedback: popularity, item-based and user-based KNN.

Taught in module 04 (knn_collaborative_filtering).

All three follow the scikit-learn conventions (hyper-parameters in ``__init__``, learned state
with a trailing underscore, ``get_params`` / ``set_params`` / ``sklearn.base.clone`` work) and
share one interface::

    model.fit(interactions)                      # users x items, implicit feedback
    model.recommend(user_ids, k=10, exclude_seen=True)  # -> int array (n_users, k), best first

``interactions`` is either

* a 2-D scipy.sparse matrix (or dense array) of shape ``(n_users, n_items)`` with non-negative
  implicit-feedback weights (counts, ``recsys_lib.features.interaction_matrix``); users and items
  are then identified by their row / column index, or
* a pandas DataFrame with the columns ``C.USER_ID`` and ``C.ITEM_ID`` (one row per interaction,
  optionally a weight column named by ``fit(..., weight_col=...)``); the ids are mapped to
  row / column indices (``user_ids_`` / ``item_ids_`` hold the sorted ids, so row ``r`` is user
  ``user_ids_[r]``) and ``recommend`` takes and returns the original ids.

``recommend`` semantics, common to all models:

* the result has exactly ``k`` columns; a slot without a candidate holds ``-1`` (padding);
* a *candidate* is an item with a positive score (for KNN: at least one similar item / user
  supports it; for popularity: at least one interaction) that the user has not interacted with
  when ``exclude_seen=True``;
* ties are broken by item index (lower first), so results are deterministic;
* a user id not seen in ``fit`` (a cold-start user) gets the popularity ranking (no items are
  excluded, since the user has no history).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator

from recsys_lib import columns as C

__all__ = ["PopularityRecommender", "ItemKNNRecommender", "UserKNNRecommender", "top_k"]


# --------------------------------------------------------------------------------------------
# top-K selection
# --------------------------------------------------------------------------------------------
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
    _check_positive_int(k, "k")
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


def _rowwise_top(rows, cols, vals, k):
    """Select the ``k`` largest ``vals`` per row among sparse entries (row, col, val), vectorised.

    ``vals`` must be positive and finite; entries may come in any order. Returns ``(idx, rank)``:
    positions of the selected entries, ordered by row, then value descending, then column
    ascending (the deterministic tie-break), and their 0-based rank within the row.

    One ``argsort`` of an int64 key ``row << b | (bits of -val)``: the IEEE-754 bit pattern of a
    positive float, read as an integer, increases with the value, so its top bits (all that fit
    next to the row number) order the values. Entries that share a key (exact ties, or values
    equal in those top bits) are then re-sorted exactly by (value desc, column) -- only the
    groups that can reach the top ``k`` and are out of order, usually a tiny fraction.
    """
    if vals.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rows = rows.astype(np.int64, copy=False)
    kept = _prefilter(rows, vals, k)
    if kept is not None:
        idx, rank = _rowwise_top(rows[kept], cols[kept], vals[kept], k)
        return kept[idx], rank
    row_bits = max(1, int(rows.max()).bit_length())
    val_bits = 63 - row_bits
    q = vals.astype(np.float64, copy=False).view(np.int64) >> (63 - val_bits)
    key = (rows << val_bits) | (((1 << val_bits) - 1) - q)
    order = np.argsort(key, kind="stable")
    ks = key[order]
    rows_s = rows[order]
    new_row = np.ones(ks.size, dtype=bool)
    new_row[1:] = rows_s[1:] != rows_s[:-1]
    starts = np.flatnonzero(new_row)
    rank = np.arange(ks.size) - np.repeat(starts, np.diff(np.append(starts, ks.size)))
    # groups of equal keys that start inside the top k and are not in exact (value desc, col) order
    same = ks[1:] == ks[:-1]
    if same.any():
        vs, cs = vals[order], cols[order]
        wrong = same & ((vs[1:] > vs[:-1]) | ((vs[1:] == vs[:-1]) & (cs[1:] < cs[:-1])))
        new_group = np.ones(ks.size, dtype=bool)
        new_group[1:] = ~same
        group = np.cumsum(new_group) - 1
        group_rank = rank[np.flatnonzero(new_group)]  # rank of each group's first entry
        g = group[1:][wrong]
        g = g[group_rank[g] < k]
        if g.size:
            bad = np.zeros(group_rank.size, dtype=bool)
            bad[g] = True
            pos = np.flatnonzero(bad[group])  # contiguous runs, in sorted order
            sub = order[pos]
            order[pos] = sub[np.lexsort((cols[sub], -vals[sub], group[pos]))]
    sel = rank < k
    return order[sel], rank[sel]


def _prefilter(rows, vals, k, n_buckets=256):
    """Positions of the entries that can still be among the top ``k`` of their row, or None.

    A one-pass radix-select: each positive value goes to a coarse bucket (its float exponent and
    4 mantissa bits, so 16 buckets per factor of 2; the lowest bucket also collects everything
    smaller), a per-row histogram gives the highest bucket ``t_r`` with at least ``k`` entries
    at or above it, and only entries in buckets >= ``t_r`` are kept. Exact: every entry of the
    top ``k`` survives. Returns None when filtering would not pay (few entries per row).
    """
    n_rows = int(rows.max()) + 1
    if vals.size <= 4 * k * n_rows or n_rows * n_buckets > 50_000_000:
        return None
    b = vals.astype(np.float64, copy=False).view(np.int64) >> 48
    b = np.maximum(b - (int(b.max()) - (n_buckets - 1)), 0)  # 0 .. n_buckets-1, top = largest
    hist = np.bincount(rows * n_buckets + b, minlength=n_rows * n_buckets).reshape(n_rows, n_buckets)
    at_or_above = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # entries in buckets >= t
    thr = np.maximum((at_or_above >= k).sum(axis=1) - 1, 0)
    kept = np.flatnonzero(b >= thr[rows])
    return kept if kept.size < 0.8 * vals.size else None


def _top_k_csr(M: sp.csr_matrix, k: int) -> np.ndarray:
    """Top-``k`` column indices of each row of a sparse score matrix (only entries > 0), -1 padded."""
    M = M.tocsr()
    n = M.shape[0]
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(M.indptr))
    keep = M.data > 0
    rows, cols, vals = rows[keep], M.indices[keep].astype(np.int64), M.data[keep]
    idx, rank = _rowwise_top(rows, cols, vals, k)
    out = np.full((n, k), -1, dtype=np.int64)
    out[rows[idx], rank] = cols[idx]
    return out


def _fill_from_order(out, order, exclude_rows=None, exclude_cols=None):
    """Fill the -1 slots of ``out`` (n, k) row by row with the first items of the global ranking
    ``order`` that the row does not already hold and that are not excluded.

    ``out`` must hold its filled slots first (a prefix per row). ``exclude_rows`` /
    ``exclude_cols`` list excluded (row, item) pairs. Vectorised: only a prefix of ``order`` long
    enough for the row with the most exclusions is examined.
    """
    n, k = out.shape
    have = (out >= 0).sum(axis=1)
    need = k - have
    if n == 0 or not need.any() or order.size == 0:
        return out
    ex_r = np.repeat(np.arange(n), k)[out.ravel() >= 0]
    ex_c = out.ravel()[out.ravel() >= 0]
    if exclude_rows is not None:
        ex_r = np.concatenate([ex_r, exclude_rows])
        ex_c = np.concatenate([ex_c, exclude_cols])
    n_ex = np.bincount(ex_r, minlength=n)
    width = int(min(order.size, (need + n_ex).max()))
    pos = np.full(int(max(order.max(), ex_c.max(initial=0))) + 1, width, dtype=np.int64)
    pos[order[:width]] = np.arange(width)
    blocked = np.zeros((n, width + 1), dtype=bool)  # last column collects items beyond the prefix
    blocked[ex_r, pos[ex_c]] = True
    avail = ~blocked[:, :width]
    cum = np.cumsum(avail, axis=1)
    take = avail & (cum <= need[:, None])
    r, c = np.nonzero(take)
    out[r, have[r] + cum[r, c] - 1] = order[c]
    return out


def _check_positive_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}")


# --------------------------------------------------------------------------------------------
# cosine top-n neighbours in blocks
# --------------------------------------------------------------------------------------------
#: target number of co-occurrence entries per similarity block (bounds the memory of fit)
_BLOCK_ENTRIES = 5_000_000


def _topn_cosine(A: sp.csr_matrix, n_neighbors: int, shrinkage: float, block_size, progress, what):
    r"""Sparse matrix ``W`` (n x n) whose row ``j`` holds the top ``n_neighbors`` rows of ``A``
    most similar to row ``j`` (self excluded, only positive similarities kept), with

    .. math:: \mathrm{sim}(i, j) = \frac{a_i \cdot a_j}{\lVert a_i \rVert\, \lVert a_j \rVert + h}

    Computed in blocks of rows: ``A[block] @ A.T`` (sparse x sparse), divided by the norms on its
    nonzeros only and pruned to the top ``n_neighbors`` per row before the next block, so memory
    is bounded by one block's co-occurrences plus the kept neighbours, whatever n is. Blocks are
    sized so that each holds about ``_BLOCK_ENTRIES`` co-occurrences (or ``block_size`` rows).
    """
    n = A.shape[0]
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=1), dtype=np.float64).ravel())
    At = A.T.tocsr()
    bounds = _block_bounds(A, At, block_size)
    n_blocks = bounds.size - 1
    show = (n_blocks > 4) if progress is None else bool(progress)
    blocks = zip(bounds[:-1], bounds[1:])
    if show:
        from tqdm.auto import tqdm

        blocks = tqdm(blocks, total=n_blocks, desc=f"{what} similarities", unit="block")
    rows_out, cols_out, vals_out = [], [], []
    for start, stop in blocks:
        G = (A[start:stop] @ At).tocsr()  # (b, n) co-occurrences a_j . a_i (no duplicates)
        r = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(G.indptr))
        c = G.indices.astype(np.int64)
        denom = norms[r] * norms[c] + shrinkage
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(denom > 0, G.data / denom, 0.0)
        keep = (v > 0) & (r != c)  # an entity is not its own neighbour
        r, c, v = r[keep], c[keep], v[keep]
        idx, _ = _rowwise_top(r - start, c, v, n_neighbors)
        rows_out.append(r[idx])
        cols_out.append(c[idx])
        vals_out.append(v[idx])
    if rows_out:
        rows, cols, vals = map(np.concatenate, (rows_out, cols_out, vals_out))
    else:
        rows = cols = np.empty(0, np.int64)
        vals = np.empty(0, np.float64)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def _block_bounds(A, At, block_size):
    r"""Row boundaries of the similarity blocks: fixed ``block_size`` rows, or (None) blocks of
    about ``_BLOCK_ENTRIES`` co-occurrences each, from an upper bound per row
    (:math:`\sum_{f \in a_j} \mathrm{nnz}(f)`, capped at n)."""
    n = A.shape[0]
    if block_size is not None:
        return np.append(np.arange(0, n, block_size), n)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    feat_nnz = np.diff(At.indptr).astype(np.float64)
    B = A.copy()
    B.data = np.ones_like(B.data)
    per_row = np.minimum(np.asarray(B @ feat_nnz).ravel(), n)
    cum = np.cumsum(per_row)
    # block b covers the rows whose cumulative count falls in [b, b+1) * budget (>= 1 row each)
    cuts = np.searchsorted(cum, np.arange(1, int(cum[-1] // _BLOCK_ENTRIES) + 1) * _BLOCK_ENTRIES, side="right")
    return np.unique(np.concatenate(([0], cuts, [n])))


# --------------------------------------------------------------------------------------------
# base class
# --------------------------------------------------------------------------------------------
class _BaseRecommender(BaseEstimator):
    """Shared input handling, popularity fallback and batched top-K."""

    # -- fitting ---------------------------------------------------------------------------
    def _set_interactions(self, interactions, weight_col=None):
        import pandas as pd

        if isinstance(interactions, pd.DataFrame):
            X, user_ids, item_ids = _frame_to_matrix(interactions, weight_col)
        else:
            if weight_col is not None:
                raise ValueError("weight_col is only used with a DataFrame of interactions")
            X = _check_matrix(interactions)
            user_ids = np.arange(X.shape[0], dtype=np.int64)
            item_ids = np.arange(X.shape[1], dtype=np.int64)
        self.interactions_ = X
        self.user_ids_ = user_ids
        self.item_ids_ = item_ids
        self.n_users_, self.n_items_ = X.shape
        self.popularity_ = np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
        return X

    @property
    def popular_items_(self):
        """Item indices with positive popularity, most popular first (ties: lower index first)."""
        order = np.lexsort((np.arange(self.n_items_), -self.popularity_))
        return order[self.popularity_[order] > 0]

    # -- recommending -------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "interactions_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(interactions) first")

    def _user_rows(self, user_ids):
        """Row index of each requested user, -1 for users unknown to ``fit``."""
        ids = np.atleast_1d(np.asarray(user_ids))
        if ids.ndim != 1:
            raise ValueError(f"user_ids must be a 1-D sequence of ids; got shape {ids.shape}")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"user_ids must be integers; got dtype {ids.dtype}")
        ids = ids.astype(np.int64)
        if self.n_users_ == 0:
            return np.full(ids.shape, -1, np.int64)
        pos = np.searchsorted(self.user_ids_, ids)  # user_ids_ is sorted
        pos_c = np.minimum(pos, self.n_users_ - 1)
        known = self.user_ids_[pos_c] == ids
        return np.where(known, pos_c, -1)

    def _sparse_scores(self, rows: np.ndarray) -> sp.csr_matrix:
        """Scores (len(rows), n_items) of known users (row indices); only entries > 0 count."""
        raise NotImplementedError

    def recommend(self, user_ids, k: int = 10, exclude_seen: bool = True, batch_size: int = 4096):
        """Top-``k`` item ids per user, best first, padded with -1.

        Parameters
        ----------
        user_ids : int or array-like of ints
            user ids as given to ``fit`` (row indices when fitted on a matrix). Ids not seen
            in ``fit`` get the popularity ranking (cold-start fallback).
        k : int
            number of items per user.
        exclude_seen : bool
            do not recommend items the user interacted with in the training data.
        batch_size : int
            users scored at once (bounds memory).

        Returns
        -------
        int64 array (n_users, k) of item ids (values of ``item_ids_``), ``-1`` = no candidate.
        """
        self._check_fitted()
        _check_positive_int(k, "k")
        _check_positive_int(batch_size, "batch_size")
        k = int(k)
        rows = self._user_rows(user_ids)
        out = np.full((rows.size, k), -1, dtype=np.int64)
        popular = self.popular_items_
        unknown = np.flatnonzero(rows < 0)
        if unknown.size:
            out[unknown] = _fill_from_order(np.full((1, k), -1, dtype=np.int64), popular)[0]
        known = np.flatnonzero(rows >= 0)
        X = self.interactions_
        for start in range(0, known.size, batch_size):
            idx = known[start : start + batch_size]
            r = rows[idx]
            seen = X[r]
            seen_r = np.repeat(np.arange(r.size), np.diff(seen.indptr))
            seen_c = seen.indices.astype(np.int64)
            S = self._sparse_scores(r)
            if S is None:  # popularity: nothing personal, only the fill below
                top = np.full((r.size, k), -1, dtype=np.int64)
            else:
                if exclude_seen:
                    S = S - S.multiply(seen.astype(bool))
                    S.eliminate_zeros()
                top = _top_k_csr(S, k)
            if S is None or getattr(self, "fill_with_popular", False):
                if exclude_seen:
                    top = _fill_from_order(top, popular, seen_r, seen_c)
                else:
                    top = _fill_from_order(top, popular)
            out[idx] = top
        pad = out < 0
        if self.n_items_:
            out = self.item_ids_[np.where(pad, 0, out)]
            out[pad] = -1
        return out


def _check_matrix(X) -> sp.csr_matrix:
    if sp.issparse(X):
        if X.ndim != 2:
            raise ValueError(f"interactions must be a 2-D (users x items) matrix; got shape {X.shape}")
        X = sp.csr_matrix(X, dtype=np.float64, copy=True)
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(
                f"interactions must be a 2-D (users x items) matrix or a DataFrame; got shape {arr.shape}"
            )
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"interactions must be numeric; got dtype {arr.dtype}")
        X = sp.csr_matrix(arr.astype(np.float64))
    X.sum_duplicates()
    if not np.isfinite(X.data).all():
        raise ValueError("interactions contain NaN or infinite values")
    if (X.data < 0).any():
        raise ValueError("interactions must be non-negative implicit-feedback weights; found negative values")
    X.eliminate_zeros()
    return X


def _frame_to_matrix(df, weight_col):
    for col in (C.USER_ID, C.ITEM_ID):
        if col not in df.columns:
            raise KeyError(f"interactions DataFrame is missing the column {col!r}; it has {list(df.columns)}")
    if weight_col is not None and weight_col not in df.columns:
        raise KeyError(f"weight column {weight_col!r} not in the interactions DataFrame")
    na = df[C.USER_ID].isna().to_numpy() | df[C.ITEM_ID].isna().to_numpy()
    if na.any():
        raise ValueError(
            f"{int(na.sum())} interaction row(s) have a missing {C.USER_ID} or {C.ITEM_ID} "
            f"(search events?); filter the events or use recsys_lib.features.interaction_matrix"
        )
    u = df[C.USER_ID].to_numpy(dtype=np.int64)
    i = df[C.ITEM_ID].to_numpy(dtype=np.int64)
    w = np.ones(len(df)) if weight_col is None else df[weight_col].to_numpy(dtype=np.float64)
    user_ids, rows = np.unique(u, return_inverse=True)
    item_ids, cols = np.unique(i, return_inverse=True)
    X = sp.csr_matrix((w, (rows, cols)), shape=(user_ids.size, item_ids.size), dtype=np.float64)
    return _check_matrix(X), user_ids.astype(np.int64), item_ids.astype(np.int64)


# --------------------------------------------------------------------------------------------
# the recommenders
# --------------------------------------------------------------------------------------------
class PopularityRecommender(_BaseRecommender):
    r"""Recommend the most popular items (the same list for everybody, minus what they have seen).

    .. math::

        \mathrm{pop}(i) = \sum_u X_{ui} \quad (\texttt{count="weight"}) \qquad\text{or}\qquad
        \mathrm{pop}(i) = |\{u : X_{ui} > 0\}| \quad (\texttt{count="users"})

    The baseline every personalised model must beat. Items with zero popularity are not
    candidates; ties are broken by item index.

    Parameters
    ----------
    count : {"weight", "users"}
        sum of interaction weights, or number of distinct users.

    Attributes
    ----------
    popularity_ : array (n_items,)
    user_ids_, item_ids_ : arrays, the id of each row / column
    interactions_ : csr_matrix (n_users, n_items)

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, count: str = "weight"):
        self.count = count

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        if self.count not in ("weight", "users"):
            raise ValueError(f"count must be 'weight' or 'users'; got {self.count!r}")
        X = self._set_interactions(interactions, weight_col)
        if self.count == "users":
            self.popularity_ = np.diff(X.tocsc().indptr).astype(np.float64)
        return self

    def _sparse_scores(self, rows):
        return None


class ItemKNNRecommender(_BaseRecommender):
    r"""Item-based collaborative filtering with cosine similarity between item columns.

    Similarity of items :math:`i, j` (columns :math:`x_{\cdot i}` of the interaction matrix),
    with optional shrinkage :math:`h \ge 0` that damps similarities supported by few users:

    .. math::

        s_{ij} = \frac{x_{\cdot i}^\top x_{\cdot j}}{\lVert x_{\cdot i}\rVert\,\lVert x_{\cdot j}\rVert + h}

    For each item :math:`j` only its ``n_neighbors`` most similar items :math:`N(j)` are kept
    (self excluded, ties by item index), giving the sparse matrix ``similarity_`` whose column
    :math:`j` holds :math:`s_{ij}` for :math:`i \in N(j)`. A user's score for item :math:`j` is

    .. math::

        \hat r_{uj} = \sum_{i \in N(j)} X_{ui}\, s_{ij}
        \qquad\text{i.e.}\qquad \hat R = X S

    computed as one sparse product per batch of users.

    ``fit`` computes the similarities in blocks of items (``X[:, block]^T X``, sparse x sparse,
    pruned to the top ``n_neighbors`` per item before the next block), so memory stays bounded
    whatever the catalogue size; a tqdm progress bar appears when there are many blocks.

    Parameters
    ----------
    n_neighbors : int
        neighbours kept per item.
    shrinkage : float
        :math:`h` above (0 = plain cosine).
    fill_with_popular : bool
        fill the slots without a KNN candidate with the most popular unseen items instead of -1.
    block_size : int or None
        items per similarity block (None: automatic, about 5 million co-occurrences per block).
    progress : bool or None
        show a progress bar (None: only when there are more than 4 blocks).

    Attributes
    ----------
    similarity_ : csr_matrix (n_items, n_items), column j = the neighbours of item j
    popularity_, user_ids_, item_ids_, interactions_ : as in PopularityRecommender

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, n_neighbors: int = 100, shrinkage: float = 0.0, fill_with_popular: bool = False,
                 block_size=None, progress=None):
        self.n_neighbors = n_neighbors
        self.shrinkage = shrinkage
        self.fill_with_popular = fill_with_popular
        self.block_size = block_size
        self.progress = progress

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        _check_knn_params(self)
        X = self._set_interactions(interactions, weight_col)
        W = _topn_cosine(X.T.tocsr(), int(self.n_neighbors), float(self.shrinkage),
                         self.block_size, self.progress, "item-item")
        # W[j, i] = s_ij for i in N(j); similarity_[:, j] holds the neighbours of j
        self.similarity_ = W.T.tocsr()
        return self

    def neighbors(self, item_ids=None, n=None):
        """Nearest items of each item, best first: ``(ids, similarities)`` arrays (n_items, n).

        ``item_ids`` are ids from ``item_ids_`` (None: all items, in ``item_ids_`` order); rows
        with fewer than ``n`` neighbours are padded with id -1 and similarity 0.
        """
        self._check_fitted()
        n = int(self.n_neighbors) if n is None else n
        _check_positive_int(n, "n")
        if item_ids is None:
            cols = np.arange(self.n_items_)
        else:
            ids = np.atleast_1d(np.asarray(item_ids, dtype=np.int64))
            cols = np.searchsorted(self.item_ids_, ids)
            cols_c = np.minimum(cols, max(self.n_items_ - 1, 0))
            bad = (cols >= self.n_items_) | (self.item_ids_[cols_c] != ids)
            if bad.any():
                raise KeyError(f"item id(s) {ids[bad][:5].tolist()} were not in the training data")
        W = self.similarity_[:, cols].T.tocsr()  # row = item, entries = its neighbours
        nb = _top_k_csr(W, n)
        sims = np.where(nb >= 0, np.asarray(W[np.arange(cols.size)[:, None], np.maximum(nb, 0)].todense()), 0.0)
        return np.where(nb >= 0, self.item_ids_[np.maximum(nb, 0)], -1), sims

    def _sparse_scores(self, rows):
        return self.interactions_[rows] @ self.similarity_


class UserKNNRecommender(_BaseRecommender):
    r"""User-based collaborative filtering with cosine similarity between users.

    .. math::

        s_{uv} = \frac{x_{u\cdot}^\top x_{v\cdot}}{\lVert x_{u\cdot}\rVert\,\lVert x_{v\cdot}\rVert + h},
        \qquad \hat r_{ui} = \sum_{v \in N(u)} s_{uv}\, X_{vi}
        \qquad\text{i.e.}\qquad \hat R = S X

    where :math:`N(u)` are the ``n_neighbors`` users most similar to :math:`u` (self excluded,
    ties by user index). ``similarity_`` (n_users x n_users, row u = the neighbours of u) is
    computed in ``fit`` in blocks of users; its cost grows with the number of co-occurring user
    pairs, so for very many users prefer :class:`ItemKNNRecommender`.

    Parameters are those of :class:`ItemKNNRecommender`, with users in place of items.

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, n_neighbors: int = 50, shrinkage: float = 0.0, fill_with_popular: bool = False,
                 block_size=None, progress=None):
        self.n_neighbors = n_neighbors
        self.shrinkage = shrinkage
        self.fill_with_popular = fill_with_popular
        self.block_size = block_size
        self.progress = progress

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        _check_knn_params(self)
        X = self._set_interactions(interactions, weight_col)
        self.similarity_ = _topn_cosine(X, int(self.n_neighbors), float(self.shrinkage),
                                        self.block_size, self.progress, "user-user")
        return self

    def _sparse_scores(self, rows):
        return self.similarity_[rows] @ self.interactions_


def _check_knn_params(est):
    _check_positive_int(est.n_neighbors, "n_neighbors")
    h = est.shrinkage
    if isinstance(h, (bool, np.bool_)) or not isinstance(h, (int, float, np.integer, np.floating)) or not h >= 0:
        raise ValueError(f"shrinkage must be a non-negative number; got {h!r}")
    if est.block_size is not None:
        _check_positive_int(est.block_size, "block_size")

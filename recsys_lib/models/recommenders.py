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

#: memory budget (bytes) of one dense block of similarities or scores
_BLOCK_BYTES = 256 * 2**20


# --------------------------------------------------------------------------------------------
# top-K selection
# --------------------------------------------------------------------------------------------
def top_k(scores, k: int, valid=None) -> np.ndarray:
    r"""Column indices of the ``k`` largest scores in each row, best first.

    Uses ``np.argpartition``-style selection (:math:`O(m)` per row) followed by a sort of the
    ``k`` selected entries only (:math:`O(k \log k)`), instead of a full :math:`O(m \log m)`
    sort. Ties are broken by column index (lower first), also at the selection boundary, so the
    result is deterministic. Entries that are NaN, ``-inf`` or ``False`` in ``valid`` are never
    selected; a row with fewer than ``k`` selectable entries is padded with ``-1``.

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
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
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
    out = np.full((n, k), -1, dtype=np.int64)
    kk = min(int(k), m)
    if n == 0 or kk == 0:
        return out
    if kk < m:
        # value of the kk-th largest entry per row
        thr = np.partition(key, m - kk, axis=1)[:, m - kk]
        gt = key > thr[:, None]
        eq = key == thr[:, None]
        need = kk - gt.sum(axis=1)
        sel = gt
        tied = eq.sum(axis=1) > need  # rows where the boundary tie must be broken by index
        if tied.any():
            take = eq[tied] & (np.cumsum(eq[tied], axis=1, dtype=np.int32) <= need[tied, None])
            sel[tied] |= take
            sel[~tied] |= eq[~tied]
        else:
            sel |= eq
        cols = np.nonzero(sel)[1].reshape(n, kk)  # ascending column index within each row
    else:
        cols = np.broadcast_to(np.arange(m, dtype=np.int64), (n, m)).copy()
    vals = np.take_along_axis(key, cols, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")  # stable: ties keep ascending index
    cols = np.take_along_axis(cols, order, axis=1)
    vals = np.take_along_axis(vals, order, axis=1)
    cols[vals == -np.inf] = -1
    out[:, :kk] = cols
    return out


# --------------------------------------------------------------------------------------------
# cosine top-n neighbours in blocks
# --------------------------------------------------------------------------------------------
def _topn_cosine(A: sp.csr_matrix, n_neighbors: int, shrinkage: float, block_size, progress, what):
    r"""Sparse matrix ``W`` (n x n) whose row ``j`` holds the top ``n_neighbors`` rows of ``A``
    most similar to row ``j`` (self excluded, only positive similarities kept), with

    .. math:: \mathrm{sim}(i, j) = \frac{a_i \cdot a_j}{\lVert a_i \rVert\, \lVert a_j \rVert + h}

    Computed in blocks of rows: ``A[block] @ A.T`` (sparse x sparse), densified, divided by the
    norms, pruned to the top ``n_neighbors`` per row; the dense block is at most ``block_size``
    x n, so memory is bounded whatever n is.
    """
    n = A.shape[0]
    norms = np.sqrt(np.asarray(A.multiply(A).sum(axis=1)).ravel())
    At = A.T.tocsr()
    if block_size is None:
        block_size = int(max(1, min(n, _BLOCK_BYTES // (8 * max(n, 1)))))
    n_blocks = -(-n // block_size) if n else 0
    show = (n_blocks > 4) if progress is None else bool(progress)
    starts = range(0, n, block_size)
    if show:
        from tqdm.auto import tqdm

        starts = tqdm(starts, total=n_blocks, desc=f"{what} similarities", unit="block")
    nn = min(n_neighbors, max(n - 1, 0))
    rows_out, cols_out, vals_out = [], [], []
    for start in starts:
        stop = min(start + block_size, n)
        b = stop - start
        dots = (A[start:stop] @ At).toarray()  # (b, n)
        denom = np.outer(norms[start:stop], norms)
        if shrinkage:
            denom += shrinkage
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(denom > 0, dots / denom, 0.0)
        sim[np.arange(b), np.arange(start, stop)] = 0.0  # an entity is not its own neighbour
        if nn == 0:
            continue
        nb = top_k(sim, nn, valid=sim > 0)
        r, c = np.nonzero(nb >= 0)
        rows_out.append(r + start)
        cols_out.append(nb[r, c])
        vals_out.append(sim[r, nb[r, c]])
    if rows_out:
        rows, cols, vals = map(np.concatenate, (rows_out, cols_out, vals_out))
    else:
        rows = cols = np.empty(0, np.int64)
        vals = np.empty(0, np.float64)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


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
            self.id_mapping_ = True
        else:
            if weight_col is not None:
                raise ValueError("weight_col is only used with a DataFrame of interactions")
            X = _check_matrix(interactions)
            user_ids = np.arange(X.shape[0], dtype=np.int64)
            item_ids = np.arange(X.shape[1], dtype=np.int64)
            self.id_mapping_ = False
        self.interactions_ = X
        self.user_ids_ = user_ids
        self.item_ids_ = item_ids
        self.n_users_, self.n_items_ = X.shape
        self.popularity_ = self._popularity(X)
        return X

    @staticmethod
    def _popularity(X):
        """Sum of interaction weights per item."""
        return np.asarray(X.sum(axis=0), dtype=np.float64).ravel()

    # -- recommending -------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "interactions_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet; call fit(interactions) first")

    def _user_rows(self, user_ids):
        """Row index of each requested user, -1 for users unknown to ``fit``."""
        ids = np.atleast_1d(np.asarray(user_ids))
        if ids.ndim != 1:
            raise ValueError(f"user_ids must be 1-D; got shape {ids.shape}")
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise TypeError(f"user_ids must be integers; got dtype {ids.dtype}")
        ids = ids.astype(np.int64)
        pos = np.searchsorted(self.user_ids_, ids)  # user_ids_ is sorted
        pos_c = np.minimum(pos, max(self.n_users_ - 1, 0))
        if self.n_users_ == 0:
            return np.full(ids.shape, -1, np.int64)
        known = (pos < self.n_users_) & (self.user_ids_[pos_c] == ids)
        return np.where(known, pos_c, -1)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        """Dense scores (len(rows), n_items) for known users (row indices)."""
        raise NotImplementedError

    def _popularity_key(self):
        """Popularity mapped to (0, 1), strictly decreasing in popularity rank (ties: by index)."""
        if not hasattr(self, "_pop_key"):
            order = np.lexsort((np.arange(self.n_items_), -self.popularity_))
            key = np.empty(self.n_items_)
            key[order] = (self.n_items_ - np.arange(self.n_items_)) / (self.n_items_ + 1.0)
            self._pop_key = key
        return self._pop_key

    def recommend(self, user_ids, k: int = 10, exclude_seen: bool = True, batch_size=None):
        """Top-``k`` item ids per user, best first, padded with -1.

        Parameters
        ----------
        user_ids : int or array-like of ints
            user ids as given to ``fit`` (row indices when fitted on a matrix). Ids not seen
            in ``fit`` get the popularity ranking.
        k : int
            number of items per user.
        exclude_seen : bool
            do not recommend items the user interacted with in the training data.
        batch_size : int or None
            users scored at once (bounds memory: a dense batch x n_items block); None = auto.

        Returns
        -------
        int64 array (n_users, k) of item ids (``item_ids_`` values), ``-1`` = no candidate.
        """
        self._check_fitted()
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer; got {k!r}")
        rows = self._user_rows(user_ids)
        out = np.full((rows.size, int(k)), -1, dtype=np.int64)
        if batch_size is None:
            batch_size = int(max(1, _BLOCK_BYTES // (8 * max(self.n_items_, 1))))
        known = np.flatnonzero(rows >= 0)
        unknown = np.flatnonzero(rows < 0)
        if unknown.size:
            pop_top = top_k(self.popularity_[None, :], k, valid=(self.popularity_ > 0)[None, :])
            out[unknown] = pop_top
        X = self.interactions_
        for start in range(0, known.size, batch_size):
            idx = known[start : start + batch_size]
            r = rows[idx]
            scores = self._scores(r)
            valid = self._candidates(scores)
            key = self._ranking_key(scores)
            if exclude_seen:
                sub = X[r]
                valid[np.repeat(np.arange(r.size), np.diff(sub.indptr)), sub.indices] = False
            out[idx] = top_k(key, k, valid=valid)
        pad = out < 0
        out = self.item_ids_[np.where(pad, 0, out)] if self.n_items_ else out
        out[pad] = -1
        return out

    def _candidates(self, scores):
        return scores > 0

    def _ranking_key(self, scores):
        return scores


def _check_matrix(X) -> sp.csr_matrix:
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
    else:
        arr = np.asarray(X)
        if arr.ndim != 2:
            raise ValueError(f"interactions must be a 2-D (users x items) matrix or a DataFrame; got shape {arr.shape}")
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"interactions must be numeric; got dtype {arr.dtype}")
        X = sp.csr_matrix(arr.astype(np.float64))
    if X.ndim != 2:
        raise ValueError(f"interactions must be 2-D; got shape {X.shape}")
    X.sum_duplicates()
    if not np.isfinite(X.data).all():
        raise ValueError("interactions contain NaN or infinite values")
    if (X.data < 0).any():
        raise ValueError("interactions must be non-negative implicit-feedback weights")
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
    candidates.

    Parameters
    ----------
    count : {"weight", "users"}
        sum of interaction weights, or number of distinct users.

    Attributes
    ----------
    popularity_ : array (n_items,)
    user_ids_, item_ids_ : id of each row / column
    interactions_ : csr_matrix (n_users, n_items)

    Taught in module 04 (knn_collaborative_filtering).
    """

    def __init__(self, count: str = "weight"):
        self.count = count

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows."""
        if self.count not in ("weight", "users"):
            raise ValueError(f"count must be 'weight' or 'users'; got {self.count!r}")
        self.__dict__.pop("_pop_key", None)
        X = self._set_interactions(interactions, weight_col)
        if self.count == "users":
            self.popularity_ = np.diff(X.tocsc().indptr).astype(np.float64)
        return self

    def _scores(self, rows):
        return np.broadcast_to(self.popularity_, (rows.size, self.n_items_)).copy()


class ItemKNNRecommender(_BaseRecommender):
    r"""Item-based collaborative filtering with cosine similarity between item columns.

    Similarity of items :math:`i, j` (columns :math:`x_{\cdot i}` of the interaction matrix),
    with optional shrinkage :math:`h \ge 0` that damps similarities supported by few users:

    .. math::

        s_{ij} = \frac{x_{\cdot i}^\top x_{\cdot j}}{\lVert x_{\cdot i}\rVert\,\lVert x_{\cdot j}\rVert + h}

    For each item :math:`j` only its ``n_neighbors`` most similar items :math:`N(j)` are kept
    (self excluded), giving the sparse matrix ``similarity_`` with column :math:`j` holding
    :math:`s_{ij}` for :math:`i \in N(j)`. A user's score for item :math:`j` is

    .. math::

        \hat r_{uj} = \sum_{i \in N(j)} X_{ui}\, s_{ij}
        \qquad\text{i.e.}\qquad \hat R = X S

    computed as one sparse product per batch of users.

    ``fit`` computes the similarities in blocks of items (``X[:, block]^T X``, sparse x sparse,
    then a dense block pruned to the top ``n_neighbors`` per item), so memory stays bounded by
    the block size whatever the catalogue size; a tqdm progress bar appears when there are
    many blocks.

    Parameters
    ----------
    n_neighbors : int
        neighbours kept per item.
    shrinkage : float
        :math:`h` above (0 = plain cosine).
    fill_with_popular : bool
        fill slots without a KNN candidate with the most popular unseen items instead of -1.
    block_size : int or None
        items per similarity block (None: auto, a dense block of at most 256 MiB).
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
        self.__dict__.pop("_pop_key", None)
        X = self._set_interactions(interactions, weight_col)
        W = _topn_cosine(X.T.tocsr(), int(self.n_neighbors), float(self.shrinkage),
                         self.block_size, self.progress, "item-item")
        # W[j, i] = s_ij for i in N(j); similarity_[:, j] holds the neighbours of j
        self.similarity_ = W.T.tocsr()
        return self

    def neighbors(self, item_id, n=None):
        """The most similar items of ``item_id`` (an id from ``item_ids_``), best first, and their similarities."""
        self._check_fitted()
        j = np.searchsorted(self.item_ids_, item_id)
        if j >= self.n_items_ or self.item_ids_[j] != item_id:
            raise KeyError(f"item {item_id} was not in the training data")
        col = self.similarity_[:, [j]].toarray().ravel()
        nb = top_k(col[None, :], n or int(self.n_neighbors), valid=(col > 0)[None, :])[0]
        nb = nb[nb >= 0]
        return self.item_ids_[nb], col[nb]

    def _scores(self, rows):
        return (self.interactions_[rows] @ self.similarity_).toarray()

    def _candidates(self, scores):
        if self.fill_with_popular:
            return (scores > 0) | (self.popularity_ > 0)[None, :]
        return scores > 0

    def _ranking_key(self, scores):
        if self.fill_with_popular:
            # KNN candidates (score > 0) first, then the rest by popularity, mapped into [-1, 0)
            return np.where(scores > 0, scores, self._popularity_key()[None, :] - 1.0)
        return scores


class UserKNNRecommender(_BaseRecommender):
    r"""User-based collaborative filtering with cosine similarity between users.

    .. math::

        s_{uv} = \frac{x_{u\cdot}^\top x_{v\cdot}}{\lVert x_{u\cdot}\rVert\,\lVert x_{v\cdot}\rVert + h},
        \qquad \hat r_{ui} = \sum_{v \in N(u)} s_{uv}\, X_{vi}
        \qquad\text{i.e.}\qquad \hat R = S X

    where :math:`N(u)` are the ``n_neighbors`` users most similar to :math:`u` (self excluded).
    ``similarity_`` (n_users x n_users, row u = the neighbours of u) is computed in ``fit`` in
    blocks of users; the cost grows with the square of the number of users, so for very many
    users prefer :class:`ItemKNNRecommender`.

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
        self.__dict__.pop("_pop_key", None)
        X = self._set_interactions(interactions, weight_col)
        self.similarity_ = _topn_cosine(X, int(self.n_neighbors), float(self.shrinkage),
                                        self.block_size, self.progress, "user-user")
        return self

    def _scores(self, rows):
        return (self.similarity_[rows] @ self.interactions_).toarray()

    _candidates = ItemKNNRecommender._candidates
    _ranking_key = ItemKNNRecommender._ranking_key


def _check_knn_params(est):
    n = est.n_neighbors
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n_neighbors must be a positive integer; got {n!r}")
    if not np.isscalar(est.shrinkage) or not est.shrinkage >= 0:
        raise ValueError(f"shrinkage must be a non-negative number; got {est.shrinkage!r}")
    b = est.block_size
    if b is not None and (isinstance(b, (bool, np.bool_)) or not isinstance(b, (int, np.integer)) or b < 1):
        raise ValueError(f"block_size must be a positive integer or None; got {b!r}")

r"""The interface every recommender of the course shares, and its input handling.

Taught in module 04 (knn_collaborative_filtering); the recommenders of modules 07
(``BPRMatrixFactorization``) and 08 (``SequenceRecommender``) subclass :class:`BaseRecommender`, so
module 09 can A/B-test any of them the same way::

    model.fit(interactions)                             # users x items, implicit feedback
    model.recommend(user_ids, k=10, exclude_seen=True)  # -> array (n_users, k) of item ids, best first

``interactions`` is either

* a 2-D scipy.sparse matrix (or dense array) of shape ``(n_users, n_items)`` with non-negative
  implicit-feedback weights (counts, ``recsys_lib.features.interaction_matrix``); users and items
  are then identified by their row / column index, or
* a pandas DataFrame with the columns ``C.USER_ID`` and ``C.ITEM_ID`` (one row per interaction,
  optionally a weight column named by ``fit(..., weight_col=...)``). Ids may be any hashable values
  (integers, or strings such as UCI Online Retail's stock code ``"85123A"``); they are mapped to row /
  column indices: ``user_ids_`` / ``item_ids_`` hold the distinct ids (sorted when they can be
  sorted, else in order of first appearance), so row ``r`` is user ``user_ids_[r]``, and
  ``recommend`` takes and returns the original ids.

``recommend`` semantics, common to all models:

* the result has exactly ``k`` columns; a slot without a candidate holds ``-1`` (padding);
* a *candidate* is an item with a positive score (sparse scores: for KNN at least one similar item /
  user supports it; for popularity at least one interaction) or any finite score (dense scores, e.g.
  matrix factorisation), that the user has not interacted with when ``exclude_seen=True``;
* ties are broken by item index (lower first), so results are deterministic;
* a user id not seen in ``fit`` (a cold-start user) gets the popularity ranking (no items are
  excluded, since the user has no history).

A subclass implements ``fit`` (calling :meth:`BaseRecommender._set_interactions`) and
``_scores(rows)``, which returns the scores of known users (row indices) as a sparse matrix (only
entries > 0 are candidates), a dense array (finite entries are candidates), or ``None`` (nothing
personal: popularity only).
"""
from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from recsys_lib import columns as C
from recsys_lib.models._sparse_topk import _fill_from_order, _top_k_csr
from recsys_lib.topk import top_k

__all__ = ["BaseRecommender", "check_interactions", "interactions_from_frame", "check_count"]


def check_count(value, name: str, min_val: int = 1) -> int:
    """An integer hyper-parameter checked with scikit-learn's ``check_scalar`` (``bool`` refused)."""
    what = "a positive integer" if min_val == 1 else f"an integer >= {min_val}"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be {what}; got {value!r}")
    try:
        check_scalar(value, name, target_type=numbers.Integral, min_val=min_val)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be {what}; got {value!r}") from exc
    return int(value)


def _distinct_ids(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ids, code of each value): sorted ids when they sort, else first-appearance order."""
    if values.dtype.kind in "iub":
        ids, codes = np.unique(values.astype(np.int64), return_inverse=True)
        return ids, codes
    codes, uniques = pd.factorize(values, sort=False)
    try:
        order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    except TypeError:                     # ids of mixed types do not sort: keep appearance order
        return np.asarray(uniques, dtype=object), codes.astype(np.int64)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return np.asarray(uniques, dtype=object)[order], rank[codes].astype(np.int64)


def _as_id_array(values: np.ndarray) -> np.ndarray:
    """Integer-valued ids as int64 (a nullable Int64 column included), anything else as objects."""
    if values.dtype.kind in "iub":
        return values.astype(np.int64)
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values.astype(object)


def check_interactions(X) -> sp.csr_matrix:
    """A users x items matrix as float64 CSR: 2-D, finite, non-negative, duplicates summed, zeros
    dropped. Raises ``ValueError`` / ``TypeError`` saying what is wrong."""
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


def interactions_from_frame(df: pd.DataFrame, weight_col: str | None = None):
    """``(X, user_ids, item_ids)`` from a DataFrame of (user, item[, weight]) rows with any hashable
    ids; ``X[r, c]`` sums the weights (default 1) of user ``user_ids[r]`` and item ``item_ids[c]``."""
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
    users = _as_id_array(df[C.USER_ID].to_numpy())
    items = _as_id_array(df[C.ITEM_ID].to_numpy())
    w = np.ones(len(df)) if weight_col is None else df[weight_col].to_numpy(dtype=np.float64)
    user_ids, rows = _distinct_ids(users)
    item_ids, cols = _distinct_ids(items)
    X = sp.csr_matrix((w, (rows, cols)), shape=(user_ids.size, item_ids.size), dtype=np.float64)
    return check_interactions(X), user_ids, item_ids


def _positions(known_ids: np.ndarray, wanted) -> np.ndarray:
    """Index of each wanted id in ``known_ids`` (-1 when absent), for ids of any hashable type."""
    wanted = np.atleast_1d(np.asarray(wanted, dtype=None if known_ids.dtype.kind in "iu" else object))
    if wanted.ndim != 1:
        raise ValueError(f"ids must be a 1-D sequence; got shape {wanted.shape}")
    if known_ids.dtype.kind in "iu":
        if wanted.size and not np.issubdtype(wanted.dtype, np.integer):
            raise TypeError(f"this model was fitted on integer ids; got ids of dtype {wanted.dtype}")
        wanted = wanted.astype(np.int64)
    return pd.Index(known_ids).get_indexer(wanted).astype(np.int64)


class BaseRecommender(BaseEstimator):
    """Shared input handling, popularity fallback and batched top-K of the course's recommenders.

    Taught in module 04 (knn_collaborative_filtering); see this file's docstring for the interface.
    """

    #: fill slots without a personal candidate with the most popular items (subclasses override)
    fill_with_popular = False

    # -- fitting ---------------------------------------------------------------------------
    def _set_interactions(self, interactions, weight_col=None) -> sp.csr_matrix:
        if isinstance(interactions, pd.DataFrame):
            X, user_ids, item_ids = interactions_from_frame(interactions, weight_col)
        else:
            if weight_col is not None:
                raise ValueError("weight_col is only used with a DataFrame of interactions")
            X = check_interactions(interactions)
            user_ids = np.arange(X.shape[0], dtype=np.int64)
            item_ids = np.arange(X.shape[1], dtype=np.int64)
        self.interactions_ = X
        self.user_ids_ = user_ids
        self.item_ids_ = item_ids
        self.n_users_, self.n_items_ = X.shape
        self.popularity_ = np.asarray(X.sum(axis=0), dtype=np.float64).ravel()
        return X

    @property
    def popular_items_(self) -> np.ndarray:
        """Item indices with positive popularity, most popular first (ties: lower index first)."""
        check_is_fitted(self, "interactions_")
        order = np.lexsort((np.arange(self.n_items_), -self.popularity_))
        return order[self.popularity_[order] > 0]

    # -- ids ---------------------------------------------------------------------------------
    def _user_rows(self, user_ids) -> np.ndarray:
        """Row index of each requested user, -1 for users unknown to ``fit``."""
        return _positions(self.user_ids_, user_ids)

    def _item_columns(self, item_ids) -> np.ndarray:
        """Column index of each item id; ``KeyError`` naming the ids unknown to ``fit``."""
        cols = _positions(self.item_ids_, item_ids)
        if (cols < 0).any():
            bad = np.atleast_1d(np.asarray(item_ids, dtype=object))[cols < 0]
            raise KeyError(f"item id(s) {bad[:5].tolist()} were not in the training data")
        return cols

    # -- recommending ------------------------------------------------------------------------
    def _scores(self, rows: np.ndarray):
        """Scores of known users (row indices): sparse (entries > 0 count), dense, or None."""
        raise NotImplementedError

    def recommend(self, user_ids, k: int = 10, exclude_seen: bool = True, batch_size: int = 4096):
        """Top-``k`` item ids per user, best first, padded with -1.

        Parameters
        ----------
        user_ids : id or array-like of ids
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
        array (n_users, k) of item ids (values of ``item_ids_``: int64, or objects for other ids),
        ``-1`` = no candidate.
        """
        check_is_fitted(self, "interactions_")
        k = check_count(k, "k")
        batch_size = check_count(batch_size, "batch_size")
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
            S = self._scores(r)
            if S is None:  # popularity: nothing personal, only the fill below
                top = np.full((r.size, k), -1, dtype=np.int64)
            elif sp.issparse(S):
                if exclude_seen:
                    S = S - S.multiply(seen.astype(bool))
                    S.eliminate_zeros()
                top = _top_k_csr(S, k)
            else:
                valid = np.isfinite(S)
                if exclude_seen:
                    valid &= ~seen.toarray().astype(bool)
                top = top_k(S, k, valid=valid)
            if S is None or self.fill_with_popular:
                if exclude_seen:
                    seen_r = np.repeat(np.arange(r.size), np.diff(seen.indptr))
                    top = _fill_from_order(top, popular, seen_r, seen.indices.astype(np.int64))
                else:
                    top = _fill_from_order(top, popular)
            out[idx] = top
        pad = out < 0
        if not self.n_items_:
            return out
        ids = self.item_ids_[np.where(pad, 0, out)]
        ids[pad] = -1
        return ids

"""Checks for module 04 (knn_collaborative_filtering), Exercises 5-8 (cosine similarity, item- and
user-based top-K recommendation, ranking metrics) and the helpers both halves share. Imported (and
re-exported) by :mod:`autograder.exercises.m04_knn_collaborative_filtering`, which the notebook's
test cells import; see its docstring.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again, on other
inputs): similarity 0 (not 0/0) for an item nobody interacted with; only positive scores are
candidates and empty slots hold -1 (tiny public matrices where that happens); MRR cut at ``k``
(a public call with ``k`` shorter than the lists).
"""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import pandas as _pd
import scipy.sparse as _sp

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import metrics as _metrics
from recsys_lib.models import top_k as _ref_top_k

# Everything the checks use, bound at import time (before any student code runs), so rebinding a
# name in the notebook does not change what the checks do.
_ref_hr, _ref_precision, _ref_recall = _metrics.hit_rate_at_k, _metrics.precision_at_k, _metrics.recall_at_k
_ref_ndcg, _ref_mrr = _metrics.ndcg_at_k, _metrics.mrr
_asarray, _array, _sqrt, _maximum, _abs, _isnan, _isfinite = (
    _np.asarray, _np.array, _np.sqrt, _np.maximum, _np.abs, _np.isnan, _np.isfinite)
_argsort, _arange, _zeros, _full, _where, _unique, _log2, _errstate = (
    _np.argsort, _np.arange, _np.zeros, _np.full, _np.where, _np.unique, _np.log2, _np.errstate)
_issparse, _csr = _sp.issparse, _sp.csr_matrix
_Series, _Index = _pd.Series, _pd.Index
_len, _int, _float, _list, _isinstance, _type, _range, _min, _max, _set, _str = (
    _builtins.len, _builtins.int, _builtins.float, _builtins.list, _builtins.isinstance, _builtins.type,
    _builtins.range, _builtins.min, _builtins.max, _builtins.set, _builtins.str)
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr
METRICS = ("hr", "precision", "recall", "ndcg", "mrr")


def _copy(x):
    return x.copy() if hasattr(x, "copy") else x


def _as_array(got, name, kinds=None):
    if _issparse(got):
        raise _CheckFailure(f"{name} should be a dense NumPy array, got a scipy.sparse matrix; "
                            f"convert with .toarray().")
    if _isinstance(got, _np.ndarray) and got.dtype == object and got.ndim == 0 and _issparse(got.item()):
        raise _CheckFailure(f"{name} is a 0-d object array that wraps a scipy.sparse matrix. Likely mistake: "
                            f"np.asarray(...) of a sparse result (sparse @ sparse is sparse, and np.asarray "
                            f"does not convert it); use .toarray() on the sparse matrix.")
    if _isinstance(got, (_pd.Series, _pd.DataFrame)):
        got = got.to_numpy()
    _c.check_type(got, _np.ndarray, name)
    if kinds is not None:
        _c.check_dtype(got, kinds, name)
    return got


def _check_ranking(got, expected, name, mistakes=(), n_items=None):
    """An int array (n, k) of item indices, -1 padded, compared exactly with ``expected``."""
    got = _as_array(got, name, "iu")
    if got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape} "
                            f"(one row per requested user, k columns).")
    if n_items is not None and ((got < -1) | (got >= n_items)).any():
        raise _CheckFailure(f"{name} holds values outside -1 .. {n_items - 1}: return column indices "
                            f"of items (and -1 for an empty slot).")
    if got.shape == expected.shape and (got == expected).all():
        return
    _c.check_close(got, expected, name, rtol=0, atol=0, mistakes=mistakes() if callable(mistakes) else mistakes)


def _close_lazy(got, expected, name, rtol, atol, mistakes):
    """check_close, computing the known mistakes (a callable) only when the values differ."""
    if _c._all_close(got, expected, rtol, atol):
        return
    _c.check_close(got, expected, name, rtol=rtol, atol=atol, mistakes=mistakes())


def _topk_variant(scores, seen, k, exclude_seen=True, zero_ok=False, ties="low"):
    valid = _np.ones(scores.shape, dtype=bool) if zero_ok else scores > 0
    if exclude_seen:
        valid &= ~seen
    if ties == "high":  # argsort ascending then reversed: ties end up highest index first
        key = _where(valid, scores, -_np.inf)
        order = _argsort(key, axis=1, kind="stable")[:, ::-1][:, :k]
        vals = _np.take_along_axis(key, order, axis=1)
        return _where(vals == -_np.inf, -1, order)
    return _ref_top_k(scores, k, valid)


# ---------------------------------------------------------------- 5. cosine similarity
def _cosine_variant(X, h=0.0, how="right"):
    X = _csr(X, dtype=_np.float64)
    G = (X.T @ X).toarray()
    n = _sqrt(_asarray(X.multiply(X).sum(axis=0)).ravel())
    with _errstate(divide="ignore", invalid="ignore"):
        if how == "right":
            den = n[:, None] * n[None, :] + h
            return _where(den > 0, G / _where(den > 0, den, 1.0), 0.0)
        if how == "nan":
            return G / (n[:, None] * n[None, :] + h)
        if how == "one_norm":
            return G / (n[:, None] ** 2 + h)
        if how == "h_each":
            den = (n[:, None] + h) * (n[None, :] + h)
            return _where(den > 0, G / _where(den > 0, den, 1.0), 0.0)
        if how == "raw":
            return G
    raise ValueError(how)


def reference_cosine(X, shrinkage=0.0):
    """The reference item-item similarity of Exercise 5 (dense, diagonal kept, 0 where a norm is 0)."""
    return _cosine_variant(X, shrinkage)


@_quietly
def check_cosine_similarity_on(cosine_similarity_matrix, X, shrinkage, expected, name="cosine_similarity_matrix"):
    X = _csr(X, dtype=_np.float64)
    got = _c.call(cosine_similarity_matrix, X.copy(), shrinkage=shrinkage, name=name)
    if _issparse(got):
        got = got.toarray()
    got = _as_array(got, name, "f")
    expected = _asarray(expected, dtype=_np.float64)
    n_users, n_items = X.shape
    if got.shape == (n_users, n_users) and n_users != n_items:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape}. Likely mistake: "
                            f"similarity between users (rows, X @ X.T); item similarity compares the "
                            f"columns: X.T @ X.")
    if got.shape == expected.shape and _isnan(got).any() and not _isnan(expected).any():
        bad = _np.argwhere(_isnan(got))
        i, j = (_int(v) for v in bad[0])
        raise _CheckFailure(f"{name} contains NaN in {_len(bad)} entries; first at index ({i}, {j}): expected "
                            f"{expected[i, j]:.6g}, got nan. Likely mistake: 0/0 for items nobody interacted with; "
                            f"their similarity is 0 (divide only where the denominator is positive).")
    def mistakes():
        out = [
            _Mistake("similarity not normalised: X.T @ X counts co-occurrences; divide by the product of the "
                     "two items' norms", _cosine_variant(X, shrinkage, "raw")),
            _Mistake("normalised by one item's norm only (|x_i|^2); divide by |x_i| |x_j|",
                     _cosine_variant(X, shrinkage, "one_norm")),
        ]
        if shrinkage:
            out.append(_Mistake("shrinkage added to each norm; add h once to the product |x_i| |x_j|",
                                _cosine_variant(X, shrinkage, "h_each")))
            out.append(_Mistake("shrinkage ignored; the denominator is |x_i| |x_j| + h", _cosine_variant(X, 0.0)))
        return out

    _close_lazy(got, expected, name, 1e-7, 1e-10, mistakes)


@_quietly
def check_cosine_similarity(cosine_similarity_matrix, X):
    """h = 0 against scikit-learn's ``cosine_similarity`` of the item columns; h > 0 against the formula."""
    from sklearn.metrics.pairwise import cosine_similarity
    X = _csr(X, dtype=_np.float64)
    check_cosine_similarity_on(cosine_similarity_matrix, X, 0.0, cosine_similarity(X.T, dense_output=True),
                               "cosine_similarity_matrix (shrinkage=0, vs scikit-learn)")
    check_cosine_similarity_on(cosine_similarity_matrix, X, 10.0, reference_cosine(X, 10.0),
                               "cosine_similarity_matrix (shrinkage=10)")
    _passed()


# ---------------------------------------------------------------- 6. item-based recommendation
def reference_item_based(X, S, rows, k, exclude_seen=True):
    """The reference of Exercise 6: top-k of X[rows] @ S (positive scores, seen items excluded)."""
    X = _csr(X, dtype=_np.float64)
    P = X[rows]
    scores = _asarray(P @ S)
    return _topk_variant(scores, P.toarray() > 0, k, exclude_seen)


@_quietly
def check_item_based_on(recommend_item_based, X, S, rows, k, expected, exclude_seen=True,
                        name="recommend_item_based"):
    X = _csr(X, dtype=_np.float64)
    S = _asarray(S, dtype=_np.float64)
    rows = _asarray(rows, dtype=_np.int64)
    got = _c.call(recommend_item_based, X.copy(), S.copy(), rows.copy(), k, exclude_seen=exclude_seen,
                  name=name)
    P = X[rows]
    seen = P.toarray() > 0
    scores = _asarray(P @ S)
    mistakes = lambda: [
        _Mistake("recommends items the user already interacted with; exclude the seen items",
                 _topk_variant(scores, seen, k, False)) if exclude_seen else None,
        _Mistake("transposed similarity: column j of S holds the neighbours of item j, so the score is "
                 "X[rows] @ S, not X[rows] @ S.T", _topk_variant(_asarray(P @ S.T), seen, k, exclude_seen)),
        _Mistake("items with score 0 recommended; only items with a positive score are candidates "
                 "(pad with -1)", _topk_variant(scores, seen, k, exclude_seen, zero_ok=True)),
        _Mistake("ties broken by the higher item index (argsort then [::-1]); break them by the lower index",
                 _topk_variant(scores, seen, k, exclude_seen, ties="high")),
        _Mistake("lowest scores first; sort in decreasing order",
                 _topk_variant(_where(scores > 0, 1.0 / _maximum(scores, 1e-300), 0.0), seen, k, exclude_seen)),
    ]
    _check_ranking(got, _asarray(expected), name, lambda: [m for m in mistakes() if m is not None], X.shape[1])


#: a tiny public case where some users have fewer than k positive-score candidates (-1 slots)
TINY_ITEM_CASE = (_np.array([[2.0, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 0, 3]]),
                  _np.array([[0, 0.6, 0, 0, 0], [0.2, 0, 0.5, 0, 0], [0, 0.5, 0, 0.1, 0],
                             [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]), _np.array([2, 0, 1]), 3)


@_quietly
def check_item_based(recommend_item_based, X, rows, k=10):
    """Against ``ItemKNNRecommender``: ``S`` is its ``similarity_`` and ``expected`` its recommendations;
    then a tiny matrix with -1 slots against the reference formula."""
    from recsys_lib.models import ItemKNNRecommender
    X = _csr(X, dtype=_np.float64)
    model = ItemKNNRecommender(n_neighbors=_int(_min(50, X.shape[1] - 1)), shrinkage=10.0).fit(X)
    S = model.similarity_.toarray()
    for excl in (True, False):
        check_item_based_on(recommend_item_based, X, S, rows, k, model.recommend(rows, k, exclude_seen=excl),
                            exclude_seen=excl,
                            name=f"recommend_item_based(exclude_seen={excl}) vs ItemKNNRecommender")
    Xt, St, rows_t, kt = TINY_ITEM_CASE
    for excl in (True, False):
        check_item_based_on(recommend_item_based, _csr(Xt), St, rows_t, kt,
                            reference_item_based(Xt, St, rows_t, kt, excl), exclude_seen=excl,
                            name=f"recommend_item_based(exclude_seen={excl}) on a tiny matrix (fewer "
                                 f"candidates than k: -1 slots)")
    _passed()


# ---------------------------------------------------------------- 7. user-based recommendation
def _user_variant(X, S, rows, k, n_neighbors, exclude_seen=True, self_ok=False, order="near"):
    S = _asarray(S, dtype=_np.float64)
    sub = S[rows].copy()
    ok = sub > 0
    if not self_ok:
        ok[_arange(rows.size), rows] = False
    key = _where(ok, sub if order == "near" else -sub, -_np.inf)
    nb = _ref_top_k(key, _int(_min(n_neighbors, S.shape[1])))
    W = _zeros(sub.shape)
    r = _np.repeat(_arange(rows.size), nb.shape[1])
    c = nb.ravel()
    ok = c >= 0
    W[r[ok], c[ok]] = S[rows][r[ok], c[ok]]
    scores = _asarray(_csr(W) @ X.toarray()) if _issparse(X) else W @ X
    seen = X[rows].toarray() > 0
    return _topk_variant(scores, seen, k, exclude_seen)


def reference_user_based(X, S, rows, k, n_neighbors, exclude_seen=True):
    """The reference of Exercise 7 (equals ``UserKNNRecommender`` when ``S`` is its cosine)."""
    return _user_variant(_csr(X, dtype=_np.float64), S, _asarray(rows, dtype=_np.int64), k, n_neighbors, exclude_seen)


def user_cosine(X, shrinkage=0.0):
    """User-user cosine (dense) computed exactly as ``UserKNNRecommender`` does (same float operations)."""
    X = _csr(X, dtype=_np.float64)
    G = (X @ X.T).tocsr()
    norms = _sqrt(_asarray(X.multiply(X).sum(axis=1), dtype=_np.float64).ravel())
    out = _zeros(G.shape)
    r = _np.repeat(_arange(G.shape[0]), _np.diff(G.indptr))
    den = norms[r] * norms[G.indices] + shrinkage
    out[r, G.indices] = _where(den > 0, G.data / _where(den > 0, den, 1.0), 0.0)
    return out


@_quietly
def check_user_based_on(recommend_user_based, X, S, rows, k, n_neighbors, expected, exclude_seen=True,
                        name="recommend_user_based"):
    X = _csr(X, dtype=_np.float64)
    S = _asarray(S, dtype=_np.float64)
    rows = _asarray(rows, dtype=_np.int64)
    got = _c.call(recommend_user_based, X.copy(), S.copy(), rows.copy(), k, n_neighbors,
                  exclude_seen=exclude_seen, name=name)
    mistakes = lambda: [
        _Mistake("recommends items the user already interacted with; exclude the seen items",
                 _user_variant(X, S, rows, k, n_neighbors, False)) if exclude_seen else None,
        _Mistake("the user counted as their own nearest neighbour; exclude u from N(u)",
                 _user_variant(X, S, rows, k, n_neighbors, exclude_seen, self_ok=True)),
        _Mistake("used every user as a neighbour; keep only the n_neighbors most similar",
                 _user_variant(X, S, rows, k, S.shape[0], exclude_seen)),
        _Mistake("kept the LEAST similar users as neighbours; take the largest similarities",
                 _user_variant(X, S, rows, k, n_neighbors, exclude_seen, order="far")),
    ]
    _check_ranking(got, _asarray(expected), name, lambda: [m for m in mistakes() if m is not None], X.shape[1])


#: a tiny public case: 1 neighbour, users whose neighbour adds fewer than k new items (-1 slots)
TINY_USER_CASE = (_np.array([[1.0, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 0, 0, 1, 1], [0, 1, 0, 0, 1]]),
                  _np.array([0, 2, 3]), 3, 1)


@_quietly
def check_user_based(recommend_user_based, X, rows, k=10, n_neighbors=20):
    """Against ``UserKNNRecommender`` (same cosine, same neighbourhood); then a tiny matrix with -1
    slots against the reference formula."""
    from recsys_lib.models import UserKNNRecommender
    X = _csr(X, dtype=_np.float64)
    S = user_cosine(X)
    model = UserKNNRecommender(n_neighbors=n_neighbors).fit(X)
    for excl in (True, False):
        check_user_based_on(recommend_user_based, X, S, rows, k, n_neighbors,
                            model.recommend(rows, k, exclude_seen=excl), exclude_seen=excl,
                            name=f"recommend_user_based(exclude_seen={excl}) vs UserKNNRecommender")
    Xt, rows_t, kt, nt = TINY_USER_CASE
    St = user_cosine(Xt)
    check_user_based_on(recommend_user_based, _csr(Xt), St, rows_t, kt, nt,
                        reference_user_based(Xt, St, rows_t, kt, nt), exclude_seen=True,
                        name="recommend_user_based on a tiny matrix (1 neighbour, fewer candidates than k)")
    _passed()


# ---------------------------------------------------------------- 8. ranking metrics
def _metric_variants(ranked, relevant, k):
    """Known wrong values per metric (means over cases)."""
    ranked = _asarray(ranked, dtype=_np.int64)
    top = ranked[:, :k]
    rel = [_set(int(x) for x in r) for r in relevant]
    hits = _array([[int(x) in rel[u] and x >= 0 for x in top[u]] for u in _range(top.shape[0])], dtype=bool)
    n_rel = _array([_len(r) for r in rel], dtype=_np.float64)
    n_shown = _maximum((top >= 0).sum(axis=1), 1)
    ranks = _arange(1, top.shape[1] + 1, dtype=_np.float64)
    with _errstate(divide="ignore", invalid="ignore"):
        dcg_log_r = (hits / _log2(ranks)).sum(axis=1)
        ideal_log_r = _array([(1.0 / _log2(ranks[: _int(_min(n, k))])).sum() for n in n_rel])
        dcg = (hits / _log2(ranks + 1)).sum(axis=1)
        ideal_all = _array([(1.0 / _log2(_arange(2, n + 2))).sum() for n in n_rel])
        any_hit = hits.any(axis=1)
        last = top.shape[1] - hits[:, ::-1].argmax(axis=1)
        first = hits.argmax(axis=1) + 1
        full_first = []
        for u in _range(ranked.shape[0]):  # MRR over the whole list, not cut at k
            pos = [j for j, x in enumerate(ranked[u]) if x >= 0 and int(x) in rel[u]]
            full_first.append(1.0 / (pos[0] + 1) if pos else 0.0)
        return {
            "hr": [("counted the hits; HR@K is 1 if at least one relevant item is in the top K, else 0",
                    hits.sum(axis=1).mean())],
            "precision": [("precision divided by the number of relevant items; precision@K divides by K",
                           (hits.sum(axis=1) / n_rel).mean()),
                          ("precision divided by the number of non-padded items; precision@K divides by K "
                           "(an empty slot is a wasted slot)", (hits.sum(axis=1) / n_shown).mean())],
            "recall": [("recall divided by K; recall divides by the number of relevant items |R_u|",
                        (hits.sum(axis=1) / k).mean()),
                       ("recall divided by min(|R_u|, K); recall@K divides by |R_u|",
                        (hits.sum(axis=1) / _np.minimum(n_rel, k)).mean())],
            "ndcg": [("log2(rank) instead of log2(rank + 1) in the discount (rank 1 would be divided by 0)",
                      (dcg_log_r / ideal_log_r).mean()),
                     ("DCG not normalised by the ideal DCG", dcg.mean()),
                     ("ideal DCG over all |R_u| relevant items; the ideal list has only min(|R_u|, K) hits",
                      (dcg / ideal_all).mean())],
            "mrr": [("used the LAST hit; the reciprocal rank is 1 / rank of the FIRST relevant item",
                     _where(any_hit, 1.0 / last, 0.0).mean()),
                    ("averaged the ranks, not the reciprocal ranks", _where(any_hit, first, 0.0).mean()),
                    ("MRR not cut at K: a first hit below rank K counts 0", _np.mean(full_first))],
        }


@_quietly
def check_ranking_metrics_on(ranking_metrics, ranked, relevant, k, expected, name="ranking_metrics"):
    ranked = _asarray(ranked, dtype=_np.int64)
    got = _c.call(ranking_metrics, ranked.copy(), [_list(r) if not _isinstance(r, _set) else _set(r) for r in relevant],
                  k, name=name)
    _c.check_type(got, _Series, name)
    if _list(got.index) != _list(METRICS):
        raise _CheckFailure(f"{name} should be indexed by {_list(METRICS)} in this order, got {_list(got.index)}.")
    expected = _asarray(expected, dtype=_np.float64)
    variants = None
    problems = []
    first_mistake = None
    for j, metric in enumerate(METRICS):
        try:
            g = _float(got.iloc[j])
        except (TypeError, ValueError):
            raise _CheckFailure(f"{name}[{metric!r}] should be a number, got {_short(got.iloc[j])}.") from None
        e = expected[j]
        if abs(g - e) <= 1e-9 + 1e-7 * abs(e):
            continue
        hint = None
        if variants is None:
            variants = _metric_variants(ranked, relevant, k)
        if _isnan(g) or not _isfinite(g):
            hint = ("log2(rank) instead of log2(rank + 1) in the discount (rank 1 would be divided by 0)"
                    if metric == "ndcg" else "a division by zero")
        for description, value in variants[metric]:
            if hint is None and _isfinite(value) and abs(g - value) <= 1e-9 + 1e-7 * abs(value):
                hint = description
        problems.append(f"{metric}: expected {e:.6g}, got {g:.6g}" + (f" (likely mistake: {hint})" if hint else ""))
        first_mistake = first_mistake or (metric, hint)
    if problems:
        metric, hint = first_mistake
        summary = f"{name}[{metric!r}] is wrong" + (f". Likely mistake: {hint}." if hint else
                                                     " (expected vs got below).")
        raise _CheckFailure("\n".join([summary] + problems))


def _reference_metrics(ranked, relevant, k):
    return [_ref_hr(ranked, relevant, k), _ref_precision(ranked, relevant, k), _ref_recall(ranked, relevant, k),
            _ref_ndcg(ranked, relevant, k), _ref_mrr(ranked, relevant, k)]


@_quietly
def check_ranking_metrics(ranking_metrics, ranked, relevant, k=10):
    """On the notebook's lists at ``k``, then cut at ``k // 2`` (shorter than the lists: every
    metric, MRR included, looks only at the top k // 2)."""
    relevant = [_list(r) for r in relevant]
    check_ranking_metrics_on(ranking_metrics, ranked, relevant, k, _reference_metrics(ranked, relevant, k))
    short = _max(1, k // 2)
    check_ranking_metrics_on(ranking_metrics, ranked, relevant, short, _reference_metrics(ranked, relevant, short),
                             name=f"ranking_metrics(k={short}, on lists of length {_asarray(ranked).shape[1]})")
    _passed()

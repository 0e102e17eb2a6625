"""Checks for module 04 (knn_collaborative_filtering). Test cells call ``check_<exercise>(student_function,
...)`` on the notebook's data (public tests: the learner's function against scikit-learn or the toolbox
reference in ``recsys_lib``) and ``check_<exercise>_on(...)`` with hand-computed expected values on tiny
inputs (hidden tests). Wrong answers are compared with the known mistakes (no square root, unclipped
rounding, vote ties broken the wrong way, transposed or binary interaction matrix, similarity not
normalised, items already seen recommended, log2(rank) in NDCG, precision over |R|, MRR of the last hit,
...) only after a check has failed."""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import pandas as _pd
import scipy.sparse as _sp

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m00_shop_data as _m00
from recsys_lib import columns as C
from recsys_lib import metrics as _metrics
from recsys_lib.features import interaction_matrix as _ref_interaction_matrix
from recsys_lib.models import PopularityRecommender as _Popularity
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
make_log = _m00.make_log
INTERACTION_TYPES = (C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)
METRICS = ("hr", "precision", "recall", "ndcg", "mrr")


_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr


def _copy(x):
    return x.copy() if hasattr(x, "copy") else x


def _as_array(got, name, kinds=None):
    if _issparse(got):
        raise _CheckFailure(f"{name} should be a dense NumPy array, got a scipy.sparse matrix; "
                            f"convert with .toarray().")
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


# ---------------------------------------------------------------- 1. euclidean distances
def _distance_mistakes(A, B):
    diff = A[:, None, :] - B[None, :, :]
    sq = (diff ** 2).sum(axis=2)
    return [
        _Mistake("squared distances: the square root is missing (fine for ranking neighbours, "
                 "but not the distance itself)", sq),
        _Mistake("Manhattan (L1) distance: sum of absolute differences instead of the Euclidean norm",
                 _abs(diff).sum(axis=2)),
        _Mistake("rows and columns swapped: row i must be A[i], column j must be B[j]",
                 _sqrt(sq).T if A.shape[0] == B.shape[0] else None),
    ]


@_quietly
def check_euclidean_distances_on(euclidean_distances, A, B, expected, name="euclidean_distances", atol=1e-6):
    A = _asarray(A, dtype=_np.float64)
    B = _asarray(B, dtype=_np.float64)
    got = _c.call(euclidean_distances, A.copy(), B.copy(), name="euclidean_distances")
    got = _as_array(got, name)
    expected = _asarray(expected, dtype=_np.float64)
    if got.shape == expected.shape[::-1] and got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape}. Likely mistake: rows "
                            f"and columns swapped: row i must be A[i], column j must be B[j].")
    if got.shape == expected.shape and _isnan(_asarray(got, dtype=_np.float64)).any():
        raise _CheckFailure(
            f"{name} contains NaN (e.g. for identical points). Likely mistake: rounding made "
            f"|a|^2 + |b|^2 - 2 a.b slightly negative; clip it at 0 (np.maximum(..., 0)) before the square root.")
    _close_lazy(got, expected, name, 1e-6, atol, lambda: _distance_mistakes(A, B))


@_quietly
def check_euclidean_distances(euclidean_distances, A, B):
    from scipy.spatial.distance import cdist
    A = _asarray(A, dtype=_np.float64)
    B = _asarray(B, dtype=_np.float64)
    check_euclidean_distances_on(euclidean_distances, A, B, cdist(A, B))
    _passed()


# ---------------------------------------------------------------- 2. KNN majority vote
def _vote_variant(distances, y, k, tie="smallest", order="near"):
    idx = _argsort(distances if order == "near" else -distances, axis=1, kind="stable")[:, :k]
    labels, codes = _unique(y, return_inverse=True)
    nb = codes[idx]
    counts = _zeros((distances.shape[0], labels.size), dtype=_np.int64)
    _np.add.at(counts, (_np.repeat(_arange(distances.shape[0]), nb.shape[1]), nb.ravel()), 1)
    best = counts.max(axis=1, keepdims=True)
    if tie == "smallest":
        pick = counts.argmax(axis=1)
    elif tie == "largest":
        pick = labels.size - 1 - counts[:, ::-1].argmax(axis=1)
    else:  # the label of the nearest neighbour among the tied labels
        tied = counts == best
        is_tied = tied[_arange(nb.shape[0])[:, None], nb]
        pick = nb[_arange(nb.shape[0]), is_tied.argmax(axis=1)]
    return labels[pick], (counts == best).sum(axis=1) > 1


@_quietly
def check_knn_predict_on(knn_predict, distances, y_train, k, expected, name="knn_predict"):
    distances = _asarray(distances, dtype=_np.float64)
    y_train = _asarray(y_train)
    got = _c.call(knn_predict, distances.copy(), y_train.copy(), k, name="knn_predict")
    got = _as_array(got, name)
    expected = _asarray(expected)
    if got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape} (one label per query row).")
    if got.dtype.kind not in "iuf":
        raise _CheckFailure(f"{name} should hold labels of y_train's type, got dtype {got.dtype}.")
    if (got == expected).all():
        return
    _, tie_rows = _vote_variant(distances, y_train, k)
    mistakes = [
        _Mistake("ties in the vote went to the largest label; break them towards the smallest label "
                 "(as scikit-learn does)", _vote_variant(distances, y_train, k, tie="largest")[0]),
        _Mistake("ties in the vote went to the nearest neighbour's label; break them towards the smallest "
                 "label (as scikit-learn does)", _vote_variant(distances, y_train, k, tie="nearest")[0]),
        _Mistake("voted among the k FARTHEST points; sort the distances in increasing order",
                 _vote_variant(distances, y_train, k, order="far")[0]),
        _Mistake("off by one: voted among k + 1 neighbours", _vote_variant(distances, y_train, k + 1)[0]),
        _Mistake("off by one: voted among k - 1 neighbours",
                 _vote_variant(distances, y_train, k - 1)[0] if k > 1 else None),
    ]
    wrong = got != expected
    if tie_rows.any() and not wrong[~tie_rows].any():
        mistakes.append(_Mistake(
            f"wrong only on queries whose vote is tied ({_int(wrong.sum())} of {_int(tie_rows.sum())} tied "
            f"queries): ties were broken at random or by a rule other than the smallest label",
            got))
    _c.check_close(got, expected, name, rtol=0, atol=0, mistakes=mistakes)


@_quietly
def check_knn_predict(knn_predict, X_train, y_train, X_query, ks=(1, 4, 7)):
    """Against scikit-learn's ``KNeighborsClassifier(algorithm="brute")`` on the same points."""
    from scipy.spatial.distance import cdist
    from sklearn.neighbors import KNeighborsClassifier
    D = cdist(X_query, X_train)
    for k in ks:
        clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X_train, y_train)
        check_knn_predict_on(knn_predict, D, y_train, k, clf.predict(X_query),
                             f"knn_predict with k={k} (vs scikit-learn's KNeighborsClassifier)")
    _passed()


# ---------------------------------------------------------------- 3. interaction matrix
def _to_csr(got, name):
    if not _issparse(got):
        if _isinstance(got, tuple):
            raise _CheckFailure(f"{name} should return only the matrix (a scipy.sparse matrix), got a tuple.")
        raise _CheckFailure(f"{name} should be a scipy.sparse matrix (e.g. csr_matrix), got "
                            f"{_type(got).__name__}. A dense users x items array is mostly zeros and "
                            f"does not scale to a real shop.")
    return _csr(got, dtype=_np.float64)


def _sparse_same(a, b) -> bool:
    if b is None or not _issparse(b) or a.shape != b.shape:
        return False
    d = (a - _csr(b, dtype=_np.float64))
    return d.nnz == 0 or _float(_abs(d.data).max()) < 1e-9


def _matrix_variant(events, users, items, types=INTERACTION_TYPES, binary=False):
    return _ref_interaction_matrix(events, event_types=types, users=users, items=items,
                                   binary=binary, unknown="ignore")[0]


@_quietly
def check_interaction_matrix_on(build_interaction_matrix, events, users, items, expected,
                                name="build_interaction_matrix"):
    before = events.copy()
    got = _c.call(build_interaction_matrix, events, _copy(users), _copy(items), name="build_interaction_matrix")
    if not before.equals(events):
        raise _CheckFailure(f"{name} modified its input table; work on a copy or build new objects.")
    got = _to_csr(got, name)
    expected = _csr(expected, dtype=_np.float64)
    if got.shape != expected.shape:
        if got.shape == expected.shape[::-1]:
            raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape}. Likely mistake: "
                                f"users and items swapped (transposed): rows are users, columns are items.")
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape} "
                            f"(len(users) rows, len(items) columns, in the given order).")
    if _sparse_same(got, expected):
        return
    mistakes = [
        ("duplicates not summed: a user who clicked an item 3 times must have 3 in that entry "
         "(assignment X[u, i] = 1 or drop_duplicates keeps only one)",
         _matrix_variant(events, users, items, binary=True)),
        ("counted impressions too; only click, favorite, add_to_cart and purchase events are interactions",
         _matrix_variant(events, users, items, types=(C.IMPRESSION,) + INTERACTION_TYPES)),
        ("counted only clicks; favorite, add_to_cart and purchase are interactions too",
         _matrix_variant(events, users, items, types=(C.CLICK,))),
        ("rows or columns in sorted id order instead of the order of `users` / `items`",
         _matrix_variant(events, _np.sort(_asarray(users)), _np.sort(_asarray(items)))),
    ]
    for description, value in mistakes:
        if _sparse_same(got, value):
            raise _CheckFailure(f"{name} is wrong. Likely mistake: {description}.")
    d = (got - expected).tocoo()
    bad = _abs(d.data) > 1e-9
    r, c = _int(d.row[bad][0]), _int(d.col[bad][0])
    raise _CheckFailure(f"{name} differs in {_int(bad.sum())} entries; first at (row {r}, column {c}) = "
                        f"(user {_asarray(users)[r]}, item {_asarray(items)[c]}): expected "
                        f"{expected[r, c]:g}, got {got[r, c]:g}.")


@_quietly
def check_interaction_matrix(build_interaction_matrix, events, users, items):
    expected = _ref_interaction_matrix(events, users=users, items=items)[0]
    check_interaction_matrix_on(build_interaction_matrix, events, users, items, expected)
    _passed()


# ---------------------------------------------------------------- 4. popularity
def _pop_variant(X, rows, k, exclude_seen, count="weight", order="desc"):
    pop = _asarray(X.sum(axis=0)).ravel() if count == "weight" else _asarray((X > 0).sum(axis=0)).ravel()
    scores = _np.tile(pop if order == "desc" else _where(pop > 0, 1.0 / _maximum(pop, 1e-300), 0.0),
                      (_len(rows), 1)).astype(_np.float64)
    valid = scores > 0
    if exclude_seen:
        valid &= ~(X[rows].toarray() > 0)
    return _ref_top_k(scores, k, valid)


@_quietly
def check_popularity_recommend_on(popularity_recommend, X, rows, k, expected, exclude_seen=True,
                                  name="popularity_recommend"):
    X = _csr(X, dtype=_np.float64)
    rows = _asarray(rows, dtype=_np.int64)
    got = _c.call(popularity_recommend, X.copy(), rows.copy(), k, exclude_seen=exclude_seen,
                  name="popularity_recommend")
    mistakes = lambda: [
        _Mistake("recommends items the user already interacted with; exclude the seen items",
                 _pop_variant(X, rows, k, False)) if exclude_seen else None,
        _Mistake("least popular first; sort by popularity in decreasing order", _pop_variant(X, rows, k, exclude_seen, order="asc")),
        _Mistake("popularity counted as distinct users; sum the interaction weights of each column",
                 _pop_variant(X, rows, k, exclude_seen, count="users")),
    ]
    _check_ranking(got, _asarray(expected), name, lambda: [m for m in mistakes() if m is not None], X.shape[1])


@_quietly
def check_popularity_recommend(popularity_recommend, X, rows, k=10):
    X = _csr(X, dtype=_np.float64)
    model = _Popularity().fit(X)
    for excl in (True, False):
        check_popularity_recommend_on(popularity_recommend, X, rows, k, model.recommend(rows, k, exclude_seen=excl),
                                      exclude_seen=excl, name=f"popularity_recommend(exclude_seen={excl})")
    _passed()


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
    got = _c.call(cosine_similarity_matrix, X.copy(), shrinkage=shrinkage, name="cosine_similarity_matrix")
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
        raise _CheckFailure(f"{name} contains NaN. Likely mistake: 0/0 for items nobody interacted with; "
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
                  name="recommend_item_based")
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


@_quietly
def check_item_based(recommend_item_based, X, rows, k=10):
    """Against ``ItemKNNRecommender``: ``S`` is its ``similarity_`` and ``expected`` its recommendations."""
    from recsys_lib.models import ItemKNNRecommender
    X = _csr(X, dtype=_np.float64)
    model = ItemKNNRecommender(n_neighbors=_int(_min(50, X.shape[1] - 1)), shrinkage=10.0).fit(X)
    S = model.similarity_.toarray()
    for excl in (True, False):
        check_item_based_on(recommend_item_based, X, S, rows, k, model.recommend(rows, k, exclude_seen=excl),
                            exclude_seen=excl,
                            name=f"recommend_item_based(exclude_seen={excl}) vs ItemKNNRecommender")
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
                  exclude_seen=exclude_seen, name="recommend_user_based")
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


@_quietly
def check_user_based(recommend_user_based, X, rows, k=10, n_neighbors=20):
    """Against ``UserKNNRecommender`` (same cosine, same neighbourhood)."""
    from recsys_lib.models import UserKNNRecommender
    X = _csr(X, dtype=_np.float64)
    S = user_cosine(X)
    model = UserKNNRecommender(n_neighbors=n_neighbors).fit(X)
    for excl in (True, False):
        check_user_based_on(recommend_user_based, X, S, rows, k, n_neighbors,
                            model.recommend(rows, k, exclude_seen=excl), exclude_seen=excl,
                            name=f"recommend_user_based(exclude_seen={excl}) vs UserKNNRecommender")
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
                  k, name="ranking_metrics")
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


@_quietly
def check_ranking_metrics(ranking_metrics, ranked, relevant, k=10):
    relevant = [_list(r) for r in relevant]
    exp = [_ref_hr(ranked, relevant, k), _ref_precision(ranked, relevant, k), _ref_recall(ranked, relevant, k),
           _ref_ndcg(ranked, relevant, k), _ref_mrr(ranked, relevant, k)]
    check_ranking_metrics_on(ranking_metrics, ranked, relevant, k, exp)
    _passed()

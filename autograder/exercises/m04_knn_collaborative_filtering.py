"""Checks for module 04 (knn_collaborative_filtering). Test cells call ``check_<exercise>(student_function,
...)`` on the notebook's data (public tests: the learner's function against scikit-learn or the toolbox
reference in ``recsys_lib``, plus small cases for every rule the task text states) and
``check_<exercise>_on(...)`` with hand-computed expected values on tiny inputs (hidden tests). Wrong
answers are compared with the known mistakes (no square root, unclipped rounding, vote ties broken the
wrong way, labels replaced by their positions, transposed or binary interaction matrix, ids used as
positions, similarity not normalised, items already seen recommended, log2(rank) in NDCG, precision
over |R|, MRR of the last hit, ...) only after a check has failed.

Split in two files (each under 450 lines): this one holds Exercises 1-4 and re-exports Exercises 5-8
from :mod:`autograder.exercises.m04_knn_collaborative_filtering_ranking`, so the notebook imports
everything from here.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again): the
square root of a clipped squared distance (identical points with large coordinates, where rounding
makes |a|^2 + |b|^2 - 2ab slightly negative); equal distances in index order and vote ties to the
smallest label, labels that are any integers (not 0, 1, 2, ...); interaction matrices for ids that
are not 1..n, in the order given; popularity 0 never recommended and -1 slots.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import scipy.sparse as _sp

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m00_shop_data as _m00
from autograder.exercises.m04_knn_collaborative_filtering_ranking import (  # noqa: F401  (re-exported)
    METRICS,
    TINY_ITEM_CASE,
    TINY_USER_CASE,
    _as_array,
    _check_ranking,
    _close_lazy,
    _copy,
    check_cosine_similarity,
    check_cosine_similarity_on,
    check_item_based,
    check_item_based_on,
    check_ranking_metrics,
    check_ranking_metrics_on,
    check_user_based,
    check_user_based_on,
    reference_cosine,
    reference_item_based,
    reference_user_based,
    user_cosine,
)
from recsys_lib import columns as C
from recsys_lib.features import interaction_matrix as _ref_interaction_matrix
from recsys_lib.models import PopularityRecommender as _Popularity
from recsys_lib.models import top_k as _ref_top_k

# Everything the checks use, bound at import time (before any student code runs), so rebinding a
# name in the notebook does not change what the checks do.
_asarray, _array, _sqrt, _maximum, _abs, _isnan = _np.asarray, _np.array, _np.sqrt, _np.maximum, _np.abs, _np.isnan
_argsort, _arange, _zeros, _where, _unique, _searchsorted = (
    _np.argsort, _np.arange, _np.zeros, _np.where, _np.unique, _np.searchsorted)
_default_rng = _np.random.default_rng
_issparse, _csr = _sp.issparse, _sp.csr_matrix
_len, _int, _float, _isinstance, _type = (_builtins.len, _builtins.int, _builtins.float, _builtins.isinstance,
                                         _builtins.type)
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr
_first_difference = _c.first_difference
make_log = _m00.make_log
INTERACTION_TYPES = (C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)


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
    got = _c.call(euclidean_distances, A.copy(), B.copy(), name=name)
    got = _as_array(got, name)
    expected = _asarray(expected, dtype=_np.float64)
    if got.shape == expected.shape[::-1] and got.shape != expected.shape:
        raise _CheckFailure(f"{name} has shape {got.shape}, expected {expected.shape}. Likely mistake: rows "
                            f"and columns swapped: row i must be A[i], column j must be B[j].")
    if got.shape == expected.shape and _isnan(_asarray(got, dtype=_np.float64)).any():
        bad = _np.argwhere(_isnan(_asarray(got, dtype=_np.float64)))
        i, j = (_int(v) for v in bad[0])
        raise _CheckFailure(
            f"{name} contains NaN in {_len(bad)} entries; first at index ({i}, {j}): expected {expected[i, j]:.6g}, "
            f"got nan (e.g. for identical points). Likely mistake: rounding made |a|^2 + |b|^2 - 2 a.b slightly "
            f"negative; clip it at 0 (np.maximum(..., 0)) before the square root.")
    _close_lazy(got, expected, name, 1e-6, atol, lambda: _distance_mistakes(A, B))


def large_points(n: int = 60, d: int = 4, seed: int = 7) -> _np.ndarray:
    """Points with coordinates in the thousands: for a point with itself, rounding makes
    |a|^2 + |a|^2 - 2 a.a slightly negative for many of them (the clipping rule, tested in public)."""
    return _np.round(_default_rng(seed).uniform(1000.0, 9000.0, size=(n, d)), 2)


@_quietly
def check_euclidean_distances(euclidean_distances, A, B):
    from scipy.spatial.distance import cdist
    A = _asarray(A, dtype=_np.float64)
    B = _asarray(B, dtype=_np.float64)
    check_euclidean_distances_on(euclidean_distances, A, B, cdist(A, B))
    P = large_points()
    check_euclidean_distances_on(euclidean_distances, P, P, cdist(P, P),
                                 "euclidean_distances of 60 points with large coordinates and themselves", atol=1e-3)
    _passed()


# ---------------------------------------------------------------- 2. KNN majority vote
def _vote_variant(distances, y, k, tie="smallest", order="near"):
    if order == "reversed_ties":        # nearest first, but equal distances by the HIGHER index
        n = distances.shape[1]
        idx = (n - 1 - _argsort(distances[:, ::-1], axis=1, kind="stable"))[:, :k]
    else:
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
    got = _c.call(knn_predict, distances.copy(), y_train.copy(), k, name=name)
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
        _Mistake("equal distances ordered by the HIGHER training index; the rule is the lower index first "
                 "(a stable sort of the distances)", _vote_variant(distances, y_train, k, order="reversed_ties")[0]),
        _Mistake("returned the position of the winning label in the sorted list of labels (0, 1, 2, ...), "
                 "not the label itself: the labels are any integers; map the positions back to them",
                 _searchsorted(_unique(y_train), expected) if _np.isin(expected, y_train).all() else None),
    ]
    wrong = got != expected
    if tie_rows.any() and not wrong[~tie_rows].any():
        mistakes.append(_Mistake(
            f"wrong only on queries whose vote is tied ({_int(wrong.sum())} of {_int(tie_rows.sum())} tied "
            f"queries): ties were broken at random or by a rule other than the smallest label",
            got))
    _c.check_close(got, expected, name, rtol=0, atol=0, mistakes=mistakes)


#: labels that are not 0, 1, 2, ...: the toy labels 0, 1, 2 renamed (the smallest label is -2)
RENAMED_LABELS = _array([7, -2, 40])
#: equal distances at the k-th neighbour: with k = 2, rows 0 and 1 must take the LOWER indices first
DISTANCE_TIES = (_array([[0.5, 0.2, 0.2, 0.9, 0.2], [0.3, 0.3, 0.1, 0.3, 0.8]]), _array([3, 2, 3, 2, 1]), 2,
                 _array([2, 3]))


@_quietly
def check_knn_predict(knn_predict, X_train, y_train, X_query, ks=(1, 4, 7)):
    """Against scikit-learn's ``KNeighborsClassifier(algorithm="brute")`` on the same points (the
    toy labels, then the same labels renamed to integers that are not 0, 1, 2), and a small case
    with equal distances (scikit-learn's order for those depends on its partial sort, so the
    expected answer there is the stated rule: the lower index first)."""
    from scipy.spatial.distance import cdist
    from sklearn.neighbors import KNeighborsClassifier
    D = cdist(X_query, X_train)
    y_train = _asarray(y_train)
    renamed = RENAMED_LABELS[_unique(y_train, return_inverse=True)[1] % _len(RENAMED_LABELS)]
    for labels, what in ((y_train, ""), (renamed, ", labels renamed to 7, -2 and 40")):
        for k in ks:
            clf = KNeighborsClassifier(n_neighbors=k, algorithm="brute").fit(X_train, labels)
            check_knn_predict_on(knn_predict, D, labels, k, clf.predict(X_query),
                                 f"knn_predict with k={k}{what} (vs scikit-learn's KNeighborsClassifier)")
    D_ties, y_ties, k_ties, expected = DISTANCE_TIES
    check_knn_predict_on(knn_predict, D_ties, y_ties, k_ties, expected,
                         f"knn_predict with equal distances at the k-th neighbour (k={k_ties})")
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
    got = _c.call(build_interaction_matrix, events, _copy(users), _copy(items), name=name)
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
    d = (got - expected).tocoo()
    bad = _abs(d.data) > 1e-9
    order = _np.lexsort((d.col[bad], d.row[bad]))             # the first differing entry, row by row
    r, c = _int(d.row[bad][order[0]]), _int(d.col[bad][order[0]])
    where = (f"{name} differs in {_int(bad.sum())} entries; first at (row {r}, column {c}) = "
             f"(user {_asarray(users)[r]}, item {_asarray(items)[c]}): expected {expected[r, c]:g}, got {got[r, c]:g}.")
    for description, value in mistakes:
        if _sparse_same(got, value):
            raise _CheckFailure(f"{where} Likely mistake: {description}.")
    raise _CheckFailure(where)


def small_log():
    """A small public log whose user and item ids are not 1..n, passed in an order that is not sorted
    (the rule "in the order given"), with a repeated click, an impression and a search."""
    log = make_log([
        (7, 1, "2025-05-01 10:00", "click", 120), (7, 1, "2025-05-01 10:01", "click", 120),
        (7, 1, "2025-05-01 10:02", "impression", 450), (7, 1, "2025-05-01 10:05", "purchase", 120),
        (42, 2, "2025-05-01 11:00", "favorite", 450), (42, 2, "2025-05-01 11:01", "impression", 60),
        (19, 3, "2025-05-02 09:00", "add_to_cart", 60), (19, 3, "2025-05-02 09:01", "click", 300),
        (19, 3, "2025-05-02 09:02", "search", None), (42, 4, "2025-05-03 12:00", "click", 300)])
    return log, _array([42, 7, 19]), _array([300, 120, 450, 60])


@_quietly
def check_interaction_matrix(build_interaction_matrix, events, users, items):
    expected = _ref_interaction_matrix(events, users=users, items=items)[0]
    check_interaction_matrix_on(build_interaction_matrix, events, users, items, expected)
    log, u, i = small_log()
    check_interaction_matrix_on(build_interaction_matrix, log, u, i, _ref_interaction_matrix(log, users=u, items=i)[0],
                                "build_interaction_matrix (small log, ids not 1..n, unsorted)")
    _passed()


# ---------------------------------------------------------------- 4. popularity
def _pop_variant(X, rows, k, exclude_seen, count="weight", order="desc", zero_ok=False, pad=True):
    pop = _asarray(X.sum(axis=0)).ravel() if count == "weight" else _asarray((X > 0).sum(axis=0)).ravel()
    scores = _np.tile(pop if order == "desc" else _where(pop > 0, 1.0 / _maximum(pop, 1e-300), 0.0),
                      (_len(rows), 1)).astype(_np.float64)
    valid = _np.ones(scores.shape, dtype=bool) if zero_ok else scores > 0
    if exclude_seen:
        valid &= ~(X[rows].toarray() > 0)
    if not pad:       # non-candidates sorted to the end instead of replaced by -1
        return _argsort(-_where(valid, scores, -_np.inf), axis=1, kind="stable")[:, :k]
    return _ref_top_k(scores, k, valid)


@_quietly
def check_popularity_recommend_on(popularity_recommend, X, rows, k, expected, exclude_seen=True,
                                  name="popularity_recommend"):
    X = _csr(X, dtype=_np.float64)
    rows = _asarray(rows, dtype=_np.int64)
    got = _c.call(popularity_recommend, X.copy(), rows.copy(), k, exclude_seen=exclude_seen, name=name)
    mistakes = lambda: [
        _Mistake("recommends items the user already interacted with; exclude the seen items",
                 _pop_variant(X, rows, k, False)) if exclude_seen else None,
        _Mistake("least popular first; sort by popularity in decreasing order", _pop_variant(X, rows, k, exclude_seen, order="asc")),
        _Mistake("popularity counted as distinct users; sum the interaction weights of each column",
                 _pop_variant(X, rows, k, exclude_seen, count="users")),
        _Mistake("items with popularity 0 recommended; they are never candidates (their slot holds -1)",
                 _pop_variant(X, rows, k, exclude_seen, zero_ok=True)),
        _Mistake("slots without a candidate are filled with excluded items (sorted to the end) instead of -1",
                 _pop_variant(X, rows, k, exclude_seen, pad=False)),
        _Mistake("items with popularity 0 recommended, and slots without a candidate not set to -1: only items "
                 "with a positive popularity are candidates; empty slots hold -1",
                 _pop_variant(X, rows, k, exclude_seen, zero_ok=True, pad=False)),
    ]
    _check_ranking(got, _asarray(expected), name, lambda: [m for m in mistakes() if m is not None], X.shape[1])


#: a tiny public case: items 2 and 4 have popularity 0, ties (items 0 and 3) by the lower index, -1 slots
TINY_POPULARITY_CASE = (_array([[0.0, 2, 0, 1, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]), _array([0, 1]), 4)


@_quietly
def check_popularity_recommend(popularity_recommend, X, rows, k=10):
    X = _csr(X, dtype=_np.float64)
    model = _Popularity().fit(X)
    for excl in (True, False):
        check_popularity_recommend_on(popularity_recommend, X, rows, k, model.recommend(rows, k, exclude_seen=excl),
                                      exclude_seen=excl, name=f"popularity_recommend(exclude_seen={excl})")
    Xt, rows_t, kt = TINY_POPULARITY_CASE
    Xt = _csr(Xt)
    for excl in (True, False):
        check_popularity_recommend_on(popularity_recommend, Xt, rows_t, kt, _pop_variant(Xt, rows_t, kt, excl),
                                      exclude_seen=excl,
                                      name=f"popularity_recommend(exclude_seen={excl}) on a tiny matrix (items "
                                           f"with popularity 0, ties, -1 slots)")
    _passed()

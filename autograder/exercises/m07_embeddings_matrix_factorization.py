r"""Checks for module 07 (embeddings_matrix_factorization). Test cells call ``check_<exercise>(student_fn,
...)`` (public tests, on the notebook's data or small published inputs, against the toolbox references in
``recsys_lib``) and ``check_<exercise>_on(...)`` (hidden tests, on inputs the learner never saw).

Conventions (those of :mod:`recsys_lib.models.factorization`, :mod:`recsys_lib.sampling` and
:mod:`recsys_lib.embeddings`): ``x_uij = p_u.(q_i - q_j) + b_i - b_j``; the batch loss is the SUM over
triples of ``softplus(-x_uij) + lam/2 (|p_u|^2 + |q_i|^2 + |q_j|^2 + b_i^2 + b_j^2)``; an epoch applies
the batches in the given order, each from the parameters before it, and returns copies; negatives are
never positives of their user, uniform over the others or proportional to (number of users) ** power;
cold start is a ridge map with an unpenalised intercept fitted on the known items only; neighbours are
by cosine, self excluded, ties by the lower index. Known mistakes are named only after a check failed.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as _np
import scipy.sparse as _sp

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m07_embeddings_matrix_factorization_data as _d
from recsys_lib import embeddings as _emb
from recsys_lib.models import factorization as _fac

# Everything the checks use, bound at import time (before any student code runs).
_ref_one_hot, _ref_cold, _ref_nn = _emb.one_hot, _emb.cold_start_embeddings, _emb.nearest_neighbours
_ref_loss, _ref_grads, _ref_epoch = _fac.bpr_loss, _fac.bpr_gradients, _fac.bpr_sgd_epoch
_asarray, _array, _float64, _int64 = _np.asarray, _np.array, _np.float64, _np.int64
_isfinite, _isnan, _abs, _unique, _sort, _default_rng = (_np.isfinite, _np.isnan, _np.abs, _np.unique, _np.sort,
                                                       _np.random.default_rng)
_bincount, _array_equal, _repeat, _tile, _ndarray = _np.bincount, _np.array_equal, _np.repeat, _np.tile, _np.ndarray
_issparse, _csr = _sp.issparse, _sp.csr_matrix
_len, _float, _int, _isinstance, _tuple, _list, _str, _range, _min, _max, _round = (
    _builtins.len, _builtins.float, _builtins.int, _builtins.isinstance, _builtins.tuple, _builtins.list,
    _builtins.str, _builtins.range, _builtins.min, _builtins.max, _builtins.round)
_zip, _type, _next = _builtins.zip, _builtins.type, _builtins.next
_fail, _unchanged, _passed, _Mistake, _CheckFailure = _c.fail, _c.unchanged, _c.passed, _c.Mistake, _c.CheckFailure
_quietly, _short = _c.quietly, _c._short


def _dense(got, name, kinds="f"):
    if _issparse(got):
        _fail(f"{name} should be a dense NumPy array, got a scipy.sparse matrix.")
    _c.check_type(got, _ndarray, name)
    _c.check_dtype(got, kinds, name)
    return got


def _copies(*arrays):
    return [a.copy() for a in arrays]


# ---------------------------------------------------------------- 1. one-hot
@_quietly
def check_one_hot_on(one_hot, ids, n, expected, name="one_hot"):
    given = _list(ids) if _isinstance(ids, (_list, _tuple)) else _asarray(ids, dtype=_int64).copy()
    ids = _asarray(ids, dtype=_int64)
    got = _c.call(one_hot, given, n, name=name)                 # the name says which input (a list?)
    got = _dense(got, name, "fiub")
    expected = _asarray(expected, dtype=_float64)
    if got.shape != expected.shape and got.shape == expected.shape[::-1]:
        _fail(f"{name} has shape {got.shape}, expected {expected.shape}.", mistake=(
            "wrong orientation: H has one ROW per id and one column per table row, (len(ids), n), so "
            "that H @ E gives one embedding per row"))
    if got.shape == (_unique(ids).size, n) and got.shape != expected.shape:
        _fail(f"{name} has shape {got.shape}, expected {expected.shape}.", mistake=(
            "one row per distinct id: every entry of ids (repeats included) gets its own row, in the "
            "order given"))
    _c.check_shape(got, expected.shape, name)
    if got.dtype.kind != "f":
        _fail(f"{name} has dtype {got.dtype}; return floats, so that H @ E is a float product like E's rows.")
    _c.check_close(got, expected, name, rtol=0, atol=0, mistakes=[
        _Mistake("wrong orientation: row b must be the one-hot vector of ids[b] (H, not H.T)",
                 expected.T if expected.shape[0] == expected.shape[1] else None),
        _Mistake("rows in sorted id order; keep the order given", _ref_one_hot(_sort(ids), n)),
        _Mistake("H[:, ids] = 1 puts a 1 in the column of EVERY id in every row: index with the row numbers "
                 "and the ids together, one (row b, column ids[b]) pair per entry", _d.one_hot_all_columns(ids, n)),
    ])


@_quietly
def check_one_hot(one_hot, ids, n):
    check_one_hot_on(one_hot, [3, 0, 3, 1], 5, _ref_one_hot([3, 0, 3, 1], 5),
                     "one_hot([3, 0, 3, 1], 5) (ids as a list)")
    check_one_hot_on(one_hot, ids, n, _ref_one_hot(_asarray(ids, dtype=_int64), n), "one_hot on the notebook's ids")
    check_one_hot_on(one_hot, _array([], dtype=_int64), 3, _ref_one_hot([], 3), "one_hot of no ids (shape (0, 3))")
    _passed()


# ---------------------------------------------------------------- 2. BPR loss
def _loss_mistakes(args):
    V = _d.bpr_loss_variant
    return [
        _Mistake("the sign of the difference is flipped: x_uij = x_ui - x_uj (positive minus negative)",
                 V(*args, flip=True)),
        _Mistake("penalty lam * ||theta||^2: the convention here is lam/2 * ||theta||^2 (its gradient is lam * theta)",
                 V(*args, reg="full")),
        _Mistake("penalty on the norms ||theta||, not on the SQUARED norms ||theta||^2",
                 V(*args, reg="norm")),
        _Mistake("penalty lam * ||theta|| (norms, not squared norms, and no 1/2)", V(*args, reg="norm_full")),
        _Mistake("the penalty is missing", V(*args, reg="none")),
        _Mistake("the whole tables P, Q, b penalised once; penalise the parameters of each triple (u, i, j)",
                 V(*args, reg="tables")),
        _Mistake("each distinct user and item penalised once; a parameter in several triples is penalised once "
                 "per triple", V(*args, reg="distinct")),
        _Mistake("the biases b_i, b_j are not penalised", V(*args, reg="factors_only")),
        _Mistake("mean over the triples instead of the sum", V(*args, mean=True)),
        _Mistake("log sigma(x) without the minus sign: the loss is -log sigma(x_uij)", V(*args, negate=True)),
        _Mistake("the item biases are missing from the scores x_ui = p_u . q_i + b_i", V(*args, no_bias=True)),
    ]


@_quietly
def check_bpr_loss_on(bpr_loss, P, Q, b, users, pos, neg, lam, expected, name="bpr_loss"):
    arrays = [_array(a, dtype=_float64) for a in (P, Q, b)] + [_array(a, dtype=_int64) for a in (users, pos, neg)]
    before = _copies(*arrays)
    got = _c.call(bpr_loss, *arrays, lam, name="bpr_loss")
    for a, c, what in _zip(before, arrays, ("P", "Q", "b", "users", "pos", "neg")):
        _unchanged(a, c, "bpr_loss", f"argument {what}")
    try:
        value = _asarray(got, dtype=_float64)
    except (TypeError, ValueError):
        value = _asarray([0.0, 0.0])
    if _isinstance(got, _tuple) or value.size != 1:
        _fail(f"{name} should return one number (the loss summed over the triples), got {_short(got)}.")
    value = _float(value.reshape(()))
    if not _isfinite(value):
        _fail(f"{name} is {value} for score differences as large as those of this check; expected "
              f"{_float(expected):.6g}.", mistake=(
                  "-log sigma(x) computed naively: log(sigmoid(x)) is log(0) = -inf at x = -800, and "
                  "log(1 + exp(-x)) overflows there (exp(800) = inf). Use -log sigma(x) = softplus(-x), "
                  "computed stably (module 02)"))
    _c.check_close(value, _float(expected), name, rtol=1e-9, atol=1e-9,
                   mistakes=_loss_mistakes((*arrays[:6], _float(lam))))


@_quietly
def check_bpr_loss(bpr_loss):
    P, Q, b, u, i, j = _d.bpr_problem(7)
    check_bpr_loss_on(bpr_loss, P, Q, b, u, i, j, 0.1, _ref_loss(P, Q, b, u, i, j, 0.1), "bpr_loss (lam=0.1)")
    P, Q, b = P * 40.0, Q * 40.0, b * 40.0                       # margins of several hundred
    check_bpr_loss_on(bpr_loss, P, Q, b, u, i, j, 0.0, _ref_loss(P, Q, b, u, i, j, 0.0),
                      "bpr_loss with large score differences (lam=0)")
    _passed()


# ---------------------------------------------------------------- 3. BPR gradients
_GRADIENT_MISTAKES = (
    ("the sign of the difference is flipped (x_uj - x_ui): this is the gradient of -log sigma(x_uji)",
     dict(flip="loss")),
    ("g computed from the flipped difference x_uj - x_ui", dict(flip="g")),
    ("the penalty's gradient is 2 lam theta, but the loss has lam/2 ||theta||^2, whose gradient is lam theta: "
     "loss and gradient do not match", dict(reg=2.0)),
    ("the penalty's gradient lam * theta is missing", dict(reg=0.0)),
    ("repeated users/items do not accumulate: a buffered fancy-index update (dQ[pos] += ...) keeps only one "
     "of the repeated rows; use an unbuffered scatter-add (np.add.at)", dict(buffered=True)),
    ("d(-log sigma(x))/dx is -sigma(-x) = sigma(x) - 1, not -sigma(x)", dict(g_kind="sigma_x")),
    ("the sign of the data term is flipped: d(-log sigma(x))/dx = -sigma(-x) is negative", dict(g_kind="plus")),
    ("the bias gradient db is missing (zeros)", dict(no_bias_grad=True)),
    ("the negative item's terms are missing: q_j and b_j appear in x_uij with a minus sign, so they get "
     "-g p_u + lam q_j and -g + lam b_j", dict(negative="missing")),
    ("the negative item's terms have the positive item's sign: d x_uij / d q_j = -p_u and d x_uij / d b_j = -1",
     dict(negative="same_sign")),
    ("the data term divided by the number of triples: the loss is a SUM over the triples", dict(mean=True)),
    ("the whole gradient has the wrong sign (this is the ascent direction)", dict(sign=-1.0)),
)


@_quietly
def check_bpr_gradients_on(bpr_gradients, P, Q, b, users, pos, neg, lam, name="bpr_gradients"):
    arrays = [_array(a, dtype=_float64) for a in (P, Q, b)] + [_array(a, dtype=_int64) for a in (users, pos, neg)]
    before = _copies(*arrays)
    got = _c.call(bpr_gradients, *arrays, lam, name="bpr_gradients")
    for a, c, what in _zip(before, arrays, ("P", "Q", "b", "users", "pos", "neg")):
        _unchanged(a, c, "bpr_gradients", f"argument {what}")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 3):
        _fail(f"{name} should return a tuple (dP, dQ, db), got {_type(got).__name__}.")
    P, Q, b, u, i, j = arrays
    variants = [(text, _d.bpr_gradient_variant(P, Q, b, u, i, j, _float(lam), **kw)) for text, kw in _GRADIENT_MISTAKES]
    blocks = (("dP", 0, P, lambda x: _ref_loss(x, Q, b, u, i, j, lam)),
              ("dQ", 1, Q, lambda x: _ref_loss(P, x, b, u, i, j, lam)),
              ("db", 2, b, lambda x: _ref_loss(P, Q, x, u, i, j, lam)))
    for label, k, x, f in blocks:
        g = _asarray(got[k], dtype=_float64) if not _issparse(got[k]) else _asarray(got[k].toarray())
        _c.check_gradient(f, g, x, name=f"{name}: {label}", threshold=1e-6, eps=1e-6,
                          mistakes=[_Mistake(text, v[k]) for text, v in variants])


@_quietly
def check_bpr_gradients(bpr_gradients):
    P, Q, b, u, i, j = _d.bpr_problem(3)
    check_bpr_gradients_on(bpr_gradients, P, Q, b, u, i, j, 0.2, "bpr_gradients (repeated users and items, lam=0.2)")
    _passed()


# ---------------------------------------------------------------- 4. negative sampling
def _tv(p, q):
    return 0.5 * _float(_abs(_asarray(p) - _asarray(q)).sum())


def _call_sampler(sample_negatives, X, users, seed, method, power, name):
    try:
        return _c.call(sample_negatives, X.copy(), users.copy(), _default_rng(seed), method=method, power=power,
                       name="sample_negatives")
    except _CheckFailure as exc:
        if "sum to 1" in _str(exc) or "sum to one" in _str(exc):
            _fail(f"{name}: {_str(exc).splitlines()[0]}", mistake=(
                "the sampling probabilities are not normalised: raise the counts to the power first, then "
                "divide by the sum of the powered counts"))
        raise


@_quietly
def check_sample_negatives_on(sample_negatives, X, users, method, power, seed=0, name="sample_negatives"):
    X = _csr(X, dtype=_float64)
    users = _asarray(users, dtype=_int64)
    n_items = X.shape[1]
    got = _call_sampler(sample_negatives, X, users, seed, method, power, name)
    got = _dense(got, name, "iu")
    _c.check_shape(got, users.shape, name)
    if got.size and (got.min() < 0 or got.max() >= n_items):
        _fail(f"{name} returned values outside 0 .. {n_items - 1}: return column indices of items.")
    again = _call_sampler(sample_negatives, X, users, seed, method, power, name)
    if not _array_equal(_asarray(again), got):
        _fail(f"{name} is not reproducible: two calls with np.random.default_rng({seed}) gave different items.",
              mistake="it draws from NumPy's global, unseeded state (np.random.randint / choice); draw from rng")
    other = _call_sampler(sample_negatives, X, users, seed + 1, method, power, name)
    if _array_equal(_asarray(other), got):
        _fail(f"{name} gives the same items for different generators (seeds {seed} and {seed + 1}).",
              mistake="it ignores rng (a fixed seed or a generator made inside the function); draw from rng")
    hit = _asarray(X[users, got]).ravel() > 0
    has_positives = _asarray(X.getnnz(axis=1))[users] > 0
    if has_positives.any() and hit[has_positives].all():
        _fail(f"{name}: every sample of a user with positives is one of that user's positives.", mistake=(
            "negatives sampled from the user's positives: a negative is an item the user has NOT interacted with"))
    if hit.any():
        k = _int(hit.argmax())
        _fail(f"{name}: {_int(hit.sum())} of {hit.size} samples are positives of their user (first: entry {k}, "
              f"user {_int(users[k])}, item {_int(got[k])}).",
              mistake="the user's positives are not excluded: redraw the samples that hit a positive")
    worst = None
    for user in _unique(users):
        emp = _bincount(got[users == user], minlength=n_items) / (users == user).sum()
        want = _d.negative_distribution(X, user, method, power)
        if _tv(emp, want) > 0.02 and (worst is None or _tv(emp, want) > worst[0]):
            worst = (_tv(emp, want), user, emp, want)
    if worst is None:
        return
    tv, user, emp, want = worst
    D = _d.negative_distribution
    cands = [("uniform sampling although method='popularity' was asked for", D(X, user, "uniform", power))
             if method == "popularity" else None,
             ("popularity sampling although method='uniform' was asked for", D(X, user, "popularity", 0.75))
             if method == "uniform" else None,
             ("power ignored: probabilities proportional to the counts (power 1)", D(X, user, "popularity", 1.0))
             if method == "popularity" and power != 1.0 else None,
             ("popularity by summed interaction weights; count the USERS of each item (nonzero entries)",
              D(X, user, "popularity", power, count="weights")) if method == "popularity" else None,
             ("uniform over the items that have interactions only; every item the user has not interacted with "
              "is a candidate, also items nobody clicked", D(X, user, "popularity", 1e-12))
             if method == "uniform" else None,
             ("the last item is never drawn: the upper bound of rng.integers(low, high) is exclusive, so draw "
              "rng.integers(0, n_items)", D(X, user, "uniform_but_last", power)) if method == "uniform" else None]
    mistake = _next((text for text, dist in (c for c in cands if c is not None) if _tv(emp, dist) <= 0.02), None)
    _fail(f"{name} does not follow the stated distribution for user {_int(user)}: "
          f"total variation distance {tv:.3f} between the sampled and the expected frequencies (tolerance 0.02).",
          f"Expected frequencies: {_short(_asarray(want).round(3))}", f"Got:                  {_short(emp.round(3))}",
          mistake=mistake)


@_quietly
def check_sample_negatives(sample_negatives):
    X = _d.sampling_matrix()
    users = _default_rng(70).permutation(_repeat(_array([0, 3, 4]), 30_000))
    for method, power in (("uniform", 0.75), ("popularity", 0.75), ("popularity", 1.0)):
        check_sample_negatives_on(sample_negatives, X, users, method, power, seed=1,
                                  name=f"sample_negatives(method={method!r}, power={power})")
    _passed()


# ---------------------------------------------------------------- 5. the SGD epoch
_SGD_MISTAKES = (
    ("one update for the whole epoch (full batch): update after each batch of batch_size triples", "full_batch"),
    ("one update per triple: a mini-batch applies all its triples' gradients at once, from the same parameters",
     "per_triple"),
    ("the update goes UP the gradient: theta <- theta - learning_rate * gradient", "ascent"),
    ("the batch gradient divided by the batch size: the loss is a sum, each triple is one SGD step", "mean_grad"),
    ("the last, smaller batch is dropped: every triple must be used", "drop_last"),
    ("the loss is measured after the update; take each batch's loss before its update", "loss_after"),
    ("mean_loss includes the penalty: it is the mean of -log sigma(x_uij) alone (your loss with lam = 0)",
     "with_penalty"),
)


@_quietly
def check_bpr_sgd_epoch_on(bpr_sgd_epoch, P, Q, b, users, pos, neg, lr, lam, batch_size, name="bpr_sgd_epoch"):
    arrays = [_array(a, dtype=_float64) for a in (P, Q, b)] + [_array(a, dtype=_int64) for a in (users, pos, neg)]
    before = _copies(*arrays)
    got = _c.call(bpr_sgd_epoch, *arrays, lr, lam, batch_size, name="bpr_sgd_epoch")
    for a, c, what in _zip(before, arrays, ("P", "Q", "b", "users", "pos", "neg")):
        _unchanged(a, c, "bpr_sgd_epoch", f"argument {what}")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 4):
        _fail(f"{name} should return a tuple (P, Q, b, mean_loss), got {_type(got).__name__}.")
    want = _d.sgd_epoch_variant(*arrays, lr, lam, batch_size)
    variants = [(text, _d.sgd_epoch_variant(*arrays, lr, lam, batch_size, mode)) for text, mode in _SGD_MISTAKES]
    for k, label in enumerate(("P", "Q", "b", "mean_loss")):
        _c.check_close(got[k], want[k], f"{name}: {label}", rtol=1e-8, atol=1e-10,
                       mistakes=[_Mistake(text, v[k]) for text, v in variants
                                 if not _c._all_close(v[k], want[k], 1e-8, 1e-10)])


@_quietly
def check_bpr_sgd_epoch(bpr_sgd_epoch):
    P, Q, b, u, i, j = _d.bpr_problem(11, n_users=10, n_items=12, k=4, n=50)
    check_bpr_sgd_epoch_on(bpr_sgd_epoch, P, Q, b, u, i, j, 0.1, 0.05, 16,
                           "bpr_sgd_epoch (50 triples, batch_size=16, lr=0.1, lam=0.05)")
    _passed()


# ---------------------------------------------------------------- 6. cold start
@_quietly
def check_cold_start_on(cold_start_factors, F, T, known, alpha, expected, name="cold_start_factors"):
    F, T = _array(F, dtype=_float64), _array(T, dtype=_float64)
    known = _array(known, dtype=bool)
    before = _copies(F, T, known)
    got = _c.call(cold_start_factors, F, T, known, alpha, name="cold_start_factors")
    for a, c, what in _zip(before, (F, T, known), ("F", "T", "known")):
        _unchanged(a, c, "cold_start_factors", f"argument {what}")
    got = _dense(got, name, "f")
    n_new = _int((~known).sum())
    if got.shape == (F.shape[0], T.shape[1]) and n_new != F.shape[0]:
        _fail(f"{name} has shape {got.shape}, expected {(n_new, T.shape[1])}.",
              mistake="predictions for every item: return only the rows of the new items (known == False), in order")
    _c.check_shape(got, (n_new, T.shape[1]), name)
    T_other = T.copy()
    T_other[~known] = _default_rng(0).normal(scale=10.0, size=(n_new, T.shape[1]))
    again = _c.call(cold_start_factors, F, T_other, known, alpha, name="cold_start_factors")
    if not _c._all_close(again, got, 1e-9, 1e-12):
        _fail(f"{name} changes when only the new items' rows of T change.", mistake=(
            "the map is fitted on the new items too (leakage: their embeddings are unknown at launch); fit on "
            "the rows with known == True only"))
    modes = (("intercept penalised by alpha; the intercept is not penalised", "penalised_intercept"),
             ("no intercept column: add a constant feature (not penalised)", "no_intercept"),
             ("alpha ignored (plain least squares)", "ols"))
    _c.check_close(got, expected, name, rtol=1e-6, atol=1e-9,
                   mistakes=[_Mistake(t, _d.cold_start_variant(F, T, known, alpha, m)) for t, m in modes])


@_quietly
def check_cold_start(cold_start_factors, F, T, known, alpha):
    check_cold_start_on(cold_start_factors, F, T, known, alpha, _ref_cold(F, T, known, alpha),
                        f"cold_start_factors on the shop's items (alpha={alpha:g})")
    _passed()


# ---------------------------------------------------------------- 7. cosine neighbours
_NN_MISTAKES = (("a small epsilon added to the norms (E / (norm + eps)): the cosines are then slightly off and "
                 "exact ties split (longer rows win); divide by the exact norm where it is positive, 0 elsewhere",
                 "epsilon"),
                ("dot products, not cosines: normalise the rows (divide by their norms) first", "dot"),
                ("only the query rows normalised: the cosine divides by both norms", "query_only"),
                ("the item itself is its own nearest neighbour: exclude it", "self"),
                ("ties broken by the higher index; break them by the lower index", "high_ties"),
                ("similarities returned as cosine distances 1 - cos", "distance"),
                ("smallest cosines first (a sort without the minus sign): the best, largest cosine comes first",
                 "ascending"),
                ("smallest cosines first (a sort without the minus sign), so the item itself, given -inf, comes "
                 "first: the best, largest cosine comes first", "ascending_self_first"),
                ("every query row is excluded from every query's neighbours (S[:, rows]): exclude only each "
                 "query's own entry, (a, rows[a])", "all_queries"),
                ("the first column of the ranking dropped instead of excluding the item itself: with ties or an "
                 "all-zero row the item is not always its own first neighbour", "drop_first"))


@_quietly
def check_nearest_items_on(nearest_items, E, rows, n, name="nearest_items"):
    E = _array(E, dtype=_float64)
    rows = _array(rows, dtype=_int64)
    before = _copies(E, rows)
    got = _c.call(nearest_items, E, rows, n, name="nearest_items")
    _unchanged(before[0], E, "nearest_items", "argument E")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 2):
        _fail(f"{name} should return a tuple (indices, similarities), got {_type(got).__name__}.")
    idx, sims = _dense(got[0], f"{name}: indices", "iu"), _dense(got[1], f"{name}: similarities", "f")
    want_idx, want_sims = _ref_nn(E, rows, n)
    _c.check_shape(idx, want_idx.shape, f"{name}: indices")
    _c.check_shape(sims, want_sims.shape, f"{name}: similarities")
    if _isnan(sims).any():
        _fail(f"{name}: the similarities contain NaN.", mistake=(
            "0/0 for an all-zero row: its cosine with anything is 0 (divide only where the norm is positive)"))
    variants = [(text, _d.neighbours_variant(E, rows, n, mode)) for text, mode in _NN_MISTAKES]
    _c.check_close(idx, want_idx, f"{name}: indices", rtol=0, atol=0,
                   mistakes=[_Mistake(t, v[0]) for t, v in variants if not _array_equal(v[0], want_idx)])
    _c.check_close(sims, want_sims, f"{name}: similarities", rtol=1e-9, atol=1e-12,
                   mistakes=[_Mistake(t, v[1]) for t, v in variants])


@_quietly
def check_nearest_items(nearest_items, E, rows, n=5):
    check_nearest_items_on(nearest_items, E, rows, n, "nearest_items on the BPR item factors")
    ties = _array([[1.0, 0.0], [2.0, 0.0], [0.0, 0.0], [3.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    check_nearest_items_on(nearest_items, ties, [0, 2, 5], 3, "nearest_items with ties and an all-zero row")
    _passed()

r"""Checks for module 05 (svm). Test cells call ``check_<exercise>(student_function, ...)`` (public tests
on seeded synthetic data and on hand-made points whose margins are exactly 1) and
``check_<exercise>_on(...)`` (hidden tests, on inputs the learner never sees).

Conventions (those of :mod:`recsys_lib.models.svm` and :mod:`recsys_lib.kernels`): labels in {-1, +1};
``f(x) = w.x + b``; hinge ``max(0, 1 - y f)``; the primal ``1/2 ||w||^2 + C sum hinge`` (a
minimisation, bias not penalised); Pegasos's ``J = lam/2 ||w||^2 + mean hinge`` and its sub-gradient
with the active set ``y f < 1`` (a point exactly on the margin contributes 0); mini-batch Pegasos from
w = 0, b = 0 with ``eta_t = 1/(lam t)``, t counted over all epochs, one ``default_rng(seed)``, a fresh
permutation per epoch, sums divided by the batch size; RBF ``exp(-gamma ||a - b||^2)`` with squared
distances clipped at 0 (never above 1); grid search over StandardScaler + SVC(rbf) with the folds of
``prediction_time_folds``; margin width ``2/||w||``, signed distance ``y f / ||w||``, support vectors
``y f <= 1``.
"""
from __future__ import annotations

import builtins as _builtins
import numbers as _numbers

import numpy as _np
from sklearn.metrics.pairwise import rbf_kernel as _sk_rbf
from sklearn.model_selection import GridSearchCV as _GridSearchCV
from sklearn.pipeline import Pipeline as _Pipeline
from sklearn.preprocessing import StandardScaler as _StandardScaler
from sklearn.svm import SVC as _SVC

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m05_svm_data as _d

_fail, _unchanged, _passed, _Mistake, _quietly = _c.fail, _c.unchanged, _c.passed, _c.Mistake, _c.quietly
_call, _check_close, _check_gradient, _short = _c.call, _c.check_close, _c.check_gradient, _c._short
_asarray, _array, _float64, _sqrt, _exp, _maximum, _abs, _isfinite = (
    _np.asarray, _np.array, _np.float64, _np.sqrt, _np.exp, _np.maximum, _np.abs, _np.isfinite)
_array_equal, _concatenate, _all, _sort, _argmax, _unravel_index, _default_rng = (
    _np.array_equal, _np.concatenate, _np.all, _np.sort, _np.argmax, _np.unravel_index, _np.random.default_rng)
_isinstance, _len, _float, _tuple, _list, _type, _hasattr, _getattr, _sorted, _zip, _set = (
    _builtins.isinstance, _builtins.len, _builtins.float, _builtins.tuple, _builtins.list, _builtins.type,
    _builtins.hasattr, _builtins.getattr, _builtins.sorted, _builtins.zip, _builtins.set)
make_svm_data, make_time_data = _d.make_svm_data, _d.make_time_data


def _f64(x):
    return _array(x, dtype=_float64)


def _pair(got, name, d):
    """A (vector of length d, number) tuple returned by a learner's function."""
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 2):
        _fail(f"{name} should return a tuple of two values, got {_type(got).__name__}: {_short(got)}")
    vec, num = _asarray(got[0], dtype=_float64), _asarray(got[1], dtype=_float64)
    if vec.shape != (d,):
        _fail(f"{name}: the first value has shape {vec.shape}, expected ({d},) (one entry per feature).")
    if num.size != 1:
        _fail(f"{name}: the second value has shape {num.shape}, expected a single number (the bias part).")
    return vec, _float(num.reshape(()))


# ---------------------------------------------------------------- 1. hinge loss and the primal
@_quietly
def check_svm_objective_on(hinge_loss, svm_objective, X, y, w, b, C, name="svm_objective"):
    X, y, w = _f64(X), _f64(y), _f64(w)
    s = X @ w + b
    copies = (y.copy(), s.copy())
    got = _asarray(_call(hinge_loss, y, s, name="hinge_loss"))
    _unchanged(copies[0], y, "hinge_loss (argument y)")
    _unchanged(copies[1], s, "hinge_loss (argument scores)")
    expected = _d.ref_hinge_loss(y, s)
    if got.shape != expected.shape:
        _fail(f"hinge_loss returned shape {got.shape} for {expected.shape[0]} scores; it is elementwise "
              f"(one loss per point, no sum or mean).")
    ys = y * s
    _check_close(got, expected, f"hinge_loss on {name}", rtol=1e-12, atol=1e-12, mistakes=[
        _Mistake("max(0, y f - 1): the sign inside is flipped; the loss is max(0, 1 - y f), zero for points "
                 "beyond the margin", _maximum(0.0, ys - 1.0)),
        _Mistake("1 - y f without max(0, .): points beyond the margin would get a negative loss (a reward)",
                 1.0 - ys),
        _Mistake("max(0, -y f), the perceptron loss: the 1 (the margin) is missing", _maximum(0.0, -ys)),
        _Mistake("the label y is missing: max(0, 1 - f)", _maximum(0.0, 1.0 - s)),
        _Mistake("the squared hinge max(0, 1 - y f)^2 (LinearSVC's default loss), not the hinge",
                 _maximum(0.0, 1.0 - ys) ** 2)])
    copies = (X.copy(), y.copy(), w.copy())
    value = _call(svm_objective, X, y, w, b, C, name="svm_objective")
    for before, after, what in _zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, f"svm_objective (argument {what})")
    v = _asarray(value, dtype=_float64)
    if v.size != 1:
        _fail(f"svm_objective returned shape {v.shape}; expected one number.")
    h = _d.ref_hinge_loss(y, s)
    reg = 0.5 * float(w @ w)
    _check_close(_float(v.reshape(())), _d.ref_svm_objective(X, y, w, b, C), f"svm_objective on {name}",
                 rtol=1e-10, atol=1e-12, mistakes=[
        _Mistake("computed 1/2 ||w||^2 - C sum xi, the maximisation some texts print; the soft-margin SVM "
                 "MINIMISES 1/2 ||w||^2 + C sum xi (the other form has no optimum, see below)",
                 reg - C * h.sum()),
        _Mistake("C times the MEAN hinge; the primal has C times the SUM (the mean is Pegasos's form, with "
                 "lambda = 1/(C m))", reg + C * h.mean()),
        _Mistake("the 1/2 in front of ||w||^2 is missing", 2 * reg + C * h.sum()),
        _Mistake("the bias is penalised too (1/2 (||w||^2 + b^2)); only w is", reg + 0.5 * b * b + C * h.sum()),
        _Mistake("C multiplies the regulariser instead of the hinge term", C * reg + h.sum()),
        _Mistake("the regulariser is missing", C * h.sum()),
        _Mistake("1/2 ||w|| (the norm) instead of 1/2 ||w||^2 (its square, w @ w)",
                 0.5 * _float(_sqrt(w @ w)) + C * h.sum()),
        _Mistake("the bias b is missing from the scores: f(x) = w.x + b", reg + C * _d.ref_hinge_loss(y, X @ w).sum())])


@_quietly
def check_svm_objective(hinge_loss, svm_objective):
    X, y = make_svm_data(40, 3, seed=50)
    w, b, C = _array([0.8, -1.1, 0.4]), 0.3, 0.7
    check_svm_objective_on(hinge_loss, svm_objective, X, y, w, b, C, "40 points")
    # the rule at the kink and beyond the margin: margins 1, 0, 2, -1, 1, 0, 3
    check_svm_objective_on(hinge_loss, svm_objective, _d.KINK_X, _d.KINK_Y, _d.KINK_W, _d.KINK_B, 2.0,
                           "points exactly on the margin (y f = 1)")
    _passed()


# ---------------------------------------------------------------- 2. sub-gradient
@_quietly
def check_hinge_subgradient_on(hinge_subgradient, X, y, w, b, alpha, name="hinge_subgradient", kink=False):
    """Away from the kink: centred finite differences of the reference J (threshold 1e-6), w and b
    separately. With ``kink=True`` (margins exactly 1 in the data): the convention, exactly."""
    X, y, w, b = _f64(X), _f64(y), _f64(w), _float(b)
    m, d = X.shape
    copies = (X.copy(), y.copy(), w.copy())
    got = _call(hinge_subgradient, X, y, w, b, alpha, name="hinge_subgradient")
    for before, after, what in _zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, f"hinge_subgradient (argument {what})")
    gw, gb = _pair(got, name, d)

    def variants(**kw):
        return _d.subgradient_variant(X, y, w, b, alpha, **kw)
    wrong = [("the sign of the data term is flipped: it is MINUS (1/m) sum over the violators of y_i x_i "
              "(the loss falls as y f grows)", dict(data_sign=1.0)),
             ("the regulariser is applied to the bias: g_b has no alpha * b (only w is penalised)",
              dict(bias_l2=True)),
             ("the 1/m is missing: the data term is a mean over all m points", dict(per="sum")),
             ("divided by the number of violators |A| instead of m", dict(per="active")),
             ("the regulariser's sub-gradient alpha * w is missing", dict(reg=0.0)),
             ("2 alpha w: the regulariser alpha/2 ||w||^2 has gradient alpha w", dict(reg=2.0)),
             ("the perceptron's rule y f < 0: the hinge is active while y f < 1", dict(rule="<0")),
             ("every point counted, not only the violators y f < 1", dict(rule="all")),
             ("the points exactly on the margin (y f = 1, the kink) are counted as violators; this notebook's "
              "convention (Pegasos's) takes the sub-gradient 0 there: use y f < 1, not <= 1", dict(rule="<=")),
             ("the margins leave out the bias: the violators are the points with y (w.x + b) < 1",
              dict(margin_b=False)),
             ("the label is missing from the data term: each violator contributes -y_i x_i (and -y_i to g_b), "
              "not -x_i", dict(label=False))]
    if kink:
        ew, eb = _d.ref_hinge_subgradient(X, y, w, b, alpha)
        got_all, expected = _concatenate([gw, [gb]]), _concatenate([ew, [eb]])
        _check_close(got_all, expected, f"{name}: [g_w..., g_b]", rtol=1e-12, atol=1e-12,
                     mistakes=[_Mistake(text, _concatenate([vw, [vb]]))
                               for text, kw in wrong for vw, vb in [variants(**kw)]])
        return
    margins = y * (X @ w + b)
    assert float(_abs(margins - 1.0).min()) > 1e-4, "check data must stay away from the kink"
    _check_gradient(lambda v: _d.ref_pegasos_objective(X, y, v, b, alpha), gw, w, name=f"{name}: g_w",
                    threshold=1e-6, eps=1e-6, m=m, mistakes=[_Mistake(t, variants(**kw)[0]) for t, kw in wrong])
    _check_gradient(lambda v: _d.ref_pegasos_objective(X, y, w, v[0], alpha), _array([gb]), _array([b]),
                    name=f"{name}: g_b", threshold=1e-6, eps=1e-6, m=m,
                    mistakes=[_Mistake(t, _array([variants(**kw)[1]])) for t, kw in wrong])


@_quietly
def check_hinge_subgradient(hinge_subgradient):
    X, y = make_svm_data(60, 3, seed=51)
    check_hinge_subgradient_on(hinge_subgradient, X, y, _array([0.9, -0.6, 0.5]), 0.4, 0.1,
                               "hinge_subgradient at a random point")
    check_hinge_subgradient_on(hinge_subgradient, _d.KINK_X, _d.KINK_Y, _d.KINK_W, _d.KINK_B, 0.5,
                               "hinge_subgradient with points exactly on the margin (y f = 1)", kink=True)
    _passed()


# ---------------------------------------------------------------- 3. Pegasos
def _run_pegasos(pegasos_fit, X, y, lam, n_epochs, batch_size, seed, name):
    copies = (X.copy(), y.copy())
    got = _call(pegasos_fit, X, y, lam, n_epochs, batch_size, seed, name="pegasos_fit")
    _unchanged(copies[0], X, "pegasos_fit (argument X)")
    _unchanged(copies[1], y, "pegasos_fit (argument y)")
    w, b = _pair(got, name, X.shape[1])
    return _concatenate([w, [b]])


@_quietly
def check_pegasos_fit_on(pegasos_fit, X, y, lam, n_epochs, batch_size, seed, name="pegasos_fit"):
    X, y = _f64(X), _f64(y)
    args = (lam, n_epochs, batch_size, seed)
    first = _run_pegasos(pegasos_fit, X, y, *args, name)
    second = _run_pegasos(pegasos_fit, X, y, *args, name)
    if not _array_equal(first, second):
        _fail(f"{name} is not reproducible: two runs with seed={seed} gave different weights "
              f"({_short(first)} vs {_short(second)}).",
              "Draw every permutation from ONE generator made once: rng = np.random.default_rng(seed), then "
              "order = rng.permutation(m) in each epoch.",
              mistake="the shuffling ignores the seed (np.random.permutation uses NumPy's global, unseeded state)")
    if not _all(_isfinite(first)):
        _fail(f"{name} returned non-finite weights {_short(first)}: check the step size eta_t = 1/(lam t) "
              f"with t starting at 1.")

    def run(**kw):
        w, b = _d.reference_pegasos(X, y, *args, **kw)
        return _concatenate([w, [b]])
    expected = run()
    if _c.relative_error(first, expected) < 1e-9:
        return
    mistake = None
    for text, kw in _d.PEGASOS_MISTAKES:
        cand = run(**kw)
        if _all(_isfinite(cand)) and _c.relative_error(first, cand) < 1e-9:
            mistake = text
            break
    label = (f"{name}: [w..., b] after the run (lam={lam:g}, n_epochs={n_epochs}, batch_size={batch_size}, "
             f"seed={seed}, m={X.shape[0]})")
    try:       # the house format: first differing entry first; the mistake matched above, exactly
        _check_close(first, expected, label, rtol=0.0, atol=0.0,
                     mistakes=[_Mistake(mistake, first)] if mistake else ())
    except _c.CheckFailure as exc:
        if mistake:
            raise
        _fail(*_builtins.str(exc).splitlines(),
              "Check the order of operations: w = 0, b = 0; ONE generator; per epoch one permutation; step "
              "t = 1, 2, ... over the whole run with eta = 1/(lam t); the violators y f < 1 at the current "
              "(w, b); w <- (1 - eta lam) w + eta/|B| sum y x; b <- b + eta/|B| sum y.")


@_quietly
def check_pegasos_fit(pegasos_fit):
    X, y = make_svm_data(203, 3, seed=52)
    check_pegasos_fit_on(pegasos_fit, X, y, 0.05, 3, 16, 7)
    other = _run_pegasos(pegasos_fit, X, y, 0.05, 3, 16, 8, "pegasos_fit")
    if _array_equal(other, _run_pegasos(pegasos_fit, X, y, 0.05, 3, 16, 7, "pegasos_fit")):
        _fail("pegasos_fit gave identical weights for seed 7 and seed 8.",
              mistake="the rows are not shuffled with the seeded generator")
    _passed()


# ---------------------------------------------------------------- 4. RBF kernel matrix
@_quietly
def check_rbf_kernel_matrix_on(rbf_kernel_matrix, A, B, gamma, expected=None, name="rbf_kernel_matrix"):
    A, B = _f64(A), _f64(B)
    copies = (A.copy(), B.copy())
    got = _call(rbf_kernel_matrix, A, B, gamma, name="rbf_kernel_matrix")
    _unchanged(copies[0], A, "rbf_kernel_matrix (argument A)")
    _unchanged(copies[1], B, "rbf_kernel_matrix (argument B)")
    K = _asarray(got, dtype=_float64)
    shape = (A.shape[0], B.shape[0])
    if K.shape != shape:
        _fail(f"{name} has shape {K.shape}, expected {shape} (row i for A[i], column j for B[j]).",
              mistake="rows and columns swapped" if K.shape == shape[::-1] else None)
    if not _all(_isfinite(K)):
        _fail(f"{name} contains NaN or inf.")
    if (K > 1.0).any():
        i, j = (int(k) for k in _unravel_index(int(_argmax(K)), K.shape))
        _fail(f"{name}: some kernel values exceed 1 (first at index ({i}, {j}): {float(K[i, j]):.12g}); an RBF kernel "
              f"lies in (0, 1].",
              "For (nearly) equal points, rounding makes |a|^2 + |b|^2 - 2 a.b a tiny NEGATIVE number, and "
              "exp(-gamma * negative) > 1. Clip the squared distances at 0 first (np.maximum(..., 0)).",
              mistake="the squared distances are not clipped at 0")
    sq = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=2)
    dist = _sqrt(sq)
    expected = _sk_rbf(A, B, gamma=gamma) if expected is None else _f64(expected)
    _check_close(K, expected, name, rtol=1e-6, atol=1e-12, mistakes=[
        _Mistake("the distance ||a - b|| is used instead of its SQUARE ||a - b||^2 (that is the Laplacian-like "
                 "kernel exp(-gamma ||a - b||))", _exp(-gamma * dist)),
        _Mistake("gamma is used as the width sigma: exp(-||a - b||^2 / (2 gamma^2)); scikit-learn's gamma "
                 "multiplies the squared distance, gamma = 1/(2 sigma^2)", _exp(-sq / (2.0 * gamma ** 2))),
        _Mistake("exp(-||a - b||^2 / gamma): gamma divides instead of multiplying", _exp(-sq / gamma)),
        _Mistake("exp(-gamma ||a - b||^2 / 2): an extra 1/2 (that form belongs to sigma, 1/(2 sigma^2))",
                 _exp(-0.5 * gamma * sq)),
        _Mistake("the minus sign in the exponent is missing", _exp(gamma * sq)),
        _Mistake("returned the squared distances, not the kernel", sq),
        _Mistake("the expansion |a|^2 + |b|^2 - a.b misses the factor 2: ||a - b||^2 = |a|^2 + |b|^2 - 2 a.b",
                 _exp(-gamma * _maximum(sq + A @ B.T, 0.0)))])


def _near_duplicates(n: int, seed: int):
    """Pairs of points with large coordinates whose true squared distance (~1e-8) is below the
    rounding error of |a|^2 + |b|^2 - 2 a.b, which is then often negative."""
    rng = _default_rng(seed)
    A = 1e4 + 5e3 * rng.random((n, 3))
    B = A.copy()
    B[:, 0] += 1e-4 * rng.random(n)
    return A, B


@_quietly
def check_rbf_kernel_matrix(rbf_kernel_matrix):
    rng = _default_rng(53)
    A, B = rng.normal(size=(40, 3)), rng.normal(size=(25, 3)) * 1.5
    check_rbf_kernel_matrix_on(rbf_kernel_matrix, A, B, 0.7, name="rbf_kernel_matrix on 40 x 25 points")
    A, B = _near_duplicates(60, 54)
    check_rbf_kernel_matrix_on(rbf_kernel_matrix, A, B, 0.5,
                               name="rbf_kernel_matrix of near-duplicate points with large coordinates")
    _passed()


# ---------------------------------------------------------------- 5. time-aware grid search
def _cv_mistake(cv):
    if cv is None or _isinstance(cv, _numbers.Integral):
        return ("cv is a number of folds (or the default), i.e. StratifiedKFold: the folds ignore time, so "
                "all but the last validate on rows OLDER than training rows; pass the time-ordered folds "
                "of prediction_time_folds(times, n_splits)")
    kind = _type(cv).__name__
    if _getattr(cv, "shuffle", False):
        return (f"grid search on shuffled K-fold ({kind}(shuffle=True)): it trains on the future and validates "
                f"on the past, which leaks; use the time-ordered folds of prediction_time_folds(times, n_splits)")
    if kind == "TimeSeriesSplit":
        return ("TimeSeriesSplit over the ROWS: rows with the same prediction time end up on both sides of a "
                "split; prediction_time_folds splits over the distinct prediction times")
    if _hasattr(cv, "split"):
        return (f"{kind} ignores time: folds train on later rows than they validate on; use the folds of "
                f"prediction_time_folds(times, n_splits)")
    return None


def _grid_key(params):
    """(C, gamma) of one entry of cv_results_["params"] (keys ending in C and gamma), or None."""
    c = [v for k, v in params.items() if k == "C" or k.endswith("__C")]
    g = [v for k, v in params.items() if k == "gamma" or k.endswith("__gamma")]
    return (_float(c[0]), _float(g[0])) if _len(c) == 1 and _len(g) == 1 else None


@_quietly
def check_svc_grid_search_on(svc_grid_search, X, y, times, Cs, gammas, n_splits, name="svc_grid_search"):
    X, y = _f64(X), _asarray(y)
    copies = (X.copy(), y.copy(), times.copy())
    search = _call(svc_grid_search, X, y, times, _list(Cs), _list(gammas), n_splits, name="svc_grid_search")
    _unchanged(copies[0], X, "svc_grid_search (argument X)")
    _unchanged(copies[1], y, "svc_grid_search (argument y)")
    _unchanged(copies[2], times, "svc_grid_search (argument times)")
    if not _isinstance(search, _GridSearchCV):
        _fail(f"{name} should return the fitted GridSearchCV, got {_type(search).__name__}.")
    if not _hasattr(search, "cv_results_"):
        _fail(f"{name} returned a GridSearchCV that is not fitted: call .fit(X, y) before returning it.")
    folds = _d.ref_folds(times, n_splits=n_splits)
    cv = search.cv
    if not _isinstance(cv, (_list, _tuple)):
        _fail(f"{name}: the folds are not time-aware.", mistake=_cv_mistake(cv) or
              f"cv={_type(cv).__name__}; pass the list of folds from prediction_time_folds(times, n_splits)")
    same = _len(cv) == _len(folds) and all(
        _array_equal(_sort(_asarray(a)), _sort(fa)) and _array_equal(_sort(_asarray(v)), _sort(fv))
        for (a, v), (fa, fv) in _zip(cv, folds))
    if not same:
        _fail(f"{name}: the folds differ from prediction_time_folds(times, n_splits={n_splits}) "
              f"({_len(cv)} folds given, {_len(folds)} expected).",
              mistake="the folds were built on other times or another number of splits")
    est = search.estimator
    steps = est.steps if _isinstance(est, _Pipeline) else [("", est)]
    if not (_isinstance(steps[-1][1], _SVC) and steps[-1][1].kernel == "rbf"):
        _fail(f"{name}: the estimator must end with SVC(kernel='rbf'), got {est!r}.")
    if not _isinstance(steps[0][1], _StandardScaler):
        _fail(f"{name}: the SVC is not preceded by a StandardScaler in a pipeline.",
              "An RBF kernel compares raw distances, so features on large scales dominate; fit the scaler "
              "inside each fold (make_pipeline(StandardScaler(), SVC(kernel='rbf'))) so it sees only that "
              "fold's training rows.", mistake="no StandardScaler inside the pipeline")
    if search.scoring not in (None, "accuracy"):
        _fail(f"{name}: scoring={search.scoring!r}; the task asks for scoring=\"accuracy\".",
              mistake="another metric chooses (C, gamma) by another criterion, and cv_results_ then holds "
                      "that metric, not the accuracy")
    combos = [_grid_key(p) for p in search.cv_results_["params"]]
    want = _sorted((_float(c), _float(g)) for c in Cs for g in gammas)
    if None in combos or _sorted(combos) != want:
        _fail(f"{name}: the grid should hold every (C, gamma) in {_list(Cs)} x {_list(gammas)} (parameters "
              f"svc__C and svc__gamma); it holds {_short(search.cv_results_['params'])}.")
    ref = _d.reference_grid_search(X, y, times, Cs, gammas, n_splits)
    score = {_grid_key(p): v for p, v in _zip(ref.cv_results_["params"], ref.cv_results_["mean_test_score"])}
    ours = [score[k] for k in combos]
    _check_close(search.cv_results_["mean_test_score"], _array(ours), f"{name}: mean_test_score (accuracy)",
                 rtol=1e-9, atol=1e-12)
    if search.refit is False or not _hasattr(search, "best_estimator_"):
        _fail(f"{name}: refit the best model on all rows (GridSearchCV's default refit=True).")


@_quietly
def check_svc_grid_search(svc_grid_search):
    X, y, times = make_time_data(240, seed=55)
    check_svc_grid_search_on(svc_grid_search, X, y, times, [0.3, 3.0], [0.1, 1.0], 3,
                             "svc_grid_search on 240 time-ordered rows")
    _passed()


# ---------------------------------------------------------------- 6. margin geometry
@_quietly
def check_margin_geometry_on(margin_geometry, X, y, w, b, name="margin_geometry"):
    X, y, w, b = _f64(X), _f64(y), _f64(w), _float(b)
    copies = (X.copy(), y.copy(), w.copy())
    got = _call(margin_geometry, X, y, w, b, name="margin_geometry")
    for before, after, what in _zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, f"margin_geometry (argument {what})")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 3):
        _fail(f"{name} should return a tuple (width, distance, support), got {_type(got).__name__}.")
    width, dist, support = got
    ew, ed, es = _d.ref_margin_geometry(X, y, w, b)
    f = X @ w + b
    norm = _float(_sqrt(w @ w))
    width = _asarray(width, dtype=_float64)
    if width.size != 1:
        _fail(f"{name}: width should be one number, got shape {width.shape}.")
    _check_close(_float(width.reshape(())), ew, f"{name}: width", rtol=1e-10, mistakes=[
        _Mistake("1/||w||: that is the distance from the boundary to ONE margin hyperplane; the width between "
                 "f = -1 and f = +1 is 2/||w||", 1.0 / norm),
        _Mistake("2/||w||^2: divide by the norm ||w||, not its square", 2.0 / norm ** 2),
        _Mistake("2 ||w||: the width shrinks as ||w|| grows, 2/||w||", 2.0 * norm)])
    _check_close(dist, ed, f"{name}: distance", rtol=1e-10, atol=1e-12, mistakes=[
        _Mistake("the functional margin y f(x) without dividing by ||w||: a distance is y f(x) / ||w||", y * f),
        _Mistake("f(x)/||w|| without the label: the distance must be signed by y (positive on the correct "
                 "side)", f / norm),
        _Mistake("|f(x)|/||w||: the distance must be signed (negative for misclassified points)", _abs(f) / norm),
        _Mistake("divided by ||w||^2: a distance is y f(x) / ||w||, the norm itself", y * f / norm ** 2)])
    s = _asarray(support)
    if s.shape != es.shape or s.dtype.kind != "b":
        _fail(f"{name}: support should be a boolean array of shape {es.shape}, got dtype {s.dtype} and shape "
              f"{s.shape}.")
    margin = y * f
    _check_close(s.astype(_float64), es.astype(_float64), f"{name}: support", rtol=0, atol=0, mistakes=[
        _Mistake("y f < 1 leaves out the points exactly ON the margin (y f = 1); they are support vectors "
                 "too: use y f <= 1", (margin < 1.0).astype(_float64)),
        _Mistake("|f(x)| <= 1 ignores the label: a point far on the WRONG side (y f < -1) is a support vector "
                 "too; use y f <= 1", (_abs(f) <= 1.0).astype(_float64)),
        _Mistake("only the misclassified points (y f < 0); every point with y f <= 1 is a support vector",
                 (margin < 0.0).astype(_float64)),
        _Mistake("compared the DISTANCE y f / ||w|| with 1; the margin hyperplanes are where the functional "
                 "margin y f(x) = 1 (at distance 1/||w||): use y f <= 1", (margin / norm <= 1.0).astype(_float64))])


@_quietly
def check_margin_geometry(margin_geometry):
    X, y, w, b = _d.margin_data()
    check_margin_geometry_on(margin_geometry, X, y, w * 2.0, b, "margin_geometry on 8 points (||w|| = 2)")
    X, y = make_svm_data(30, 2, seed=56)
    check_margin_geometry_on(margin_geometry, X, y, _array([1.5, -0.5]), 0.2, "margin_geometry on 30 points")
    _passed()

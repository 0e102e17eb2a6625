r"""Checks for module 01 (linear_regression). Test cells call ``check_<exercise>(student_function,
...)`` on the shop's units-sold table (public tests) and ``check_<exercise>_on(...)`` on small
hand-made or seeded synthetic arrays (hidden tests).

Conventions (the same as :mod:`recsys_lib.losses` and the notebook): prediction
:math:`\hat y = Xw + b`, loss :math:`J = \frac{1}{2m}\lVert Xw + b - y\rVert^2`, gradient
:math:`\nabla_w J = \frac1m X^\top(\hat y - y)`, :math:`\partial J/\partial b = \frac1m\sum_i(\hat y_i - y_i)`,
gradient descent from :math:`w = 0, b = 0` recording :math:`J` after every update, standardisation
with the training mean and population standard deviation (ddof = 0, 1 for a constant column).

Wrong answers are compared with the known mistakes only after a check has failed: the ½ or the
1/m missing, a gradient with the wrong sign, gradient ascent, only the final loss returned, the
loss recorded before the update, the standard deviation with ddof = 1, test statistics used to
standardise, a constant column divided by 0, a "diverging" learning rate below 2/λ_max, the
intercept column forgotten in the normal equation, the ½-loss reported as the test MSE.
"""
from __future__ import annotations

import builtins as _builtins
import warnings as _warnings

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import losses as _losses
from sklearn.linear_model import LinearRegression as _LinearRegression

# shared exercise helpers (autograder.checks), bound before any student code runs
_fail = _c.fail
_unchanged = _c.unchanged

# Everything the checks rely on, bound at import time (the locked setup cell imports this module
# before any student code runs), so rebinding a name in the notebook does not change the checks.
_ref_loss = _losses.mse_loss
_ref_gradient = _losses.mse_gradient
_asarray, _array, _zeros, _ones = _np.asarray, _np.array, _np.zeros, _np.ones
_column_stack, _concatenate, _vstack = _np.column_stack, _np.concatenate, _np.vstack
_lstsq, _eigvalsh = _np.linalg.lstsq, _np.linalg.eigvalsh
_isfinite, _abs, _sqrt, _where = _np.isfinite, _np.abs, _np.sqrt, _np.where
_np_all, _np_any, _np_sum, _np_mean, _np_std = _np.all, _np.any, _np.sum, _np.mean, _np.std
_np_diff = _np.diff
_default_rng, _errstate, _float64, _ndarray = _np.random.default_rng, _np.errstate, _np.float64, _np.ndarray
_len, _float, _tuple, _list, _dict, _isinstance, _range, _type, _min, _max = (
    _builtins.len, _builtins.float, _builtins.tuple, _builtins.list, _builtins.dict,
    _builtins.isinstance, _builtins.range, _builtins.type, _builtins.min, _builtins.max)
_zip = _builtins.zip
_call = _c.call
_check_close = _c.check_close
_check_gradient = _c.check_gradient
_all_close = _c._all_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure
_catch_warnings, _simplefilter = _warnings.catch_warnings, _warnings.simplefilter

#: The fixed number of iterations of the learning-rate study (exercise 6).
LR_STUDY_ITERS = 100
#: Tolerance of the comparison with scikit-learn (exercise 8): |ours - sklearn| <= ATOL + RTOL |sklearn|.
SKLEARN_RTOL = 1e-4
SKLEARN_ATOL = 1e-4

_UPSTREAM = ("If an earlier exercise it relies on ({}) fails its tests, fix that one first.")


_quietly = _c.quietly   # warnings and floating-point warnings silenced (a diverging run overflows on purpose)


def _f64(a) -> _ndarray:
    return _array(a, dtype=_float64)




def _numeric_array(got, name: str) -> _ndarray:
    try:
        return _f64(got)
    except (TypeError, ValueError):
        _fail(f"{name} should be a NumPy array of numbers, got {_type(got).__name__}: {_short(got)}")


def _scalar(got, name: str) -> float:
    arr = _numeric_array(got, name)
    if arr.size != 1:
        _fail(f"{name} should be a single number, got an array of shape {arr.shape}.",
              "Average (or sum) over the samples so that the result is a scalar.")
    return _float(arr.reshape(()))


def _vector(got, d: int, name: str, what: str = "one entry per feature") -> _ndarray:
    arr = _numeric_array(got, name)
    if arr.shape != (d,):
        hint = ""
        if arr.size == d:
            hint = (f" Likely mistake: a {arr.shape} array instead of a flat vector; keep w 1-D "
                    f"(shape (d,)) and use X @ w, or .ravel() the result.")
        _fail(f"{name} has shape {arr.shape}, expected ({d},) ({what}).{hint}")
    return arr




def _standardized_sample(X, y, n: int, seed: int):
    """A seeded subsample of rows, standardised with its own statistics (the public checks of
    exercises 3 and 4 use nicely scaled data before the learner has written the standardiser)."""
    X = _f64(X)
    y = _f64(y)
    rng = _default_rng(seed)
    idx = rng.choice(X.shape[0], size=_min(n, X.shape[0]), replace=False)
    Xs = X[idx]
    mean, std = _ref_standardizer(Xs)
    return (Xs - mean) / std, y[idx]


# ---------------------------------------------------------------- 1. predict
@_quietly
def check_predict_on(predict, X, w, b, expected, name="predict"):
    X, w = _f64(X), _f64(w)
    X0, w0 = X.copy(), w.copy()
    got = _call(predict, X, w, b, name="predict")
    _unchanged(X0, X, "predict", "X")
    _unchanged(w0, w, "predict", "w")
    expected = _f64(expected)
    arr = _numeric_array(got, name)
    if arr.shape != expected.shape:
        hint = ""
        if arr.size == expected.size:
            hint = " Likely mistake: a column (m, 1) instead of a vector (m,); use X @ w with a 1-D w."
        elif arr.shape == (X.shape[1],):
            hint = " Likely mistake: multiplied in the wrong order (X.T @ ...); one prediction per row of X."
        _fail(f"{name} has shape {arr.shape}, expected {expected.shape} (one prediction per row of X).{hint}")
    mistakes = [_Mistake("forgot to add the bias b", X @ w),
                _Mistake("subtracted the bias; the model is X @ w + b", X @ w - _float(b)),
                _Mistake("added b times the number of features; add b once per prediction",
                         X @ w + _float(b) * X.shape[1])]
    _check_close(arr, expected, name, rtol=1e-9, atol=1e-9, mistakes=mistakes)


@_quietly
def check_predict(predict, X, seed=0):
    X = _f64(X)
    rng = _default_rng(seed)
    w = rng.normal(size=X.shape[1])
    b = 1.5
    check_predict_on(predict, X, w, b, X @ w + b)
    _passed()


# ---------------------------------------------------------------- 2. MSE loss
def _loss_mistakes(X, y, w, b):
    r = X @ w + _float(b) - y
    m = _len(y)
    return [
        _Mistake(f"summed the squared errors instead of averaging them (the 1/m is missing: the "
                 f"loss is m = {m} times too large)", 0.5 * _float(r @ r)),
        _Mistake("forgot the 1/2 of the 1/(2m) convention (this is the plain MSE, 2 times J)",
                 _float(r @ r) / m),
        _Mistake("summed the squared errors without 1/(2m)", _float(r @ r)),
        _Mistake("took a square root (RMSE); J is the halved mean of the squared errors",
                 _float(_sqrt(r @ r / m))),
        _Mistake("used absolute errors instead of squared errors", _float(_np_mean(_abs(r)))),
        _Mistake("divided by 2m twice", _float(r @ r) / (4.0 * m * m)),
    ]


@_quietly
def check_mse_loss_on(mse_loss, X, y, w, b, expected, name="mse_loss"):
    X, y, w = _f64(X), _f64(y), _f64(w)
    copies = (X.copy(), y.copy(), w.copy())
    got = _call(mse_loss, X, y, w, b, name="mse_loss")
    for before, after, what in _zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, "mse_loss", what)
    value = _scalar(got, name)
    _check_close(value, _float(expected), name, rtol=1e-9, atol=1e-12, mistakes=_loss_mistakes(X, y, w, b))


@_quietly
def check_mse_loss(mse_loss, X, y, seed=0):
    X, y = _f64(X), _f64(y)
    rng = _default_rng(seed)
    w = rng.normal(scale=0.01, size=X.shape[1])
    b = 0.3
    check_mse_loss_on(mse_loss, X, y, w, b, _ref_loss(X, y, w, b))
    _passed()


# ---------------------------------------------------------------- 3. MSE gradient
@_quietly
def check_mse_gradient_on(mse_gradient, X, y, w, b, name="mse_gradient"):
    """Compare the learner's (grad_w, grad_b) with centred finite differences of the reference
    loss J (threshold 1e-6 on the relative error), w and b separately."""
    X, y, w = _f64(X), _f64(y), _f64(w)
    b = _float(b)
    m, d = X.shape
    copies = (X.copy(), y.copy(), w.copy())
    got = _call(mse_gradient, X, y, w, b, name="mse_gradient")
    for before, after, what in _zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, "mse_gradient", what)
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 2):
        _fail(f"{name} should return a tuple (grad_w, grad_b), got {_type(got).__name__}: {_short(got)}")
    grad_w = _vector(got[0], d, f"{name}: grad_w", "the shape of w")
    grad_b = _scalar(got[1], f"{name}: grad_b")
    _check_gradient(lambda v: _ref_loss(X, y, v, b), grad_w, w, name=f"{name}: grad_w",
                    threshold=1e-6, eps=1e-6, m=m)
    _check_gradient(lambda v: _ref_loss(X, y, w, v[0]), _array([grad_b]), _array([b]),
                    name=f"{name}: grad_b", threshold=1e-6, eps=1e-6, m=m)


@_quietly
def check_mse_gradient(mse_gradient, X, y, seed=0):
    Xs, ys = _standardized_sample(X, y, 300, seed)
    rng = _default_rng(seed + 1)
    w = rng.normal(size=Xs.shape[1])
    check_mse_gradient_on(mse_gradient, Xs, ys, w, -0.7)
    _passed()


# ---------------------------------------------------------------- 4. gradient descent
def _reference_gd(X, y, lr, n_iters, sign=-1.0, grad_scale=1.0, loss_scale=1.0, record_before=False):
    """Batch gradient descent from w = 0, b = 0 (the reference, and its known variants)."""
    m, d = X.shape
    w = _zeros(d)
    b = 0.0
    history = []
    with _errstate(all="ignore"):
        for _ in _range(n_iters):
            if record_before:
                history.append(loss_scale * _ref_loss(X, y, w, b))
            gw, gb = _ref_gradient(X, y, w, b)
            w = w + sign * lr * grad_scale * gw
            b = b + sign * lr * grad_scale * gb
            if not record_before:
                history.append(loss_scale * _ref_loss(X, y, w, b))
    return w, b, _f64(history)


def _same_run(run, w, b, hist, rtol=1e-6, atol=1e-9) -> bool:
    rw, rb, rh = run
    return (_all_close(w, rw, rtol, atol) and _all_close(_array([b]), _array([rb]), rtol, atol)
            and _all_close(hist, rh, rtol, atol))


@_quietly
def check_gradient_descent_on(gradient_descent, X, y, lr, n_iters, name="gradient_descent"):
    X, y = _f64(X), _f64(y)
    m, d = X.shape
    copies = (X.copy(), y.copy())
    got = _call(gradient_descent, X, y, lr, n_iters, name="gradient_descent")
    for before, after, what in _zip(copies, (X, y), ("X", "y")):
        _unchanged(before, after, "gradient_descent", what)
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 3):
        _fail(f"{name} should return a tuple (w, b, loss_history), got {_type(got).__name__}: {_short(got)}")
    w = _vector(got[0], d, f"{name}: w", "the shape of w")
    b = _scalar(got[1], f"{name}: b")
    hist = _numeric_array(got[2], f"{name}: loss_history")
    ref = _reference_gd(X, y, lr, n_iters)
    upstream = _UPSTREAM.format("mse_loss, mse_gradient")
    if hist.ndim == 0 or hist.size == 1 and n_iters > 1:
        _fail(f"{name}: loss_history holds a single number, expected a list of {n_iters} losses "
              f"(one per iteration).", mistake="returned only the final loss; append J after every "
                                               "update and return the whole history")
    hist = hist.ravel()
    if hist.size == n_iters + 1:
        _fail(f"{name}: loss_history has {hist.size} entries, expected {n_iters}.",
              mistake="recorded the loss before the first update as well; record J after each "
                      "of the n_iters updates only")
    if hist.size != n_iters:
        _fail(f"{name}: loss_history has {hist.size} entries, expected {n_iters} (one per iteration).")
    variants = [
        (_reference_gd(X, y, lr, n_iters, sign=+1.0),
         "the update moves uphill: w + lr * grad instead of w - lr * grad (gradient ascent; or "
         "your mse_gradient has the wrong sign)"),
        (_reference_gd(X, y, lr, n_iters, grad_scale=_float(m)),
         f"the step uses a gradient m = {m} times too large: the 1/m is missing in the gradient"),
        (_reference_gd(X, y, lr, n_iters, record_before=True),
         "recorded the loss before each update instead of after it (the history is shifted by "
         "one iteration)"),
    ]
    for run, description in variants:
        if _same_run(run, w, b, hist):
            _fail(f"{name} is wrong.", f"Expected w: {_short(ref[0])}, b: {ref[1]:.6g}, "
                                       f"loss_history: {_short(ref[2])}",
                  f"Got      w: {_short(w)}, b: {b:.6g}, loss_history: {_short(hist)}", mistake=description)
    try:
        _check_close(w, ref[0], f"{name}: w", rtol=1e-6, atol=1e-9)
        _check_close(b, ref[1], f"{name}: b", rtol=1e-6, atol=1e-9)
    except _CheckFailure as exc:
        raise _CheckFailure(f"{exc}\nStart from w = 0, b = 0 and update both with the gradient at the "
                            f"current point. {upstream}") from None
    hist_mistakes = [
        _Mistake(f"the history holds the summed loss (m = {m} times J): check mse_loss",
                 _reference_gd(X, y, lr, n_iters, loss_scale=_float(m))[2]),
        _Mistake("the history holds 2 J (the plain MSE without the 1/2): check mse_loss",
                 _reference_gd(X, y, lr, n_iters, loss_scale=2.0)[2]),
    ]
    try:
        _check_close(hist, ref[2], f"{name}: loss_history", rtol=1e-6, atol=1e-9, mistakes=hist_mistakes)
    except _CheckFailure as exc:
        raise _CheckFailure(f"{exc}\nw and b are right; only the recorded losses differ. {upstream}") from None


@_quietly
def check_gradient_descent(gradient_descent, X, y, seed=0):
    Xs, ys = _standardized_sample(X, y, 500, seed)
    check_gradient_descent_on(gradient_descent, Xs, ys, lr=0.1, n_iters=50)
    _passed()


# ---------------------------------------------------------------- 5. standardisation
def _ref_standardizer(X):
    X = _f64(X)
    mean = _np_mean(X, axis=0)
    std = _np_std(X, axis=0)
    return mean, _where(std > 0, std, 1.0)


@_quietly
def check_standardizer_on(fit_standardizer, standardize, X_train, X_test, name="standardisation"):
    X_train, X_test = _f64(X_train), _f64(X_test)
    d = X_train.shape[1]
    before = X_train.copy()
    got = _call(fit_standardizer, X_train, name="fit_standardizer")
    _unchanged(before, X_train, "fit_standardizer", "X")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 2):
        _fail(f"fit_standardizer should return a tuple (mean, std), got {_type(got).__name__}: {_short(got)}")
    mean = _vector(got[0], d, "fit_standardizer: mean")
    std = _vector(got[1], d, "fit_standardizer: std")
    ref_mean, ref_std = _ref_standardizer(X_train)
    raw_std = _np_std(X_train, axis=0)
    constant = raw_std == 0
    _check_close(mean, ref_mean, f"fit_standardizer ({name}): mean", rtol=1e-9, atol=1e-12,
                 mistakes=[_Mistake("averaged over the rows of each sample (axis=1); use axis=0, one "
                                    "mean per feature", _np_mean(X_train, axis=1))])
    if _np_any(constant) and not _np_all(_isfinite(std[constant]) & (std[constant] > 0)):
        _fail(f"fit_standardizer ({name}): the std of a constant column is {std[constant][0]:g}.",
              "Dividing by it gives NaN or inf for every row.",
              mistake="a feature that is constant in the training data has std 0; use 1 for such "
                      "columns (they then standardise to 0), as scikit-learn's StandardScaler does")
    m = X_train.shape[0]
    std_mistakes = [
        _Mistake("used the sample standard deviation (ddof=1, pandas' default); use the population "
                 "one, np.std(X, axis=0) with ddof=0",
                 _where(constant, 1.0, raw_std * _sqrt(m / _max(m - 1, 1)))),
        _Mistake("returned the variance instead of the standard deviation",
                 _where(constant, 1.0, raw_std ** 2)),
    ]
    _check_close(std, ref_std, f"fit_standardizer ({name}): std", rtol=1e-9, atol=1e-12, mistakes=std_mistakes)

    for label, X in (("training", X_train), ("test", X_test)):
        before = X.copy()
        Z = _call(standardize, X, ref_mean, ref_std, name="standardize")
        _unchanged(before, X, "standardize", "X")
        Z = _numeric_array(Z, f"standardize ({name}, {label} data)")
        expected = (X - ref_mean) / ref_std
        own_mean, own_std = _ref_standardizer(X)
        mistakes = [
            _Mistake("standardised with the statistics of the data passed in (for test data: the "
                     "test mean and std). Always use the mean and std fitted on the training data",
                     (X - own_mean) / own_std),
            _Mistake("multiplied by the std instead of dividing", (X - ref_mean) * ref_std),
            _Mistake("forgot to subtract the mean", X / ref_std),
            _Mistake("divided before subtracting: (X - mean / std) instead of (X - mean) / std",
                     X - ref_mean / ref_std),
        ]
        _check_close(Z, expected, f"standardize ({name}, {label} data)", rtol=1e-9, atol=1e-12,
                     mistakes=mistakes)


@_quietly
def check_standardizer(fit_standardizer, standardize, X_train, X_test):
    check_standardizer_on(fit_standardizer, standardize, X_train, X_test)
    _passed()


# ---------------------------------------------------------------- 6. learning rates
def _lambda_max(X) -> float:
    X = _f64(X)
    Xt = _column_stack([X, _ones(X.shape[0])])
    return _float(_eigvalsh(Xt.T @ Xt / X.shape[0])[-1])


def _optimum_loss(X, y) -> float:
    Xt = _column_stack([X, _ones(X.shape[0])])
    theta = _lstsq(Xt, y, rcond=None)[0]
    return _ref_loss(X, y, theta[:-1], theta[-1])


@_quietly
def check_learning_rates_on(choose_learning_rates, X, y, name="choose_learning_rates"):
    """The three rates must behave as promised with LR_STUDY_ITERS iterations of (reference)
    gradient descent from zero: too small closes less than half of the gap to the optimum,
    good closes all but 1e-6 of it, diverging ends with a larger loss than it started with."""
    X, y = _f64(X), _f64(y)
    copies = (X.copy(), y.copy())
    got = _call(choose_learning_rates, X, y, name="choose_learning_rates")
    for before, after, what in _zip(copies, (X, y), ("X", "y")):
        _unchanged(before, after, "choose_learning_rates", what)
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 3):
        _fail(f"{name} should return a tuple (lr_too_small, lr_good, lr_diverging), got "
              f"{_type(got).__name__}: {_short(got)}")
    rates = [_scalar(v, f"{name}: {label}") for v, label in _zip(got, ("lr_too_small", "lr_good", "lr_diverging"))]
    for rate, label in _zip(rates, ("lr_too_small", "lr_good", "lr_diverging")):
        if not (_isfinite(rate) and rate > 0):
            _fail(f"{name}: {label} = {rate!r}; a learning rate is a positive number.")
    lam = _lambda_max(X)
    bound = 2.0 / lam
    j0 = _ref_loss(X, y, _zeros(X.shape[1]), 0.0)
    j_star = _optimum_loss(X, y)
    gap0 = j0 - j_star
    n = LR_STUDY_ITERS
    info = (f"On this data lambda_max = {lam:.4g} (largest eigenvalue of X~^T X~ / m with "
            f"X~ = [X, 1]), so 1/lambda_max = {1 / lam:.4g} and 2/lambda_max = {bound:.4g}.")
    hard_coded = ("learning rates hard-coded for one data set; compute them from lambda_max of the "
                  "X you are given")

    small, good, diverging = rates
    _, _, h = _reference_gd(X, y, small, n)
    if not (_np_all(_isfinite(h)) and _np_all(_np_diff(_concatenate([[j0], h])) <= 1e-12 * j0)):
        _fail(f"{name}: lr_too_small = {small:.4g} does not decrease the loss steadily (it is "
              f"{'above' if small > bound else 'near'} 2/lambda_max).", info,
              mistake=hard_coded if small * lam > 2 else None)
    if h[-1] - j_star <= 0.5 * gap0:
        _fail(f"{name}: lr_too_small = {small:.4g} is not too small: after {n} iterations it closed "
              f"{1 - (h[-1] - j_star) / gap0:.1%} of the gap to the optimum; a too-small rate closes "
              f"less than half of it. Try a rate 1000 times below 1/lambda_max.", info)

    _, _, h = _reference_gd(X, y, good, n)
    if not (_isfinite(h[-1]) and h[-1] - j_star <= 1e-6 * gap0):
        state = ("diverges" if not _isfinite(h[-1]) or h[-1] > j0 else
                 f"is still {(h[-1] - j_star) / gap0:.2e} of the initial gap away from the optimum")
        _fail(f"{name}: lr_good = {good:.4g} {state} after {n} iterations; a good rate gets within "
              f"1e-6 of the initial gap.", info,
              mistake=hard_coded if good * lam > 2 else None)

    _, _, h = _reference_gd(X, y, diverging, n)
    if _isfinite(h[-1]) and h[-1] <= j0:
        between = diverging * lam > 1.0
        _fail(f"{name}: lr_diverging = {diverging:.4g} does not diverge: the loss went from "
              f"{j0:.4g} to {h[-1]:.4g} in {n} iterations.", info,
              mistake=("a rate between 1/lambda_max and 2/lambda_max overshoots and oscillates but "
                       "still converges; gradient descent diverges only above 2 / lambda_max")
              if between else hard_coded)


@_quietly
def check_learning_rates(choose_learning_rates, X_train, y_train):
    """Public check on the standardised training features (standardised here with the training
    statistics, so that this check does not depend on the learner's standardiser)."""
    X_train = _f64(X_train)
    mean, std = _ref_standardizer(X_train)
    check_learning_rates_on(choose_learning_rates, (X_train - mean) / std, y_train)
    _passed()


# ---------------------------------------------------------------- 7. normal equation
def _ref_normal_equation(X, y):
    Xt = _column_stack([X, _ones(X.shape[0])])
    theta = _lstsq(Xt, y, rcond=None)[0]
    return theta[:-1], _float(theta[-1])


@_quietly
def check_normal_equation_on(normal_equation, X, y, name="normal_equation"):
    X, y = _f64(X), _f64(y)
    m, d = X.shape
    copies = (X.copy(), y.copy())
    got = _call(normal_equation, X, y, name="normal_equation")
    for before, after, what in _zip(copies, (X, y), ("X", "y")):
        _unchanged(before, after, "normal_equation", what)
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 2):
        _fail(f"{name} should return a tuple (w, b), got {_type(got).__name__}: {_short(got)}")
    if _numeric_array(got[0], f"{name}: w").size == d + 1:
        _fail(f"{name}: w has {d + 1} entries, expected {d}.",
              mistake="returned the whole solution [w, b]; split it into w (the first d entries) "
                      "and b (the entry of the column of ones)")
    w = _vector(got[0], d, f"{name}: w")
    b = _scalar(got[1], f"{name}: b")
    ref_w, ref_b = _ref_normal_equation(X, y)
    no_intercept = _lstsq(X, y, rcond=None)[0]
    front = _lstsq(_column_stack([_ones(m), X]), y, rcond=None)[0]
    variants = [
        ((no_intercept, 0.0), "forgot the column of ones: without it the fitted plane must pass "
                              "through the origin and there is no intercept b"),
        ((front[:d], _float(front[d])), "put the column of ones first but read b from the last entry; "
                                        "b is the coefficient of the ones column"),
        ((ref_w, 0.0), "solved for the intercept but returned b = 0"),
    ]
    for (vw, vb), description in variants:
        if _all_close(w, vw, 1e-6, 1e-8) and _all_close(_array([b]), _array([vb]), 1e-6, 1e-8):
            _fail(f"{name} is wrong.", f"Expected w: {_short(ref_w)}, b: {ref_b:.6g}",
                  f"Got      w: {_short(w)}, b: {b:.6g}", mistake=description)
    _check_close(w, ref_w, f"{name}: w", rtol=1e-6, atol=1e-8)
    _check_close(b, ref_b, f"{name}: b", rtol=1e-6, atol=1e-8)


@_quietly
def check_normal_equation(normal_equation, X, y):
    check_normal_equation_on(normal_equation, X, y)
    _passed()


# ---------------------------------------------------------------- 8. fit, evaluate, compare with sklearn
def _sklearn_reference(X_train, y_train, X_test, y_test, mean, std):
    model = _LinearRegression().fit((X_train - mean) / std, y_train)
    pred = model.predict((X_test - mean) / std)
    r = y_test - pred
    mse = _float(r @ r) / _len(y_test)
    tss = _float(_np_sum((y_test - _np_mean(y_test)) ** 2))
    return model.coef_, _float(model.intercept_), mse, 1.0 - mse * _len(y_test) / tss


def _metrics(y, pred, y_mean=None):
    r = y - pred
    mse = _float(r @ r) / _len(y)
    centre = _np_mean(y) if y_mean is None else y_mean
    return mse, 1.0 - _float(r @ r) / _float(_np_sum((y - centre) ** 2))


KEYS = ("w", "b", "test_mse", "test_r2")


@_quietly
def check_fit_and_evaluate_on(fit_and_evaluate, X_train, y_train, X_test, y_test, name="fit_and_evaluate"):
    """Compare with scikit-learn's LinearRegression on the same standardised features:
    |ours - sklearn| <= SKLEARN_ATOL + SKLEARN_RTOL |sklearn| for w, b, test MSE and R²."""
    X_train, y_train, X_test, y_test = _f64(X_train), _f64(y_train), _f64(X_test), _f64(y_test)
    d = X_train.shape[1]
    copies = [a.copy() for a in (X_train, y_train, X_test, y_test)]
    got = _call(fit_and_evaluate, X_train, y_train, X_test, y_test, name="fit_and_evaluate")
    for before, after, what in _zip(copies, (X_train, y_train, X_test, y_test),
                                   ("X_train", "y_train", "X_test", "y_test")):
        _unchanged(before, after, "fit_and_evaluate", what)
    if not _isinstance(got, _dict):
        _fail(f"{name} should return a dict with keys {_list(KEYS)}, got {_type(got).__name__}.")
    missing = [k for k in KEYS if k not in got]
    if missing:
        _fail(f"{name}: the result has no key(s) {missing}; expected keys {_list(KEYS)}.")
    w = _vector(got["w"], d, f"{name}: w")
    b = _scalar(got["b"], f"{name}: b")
    mse = _scalar(got["test_mse"], f"{name}: test_mse")
    r2 = _scalar(got["test_r2"], f"{name}: test_r2")
    upstream = _UPSTREAM.format("predict, gradient_descent, fit_standardizer/standardize")
    rtol, atol = SKLEARN_RTOL, SKLEARN_ATOL

    mean, std = _ref_standardizer(X_train)
    sk_w, sk_b, sk_mse, sk_r2 = _sklearn_reference(X_train, y_train, X_test, y_test, mean, std)
    all_mean, all_std = _ref_standardizer(_vstack([X_train, X_test]))
    all_w, all_b, _, _ = _sklearn_reference(X_train, y_train, X_test, y_test, all_mean, all_std)
    tol = f"(tolerance {atol:g} + {rtol:g} x |sklearn|)"

    if not (_all_close(w, sk_w, rtol, atol) and _all_close(_array([b]), _array([sk_b]), rtol, atol)):
        mistake = None
        if _all_close(w, all_w, rtol, atol):
            mistake = ("fitted the standardiser on train and test together; the test period is the "
                       "future: fit the mean and std on the training data only")
        elif not (_np_all(_isfinite(w)) and _isfinite(b)) or \
                _ref_loss((X_train - mean) / std, y_train, w, b) > _ref_loss(X_train, y_train, _zeros(d), 0.0):
            mistake = ("gradient descent diverged or went uphill (the training loss at your w, b is "
                       "larger than at w = 0, b = 0): train on X_train standardised with its own "
                       "statistics, and check that gradient_descent and mse_gradient pass their tests")
        _fail(f"{name}: w and b differ from scikit-learn's LinearRegression on the same "
              f"standardised features {tol}.", f"sklearn w: {_short(sk_w)}, b: {sk_b:.6g}",
              f"yours   w: {_short(w)}, b: {b:.6g}", "" if mistake else upstream, mistake=mistake)

    pred = (X_test - mean) / std @ sk_w + sk_b
    own_mean, own_std = _ref_standardizer(X_test)
    pred_test_stats = (X_test - own_mean) / own_std @ sk_w + sk_b
    train_pred = (X_train - mean) / std @ sk_w + sk_b
    test_stats = _metrics(y_test, pred_test_stats)
    train_metrics = _metrics(y_train, train_pred)
    wrong_mse = [
        _Mistake("standardised the test set with its own mean and std (test statistics); transform "
                 "X_test with the mean and std fitted on X_train", test_stats[0]),
        _Mistake("reported the training loss J = MSE / 2 (the 1/(2m) convention); the test MSE is the "
                 "plain mean of the squared errors", sk_mse / 2.0),
        _Mistake("evaluated on the training data; report the error on the test weeks", train_metrics[0]),
        _Mistake("reported the RMSE; test_mse is the mean of the squared errors", sk_mse ** 0.5),
    ]
    _check_close(mse, sk_mse, f"{name}: test_mse", rtol=rtol, atol=atol, mistakes=wrong_mse)
    wrong_r2 = [
        _Mistake("standardised the test set with its own mean and std (test statistics)", test_stats[1]),
        _Mistake("computed R^2 around the training mean of y; use the mean of y_test",
                 _metrics(y_test, pred, _np_mean(y_train))[1]),
        _Mistake("evaluated on the training data; report R^2 on the test weeks", train_metrics[1]),
        _Mistake("reported 1 - R^2 (the share of variance not explained)", 1.0 - sk_r2),
    ]
    _check_close(r2, sk_r2, f"{name}: test_r2", rtol=rtol, atol=atol, mistakes=wrong_r2)


@_quietly
def check_fit_and_evaluate(fit_and_evaluate, X_train, y_train, X_test, y_test):
    check_fit_and_evaluate_on(fit_and_evaluate, X_train, y_train, X_test, y_test)
    _passed()


# ---------------------------------------------------------------- hidden-test data
def make_regression(m, d, seed, scale=1.0, shift=0.0, noise=0.5, intercept=2.0):
    """Seeded synthetic regression data: X ~ N(shift, scale^2), y = X w_true + intercept + noise."""
    rng = _default_rng(seed)
    X = rng.normal(loc=shift, scale=scale, size=(m, d))
    w_true = rng.normal(size=d)
    y = X @ w_true + intercept + noise * rng.normal(size=m)
    return X, y


def make_shifted_split(m_train, m_test, d, seed, shift=1.0, scale=1.5, noise=0.5, intercept=2.0):
    """Seeded train/test data from ONE linear model whose test features are shifted and wider
    (mean ``shift``, std ``scale``): the test statistics differ from the training ones, as they
    do between past and future weeks of a shop."""
    rng = _default_rng(seed)
    w_true = rng.normal(size=d)
    X_train = rng.normal(size=(m_train, d))
    X_test = rng.normal(loc=shift, scale=scale, size=(m_test, d))
    y_train = X_train @ w_true + intercept + noise * rng.normal(size=m_train)
    y_test = X_test @ w_true + intercept + noise * rng.normal(size=m_test)
    return X_train, y_train, X_test, y_test

r"""Checks for module 01 (linear_regression), part 2: the helpers every check of the module shares
(float64 arrays, scalars and vectors with clear shape messages, the reference gradient descent
and standardiser), Exercises 6-8 (learning rates, normal equation, fit and evaluate against
scikit-learn) and the seeded data of the hidden tests. Imported (and re-exported) by
:mod:`autograder.exercises.m01_linear_regression`, which the notebook's test cells import; see its
docstring for the conventions.
"""
from __future__ import annotations

import builtins as _builtins

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
_array, _zeros, _ones = _np.array, _np.zeros, _np.ones
_column_stack, _concatenate, _vstack = _np.column_stack, _np.concatenate, _np.vstack
_lstsq, _eigvalsh = _np.linalg.lstsq, _np.linalg.eigvalsh
_isfinite, _where = _np.isfinite, _np.where
_np_all, _np_sum, _np_mean, _np_std = _np.all, _np.sum, _np.mean, _np.std
_np_diff = _np.diff
_default_rng, _errstate, _float64, _ndarray = _np.random.default_rng, _np.errstate, _np.float64, _np.ndarray
_len, _float, _tuple, _list, _dict, _isinstance, _range, _type, _min = (
    _builtins.len, _builtins.float, _builtins.tuple, _builtins.list, _builtins.dict,
    _builtins.isinstance, _builtins.range, _builtins.type, _builtins.min)
_zip = _builtins.zip
_call = _c.call
_check_close = _c.check_close
_all_close = _c._all_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake

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
    """A single number: a Python int/float, a NumPy scalar or a 0-d array (the task texts ask for "a
    float"); an array of one element is refused with a hint, as in the texts."""
    arr = _numeric_array(got, name)
    if arr.ndim != 0:
        hint = ("Likely mistake: kept a 1-element array (a column vector, keepdims=True or an (m, 1) "
                "residual); return a plain number, e.g. float(...) of it." if arr.size == 1 else
                "Average (or sum) over the samples so that the result is a scalar.")
        _fail(f"{name} should be a single number (a float), got an array of shape {arr.shape}.", hint)
    return _float(arr)


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



def _reference_gd(X, y, lr, n_iters, sign=-1.0, grad_scale=1.0, loss_scale=1.0, record_before=False,
                  sequential=False):
    """Batch gradient descent from w = 0, b = 0 (the reference, and its known variants;
    ``sequential``: b's gradient taken after w was already updated)."""
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
            if sequential:
                gb = _ref_gradient(X, y, w, b)[1]
            b = b + sign * lr * grad_scale * gb
            if not record_before:
                history.append(loss_scale * _ref_loss(X, y, w, b))
    return w, b, _f64(history)


def _ref_standardizer(X):
    X = _f64(X)
    mean = _np_mean(X, axis=0)
    std = _np_std(X, axis=0)
    return mean, _where(std > 0, std, 1.0)


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


#: The public second data set of Exercise 6: the standardised features times this factor (their
#: eigenvalues grow LR_SCALE**2 times, the bias direction's stays 1: rates fitted to one data set
#: fail on the other, and 1/lambda_max still converges in LR_STUDY_ITERS iterations).
LR_SCALE = 2.0


@_quietly
def check_learning_rates(choose_learning_rates, X_train, y_train):
    """Public check on the standardised training features (standardised here with the training
    statistics, so that this check does not depend on the learner's standardiser), then on the
    same features times LR_SCALE: the rates must come from the data."""
    X_train = _f64(X_train)
    mean, std = _ref_standardizer(X_train)
    Z = (X_train - mean) / std
    check_learning_rates_on(choose_learning_rates, Z, y_train)
    check_learning_rates_on(choose_learning_rates, LR_SCALE * Z, y_train,
                            f"choose_learning_rates on the standardised features times {LR_SCALE:g} "
                            f"(a larger lambda_max)")
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

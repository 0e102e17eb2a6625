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

Split in two files (each under 450 lines): this one holds Exercises 1-5 and re-exports the checks of
Exercises 6-8 and the hidden-test data from :mod:`autograder.exercises.m01_linear_regression_fitting`
(which also holds the helpers both files share), so the notebook imports everything from here.

Every rule a task text states is tested by a PUBLIC check as well as a hidden one: inputs not
modified; the loss, the bias gradient and the bias are single numbers (not 1-element arrays);
both gradients taken at the current point before either update; a constant column gets std 1
(a small public example has one); the learning rates come from the data (a second public data set
with a larger lambda_max); the standardiser is fitted on the training rows only.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import losses as _losses

# Everything the checks rely on, bound at import time (the locked setup cell imports this module
# before any student code runs), so rebinding a name in the notebook does not change the checks.
_fail = _c.fail
_unchanged = _c.unchanged
_ref_loss = _losses.mse_loss
_array = _np.array
_isfinite, _abs, _sqrt, _where = _np.isfinite, _np.abs, _np.sqrt, _np.where
_np_all, _np_any, _np_mean, _np_std = _np.all, _np.any, _np.mean, _np.std
_default_rng = _np.random.default_rng
_len, _float, _tuple, _list, _isinstance, _type, _max = (
    _builtins.len, _builtins.float, _builtins.tuple, _builtins.list, _builtins.isinstance,
    _builtins.type, _builtins.max)
_zip = _builtins.zip
_call = _c.call
_check_close = _c.check_close
_check_gradient = _c.check_gradient
_all_close = _c._all_close
_short = _c._short
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure

_UPSTREAM = ("If an earlier exercise it relies on ({}) fails its tests, fix that one first.")


_quietly = _c.quietly   # warnings and floating-point warnings silenced (a diverging run overflows on purpose)

from autograder.exercises.m01_linear_regression_fitting import (  # noqa: E402  shared helpers
    _f64, _numeric_array, _ref_standardizer, _reference_gd, _scalar, _standardized_sample, _vector,
)


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
        (_reference_gd(X, y, lr, n_iters, sequential=True),
         "updated w before computing the gradient for b; compute both gradients at the current "
         "point (w, b), then update both"),
    ]
    for run, description in variants:
        if _same_run(run, w, b, hist) and not _same_run(run, *ref):   # (a variant may equal the reference)
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
    # not centred: the bias gradient now depends on w (an update of w before b's gradient shows)
    check_gradient_descent_on(gradient_descent, Xs + 1.0, ys, lr=0.05, n_iters=20,
                              name="gradient_descent on the same rows with every feature shifted by +1")
    _passed()


# ---------------------------------------------------------------- 5. standardisation
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


#: The public small example of Exercise 5: its second column is constant in the training rows.
SMALL_TRAIN = ((1.0, 5.0, 0.2), (3.0, 5.0, 0.4), (8.0, 5.0, 0.9))
SMALL_TEST = ((2.0, 5.0, 0.1), (4.0, 7.0, 1.3))


@_quietly
def check_standardizer(fit_standardizer, standardize, X_train, X_test):
    check_standardizer_on(fit_standardizer, standardize, X_train, X_test)
    check_standardizer_on(fit_standardizer, standardize, _array(SMALL_TRAIN), _array(SMALL_TEST),
                          "a small example whose second column is constant")
    _passed()




# ---------------------------------------------------------------- 6-8 and the hidden-test data
from autograder.exercises.m01_linear_regression_fitting import (  # noqa: E402,F401  (the notebook imports them from here)
    KEYS,
    check_fit_and_evaluate,
    check_fit_and_evaluate_on,
    check_learning_rates,
    check_learning_rates_on,
    check_normal_equation,
    check_normal_equation_on,
    make_regression,
    make_shifted_split,
)

r"""Checks for module 02 (logistic_regression). Test cells call ``check_<exercise>(student_function, ...)``
(public tests, on data the notebook shows) and ``check_<exercise>_on(...)`` (hidden tests, on small
inputs with hand-computed answers).

Conventions (the same as :mod:`recsys_lib.losses` and :mod:`recsys_lib.metrics`):
``z = Xw + b``, ``p = sigmoid(z)``;
``J(w, b) = (1/m) sum_i [log(1 + e^{z_i}) - y_i z_i] + (alpha/2) ||w||^2`` (the bias is not penalised);
``grad_w = X^T (sigmoid(z) - y) / m + alpha w``, ``grad_b = mean(sigmoid(z) - y)``;
mini-batch SGD from w = 0, b = 0, ``rng = np.random.default_rng(seed)``, one ``rng.permutation(m)``
per epoch, batches ``order[s:s+B]`` (the last one may be smaller), both updates from the same
gradient; predict 1 when ``p >= threshold``; precision/recall/F1 are 0 when their denominator is 0;
AUC by average ranks (ties count 1/2); thresholds: every distinct validation score, positive when
``score >= t``, ties in F1 go to the largest threshold.

Split in two files (each under 450 lines): this one holds Exercises 1-5 and re-exports the checks of
Exercises 6-8 from :mod:`autograder.exercises.m02_logistic_regression_metrics`, so the notebook
imports everything from here. Every rule a task text states is tested by a PUBLIC check as well
as a hidden one (float output of any shape for the sigmoid, integer 0/1 labels and ``p >= t`` at
a probability exactly equal to the threshold for ``predict``, ...).
"""
from __future__ import annotations

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import losses as _losses

# shared exercise helpers (autograder.checks), bound before any student code runs
_fail = _c.fail
_unchanged = _c.unchanged

# Reference implementations and helpers, bound at import time (before any student code runs).
_ref_sigmoid = _losses.sigmoid
_ref_softplus = _losses.softplus
_ref_bce = _losses.binary_cross_entropy
_ref_loss = _losses.logistic_loss
_ref_grad = _losses.log_loss_gradient
_Series, _DataFrame = _pd.Series, _pd.DataFrame
_asarray, _array, _float64 = _np.asarray, _np.array, _np.float64
_errstate, _default_rng = _np.errstate, _np.random.default_rng
_isfinite, _all, _any, _abs = _np.isfinite, _np.all, _np.any, _np.abs
_FloatingPointError = FloatingPointError
_passed = _c.passed
_Mistake = _c.Mistake
_CheckFailure = _c.CheckFailure



_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr
_largest_difference = _c._largest_difference


def _short(a) -> str:
    return _np.array2string(_asarray(a, dtype=_float64), threshold=12, precision=6)


def make_classification(m: int, d: int, seed: int, bias: float = -1.0):
    """A small synthetic binary problem: (X, y) with X ~ N(0, 1) and y ~ Bernoulli(sigmoid(Xw + b))."""
    rng = _default_rng(seed)
    X = rng.normal(size=(m, d))
    w = rng.normal(size=d)
    y = (rng.random(m) < _ref_sigmoid(X @ w + bias)).astype(_float64)
    return X, y


# ---------------------------------------------------------------- 1. sigmoid
SIGMOID_POINTS = _array([-1000.0, -745.0, -50.0, -5.0, -1.0, 0.0, 1.0, 5.0, 50.0, 745.0, 1000.0])


@_quietly
def check_sigmoid_on(sigmoid, z, expected, name="sigmoid"):
    """Run ``sigmoid(z)`` with overflow, invalid operations and division by zero raising
    (underflow of e^{-|z|} to 0 is the correctly rounded answer and allowed)."""
    z = _array(z, dtype=_float64)
    before = z.copy()
    try:
        with _errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            got = _c.call(sigmoid, z, name="sigmoid")
    except _CheckFailure as exc:
        if isinstance(exc.__cause__, _FloatingPointError):
            _fail(f"{name}: NumPy reported '{exc.__cause__}' for inputs as large as |z| = "
                  f"{float(_abs(z).max()):g}.",
                  "For z = -1000, np.exp(-z) = e^1000 overflows to inf (and np.exp(z) overflows for "
                  "z = +1000). np.where(cond, a, b) does not help: it computes both a and b on the whole "
                  "array before choosing. Compute u = np.exp(-np.abs(z)), which is always in (0, 1], and "
                  "use 1/(1+u) where z >= 0 and u/(1+u) where z < 0.",
                  mistake="the sigmoid overflows (the naive formula 1/(1+exp(-z)) or exp(z)/(1+exp(z)), "
                          "or np.where evaluating both branches)")
        raise
    _unchanged(before, z, "sigmoid")
    g = _asarray(got)
    if g.shape != z.shape:
        _fail(f"{name} returned shape {g.shape} for an input of shape {z.shape}; the sigmoid is "
              f"elementwise and must keep the shape.")
    if g.dtype.kind != "f":
        _fail(f"{name} returned dtype {g.dtype}; expected floats.")
    if not _all(_isfinite(g)):
        bad = z[~_isfinite(g)]
        _fail(f"{name} returned NaN/inf for z = {_short(bad)}.",
              mistake="exp(z)/(1+exp(z)) is inf/inf = NaN for large z (or 1/(1+exp(-z)) for very negative "
                      "z with overflow silenced); use u = exp(-|z|) in both branches")
    _c.check_close(g, _asarray(expected, dtype=_float64), name, rtol=1e-9, atol=1e-15,
                   mistakes=[_Mistake("computed 1 - sigmoid(z), i.e. sigmoid(-z): check the sign in exp(-z)",
                                      _ref_sigmoid(-z))])


@_quietly
def check_sigmoid(sigmoid):
    check_sigmoid_on(sigmoid, SIGMOID_POINTS, _ref_sigmoid(SIGMOID_POINTS))
    grid = _array([[-800.0, -2.0, 0.5], [3.0, 36.0, 900.0]])          # "any shape"
    check_sigmoid_on(sigmoid, grid, _ref_sigmoid(grid), "sigmoid of a 2-D array (the shape is kept)")
    check_sigmoid_on(sigmoid, -2.5, _ref_sigmoid(_array(-2.5)), "sigmoid of a Python float")
    _passed()


# ---------------------------------------------------------------- 2. binary cross-entropy
def _bce_clipped(y, z, eps):
    p = _np.clip(_ref_sigmoid(z), eps, 1 - eps)
    return float(-_np.mean(y * _np.log(p) + (1 - y) * _np.log(1 - p)))


@_quietly
def check_binary_cross_entropy_on(bce, y, z, expected, name="binary_cross_entropy", stage="values"):
    y = _array(y, dtype=_float64)
    z = _array(z, dtype=_float64)
    yb, zb = y.copy(), z.copy()
    with _errstate(all="ignore"):
        got = _c.call(bce, y, z, name="binary_cross_entropy")
    _unchanged(yb, y, "binary_cross_entropy")
    _unchanged(zb, z, "binary_cross_entropy")
    g = _asarray(got)
    if g.size != 1:
        _fail(f"{name} returned shape {g.shape}; expected one number, the mean loss over the samples.")
    value = float(g.reshape(()))
    if not _isfinite(value):
        _fail(f"{name} is {value} for logits as large as |z| = {float(_abs(z).max()):g}; expected "
              f"{float(expected):.6g}.",
              "With p = sigmoid(-1000) = 0.0 exactly, log(p) = -inf and 0 * log(0) = NaN. Work from the "
              "logits: -[y log s(z) + (1-y) log(1-s(z))] = log(1 + e^z) - y z, and log(1 + e^z) = "
              "max(z, 0) + log1p(exp(-|z|)) (or np.logaddexp(0, z)).",
              mistake="computed log(sigmoid(z)): the sigmoid underflows to 0 and log(0) = -inf")
    m = y.shape[0]
    wrong = [
        _Mistake("summed the per-sample losses instead of averaging them (missing 1/m)", float(expected) * m),
        _Mistake("a sign error: the cross-entropy is MINUS the mean log-likelihood", -float(expected)),
        _Mistake("y and 1-y swapped (the loss of the labels 1-y)",
                 float(_np.mean(_ref_softplus(z) - (1 - y) * z))),
        _Mistake("log base 2 instead of the natural log", float(expected) / _np.log(2.0)),
        _Mistake("log base 10 instead of the natural log", float(expected) / _np.log(10.0)),
    ]
    wrong += [_Mistake(f"clipped the probabilities to [{eps:g}, 1-{eps:g}] before the log: finite, but a "
                       f"confident wrong answer (y=1, z=-1000) costs -log({eps:g}) = "
                       f"{-_np.log(eps):.1f} instead of 1000. Use log(1 + e^z) - y z from the logits",
                       _bce_clipped(y, z, eps))
              for eps in (1e-15, 1e-12, 1e-10, 1e-8, 1e-7, _np.finfo(_float64).eps)]
    _c.check_close(value, float(expected), name, rtol=1e-9, atol=1e-12, mistakes=wrong)


def _bce_public_data():
    rng = _default_rng(2)
    y = (rng.random(200) < 0.2).astype(_float64)
    z = rng.normal(-1.5, 2.0, size=200)
    z_ext = _array([1000.0, -1000.0, 1000.0, -1000.0, 0.0, 40.0, -40.0])
    y_ext = _array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0])
    return y, z, y_ext, z_ext


@_quietly
def check_binary_cross_entropy(bce):
    y, z, y_ext, z_ext = _bce_public_data()
    check_binary_cross_entropy_on(bce, y, z, _ref_bce(y, z, from_logits=True),
                                  "binary_cross_entropy on moderate logits")
    check_binary_cross_entropy_on(bce, y_ext, z_ext, _ref_bce(y_ext, z_ext, from_logits=True),
                                  "binary_cross_entropy on extreme logits (|z| up to 1000)")
    _passed()


# ---------------------------------------------------------------- 3. gradient
def _gradient_mistakes(X, y, w, b, alpha):
    m = X.shape[0]
    z = X @ w + b
    r = _ref_sigmoid(z) - y
    gw, gb = X.T @ r / m + alpha * w, float(r.mean())
    cat = _np.concatenate
    return [
        _Mistake("the L2 penalty is applied to the bias too: grad_b should be mean(sigmoid(z) - y) "
                 "without + alpha*b (the penalty is alpha/2 ||w||^2, weights only)",
                 cat([gw, [gb + alpha * b]])),
        _Mistake(f"missing the 1/m average: the data term is summed over the {m} samples",
                 cat([X.T @ r + alpha * w, [r.sum()]])),
        _Mistake("the wrong sign: the residual is sigmoid(z) - y, not y - sigmoid(z)",
                 cat([-X.T @ r / m + alpha * w, [-gb]])),
        _Mistake("the wrong sign of the whole gradient (this is the ascent direction)", cat([-gw, [-gb]])),
        _Mistake("the L2 term alpha*w is missing", cat([X.T @ r / m, [gb]])),
        _Mistake("the L2 term is 2*alpha*w: with the penalty alpha/2 ||w||^2 its gradient is alpha*w",
                 cat([X.T @ r / m + 2 * alpha * w, [gb]])),
        _Mistake("the L2 term is divided by m as well; only the data term is an average",
                 cat([X.T @ r / m + alpha * w / m, [gb]])),
        _Mistake("used z - y (the linear-regression residual) instead of sigmoid(z) - y",
                 cat([X.T @ (z - y) / m + alpha * w, [float((z - y).mean())]])),
        _Mistake("both the L2 penalty on the bias and the missing 1/m",
                 cat([X.T @ r + alpha * w, [r.sum() + alpha * b]])),
    ]


@_quietly
def check_logistic_gradient_on(logistic_gradient, X, y, w, b, alpha, name="logistic_gradient"):
    X = _array(X, dtype=_float64)
    y = _array(y, dtype=_float64)
    w = _array(w, dtype=_float64)
    copies = (X.copy(), y.copy(), w.copy())
    got = _c.call(logistic_gradient, X, y, w, b, alpha, name="logistic_gradient")
    for before, after, what in zip(copies, (X, y, w), ("X", "y", "w")):
        _unchanged(before, after, f"logistic_gradient (argument {what})")
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(f"{name} should return a tuple (grad_w, grad_b), got {type(got).__name__}.")
    gw, gb = _asarray(got[0], dtype=_float64), _asarray(got[1], dtype=_float64)
    d = X.shape[1]
    if gw.shape != (d,):
        _fail(f"{name}: grad_w has shape {gw.shape}, expected ({d},) (one entry per weight).")
    if gb.size != 1:
        _fail(f"{name}: grad_b has shape {gb.shape}, expected a single number.")
    theta_got = _np.concatenate([gw, gb.reshape(1)])

    def objective(theta):
        return _ref_loss(X, y, theta[:d], theta[d], alpha)

    theta = _np.concatenate([w, [float(b)]])
    numeric = _c.numerical_gradient(objective, theta, eps=1e-6)
    err = _c.relative_error(theta_got, numeric)
    threshold = 1e-6
    if err < threshold:
        return
    mistake = None
    for cand in _gradient_mistakes(X, y, w, float(b), float(alpha)):
        if _c.relative_error(theta_got, cand.value) < 1e-7:
            mistake = cand.description
            break
    worst = int(_np.argmax(_abs(theta_got - numeric)))
    entry = f"grad_w[{worst}]" if worst < d else "grad_b"
    _fail(f"{name} does not match the numerical gradient: relative error {err:.2e} (threshold "
          f"{threshold:.0e}), with m = {X.shape[0]}, alpha = {alpha:g}, b = {float(b):g}; largest difference "
          f"in {entry}: expected {numeric[worst]:.6g}, got {theta_got[worst]:.6g}.",
          f"Expected [grad_w..., grad_b] (centred finite differences, eps = 1e-6): {_short(numeric)}",
          f"Got:                                                          {_short(theta_got)}",
          mistake=mistake)


def _gradient_public_data():
    X, y = make_classification(40, 3, seed=42, bias=-0.5)
    w = _array([0.8, -0.4, 0.3])
    return X, y, w, 0.7, 0.3


@_quietly
def check_logistic_gradient(logistic_gradient):
    X, y, w, b, alpha = _gradient_public_data()
    check_logistic_gradient_on(logistic_gradient, X, y, w, b, alpha)
    _passed()


# ---------------------------------------------------------------- 4. mini-batch SGD
def reference_sgd(X, y, alpha, learning_rate, n_epochs, batch_size, seed, *, shuffle=True,
                  reseed_each_epoch=False, drop_last=False, l2_on_bias=False, batch_sum=False):
    """The reference mini-batch SGD (and, through the keyword flags, its classic mistakes).
    Equals ``LogisticRegressionGD(learning_rate, alpha=alpha, batch_size=batch_size,
    max_iter=n_epochs, tol=None, random_state=seed)`` to rounding."""
    X = _asarray(X, dtype=_float64)
    y = _asarray(y, dtype=_float64)
    m, d = X.shape
    w = _np.zeros(d)
    b = 0.0
    rng = _default_rng(seed)
    for _ in range(n_epochs):
        if reseed_each_epoch:
            rng = _default_rng(seed)
        order = rng.permutation(m) if shuffle else _np.arange(m)
        stop = m - m % batch_size if (drop_last and m > batch_size) else m
        for start in range(0, stop, batch_size):
            idx = order[start:start + batch_size]
            r = _ref_sigmoid(X[idx] @ w + b) - y[idx]
            denom = 1.0 if batch_sum else len(idx)
            gw = X[idx].T @ r / denom + alpha * w
            gb = r.sum() / denom + (alpha * b if l2_on_bias else 0.0)
            w = w - learning_rate * gw
            b = b - learning_rate * gb
    return w, b


def _run_sgd(sgd_fit, X, y, alpha, lr, n_epochs, batch_size, seed, name):
    copies = (X.copy(), y.copy())
    got = _c.call(sgd_fit, X, y, alpha, lr, n_epochs, batch_size, seed, name="sgd_fit")
    _unchanged(copies[0], X, "sgd_fit (argument X)")
    _unchanged(copies[1], y, "sgd_fit (argument y)")
    if not (isinstance(got, tuple) and len(got) == 2):
        _fail(f"{name} should return a tuple (w, b), got {type(got).__name__}.")
    w, b = _asarray(got[0], dtype=_float64), _asarray(got[1], dtype=_float64)
    if w.shape != (X.shape[1],):
        _fail(f"{name}: w has shape {w.shape}, expected ({X.shape[1]},).")
    if b.size != 1:
        _fail(f"{name}: b has shape {b.shape}, expected a single number.")
    return _np.concatenate([w, b.reshape(1)])


@_quietly
def check_sgd_fit_on(sgd_fit, X, y, alpha, learning_rate, n_epochs, batch_size, seed, name="sgd_fit"):
    X = _array(X, dtype=_float64)
    y = _array(y, dtype=_float64)
    args = (alpha, learning_rate, n_epochs, batch_size)
    first = _run_sgd(sgd_fit, X, y, *args, seed, name)
    second = _run_sgd(sgd_fit, X, y, *args, seed, name)
    if not _np.array_equal(first, second):
        worst = int(_np.argmax(_abs(first - second)))
        entry = f"w[{worst}]" if worst < X.shape[1] else "b"
        _fail(f"{name} is not reproducible: two runs with seed={seed} gave different weights, most in {entry} "
              f"({first[worst]:.6g} vs {second[worst]:.6g}; all: {_short(first)} vs {_short(second)}).",
              "Draw every permutation from ONE generator made once: rng = np.random.default_rng(seed), "
              "then order = rng.permutation(m) in each epoch.",
              mistake="the shuffling ignores the seed (np.random.permutation / np.random.shuffle use "
                      "NumPy's global, unseeded state)")
    w_b = lambda **kw: _np.concatenate(  # noqa: E731
        [reference_sgd(X, y, *args, seed, **kw)[0], [reference_sgd(X, y, *args, seed, **kw)[1]]])
    expected = w_b()
    ok = _c.relative_error(first, expected) < 1e-9
    if ok:
        return
    variants = [
        ("no shuffling: the batches are taken in the same row order every epoch; draw "
         "order = rng.permutation(m) at the start of each epoch", dict(shuffle=False)),
        ("the same order every epoch: np.random.default_rng(seed) is created inside the epoch loop, "
         "so every epoch repeats the first permutation; create the generator once, before the loop",
         dict(reseed_each_epoch=True)),
        ("the last, smaller mini-batch is dropped; range(0, m, batch_size) keeps it", dict(drop_last=True)),
        ("the L2 penalty is applied to the bias", dict(l2_on_bias=True)),
        ("the mini-batch gradient is summed, not averaged over the batch (missing 1/|B|)", dict(batch_sum=True)),
    ]
    mistake = None
    for description, kw in variants:
        if _c.relative_error(first, w_b(**kw)) < 1e-9:
            mistake = description
            break
    d = X.shape[1]
    worst = int(_np.argmax(_abs(first - expected)))
    entry = f"w[{worst}]" if worst < d else "b"
    _fail(f"{name} returned different weights from the reference run (alpha={alpha:g}, learning_rate="
          f"{learning_rate:g}, n_epochs={n_epochs}, batch_size={batch_size}, seed={seed}, m={X.shape[0]}); "
          f"largest difference in {entry}: expected {expected[worst]:.6g}, got {first[worst]:.6g}.",
          f"Expected [w..., b]: {_short(expected)}", f"Got:                {_short(first)}",
          "" if mistake else "Check the order of operations: w and b start at 0; per epoch ONE "
          "permutation from the seeded generator; each batch's gradient uses the current w and b and "
          "updates both.",
          mistake=mistake)


def _sgd_public_data():
    X, y = make_classification(203, 3, seed=5, bias=-1.0)
    return X, y, 0.01, 0.5, 3, 16, 7


@_quietly
def check_sgd_fit(sgd_fit):
    X, y, alpha, lr, n_epochs, batch_size, seed = _sgd_public_data()
    check_sgd_fit_on(sgd_fit, X, y, alpha, lr, n_epochs, batch_size, seed)
    other = _run_sgd(sgd_fit, X, y, alpha, lr, n_epochs, batch_size, seed + 1, "sgd_fit")
    same = _run_sgd(sgd_fit, X, y, alpha, lr, n_epochs, batch_size, seed, "sgd_fit")
    if _np.array_equal(other, same):
        _fail("sgd_fit gave identical weights for seed 7 and seed 8.",
              mistake="the rows are not shuffled with the seeded generator")
    _passed()


# ---------------------------------------------------------------- 5. predict_proba / predict
@_quietly
def check_predict_on(predict_proba, predict, X, w, b, thresholds, name="predict"):
    X = _array(X, dtype=_float64)
    w = _array(w, dtype=_float64)
    z = X @ w + b
    p_exp = _ref_sigmoid(z)
    prefix = "" if name == "predict" else f"{name}: "
    got = _asarray(_c.call(predict_proba, X.copy(), w.copy(), b, name="predict_proba"))
    _c.check_shape(got, (X.shape[0],), prefix + "predict_proba(X, w, b)")
    _c.check_close(got, p_exp, prefix + "predict_proba(X, w, b)", rtol=1e-9, atol=1e-12,
                   mistakes=[_Mistake("returned the logits z = Xw + b; apply the sigmoid", z),
                             _Mistake("returned P(y = 0) = sigmoid(-z); predict_proba gives P(y = 1)",
                                      _ref_sigmoid(-z)),
                             _Mistake("forgot the bias b", _ref_sigmoid(X @ w))])
    for t in thresholds:
        label = prefix + ("predict(X, w, b)" if t is None else f"predict(X, w, b, threshold={t})")
        t_val = 0.5 if t is None else t
        yhat = _c.call(predict, X.copy(), w.copy(), b, name="predict") if t is None else \
            _c.call(predict, X.copy(), w.copy(), b, threshold=t, name="predict")
        yhat = _asarray(yhat)
        _c.check_shape(yhat, (X.shape[0],), label)
        if yhat.dtype.kind == "b":
            _fail(f"{label} returned booleans (dtype bool); the task asks for integer 0/1 labels.",
                  mistake="returned the comparison itself (True/False): convert it to integers")
        if yhat.dtype.kind not in "iu":
            _fail(f"{label} has dtype {yhat.dtype}; expected integer 0/1 labels.")
        expected = (p_exp >= t_val).astype(_np.int64)
        _c.check_close(yhat.astype(_np.int64), expected, label, rtol=0, atol=0, mistakes=[
            _Mistake("used p > threshold; the stated rule is p >= threshold (a probability exactly at the "
                     "threshold is predicted positive)", (p_exp > t_val).astype(_float64)),
            _Mistake(f"compared the logit z with the threshold; the threshold {t_val:g} is a probability: "
                     f"predict 1 when sigmoid(z) >= threshold", (z >= t_val).astype(_float64)),
            _Mistake("the labels are flipped (p < threshold)", (p_exp < t_val).astype(_float64)),
            _Mistake("ignored the threshold argument (always 0.5)", (p_exp >= 0.5).astype(_float64)),
        ])


def _predict_public_data():
    X, _ = make_classification(30, 2, seed=11)
    return X, _array([1.5, -2.0]), -0.8


#: two rows with z = 0 exactly, so p = 0.5 exactly whatever formula the sigmoid uses
AT_THRESHOLD = (_array([[0.0, 0.0], [2.0, 1.0], [1.5, 0.0], [-1.0, 0.5], [-3.0, 1.0]]), _array([1.0, -2.0]), 0.0)


@_quietly
def check_predict(predict_proba, predict):
    X, w, b = _predict_public_data()
    check_predict_on(predict_proba, predict, X, w, b, thresholds=(None, 0.2, 0.7))
    check_predict_on(predict_proba, predict, *AT_THRESHOLD, thresholds=(None, 0.5),
                     name="predict where a probability equals the threshold 0.5 exactly (z = 0)")
    _passed()


# ---------------------------------------------------------------- 6-8: in the second file
from autograder.exercises.m02_logistic_regression_metrics import (  # noqa: E402,F401  (the notebook imports them from here)
    F1_TIE_CASE,
    METRICS,
    THRESHOLD_REPORT,
    ZERO_DIVISION_CASES,
    check_choose_threshold,
    check_choose_threshold_on,
    check_classification_metrics,
    check_classification_metrics_on,
    check_roc_auc,
    check_roc_auc_on,
    make_scores,
    smallest_best_threshold,
)

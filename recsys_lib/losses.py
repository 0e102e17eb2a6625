r"""Numerically stable loss primitives for linear, logistic and softmax models.

These are the reference versions of the functions learners write by hand in
module 01 (linear_regression), module 02 (logistic_regression) and module 06
(neural_networks_backprop: softmax, log-sum-exp, softmax cross-entropy); the
notebooks' graded functions are checked against them, and the estimators in
:mod:`recsys_lib.models.linear` and :mod:`recsys_lib.models.logistic` are built
on them.

Notation (used in every docstring of this package)
--------------------------------------------------
* :math:`X \in \mathbb{R}^{m \times d}` — design matrix, one row per sample;
* :math:`y \in \mathbb{R}^m` (regression) or :math:`y \in \{0, 1\}^m` (binary);
* :math:`w \in \mathbb{R}^d`, :math:`b \in \mathbb{R}` — weights and bias (intercept);
* :math:`z = Xw + b` — the linear score ("logit" for logistic regression);
* :math:`\alpha \ge 0` — L2 penalty strength. **The bias is never penalised.**

All functions are vectorised (no Python loop over samples), work in float64 and
do not modify their inputs.
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "softmax",
    "linear_predict",
    "mse_loss",
    "mse_gradient",
    "binary_cross_entropy",
    "logistic_loss",
    "log_loss_gradient",
    "logsumexp",
    "log_softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_gradient",
]


def _check_Xyw(X, y, w):
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (m samples, d features); got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one entry per row of X: X has shape {X.shape}, y has shape {y.shape}"
        )
    if w.ndim != 1 or w.shape[0] != X.shape[1]:
        raise ValueError(
            f"w must be 1-D with one entry per column of X: X has shape {X.shape}, w has shape {w.shape}"
        )
    return X, y, w


def _check_weights(sample_weight, m: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    s = np.asarray(sample_weight, dtype=np.float64)
    if s.shape != (m,):
        raise ValueError(f"sample_weight must have shape ({m},); got {s.shape}")
    if np.any(s < 0) or not np.all(np.isfinite(s)):
        raise ValueError("sample_weight must be finite and non-negative")
    if s.sum() <= 0:
        raise ValueError("sample_weight sums to zero: there is nothing to fit")
    return s


def _residual_gradient(X: np.ndarray, r: np.ndarray, w: np.ndarray, alpha: float, s: np.ndarray | None):
    """``(X^T r / m + alpha w, mean(r))``, or with sample weights ``s`` the weighted means: the gradient
    shared by linear (r = Xw + b - y) and logistic (r = sigmoid(Xw + b) - y) regression."""
    if s is None:
        return X.T @ r / X.shape[0] + float(alpha) * w, float(r.mean())
    sr = s * r
    return X.T @ sr / s.sum() + float(alpha) * w, float(sr.sum() / s.sum())


def _weighted_mean(values: np.ndarray, s: np.ndarray | None) -> float:
    """(1/m) sum_i v_i, or sum_i s_i v_i / sum_i s_i with sample weights."""
    if s is None:
        return float(np.mean(values))
    return float(values @ s / s.sum())


# --------------------------------------------------------------------------
# sigmoid / softmax
# --------------------------------------------------------------------------
def sigmoid(z):
    r"""Numerically stable logistic sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`.

    Taught in module 02 (logistic_regression).

    The naive formula overflows in :math:`e^{-z}` for large negative ``z``
    (``np.exp(1000)`` is ``inf`` with a RuntimeWarning). Writing
    :math:`u = e^{-|z|} \in (0, 1]`, which never overflows,

    .. math::
        \sigma(z) = \begin{cases} \dfrac{1}{1 + u} & z \ge 0 \\[4pt]
                                  \dfrac{u}{1 + u} & z < 0 \end{cases}

    Both branches are exact rewrites of the same function. For :math:`|z|`
    above ~745 ``u`` underflows to 0 and the result is exactly 0.0 or 1.0,
    which is the correctly rounded answer; the (harmless) underflow flag is
    suppressed, so the function is silent even under ``np.errstate(all="raise")``.

    Parameters
    ----------
    z : array-like or float
        Logits, any shape.

    Returns
    -------
    ndarray (float64, same shape as ``z``); a 0-d input gives a 0-d array.
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        u = np.exp(-np.abs(z))
        inv = 1.0 / (1.0 + u)
        return np.where(z >= 0, inv, u * inv)


def softplus(z):
    r"""Stable :math:`\log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})`.

    Taught in module 02 (logistic_regression), as the building block of the
    cross-entropy from logits. Same value as ``np.logaddexp(0, z)`` (to rounding),
    written with one ``exp`` and one ``log1p``: :math:`e^{-|z|} \le 1` never
    overflows and ``log1p`` keeps full precision when :math:`e^{-|z|}` is tiny.
    """
    z = np.asarray(z, dtype=np.float64)
    with np.errstate(under="ignore"):
        return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z):
    r"""Stable :math:`\log \sigma(z) = -\log(1 + e^{-z}) = -\mathrm{softplus}(-z)`.

    Taught in module 02 (logistic_regression). Finite for every finite ``z``
    (``log_sigmoid(-1000) == -1000``), whereas ``np.log(sigmoid(-1000))`` is ``-inf``.
    """
    return -softplus(-np.asarray(z, dtype=np.float64))


def softmax(Z, axis: int = -1):
    r"""Stable softmax :math:`\mathrm{softmax}(z)_k = e^{z_k - \max_j z_j} / \sum_l e^{z_l - \max_j z_j}`.

    Subtracting the row maximum leaves the result unchanged (it cancels in the
    ratio) and makes every exponent :math:`\le 0`, so nothing overflows.
    Taught in module 06 (neural_networks_backprop); used by
    :class:`~recsys_lib.models.LogisticRegressionGD` for more than two classes (module 02).
    """
    Z = np.asarray(Z, dtype=np.float64)
    with np.errstate(under="ignore"):
        E = np.exp(Z - np.max(Z, axis=axis, keepdims=True))
        return E / E.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# linear regression: MSE
# --------------------------------------------------------------------------
def linear_predict(X, w, b=0.0):
    r"""Linear model prediction :math:`\hat y = Xw + b`.

    Taught in module 01 (linear_regression).
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    return X @ w + float(b)


def mse_loss(X, y, w, b=0.0, alpha: float = 0.0, sample_weight=None) -> float:
    r"""Mean-squared-error objective of linear regression (the "½ convention").

    Taught in module 01 (linear_regression).

    .. math::
        J(w, b) = \frac{1}{2m} \lVert Xw + b\mathbf{1} - y \rVert_2^2
                  + \frac{\alpha}{2} \lVert w \rVert_2^2
                = \frac{1}{2m} \sum_{i=1}^{m} (x_i^\top w + b - y_i)^2
                  + \frac{\alpha}{2} \sum_{j=1}^{d} w_j^2

    The factor ½ makes the gradient free of a 2 (see :func:`mse_gradient`); it
    does not move the minimiser. The bias ``b`` is not penalised. With sample
    weights :math:`s_i \ge 0` the mean becomes a weighted mean:
    :math:`\frac{1}{m}\sum_i \to \frac{1}{\sum_i s_i}\sum_i s_i`.

    Note that ``sklearn.metrics.mean_squared_error`` has no ½:
    ``mean_squared_error(y, Xw + b) == 2 * mse_loss(X, y, w, b)`` (for ``alpha=0``).

    Returns
    -------
    float
    """
    X, y, w = _check_Xyw(X, y, w)
    s = _check_weights(sample_weight, X.shape[0])
    r = X @ w + float(b) - y
    return 0.5 * _weighted_mean(r * r, s) + 0.5 * float(alpha) * float(w @ w)


def mse_gradient(X, y, w, b=0.0, alpha: float = 0.0, sample_weight=None):
    r"""Gradient of :func:`mse_loss` with respect to ``w`` and ``b``.

    Taught in module 01 (linear_regression).

    With the residual :math:`r = Xw + b\mathbf{1} - y` (prediction minus target),

    .. math::
        \nabla_w J = \frac{1}{m} X^\top r + \alpha w, \qquad
        \frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} r_i .

    (Weighted: :math:`\frac{1}{\sum s_i} X^\top (s \odot r) + \alpha w` and
    :math:`\frac{1}{\sum s_i} \sum_i s_i r_i`.)

    Returns
    -------
    grad_w : ndarray of shape (d,)
    grad_b : float
    """
    X, y, w = _check_Xyw(X, y, w)
    return _residual_gradient(X, X @ w + float(b) - y, w, alpha, _check_weights(sample_weight, X.shape[0]))


# --------------------------------------------------------------------------
# logistic regression: binary cross-entropy
# --------------------------------------------------------------------------
def binary_cross_entropy(y, p_or_logits, from_logits: bool = False, eps: float | None = None,
                         sample_weight=None) -> float:
    r"""Mean binary cross-entropy (log loss) of labels ``y`` in {0, 1}.

    Taught in module 02 (logistic_regression).

    .. math::
        \mathrm{BCE} = -\frac{1}{m} \sum_{i=1}^{m}
            \bigl[ y_i \log p_i + (1 - y_i) \log(1 - p_i) \bigr]

    * ``from_logits=True`` (recommended): the second argument is the logit
      :math:`z` with :math:`p = \sigma(z)`. Using :math:`\log \sigma(z) = -\log(1+e^{-z})`
      and :math:`\log(1-\sigma(z)) = -\log(1+e^{z})`, each term simplifies to

      .. math:: \ell_i = \log(1 + e^{z_i}) - y_i z_i = \max(z_i, 0) + \log(1 + e^{-|z_i|}) - y_i z_i

      (:func:`softplus`; equal to ``np.logaddexp(0, z) - y * z``), which is exact and
      finite for every finite :math:`z` (no ``log(0)``, no overflow).
    * ``from_logits=False``: the second argument is a probability; it is clipped
      to :math:`[\epsilon, 1-\epsilon]` before the logs (default
      :math:`\epsilon` = float64 machine epsilon ≈ 2.2e-16, as
      ``sklearn.metrics.log_loss`` does), so a confident wrong answer costs
      about :math:`-\log \epsilon \approx 36` instead of ``inf``.

    With sample weights the mean is :math:`\sum_i s_i \ell_i / \sum_i s_i`.
    Natural logarithm (nats).

    Returns
    -------
    float
    """
    y = np.asarray(y, dtype=np.float64)
    a = np.asarray(p_or_logits, dtype=np.float64)
    if y.shape != a.shape:
        raise ValueError(f"y and {'logits' if from_logits else 'p'} must have the same shape; "
                         f"got {y.shape} and {a.shape}")
    if y.size == 0:
        raise ValueError("binary_cross_entropy of an empty array is undefined")
    s = None
    if sample_weight is not None:
        if y.ndim != 1:
            raise ValueError("sample_weight needs 1-D y (one label per sample)")
        s = _check_weights(sample_weight, y.shape[0])
    if from_logits:
        losses = softplus(a) - y * a
    else:
        if np.any((a < 0) | (a > 1)):
            raise ValueError("probabilities must lie in [0, 1]; did you pass logits? "
                             "Use from_logits=True.")
        e = np.finfo(np.float64).eps if eps is None else float(eps)
        p = np.clip(a, e, 1.0 - e)
        losses = -(y * np.log(p) + (1.0 - y) * np.log1p(-p))
    return _weighted_mean(losses.ravel(), None if s is None else s.ravel())


def logistic_loss(X, y, w, b=0.0, alpha: float = 0.0, sample_weight=None) -> float:
    r"""Objective of L2-regularised logistic regression.

    Taught in module 02 (logistic_regression).

    .. math::
        J(w, b) = \frac{1}{m} \sum_{i=1}^{m} \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr]
                  + \frac{\alpha}{2} \lVert w \rVert_2^2, \qquad z = Xw + b\mathbf{1},

    i.e. the mean binary cross-entropy computed from logits (see
    :func:`binary_cross_entropy`) plus an L2 penalty that leaves the bias alone.
    """
    X, y, w = _check_Xyw(X, y, w)
    z = X @ w + float(b)
    return (binary_cross_entropy(y, z, from_logits=True, sample_weight=sample_weight)
            + 0.5 * float(alpha) * float(w @ w))


def log_loss_gradient(X, y, w, b=0.0, alpha: float = 0.0, sample_weight=None):
    r"""Gradient of :func:`logistic_loss` with respect to ``w`` and ``b``.

    Taught in module 02 (logistic_regression).

    Since :math:`\frac{d}{dz}\bigl[\log(1+e^z) - yz\bigr] = \sigma(z) - y`,

    .. math::
        \nabla_w J = \frac{1}{m} X^\top \bigl(\sigma(Xw + b) - y\bigr) + \alpha w, \qquad
        \frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} \bigl(\sigma(z_i) - y_i\bigr).

    The same form as the MSE gradient with the prediction :math:`\hat y = \sigma(z)`
    in place of :math:`z`. (Weighted: replace :math:`\frac{1}{m}\sum_i` by
    :math:`\frac{1}{\sum s_i}\sum_i s_i`.)

    Returns
    -------
    grad_w : ndarray of shape (d,)
    grad_b : float
    """
    X, y, w = _check_Xyw(X, y, w)
    return _residual_gradient(X, sigmoid(X @ w + float(b)) - y, w, alpha,
                              _check_weights(sample_weight, X.shape[0]))


# --------------------------------------------------------------------------
# softmax cross-entropy (module 06)
# --------------------------------------------------------------------------
def logsumexp(Z, axis: int = -1, keepdims: bool = False):
    r"""Stable :math:`\log \sum_k e^{z_k} = c + \log \sum_k e^{z_k - c}` with :math:`c = \max_k z_k`.

    Taught in module 06 (neural_networks_backprop). Every shifted exponent is :math:`\le 0`
    and the largest is exactly 1, so the sum lies in :math:`[1, K]`: no overflow, no ``log(0)``.
    """
    Z = np.asarray(Z, dtype=np.float64)
    c = np.max(Z, axis=axis, keepdims=True)
    with np.errstate(under="ignore"):
        out = c + np.log(np.sum(np.exp(Z - c), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def log_softmax(Z, axis: int = -1):
    r"""Stable :math:`\log \mathrm{softmax}(z)_k = z_k - \log\sum_l e^{z_l}`; finite for finite ``Z``.

    Taught in module 06 (neural_networks_backprop). ``np.log(softmax(Z))`` is ``-inf`` where a
    probability underflows to 0 (e.g. logits ``[0, 1000]``).
    """
    Z = np.asarray(Z, dtype=np.float64)
    return Z - logsumexp(Z, axis=axis, keepdims=True)


def _class_targets(Z: np.ndarray, y) -> np.ndarray:
    """One-hot (m, K) float targets from integer labels 0..K-1 (1-D) or a one-hot/probability matrix."""
    if Z.ndim != 2:
        raise ValueError(f"logits Z must be 2-D (m samples, K classes); got shape {Z.shape}")
    m, K = Z.shape
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape != Z.shape:
            raise ValueError(f"one-hot targets must have the shape of Z {Z.shape}; got {y.shape}")
        return y.astype(np.float64)
    if y.shape != (m,):
        raise ValueError(f"y must hold one label per row of Z: Z has shape {Z.shape}, y has shape {y.shape}")
    if y.dtype.kind not in "iu" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
        raise ValueError(f"labels must be integer class indices 0..{K - 1}; got dtype {y.dtype}")
    yi = y.astype(np.int64)
    if m and (yi.min() < 0 or yi.max() >= K):
        raise ValueError(f"labels must lie in 0..{K - 1} (one column of Z per class); got {yi.min()}..{yi.max()}")
    Y = np.zeros((m, K))
    Y[np.arange(m), yi] = 1.0
    return Y


def softmax_cross_entropy(Z, y) -> float:
    r"""Mean softmax cross-entropy of logits ``Z`` (m, K) and labels ``y``, computed stably.

    Taught in module 06 (neural_networks_backprop).

    .. math::
        L = \frac{1}{m} \sum_{i=1}^{m} \Bigl[ -\log \mathrm{softmax}(z_i)_{y_i} \Bigr]
          = \frac{1}{m} \sum_{i=1}^{m} \Bigl[ \log \sum_{k} e^{z_{ik}} - z_{i, y_i} \Bigr]

    with :func:`logsumexp`, so a confident wrong answer costs its margin (logits ``[0, 1000]``
    with label 0 cost 1000), never ``inf``. ``y`` holds integer class indices ``0..K-1`` (1-D) or
    one-hot rows (2-D, then :math:`-\sum_k y_{ik} \log p_{ik}`). Natural log (nats).
    """
    Z = np.asarray(Z, dtype=np.float64)
    Y = _class_targets(Z, y)
    if Z.shape[0] == 0:
        raise ValueError("softmax_cross_entropy of an empty batch is undefined")
    return float(np.mean(-np.sum(Y * log_softmax(Z, axis=1), axis=1)))


def softmax_cross_entropy_gradient(Z, y):
    r"""Gradient of :func:`softmax_cross_entropy` with respect to the logits ``Z``.

    Taught in module 06 (neural_networks_backprop). With :math:`P = \mathrm{softmax}(Z)` row by row
    and :math:`Y` the one-hot labels,

    .. math:: \frac{\partial L}{\partial Z} = \frac{1}{m} (P - Y),

    the :math:`\frac1m` coming from the mean over the :math:`m` rows (the notebook derives
    :math:`\partial \ell_i / \partial z_{ik} = p_{ik} - y_{ik}`). Shape (m, K).
    """
    Z = np.asarray(Z, dtype=np.float64)
    Y = _class_targets(Z, y)
    return (softmax(Z, axis=1) - Y) / Z.shape[0]

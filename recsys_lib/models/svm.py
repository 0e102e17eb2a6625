r"""The linear support-vector machine, trained in the primal by mini-batch Pegasos, and its primitives.

Taught in module 05 (svm).

Notation
--------
Labels :math:`y_i \in \{-1, +1\}` (map 0/1 labels with :math:`2y - 1`), score
:math:`f(x) = w^\top x + b`, (functional) margin :math:`y_i f(x_i)`, hinge loss
:math:`\ell(y, f) = \max(0, 1 - y f)`.

The soft-margin SVM is a **minimisation**:

.. math::
    \min_{w, b, \xi}\ \tfrac12 \lVert w\rVert^2 + C \sum_{i=1}^m \xi_i
    \quad\text{s.t.}\quad y_i (w^\top x_i + b) \ge 1 - \xi_i,\ \ \xi_i \ge 0
    \qquad\Longleftrightarrow\qquad
    \min_{w, b}\ \tfrac12 \lVert w\rVert^2 + C \sum_{i=1}^m \max\bigl(0, 1 - y_i(w^\top x_i + b)\bigr)

(:func:`svm_objective`). Pegasos minimises the same function divided by :math:`Cm`,

.. math::
    J(w, b) = \frac{\lambda}{2}\lVert w\rVert^2 + \frac1m \sum_{i=1}^m \max\bigl(0, 1 - y_i(w^\top x_i + b)\bigr),
    \qquad \lambda = \frac{1}{C m}

(:func:`pegasos_objective`; ``alpha`` is :math:`\lambda`, as in scikit-learn's ``SGDClassifier``).
The bias :math:`b` is not penalised here; scikit-learn's ``LinearSVC`` penalises it (it appends a
constant feature ``intercept_scaling`` to :math:`x`, so its objective has an extra
:math:`\tfrac12 (b / \text{intercept\_scaling})^2`; a large ``intercept_scaling`` makes that small).
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from .logistic import _classifier_fit_data, _linear_decision

__all__ = ["LinearSVMPegasos", "hinge_loss", "svm_objective", "pegasos_objective", "hinge_subgradient",
           "margin_geometry"]


def _pm1(y) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("SVM labels must be -1 or +1 (map 0/1 labels with 2 * y - 1)")
    return y


def hinge_loss(y, scores) -> np.ndarray:
    r"""Elementwise hinge loss :math:`\max(0, 1 - y_i s_i)` of labels :math:`y_i \in \{-1, +1\}` and
    scores :math:`s_i = f(x_i)`. Zero for a point on the right side with margin at least 1.
    Taught in module 05 (svm)."""
    return np.maximum(0.0, 1.0 - _pm1(y) * np.asarray(scores, dtype=np.float64))


def svm_objective(X, y, w, b, C) -> float:
    r"""The soft-margin primal :math:`\tfrac12\lVert w\rVert^2 + C\sum_i \max(0, 1 - y_i(w^\top x_i + b))`
    (a minimisation; the bias is not penalised). Taught in module 05 (svm)."""
    X, w = np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return float(0.5 * w @ w + C * hinge_loss(y, X @ w + b).sum())


def pegasos_objective(X, y, w, b, alpha, sample_weight=None) -> float:
    r""":math:`J(w, b) = \tfrac{\alpha}{2}\lVert w\rVert^2 + \frac1m\sum_i \max(0, 1 - y_i(w^\top x_i + b))`,
    the Pegasos form of the primal (with sample weights the mean is weighted:
    :math:`\sum_i s_i \ell_i / \sum_i s_i`). Taught in module 05 (svm)."""
    X, w = np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64)
    losses = hinge_loss(y, X @ w + b)
    data = losses.mean() if sample_weight is None else losses @ sample_weight / np.sum(sample_weight)
    return float(0.5 * alpha * w @ w + data)


def hinge_subgradient(X, y, w, b, alpha):
    r"""A sub-gradient :math:`(g_w, g_b)` of :func:`pegasos_objective` at :math:`(w, b)`:

    .. math::
        g_w = \alpha w - \frac1m \sum_{i \in A} y_i x_i, \qquad g_b = -\frac1m \sum_{i \in A} y_i,
        \qquad A = \{ i : y_i (w^\top x_i + b) < 1 \}.

    At the kink (margin exactly 1) the hinge's sub-differential is the segment between
    :math:`-y_i x_i` and 0; the convention here (Pegasos's) takes 0: a point on the margin does not
    violate it. The bias is not penalised. Taught in module 05 (svm)."""
    X, w = np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64)
    y = _pm1(y)
    active = (y * (X @ w + b) < 1.0).astype(np.float64)
    m = X.shape[0]
    return alpha * w - X.T @ (active * y) / m, float(-(active * y).sum() / m)


def margin_geometry(X, y, w, b):
    r"""The geometry of the separating hyperplane :math:`w^\top x + b = 0`:

    * ``width`` :math:`= 2 / \lVert w\rVert`, the distance between the margin hyperplanes
      :math:`f(x) = \pm 1`;
    * ``distance`` :math:`= y_i (w^\top x_i + b) / \lVert w\rVert`, each point's signed distance to the
      boundary (positive on the correct side);
    * ``support``: points on or inside the margin, :math:`y_i f(x_i) \le 1` — the support vectors
      of the soft-margin solution (the points with :math:`\alpha_i > 0` in the dual).

    Taught in module 05 (svm)."""
    X, w = np.asarray(X, dtype=np.float64), np.asarray(w, dtype=np.float64)
    margin = _pm1(y) * (X @ w + b)
    norm = float(np.sqrt(w @ w))
    return 2.0 / norm, margin / norm, margin <= 1.0


def _check_params(est) -> None:
    name = type(est).__name__
    a = est.alpha
    if not (isinstance(a, numbers.Real) and not isinstance(a, bool) and np.isfinite(a) and a > 0):
        raise ValueError(f"{name}: alpha (the lambda of Pegasos) must be a number > 0; got {a!r}")
    if not (isinstance(est.max_iter, numbers.Integral) and not isinstance(est.max_iter, bool)
            and est.max_iter >= 1):
        raise ValueError(f"{name}: max_iter (number of epochs) must be an integer >= 1; got {est.max_iter!r}")
    bs = est.batch_size
    if bs is not None and not (isinstance(bs, numbers.Integral) and not isinstance(bs, bool) and bs >= 1):
        raise ValueError(f"{name}: batch_size must be None (full batch) or an integer >= 1; got {bs!r}")


def _pegasos(X, Y, weight, alpha: float, n_epochs: int, batch_size, fit_intercept: bool, rng):
    r"""Mini-batch Pegasos for the columns of ``Y`` (one +-1 problem each, one-vs-rest), vectorised
    over the batch and the columns. Step :math:`t = 1, 2, \dots` (counted over all epochs) uses
    :math:`\eta_t = 1/(\alpha t)`:

    .. math::
        W \leftarrow (1 - \eta_t \alpha) W + \frac{\eta_t}{|B|} X_B^\top G, \qquad
        b \leftarrow b + \frac{\eta_t}{|B|} \mathbf 1^\top G, \qquad
        G = Y_B \odot [\,Y_B \odot (X_B W + b) < 1\,] \ (\odot\, s_B / \bar s \text{ with weights}).

    Each epoch visits the rows in a fresh ``rng.permutation`` (batch_size None: all rows in order,
    one step per epoch). Returns W (d, K), b (K,), the objective after every epoch, the steps."""
    m, d = X.shape
    K = Y.shape[1]
    W, b = np.zeros((d, K)), np.zeros(K)
    rel = None if weight is None else weight / weight.mean()      # relative weights (mean 1)
    size = m if batch_size is None else min(int(batch_size), m)
    history, t = [], 0
    for _ in range(n_epochs):
        order = np.arange(m) if batch_size is None else rng.permutation(m)
        Xs, Ys = X[order], Y[order]                               # one gather per epoch
        Rs = None if rel is None else rel[order]
        for start in range(0, m, size):
            t += 1
            eta = 1.0 / (alpha * t)
            Xb, Yb = Xs[start:start + size], Ys[start:start + size]
            G = Yb * (Yb * (Xb @ W + b) < 1.0)
            if Rs is not None:
                G *= Rs[start:start + size, None]
            step = eta / Xb.shape[0]
            W *= 1.0 - eta * alpha
            W += step * (Xb.T @ G)
            if fit_intercept:
                b += step * G.sum(axis=0)
        losses = np.maximum(0.0, 1.0 - Y * (X @ W + b)).sum(axis=1)
        data = losses.mean() if weight is None else losses @ weight / weight.sum()
        history.append(float(0.5 * alpha * np.sum(W * W) + data))
    return W, b, history, t


class LinearSVMPegasos(ClassifierMixin, BaseEstimator):
    r"""Linear soft-margin SVM trained in the primal by mini-batch Pegasos.

    Taught in module 05 (svm).

    Minimises, for labels :math:`y_i \in \{-1, +1\}` (``classes_[1]`` is +1),

    .. math::
        J(w, b) = \frac{\alpha}{2}\lVert w\rVert^2 + \frac1m\sum_{i=1}^m \max\bigl(0, 1 - y_i(w^\top x_i + b)\bigr)

    (the bias is not penalised; with sample weights :math:`s_i` the mean becomes
    :math:`\sum_i s_i \ell_i / \sum_i s_i`). From :math:`w = 0, b = 0`, each epoch shuffles the rows
    with ``np.random.default_rng(random_state)`` (one generator for the whole fit) and takes one
    step per mini-batch :math:`B` with step size :math:`\eta_t = 1/(\alpha t)`, :math:`t` the step
    number counted over all epochs:

    .. math::
        w \leftarrow (1 - \eta_t\alpha) w + \frac{\eta_t}{|B|}\sum_{i \in B:\ y_i f(x_i) < 1} y_i x_i,
        \qquad b \leftarrow b + \frac{\eta_t}{|B|}\sum_{i \in B:\ y_i f(x_i) < 1} y_i

    (a point exactly on the margin does not count as a violation). More than two classes:
    one-vs-rest, all classes trained together on the same batches.

    Relation to scikit-learn
    ------------------------
    ``LinearSVC(loss="hinge", C=C)`` minimises :math:`\tfrac12\lVert w\rVert^2 + C\sum_i
    \ell_i + \tfrac12 (b/s)^2` with :math:`s` = ``intercept_scaling``: dividing by :math:`Cm` gives
    :math:`J` with :math:`\alpha = 1/(Cm)` (with weights, :math:`m \to \sum_i s_i`), plus a penalty on
    the bias that a large ``intercept_scaling`` makes negligible. ``SGDClassifier(loss="hinge",
    alpha=alpha, learning_rate="optimal")`` uses a similar step :math:`1/(\alpha(t + t_0))`.

    Parameters
    ----------
    alpha : float, default=1e-3
        :math:`\lambda` of Pegasos, the L2 strength (weights only).
    max_iter : int, default=20
        Number of epochs (no early stopping: Pegasos's step size schedule is fixed).
    batch_size : int or None, default=64
        Mini-batch size; ``None`` = full batch (deterministic sub-gradient descent).
    fit_intercept : bool, default=True
    random_state : int, numpy Generator or None, default=None
        Seed of the shuffling; the same seed gives identical results.

    Notes
    -----
    Passes ``sklearn.utils.estimator_checks.check_estimator``; with mini-batches, integer
    sample weights equal repeated rows only in expectation (the batches differ), so
    ``check_sample_weight_equivalence_on_dense_data`` is expected to fail — as for
    ``SGDClassifier`` and :class:`~recsys_lib.models.LogisticRegressionGD`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, (n_classes, n_features) otherwise
    intercept_ : ndarray of shape (1,) or (n_classes,)
    loss_history_ : list of float — :math:`J` on the training data after each epoch (summed over
        the one-vs-rest problems for more than two classes)
    n_iter_ : int — epochs run;  t_ : int — Pegasos steps taken
    n_features_in_ : int;  feature_names_in_ : only when X had string column names
    """

    def __init__(self, alpha=1e-3, max_iter=20, batch_size=64, fit_intercept=True, random_state=None):
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns ``self``. ``y``: class labels (at least two classes);
        ``sample_weight``: non-negative weights (the hinge term of row i is multiplied by s_i)."""
        _check_params(self)
        X, y_idx, sw = _classifier_fit_data(self, X, y, sample_weight)
        n_classes = len(self.classes_)
        if n_classes == 2:
            Y = np.where(y_idx == 1, 1.0, -1.0)[:, None]
        else:
            Y = -np.ones((X.shape[0], n_classes))
            Y[np.arange(X.shape[0]), y_idx] = 1.0
        W, b, history, steps = _pegasos(
            X, Y, None if sample_weight is None else sw, float(self.alpha), int(self.max_iter),
            self.batch_size, bool(self.fit_intercept), np.random.default_rng(self.random_state))
        self.coef_ = np.ascontiguousarray(W.T)
        self.intercept_ = b
        self.loss_history_ = history
        self.n_iter_ = int(self.max_iter)
        self.t_ = steps
        return self

    def decision_function(self, X):
        r"""Scores :math:`f(x) = w^\top x + b`: shape (n_samples,) for two classes (positive means
        ``classes_[1]``), (n_samples, n_classes) otherwise."""
        return _linear_decision(self, X)

    def predict(self, X):
        """``classes_[1]`` where the score is > 0 (two classes); the class with the largest score
        otherwise."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(np.intp)]
        return self.classes_[np.argmax(scores, axis=1)]

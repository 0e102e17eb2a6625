r"""Logistic regression trained by mini-batch gradient descent (reference implementation).

Taught in module 02 (logistic_regression): stable sigmoid, cross-entropy, its
gradient, mini-batch SGD with L2, and (with :mod:`recsys_lib.metrics`) the
classification metrics and threshold choice.

The stable primitives the notebooks' graded functions are checked against are
re-exported here: :func:`sigmoid`, :func:`binary_cross_entropy`,
:func:`logistic_loss`, :func:`log_loss_gradient` (and, for module 01,
:func:`mse_loss`, :func:`mse_gradient` from :mod:`recsys_lib.losses`).
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from recsys_lib.losses import (
    binary_cross_entropy,
    log_loss_gradient,
    log_sigmoid,
    logistic_loss,
    sigmoid,
    softmax,
    softplus,
)
from .linear import _auto_learning_rate, _check_common_params, _fit_gradient_descent

__all__ = [
    "LogisticRegressionGD",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "softmax",
    "binary_cross_entropy",
    "logistic_loss",
    "log_loss_gradient",
]


def _binary_forward(Z: np.ndarray, Y: np.ndarray, with_loss: bool, ws: dict | None = None):
    r"""Sigmoid and :math:`\ell_i = \log(1 + e^{z_i}) - y_i z_i` for Z, Y of shape (m, 1).

    Training-loop version of :func:`sigmoid` / :func:`softplus`, written in place
    (``ws`` holds reusable work arrays):

    * :math:`\sigma(z) = \tfrac12\bigl(1 + \tanh(z/2)\bigr)` — an exact identity,
      one pass, no overflow (:math:`\tanh(\pm 500) = \pm 1`); its absolute error is
      ~1e-16, all the gradient :math:`\sigma(z) - y` needs. ``predict_proba`` uses the
      two-branch :func:`sigmoid`, which is also accurate *relative* to tiny probabilities.
    * :math:`\log(1 + e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})` (:func:`softplus`).
    """
    def buf(name):
        return np.empty_like(Z) if ws is None else ws.setdefault(name, np.empty_like(Z))

    P = np.multiply(Z, 0.5, out=buf("P"))
    np.tanh(P, out=P)
    P *= 0.5
    P += 0.5
    if not with_loss:
        return P, None
    u = np.abs(Z, out=buf("u"))
    np.negative(u, out=u)
    np.exp(u, out=u)                      # e^{-|z|} in (0, 1]: never overflows
    np.log1p(u, out=u)
    t = np.maximum(Z, 0.0, out=buf("t"))
    u += t                                # softplus(z)
    np.multiply(Y, Z, out=t)
    u -= t                                # - y z
    return P, u[:, 0]


def _logsumexp_rows(Z: np.ndarray) -> np.ndarray:
    zmax = Z.max(axis=1, keepdims=True)
    return (zmax + np.log(np.exp(Z - zmax).sum(axis=1, keepdims=True)))[:, 0]


def _softmax_forward(Z: np.ndarray, Y: np.ndarray, with_loss: bool, ws: dict | None = None):
    r"""Softmax and :math:`\ell_i = \log \sum_k e^{z_{ik}} - \sum_k y_{ik} z_{ik}` (Y one-hot)."""
    P = softmax(Z, axis=1)
    if not with_loss:
        return P, None
    return P, _logsumexp_rows(Z) - np.einsum("ij,ij->i", Y, Z)



def _classifier_fit_data(est, X, y, sample_weight):
    """The validated ``(X, y_idx, sw)`` of a linear classifier's ``fit`` (LogisticRegressionGD, and
    :class:`~recsys_lib.models.LinearSVMPegasos` of module 05): float64 ``X``, ``y`` as indices into
    ``est.classes_`` (set here), non-negative sample weights; at least two classes must have a
    positive weight."""
    X, y = validate_data(est, X, y, dtype=np.float64)
    check_classification_targets(y)
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    est.classes_, y_idx = np.unique(y, return_inverse=True)
    present = np.unique(y_idx[sw > 0])
    if len(present) < 2:
        raise ValueError(
            f"{type(est).__name__} needs samples of at least 2 classes (with positive sample_weight) "
            f"to fit; the data contain only one class: {est.classes_[present].tolist()}."
        )
    return X, y_idx, sw


def _linear_decision(est, X):
    """Scores ``X @ coef_.T + intercept_`` of a fitted linear classifier: (n,) for two classes, else (n, K)."""
    check_is_fitted(est)
    X = validate_data(est, X, dtype=np.float64, reset=False)
    Z = X @ est.coef_.T + est.intercept_
    return Z[:, 0] if Z.shape[1] == 1 else Z


class LogisticRegressionGD(ClassifierMixin, BaseEstimator):
    r"""Logistic regression fitted by (mini-batch) gradient descent.

    Taught in module 02 (logistic_regression).

    Binary model (two classes)
    --------------------------
    Labels are encoded :math:`y_i \in \{0, 1\}` with ``classes_[1]`` as the positive
    class. Score (logit) :math:`z = Xw + b`, probability :math:`p = \sigma(z)`.
    The objective is the mean binary cross-entropy computed *from logits* plus an
    L2 penalty that never touches the bias:

    .. math::
        J(w, b) = \frac{1}{m} \sum_{i=1}^{m} \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr]
                  + \frac{\alpha}{2} \lVert w \rVert_2^2 ,

    .. math::
        \nabla_w J = \frac{1}{m} X^\top (\sigma(z) - y) + \alpha w, \qquad
        \frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} (\sigma(z_i) - y_i).

    (:func:`recsys_lib.models.logistic_loss` and
    :func:`recsys_lib.models.log_loss_gradient` compute exactly these.)
    :math:`\log(1+e^{z})` is evaluated as :math:`\max(z,0) + \log(1+e^{-|z|})`
    (:func:`softplus`, equal to ``np.logaddexp(0, z)``) and the sigmoid
    by the two-branch formula of :func:`sigmoid`, so nothing overflows even for
    :math:`|z| = 1000`.

    More than two classes
    ---------------------
    Softmax (multinomial) regression with :math:`W \in \mathbb{R}^{d \times K}`,
    :math:`\hat Y = \mathrm{softmax}(XW + \mathbf 1 b^\top)` and
    :math:`J = \frac1m\sum_i \bigl[\log\sum_k e^{z_{ik}} - z_{i,y_i}\bigr]
    + \frac{\alpha}{2}\lVert W\rVert_F^2`, gradient
    :math:`\frac1m X^\top(\hat Y - Y_{\text{one-hot}}) + \alpha W` (module 06 derives it).

    Training
    --------
    From :math:`w = 0, b = 0`, each epoch shuffles the rows with
    ``np.random.default_rng(random_state)`` and takes one step
    :math:`\theta \leftarrow \theta - \eta \nabla_\theta J_B` per mini-batch
    :math:`B` (the same formulas with the mean over :math:`B`); ``batch_size=None``
    is full-batch gradient descent (deterministic, no shuffling). With sample
    weights :math:`s_i` every mean :math:`\frac{1}{|B|}\sum_{i\in B}` becomes
    :math:`\sum_{i \in B} s_i(\cdot) / \sum_{i\in B} s_i`.

    Relation to scikit-learn
    ------------------------
    ``sklearn.linear_model.LogisticRegression(C=C)`` minimises
    :math:`\tfrac12\lVert w\rVert^2 + C\sum_i \ell_i`. Dividing by :math:`Cm` gives our
    :math:`J` with

    .. math:: \alpha = \frac{1}{C\,m} \quad\Longleftrightarrow\quad C = \frac{1}{\alpha\, m}

    (with sample weights, :math:`m \to \sum_i s_i`). ``alpha=0`` corresponds to
    ``LogisticRegression(C=np.inf)`` (sklearn ≥ 1.8; ``penalty=None`` before).

    Parameters
    ----------
    learning_rate : float or "auto", default="auto"
        Step size :math:`\eta`. ``"auto"`` uses :math:`1/L` with
        :math:`L = \tfrac14 \lambda_{\max}(\tilde X^\top\tilde X/m) + \alpha` (binary;
        :math:`\tfrac12` instead of :math:`\tfrac14` for softmax); with mini-batches
        :math:`L = \tfrac14 \max_i \lVert\tilde x_i\rVert^2 + \alpha` (the step rule of
        scikit-learn's SAG solver), see :func:`recsys_lib.models.linear._auto_learning_rate`.
        The value used is stored in ``learning_rate_``.
    max_iter : int, default=1000
        Maximum number of epochs.
    tol : float or None, default=1e-6
        Stop when the relative decrease of :math:`J` over one epoch is between 0
        and ``tol``; ``None`` runs all ``max_iter`` epochs.
    alpha : float, default=0.0
        L2 strength :math:`\alpha` (weights only, never the bias).
    fit_intercept : bool, default=True
    batch_size : int or None, default=None
        Mini-batch size; ``None`` = full batch.
    random_state : int, numpy Generator or None, default=None
        Seed of ``np.random.default_rng`` for the shuffling; the same seed gives
        identical results.

    Notes
    -----
    Passes ``sklearn.utils.estimator_checks.check_estimator`` with the defaults
    (full batch). With ``batch_size`` set, integer sample weights equal repeated
    rows only in expectation, so ``check_sample_weight_equivalence_on_dense_data``
    is expected to fail — as for scikit-learn's ``SGDClassifier``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, (n_classes, n_features) otherwise
    intercept_ : ndarray of shape (1,) or (n_classes,)
    loss_history_ : list of float — :math:`J` on the training data after each epoch
    n_iter_ : int — epochs run
    learning_rate_ : float — the step size used
    converged_ : bool
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when X had string column names.
    """

    def __init__(self, learning_rate="auto", max_iter=1000, tol=1e-6, alpha=0.0,
                 fit_intercept=True, batch_size=None, random_state=None):
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        """Fit the model; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels (numbers, strings, booleans); at least two classes.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; integer weights are equivalent to repeating rows
            (exactly so for full-batch training).
        """
        _check_common_params(self)
        name = type(self).__name__
        X, y_idx, sw = _classifier_fit_data(self, X, y, sample_weight)
        n_classes = len(self.classes_)
        alpha = float(self.alpha)
        if n_classes == 2:
            Y = y_idx.astype(np.float64)[:, None]
            forward, curvature = _binary_forward, 0.25
        else:
            Y = np.zeros((X.shape[0], n_classes))
            Y[np.arange(X.shape[0]), y_idx] = 1.0
            forward, curvature = _softmax_forward, 0.5

        if self.learning_rate == "auto":
            lr = _auto_learning_rate(X, sw, curvature=curvature, alpha=alpha,
                                     fit_intercept=self.fit_intercept, batch_size=self.batch_size)
        else:
            lr = float(self.learning_rate)
        W, b, history, converged = _fit_gradient_descent(
            X, Y, None if sample_weight is None else sw,
            forward=forward,
            alpha=alpha, fit_intercept=self.fit_intercept, learning_rate=lr,
            max_iter=self.max_iter, tol=self.tol, batch_size=self.batch_size,
            rng=np.random.default_rng(self.random_state), name=name,
        )
        self.coef_ = np.ascontiguousarray(W.T)          # (1, d) or (K, d), as scikit-learn
        self.intercept_ = b.copy()
        self.loss_history_ = history
        self.n_iter_ = len(history)
        self.learning_rate_ = lr
        self.converged_ = bool(converged)
        return self

    def decision_function(self, X):
        r"""Scores :math:`z = Xw + b`: shape (n_samples,) for two classes (the logit of
        ``classes_[1]``), (n_samples, n_classes) otherwise."""
        return _linear_decision(self, X)

    def predict_proba(self, X):
        r"""Class probabilities, shape (n_samples, n_classes), columns in ``classes_`` order.

        Binary: :math:`[\sigma(-z), \sigma(z)]` (both computed stably, rather than
        :math:`1 - \sigma(z)`, which loses all precision when :math:`\sigma(z) \approx 1`).
        """
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([sigmoid(-Z), sigmoid(Z)])
        return softmax(Z, axis=1)

    def predict_log_proba(self, X):
        r"""Log-probabilities, computed stably from the scores
        (:math:`\log\sigma(z) = -\mathrm{softplus}(-z)`)."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)])
        return Z - _logsumexp_rows(Z)[:, None]

    def predict(self, X):
        """Predicted labels: ``classes_[1]`` where :math:`z > 0` (i.e. :math:`p > 0.5`)
        for two classes; the arg-max class otherwise. For another threshold use
        ``predict_proba`` and :func:`recsys_lib.metrics.best_threshold`."""
        Z = self.decision_function(X)
        if Z.ndim == 1:
            return self.classes_[(Z > 0).astype(np.intp)]
        return self.classes_[np.argmax(Z, axis=1)]

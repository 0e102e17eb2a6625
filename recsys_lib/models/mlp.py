r"""A multilayer perceptron classifier in NumPy (reference implementation).

Taught in module 06 (neural_networks_backprop): activations, softmax cross-entropy, the dense
layer's forward and backward pass, backpropagation, SGD / momentum / Adam and seeded mini-batch
training. The building blocks are in :mod:`recsys_lib.nn`; the same network in Keras is
:func:`recsys_lib.keras_utils.build_mlp` (weights copy across with
:func:`recsys_lib.keras_utils.set_mlp_weights`).
"""
from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_scalar
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from recsys_lib.losses import log_softmax, softmax
from recsys_lib.nn.activations import ACTIVATIONS
from recsys_lib.nn.layers import init_mlp_params
from recsys_lib.nn.network import mlp_forward
from recsys_lib.nn.training import train_mlp

__all__ = ["MLPClassifierNumpy"]

_OPTIMIZERS = ("sgd", "momentum", "adam")


class MLPClassifierNumpy(ClassifierMixin, BaseEstimator):
    r"""Multilayer perceptron for classification, trained by backpropagation and mini-batches.

    Taught in module 06 (neural_networks_backprop).

    Architecture: input :math:`\to` ``Dense(n_1, activation)`` :math:`\to \dots \to`
    ``Dense(K, softmax)``, with :math:`Z^{(l)} = A^{(l-1)} W^{(l)} + \mathbf 1 b^{(l)\top}`. The
    objective is the mean softmax cross-entropy plus :math:`\frac{\alpha}{2}\sum_l\lVert W^{(l)}\rVert_F^2`
    (weights only); its gradient is computed by backpropagation
    (:func:`recsys_lib.nn.mlp_loss_and_gradients`). Training (:func:`recsys_lib.nn.train_mlp`):
    He (ReLU) or Glorot initial weights from ``random_state``, zero biases, then per epoch a fresh
    permutation of the rows from the same seeded generator, one optimiser step per mini-batch.

    Parameters (keyword-only)
    -------------------------
    hidden_layer_sizes : tuple of int, default (64, 32)
    activation : {"relu", "tanh", "sigmoid"}, default "relu"
    optimizer : {"sgd", "momentum", "adam"}, default "adam"
    learning_rate : float, default 1e-3
    momentum : float, default 0.9 — :math:`\beta` of ``"momentum"``
    beta_1, beta_2, epsilon : Adam's settings, defaults 0.9, 0.999, 1e-8
    alpha : float, default 0.0 — L2 strength on the weights
    batch_size : int, default 64 (capped at the number of rows)
    max_iter : int, default 200 — epochs at most
    tol : float or None, default 1e-4; n_iter_no_change : int, default 10 — stop once the training
        loss has not improved by ``tol`` for ``n_iter_no_change`` epochs; ``tol=None`` runs
        ``max_iter`` epochs
    random_state : int, Generator or None — initial weights and shuffling (two independent streams
        derived from it); the same seed gives identical results

    Notes
    -----
    ``fit`` takes no ``sample_weight``: with mini-batches, integer weights would equal repeated rows
    only in expectation. Passes ``sklearn.utils.estimator_checks.check_estimator`` without
    exemptions (scikit-learn grants its own ``MLPClassifier`` none either).

    Attributes
    ----------
    classes_ : ndarray (K,); coefs_, intercepts_ : lists of the weight matrices (n_in, n_out) and
    bias vectors, as scikit-learn's ``MLPClassifier``; params_ : ``[(W1, b1), ...]`` (the same
    arrays); loss_curve_ : training objective after each epoch; n_iter_ : epochs run;
    n_features_in_ (and feature_names_in_ for string column names).
    """

    def __init__(self, *, hidden_layer_sizes=(64, 32), activation="relu", optimizer="adam",
                 learning_rate=1e-3, momentum=0.9, beta_1=0.9, beta_2=0.999, epsilon=1e-8, alpha=0.0,
                 batch_size=64, max_iter=200, tol=1e-4, n_iter_no_change=10, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.alpha = alpha
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.random_state = random_state

    def _check_params(self):
        name = type(self).__name__
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise ValueError(f"{name}: hidden_layer_sizes must be a tuple of positive ints; got {sizes!r}") from None
        for s in sizes:
            check_scalar(s, "hidden_layer_sizes entry", target_type=numbers.Integral, min_val=1)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"{name}: activation must be one of {sorted(ACTIVATIONS)}; got {self.activation!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"{name}: optimizer must be one of {list(_OPTIMIZERS)}; got {self.optimizer!r}")
        check_scalar(self.learning_rate, "learning_rate", target_type=numbers.Real, min_val=0.0,
                     include_boundaries="neither")
        for attr in ("momentum", "beta_1", "beta_2"):
            check_scalar(getattr(self, attr), attr, target_type=numbers.Real, min_val=0.0, max_val=1.0,
                         include_boundaries="left")
        check_scalar(self.epsilon, "epsilon", target_type=numbers.Real, min_val=0.0, include_boundaries="neither")
        check_scalar(self.alpha, "alpha", target_type=numbers.Real, min_val=0.0)
        check_scalar(self.batch_size, "batch_size", target_type=numbers.Integral, min_val=1)
        check_scalar(self.max_iter, "max_iter", target_type=numbers.Integral, min_val=1)
        check_scalar(self.n_iter_no_change, "n_iter_no_change", target_type=numbers.Integral, min_val=1)
        if self.tol is not None:
            check_scalar(self.tol, "tol", target_type=numbers.Real, min_val=0.0)
        return tuple(int(s) for s in sizes)

    def fit(self, X, y):
        """Fit the network on ``X`` (n_samples, n_features) and class labels ``y``; returns ``self``."""
        hidden = self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_idx = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"{type(self).__name__} needs samples of at least 2 classes to fit; the data "
                             f"contain only one class: {self.classes_.tolist()}.")
        seeds = np.random.SeedSequence(np.random.default_rng(self.random_state).integers(2**63)).spawn(2)
        sizes = (X.shape[1], *hidden, len(self.classes_))
        params = init_mlp_params(sizes, np.random.default_rng(seeds[0]), self.activation)
        params, history = train_mlp(
            X, y_idx, params, n_epochs=self.max_iter, batch_size=min(int(self.batch_size), X.shape[0]),
            learning_rate=float(self.learning_rate), seed=np.random.default_rng(seeds[1]),
            optimizer=self.optimizer, activation=self.activation, alpha=float(self.alpha),
            momentum=float(self.momentum), beta1=float(self.beta_1), beta2=float(self.beta_2),
            eps=float(self.epsilon), tol=self.tol, n_iter_no_change=int(self.n_iter_no_change))
        self.params_ = params
        self.coefs_ = [W for W, _ in params]
        self.intercepts_ = [b for _, b in params]
        self.loss_curve_ = list(history["loss"])
        self.n_iter_ = len(self.loss_curve_)
        return self

    def _logits(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return mlp_forward(X, self.params_, self.activation)[0]

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), columns in ``classes_`` order."""
        return softmax(self._logits(X), axis=1)

    def predict_log_proba(self, X):
        """Log-probabilities, computed stably from the logits (log-sum-exp)."""
        return log_softmax(self._logits(X), axis=1)

    def predict(self, X):
        """The most probable class of each row."""
        logits = self._logits(X)                 # checks that the model is fitted
        return self.classes_[np.argmax(logits, axis=1)]

r"""Mini-batch training of the NumPy MLP, seeded.

Taught in module 06 (neural_networks_backprop).

One **epoch** visits every training row once, in a fresh random order drawn from
``rng = np.random.default_rng(seed)`` (created once, so each epoch gets a new order and the same
seed gives the same run): ``order = rng.permutation(m)``, batches ``order[s:s + batch_size]``
(the last one may be smaller), one optimiser step per batch on the gradient of that batch's mean
loss. After each epoch the loss :math:`J` on the whole training set (and on the validation set,
when given) is recorded.
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

from recsys_lib.nn.network import mlp_loss, mlp_loss_and_gradients
from recsys_lib.nn.optimizers import make_optimizer

__all__ = ["train_mlp"]


def _flat(params):
    return [np.array(a, dtype=np.float64) for pair in params for a in pair]


def _pairs(arrays):
    return [(arrays[k], arrays[k + 1]) for k in range(0, len(arrays), 2)]


def train_mlp(X, y, params, n_epochs, batch_size, learning_rate=1e-3, seed=0, optimizer="adam",
              activation="relu", alpha=0.0, momentum=0.9, beta1=0.9, beta2=0.999, eps=1e-8,
              validation=None, tol=None, n_iter_no_change=10, progress=False):
    r"""Train an MLP from ``params`` by mini-batch gradient descent; returns ``(params, history)``.

    Taught in module 06 (neural_networks_backprop).

    Parameters
    ----------
    X, y : training rows (m, d) and integer labels 0..K-1
    params : initial ``[(W1, b1), ...]`` (copied, never modified)
    n_epochs, batch_size : epochs to run (at most) and rows per mini-batch
    learning_rate, optimizer : :math:`\eta` and ``"sgd"``, ``"momentum"`` or ``"adam"``
        (:mod:`recsys_lib.nn.optimizers`; ``momentum``, ``beta1``, ``beta2``, ``eps`` are their settings)
    seed : seed of the shuffling (int or Generator)
    activation, alpha : hidden activation and L2 strength on the weights
    validation : optional ``(X_val, y_val)``, whose loss is recorded after each epoch
    tol, n_iter_no_change : with ``tol`` set, stop once the training loss has not improved by at
        least ``tol`` on its best value for ``n_iter_no_change`` consecutive epochs (scikit-learn's rule)
    progress : show a tqdm bar over the epochs

    Returns
    -------
    params : the trained ``[(W1, b1), ...]``
    history : dict with ``"loss"`` (training :math:`J` after each epoch) and, with ``validation``,
        ``"val_loss"`` (mean cross-entropy, no penalty)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    m = X.shape[0]
    if int(batch_size) < 1 or int(n_epochs) < 0:
        raise ValueError(f"batch_size must be >= 1 and n_epochs >= 0; got {batch_size!r}, {n_epochs!r}")
    batch_size = int(batch_size)
    arrays = _flat(params)
    opt = make_optimizer(optimizer, learning_rate, momentum=momentum, beta1=beta1, beta2=beta2, eps=eps)
    rng = np.random.default_rng(seed)
    history = {"loss": []}
    if validation is not None:
        history["val_loss"] = []
    best, stale = np.inf, 0
    for _ in tqdm(range(int(n_epochs)), desc="epochs", disable=not progress):
        order = rng.permutation(m)
        for start in range(0, m, batch_size):
            idx = order[start:start + batch_size]
            _, grads = mlp_loss_and_gradients(X[idx], y[idx], _pairs(arrays), activation, alpha)
            arrays = opt.update(arrays, _flat(grads))
        loss = mlp_loss(X, y, _pairs(arrays), activation, alpha)
        history["loss"].append(loss)
        if validation is not None:
            history["val_loss"].append(mlp_loss(validation[0], validation[1], _pairs(arrays), activation))
        if not np.isfinite(loss):
            raise FloatingPointError(f"the training loss became {loss} after {len(history['loss'])} epochs: "
                                     f"the learning rate {learning_rate} is too large")
        if tol is not None:
            if loss > best - tol:
                stale += 1
            else:
                stale = 0
            best = min(best, loss)
            if stale >= n_iter_no_change:
                break
    return _pairs(arrays), history

r"""The multilayer perceptron: forward pass, loss, and backpropagation of its gradients.

Taught in module 06 (neural_networks_backprop).

With :math:`A^{(0)} = X`, hidden layers :math:`l = 1..L-1` and a softmax output layer :math:`L`:

.. math::
    Z^{(l)} = A^{(l-1)} W^{(l)} + \mathbf 1 b^{(l)\top}, \quad A^{(l)} = f(Z^{(l)}), \qquad
    P = \mathrm{softmax}(Z^{(L)}), \quad
    J = \frac1m \sum_i -\log p_{i, y_i} + \frac{\alpha}{2} \sum_l \lVert W^{(l)} \rVert_F^2 .

Backpropagation, with :math:`\Delta^{(l)} = \partial J / \partial Z^{(l)}` (one row
:math:`\delta^\top` per example):

.. math::
    \Delta^{(L)} = \frac1m (P - Y), \qquad
    \Delta^{(l)} = \bigl(\Delta^{(l+1)} W^{(l+1)\top}\bigr) \odot f'(Z^{(l)}), \qquad
    \frac{\partial J}{\partial W^{(l)}} = A^{(l-1)\top} \Delta^{(l)} + \alpha W^{(l)}, \qquad
    \frac{\partial J}{\partial b^{(l)}} = \mathbf 1^\top \Delta^{(l)} .

For a single example in the textbook's column layout (:math:`\mathbf W = W^\top`, :math:`z = \mathbf W a + b`)
the recursion reads :math:`\delta^{(l)} = (\mathbf W^{(l+1)\top} \delta^{(l+1)}) \odot f'(z^{(l)})` and
:math:`\partial J / \partial w_{ij} = \delta_j a_i`. The L2 penalty never touches the biases.
"""
from __future__ import annotations

import numpy as np

from recsys_lib.losses import _class_targets, softmax, softmax_cross_entropy
from recsys_lib.nn.activations import activation_pair
from recsys_lib.nn.layers import dense_backward, dense_forward

__all__ = ["mlp_forward", "mlp_predict_proba", "mlp_loss", "mlp_loss_and_gradients"]


def mlp_forward(X, params, activation: str = "relu"):
    r"""Forward pass: returns ``(Z_out, cache)``, the output logits :math:`Z^{(L)}` (m, K) and, per
    layer, its input and pre-activation ``[(A_prev, Z), ...]`` (what the backward pass needs).

    Taught in module 06 (neural_networks_backprop).
    """
    f, _ = activation_pair(activation)
    A = np.asarray(X, dtype=np.float64)
    cache = []
    for i, (W, b) in enumerate(params):
        Z = dense_forward(A, W, b)
        cache.append((A, Z))
        A = f(Z) if i < len(params) - 1 else Z
    return A, cache


def mlp_predict_proba(X, params, activation: str = "relu"):
    """Class probabilities :math:`\\mathrm{softmax}(Z^{(L)})`, shape (m, K). Taught in module 06."""
    return softmax(mlp_forward(X, params, activation)[0], axis=1)


def _penalty(params, alpha: float) -> float:
    return 0.5 * float(alpha) * sum(float(np.sum(np.asarray(W) ** 2)) for W, _ in params) if alpha else 0.0


def mlp_loss(X, y, params, activation: str = "relu", alpha: float = 0.0) -> float:
    """The objective :math:`J` (mean softmax cross-entropy + L2 on the weights). Taught in module 06."""
    Z, _ = mlp_forward(X, params, activation)
    return softmax_cross_entropy(Z, y) + _penalty(params, alpha)


def mlp_loss_and_gradients(X, y, params, activation: str = "relu", alpha: float = 0.0):
    r"""The loss :math:`J` and its gradients ``[(dW1, db1), ...]`` by backpropagation.

    Taught in module 06 (neural_networks_backprop). ``y``: integer labels 0..K-1 (or one-hot rows).
    Cost: one forward and one backward pass (about twice the forward's matrix products), whatever
    the number of parameters — a numerical gradient would need two forward passes *per parameter*.
    """
    _, f_grad = activation_pair(activation)
    Z_out, cache = mlp_forward(X, params, activation)
    Y = _class_targets(Z_out, y)
    m = Z_out.shape[0]
    loss = softmax_cross_entropy(Z_out, Y) + _penalty(params, alpha)
    delta = (softmax(Z_out, axis=1) - Y) / m                 # Delta^(L)
    grads = [None] * len(params)
    for l in range(len(params) - 1, -1, -1):
        A_prev, _ = cache[l]
        W = np.asarray(params[l][0], dtype=np.float64)
        dA_prev, dW, db = dense_backward(delta, A_prev, W)
        if alpha:
            dW = dW + float(alpha) * W
        grads[l] = (dW, db)
        if l > 0:
            delta = dA_prev * f_grad(cache[l - 1][1])          # Delta^(l-1) = (Delta W^T) * f'(Z^(l-1))
    return loss, grads

r"""The dense (fully connected) layer: forward, backward, and weight initialisation.

Taught in module 06 (neural_networks_backprop).

Forward, for a batch :math:`A` of shape (m, n_in), weights :math:`W` (n_in, n_out), bias :math:`b` (n_out,):

.. math:: Z = A W + \mathbf 1 b^\top, \qquad z_{rj} = \sum_i a_{ri} w_{ij} + b_j .

Backward: given :math:`\Delta = \partial L / \partial Z` (m, n_out) — the :math:`\delta_j` of every
example, one row each — the chain rule through :math:`z_{rj}` gives

.. math::
    \frac{\partial L}{\partial w_{ij}} = \sum_r a_{ri}\,\delta_{rj}
        \;\;\Longrightarrow\;\; \frac{\partial L}{\partial W} = A^\top \Delta, \qquad
    \frac{\partial L}{\partial b_j} = \sum_r \delta_{rj}, \qquad
    \frac{\partial L}{\partial A} = \Delta\, W^\top .

(For one example, :math:`\partial L/\partial w_{ij} = \delta_j a_i`.) The :math:`1/m` of a mean
loss is already inside :math:`\Delta` (see :func:`recsys_lib.losses.softmax_cross_entropy_gradient`),
so the sums here are plain sums.
"""
from __future__ import annotations

import numpy as np

__all__ = ["dense_forward", "dense_backward", "init_mlp_params"]


def dense_forward(A, W, b):
    r""":math:`Z = A W + \mathbf 1 b^\top`, shape (m, n_out). Taught in module 06 (neural_networks_backprop)."""
    A = np.asarray(A, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if A.ndim != 2 or W.ndim != 2 or A.shape[1] != W.shape[0] or b.shape != (W.shape[1],):
        raise ValueError(f"dense_forward needs A (m, n_in), W (n_in, n_out), b (n_out,); got "
                         f"{A.shape}, {W.shape}, {b.shape}")
    return A @ W + b


def dense_backward(dZ, A, W):
    r"""Gradients of a dense layer: ``(dA, dW, db)`` = :math:`(\Delta W^\top,\ A^\top \Delta,\ \sum_r \Delta_r)`.

    Taught in module 06 (neural_networks_backprop). ``dZ`` is :math:`\partial L/\partial Z` (m, n_out),
    ``A`` the layer's input (m, n_in), ``W`` its weights (n_in, n_out).
    """
    dZ = np.asarray(dZ, dtype=np.float64)
    A = np.asarray(A, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    if dZ.shape != (A.shape[0], W.shape[1]) or A.shape[1] != W.shape[0]:
        raise ValueError(f"dense_backward needs dZ (m, n_out), A (m, n_in), W (n_in, n_out); got "
                         f"{dZ.shape}, {A.shape}, {W.shape}")
    return dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)


def init_mlp_params(layer_sizes, seed=0, activation: str = "relu"):
    r"""Random initial weights for an MLP with the given layer sizes ``[d, n_1, ..., K]``.

    Taught in module 06 (neural_networks_backprop).

    Biases start at 0; weights are drawn uniformly from :math:`[-r, r]`, chosen so that the
    variance of the activations stays about constant from layer to layer:

    * ``relu``: He initialisation, :math:`r = \sqrt{6 / n_{\text{in}}}` (variance :math:`2/n_{\text{in}}`:
      ReLU zeroes half of its inputs, the factor 2 compensates);
    * ``sigmoid`` / ``tanh``: Glorot (Xavier), :math:`r = \sqrt{6 / (n_{\text{in}} + n_{\text{out}})}`
      (Keras's default ``glorot_uniform``).

    The output layer (softmax) always uses Glorot. All zeros would be a disaster: every unit of a
    layer would get the same gradient and stay identical forever (the symmetry is never broken).

    ``seed`` : int or ``numpy.random.Generator``. Returns ``[(W1, b1), ...]`` (float64).
    """
    sizes = [int(s) for s in layer_sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"layer_sizes needs at least an input and an output size, all >= 1; got {layer_sizes!r}")
    rng = np.random.default_rng(seed)
    params = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        output_layer = i == len(sizes) - 2
        if activation == "relu" and not output_layer:
            r = np.sqrt(6.0 / n_in)
        else:
            r = np.sqrt(6.0 / (n_in + n_out))
        params.append((rng.uniform(-r, r, size=(n_in, n_out)), np.zeros(n_out)))
    return params

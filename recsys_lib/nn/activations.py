r"""Activation functions and their derivatives, elementwise, float64.

Taught in module 06 (neural_networks_backprop).

=========  =========================================  ==========================================
name       :math:`f(z)`                               :math:`f'(z)`
=========  =========================================  ==========================================
relu       :math:`\max(z, 0)`                         :math:`1` for :math:`z > 0`, else :math:`0`
sigmoid    :math:`\sigma(z) = 1/(1 + e^{-z})`          :math:`\sigma(z)\,(1 - \sigma(z))`
tanh       :math:`\tanh z`                             :math:`1 - \tanh^2 z`
=========  =========================================  ==========================================

ReLU has a kink at 0, where it has no derivative; like every deep-learning library we use the
sub-gradient :math:`f'(0) = 0` (TensorFlow's and PyTorch's choice). The derivatives take the
*pre-activation* :math:`z`, as the backward pass needs :math:`f'(Z^{(l)})`.
"""
from __future__ import annotations

import numpy as np

from recsys_lib.losses import sigmoid

__all__ = ["relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "ACTIVATIONS"]


def relu(z):
    r"""Rectified linear unit :math:`\max(z, 0)`, elementwise. Taught in module 06."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_grad(z):
    r"""Derivative of :func:`relu` at ``z``: 1.0 where :math:`z > 0`, 0.0 where :math:`z \le 0`
    (the sub-gradient 0 at the kink). Taught in module 06 (neural_networks_backprop)."""
    return (np.asarray(z, dtype=np.float64) > 0.0).astype(np.float64)


def sigmoid_grad(z):
    r""":math:`\sigma'(z) = \sigma(z)(1 - \sigma(z))`, with the stable :func:`sigmoid` (module 02), so
    it is 0 (not NaN) for :math:`|z| = 1000`. Taught in module 06 (neural_networks_backprop)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    r"""Hyperbolic tangent :math:`\tanh z = (e^{z} - e^{-z})/(e^{z} + e^{-z}) = 2\sigma(2z) - 1`
    (NumPy's ``np.tanh``, which never overflows). Taught in module 06."""
    return np.tanh(np.asarray(z, dtype=np.float64))


def tanh_grad(z):
    r""":math:`\tanh'(z) = 1 - \tanh^2 z`. Taught in module 06 (neural_networks_backprop)."""
    t = np.tanh(np.asarray(z, dtype=np.float64))
    return 1.0 - t * t


#: name -> (f, f') for the hidden layers of :mod:`recsys_lib.nn.network`
ACTIVATIONS = {"relu": (relu, relu_grad), "sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad)}


def activation_pair(name: str):
    """(f, f') of a hidden-layer activation by name, with a clear error for unknown names."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None

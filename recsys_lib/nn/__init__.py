"""Neural-network building blocks in NumPy (float64): activations, dense layers, the MLP's
forward and backward passes, optimisers and the mini-batch training loop.

Taught in module 06 (neural_networks_backprop). Importing this package is cheap (NumPy only; no
TensorFlow: the Keras counterparts live in :mod:`recsys_lib.keras_utils`).

Conventions (shared with Keras's ``Dense`` layer, so weights copy across unchanged)
---------------------------------------------------------------------------------
* a batch is a matrix with one **row** per example: :math:`A^{(0)} = X \\in \\mathbb{R}^{m \\times d}`;
* layer :math:`l` has weights :math:`W^{(l)} \\in \\mathbb{R}^{n_{l-1} \\times n_l}` (entry
  :math:`w_{ij}` connects unit :math:`i` of layer :math:`l-1` to unit :math:`j` of layer
  :math:`l`) and bias :math:`b^{(l)} \\in \\mathbb{R}^{n_l}`:
  :math:`Z^{(l)} = A^{(l-1)} W^{(l)} + \\mathbf 1 b^{(l)\\top}`, :math:`A^{(l)} = f(Z^{(l)})`;
* the output layer is a softmax, the loss the mean softmax cross-entropy
  (:func:`recsys_lib.losses.softmax_cross_entropy`);
* ``params`` is a list ``[(W1, b1), (W2, b2), ...]``; gradients have the same structure.

=====================  ==========================================================
file                   contents
=====================  ==========================================================
``nn/activations.py``  relu, sigmoid, tanh and their derivatives
``nn/layers.py``       dense_forward, dense_backward, init_mlp_params
``nn/network.py``      mlp_forward, mlp_loss, mlp_loss_and_gradients
``nn/optimizers.py``   sgd_step, momentum_step, adam_step; SGD, Momentum, Adam
``nn/training.py``     train_mlp (seeded mini-batches)
=====================  ==========================================================

The estimator built on them is :class:`recsys_lib.models.MLPClassifierNumpy`.
"""
from recsys_lib.nn.activations import (
    ACTIVATIONS,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from recsys_lib.nn.layers import dense_backward, dense_forward, init_mlp_params
from recsys_lib.nn.network import mlp_forward, mlp_loss, mlp_loss_and_gradients, mlp_predict_proba
from recsys_lib.nn.optimizers import SGD, Adam, Momentum, adam_step, make_optimizer, momentum_step, sgd_step
from recsys_lib.nn.training import train_mlp

__all__ = [
    "ACTIVATIONS", "relu", "relu_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
    "dense_forward", "dense_backward", "init_mlp_params",
    "mlp_forward", "mlp_loss", "mlp_loss_and_gradients", "mlp_predict_proba",
    "sgd_step", "momentum_step", "adam_step", "SGD", "Momentum", "Adam", "make_optimizer",
    "train_mlp",
]

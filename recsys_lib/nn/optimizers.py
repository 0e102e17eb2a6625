r"""Gradient-descent update rules: SGD, momentum and Adam (with bias correction).

Taught in module 06 (neural_networks_backprop). For parameters :math:`\theta`, gradient
:math:`g_t` at step :math:`t = 1, 2, \dots` and learning rate :math:`\eta`:

* **SGD**: :math:`\theta \leftarrow \theta - \eta\, g_t`.
* **Momentum** (heavy ball): :math:`v \leftarrow \beta v + g_t`, :math:`\theta \leftarrow \theta - \eta v`,
  from :math:`v = 0`. The velocity is a running sum of past gradients, discounted by
  :math:`\beta` (0.9: about the last ten steps).
* **Adam** (Kingma & Ba, 2015): from :math:`m = v = 0`,

  .. math::
      m \leftarrow \beta_1 m + (1-\beta_1)\, g_t, \quad
      v \leftarrow \beta_2 v + (1-\beta_2)\, g_t^2, \quad
      \hat m = \frac{m}{1-\beta_1^t}, \quad \hat v = \frac{v}{1-\beta_2^t}, \quad
      \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}.

  The **bias correction** undoes the pull towards the zero start: after one step
  :math:`m = (1-\beta_1) g_1` is 10× too small, :math:`\hat m = g_1`; so the first step is
  :math:`\eta\, g_1 / (|g_1| + \epsilon) \approx \eta\,\mathrm{sign}(g_1)` for every parameter.

The functions return new arrays (inputs are not modified). The classes apply a rule to a list
of arrays, keeping the state (velocities, moments, step count) between calls.
"""
from __future__ import annotations

import numpy as np

__all__ = ["sgd_step", "momentum_step", "adam_step", "SGD", "Momentum", "Adam", "make_optimizer"]


def _check_lr(lr):
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number; got {lr!r}")


def sgd_step(theta, grad, lr):
    r""":math:`\theta - \eta g`. Taught in module 06 (neural_networks_backprop)."""
    return np.asarray(theta, dtype=np.float64) - lr * np.asarray(grad, dtype=np.float64)


def momentum_step(theta, grad, velocity, lr, beta=0.9):
    r"""One momentum step: returns ``(theta, velocity)`` with :math:`v \leftarrow \beta v + g`,
    :math:`\theta \leftarrow \theta - \eta v`. Taught in module 06 (neural_networks_backprop)."""
    v = beta * np.asarray(velocity, dtype=np.float64) + np.asarray(grad, dtype=np.float64)
    return np.asarray(theta, dtype=np.float64) - lr * v, v


def adam_step(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""One Adam step at step number ``t`` (1 for the first step): returns ``(theta, m, v)``.

    Taught in module 06 (neural_networks_backprop); the formulas are in the module docstring.
    """
    if int(t) < 1:
        raise ValueError(f"Adam's step number t starts at 1 (the bias correction divides by 1 - beta^t); got {t}")
    g = np.asarray(grad, dtype=np.float64)
    m = beta1 * np.asarray(m, dtype=np.float64) + (1.0 - beta1) * g
    v = beta2 * np.asarray(v, dtype=np.float64) + (1.0 - beta2) * g * g
    m_hat = m / (1.0 - beta1 ** t)
    v_hat = v / (1.0 - beta2 ** t)
    return np.asarray(theta, dtype=np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


class SGD:
    """Plain SGD on a list of arrays: ``new = SGD(lr).update(arrays, grads)``. Taught in module 06."""

    def __init__(self, lr=0.01):
        _check_lr(lr)
        self.lr = float(lr)
        self.t = 0

    def update(self, arrays, grads):
        self.t += 1
        return [sgd_step(a, g, self.lr) for a, g in zip(arrays, grads)]


class Momentum:
    """Momentum on a list of arrays (one velocity per array). Taught in module 06."""

    def __init__(self, lr=0.01, beta=0.9):
        _check_lr(lr)
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"momentum beta must lie in [0, 1); got {beta!r}")
        self.lr, self.beta = float(lr), float(beta)
        self.t = 0
        self.velocity = None

    def update(self, arrays, grads):
        if self.velocity is None:
            self.velocity = [np.zeros_like(np.asarray(a, dtype=np.float64)) for a in arrays]
        self.t += 1
        out = []
        for k, (a, g) in enumerate(zip(arrays, grads)):
            new, self.velocity[k] = momentum_step(a, g, self.velocity[k], self.lr, self.beta)
            out.append(new)
        return out


class Adam:
    """Adam on a list of arrays (first and second moments per array, one shared step count).
    Taught in module 06."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        _check_lr(lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam's {name} must lie in [0, 1); got {beta!r}")
        if not eps > 0:
            raise ValueError(f"Adam's eps must be positive; got {eps!r}")
        self.lr, self.beta1, self.beta2, self.eps = float(lr), float(beta1), float(beta2), float(eps)
        self.t = 0
        self.m = self.v = None

    def update(self, arrays, grads):
        if self.m is None:
            self.m = [np.zeros_like(np.asarray(a, dtype=np.float64)) for a in arrays]
            self.v = [np.zeros_like(np.asarray(a, dtype=np.float64)) for a in arrays]
        self.t += 1
        out = []
        for k, (a, g) in enumerate(zip(arrays, grads)):
            new, self.m[k], self.v[k] = adam_step(a, g, self.m[k], self.v[k], self.t, self.lr,
                                                  self.beta1, self.beta2, self.eps)
            out.append(new)
        return out


def make_optimizer(name: str, learning_rate: float, momentum: float = 0.9, beta1: float = 0.9,
                   beta2: float = 0.999, eps: float = 1e-8):
    """An optimiser object by name: ``"sgd"``, ``"momentum"`` or ``"adam"``. Taught in module 06."""
    if name == "sgd":
        return SGD(learning_rate)
    if name == "momentum":
        return Momentum(learning_rate, momentum)
    if name == "adam":
        return Adam(learning_rate, beta1, beta2, eps)
    raise ValueError(f"unknown optimizer {name!r}; choose 'sgd', 'momentum' or 'adam'")

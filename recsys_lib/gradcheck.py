r"""Numerical gradient checking: is a hand-derived gradient right?

Taught in module 01 (linear_regression); used again in modules 02, 05, 06, 07.

The idea (as in Stanford's cs231n): approximate each partial derivative by a
centred finite difference and compare it with the analytic gradient through a
relative error.

.. math::
    \frac{\partial f}{\partial x_k}(x) \approx
    \frac{f(x + h e_k) - f(x - h e_k)}{2h}

Why float64, ``eps = 1e-6`` and ``threshold = 1e-6``
-------------------------------------------------------
* Truncation error of the centred difference is :math:`O(h^2)`: the Taylor terms
  of odd order cancel, leaving :math:`\tfrac{h^2}{6} f'''`, about 1e-12 for
  :math:`h = 10^{-6}` and :math:`f''' = O(1)`.
* Round-off error is :math:`O(\epsilon_{\text{mach}} |f| / h)`: each evaluation of
  :math:`f` carries a relative error of about :math:`\epsilon_{\text{mach}} \approx 2.2\cdot10^{-16}`,
  and dividing by :math:`2h` magnifies it, giving about :math:`10^{-10}` relative.
  (In float32, :math:`\epsilon_{\text{mach}} \approx 1.2\cdot10^{-7}` would give errors of 0.1:
  useless. Everything here is therefore computed on a float64 copy.)
* A correct gradient of a smooth loss thus shows a relative error around
  1e-10 – 1e-8, while a real bug (a factor 2, a sign, a missing :math:`1/m`, a
  wrong index) gives 1e-2 – 1. The threshold 1e-6 sits safely in between.
* Kinks (ReLU at 0, the hinge loss at margin 1, ``abs``, ``max``): if
  :math:`x \pm h` straddles a kink, the finite difference averages two one-sided
  slopes and disagrees with any sub-gradient. Check at random points (kinks are
  hit with probability ~0) and, if a check fails, see whether an input lies
  within ``eps`` of a kink before blaming the gradient.
* At a stationary point the true gradient is ~0, the relative error compares
  round-off noise with round-off noise and is meaningless: check at a random
  point, not at the optimum.

Functions
---------
numerical_gradient(f, x, eps)        centred differences, any shape, float64
relative_error(a, b)                 max|a-b| / max(|a|+|b|), see its docstring
check_gradient(f, grad, x, ...)      both, with a diagnosis of the likely mistake
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

import numpy

__all__ = ["numerical_gradient", "relative_error", "check_gradient", "GradientCheckResult"]

# The grader (autograder.checks) calls these functions on learners' code, which could rebind
# ``numpy.abs`` and friends; the NumPy functions used here are bound when this module is imported.
np = SimpleNamespace(**{name: getattr(numpy, name) for name in (
    "array", "asarray", "float64", "empty_like", "max", "abs", "isnan", "isfinite", "vdot", "all",
    "argwhere", "unravel_index", "argmax", "ndarray")})
_TINY = numpy.finfo(numpy.float64).tiny


def _scalar(value, where: str) -> float:
    arr = np.asarray(value)
    if arr.size != 1:
        raise ValueError(f"f must return a scalar (the loss); {where} it returned shape {arr.shape}")
    return float(arr.reshape(()))


def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    r"""Centred-difference gradient of a scalar function ``f`` at ``x``.

    Taught in module 01 (linear_regression); used again in modules 02, 05, 06, 07.

    .. math::
        g_k = \frac{f(x + h e_k) - f(x - h e_k)}{2h}, \qquad h = \texttt{eps},

    for every entry :math:`k` of ``x`` (any shape: a vector of weights, a matrix,
    a 0-d scalar). ``x`` is copied to float64 first (so float32 or integer input
    is still differentiated in float64); ``f`` is called with that copy, in the
    shape of ``x``, one entry perturbed at a time, and each entry is restored
    right after its two evaluations. The caller's array is never modified.

    Cost: :math:`2\cdot\mathrm{size}(x)` evaluations of ``f`` — meant for small
    test problems, not for training.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` (a 0-d or size-1 array is accepted).
    x : array-like
    eps : float, default 1e-6
        The step :math:`h` (see the module docstring for why 1e-6).

    Returns
    -------
    ndarray of float64 with the shape of ``x``.
    """
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive number; got {eps!r}")
    xc = np.array(x, dtype=np.float64, copy=True)       # our own contiguous float64 copy
    flat = xc.reshape(-1)                                # a view: writes go to xc
    grad = np.empty_like(flat)
    for k in range(flat.shape[0]):                       # one entry at a time (inherent)
        old = flat[k]
        flat[k] = old + eps
        f_plus = _scalar(f(xc), f"at x[{k}] + eps")
        flat[k] = old - eps
        f_minus = _scalar(f(xc), f"at x[{k}] - eps")
        flat[k] = old                                    # restore
        grad[k] = (f_plus - f_minus) / (2.0 * eps)
    return grad.reshape(xc.shape)


def relative_error(a, b) -> float:
    r"""Scale-aware relative error between two arrays of the same shape.

    Taught in module 01 (linear_regression); used again in modules 02, 05, 06, 07.

    .. math::
        \mathrm{rel}(a, b) = \frac{\max_k |a_k - b_k|}
                                  {\max\bigl(\max_k (|a_k| + |b_k|),\ \text{tiny}\bigr)}

    with tiny = the smallest positive normal float64 (≈ 2.2e-308), so that two
    all-zero arrays give 0.0 rather than 0/0. The result lies in [0, 1]:
    0 for identical arrays, 1 when e.g. one is zero and the other is not, or
    ``b == -a``. It is invariant to rescaling both arrays, and normalising by the
    *largest* entry (rather than entry by entry) keeps entries whose true value
    is ~0 (a feature that is always 0, the gradient of an unused embedding row)
    from turning round-off noise of 1e-12 into a "relative error" of 1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    num = float(np.max(np.abs(a - b)))
    den = float(np.max(np.abs(a) + np.abs(b)))
    if np.isnan(num) or np.isnan(den):
        return float("nan")
    return num / max(den, _TINY)


@dataclass
class GradientCheckResult:
    """Outcome of :func:`check_gradient`. ``bool(result)`` is ``result.passed``;
    ``str(result)`` is the readable message."""

    relative_error: float
    threshold: float
    passed: bool
    worst_index: tuple
    max_abs_error: float
    scale: float
    message: str
    numerical: np.ndarray = field(repr=False)
    analytic: np.ndarray = field(repr=False)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return self.message


def _diagnose(analytic: np.ndarray, numerical: np.ndarray, m: int | None, threshold: float):
    """Least-squares scale c with analytic ≈ c·numerical, and a sentence naming the mistake."""
    nn = float(np.vdot(numerical, numerical))
    if nn == 0.0:
        return float("nan"), ("the numerical gradient is exactly 0 here (f does not depend on x "
                              "near this point?)")
    c = float(np.vdot(analytic, numerical) / nn)
    if not np.isfinite(c) or abs(c) < 1e-12:
        return c, ("the analytic gradient is (almost) zero where the numerical one is not: "
                   "did you return zeros or forget a term?")
    # does a single factor explain the difference?
    if relative_error(analytic, c * numerical) > max(10 * threshold, 1e-5):
        return c, ("the difference is not a single overall factor: look for a wrong term, "
                   "a transposed matrix, a wrong index or an entry missing from the sum")
    candidates = [
        (2.0, "the analytic gradient is 2x the numerical one: a factor 2 too many (e.g. "
              "d/dw of (1/2m)||r||^2 is (1/m) X^T r, not (2/m) X^T r)"),
        (0.5, "the analytic gradient is half the numerical one: a factor 2 missing (or the "
              "loss uses 1/m while the gradient assumes 1/(2m))"),
        (-1.0, "the analytic gradient is -1x the numerical one: the wrong sign (e.g. "
               "y - y_hat instead of y_hat - y, or the gradient of -J)"),
        (-2.0, "the analytic gradient is -2x the numerical one: sign flipped and a factor 2"),
    ]
    if m is not None and m > 1:
        candidates += [
            (float(m), f"the analytic gradient is m = {m} times the numerical one: missing the "
                       "1/m average (the mean over samples)"),
            (1.0 / m, f"the analytic gradient is 1/m = 1/{m} of the numerical one: divided by m "
                      "twice, or the loss is a sum while the gradient is a mean"),
            (-float(m), f"the analytic gradient is -m = -{m} times the numerical one: sign flipped "
                        "and the 1/m missing"),
        ]
    for factor, text in candidates:
        if abs(c - factor) <= 1e-3 * abs(factor):
            return c, text
    if abs(c - 1.0) <= 1e-3:
        return c, "the gradients agree up to a factor of ~1 but not within the threshold"
    rounded = round(c)
    if abs(rounded) >= 3 and abs(c - rounded) <= 1e-3 * abs(c):
        return c, (f"the analytic gradient is {rounded}x the numerical one: off by a constant "
                   f"factor {rounded} (a missing 1/m with m = {abs(rounded)} samples?)")
    return c, f"the analytic gradient is about {c:.4g}x the numerical one (a wrong constant factor)"


def check_gradient(
    f: Callable[[np.ndarray], float],
    grad,
    x,
    threshold: float = 1e-6,
    eps: float = 1e-6,
    m: int | None = None,
) -> GradientCheckResult:
    r"""Compare an analytic gradient with the centred-difference one.

    Taught in module 01 (linear_regression); used again in modules 02, 05, 06, 07.

    Passes when :math:`\mathrm{rel}(g_{\text{analytic}}, g_{\text{numerical}}) \le`
    ``threshold`` (see :func:`relative_error`). The default threshold 1e-6 is
    safe for smooth losses in float64 with ``eps = 1e-6``: truncation error is
    :math:`O(\text{eps}^2) \approx 10^{-12}` and round-off
    :math:`O(\epsilon_{\text{mach}}/\text{eps}) \approx 10^{-10}` relative, while real
    bugs give :math:`10^{-2}` or more. Losses with kinks (ReLU, hinge) need care:
    check at random points, away from the kinks (module docstring).

    When the check fails the message gives a diagnosis by *ratio analysis*: it
    fits the single factor :math:`c = \langle g_a, g_n\rangle / \langle g_n, g_n\rangle`
    and, if :math:`g_a \approx c\, g_n`, names it — ``2x`` (a factor 2 too many),
    ``0.5x``, ``-1x`` (sign flipped), ``m x`` (the :math:`1/m` missing; pass ``m``,
    the number of samples, to have it recognised by name) or any other constant;
    otherwise it says that the error is not a constant factor and points to the
    worst entry.

    Parameters
    ----------
    f : callable ``f(x) -> float``
        The loss as a function of the parameter being checked (close over data:
        ``lambda w: mse_loss(X, y, w, b)``).
    grad : callable ``grad(x) -> array`` or an array
        The analytic gradient (function, or its value at ``x``); same shape as ``x``.
    x : array-like
        The point; copied to float64 and never modified.
    threshold : float, default 1e-6
    eps : float, default 1e-6
        Finite-difference step.
    m : int, optional
        Number of samples behind ``f``; lets the diagnosis name a missing 1/m.

    Returns
    -------
    GradientCheckResult
        ``relative_error``, ``threshold``, ``passed``, ``worst_index`` (the entry
        with the largest absolute difference, as an index tuple into ``x``),
        ``max_abs_error``, ``scale`` (the fitted factor c), ``message``,
        ``numerical``, ``analytic``.

    Raises
    ------
    ValueError
        if the analytic gradient's shape differs from ``x``'s (e.g. (d, 1) for (d,)),
        or ``f`` does not return a scalar.
    """
    x64 = np.array(x, dtype=np.float64, copy=True)
    analytic = grad(x64.copy()) if callable(grad) else grad
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != x64.shape:
        hint = ""
        if analytic.size == x64.size:
            hint = (" (same number of entries: reshape it, e.g. a column vector (d, 1) "
                    "returned for a vector (d,))")
        raise ValueError(
            f"the analytic gradient has shape {analytic.shape} but x has shape {x64.shape}; "
            f"a gradient has the shape of the parameter it differentiates{hint}"
        )
    numerical = numerical_gradient(f, x64, eps=eps)
    if not np.all(np.isfinite(analytic)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(analytic))[0])
        return GradientCheckResult(
            float("nan"), threshold, False, bad, float("nan"), float("nan"),
            f"Gradient check FAILED: the analytic gradient contains NaN/inf (first at index "
            f"{bad}): an overflow (e.g. exp of a large number in a naive sigmoid) or 0/0?",
            numerical, analytic,
        )
    if not np.all(np.isfinite(numerical)):
        raise ValueError("f returned NaN/inf near x: the loss itself overflows at this point")

    rel = relative_error(analytic, numerical)
    diff = np.abs(analytic - numerical)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape)) if diff.size else ()
    max_abs = float(diff.max()) if diff.size else 0.0
    passed = bool(rel <= threshold)
    scale = float("nan")
    if passed:
        msg = (f"Gradient check passed: relative error {rel:.2e} <= threshold {threshold:.0e} "
               f"({analytic.size} entries).")
        if float(np.max(np.abs(analytic) + np.abs(numerical), initial=0.0)) == 0.0:
            msg += " Note: both gradients are exactly 0 here; check at a random point too."
    else:
        scale, why = _diagnose(analytic, numerical, m, threshold)
        msg = (f"Gradient check FAILED: relative error {rel:.2e} > threshold {threshold:.0e}. "
               f"Likely cause: {why}. Worst entry at index {worst}: analytic "
               f"{analytic[worst]:.6g} vs numerical {numerical[worst]:.6g}.")
        grad_scale = float(np.max(np.abs(numerical), initial=0.0))
        if grad_scale < 1e-7:
            msg += (" The gradient is nearly zero everywhere (are you at a minimum?); the relative "
                    "error then measures round-off: check at a random point instead.")
    return GradientCheckResult(rel, threshold, passed, worst, max_abs, scale, msg, numerical, analytic)

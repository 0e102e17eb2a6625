r"""Shrinking a model: int8 quantisation of an embedding table and magnitude pruning of weights.

Taught in module 09 (from_model_to_product).

**Affine int8 quantisation.** A float table :math:`E` is stored as integers :math:`q \in \{-128, \dots,
127\}` with one scale :math:`s > 0` and zero point :math:`z` (an integer) per table (or per row):

.. math::  s = \frac{\max E - \min E}{255}, \qquad z = \mathrm{round}\Big(-128 - \frac{\min E}{s}\Big),
           \qquad q = \mathrm{clip}\big(\mathrm{round}(E / s) + z,\ -128,\ 127\big),
           \qquad \hat E = s\,(q - z).

:math:`\min E` maps to exactly :math:`-128` and :math:`\max E` to :math:`127`. Every entry comes back
within :math:`s/2` (up to floating-point rounding): :math:`q - z = \mathrm{round}(E/s)` because the integer
:math:`z` cancels. Only the largest entry can need the clip, when :math:`\max E / s` ends in exactly one half
and rounds up to a 128th step; clipping it to 127 takes one step back and leaves it within :math:`s/2` too.
A constant table (:math:`\max = \min`) uses :math:`s = 1`. Rounding is NumPy's (half to even, symmetric,
so :math:`\mathrm{round}(\min E/s) + z = -128`).

**Magnitude pruning** sets the fraction ``sparsity`` of a weight matrix's entries with the smallest
absolute values to zero (ties broken by position, so exactly ``round(sparsity * size)`` entries go).
"""
from __future__ import annotations

import numpy as np

__all__ = ["quantize_int8", "dequantize_int8", "magnitude_prune", "table_nbytes"]


def quantize_int8(E, per_row: bool = False):
    """``(q, scale, zero_point)``: ``q`` int8 of ``E``'s shape; ``scale`` float64 and ``zero_point`` int64,
    scalars (one per table) or arrays (n_rows,) with ``per_row=True`` (module docstring).
    Taught in module 09 (from_model_to_product)."""
    E = np.asarray(E, dtype=np.float64)
    if E.ndim != 2 or not np.isfinite(E).all():
        raise ValueError(f"E must be a finite 2-D table; got shape {E.shape}")
    axis = 1 if per_row else None
    lo = E.min(axis=axis, keepdims=per_row)
    hi = E.max(axis=axis, keepdims=per_row)
    scale = np.where(hi > lo, (hi - lo) / 255.0, 1.0)
    zero = np.round(-128.0 - lo / scale)
    q = np.clip(np.round(E / scale) + zero, -128, 127).astype(np.int8)
    if per_row:
        return q, scale.ravel().astype(np.float64), zero.ravel().astype(np.int64)
    return q, float(scale), int(zero)


def dequantize_int8(q, scale, zero_point) -> np.ndarray:
    """:math:`\\hat E = s (q - z)` as float64 (per-row ``scale`` / ``zero_point`` broadcast over columns).
    Taught in module 09 (from_model_to_product)."""
    q = np.asarray(q)
    s = np.asarray(scale, dtype=np.float64)
    z = np.asarray(zero_point, dtype=np.float64)
    if s.ndim == 1:
        s, z = s[:, None], z[:, None]
    return s * (q.astype(np.float64) - z)


def magnitude_prune(W, sparsity: float) -> np.ndarray:
    """A copy of ``W`` with the ``round(sparsity * W.size)`` smallest-magnitude entries set to 0 (module
    docstring). Taught in module 09 (from_model_to_product)."""
    W = np.array(W, copy=True)
    if not 0.0 <= float(sparsity) <= 1.0:
        raise ValueError(f"sparsity must be in [0, 1]; got {sparsity!r}")
    n = int(round(float(sparsity) * W.size))
    if n:
        order = np.argsort(np.abs(W).ravel(), kind="stable")
        W.reshape(-1)[order[:n]] = 0
    return W


def table_nbytes(*arrays) -> int:
    """Bytes needed to store the arrays or numbers (their ``nbytes``; a Python number as a 64-bit one).
    Taught in module 09 (from_model_to_product)."""
    return int(sum(np.asarray(a).nbytes for a in arrays))

r"""Monitoring a model's inputs in production: the population stability index (PSI) between a reference
period and later periods, and a retraining trigger.

Taught in module 09 (from_model_to_product).

With the reference (expected) shares :math:`e_b` and the current (actual) shares :math:`a_b` of bins
:math:`b = 1, \dots, B`,

.. math::  \mathrm{PSI} = \sum_{b=1}^{B} (a_b - e_b) \ln\frac{a_b}{e_b} \;\ge 0,

a symmetrised Kullback-Leibler divergence (:math:`\mathrm{KL}(a\|e) + \mathrm{KL}(e\|a)`). A share of
0 would make it infinite, so shares are floored at :math:`\varepsilon = 10^{-4}` first. Bins of a
numeric feature are the reference's deciles: interior edges at its quantiles :math:`1/B, \dots,
(B-1)/B` (values below the first edge go to bin 1, at or above the last to bin :math:`B`); a
categorical feature's bins are its categories (the union of both periods). The usual reading:
below 0.1 stable, 0.1-0.25 a moderate shift, above 0.25 a major shift (here: retrain above 0.2).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["psi_from_shares", "psi", "psi_categorical", "drift_table", "first_trigger", "PSI_EPS"]

PSI_EPS = 1e-4


def psi_from_shares(expected, actual, eps: float = PSI_EPS) -> float:
    """PSI of two share vectors (each summing to 1), shares floored at ``eps``.
    Taught in module 09 (from_model_to_product)."""
    e = np.maximum(np.asarray(expected, dtype=np.float64), eps)
    a = np.maximum(np.asarray(actual, dtype=np.float64), eps)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError(f"expected and actual must be 1-D share vectors of the same length; got {e.shape}, {a.shape}")
    return float(np.sum((a - e) * np.log(a / e)))


def _finite(x, name):
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0 or not np.isfinite(x).all():
        raise ValueError(f"{name} must be a non-empty array of finite numbers")
    return x


def psi(reference, current, n_bins: int = 10, eps: float = PSI_EPS) -> float:
    """PSI of a numeric feature, binned by the reference's quantiles (module docstring).
    Taught in module 09 (from_model_to_product)."""
    ref, cur = _finite(reference, "reference"), _finite(current, "current")
    edges = np.quantile(ref, np.arange(1, n_bins) / n_bins)
    e = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=n_bins) / ref.size
    a = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=n_bins) / cur.size
    return psi_from_shares(e, a, eps)


def psi_categorical(reference, current, eps: float = PSI_EPS) -> float:
    """PSI of a categorical feature: one bin per category of either period.
    Taught in module 09 (from_model_to_product)."""
    ref = pd.Series(np.asarray(reference, dtype=object))
    cur = pd.Series(np.asarray(current, dtype=object))
    if ref.empty or cur.empty:
        raise ValueError("reference and current must not be empty")
    cats = pd.Index(pd.unique(pd.concat([ref, cur], ignore_index=True)))
    e = ref.value_counts(normalize=True).reindex(cats, fill_value=0.0)
    a = cur.value_counts(normalize=True).reindex(cats, fill_value=0.0)
    return psi_from_shares(e.to_numpy(), a.to_numpy(), eps)


def drift_table(frame: pd.DataFrame, period: str, numeric=(), categorical=(), reference=None,
                n_bins: int = 10) -> pd.DataFrame:
    """PSI of each feature column of ``frame`` in every period (column ``period``) against the
    ``reference`` period (default: the first). One row per period, one column per feature.
    Taught in module 09 (from_model_to_product)."""
    periods = np.sort(frame[period].unique())
    reference = periods[0] if reference is None else reference
    base = frame[frame[period] == reference]
    rows = {}
    for p in periods:
        cur = frame[frame[period] == p]
        row = {col: psi(base[col], cur[col], n_bins) for col in numeric}
        row.update({col: psi_categorical(base[col], cur[col]) for col in categorical})
        rows[p] = row
    return pd.DataFrame(rows).T.rename_axis(period)


def first_trigger(table: pd.DataFrame, threshold: float = 0.2):
    """The first period (index of a :func:`drift_table`) in which any feature's PSI exceeds ``threshold``,
    and that feature (``(None, None)`` if none does). Taught in module 09 (from_model_to_product)."""
    over = table.gt(threshold)
    hit = over.any(axis=1)
    if not hit.any():
        return None, None
    first = hit.idxmax()
    return first, table.loc[first].idxmax()

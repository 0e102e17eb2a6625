"""Plots of module 01 (linear_regression): loss curves, predicted vs actual, coefficients.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots.shop`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["plot_loss_curves", "plot_predicted_vs_actual", "plot_coefficients"]


def plot_loss_curves(histories: Mapping[str, Sequence[float]], ax=None, log: bool = True,
                     clip: float = 1e12, optimum: float | None = None,
                     title: str = "Training loss per iteration"):
    r"""One line per gradient-descent run: the training loss :math:`J` after each iteration.

    ``histories`` maps a label (e.g. ``"lr = 0.5"``) to a loss history (iteration 1 first).
    With ``log=True`` (default) the y axis is logarithmic, so a run that converges and one that
    diverges fit on the same axes. A diverging run is drawn until its loss exceeds ``clip`` (or
    becomes inf/NaN) and an upward triangle marks where it left the plot. ``optimum`` (the
    minimum :math:`J^*`, e.g. from the normal equation) is drawn as a dashed line.
    Taught in module 01 (linear_regression).
    """
    ax = _axes(ax, (7, 3.5))
    for label, history in histories.items():
        h = np.asarray(history, dtype=np.float64).ravel()
        it = np.arange(1, h.size + 1)
        bad = ~np.isfinite(h) | (h > clip)
        shown = np.where(bad, np.nan, h)
        line, = ax.plot(it, shown, label=str(label))
        if bad.any():
            first = int(np.argmax(bad))
            ax.plot([it[first]], [clip], "^", color=line.get_color(), ms=7)
            if first > 0:                                  # join the last drawn point to the marker
                ax.plot(it[first - 1:first + 1], [h[first - 1], clip], color=line.get_color(), ls=":")
    if optimum is not None:
        ax.axhline(float(optimum), color="grey", lw=1, ls="--", label=r"minimum $J^*$")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"training loss $J(w, b)$" + (" (log scale)" if log else ""))
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax


def plot_predicted_vs_actual(y_true, y_pred, ax=None, title: str = "Predicted vs actual",
                             max_points: int = 3000, seed: int = 0, jitter: float = 0.15):
    r"""Scatter of predictions against the true values, with the diagonal :math:`\hat y = y`
    (perfect predictions) and the :math:`R^2` and MSE in the legend.

    Integer targets (units sold) pile up on vertical lines, so the x values get a small uniform
    ``jitter`` (drawn with ``seed``; the metrics use the exact values). At most ``max_points``
    points, a seeded random subset, are drawn. Taught in module 01 (linear_regression).
    """
    ax = _axes(ax, (5, 4.5))
    y = np.asarray(y_true, dtype=np.float64).ravel()
    p = np.asarray(y_pred, dtype=np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y_true and y_pred must have the same length; got {y.size} and {p.size}")
    resid = float(np.sum((y - p) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - resid / total if total > 0 else float("nan")
    mse = resid / max(y.size, 1)
    rng = np.random.default_rng(seed)
    idx = rng.choice(y.size, size=max_points, replace=False) if y.size > max_points else np.arange(y.size)
    x = y[idx] + (rng.uniform(-jitter, jitter, size=idx.size) if jitter else 0.0)
    ax.scatter(x, p[idx], s=6, alpha=0.35, label=f"$R^2$ = {r2:.3f}, MSE = {mse:.3f}")
    lo = float(min(y.min(), p.min())) if y.size else 0.0
    hi = float(max(y.max(), p.max())) if y.size else 1.0
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label=r"$\hat y = y$")
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.set_title(title)
    ax.legend(fontsize=9, loc="upper left")
    return ax


def plot_coefficients(coefficients: pd.DataFrame, ax=None, title: str = "Coefficients"):
    """Grouped horizontal bars of model coefficients: one group per feature (the index of
    ``coefficients``), one bar per model (its columns), with a line at 0.
    Taught in module 01 (linear_regression)."""
    ax = _axes(ax, (7, 0.55 * len(coefficients) + 1.5))
    coefficients.iloc[::-1].plot.barh(ax=ax)
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_xlabel("coefficient (target units per standard deviation of the feature)")
    ax.set_ylabel("")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return ax

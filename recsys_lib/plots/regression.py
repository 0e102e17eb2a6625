"""Plots of module 01 (linear_regression): loss curves, the loss surface with gradient-descent
paths, feature scales before and after standardisation, predicted vs actual, coefficients.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots.shop`).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes, _pyplot

__all__ = ["plot_loss_curves", "plot_loss_contours", "plot_feature_scales", "plot_predicted_vs_actual",
           "plot_coefficients"]


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


def plot_loss_contours(X, y, paths: Mapping[str, Sequence] | None = None, ax=None,
                       feature_names: Sequence[str] = ("$w_1$", "$w_2$"), n_levels: int = 12,
                       margin: float = 0.25, title: str = "Contours of the loss and gradient-descent paths"):
    r"""Contours of the MSE loss :math:`J(w) = \frac{1}{2m}\lVert Xw - y\rVert^2` of a model with
    **two** weights (``X`` of shape ``(m, 2)``, no bias: centre ``X`` and ``y`` first, which makes
    the best bias 0), with gradient-descent paths on top.

    ``paths`` maps a label to the sequence of iterates :math:`w^{(0)}, w^{(1)}, \dots` (shape
    ``(T + 1, 2)``), drawn as a line with dots. The minimum :math:`w^*` (least squares) is a star.
    Contour levels are :math:`J^* + (J_{\max} - J^*)\,4^{-k}`, so the narrow valley of badly
    scaled features shows as long thin ellipses. Both axes use the same scale (equal aspect):
    what looks round *is* round. Taught in module 01 (linear_regression).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"X must have shape (m, 2) and y shape (m,); got {X.shape} and {y.shape}")
    ax = _axes(ax, (5.5, 5))
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    points = [w_star[None, :], np.zeros((1, 2))]
    drawn = {str(k): np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in (paths or {}).items()}
    points += [p for p in drawn.values()]
    allp = np.vstack(points)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    half = 0.5 * max(float(np.max(hi - lo)), 1e-12) * (1 + 2 * margin)
    centre = 0.5 * (lo + hi)
    g1 = np.linspace(centre[0] - half, centre[0] + half, 201)
    g2 = np.linspace(centre[1] - half, centre[1] + half, 201)
    W1, W2 = np.meshgrid(g1, g2)
    # J(w) = J* + 1/2 (w - w*)^T H (w - w*) exactly, with H = X^T X / m (a quadratic)
    m = X.shape[0]
    H = X.T @ X / m
    r_star = X @ w_star - y
    j_star = float(r_star @ r_star) / (2 * m)
    D1, D2 = W1 - w_star[0], W2 - w_star[1]
    J = j_star + 0.5 * (H[0, 0] * D1 ** 2 + 2 * H[0, 1] * D1 * D2 + H[1, 1] * D2 ** 2)
    top = float(J.max())
    levels = j_star + (top - j_star) * 4.0 ** -np.arange(n_levels)[::-1]
    ax.contour(W1, W2, J, levels=levels, colors="grey", linewidths=0.8)
    for k, (label, path) in enumerate(drawn.items()):
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.2, label=f"{label} ({len(path) - 1} steps)")
    ax.plot([w_star[0]], [w_star[1]], "*", color="black", ms=12, label=r"minimum $w^*$")
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(str(feature_names[0]))
    ax.set_ylabel(str(feature_names[1]))
    ax.set_title(title)
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_feature_scales(X_raw, X_standardised, feature_names: Sequence[str], axes=None):
    r"""Side by side, one horizontal box plot per feature: the raw columns (left, symmetric-log
    x axis, because they span from 0.01 to hundreds) and the same columns standardised with the
    training mean and standard deviation (right, linear axis: every box is centred at 0 with
    spread 1). Returns the two Axes. Taught in module 01 (linear_regression)."""
    raw = np.asarray(X_raw, dtype=np.float64)
    std = np.asarray(X_standardised, dtype=np.float64)
    names = [str(n) for n in feature_names]
    if raw.ndim != 2 or raw.shape != std.shape or raw.shape[1] != len(names):
        raise ValueError(f"X_raw and X_standardised must have the same shape (m, {len(names)}); "
                         f"got {raw.shape} and {std.shape}")
    if axes is None:
        plt = _pyplot()
        _, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(names) + 1.6), sharey=True)
    positions = np.arange(len(names))[::-1] + 1
    import matplotlib

    version = tuple(int(v) for v in matplotlib.__version__.split(".")[:2])
    horizontal = {"orientation": "horizontal"} if version >= (3, 10) else {"vert": False}  # vert: deprecated
    for ax, data, title in ((axes[0], raw, "raw features"), (axes[1], std, "standardised (training statistics)")):
        ax.boxplot([data[:, j] for j in range(data.shape[1])], positions=positions, **horizontal,
                   widths=0.6, showfliers=False, whis=(1, 99), medianprops={"gid": "median", "color": "C1"})
        ax.set_title(title)
        ax.axvline(0, color="black", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_xscale("symlog", linthresh=0.01)
    if np.nanmin(raw) >= 0:                                  # no empty negative half on the log axis
        axes[0].set_xlim(left=0.0)
    axes[0].set_yticks(positions)
    axes[0].set_yticklabels(names)
    axes[0].set_xlabel("value (symmetric log scale); whiskers at the 1st and 99th percentiles")
    axes[1].set_xlabel("standardised value (standard deviations from the training mean)")
    return axes

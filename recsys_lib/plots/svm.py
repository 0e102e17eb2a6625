r"""Plots of module 05 (svm): decision boundary and margins on two features with the support vectors
marked, a grid-search heat map, and an objective along a ray (why the SVM is a minimisation).

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["plot_svm_decision", "plot_cv_heatmap", "plot_objective_along_ray"]


def plot_svm_decision(score, X, y, ax=None, support=None, title: str = "SVM decision boundary",
                      feature_names=("feature 1", "feature 2"), resolution: int = 200, margins: bool = True,
                      max_points: int | None = None, seed: int = 0):
    r"""The decision regions of a two-feature classifier, its boundary :math:`f(x) = 0` (solid) and,
    with ``margins=True``, the margin lines :math:`f(x) = \pm 1` (dashed), over the points coloured
    by class; ``support`` (a boolean mask or integer indices into ``X``) circles the support vectors.

    ``score`` maps an (n, 2) array to n decision values (e.g. ``model.decision_function``); ``y``
    holds two classes (-1/+1 or 0/1, the larger one drawn as "+"). ``max_points`` draws a seeded
    random sample of the points (the boundary is computed on the grid, not from them).
    Taught in module 05 (svm)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_svm_decision needs exactly two features; X has shape {X.shape}")
    mask = np.zeros(len(X), dtype=bool)
    if support is not None:
        support = np.asarray(support)
        mask[support if support.dtype.kind in "iu" else np.flatnonzero(support)] = True
    ax = _axes(ax, (5.5, 4.5))
    pad = 0.05 * (X.max(axis=0) - X.min(axis=0)) + 1e-9
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    values = np.asarray(score(np.column_stack([gx.ravel(), gy.ravel()])), dtype=np.float64).reshape(gx.shape)
    ax.contourf(gx, gy, values, levels=[-np.inf, 0.0, np.inf], colors=["#f4c7c3", "#c6dbef"], alpha=0.6)
    ax.contour(gx, gy, values, levels=[0.0], colors="k", linewidths=1.5)
    if margins:
        ax.contour(gx, gy, values, levels=[-1.0, 1.0], colors="k", linewidths=1.0, linestyles="--")
    shown = np.arange(len(X))
    if max_points is not None and len(X) > max_points:
        shown = np.sort(np.random.default_rng(seed).choice(len(X), size=max_points, replace=False))
    positive = y == np.max(y)
    for cls, colour, marker, label in ((False, "#d62728", "o", "no purchase / -1"),
                                       (True, "#1f77b4", "s", "purchase / +1")):
        rows = shown[positive[shown] == cls]
        ax.scatter(X[rows, 0], X[rows, 1], s=14, c=colour, marker=marker, edgecolor="white", linewidth=0.3,
                   label=label)
    rows = shown[mask[shown]]
    if rows.size:
        ax.scatter(X[rows, 0], X[rows, 1], s=60, facecolors="none", edgecolors="k", linewidth=0.8,
                   label=f"support vectors ({int(mask.sum())} of {len(X)})")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title)
    ax.legend(fontsize=7, loc="best", framealpha=0.8)
    return ax


def plot_cv_heatmap(scores: pd.DataFrame, ax=None, title: str = "Cross-validated accuracy",
                    fmt: str = "{:.3f}"):
    r"""A heat map of a grid search: rows of ``scores`` are one hyper-parameter (e.g. :math:`C`),
    columns the other (e.g. :math:`\gamma`), values the mean validation score; each cell is
    annotated and the best one outlined. Taught in module 05 (svm)."""
    values = scores.to_numpy(dtype=np.float64)
    ax = _axes(ax, (1.4 * values.shape[1] + 2.5, 0.8 * values.shape[0] + 1.5))
    image = ax.imshow(values, cmap="viridis", aspect="auto")
    ax.figure.colorbar(image, ax=ax, fraction=0.05)
    ax.set_xticks(range(values.shape[1]), [str(c) for c in scores.columns])
    ax.set_yticks(range(values.shape[0]), [str(r) for r in scores.index])
    ax.set_xlabel(str(scores.columns.name or "column"))
    ax.set_ylabel(str(scores.index.name or "row"))
    middle = np.nanmean(values)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            ax.text(j, i, fmt.format(values[i, j]), ha="center", va="center", fontsize=9,
                    color="black" if values[i, j] > middle else "white")
    from matplotlib.patches import Rectangle

    i, j = np.unravel_index(int(np.nanargmax(values)), values.shape)
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    ax.set_title(title)
    return ax


def plot_objective_along_ray(t, curves: dict, ax=None, title: str = "Objectives along a ray w = t w0"):
    r"""Objective values along a ray :math:`w = t\,w_0` (``t`` on a log axis, values on a symmetric
    log axis, so negative and huge values fit): one line per entry of ``curves`` (name -> values).
    Used to show that :math:`\tfrac12\lVert w\rVert^2 - C\sum_i \xi_i` grows without bound while the
    soft-margin objective has a minimum. Taught in module 05 (svm)."""
    ax = _axes(ax, (6.5, 3.8))
    t = np.asarray(t, dtype=np.float64)
    for (name, values), style in zip(curves.items(), ("-o", "-s", "-^", "-v")):
        ax.plot(t, np.asarray(values, dtype=np.float64), style, ms=4, label=str(name))
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xlabel("t (scale of w along the ray)")
    ax.set_ylabel("objective (symmetric log scale)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax

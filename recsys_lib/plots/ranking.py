r"""Plots of module 04 (knn_collaborative_filtering): ranking metrics of several recommenders
against a cut-off K, a hyper-parameter (neighbourhood size) or the share of the log kept, a
bar chart of a method x metric table with the oracle ceiling, and a cross-validation curve
(choosing the K of a K-NN classifier).

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["plot_metric_curves", "plot_ranking_table", "plot_cv_curve"]

_STYLES = ["o-", "s--", "^-.", "d:", "v-", "x--"]


def plot_metric_curves(curves: pd.DataFrame, ax=None, title: str = "", xlabel: str | None = None,
                       ylabel: str = "metric", ceilings: dict | None = None, logx: bool = False):
    r"""One line per column of ``curves`` (index = the x values, e.g. K or ``n_neighbors``);
    ``ceilings`` (name -> value) adds dashed horizontal lines (e.g. the oracle's HR@10).
    Taught in module 04 (knn_collaborative_filtering)."""
    ax = _axes(ax, (6, 3.8))
    x = curves.index.to_numpy()
    for j, col in enumerate(curves.columns):
        ax.plot(x, curves[col].to_numpy(dtype=float), _STYLES[j % len(_STYLES)], ms=4, lw=1.5, label=str(col))
    for j, (name, value) in enumerate((ceilings or {}).items()):
        ax.axhline(float(value), color="grey", ls=["--", ":", "-."][j % 3], lw=1, label=f"{name} ({float(value):.3f})")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel if xlabel is not None else str(curves.index.name or ""))
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_ranking_table(table: pd.DataFrame, metrics=None, ax=None, title: str = "Recommenders on ShopSim"):
    r"""Grouped horizontal bars of a method x metric table (rows = methods, e.g. popularity,
    item-KNN, user-KNN, oracle), one group per method, each bar labelled with its value.
    Taught in module 04 (knn_collaborative_filtering)."""
    metrics = list(table.columns if metrics is None else metrics)
    data = table[metrics].iloc[::-1]
    ax = _axes(ax, (7, 0.6 + 0.55 * len(data) * max(1, len(metrics)) ** 0.5))
    data.plot.barh(ax=ax, width=0.8)
    for container in ax.containers:
        ax.bar_label(container, fmt="%.3f", fontsize=7, padding=2)
    ax.set_xlim(0, float(data.to_numpy().max()) * 1.18)
    ax.set_xlabel("metric value")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_cv_curve(values, scores, chosen=None, baselines: dict | None = None, ax=None, xlabel: str = "value",
                  ylabel: str = "cross-validated score", logx: bool = False, title: str = "Cross-validation"):
    r"""A hyper-parameter chosen by cross-validation: the mean score over the folds against each
    value in ``values`` (e.g. K), with a band of plus or minus one standard deviation across the
    folds, a vertical line at the ``chosen`` value and dashed horizontal lines at ``baselines``
    (name -> score measured on the same folds).

    ``scores`` has one row per value and one column per fold. A flat stretch of the curve whose
    band overlaps the best mean says the data cannot tell those values apart.
    Taught in module 04 (knn_collaborative_filtering)."""
    x = np.asarray(values, dtype=float)
    s = np.asarray(scores, dtype=float)
    if s.ndim != 2 or s.shape[0] != x.size:
        raise ValueError(f"scores must have one row per value ({x.size}) and one column per fold; got shape {s.shape}")
    mean, std = s.mean(axis=1), s.std(axis=1)
    ax = _axes(ax, (6, 3.8))
    ax.plot(x, mean, "o-", ms=4, lw=1.5, label=f"mean over {s.shape[1]} folds")
    ax.fill_between(x, mean - std, mean + std, alpha=0.2, label="± 1 standard deviation")
    if chosen is not None:
        ax.axvline(float(chosen), color="black", ls="--", lw=1, label=f"chosen: {chosen:g}")
    for j, (name, value) in enumerate((baselines or {}).items()):
        ax.axhline(float(value), color="grey", ls=[":", "-.", "--"][j % 3], lw=1, label=f"{name} ({float(value):.3f})")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax

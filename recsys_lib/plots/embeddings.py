r"""Plots of module 07 (embeddings_matrix_factorization): a 2-D map of embeddings coloured by a
label (e.g. the top-level category), and how often each popularity decile is drawn as a negative.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["plot_embedding_2d", "plot_negative_sampling"]


def plot_embedding_2d(coords, labels, ax=None, highlight: dict | None = None, title: str = "",
                      s: float = 10.0, alpha: float = 0.6):
    r"""Scatter of 2-D coordinates (e.g. :func:`recsys_lib.embeddings.project_2d` of the item
    factors), one colour per distinct label (sorted), with a legend; ``highlight`` (text -> row)
    marks and annotates a few points. Taught in module 07 (embeddings_matrix_factorization)."""
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ValueError(f"coords must have shape (n, 2); got {coords.shape}")
    labels = np.asarray(labels).astype(str)
    if labels.shape != (coords.shape[0],):
        raise ValueError(f"labels must have one entry per point ({coords.shape[0]}); got shape {labels.shape}")
    ax = _axes(ax, (7, 5.5))
    for name in np.unique(labels):
        m = labels == name
        ax.scatter(coords[m, 0], coords[m, 1], s=s, alpha=alpha, label=name)
    for text, row in (highlight or {}).items():
        x, y = coords[int(row)]
        ax.scatter([x], [y], s=60, facecolors="none", edgecolors="black", linewidths=1.2)
        ax.annotate(str(text), (x, y), xytext=(5, 5), textcoords="offset points", fontsize=8)
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, markerscale=2, loc="best")
    ax.grid(alpha=0.3)
    return ax


def plot_negative_sampling(shares: pd.DataFrame, ax=None, title: str = "Who gets drawn as a negative?"):
    r"""Grouped bars: for each popularity decile of the items (index, 1 = least popular), the share
    of the draws of each sampler (columns, e.g. "positives", "uniform", "popularity ** 0.75").
    Taught in module 07 (embeddings_matrix_factorization)."""
    ax = _axes(ax, (7, 3.6))
    shares.plot.bar(ax=ax, width=0.8)
    ax.set_xlabel(str(shares.index.name or "popularity decile"))
    ax.set_ylabel("share of draws")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return ax

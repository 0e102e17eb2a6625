"""Plots of module 08 (embedding_lstm_recommender): training and validation loss per epoch with
the early-stopping epoch marked, and hit rates split by a case attribute (position in the session,
kind of category transition) for several models.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["plot_epoch_curves", "plot_hit_rates_by_group"]


def plot_epoch_curves(histories: dict, ax=None, metric: str = "loss", title: str = "Loss per epoch"):
    r"""One colour per model: its training ``metric`` (solid) and validation ``val_<metric>`` (dashed)
    per epoch, with a dot at the best validation epoch (the weights early stopping keeps).

    ``histories`` maps a label to a Keras history dict (``{"loss": [...], "val_loss": [...]}``, as
    returned by :func:`recsys_lib.sequences.fit_with_early_stopping`). Taught in module 08.
    """
    ax = _axes(ax, (7, 3.6))
    for j, (label, hist) in enumerate(histories.items()):
        train = np.asarray(hist[metric], dtype=float)
        val = np.asarray(hist[f"val_{metric}"], dtype=float)
        epochs = np.arange(1, val.size + 1)
        color = f"C{j % 10}"
        ax.plot(np.arange(1, train.size + 1), train, "-", color=color, lw=1.5, label=f"{label}: training")
        ax.plot(epochs, val, "--", color=color, lw=1.5, label=f"{label}: validation")
        best = int(np.argmin(val)) if metric.endswith("loss") else int(np.argmax(val))
        ax.plot([epochs[best]], [val[best]], "o", color=color, ms=7)
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.set_title(title + " (dot: the epoch early stopping keeps)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_hit_rates_by_group(table: pd.DataFrame, ax=None, count_column: str = "cases",
                            title: str = "HR@10 by group", xlabel: str = ""):
    r"""Grouped bars: one group per row of ``table`` (e.g. the output of
    :func:`recsys_lib.sequences.hit_rate_by`), one bar per model column; the x labels show each
    group's number of cases (``count_column``). Taught in module 08 (embedding_lstm_recommender)."""
    models = [c for c in table.columns if c != count_column]
    ax = _axes(ax, (7.5, 3.6))
    x = np.arange(len(table))
    width = 0.8 / max(len(models), 1)
    for j, name in enumerate(models):
        ax.bar(x + (j - (len(models) - 1) / 2) * width, table[name].to_numpy(dtype=float), width, label=str(name))
    labels = [f"{g}\n({int(n):,})" if count_column in table.columns else str(g)
              for g, n in zip(table.index, table[count_column] if count_column in table.columns else table.index)]
    ax.set_xticks(x, labels)
    ax.set_ylabel("HR@10")
    ax.set_xlabel(xlabel or f"{table.index.name or 'group'} (cases)")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return ax

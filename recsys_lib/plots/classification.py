r"""Plots of module 02 (logistic_regression): ROC curves, calibration (reliability) curves,
learned vs true weights, and a metric scanned over decision thresholds.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes

__all__ = ["calibration_bins", "plot_roc_curves", "plot_calibration", "plot_weights", "plot_threshold_scan"]


def plot_roc_curves(curves: dict, ax=None, title: str = "ROC curves"):
    r"""One ROC curve per entry of ``curves``: ``name -> (fpr, tpr)`` or ``name -> (fpr, tpr, auc)``
    (the AUC goes into the legend). The diagonal is the random ranking (AUC = 0.5).
    Taught in module 02 (logistic_regression)."""
    ax = _axes(ax, (5, 5))
    styles = ["-", "--", "-.", ":"]
    for k, (name, curve) in enumerate(curves.items()):
        fpr, tpr = np.asarray(curve[0], dtype=float), np.asarray(curve[1], dtype=float)
        label = f"{name} (AUC {float(curve[2]):.3f})" if len(curve) > 2 else str(name)
        ax.plot(fpr, tpr, styles[k % len(styles)], lw=1.8 if k == 0 else 1.4, label=label)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":", label="random (AUC 0.5)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("false-positive rate  FP / (FP + TN)")
    ax.set_ylabel("true-positive rate (recall)  TP / (TP + FN)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def calibration_bins(y_true, y_prob, n_bins: int = 10) -> pd.DataFrame:
    r"""Reliability table: the predictions cut into ``n_bins`` bins of (about) equal size by
    predicted probability; per bin the mean prediction, the observed positive rate and the count.

    A calibrated model has ``observed ≈ predicted`` in every bin. Equal-frequency bins keep every
    bin populated when most probabilities are small (an 11 % click rate).
    Taught in module 02 (logistic_regression)."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_prob, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError(f"y_true and y_prob must be 1-D of the same length; got {y.shape} and {p.shape}")
    order = np.argsort(p, kind="mergesort")
    bins = np.array_split(order, n_bins)
    rows = [(p[b].mean(), y[b].mean(), len(b)) for b in bins if len(b)]
    return pd.DataFrame(rows, columns=["predicted", "observed", "count"])


def plot_calibration(y_true, probabilities: dict, n_bins: int = 10, ax=None,
                     title: str = "Calibration (reliability) curve"):
    r"""Observed positive rate against mean predicted probability, in ``n_bins`` equal-frequency
    bins, one line per model (``probabilities``: ``name -> p``). Points on the diagonal are
    calibrated: of the impressions given 20 %, about 20 % are clicked.
    Taught in module 02 (logistic_regression)."""
    ax = _axes(ax, (5, 5))
    top = 0.0
    for name, p in probabilities.items():
        table = calibration_bins(y_true, p, n_bins)
        ax.plot(table["predicted"], table["observed"], "o-", ms=4, label=str(name))
        top = max(top, float(table["predicted"].max()), float(table["observed"].max()))
    top = min(1.0, top * 1.1 + 0.01)
    ax.plot([0, top], [0, top], color="grey", lw=0.8, ls=":", label="perfectly calibrated")
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_aspect("equal")
    ax.set_xlabel(f"mean predicted probability (bins of {100 / n_bins:.0f} % of the rows)")
    ax.set_ylabel("observed positive rate")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_weights(weights: pd.DataFrame, ax=None, title: str = "Learned vs true click-model weights"):
    r"""Grouped horizontal bars: one group per coefficient (rows of ``weights``), one bar per
    model (columns, e.g. ``"true"``, ``"with affinity"``, ``"without affinity"``); a missing
    coefficient (NaN) leaves a gap. Taught in module 02 (logistic_regression)."""
    names = [str(i) for i in weights.index]
    ax = _axes(ax, (7, 0.55 * len(names) * max(1, weights.shape[1]) / 2 + 1.5))
    k = weights.shape[1]
    height = 0.8 / k
    y = np.arange(len(names))[::-1]
    for j, col in enumerate(weights.columns):
        values = weights[col].to_numpy(dtype=float)
        pos = y + 0.4 - height * (j + 0.5)
        ax.barh(pos, np.nan_to_num(values), height=height, label=str(col))
        for yy, v in zip(pos, values):
            if np.isfinite(v):
                ax.text(v, yy, f" {v:+.2f} ", va="center", ha="left" if v >= 0 else "right", fontsize=7)
    ax.set_yticks(y)
    ax.set_yticklabels(names)
    ax.axvline(0, color="black", lw=0.8)
    lo = min(0.0, float(np.nanmin(weights.to_numpy(dtype=float))))
    hi = max(0.0, float(np.nanmax(weights.to_numpy(dtype=float))))
    pad = 0.25 * (hi - lo)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_xlabel("coefficient (log-odds per unit of the feature)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper right")
    return ax


def plot_threshold_scan(thresholds, values: dict, ax=None, marks: dict | None = None,
                        xlabel: str = "decision threshold t (predict positive when p ≥ t)",
                        ylabel: str = "value", title: str = "Metrics across thresholds"):
    r"""Curves of one or more metrics (``values``: ``name -> array`` aligned with ``thresholds``)
    against the decision threshold, with vertical lines at ``marks`` (``label -> threshold``),
    e.g. the threshold chosen on validation data and the default 0.5.
    Taught in module 02 (logistic_regression)."""
    ax = _axes(ax, (7, 3.5))
    t = np.asarray(thresholds, dtype=float)
    for name, v in values.items():
        ax.plot(t, np.asarray(v, dtype=float), label=str(name))
    colors = ["black", "tab:red", "tab:green", "tab:purple"]
    for k, (label, x) in enumerate((marks or {}).items()):
        ax.axvline(float(x), color=colors[k % len(colors)], ls="--", lw=1, label=f"{label} = {float(x):.3f}")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax

"""Plots of module 03 (feature_engineering): time-decay weights, model comparison, feature importance."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.shop import _axes, _pyplot


def plot_heat_decay(half_lives=(1, 3, 7, 14), max_days: float = 30, ax=None):
    r"""The weight :math:`2^{-\Delta/T_{1/2}}` of an event :math:`\Delta` days old, one line per
    half-life, with a dot where each curve crosses 1/2. Taught in module 03 (feature_engineering)."""
    ax = _axes(ax, (7, 3.5))
    age = np.linspace(0.0, float(max_days), 301)
    for h in half_lives:
        line, = ax.plot(age, np.exp2(-age / float(h)), label=f"half-life {h:g} d")
        if h <= max_days:
            ax.plot([h], [0.5], "o", color=line.get_color(), ms=4)
    ax.axhline(0.5, color="grey", lw=0.8, ls=":")
    ax.set_xlabel(r"age of the event $\Delta$ (days before the prediction time)")
    ax.set_ylabel(r"weight $2^{-\Delta / T_{1/2}}$")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max_days)
    ax.set_title("Behaviour heat: how much an old event still counts")
    ax.legend(fontsize=9)
    return ax


def plot_model_comparison(scores: pd.DataFrame, metrics=("auc", "log_loss"), axes=None,
                          baseline: str | None = None):
    """Horizontal bars of each model's score, one panel per metric (a column of ``scores``,
    index = model names). ``baseline`` (a row label) is drawn as a dashed line in every panel.
    Returns the array of Axes. Taught in module 03 (feature_engineering)."""
    metrics = list(metrics)
    if axes is None:
        plt = _pyplot()
        _, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 0.45 * len(scores) + 1.5),
                               squeeze=False)
        axes = axes[0]
    names = [str(i) for i in scores.index][::-1]
    for ax, metric in zip(axes, metrics):
        values = scores[metric].to_numpy(dtype=float)[::-1]
        ax.barh(names, values, color="#4C72B0")
        lo, hi = np.nanmin(values), np.nanmax(values)
        pad = max(hi - lo, 1e-3) * 0.6
        ax.set_xlim(max(lo - pad, 0.0), hi + pad)
        for i, v in enumerate(values):
            ax.text(v, i, f" {v:.4f}", va="center", fontsize=8)
        if baseline is not None and baseline in scores.index:
            ax.axvline(float(scores.loc[baseline, metric]), color="grey", ls="--", lw=1)
        better = "higher" if "auc" in metric.lower() else "lower"
        ax.set_title(f"{metric} ({better} is better)")
    for ax in axes[1:]:
        ax.set_yticklabels([])
    return axes


def plot_feature_importance(importance: pd.Series, top: int = 15, ax=None, errors: pd.Series | None = None,
                            xlabel: str = "importance"):
    """Horizontal bars of the ``top`` largest importances (e.g. permutation importance: the drop
    in AUC when a feature's column is shuffled), largest on top, with optional error bars.
    Taught in module 03 (feature_engineering)."""
    imp = importance.sort_values(ascending=False).iloc[:top][::-1]
    ax = _axes(ax, (7, 0.3 * len(imp) + 1.2))
    err = None if errors is None else errors.reindex(imp.index).to_numpy(dtype=float)
    ax.barh([str(i) for i in imp.index], imp.to_numpy(dtype=float), xerr=err, color="#55A868")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(f"Top {len(imp)} features")
    return ax

"""Plots of module 03 (feature_engineering): the feature and label windows of each prediction time,
time-decay weights, model comparison, feature importance."""
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


def plot_time_windows(prediction_times, horizon_days: float, log_start, log_end=None, test_start=None,
                      ax=None, title: str = "What each row of the task table may see"):
    r"""A timeline with one row per prediction time :math:`\tau` (a cutoff): the **feature window**
    (events from the start of the log up to, not including, :math:`\tau`) as a blue bar and the
    **label window** :math:`[\tau, \tau + h)` as an orange bar, with a marker at the cutoff. With
    ``test_start``, a dashed line separates training rows (whose label windows end by then) from
    test rows; ``log_end`` draws the end of the log. Taught in module 03 (feature_engineering)."""
    times = pd.DatetimeIndex(pd.to_datetime(np.asarray(prediction_times))).sort_values().unique()
    if len(times) == 0:
        raise ValueError("prediction_times is empty")
    start = pd.Timestamp(log_start)
    horizon = pd.Timedelta(days=float(horizon_days))
    ax = _axes(ax, (11, 0.42 * len(times) + 1.6))
    split = None if test_start is None else pd.Timestamp(test_start)
    for row, tau in enumerate(times):
        y = len(times) - 1 - row
        part = "" if split is None else (" test" if tau >= split else " train")
        ax.barh(y, tau - start, left=start, height=0.55, color="#4C72B0",
                label="features: events before the cutoff" if row == 0 else None)
        ax.barh(y, horizon, left=tau, height=0.55, color="#DD8452",
                label=f"label window [cutoff, cutoff + {float(horizon_days):g} d)" if row == 0 else None)
        ax.plot([tau], [y], "k|", ms=14, mew=2, label="cutoff (prediction time)" if row == 0 else None)
        ax.text(tau + horizon, y, f"  {tau:%m-%d}{part}", va="center", fontsize=8)
    if split is not None:
        ax.axvline(split, color="black", ls="--", lw=1, label=f"test period starts {split:%m-%d}")
    if log_end is not None:
        ax.axvline(pd.Timestamp(log_end), color="grey", ls=":", lw=1, label="end of the log")
    ax.set_yticks(range(len(times)))
    ax.set_yticklabels([f"{t:%Y-%m-%d}" for t in times[::-1]])
    ax.set_ylabel("prediction time")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))   # outside: the bars stay visible
    ax.figure.autofmt_xdate()
    return ax

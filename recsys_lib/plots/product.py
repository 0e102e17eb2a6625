r"""Plots of module 09 (from_model_to_product): A/B lifts with their intervals and the true lift,
peeking, latency, drift (PSI) over time, uplift targeting and exposure shares.

matplotlib is imported only when a plot is drawn (see :mod:`recsys_lib.plots`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib.plots.ranking import plot_metric_curves
from recsys_lib.plots.shop import _axes

__all__ = ["plot_lift_intervals", "plot_peeking", "plot_latency", "plot_psi", "plot_targeting",
           "plot_exposure_share"]


def plot_lift_intervals(table: pd.DataFrame, ax=None, title: str = "A/B tests against the control",
                        scale: float = 100.0, unit: str = "percentage points"):
    """One horizontal confidence interval per row of ``table`` (columns ``lift``, ``ci_low``, ``ci_high`` and,
    when present, ``true_lift``, drawn as a cross), values times ``scale``. Taught in module 09."""
    ax = _axes(ax, (7, 0.8 + 0.45 * len(table)))
    y = np.arange(len(table))[::-1]
    lift = table["lift"].to_numpy(dtype=float) * scale
    lo, hi = table["ci_low"].to_numpy(dtype=float) * scale, table["ci_high"].to_numpy(dtype=float) * scale
    ax.errorbar(lift, y, xerr=[lift - lo, hi - lift], fmt="o", color="C0", capsize=4, label="observed lift, 95% CI")
    if "true_lift" in table:
        ax.plot(table["true_lift"].to_numpy(dtype=float) * scale, y, "x", color="C3", ms=9, mew=2,
                label="true lift (simulator)")
    ax.axvline(0.0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, [str(i) for i in table.index])
    ax.set_xlabel(f"lift ({unit})")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_peeking(table: pd.DataFrame, alpha: float = 0.05, ax=None,
                 title: str = "A/A tests: stopping at the first significant look"):
    """The false-positive rates of :func:`recsys_lib.metrics.peeking_false_positive_rate` against the
    number of looks, with the nominal ``alpha``. Taught in module 09 (from_model_to_product)."""
    ax = _axes(ax, (6, 3.6))
    x = table.index.to_numpy()
    ax.plot(x, table["significant_at_any_look"], "o-", ms=4, label="significant at any look so far (peeking)")
    ax.plot(x, table["significant_at_this_look"], "s--", ms=4, label="significant at this look only")
    ax.axhline(alpha, color="grey", ls=":", label=f"nominal alpha = {alpha:g}")
    ax.set_xlabel("number of looks")
    ax.set_ylabel("false-positive rate")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def plot_latency(seconds: dict, ax=None, title: str = "Latency per call"):
    """Histograms (log scale) of call durations ({name: seconds}) with their p50 and p95 marked.
    Taught in module 09 (from_model_to_product)."""
    ax = _axes(ax, (7, 3.6))
    all_ms = np.concatenate([np.asarray(v, dtype=float) * 1e3 for v in seconds.values()])
    bins = np.geomspace(max(all_ms.min(), 1e-3), all_ms.max() * 1.01, 40)
    for j, (name, values) in enumerate(seconds.items()):
        ms = np.asarray(values, dtype=float) * 1e3
        ax.hist(ms, bins=bins, alpha=0.5, color=f"C{j}", label=name)
        for q, ls in ((50, "-"), (95, "--")):
            ax.axvline(np.percentile(ms, q), color=f"C{j}", ls=ls, lw=1)
    ax.set_xscale("log")
    ax.set_xlabel("milliseconds per call (solid: p50, dashed: p95)")
    ax.set_ylabel("calls")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return ax


def plot_psi(table: pd.DataFrame, threshold: float = 0.2, ax=None, title: str = "Drift against the first week"):
    """PSI of each feature (column) in each period (index), with the retraining ``threshold`` (module 04's
    :func:`~recsys_lib.plots.plot_metric_curves`). Taught in module 09 (from_model_to_product)."""
    return plot_metric_curves(table, ax=ax, title=title, ylabel="PSI", ceilings={"retrain above": threshold})


def plot_targeting(curves: pd.DataFrame, ax=None, title: str = "Incremental purchases by targeting rule"):
    """Curves of :func:`recsys_lib.uplift.targeting_curve` (x = share of shoppers targeted).
    Taught in module 09 (from_model_to_product)."""
    return plot_metric_curves(curves, ax=ax, title=title, ylabel="true incremental purchases")


def plot_exposure_share(table: pd.DataFrame, ax=None, title: str = "Exposure share"):
    """Grouped horizontal bars of a group x column table of shares (e.g. brand x recommender).
    Taught in module 09 (from_model_to_product)."""
    ax = _axes(ax, (7, 0.8 + 0.3 * len(table) * max(1, table.shape[1]) ** 0.5))
    table.iloc[::-1].plot.barh(ax=ax, width=0.8)
    ax.set_xlabel("share")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    return ax

"""Plots of the shop's funnel and activity. Taught in module 00 (shop_data)."""
from __future__ import annotations

import os
import sys

import pandas as pd


def _pyplot():
    """matplotlib.pyplot, with the Agg backend when there is no display and no IPython kernel."""
    import matplotlib

    headless = sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
        and not os.environ.get("WAYLAND_DISPLAY")
    if headless and "ipykernel" not in sys.modules and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    plt = _pyplot()
    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_funnel(counts: pd.Series, ax=None):
    """Horizontal bars of the funnel counts (log scale), each labelled with its count and the
    share of the previous stage that reached it. Taught in module 00 (shop_data)."""
    ax = _axes(ax, (7, 3))
    stages = [str(s) for s in counts.index][::-1]
    values = counts.to_numpy(dtype=float)[::-1]
    ax.barh(stages, values, color="#4C72B0")
    ax.set_xscale("log")
    ratios = counts.to_numpy(dtype=float)
    for i, (stage, value) in enumerate(zip(stages, values)):
        j = len(stages) - 1 - i
        label = f"{int(value):,}" if j == 0 else f"{int(value):,}  ({ratios[j] / ratios[j - 1]:.1%} of previous)"
        ax.text(value, i, "  " + label, va="center", fontsize=9)
    ax.set_xlabel("events (log scale)")
    ax.set_title("Shopping funnel")
    ax.set_xlim(right=values.max() * 30)
    return ax


def plot_rates_by_category(rates: pd.DataFrame, ax=None):
    """Grouped bars of the funnel rates per category. Taught in module 00 (shop_data)."""
    ax = _axes(ax, (8, 3.5))
    rates.plot.bar(ax=ax, rot=0)
    ax.set_ylabel("rate")
    ax.set_xlabel("")
    ax.set_title("Funnel rates by top-level category")
    ax.legend(title=None, fontsize=9)
    return ax


def plot_daily_activity(daily: pd.DataFrame, ax=None, columns=("active_users", "sessions", "purchases"),
                        cutoff=None):
    """Lines of daily activity (one per column) over time; with ``cutoff`` (a timestamp, e.g. the
    start of a temporal split's test period) a dashed line and a shaded test period.
    Taught in module 00 (shop_data)."""
    ax = _axes(ax, (9, 3.5))
    for col in columns:
        ax.plot(daily.index, daily[col], label=col.replace("_", " "))
    if cutoff is not None:
        cutoff = pd.Timestamp(cutoff)
        ax.axvline(cutoff, color="black", ls="--", lw=1, label=f"cutoff {cutoff:%Y-%m-%d %H:%M}")
        ax.axvspan(cutoff, daily.index.max() + pd.Timedelta(days=1), color="grey", alpha=0.15,
                   label="test period")
    ax.set_ylabel("per day")
    ax.set_title("Activity over time")
    ax.legend(fontsize=9)
    ax.figure.autofmt_xdate()
    return ax

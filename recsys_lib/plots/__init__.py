"""Plots used by the notebooks (matplotlib, imported only when a plot is drawn).

In a notebook kernel matplotlib uses its inline backend; anywhere without a display (CI,
grading, scripts) it falls back to the non-interactive Agg backend, so plotting never needs a
screen. Each function draws on ``ax`` when given, else on a new figure, and returns the Axes.
"""
from recsys_lib.plots.shop import plot_daily_activity, plot_funnel, plot_rates_by_category

__all__ = ["plot_funnel", "plot_rates_by_category", "plot_daily_activity"]

"""Plots used by the notebooks (matplotlib, imported only when a plot is drawn).

In a notebook kernel matplotlib uses its inline backend; anywhere without a display (CI,
grading, scripts) it falls back to the non-interactive Agg backend, so plotting never needs a
screen. Each function draws on ``ax`` when given, else on a new figure, and returns the Axes.
"""
from recsys_lib.plots.shop import plot_daily_activity, plot_funnel, plot_rates_by_category
from recsys_lib.plots.regression import plot_coefficients, plot_loss_curves, plot_predicted_vs_actual
from recsys_lib.plots.features import plot_feature_importance, plot_heat_decay, plot_model_comparison

__all__ = ["plot_funnel", "plot_rates_by_category", "plot_daily_activity"]
__all__ += ["plot_heat_decay", "plot_model_comparison", "plot_feature_importance"]  # module 03

from recsys_lib.plots.classification import (  # noqa: E402  (module 02)
    calibration_bins,
    plot_calibration,
    plot_roc_curves,
    plot_threshold_scan,
    plot_weights,
)

__all__ += ["plot_roc_curves", "plot_calibration", "calibration_bins", "plot_weights",
            "plot_threshold_scan"]  # module 02
__all__ += ["plot_loss_curves", "plot_predicted_vs_actual", "plot_coefficients"]  # module 01

from recsys_lib.plots.ranking import plot_metric_curves, plot_ranking_table  # noqa: E402  (module 04)

__all__ += ["plot_metric_curves", "plot_ranking_table"]  # module 04

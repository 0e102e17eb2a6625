"""Plots used by the notebooks (matplotlib, imported only when a plot is drawn).

In a notebook kernel matplotlib uses its inline backend; anywhere without a display (CI,
grading, scripts) it falls back to the non-interactive Agg backend, so plotting never needs a
screen. Each function draws on ``ax`` when given, else on a new figure, and returns the Axes.
One file per module that teaches the plots, in course order.
"""
from recsys_lib.plots.shop import plot_daily_activity, plot_funnel, plot_rates_by_category  # module 00
from recsys_lib.plots.regression import (  # module 01
    plot_coefficients,
    plot_feature_scales,
    plot_loss_contours,
    plot_loss_curves,
    plot_predicted_vs_actual,
)
from recsys_lib.plots.classification import (  # module 02
    calibration_bins,
    plot_calibration,
    plot_roc_curves,
    plot_threshold_scan,
    plot_weights,
)
from recsys_lib.plots.features import (  # module 03
    plot_feature_importance,
    plot_heat_decay,
    plot_model_comparison,
    plot_time_windows,
)
from recsys_lib.plots.ranking import plot_cv_curve, plot_metric_curves, plot_ranking_table  # module 04
from recsys_lib.plots.svm import plot_cv_heatmap, plot_objective_along_ray, plot_svm_decision  # module 05
from recsys_lib.plots.nn import (  # module 06
    plot_accuracy_ladder,
    plot_activations,
    plot_optimizer_curves,
    plot_training_history,
)
from recsys_lib.plots.embeddings import plot_embedding_2d, plot_negative_sampling  # module 07
from recsys_lib.plots.sequences import plot_epoch_curves, plot_hit_rates_by_group  # module 08
from recsys_lib.plots.product import (  # module 09
    plot_exposure_share,
    plot_latency,
    plot_lift_intervals,
    plot_peeking,
    plot_psi,
    plot_targeting,
)

__all__ = [
    "plot_funnel", "plot_rates_by_category", "plot_daily_activity",                       # 00
    "plot_loss_curves", "plot_loss_contours", "plot_feature_scales", "plot_predicted_vs_actual",
    "plot_coefficients",                                                                  # 01
    "plot_roc_curves", "plot_calibration", "calibration_bins", "plot_weights", "plot_threshold_scan",  # 02
    "plot_heat_decay", "plot_model_comparison", "plot_feature_importance", "plot_time_windows",  # 03
    "plot_metric_curves", "plot_ranking_table", "plot_cv_curve",                          # 04
    "plot_svm_decision", "plot_cv_heatmap", "plot_objective_along_ray",                   # 05
    "plot_activations", "plot_optimizer_curves", "plot_training_history", "plot_accuracy_ladder",  # 06
    "plot_embedding_2d", "plot_negative_sampling",                                        # 07
    "plot_epoch_curves", "plot_hit_rates_by_group",                                       # 08
    "plot_lift_intervals", "plot_peeking", "plot_latency", "plot_psi", "plot_targeting",
    "plot_exposure_share",                                                                # 09
]

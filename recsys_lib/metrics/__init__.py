"""Evaluation metrics. Each function's docstring names the module that teaches it."""
from .ranking import hit_rate_at_k, mrr, ndcg_at_k, precision_at_k, recall_at_k

__all__ = ["hit_rate_at_k", "precision_at_k", "recall_at_k", "ndcg_at_k", "mrr"]

from recsys_lib.metrics.funnel import (  # noqa: E402  (module 00)
    cold_start_rates,
    daily_activity,
    engagement,
    funnel_counts,
    funnel_rates,
    rates_by_category,
)

__all__ += ["funnel_counts", "funnel_rates", "rates_by_category", "engagement",
            "daily_activity", "cold_start_rates"]

# Module 02 (logistic_regression): binary classification metrics.
from .classification import (
    BestThreshold,
    ConfusionCounts,
    accuracy,
    best_threshold,
    confusion_counts,
    f1_score,
    log_loss,
    precision,
    recall,
    roc_auc,
    roc_curve_points,
)

__all__ += [
    "accuracy",
    "precision",
    "recall",
    "f1_score",
    "confusion_counts",
    "ConfusionCounts",
    "roc_auc",
    "roc_curve_points",
    "best_threshold",
    "BestThreshold",
    "log_loss",
]

# Module 09 (from_model_to_product): A/B-test statistics and beyond-accuracy metrics.
from .ab_testing import (  # noqa: E402
    lift_table,
    peeking_false_positive_rate,
    power_two_proportions,
    relative_lift_ci,
    sample_size_per_arm,
    sequential_z,
    two_proportion_ztest,
)
from .beyond_accuracy import (  # noqa: E402
    beyond_accuracy_report,
    catalogue_coverage,
    exposure_share,
    head_items,
    head_share,
    intra_list_diversity,
    novelty,
)

__all__ += ["two_proportion_ztest", "lift_table", "relative_lift_ci", "sample_size_per_arm",
            "power_two_proportions", "sequential_z", "peeking_false_positive_rate",
            "catalogue_coverage", "intra_list_diversity", "novelty", "head_items", "head_share",
            "beyond_accuracy_report", "exposure_share"]

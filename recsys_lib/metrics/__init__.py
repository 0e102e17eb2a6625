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

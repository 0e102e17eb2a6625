"""Prediction tasks derived from ShopSim: the tables the model modules train on.

- :func:`units_sold_table` — module 01: units an item sells in a week.
- :func:`click_table`, :func:`true_click_weights` — module 02: will this impression be clicked?
- :func:`purchase_task` — module 03: will this shopper buy in the next 7 days?
"""
from recsys_lib.tasks.clicks import click_table, label_impressions, true_click_weights
from recsys_lib.tasks.units_sold import units_sold_table
from recsys_lib.tasks.purchases import (
    PREDICTION_TIME,
    PURCHASED,
    prediction_time_folds,
    purchase_feature_columns,
    purchase_labels,
    purchase_task,
)

__all__ = ["click_table", "label_impressions", "true_click_weights", "units_sold_table"]
__all__ += ["purchase_task", "purchase_labels", "purchase_feature_columns", "prediction_time_folds",
            "PREDICTION_TIME", "PURCHASED"]  # module 03

from recsys_lib.tasks.sessions import session_conversion_table  # noqa: E402  (module 02)

__all__ += ["session_conversion_table"]

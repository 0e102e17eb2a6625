"""Prediction tasks derived from ShopSim: the tables the model modules train on.

- :func:`units_sold_table` — module 01: units an item sells in a week.
- :func:`click_table`, :func:`true_click_weights` — module 02: will this impression be clicked?
- :func:`purchase_task` — module 03: will this shopper buy in the next 7 days?
- :func:`price_purchase_table` — module 05: the item is in the cart; will it be bought at this price?
- :func:`next_category_task`, :func:`next_category_oracle` — module 06: which category will they buy next?
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

from recsys_lib.tasks.price_purchase import (  # noqa: E402  (module 05)
    PRICE_PURCHASE_FEATURES,
    price_purchase_features,
    price_purchase_table,
)

__all__ += ["price_purchase_table", "price_purchase_features", "PRICE_PURCHASE_FEATURES"]  # module 05

from recsys_lib.tasks.next_category import (  # noqa: E402  (module 06)
    TOP_CATEGORIES,
    next_category_feature_columns,
    next_category_oracle,
    next_category_task,
)

__all__ += ["next_category_task", "next_category_feature_columns", "next_category_oracle",
            "TOP_CATEGORIES"]  # module 06

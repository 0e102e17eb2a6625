"""Item-week sales (module 01): how many units will an item sell next week?"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.simulation.truth import GeneratedShop


def units_sold_table(shop: GeneratedShop) -> pd.DataFrame:
    """One row per (item, full week of the log) from the second week on, for items launched
    before the week starts.

    Columns: ``item_id``, ``category``, ``week``, ``price``, ``log_price``, ``rating``,
    ``discount`` (the week's promotion from the shop's calendar), ``days_since_launch`` (at the
    week's start), ``units_prev_week``, ``category_click_share_prev_week`` (the item's
    category's share of all clicks in the previous week), and the target ``units`` (purchases
    in the week). Features use only the item, the calendar and the previous week, never the
    target week's events. Used in module 01 (linear_regression).
    """
    items, _, events = shop.tables
    cfg = shop.truth.config
    n_items, n_weeks = len(items), cfg.n_days // 7
    day = ((events[C.TIMESTAMP] - pd.Timestamp(cfg.start_date)).dt.days).to_numpy()
    week = day // 7
    in_log = week < n_weeks
    item = events[C.ITEM_ID].to_numpy(dtype=np.float64, na_value=0).astype(np.int64) - 1
    etype = events[C.EVENT_TYPE].to_numpy()

    buy = in_log & (etype == C.PURCHASE)
    units = np.bincount(item[buy] * n_weeks + week[buy], minlength=n_items * n_weeks).reshape(n_items, n_weeks)
    cat_codes = items[C.CATEGORY].cat.codes.to_numpy().astype(np.int64)
    click = in_log & (etype == C.CLICK)
    n_cat = len(items[C.CATEGORY].cat.categories)
    cat_clicks = np.bincount(cat_codes[item[click]] * n_weeks + week[click],
                             minlength=n_cat * n_weeks).reshape(n_cat, n_weeks)
    share = cat_clicks / np.maximum(cat_clicks.sum(axis=0, keepdims=True), 1)

    it, wk = np.meshgrid(np.arange(n_items), np.arange(1, n_weeks), indexing="ij")
    it, wk = it.ravel(), wk.ravel()
    launch = items[C.LAUNCH_DAY].to_numpy()[it]
    keep = launch <= wk * 7
    it, wk, launch = it[keep], wk[keep], launch[keep]
    price = items[C.PRICE].to_numpy()[it]
    return pd.DataFrame({
        C.ITEM_ID: it + 1,
        C.CATEGORY: items[C.CATEGORY].to_numpy()[it],
        C.WEEK: wk,
        C.PRICE: price,
        C.LOG_PRICE: np.log(price),
        C.RATING: items[C.RATING].to_numpy()[it],
        C.DISCOUNT: shop.truth.promotions[it, wk],
        C.DAYS_SINCE_LAUNCH: wk * 7 - launch,
        C.UNITS_PREV_WEEK: units[it, wk - 1],
        C.CATEGORY_CLICK_SHARE: share[cat_codes[it], wk - 1],
        C.UNITS: units[it, wk],
    })

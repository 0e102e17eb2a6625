"""Impression-level click prediction (module 02): will this impression be clicked?"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.simulation.truth import GeneratedShop


def label_impressions(events: pd.DataFrame) -> pd.DataFrame:
    """The impressions of an event log with a boolean ``clicked`` column.

    A click is credited to the latest earlier impression of the same item in the same session
    (each click to one impression). Taught in module 00 (shop_data); used in module 02.
    """
    imp = events.loc[events[C.EVENT_TYPE] == C.IMPRESSION]
    clk = events.loc[events[C.EVENT_TYPE] == C.CLICK, [C.SESSION_ID, C.ITEM_ID, C.TIMESTAMP]]
    key = [C.SESSION_ID, C.ITEM_ID]
    shown = imp[key + [C.TIMESTAMP]].assign(_row=np.arange(len(imp))).sort_values(C.TIMESTAMP, kind="stable")
    matched = pd.merge_asof(clk.sort_values(C.TIMESTAMP, kind="stable"), shown, on=C.TIMESTAMP, by=key,
                            direction="backward")
    clicked = np.zeros(len(imp), dtype=bool)
    clicked[matched["_row"].dropna().to_numpy(dtype=np.int64)] = True
    return imp.assign(**{C.CLICKED: clicked})


def click_table(shop: GeneratedShop, sample: int | None = None, seed: int = 0,
                with_true_affinity: bool = False) -> pd.DataFrame:
    """Features and label of every impression (or a seeded random ``sample`` of them).

    Columns: ``user_id``, ``item_id``, ``timestamp``, ``position``, ``log_position`` = ln k,
    ``rating_centered`` = rating - 4, ``log_price_ratio`` = ln(price / category median price),
    ``clicked`` (0/1), and with ``with_true_affinity=True`` the oracle-only latent taste match
    ``true_affinity`` = :math:`a_{ui}` (no real shop has it: it shows what the missing
    personalisation costs).

    ShopSim clicks follow :math:`\\sigma(\\beta_0 + \\beta_k \\ln k + a_{ui} + \\beta_r (r_i - 4) + \\beta_p \\rho_i)`,
    so a logistic regression on these columns can recover :func:`true_click_weights`.
    Used in module 02 (logistic_regression).
    """
    items, _, events = shop.tables
    imp = label_impressions(events)
    if sample is not None and sample < len(imp):
        rows = np.sort(np.random.default_rng(seed).choice(len(imp), size=sample, replace=False))
        imp = imp.iloc[rows]
    item_index = imp[C.ITEM_ID].to_numpy(dtype=np.int64) - 1
    rating = items[C.RATING].to_numpy()[item_index]
    table = pd.DataFrame({
        C.USER_ID: imp[C.USER_ID].to_numpy(),
        C.ITEM_ID: imp[C.ITEM_ID].to_numpy(dtype=np.int64),
        C.TIMESTAMP: imp[C.TIMESTAMP].to_numpy(),
        C.POSITION: imp[C.POSITION].to_numpy(dtype=np.int64),
        C.LOG_POSITION: np.log(imp[C.POSITION].to_numpy(dtype=np.float64)),
        C.RATING_CENTERED: rating - 4.0,
        C.LOG_PRICE_RATIO: shop.truth.log_price_ratio[item_index],
    })
    if with_true_affinity:
        truth, cfg = shop.truth, shop.truth.config
        users = table[C.USER_ID].to_numpy() - 1
        table[C.TRUE_AFFINITY] = cfg.taste_scale * np.einsum(
            "ij,ij->i", truth.user_factors[users], truth.item_factors[item_index]) / cfg.dim
    table[C.CLICKED] = imp[C.CLICKED].to_numpy().astype(np.int64)
    return table


def true_click_weights(shop: GeneratedShop) -> dict[str, float]:
    """The click model's true coefficients, keyed like :func:`click_table`'s columns
    (``"intercept"`` for :math:`\\beta_0`). Used in module 02 (logistic_regression)."""
    cfg = shop.truth.config
    return {"intercept": cfg.click_bias, C.LOG_POSITION: cfg.click_position, C.RATING_CENTERED: cfg.click_rating,
            C.LOG_PRICE_RATIO: cfg.click_price, C.TRUE_AFFINITY: 1.0}

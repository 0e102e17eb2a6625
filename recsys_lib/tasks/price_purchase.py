r"""Purchase at this price (module 05): the shopper has put an item in the cart — will they buy it?

One row per **add-to-cart event**, scored at that moment (its timestamp is the row's prediction
time :math:`\tau`); the label ``purchased`` is 1 when the same shopper buys the same item later in
the same session. Why the cart, not the click or the impression:

* the decision it supports is taken there: the checkout page can show a price incentive (a coupon,
  free shipping) to shoppers who are unlikely to buy *at this price*, and the price is fixed and
  known at that moment;
* every row is observed at the same kind of moment, whatever its label (the observation window
  does not depend on the outcome — module 02's lesson);
* the classes are balanced (58 % of carts are bought on the shipped shop), so accuracy and the
  hinge loss's margin pictures mean something; per click, 89 % of rows would be "no purchase";
* ShopSim's purchase, given the cart, is a single sigmoid (data card, step 8), so the oracle is the
  generator's exact probability for the row.

Features, all known at :math:`\tau` (events **strictly before** :math:`\tau`; the shopper's history
uses only events strictly before the session started):

=============================  ================================================================
``session_clicks``             clicks in this session before the cart (the carted item's own click
                               included)
``session_carts_before``       add-to-carts in this session before this one
``session_purchases_before``   purchases in this session before the cart
``seconds_in_session``         seconds from the session's first event to the cart
``past_carts``,                the shopper's add-to-carts and purchases in earlier sessions
``past_purchases``
``has_click_history``          1 if the shopper clicked anything in an earlier session
``log_price_vs_usual``         :math:`\ln p_{\text{now}} - \overline{\ln p}_{\text{clicked}}`: the
                               price the shopper sees now, :math:`p_{\text{now}} = \text{price}
                               \cdot (1 - \text{discount})`, against the geometric mean list price of
                               the items they clicked in earlier sessions (their "usual spend";
                               earlier purchases are too rare — most shoppers have none — so clicks
                               stand in); 0 without such clicks
``log_price_ratio``            :math:`\ln(\text{price} / \text{median list price of its category})`
``discount``                   the item's promotion discount that week (the shop's own calendar:
                               ``truth.promotions`` for ShopSim; the shopper sees it)
``rating_centered``            the item's rating minus 4
``device``                     the shopper's device
=============================  ================================================================

With the generator's truth (``shipped_shop()``), ``true_purchase_probability`` is the oracle:
:math:`\sigma(-2.6 + 0.8 a_{ui} + 0.4 q_i - 0.5 \lambda_u r_i + 4 \delta_{i,w} + e_{\text{device}})`,
the generator's own probability that this cart is bought (nothing any model could know better).

Taught in module 05 (svm).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.tasks.purchases import PREDICTION_TIME, PURCHASED

__all__ = ["PRICE_PURCHASE_FEATURES", "LOG_COLUMNS", "price_purchase_table", "price_purchase_features"]

#: count and duration columns of the table -> their ln(1 + x) column in the design matrix
LOG_COLUMNS = {name: f"log_{name}" for name in (C.SESSION_CLICKS, C.SESSION_CARTS_BEFORE, C.SECONDS_IN_SESSION,
                                                 C.PAST_CARTS, C.PAST_PURCHASES)}
#: the numeric design matrix of :func:`price_purchase_features`, in this order
PRICE_PURCHASE_FEATURES = (*LOG_COLUMNS.values(), C.PAST_CART_CONVERSION, C.HAS_CLICK_HISTORY,
                           C.LOG_PRICE_VS_USUAL, C.LOG_PRICE_RATIO, C.DISCOUNT, C.RATING_CENTERED,
                           C.DEVICE_MOBILE, C.DEVICE_TABLET)

_REQUIRED = (C.USER_ID, C.SESSION_ID, C.TIMESTAMP, C.EVENT_TYPE, C.ITEM_ID)
_BUY_AFFINITY, _BUY_PRICE = 0.8, 0.5          # literals of the purchase logit in simulation/generator.py


def _tables(shop):
    """(items, users, events, truth or None) from a GeneratedShop, a Shop or a 3-tuple."""
    truth = getattr(shop, "truth", None)
    tables = shop.tables if hasattr(shop, "tables") else shop
    items, users, events = tables
    return items, users, events, truth


def _count_before(left: pd.DataFrame, right: pd.DataFrame, by: str, at: str, values=()) -> pd.DataFrame:
    r"""For every row of ``left`` (key ``by``, time ``at``): how many rows of ``right`` with the same
    key have ``right[C.TIMESTAMP] < left[at]`` (strictly), and the sums of ``values`` over them.

    Running totals per key over the time-sorted ``right``, then one ``merge_asof`` with
    ``allow_exact_matches=False``. Returns a frame aligned with ``left`` (same index)."""
    right = right.sort_values(C.TIMESTAMP, kind="stable")
    state = pd.DataFrame({by: right[by].to_numpy(dtype=np.int64), "_t": right[C.TIMESTAMP].to_numpy()})
    state["_n"] = state.groupby(by).cumcount().to_numpy(dtype=np.float64) + 1.0
    for v in values:
        state[v] = right[v].to_numpy(dtype=np.float64)
        state[v] = state.groupby(by)[v].cumsum()
    query = pd.DataFrame({by: left[by].to_numpy(dtype=np.int64), "_t": left[at].to_numpy(),
                          "_row": np.arange(len(left))}).sort_values("_t", kind="stable")
    joined = pd.merge_asof(query, state, on="_t", by=by, allow_exact_matches=False, direction="backward")
    joined = joined.sort_values("_row").fillna({"_n": 0.0, **{v: 0.0 for v in values}})
    return pd.DataFrame({"n": joined["_n"].to_numpy(), **{v: joined[v].to_numpy() for v in values}},
                        index=left.index)


def _promotions(shop_truth, promotions, n_items: int) -> np.ndarray:
    if promotions is None:
        if shop_truth is None:
            raise ValueError("price_purchase_table needs the shop's promotion calendar: pass a GeneratedShop "
                             "(shipped_shop()), promotions=<array (n_items, n_weeks)>, or promotions=0.0 for "
                             "a shop without promotions")
        promotions = shop_truth.promotions
    calendar = np.asarray(promotions, dtype=np.float64)
    if calendar.ndim == 0:
        calendar = np.full((n_items, 1), float(calendar))
    if calendar.ndim != 2 or calendar.shape[0] < n_items:
        raise ValueError(f"promotions must have one row per item id (at least {n_items} rows, one column "
                         f"per week); got shape {calendar.shape}")
    if not np.all((calendar >= 0) & (calendar < 1)):
        raise ValueError("promotions holds discounts outside [0, 1)")
    return calendar


def price_purchase_table(shop, promotions=None, start_date=None) -> pd.DataFrame:
    r"""The module-05 table: one row per add-to-cart, features known at that moment, label after it.

    Parameters
    ----------
    shop : ``shipped_shop()`` (a GeneratedShop: its promotion calendar, start date and oracle are
        used), or ``(items, users, events)`` / ``load_shop()`` together with ``promotions``
    promotions : the shop's promotion calendar, shape (n_items, n_weeks): the discount of item id
        ``i`` in week ``w`` is ``promotions[i - 1, w]`` (weeks after the last column use the last
        column); a number for a constant discount (0.0: no promotions). Default: ``truth.promotions``
    start_date : day 0 of the week index (week = days since ``start_date`` // 7). Default: the
        generator's ``start_date``, else the midnight of the log's first event

    Returns
    -------
    DataFrame sorted by prediction time (ties by session, then item), index 0..n-1:
    ``user_id``, ``session_id``, ``item_id``, ``prediction_time`` (the cart's timestamp), the
    feature columns of the module docstring, ``purchased`` (int64: 1 if the shopper buys the
    item later in the same session; each purchase is credited to the latest cart of that item in
    that session at or before it) and, with the generator's truth, ``true_purchase_probability``.

    Vectorised: one ``merge_asof`` per count (no Python loop over events, carts or users).
    Taught in module 05 (svm).
    """
    items, users, events, truth = _tables(shop)
    missing = [c for c in _REQUIRED if c not in events.columns]
    if missing:
        raise ValueError(f"events lacks the column(s) {missing}")
    etype = events[C.EVENT_TYPE].astype(object).to_numpy()
    item_ids = events[C.ITEM_ID].to_numpy(dtype=np.float64, na_value=np.nan)
    is_cart, is_buy, is_click = (etype == C.ADD_TO_CART), (etype == C.PURCHASE), (etype == C.CLICK)
    bad = np.flatnonzero((is_cart | is_buy | is_click) & np.isnan(item_ids))
    if bad.size:
        raise ValueError(f"events row {int(bad[0])}: a {etype[bad[0]]} event without {C.ITEM_ID}")
    base = pd.DataFrame({C.USER_ID: events[C.USER_ID].to_numpy(dtype=np.int64),
                         C.SESSION_ID: events[C.SESSION_ID].to_numpy(dtype=np.int64),
                         C.ITEM_ID: np.nan_to_num(item_ids).astype(np.int64),
                         C.TIMESTAMP: pd.to_datetime(events[C.TIMESTAMP]).to_numpy()})
    carts = base[is_cart].assign(_pos=np.flatnonzero(is_cart))
    carts = carts.sort_values([C.TIMESTAMP, C.SESSION_ID, C.ITEM_ID], kind="stable").reset_index(drop=True)
    carts = carts.rename(columns={C.TIMESTAMP: PREDICTION_TIME})

    # label: each purchase credits the latest cart of the same (session, item) at or before it
    cart_key = carts[[C.SESSION_ID, C.ITEM_ID, PREDICTION_TIME]].assign(_cart=np.arange(len(carts)))
    buys = base[is_buy].rename(columns={C.TIMESTAMP: PREDICTION_TIME}).sort_values(PREDICTION_TIME, kind="stable")
    matched = pd.merge_asof(buys[[C.SESSION_ID, C.ITEM_ID, PREDICTION_TIME]], cart_key, on=PREDICTION_TIME,
                            by=[C.SESSION_ID, C.ITEM_ID], direction="backward")
    label = np.zeros(len(carts), dtype=np.int64)
    label[matched["_cart"].dropna().to_numpy(dtype=np.int64)] = 1

    # the session so far (strictly before the cart) and the shopper's earlier sessions
    starts = base.groupby(C.SESSION_ID)[C.TIMESTAMP].min()
    carts["_start"] = starts.reindex(carts[C.SESSION_ID]).to_numpy()
    out = carts[[C.USER_ID, C.SESSION_ID, C.ITEM_ID, PREDICTION_TIME]].copy()
    for name, mask in ((C.SESSION_CLICKS, is_click), (C.SESSION_CARTS_BEFORE, is_cart),
                       (C.SESSION_PURCHASES_BEFORE, is_buy)):
        out[name] = _count_before(carts, base[mask], C.SESSION_ID, PREDICTION_TIME)["n"].astype(np.int64)
    out[C.SECONDS_IN_SESSION] = (carts[PREDICTION_TIME] - carts["_start"]).dt.total_seconds().to_numpy()
    for name, mask in ((C.PAST_CARTS, is_cart), (C.PAST_PURCHASES, is_buy)):
        out[name] = _count_before(carts, base[mask], C.USER_ID, "_start")["n"].astype(np.int64)

    # prices: list price, category median, the discount of the week, the shopper's usual price level
    price = pd.Series(items[C.PRICE].to_numpy(dtype=np.float64), index=items[C.ITEM_ID].to_numpy(dtype=np.int64))
    category = pd.Series(items[C.CATEGORY].astype(str).to_numpy(), index=price.index)
    median = price.groupby(category).transform("median")
    unknown = np.setdiff1d(np.unique(base.loc[is_cart | is_click, C.ITEM_ID]), price.index.to_numpy())
    if unknown.size:
        raise ValueError(f"events refer to item_id {int(unknown[0])}, which is not in the items table")
    calendar = _promotions(truth, promotions, int(price.index.max()))
    if start_date is None:
        start_date = truth.config.start_date if truth is not None else base[C.TIMESTAMP].min().floor("D")
    week = ((carts[PREDICTION_TIME] - pd.Timestamp(start_date)) // pd.Timedelta(days=1)).to_numpy() // 7
    cart_item = carts[C.ITEM_ID].to_numpy()
    discount = calendar[cart_item - 1, np.clip(week, 0, calendar.shape[1] - 1)]
    clicks = base[is_click].assign(_logp=np.log(price.reindex(base.loc[is_click, C.ITEM_ID]).to_numpy()))
    usual = _count_before(carts, clicks, C.USER_ID, "_start", values=("_logp",))
    now = np.log(price.reindex(cart_item).to_numpy() * (1.0 - discount))
    has = usual["n"].to_numpy() > 0
    out[C.HAS_CLICK_HISTORY] = has.astype(np.int64)
    out[C.LOG_PRICE_VS_USUAL] = np.where(has, now - usual["_logp"].to_numpy() / np.maximum(usual["n"], 1), 0.0)
    out[C.LOG_PRICE_RATIO] = np.log(price / median).reindex(cart_item).to_numpy()
    out[C.DISCOUNT] = discount
    rating = pd.Series(items[C.RATING].to_numpy(dtype=np.float64), index=price.index)
    out[C.RATING_CENTERED] = rating.reindex(cart_item).to_numpy() - 4.0
    out[C.DEVICE] = users.set_index(C.USER_ID)[C.DEVICE].astype(str).reindex(out[C.USER_ID]).to_numpy()
    out[PURCHASED] = label
    if truth is not None:
        out[C.TRUE_PURCHASE_PROB] = _oracle(truth, out, carts["_pos"].to_numpy())
    return out


def _oracle(truth, table: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    r"""The generator's probability that each cart is bought (data card, step 8), with the discount
    of the week of the cart's browsing step, exactly as the generator drew it."""
    from recsys_lib.simulation.generator import DEVICE_EFFECT, DEVICES

    cfg = truth.config
    u = table[C.USER_ID].to_numpy() - 1
    i = table[C.ITEM_ID].to_numpy() - 1
    affinity = cfg.taste_scale * np.einsum("ij,ij->i", truth.user_factors[u], truth.item_factors[i]) / cfg.dim
    day = truth.step_day[truth.event_step[positions]]
    discount = truth.promotions[i, np.minimum(day // 7, truth.promotions.shape[1] - 1)]
    device = DEVICE_EFFECT[pd.Index(DEVICES).get_indexer(table[C.DEVICE].to_numpy())]
    logit = (cfg.buy_bias + _BUY_AFFINITY * affinity + cfg.buy_quality * truth.item_quality[i]
             - _BUY_PRICE * truth.user_price_sensitivity[u] * truth.log_price_ratio[i]
             + cfg.promo_effect * discount + device)
    return 0.5 * (1.0 + np.tanh(0.5 * logit))


def price_purchase_features(table: pd.DataFrame) -> pd.DataFrame:
    r"""The numeric design matrix of a :func:`price_purchase_table`, columns
    :data:`PRICE_PURCHASE_FEATURES` (not standardised: fit a scaler on training rows only).

    Counts and durations get :math:`\ln(1 + x)` (long tails); ``past_cart_conversion`` is the
    shopper's smoothed share of earlier carts that were bought, :math:`(n_{\text{purchase}} + 1) /
    (n_{\text{cart}} + 2)` (0.5 for a shopper without earlier carts); the device becomes two 0/1
    columns (desktop is the reference). Taught in module 05 (svm).
    """
    X = pd.DataFrame(index=table.index)
    for name, log_name in LOG_COLUMNS.items():
        X[log_name] = np.log1p(table[name].to_numpy(dtype=np.float64))
    X[C.PAST_CART_CONVERSION] = (table[C.PAST_PURCHASES] + 1.0) / (table[C.PAST_CARTS] + 2.0)
    for name in (C.HAS_CLICK_HISTORY, C.LOG_PRICE_VS_USUAL, C.LOG_PRICE_RATIO, C.DISCOUNT, C.RATING_CENTERED):
        X[name] = table[name].to_numpy(dtype=np.float64)
    X[C.DEVICE_MOBILE] = (table[C.DEVICE] == "mobile").to_numpy(dtype=np.float64)
    X[C.DEVICE_TABLET] = (table[C.DEVICE] == "tablet").to_numpy(dtype=np.float64)
    return X[list(PRICE_PURCHASE_FEATURES)]

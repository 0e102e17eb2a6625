r"""Which category will they buy next? (module 06): the table, and its Bayes oracle.

One row per **purchase** event. The prediction time :math:`\tau` is the start of the browsing step
(one results page: an optional search, then a result list) in which the purchase happens, so the
features see everything the shopper did before that page and nothing of it — not even its search
query, which would name the category. The label is the purchased item's top-level category
(``C.NEXT_CATEGORY``, and its index ``C.NEXT_CATEGORY_CODE`` in :data:`TOP_CATEGORIES`, 6 classes).
Several purchases from the same page share :math:`\tau`, features and label.

Features, all from events strictly before :math:`\tau` (:func:`next_category_feature_columns`):

* ``click_share=<top>``, ``cart_share=<top>``, ``purchase_share=<top>`` (6 each): recency-weighted
  shares of the shopper's clicks, add-to-carts and purchases per top category, an event
  :math:`\Delta` days old weighing :math:`2^{-\Delta/T_{1/2}}` (0 without any such event);
* ``log_clicks``, ``log_carts``, ``log_purchases``: :math:`\ln(1 + \text{count})`;
* ``new_session``: 1 if the page opens a session (no earlier event in it);
* ``last_view=<leaf>`` (21): the leaf category of the session's last result list before
  :math:`\tau` (all 0 for a new session);
* ``device=<device>`` (3).

The oracle (:func:`next_category_oracle`) is the Bayes classifier given the generator's latent state
at :math:`\tau`: the shopper's taste and price sensitivity, the intent of the session's previous
step (or, on a session's first step, the taste-driven start distribution), the day and device. It
knows more than any log can reveal, so its accuracy is a ceiling, not a target.

Taught in module 06 (neural_networks_backprop).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.simulation import catalogue
from recsys_lib.simulation import generator as _generator
from recsys_lib.tasks.purchases import PREDICTION_TIME

__all__ = ["TOP_CATEGORIES", "LEAF_CATEGORIES", "next_category_task", "next_category_feature_columns",
           "next_category_oracle"]

#: the 6 classes, in label-code order
TOP_CATEGORIES = catalogue.TOP_CATEGORIES
#: the 21 leaf categories (``last_view=`` features)
LEAF_CATEGORIES = catalogue.CATEGORIES
_LEAF_TOP = np.array([TOP_CATEGORIES.index(catalogue.top_of(c)) for c in LEAF_CATEGORIES])
_HEAT_TYPES = ((C.CLICK, C.CLICK_SHARE_PREFIX, C.LOG_CLICKS), (C.ADD_TO_CART, C.CART_SHARE_PREFIX, C.LOG_CARTS),
               (C.PURCHASE, C.PURCHASE_SHARE_PREFIX, C.LOG_PURCHASES))
_DAY = pd.Timedelta(days=1)


def next_category_feature_columns() -> list[str]:
    """The 46 feature columns of :func:`next_category_task`, in table order. Taught in module 06."""
    cols = [prefix + top for _, prefix, _ in _HEAT_TYPES for top in TOP_CATEGORIES]
    cols += [log for _, _, log in _HEAT_TYPES] + [C.NEW_SESSION]
    cols += [C.LAST_VIEW_PREFIX + leaf for leaf in LEAF_CATEGORIES]
    return cols + [C.DEVICE_PREFIX + d for d in _generator.DEVICES]


def _require_truth(shop):
    if not (hasattr(shop, "tables") and hasattr(shop, "truth")):
        raise TypeError("next_category_task needs a generated shop with its truth (recsys_lib.simulation."
                        "shipped_shop() or generate_shop(...)): the prediction time is the start of the "
                        f"purchase's browsing step; got {type(shop).__name__}")
    return shop.tables, shop.truth


def _step_starts(events: pd.DataFrame, step: np.ndarray) -> pd.Series:
    """Time of the first event of every step (steps are contiguous blocks of a user's log)."""
    first = np.flatnonzero(np.r_[True, step[1:] != step[:-1]])
    return pd.Series(events[C.TIMESTAMP].to_numpy()[first], index=step[first])


def _purchase_rows(shop) -> pd.DataFrame:
    (items, _, events), truth = _require_truth(shop)
    step = np.asarray(truth.event_step)
    is_buy = (events[C.EVENT_TYPE] == C.PURCHASE).to_numpy()
    starts = _step_starts(events, step)
    item_leaf = pd.Series(truth.item_category, index=items[C.ITEM_ID].to_numpy())
    bought = events[C.ITEM_ID].to_numpy()[is_buy].astype(np.int64)
    code = _LEAF_TOP[item_leaf.loc[bought].to_numpy()]
    rows = pd.DataFrame({
        C.USER_ID: events[C.USER_ID].to_numpy()[is_buy],
        C.SESSION_ID: events[C.SESSION_ID].to_numpy()[is_buy],
        PREDICTION_TIME: starts.loc[step[is_buy]].to_numpy(),
        C.NEXT_CATEGORY: pd.Categorical(np.array(TOP_CATEGORIES, dtype=object)[code], categories=TOP_CATEGORIES),
        C.NEXT_CATEGORY_CODE: code.astype(np.int64),
    })
    return rows.sort_values([PREDICTION_TIME, C.USER_ID], kind="stable", ignore_index=True)


def _asof(rows: pd.DataFrame, right: pd.DataFrame, by: str) -> pd.DataFrame:
    """For each row, the last ``right`` record of the same ``by`` strictly before the row's time."""
    left = rows[[by, PREDICTION_TIME]].assign(_row=np.arange(len(rows)))
    merged = pd.merge_asof(left.sort_values(PREDICTION_TIME, kind="stable"),
                           right.sort_values(C.TIMESTAMP, kind="stable"), left_on=PREDICTION_TIME,
                           right_on=C.TIMESTAMP, by=by, allow_exact_matches=False)
    return merged.sort_values("_row", kind="stable").reset_index(drop=True)


def _heat_features(rows, events, item_top, half_life_days) -> dict:
    start = events[C.TIMESTAMP].min().floor("D")
    span = (rows[PREDICTION_TIME].max() - start) / _DAY
    if span / half_life_days > 1000:
        raise ValueError(f"half_life_days={half_life_days} is too small for a log of {span:.0f} days "
                         "(2^(days / half-life) would overflow)")
    n_top = len(TOP_CATEGORIES)
    sel = events[C.EVENT_TYPE].isin([t for t, _, _ in _HEAT_TYPES]).to_numpy()
    ev = events.loc[sel, [C.USER_ID, C.TIMESTAMP, C.EVENT_TYPE, C.ITEM_ID]]
    kind = pd.Index([t for t, _, _ in _HEAT_TYPES]).get_indexer(ev[C.EVENT_TYPE].astype(str))
    top = item_top.loc[ev[C.ITEM_ID].to_numpy(dtype=np.int64)].to_numpy()
    # sum of 2^{-(tau - t)/h} = 2^{-tau/h} * (running sum of 2^{t/h}): one cumulative sum per user
    t_days = ((ev[C.TIMESTAMP] - start) / _DAY).to_numpy(dtype=np.float64)
    running = np.zeros((len(ev), 3 * n_top + 3))
    running[np.arange(len(ev)), kind * n_top + top] = np.exp2(t_days / half_life_days)
    running[np.arange(len(ev)), 3 * n_top + kind] = 1.0
    cols = [f"_h{k}" for k in range(running.shape[1])]
    cum = pd.DataFrame(running, columns=cols).groupby(ev[C.USER_ID].to_numpy()).cumsum()
    cum[C.USER_ID] = ev[C.USER_ID].to_numpy()
    cum[C.TIMESTAMP] = ev[C.TIMESTAMP].to_numpy()
    got = _asof(rows, cum, C.USER_ID)[cols].fillna(0.0).to_numpy()
    tau_days = ((rows[PREDICTION_TIME] - start) / _DAY).to_numpy(dtype=np.float64)
    heat = got[:, :3 * n_top] * np.exp2(-tau_days / half_life_days)[:, None]
    out = {}
    for k, (_, prefix, log_name) in enumerate(_HEAT_TYPES):
        h = heat[:, k * n_top:(k + 1) * n_top]
        total = h.sum(axis=1, keepdims=True)
        share = np.divide(h, total, out=np.zeros_like(h), where=total > 0)
        out.update({prefix + name: share[:, j] for j, name in enumerate(TOP_CATEGORIES)})
    for k, (_, _, log_name) in enumerate(_HEAT_TYPES):
        out[log_name] = np.log1p(got[:, 3 * n_top + k])
    return out


def next_category_task(shop, half_life_days: float = 7.0) -> pd.DataFrame:
    r"""The module-06 table: one row per purchase, features as of the start of its page.

    Taught in module 06 (neural_networks_backprop).

    Parameters
    ----------
    shop : a generated shop with its truth (``recsys_lib.simulation.shipped_shop()``)
    half_life_days : :math:`T_{1/2}` of the recency weights of the share features

    Returns
    -------
    DataFrame with ``C.USER_ID``, ``C.SESSION_ID``, ``prediction_time`` (:math:`\tau`),
    ``C.NEXT_CATEGORY`` (categorical), ``C.NEXT_CATEGORY_CODE`` (int 0..5) and the float columns of
    :func:`next_category_feature_columns`; sorted by :math:`\tau`, then user.
    """
    if not (np.isscalar(half_life_days) and half_life_days > 0):
        raise ValueError(f"half_life_days must be a positive number; got {half_life_days!r}")
    (items, users, events), truth = _require_truth(shop)
    rows = _purchase_rows(shop)
    item_leaf = pd.Series(truth.item_category, index=items[C.ITEM_ID].to_numpy())
    item_top = pd.Series(_LEAF_TOP[item_leaf.to_numpy()], index=item_leaf.index)
    features = _heat_features(rows, events, item_top, float(half_life_days))

    imp = events.loc[events[C.EVENT_TYPE] == C.IMPRESSION, [C.SESSION_ID, C.TIMESTAMP, C.ITEM_ID]]
    imp = pd.DataFrame({C.SESSION_ID: imp[C.SESSION_ID].to_numpy(), C.TIMESTAMP: imp[C.TIMESTAMP].to_numpy(),
                        "_leaf": item_leaf.loc[imp[C.ITEM_ID].to_numpy(dtype=np.int64)].to_numpy()})
    leaf = _asof(rows, imp, C.SESSION_ID)["_leaf"].to_numpy()
    any_before = _asof(rows, events[[C.SESSION_ID, C.TIMESTAMP]].assign(_seen=1.0), C.SESSION_ID)["_seen"]
    features[C.NEW_SESSION] = any_before.isna().to_numpy().astype(np.float64)
    for j, name in enumerate(LEAF_CATEGORIES):
        features[C.LAST_VIEW_PREFIX + name] = (leaf == j).astype(np.float64)
    device = users.set_index(C.USER_ID)[C.DEVICE].astype(str).reindex(rows[C.USER_ID]).to_numpy()
    for d in _generator.DEVICES:
        features[C.DEVICE_PREFIX + d] = (device == d).astype(np.float64)
    table = pd.concat([rows, pd.DataFrame(features)[next_category_feature_columns()]], axis=1)
    return table


# ------------------------------------------------------------------------------------------------
# the oracle
# ------------------------------------------------------------------------------------------------
def _one_hot(codes: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((len(codes), n))
    out[np.arange(len(codes)), codes] = 1.0
    return out


def _start_intent_probabilities(truth, user_index: np.ndarray) -> np.ndarray:
    r"""P(category of a session's first step | taste) = softmax_c(s <u, mu_c>/d + log share_c),
    with the leaf centroids and category shares the generator keeps in the truth."""
    cfg = truth.config
    logits = (cfg.intent_temperature * (truth.user_factors[user_index] @ truth.category_centroids.T) / cfg.dim
              + np.log(truth.category_share))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    return p / p.sum(axis=1, keepdims=True)


def _expected_purchases_by_leaf(truth, user_index, day, device_effect) -> np.ndarray:
    r"""E[number of purchases on a page of category c | user, day], shape (n, n_leaves):
    :math:`\sum_{i \in c} [\text{launched}] \sum_k p_i (1-p_i)^{k-1} \sigma(\ell_{uik})\,
    \sigma(\text{cart}_{ui})\,\sigma(\text{buy}_{ui})` (item i first drawn at slot k)."""
    cfg = truth.config
    sig = _generator._sigmoid
    k = np.arange(1, cfg.slots + 1)
    p = truth.exposure_prob
    first_draw = p[None, :] * (1.0 - p[None, :]) ** (k[:, None] - 1)                    # (S, items)
    static = cfg.click_bias + cfg.click_rating * (truth.item_rating - 4.0) + cfg.click_price * truth.log_price_ratio
    aff = truth.affinity(user_index)                                                    # (n, items)
    click = np.einsum("nki,ki->ni", sig(aff[:, None, :] + static[None, None, :]
                                        + cfg.click_position * np.log(k)[None, :, None]), first_draw)
    lam = truth.user_price_sensitivity[user_index][:, None]
    weeks = np.minimum(day // 7, truth.promotions.shape[1] - 1)
    discount = truth.promotions[:, weeks].T                                             # (n, items)
    q, lpr = truth.item_quality[None, :], truth.log_price_ratio[None, :]
    cart = sig(cfg.cart_bias + aff + cfg.cart_quality * q - lam * lpr + cfg.promo_effect * discount
               + device_effect[:, None])
    buy = sig(cfg.buy_bias + 0.8 * aff + cfg.buy_quality * q - 0.5 * lam * lpr + cfg.promo_effect * discount
              + device_effect[:, None])
    per_item = click * cart * buy * (truth.item_launch_day[None, :] <= day[:, None])
    return per_item @ _one_hot(truth.item_category, len(LEAF_CATEGORIES))


def next_category_oracle(shop, table: pd.DataFrame, batch_size: int = 256) -> np.ndarray:
    r"""The Bayes posterior over the 6 top categories for every row of ``table``, shape (n, 6).

    Taught in module 06 (neural_networks_backprop).

    For the page at :math:`\tau` the generator draws its leaf category :math:`c` from
    :math:`\pi(c) = T[c_{t-1}, c]` (the previous step's intent :math:`c_{t-1}`) or, on a session's
    first page, from the taste-driven start distribution; then the expected number of purchases on
    the page is :math:`N(c)` (:func:`_expected_purchases_by_leaf`: exposure, clicks with position
    bias, add-to-cart and purchase given the user's taste, price sensitivity, device and the
    day's promotions). A purchase row therefore has category :math:`c` with probability
    :math:`\pi(c) N(c) / \sum_{c'} \pi(c') N(c')`, summed over the leaves of each top category.
    Ranking by it gives the best accuracy and top-k accuracy any model can have on these rows.
    """
    (_, users, events), truth = _require_truth(shop)
    step = np.asarray(truth.event_step)
    starts = _step_starts(events, step)
    key = pd.MultiIndex.from_arrays([truth.step_session[starts.index.to_numpy()], starts.to_numpy()])
    where = pd.Series(starts.index.to_numpy(), index=key)
    lookup = pd.MultiIndex.from_arrays([table[C.SESSION_ID].to_numpy(), table[PREDICTION_TIME].to_numpy()])
    steps = where.reindex(lookup).to_numpy()
    if pd.isna(steps).any():
        bad = int(np.flatnonzero(pd.isna(steps))[0])
        raise ValueError(f"table row {bad}: no page of session {table[C.SESSION_ID].iloc[bad]} starts at "
                         f"{table[PREDICTION_TIME].iloc[bad]} (is the table from next_category_task(shop)?)")
    steps = steps.astype(np.int64)
    user_index = table[C.USER_ID].to_numpy(dtype=np.int64) - 1
    device = users.set_index(C.USER_ID)[C.DEVICE].astype(str).reindex(table[C.USER_ID]).to_numpy()
    device_effect = _generator.DEVICE_EFFECT[pd.Index(_generator.DEVICES).get_indexer(device)]
    first_page = truth.step_index[steps] == 0
    prior = truth.transition[truth.step_category[np.maximum(steps - 1, 0)]]
    if first_page.any():
        prior[first_page] = _start_intent_probabilities(truth, user_index[first_page])
    out = np.empty((len(table), len(TOP_CATEGORIES)))
    for lo in range(0, len(table), batch_size):
        sl = slice(lo, lo + batch_size)
        post = prior[sl] * _expected_purchases_by_leaf(truth, user_index[sl], truth.step_day[steps[sl]],
                                                        device_effect[sl])
        post /= post.sum(axis=1, keepdims=True)
        out[sl] = post @ _one_hot(_LEAF_TOP, len(TOP_CATEGORIES))
    return out

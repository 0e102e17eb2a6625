r"""Shopper-level purchase prediction (module 03): will this shopper buy in the next 7 days?

One row per (user, prediction time :math:`\tau`): the prediction times are day boundaries
(midnight) every ``step_days`` days; a user gets a row at :math:`\tau` when they had at least one
event before :math:`\tau`. The label is 1 when the user purchases at least once in
:math:`[\tau, \tau + h)` (:math:`h` = ``horizon_days``). Every feature is computed from events
**strictly before** :math:`\tau` with the module-03 feature library (:mod:`recsys_lib.features`),
so the table can be used to train on early prediction times and test on later ones exactly as a
shop would in production.

Taught in module 03 (feature_engineering); the model comparison of that module trains on it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.features import (
    behaviour_heat,
    cyclic_time_features,
    point_in_time_join,
    price_buckets,
    split_category,
)

__all__ = [
    "PREDICTION_TIME",
    "PURCHASED",
    "HEAT_EVENT_TYPES",
    "purchase_prediction_times",
    "purchase_labels",
    "purchase_task",
    "purchase_feature_columns",
    "prediction_time_folds",
]

#: column of the prediction time :math:`\tau` (a midnight)
PREDICTION_TIME = "prediction_time"
#: the label: 1 if the user purchases in [tau, tau + horizon)
PURCHASED = "purchased"
#: event types that get a time-decayed heat column
HEAT_EVENT_TYPES = (C.IMPRESSION, C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)

_DAY = pd.Timedelta(days=1)
_USER_ATTRIBUTES = (C.DEVICE, C.REGION, C.AGE_BAND)


def _tables(shop):
    """(items, users, events) from a Shop, a GeneratedShop or a 3-tuple."""
    if hasattr(shop, "tables"):
        shop = shop.tables
    items, users, events = shop
    return items, users, events


def purchase_prediction_times(events: pd.DataFrame, first_day: int = 14, step_days: int = 7,
                              horizon_days: int = 7) -> pd.DatetimeIndex:
    r"""Prediction times :math:`\tau_k = d_0 + (\text{first\_day} + k\cdot\text{step\_days})` days,
    where :math:`d_0` is the midnight starting the log, for every :math:`k \ge 0` whose label window
    :math:`[\tau_k, \tau_k + h)` ends by the end of the log's last day. Taught in module 03."""
    if first_day < 1 or step_days < 1 or horizon_days < 1:
        raise ValueError("first_day, step_days and horizon_days must be positive")
    start = events[C.TIMESTAMP].min().floor("D")
    end = events[C.TIMESTAMP].max().floor("D") + _DAY
    n_days = (end - start) // _DAY
    days = np.arange(first_day, n_days - horizon_days + 1, step_days)
    return pd.DatetimeIndex(start + pd.to_timedelta(days, unit="D"), name=PREDICTION_TIME)


def purchase_labels(events: pd.DataFrame, times, horizon_days: int = 7) -> pd.DataFrame:
    r"""The (user, prediction time) rows and their label.

    A user has a row at :math:`\tau` when they have an event before :math:`\tau`; the label is
    :math:`y = [\,n_{\text{purchase}}(\tau + h) - n_{\text{purchase}}(\tau) > 0\,]` where
    :math:`n_{\text{purchase}}(t)` counts the user's purchases strictly before :math:`t`, i.e.
    "at least one purchase in :math:`[\tau, \tau+h)`" — the same point-in-time join as the
    features, shifted by the horizon. Columns ``user_id``, ``prediction_time``, ``purchased``
    (int64), sorted by time then user. Taught in module 03 (feature_engineering).
    """
    times = pd.DatetimeIndex(times)
    first_seen = events.groupby(C.USER_ID, sort=True)[C.TIMESTAMP].min()
    users = np.repeat(first_seen.index.to_numpy(dtype=np.int64), len(times))
    at = np.tile(times.to_numpy(), len(first_seen))
    active = np.repeat(first_seen.to_numpy(), len(times)) < at
    rows = pd.DataFrame({C.USER_ID: users[active], PREDICTION_TIME: at[active]})
    rows = rows.sort_values([PREDICTION_TIME, C.USER_ID], kind="stable", ignore_index=True)
    horizon = pd.Timedelta(days=horizon_days)
    before = point_in_time_join(rows, events, event_types=(C.PURCHASE,), time_col=PREDICTION_TIME)
    after = point_in_time_join(rows.assign(**{PREDICTION_TIME: rows[PREDICTION_TIME] + horizon}), events,
                               event_types=(C.PURCHASE,), time_col=PREDICTION_TIME)
    n_in_window = after[f"n_{C.PURCHASE}"].to_numpy() - before[f"n_{C.PURCHASE}"].to_numpy()
    rows[PURCHASED] = (n_in_window > 0).astype(np.int64)
    return rows


def _one_hot(values: pd.Series, prefix: str, vocabulary) -> pd.DataFrame:
    codes = pd.Index(vocabulary).get_indexer(values.astype(object))
    out = np.zeros((len(values), len(vocabulary)), dtype=np.float64)
    ok = codes >= 0
    out[np.flatnonzero(ok), codes[ok]] = 1.0
    return pd.DataFrame(out, columns=[f"{prefix}={v}" for v in vocabulary], index=values.index)


def purchase_task(shop, horizon_days: int = 7, step_days: int = 7, first_day: int = 14,
                  half_life_days: float = 7.0, n_price_buckets: int = 5, n_users: int | None = None,
                  seed: int = 0) -> pd.DataFrame:
    r"""The purchase-prediction table of module 03: features as of :math:`\tau`, label after it.

    Parameters
    ----------
    shop : ``load_shop()``, ``shipped_shop()`` or a tuple ``(items, users, events)``
    horizon_days : :math:`h`, the label window :math:`[\tau, \tau + h)`
    step_days, first_day : prediction times every ``step_days`` days from day ``first_day`` of the
        log (see :func:`purchase_prediction_times`)
    half_life_days : :math:`T_{1/2}` of the heat features
    n_price_buckets : equal-frequency price buckets, edges from the catalogue's list prices
    n_users : keep a seeded random sample of this many users (None: all)
    seed : seed of that sample

    Returns
    -------
    DataFrame sorted by prediction time, then user, with ``user_id``, ``prediction_time``, the
    feature columns (:func:`purchase_feature_columns`) and the label ``purchased`` (0/1).
    Features, all from events strictly before :math:`\tau`:

    * ``n_<type>`` for every event type, ``monetary`` (sum of ``price_paid``),
      ``days_since_last_event``, ``days_since_last_purchase`` (recency; a user who never bought
      gets the length of the observed history, :math:`\tau - d_0`, in days) — from
      :func:`~recsys_lib.features.point_in_time_join` (so ``n_purchase`` and ``monetary`` are the
      frequency and monetary value of RFM);
    * ``heat_<type>`` for :data:`HEAT_EVENT_TYPES`: :math:`\sum 2^{-(\tau - t_e)/T_{1/2}}`
      (:func:`~recsys_lib.features.behaviour_heat`);
    * ``last_hour_sin/cos``, ``last_weekday_sin/cos``: cyclic encoding of the time of the user's
      last event (:func:`~recsys_lib.features.cyclic_time_features`);
    * ``tenure_days``: days since sign-up;
    * ``device=…``, ``region=…``, ``age_band=…``: one-hot user attributes;
    * ``click_share=<top category>``: share of the user's past clicks per top-level category
      (0 without clicks);
    * ``click_price_bucket``: mean price bucket (0 … B-1) of the clicked items
      (:func:`~recsys_lib.features.price_buckets`; (B-1)/2 without clicks).

    Vectorised: group-bys and as-of joins over the log; the only Python loop runs over the few
    prediction times. Taught in module 03 (feature_engineering).
    """
    items, users, events = _tables(shop)
    if n_users is not None:
        ids = np.sort(users[C.USER_ID].to_numpy())
        keep = np.random.default_rng(seed).choice(ids, size=min(int(n_users), ids.size), replace=False)
        users = users.loc[users[C.USER_ID].isin(keep)]
        events = events.loc[events[C.USER_ID].isin(keep).to_numpy()]
    start = events[C.TIMESTAMP].min().floor("D")
    times = purchase_prediction_times(events, first_day, step_days, horizon_days)
    table = purchase_labels(events, times, horizon_days)
    label = table.pop(PURCHASED)
    at = table[PREDICTION_TIME]
    history_days = ((at - start) / _DAY).to_numpy(dtype=np.float64)

    # counts, RFM and recency at every (user, tau): one as-of join for all rows
    table = point_in_time_join(table, events, event_types=C.EVENT_TYPES, time_col=PREDICTION_TIME)
    never = table["days_since_last_purchase"].isna().to_numpy()
    table.loc[never, "days_since_last_purchase"] = history_days[never]

    # heat, click shares and clicked price buckets: one block per prediction time
    top = split_category(items[C.CATEGORY])["top"]
    top_of_item = pd.Series(top.to_numpy(dtype=object), index=items[C.ITEM_ID].to_numpy())
    tops = np.sort(top.dropna().unique().astype(str))
    codes, _ = price_buckets(items[C.PRICE].to_numpy(dtype=np.float64), n_buckets=n_price_buckets)
    bucket_of_item = pd.Series(codes.astype(np.float64), index=items[C.ITEM_ID].to_numpy())
    clicks = events.loc[(events[C.EVENT_TYPE] == C.CLICK).to_numpy() & events[C.ITEM_ID].notna().to_numpy()]
    click_item = clicks[C.ITEM_ID].to_numpy(dtype=np.int64)
    clicks = pd.DataFrame({C.USER_ID: clicks[C.USER_ID].to_numpy(), C.TIMESTAMP: clicks[C.TIMESTAMP].to_numpy(),
                           "_top": top_of_item.reindex(click_item).to_numpy(),
                           "_bucket": bucket_of_item.reindex(click_item).to_numpy()})
    blocks = []
    for tau, rows in table.groupby(PREDICTION_TIME, sort=True):  # a handful of prediction times
        user_index = pd.Index(rows[C.USER_ID].to_numpy(), name=C.USER_ID)
        heat = behaviour_heat(events, tau, half_life_days, event_types=HEAT_EVENT_TYPES).reindex(
            user_index, fill_value=0.0)
        past = clicks.loc[clicks[C.TIMESTAMP] < tau]
        share = pd.crosstab(past[C.USER_ID], past["_top"]).reindex(columns=tops, fill_value=0)
        share = share.div(share.sum(axis=1).clip(lower=1), axis=0).reindex(user_index, fill_value=0.0)
        share.columns = [f"click_share={t}" for t in tops]
        bucket = past.groupby(C.USER_ID)["_bucket"].mean().reindex(user_index)
        block = pd.concat([heat, share.astype(np.float64)], axis=1)
        block["click_price_bucket"] = bucket.fillna((n_price_buckets - 1) / 2).to_numpy()
        block.index = rows.index
        blocks.append(block)
    table = pd.concat([table, pd.concat(blocks).loc[table.index]], axis=1)

    # cyclic time of the last event, tenure and user attributes
    last = at - pd.to_timedelta(table["days_since_last_event"], unit="D")
    cyc = cyclic_time_features(last.dt.round("s"))
    cyc.columns = [f"last_{c}" for c in cyc.columns]
    table = pd.concat([table, cyc.set_axis(table.index)], axis=1)
    attrs = users.set_index(C.USER_ID)
    signup = attrs[C.SIGNUP_DAY].reindex(table[C.USER_ID]).to_numpy(dtype=np.float64)
    table["tenure_days"] = history_days - signup
    onehots = []
    for col in _USER_ATTRIBUTES:
        values = attrs[col].astype(str)
        onehots.append(_one_hot(values.reindex(table[C.USER_ID]).set_axis(table.index), col,
                                np.sort(values.unique())))
    table = pd.concat([table] + onehots, axis=1)
    table[PURCHASED] = label.to_numpy()
    return table.reset_index(drop=True)


def purchase_feature_columns(table: pd.DataFrame) -> list[str]:
    """The feature columns of a :func:`purchase_task` table (everything but the user, the
    prediction time and the label). Taught in module 03 (feature_engineering)."""
    return [c for c in table.columns if c not in (C.USER_ID, PREDICTION_TIME, PURCHASED)]


def prediction_time_folds(times, n_splits: int = 3, gap: int = 0):
    r"""Time-aware cross-validation folds for rows with prediction times.

    ``TimeSeriesSplit`` over the **distinct** prediction times (sorted): fold :math:`k` trains on
    every row whose time is among the first ones and validates on the rows of the next time(s),
    so no validation row is older than a training row and rows of one time are never split.
    ``gap`` skips that many prediction times between train and validation (use it when the label
    window is longer than the step between times). Returns a list of ``(train_rows,
    validation_rows)`` integer arrays, usable as ``cv=`` in scikit-learn's ``GridSearchCV`` or
    ``cross_val_score``. Taught in module 03 (feature_engineering).
    """
    from sklearn.model_selection import TimeSeriesSplit

    t = pd.DatetimeIndex(pd.to_datetime(np.asarray(times)))
    distinct = np.unique(t.to_numpy())
    codes = np.searchsorted(distinct, t.to_numpy())
    folds = []
    for train_t, val_t in TimeSeriesSplit(n_splits=n_splits, gap=gap).split(distinct):
        folds.append((np.flatnonzero(np.isin(codes, train_t)), np.flatnonzero(np.isin(codes, val_t))))
    return folds

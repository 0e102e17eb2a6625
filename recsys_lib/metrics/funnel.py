"""Funnel and engagement metrics of a shop's event log.

Taught in module 00 (shop_data). All functions are vectorised pandas (no Python loops over
events or users) and take the ``events`` table of ``recsys_lib.data.load_shop()``.
"""
from __future__ import annotations

import pandas as pd

from recsys_lib import columns as C

#: Names of the step-to-step funnel rates, in funnel order.
CTR = "ctr"                            # clicks / impressions
ADD_TO_CART_RATE = "add_to_cart_rate"  # add_to_cart / clicks
CONVERSION_RATE = "conversion_rate"    # purchases / clicks
RATES = (CTR, ADD_TO_CART_RATE, CONVERSION_RATE)

#: Names of the engagement statistics.
ENGAGEMENT = ("users", "sessions", "sessions_per_user", "events_per_session")


def funnel_counts(events: pd.DataFrame) -> pd.Series:
    """Number of events of each funnel stage, indexed by ``C.FUNNEL`` in funnel order (int64).

    Taught in module 00 (shop_data).
    """
    types = events[C.EVENT_TYPE].astype(object)
    counts = types.value_counts().reindex(list(C.FUNNEL), fill_value=0).astype("int64")
    counts.index.name = C.EVENT_TYPE
    counts.name = "events"
    return counts


def funnel_rates(counts: pd.Series) -> pd.Series:
    """Step-to-step rates from funnel counts: ``ctr`` = clicks / impressions,
    ``add_to_cart_rate`` = add_to_cart / clicks, ``conversion_rate`` = purchases / clicks.
    A zero denominator gives NaN.

    Taught in module 00 (shop_data).
    """
    counts = counts.astype("float64")
    impressions, clicks = counts[C.IMPRESSION], counts[C.CLICK]
    values = [counts[C.CLICK] / impressions if impressions else float("nan"),
              counts[C.ADD_TO_CART] / clicks if clicks else float("nan"),
              counts[C.PURCHASE] / clicks if clicks else float("nan")]
    return pd.Series(values, index=pd.Index(list(RATES), name="rate"), name="rate", dtype="float64")


def top_category(category: pd.Series) -> pd.Series:
    """The top level of a two-level ``"top/leaf"`` category (``"electronics/phones"`` ->
    ``"electronics"``). Taught in module 00 (shop_data)."""
    return category.astype(str).str.split("/", n=1).str[0]


def rates_by_category(events: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Funnel rates per top-level item category: one row per category (index ``category``,
    sorted), columns ``RATES``. Rates are ratios of summed counts (not averages of per-item
    rates). Search events (no item) are ignored.

    Taught in module 00 (shop_data).
    """
    funnel = events[events[C.EVENT_TYPE].isin(C.FUNNEL)]
    top = top_category(items[C.CATEGORY])
    top.index = items[C.ITEM_ID].to_numpy()
    cat = funnel[C.ITEM_ID].map(top)
    table = pd.crosstab(cat.rename(C.CATEGORY), funnel[C.EVENT_TYPE].astype(object))
    table = table.reindex(columns=list(C.FUNNEL), fill_value=0).astype("float64").sort_index()
    clicks = table[C.CLICK].where(table[C.CLICK] > 0)
    out = pd.DataFrame({
        CTR: table[C.CLICK] / table[C.IMPRESSION].where(table[C.IMPRESSION] > 0),
        ADD_TO_CART_RATE: table[C.ADD_TO_CART] / clicks,
        CONVERSION_RATE: table[C.PURCHASE] / clicks,
    })
    out.index = pd.Index(out.index.astype(str), name=C.CATEGORY)
    out.columns.name = None
    return out


def engagement(events: pd.DataFrame) -> pd.Series:
    """Engagement of the users active in ``events``: number of users, number of sessions,
    sessions per user and events per session (float64 Series indexed by ``ENGAGEMENT``).

    Taught in module 00 (shop_data).
    """
    n_users = events[C.USER_ID].nunique()
    n_sessions = events[C.SESSION_ID].nunique()
    values = [n_users, n_sessions,
              n_sessions / n_users if n_users else float("nan"),
              len(events) / n_sessions if n_sessions else float("nan")]
    return pd.Series(values, index=pd.Index(list(ENGAGEMENT), name="statistic"),
                     name="engagement", dtype="float64")


def daily_activity(events: pd.DataFrame) -> pd.DataFrame:
    """Activity per calendar day: active users, sessions, clicks and purchases (int64), indexed
    by day (``datetime64``, name ``day``). Taught in module 00 (shop_data)."""
    day = events[C.TIMESTAMP].dt.floor("D").rename("day")
    grouped = events.groupby(day, sort=True)
    types = events[C.EVENT_TYPE].astype(object)
    out = pd.DataFrame({
        "active_users": grouped[C.USER_ID].nunique(),
        "sessions": grouped[C.SESSION_ID].nunique(),
        "clicks": (types == C.CLICK).groupby(day).sum(),
        "purchases": (types == C.PURCHASE).groupby(day).sum(),
    }).astype("int64")
    return out


def cold_start_rates(train: pd.DataFrame, test: pd.DataFrame) -> pd.Series:
    """Share of the distinct users and of the distinct items of ``test`` that never occur in
    ``train`` (``new_users``, ``new_items``; search events have no item and are ignored).

    Taught in module 00 (shop_data).
    """
    test_users = pd.Series(test[C.USER_ID].unique())
    test_items = pd.Series(test[C.ITEM_ID].dropna().unique())
    train_items = train[C.ITEM_ID].dropna().unique()
    values = [(~test_users.isin(train[C.USER_ID].unique())).mean() if len(test_users) else float("nan"),
              (~test_items.isin(train_items)).mean() if len(test_items) else float("nan")]
    return pd.Series(values, index=pd.Index(["new_users", "new_items"], name="share"),
                     name="cold_start", dtype="float64")

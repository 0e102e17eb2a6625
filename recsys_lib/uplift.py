r"""Uplift modelling: whom does a coupon change?

Taught in module 09 (from_model_to_product).

In a randomised test, shopper :math:`i` with features :math:`x_i` got the treatment :math:`t_i \in \{0, 1\}`
(a coupon) and bought (:math:`y_i = 1`) or not. The **uplift** is
:math:`\tau(x) = P(y = 1 \mid x, t = 1) - P(y = 1 \mid x, t = 0)`. The **two-model** (T-learner) estimate
fits one classifier :math:`\hat\mu_1` on the treated shoppers and another, :math:`\hat\mu_0`, on the
control shoppers, and predicts :math:`\hat\tau(x) = \hat\mu_1(x) - \hat\mu_0(x)`.

Targeting with a budget of :math:`B` coupons gives them to the :math:`B` shoppers with the highest score;
the value of a targeting rule is the number of **incremental purchases** it causes, :math:`\sum_{i
\in \text{targeted}} \tau_i`, which a simulator knows exactly (``true_uplift``) and a real shop can only
estimate from a held-out randomised test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.utils.validation import check_is_fitted

from recsys_lib import columns as C

__all__ = ["TwoModelUplift", "incremental_purchases", "targeting_curve", "shopper_features"]


class TwoModelUplift(BaseEstimator):
    """Two-model (T-learner) uplift estimator (module docstring) around any scikit-learn classifier with
    ``predict_proba``: ``fit(X, treatment, y)``, ``predict_uplift(X)``, ``predict_proba_control(X)`` (the
    purchase propensity without treatment) and ``predict_proba_treated(X)``.

    Parameters
    ----------
    estimator : classifier, cloned twice (the two models never share state).

    Taught in module 09 (from_model_to_product).
    """

    def __init__(self, *, estimator=None):
        self.estimator = estimator

    def fit(self, X, treatment, y):
        t = np.asarray(treatment)
        y = np.asarray(y)
        if t.shape != (len(X),) or y.shape != (len(X),):
            raise ValueError(f"treatment and y need one entry per row of X ({len(X)}); got {t.shape}, {y.shape}")
        if not np.isin(t, (0, 1)).all():
            raise ValueError("treatment must be 0 (control) or 1 (treated)")
        base = self.estimator
        if base is None:
            from sklearn.linear_model import LogisticRegression
            base = LogisticRegression(max_iter=1000)
        rows = {arm: np.flatnonzero(t == arm) for arm in (0, 1)}
        for arm, r in rows.items():
            if np.unique(y[r]).size < 2:
                raise ValueError(f"the {'treated' if arm else 'control'} group needs both outcomes to fit a classifier")
        X_arr = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
        self.model_control_ = clone(base).fit(X_arr[rows[0]], y[rows[0]])
        self.model_treated_ = clone(base).fit(X_arr[rows[1]], y[rows[1]])
        return self

    def _proba(self, model, X):
        X_arr = X.to_numpy() if isinstance(X, pd.DataFrame) else np.asarray(X)
        return model.predict_proba(X_arr)[:, list(model.classes_).index(1)]

    def predict_proba_control(self, X) -> np.ndarray:
        check_is_fitted(self, "model_control_")
        return self._proba(self.model_control_, X)

    def predict_proba_treated(self, X) -> np.ndarray:
        check_is_fitted(self, "model_treated_")
        return self._proba(self.model_treated_, X)

    def predict_uplift(self, X) -> np.ndarray:
        return self.predict_proba_treated(X) - self.predict_proba_control(X)


def incremental_purchases(true_uplift, scores, budget: int) -> float:
    """True incremental purchases of giving ``budget`` coupons to the highest ``scores`` (ties: lower
    row first): the sum of their ``true_uplift``. Taught in module 09 (from_model_to_product)."""
    tau = np.asarray(true_uplift, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    if s.shape != tau.shape:
        raise ValueError(f"scores and true_uplift must have the same shape; got {s.shape}, {tau.shape}")
    budget = int(budget)
    if not 0 <= budget <= tau.size:
        raise ValueError(f"budget must be between 0 and {tau.size}; got {budget}")
    order = np.lexsort((np.arange(s.size), -s))
    return float(tau[order[:budget]].sum())


def targeting_curve(true_uplift, scores: dict, shares=np.linspace(0.0, 1.0, 21)) -> pd.DataFrame:
    """Incremental purchases (true) of each targeting rule in ``scores`` ({name: scores}) when a share
    ``shares`` of the shoppers get a coupon: one column per rule, indexed by the share.
    Taught in module 09 (from_model_to_product)."""
    tau = np.asarray(true_uplift, dtype=np.float64)
    shares = np.asarray(shares, dtype=np.float64)
    budgets = np.round(shares * tau.size).astype(int)
    out = {}
    for name, s in scores.items():
        s = np.asarray(s, dtype=np.float64)
        order = np.lexsort((np.arange(s.size), -s))
        cum = np.concatenate([[0.0], np.cumsum(tau[order])])
        out[name] = cum[budgets]
    return pd.DataFrame(out, index=pd.Index(shares, name="share targeted"))


def shopper_features(events: pd.DataFrame, users: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    r"""What the shop knows about each shopper from their log, for targeting (one row per user of ``users``,
    indexed by user id): ``log_sessions``, ``log_clicks``, ``log_carts``, ``log_purchases`` (:math:`\ln(1 + n)`),
    the smoothed rates ``cart_rate`` = (carts + 1) / (clicks + 2) and ``buy_rate`` = (purchases + 1) /
    (carts + 2), the mean log price ratio (:math:`\ln(\text{price} / \text{category median})`) of the items
    they clicked (``click_price_level``) and carted (``cart_price_level``; 0 without any), and one-hot age band
    and device. Taught in module 09 (from_model_to_product)."""
    uid = users[C.USER_ID].to_numpy()
    median = items.groupby(C.CATEGORY, observed=True)[C.PRICE].transform("median")
    level = pd.Series(np.log(items[C.PRICE].to_numpy() / median.to_numpy()), index=items[C.ITEM_ID].to_numpy())

    def per_user(frame, values=None, how="size"):
        grouped = (frame if values is None else values).groupby(frame[C.USER_ID].to_numpy())
        return (grouped.size() if how == "size" else grouped.mean()).reindex(uid)

    by_type = {t: events[events[C.EVENT_TYPE] == t] for t in (C.CLICK, C.ADD_TO_CART, C.PURCHASE)}
    clicks, carts, buys = (per_user(by_type[t]).fillna(0).to_numpy() for t in (C.CLICK, C.ADD_TO_CART, C.PURCHASE))
    sessions = events.groupby(C.USER_ID)[C.SESSION_ID].nunique().reindex(uid).fillna(0).to_numpy()
    price = {t: per_user(by_type[t], by_type[t][C.ITEM_ID].map(level), how="mean").fillna(0.0).to_numpy()
             for t in (C.CLICK, C.ADD_TO_CART)}
    frame = pd.DataFrame({"log_sessions": np.log1p(sessions), "log_clicks": np.log1p(clicks),
                          "log_carts": np.log1p(carts), "log_purchases": np.log1p(buys),
                          "cart_rate": (carts + 1) / (clicks + 2), "buy_rate": (buys + 1) / (carts + 2),
                          "click_price_level": price[C.CLICK], "cart_price_level": price[C.ADD_TO_CART]},
                         index=pd.Index(uid, name=C.USER_ID))
    dummies = pd.get_dummies(users.set_index(C.USER_ID)[[C.AGE_BAND, C.DEVICE]].astype(str), dtype=np.float64)
    return frame.join(dummies)

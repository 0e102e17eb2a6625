"""Two-model uplift and targeting by incremental purchases (recsys_lib.uplift)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from recsys_lib.uplift import TwoModelUplift, incremental_purchases, targeting_curve


def _experiment(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    t = rng.integers(0, 2, size=n)
    p0 = 1 / (1 + np.exp(-(-1.0 + X[:, 0])))
    p1 = 1 / (1 + np.exp(-(-1.0 + X[:, 0] + 1.5 * (X[:, 1] > 0))))
    y = (rng.random(n) < np.where(t == 1, p1, p0)).astype(int)
    return X, t, y, p1 - p0


def test_two_model_uplift_recovers_who_responds():
    X, t, y, tau = _experiment()
    model = TwoModelUplift(estimator=LogisticRegression()).fit(X, t, y)
    u = model.predict_uplift(X)
    np.testing.assert_allclose(u, model.predict_proba_treated(X) - model.predict_proba_control(X))
    assert np.corrcoef(u, tau)[0, 1] > 0.6
    budget = len(tau) // 4
    assert incremental_purchases(tau, u, budget) > incremental_purchases(tau, model.predict_proba_control(X), budget)


def test_two_model_uplift_clones_the_estimator():
    X, t, y, _ = _experiment(800)
    base = LogisticRegression()
    model = TwoModelUplift(estimator=base).fit(X, t, y)
    assert not hasattr(base, "coef_")
    assert model.model_control_ is not model.model_treated_
    assert not np.allclose(model.model_control_.coef_, model.model_treated_.coef_)


def test_two_model_uplift_bad_input():
    X, t, y, _ = _experiment(200)
    with pytest.raises(ValueError, match="0 \\(control\\) or 1"):
        TwoModelUplift().fit(X, t + 1, y)
    with pytest.raises(ValueError, match="one entry per row"):
        TwoModelUplift().fit(X, t[:-1], y)
    with pytest.raises(ValueError, match="both outcomes"):
        TwoModelUplift().fit(X, t, np.where(t == 1, 1, y))


def test_incremental_purchases_and_curve():
    tau = np.array([0.1, 0.5, 0.2, 0.0])
    scores = np.array([3.0, 1.0, 3.0, 0.0])
    assert incremental_purchases(tau, scores, 2) == pytest.approx(0.3)      # ties by row: 0 then 2
    assert incremental_purchases(tau, tau, 1) == pytest.approx(0.5)
    curve = targeting_curve(tau, {"s": scores, "oracle": tau}, shares=[0.0, 0.5, 1.0])
    assert curve.loc[0.0].tolist() == [0.0, 0.0]
    assert curve.loc[0.5, "s"] == pytest.approx(0.3) and curve.loc[0.5, "oracle"] == pytest.approx(0.7)
    assert curve.loc[1.0].tolist() == pytest.approx([0.8, 0.8])
    with pytest.raises(ValueError):
        incremental_purchases(tau, scores, 5)


def test_shopper_features_on_a_tiny_log():
    import pandas as pd

    from recsys_lib import columns as C
    from recsys_lib.data.shop import Shop  # noqa: F401  (the table layout)
    from recsys_lib.uplift import shopper_features

    items = pd.DataFrame({C.ITEM_ID: [1, 2, 3], C.CATEGORY: ["a", "a", "b"], C.PRICE: [10.0, 40.0, 5.0]})
    users = pd.DataFrame({C.USER_ID: [7, 8], C.AGE_BAND: ["18-24", "55+"], C.DEVICE: ["mobile", "desktop"]})
    t = pd.Timestamp("2025-09-01")
    events = pd.DataFrame({C.USER_ID: [7, 7, 7, 7], C.SESSION_ID: [1, 1, 2, 2], C.TIMESTAMP: [t] * 4,
                           C.EVENT_TYPE: [C.CLICK, C.ADD_TO_CART, C.CLICK, C.PURCHASE], C.ITEM_ID: [1, 1, 2, 1]})
    f = shopper_features(events, users, items)
    assert list(f.index) == [7, 8]
    assert f.loc[7, "log_clicks"] == pytest.approx(np.log(3)) and f.loc[8, "log_clicks"] == 0.0
    assert f.loc[7, "log_sessions"] == pytest.approx(np.log(3))
    assert f.loc[7, "cart_rate"] == pytest.approx(2 / 4) and f.loc[8, "buy_rate"] == pytest.approx(0.5)
    # category a has median price 25: item 1 is ln(10/25), item 2 ln(40/25)
    assert f.loc[7, "click_price_level"] == pytest.approx((np.log(0.4) + np.log(1.6)) / 2)
    assert f.loc[7, "cart_price_level"] == pytest.approx(np.log(0.4)) and f.loc[8, "cart_price_level"] == 0.0
    assert f.loc[7, "age_band_18-24"] == 1.0 and f.loc[8, "device_desktop"] == 1.0

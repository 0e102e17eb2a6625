"""Module 02's session-level conversion table (recsys_lib.tasks.sessions)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.tasks import session_conversion_table
from recsys_lib.tasks.sessions import (CONVERTED, DECISION_TIME, HOUR, PREVIOUS_CONVERSIONS, PREVIOUS_SESSIONS,
                                      SECONDS_TO_CLICK, SESSION_START)


def _log(rows):
    users, sessions, times, types, items = zip(*rows)
    return pd.DataFrame({
        C.USER_ID: np.array(users, dtype=np.int64),
        C.SESSION_ID: np.array(sessions, dtype=np.int64),
        C.TIMESTAMP: pd.to_datetime(list(times), format="mixed"),
        C.EVENT_TYPE: pd.Categorical(types, categories=list(C.EVENT_TYPES)),
        C.ITEM_ID: pd.array(items, dtype="Int64"),
    })


USERS = pd.DataFrame({C.USER_ID: [1, 2], C.DEVICE: pd.Categorical(["mobile", "desktop"])})
LOG = _log([
    # user 1, session 10: search, 2 impressions, first click at 09:01, favourite, cart, purchase, more browsing
    (1, 10, "2025-03-01 09:00", C.SEARCH, None), (1, 10, "2025-03-01 09:00", C.IMPRESSION, 5),
    (1, 10, "2025-03-01 09:00", C.IMPRESSION, 6), (1, 10, "2025-03-01 09:01", C.CLICK, 5),
    (1, 10, "2025-03-01 09:02", C.FAVORITE, 5), (1, 10, "2025-03-01 09:03", C.ADD_TO_CART, 5),
    (1, 10, "2025-03-01 09:04", C.PURCHASE, 5), (1, 10, "2025-03-01 09:05", C.SEARCH, None),
    (1, 10, "2025-03-01 09:05", C.IMPRESSION, 7), (1, 10, "2025-03-01 09:06", C.CLICK, 7),
    # user 2, session 20 (earlier): a cart but no purchase
    (2, 20, "2025-02-28 22:30", C.IMPRESSION, 5), (2, 20, "2025-02-28 22:31", C.CLICK, 5),
    (2, 20, "2025-02-28 22:32", C.ADD_TO_CART, 5), (2, 20, "2025-02-28 22:33", C.CLICK, 6),
    # user 1, session 11 (later): no cart
    (1, 11, "2025-03-02 18:00", C.SEARCH, None), (1, 11, "2025-03-02 18:00", C.IMPRESSION, 8),
    (1, 11, "2025-03-02 18:01:30", C.CLICK, 8), (1, 11, "2025-03-02 18:02", C.CLICK, 9),
    # user 2, session 21: no click -> no row, but it counts as an earlier session of user 2
    (2, 21, "2025-03-03 12:00", C.SEARCH, None), (2, 21, "2025-03-03 12:00", C.IMPRESSION, 9),
    # user 2, session 22
    (2, 22, "2025-03-04 07:00", C.IMPRESSION, 9), (2, 22, "2025-03-04 07:00", C.IMPRESSION, 8),
    (2, 22, "2025-03-04 07:00:10", C.CLICK, 8), (2, 22, "2025-03-04 07:01", C.PURCHASE, 8),
])


def test_session_table_on_a_hand_made_log():
    table = session_conversion_table(LOG, USERS)
    assert table[C.SESSION_ID].tolist() == [20, 10, 11, 22]             # sorted by start; 21 has no click
    assert table[SESSION_START].tolist() == pd.to_datetime(
        ["2025-02-28 22:30", "2025-03-01 09:00", "2025-03-02 18:00", "2025-03-04 07:00"]).tolist()
    assert table[DECISION_TIME].tolist() == pd.to_datetime(
        ["2025-02-28 22:31:00", "2025-03-01 09:01:00", "2025-03-02 18:01:30", "2025-03-04 07:00:10"]).tolist()
    assert table["n_searches"].tolist() == [0, 1, 1, 0]                  # nothing after the first click
    assert table["n_impressions"].tolist() == [1, 2, 1, 2]
    assert table[SECONDS_TO_CLICK].tolist() == [60.0, 60.0, 90.0, 10.0]
    assert table[C.DEVICE].astype(str).tolist() == ["desktop", "mobile", "mobile", "desktop"]
    assert table[HOUR].tolist() == [22, 9, 18, 7]
    assert table[PREVIOUS_SESSIONS].tolist() == [0, 0, 1, 2]
    assert table[PREVIOUS_CONVERSIONS].tolist() == [0, 0, 1, 0]
    assert table[CONVERTED].tolist() == [0, 1, 0, 1]
    assert table[CONVERTED].dtype == np.int64 and table["n_impressions"].dtype == np.int64


def test_session_table_on_the_shop_uses_only_events_up_to_the_first_click():
    from recsys_lib.simulation import shipped_shop

    _, users, events = shipped_shop().tables
    table = session_conversion_table(events, users)
    clicked_sessions = events.loc[events[C.EVENT_TYPE] == C.CLICK, C.SESSION_ID].unique()
    assert len(table) == len(clicked_sessions) and table[C.SESSION_ID].is_unique
    rate = table[CONVERTED].mean()
    assert 0.12 < rate < 0.2                                             # rare positives
    # every purchase session has a click, so no converting session is lost
    bought = events.loc[events[C.EVENT_TYPE] == C.PURCHASE, C.SESSION_ID].unique()
    assert set(bought) <= set(table[C.SESSION_ID])
    # no cart or purchase happens before the decision moment
    carts = events[events[C.EVENT_TYPE].isin([C.ADD_TO_CART, C.PURCHASE])].groupby(C.SESSION_ID)[C.TIMESTAMP].min()
    decision = table.set_index(C.SESSION_ID)[DECISION_TIME]
    assert (carts >= decision.reindex(carts.index)).all()
    assert (table[SECONDS_TO_CLICK] >= 0).all() and (table[PREVIOUS_CONVERSIONS] <= table[PREVIOUS_SESSIONS]).all()


# ---------------------------------------------------------------- numbers the module-02 notebook quotes
# A sentence of the notebook that quotes a number or a ranking must agree with what the notebook
# computes: these tests recompute them with the toolbox (the solution's functions equal it) and
# read the sentence from the solution notebook, so a change of data or model that breaks the text
# fails here.
def _markdown(module: str) -> str:
    from pathlib import Path

    from autograder import notebooks as N

    root = Path(__file__).resolve().parents[1]
    nb = N.read_json(root / "solutions" / module / f"{module}.ipynb")
    return "\n".join(N.source_text(c) for c in nb["cells"] if c["cell_type"] == "markdown")


def _session_features(t):
    """The notebook's session features (Section 5)."""
    from recsys_lib.tasks import sessions as S

    X = pd.DataFrame({name: np.log1p(t[name]) for name in S.SESSION_COUNT_COLUMNS.values()})
    X["log_seconds_to_click"] = np.log1p(t[S.SECONDS_TO_CLICK])
    X["log_previous_sessions"] = np.log1p(t[S.PREVIOUS_SESSIONS])
    X["log_previous_conversions"] = np.log1p(t[S.PREVIOUS_CONVERSIONS])
    X["mobile"] = (t[C.DEVICE] == "mobile").astype(float)
    X["tablet"] = (t[C.DEVICE] == "tablet").astype(float)
    X["hour_sin"], X["hour_cos"] = np.sin(2 * np.pi * t[S.HOUR] / 24), np.cos(2 * np.pi * t[S.HOUR] / 24)
    return X


VAL_START, TEST_START = pd.Timestamp("2025-10-08"), pd.Timestamp("2025-10-18")


def test_the_coupon_section_says_what_its_table_shows():
    """Issue 13 (02 c51-54): the text and the table agree. Under the accounting, coupons for
    everybody lose money, the default 0.5 earns less than the three thresholds near 0.2, those
    three are within a few percent of each other, the cost-optimal one earns the most on
    validation and the F1-optimal one the most on test."""
    from recsys_lib import metrics
    from recsys_lib.models import LogisticRegressionGD
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.tasks import sessions as S

    _, users, events = shipped_shop().tables
    sessions = session_conversion_table(events, users)
    part = np.where(sessions[S.SESSION_START] < VAL_START, "train",
                    np.where(sessions[S.SESSION_START] < TEST_START, "validation", "test"))
    train, val, test = (sessions[part == name] for name in ("train", "validation", "test"))
    F = _session_features(train)
    mean, std = F.mean(), F.std(ddof=0)
    Z = {name: (_session_features(t) - mean) / std for name, t in (("train", train), ("val", val), ("test", test))}
    y = {name: t[S.CONVERTED].to_numpy() for name, t in (("train", train), ("val", val), ("test", test))}
    model = LogisticRegressionGD(alpha=1e-3, max_iter=2000, tol=1e-8).fit(Z["train"], y["train"])
    p = {name: model.predict_proba(Z[name])[:, 1] for name in ("val", "test")}
    cost = [[0.0, 3.0], [0.0, -12.0]]

    def profit(split, t):
        c = metrics.confusion_counts(y[split], (p[split] >= t).astype(int))
        return -1000 * (cost[0][1] * c.fp + cost[1][1] * c.tp) / len(y[split])

    near = {"f1": metrics.best_threshold(y["val"], p["val"], "f1").threshold,
            "cost": metrics.best_threshold(y["val"], p["val"], cost).threshold, "analytic": 3 / 15}
    for split in ("val", "test"):
        earned = {name: profit(split, t) for name, t in near.items()}
        assert profit(split, 0.0) < 0 < profit(split, 0.5) < min(earned.values())
        assert (max(earned.values()) - min(earned.values())) / max(earned.values()) < 0.1   # "a few percent"
        assert max(earned, key=earned.get) == {"val": "cost", "test": "f1"}[split]
    text = _markdown("02_logistic_regression")
    assert "on validation the cost-optimal threshold wins" in text
    assert "on test the $F_1$-optimal one happens to earn the most" in text
    assert "uplift" in text and "module 09" in text


def test_the_click_model_numbers_quoted_in_exercises_6_and_8():
    """The expected outputs of Exercises 6 and 8 (typed in the task text) equal what the solution
    computes; LogisticRegressionGD is the reference of Exercise 4's sgd_fit."""
    import re

    from recsys_lib import metrics
    from recsys_lib.models import LogisticRegressionGD
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.tasks import click_table

    clicks = click_table(shipped_shop(), sample=60_000, seed=0, with_true_affinity=True)
    features = [C.LOG_POSITION, C.RATING_CENTERED, C.LOG_PRICE_RATIO]
    train = clicks[clicks[C.TIMESTAMP] < VAL_START]
    val = clicks[(clicks[C.TIMESTAMP] >= VAL_START) & (clicks[C.TIMESTAMP] < TEST_START)]
    test = clicks[clicks[C.TIMESTAMP] >= TEST_START]
    model = LogisticRegressionGD(learning_rate=0.2, alpha=1e-4, batch_size=128, max_iter=10, tol=None,
                                 random_state=0).fit(train[features].to_numpy(), train[C.CLICKED].to_numpy())
    p_val, p_test = (model.predict_proba(t[features].to_numpy())[:, 1] for t in (val, test))
    y_val, y_test = val[C.CLICKED].to_numpy(), test[C.CLICKED].to_numpy()
    text = _markdown("02_logistic_regression")
    quoted = re.search(r"at 0\.15:\s*accuracy ([\d.]+), precision ([\d.]+), recall ([\d.]+), F1 ([\d.]+)", text)
    assert quoted, "Exercise 6's expected output"
    pred = (p_test >= 0.15).astype(int)
    computed = [metrics.accuracy(y_test, pred), metrics.precision(y_test, pred), metrics.recall(y_test, pred),
                metrics.f1_score(y_test, pred)]
    assert [float(q) for q in quoted.groups()] == [round(v, 3) for v in computed]
    quoted = re.search(r"a threshold near ([\d.]+), with validation and test \$F_1\$ both about ([\d.]+)", text)
    assert quoted, "Exercise 8's expected output"
    best = metrics.best_threshold(y_val, p_val, "f1")
    test_f1 = metrics.f1_score(y_test, (p_test >= best.threshold).astype(int))
    assert round(best.threshold, 2) == float(quoted.group(1))
    assert round(best.value, 2) == round(test_f1, 2) == float(quoted.group(2))

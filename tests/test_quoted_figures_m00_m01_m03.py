"""The numbers that the text of modules 00, 01 and 03 quotes, checked against the values computed now.

A notebook's prose may not quote a number typed from an earlier run: either a code cell prints it
right there, or this file recomputes it (with the toolbox, on the shipped shop) and checks that the
text says exactly that. Each test fails when the text changes (the quoted string is gone) or when
the data or the code changes (the computed string differs). The "How this notebook works" cells are
checked against the toolbox policy (``autograder.toolbox_policy``): every name a graded cell may not
use is listed there.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from autograder import notebooks as N
from autograder.toolbox_policy import MODULE_WIDE, POLICY
from recsys_lib import columns as C


def _cells(repo_root, module):
    return N.read_json(repo_root / "solutions" / module / f"{module}.ipynb")["cells"]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _text(repo_root, module, marker: str) -> str:
    """The whitespace-normalised source of the one cell that contains ``marker``."""
    hits = [N.source_text(c) for c in _cells(repo_root, module) if marker in N.source_text(c)]
    assert len(hits) == 1, f"{module}: {len(hits)} cells contain {marker!r}"
    return _squash(hits[0])


def _says(repo_root, module, marker, *quotes):
    text = _text(repo_root, module, marker)
    for quote in quotes:
        assert _squash(quote) in text, f"{module}, cell with {marker!r}: the text does not say {quote!r}"


@pytest.fixture(scope="module")
def shop():
    from recsys_lib.data import load_shop

    return load_shop()


# ------------------------------------------------------------------------------------ policy
@pytest.mark.parametrize("module", ["00_shop_data", "01_linear_regression", "03_feature_engineering"])
def test_how_this_notebook_works_lists_every_forbidden_toolbox_name(repo_root, module):
    text = _text(repo_root, module, "## How ")
    names = {name for names in POLICY[module].values() for name in names}
    assert names
    for name in sorted(names):
        assert f"`{name}`" in text, f"{module}: 'How this notebook works' does not list {name}"
    for grade_id in POLICY[module]:
        if grade_id != MODULE_WIDE:
            assert f"`{grade_id}`" in text, f"{module}: the rule of {grade_id} is not stated for that cell"
    assert "`autograder`" in text and "`_`" in text                # the rules that hold everywhere


# ------------------------------------------------------------------------------------ module 00
def test_m00_expected_outputs(repo_root, shop):
    from recsys_lib import metrics, splitting

    events, items = shop.events, shop.items
    counts = metrics.funnel_counts(events)
    _says(repo_root, "00_shop_data", "## Exercise 1 · Funnel counts",
          "\n".join(f"{stage:<11}{n:>10}" for stage, n in counts.items()))
    rates = metrics.funnel_rates(counts)
    _says(repo_root, "00_shop_data", "## Exercise 2 · Funnel rates",
          f"ctr {rates['ctr']:.6f}, add_to_cart_rate {rates['add_to_cart_rate']:.6f}, "
          f"conversion_rate {rates['conversion_rate']:.6f}")
    by_category = metrics.rates_by_category(events, items)
    rows = [f"{cat} {r.ctr:.6f} {r.add_to_cart_rate:.6f} {r.conversion_rate:.6f}"
            for cat, r in by_category.head(2).iterrows()]
    _says(repo_root, "00_shop_data", "## Exercise 3 · Rates by category", *rows)
    e = metrics.engagement(events)
    _says(repo_root, "00_shop_data", "## Exercise 4 · Engagement",
          f"users {e['users']:.0f}, sessions {e['sessions']:.0f}, sessions_per_user {e['sessions_per_user']:.4f}, "
          f"events_per_session {e['events_per_session']:.3f}")
    train, test = splitting.temporal_split(events, 7)
    cutoff = splitting.last_days_cutoff(events, 7)
    _says(repo_root, "00_shop_data", "## Exercise 5 · A temporal train/test split",
          f"{len(train):,} train and {len(test):,} test events; the cutoff is {cutoff:%Y-%m-%d %H:%M}")
    cold = metrics.cold_start_rates(train, test)
    _says(repo_root, "00_shop_data", "## Exercise 6 · How new is the test period?",
          f"new_users {cold['new_users']:.5f}, new_items {cold['new_items']:.5f}")


def test_m00_worked_example_of_the_cutoff(repo_root):
    """"with test_days=2 and a last event on 4 March at 09:00, ... the cutoff is 3 March 00:00"."""
    from autograder.exercises.m00_shop_data import make_log
    from recsys_lib.splitting import last_days_cutoff

    log = make_log([(1, 1, "2025-03-01 10:00", "click", 1), (1, 2, "2025-03-04 09:00", "click", 1)])
    assert last_days_cutoff(log, 2) == pd.Timestamp("2025-03-03 00:00")
    _says(repo_root, "00_shop_data", "## Exercise 5 · A temporal train/test split",
          "with `test_days=2` and a last event on 4 March at 09:00, the test days are 3 and 4 March and "
          "the cutoff is 3 March 00:00")


def test_m00_prose_claims(repo_root, shop):
    from recsys_lib import metrics

    conversion = metrics.rates_by_category(shop.events, shop.items)["conversion_rate"]
    assert (conversion.idxmax(), conversion.idxmin()) == ("beauty", "home")
    _says(repo_root, "00_shop_data", "## Written question", "(beauty against home)")
    counts = metrics.funnel_counts(shop.events)
    assert (counts / counts.shift()).idxmin() == C.CLICK            # the largest drop: impression -> click
    _says(repo_root, "00_shop_data", "## Summary and what comes next", "is between impression and click")


# ------------------------------------------------------------------------------------ module 01
M01 = "01_linear_regression"
FEATURES = [C.LOG_PRICE, C.RATING, C.DISCOUNT, C.DAYS_SINCE_LAUNCH, C.UNITS_PREV_WEEK, C.CATEGORY_CLICK_SHARE]


@pytest.fixture(scope="module")
def units():
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.tasks import units_sold_table

    table = units_sold_table(shipped_shop())                        # as the notebook builds it
    train, test = table[table[C.WEEK] <= 5], table[table[C.WEEK] >= 6]
    return (table, train[FEATURES].to_numpy(float), train[C.UNITS].to_numpy(float),
            test[FEATURES].to_numpy(float), test[C.UNITS].to_numpy(float))


def _hessian_eigenvalues(X):
    X_tilde = np.column_stack([X, np.ones(len(X))])
    return np.linalg.eigvalsh(X_tilde.T @ X_tilde / len(X))


def test_m01_worked_examples(repo_root):
    """The small examples under "Expected:" in the exercise texts, computed with the toolbox."""
    from recsys_lib.losses import linear_predict, mse_gradient, mse_loss
    from recsys_lib.models import LinearRegressionGD

    np.testing.assert_allclose(linear_predict(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([2.0, 3.0]), 1.0),
                               [3.0, 4.0, 6.0])
    _says(repo_root, M01, "## Exercise 1 · Prediction", "gives `array([3., 4., 6.])`")
    loss = mse_loss(np.array([[1.0], [2.0], [3.0]]), np.array([1.0, 2.0, 3.0]), np.array([0.0]), 0.0)
    assert f"{loss:.4f}" == "2.3333"
    _says(repo_root, M01, "## Exercise 2 · The loss", r"$(1 + 4 + 9) / 6 \approx 2.3333$")
    gw, gb = mse_gradient(np.array([[1.0], [2.0]]), np.array([1.0, 1.0]), np.array([1.0]), 0.0)
    assert gw.tolist() == [1.0] and gb == 0.5
    _says(repo_root, M01, "## Exercise 3 · The gradient", "the result is `(array([1.]), 0.5)`")
    X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0])
    w, b, history = np.zeros(1), 0.0, []
    for _ in range(3):
        g_w, g_b = mse_gradient(X, y, w, b)
        w, b = w - 0.1 * g_w, b - 0.1 * g_b
        history.append(mse_loss(X, y, w, b))
    _says(repo_root, M01, "## Exercise 4 · Batch gradient descent",
          f"`w ≈ [{w[0]:.5f}]`, `b ≈ {b:.5f}` and the history `≈ [{', '.join(f'{h:.5f}' for h in history)}]`")
    ne = LinearRegressionGD(solver="normal_equation").fit(np.array([[0.0], [1.0], [2.0], [3.0]]),
                                                          np.array([1.0, 3.0, 5.0, 7.0]))
    np.testing.assert_allclose([ne.coef_[0], ne.intercept_], [2.0, 1.0], atol=1e-12)
    _says(repo_root, M01, "## Exercise 7 · The normal equation", "`(array([2.]), 1.0)`")
    Xs = np.array([[1.0, 5.0], [3.0, 5.0]])
    mean, std = Xs.mean(axis=0), Xs.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    assert mean.tolist() == [2.0, 5.0] and std.tolist() == [1.0, 1.0]
    assert ((np.array([[5.0, 6.0]]) - mean) / std).tolist() == [[3.0, 1.0]]
    _says(repo_root, M01, "## Exercise 5 · Standardisation",
          "gives `(array([2., 5.]), array([1., 1.]))`", "gives `array([[3., 1.]])`")


def test_m01_data_description(repo_root, units):
    table, X_train, _, X_test, _ = units
    assert (table[C.WEEK].min(), table[C.WEEK].max()) == (1, 7)
    _says(repo_root, M01, "## 1. The data", "which week (1–7)", "0, 0.1, 0.2 or 0.3", "average rating, 1–5")
    assert sorted(table[C.DISCOUNT].unique()) == [0.0, 0.1, 0.2, 0.3]
    assert table[C.RATING].between(1, 5).all()
    j = FEATURES.index
    assert 100 <= X_train[:, j(C.DAYS_SINCE_LAUNCH)].mean() < 1000                   # "in the hundreds"
    assert X_train[:, j(C.DISCOUNT)].max() < 0.3 + 1e-12 and X_train[:, j(C.CATEGORY_CLICK_SHARE)].max() < 0.3
    _says(repo_root, M01, "Note the scales in the table", "`days_since_launch` is in the hundreds",
          "`discount` and the click share stay below 0.3")
    prev = j(C.UNITS_PREV_WEEK)
    assert (f"{X_test[:, prev].std():.1f}", f"{X_train[:, prev].std():.1f}") == ("2.0", "1.6")
    _says(repo_root, M01, "Why not the test statistics?",
          "has a standard deviation of about 2.0 against 1.6 in training")


def test_m01_curvature_figures(repo_root, units):
    _, X_train, _, _, _ = units
    raw = _hessian_eigenvalues(X_train)
    Z = (X_train - X_train.mean(axis=0)) / X_train.std(axis=0)
    std = _hessian_eigenvalues(Z)
    kappa_raw, kappa_std = raw[-1] / raw[0], std[-1] / std[0]
    assert round(np.log10(kappa_raw)) == 8 and 1e8 <= kappa_raw < 1e9               # "hundreds of millions"
    _says(repo_root, M01, "`days_since_launch` (hundreds of days, squared)", "hundreds of millions of steps")
    assert (f"{kappa_std:.1f}", f"{std[-1]:.1f}") == ("2.4", "1.5")
    _says(repo_root, M01, "The condition number dropped from about",
          r"from about $10^{8}$ to about 2.4, and $\lambda_{\max}$ is now about 1.5")
    _says(repo_root, M01, "## Summary and what comes next",
          r"turned a condition number of about $10^8$ into about 2.4")
    lam = std[-1]
    assert (f"{0.001 / lam:.1g}", f"{1 / lam:.1g}", f"{3 / lam:.0f}") == ("0.0007", "0.7", "2")
    _says(repo_root, M01, "## Exercise 6 · Choose three learning rates", "three rates around 0.0007, 0.7 and 2")
    assert round(np.log10(raw[-1] / std[-1])) == 5
    _says(repo_root, M01, "## Written question 1", "about 100,000 times larger")
    assert (f"{raw[-1]:.1e}", f"{2 / raw[-1]:.1e}", f"{std[-1]:.1f}", f"{2 / std[-1]:.1f}") == \
        ("1.7e+05", "1.2e-05", "1.5", "1.4")
    _says(repo_root, M01, "*Example answer.* $J$ is quadratic",
          r"$\lambda_{\max} \approx 1.7\cdot10^5$", r"$\eta < 1.2\cdot10^{-5}$", r"$\lambda_{\max} \approx 1.5$",
          "up to about 1.4", r"from about $10^8$ to about 2.4")
    assert f"{1 - 0.5 * std[0]:.1f}" == "0.7"                          # lr = 0.5: slowest factor 1 - 0.5 lambda_min
    _says(repo_root, M01, "## Exercise 8 · Fit, evaluate, compare",
          r"with $\kappa \approx 2.4$ the error shrinks by a factor of about 0.7 per iteration")


def test_m01_gradient_check_figures(units):
    """The reading of the h table: log-cosh error falls ~100x per 10x smaller h (truncation) until
    rounding takes over near h = 1e-5..1e-6; the quadratic J's error only grows as h shrinks; the
    rounding estimate eps |J| / h matches the observed error within a factor of 10."""
    from recsys_lib.gradcheck import numerical_gradient, relative_error

    _, X_train, y_train, _, _ = units
    rng = np.random.default_rng(0)
    rows = rng.choice(len(X_train), size=200, replace=False)
    X = (X_train[rows] - X_train[rows].mean(axis=0)) / X_train[rows].std(axis=0)
    y = y_train[rows]
    w = rng.normal(size=X.shape[1])
    J = lambda v: float((X @ v + 0.3 - y) @ (X @ v + 0.3 - y)) / (2 * len(y))  # noqa: E731
    gJ = lambda v: X.T @ (X @ v + 0.3 - y) / len(y)  # noqa: E731
    L = lambda v: float(np.mean(np.log(np.cosh(X @ v + 0.3 - y))))  # noqa: E731
    gL = lambda v: X.T @ np.tanh(X @ v + 0.3 - y) / len(y)  # noqa: E731
    steps = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
    quad = np.array([relative_error(gJ(w), numerical_gradient(J, w, eps=s)) for s in steps])
    cosh = np.array([relative_error(gL(w), numerical_gradient(L, w, eps=s)) for s in steps])
    np.testing.assert_allclose(cosh[:3] / cosh[1:4], 100, rtol=0.1)  # O(h^2) from h = 1e-1 to 1e-4
    assert steps[int(np.argmin(cosh))] in (1e-5, 1e-6)
    assert np.all(np.diff(np.log10(quad[1:])) > 0)                   # rounding only: grows as h shrinks
    largest = np.abs(gJ(w) - numerical_gradient(J, w, eps=1e-6)).max()
    estimate = np.finfo(float).eps * abs(J(w)) / 1e-6
    assert 0.1 < largest / estimate < 10


def test_m01_solver_comparison_claims(units):
    """inv/solve/lstsq: agree on the raw features; with a near-copy column (noise 1e-8, seed 1),
    kappa(X~^T X~) > 1/eps, inv and solve lose accuracy far beyond rounding and lstsq is the best."""
    _, X_train, y_train, _, _ = units

    def losses(X):
        Xt = np.column_stack([X, np.ones(len(X))])
        thetas = {"inv": np.linalg.inv(Xt.T @ Xt) @ (Xt.T @ y_train),
                  "solve": np.linalg.solve(Xt.T @ Xt, Xt.T @ y_train),
                  "lstsq": np.linalg.lstsq(Xt, y_train, rcond=None)[0]}
        J = {k: float((Xt @ t - y_train) @ (Xt @ t - y_train)) / (2 * len(y_train)) for k, t in thetas.items()}
        best = min(J.values())
        return {k: (v - best) / best for k, v in J.items()}, np.linalg.cond(Xt), np.linalg.cond(Xt.T @ Xt)

    excess, kx, ka = losses(X_train)
    assert max(excess.values()) < 1e-12 and ka == pytest.approx(kx ** 2, rel=1e-3)
    assert ka * np.finfo(float).eps < 1e-6                               # "still leaves about half the digits"
    noise = np.random.default_rng(1).normal(scale=1e-8, size=len(X_train))
    X_dup = np.column_stack([X_train, X_train[:, FEATURES.index(C.UNITS_PREV_WEEK)] + noise])
    excess, kx, ka = losses(X_dup)
    assert ka > 1 / np.finfo(float).eps
    assert excess["lstsq"] == 0.0 and excess["inv"] > 1e-8 and excess["solve"] > 1e-8


def test_m01_model_figures(repo_root, units):
    from sklearn.linear_model import LinearRegression

    from autograder.exercises.m01_linear_regression_fitting import SKLEARN_ATOL, SKLEARN_RTOL

    table, X_train, y_train, X_test, y_test = units
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    model = LinearRegression().fit((X_train - mean) / std, y_train)
    pred = model.predict((X_test - mean) / std)
    mse = float(np.mean((y_test - pred) ** 2))
    r2 = 1 - float(np.sum((y_test - pred) ** 2) / np.sum((y_test - y_test.mean()) ** 2))
    _says(repo_root, M01, "## Exercise 8 · Fit, evaluate, compare",
          f"a test MSE of about {mse:.3f} and a test $R^2$ of about {r2:.3f}")
    coef = dict(zip(FEATURES, model.coef_))
    assert max(coef, key=lambda f: abs(coef[f])) == C.UNITS_PREV_WEEK
    assert coef[C.CATEGORY_CLICK_SHARE] > 0 and coef[C.DISCOUNT] > 0 and coef[C.LOG_PRICE] < 0
    _says(repo_root, M01, "Reading the results:", "`units_prev_week` has by far the largest coefficient",
          "Popular categories (click share) sell more; a discount adds units; a higher (log) price goes with "
          "slightly fewer units")
    assert SKLEARN_RTOL == SKLEARN_ATOL == 1e-4
    _says(repo_root, M01, "## Summary and what comes next", r"matches scikit-learn's `LinearRegression` to $10^{-4}$")
    share = table.groupby(C.WEEK)[C.DISCOUNT].apply(lambda d: float((d > 0).mean()))
    assert share.between(0.125, 0.175).all()                           # "about 15 %" every week
    _says(repo_root, M01, "*Example answer.* (a) The coefficient is an **association**",
          "about 15 % of items on promotion in a given week, discounts of 0.1-0.3")


# ------------------------------------------------------------------------------------ module 03
M03 = "03_feature_engineering"


def test_m03_expected_outputs_of_exercises_1_to_4(repo_root, shop):
    from recsys_lib import features as F

    events = shop.events
    interest = [C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE]
    seq = F.behaviour_sequences(events, max_len=5, event_types=interest)
    _says(repo_root, M03, "## Exercise 1 · Behaviour sequences",
          f"has {len(seq):,} users; user 1's sequence is `{[int(i) for i in seq.loc[1]]}`")
    at = pd.Timestamp("2025-10-01")
    heat = F.behaviour_heat(events, at, 7.0)
    h = heat.loc[2]
    _says(repo_root, M03, "## Exercise 2 · Behaviour heat",
          f"{len(heat):,} users; user 2 has `heat_click {h['heat_click']:.4f}, heat_favorite {h['heat_favorite']:.4f}, "
          f"heat_add_to_cart {h['heat_add_to_cart']:.4f}, heat_purchase {h['heat_purchase']:.4f}`")
    rfm = F.rfm_features(events, at)
    r = rfm.loc[2]
    _says(repo_root, M03, "## Exercise 3 · Recency, frequency, monetary value",
          f"{len(rfm):,} users; user 2 has `recency_days {r['recency_days']:.4f}, frequency {r['frequency']:.0f}, "
          f"monetary {r['monetary']:.2f}, days_since_last_event {r['days_since_last_event']:.4f}`; "
          f"{int(rfm['recency_days'].notna().sum())} users have a recency")
    labels = pd.DataFrame({C.USER_ID: [1, 1, 2], C.TIMESTAMP: pd.to_datetime(["2025-09-15", "2025-10-15", "2025-10-01"])})
    pit = F.point_in_time_join(labels, events, event_types=(C.CLICK, C.PURCHASE))

    def listed(col, fmt):
        return ", ".join("NaN" if pd.isna(v) else format(v, fmt) for v in pit[col])
    monetary = ", ".join(f"{v:g}" for v in pit["monetary"])
    _says(repo_root, M03, "## Exercise 4 · A point-in-time join",
          f"`n_click {listed('n_click', 'd')}`; `n_purchase {listed('n_purchase', 'd')}`; `monetary {monetary}`; "
          f"`days_since_last_event {listed('days_since_last_event', '.4f')}`; "
          f"`days_since_last_purchase {listed('days_since_last_purchase', '.4f')}`")


def test_m03_expected_outputs_of_exercises_5_to_8(repo_root, shop):
    from recsys_lib import features as F

    events, items = shop.events, shop.items
    first = events.iloc[[0]]
    assert first[C.USER_ID].iloc[0] == 1 and first[C.TIMESTAMP].iloc[0] == events[events[C.USER_ID] == 1][C.TIMESTAMP].min()
    t = first[C.TIMESTAMP].iloc[0]
    cyc = F.cyclic_time_features(first[C.TIMESTAMP]).iloc[0]
    _says(repo_root, M03, "## Exercise 5 · Cyclic time features",
          f"{t:%A} {t:%Y-%m-%d %H:%M:%S}) gives `hour_sin {cyc['hour_sin']:.4f}, hour_cos {cyc['hour_cos']:.4f}, "
          f"weekday_sin {cyc['weekday_sin']:.0f}, weekday_cos {cyc['weekday_cos']:.0f}`")
    old = items[C.LAUNCH_DAY].to_numpy() < 0
    _, edges = F.price_buckets(items.loc[old, C.PRICE].to_numpy(), n_buckets=5)
    new_codes, _ = F.price_buckets(items.loc[~old, C.PRICE].to_numpy(), edges=edges)
    _says(repo_root, M03, "## Exercise 6 · Price buckets",
          f"{int(old.sum()):,} of them) give the edges `[{', '.join(f'{e:g}' for e in edges)}]` for 5 buckets; the "
          f"{int((~old).sum())} items launched during the log then fall into the buckets "
          f"`{np.bincount(new_codes, minlength=5).tolist()}`")
    cats = items[C.CATEGORY].astype(str).iloc[:3]
    onehot = F.category_one_hot(cats, "top")
    _says(repo_root, M03, "## Exercise 7 · One-hot categories",
          "the first three items (" + ", ".join(f"`{c}`" for c in cats) + ")",
          "give the columns `" + ", ".join(onehot.columns) + "` and rows `"
          + ", ".join(str(row.tolist()).replace(",", "") for row in onehot.to_numpy()) + "`")
    assert items[C.BRAND].nunique() == 36
    _says(repo_root, M03, "## Exercise 8 · The hashing trick", "36 brands are easy")
    first_item = items.iloc[0]
    tokens = [f"brand={first_item[C.BRAND]}", f"category={first_item[C.CATEGORY]}"]
    X = F.hashing_trick([tokens], n_features=64).toarray()[0]
    cols = np.flatnonzero(X)
    assert len(cols) == 2 and np.all(X[cols] == -1)
    _says(repo_root, M03, "## Exercise 8 · The hashing trick",
          f'`{tokens}`'.replace("'", '"') + f" of item 1 go to the columns {cols[0]} and {cols[1]}, both with sign −1")


def test_m03_prediction_times_are_monday_midnights_from_the_third_week(repo_root, shop):
    from recsys_lib.tasks.purchases import purchase_prediction_times

    times = purchase_prediction_times(shop.events, first_day=14, step_days=7, horizon_days=7)
    start = shop.events[C.TIMESTAMP].min().floor("D")
    assert (times.day_of_week == 0).all() and (times == times.normalize()).all()
    assert times[0] == start + pd.Timedelta(days=14)                 # day 15 = the first day of week 3
    _says(repo_root, M03, "## The task table", r"Prediction times are Monday midnights $\tau_k$, one week apart, "
                                              "from the third week of the log")

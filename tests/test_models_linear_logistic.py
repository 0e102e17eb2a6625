"""Tests for LinearRegressionGD / LogisticRegressionGD and their loss primitives (modules 01, 02)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import log_loss as sk_log_loss
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from recsys_lib.gradcheck import check_gradient
from recsys_lib.models import (
    LinearRegressionGD,
    LogisticRegressionGD,
    binary_cross_entropy,
    linear_predict,
    log_loss_gradient,
    log_sigmoid,
    logistic_loss,
    mse_gradient,
    mse_loss,
    sigmoid,
)


# ------------------------------------------------------------------ scikit-learn API contract
def _expected_failures(estimator):
    # Mini-batch SGD: integer sample weights equal repeated rows only in expectation
    # (repeating rows changes the batches) -- the same exemption scikit-learn's SGD estimators have.
    if getattr(estimator, "batch_size", None) is not None:
        return {"check_sample_weight_equivalence_on_dense_data":
                "mini-batch SGD: weights equal repetitions only in expectation"}
    return {}


@parametrize_with_checks(
    [
        LinearRegressionGD(),
        LinearRegressionGD(solver="normal_equation"),
        LinearRegressionGD(alpha=0.1, batch_size=16, random_state=0),
        LogisticRegressionGD(),
        LogisticRegressionGD(alpha=1e-3, batch_size=16, random_state=0),
    ],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_check_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ------------------------------------------------------------------ data
def _regression(seed=0, m=500, d=5, noise=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    w = rng.normal(size=d) * 2
    y = X @ w + 3.0 + noise * rng.normal(size=m)
    return X, y, w


def _classification(seed=0, m=800, d=5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    w = rng.normal(size=d)
    p = sigmoid(X @ w - 0.5)
    y = (rng.random(m) < p).astype(int)
    return X, y


# ------------------------------------------------------------------ primitives
def test_sigmoid_extremes_no_warning_no_nan():
    z = np.array([-1e3, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 745.0, 1e3])
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        p = sigmoid(z)
        lp = log_sigmoid(z)
        bce = binary_cross_entropy(np.array([1, 0, 1, 0, 1, 0, 1, 0, 1.0]), z, from_logits=True)
        model = LogisticRegressionGD(alpha=0.1).fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
        proba = model.predict_proba(np.array([[1e6], [-1e6]]))
    assert not np.any(np.isnan(p)) and np.all((p >= 0) & (p <= 1))
    assert p[0] == 0.0 and p[-1] == 1.0 and p[4] == 0.5
    np.testing.assert_allclose(p[2:-2], 1 / (1 + np.exp(-z[2:-2])), rtol=1e-15)
    assert lp[0] == pytest.approx(-1e3) and np.all(np.isfinite(lp))
    assert np.isfinite(bce)
    assert not np.any(np.isnan(proba)) and np.allclose(proba.sum(axis=1), 1.0)


def test_binary_cross_entropy_logits_equals_probabilities():
    rng = np.random.default_rng(3)
    z = rng.normal(size=50) * 3
    y = (rng.random(50) < 0.5).astype(float)
    a = binary_cross_entropy(y, z, from_logits=True)
    b = binary_cross_entropy(y, sigmoid(z))
    assert a == pytest.approx(b, rel=1e-12)
    assert a == pytest.approx(sk_log_loss(y, sigmoid(z)), rel=1e-12)
    # a confident, wrong logit costs about |z|: exact from logits
    assert binary_cross_entropy(np.array([0.0]), np.array([800.0]), from_logits=True) == pytest.approx(800.0)
    with pytest.raises(ValueError, match="from_logits"):
        binary_cross_entropy(y, z)                        # logits passed as probabilities


def test_loss_primitives_formulas():
    X, y, _ = _regression(m=30, d=3)
    w, b, alpha = np.array([0.5, -1.0, 2.0]), 0.3, 0.2
    r = X @ w + b - y
    assert mse_loss(X, y, w, b, alpha) == pytest.approx(r @ r / (2 * 30) + alpha / 2 * w @ w)
    gw, gb = mse_gradient(X, y, w, b, alpha)
    np.testing.assert_allclose(gw, X.T @ r / 30 + alpha * w)
    assert gb == pytest.approx(r.mean())
    np.testing.assert_allclose(linear_predict(X, w, b), X @ w + b)
    yc = (y > np.median(y)).astype(float)
    gw2, gb2 = log_loss_gradient(X, yc, w, b, alpha)
    np.testing.assert_allclose(gw2, X.T @ (sigmoid(X @ w + b) - yc) / 30 + alpha * w)
    assert gb2 == pytest.approx(np.mean(sigmoid(X @ w + b) - yc))


@pytest.mark.parametrize("weighted", [False, True])
def test_gradients_pass_gradcheck(weighted):
    X, y, _ = _regression(m=40, d=4)
    yc = (y > np.median(y)).astype(float)
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=4) * 0.3, 0.2
    sw = rng.integers(0, 4, size=40).astype(float) if weighted else None
    for loss, grad, target in ((mse_loss, mse_gradient, y), (logistic_loss, log_loss_gradient, yc)):
        res = check_gradient(lambda v: loss(X, target, v, b, 0.3, sw),
                             lambda v: grad(X, target, v, b, 0.3, sw)[0], w)
        assert res.passed, res.message
        res_b = check_gradient(lambda t: loss(X, target, w, t, 0.3, sw),
                               lambda t: grad(X, target, w, t, 0.3, sw)[1], b)
        assert res_b.passed, res_b.message


# ------------------------------------------------------------------ linear regression
def test_linear_gd_recovers_sklearn_coefficients():
    # Features are scaled so that GD converges well inside max_iter.
    # Tolerance: |coef - coef_sklearn| <= 1e-4 (absolute, coefficients are O(1)).
    X, y, w_true = _regression(seed=1, m=1000, d=6)
    Xs = StandardScaler().fit_transform(X)
    ours = LinearRegressionGD(tol=1e-12, max_iter=5000).fit(Xs, y)
    ref = LinearRegression().fit(Xs, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-4)
    assert ours.intercept_ == pytest.approx(ref.intercept_, abs=1e-4)
    assert ours.score(Xs, y) == pytest.approx(ref.score(Xs, y), abs=1e-8)
    # the loss history decreases monotonically with the auto step 1/L
    h = np.array(ours.loss_history_)
    assert len(h) == ours.n_iter_ and np.all(np.diff(h) <= 1e-12)


def test_normal_equation_matches_lstsq_and_ridge():
    X, y, _ = _regression(seed=2, m=200, d=4)
    ne = LinearRegressionGD(solver="normal_equation").fit(X, y)
    A = np.hstack([X, np.ones((200, 1))])
    theta, *_ = np.linalg.lstsq(A, y, rcond=None)
    np.testing.assert_allclose(ne.coef_, theta[:4], rtol=1e-10, atol=1e-10)
    assert ne.intercept_ == pytest.approx(theta[4], abs=1e-10)
    # documented mapping: alpha <-> Ridge(alpha * m)
    alpha = 0.05
    ours = LinearRegressionGD(solver="normal_equation", alpha=alpha).fit(X, y)
    ridge = Ridge(alpha=alpha * 200).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ridge.coef_, rtol=1e-8, atol=1e-10)
    assert ours.intercept_ == pytest.approx(ridge.intercept_, abs=1e-8)
    # GD with the same alpha reaches the same minimiser
    Xs = StandardScaler().fit_transform(X)
    gd = LinearRegressionGD(alpha=alpha, tol=1e-14, max_iter=20000).fit(Xs, y)
    ne2 = LinearRegressionGD(alpha=alpha, solver="normal_equation").fit(Xs, y)
    np.testing.assert_allclose(gd.coef_, ne2.coef_, atol=1e-6)
    # without intercept
    ni = LinearRegressionGD(solver="normal_equation", fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(ni.coef_, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-10)
    assert ni.intercept_ == 0.0


def test_intercept_is_not_regularised():
    X, y, _ = _regression(seed=3, m=300, d=3)
    y = y + 100.0                                      # large offset
    big = LinearRegressionGD(solver="normal_equation", alpha=1e6).fit(X, y)
    assert np.all(np.abs(big.coef_) < 1e-3)             # weights crushed ...
    assert big.intercept_ == pytest.approx(y.mean(), rel=1e-3)   # ... bias free


def test_too_large_learning_rate_diverges_with_warning():
    X, y, _ = _regression(seed=4, m=200, d=3)
    Xs = StandardScaler().fit_transform(X)
    lr_auto = LinearRegressionGD().fit(Xs, y).learning_rate_
    with pytest.warns(ConvergenceWarning, match="diverged|did not converge"):
        model = LinearRegressionGD(learning_rate=2.5 * lr_auto, max_iter=3000).fit(Xs, y)
    h = np.array(model.loss_history_)
    assert h[-1] > h[0] or not np.isfinite(h[-1])


def test_minibatch_linear_regression_close_to_ols():
    X, y, _ = _regression(seed=5, m=2000, d=4, noise=0.5)
    Xs = StandardScaler().fit_transform(X)
    ref = LinearRegression().fit(Xs, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sgd = LinearRegressionGD(batch_size=32, max_iter=30, tol=None, random_state=0).fit(Xs, y)
    assert sgd.score(Xs, y) == pytest.approx(ref.score(Xs, y), abs=1e-3)


# ------------------------------------------------------------------ logistic regression
def test_logistic_matches_sklearn_with_c_mapping():
    # alpha <-> C = 1 / (alpha * m). Tolerances: probabilities within 1e-4 (absolute),
    # AUC within 1e-6, coefficients within 1e-3.
    X, y = _classification(seed=0, m=800, d=5)
    m = X.shape[0]
    alpha = 1e-3
    ours = LogisticRegressionGD(alpha=alpha, tol=1e-12, max_iter=20000).fit(X, y)
    ref = LogisticRegression(C=1.0 / (alpha * m), tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-3)
    auc_ours = roc_auc_score(y, ours.predict_proba(X)[:, 1])
    auc_ref = roc_auc_score(y, ref.predict_proba(X)[:, 1])
    assert auc_ours == pytest.approx(auc_ref, abs=1e-6)
    assert ours.coef_.shape == (1, 5) and ours.intercept_.shape == (1,)
    # decision_function is the logit of classes_[1]
    np.testing.assert_allclose(sigmoid(ours.decision_function(X)), ours.predict_proba(X)[:, 1])
    # the loss history equals the documented objective
    assert ours.loss_history_[-1] == pytest.approx(
        logistic_loss(X, y, ours.coef_[0], ours.intercept_[0], alpha), rel=1e-12)


def test_logistic_minibatch_close_to_sklearn():
    X, y = _classification(seed=1, m=3000, d=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = LogisticRegressionGD(batch_size=64, max_iter=20, tol=None, random_state=0).fit(X, y)
    ref = LogisticRegression(C=np.inf).fit(X, y)
    p_ours, p_ref = ours.predict_proba(X)[:, 1], ref.predict_proba(X)[:, 1]
    assert roc_auc_score(y, p_ours) == pytest.approx(roc_auc_score(y, p_ref), abs=2e-3)
    assert sk_log_loss(y, p_ours) == pytest.approx(sk_log_loss(y, p_ref), abs=5e-3)


def test_multiclass_softmax_and_string_labels():
    rng = np.random.default_rng(2)
    centers = np.array([[0, 0], [3, 0], [0, 3]])
    lab = rng.integers(0, 3, size=600)
    X = centers[lab] + rng.normal(size=(600, 2))
    names = np.array(["cart", "click", "purchase"])[lab]
    alpha = 1e-2
    ours = LogisticRegressionGD(alpha=alpha, tol=1e-12, max_iter=20000).fit(X, names)
    ref = LogisticRegression(C=1 / (alpha * 600), tol=1e-10, max_iter=10000).fit(X, names)
    assert list(ours.classes_) == ["cart", "click", "purchase"]
    assert ours.coef_.shape == (3, 2) and ours.decision_function(X).shape == (600, 3)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-4)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.99
    np.testing.assert_allclose(np.exp(ours.predict_log_proba(X)), ours.predict_proba(X), rtol=1e-10)


def test_binary_string_labels_positive_class_is_classes_1():
    X, y = _classification(seed=3)
    ys = np.where(y == 1, "buy", "browse")
    model = LogisticRegressionGD().fit(X, ys)
    assert list(model.classes_) == ["browse", "buy"]
    pred = model.predict(X)
    np.testing.assert_array_equal(pred == "buy", model.decision_function(X) > 0)


def test_single_class_is_a_clear_error():
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegressionGD().fit(np.ones((5, 2)), [1, 1, 1, 1, 1])


def test_bad_hyper_parameters_are_clear():
    X, y = _classification()
    for kwargs, word in [({"learning_rate": -1}, "learning_rate"), ({"max_iter": 0}, "max_iter"),
                         ({"alpha": -0.1}, "alpha"), ({"batch_size": 0}, "batch_size")]:
        with pytest.raises(ValueError, match=word):
            LogisticRegressionGD(**kwargs).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        LinearRegressionGD(solver="cholesky").fit(X, y.astype(float))


# ------------------------------------------------------------------ determinism, pipelines
@pytest.mark.parametrize("Est", [LinearRegressionGD, LogisticRegressionGD])
def test_same_random_state_identical_results(Est):
    X, y = _classification(seed=4, m=500)
    kw = dict(batch_size=32, max_iter=5, tol=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Est(random_state=7, **kw).fit(X, y)
        b = Est(random_state=7, **kw).fit(X, y)
        c = Est(random_state=8, **kw).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    assert a.loss_history_ == b.loss_history_
    assert not np.array_equal(a.coef_, c.coef_)          # the seed does drive the shuffling


def test_pipeline_and_grid_search():
    X, y = _classification(seed=5, m=600)
    X = X * np.array([1, 10, 100, 1000, 0.01])           # unscaled features
    pipe = make_pipeline(StandardScaler(), LogisticRegressionGD())
    search = GridSearchCV(pipe, {"logisticregressiongd__alpha": [0.0, 1e-2, 1.0]},
                          cv=3, scoring="roc_auc")
    search.fit(X, y)
    assert search.best_params_["logisticregressiongd__alpha"] in (0.0, 1e-2, 1.0)
    assert search.best_score_ > 0.7
    assert search.predict_proba(X).shape == (600, 2)

    Xr, yr, _ = _regression(seed=6, m=300)
    reg = GridSearchCV(make_pipeline(StandardScaler(), LinearRegressionGD()),
                       {"linearregressiongd__solver": ["gd", "normal_equation"]}, cv=3)
    reg.fit(Xr, yr)
    assert reg.best_score_ > 0.99


def test_predict_before_fit_and_wrong_width():
    from sklearn.exceptions import NotFittedError

    X, y = _classification()
    with pytest.raises(NotFittedError):
        LogisticRegressionGD().predict(X)
    model = LinearRegressionGD().fit(X, y.astype(float))
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :3])


def test_models_do_not_mutate_inputs():
    X, y = _classification(seed=6)
    X0, y0 = X.copy(), y.copy()
    sw = np.ones(len(y))
    LogisticRegressionGD(batch_size=50, max_iter=3, tol=None, random_state=0).fit(X, y, sample_weight=sw)
    LinearRegressionGD().fit(X, y.astype(float), sample_weight=sw)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(sw, 1.0)

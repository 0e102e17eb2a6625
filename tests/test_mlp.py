"""Tests for MLPClassifierNumpy (module 06): the scikit-learn contract and what it learns."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from recsys_lib.models import MLPClassifierNumpy
from recsys_lib.nn import mlp_predict_proba


# No expected failures: fit() takes no sample_weight (mini-batch weights would equal repetitions only in
# expectation), so scikit-learn skips its sample-weight checks, and it grants its own MLPClassifier none.
@parametrize_with_checks([MLPClassifierNumpy(max_iter=100, random_state=0),
                          MLPClassifierNumpy(hidden_layer_sizes=(8,), activation="tanh", optimizer="momentum",
                                             learning_rate=0.05, alpha=1e-3, max_iter=50, random_state=0)])
def test_sklearn_check_estimator(estimator, check):
    check(estimator)


def _xor(seed=0, m=400):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(int)         # not linearly separable
    return X, y


def test_learns_xor_which_no_linear_model_can():
    X, y = _xor()
    clf = MLPClassifierNumpy(hidden_layer_sizes=(16, 8), learning_rate=0.01, max_iter=200, random_state=0).fit(X, y)
    Xt, yt = _xor(seed=1)
    assert clf.score(Xt, yt) > 0.9
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] and clf.n_iter_ == len(clf.loss_curve_)


def test_probabilities_attributes_and_string_labels():
    X, y = _xor(seed=2, m=150)
    labels = np.array(["beauty", "books"])[y]
    clf = MLPClassifierNumpy(hidden_layer_sizes=(6,), max_iter=30, random_state=1).fit(X, labels)
    P = clf.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), P, rtol=1e-12)
    np.testing.assert_allclose(P, mlp_predict_proba(X, clf.params_))
    assert set(clf.predict(X)) <= {"beauty", "books"} and list(clf.classes_) == ["beauty", "books"]
    assert [W.shape for W in clf.coefs_] == [(2, 6), (6, 2)] and [b.shape for b in clf.intercepts_] == [(6,), (2,)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_same_random_state_same_model_and_close_to_sklearn_mlp():
    X, y = _xor(seed=3, m=300)
    a = MLPClassifierNumpy(hidden_layer_sizes=(16,), max_iter=150, learning_rate=0.01, random_state=5).fit(X, y)
    b = MLPClassifierNumpy(hidden_layer_sizes=(16,), max_iter=150, learning_rate=0.01, random_state=5).fit(X, y)
    assert a.loss_curve_ == b.loss_curve_
    sk = MLPClassifier(hidden_layer_sizes=(16,), max_iter=150, learning_rate_init=0.01, alpha=0.0,
                       random_state=5).fit(X, y)
    Xt, yt = _xor(seed=4, m=300)
    assert abs(a.score(Xt, yt) - sk.score(Xt, yt)) < 0.05


@pytest.mark.parametrize("params, match", [
    (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"), (dict(activation="softsign"), "activation"),
    (dict(optimizer="rmsprop"), "optimizer"), (dict(learning_rate=0.0), "learning_rate"),
    (dict(beta_1=1.0), "beta_1"), (dict(batch_size=0), "batch_size"), (dict(max_iter=1.5), "max_iter"),
    (dict(alpha=-1.0), "alpha")])
def test_bad_hyper_parameters_are_clear(params, match):
    X, y = _xor(m=20)
    with pytest.raises((ValueError, TypeError), match=match):
        MLPClassifierNumpy(**params).fit(X, y)


def test_errors_before_fit_single_class_and_wrong_width():
    X, y = _xor(m=30)
    with pytest.raises(NotFittedError):
        MLPClassifierNumpy().predict(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        MLPClassifierNumpy().fit(X, np.zeros(30))
    clf = MLPClassifierNumpy(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(np.zeros((3, 5)))


def test_pipeline_and_grid_search():
    X, y = _xor(seed=6, m=200)
    pipe = make_pipeline(StandardScaler(), MLPClassifierNumpy(max_iter=40, learning_rate=0.01, random_state=0))
    search = GridSearchCV(pipe, {"mlpclassifiernumpy__hidden_layer_sizes": [(2,), (16,)]}, cv=3).fit(X, y)
    assert search.best_params_["mlpclassifiernumpy__hidden_layer_sizes"] == (16,)

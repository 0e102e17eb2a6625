"""Module 05 (svm): LinearSVMPegasos (scikit-learn API, Pegasos, against LinearSVC), the hinge primitives,
the RBF kernel, and the module's plots."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.metrics.pairwise import rbf_kernel as sk_rbf_kernel
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from recsys_lib.gradcheck import check_gradient
from recsys_lib.kernels import gamma_from_sigma, rbf_kernel, squared_euclidean_distances
from recsys_lib.models import LinearSVMPegasos
from recsys_lib.models.svm import hinge_loss, hinge_subgradient, margin_geometry, pegasos_objective, svm_objective


# ------------------------------------------------------------------ scikit-learn API contract
def _expected_failures(estimator):
    # Mini-batches smaller than the data: integer sample weights equal repeated rows only in
    # expectation (the batches differ) -- the same exemption as SGDClassifier and LogisticRegressionGD.
    if estimator.batch_size is not None and estimator.batch_size < 20:
        return {"check_sample_weight_equivalence_on_dense_data":
                "mini-batch Pegasos: weights equal repetitions only in expectation"}
    return {}


@parametrize_with_checks(
    [LinearSVMPegasos(), LinearSVMPegasos(batch_size=None), LinearSVMPegasos(alpha=0.1, batch_size=8, random_state=0)],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_check_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


# ------------------------------------------------------------------ data
def _data(m=600, d=5, seed=0, flip=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    y = np.where(X @ rng.normal(size=d) + 0.4 > 0, 1.0, -1.0)
    y[rng.random(m) < flip] *= -1
    return X, y


def _pegasos_loop(X, y, lam, epochs, batch, seed):
    """A plain, unvectorised Pegasos written from the docstring (not from the implementation)."""
    m, d = X.shape
    w, b, t = np.zeros(d), 0.0, 0
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(m)
        for start in range(0, m, batch):
            idx = order[start:start + batch]
            t += 1
            eta = 1.0 / (lam * t)
            grad_w, grad_b = lam * w, 0.0
            for i in idx:
                if y[i] * (X[i] @ w + b) < 1:
                    grad_w = grad_w - y[i] * X[i] / len(idx)
                    grad_b -= y[i] / len(idx)
            w, b = w - eta * grad_w, b - eta * grad_b
    return w, b


# ------------------------------------------------------------------ primitives
def test_hinge_loss_values_and_the_kink():
    np.testing.assert_array_equal(hinge_loss([1, -1, 1, -1], [2.0, 0.5, 1.0, -1.0]), [0.0, 1.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge_loss([0, 1], [0.3, 0.2])                                   # 0/1 labels are refused


def test_primal_and_pegasos_objectives_are_the_same_problem():
    X, y = _data(m=200)
    w, b, lam = np.array([0.5, -1.0, 0.2, 0.0, 1.5]), -0.3, 0.02
    C = 1.0 / (lam * len(y))
    assert svm_objective(X, y, w, b, C) == pytest.approx(C * len(y) * pegasos_objective(X, y, w, b, lam), rel=1e-12)
    assert svm_objective(X, y, w, b, C) == pytest.approx(0.5 * w @ w + C * np.maximum(0, 1 - y * (X @ w + b)).sum())


def test_hinge_subgradient_matches_finite_differences_away_from_the_kink():
    X, y = _data(m=80, d=4, seed=2)
    w, b, lam = np.array([0.3, -0.8, 0.5, 0.1]), 0.2, 0.05
    assert np.abs(y * (X @ w + b) - 1).min() > 1e-4
    gw, gb = hinge_subgradient(X, y, w, b, lam)
    assert check_gradient(lambda v: pegasos_objective(X, y, v, b, lam), gw, w).passed
    assert check_gradient(lambda v: pegasos_objective(X, y, w, v[0], lam), np.array([gb]), np.array([b])).passed


def test_hinge_subgradient_convention_at_the_kink():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    gw, gb = hinge_subgradient(X, [1, 1], np.array([1.0, 0.0]), 0.0, 0.0)     # margins 1 (kink) and 0
    np.testing.assert_array_equal(gw, [0.0, -0.5])
    assert gb == -0.5


def test_margin_geometry_limit_cases():
    width, dist, support = margin_geometry(np.array([[3.0, 0.0], [0.5, 0.0], [-1.0, 0.0]]), [1, 1, 1],
                                           np.array([2.0, 0.0]), 0.0)
    assert width == 1.0
    np.testing.assert_allclose(dist, [3.0, 0.5, -1.0])
    assert support.tolist() == [False, True, True]                           # on the margin and misclassified


# ------------------------------------------------------------------ the estimator
def test_pegasos_matches_a_plain_loop_and_is_reproducible():
    X, y = _data(m=230, d=3, seed=3)
    model = LinearSVMPegasos(alpha=0.05, max_iter=4, batch_size=16, random_state=11).fit(X, y)
    w, b = _pegasos_loop(X, y, 0.05, 4, 16, 11)
    np.testing.assert_allclose(model.coef_[0], w, rtol=1e-10, atol=1e-12)
    assert model.intercept_[0] == pytest.approx(b, rel=1e-10, abs=1e-12)
    assert model.t_ == 4 * int(np.ceil(230 / 16)) and model.n_iter_ == 4 and len(model.loss_history_) == 4
    again = LinearSVMPegasos(alpha=0.05, max_iter=4, batch_size=16, random_state=11).fit(X, y)
    np.testing.assert_array_equal(again.coef_, model.coef_)
    other = LinearSVMPegasos(alpha=0.05, max_iter=4, batch_size=16, random_state=12).fit(X, y)
    assert not np.array_equal(other.coef_, model.coef_)
    assert model.loss_history_[-1] == pytest.approx(pegasos_objective(X, y, model.coef_[0], model.intercept_[0], 0.05))


def test_pegasos_reaches_the_linearsvc_optimum_with_c_equal_one_over_lambda_m():
    X, y = _data(m=3000, d=6, seed=4)
    lam = 0.01
    model = LinearSVMPegasos(alpha=lam, max_iter=60, batch_size=128, random_state=0).fit(X, y)
    svc = LinearSVC(loss="hinge", C=1 / (lam * len(y)), intercept_scaling=10, dual=True, tol=1e-8,
                    max_iter=500_000).fit(X, y)
    j_ours = pegasos_objective(X, y, model.coef_[0], model.intercept_[0], lam)
    j_svc = pegasos_objective(X, y, svc.coef_[0], svc.intercept_[0], lam)
    assert j_ours == pytest.approx(j_svc, rel=2e-3)
    f_ours, f_svc = model.decision_function(X), svc.decision_function(X)
    assert np.corrcoef(f_ours, f_svc)[0, 1] > 0.999
    assert np.mean(np.sign(f_ours) == np.sign(f_svc)) > 0.99


def test_labels_weights_classes_and_errors():
    X, y = _data(m=300, d=3, seed=5)
    labels = np.where(y > 0, "buy", "abandon")
    model = LinearSVMPegasos(random_state=0).fit(X, labels)
    assert model.classes_.tolist() == ["abandon", "buy"]
    np.testing.assert_array_equal(model.predict(X), np.where(model.decision_function(X) > 0, "buy", "abandon"))
    ones = LinearSVMPegasos(random_state=0).fit(X, labels, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(ones.coef_, model.coef_)                     # weights of 1 change nothing
    three = np.digitize(X[:, 0], [-0.5, 0.5])                                  # one-vs-rest for three classes
    multi = LinearSVMPegasos(alpha=0.01, max_iter=30, random_state=0).fit(X, three)
    assert multi.decision_function(X).shape == (300, 3) and multi.coef_.shape == (3, 3)
    assert np.mean(multi.predict(X) == three) > 0.8
    with pytest.raises(NotFittedError):
        LinearSVMPegasos().predict(X)
    for bad in (dict(alpha=0.0), dict(max_iter=0), dict(batch_size=0), dict(alpha="big")):
        with pytest.raises(ValueError, match=next(iter(bad))):
            LinearSVMPegasos(**bad).fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        LinearSVMPegasos().fit(X, np.ones(len(y)))


# ------------------------------------------------------------------ kernels
def test_rbf_kernel_matches_sklearn_and_never_exceeds_one():
    rng = np.random.default_rng(6)
    A, B = rng.normal(size=(40, 4)), rng.normal(size=(25, 4))
    np.testing.assert_allclose(rbf_kernel(A, B, gamma=0.3), sk_rbf_kernel(A, B, gamma=0.3), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(rbf_kernel(A), sk_rbf_kernel(A), rtol=1e-12, atol=1e-15)   # gamma = 1/d
    big = 1e4 + 5e3 * rng.random((80, 3))
    near = big.copy()
    near[:, 0] += 1e-4 * rng.random(80)
    assert rbf_kernel(big, near, gamma=0.5).max() <= 1.0                         # clipped squared distances
    K = rbf_kernel(big, gamma=0.5)
    assert np.all(np.diag(K) == 1.0) and np.all(np.diag(squared_euclidean_distances(big)) == 0.0)
    assert gamma_from_sigma(2.0) == 0.125
    with pytest.raises(ValueError, match="same number of columns"):
        rbf_kernel(A, B[:, :3])
    with pytest.raises(ValueError, match="gamma"):
        rbf_kernel(A, B, gamma=-1.0)


# ------------------------------------------------------------------ plots
def test_svm_plots_draw_what_they_say():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from recsys_lib.plots import plot_cv_heatmap, plot_objective_along_ray, plot_svm_decision

    X, y = _data(m=120, d=2, seed=7)
    model = LinearSVMPegasos(alpha=0.05, max_iter=50, batch_size=16, random_state=0).fit(X, y)
    _, _, support = margin_geometry(X, y, model.coef_[0], model.intercept_[0])
    ax = plot_svm_decision(model.decision_function, X, y, support=support)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"support vectors ({int(support.sum())} of 120)" in labels
    with pytest.raises(ValueError, match="two features"):
        plot_svm_decision(model.decision_function, np.c_[X, X[:, :1]], y)
    scores = pd.DataFrame([[0.5, 0.7], [0.9, 0.6]], index=pd.Index([1, 10], name="C"),
                          columns=pd.Index([0.1, 1.0], name="gamma"))
    ax = plot_cv_heatmap(scores)
    (box,) = [p for p in ax.patches if p.get_edgecolor()[:3] == (1.0, 0.0, 0.0)]
    assert box.get_xy() == (-0.5, 0.5)                                          # the best cell: C = 10, gamma = 0.1
    ax = plot_objective_along_ray([1, 10, 100], {"a": [1, 2, 3], "b": [3, 2, 1]})
    assert len(ax.get_lines()) == 3                                              # two curves and the zero line
    plt.close("all")

"""Tests for recsys_lib.gradcheck (numerical gradient checking, module 01)."""
from __future__ import annotations

import numpy as np
import pytest

from recsys_lib.gradcheck import GradientCheckResult, check_gradient, numerical_gradient, relative_error
from recsys_lib.models import log_loss_gradient, logistic_loss, mse_gradient, mse_loss


@pytest.fixture
def rng():
    return np.random.default_rng(20240501)


def _quadratic(A, c):
    """f(x) = 1/2 x^T A x + c^T x, grad = 1/2 (A + A^T) x + c."""
    return (lambda x: 0.5 * x @ A @ x + c @ x), (lambda x: 0.5 * (A + A.T) @ x + c)


def _logsumexp(x):
    mx = np.max(x)
    return float(mx + np.log(np.sum(np.exp(x - mx))))


def _softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


# ---------------------------------------------------------------- numerical_gradient
def test_numerical_gradient_quadratic(rng):
    A = rng.normal(size=(5, 5))
    c = rng.normal(size=5)
    f, g = _quadratic(A, c)
    x = rng.normal(size=5)
    np.testing.assert_allclose(numerical_gradient(f, x), g(x), rtol=1e-7, atol=1e-8)


def test_numerical_gradient_logsumexp(rng):
    x = rng.normal(size=7) * 3
    np.testing.assert_allclose(numerical_gradient(_logsumexp, x), _softmax(x), rtol=1e-6, atol=1e-9)


def test_numerical_gradient_mse_matches_formula(rng):
    X = rng.normal(size=(40, 3))
    y = rng.normal(size=40)
    w = rng.normal(size=3)
    gw, gb = mse_gradient(X, y, w, 0.7)
    np.testing.assert_allclose(numerical_gradient(lambda v: mse_loss(X, y, v, 0.7), w), gw, rtol=1e-6)
    np.testing.assert_allclose(numerical_gradient(lambda b: mse_loss(X, y, w, b), 0.7), gb, rtol=1e-6)


def test_numerical_gradient_any_shape(rng):
    W = rng.normal(size=(3, 4, 2))
    f = lambda M: float(np.sum(M**3))  # noqa: E731
    g = numerical_gradient(f, W)
    assert g.shape == W.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, 3 * W**2, rtol=1e-6, atol=1e-9)
    # 0-d input
    g0 = numerical_gradient(lambda t: float(t) ** 2, 1.5)
    assert g0.shape == () and abs(float(g0) - 3.0) < 1e-8


def test_numerical_gradient_does_not_mutate_and_restores(rng):
    x = rng.normal(size=(4, 3))
    before = x.copy()
    seen = []

    def f(v):
        seen.append(v.copy())
        return float(np.sum(np.sin(v)))

    numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    # each call differs from x in exactly one entry: all other entries were restored
    for v in seen:
        assert np.count_nonzero(v != before) == 1


def test_float32_input_is_checked_in_float64():
    x32 = np.array([0.3, -1.2, 2.5], dtype=np.float32)
    dtypes = []

    def f(v):
        dtypes.append(v.dtype)
        return float(np.sum(v**2))

    g = numerical_gradient(f, x32)
    assert set(dtypes) == {np.dtype(np.float64)}
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x32.astype(np.float64), rtol=1e-8)
    assert x32.dtype == np.float32  # caller's array untouched
    # and check_gradient on a float32 point passes with the float64 threshold
    res = check_gradient(f, lambda v: 2 * v, x32)
    assert res.passed and res.relative_error < 1e-8


def test_non_scalar_f_is_rejected():
    with pytest.raises(ValueError, match="scalar"):
        numerical_gradient(lambda v: v * 2, np.ones(3))


# ---------------------------------------------------------------- relative_error
def test_relative_error_formula_and_limits():
    a = np.array([1.0, -2.0, 0.0])
    b = np.array([1.0, -2.5, 0.0])
    # max|a-b| = 0.5 ; max(|a|+|b|) = 4.5
    assert relative_error(a, b) == pytest.approx(0.5 / 4.5)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    assert relative_error(np.zeros(2), np.array([1e-30, 0.0])) == pytest.approx(1.0)
    assert relative_error(3e5 * a, 3e5 * b) == pytest.approx(relative_error(a, b))
    with pytest.raises(ValueError, match="shape"):
        relative_error(np.ones(3), np.ones((3, 1)))


# ---------------------------------------------------------------- check_gradient
def test_check_gradient_passes_for_correct_gradients(rng):
    X = rng.normal(size=(50, 4))
    y = (rng.random(50) < 0.4).astype(float)
    w = rng.normal(size=4)
    res = check_gradient(lambda v: logistic_loss(X, y, v, 0.3, alpha=0.1),
                         lambda v: log_loss_gradient(X, y, v, 0.3, alpha=0.1)[0], w)
    assert isinstance(res, GradientCheckResult)
    assert res.passed and bool(res) and res.relative_error < 1e-8
    assert res.threshold == 1e-6
    assert "passed" in str(res)
    A = rng.normal(size=(6, 6))
    f, g = _quadratic(A, rng.normal(size=6))
    assert check_gradient(f, g, rng.normal(size=6)).passed
    x = rng.normal(size=5)
    assert check_gradient(_logsumexp, _softmax(x), x).passed   # array instead of a callable


@pytest.fixture
def mse_problem(rng):
    m = 37
    X = rng.normal(size=(m, 4))
    y = rng.normal(size=m)
    w = rng.normal(size=4)
    f = lambda v: mse_loss(X, y, v, 0.5)  # noqa: E731
    g = lambda v: mse_gradient(X, y, v, 0.5)[0]  # noqa: E731
    return m, f, g, w


def test_catches_gradient_times_two(mse_problem):
    m, f, g, w = mse_problem
    res = check_gradient(f, lambda v: 2 * g(v), w, m=m)
    assert not res.passed
    assert res.scale == pytest.approx(2.0, rel=1e-6)
    assert "2x" in res.message and "factor 2" in res.message


def test_catches_sign_flip(mse_problem):
    m, f, g, w = mse_problem
    res = check_gradient(f, lambda v: -g(v), w, m=m)
    assert not res.passed
    assert "-1x" in res.message and "sign" in res.message


def test_catches_missing_one_over_m(mse_problem):
    m, f, g, w = mse_problem
    res = check_gradient(f, lambda v: m * g(v), w, m=m)
    assert not res.passed
    assert "1/m" in res.message and "missing" in res.message
    # without m the factor is still reported as a number
    res2 = check_gradient(f, lambda v: m * g(v), w)
    assert not res2.passed and str(m) in res2.message


def test_catches_non_constant_error_and_reports_worst_index(mse_problem):
    m, f, g, w = mse_problem

    def wrong(v):
        out = g(v).copy()
        out[2] += 0.3
        return out

    res = check_gradient(f, wrong, w, m=m)
    assert not res.passed
    assert res.worst_index == (2,)
    assert "not a single overall factor" in res.message


def test_small_error_caught_by_threshold(mse_problem):
    m, f, g, w = mse_problem
    res = check_gradient(f, lambda v: g(v) * (1 + 1e-4), w)
    assert not res.passed and res.relative_error > 1e-6


def test_check_gradient_shape_mismatch_is_clear(mse_problem):
    m, f, g, w = mse_problem
    with pytest.raises(ValueError, match="shape"):
        check_gradient(f, lambda v: g(v)[:, None], w)


def test_check_gradient_matrix_parameter_worst_index(rng):
    W = rng.normal(size=(3, 2))
    f = lambda M: float(np.sum(M**2))  # noqa: E731

    def g(M):
        G = 2 * M
        G[1, 0] += 1.0
        return G

    res = check_gradient(f, g, W)
    assert not res.passed and res.worst_index == (1, 0)
    assert np.array_equal(W, W.copy())


def test_check_gradient_nan_analytic(mse_problem):
    m, f, g, w = mse_problem
    res = check_gradient(f, lambda v: np.full_like(v, np.nan), w)
    assert not res.passed and "NaN" in res.message


def test_check_gradient_does_not_mutate_x(mse_problem):
    m, f, g, w = mse_problem
    before = w.copy()
    check_gradient(f, g, w)
    np.testing.assert_array_equal(w, before)

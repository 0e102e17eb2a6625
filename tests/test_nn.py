"""Tests for the module-06 NumPy building blocks: recsys_lib.nn and the softmax losses."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import log_softmax as sp_log_softmax
from scipy.special import logsumexp as sp_logsumexp
from scipy.special import softmax as sp_softmax
from sklearn.metrics import log_loss as sk_log_loss

from recsys_lib import nn
from recsys_lib.gradcheck import check_gradient
from recsys_lib.losses import (
    log_softmax,
    logsumexp,
    softmax,
    softmax_cross_entropy,
    softmax_cross_entropy_gradient,
)


def _problem(seed=0, m=12, sizes=(5, 4, 3, 3)):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    y = rng.integers(0, sizes[-1], size=m)
    params = [(W, rng.normal(scale=0.5, size=b.shape)) for W, b in nn.init_mlp_params(list(sizes), seed=seed)]
    return X, y, params


# ------------------------------------------------------------------ activations
def test_activation_values_and_the_relu_convention_at_zero():
    z = np.array([-3.0, -1e-9, 0.0, 1e-9, 2.5])
    np.testing.assert_array_equal(nn.relu(z), [0, 0, 0, 1e-9, 2.5])
    np.testing.assert_array_equal(nn.relu_grad(z), [0, 0, 0, 1, 1])      # ReLU'(0) = 0 (TF/PyTorch)
    assert nn.sigmoid_grad(0.0) == 0.25 and nn.tanh_grad(0.0) == 1.0
    np.testing.assert_allclose(nn.tanh(z), np.tanh(z))
    for name, (f, f_prime) in nn.ACTIVATIONS.items():
        assert f(z).dtype == np.float64 and f_prime(z).shape == z.shape, name


@pytest.mark.parametrize("name", sorted(nn.ACTIVATIONS))
def test_activation_derivatives_pass_the_gradient_checker(name):
    f, f_prime = nn.ACTIVATIONS[name]
    z = np.random.default_rng(1).normal(scale=3.0, size=(4, 5))
    z = z[np.abs(z) > 1e-3]                                              # away from ReLU's kink
    result = check_gradient(lambda x: float(np.sum(f(x))), f_prime(z), z)
    assert result.passed, result.message


def test_sigmoid_grad_is_finite_and_silent_at_extremes():
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        g = nn.sigmoid_grad(np.array([-1000.0, 1000.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0])


# ------------------------------------------------------------------ softmax and cross-entropy
def test_softmax_family_matches_scipy_and_survives_huge_logits():
    Z = np.random.default_rng(2).normal(scale=5.0, size=(6, 4))
    np.testing.assert_allclose(softmax(Z, axis=1), sp_softmax(Z, axis=1), rtol=1e-13)
    np.testing.assert_allclose(logsumexp(Z, axis=1), sp_logsumexp(Z, axis=1), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(Z, axis=1), sp_log_softmax(Z, axis=1), rtol=1e-12, atol=1e-13)
    big = np.array([[1000.0, 0.0, -1000.0]])
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(softmax(big, axis=1), [[1.0, 0.0, 0.0]])
        assert log_softmax(big, axis=1)[0, 2] == -2000.0                 # finite, where log(softmax) is -inf
        np.testing.assert_allclose(softmax(Z + 1e4, axis=1), softmax(Z, axis=1), rtol=1e-10)


def test_softmax_cross_entropy_limit_cases():
    K = 5
    assert softmax_cross_entropy(np.zeros((3, K)), [0, 1, 4]) == pytest.approx(np.log(K))   # uniform guess
    assert softmax_cross_entropy(np.array([[0.0, 1000.0]]), [0]) == pytest.approx(1000.0)  # confident mistake
    assert softmax_cross_entropy(np.array([[1000.0, 0.0]]), [0]) == 0.0                    # confident and right


def test_softmax_cross_entropy_matches_sklearn_and_one_hot_labels():
    rng = np.random.default_rng(3)
    Z, y = rng.normal(size=(20, 4)), rng.integers(0, 4, 20)
    y[:4] = np.arange(4)
    assert softmax_cross_entropy(Z, y) == pytest.approx(sk_log_loss(y, softmax(Z, axis=1)), rel=1e-12)
    assert softmax_cross_entropy(Z, np.eye(4)[y]) == pytest.approx(softmax_cross_entropy(Z, y), rel=1e-15)


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_m():
    rng = np.random.default_rng(4)
    Z, y = rng.normal(size=(9, 3)), rng.integers(0, 3, 9)
    grad = softmax_cross_entropy_gradient(Z, y)
    np.testing.assert_allclose(grad, (softmax(Z, axis=1) - np.eye(3)[y]) / 9)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)       # each row of P - Y sums to 0
    result = check_gradient(lambda X: softmax_cross_entropy(X, y), grad, Z, m=9)
    assert result.passed, result.message


@pytest.mark.parametrize("labels, match", [([0, 3], "0..2"), ([0.5, 1.0], "integer"), ([0, 1, 2], "one label per row"),
                                           ([-1, 0], "0..2")])
def test_softmax_cross_entropy_rejects_bad_labels(labels, match):
    with pytest.raises(ValueError, match=match):
        softmax_cross_entropy(np.zeros((2, 3)), np.array(labels))


# ------------------------------------------------------------------ dense layer and backprop
def test_dense_layer_backward_passes_the_gradient_checker():
    rng = np.random.default_rng(5)
    A, W, b, G = rng.normal(size=(6, 4)), rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(6, 3))
    dA, dW, db = nn.dense_backward(G, A, W)
    for grad, x, f in ((dA, A, lambda a: np.sum(G * nn.dense_forward(a, W, b))),
                       (dW, W, lambda w: np.sum(G * nn.dense_forward(A, w, b))),
                       (db, b, lambda v: np.sum(G * nn.dense_forward(A, W, v)))):
        assert check_gradient(f, grad, x).passed
    with pytest.raises(ValueError, match="n_in"):
        nn.dense_forward(A, W.T, b)


@pytest.mark.parametrize("activation", sorted(nn.ACTIVATIONS))
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_backprop_gradients_pass_the_gradient_checker(activation, alpha):
    X, y, params = _problem(seed=6)
    loss, grads = nn.mlp_loss_and_gradients(X, y, params, activation, alpha)
    assert loss == pytest.approx(nn.mlp_loss(X, y, params, activation, alpha))
    for l in range(len(params)):
        for k in range(2):
            def f(p, l=l, k=k):
                new = [list(pair) for pair in params]
                new[l][k] = p
                return nn.mlp_loss(X, y, [tuple(pair) for pair in new], activation, alpha)
            result = check_gradient(f, grads[l][k], params[l][k], m=len(y))
            assert result.passed, (l, k, result.message)


def test_backprop_does_not_mutate_params_and_biases_are_not_penalised():
    X, y, params = _problem(seed=7)
    before = [(W.copy(), b.copy()) for W, b in params]
    _, g0 = nn.mlp_loss_and_gradients(X, y, params, alpha=0.0)
    _, g1 = nn.mlp_loss_and_gradients(X, y, params, alpha=0.5)
    for (W, b), (W0, b0), (dW0, db0), (dW1, db1) in zip(params, before, g0, g1):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
        np.testing.assert_allclose(dW1, dW0 + 0.5 * W)
        np.testing.assert_array_equal(db1, db0)


def test_init_mlp_params_shapes_ranges_and_seed():
    params = nn.init_mlp_params([10, 8, 3], seed=0)
    assert [(W.shape, b.shape) for W, b in params] == [((10, 8), (8,)), ((8, 3), (3,))]
    assert np.abs(params[0][0]).max() <= np.sqrt(6 / 10)                 # He for the ReLU layer
    assert np.abs(params[1][0]).max() <= np.sqrt(6 / 11)                 # Glorot for the softmax layer
    assert all(not b.any() for _, b in params)
    again = nn.init_mlp_params([10, 8, 3], seed=0)
    assert all(np.array_equal(W, W2) for (W, _), (W2, _) in zip(params, again))
    with pytest.raises(ValueError):
        nn.init_mlp_params([4])


# ------------------------------------------------------------------ optimisers
def test_update_rules_by_hand():
    theta, g = np.array([1.0, -2.0]), np.array([0.5, -4.0])
    np.testing.assert_allclose(nn.sgd_step(theta, g, 0.1), [0.95, -1.6])
    th, v = nn.momentum_step(theta, g, np.array([1.0, 1.0]), 0.1, 0.9)
    np.testing.assert_allclose(v, [1.4, -3.1])
    np.testing.assert_allclose(th, theta - 0.1 * v)
    th, m, v = nn.adam_step(theta, g, np.zeros(2), np.zeros(2), 1, lr=0.01)
    np.testing.assert_allclose(th, theta - 0.01 * np.sign(g), rtol=1e-7)  # bias-corrected first step: lr * sign(g)
    np.testing.assert_allclose(m, 0.1 * g)
    np.testing.assert_allclose(v, 0.001 * g * g)
    with pytest.raises(ValueError, match="starts at 1"):
        nn.adam_step(theta, g, m, v, 0)


def test_optimizer_classes_equal_the_step_functions():
    rng = np.random.default_rng(8)
    arrays, grads = [rng.normal(size=3), rng.normal(size=(2, 2))], [rng.normal(size=3), rng.normal(size=(2, 2))]
    adam = nn.Adam(lr=0.05)
    out = adam.update(adam.update(arrays, grads), grads)
    a, m, v = arrays[0], np.zeros(3), np.zeros(3)
    for t in (1, 2):
        a, m, v = nn.adam_step(a, grads[0], m, v, t, 0.05)
    np.testing.assert_allclose(out[0], a)
    mom = nn.make_optimizer("momentum", 0.1, momentum=0.5)
    out = mom.update(mom.update(arrays, grads), grads)
    np.testing.assert_allclose(out[1], arrays[1] - 0.1 * grads[1] - 0.1 * 1.5 * grads[1])
    with pytest.raises(ValueError, match="unknown optimizer"):
        nn.make_optimizer("rmsprop", 0.1)
    with pytest.raises(ValueError, match="positive"):
        nn.SGD(lr=0.0)


# ------------------------------------------------------------------ training loop
def test_train_mlp_is_seeded_learns_and_records_history():
    X, y, params = _problem(seed=9, m=120, sizes=(5, 8, 3))
    p1, h1 = nn.train_mlp(X, y, params, 15, 16, learning_rate=0.01, seed=3, validation=(X[:20], y[:20]))
    p2, h2 = nn.train_mlp(X, y, params, 15, 16, learning_rate=0.01, seed=3)
    assert h1["loss"] == h2["loss"] and len(h1["loss"]) == len(h1["val_loss"]) == 15
    assert h1["loss"][-1] < 0.8 * nn.mlp_loss(X, y, params)
    _, h3 = nn.train_mlp(X, y, params, 15, 16, learning_rate=0.01, seed=4)
    assert h3["loss"] != h1["loss"]                                       # the seed drives the batch order
    for opt in ("sgd", "momentum"):
        _, h = nn.train_mlp(X, y, params, 5, 16, learning_rate=0.05, seed=0, optimizer=opt)
        assert h["loss"][-1] < h["loss"][0]


def test_train_mlp_early_stopping_and_divergence():
    X, y, params = _problem(seed=10, m=60, sizes=(5, 4, 3))
    _, h = nn.train_mlp(X, y, params, 500, 60, learning_rate=1e-4, seed=0, tol=1.0, n_iter_no_change=3)
    assert len(h["loss"]) == 1 + 3          # epoch 1 sets the best loss; 3 epochs without a gain of 1.0: stop
    with pytest.raises(FloatingPointError, match="too large"), np.errstate(all="ignore"):
        nn.train_mlp(X * 1e3, y, params, 50, 60, learning_rate=1e6, seed=0, optimizer="sgd")


# ------------------------------------------------------------------ the module's plots
def test_module_06_plots_draw_what_they_are_given():
    import matplotlib
    matplotlib.use("Agg")
    import pandas as pd

    from recsys_lib import plots

    left, right = plots.plot_activations(nn.ACTIVATIONS)
    assert [line.get_label() for line in left.get_lines() if not line.get_label().startswith("_")] == \
        sorted(nn.ACTIVATIONS)
    relu_prime = next(line for line in right.get_lines() if line.get_label() == "relu'")
    z, d = relu_prime.get_data()
    np.testing.assert_array_equal(d, (z > 0).astype(float))
    ax = plots.plot_optimizer_curves({"sgd": [1.0, 0.5, 0.25], "adam": [0.8, 0.2]})
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 2] and ax.get_yscale() == "log"
    ax = plots.plot_training_history({"run": {"loss": [1.0, 0.7], "val_loss": [1.1, 0.9]}}, mark_epoch=2)
    assert [line.get_linestyle() for line in ax.get_lines()][:2] == ["-", "--"]
    scores = pd.DataFrame({"accuracy": [0.6, 0.8, 0.9], "top-3 accuracy": [0.85, 0.95, 0.99]},
                          index=["baseline", "model", "oracle"])
    axes = plots.plot_accuracy_ladder(scores, baseline="baseline", ceiling="oracle")
    assert [a.get_title() for a in axes] == ["accuracy (higher is better)", "top-3 accuracy (higher is better)"]
    assert sorted(round(line.get_xdata()[0], 2) for line in axes[1].get_lines()) == [0.85, 0.99]
    matplotlib.pyplot.close("all")

r"""Data and known mistakes for the module-06 checks (neural_networks_backprop).

:mod:`autograder.exercises.m06_neural_networks_backprop` holds the checks; this file makes their
inputs (seeded, small) and computes the values that realistic wrong answers give, so a failed
check can name the mistake. Everything is bound at import time, before any student code runs.

Conventions (:mod:`recsys_lib.nn`, :mod:`recsys_lib.losses`): rows are examples; ``W`` is
(n_in, n_out); ``Z = A W + b``; ``dense_backward(dZ, A, W) = (dZ W^T, A^T dZ, sum_rows dZ)``;
softmax cross-entropy is a mean over rows, so ``dL/dZ = (P - Y) / m``; ReLU'(0) = 0; momentum
``v <- beta v + g, theta <- theta - lr v``; Adam with bias correction, ``t`` from 1.
"""
from __future__ import annotations

from types import SimpleNamespace as _SimpleNamespace

import numpy as _np

from recsys_lib import losses as _losses
from recsys_lib import nn as _nn

# NumPy functions bound when this module is imported (in the locked setup cell, before any student
# code runs): rebinding np.<name> in the notebook does not change what the checks compute.
_N = _SimpleNamespace(
    arange=_np.arange, array=_np.array, asarray=_np.asarray, diag=_np.diag, errstate=_np.errstate,
    exp=_np.exp, float64=_np.float64, int64=_np.int64, qr=_np.linalg.qr, linspace=_np.linspace,
    log=_np.log, mean=_np.mean, ones_like=_np.ones_like, default_rng=_np.random.default_rng,
    sign=_np.sign, sqrt=_np.sqrt, tanh=_np.tanh, zeros=_np.zeros, zeros_like=_np.zeros_like,
    maximum=_np.maximum, RandomState=_np.random.RandomState)

# reference implementations, bound before any student code runs
ref_relu, ref_relu_grad = _nn.relu, _nn.relu_grad
ref_sigmoid, ref_sigmoid_grad = _nn.sigmoid, _nn.sigmoid_grad
ref_tanh_grad = _nn.tanh_grad
ref_softmax = _losses.softmax
ref_sce = _losses.softmax_cross_entropy
ref_logsumexp = _losses.logsumexp
ref_dense_backward = _nn.dense_backward
ref_mlp_forward, ref_mlp_loss = _nn.mlp_forward, _nn.mlp_loss
ref_mlp_loss_and_gradients = _nn.mlp_loss_and_gradients
ref_init = _nn.init_mlp_params
ref_sgd_step, ref_momentum_step, ref_adam_step = _nn.sgd_step, _nn.momentum_step, _nn.adam_step
ref_train_mlp = _nn.train_mlp
ref_predict_proba = _nn.mlp_predict_proba

_rng, _array, _asarray, _float64, _exp, _log, _tanh, _sqrt, _zeros, _zeros_like, _errstate = (
    _N.default_rng, _N.array, _N.asarray, _N.float64, _N.exp, _N.log, _N.tanh, _N.sqrt,
    _N.zeros, _N.zeros_like, _N.errstate)


def one_hot(y, K):
    Y = _zeros((len(y), K))
    Y[_N.arange(len(y)), _asarray(y, dtype=_N.int64)] = 1.0
    return Y


# ---------------------------------------------------------------- inputs
def make_logits(m: int, K: int, seed: int, scale: float = 2.0):
    """Logits (m, K) ~ N(0, scale^2) and labels 0..K-1 (every class present when m >= K)."""
    rng = _rng(seed)
    Z = rng.normal(scale=scale, size=(m, K))
    y = rng.permutation(_N.arange(m) % K)
    return Z, y


def make_layer(m: int, n_in: int, n_out: int, seed: int):
    """A dense layer's input A (m, n_in), weights W (n_in, n_out), bias b and an upstream gradient G."""
    rng = _rng(seed)
    return (rng.normal(size=(m, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out),
            rng.normal(size=(m, n_out)))


def make_mlp_problem(m: int, sizes, seed: int):
    """(X, y, params) for an MLP with layer sizes ``sizes`` = [d, hidden..., K]: He weights and
    non-zero biases, so that no pre-activation sits on the ReLU kink (finite differences there are wrong)."""
    rng = _rng(seed)
    X = rng.normal(size=(m, sizes[0]))
    y = rng.permutation(_N.arange(m) % sizes[-1])
    params = [(W, rng.normal(scale=0.5, size=b.shape)) for W, b in ref_init(sizes, rng)]
    return X, y, params


def make_quadratic(d: int, seed: int):
    """A convex quadratic f(theta) = 1/2 theta^T H theta - c^T theta (H positive definite, condition ~20)."""
    rng = _rng(seed)
    Q, _ = _N.qr(rng.normal(size=(d, d)))
    H = Q @ _N.diag(_N.linspace(1.0, 20.0, d)) @ Q.T
    return H, rng.normal(size=d), rng.normal(size=d)


# ---------------------------------------------------------------- 1. activations: wrong derivatives
def relu_grad_mistakes(z):
    z = _asarray(z, dtype=_float64)
    return [("the gradient of the ReLU at z < 0 is not zero: max(z, 0) is flat there, so its derivative "
             "is 0 for z < 0 and 1 for z > 0", _N.ones_like(z)),
            ("returned the ReLU itself, max(z, 0), instead of its derivative (1 where z > 0, else 0)", ref_relu(z)),
            ("used the sign of z: the derivative is 0, not -1, for z < 0", _N.sign(z)),
            ("relu_grad(0) should be 0 (the convention stated in the text: z > 0, not z >= 0)",
             (z >= 0).astype(_float64))]


def sigmoid_grad_mistakes(z):
    s = ref_sigmoid(z)
    z = _asarray(z, dtype=_float64)
    return [("returned sigmoid(z) itself; its derivative is sigmoid(z) * (1 - sigmoid(z))", s),
            ("applied s(1 - s) to z instead of to s = sigmoid(z)", z * (1 - z)),
            ("returned 1 - sigmoid(z); the derivative is sigmoid(z) * (1 - sigmoid(z))", 1 - s)]


def tanh_grad_mistakes(z):
    t = _tanh(_asarray(z, dtype=_float64))
    z = _asarray(z, dtype=_float64)
    return [("1 - tanh(z) is missing the square: tanh'(z) = 1 - tanh(z)**2", 1 - t),
            ("applied 1 - t**2 to z instead of to t = tanh(z)", 1 - z * z),
            ("used the sigmoid's formula t(1 - t); tanh'(z) = 1 - tanh(z)**2", t * (1 - t)),
            ("1 - tanh(z**2): square the tanh, not z: tanh'(z) = 1 - tanh(z)**2", 1 - _tanh(z * z))]


# ---------------------------------------------------------------- 2. softmax and cross-entropy
def softmax_mistakes(Z):
    Z = _asarray(Z, dtype=_float64)
    with _errstate(all="ignore"):
        E = _exp(Z - Z.max(axis=0, keepdims=True))
        return [("normalised over axis 0 (down the columns): each ROW (one example) must sum to 1",
                 _exp(Z - Z.max(axis=0, keepdims=True)) / _exp(Z - Z.max(axis=0, keepdims=True)).sum(axis=0)),
                ("subtracted the maximum of each column (axis=0); subtract each row's maximum "
                 "(axis=1, keepdims=True)", E / E.sum(axis=1, keepdims=True)),
                ("divided by the sum over the whole matrix; divide each row by its own sum",
                 _exp(Z - Z.max()) / _exp(Z - Z.max()).sum())]


#: clipping constants learners put into log(max(p, eps)) (Keras's 1e-7, scikit-learn's float eps, ...)
_CLIP_EPS = (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, float(_np.finfo(_np.float64).eps), 1e-300)


def sce_loss_mistakes(Z, y):
    Z = _asarray(Z, dtype=_float64)
    m, K = Z.shape
    rows = -(Z[_N.arange(m), y] - ref_logsumexp(Z, axis=1))
    L = float(rows.mean())
    return [("summed the per-example losses instead of averaging them (missing 1/m)", L * m),
            ("a sign error: the loss is MINUS the mean log-probability of the true class", -L),
            ("averaged -log p over all K classes, not only the true class of each row",
             float(-(Z - ref_logsumexp(Z, axis=1)[:, None]).mean())),
            ("log base 2 instead of the natural log", L / _log(2.0))] + [
            (f"took the log of probabilities clipped at {eps:g} (log(max(p, eps))): that caps each row's loss at "
             f"-log(eps) = {-_log(eps):.3g}; with logits like [0, 1000] the loss is about 1000, so use log-sum-exp: "
             f"log p_iy = z_iy - logsumexp(z_i)", float(-_N.mean(_N.maximum(-rows, _log(eps)))))
            for eps in _CLIP_EPS]


def sce_grad_mistakes(Z, y):
    Z = _asarray(Z, dtype=_float64)
    m, K = Z.shape
    P, Y = ref_softmax(Z, axis=1), one_hot(y, K)
    return [("forgot 1/m: the loss is a MEAN over the m rows, so dL/dZ = (P - Y) / m", P - Y),
            ("the wrong sign: dL/dZ = (P - Y) / m, not (Y - P) / m", (Y - P) / m),
            ("returned P / m: the true class's column needs the - Y term", P / m),
            ("P - Y / m: the brackets are missing, (P - Y) / m divides both terms", P - Y / m)]


# ---------------------------------------------------------------- 3. dense layer
def dense_backward_mistakes(dZ, A, W):
    dZ, A, W = (_asarray(x, dtype=_float64) for x in (dZ, A, W))
    m = A.shape[0]
    dA, dW, db = dZ @ W.T, A.T @ dZ, dZ.sum(axis=0)
    out = {"dA": [], "dW": [("divided by m again: the 1/m of the mean loss is already inside dZ", dW / m)],
           "db": [("took the mean over the rows: the 1/m is already inside dZ, so db is a plain sum "
                   "over the rows", dZ.mean(axis=0))]}
    if W.shape[0] == W.shape[1]:
        out["dA"].append(("used W instead of W^T in the backward pass: dA = dZ @ W.T (row i of dZ "
                          "times the transpose maps n_out values back to n_in)", dZ @ W))
        out["dW"].append(("transposed: dW = A.T @ dZ has the shape of W, (n_in, n_out); dZ.T @ A is its "
                          "transpose", (A.T @ dZ).T))
    del dA, db
    return out


# ---------------------------------------------------------------- 4. backprop through the MLP
def mlp_gradient_variants(X, y, params):
    """Gradients a realistic wrong backward pass gives, as (description, grads) pairs."""
    X = _asarray(X, dtype=_float64)
    m = X.shape[0]
    _, cache = ref_mlp_forward(X, params)
    Y = one_hot(y, params[-1][0].shape[1])
    P = ref_softmax(cache[-1][1], axis=1)

    def backward(delta, with_fprime=True):
        grads = [None] * len(params)
        for l in range(len(params) - 1, -1, -1):
            dA, dW, db = ref_dense_backward(delta, cache[l][0], params[l][0])
            grads[l] = (dW, db)
            if l:
                delta = dA * ref_relu_grad(cache[l - 1][1]) if with_fprime else dA
        return grads

    return [("forgot to multiply by the ReLU's derivative: Delta^(l) = (Delta^(l+1) W^(l+1)T) * f'(Z^(l)), "
             "elementwise", backward((P - Y) / m, with_fprime=False)),
            ("missing the 1/m: the output layer's Delta is (P - Y) / m for a mean loss", backward(P - Y)),
            ("the wrong sign: the output layer's Delta is (P - Y) / m, not (Y - P) / m", backward((Y - P) / m))]


# ---------------------------------------------------------------- 5. optimisers
def run_optimizer(step, kind, H, c, theta0, n_steps, **hp):
    """Trajectory of an optimiser on f(theta) = 1/2 theta^T H theta - c^T theta: list of
    (theta, state...) after each step; ``step`` is called like the student's function."""
    theta = _array(theta0, dtype=_float64)
    state = [_zeros_like(theta), _zeros_like(theta)]
    out = []
    for t in range(1, n_steps + 1):
        g = H @ theta - c
        if kind == "sgd":
            theta = step(theta, g, hp["lr"])
            out.append((theta,))
        elif kind == "momentum":
            theta, state[0] = step(theta, g, state[0], hp["lr"], hp["beta"])
            out.append((theta, state[0]))
        else:
            theta, state[0], state[1] = step(theta, g, state[0], state[1], t, hp["lr"], hp["beta1"],
                                             hp["beta2"], hp["eps"])
            out.append((theta, state[0], state[1]))
    return out


def optimizer_variants(kind):
    """Wrong update rules, as (description, function with the student's signature)."""
    if kind == "sgd":
        return [("the wrong sign: gradient DEscent moves against the gradient, theta - lr * grad",
                 lambda th, g, lr: th + lr * g)]
    if kind == "momentum":
        return [("momentum sign: with v = beta v + g the step is theta - lr * v (you moved uphill)",
                 lambda th, g, v, lr, b: (th + lr * (b * v + g), b * v + g)),
                ("momentum sign: v = beta v + g, not beta v - g (with theta - lr v this climbs the loss)",
                 lambda th, g, v, lr, b: (th - lr * (b * v - g), b * v - g)),
                ("used an average (1 - beta) g instead of the sum v = beta v + g stated in the text",
                 lambda th, g, v, lr, b: (th - lr * (b * v + (1 - b) * g), b * v + (1 - b) * g)),
                ("updated theta with the OLD velocity: first v = beta v + g, then theta - lr * v",
                 lambda th, g, v, lr, b: (th - lr * v, b * v + g)),
                ("Nesterov's look-ahead step theta - lr (g + beta v); this notebook's (heavy-ball) momentum "
                 "steps along the new velocity: theta - lr * v",
                 lambda th, g, v, lr, b: (th - lr * (g + b * (b * v + g)), b * v + g))]

    def adam(correct_m=True, correct_v=True, eps_inside=False, g2=True, shift=0):
        def step(th, g, m, v, t, lr, b1, b2, eps):
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * (g * g if g2 else g)
            tt = t + shift
            mh = m / (1 - b1 ** tt) if correct_m else m
            vh = v / (1 - b2 ** tt) if correct_v else v
            with _errstate(all="ignore"):
                den = _sqrt(vh + eps) if eps_inside else _sqrt(vh) + eps
            return th - lr * mh / den, m, v
        return step
    return [("Adam without bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t); without it "
             "the first steps are (1 - beta1**t) / sqrt(1 - beta2**t) times too large (about 3x at t = 1)",
             adam(False, False)),
            ("Adam's bias correction only on m: v needs v / (1 - beta2**t) too (without it the first step is "
             "about 30x too large)", adam(True, False)),
            ("Adam's bias correction only on v: m needs m / (1 - beta1**t) too (without it the first step is "
             "10x too small)", adam(False, True)),
            ("Adam's eps inside the square root, sqrt(v_hat + eps); the formula adds it outside: "
             "sqrt(v_hat) + eps", adam(eps_inside=True)),
            ("Adam's step count: t is 1 at the first step, so the correction uses beta**t with the t given "
             "(you used t + 1)", adam(shift=1)),
            ("Adam's second moment must average g**2 (the squared gradient), not g", adam(g2=False))]


# ---------------------------------------------------------------- 6. the training loop
def train_variants(X, y, params, n_epochs, batch_size, lr, seed):
    """Loss histories (and parameters) of realistic wrong training loops: (description, (params, losses))."""
    X = _asarray(X, dtype=_float64)
    m = X.shape[0]

    def run(order_fn, reset_t=False, drop_last=False, batch_mean=False, before=False, t_per_array=False):
        arrays = [_array(a, dtype=_float64) for pair in params for a in pair]
        ms = [_zeros_like(a) for a in arrays]
        vs = [_zeros_like(a) for a in arrays]
        t, losses, rng = 0, [], _rng(seed)
        for epoch in range(n_epochs):
            order = order_fn(rng, epoch)
            t = 0 if reset_t else t
            if before:
                losses.append(ref_mlp_loss(X, y, [(arrays[k], arrays[k + 1]) for k in range(0, len(arrays), 2)]))
            batch_losses = []
            for start in range(0, m, batch_size):
                idx = order[start:start + batch_size]
                if drop_last and len(idx) < batch_size:
                    continue
                pairs = [(arrays[k], arrays[k + 1]) for k in range(0, len(arrays), 2)]
                loss, grads = ref_mlp_loss_and_gradients(X[idx], y[idx], pairs)
                batch_losses.append(loss)
                t += 0 if t_per_array else 1
                flat = [a for pair in grads for a in pair]
                for k in range(len(arrays)):
                    t += 1 if t_per_array else 0
                    arrays[k], ms[k], vs[k] = ref_adam_step(arrays[k], flat[k], ms[k], vs[k], t, lr)
            pairs = [(arrays[k], arrays[k + 1]) for k in range(0, len(arrays), 2)]
            if not before:
                losses.append(float(_N.mean(batch_losses)) if batch_mean else ref_mlp_loss(X, y, pairs))
        return pairs, losses

    fixed = _rng(seed).permutation(m)
    return [("the shuffling order is the same every epoch: create rng = np.random.default_rng(seed) ONCE, "
             "before the epoch loop, and draw a new rng.permutation(m) each epoch",
             run(lambda rng, e: fixed)),
            ("no shuffling: each epoch must visit the rows in a fresh random order (rng.permutation(m))",
             run(lambda rng, e: _N.arange(m))),
            ("Adam's step count t restarts every epoch; it counts every update since the start (1, 2, 3, ...)",
             run(lambda rng, e: rng.permutation(m), reset_t=True)),
            ("the last, smaller batch is skipped; order[start:start + batch_size] keeps it",
             run(lambda rng, e: rng.permutation(m), drop_last=True)),
            ("recorded the mean of the batch losses during the epoch; the history holds the loss on the "
             "whole training set AFTER each epoch", run(lambda rng, e: rng.permutation(m), batch_mean=True)),
            ("recorded the loss at the START of each epoch (the first entry is the untrained loss); append "
             "the loss on the whole training set AFTER the epoch's updates",
             run(lambda rng, e: rng.permutation(m), before=True)),
            ("t is increased once per weight array; it counts the updates (one per mini-batch), shared by "
             "all arrays of that update", run(lambda rng, e: rng.permutation(m), t_per_array=True)),
            ("NumPy's legacy global generator (np.random.seed(seed), np.random.permutation(m)); the text asks "
             "for rng = np.random.default_rng(seed) and rng.permutation(m)",
             run(lambda rng, e, legacy=_N.RandomState(seed): legacy.permutation(m)))]

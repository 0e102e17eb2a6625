r"""Checks for module 06 (neural_networks_backprop). Test cells call ``check_<exercise>(student
functions...)`` (public tests, on seeded inputs the notebook describes) and ``check_<exercise>_on(...)``
(hidden tests, on other shapes and values). Every gradient is verified with the course's one gradient
checker (``autograder.checks.check_gradient``: centred differences in float64, relative error
max|a-b| / max(|a|+|b|), threshold 1e-6); a failure names the likely mistake (see
:mod:`autograder.exercises.m06_neural_networks_backprop_data` for the known mistakes and the
conventions). TensorFlow is imported only inside the Keras check.
"""
from __future__ import annotations

import builtins as _builtins
from types import SimpleNamespace as _SimpleNamespace

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises import m06_neural_networks_backprop_data as _d

# NumPy functions bound when this module is imported (in the locked setup cell, before any student
# code runs): rebinding np.<name> in the notebook does not change what the checks compute.
_N = _SimpleNamespace(
    abs=_np.abs, all=_np.all, array=_np.array, asarray=_np.asarray, errstate=_np.errstate, float64=_np.float64,
    int64=_np.int64, isfinite=_np.isfinite, ndarray=_np.ndarray, r_=_np.r_, sum=_np.sum, tanh=_np.tanh,
    zeros=_np.zeros)

_fail, _unchanged, _quietly, _passed, _Mistake, _CheckFailure = (
    _c.fail, _c.unchanged, _c.quietly, _c.passed, _c.Mistake, _c.CheckFailure)
_asarray, _array, _float64, _errstate, _abs, _isfinite, _all, _sum, _r_ = (
    _N.asarray, _N.array, _N.float64, _N.errstate, _N.abs, _N.isfinite, _N.all, _N.sum, _N.r_)
_len, _isinstance, _tuple, _list, _float, _zip, _type, _enumerate = (
    _builtins.len, _builtins.isinstance, _builtins.tuple, _builtins.list, _builtins.float, _builtins.zip,
    _builtins.type, _builtins.enumerate)
_FloatingPointError = FloatingPointError
# input makers for the hidden tests (seeded; see the data module)
make_logits, make_layer, make_mlp_problem = _d.make_logits, _d.make_layer, _d.make_mlp_problem
_Mistakes = lambda pairs: [_Mistake(desc, value) for desc, value in pairs]  # noqa: E731


def _strict(fn, *args, name, overflow_hint):
    """Call student code with overflow/invalid/division raising; name the overflow if it happens."""
    try:
        with _errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            return _c.call(fn, *args, name=name)
    except _CheckFailure as exc:
        if _isinstance(exc.__cause__, _FloatingPointError):
            hint = overflow_hint(_builtins.str(exc.__cause__)) if callable(overflow_hint) else overflow_hint
            _fail(f"{name}: NumPy reported '{exc.__cause__}' on these inputs.", mistake=hint)
        raise


def _float_array(got, shape, name):
    g = _asarray(got)
    if g.shape != _tuple(shape):
        _fail(f"{name} returned shape {g.shape}, expected {_tuple(shape)}.")
    if g.dtype.kind != "f":
        _fail(f"{name} returned dtype {g.dtype}; expected floats (e.g. .astype(float)).")
    return g


def _grad_of_sum(f_ref):
    return lambda x: float(_sum(f_ref(x)))


# ---------------------------------------------------------------- 1. activations
@_quietly
def check_activations_on(relu, relu_grad, sigmoid_grad, tanh_grad, z, name="activations"):
    z = _array(z, dtype=_float64)
    before = z.copy()
    got = _asarray(_strict(relu, z, name="relu", overflow_hint=None))
    _unchanged(before, z, "relu")
    if got.shape != z.shape:
        _fail(f"relu returned shape {got.shape} for an input of shape {z.shape}.",
              mistake="np.max(z, 0) reduces along an axis; the elementwise maximum is np.maximum(z, 0)")
    _c.check_close(_float_array(got, z.shape, "relu"), _d.ref_relu(z), f"relu on {name}", rtol=0, atol=0)
    smooth = z[_abs(z) > 1e-3]                      # finite differences are wrong on the kink
    for fn, ref, f_ref, mistakes, label, hint in (
            (relu_grad, _d.ref_relu_grad, _d.ref_relu, _d.relu_grad_mistakes, "relu_grad", None),
            (sigmoid_grad, _d.ref_sigmoid_grad, _d.ref_sigmoid, _d.sigmoid_grad_mistakes, "sigmoid_grad",
             "the sigmoid overflows: use the stable sigmoid of module 02 (recsys_lib.models.sigmoid)"),
            (tanh_grad, _d.ref_tanh_grad, _N.tanh, _d.tanh_grad_mistakes, "tanh_grad", None)):
        g = _float_array(_strict(fn, z, name=label, overflow_hint=hint), z.shape, label)
        _unchanged(before, z, label)
        if label == "relu_grad" and (g[z < 0] != 0).any():
            _fail(f"relu_grad on {name} is {g[z < 0][(g[z < 0] != 0)][0]:g} at z = {z[z < 0][(g[z < 0] != 0)][0]:g}.",
                  mistake="the gradient of the ReLU at z < 0 is not zero: max(z, 0) is flat there, so its derivative "
                          "is 0 for z < 0 (and 1 for z > 0)")
        if not _all(_isfinite(g)):
            _fail(f"{label} returned NaN/inf for z = {z[~_isfinite(g)][:3]}.", mistake=hint)
        if smooth.size:
            _c.check_gradient(_grad_of_sum(f_ref), _float_array(_c.call(fn, smooth.copy(), name=label),
                                                                smooth.shape, label),
                              smooth, name=f"{label} on {name}", mistakes=_Mistakes(mistakes(smooth)))
        _c.check_close(g, ref(z), f"{label} on {name} (at z = 0 too)", rtol=1e-9, atol=1e-12,
                       mistakes=_Mistakes(mistakes(z)))


@_quietly
def check_activations(relu, relu_grad, sigmoid_grad, tanh_grad):
    z = _r_[-1000.0, -30.0, -2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.0, 30.0, 1000.0]
    check_activations_on(relu, relu_grad, sigmoid_grad, tanh_grad, z, "public points (z = 0 and |z| = 1000 included)")
    check_activations_on(relu, relu_grad, sigmoid_grad, tanh_grad, _d.make_logits(4, 3, seed=6)[0],
                         "a 4 x 3 array")
    _passed()


# ---------------------------------------------------------------- 2. softmax and cross-entropy
_OVERFLOW = ("the softmax overflows: np.exp(1000) is inf. Subtract each row's maximum first (log-sum-exp); "
             "the result does not change because the factor e^-max cancels")


def _sce_hint(error: str) -> str:
    if "log" in error:
        return ("took the log of a probability that is exactly 0 (log(0) = -inf): for logits [0, 1000] softmax "
                "gives p = 0 for the first class. Compute log p_iy = z_iy - logsumexp(z_i) with log-sum-exp")
    return "exp of a large logit overflows: use log-sum-exp (subtract the row maximum before np.exp)"


@_quietly
def check_softmax_on(softmax, Z, name="softmax"):
    Z = _array(Z, dtype=_float64)
    before = Z.copy()
    got = _float_array(_strict(softmax, Z, name="softmax", overflow_hint=_OVERFLOW), Z.shape, name)
    _unchanged(before, Z, "softmax")
    if not _all(_isfinite(got)):
        _fail(f"{name} contains NaN/inf (inf/inf).", mistake=_OVERFLOW)
    _c.check_close(got, _d.ref_softmax(Z, axis=1), name, rtol=1e-9, atol=1e-12,
                   mistakes=_Mistakes(_d.softmax_mistakes(Z)))


@_quietly
def check_softmax_cross_entropy_on(softmax_cross_entropy, Z, y, name="softmax_cross_entropy"):
    Z = _array(Z, dtype=_float64)
    y = _array(y, dtype=_N.int64)
    copies = (Z.copy(), y.copy())
    got = _strict(softmax_cross_entropy, Z, y, name="softmax_cross_entropy", overflow_hint=_sce_hint)
    _unchanged(copies[0], Z, "softmax_cross_entropy (argument Z)")
    _unchanged(copies[1], y, "softmax_cross_entropy (argument y)")
    if not (_isinstance(got, _tuple) and _len(got) == 2):
        _fail(f"{name} should return a tuple (loss, dZ), got {_type(got).__name__}.")
    loss, dZ = _asarray(got[0]), got[1]
    if loss.size != 1:
        _fail(f"{name}: the loss has shape {loss.shape}; expected one number (the mean over the rows).")
    value = _float(loss.reshape(()))
    expected = _d.ref_sce(Z, y)
    if not _isfinite(value):
        _fail(f"{name}: the loss is {value} for logits as large as {_float(_abs(Z).max()):g}; expected {expected:.6g}.",
              mistake="took np.log of the softmax: a probability that underflows to 0 gives log(0) = -inf. "
                      "Use log p_iy = z_iy - logsumexp(z_i), with the row maximum subtracted inside the log-sum-exp")
    _c.check_close(value, expected, f"{name}: the loss", rtol=1e-9, atol=1e-12,
                   mistakes=_Mistakes(_d.sce_loss_mistakes(Z, y)))
    _c.check_gradient(lambda X: _d.ref_sce(X, y), _float_array(dZ, Z.shape, f"{name}: dZ"), Z,
                      name=f"{name}: dZ", m=Z.shape[0], mistakes=_Mistakes(_d.sce_grad_mistakes(Z, y)))


@_quietly
def check_softmax_cross_entropy(softmax, softmax_cross_entropy):
    Z, y = _d.make_logits(7, 4, seed=1)
    check_softmax_on(softmax, Z, "softmax on 7 x 4 logits")
    check_softmax_on(softmax, Z + 1000.0, "softmax of the same logits + 1000 (shift invariance, no overflow)")
    check_softmax_on(softmax, [[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]], "softmax with |z| = 1000 in a row")
    check_softmax_cross_entropy_on(softmax_cross_entropy, Z, y, "softmax_cross_entropy on 7 x 4 logits")
    check_softmax_cross_entropy_on(softmax_cross_entropy, [[0.0, 1000.0], [1000.0, 0.0], [3.0, -2.0]], [0, 0, 1],
                                   "softmax_cross_entropy with confident mistakes (logits 1000)")
    _passed()


# ---------------------------------------------------------------- 3. dense layer
@_quietly
def check_dense_layer_on(dense_forward, dense_backward, A, W, b, G, name="dense layer"):
    A, W, b, G = (_array(x, dtype=_float64) for x in (A, W, b, G))
    copies = [x.copy() for x in (A, W, b, G)]
    Z = _c.call(dense_forward, A, W, b, name="dense_forward")
    _c.check_close(_float_array(Z, (A.shape[0], W.shape[1]), f"dense_forward on {name}"), A @ W + b,
                   f"dense_forward on {name}", rtol=1e-9, atol=1e-12,
                   mistakes=[_Mistake("used W.T: Z = A @ W + b with W of shape (n_in, n_out)", A @ W.T + b)]
                   if W.shape[0] == W.shape[1] else ())
    got = _c.call(dense_backward, G, A, W, name="dense_backward")
    for before, after, what in _zip(copies, (A, W, b, G), ("A", "W", "b", "dZ")):
        _unchanged(before, after, "dense_forward/dense_backward", f"array {what}")
    if not (_isinstance(got, _tuple) and _len(got) == 3):
        _fail(f"dense_backward should return a tuple (dA, dW, db), got {_type(got).__name__}.")
    known = _d.dense_backward_mistakes(G, A, W)
    shapes = {"dA": A.shape, "dW": W.shape, "db": b.shape}
    for (label, value), x, loss in _zip(
            _zip(("dA", "dW", "db"), got), (A, W, b),
            (lambda a: float(_sum(G * (a @ W + b))), lambda w: float(_sum(G * (A @ w + b))),
             lambda v: float(_sum(G * (A @ W + v))))):
        v = _asarray(value, dtype=_float64)
        if v.shape != shapes[label]:
            hint = {"dA": "dA = dZ @ W.T has the shape of A (m, n_in); dZ @ W only works when W is square",
                    "dW": "dW = A.T @ dZ has the shape of W (n_in, n_out)",
                    "db": "db sums dZ over the rows (axis=0): one entry per output unit"}[label]
            _fail(f"dense_backward on {name}: {label} has shape {v.shape}, expected {shapes[label]}.", mistake=hint)
        _c.check_gradient(loss, v, x, name=f"dense_backward on {name}: {label}", m=A.shape[0],
                          mistakes=_Mistakes(known[label]))


@_quietly
def check_dense_layer(dense_forward, dense_backward):
    check_dense_layer_on(dense_forward, dense_backward, *_d.make_layer(5, 3, 3, seed=2), name="a square layer (3 -> 3)")
    check_dense_layer_on(dense_forward, dense_backward, *_d.make_layer(6, 4, 2, seed=3), name="a 4 -> 2 layer")
    _passed()


# ---------------------------------------------------------------- 4. backprop through the MLP
def _params_close(got, expected):
    try:
        return _all([_c.relative_error(_asarray(g[k], dtype=_float64), e[k]) < 1e-7
                     for g, e in _zip(got, expected) for k in (0, 1)]) and _len(got) == _len(expected)
    except (TypeError, ValueError, IndexError):
        return False


def _call_on_params(fn, params, *args, name, what):
    """Call ``fn(*args)`` (``args`` holds ``params``), check it left the parameter arrays unchanged and
    returned a 2-tuple; return that tuple."""
    copies = [(W.copy(), b.copy()) for W, b in params]
    got = _c.call(fn, *args, name=name)
    for (W0, b0), (W, b) in _zip(copies, params):
        _unchanged(W0, W, name, "weights")
        _unchanged(b0, b, name, "biases")
    if not (_isinstance(got, _tuple) and _len(got) == 2):
        _fail(f"{name} should return a tuple {what}, got {_type(got).__name__}.")
    return got


@_quietly
def check_mlp_gradients_on(mlp_loss_and_gradients, X, y, params, name="mlp_loss_and_gradients"):
    X, y = _array(X, dtype=_float64), _array(y, dtype=_N.int64)
    params = [(_array(W, dtype=_float64), _array(b, dtype=_float64)) for W, b in params]
    try:
        loss, grads = _call_on_params(mlp_loss_and_gradients, params, X, y, params,
                                      name="mlp_loss_and_gradients", what="(loss, grads)")
    except _CheckFailure as exc:
        cause = _builtins.str(exc.__cause__)
        hint = None if not _isinstance(exc.__cause__, ValueError) else (
            "the shapes of one backward step do not fit: Delta^(l-1) = (Delta^(l) W^(l)T) * f'(Z^(l-1)) uses "
            "the transposed weights of layer l and the pre-activation Z of the layer BELOW, l - 1 (it has the "
            "shape of Delta^(l-1))" if "broadcast" in cause else
            "params may hold any number of layers (one or more): loop over the list instead of "
            "unpacking a fixed number of (W, b) pairs" if "unpack" in cause else None)
        if hint:
            first, *rest = _builtins.str(exc).splitlines()
            _fail(first, *rest, mistake=hint)
        raise
    _c.check_close(_float(_asarray(loss).reshape(())), _d.ref_mlp_loss(X, y, params), f"{name}: the loss",
                   rtol=1e-9, atol=1e-12,
                   mistakes=[_Mistake("applied the ReLU to the output layer too: the last layer's logits go "
                                      "straight into the softmax", _d.ref_sce(_d.ref_relu(_d.ref_mlp_forward(
                                          X, params)[0]), y))])
    try:
        grads = _list(grads)
    except TypeError:
        _fail(f"{name}: grads should be a list of (dW, db) pairs, one per layer, got {_type(grads).__name__}.")
    if _len(grads) != _len(params):
        _fail(f"{name}: grads has {_len(grads)} entries; expected one (dW, db) pair per layer ({_len(params)}).")
    shapes = [(W.shape, b.shape) for W, b in params]
    got_shapes = [_tuple(_asarray(x).shape for x in pair) if _isinstance(pair, (_tuple, _list)) else None
                  for pair in grads]
    if got_shapes != shapes:
        mistake = ("the gradients are listed output layer first; grads[l] must belong to params[l]"
                   if got_shapes == shapes[::-1] else None)
        _fail(f"{name}: the gradient shapes {got_shapes} do not match the parameters {shapes}.", mistake=mistake)
    if not _params_close(grads, _d.ref_mlp_loss_and_gradients(X, y, params)[1]):
        for desc, wrong in _d.mlp_gradient_variants(X, y, params):
            if _params_close(grads, wrong):
                _fail(f"{name}: the gradients do not match the numerical gradient.", mistake=desc)
    for l, ((W, b), (dW, db)) in _enumerate(_zip(params, grads)):
        for k, (value, label) in _enumerate(((dW, f"dW{l + 1}"), (db, f"db{l + 1}"))):
            def f(p, l=l, k=k):
                new = [_list(pair) for pair in params]
                new[l][k] = p
                return _d.ref_mlp_loss(X, y, [_tuple(pair) for pair in new])
            _c.check_gradient(f, _asarray(value, dtype=_float64), params[l][k], name=f"{name}: {label}",
                              m=X.shape[0])


@_quietly
def check_mlp_gradients(mlp_loss_and_gradients):
    check_mlp_gradients_on(mlp_loss_and_gradients, *_d.make_mlp_problem(8, [5, 4, 3, 3], seed=4),
                           name="mlp_loss_and_gradients on a 5-4-3-3 network")
    check_mlp_gradients_on(mlp_loss_and_gradients, *_d.make_mlp_problem(5, [3, 2, 4], seed=9),
                           name="mlp_loss_and_gradients on a 3-2-4 network (one hidden layer)")
    _passed()


# ---------------------------------------------------------------- 5. optimisers
def _trajectory_check(student, kind, H, c, theta0, n_steps, name, **hp):
    label = {"sgd": "sgd_step", "momentum": "momentum_step", "adam": "adam_step"}[kind]
    what = {0: "theta", 1: "grad", 2: "velocity" if kind == "momentum" else "m", 3: "v"}

    def fn(*args):                                 # the learner's step; its array inputs must stay unchanged
        copies = [a.copy() if _isinstance(a, _N.ndarray) else a for a in args]
        out = _c.call(student, *copies, name=label)
        for k, (before, after) in _enumerate(_zip(args, copies)):
            if _isinstance(before, _N.ndarray):
                _unchanged(before, after, label, f"argument {what[k]}")
        return out
    before = _array(theta0, dtype=_float64)
    try:
        with _errstate(all="ignore"):
            got = _d.run_optimizer(fn, kind, H, c, before.copy(), n_steps, **hp)
    except (TypeError, ValueError) as exc:
        _fail(f"{label} on {name}: could not unpack its result ({exc}); it must return "
              f"{ {'sgd': 'theta', 'momentum': '(theta, velocity)', 'adam': '(theta, m, v)'}[kind] }.")
    expected = _d.run_optimizer({"sgd": _d.ref_sgd_step, "momentum": _d.ref_momentum_step,
                                 "adam": _d.ref_adam_step}[kind], kind, H, c, before.copy(), n_steps, **hp)
    wrong = [(desc, _d.run_optimizer(v, kind, H, c, before.copy(), n_steps, **hp))
             for desc, v in _d.optimizer_variants(kind)]
    names = ("theta", "velocity") if kind == "momentum" else ("theta", "m", "v")
    for t, (g_step, e_step) in _enumerate(_zip(got, expected), start=1):
        for j, (g, e) in _enumerate(_zip(g_step, e_step)):
            g = _asarray(g, dtype=_float64)
            if g.shape != e.shape:
                _fail(f"{label} on {name}: {names[j]} has shape {g.shape} after step {t}, expected {e.shape}.")
            _c.check_close(g, e, f"{label} on {name}: {names[j]} after step {t} of {n_steps}", rtol=1e-9,
                           atol=1e-12, mistakes=[_Mistake(desc, w[t - 1][j]) for desc, w in wrong])


@_quietly
def check_optimizers_on(sgd_step, momentum_step, adam_step, d=4, seed=5, n_steps=6, lr=0.02, beta=0.9,
                        beta1=0.9, beta2=0.999, eps=1e-8, name="a quadratic"):
    H, c, theta0 = _d.make_quadratic(d, seed)
    _trajectory_check(sgd_step, "sgd", H, c, theta0, n_steps, name, lr=lr)
    _trajectory_check(momentum_step, "momentum", H, c, theta0, n_steps, name, lr=lr, beta=beta)
    _trajectory_check(adam_step, "adam", H, c, theta0, n_steps, name, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


@_quietly
def check_optimizers(sgd_step, momentum_step, adam_step):
    theta, g = _array([0.5, -2.0, 0.0]), _array([3.0, -0.01, 0.2])
    first = _asarray(_c.call(adam_step, theta, g, _N.zeros(3), _N.zeros(3), 1, 0.1, 0.9, 0.999, 1e-8,
                             name="adam_step")[0], dtype=_float64)
    _c.check_close(first, theta - 0.1 * g / (_abs(g) + 1e-8), "adam_step's first step (t = 1)", rtol=1e-9,
                   atol=1e-12, mistakes=[_Mistake(desc, v(theta, g, _N.zeros(3), _N.zeros(3), 1, 0.1, 0.9,
                                                           0.999, 1e-8)[0])
                                         for desc, v in _d.optimizer_variants("adam")])
    check_optimizers_on(sgd_step, momentum_step, adam_step, name="a 4-d quadratic")
    _passed()


# ---------------------------------------------------------------- 6. the training loop
@_quietly
def check_train_mlp_on(train_mlp, X, y, sizes, n_epochs, batch_size, learning_rate, seed, name="train_mlp"):
    X, y = _array(X, dtype=_float64), _array(y, dtype=_N.int64)
    params = _d.ref_init(sizes, seed + 1)
    args = (X, y, params, n_epochs, batch_size, learning_rate, seed)
    got_params, losses = _call_on_params(train_mlp, params, *args, name="train_mlp", what="(params, losses)")
    losses = _asarray(losses, dtype=_float64)
    if losses.shape != (n_epochs,):
        _fail(f"{name}: losses has shape {losses.shape}; expected one training loss per epoch ({n_epochs},).")
    again = _c.call(train_mlp, *args, name="train_mlp")[1]
    if not _all(_asarray(again, dtype=_float64) == losses):
        _fail(f"{name}: two runs with the same seed gave different losses.",
              mistake="the shuffling is not seeded: use rng = np.random.default_rng(seed) and rng.permutation(m), "
                      "not np.random.permutation (NumPy's global, unseeded generator)")
    exp_params, exp_hist = _d.ref_train_mlp(X, y, params, n_epochs, batch_size, learning_rate, seed)
    wrong = _d.train_variants(X, y, params, n_epochs, batch_size, learning_rate, seed)
    _c.check_close(losses, exp_hist["loss"], f"{name}: the loss after each epoch", rtol=1e-8, atol=1e-10,
                   mistakes=[_Mistake(desc, w[1]) for desc, w in wrong])
    if not _params_close(got_params, exp_params):
        _fail(f"{name}: the losses are right but the returned parameters are not the trained ones "
              f"(return the updated [(W1, b1), ...], in layer order).")


@_quietly
def check_train_mlp(train_mlp):
    X, y, _ = _d.make_mlp_problem(50, [4, 6, 3], seed=7)
    check_train_mlp_on(train_mlp, X, y, [4, 6, 3], n_epochs=3, batch_size=16, learning_rate=0.01, seed=3,
                       name="train_mlp on 50 rows, batches of 16 (the last one has 2 rows), 3 epochs")
    _passed()


# ---------------------------------------------------------------- 7. Keras
@_quietly
def check_keras_mlp_on(build_keras_mlp, copy_weights_to_keras, n_features, n_classes, seed, name="keras"):
    import keras  # noqa: PLC0415  (TensorFlow: only when this check runs)

    model = _c.call(build_keras_mlp, n_features, n_classes, name="build_keras_mlp")
    if not _isinstance(model, keras.Sequential):
        _fail(f"build_keras_mlp should return a keras.Sequential model, got {_type(model).__name__}.")
    dense = [layer for layer in model.layers if _isinstance(layer, keras.layers.Dense)]
    spec = [(layer.units, layer.get_config()["activation"]) for layer in dense]
    want = [(64, "relu"), (32, "relu"), (n_classes, "softmax")]
    if spec != want:
        mistake = None
        if _len(spec) == 3 and spec[2][1] != "softmax":
            mistake = "the output layer needs activation='softmax' (probabilities that sum to 1 over the classes)"
        elif [u for u, _ in spec] == [32, 64, n_classes]:
            mistake = "the hidden layers are in the wrong order: Dense(64) first, then Dense(32)"
        _fail(f"{name}: the Dense layers are {spec}; expected {want}.", mistake=mistake)
    if _len(model.layers) != 3:
        _fail(f"{name}: the model has {_len(model.layers)} layers; expected exactly the three Dense layers.")
    if not model.built or _tuple(model.inputs[0].shape)[1:] != (n_features,):
        _fail(f"{name}: the model's input should have shape (None, {n_features}) (keras.Input((n_features,))).")
    dtypes = sorted({layer.compute_dtype for layer in dense} | {layer.dtype for layer in dense})
    if dtypes != ["float64"]:
        _fail(f"{name}: the Dense layers compute in {dtypes}; build them in float64 "
              f"(dtype='float64' on the Input and on every Dense layer).",
              mistake="float32 round-off alone is about 1e-7 to 1e-6 on these probabilities: the comparison to "
                      "1e-6 needs float64")
    if getattr(model, "optimizer", None) is None or not model.compiled:
        _fail(f"{name}: compile the model (optimizer='adam', loss='sparse_categorical_crossentropy').")
    if not _isinstance(model.optimizer, keras.optimizers.Adam):
        _fail(f"{name}: the optimizer is {_type(model.optimizer).__name__}; expected Adam.")
    loss = model.loss if _isinstance(model.loss, str) else getattr(model.loss, "name", _type(model.loss).__name__)
    if loss != "sparse_categorical_crossentropy":
        _fail(f"{name}: the loss is {loss!r}; expected 'sparse_categorical_crossentropy' (integer labels).",
              mistake="categorical_crossentropy expects one-hot label rows; the labels here are integer class "
                      "indices 0..K-1, which is what the sparse form takes" if "categorical" in _builtins.str(loss)
              else None)
    X, _, params = _d.make_mlp_problem(30, [n_features, 64, 32, n_classes], seed=seed)
    kernels = [W.copy() for W, _ in params]
    try:
        _c.call(copy_weights_to_keras, model, params, name="copy_weights_to_keras")
    except _CheckFailure as exc:
        if _isinstance(exc.__cause__, ValueError) and "shape" in _builtins.str(exc.__cause__):
            _fail(_builtins.str(exc).splitlines()[0], mistake="a weight has the wrong shape for its layer: the NumPy W "
                  "is (n_in, n_out), exactly Keras's kernel layout, so copy it without transposing, layer by layer "
                  "in order: layer.set_weights([W, b])")
        raise
    for W0, (W, _) in _zip(kernels, params):
        _unchanged(W0, W, "copy_weights_to_keras", "NumPy weights")
    got = _asarray(model.predict(X, verbose=0), dtype=_float64)
    _c.check_close(got, _d.ref_predict_proba(X, params), f"{name}: the Keras model's predictions after copying "
                   f"the NumPy weights", rtol=0, atol=1e-6)


@_quietly
def check_keras_mlp(build_keras_mlp, copy_weights_to_keras):
    check_keras_mlp_on(build_keras_mlp, copy_weights_to_keras, 7, 4, seed=8,
                       name="a Keras MLP for 7 features and 4 classes")
    _passed()

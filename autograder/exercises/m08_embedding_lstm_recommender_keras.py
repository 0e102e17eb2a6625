"""Checks for module 08 (embedding_lstm_recommender), the Keras exercises: 5 (the model, checked
layer by layer) and 6 (training with early stopping). The data exercises are in
``m08_embedding_lstm_recommender``.

Exercise 5: the learner's ``build_lstm_model`` is built for both heads and inspected layer by layer
(``model.layers``, each layer's ``get_config()``, output shapes, the compiled loss); each known
mistake gets its own message: a missing ``mask_zero``, ``return_sequences=True`` left on, a sigmoid
on the next-item head, a softmax on the one-unit purchase head, an embedding without rows for
padding and OOV, a GRU / SimpleRNN / Flatten instead of the LSTM, one-hot or regression losses, ...

Exercise 6: the learner's ``train_with_early_stopping`` trains a small model on a toy problem whose
validation loss turns up after a few epochs; its history and final weights are compared with the
toolbox's :func:`recsys_lib.sequences.fit_with_early_stopping` from the same initial weights.
When they differ, variants (no early stopping, training loss monitored, ``validation_split``
instead of the given validation data, last weights kept, patience off by one, no seed) are tried to
name the mistake.

TensorFlow is imported when this module is imported (the setup cell imports it after ``set_seeds``),
with its start-up log silenced; every Keras class the checks use is bound then.
"""
from __future__ import annotations

import builtins as _builtins
import os as _os

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib.keras_utils import QUIET_TF_ENV as _QUIET

for _name, _value in _QUIET.items():
    _os.environ.setdefault(_name, _value)
_os.environ["TF_DETERMINISTIC_OPS"] = "1"

import keras as _keras  # noqa: E402  (after the environment that keeps TensorFlow quiet)

from recsys_lib.keras_utils import set_seeds as _set_seeds  # noqa: E402
from recsys_lib.sequences import keras_models as _km  # noqa: E402

_Model, _Layer = _keras.Model, _keras.layers.Layer
_Embedding, _LSTM, _GRU, _SimpleRNN, _Dense, _InputLayer = (
    _keras.layers.Embedding, _keras.layers.LSTM, _keras.layers.GRU, _keras.layers.SimpleRNN, _keras.layers.Dense,
    _keras.layers.InputLayer)
_EarlyStopping, _Callback = _keras.callbacks.EarlyStopping, _keras.callbacks.Callback
_ref_build, _ref_fit = _km.build_sequence_model, _km.fit_with_early_stopping
_asarray, _allclose_ = _np.asarray, _np.allclose
_len, _int, _float, _list, _tuple, _dict, _isinstance, _type, _str, _getattr, _hasattr, _min, _abs = (
    _builtins.len, _builtins.int, _builtins.float, _builtins.list, _builtins.tuple, _builtins.dict,
    _builtins.isinstance, _builtins.type, _builtins.str, _builtins.getattr, _builtins.hasattr, _builtins.min,
    _builtins.abs)
_passed, _CheckFailure, _quietly, _call = _c.passed, _c.CheckFailure, _c.quietly, _c.call


def _fail(msg):
    raise _CheckFailure(msg)


# ---------------------------------------------------------------- 5. the model, layer by layer
def _loss_name(model) -> str:
    loss = _getattr(model, "loss", None)
    if loss is None:
        return ""
    if _isinstance(loss, _str):
        return loss
    name = _getattr(loss, "name", None) or _type(loss).__name__
    return _str(name)


def _layers(model):
    return [layer for layer in model.layers if not _isinstance(layer, _InputLayer)]


def _shape(tensor):
    return _tuple(None if d is None else _int(d) for d in tensor.shape)


def _check_model(model, vocab_size, max_len, embedding_dim, units, n_outputs, name):
    head = "purchase" if n_outputs == 1 else "next-item"
    if not _isinstance(model, _Model):
        _fail(f"{name} should return a keras.Model (built with keras.Input ... keras.Model or keras.Sequential); "
              f"got {_type(model).__name__}.")
    if _getattr(model, "optimizer", None) is None or not _loss_name(model):
        _fail(f"{name}: the model is not compiled; call model.compile(optimizer=..., loss=...) before returning it.")
    layers = _layers(model)
    kinds = [_type(layer).__name__ for layer in layers]
    if _len(model.inputs) != 1 or _shape(model.inputs[0]) != (None, max_len):
        _fail(f"{name}: the input should have shape (None, {max_len}) (a batch of token-id sequences of length "
              f"max_len); got {[_shape(t) for t in model.inputs]}.")
    if not layers or not _isinstance(layers[0], _Embedding):
        _fail(f"{name}: the first layer should be an Embedding (token id -> vector); the layers are {kinds}.")
    emb = layers[0].get_config()
    if _int(emb["input_dim"]) != vocab_size:
        extra = (" Likely mistake: the embedding has no rows for the reserved ids: input_dim = len(vocabulary), "
                 "which already counts <pad> (0) and <oov> (1)." if _int(emb["input_dim"]) in (vocab_size - 1, vocab_size - 2)
                 else "")
        _fail(f"{name}: the Embedding has input_dim={emb['input_dim']}, expected {vocab_size} (one row per id).{extra}")
    if _int(emb["output_dim"]) != embedding_dim:
        _fail(f"{name}: the Embedding has output_dim={emb['output_dim']}, expected embedding_dim={embedding_dim}.")
    if not emb.get("mask_zero", False):
        _fail(f"{name}: no mask_zero on the Embedding. Likely mistake: without mask_zero=True the padding id 0 is "
              f"fed to the LSTM as if it were a token, so short sequences read as long runs of a fake token.")
    if _len(layers) < 3:
        _fail(f"{name}: expected Embedding -> LSTM -> Dense; the layers are {kinds}.")
    rnn = layers[1]
    if _isinstance(rnn, (_GRU, _SimpleRNN)):
        _fail(f"{name}: the recurrent layer is a {_type(rnn).__name__}; the seed architecture uses an LSTM "
              f"(keras.layers.LSTM).")
    if not _isinstance(rnn, _LSTM):
        _fail(f"{name}: the second layer is a {_type(rnn).__name__}, expected an LSTM. Likely mistake: a Flatten or "
              f"a pooling layer ignores the order of the tokens, which is the signal this module is about.")
    cfg = rnn.get_config()
    if _int(cfg["units"]) != units:
        _fail(f"{name}: the LSTM has units={cfg['units']}, expected units={units}.")
    if cfg.get("return_sequences", False):
        _fail(f"{name}: return_sequences=True left on the LSTM. Likely mistake: it then returns one vector per "
              f"position, shape (None, {max_len}, {units}), and the Dense head predicts per position; the head needs "
              f"the LSTM's final state only (return_sequences=False, the default).")
    if _len(layers) > 3:
        _fail(f"{name}: expected exactly Embedding -> LSTM -> Dense; extra layer(s) {kinds[2:-1]} between the LSTM "
              f"and the output.")
    dense = layers[2]
    if not _isinstance(dense, _Dense):
        _fail(f"{name}: the output layer should be a Dense layer; got {_type(dense).__name__}.")
    dcfg = dense.get_config()
    if _int(dcfg["units"]) != n_outputs:
        _fail(f"{name}: the {head} head has {dcfg['units']} units, expected {n_outputs}"
              + (" (one probability that the session converts)." if n_outputs == 1 else " (one per catalogue item)."))
    act = _str(dcfg.get("activation"))
    loss = _loss_name(model)
    if n_outputs == 1:
        if act == "softmax":
            _fail(f"{name}: softmax on the one-unit purchase head. Likely mistake: a softmax over ONE unit is always "
                  f"1.0 whatever the input; a single probability needs a sigmoid.")
        if act != "sigmoid":
            _fail(f"{name}: the purchase head's activation is {act!r}; a probability needs activation='sigmoid'.")
        if loss not in ("binary_crossentropy", "BinaryCrossentropy"):
            _fail(f"{name}: the purchase head is compiled with loss {loss!r}; use 'binary_crossentropy' "
                  f"(the cross-entropy of module 02 for a 0/1 label).")
    else:
        if act == "sigmoid":
            _fail(f"{name}: sigmoid on the next-item head. Likely mistake: independent sigmoids do not make a "
                  f"distribution over the catalogue; the item probabilities must sum to one (softmax).")
        if act != "softmax":
            _fail(f"{name}: the next-item head's activation is {act!r}; it should be 'softmax'.")
        if loss in ("categorical_crossentropy", "CategoricalCrossentropy"):
            _fail(f"{name}: loss 'categorical_crossentropy' expects one-hot labels; our labels are integer item "
                  f"columns: use 'sparse_categorical_crossentropy'.")
        if loss not in ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"):
            _fail(f"{name}: the next-item head is compiled with loss {loss!r}; use 'sparse_categorical_crossentropy'.")
    loss_obj = _getattr(model, "loss", None)
    if not _isinstance(loss_obj, _str) and _getattr(loss_obj, "get_config", None) is not None:
        if loss_obj.get_config().get("from_logits", False):
            _fail(f"{name}: the loss has from_logits=True but the head already applies {act}; the loss would apply "
                  f"it a second time.")
    if _shape(model.outputs[0]) != (None, n_outputs):
        _fail(f"{name}: the model's output has shape {_shape(model.outputs[0])}, expected (None, {n_outputs}).")


@_quietly
def check_lstm_model_on(build_lstm_model, vocab_size, max_len, embedding_dim, units, n_outputs, name="build_lstm_model"):
    model = _call(build_lstm_model, vocab_size, max_len, embedding_dim, units, n_outputs, name="build_lstm_model")
    _check_model(model, vocab_size, max_len, embedding_dim, units, n_outputs,
                 f"{name}(vocab_size={vocab_size}, max_len={max_len}, embedding_dim={embedding_dim}, units={units}, "
                 f"n_outputs={n_outputs})")
    probe = _np.zeros((2, max_len), dtype="int32")
    probe[0, -1], probe[1, -2:] = 2, (vocab_size - 1, 2)
    out = _asarray(model(probe, training=False))
    if out.shape != (2, n_outputs) or not _np.isfinite(out).all():
        _fail(f"{name}: a forward pass on two padded sequences gave shape {out.shape} (expected (2, {n_outputs})) "
              f"or non-finite values.")
    if n_outputs > 1 and not _allclose_(out.sum(axis=1), 1.0, atol=1e-4):
        _fail(f"{name}: the next-item probabilities of one sequence sum to {out.sum(axis=1)}, not 1.")


@_quietly
def check_lstm_model(build_lstm_model, vocab_size, max_len, n_items):
    check_lstm_model_on(build_lstm_model, vocab_size, max_len, 16, 8, n_items, "build_lstm_model, next-item head")
    check_lstm_model_on(build_lstm_model, vocab_size, max_len, 16, 8, 1, "build_lstm_model, purchase head")
    _passed()


# ---------------------------------------------------------------- 6. training with early stopping
def toy_problem(seed, n=400, n_val=200, vocab=30, max_len=6, noise=0.25):
    """A toy purchase problem: label 1 when token 5 or 7 is among the last three, 25 % of labels
    flipped; a small model fits it in a few epochs and then overfits (validation loss turns up)."""
    rng = _np.random.default_rng(seed)
    X = rng.integers(2, vocab, (n + n_val, max_len))
    lengths = rng.integers(1, max_len + 1, n + n_val)
    X[_np.arange(max_len)[None, :] < (max_len - lengths)[:, None]] = 0
    y = ((X[:, -3:] == 5) | (X[:, -3:] == 7)).any(axis=1).astype("int64")
    y = _np.where(rng.random(n + n_val) < noise, 1 - y, y)
    return X[:n], y[:n], X[n:], y[n:]


_TOY = {}


def _toy_model():
    """The toy problem's model and its initial weights, built once (``set_seeds(0)``) and reused:
    every run starts from the same weights and a zeroed optimizer state (:func:`_reset`), and Keras
    traces its training step only once, which keeps the check fast."""
    if "model" not in _TOY:
        _set_seeds(0, threads=None)
        model = _ref_build(30, 6, head="purchase", embedding_dim=8, units=8, learning_rate=0.05)
        _TOY["model"], _TOY["weights"] = model, model.get_weights()
    return _TOY["model"]


def _reset(model):
    """Back to the initial weights, Adam's moments and step counter at zero, metrics cleared."""
    model.set_weights(_TOY["weights"])
    for var in model.optimizer.variables:
        if "learning_rate" not in var.path:
            var.assign(_np.zeros(var.shape, dtype=var.dtype))
    for metric in model.metrics:
        metric.reset_state()
    return model


def _variant(data, epochs, batch_size, patience, seed, monitor="val_loss", restore=True, split=False, shuffle=True):
    X, y, Xv, yv = data
    model = _reset(_toy_model())
    _keras.utils.set_random_seed(seed)
    stop = _EarlyStopping(monitor=monitor, patience=patience, restore_best_weights=restore)
    kw = {"validation_split": 0.2} if split else {"validation_data": (Xv, yv)}
    h = model.fit(X, y, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[stop], shuffle=shuffle, **kw)
    return [_float(v) for v in h.history["val_loss"]]


def _history_of(got, name):
    hist = _getattr(got, "history", got)
    if not _isinstance(hist, _dict) or "val_loss" not in hist or "loss" not in hist:
        _fail(f"{name} should return the training history: a dict with the per-epoch 'loss' and 'val_loss' "
              f"(Keras's model.fit(...).history); got {_type(got).__name__}"
              + (f" with keys {_list(hist)}" if _isinstance(hist, _dict) else "") + ".")
    return [_float(v) for v in hist["val_loss"]]


def _same(a, b):
    return _len(a) == _len(b) and _allclose_(a, b, rtol=1e-5, atol=1e-7)


@_quietly
def check_train_with_early_stopping_on(train_with_early_stopping, data, epochs, batch_size, patience, seed,
                                       name="train_with_early_stopping"):
    X, y, Xv, yv = (_asarray(a) for a in data)
    model = _reset(_toy_model())
    _keras.utils.set_random_seed(seed + 1000)       # a function that forgets to seed gets other batches
    got = _call(train_with_early_stopping, model, X.copy(), y.copy(), Xv.copy(), yv.copy(), epochs, batch_size,
                patience, seed, name="train_with_early_stopping")
    got_val = _history_of(got, name)
    result = model.evaluate(Xv, yv, verbose=0, batch_size=256)       # the weights the learner's function left
    final = _float(result[0] if _isinstance(result, (_list, _tuple)) else result)
    ref = _ref_fit(_reset(_toy_model()), X, y, Xv, yv, epochs=epochs, batch_size=batch_size, patience=patience,
                   seed=seed, progress=False)["val_loss"]
    best = _int(_np.argmin(ref)) + 1
    label = f"{name}(epochs={epochs}, batch_size={batch_size}, patience={patience}, seed={seed})"
    if not _same(got_val, ref):
        if _len(got_val) == epochs and _len(ref) < epochs:
            _fail(f"{label} trained all {epochs} epochs. Likely mistake: no EarlyStopping callback: the validation loss "
                  f"was best after epoch {best}, so training should stop {patience} epochs later (epoch {best + patience}).")
        variants = (
            ("early stopping watched the training loss (monitor='loss'); watch the validation loss 'val_loss'",
             batch_size, patience, dict(monitor="loss")),
            ("validated on validation_split, the last 20 % of the TRAINING arrays; validate on the earlier-data "
             "split you were given: validation_data=(X_val, y_val)", batch_size, patience, dict(split=True)),
            (f"patience off by one: stop {patience} epochs after the best one (EarlyStopping(patience=patience))",
             batch_size, patience + 1, {}),
            (f"patience off by one: stop {patience} epochs after the best one (EarlyStopping(patience=patience))",
             batch_size, patience - 1, {}),
            ("no shuffling; keep Keras's default shuffle=True (seeded)", batch_size, patience, dict(shuffle=False)),
            ("batch_size ignored (Keras's default is 32); pass batch_size=batch_size", 32, patience, {}),
        )
        for description, bs, pat, kw in variants:
            if pat < 0 or (bs == batch_size and pat == patience and not kw):
                continue
            if _same(got_val, _variant((X, y, Xv, yv), epochs, bs, pat, seed, **kw)):
                _fail(f"{label}: the validation losses differ from the reference. Likely mistake: {description}.")
        _keras.utils.set_random_seed(seed + 2000)
        again = _history_of(_call(train_with_early_stopping, _reset(_toy_model()), X.copy(), y.copy(), Xv.copy(),
                                  yv.copy(), epochs, batch_size, patience, seed, name=name), name)
        if not _same(got_val, again):
            _fail(f"{label}: two calls with the same seed gave different validation losses. Likely mistake: not "
                  f"seeded: call keras.utils.set_random_seed(seed) inside the function, right before model.fit, so "
                  f"the shuffling is the same every time.")
        _fail(f"{label}: the validation losses per epoch differ from the reference.",
              f"Expected: {[round(v, 4) for v in ref]}", f"Got:      {[round(v, 4) for v in got_val]}")
    if _abs(final - _min(ref)) > 1e-4 * _max1(_abs(_min(ref))):
        last = "the last epoch's" if _abs(final - ref[-1]) <= 1e-4 * _max1(_abs(ref[-1])) else "other"
        _fail(f"{label}: after training the model's validation loss is {final:.5f}, but the best epoch ({best}) had "
              f"{_min(ref):.5f}. Likely mistake: {last} weights were kept; EarlyStopping(..., restore_best_weights=True) "
              f"puts back the weights of the best epoch.")


def _max1(x):
    return x if x > 1.0 else 1.0


@_quietly
def check_train_with_early_stopping(train_with_early_stopping):
    check_train_with_early_stopping_on(train_with_early_stopping, toy_problem(3), 25, 32, 2, 3,
                                       "train_with_early_stopping on a toy problem")
    _passed()

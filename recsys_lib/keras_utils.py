r"""Keras helpers shared by the TensorFlow modules: deterministic seeding, the course's MLP, and
copying NumPy weights into a Keras model.

Taught in module 06 (neural_networks_backprop); reused by module 08 (embedding_lstm_recommender)
and module 09 (from_model_to_product).

TensorFlow is imported *inside* the functions, never when this module (or ``recsys_lib``) is
imported, so ``import recsys_lib.keras_utils`` stays cheap; the first call of a function pays
TensorFlow's import (3-7 s on a quiet 2-core machine, much more under load).

Functions
---------
set_seeds(seed, threads=1)            Python/NumPy/TensorFlow seeds, op determinism, thread counts
build_mlp(n_features, n_classes, ...) Sequential: Dense(64, relu) -> Dense(32, relu) -> Dense(n, softmax)
set_mlp_weights(model, params)        copy [(W1, b1), (W2, b2), ...] (NumPy, W of shape (in, out))
get_mlp_weights(model)                the inverse: the model's Dense weights as NumPy float64 pairs
"""
from __future__ import annotations

import os
import random
from typing import Sequence

import numpy as np

__all__ = ["set_seeds", "build_mlp", "set_mlp_weights", "get_mlp_weights", "QUIET_TF_ENV"]

#: Environment variables that keep TensorFlow quiet on import (they only act if set before it).
QUIET_TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def _import_tf():
    for name, value in QUIET_TF_ENV.items():
        os.environ.setdefault(name, value)
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    import tensorflow as tf  # noqa: PLC0415  (heavy: imported only when a Keras helper is used)
    import keras  # noqa: PLC0415

    return tf, keras


def _set_threads(tf, threads: int) -> None:
    threading = tf.config.threading
    current = (threading.get_intra_op_parallelism_threads(),
               threading.get_inter_op_parallelism_threads())
    if current == (threads, threads):
        return
    try:
        threading.set_intra_op_parallelism_threads(threads)
        threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError as exc:     # TensorFlow's runtime already started with other thread counts
        raise RuntimeError(
            f"set_seeds(threads={threads}) came too late: TensorFlow already ran an operation with "
            f"intra/inter-op threads {current} (0 = TensorFlow's choice), and thread counts can only "
            "be set before the first operation. Call set_seeds before building any model (first "
            "thing in the notebook), or pass threads=None to keep the current ones."
        ) from exc


def set_seeds(seed: int = 0, *, threads: int | None = 1) -> None:
    r"""Make a Keras/TensorFlow program give bit-identical results on every run.

    Taught in module 06 (neural_networks_backprop); reused by modules 08 and 09.

    It sets, in this order:

    1. ``TF_DETERMINISTIC_OPS=1`` (and, if unset, ``TF_CPP_MIN_LOG_LEVEL=3`` and
       ``TF_ENABLE_ONEDNN_OPTS=0``, which silence TensorFlow's start-up log and oneDNN's
       round-off-changing kernels) in ``os.environ``, before TensorFlow is imported;
       ``PYTHONHASHSEED`` for any subprocess this process starts;
    2. the Python (:mod:`random`), NumPy (legacy global ``np.random``) and TensorFlow seeds and
       Keras's global seed generator, by ``keras.utils.set_random_seed(seed)``: the initial
       weights of a model built afterwards, dropout masks and ``fit``'s shuffling are then fixed;
    3. ``tf.config.experimental.enable_op_determinism()``: every op uses a deterministic
       algorithm (no run-to-run change of the order in which floats are summed), and ops without
       one raise an error instead of silently varying;
    4. ``threads`` intra-op and inter-op threads (default 1; ``None`` leaves them alone). One
       thread keeps runs on a shared 2-core machine from over-subscribing it and removes the
       last source of scheduling-dependent round-off. Thread counts can only be set before
       TensorFlow runs its first operation: call ``set_seeds`` first thing, before any model is
       built. Calling it again later with the same ``threads`` is fine (it only re-seeds);
       with different ones it raises ``RuntimeError`` explaining this.

    Call it again right before building each model whose run must be reproducible on its own
    (re-seeding resets the random streams, so the same cell gives the same weights every time).

    Parameters
    ----------
    seed : int
        A non-negative integer.
    threads : int or None, default 1

    Raises
    ------
    TypeError, ValueError
        for a seed that is not a non-negative integer, or ``threads`` that is not a positive int.
    RuntimeError
        if the thread counts can no longer be changed (see 4.).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int; got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative; got {seed}")
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive int or None; got {threads!r}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    tf, keras = _import_tf()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    if threads is not None:
        _set_threads(tf, threads)


def build_mlp(n_features: int, n_classes: int, *, hidden: Sequence[int] = (64, 32),
              activation: str = "relu", learning_rate: float = 1e-3, dtype: str = "float64",
              seed: int | None = None):
    r"""The course's multilayer perceptron in Keras 3, compiled.

    Taught in module 06 (neural_networks_backprop).

    ``Sequential([Input((n_features,)), Dense(64, relu), Dense(32, relu), Dense(n_classes,
    softmax)])`` (the hidden sizes and activation are parameters), compiled with the Adam
    optimiser (``learning_rate``, Keras's defaults :math:`\beta_1 = 0.9, \beta_2 = 0.999`),
    ``sparse_categorical_crossentropy`` (integer labels 0 .. n_classes-1) and the metric
    ``accuracy``. (Keras's top-k metric accepts only float32 predictions; compute top-k accuracy
    from ``model.predict`` with ``sklearn.metrics.top_k_accuracy_score`` instead.)

    Layout: a Dense layer's kernel has shape ``(inputs, units)`` and computes
    :math:`A W + b` on a batch :math:`A` of shape ``(m, inputs)`` — the same layout as
    :class:`recsys_lib.models.MLPClassifierNumpy` and :mod:`recsys_lib.nn`, so weights copy
    across unchanged (:func:`set_mlp_weights`).

    ``dtype="float64"`` (the course's default) computes in double precision, so a Keras model
    with copied weights reproduces the NumPy network to ~1e-15; pass ``"float32"`` for Keras's
    usual speed. ``seed``: if given, :func:`set_seeds` is called first (with its default
    threads), so the initial weights are reproducible.
    """
    if int(n_features) < 1 or int(n_classes) < 2:
        raise ValueError(f"need n_features >= 1 and n_classes >= 2; got {n_features}, {n_classes}")
    if seed is not None:
        set_seeds(seed)
    _, keras = _import_tf()
    layers = [keras.Input(shape=(int(n_features),), dtype=dtype)]
    layers += [keras.layers.Dense(int(u), activation=activation, dtype=dtype, name=f"hidden{i + 1}")
               for i, u in enumerate(hidden)]
    layers.append(keras.layers.Dense(int(n_classes), activation="softmax", dtype=dtype, name="output"))
    model = keras.Sequential(layers, name="mlp")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _dense_layers(model):
    layers = [layer for layer in model.layers if len(layer.get_weights()) == 2]
    if not layers:
        raise ValueError("the model has no Dense layers (kernel + bias)")
    return layers


def set_mlp_weights(model, params) -> None:
    """Copy NumPy weights into a Keras MLP: ``params = [(W1, b1), (W2, b2), ...]``, one pair per
    Dense layer in order, ``W`` of shape ``(inputs, units)``, ``b`` of shape ``(units,)``.

    Taught in module 06 (neural_networks_backprop). Shapes are checked layer by layer and a
    mismatch names the layer (a transposed ``W`` is the usual cause).
    """
    layers = _dense_layers(model)
    params = list(params)
    if len(params) != len(layers):
        raise ValueError(f"the model has {len(layers)} Dense layers but {len(params)} (W, b) pairs were given")
    for layer, (W, b) in zip(layers, params):
        kernel, bias = layer.get_weights()
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        if W.shape != kernel.shape or b.shape != bias.shape:
            raise ValueError(f"layer {layer.name!r}: weights of shape {kernel.shape} and bias {bias.shape} "
                             f"expected, got {W.shape} and {b.shape} (W must be (inputs, units))")
        layer.set_weights([W.astype(kernel.dtype), b.astype(bias.dtype)])


def get_mlp_weights(model) -> list[tuple[np.ndarray, np.ndarray]]:
    """The Dense weights of a Keras model as ``[(W1, b1), ...]`` float64 NumPy copies.

    Taught in module 06 (neural_networks_backprop).
    """
    return [tuple(np.array(w, dtype=np.float64) for w in layer.get_weights())
            for layer in _dense_layers(model)]

r"""The Embedding -> LSTM -> Dense models of module 08 in Keras 3, and their training loop.

Taught in module 08 (embedding_lstm_recommender).

Both heads share one trunk::

    Input(max_len) -> Embedding(vocab_size, d, mask_zero=True) -> LSTM(units) -> head

* **purchase propensity**: ``Dense(1, sigmoid)``, loss ``binary_crossentropy``: :math:`P(y = 1 \mid x)`;
* **next item**: ``Dense(n_items, softmax)``, loss ``sparse_categorical_crossentropy`` (integer item
  columns as labels): :math:`P(\text{next item} = i \mid x)` over the whole catalogue.

``item_categories`` switches the next-item head to a **category-tied** output: the logits are
:math:`z_i = (W^\top h)_{c(i)} + b_i` with one learned vector per *category* (``W`` has shape
``(units, n_categories)``) and one bias per item. That is a ``Dense(n_items)`` whose kernel is tied
within each category (its column :math:`i` is :math:`W_{\cdot c(i)}`): the LSTM decides which
categories come next and how much this shopper likes them, the bias ranks items within a category.
With ~20,000 training sequences for 1,500 items a free kernel column per item is mostly noise;
tying it is the structure ShopSim's intent has (module 08 picks the head on validation data).

TensorFlow is imported inside the functions (never when ``recsys_lib`` is imported).
"""
from __future__ import annotations

import numpy as np

__all__ = ["build_sequence_model", "fit_with_early_stopping", "predict_in_batches", "custom_objects",
           "layer_table", "HEADS"]

#: the two heads: name -> (activation, loss)
HEADS = {"purchase": ("sigmoid", "binary_crossentropy"),
         "next_item": ("softmax", "sparse_categorical_crossentropy")}

_TIED = {}


def _keras():
    """Keras, imported with TensorFlow's start-up log silenced and deterministic ops requested."""
    import os

    from recsys_lib.keras_utils import QUIET_TF_ENV

    for name, value in QUIET_TF_ENV.items():
        os.environ.setdefault(name, value)
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    import keras  # noqa: PLC0415  (heavy: only when a model is built)

    return keras


def _tied_layer_class():
    """The ``CategoryTiedSoftmax`` layer class (defined, and registered for saving, on first use)."""
    if "cls" in _TIED:
        return _TIED["cls"]
    keras = _keras()

    @keras.saving.register_keras_serializable(package="recsys_lib")
    class CategoryTiedSoftmax(keras.layers.Layer):
        """softmax(take(h @ W, item_categories) + b): a Dense(n_items, softmax) tied within categories."""

        def __init__(self, item_categories, bias_init=None, **kwargs):
            super().__init__(**kwargs)
            self.item_categories = [int(c) for c in np.asarray(item_categories).ravel()]
            self.bias_init = None if bias_init is None else [float(v) for v in np.asarray(bias_init).ravel()]
            self.units = len(self.item_categories)
            self.n_categories = max(self.item_categories) + 1 if self.item_categories else 0

        def build(self, input_shape):
            self.category_kernel = self.add_weight(name="category_kernel", shape=(int(input_shape[-1]), self.n_categories),
                                                   initializer="glorot_uniform")
            init = "zeros" if self.bias_init is None else keras.initializers.Constant(np.asarray(self.bias_init))
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=init)
            self._columns = np.asarray(self.item_categories, dtype="int32")      # a constant of the graph

        def call(self, inputs):
            per_category = keras.ops.matmul(inputs, self.category_kernel)
            logits = keras.ops.take(per_category, self._columns, axis=1) + self.bias
            return keras.ops.softmax(logits, axis=-1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.units)

        def get_config(self):
            return {**super().get_config(), "item_categories": self.item_categories, "bias_init": self.bias_init}

    _TIED["cls"] = CategoryTiedSoftmax
    return CategoryTiedSoftmax


def custom_objects() -> dict:
    """The custom layers, for ``keras.models.load_model(path, custom_objects=custom_objects())``."""
    return {"CategoryTiedSoftmax": _tied_layer_class()}


def _check_int(value, name, minimum=1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def build_sequence_model(vocab_size: int, max_len: int, *, head: str = "next_item", n_items: int | None = None,
                         embedding_dim: int = 32, units: int = 64, item_categories=None, output_bias=None,
                         learning_rate: float = 0.01):
    r"""The module-08 model, compiled with Adam (``learning_rate``).

    Parameters
    ----------
    vocab_size : rows of the embedding (``len(vocabulary)``: kept tokens + padding + OOV)
    max_len : length of the input sequences (left-padded with 0)
    head : ``"purchase"`` (``Dense(1, sigmoid)``) or ``"next_item"`` (``Dense(n_items, softmax)``)
    n_items : size of the catalogue (next-item head)
    embedding_dim, units : :math:`d` and the LSTM's state size
    item_categories : optional int array (n_items,): category code of each item column; the
        next-item head is then category-tied (see the module docstring)
    output_bias : optional initial output bias, e.g. :math:`\log` of the training targets' shares
        (the model then starts as the popularity ranking) or the log-odds of the base rate

    Metrics: ``accuracy`` and ``auc`` (purchase); ``hr@10`` (next item: Keras's sparse top-10
    accuracy, which with one target per case is HR@10).

    Taught in module 08 (embedding_lstm_recommender).
    """
    if head not in HEADS:
        raise ValueError(f"head must be one of {sorted(HEADS)}; got {head!r}")
    vocab_size = _check_int(vocab_size, "vocab_size", 3)
    max_len = _check_int(max_len, "max_len")
    embedding_dim = _check_int(embedding_dim, "embedding_dim")
    units = _check_int(units, "units")
    keras = _keras()
    activation, loss = HEADS[head]
    inputs = keras.Input(shape=(max_len,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(inputs)
    x = keras.layers.LSTM(units, name="lstm")(x)
    bias = "zeros" if output_bias is None else keras.initializers.Constant(np.asarray(output_bias, dtype="float32"))
    if head == "purchase":
        outputs = keras.layers.Dense(1, activation=activation, bias_initializer=bias, name="purchase")(x)
        metrics = [keras.metrics.BinaryAccuracy(name="accuracy"), keras.metrics.AUC(name="auc")]
    else:
        n_items = _check_int(n_items, "n_items", 2)
        if item_categories is not None:
            cats = np.asarray(item_categories, dtype=np.int64).ravel()
            if cats.size != n_items or (cats < 0).any():
                raise ValueError(f"item_categories must hold one category code >= 0 per item ({n_items}); got {cats.size}")
            outputs = _tied_layer_class()(cats, bias_init=output_bias, name="next_item")(x)
        else:
            outputs = keras.layers.Dense(n_items, activation=activation, bias_initializer=bias, name="next_item")(x)
        metrics = [keras.metrics.SparseTopKCategoricalAccuracy(k=10, name="hr@10")]
    model = keras.Model(inputs, outputs, name=f"lstm_{head}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=float(learning_rate)), loss=loss, metrics=metrics)
    return model


def fit_with_early_stopping(model, X, y, X_val, y_val, *, epochs: int = 20, batch_size: int = 512,
                            patience: int = 2, seed: int = 0, progress: bool = True, callbacks=()) -> dict:
    r"""Train ``model`` on ``(X, y)`` and stop when the loss on the validation data ``(X_val, y_val)``
    (earlier data, never the test cases) has not improved for ``patience`` epochs; the weights of
    the best validation epoch are restored. Seeded: :func:`recsys_lib.keras_utils.set_seeds`
    (``seed``, current thread counts) fixes the shuffling, so the same call gives the same model.

    Returns the history: a dict metric -> list of per-epoch values (``loss``, ``val_loss``, ...),
    plus ``"best_epoch"`` (1-based) and ``"epochs_run"``. A tqdm bar follows the epochs;
    ``callbacks`` are extra Keras callbacks (e.g. a timer).

    Taught in module 08 (embedding_lstm_recommender).
    """
    from recsys_lib.keras_utils import set_seeds

    epochs = _check_int(epochs, "epochs")
    batch_size = _check_int(batch_size, "batch_size")
    patience = _check_int(patience, "patience", 0)
    keras = _keras()
    set_seeds(int(seed), threads=None)
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
                 *callbacks]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="epochs", unit="epoch", leave=False)

        class _Bar(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                bar.update(1)
                bar.set_postfix(val_loss=f"{(logs or {}).get('val_loss', float('nan')):.4f}")

        callbacks.append(_Bar())
    try:
        fitted = model.fit(np.asarray(X), np.asarray(y), validation_data=(np.asarray(X_val), np.asarray(y_val)),
                           epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=callbacks)
    finally:
        if bar is not None:
            bar.close()
    history = {name: [float(v) for v in values] for name, values in fitted.history.items()}
    val = np.asarray(history["val_loss"])
    history["best_epoch"] = int(np.argmin(val)) + 1
    history["epochs_run"] = int(val.size)
    return history


def predict_in_batches(model, X, batch_size: int = 2048) -> np.ndarray:
    """``model.predict`` in batches, quietly, as float64 NumPy (``(n, n_outputs)``; ``(n,)`` for the
    purchase head). Taught in module 08 (embedding_lstm_recommender)."""
    X = np.asarray(X)
    if X.shape[0] == 0:
        n_out = int(model.outputs[0].shape[-1])
        return np.zeros((0,) if n_out == 1 else (0, n_out))
    out = np.asarray(model.predict(X, batch_size=int(batch_size), verbose=0), dtype=np.float64)
    return out[:, 0] if out.ndim == 2 and out.shape[1] == 1 else out


def layer_table(model):
    """One row per layer: name, class, output shape, masking and trainable parameters (a DataFrame),
    to read a Keras model at a glance. Taught in module 08 (embedding_lstm_recommender)."""
    import pandas as pd

    rows = []
    for layer in model.layers:
        cfg = layer.get_config()
        shape = getattr(layer, "output", None)
        rows.append({"layer": layer.name, "type": type(layer).__name__,
                     "output shape": None if shape is None else tuple(shape.shape),
                     "mask_zero": cfg.get("mask_zero", ""), "return_sequences": cfg.get("return_sequences", ""),
                     "activation": cfg.get("activation", ""),
                     "parameters": int(sum(np.prod(w.shape) for w in layer.trainable_weights))})
    return pd.DataFrame(rows).set_index("layer")

"""Benchmark: the module-06 NumPy MLP against the same network in Keras, in one run.

    python benchmarks/bench_mlp.py                                 # the shipped ShopSim next-category table
    python benchmarks/bench_mlp.py --data synthetic --rows 50000   # a larger seeded synthetic problem
    python benchmarks/bench_mlp.py --dtype float32                 # Keras in its usual float32

Both networks are 64 -> 32 -> classes with ReLU and a softmax output, start from the **same**
initial weights (``recsys_lib.nn.init_mlp_params``), train with Adam (learning rate 1e-3) on the
same standardised training rows for the same number of epochs and batch size, and are scored on the
same held-out rows. Printed: the NumPy loop's seconds per epoch (``recsys_lib.nn.train_mlp``),
Keras's first epoch (graph tracing included) and its seconds per later epoch, the ratio
NumPy / Keras per epoch, and both test accuracies. ``--threads`` caps BLAS and TensorFlow threads
(default 1: fair and quiet on a shared machine). It prints figures; it asserts nothing about time.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np


def shopsim_data():
    """The module-06 table: temporal split train < 2025-10-18 <= test, standardised on train."""
    import pandas as pd

    from recsys_lib import columns as C
    from recsys_lib.simulation import shipped_shop
    from recsys_lib.tasks import PREDICTION_TIME, next_category_feature_columns, next_category_task

    table = next_category_task(shipped_shop())
    features = next_category_feature_columns()
    is_train = (table[PREDICTION_TIME] < pd.Timestamp("2025-10-18")).to_numpy()
    X, y = table[features].to_numpy(), table[C.NEXT_CATEGORY_CODE].to_numpy()
    return X[is_train], y[is_train], X[~is_train], y[~is_train]


def synthetic_data(rows: int, features: int = 46, classes: int = 6, seed: int = 0):
    """Seeded softmax-teacher data: labels drawn from a random two-layer network's probabilities."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, features))
    hidden = np.tanh(X @ rng.normal(scale=1 / np.sqrt(features), size=(features, 16)))
    logits = 3 * hidden @ rng.normal(size=(16, classes))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    y = (p.cumsum(axis=1) / p.sum(axis=1, keepdims=True) < rng.random((rows, 1))).sum(axis=1)
    cut = int(0.8 * rows)
    return X[:cut], y[:cut], X[cut:], y[cut:]


def run(X_train, y_train, X_test, y_test, epochs: int, batch_size: int, dtype: str, seed: int = 0) -> dict:
    from recsys_lib import nn
    from recsys_lib.keras_utils import build_mlp, set_mlp_weights, set_seeds

    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std[std == 0] = 1.0
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    params0 = nn.init_mlp_params([X_train.shape[1], 64, 32, n_classes], seed=seed)

    start = time.perf_counter()
    params, _ = nn.train_mlp(X_train, y_train, params0, epochs, batch_size, learning_rate=1e-3, seed=seed)
    numpy_s = (time.perf_counter() - start) / epochs
    numpy_acc = float(np.mean(nn.mlp_predict_proba(X_test, params).argmax(axis=1) == y_test))

    set_seeds(seed)
    import keras  # noqa: PLC0415  (after set_seeds: deterministic and quiet)

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    times: list[float] = []
    model = build_mlp(X_train.shape[1], n_classes, dtype=dtype)
    set_mlp_weights(model, params0)
    model.fit(X_train.astype(dtype), y_train, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0,
              callbacks=[EpochTimer()])
    keras_first = times[0]
    keras_s = float(np.mean(times[1:])) if len(times) > 1 else times[0]
    keras_acc = float(np.mean(np.asarray(model(X_test.astype(dtype))).argmax(axis=1) == y_test))
    return {"rows": len(y_train), "features": X_train.shape[1], "classes": n_classes, "epochs": epochs,
            "numpy_s_per_epoch": numpy_s, "keras_first_epoch_s": keras_first, "keras_s_per_epoch": keras_s,
            "ratio": numpy_s / keras_s, "numpy_accuracy": numpy_acc, "keras_accuracy": keras_acc, "dtype": dtype}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("shopsim", "synthetic"), default="shopsim")
    parser.add_argument("--rows", type=int, default=50_000, help="rows of the synthetic data (80 %% train)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (TensorFlow uses 1)")
    args = parser.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:                     # threadpoolctl comes with scikit-learn; be safe anyway
        threadpool_limits = None
    data = shopsim_data() if args.data == "shopsim" else synthetic_data(args.rows)
    if threadpool_limits is not None:
        with threadpool_limits(limits=args.threads):
            r = run(*data, epochs=args.epochs, batch_size=args.batch_size, dtype=args.dtype)
    else:
        r = run(*data, epochs=args.epochs, batch_size=args.batch_size, dtype=args.dtype)
    print(f"data={args.data}: {r['rows']:,} training rows, {r['features']} features, {r['classes']} classes; "
          f"64-32-{r['classes']} MLP, Adam 1e-3, batch {args.batch_size}, {r['epochs']} epochs, Keras in {r['dtype']}")
    print(f"{'':<28}{'s / epoch':>12}{'test accuracy':>16}")
    print(f"{'NumPy (recsys_lib.nn)':<28}{r['numpy_s_per_epoch']:>12.4f}{r['numpy_accuracy']:>16.4f}")
    print(f"{'Keras (later epochs)':<28}{r['keras_s_per_epoch']:>12.4f}{r['keras_accuracy']:>16.4f}")
    print(f"{'Keras (first epoch)':<28}{r['keras_first_epoch_s']:>12.4f}")
    print(f"ratio NumPy / Keras per epoch: {r['ratio']:.2f}x  (accuracy difference "
          f"{r['numpy_accuracy'] - r['keras_accuracy']:+.4f})")
    return r


if __name__ == "__main__":
    main()

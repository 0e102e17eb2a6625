"""Tests for recsys_lib.keras_utils (module 06; module 08 reuses set_seeds).

The Keras tests are slow (TensorFlow's import alone takes several seconds) and run in fresh
interpreters, so that "the same program gives the same weights" is tested across processes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from recsys_lib import keras_utils

QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "OMP_NUM_THREADS": "1"}


def _python(code: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, **QUIET}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def test_importing_keras_utils_does_not_import_tensorflow():
    out = _python("import json, sys, recsys_lib, recsys_lib.keras_utils\n"
                  "recsys_lib.keras_utils.set_seeds, recsys_lib.keras_utils.build_mlp\n"
                  "print(json.dumps(['tensorflow' in sys.modules, 'keras' in sys.modules]))")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [False, False]


@pytest.mark.parametrize("kwargs, error", [(dict(seed=-1), ValueError), (dict(seed=1.5), TypeError),
                                           (dict(seed=True), TypeError), (dict(seed=0, threads=0), ValueError)])
def test_set_seeds_rejects_bad_arguments_before_importing_tensorflow(kwargs, error):
    with pytest.raises(error):
        keras_utils.set_seeds(**kwargs)


TRAIN = """
import hashlib, json
import numpy as np
from recsys_lib import nn
from recsys_lib.keras_utils import build_mlp, get_mlp_weights, set_mlp_weights, set_seeds

rng = np.random.default_rng(0)
X = rng.normal(size=(300, 10))
y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int) + (X[:, 2] > 1)
params0 = nn.init_mlp_params([10, 64, 32, 3], seed=0)

def train():                           # the notebook's Keras training cell
    set_seeds(0)
    model = build_mlp(10, 3)
    set_mlp_weights(model, params0)
    model.fit(X, y, epochs=3, batch_size=32, shuffle=True, verbose=0)
    return get_mlp_weights(model)

a, b = train(), train()
same = all(np.array_equal(u, v) for pa, pb in zip(a, b) for u, v in zip(pa, pb))
digest = hashlib.sha256(b"".join(w.tobytes() for pair in a for w in pair)).hexdigest()
moved = float(np.abs(a[0][0] - params0[0][0]).max())
print(json.dumps({"same": same, "digest": digest, "moved": moved}))
"""


@pytest.mark.slow
def test_keras_training_is_bit_identical_within_and_across_runs():
    runs = [_python(TRAIN) for _ in range(2)]
    for out in runs:
        assert out.returncode == 0, out.stderr
    first, second = (json.loads(out.stdout.strip().splitlines()[-1]) for out in runs)
    assert first["same"] and second["same"]              # two trainings in one process
    assert first["digest"] == second["digest"]           # and in two fresh processes
    assert first["moved"] > 1e-3                         # training did change the weights
    assert runs[0].stderr == ""                          # quiet: nbgrader scores stderr as a failure


@pytest.mark.slow
def test_build_mlp_copies_numpy_weights_and_predicts_like_numpy():
    out = _python("""
        import json
        import numpy as np
        from recsys_lib import nn
        from recsys_lib.keras_utils import build_mlp, get_mlp_weights, set_mlp_weights, set_seeds
        set_seeds(1)
        model = build_mlp(7, 4, seed=1)
        spec = [(layer.units, layer.get_config()["activation"], layer.compute_dtype) for layer in model.layers]
        params = [(W, np.full(b.shape, 0.1)) for W, b in nn.init_mlp_params([7, 64, 32, 4], seed=3)]
        set_mlp_weights(model, params)
        X = np.random.default_rng(2).normal(size=(50, 7))
        diff = float(np.abs(np.asarray(model(X)) - nn.mlp_predict_proba(X, params)).max())
        back = all(np.array_equal(u, v) for p, q in zip(get_mlp_weights(model), params) for u, v in zip(p, q))
        try:
            set_mlp_weights(model, [(W.T, b) for W, b in params])
            error = ""
        except ValueError as exc:
            error = str(exc)
        try:
            set_seeds(0, threads=2)
            late = ""
        except RuntimeError as exc:
            late = str(exc)
        print(json.dumps({"spec": spec, "diff": diff, "back": back, "error": error, "late": late,
                          "loss": model.loss, "optimizer": type(model.optimizer).__name__}))
    """)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["spec"] == [[64, "relu", "float64"], [32, "relu", "float64"], [4, "softmax", "float64"]]
    assert got["diff"] < 1e-12 and got["back"]
    assert "hidden1" in got["error"] and "(inputs, units)" in got["error"]
    assert "too late" in got["late"]
    assert got["loss"] == "sparse_categorical_crossentropy" and got["optimizer"] == "Adam"

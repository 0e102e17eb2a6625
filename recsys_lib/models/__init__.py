"""Reference models of the course (the learner's toolbox once a module has taught them).

Each class's docstring names the module that teaches it. Importing this package is cheap: a
model's file (and scikit-learn, SciPy or TensorFlow behind it) is imported the first time one of
its names is used, e.g. ``from recsys_lib.models import ItemKNNRecommender``.

==========================  ===============================  ======
name                        file                             module
==========================  ===============================  ======
LinearRegressionGD          ``models/linear.py``             01
LogisticRegressionGD        ``models/logistic.py``           02
PopularityRecommender,      ``models/recommenders.py``       04
ItemKNNRecommender,
UserKNNRecommender
LinearSVMPegasos            ``models/svm.py``                05
MLPClassifierNumpy          ``models/mlp.py``                06
BPRMatrixFactorization      ``models/factorization.py``      07
SequenceRecommender         ``models/sequence.py``           08
MarkovChainRecommender      ``models/markov.py``             08
==========================  ===============================  ======

The loss primitives of modules 01 and 02 live in :mod:`recsys_lib.losses` and ``top_k`` in
:mod:`recsys_lib.topk`; both are re-exported here for convenience.
"""
from __future__ import annotations

import importlib

#: public name -> sub-module (relative to this package, or absolute for re-exports)
_LAZY = {
    # module 01 (linear_regression) and 02 (logistic_regression)
    "LinearRegressionGD": ".linear",
    "LogisticRegressionGD": ".logistic",
    # module 04 (knn_collaborative_filtering)
    "BaseRecommender": ".recommender_base",
    "PopularityRecommender": ".recommenders",
    "ItemKNNRecommender": ".recommenders",
    "UserKNNRecommender": ".recommenders",
    "LinearSVMPegasos": ".svm",  # module 05 (svm)
    "MLPClassifierNumpy": ".mlp",
    # module 07 (embeddings_matrix_factorization)
    "BPRMatrixFactorization": ".factorization",
    # module 08 (embedding_lstm_recommender)
    "SequenceRecommender": ".sequence",
    "MarkovChainRecommender": ".markov",
    # re-exports
    "top_k": "recsys_lib.topk",
    "sigmoid": "recsys_lib.losses",
    "log_sigmoid": "recsys_lib.losses",
    "softplus": "recsys_lib.losses",
    "softmax": "recsys_lib.losses",
    "linear_predict": "recsys_lib.losses",
    "mse_loss": "recsys_lib.losses",
    "mse_gradient": "recsys_lib.losses",
    "binary_cross_entropy": "recsys_lib.losses",
    "logistic_loss": "recsys_lib.losses",
    "log_loss_gradient": "recsys_lib.losses",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(target, __name__) if target.startswith(".") else importlib.import_module(target)
    value = getattr(module, name)
    globals()[name] = value          # cache: the next access does not come here
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

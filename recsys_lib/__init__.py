"""recsys_lib: the learner's toolbox for the course
*Machine Learning for E-commerce Search & Recommendation*.

Importing the package is cheap (no TensorFlow, no plotting back-end): each sub-module is
imported when first used, e.g. ``recsys_lib.data.load_shop()``.

Sub-modules (in course order)
-----------------------------
columns          column names and event types of the ShopSim tables (constants)
data             loading and validating a shop (the shipped ShopSim, a folder, public real logs)
simulation       the ShopSim generator, its ground truth, the oracle, online experiments (module 09)
splitting        train/test splits without leakage (module 00)
tasks            prediction tables derived from ShopSim (one per module's question)
gradcheck        numerical gradient checking (module 01 on)
losses           stable loss primitives: MSE, cross-entropy, softmax (modules 01, 02, 06)
features         feature engineering on behaviour logs (module 03)
metrics          funnel, classification, ranking, A/B-test and beyond-accuracy metrics
topk             the one top-K selection (module 04 on)
evaluation       leave-last-out evaluation of recommenders (module 04)
evaluation_real  the same on public real logs, in one call (``recsys-course evaluate``)
models           reference estimators and recommenders (scikit-learn API)
kernels          RBF kernel and squared distances (module 05)
nn               NumPy neural-network blocks: activations, dense layers, backprop, optimisers (module 06)
keras_utils      Keras helpers: deterministic seeding, the course MLP (module 06; TensorFlow when called)
sampling         negative sampling for implicit feedback (module 07)
embeddings       embedding lookup, cosine neighbours, 2-D projection, cold start (module 07)
sequences        token sequences from the event log, Markov chain, Embedding -> LSTM models (module 08;
                 TensorFlow only when a model is built)
reranking        MMR diversity re-ranking and personalised search re-ranking (module 09)
search           keyword search, search cases from the log, query intent (module 09)
uplift           two-model uplift and targeting by incremental purchases (module 09)
serving          latency, a local HTTP prediction endpoint, Keras export (module 09)
compression      int8 quantisation and magnitude pruning (module 09)
monitoring       population stability index and a retraining trigger (module 09)
privacy          k-anonymity and small-cell suppression of reports (module 09)
plots            the course's plots (matplotlib, imported only when used)
cli              the toolbox's ``recsys-course`` sub-commands (the console script is ``autograder.cli``)
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("columns", "data", "simulation", "splitting", "tasks", "gradcheck", "losses", "features",
               "metrics", "topk", "evaluation", "evaluation_real", "models", "kernels", "nn", "keras_utils",
               "sampling", "embeddings", "sequences", "reranking", "search", "uplift", "serving",
               "compression", "monitoring", "privacy", "plots", "cli")

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))

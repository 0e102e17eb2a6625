"""recsys_lib: the learner's toolbox for the course
*Machine Learning for E-commerce Search & Recommendation*.

Importing the package is cheap (no TensorFlow, no plotting back-end): each sub-module is
imported when first used, e.g. ``recsys_lib.data.load_shop()``.

Sub-modules
-----------
columns      column names and event types of the ShopSim tables (constants)
data         loading and validating a shop (the shipped ShopSim or a folder)
simulation   the ShopSim generator, its ground truth and the oracle
tasks        prediction tables derived from ShopSim (units sold, clicks, ...)
features     feature engineering on behaviour logs (module 03)
metrics      funnel, classification and ranking metrics
models       reference estimators and recommenders (scikit-learn API)
gradcheck    numerical gradient checking (module 01 on)
splitting    train/test splits without leakage (module 00)
plots        the course's plots (matplotlib, imported only when used)
cli          the ``recsys-course`` command
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("columns", "data", "simulation", "tasks", "features", "metrics", "models", "gradcheck",
               "splitting", "plots", "cli")

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))

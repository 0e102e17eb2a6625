"""recsys_lib: the learner's toolbox for the course
*Machine Learning for E-commerce Search & Recommendation*.

Importing the package is cheap (no TensorFlow, no plotting back-end): each sub-module is
imported when first used, e.g. ``recsys_lib.data.load_shop()``.

Sub-modules
-----------
columns      column names and event types of the ShopSim tables (constants)
data         loading and validating a shop (the shipped ShopSim or a folder)
simulation   the ShopSim generator, its ground truth and the oracle
metrics      evaluation metrics (ranking metrics first; more as modules teach them)
cli          the ``recsys-course`` command
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = ("columns", "data", "simulation", "metrics", "cli")

__all__ = list(_SUBMODULES) + ["__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))

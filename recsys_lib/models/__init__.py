"""Reference models of the course (the learner's toolbox once a module has taught them).

Import-light: NumPy, SciPy and scikit-learn's ``BaseEstimator`` only (no TensorFlow, no
matplotlib). Each class's docstring names the module that teaches it.
"""
from .recommenders import ItemKNNRecommender, PopularityRecommender, UserKNNRecommender, top_k

__all__ = ["PopularityRecommender", "ItemKNNRecommender", "UserKNNRecommender", "top_k"]

# Modules 01 (linear_regression) and 02 (logistic_regression): estimators and loss primitives.
from ._losses import (
    binary_cross_entropy,
    linear_predict,
    log_loss_gradient,
    log_sigmoid,
    logistic_loss,
    mse_gradient,
    mse_loss,
    sigmoid,
    softmax,
    softplus,
)
from .linear import LinearRegressionGD
from .logistic import LogisticRegressionGD

__all__ += [
    "LinearRegressionGD",
    "LogisticRegressionGD",
    "sigmoid",
    "log_sigmoid",
    "softplus",
    "softmax",
    "linear_predict",
    "mse_loss",
    "mse_gradient",
    "binary_cross_entropy",
    "logistic_loss",
    "log_loss_gradient",
]

"""Feature engineering for the shop's event log (module 03) and the interaction matrix (module 04).

Each function's docstring names the module that teaches it. Everything here is vectorised
(pandas / NumPy / SciPy; no Python loop over events or users) and leakage-free: features "as of"
a time only use events strictly before it.
"""
from .behaviour import (
    INTEREST_EVENT_TYPES,
    behaviour_heat,
    behaviour_sequences,
    pad_sequences,
    point_in_time_join,
    rfm_features,
)
from .encoding import category_one_hot, cyclic_time_features, hashing_trick, price_buckets, split_category
from .interactions import DEFAULT_INTERACTION_TYPES, interaction_matrix

__all__ = [
    "behaviour_sequences",
    "pad_sequences",
    "behaviour_heat",
    "rfm_features",
    "point_in_time_join",
    "price_buckets",
    "split_category",
    "category_one_hot",
    "hashing_trick",
    "cyclic_time_features",
    "interaction_matrix",
    "INTEREST_EVENT_TYPES",
    "DEFAULT_INTERACTION_TYPES",
]

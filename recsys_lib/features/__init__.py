"""Feature engineering for the shop's event log (module 03) and the interaction matrix (module 04).

Each function's docstring names the module that teaches it.
"""
from .interactions import DEFAULT_INTERACTION_TYPES, interaction_matrix

__all__ = ["interaction_matrix", "DEFAULT_INTERACTION_TYPES"]

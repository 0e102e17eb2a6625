r"""The first-order Markov chain: the next item depends on the last token only.

Taught in module 08 (embedding_lstm_recommender).

From training pairs (state :math:`s_r` = the last token before prediction :math:`r`, next item
:math:`i_r`), the counts :math:`N_{si} = |\{r : s_r = s,\ i_r = i\}|` estimate the transition
probabilities. A state seen rarely gets unreliable counts, so they are smoothed towards the
items' overall popularity :math:`\pi_i = N_{\cdot i} / N_{\cdot\cdot}` (a Dirichlet prior with
weight :math:`\alpha`):

.. math::

    \hat P(i \mid s) = \frac{N_{si} + \alpha\, \pi_i}{N_{s\cdot} + \alpha}.

Each row sums to one; :math:`\alpha \to 0` gives the raw frequencies (popularity only breaks ties),
:math:`\alpha \to \infty` the popularity ranking, and an unseen state (:math:`N_{s\cdot} = 0`) falls
back to popularity. With ``list:`` tokens in the stream, the last token before a step is the list
the shopper has just seen, so this "baseline" already knows the session's intent.
"""
from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_scalar

__all__ = ["transition_counts", "markov_scores", "check_smoothing"]


def check_smoothing(alpha) -> float:
    """The smoothing weight as a float >= 0 (``ValueError`` otherwise)."""
    try:
        if isinstance(alpha, (bool, np.bool_)):
            raise TypeError
        check_scalar(alpha, "smoothing", target_type=numbers.Real, min_val=0.0)
        if not np.isfinite(alpha):
            raise ValueError
    except (TypeError, ValueError) as exc:
        raise ValueError(f"smoothing must be a finite number >= 0; got {alpha!r}") from exc
    return float(alpha)


def transition_counts(states, next_items, n_states: int, n_items: int) -> sp.csr_matrix:
    """Sparse counts ``N`` of shape ``(n_states, n_items)``: ``N[s, i]`` = how often item column
    ``i`` followed state ``s`` (states and items are 0-based integer codes; duplicates summed).

    Taught in module 08 (embedding_lstm_recommender).
    """
    states = np.asarray(states, dtype=np.int64).ravel()
    next_items = np.asarray(next_items, dtype=np.int64).ravel()
    if states.shape != next_items.shape:
        raise ValueError(f"states and next_items must have the same length; got {states.size} and {next_items.size}")
    if states.size and (states.min() < 0 or states.max() >= n_states):
        raise ValueError(f"states must be codes in 0 .. {n_states - 1}")
    if next_items.size and (next_items.min() < 0 or next_items.max() >= n_items):
        raise ValueError(f"next_items must be item columns in 0 .. {n_items - 1}")
    data = np.ones(states.size, dtype=np.float64)
    return sp.csr_matrix((data, (states, next_items)), shape=(int(n_states), int(n_items)))


def markov_scores(counts: sp.csr_matrix, states, smoothing: float = 1.0) -> np.ndarray:
    r""":math:`\hat P(i \mid s)` (see the module docstring) for the query states: a dense array
    ``(len(states), n_items)`` whose rows sum to one (popularity rows for states without counts).

    Taught in module 08 (embedding_lstm_recommender).
    """
    alpha = check_smoothing(smoothing)
    counts = sp.csr_matrix(counts, dtype=np.float64)
    states = np.asarray(states, dtype=np.int64).ravel()
    popularity = np.asarray(counts.sum(axis=0), dtype=np.float64).ravel()
    total = popularity.sum()
    prior = popularity / total if total > 0 else np.full(counts.shape[1], 1.0 / max(counts.shape[1], 1))
    rows = counts[states].toarray()
    n_s = rows.sum(axis=1, keepdims=True)
    if alpha == 0.0:
        # raw frequencies; popularity (scaled far below one count) only breaks ties and fills empty rows
        out = np.where(n_s > 0, rows / np.maximum(n_s, 1.0), 0.0) + 1e-9 * prior[None, :]
        return np.where(n_s > 0, out, prior[None, :])
    return (rows + alpha * prior[None, :]) / (n_s + alpha)

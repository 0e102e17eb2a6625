r"""Negative sampling for implicit feedback: uniform and popularity-based, seeded and vectorised.

Taught in module 07 (embeddings_matrix_factorization); used by
:class:`recsys_lib.models.BPRMatrixFactorization`.

With implicit feedback we only observe positives (user :math:`u` clicked item :math:`i`). A pairwise
loss such as BPR needs, for each positive, an item :math:`j` the user did **not** interact with: a
*negative*. For a users x items matrix :math:`X` (positives = nonzero entries) and a user :math:`u`,

* **uniform** sampling draws :math:`j` uniformly among the items with :math:`X_{uj} = 0`;
* **popularity** sampling draws :math:`j` with probability proportional to :math:`n_j^{\beta}`
  among the items with :math:`X_{uj} = 0`, where :math:`n_j = |\{v : X_{vj} > 0\}|` is the item's
  number of users and :math:`\beta` the ``power`` (0.75 as in word2vec; :math:`\beta = 0` is
  uniform, :math:`\beta = 1` proportional to popularity):

  .. math::  q(j) = \frac{n_j^{\beta}}{\sum_{k} n_k^{\beta}}, \qquad
             P(j \mid u) = \frac{q(j)\,[X_{uj} = 0]}{\sum_k q(k)\,[X_{uk} = 0]} .

Both are drawn by **rejection**: draw from :math:`q` for every requested user at once, redraw (only)
the draws that hit one of that user's positives, and repeat. Rejection keeps the exact conditional
distribution above. The membership test is vectorised: the positives of :math:`X` are encoded as
sorted keys :math:`u \cdot n_{\text{items}} + i` and looked up with ``np.searchsorted``. Draws
still rejected after ``max_rounds`` rounds (users who interacted with almost every item) are drawn
exactly from their complement.

Everything random takes a ``rng``: a ``numpy.random.Generator`` (or an int seed for
``np.random.default_rng``); the global ``np.random`` state is never used, so the same seed gives
the same negatives.
"""
from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

__all__ = ["negative_probabilities", "sample_negatives", "NegativeSampler", "uniform_negatives",
           "popularity_negatives", "positive_keys", "is_positive"]


def _as_rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (numbers.Integral, np.random.SeedSequence)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator or an integer seed; got {type(rng).__name__} "
                    f"(the global np.random state is never used: results must be reproducible)")


def _as_csr(X) -> sp.csr_matrix:
    if not sp.issparse(X):
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"X must be a 2-D users x items matrix; got shape {X.shape}")
    X = sp.csr_matrix(X)
    X.sum_duplicates()            # canonical: sorted column indices, no duplicates
    X.eliminate_zeros()
    return X


def negative_probabilities(popularity, power: float = 0.75) -> np.ndarray:
    r"""The sampling distribution :math:`q(j) = n_j^{\beta} / \sum_k n_k^{\beta}` (``power`` =
    :math:`\beta \ge 0`) of item counts ``popularity`` (non-negative). :math:`\beta = 0` gives the
    uniform distribution over all items (:math:`0^0 = 1`: items nobody interacted with included).

    Taught in module 07 (embeddings_matrix_factorization).
    """
    n = np.asarray(popularity, dtype=np.float64)
    if n.ndim != 1 or n.size == 0:
        raise ValueError(f"popularity must be a non-empty 1-D array; got shape {n.shape}")
    if not np.isfinite(n).all() or (n < 0).any():
        raise ValueError("popularity must hold finite, non-negative counts")
    if not (isinstance(power, numbers.Real) and np.isfinite(power) and power >= 0):
        raise ValueError(f"power must be a finite number >= 0; got {power!r}")
    w = np.power(n, float(power))
    total = w.sum()
    if total <= 0:
        raise ValueError("no item has a positive sampling weight (all popularities are 0)")
    return w / total


def positive_keys(X) -> np.ndarray:
    r"""Sorted int64 keys :math:`u \cdot n_{\text{items}} + i` of the nonzero entries of ``X``
    (for :func:`is_positive`). Taught in module 07 (embeddings_matrix_factorization)."""
    X = _as_csr(X)
    rows = np.repeat(np.arange(X.shape[0], dtype=np.int64), np.diff(X.indptr))
    return rows * np.int64(X.shape[1]) + X.indices.astype(np.int64)   # CSR order = sorted keys


def is_positive(keys: np.ndarray, n_items: int, users, items) -> np.ndarray:
    """Boolean array: is ``(users[k], items[k])`` a positive, given ``positive_keys(X)``?
    Taught in module 07 (embeddings_matrix_factorization)."""
    q = np.asarray(users, dtype=np.int64) * np.int64(n_items) + np.asarray(items, dtype=np.int64)
    if keys.size == 0:
        return np.zeros(q.shape, dtype=bool)
    pos = np.searchsorted(keys, q)
    return keys[np.minimum(pos, keys.size - 1)] == q


class NegativeSampler:
    r"""Negative sampling from one matrix, with what every draw needs computed once: the sorted
    positive keys and, for popularity sampling, the cumulative distribution of :math:`q`.
    ``NegativeSampler(X, method, power).sample(users, rng)`` is :func:`sample_negatives`; a
    training loop that samples every epoch from the same matrix builds the sampler once.

    Taught in module 07 (embeddings_matrix_factorization).
    """

    def __init__(self, X, method: str = "uniform", power: float = 0.75):
        if method not in ("uniform", "popularity"):
            raise ValueError(f"method must be 'uniform' or 'popularity'; got {method!r}")
        self.X = _as_csr(X)
        self.method = method
        self.n_users, self.n_items = self.X.shape
        self.keys = positive_keys(self.X)
        self.probs = self.cdf = None
        if method == "popularity" and self.n_items:
            self.probs = negative_probabilities(np.diff(self.X.tocsc().indptr), power)
            self.cdf = np.cumsum(self.probs)

    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if self.cdf is None:
            return rng.integers(0, self.n_items, size=n)
        return np.minimum(np.searchsorted(self.cdf, rng.random(n) * self.cdf[-1], side="right"), self.n_items - 1)

    def sample(self, users, rng, max_rounds: int = 50) -> np.ndarray:
        """One negative per entry of ``users`` (see :func:`sample_negatives`)."""
        rng = _as_rng(rng)
        users = np.asarray(users)
        if users.size and not np.issubdtype(users.dtype, np.integer):
            raise TypeError(f"users must be integer row indices; got dtype {users.dtype}")
        shape = users.shape
        users = users.astype(np.int64).ravel()
        if users.size and (users.min() < 0 or users.max() >= self.n_users):
            raise IndexError(f"users must be row indices in 0 .. {self.n_users - 1}")
        if users.size == 0:
            return np.zeros(shape, dtype=np.int64)
        if self.n_items == 0:
            raise ValueError("X has no items to sample from")
        out = self._draw(rng, users.size).astype(np.int64)
        todo = np.flatnonzero(is_positive(self.keys, self.n_items, users, out))
        for _ in range(int(max_rounds)):
            if todo.size == 0:
                break
            out[todo] = self._draw(rng, todo.size)
            todo = todo[is_positive(self.keys, self.n_items, users[todo], out[todo])]
        if todo.size:
            _exact_fallback(self.X, users, out, todo, rng, self.probs)
        return out.reshape(shape)


def sample_negatives(X, users, rng, *, method: str = "uniform", power: float = 0.75,
                     max_rounds: int = 50) -> np.ndarray:
    r"""One negative item (column index) per entry of ``users`` (row indices of ``X``).

    Parameters
    ----------
    X : users x items matrix (scipy.sparse or dense); its nonzero entries are the positives.
    users : int array of row indices (repeats allowed: one negative per entry).
    rng : ``numpy.random.Generator`` or int seed.
    method : ``"uniform"`` or ``"popularity"`` (see the module docstring).
    power : the exponent :math:`\beta` of popularity sampling (ignored for uniform).
    max_rounds : rejection rounds before the exact fallback.

    Returns an int64 array of the shape of ``users``; entry :math:`k` is never a positive of user
    ``users[k]``. Raises ``ValueError`` for a user without any possible negative.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    rng = _as_rng(rng)
    return NegativeSampler(X, method, power).sample(users, rng, max_rounds)


def _exact_fallback(X, users, out, todo, rng, probs) -> None:
    """Draw the still-rejected entries exactly from each user's complement (users with almost
    every item positive; a loop over those few users only)."""
    n_items = X.shape[1]
    for u in np.unique(users[todo]):
        free = np.ones(n_items, dtype=bool)
        free[X.indices[X.indptr[u]:X.indptr[u + 1]]] = False
        w = free.astype(np.float64) if probs is None else probs * free
        if w.sum() <= 0:
            raise ValueError(f"user row {int(u)} has no possible negative item (every item with a "
                             f"positive sampling weight is one of its positives)")
        idx = todo[users[todo] == u]
        out[idx] = rng.choice(n_items, size=idx.size, p=w / w.sum())


def uniform_negatives(X, users, rng, max_rounds: int = 50) -> np.ndarray:
    """``sample_negatives(X, users, rng, method="uniform")``.
    Taught in module 07 (embeddings_matrix_factorization)."""
    return sample_negatives(X, users, rng, method="uniform", max_rounds=max_rounds)


def popularity_negatives(X, users, rng, power: float = 0.75, max_rounds: int = 50) -> np.ndarray:
    """``sample_negatives(X, users, rng, method="popularity", power=power)``.
    Taught in module 07 (embeddings_matrix_factorization)."""
    return sample_negatives(X, users, rng, method="popularity", power=power, max_rounds=max_rounds)

r"""Matrix factorisation for implicit feedback with the BPR loss, trained by mini-batch SGD.

Taught in module 07 (embeddings_matrix_factorization); compared with the sequence model in module
08 and A/B-tested in module 09 through ``fit`` / ``recommend`` only.

The model
---------
User :math:`u` has a factor (embedding) :math:`p_u \in \mathbb{R}^k`, item :math:`i` a factor
:math:`q_i \in \mathbb{R}^k` and a bias :math:`b_i`; the score is

.. math::  \hat x_{ui} = p_u^\top q_i + b_i .

**BPR** (Bayesian personalised ranking, Rendle et al. 2009) fits it on triples :math:`(u, i, j)`:
user :math:`u` interacted with :math:`i` (a positive) and not with :math:`j` (a sampled negative).
With :math:`\hat x_{uij} = \hat x_{ui} - \hat x_{uj}` and :math:`\theta_{uij} = (p_u, q_i, q_j, b_i, b_j)`,
the loss of a mini-batch :math:`\mathcal B` of triples is

.. math::  L = \sum_{(u,i,j) \in \mathcal B} \Bigl[ -\log \sigma(\hat x_{uij})
              + \tfrac{\lambda}{2} \lVert \theta_{uij} \rVert^2 \Bigr],

(Rendle writes the penalty :math:`\lambda_\Theta \lVert\Theta\rVert^2`; the factor 1/2 here makes its
gradient :math:`\lambda\theta`, the convention of modules 01-02). With
:math:`g_{uij} = \partial(-\log\sigma(x))/\partial x = -\sigma(-\hat x_{uij})`:

.. math::
    \frac{\partial L}{\partial p_u} = \sum g_{uij}\,(q_i - q_j) + \lambda p_u, \quad
    \frac{\partial L}{\partial q_i} = \sum g_{uij}\, p_u + \lambda q_i, \quad
    \frac{\partial L}{\partial q_j} = \sum -g_{uij}\, p_u + \lambda q_j,

    \frac{\partial L}{\partial b_i} = \sum g_{uij} + \lambda b_i, \qquad
    \frac{\partial L}{\partial b_j} = \sum -g_{uij} + \lambda b_j,

each sum running over the triples of the batch in which the parameter appears (a user or item that
appears in several triples accumulates their terms: a scatter-add). The loss is a **sum** over the
batch: each triple is one SGD step of Rendle's algorithm, and a mini-batch applies ``batch_size`` of
them at once from the same parameters (all gradients first, then one update), vectorised with no
Python loop over triples.

An **epoch** visits every positive :math:`(u, i)` (nonzero entry of the interaction matrix; its
weight is not used) once in a seeded random order, each with one negative drawn by
:func:`recsys_lib.sampling.sample_negatives` (uniform, or popularity ** ``popularity_power``; a
:class:`~recsys_lib.sampling.NegativeSampler` built once per fit).
"""
from __future__ import annotations

import math
import numbers

import numpy as np
from sklearn.utils import check_scalar
from sklearn.utils.validation import check_is_fitted

from recsys_lib.embeddings import _scatter_add_flat, nearest_neighbours, scatter_add_rows
from recsys_lib.losses import softplus
from recsys_lib.models.recommender_base import BaseRecommender, check_count
from recsys_lib.sampling import NegativeSampler

__all__ = ["BPRMatrixFactorization", "bpr_loss", "bpr_gradients", "bpr_sgd_epoch", "bpr_sgd_reference"]


def _triples(P, Q, b, users, pos, neg):
    P = np.asarray(P, dtype=np.float64)
    Q = np.asarray(Q, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if P.ndim != 2 or Q.ndim != 2 or P.shape[1] != Q.shape[1]:
        raise ValueError(f"P (n_users, k) and Q (n_items, k) must share k; got {P.shape} and {Q.shape}")
    if b.shape != (Q.shape[0],):
        raise ValueError(f"b must have one bias per item, shape ({Q.shape[0]},); got {b.shape}")
    u, i, j = (np.asarray(a, dtype=np.int64).ravel() for a in (users, pos, neg))
    if not (u.size == i.size == j.size):
        raise ValueError(f"users, pos and neg must have the same length; got {u.size}, {i.size}, {j.size}")
    return P, Q, b, u, i, j


def _gathered(P, Q, b, u, i, j):
    """x_uij, the gathered rows p_u, q_i, q_j and q_i - q_j."""
    pu, qi, qj = P[u], Q[i], Q[j]
    d = qi - qj
    return np.einsum("bk,bk->b", pu, d) + b[i] - b[j], pu, qi, qj, d


def bpr_loss(P, Q, b, users, pos, neg, regularization: float = 0.0) -> float:
    r"""The BPR loss of the triples ``(users[t], pos[t], neg[t])`` (module docstring): the sum of
    :math:`-\log\sigma(\hat x_{uij})` (computed stably as :math:`\mathrm{softplus}(-\hat x_{uij})`)
    plus :math:`\tfrac{\lambda}{2}\lVert\theta_{uij}\rVert^2` per triple.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    P, Q, b, u, i, j = _triples(P, Q, b, users, pos, neg)
    x, pu, qi, qj, _ = _gathered(P, Q, b, u, i, j)
    reg = (pu ** 2).sum() + (qi ** 2).sum() + (qj ** 2).sum() + (b[i] ** 2).sum() + (b[j] ** 2).sum()
    return float(softplus(-x).sum() + 0.5 * regularization * reg)


def _batch_terms(P, Q, b, u, i, j, lam):
    """Per-triple gradient rows (g_P, g_Qi, g_Qj, g_bi, g_bj) and loss terms softplus(-x_uij): the
    formulas of the module docstring, for :func:`bpr_gradients` and the SGD step alike."""
    x, pu, qi, qj, d = _gathered(P, Q, b, u, i, j)
    e = np.exp(-np.abs(x))
    g = -np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))        # d(-log sigma(x))/dx = -sigma(-x), stably
    loss = np.maximum(-x, 0.0) + np.log1p(e)                      # softplus(-x)
    G = g[:, None]
    gpu = G * pu
    return G * d + lam * pu, gpu + lam * qi, lam * qj - gpu, g + lam * b[i], lam * b[j] - g, loss


def bpr_gradients(P, Q, b, users, pos, neg, regularization: float = 0.0):
    r"""Gradients ``(dP, dQ, db)`` of :func:`bpr_loss` with respect to ``P``, ``Q`` and ``b``
    (arrays of their shapes; rows that appear in no triple are 0; repeated rows accumulate).

    Taught in module 07 (embeddings_matrix_factorization).
    """
    P, Q, b, u, i, j = _triples(P, Q, b, users, pos, neg)
    gP, gQi, gQj, gbi, gbj, _ = _batch_terms(P, Q, b, u, i, j, float(regularization))
    dP = scatter_add_rows(np.zeros_like(P), u, gP)
    dQ = scatter_add_rows(scatter_add_rows(np.zeros_like(Q), i, gQi), j, gQj)
    db = scatter_add_rows(scatter_add_rows(np.zeros_like(b), i, gbi), j, gbj)
    return dP, dQ, db


def _sgd_step(P, Q, b, u, i, j, lr, lam) -> float:
    """One simultaneous update of the batch's triples, in place; returns the batch's data loss."""
    gP, gQi, gQj, gbi, gbj, loss = _batch_terms(P, Q, b, u, i, j, lam)
    both = np.concatenate([i, j])
    _scatter_add_flat(P, u, -lr * gP)
    _scatter_add_flat(Q, both, -lr * np.concatenate([gQi, gQj]))
    np.add.at(b, both, -lr * np.concatenate([gbi, gbj]))
    return float(loss.sum())


def _epoch_in_place(P, Q, b, u, i, j, lr, lam, B) -> float:
    """The mini-batch updates of one epoch over the triples in order, in place; the summed data loss."""
    return sum(_sgd_step(P, Q, b, u[s:s + B], i[s:s + B], j[s:s + B], lr, lam) for s in range(0, u.size, B))


def bpr_sgd_epoch(P, Q, b, users, pos, neg, learning_rate: float, regularization: float, batch_size: int):
    r"""One pass of mini-batch SGD over the given triples, **in the order given**: batch
    :math:`t` holds triples ``t*B .. t*B + B - 1`` (the last may be smaller); each batch updates
    :math:`\theta \leftarrow \theta - \eta\, \nabla_\theta L_{\text{batch}}` with the gradient of
    :func:`bpr_gradients` at the parameters before that batch.

    Returns ``(P, Q, b, mean_loss)``: updated copies (the inputs are not modified) and the mean
    of :math:`-\log\sigma(\hat x_{uij})` over the triples, each computed before its batch's update.
    With ``batch_size=1`` this is :func:`bpr_sgd_reference`.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    P, Q, b, u, i, j = _triples(P, Q, b, users, pos, neg)
    P, Q, b = P.copy(), Q.copy(), b.copy()
    B = check_count(batch_size, "batch_size")
    total = _epoch_in_place(P, Q, b, u, i, j, float(learning_rate), float(regularization), B)
    return P, Q, b, total / max(u.size, 1)


def bpr_sgd_reference(P, Q, b, users, pos, neg, learning_rate: float, regularization: float):
    r"""Rendle's per-sample SGD (LearnBPR's update), one triple at a time in the order given, as a
    plain Python loop over scalars: the **slow reference** that :func:`bpr_sgd_epoch` with
    ``batch_size=1`` must reproduce (tests) and that the benchmark times against the vectorised
    epoch. For triple :math:`(u, i, j)`, with :math:`g = -\sigma(-\hat x_{uij})` and every
    right-hand side taken before the step,

    .. math::  p_u \mathrel{-}= \eta\,(g\,(q_i - q_j) + \lambda p_u), \quad
               q_i \mathrel{-}= \eta\,(g\,p_u + \lambda q_i), \quad
               q_j \mathrel{-}= \eta\,(-g\,p_u + \lambda q_j), \quad
               b_i \mathrel{-}= \eta\,(g + \lambda b_i), \quad b_j \mathrel{-}= \eta\,(-g + \lambda b_j).

    (With :math:`i = j` the two item updates apply one after the other.) Returns updated copies
    ``(P, Q, b)``. Do not use it to train: it runs some 10⁵ triples per second at best.

    Taught in module 07 (embeddings_matrix_factorization).
    """
    P, Q, b, u, i, j = _triples(P, Q, b, users, pos, neg)
    P, Q, b = P.copy(), Q.copy(), b.copy()
    lr, lam = float(learning_rate), float(regularization)
    for uu, ii, jj in zip(u.tolist(), i.tolist(), j.tolist()):
        pu, qi, qj = P[uu].copy(), Q[ii].copy(), Q[jj].copy()
        x = float(pu @ (qi - qj)) + b[ii] - b[jj]
        g = -1.0 / (1.0 + math.exp(x)) if x < 700 else -math.exp(-x)      # -sigma(-x) without overflow
        bi, bj = b[ii], b[jj]
        P[uu] -= lr * (g * (qi - qj) + lam * pu)
        Q[ii] -= lr * (g * pu + lam * qi)
        Q[jj] -= lr * (-g * pu + lam * qj)
        b[ii] -= lr * (g + lam * bi)
        b[jj] -= lr * (-g + lam * bj)
    return P, Q, b


def _check_real(value, name, min_val=0.0, include_boundaries="left"):
    try:
        if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Real) and not np.isfinite(value)):
            raise TypeError
        check_scalar(value, name, target_type=numbers.Real, min_val=min_val, include_boundaries=include_boundaries)
    except (TypeError, ValueError) as exc:
        op = ">" if include_boundaries == "neither" else ">="
        raise ValueError(f"{name} must be a finite number {op} {min_val}; got {value!r}") from exc
    return float(value)


class BPRMatrixFactorization(BaseRecommender):
    r"""Matrix factorisation for implicit feedback trained with the BPR loss (vectorised SGD).

    Score :math:`\hat x_{ui} = p_u^\top q_i + b_i`; loss, gradients and the SGD scheme in this
    file's docstring. ``fit`` initialises :math:`p_u, q_i \sim \mathcal N(0, \texttt{init\_std}^2)`
    and :math:`b = 0` from ``np.random.default_rng(random_state)``, then runs ``n_epochs`` epochs;
    each epoch shuffles the positives (``rng.permutation``), draws one negative per positive for the
    whole epoch (``recsys_lib.sampling.sample_negatives`` with the same ``rng``) and applies
    :func:`bpr_sgd_epoch`'s mini-batch updates. The same ``random_state`` gives the same model.

    ``recommend`` (from :class:`~recsys_lib.models.recommender_base.BaseRecommender`) ranks all
    items by :math:`\hat x_{ui}` (dense scores; every item is a candidate); users unseen in ``fit``
    get the popularity ranking, and users of the matrix without any interaction keep
    :math:`p_u = 0` (they appear in no triple), so they are ranked by the learned item biases.

    Parameters
    ----------
    n_factors : int
        :math:`k`, the embedding dimension.
    learning_rate : float
        :math:`\eta` of the SGD update.
    regularization : float
        :math:`\lambda` (penalty :math:`\tfrac{\lambda}{2}\lVert\theta_{uij}\rVert^2` per triple).
    n_epochs : int
    batch_size : int
        triples per simultaneous update.
    negative_sampling : {"uniform", "popularity"}
    popularity_power : float
        :math:`\beta` of popularity sampling (:math:`q(j) \propto n_j^\beta`).
    init_std : float
        standard deviation of the initial factors.
    random_state : int or numpy.random.Generator
    progress : bool or None
        tqdm bar over the epochs (None: only when training takes more than about 5 million
        triple updates).

    Attributes
    ----------
    user_factors_ : array (n_users, n_factors), :math:`p_u`
    item_factors_ : array (n_items, n_factors), :math:`q_i`
    item_bias_ : array (n_items,), :math:`b_i`
    loss_curve_ : list of float, the mean :math:`-\log\sigma(\hat x_{uij})` of each epoch
    user_ids_, item_ids_, interactions_, popularity_ : as in the module-04 recommenders

    Taught in module 07 (embeddings_matrix_factorization).
    """

    def __init__(self, *, n_factors: int = 32, learning_rate: float = 0.05, regularization: float = 0.01,
                 n_epochs: int = 30, batch_size: int = 1024, negative_sampling: str = "uniform",
                 popularity_power: float = 0.75, init_std: float = 0.1, random_state=0, progress=None):
        self.n_factors = n_factors
        self.learning_rate = learning_rate
        self.regularization = regularization
        self.n_epochs = n_epochs
        self.batch_size = batch_size
        self.negative_sampling = negative_sampling
        self.popularity_power = popularity_power
        self.init_std = init_std
        self.random_state = random_state
        self.progress = progress

    def _validate_params(self):
        k = check_count(self.n_factors, "n_factors")
        n_epochs = check_count(self.n_epochs, "n_epochs", min_val=0)
        B = check_count(self.batch_size, "batch_size")
        lr = _check_real(self.learning_rate, "learning_rate", 0.0, "neither")
        lam = _check_real(self.regularization, "regularization")
        power = _check_real(self.popularity_power, "popularity_power")
        std = _check_real(self.init_std, "init_std")
        if self.negative_sampling not in ("uniform", "popularity"):
            raise ValueError(f"negative_sampling must be 'uniform' or 'popularity'; got {self.negative_sampling!r}")
        if self.progress not in (None, True, False):
            raise ValueError(f"progress must be True, False or None; got {self.progress!r}")
        return k, n_epochs, B, lr, lam, power, std

    def fit(self, interactions, weight_col=None):
        """Fit on a users x items matrix or a DataFrame of (user, item[, weight]) rows; returns self."""
        k, n_epochs, B, lr, lam, power, std = self._validate_params()
        X = self._set_interactions(interactions, weight_col)
        if X.nnz == 0:
            raise ValueError("interactions has no positive entry: there is nothing to fit")
        rng = np.random.default_rng(self.random_state)
        P = rng.normal(0.0, std, size=(self.n_users_, k))
        Q = rng.normal(0.0, std, size=(self.n_items_, k))
        b = np.zeros(self.n_items_)
        P[np.diff(X.indptr) == 0] = 0.0          # users without positives: scores = item biases
        rows = np.repeat(np.arange(self.n_users_, dtype=np.int64), np.diff(X.indptr))
        cols = X.indices.astype(np.int64)
        show = self.progress if self.progress is not None else X.nnz * n_epochs > 5_000_000
        epochs = range(n_epochs)
        if show:
            from tqdm.auto import tqdm
            epochs = tqdm(epochs, desc="BPR-MF", unit="epoch")
        sampler = NegativeSampler(X, self.negative_sampling, power)
        self.loss_curve_ = []
        for _ in epochs:
            order = rng.permutation(X.nnz)
            u, i = rows[order], cols[order]
            j = sampler.sample(u, rng)
            total = _epoch_in_place(P, Q, b, u, i, j, lr, lam, B)
            if not np.isfinite(total):
                raise FloatingPointError(f"BPR training diverged (loss {total}); lower learning_rate")
            self.loss_curve_.append(total / X.nnz)
            if show:
                epochs.set_postfix(loss=f"{self.loss_curve_[-1]:.4f}")
        self.user_factors_, self.item_factors_, self.item_bias_ = P, Q, b
        self.n_iter_ = n_epochs
        return self

    def _scores(self, rows):
        return self.user_factors_[rows] @ self.item_factors_.T + self.item_bias_

    def score_items(self, user_ids, item_ids=None) -> np.ndarray:
        r""":math:`\hat x_{ui}` of the given users (ids as in ``fit``; all must be known) for the
        given items (None: all, in ``item_ids_`` order); shape (n_users, n_items)."""
        check_is_fitted(self, "item_factors_")
        rows = self._user_rows(user_ids)
        if (rows < 0).any():
            bad = np.atleast_1d(np.asarray(user_ids, dtype=object))[rows < 0]
            raise KeyError(f"user id(s) {bad[:5].tolist()} were not in the training data")
        cols = np.arange(self.n_items_) if item_ids is None else self._item_columns(item_ids)
        return self.user_factors_[rows] @ self.item_factors_[cols].T + self.item_bias_[cols]

    def similar_items(self, item_ids=None, n: int = 10):
        r"""Nearest items in embedding space by cosine of the item factors :math:`q_i`, best first:
        ``(ids, similarities)``, arrays (len(item_ids), n) (None: all items); the item itself is
        excluded, ties by item index, padding id -1 with similarity 0. The same format as
        ``ItemKNNRecommender.neighbors``."""
        check_is_fitted(self, "item_factors_")
        n = check_count(n, "n")
        cols = np.arange(self.n_items_) if item_ids is None else self._item_columns(item_ids)
        idx, sims = nearest_neighbours(self.item_factors_, cols, n)
        ids = self.item_ids_[np.maximum(idx, 0)]
        if ids.dtype == object:
            ids[idx < 0] = -1
            return ids, sims
        return np.where(idx >= 0, ids, -1), sims

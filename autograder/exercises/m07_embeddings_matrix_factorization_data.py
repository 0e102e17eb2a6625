r"""Data and known wrong answers for the checks of module 07 (embeddings_matrix_factorization).

``m07_embeddings_matrix_factorization`` (the checks) imports this file; the setup cell of the
notebook imports the checks before any student code runs, so everything here is bound early too.

Each ``*_variant`` function computes the value a recognisable mistake would give (the checks
compare a wrong answer with these to name the mistake); with no flags it is the right answer.
Conventions (those of :mod:`recsys_lib.models.factorization`):
:math:`\hat x_{uij} = p_u^\top(q_i - q_j) + b_i - b_j`,
:math:`L = \sum_t [\mathrm{softplus}(-\hat x_{uij}) + \tfrac{\lambda}{2}\lVert\theta_{uij}\rVert^2]`,
:math:`g = -\sigma(-\hat x_{uij})`.
"""
from __future__ import annotations

import numpy as _np
import scipy.sparse as _sp

from recsys_lib import losses as _losses

_sigmoid, _softplus = _losses.sigmoid, _losses.softplus
_asarray, _array, _zeros, _zeros_like, _arange = _np.asarray, _np.array, _np.zeros, _np.zeros_like, _np.arange
_sqrt, _abs, _concatenate, _column_stack, _where = _np.sqrt, _np.abs, _np.concatenate, _np.column_stack, _np.where
_default_rng, _add_at, _power, _diff, _eye = _np.random.default_rng, _np.add.at, _np.power, _np.diff, _np.eye
_lstsq, _norm, _argsort, _einsum, _float64 = _np.linalg.lstsq, _np.linalg.norm, _np.argsort, _np.einsum, _np.float64
_csr = _sp.csr_matrix


# ---------------------------------------------------------------- problems
def bpr_problem(seed: int, n_users: int = 6, n_items: int = 8, k: int = 3, n: int = 14, scale: float = 0.8):
    """A small BPR problem ``(P, Q, b, users, pos, neg)`` with repeated users and items (the
    first four triples share user 0 and the positive item 1; item 1 is also a negative later)."""
    rng = _default_rng(seed)
    P = rng.normal(scale=scale, size=(n_users, k))
    Q = rng.normal(scale=scale, size=(n_items, k))
    b = rng.normal(scale=0.5, size=n_items)
    u = rng.integers(0, n_users, n)
    i = rng.integers(0, n_items, n)
    u[:4], i[:4] = 0, 1
    j = (i + 1 + rng.integers(0, n_items - 1, n)) % n_items
    j[-1] = 1 if i[-1] != 1 else 2
    return P, Q, b, u.astype(_np.int64), i.astype(_np.int64), j.astype(_np.int64)


def sampling_matrix() -> _sp.csr_matrix:
    r"""5 users x 8 items. Item counts (users per item) are 4, 3, 1, 2, 1, 0, 1, 2 while the
    summed weights are 6, 5, 1, 4, 1, 0, 1, 2 (some entries are 3), so popularity by users and by
    weights differ. Negatives: user 0 {2, 3, 4, 5, 6}, user 3 {2, 4, 5}, user 4 (no positive)
    every item; item 5 has no interaction at all (a uniform negative, never a popularity one)."""
    A = _array([[1, 3, 0, 0, 0, 0, 0, 1],
                [1, 1, 0, 3, 0, 0, 0, 0],
                [3, 0, 1, 0, 1, 0, 0, 0],
                [1, 1, 0, 1, 0, 0, 1, 1],
                [0, 0, 0, 0, 0, 0, 0, 0]], dtype=_float64)
    return _csr(A)


# ---------------------------------------------------------------- 1. one-hot
def one_hot_all_columns(ids, n):
    """``H[:, ids] = 1``: every row has a 1 in the column of every id (the fancy-index mistake)."""
    ids = _asarray(ids, dtype=_np.int64)
    H = _zeros((ids.size, n))
    H[:, ids] = 1.0
    return H


# ---------------------------------------------------------------- 2. loss
def _penalty(P, Q, b, u, i, j, kind):
    sq = (P[u] ** 2).sum(1) + (Q[i] ** 2).sum(1) + (Q[j] ** 2).sum(1) + b[i] ** 2 + b[j] ** 2
    if kind == "half":
        return 0.5 * sq.sum()
    if kind == "full":
        return sq.sum()
    if kind == "norm":              # lambda/2 * (|p_u| + |q_i| + |q_j| + |b_i| + |b_j|)
        return 0.5 * (_norm(P[u], axis=1) + _norm(Q[i], axis=1) + _norm(Q[j], axis=1)
                      + _abs(b[i]) + _abs(b[j])).sum()
    if kind == "norm_full":
        return 2 * _penalty(P, Q, b, u, i, j, "norm")
    if kind == "tables":            # the whole tables once, not the parameters of each triple
        return 0.5 * ((P ** 2).sum() + (Q ** 2).sum() + (b ** 2).sum())
    if kind == "factors_only":
        return 0.5 * ((P[u] ** 2).sum() + (Q[i] ** 2).sum() + (Q[j] ** 2).sum())
    if kind == "distinct":          # each distinct user / item penalised once, not once per triple
        users, items = _np.unique(u), _np.unique(_concatenate([i, j]))
        return 0.5 * ((P[users] ** 2).sum() + (Q[items] ** 2).sum() + (b[items] ** 2).sum())
    if kind == "none":
        return 0.0
    raise ValueError(kind)


def bpr_loss_variant(P, Q, b, u, i, j, lam, *, flip=False, reg="half", mean=False, negate=False,
                     no_bias=False):
    x = _einsum("bk,bk->b", P[u], Q[i] - Q[j]) + (0.0 if no_bias else b[i] - b[j])
    data = _softplus(x if flip else -x)
    total = data.mean() if mean else data.sum()
    value = float(total + lam * _penalty(P, Q, b, u, i, j, reg))
    return -value if negate else value


# ---------------------------------------------------------------- 3. gradients
def _scatter(shape, rows, vals, buffered):
    out = _zeros(shape)
    if buffered:
        out[rows] += vals
    else:
        _add_at(out, rows, vals)
    return out


def bpr_gradient_variant(P, Q, b, u, i, j, lam, *, flip="none", reg=1.0, buffered=False, g_kind="right",
                         no_bias_grad=False, mean=False, sign=1.0, negative="right"):
    """(dP, dQ, db). ``flip``: "loss" = the consistent gradient of the loss with x_uji,
    "g" = g computed from x_uji only; ``reg``: factor of lam*theta; ``g_kind``: "right"
    (-sigma(-x)), "plus" (+sigma(-x), ascent of the data term), "sigma_x" (-sigma(x));
    ``negative``: the negative item's rows of dQ and db "right", "missing" (no term at all) or
    "same_sign" (+g p_u and +g, the signs of the positive item's terms)."""
    x = _einsum("bk,bk->b", P[u], Q[i] - Q[j]) + b[i] - b[j]
    if flip == "loss":
        g = _sigmoid(x)                 # d softplus(x) / dx, with the directions of x_uij
    elif flip == "g":
        g = -_sigmoid(x)                # -sigma(-x_uji) = -sigma(x_uij)
    else:
        g = {"right": -_sigmoid(-x), "plus": _sigmoid(-x), "sigma_x": -_sigmoid(x)}[g_kind]
    m = float(u.size) if mean else 1.0
    G = g[:, None] / m
    dP = _scatter(P.shape, u, G * (Q[i] - Q[j]) + reg * lam * P[u], buffered)
    s_j = {"right": -1.0, "missing": 0.0, "same_sign": 1.0}[negative]
    keep_j = 0.0 if negative == "missing" else 1.0
    dQ = (_scatter(Q.shape, i, G * P[u] + reg * lam * Q[i], buffered)
          + keep_j * _scatter(Q.shape, j, s_j * G * P[u] + reg * lam * Q[j], buffered))
    if no_bias_grad:
        db = _zeros(b.shape)
    else:
        db = (_scatter(b.shape, i, g / m + reg * lam * b[i], buffered)
              + keep_j * _scatter(b.shape, j, s_j * g / m + reg * lam * b[j], buffered))
    return sign * dP, sign * dQ, sign * db


# ---------------------------------------------------------------- 4. negative sampling
def negative_distribution(X, user, method="uniform", power=0.75, *, count="users", exclude=True,
                          normalise_first=False):
    """The exact distribution of one user's negatives (a probability vector over items)."""
    X = _csr(X)
    n_items = X.shape[1]
    if method == "uniform":
        w = _np.ones(n_items)
    elif method == "uniform_but_last":             # rng.integers(0, n_items - 1): the high end is exclusive
        w = (_arange(n_items) < n_items - 1).astype(_float64)
    else:
        n = _diff(X.tocsc().indptr).astype(_float64) if count == "users" else _asarray(X.sum(axis=0)).ravel()
        w = _power(n / n.sum(), power) if normalise_first else _power(n, power)
    if exclude:
        w = w * (X[user].toarray().ravel() == 0)
    return w / w.sum() if w.sum() > 0 else w


def positives_distribution(X, user):
    """Uniform over the user's own positives (the "sampled from the user's positives" mistake)."""
    row = (X[user].toarray().ravel() > 0).astype(_float64)
    return row / row.sum() if row.sum() > 0 else row


# ---------------------------------------------------------------- 5. the SGD epoch
def _step(P, Q, b, u, i, j, lr, lam, scale=1.0, sign=-1.0):
    dP, dQ, db = bpr_gradient_variant(P, Q, b, u, i, j, lam)
    x = _einsum("bk,bk->b", P[u], Q[i] - Q[j]) + b[i] - b[j]
    return P + sign * lr * scale * dP, Q + sign * lr * scale * dQ, b + sign * lr * scale * db, _softplus(-x)


def sgd_epoch_variant(P, Q, b, u, i, j, lr, lam, batch_size, mode="right"):
    """(P, Q, b, mean_loss) of one epoch; ``mode``: right, full_batch, per_triple, ascent,
    mean_grad, drop_last, loss_after, with_penalty (mean_loss includes the batch penalties)."""
    P, Q, b = (_array(a, dtype=_float64) for a in (P, Q, b))
    n = u.size
    B = {"full_batch": n, "per_triple": 1}.get(mode, batch_size)
    stop = n - n % B if (mode == "drop_last" and n > B) else n
    losses = []
    for s in range(0, stop, B):
        sl = slice(s, s + B)
        scale = 1.0 / len(u[sl]) if mode == "mean_grad" else 1.0
        sign = 1.0 if mode == "ascent" else -1.0
        if mode == "with_penalty":
            penalty = lam * _penalty(P, Q, b, u[sl], i[sl], j[sl], "half")
        P, Q, b, loss = _step(P, Q, b, u[sl], i[sl], j[sl], lr, lam, scale, sign)
        if mode == "with_penalty":
            loss = _concatenate([loss, [penalty]])
        if mode == "loss_after":
            x = _einsum("bk,bk->b", P[u[sl]], Q[i[sl]] - Q[j[sl]]) + b[i[sl]] - b[j[sl]]
            loss = _softplus(-x)
        losses.append(loss)
    all_losses = _concatenate(losses) if losses else _zeros(0)
    return P, Q, b, float(all_losses.sum() / max(n, 1))


# ---------------------------------------------------------------- 6. cold start
def cold_start_variant(F, T, known, alpha, mode="right"):
    """Predicted T rows of the items not in ``known``; ``mode``: right, leak (fit on every
    row), penalised_intercept, no_intercept, ols (alpha ignored), all_rows (prediction for all)."""
    F, T = _asarray(F, dtype=_float64), _asarray(T, dtype=_float64)
    known = _asarray(known, dtype=bool)
    fit = _np.ones_like(known) if mode == "leak" else known
    A = F if mode == "no_intercept" else _column_stack([_np.ones(F.shape[0]), F])
    D = _eye(A.shape[1])
    if mode not in ("no_intercept", "penalised_intercept"):
        D[0, 0] = 0.0
    a = 0.0 if mode == "ols" else float(alpha)
    Af, Tf = A[fit], T[fit]
    W = _lstsq(Af.T @ Af + a * D, Af.T @ Tf, rcond=None)[0]
    return A @ W if mode == "all_rows" else A[~known] @ W


# ---------------------------------------------------------------- 7. cosine neighbours
def neighbours_variant(E, rows, n, mode="right"):
    """(indices, similarities); ``mode``: right, dot (not normalised), self (self included),
    high_ties (ties by the higher index), distance (1 - cos, smallest first), query_only (only
    the query rows normalised), epsilon (rows divided by norm + 1e-12, which splits exact ties),
    ascending (smallest cosines first), ascending_self_first (the same after giving the item itself
    -inf), all_queries (every query row excluded for every query,
    S[:, rows]), drop_first (self "excluded" by dropping the first column of the full ranking)."""
    from recsys_lib.topk import top_k

    E = _asarray(E, dtype=_float64)
    rows = _asarray(rows, dtype=_np.int64)
    norms = _norm(E, axis=1)
    U = _where(norms[:, None] > 0, E / _where(norms[:, None] > 0, norms[:, None], 1.0), 0.0)
    if mode == "dot":
        S = E[rows] @ E.T
    elif mode == "query_only":
        S = U[rows] @ E.T
    elif mode == "epsilon":
        U = E / (norms[:, None] + 1e-12)
        S = U[rows] @ U.T
    else:
        S = U[rows] @ U.T
    valid = _np.ones(S.shape, dtype=bool)
    if mode == "all_queries":
        valid[:, rows] = False
    elif mode not in ("self", "drop_first"):
        valid[_arange(rows.size), rows] = False
    if mode == "ascending":
        idx = top_k(-S, n, valid=valid)
    elif mode == "ascending_self_first":            # self set to -inf, then sorted ascending
        S = _where(valid, S, -_np.inf)
        idx = top_k(-S, n)
    elif mode == "drop_first":
        idx = top_k(S, n + 1, valid=valid)[:, 1:]
    elif mode == "high_ties":
        key = _where(valid, S, -_np.inf)[:, ::-1]
        idx = top_k(key, n)
        idx = _where(idx >= 0, S.shape[1] - 1 - idx, -1)
    else:
        idx = top_k(S, n, valid=valid)
    sims = _np.take_along_axis(S, _np.maximum(idx, 0), axis=1)
    if mode == "distance":
        sims = 1.0 - sims
    return idx, sims

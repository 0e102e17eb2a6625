r"""Data and reference runs for the module-05 (svm) checks (:mod:`autograder.exercises.m05_svm`).

Seeded synthetic problems for the public checks, small hand-made inputs with margins exactly at 1
(the kink) for the rules, and reference implementations of Pegasos and of the time-aware grid
search together with their classic mistakes (selected by keyword flags), so that a check can say
*which* mistake a wrong answer matches. Everything is bound at import time, before student code runs.
"""
from __future__ import annotations

import numpy as _np
import pandas as _pd
from sklearn.model_selection import GridSearchCV as _GridSearchCV
from sklearn.pipeline import make_pipeline as _make_pipeline
from sklearn.preprocessing import StandardScaler as _StandardScaler
from sklearn.svm import SVC as _SVC

from recsys_lib.models import svm as _svm
from recsys_lib.tasks.purchases import prediction_time_folds as _prediction_time_folds

_default_rng, _zeros, _arange, _array, _float64 = (_np.random.default_rng, _np.zeros, _np.arange, _np.array,
                                                   _np.float64)
_where, _ones_like, _asarray, _errstate, _sqrt, _sort, _int64, _repeat, _cos, _sin = (
    _np.where, _np.ones_like, _np.asarray, _np.errstate, _np.sqrt, _np.sort, _np.int64, _np.repeat, _np.cos, _np.sin)
ref_hinge_loss = _svm.hinge_loss
ref_svm_objective = _svm.svm_objective
ref_pegasos_objective = _svm.pegasos_objective
ref_hinge_subgradient = _svm.hinge_subgradient
ref_margin_geometry = _svm.margin_geometry
ref_folds = _prediction_time_folds


def make_svm_data(m: int, d: int, seed: int, flip: float = 0.1):
    """(X, y): X ~ N(0, 1) of shape (m, d), y = sign(X w + 0.3) in {-1, +1} with a share ``flip``
    of the labels flipped (so the problem is not separable)."""
    rng = _default_rng(seed)
    X = rng.normal(size=(m, d))
    w = rng.normal(size=d)
    y = _where(X @ w + 0.3 > 0, 1.0, -1.0)
    y[rng.random(m) < flip] *= -1.0
    return X, y


#: integer points and a (w, b) for which several margins y f(x) are exactly 1 (the kink) or 0
KINK_X = _array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [0.0, -2.0], [3.0, -1.0]])
KINK_Y = _array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0])
KINK_W, KINK_B = _array([1.0, 0.0]), 0.0          # margins 1, 0, 2, -1, 1, 0, 3


def subgradient_variant(X, y, w, b, alpha, *, rule="<", data_sign=-1.0, bias_l2=False, per="m",
                        reg=1.0, margin_b=True, label=True):
    """The sub-gradient of the Pegasos objective and its classic mistakes: ``rule`` "<" (the
    convention), "<=" (kink on the wrong side), "<0" (the perceptron's rule), "all" (no active
    set); ``data_sign`` +1 flips the data term; ``bias_l2`` penalises b; ``per`` "m" (1/m),
    "sum" (no 1/m) or "active" (1/|A|); ``reg`` multiplies alpha w (0: missing, 2: 2 alpha w);
    ``margin_b`` False leaves b out of the margins; ``label`` False drops y_i from the data term."""
    margin = y * (X @ w + (b if margin_b else 0.0))
    active = {"<": margin < 1.0, "<=": margin <= 1.0, "<0": margin < 0.0,
              "all": _ones_like(margin, dtype=bool)}[rule].astype(_float64)
    denom = {"m": float(X.shape[0]), "sum": 1.0, "active": max(float(active.sum()), 1.0)}[per]
    g = active * y if label else active
    gw = reg * alpha * w + data_sign * (X.T @ g) / denom
    gb = data_sign * float(g.sum()) / denom + (alpha * b if bias_l2 else 0.0)
    return gw, gb


def reference_pegasos(X, y, lam, n_epochs, batch_size, seed, *, shuffle=True, reseed_each_epoch=False,
                      step="lam_t", reset_t=False, bias_l2=False, per="batch", shrink=True, rule="<",
                      drop_last=False, t_per_epoch=False, project=False, apart=False):
    """The reference mini-batch Pegasos of Exercise 3 (and, through the flags, its mistakes):
    w = 0, b = 0; one ``default_rng(seed)``; per epoch ``order = rng.permutation(m)``; batches
    ``order[s:s + batch_size]``; step t = 1, 2, ... over all epochs, eta = 1/(lam t);
    violators y f(x) < 1 at the current (w, b); w <- (1 - eta lam) w + eta/|B| sum y x,
    b <- b + eta/|B| sum y. Equals ``LinearSVMPegasos(alpha=lam, max_iter=n_epochs,
    batch_size=batch_size, random_state=seed)`` to rounding. Mistake flags beyond the obvious:
    ``t_per_epoch`` (t is the epoch number), ``project`` (the original paper's optional projection
    of w onto the ball of radius 1/sqrt(lam)), ``apart`` (X and y shuffled by two permutations)."""
    X, y = _asarray(X, dtype=_float64), _asarray(y, dtype=_float64)
    m, d = X.shape
    w, b, t = _zeros(d), 0.0, 0
    rng = _default_rng(seed)
    with _errstate(all="ignore"):
        for epoch in range(n_epochs):
            if reseed_each_epoch:
                rng = _default_rng(seed)
            if reset_t:
                t = 0
            order = rng.permutation(m) if shuffle else _arange(m)
            order_y = rng.permutation(m) if apart else order
            stop = m - m % batch_size if (drop_last and m > batch_size and m % batch_size) else m
            for start in range(0, stop, batch_size):
                idx, idy = order[start:start + batch_size], order_y[start:start + batch_size]
                t = epoch + 1 if t_per_epoch else t + 1
                eta = {"lam_t": 1.0 / (lam * t), "t": 1.0 / t, "lam_t1": 1.0 / (lam * (t + 1)),
                       "const": 1.0 / lam}[step]
                margin = y[idy] * (X[idx] @ w + b)
                active = (margin < 1.0) if rule == "<" else (margin < 0.0)
                g = y[idy] * active
                denom = len(idx) if per == "batch" else max(int(active.sum()), 1)
                w = ((1.0 - eta * lam) * w if shrink else w) + eta / denom * (X[idx].T @ g)
                b = ((1.0 - eta * lam) * b if bias_l2 else b) + eta / denom * float(g.sum())
                norm = float(_sqrt(w @ w))
                if project and norm * _sqrt(lam) > 1.0:
                    w = w / (norm * _sqrt(lam))
    return w, b


#: (description, flags) of the classic Pegasos mistakes, tried in this order by the check
PEGASOS_MISTAKES = (
    ("the step size is 1/t instead of Pegasos's 1/(lambda t)", dict(step="t")),
    ("the step counter t restarts at 1 every epoch; t counts the steps of the whole run, so eta_t = "
     "1/(lambda t) keeps decreasing", dict(reset_t=True)),
    ("the step size is 1/(lambda (t + 1)) (t starting at 0): the first step must use t = 1, eta = 1/lambda",
     dict(step="lam_t1")),
    ("a constant step size 1/lambda; Pegasos's step is eta_t = 1/(lambda t)", dict(step="const")),
    ("the regulariser is applied to the bias (b is shrunk by (1 - eta lambda)); only w is penalised",
     dict(bias_l2=True)),
    ("the sum over the violators is divided by their number |A|; Pegasos divides by the batch size |B|",
     dict(per="active")),
    ("the shrinking factor (1 - eta lambda) on w is missing (the regulariser's sub-gradient lambda w)",
     dict(shrink=False)),
    ("the perceptron rule y f(x) < 0; the hinge is active while the margin is below 1: y f(x) < 1",
     dict(rule="<0")),
    ("no shuffling: the batches are taken in the same row order every epoch; draw "
     "order = rng.permutation(m) at the start of each epoch", dict(shuffle=False)),
    ("the same order every epoch: np.random.default_rng(seed) is created inside the epoch loop; create "
     "the generator once, before the loop", dict(reseed_each_epoch=True)),
    ("the last, smaller mini-batch is dropped; range(0, m, batch_size) keeps it", dict(drop_last=True)),
    ("t is the epoch number; t counts the mini-batch steps of the whole run (t += 1 before every step)",
     dict(t_per_epoch=True)),
    ("w is projected onto the ball of radius 1/sqrt(lambda) (the original paper's optional step); this "
     "notebook's Pegasos leaves the projection out", dict(project=True)),
    ("X and y are shuffled by two different permutations, so the labels no longer belong to their rows; "
     "draw ONE order = rng.permutation(m) and index both X and y with it", dict(apart=True)),
)


def make_time_data(m: int, seed: int, n_days: int = 30, ties: int = 3):
    """A time-ordered binary problem with drift: (X, y, times). Two features; the class boundary
    turns over the days, so folds that train on later rows (shuffled K-fold) score differently
    from time-ordered ones. Every ``ties``-th group of rows shares one timestamp, so splitting by
    rows differs from splitting by distinct prediction times. Rows are sorted by time."""
    rng = _default_rng(seed)
    n_times = m // ties
    stamps = _sort(rng.uniform(0, n_days * 86400, n_times)).astype(_int64)
    times = _pd.Timestamp("2025-09-01") + _pd.to_timedelta(_repeat(stamps, ties)[:m], unit="s")
    frac = _repeat(stamps, ties)[:m] / (n_days * 86400.0)
    X = rng.normal(size=(m, 2)) * _array([1.0, 3.0]) + _array([0.0, 5.0])
    angle = 1.2 * frac
    score = _cos(angle) * X[:, 0] + _sin(angle) * (X[:, 1] - 5.0) / 3.0 + 0.4 * _sin(3 * X[:, 0])
    y = (score + 0.5 * rng.normal(size=m) > 0).astype(_int64)
    return X, y, _pd.Series(times, name="prediction_time")


def reference_grid_search(X, y, times, Cs, gammas, n_splits):
    """The answer of Exercise 5: a fitted GridSearchCV of StandardScaler + SVC(rbf) over C x gamma
    with the time-aware folds of ``prediction_time_folds`` and accuracy."""
    search = _GridSearchCV(_make_pipeline(_StandardScaler(), _SVC(kernel="rbf")),
                           {"svc__C": list(Cs), "svc__gamma": list(gammas)},
                           cv=_prediction_time_folds(times, n_splits=n_splits), scoring="accuracy")
    return search.fit(X, y)


def margin_data():
    """Points, labels and (w, b) with margins exactly 1 (on the margin), inside and outside it."""
    X = _array([[2.0, 0.0], [1.0, 0.0], [0.5, 1.0], [-1.0, 0.0], [-2.0, 1.0], [0.0, 0.0], [3.0, 2.0], [-0.5, -1.0]])
    y = _array([1.0, 1.0, 1.0, -1.0, -1.0, 1.0, -1.0, -1.0])
    return X, y, _array([1.0, 0.0]), 0.0      # margins 2, 1, 0.5, 1, 2, 0, -3, 0.5

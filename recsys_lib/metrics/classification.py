r"""Binary classification metrics (reference implementations).

Taught in module 02 (logistic_regression): accuracy, precision, recall, F1,
ROC AUC by hand, the ROC curve, the log loss and the choice of a decision
threshold under class imbalance.

Conventions
-----------
* Binary metrics compare labels to ``pos_label`` (default 1): a sample is
  *positive* when its label equals ``pos_label``; the labels of ``y_true`` and
  ``y_pred`` together may take at most two distinct values.
* ``y_pred`` holds hard labels. Passing probabilities/scores (non-integer
  floats) raises a ValueError that tells you to threshold them first.
* A score ``s`` is predicted positive when ``s >= threshold`` (as in
  ``sklearn.metrics.roc_curve``).
* **Zero division.** A ratio whose denominator is 0 is undefined; the function
  then returns ``zero_division`` (default ``0.0``), silently, the value
  scikit-learn returns by default: precision with no positive prediction,
  recall with no positive sample, F1 when :math:`2TP + FP + FN = 0`.
* ROC AUC and the ROC curve are undefined when ``y_true`` contains a single
  class: they raise ``ValueError`` (scikit-learn warns and returns ``nan``).

All functions are vectorised; none modifies its inputs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = [
    "ConfusionCounts",
    "BestThreshold",
    "confusion_counts",
    "accuracy",
    "precision",
    "recall",
    "f1_score",
    "roc_auc",
    "roc_curve_points",
    "best_threshold",
    "log_loss",
]


class ConfusionCounts(NamedTuple):
    """The four cells of the binary confusion matrix."""

    tp: int
    fp: int
    tn: int
    fn: int


class BestThreshold(NamedTuple):
    """Result of :func:`best_threshold`.

    threshold : float
        Predict positive when ``score >= threshold``. ``inf`` means "predict
        nothing positive".
    value : float
        The criterion at that threshold (F1, Youden's J, accuracy, the callable's
        value — all maximised — or the mean cost per sample for a cost matrix,
        which is minimised).
    criterion : str
        ``"f1"``, ``"youden"``, ``"accuracy"``, ``"cost"`` or ``"callable"``.
    """

    threshold: float
    value: float
    criterion: str


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------
def _as_1d(a, name: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one value per sample); got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    return arr


def _check_pair(y_true, y_pred, second: str = "y_pred"):
    yt = _as_1d(y_true, "y_true")
    yp = _as_1d(y_pred, second)
    if yt.shape[0] != yp.shape[0]:
        raise ValueError(f"y_true and {second} have different lengths: {yt.shape[0]} vs {yp.shape[0]}")
    return yt, yp


def _reject_scores(y, name: str) -> None:
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError(
                f"{name} contains non-integer values (e.g. {y[y != np.round(y)][:3].tolist()}): "
                "these look like probabilities or scores, but this metric needs hard labels. "
                "Threshold them first, e.g. (p >= 0.5).astype(int), or use roc_auc / log_loss."
            )


def _binary_masks(y_true, y_pred, pos_label):
    yt, yp = _check_pair(y_true, y_pred)
    _reject_scores(yt, "y_true")
    _reject_scores(yp, "y_pred")
    labels = set(np.unique(yt).tolist()) | set(np.unique(yp).tolist())
    if len(labels) > 2:
        raise ValueError(
            f"binary metric, but y_true and y_pred together contain {len(labels)} labels "
            f"{sorted(map(str, labels))[:10]}; compute it per class (one-vs-rest) instead"
        )
    return yt == pos_label, yp == pos_label


def _ratio(num, den, zero_division: float) -> float:
    return float(num) / float(den) if den > 0 else float(zero_division)


# --------------------------------------------------------------------------
# threshold metrics
# --------------------------------------------------------------------------
def confusion_counts(y_true, y_pred, pos_label=1) -> ConfusionCounts:
    r"""Confusion-matrix counts :math:`(TP, FP, TN, FN)` of hard binary predictions.

    Taught in module 02 (logistic_regression).

    .. math::
        TP = \#\{i: \hat y_i = 1, y_i = 1\},\ FP = \#\{\hat y_i = 1, y_i = 0\},\
        TN = \#\{\hat y_i = 0, y_i = 0\},\ FN = \#\{\hat y_i = 0, y_i = 1\}

    ("1" meaning ``pos_label``). Returns a :class:`ConfusionCounts` named tuple.
    """
    t, p = _binary_masks(y_true, y_pred, pos_label)
    tp = int(np.count_nonzero(t & p))
    fp = int(np.count_nonzero(~t & p))
    fn = int(np.count_nonzero(t & ~p))
    tn = int(t.shape[0] - tp - fp - fn)
    return ConfusionCounts(tp, fp, tn, fn)


def accuracy(y_true, y_pred) -> float:
    r"""Fraction of correct predictions :math:`\frac{1}{m}\sum_i [\hat y_i = y_i]`.

    Taught in module 02 (logistic_regression). Works for any number of classes.
    Beware: under class imbalance (1 % click rate) the constant "no click"
    predictor already scores 0.99.
    """
    yt, yp = _check_pair(y_true, y_pred)
    _reject_scores(yp, "y_pred")
    return float(np.mean(yt == yp))


def precision(y_true, y_pred, pos_label=1, zero_division: float = 0.0) -> float:
    r"""Precision :math:`\frac{TP}{TP + FP}` — of the predicted positives, the share that are positive.

    Taught in module 02 (logistic_regression).
    With no positive prediction (:math:`TP + FP = 0`) returns ``zero_division`` (0.0).
    """
    c = confusion_counts(y_true, y_pred, pos_label)
    return _ratio(c.tp, c.tp + c.fp, zero_division)


def recall(y_true, y_pred, pos_label=1, zero_division: float = 0.0) -> float:
    r"""Recall (true-positive rate) :math:`\frac{TP}{TP + FN}` — of the positives, the share found.

    Taught in module 02 (logistic_regression).
    With no positive sample (:math:`TP + FN = 0`) returns ``zero_division`` (0.0).
    """
    c = confusion_counts(y_true, y_pred, pos_label)
    return _ratio(c.tp, c.tp + c.fn, zero_division)


def f1_score(y_true, y_pred, pos_label=1, zero_division: float = 0.0) -> float:
    r"""F1, the harmonic mean of precision :math:`P` and recall :math:`R`.

    Taught in module 02 (logistic_regression).

    .. math:: F_1 = \frac{2PR}{P + R} = \frac{2\,TP}{2\,TP + FP + FN}

    The second form is used; it is defined whenever :math:`2TP + FP + FN > 0`,
    and equals 0 when :math:`TP = 0` but something was predicted or missed.
    Returns ``zero_division`` (0.0) when :math:`2TP + FP + FN = 0` (no positive
    sample and no positive prediction).
    """
    c = confusion_counts(y_true, y_pred, pos_label)
    return _ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn, zero_division)


# --------------------------------------------------------------------------
# ranking metrics of scores
# --------------------------------------------------------------------------
def _positives_and_scores(y_true, y_score, pos_label):
    yt, s = _check_pair(y_true, y_score, "y_score")
    s = s.astype(np.float64)
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or infinite values")
    classes = np.unique(yt)
    if len(classes) > 2:
        raise ValueError(f"binary metric, but y_true has {len(classes)} classes {classes.tolist()[:10]}")
    pos = yt == pos_label
    n_pos = int(np.count_nonzero(pos))
    n_neg = int(pos.shape[0] - n_pos)
    if n_pos == 0 or n_neg == 0:
        raise ValueError(
            "ROC AUC / the ROC curve are undefined when y_true contains only one class "
            f"(got {n_pos} positive and {n_neg} negative samples with pos_label={pos_label!r}); "
            "evaluate on data that contain both classes."
        )
    return pos, s, n_pos, n_neg


def roc_auc(y_true, y_score, pos_label=1) -> float:
    r"""Area under the ROC curve, by the rank (Mann–Whitney U) formula.

    Taught in module 02 (logistic_regression).

    AUC is the probability that a random positive is scored above a random
    negative, ties counting one half:

    .. math::
        \mathrm{AUC} = \frac{1}{n_+ n_-} \sum_{i: y_i=1} \sum_{j: y_j=0}
            \Bigl([s_i > s_j] + \tfrac12 [s_i = s_j]\Bigr)
        = \frac{\sum_{i: y_i = 1} r_i - n_+(n_+ + 1)/2}{n_+\, n_-},

    where :math:`r_i` is the rank of :math:`s_i` among all scores (1 = smallest),
    tied scores getting their *average* rank (``scipy.stats.rankdata``). This is
    O(m log m) instead of the O(n₊n₋) double sum and equals
    ``sklearn.metrics.roc_auc_score`` including ties. Limit cases: a perfect
    ranking gives 1, the reversed ranking 0, constant scores 0.5.

    Raises
    ------
    ValueError
        if ``y_true`` contains a single class (AUC is undefined), if ``y_score``
        has NaN/inf, or shapes disagree.
    """
    from scipy.stats import rankdata   # local: scipy.stats is slow to import

    pos, s, n_pos, n_neg = _positives_and_scores(y_true, y_score, pos_label)
    ranks = rankdata(s, method="average")
    u = ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def _distinct_threshold_counts(pos, s):
    """Cumulative TP/FP counts when predicting ``s >= t`` for each distinct score t (descending)."""
    order = np.argsort(-s, kind="mergesort")
    s_sorted = s[order]
    pos_sorted = pos[order]
    # last index of each block of tied scores: all tied samples switch together
    last = np.r_[np.flatnonzero(np.diff(s_sorted)), s_sorted.shape[0] - 1]
    tps = np.cumsum(pos_sorted, dtype=np.int64)[last]
    fps = (last + 1) - tps
    return s_sorted[last], tps, fps


def roc_curve_points(y_true, y_score, pos_label=1, drop_intermediate: bool = True):
    r"""Points of the ROC curve: false-positive rate, true-positive rate, thresholds.

    Taught in module 02 (logistic_regression).

    For each threshold :math:`t` (predict positive when :math:`s \ge t`):
    :math:`\mathrm{TPR}(t) = TP(t)/n_+` and :math:`\mathrm{FPR}(t) = FP(t)/n_-`.
    The thresholds are the *distinct* scores in decreasing order — tied scores
    are collapsed into one point, because they cannot be separated by any
    threshold — preceded by :math:`t_0 = +\infty` (nothing predicted positive,
    the point (0, 0)); the last point is (1, 1).

    ``drop_intermediate=True`` (the default, as in scikit-learn) removes points
    that lie on a straight line between their neighbours; they do not change
    the curve or its area. The output then equals ``sklearn.metrics.roc_curve``
    (≥ 1.3) exactly, and ``np.trapezoid(tpr, fpr) == roc_auc(y_true, y_score)``.

    Returns
    -------
    fpr, tpr, thresholds : ndarrays of the same length (float64)

    Raises
    ------
    ValueError if ``y_true`` has a single class (the rates are undefined).
    """
    pos, s, n_pos, n_neg = _positives_and_scores(y_true, y_score, pos_label)
    thresholds, tps, fps = _distinct_threshold_counts(pos, s)
    if drop_intermediate and tps.shape[0] > 2:
        keep = np.flatnonzero(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
        thresholds, tps, fps = thresholds[keep], tps[keep], fps[keep]
    tps = np.r_[0, tps]
    fps = np.r_[0, fps]
    thresholds = np.r_[np.inf, thresholds]
    return fps / n_neg, tps / n_pos, thresholds


def best_threshold(y_true, y_score, criterion="f1", pos_label=1) -> BestThreshold:
    r"""The decision threshold that optimises a criterion on (validation) data.

    Taught in module 02 (logistic_regression), for choosing a threshold under
    class imbalance (the default 0.5 is rarely right when 2 % of sessions convert).

    Every distinct score is tried as threshold ``t`` (positive when ``s >= t``),
    plus ``+inf`` (predict nothing), all at once from cumulative counts
    (vectorised, O(m log m)).

    Parameters
    ----------
    criterion : "f1", "youden", "accuracy", a 2×2 cost matrix, or a callable
        * ``"f1"`` — maximise :math:`2TP/(2TP + FP + FN)`;
        * ``"youden"`` — maximise Youden's :math:`J = \mathrm{TPR} - \mathrm{FPR}`;
        * ``"accuracy"`` — maximise :math:`(TP + TN)/m`;
        * cost matrix ``C`` (array-like 2×2, rows = true class 0/1, columns =
          predicted class 0/1, e.g. ``[[0, cost_of_a_coupon], [lost_margin, -profit]]``)
          — minimise the mean business cost
          :math:`\frac{1}{m}(C_{00} TN + C_{01} FP + C_{10} FN + C_{11} TP)`;
        * callable ``f(tp, fp, tn, fn) -> values`` on integer arrays (one entry
          per candidate threshold) — maximised.

    Returns
    -------
    BestThreshold(threshold, value, criterion)
        Ties between thresholds go to the largest threshold (the most conservative).
    """
    yt, s = _check_pair(y_true, y_score, "y_score")
    s = s.astype(np.float64)
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score contains NaN or infinite values")
    pos = yt == pos_label
    m = pos.shape[0]
    n_pos = int(np.count_nonzero(pos))
    n_neg = m - n_pos
    thr, tps, fps = _distinct_threshold_counts(pos, s)
    thr = np.r_[np.inf, thr]
    tp = np.r_[0, tps]
    fp = np.r_[0, fps]
    fn = n_pos - tp
    tn = n_neg - fp

    minimise = False
    if isinstance(criterion, str):
        name = criterion
        if criterion == "f1":
            den = 2 * tp + fp + fn
            value = np.where(den > 0, 2 * tp / np.maximum(den, 1), 0.0)
        elif criterion == "youden":
            if n_pos == 0 or n_neg == 0:
                raise ValueError("Youden's J needs both classes in y_true")
            value = tp / n_pos - fp / n_neg
        elif criterion == "accuracy":
            value = (tp + tn) / m
        else:
            raise ValueError(f"unknown criterion {criterion!r}; use 'f1', 'youden', 'accuracy', "
                             "a 2x2 cost matrix or a callable")
    elif callable(criterion):
        name = "callable"
        value = np.asarray(criterion(tp, fp, tn, fn), dtype=np.float64)
        if value.shape != thr.shape:
            raise ValueError(f"criterion callable must return one value per threshold "
                             f"(shape {thr.shape}); got shape {value.shape}")
    else:
        C = np.asarray(criterion, dtype=np.float64)
        if C.shape != (2, 2):
            raise ValueError("a cost matrix must be 2x2: rows = true class (0, 1), "
                             f"columns = predicted class (0, 1); got shape {C.shape}")
        name = "cost"
        minimise = True
        value = (C[0, 0] * tn + C[0, 1] * fp + C[1, 0] * fn + C[1, 1] * tp) / m
    best = int(np.argmin(value) if minimise else np.argmax(value))   # first = largest threshold
    return BestThreshold(float(thr[best]), float(value[best]), name)


def log_loss(y_true, y_prob, pos_label=1, eps: float | None = None) -> float:
    r"""Mean binary log loss (cross-entropy) of predicted probabilities, in nats.

    Taught in module 02 (logistic_regression).

    .. math:: \mathrm{LogLoss} = -\frac{1}{m}\sum_{i=1}^{m}\bigl[y_i \log p_i + (1-y_i)\log(1-p_i)\bigr]

    with :math:`p_i = P(y_i = \text{pos\_label})` (a 1-D array, or the second column of an
    (m, 2) ``predict_proba`` output) clipped to :math:`[\epsilon, 1-\epsilon]`,
    :math:`\epsilon` = float64 machine epsilon by default — the same as
    ``sklearn.metrics.log_loss``, which this equals. Computed by
    :func:`recsys_lib.models.binary_cross_entropy`.
    """
    from ..losses import binary_cross_entropy   # local: keep metrics import-light

    p = np.asarray(y_prob, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 2:
        p = p[:, 1]
    yt, p = _check_pair(y_true, p, "y_prob")
    classes = np.unique(yt)
    if len(classes) > 2:
        raise ValueError(f"binary log loss, but y_true has {len(classes)} classes")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("y_prob must be probabilities in [0, 1] (use sigmoid(logits) first)")
    return binary_cross_entropy((yt == pos_label).astype(np.float64), p, eps=eps)

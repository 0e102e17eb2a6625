"""Tests for recsys_lib.metrics.classification (module 02)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from recsys_lib.metrics import (
    BestThreshold,
    ConfusionCounts,
    accuracy,
    best_threshold,
    confusion_counts,
    f1_score,
    log_loss,
    precision,
    recall,
    roc_auc,
    roc_curve_points,
)

# ------------------------------------------------------------------ hand-worked example
# y_true : 1 1 1 0 0 0 0 1
# y_pred : 1 0 1 1 0 0 0 0
# TP = 2 (idx 0, 2), FN = 2 (idx 1, 7), FP = 1 (idx 3), TN = 3
Y_TRUE = np.array([1, 1, 1, 0, 0, 0, 0, 1])
Y_PRED = np.array([1, 0, 1, 1, 0, 0, 0, 0])


def test_hand_worked_threshold_metrics():
    c = confusion_counts(Y_TRUE, Y_PRED)
    assert isinstance(c, ConfusionCounts)
    assert c == (2, 1, 3, 2)
    assert accuracy(Y_TRUE, Y_PRED) == pytest.approx(5 / 8)
    assert precision(Y_TRUE, Y_PRED) == pytest.approx(2 / 3)
    assert recall(Y_TRUE, Y_PRED) == pytest.approx(2 / 4)
    # F1 = 2PR/(P+R) = 2*(2/3)*(1/2)/(7/6) = 4/7 = 2TP/(2TP+FP+FN) = 4/7
    assert f1_score(Y_TRUE, Y_PRED) == pytest.approx(4 / 7)


def test_hand_worked_auc_with_ties():
    # positives: 0.9, 0.5, 0.5 ; negatives: 0.5, 0.1
    # pairs (pos, neg): (0.9,0.5)=1 (0.9,0.1)=1 (0.5,0.5)=1/2 (0.5,0.1)=1 twice -> 1/2+1
    # total = 1+1+0.5+1+0.5+1 = 5 over 3*2 = 6 pairs
    y = [1, 1, 1, 0, 0]
    s = [0.9, 0.5, 0.5, 0.5, 0.1]
    assert roc_auc(y, s) == pytest.approx(5 / 6)
    assert roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s))


def test_limit_cases():
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.2, 0.8, 0.9, 0.3, 0.7])
    assert roc_auc(y, s) == 1.0
    assert roc_auc(y, -s) == 0.0
    assert roc_auc(y, np.full(6, 0.42)) == 0.5
    assert accuracy(y, y) == 1.0
    assert precision(y, y) == recall(y, y) == f1_score(y, y) == 1.0
    assert accuracy(y, 1 - y) == 0.0


def test_zero_division_behaviour():
    y = np.array([1, 0, 1, 0])
    nothing = np.zeros(4, dtype=int)
    assert precision(y, nothing) == 0.0          # no positive prediction
    assert precision(y, nothing, zero_division=1.0) == 1.0
    assert recall(np.zeros(4, dtype=int), np.array([1, 0, 0, 0])) == 0.0   # no positive sample
    assert f1_score(np.zeros(4, dtype=int), nothing) == 0.0
    assert f1_score(y, nothing) == 0.0
    # agrees with scikit-learn's zero_division=0
    assert precision(y, nothing) == skm.precision_score(y, nothing, zero_division=0)


def test_single_class_auc_raises_clearly():
    with pytest.raises(ValueError, match="only one class"):
        roc_auc([1, 1, 1], [0.1, 0.5, 0.9])
    with pytest.raises(ValueError, match="only one class"):
        roc_curve_points([0, 0], [0.1, 0.2])


def test_input_errors():
    with pytest.raises(ValueError, match="lengths"):
        accuracy([0, 1], [0, 1, 1])
    with pytest.raises(ValueError, match="probabilities or scores"):
        precision([0, 1, 1], [0.2, 0.7, 0.9])
    with pytest.raises(ValueError, match="labels"):
        recall([0, 1, 2], [0, 1, 1])
    with pytest.raises(ValueError, match="NaN"):
        roc_auc([0, 1], [0.1, np.nan])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])


def test_string_labels_and_pos_label():
    yt = np.array(["buy", "skip", "buy", "skip", "skip"])
    yp = np.array(["buy", "buy", "skip", "skip", "skip"])
    c = confusion_counts(yt, yp, pos_label="buy")
    assert c == (1, 1, 2, 1)
    assert precision(yt, yp, pos_label="buy") == skm.precision_score(yt, yp, pos_label="buy")
    assert roc_auc(yt, [0.9, 0.2, 0.6, 0.1, 0.3], pos_label="buy") == 1.0


@pytest.mark.parametrize("seed", range(6))
def test_agreement_with_sklearn_random(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 400))
    y = (rng.random(n) < rng.uniform(0.05, 0.6)).astype(int)
    y[0], y[1] = 0, 1                                     # both classes present
    # rounded scores -> many ties
    scores = np.round(rng.normal(size=n) + y * rng.uniform(0, 2), int(rng.integers(0, 3)))
    y_pred = (scores > np.median(scores)).astype(int)
    probs = 1 / (1 + np.exp(-scores))

    assert roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-12)
    assert accuracy(y, y_pred) == pytest.approx(skm.accuracy_score(y, y_pred))
    assert precision(y, y_pred) == pytest.approx(skm.precision_score(y, y_pred, zero_division=0))
    assert recall(y, y_pred) == pytest.approx(skm.recall_score(y, y_pred, zero_division=0))
    assert f1_score(y, y_pred) == pytest.approx(skm.f1_score(y, y_pred, zero_division=0))
    tn, fp, fn, tp = skm.confusion_matrix(y, y_pred, labels=[0, 1]).ravel()
    assert confusion_counts(y, y_pred) == (tp, fp, tn, fn)
    assert log_loss(y, probs) == pytest.approx(skm.log_loss(y, probs), rel=1e-12)

    for drop in (True, False):
        fpr, tpr, thr = roc_curve_points(y, scores, drop_intermediate=drop)
        sfpr, stpr, sthr = skm.roc_curve(y, scores, drop_intermediate=drop)
        np.testing.assert_allclose(fpr, sfpr)
        np.testing.assert_allclose(tpr, stpr)
        np.testing.assert_array_equal(thr, sthr)
        assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(y, scores), abs=1e-12)


def test_roc_curve_collapses_tied_scores():
    y = [0, 1, 1, 0, 1]
    s = [0.3, 0.3, 0.3, 0.1, 0.9]
    fpr, tpr, thr = roc_curve_points(y, s, drop_intermediate=False)
    # thresholds inf, 0.9, 0.3 (three tied samples switch together), 0.1
    np.testing.assert_array_equal(thr, [np.inf, 0.9, 0.3, 0.1])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 1, 1])
    np.testing.assert_allclose(fpr, [0, 0, 0.5, 1])


def test_log_loss_limits_and_2d_input():
    y = np.array([0, 1, 1])
    p = np.array([0.2, 0.7, 0.9])
    expected = -np.mean([np.log(0.8), np.log(0.7), np.log(0.9)])
    assert log_loss(y, p) == pytest.approx(expected)
    assert log_loss(y, np.column_stack([1 - p, p])) == pytest.approx(expected)
    assert log_loss(y, y.astype(float)) < 1e-12               # perfect, clipped
    assert np.isfinite(log_loss(y, 1 - y.astype(float)))      # confidently wrong: finite
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        log_loss(y, [0.2, 1.5, 0.3])


def test_best_threshold_f1_matches_brute_force():
    rng = np.random.default_rng(7)
    y = (rng.random(300) < 0.1).astype(int)
    s = np.round(rng.normal(size=300) + 1.5 * y, 2)
    res = best_threshold(y, s, "f1")
    assert isinstance(res, BestThreshold) and res.criterion == "f1"
    candidates = np.r_[np.inf, np.unique(s)]
    f1s = np.array([f1_score(y, (s >= t).astype(int)) for t in candidates])
    assert res.value == pytest.approx(f1s.max())
    assert f1_score(y, (s >= res.threshold).astype(int)) == pytest.approx(res.value)


def test_best_threshold_youden_accuracy_and_callable():
    y = np.array([0, 0, 1, 1, 0, 1])
    s = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    r = best_threshold(y, s, "youden")
    fpr, tpr, thr = roc_curve_points(y, s, drop_intermediate=False)
    assert r.value == pytest.approx(np.max(tpr - fpr))
    assert best_threshold(y, s, "accuracy").value == pytest.approx(5 / 6)
    r2 = best_threshold(y, s, lambda tp, fp, tn, fn: tp - 2 * fp)
    assert r2.criterion == "callable" and r2.value == 2          # threshold 0.8: tp=2, fp=0
    assert r2.threshold == 0.8
    with pytest.raises(ValueError, match="unknown criterion"):
        best_threshold(y, s, "auc")


def test_best_threshold_business_cost():
    # coupon costs 1 for every predicted buyer; a missed buyer costs 10 of margin
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1, 0.6, 0.2, 0.3, 0.05, 0.15, 0.25])
    cost = [[0, 1], [10, 1]]
    r = best_threshold(y, s, cost)
    assert r.criterion == "cost"
    # catching both buyers needs threshold 0.6: 2 TP + 2 FP = 4 coupons, cost 4/10
    assert r.threshold == 0.6 and r.value == pytest.approx(0.4)
    with pytest.raises(ValueError, match="2x2"):
        best_threshold(y, s, [[0, 1, 2]])


def test_inputs_not_mutated():
    y = np.array([1, 0, 1, 0, 1])
    s = np.array([0.5, 0.5, 0.2, 0.9, 0.1])
    y0, s0 = y.copy(), s.copy()
    roc_auc(y, s)
    roc_curve_points(y, s)
    best_threshold(y, s)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(s, s0)

r"""Checks for module 02 (logistic_regression), Exercises 6-8: accuracy/precision/recall/F1, ROC AUC
and the threshold choice. Imported (and re-exported) by :mod:`autograder.exercises.m02_logistic_regression`,
which the notebook's test cells import; see its docstring for the conventions.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again, on other
inputs): precision/recall/F1 are 0.0 when their denominator is 0 (Exercise 6); ties in the scores
count 1/2 (Exercise 7); among thresholds with the same best validation F1, the LARGEST one
(Exercise 8).
"""
from __future__ import annotations

import numpy as _np
import pandas as _pd

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from recsys_lib import losses as _losses
from recsys_lib.metrics import classification as _cls

# shared exercise helpers and reference implementations, bound before any student code runs
_fail = _c.fail
_unchanged = _c.unchanged
_passed = _c.passed
_Mistake = _c.Mistake
_quietly = _c.quietly   # warnings silenced: nbgrader fails a test cell that writes to stderr
_ref_sigmoid = _losses.sigmoid
_ref_auc = _cls.roc_auc
_ref_best_threshold = _cls.best_threshold
_ref_confusion = _cls.confusion_counts
_Series = _pd.Series
_asarray, _array, _float64, _int64 = _np.asarray, _np.array, _np.float64, _np.int64
_default_rng, _unique, _nan = _np.random.default_rng, _np.unique, _np.nan

METRICS = ("accuracy", "precision", "recall", "f1")
THRESHOLD_REPORT = ("threshold", "val_f1", "test_f1")


# ---------------------------------------------------------------- 6. classification metrics
def _metric_values(tp, fp, tn, fn, zero=0.0):
    def ratio(a, c):
        return a / c if c > 0 else zero
    m = tp + fp + tn + fn
    return [(tp + tn) / m, ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn)]


def _nan_f1_from_pr(tp, fp, tn, fn):
    """F1 as 2PR/(P+R) with NaN wherever a denominator (TP+FP, TP+FN or P+R) is 0."""
    acc, p, r, _ = _metric_values(tp, fp, tn, fn, zero=_nan)
    f1 = 2 * p * r / (p + r) if (p + r) > 0 else _nan
    return [acc, p, r, f1]


@_quietly
def check_classification_metrics_on(classification_metrics, y_true, y_pred, expected=None,
                                    name="classification_metrics"):
    y_true = _array(y_true, dtype=_int64)
    y_pred = _array(y_pred, dtype=_int64)
    got = _c.call(classification_metrics, y_true.copy(), y_pred.copy(), name=name)
    c = _ref_confusion(y_true, y_pred)
    exp_values = _metric_values(c.tp, c.fp, c.tn, c.fn) if expected is None else list(expected)
    exp = _Series(exp_values, index=list(METRICS), dtype="float64")
    acc, prec, rec, f1 = exp_values
    zero_division = c.tp + c.fp == 0 or c.tp + c.fn == 0
    wrong = [
        _Mistake("precision and recall are swapped: precision = TP/(TP+FP) (of the predicted positives), "
                 "recall = TP/(TP+FN) (of the actual positives)", [acc, rec, prec, f1]),
        _Mistake("F1 is the arithmetic mean of precision and recall; it is their harmonic mean "
                 "2PR/(P+R) = 2TP/(2TP+FP+FN)", [acc, prec, rec, (prec + rec) / 2]),
        _Mistake("accuracy computed as the share of predicted positives (mean of y_pred)",
                 [float(y_pred.mean()), prec, rec, f1]),
        _Mistake("precision and recall computed for the class 0 instead of the positive class 1",
                 [acc] + _metric_values(c.tn, c.fn, c.tp, c.fp)[1:]),
    ]
    if zero_division:
        rule = ("a denominator is 0 here (TP + FP = 0: nothing is predicted positive, or TP + FN = 0: "
                "there is no positive label), and the stated rule is that the metric is then 0.0, not NaN")
        wrong = [_Mistake(f"NaN from 0/0: {rule}", _metric_values(c.tp, c.fp, c.tn, c.fn, zero=_nan)),
                 _Mistake(f"NaN from 0/0 (F1 = 2PR/(P+R) with P + R = 0): {rule}",
                          _nan_f1_from_pr(c.tp, c.fp, c.tn, c.fn))] + wrong
    _c.check_series(got, exp, f"{name}", rtol=1e-9, atol=1e-12, mistakes=wrong)


def _metrics_public_data():
    rng = _default_rng(3)
    y = (rng.random(500) < 0.12).astype(_int64)
    score = y * 0.8 + rng.normal(0.0, 0.5, 500)
    return y, (score > 0.6).astype(_int64)


#: public zero-division cases (the rule "0.0 when a denominator is 0", tested in public too)
ZERO_DIVISION_CASES = (
    ([1, 0, 0, 1, 0], [0, 0, 0, 0, 0], "classification_metrics when nothing is predicted positive "
                                       "(TP + FP = 0)"),
    ([0, 0, 0, 0], [0, 1, 0, 0], "classification_metrics when there is no positive label (TP + FN = 0)"),
)


@_quietly
def check_classification_metrics(classification_metrics):
    y, pred = _metrics_public_data()
    check_classification_metrics_on(classification_metrics, y, pred)
    for y_true, y_pred, name in ZERO_DIVISION_CASES:
        check_classification_metrics_on(classification_metrics, y_true, y_pred, name=name)
    _passed()


# ---------------------------------------------------------------- 7. ROC AUC
def _auc_pairs(y, s, tie_value):
    pos, neg = s[y == 1], s[y == 0]
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + tie_value * ties) / (len(pos) * len(neg)))


@_quietly
def check_roc_auc_on(roc_auc, y_true, y_score, expected, name="roc_auc"):
    y = _array(y_true, dtype=_int64)
    s = _array(y_score, dtype=_float64)
    yb, sb = y.copy(), s.copy()
    got = _c.call(roc_auc, y, s, name=name)
    _unchanged(yb, y, "roc_auc (argument y_true)")
    _unchanged(sb, s, "roc_auc (argument y_score)")
    g = _asarray(got, dtype=_float64)
    if g.size != 1:
        _fail(f"{name} returned shape {g.shape}; expected one number.")
    value = float(g.reshape(()))
    expected = float(expected)
    if abs(value - expected) <= 1e-9:
        return
    low, high = _auc_pairs(y, s, 0.0), _auc_pairs(y, s, 1.0)
    if high > low and low - 1e-12 <= value <= high + 1e-12 and abs(value - expected) > 1e-12:
        _fail(f"{name} is wrong: expected {expected:.6g}, got {value:.6g}. These scores contain ties "
              f"between positives and negatives ({round((high - low) * (y == 1).sum() * (y == 0).sum())} "
              f"tied pairs).",
              "Tied scores must get their AVERAGE rank (scipy.stats.rankdata(s), method 'average'); "
              "argsort().argsort() gives tied scores different ranks in an arbitrary order.",
              mistake="the AUC ignores ties: a tied positive/negative pair must count 1/2")
    n_pos, n_neg = (y == 1).sum(), (y == 0).sum()
    wrong = [_Mistake("the AUC of the reversed ranking (1 - AUC): rank 1 is the SMALLEST score, or the "
                      "classes are swapped", 1.0 - expected),
             _Mistake("forgot to subtract n+(n+ + 1)/2 from the rank sum",
                      (expected * n_pos * n_neg + n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))]
    _c.check_close(value, expected, name, rtol=1e-9, atol=1e-12, mistakes=wrong)


def _auc_public_data():
    rng = _default_rng(4)
    y = (rng.random(600) < 0.15).astype(_int64)
    s = _np.round(_ref_sigmoid(-1.5 + 1.2 * y + rng.normal(0.0, 1.0, 600)), 2)   # many ties
    return y, s


@_quietly
def check_roc_auc(roc_auc, y_val=None, scores_val=None):
    y, s = _auc_public_data()
    check_roc_auc_on(roc_auc, y, s, _ref_auc(y, s), "roc_auc on rounded scores (with ties)")
    if y_val is not None:
        yv, sv = _asarray(y_val), _asarray(scores_val, dtype=_float64)
        check_roc_auc_on(roc_auc, yv, sv, _ref_auc(yv, sv), "roc_auc on the click model's validation scores")
    _passed()


# ---------------------------------------------------------------- 8. threshold choice
def _f1_at(y, s, t):
    c = _ref_confusion(y, (s >= t).astype(_int64))
    return _metric_values(c.tp, c.fp, c.tn, c.fn)[3]


def smallest_best_threshold(y, s):
    """The threshold a loop keeping the SMALLEST of the F1-tied thresholds would return (the
    classic slip: scanning thresholds upwards with ``>=``, or downwards with ``>`` reversed)."""
    candidates = _unique(_asarray(s, dtype=_float64))          # ascending
    f1 = _array([_f1_at(y, s, t) for t in candidates])
    return float(candidates[int(_np.argmax(f1))])


@_quietly
def check_choose_threshold_on(choose_threshold, y_val, p_val, y_test, p_test, name="choose_threshold"):
    y_val = _array(y_val, dtype=_int64)
    y_test = _array(y_test, dtype=_int64)
    p_val = _array(p_val, dtype=_float64)
    p_test = _array(p_test, dtype=_float64)
    got = _c.call(choose_threshold, y_val.copy(), p_val.copy(), y_test.copy(), p_test.copy(), name=name)
    best = _ref_best_threshold(y_val, p_val, "f1")
    exp = _Series([best.threshold, best.value, _f1_at(y_test, p_test, best.threshold)],
                  index=list(THRESHOLD_REPORT), dtype="float64")
    on_test = _ref_best_threshold(y_test, p_test, "f1")
    smallest = smallest_best_threshold(y_val, p_val)
    wrong = [
        _Mistake("the threshold was chosen on the TEST set (it maximises the test F1). Choose it on the "
                 "validation split; the test set only measures the chosen threshold, otherwise the "
                 "reported test F1 is optimistic",
                 [on_test.threshold, _f1_at(y_val, p_val, on_test.threshold), on_test.value]),
        _Mistake("the threshold was chosen on the TEST set (it maximises the test F1). Choose it on the "
                 "validation split; the test set only measures the chosen threshold",
                 [on_test.threshold, best.value, on_test.value]),
        _Mistake("kept the default threshold 0.5 instead of choosing it: at an 11% click rate hardly any "
                 "impression reaches p = 0.5",
                 [0.5, _f1_at(y_val, p_val, 0.5), _f1_at(y_test, p_test, 0.5)]),
        _Mistake("reported the validation F1 as test_f1", [best.threshold, best.value, best.value]),
    ]
    if smallest != best.threshold:
        wrong.insert(0, _Mistake(
            f"several thresholds reach the best validation F1 ({best.value:.6g}) here, and the SMALLEST of "
            f"them was kept ({smallest:g}); the rule is the LARGEST ({best.threshold:g}), e.g. scan from "
            f"the largest threshold down and keep the first maximum",
            [smallest, best.value, _f1_at(y_test, p_test, smallest)]))
    _c.check_series(got, exp, name, rtol=1e-9, atol=1e-12, mistakes=wrong)


def make_scores(m: int, seed: int, rate: float = 0.11, decimals: int = 3):
    """Labels with about ``rate`` positives and rounded (so partly tied) probability-like scores."""
    rng = _default_rng(seed)
    y = (rng.random(m) < rate).astype(_int64)
    p = _np.round(_ref_sigmoid(_np.log(rate / (1 - rate)) + 1.4 * (y - rate) + rng.normal(0.0, 0.9, m)), decimals)
    return y, p


def _threshold_public_data():
    return make_scores(800, seed=6) + make_scores(700, seed=16)


#: a public case whose best validation F1 (2/3) is reached by two thresholds, 0.9 and 0.6
F1_TIE_CASE = ([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0, 0], [0.95, 0.85, 0.65, 0.3, 0.1])


@_quietly
def check_choose_threshold(choose_threshold):
    y_val, p_val, y_test, p_test = _threshold_public_data()
    check_choose_threshold_on(choose_threshold, y_val, p_val, y_test, p_test)
    check_choose_threshold_on(choose_threshold, *F1_TIE_CASE,
                              name="choose_threshold when two thresholds tie for the best validation F1")
    _passed()

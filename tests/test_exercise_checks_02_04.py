"""The PUBLIC checks of modules 02 and 04 test every rule their task texts state (issue 16, point
2): each new public case passes the solution and fails the wrong answer it targets, with feedback
that says where and why (points 3 and 4). In-process: the checks are called directly, on the
solution notebook's own functions and on realistic wrong ones (no nbgrader, no shop data)."""
from __future__ import annotations

import linecache
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from autograder import notebooks as N
from autograder.checks import CheckFailure
from autograder.exercises import m02_logistic_regression as M02
from autograder.exercises import m04_knn_collaborative_filtering as M04
from autograder.exercises import m04_knn_collaborative_filtering_ranking as M04R
from recsys_lib import columns as C

ROOT = Path(__file__).resolve().parents[1]
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", flags=re.M)


def _solution_functions(module: str) -> dict:
    """The solution notebook's graded functions (setup cell + every graded code cell, run in order)."""
    nb = N.read_json(ROOT / "solutions" / module / f"{module}.ipynb")
    namespace: dict = {}
    for cell in nb["cells"]:
        gid = N.grade_id(cell) or ""
        if cell["cell_type"] == "code" and (gid.endswith("_code") or gid.endswith("_setup")):
            exec(compile(_MARKER.sub("", N.source_text(cell)), gid, "exec"), namespace)
    return namespace


def _cell_function(source: str, name: str, filename: str):
    """A learner's function, compiled from a notebook-like cell file that linecache knows."""
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"np": np, "pd": pd, "sp": sp, "C": C}
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


@pytest.fixture(scope="module")
def sol02():
    return _solution_functions("02_logistic_regression")


@pytest.fixture(scope="module")
def sol04():
    return _solution_functions("04_knn_collaborative_filtering")


def _fails(check, *args, words=()):
    with pytest.raises(CheckFailure) as info:
        check(*args)
    msg = str(info.value)
    for word in words:
        assert word in msg, f"{word!r} not in:\n{msg}"
    return msg


# ---------------------------------------------------------------- module 02
def test_module02_solutions_pass_the_public_checks(sol02, capsys):
    M02.check_sigmoid(sol02["sigmoid"])
    M02.check_predict(sol02["predict_proba"], sol02["predict"])
    M02.check_classification_metrics(sol02["classification_metrics"])
    M02.check_choose_threshold(sol02["choose_threshold"])
    assert capsys.readouterr().out.count("All public tests passed") == 4


def test_sigmoid_public_check_tests_any_shape(sol02):
    def flat_sigmoid(z):
        return sol02["sigmoid"](np.ravel(z))
    _fails(M02.check_sigmoid, flat_sigmoid, words=["sigmoid of a 2-D array", "must keep the shape"])


def test_predict_public_check_tests_integer_labels_and_the_inclusive_threshold(sol02):
    proba = sol02["predict_proba"]

    def as_booleans(X, w, b, threshold=0.5):
        return proba(X, w, b) >= threshold

    def strict(X, w, b, threshold=0.5):
        return (proba(X, w, b) > threshold).astype(int)

    _fails(M02.check_predict, proba, as_booleans, words=["returned booleans", "integer 0/1 labels"])
    msg = _fails(M02.check_predict, proba, strict)
    first = msg.splitlines()[0]
    assert first.startswith("predict where a probability equals the threshold 0.5 exactly (z = 0)")
    assert "first at index (0,): expected 1, got 0" in first and "p >= threshold" in first


def test_classification_metrics_public_check_tests_zero_division():
    def nan_metrics(y_true, y_pred):
        tp = np.sum((y_true == 1) & (y_pred == 1))
        fp = np.sum((y_true == 0) & (y_pred == 1))
        fn = np.sum((y_true == 1) & (y_pred == 0))
        tn = np.sum((y_true == 0) & (y_pred == 0))
        p, r = tp / (tp + fp), tp / (tp + fn)
        return pd.Series([(tp + tn) / len(y_true), p, r, 2 * p * r / (p + r)],
                         index=["accuracy", "precision", "recall", "f1"], dtype=float)

    msg = _fails(M02.check_classification_metrics, nan_metrics,
                 words=["when nothing is predicted positive", "NaN from 0/0", "0.0, not NaN"])
    assert "first difference at index 'precision'" in msg.splitlines()[0]
    python_ints = _cell_function(
        "# GRADED FUNCTION: classification_metrics\n"
        "def classification_metrics(y_true, y_pred):\n"
        "    tp = int(np.sum((y_true == 1) & (y_pred == 1)))\n"
        "    fp = int(np.sum((y_true == 0) & (y_pred == 1)))\n"
        "    precision = tp / (tp + fp)\n"
        "    return pd.Series([0.0, precision, 0.0, 0.0], index=['accuracy', 'precision', 'recall', 'f1'])\n",
        "classification_metrics", "/tmp/ipykernel_1/zero_division.py")
    lines = _fails(M02.check_classification_metrics_on, python_ints, *M02.ZERO_DIVISION_CASES[0][:2]).splitlines()
    assert lines[0] == "classification_metrics raised ZeroDivisionError: division by zero"
    assert "  line 5 in classification_metrics: precision = tp / (tp + fp)" in lines


def test_choose_threshold_public_check_catches_the_smallest_of_tied_thresholds():
    def f1_at(y, p, t):
        pred = p >= t
        tp, fp, fn = np.sum(pred & (y == 1)), np.sum(pred & (y == 0)), np.sum(~pred & (y == 1))
        return 2 * tp / (2 * tp + fp + fn)

    def smallest(y_val, p_val, y_test, p_test):          # increasing thresholds, strict '>'
        best_t, best = None, -1.0
        for t in np.unique(p_val):
            if f1_at(y_val, p_val, t) > best:
                best_t, best = float(t), f1_at(y_val, p_val, t)
        return pd.Series([best_t, best, f1_at(y_test, p_test, best_t)], index=["threshold", "val_f1", "test_f1"])

    msg = _fails(M02.check_choose_threshold, smallest,
                 words=["two thresholds tie for the best validation F1", "the SMALLEST of them was kept", "LARGEST"])
    assert "first difference at index 'threshold' (position 0" in msg.splitlines()[0]
    y, p = M02.F1_TIE_CASE[:2]
    assert M02.smallest_best_threshold(np.array(y), np.array(p)) == 0.6


def test_gradient_and_sgd_failures_name_the_entry_that_differs_most(sol02):
    def grad_bias_penalised(X, y, w, b, alpha):
        gw, gb = sol02["logistic_gradient"](X, y, w, b, alpha)
        return gw, gb + alpha * b
    first = _fails(M02.check_logistic_gradient, grad_bias_penalised).splitlines()[0]
    assert "largest difference in grad_b: expected" in first and "penalty is applied to the bias" in first


# ---------------------------------------------------------------- module 04
@pytest.fixture(scope="module")
def toy():
    rng = np.random.default_rng(4)
    centres = np.array([[0.0, 0.0], [2.0, 0.5], [1.0, 2.0]])
    y = np.repeat([0, 1, 2], 20)
    return centres[y] + rng.normal(scale=0.8, size=(60, 2)), y, rng.uniform(-1.5, 3.5, size=(200, 2))


def _random_interactions(seed=0, n_users=80, n_items=40):
    rng = np.random.default_rng(seed)
    X = sp.random(n_users, n_items, density=0.08, random_state=rng, format="csr")
    X.data = rng.integers(1, 4, X.nnz).astype(float)
    return X


def test_module04_solutions_pass_the_public_checks(sol04, toy, capsys):
    X_toy, y_toy, Q_toy = toy
    M04.check_euclidean_distances(sol04["euclidean_distances"], Q_toy, X_toy)
    M04.check_knn_predict(sol04["knn_predict"], X_toy, y_toy, Q_toy)
    log, users, items = M04.small_log()
    M04.check_interaction_matrix(sol04["build_interaction_matrix"], log, users, items)
    X = _random_interactions()
    M04.check_popularity_recommend(sol04["popularity_recommend"], X, np.arange(0, 80, 3), k=6)
    M04.check_item_based(sol04["recommend_item_based"], X, np.arange(0, 80, 3), k=6)
    M04.check_user_based(sol04["recommend_user_based"], X, np.arange(0, 80, 3), k=6, n_neighbors=5)
    ranked = np.array([[3, 1, 2, -1, 5, 6], [5, 6, 7, 8, 9, 4], [9, 4, 1, 2, 0, 3], [10, 11, 12, 1, 2, 3]])
    M04.check_ranking_metrics(sol04["ranking_metrics"], ranked, [[1, 2], [7, 4], [4, 9, 2, 11], [3]], k=6)
    assert capsys.readouterr().out.count("All public tests passed") == 7


def test_euclidean_public_check_tests_the_clipping_rule(toy):
    def unclipped(A, B):
        A, B = np.asarray(A, dtype=float), np.asarray(B, dtype=float)
        return np.sqrt((A ** 2).sum(axis=1)[:, None] + (B ** 2).sum(axis=1)[None, :] - 2.0 * A @ B.T)
    X_toy, _, Q_toy = toy
    unclipped(Q_toy, X_toy)                               # fine on the toy points ...
    _fails(M04.check_euclidean_distances, unclipped, Q_toy, X_toy,   # ... not on the large public ones
           words=["60 points with large coordinates and themselves", "contains NaN", "clip"])


def test_knn_public_check_tests_label_values_and_distance_ties(sol04, toy):
    X_toy, y_toy, Q_toy = toy

    def positions(distances, y_train, k):
        idx = np.argsort(distances, axis=1, kind="stable")[:, :k]
        labels, codes = np.unique(y_train, return_inverse=True)
        return (codes[idx][:, :, None] == np.arange(len(labels))).sum(axis=1).argmax(axis=1)

    def higher_index_first(distances, y_train, k):      # equal distances: the HIGHER index first
        order = distances.shape[1] - 1 - np.argsort(distances[:, ::-1], axis=1, kind="stable")
        labels, codes = np.unique(y_train, return_inverse=True)
        return labels[(codes[order[:, :k]][:, :, None] == np.arange(len(labels))).sum(axis=1).argmax(axis=1)]

    first = _fails(M04.check_knn_predict, positions, X_toy, y_toy, Q_toy).splitlines()[0]
    assert "labels renamed to 7, -2 and 40" in first and "position of the winning label" in first
    first = _fails(M04.check_knn_predict, higher_index_first, X_toy, y_toy, Q_toy).splitlines()[0]
    assert first.startswith("knn_predict with equal distances at the k-th neighbour (k=2) is wrong")
    assert "HIGHER training index" in first


def test_interaction_public_check_tests_ids_and_the_order_given(sol04):
    log, users, items = M04.small_log()
    shop_like = M04.make_log([(1, 1, "2025-05-01 10:00", "click", 1), (2, 2, "2025-05-01 11:00", "purchase", 2)])
    ids_as_positions = _cell_function(
        "# GRADED FUNCTION: build_interaction_matrix\n"
        "def build_interaction_matrix(events, users, items):\n"
        "    inter = events[events[C.EVENT_TYPE].isin([C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE])]\n"
        "    rows = inter[C.USER_ID].to_numpy() - 1\n"
        "    cols = inter[C.ITEM_ID].to_numpy(dtype=np.int64) - 1\n"
        "    return sp.csr_matrix((np.ones(len(inter)), (rows, cols)), shape=(len(users), len(items)))\n",
        "build_interaction_matrix", "/tmp/ipykernel_1/ids_as_positions.py")
    M04.check_interaction_matrix_on(ids_as_positions, shop_like, np.array([1, 2]), np.array([1, 2]),
                                    sp.csr_matrix(np.eye(2)))                  # right when ids are 1..n in order
    lines = _fails(M04.check_interaction_matrix, ids_as_positions, shop_like, np.array([1, 2]), np.array([1, 2])
                   ).splitlines()
    assert lines[0].startswith("build_interaction_matrix (small log, ids not 1..n, unsorted) raised ValueError")
    assert any(line.startswith("  line 6 in build_interaction_matrix: return sp.csr_matrix(") for line in lines)

    def sorted_ids(events, users, items):
        return sol04["build_interaction_matrix"](events, np.sort(users), np.sort(items))
    first = _fails(M04.check_interaction_matrix, sorted_ids, shop_like, np.array([1, 2]), np.array([1, 2])
                   ).splitlines()[0]
    assert "first at (row 0, column 0) = (user 42, item 300): expected 1, got 0" in first
    assert "sorted id order instead of the order of `users` / `items`" in first


def test_popularity_user_and_ranking_public_checks_test_their_stated_rules(sol04):
    X = _random_interactions(1)
    rows = np.arange(0, 80, 4)

    def no_padding(X, rows, k, exclude_seen=True):
        pop = np.asarray(X.sum(axis=0), dtype=float).ravel()
        scores = np.tile(pop, (len(rows), 1))
        if exclude_seen:
            scores[X[rows].toarray() > 0] = -np.inf
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    first = _fails(M04.check_popularity_recommend, no_padding, X, rows, 5).splitlines()[0]
    assert "on a tiny matrix" in first and "popularity 0 recommended" in first

    def mrr_over_the_whole_list(ranked, relevant, k):
        out = sol04["ranking_metrics"](ranked, relevant, k)
        full = sol04["ranking_metrics"](ranked, relevant, np.asarray(ranked).shape[1])
        return out.where(out.index != "mrr", full["mrr"])
    ranked = np.array([[3, 1, 2, -1, 5, 6], [5, 6, 7, 8, 9, 4], [9, 4, 1, 2, 0, 3], [10, 11, 12, 1, 2, 3]])
    relevant = [[6], [4], [3], [3]]
    mrr_over_the_whole_list(ranked, relevant, 6)         # right when k is the list length ...
    M04.check_ranking_metrics_on(mrr_over_the_whole_list, ranked, relevant, 6,
                                 M04R._reference_metrics(ranked, relevant, 6))
    first = _fails(M04.check_ranking_metrics, mrr_over_the_whole_list, ranked, relevant, 6).splitlines()[0]
    assert first == ("ranking_metrics(k=3, on lists of length 6)['mrr'] is wrong. Likely mistake: MRR not cut "
                     "at K: a first hit below rank K counts 0.")


def test_sparse_times_sparse_gives_a_clear_failure(sol04):
    """Issue 16, point 3: np.asarray of a sparse product is a 0-d object array. Returned as it is,
    the check says so; used further, the learner's own line is shown."""
    X = _random_interactions(2)

    def returns_wrapped(X, S_users, rows, k, n_neighbors, exclude_seen=True):
        return np.asarray(sp.csr_matrix(np.ones((len(rows), X.shape[0]))) @ X)
    _fails(M04.check_user_based, returns_wrapped, X, np.arange(5), 3, 2,
           words=["0-d object array that wraps a scipy.sparse matrix", ".toarray()"])


def test_interaction_mismatch_names_the_first_entry_row_by_row(sol04):
    log, users, items = M04.small_log()
    expected = sol04["build_interaction_matrix"](log, users, items)

    def one_entry_off(events, users, items):
        X = sol04["build_interaction_matrix"](events, users, items).tolil()
        X[2, 3] += 1
        return X.tocsr()
    msg = _fails(M04.check_interaction_matrix_on, one_entry_off, log, users, items, expected)
    assert msg.startswith("build_interaction_matrix differs in 1 entries; first at (row 2, column 3) = "
                          "(user 19, item 60): expected 1, got 2.")


@pytest.mark.parametrize("module", ["02_logistic_regression", "04_knn_collaborative_filtering"])
def test_how_this_notebook_works_names_what_grading_flags(module):
    """Issue 16, point 6: the notebook's "How this notebook works" cell lists every toolbox name
    the grader's policy (autograder.toolbox_policy) forbids in a graded cell of the module."""
    from autograder import toolbox_policy as P

    nb = N.read_json(ROOT / "solutions" / module / f"{module}.ipynb")
    (cell,) = [N.source_text(c) for c in nb["cells"] if N.source_text(c).startswith("## How this notebook works")]
    table = cell[cell.index("| graded cell |"):]
    for grade_id, names in P.POLICY[module].items():
        for name in names:
            assert f"`{name.rsplit('.', 1)[-1]}`" in table or f"`{name}`" in table, (grade_id, name)
    assert "`autograder`" in cell and "starting with `_`" in cell


def test_the_sigmoid_limits_the_text_states(sol02):
    """Issue 13 (02 c5): float64 rounds the sigmoid to exactly 1.0 from z = 37 on (e^-z < 2^-53),
    but to exactly 0.0 only below z = -745 (e^z underflows): both for the solution and the toolbox."""
    from recsys_lib.losses import sigmoid as toolbox_sigmoid

    for sigmoid in (sol02["sigmoid"], toolbox_sigmoid):
        assert float(sigmoid(36.0)) < 1.0 == float(sigmoid(37.0))
        assert float(sigmoid(-745.0)) > 0.0 == float(sigmoid(-746.0))
    assert 36 < 53 * np.log(2.0) < 37 and 745 < np.log(2.0) - np.log(np.finfo(float).smallest_subnormal) < 746
    text = "\n".join(N.source_text(c) for c in N.read_json(
        ROOT / "solutions" / "02_logistic_regression" / "02_logistic_regression.ipynb")["cells"])
    assert "from $z \\approx 37$ on" in text and "for $z$ below about $-745$" in text

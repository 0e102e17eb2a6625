"""The checks of module 07 (embeddings_matrix_factorization), in-process and fast: no nbgrader, no shop.

Every mistake fixture (``autograder/fixtures/mistakes/07_embeddings_matrix_factorization.json``) is
applied to the solution notebook's functions and run through the PUBLIC check (with small inputs that
stand in for the notebook's data) and the HIDDEN tests of each test cell it must lose points in: both
must fail, and the public feedback must contain the fixture's words. The nbgrader fixture test
(``tests/test_module_grading.py``) proves the points; this one proves, in seconds, that the hidden
tests catch the same families of mistakes as the public ones, and pins down diagnoses of wrong answers
that are not fixtures (a list of ids, a naive softplus, an epsilon in the norms ...).
"""
from __future__ import annotations

import numpy as np
import pytest

import exercise_harness as H
from autograder import notebooks as N
from autograder import toolbox_policy as P
from autograder.checks import CheckFailure
from autograder.exercises import m07_embeddings_matrix_factorization as M07

MODULE = "07_embeddings_matrix_factorization"
FIXTURES = H.mistake_fixtures(MODULE)

_rng = np.random.default_rng(0)
_F, _T, _KNOWN = _rng.normal(size=(100, 5)), _rng.normal(size=(100, 3)), np.arange(100) < 80
_E = _rng.normal(size=(300, 8))

#: test cell -> its public check on small inputs standing in for the notebook's data
PUBLIC = {
    "m07_one_hot": lambda ns: M07.check_one_hot(ns["one_hot"], np.array([5, 1, 7, 7]), 10),
    "m07_bpr_loss": lambda ns: M07.check_bpr_loss(ns["bpr_loss"]),
    "m07_bpr_gradients": lambda ns: M07.check_bpr_gradients(ns["bpr_gradients"]),
    "m07_sample_negatives": lambda ns: M07.check_sample_negatives(ns["sample_negatives"]),
    "m07_bpr_sgd_epoch": lambda ns: M07.check_bpr_sgd_epoch(ns["bpr_sgd_epoch"]),
    "m07_cold_start_factors": lambda ns: M07.check_cold_start(ns["cold_start_factors"], _F, _T, _KNOWN, 1.0),
    "m07_nearest_items": lambda ns: M07.check_nearest_items(ns["nearest_items"], _E, np.array([0, 5, 9])),
}


def test_the_solution_passes_every_public_and_hidden_check(solution, hidden, capsys):
    H.assert_solution_passes(PUBLIC, solution, hidden, capsys)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["id"] for f in FIXTURES])
def test_every_fixture_fails_the_public_and_the_hidden_tests(notebook, hidden, fixture):
    namespace = H.assert_fixture_fails(PUBLIC, notebook, hidden, fixture)
    # the epoch calls the learner's loss and gradients: a loss mistake that leaves the data term (lam = 0)
    # right must not cost the epoch's points
    if "m07_bpr_sgd_epoch" not in fixture["points_lost"]:
        PUBLIC["m07_bpr_sgd_epoch"](namespace)
        H.run_hidden(hidden["m07_bpr_sgd_epoch"], namespace)


def test_fixture_diagnoses_name_a_mistake_in_the_first_line(notebook):
    """The first line of the feedback (what `recsys-course check` shows) names the likely mistake."""
    H.assert_first_lines_name_the_mistakes(PUBLIC, notebook, FIXTURES)


# ---------------------------------------------------------------- rules the task texts state
def test_one_hot_is_called_with_a_list_as_the_text_allows(solution):
    def array_only(ids, n):
        H = np.zeros((ids.size, n))             # a list has no .size
        H[np.arange(ids.size), ids] = 1.0
        return H
    msg = H.fails(M07.check_one_hot, array_only, np.array([1, 2]), 4, words=["ids as a list", "AttributeError"])
    assert msg.startswith("one_hot([3, 0, 3, 1], 5) (ids as a list) raised AttributeError")


def test_a_naive_softplus_is_diagnosed_as_overflow(solution):
    def log1p_exp(P, Q, b, users, pos, neg, lam):
        x = (P[users] * (Q[pos] - Q[neg])).sum(axis=1) + b[pos] - b[neg]
        penalty = (P[users] ** 2).sum() + (Q[pos] ** 2).sum() + (Q[neg] ** 2).sum() + (b[pos] ** 2).sum() \
            + (b[neg] ** 2).sum()
        return float(np.log1p(np.exp(-x)).sum() + lam / 2 * penalty)
    H.fails(M07.check_bpr_loss, log1p_exp, words=["is inf", "overflows", "softplus"])


def test_gradient_with_the_positive_items_sign_for_the_negative_item(solution):
    def same_sign(P, Q, b, users, pos, neg, lam):
        dP, dQ, db = solution["bpr_gradients"](P, Q, b, users, pos, neg, lam)
        x = (P[users] * (Q[pos] - Q[neg])).sum(axis=1) + b[pos] - b[neg]
        g = -solution["sigmoid"](-x)
        np.add.at(dQ, neg, 2 * g[:, None] * P[users])     # -g p_u becomes +g p_u
        np.add.at(db, neg, 2 * g)
        return dP, dQ, db
    H.fails(M07.check_bpr_gradients, same_sign, words=["positive item's sign"])


def test_epoch_shares_its_diagnoses_with_the_hidden_tests(solution, hidden):
    def mean_of_batch_means(P, Q, b, users, pos, neg, lr, lam, batch_size):
        P, Q, b = P.copy(), Q.copy(), b.copy()
        means = []
        for s in range(0, len(users), batch_size):
            u, i, j = users[s:s + batch_size], pos[s:s + batch_size], neg[s:s + batch_size]
            means.append(solution["bpr_loss"](P, Q, b, u, i, j, 0.0) / len(u))
            dP, dQ, db = solution["bpr_gradients"](P, Q, b, u, i, j, lam)
            P, Q, b = P - lr * dP, Q - lr * dQ, b - lr * db
        return P, Q, b, float(np.mean(means))
    msg = H.fails(M07.check_bpr_sgd_epoch, mean_of_batch_means, words=["mean_loss is wrong"])
    assert "expected 1.28111" in msg                      # the public problem's mean loss, shown
    with pytest.raises(CheckFailure):
        H.run_hidden(hidden["m07_bpr_sgd_epoch"], {**solution, "bpr_sgd_epoch": mean_of_batch_means})


def test_exact_cosines_of_any_correct_formula_pass(solution, hidden):
    """Ties are exact in the check's tables, so every exact way of computing the cosine passes."""
    def outer_product(E, rows, n):
        rows = np.asarray(rows)
        norms = np.linalg.norm(E, axis=1)
        den = np.outer(norms[rows], norms)
        S = np.divide(E[rows] @ E.T, den, out=np.zeros((rows.size, len(E))), where=den > 0)
        S[np.arange(rows.size), rows] = -np.inf
        idx = np.argsort(-S, axis=1, kind="stable")[:, :n]
        return idx, np.take_along_axis(S, idx, axis=1)
    PUBLIC["m07_nearest_items"]({"nearest_items": outer_product})
    H.run_hidden(hidden["m07_nearest_items"], {**solution, "nearest_items": outer_product})


def test_checks_give_the_same_feedback_twice(notebook):
    wrong = H.run_graded_cells(notebook, next(f for f in FIXTURES if f["id"] == "popularity_power_ignored")["replace"])
    assert H.fails(PUBLIC["m07_sample_negatives"], wrong) == H.fails(PUBLIC["m07_sample_negatives"], wrong)


def test_how_this_notebook_works_lists_every_forbidden_name(notebook):
    (text,) = [N.source_text(c) for c in notebook["cells"] if N.source_text(c).startswith("## How this notebook works")]
    for names in P.POLICY[MODULE].values():
        for name in names:
            short = name if not name.startswith("recsys_lib.") else name.rsplit(".", 1)[-1]
            assert f"`{short}`" in text, f"'How this notebook works' does not list {name}"
    assert "`autograder`" in text and "starting with `_`" in text

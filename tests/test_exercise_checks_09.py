"""The checks of module 09 (from_model_to_product), in-process and fast: no nbgrader, no shop.

Every mistake fixture (``autograder/fixtures/mistakes/09_from_model_to_product.json``) is applied to the
solution notebook's functions and run through the PUBLIC check (with small inputs that stand in for the
notebook's data: A/B counts, shelves, BPR-MF candidates, the coupon test, the LSTM's embedding table, the log
prices) and the HIDDEN tests of each test cell it must lose points in (all self-contained): both must fail,
and the public feedback must contain the fixture's words. The nbgrader fixture test
(``tests/test_module_grading.py``) proves the points; this one proves, in seconds, that the hidden tests
catch the same families of mistakes as the public ones, and pins down diagnoses of wrong answers that are
not fixtures (an unpooled z, 1.645 in the interval, a sample size divided by |mde|, lambda on the wrong
term, a truncated zero point, eps added to the shares ...).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import exercise_harness as H
from autograder import notebooks as N
from autograder import toolbox_policy as P
from autograder.checks import CheckFailure
from autograder.exercises import m09_from_model_to_product as M09

MODULE = "09_from_model_to_product"
FIXTURES = H.mistake_fixtures(MODULE)

# ---- small inputs standing in for the notebook's data
_rng = np.random.default_rng(0)
#: first.arms: control first, arms of different sizes (as a randomised split gives)
_ARMS = pd.DataFrame({"shoppers": [2950, 3050], "shoppers_clicked": [1180, 1290], "shoppers_purchased": [101, 128]},
                     index=["control", "treatment"])
#: a catalogue with ids 1..80, the popularity shelf (one top 10 for everybody) and random shelves with -1 slots
_CAT = pd.Series(_rng.choice(list("abcdef"), 80), index=np.arange(1, 81))
_POP = pd.Series(_rng.poisson(3, 80), index=_CAT.index)
_RANDOM = np.array([_rng.choice(_CAT.index, 10, replace=False) for _ in range(30)])
_RANDOM[::7, 6:] = -1
_RANDOM[3, 1:] = -1
_SHELVES = {"popularity": np.tile(_POP.sort_values(ascending=False).index[:10].to_numpy(), (30, 1)),
            "random": _RANDOM}
#: BPR-MF's candidates: 40 shoppers x 20 candidates, relevance scaled to [0, 1] and sorted, 5 categories
_CAND = np.array([_rng.choice(np.arange(1, 81), 20, replace=False) for _ in range(40)])
_REL = np.sort(_rng.random((40, 20)), axis=1)[:, ::-1].copy()
_CATS = _rng.integers(0, 5, (40, 20))
#: the coupon test: 800 shoppers, 3 features, a coupon effect that varies with the second feature
_Z = _rng.normal(size=(800, 3))
_TREATED = _rng.integers(0, 2, 800)
_BOUGHT = (_rng.random(800) < 1 / (1 + np.exp(1 - _Z[:, 0] - _TREATED * (0.5 + _Z[:, 1])))).astype(int)
#: the LSTM's embedding table (float32) and the log prices of week 0 and of the last week
_EMB = _rng.normal(0, 0.05, (60, 8)).astype(np.float32)
_WEEK0, _LAST = _rng.normal(3, 0.8, 600), _rng.normal(3.3, 0.9, 500)


def _recommend(user, k):
    """Like the notebook's: NumPy integers (json.dumps cannot write them)."""
    return (np.arange(k, dtype=np.int64) + user) % 1500 + 1


#: test cell -> its public check on small inputs standing in for the notebook's data
PUBLIC = {
    "m09_two_proportion_test": lambda ns: M09.check_two_proportion_test(
        ns["two_proportion_test"], _ARMS, ["shoppers_clicked", "shoppers_purchased"], "shoppers"),
    "m09_sample_size": lambda ns: M09.check_sample_size(ns["sample_size_per_arm"], 0.043, 0.01),
    "m09_beyond_accuracy": lambda ns: M09.check_beyond_accuracy(ns["beyond_accuracy"], _SHELVES, _CAT, _POP, 40),
    "m09_mmr": lambda ns: M09.check_mmr(ns["mmr_rerank"], _CAND, _REL, _CATS),
    "m09_two_model_uplift": lambda ns: M09.check_two_model_uplift(ns["two_model_uplift"], _Z, _TREATED, _BOUGHT),
    "m09_make_handler": lambda ns: M09.check_make_handler(ns["make_handler"], _recommend,
                                                          np.array([1, 18, 4243, 6000])),
    "m09_quantize_int8": lambda ns: M09.check_quantize_int8(ns["quantize_int8"], ns["dequantize_int8"], _EMB),
    "m09_psi": lambda ns: M09.check_psi(ns["psi"], _WEEK0, _LAST),
}


def test_the_solution_passes_every_public_and_hidden_check(solution, hidden, capsys):
    H.assert_solution_passes(PUBLIC, solution, hidden, capsys)


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f["id"] for f in FIXTURES])
def test_every_fixture_fails_the_public_and_the_hidden_tests(notebook, hidden, fixture):
    H.assert_fixture_fails(PUBLIC, notebook, hidden, fixture)


def test_fixture_diagnoses_name_a_mistake_in_the_first_line(notebook):
    """The first line of the feedback (what `recsys-course check` shows) names the likely mistake."""
    H.assert_first_lines_name_the_mistakes(PUBLIC, notebook, FIXTURES)


# ---------------------------------------------------------------- other realistic wrong answers
#: (exercise, text in the solution's answer cell, its wrong replacement, words the public feedback must contain):
#: each a one-line slip in the solution, diagnosed by the public check
WRONG = [
    # 1. z-test
    ("m09_two_proportion_test", "z = lift / se", "z = lift / np.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)",
     ["z statistic uses the UNPOOLED standard error"]),
    ("m09_two_proportion_test", "norm.ppf(1 - alpha / 2)", "norm.ppf(1 - alpha)", ["z_(1 - alpha) (1.645"]),
    ("m09_two_proportion_test", "norm.ppf(1 - alpha / 2)", "1.96", ["1.96 is z_0.975 rounded"]),
    ("m09_two_proportion_test", "2 * norm.sf(abs(z))", "2 * norm.sf(z)",
     ["a NEGATIVE lift", "2 (1 - Phi(z)) without the absolute value"]),
    ("m09_two_proportion_test", "2 * norm.sf(abs(z))", "2 * norm.cdf(z)", ["2 Phi(z) without the absolute value"]),
    ("m09_two_proportion_test", "z = lift / se if se > 0 else 0.0", "z = lift / se", ["z = 0 / 0 is NaN"]),
    ("m09_two_proportion_test", "pb / pa - 1 if pa > 0 else np.nan", "pb / pa - 1 if pa > 0 else 0.0",
     ["relative lift is 0 when p_A = 0"]),
    # 2. sample size
    ("m09_sample_size", "/ mde ** 2", "/ abs(mde)", ["divided by |mde| instead of mde squared"]),
    ("m09_sample_size", "+ norm.ppf(power) *", "+ 0 *", ["power term is missing"]),
    ("m09_sample_size", "return int(", "return 2 * int(", ["shoppers PER ARM"]),
    ("m09_sample_size", "math.sqrt(2 * pbar * (1 - pbar))", "math.sqrt(pa * (1 - pa) + pb * (1 - pb))",
     ["unpooled variance", "in both terms"]),
    ("m09_sample_size", "pbar = (pa + pb) / 2", "pbar = pa", ["p_bar is the baseline"]),
    ("m09_sample_size", "return int(math.ceil(num / mde ** 2 - 1e-9))", "return num / mde ** 2",
     ["should return an integer", "not rounded up"]),
    # 3. beyond accuracy
    ("m09_beyond_accuracy", "np.mean(1 - (same[ok] - m[ok])", "np.mean(0 + (same[ok] - m[ok])",
     ["share of pairs in the SAME category"]),
    ("m09_beyond_accuracy", "novelty = np.mean(-np.log2(", "novelty = np.mean(-np.log(", ["natural logarithm"]),
    ("m09_beyond_accuracy", "(counts[ppos[shown]] + 1) / (n_users + 1)", "counts[ppos[shown]] / n_users",
     ["without the +1 smoothing"]),
    ("m09_beyond_accuracy", "novelty = np.mean(-np.log2((counts[ppos[shown]] + 1) / (n_users + 1)))",
     "novelty = np.mean([np.mean(-np.log2((counts[p[p >= 0]] + 1) / (n_users + 1))) for p in ppos if (p >= 0).any()])",
     ["mean of each list's mean", "ALL shown slots"]),
    ("m09_beyond_accuracy", "order = np.lexsort((item_popularity.index.to_numpy(), -counts))",
     "order = np.argsort(-counts, kind='stable')", ["by POSITION in the Series"]),
    ("m09_beyond_accuracy", "coverage = np.unique(lists[shown]).size", "coverage = np.unique(lists).size",
     ["-1 was counted as an item in the coverage"]),
    ("m09_beyond_accuracy", '"head_share": head[ppos[shown]].mean()', '"head_share": head[ppos[shown]].sum() / lists.size',
     ["padding included"]),
    ("m09_beyond_accuracy", '"head_share": head[ppos[shown]].mean()',
     '"head_share": np.mean([head[p[p >= 0]].mean() for p in ppos if (p >= 0).any()])',
     ["mean of each list's share"]),
    # 4. MMR
    ("m09_mmr", "lam * relevance - (1 - lam) * max_sim", "(1 - lam) * relevance - lam * max_sim",
     ["lambda and 1 - lambda are swapped"]),
    ("m09_mmr", "lam * relevance - (1 - lam) * max_sim", "lam * relevance - max_sim", ["lost its factor (1 - lambda)"]),
    ("m09_mmr", "out[ok, t] = candidates[rows[ok], pick[ok]]", "out[ok, t] = pick[ok]", ["candidate POSITIONS"]),
    ("m09_mmr", "np.maximum(max_sim, same)", "same", ["LAST pick only"]),
    ("m09_mmr", "        available[rows[ok], pick[ok]] = False\n", "", ["picked twice"]),
    ("m09_mmr", "available = candidates != -1", "available = np.ones(candidates.shape, dtype=bool)",
     ["-1 candidates were picked"]),
    # 5. uplift
    ("m09_two_model_uplift", "model.predict_proba(X_new)[:, list(model.classes_).index(1)]",
     "model.predict(X_new).astype(float)", ["predicted labels (predict)"]),
    ("m09_two_model_uplift", "return proba[0] - proba[1]", "return proba[0]", ["treated model's purchase probability"]),
    ("m09_two_model_uplift", "list(model.classes_).index(1)", "0", ["column of class 0"]),
    ("m09_two_model_uplift", "return proba[0] - proba[1]", "return clone(estimator).fit(X, y).predict_proba(X_new)[:, 1]",
     ["fitted on everybody", "propensity"]),
    # 6. the HTTP handler
    ("m09_make_handler", 'if url.path != "/recommend":', 'if not url.path.startswith("/"):',
     ["/status (an unknown path) answered status 400, expected 404", "must be answered 404"]),
    ("m09_make_handler", "if not 1 <= k <= 100:", "if k > 100:", ["the handler accepted k = 0"]),
    ("m09_make_handler", 'user = int(query["user_id"][0])', 'user = int(float(query["user_id"][0]))',
     ["accepted a user_id that is a decimal number"]),
    ("m09_make_handler", 'query.get("k", ["10"])', 'query.get("k", ["5"])', ["the default 10 items"]),
    ("m09_make_handler", 'self.send_header("Content-Type", "application/json")',
     'self.send_header("Content-Type", "text/plain")', ["Content-Type header is 'text/plain'"]),
    ("m09_make_handler", "    return Handler\n", "    return lambda *args: Handler(*args)\n",
     ["should return a CLASS derived from http.server.BaseHTTPRequestHandler"]),
    ("m09_make_handler", "except (KeyError, ValueError):", "except KeyError:",
     ["user_id=abc", "got no answer", "raised inside do_GET", "answer 400 (Bad Request)"]),
    # 7. int8
    ("m09_quantize_int8", "zero_point = int(np.round(-128 - lo / scale))", "zero_point = int(-128 - lo / scale)",
     ["-33.65 rounds to -34", "zero point was truncated"]),
    ("m09_quantize_int8", "(hi - lo) / 255", "(hi - lo) / 256", ["divides the range by 256"]),
    ("m09_quantize_int8", "np.clip(np.round(E / scale) + zero_point, -128, 127).astype(np.int8)",
     "(np.round(E / scale) + zero_point).astype(np.int64).astype(np.int8)", ["wrapped around", "clip before converting"]),
    ("m09_quantize_int8", "zero_point = int(np.round(-128 - lo / scale))", "zero_point = int(np.round(-E.mean() / scale))",
     ["centres the table's MEAN"]),
    ("m09_quantize_int8", "np.round(E / scale) + zero_point", "np.round(E / scale - 128 - lo / scale)",
     ["UNROUNDED zero point"]),
    ("m09_quantize_int8", "return scale * (np.asarray(q, dtype=float) - zero_point)",
     "return (np.asarray(q, dtype=float) - zero_point) / scale", ["divided by the scale"]),
    ("m09_quantize_int8", "return scale * (np.asarray(q, dtype=float) - zero_point)", "return scale * (q - zero_point)",
     ["computed in int8 and wrapped around"]),
    # 8. PSI
    ("m09_psi", "e, a = np.maximum(e, eps), np.maximum(a, eps)", "e, a = e + eps, a + eps", ["eps was ADDED"]),
    ("m09_psi", 'side="right"', 'side="left"', ["first interior edge is exactly 2", "side='left'"]),
    ("m09_psi", "edges = np.quantile(reference,", "edges = np.quantile(np.concatenate([reference, current]),",
     ["both samples pooled"]),
    ("m09_psi", "edges = np.quantile(reference, np.arange(1, n_bins) / n_bins)",
     "edges = np.linspace(min(reference.min(), current.min()), max(reference.max(), current.max()), n_bins + 1)[1:-1]",
     ["equal-width bins"]),
    ("m09_psi", "np.log(a / e)", "np.log10(a / e)", ["log10"]),
    ("m09_psi", "np.arange(1, n_bins) / n_bins", "np.arange(1, 10) / 10", ["n_bins is ignored"]),
    ("m09_psi", "np.maximum(e, eps), np.maximum(a, eps)", "np.maximum(e, 1e-4), np.maximum(a, 1e-4)",
     ["eps=1e-3", "eps is ignored"]),
    ("m09_psi", "minlength=n_bins) / current.size", "minlength=n_bins) / reference.size", ["REFERENCE's size"]),
    ("m09_psi", "(a - e) * np.log", "a * np.log", ["Kullback-Leibler"]),
]


@pytest.mark.parametrize("gid, old, new, words", WRONG, ids=[f"{w[0][4:]}:{w[2][:40]}" for w in WRONG])
def test_realistic_wrong_answers_are_diagnosed(notebook, gid, old, new, words):
    (source,) = [N.source_text(c) for c in notebook["cells"] if N.grade_id(c) == f"{gid}_code"]
    assert old in source, old
    namespace = H.run_graded_cells(notebook, {f"{gid}_code": source.replace(old, new)})
    first = H.fails(PUBLIC[gid], namespace, words=words).splitlines()[0]
    # a rule the check states outright (the header, a class) has no likely mistake to name; every other one names it
    assert "Likely mistake" in first or words[0].startswith(("Content-Type", "should return a CLASS")), first


def test_a_wrong_scale_that_is_no_known_mistake_says_how_many_steps_it_spans(notebook):
    (source,) = [N.source_text(c) for c in notebook["cells"] if N.grade_id(c) == "m09_quantize_int8_code"]
    namespace = H.run_graded_cells(notebook, {"m09_quantize_int8_code": source.replace("(hi - lo) / 255", "(hi - lo) / 254")})
    msg = H.fails(PUBLIC["m09_quantize_int8"], namespace, words=["the scale is wrong", "spans 254 steps", "exactly 255"])
    assert "Likely mistake" not in msg                       # no known mistake is claimed


def test_a_handler_writing_numpy_ints_fails_the_hidden_tests_too(notebook, hidden):
    """The hidden model returns a list of Python ints; the check serves it as NumPy ints, as the notebook's does."""
    (fixture,) = [f for f in FIXTURES if f["id"] == "handler_numpy_ints"]
    namespace = H.run_graded_cells(notebook, fixture["replace"])
    with pytest.raises(CheckFailure, match="NumPy integers"):
        H.run_hidden(hidden["m09_make_handler"], namespace)


def test_a_negative_lift_gives_the_p_value_of_the_positive_lift(solution):
    """The public rule case that catches 2 (1 - Phi(z)) without |z| (every lift of the other cases is positive)."""
    flipped = [solution["two_proportion_test"](171, 1100, 130, 1000), solution["two_proportion_test"](130, 1000, 171, 1100)]
    assert flipped[0]["lift"] < 0 < flipped[1]["lift"]
    assert flipped[0]["p_value"] == pytest.approx(flipped[1]["p_value"], rel=1e-12)
    assert flipped[0]["p_value"] == pytest.approx(2 * norm.sf(abs(flipped[0]["z"])), rel=1e-12)


def test_sample_size_formula_matches_the_text(solution):
    """The solution's n against the text's formula written out with scipy (not the toolbox)."""
    pa, pb = 0.2, 0.21
    pbar = (pa + pb) / 2
    n = (norm.ppf(0.975) * math.sqrt(2 * pbar * (1 - pbar)) + norm.ppf(0.8) * math.sqrt(pa * (1 - pa) + pb * (1 - pb))) ** 2
    assert solution["sample_size_per_arm"](0.2, 0.01) == math.ceil(n / 0.01 ** 2 - 1e-9) == 25583


def test_checks_give_the_same_feedback_twice(notebook):
    for fid, gid in (("psi_bins_from_current", "m09_psi"), ("handler_ignores_k", "m09_make_handler"),
                     ("uplift_one_model_s_learner", "m09_two_model_uplift")):
        wrong = H.run_graded_cells(notebook, next(f for f in FIXTURES if f["id"] == fid)["replace"])
        assert H.fails(PUBLIC[gid], wrong) == H.fails(PUBLIC[gid], wrong)


def test_how_this_notebook_works_lists_every_forbidden_name(notebook):
    (text,) = [N.source_text(c) for c in notebook["cells"] if N.source_text(c).startswith("## How this notebook works")]
    for names in P.POLICY[MODULE].values():
        for name in names:
            short = name if not name.startswith("recsys_lib.") else name.rsplit(".", 1)[-1]
            assert re.search(rf"`({re.escape(name.rsplit('.', 1)[0])}\.)?{short}`", text), \
                f"'How this notebook works' does not list {name}"
    assert "`autograder`" in text and "starting with `_`" in text

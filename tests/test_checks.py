"""Unit tests of autograder.checks (in-process, fast)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from autograder import checks
from autograder.checks import CheckFailure, Mistake


def test_check_close_passes_within_tolerance_and_nan_equals_nan():
    checks.check_close([1.0, np.nan, 3.0], [1.0 + 1e-12, np.nan, 3.0])


def test_check_close_reports_expected_got_and_index():
    with pytest.raises(CheckFailure) as info:
        checks.check_close(np.array([1.0, 2.0, 5.0]), np.array([1.0, 2.0, 4.0]), "w")
    msg = str(info.value)
    assert "w is wrong in 1 of 3 entries" in msg and "expected 4, got 5" in msg


def test_check_close_checks_shape_first():
    with pytest.raises(CheckFailure, match=r"shape \(2,\), expected \(3,\)"):
        checks.check_close([1.0, 2.0], [1.0, 2.0, 3.0], "v")


def test_known_mistake_is_named_on_the_first_line():
    with pytest.raises(CheckFailure) as info:
        checks.check_close(6.0, 9.0, "square(3)", mistakes=[Mistake("doubled instead of squared", 6.0)])
    assert str(info.value).splitlines()[0].endswith("Likely mistake: doubled instead of squared.")


def test_check_series_index_order_and_labels():
    expected = pd.Series([1, 2], index=["a", "b"])
    with pytest.raises(CheckFailure, match="right index labels in the wrong order"):
        checks.check_series(pd.Series([2, 1], index=["b", "a"]), expected, "s")
    with pytest.raises(CheckFailure, match="Missing: \\['b'\\]"):
        checks.check_series(pd.Series([1, 2], index=["a", "c"]), expected, "s")
    checks.check_series(pd.Series([1, 2], index=["a", "b"]), expected, "s", dtype="iu")
    with pytest.raises(CheckFailure, match="dtype"):
        checks.check_series(pd.Series([1.0, 2.0], index=["a", "b"]), expected, "s", dtype="iu")


def test_check_frame_columns_and_values():
    expected = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0]})
    checks.check_frame(expected.copy(), expected)
    with pytest.raises(CheckFailure, match="wrong column labels"):
        checks.check_frame(expected.rename(columns={"y": "z"}), expected)
    with pytest.raises(CheckFailure, match=r"result\['y'\] is wrong"):
        checks.check_frame(expected.assign(y=[3.0, 5.0]), expected)


def test_call_turns_not_implemented_and_errors_into_clear_failures():
    def todo(x):
        raise NotImplementedError()

    def broken(x):
        return x["missing"]

    with pytest.raises(CheckFailure, match="todo is not implemented yet"):
        checks.call(todo, 1)
    with pytest.raises(CheckFailure, match="^todo is not implemented yet"):   # a case label names the case,
        checks.call(todo, 1, name="todo on a hidden case")                    # not the missing function
    with pytest.raises(CheckFailure, match="broken raised TypeError"):
        checks.call(broken, 1)


def _learner_function_from_a_notebook_cell():
    """A function defined the way a notebook cell defines it: compiled from a cell file that
    linecache knows (ipykernel registers each cell as /tmp/ipykernel_<pid>/<hash>.py)."""
    import linecache

    cell = ("# GRADED FUNCTION: recommend_user_based\n"
            "def recommend_user_based(X, W):\n"
            "    scores = np.asarray(sp.csr_matrix(W) @ X)\n"
            "    scores[~(scores > 0)] = -np.inf\n"
            "    return scores\n")
    filename = "/tmp/ipykernel_4242/3141592653.py"
    linecache.cache[filename] = (len(cell), None, cell.splitlines(True), filename)
    namespace = {"np": np, "sp": __import__("scipy.sparse", fromlist=["csr_matrix"])}
    exec(compile(cell, filename, "exec"), namespace)
    return namespace["recommend_user_based"]


def test_call_shows_the_exception_and_the_learners_own_traceback_lines():
    """Issue 16, point 3: sparse @ sparse is sparse, np.asarray of it is a 0-d object array, and
    the learner's next line raises inside SciPy. The failure names the exception and the
    learner's line in their cell, never the grader's internals."""
    import scipy.sparse as sp

    fn = _learner_function_from_a_notebook_cell()
    X = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]]))
    with pytest.raises(CheckFailure) as info:
        checks.call(fn, X, np.eye(2))
    msg = str(info.value)
    first, *rest = msg.splitlines()
    assert first.startswith("recommend_user_based raised ValueError: The truth value")
    assert "  line 4 in recommend_user_based: scores[~(scores > 0)] = -np.inf" in rest
    assert "(raised inside scipy.sparse, called from the last line above)" in rest
    assert "autograder" not in msg and "checks.py" not in msg and "_compare" not in msg
    assert isinstance(info.value.__cause__, ValueError)


def test_call_traceback_keeps_only_the_last_learner_frames_and_skips_the_grader():
    def helper(x):
        return x["missing"]        # the learner's innermost line

    def outer(x):
        return helper(x) + 1

    with pytest.raises(CheckFailure) as info:
        checks.call(outer, {"present": 1}, name="outer on a small dict")
    lines = str(info.value).splitlines()
    assert lines[0] == "outer on a small dict raised KeyError: 'missing'"
    assert lines[1] == "In your code (most recent call last):"
    assert lines[2].endswith("in outer: return helper(x) + 1")
    assert lines[3].endswith("in helper: return x[\"missing\"]        # the learner's innermost line")
    assert len(lines) == 4                       # raised in the learner's own line: no library note
    from autograder import _tracebacks
    assert not _tracebacks.is_learner_file(checks.__file__)
    assert not _tracebacks.is_learner_file(np.__file__)
    assert _tracebacks.is_learner_file(__file__) and _tracebacks.is_learner_file("<ipython-input-3-abc>")


def test_call_silences_warnings_of_student_code(capfd):
    def warns(x):
        return np.float64(1.0) / np.float64(0.0)

    assert checks.call(warns, 1) == np.inf
    assert capfd.readouterr().err == ""


def test_numerical_gradient_and_check_gradient_recognise_mistakes():
    rng = np.random.default_rng(0)
    X, y, w = rng.normal(size=(6, 3)), rng.normal(size=6), rng.normal(size=3)
    loss = lambda v: float(np.mean((X @ v - y) ** 2))  # noqa: E731
    right = lambda v: 2.0 / len(y) * X.T @ (X @ v - y)  # noqa: E731
    np.testing.assert_allclose(checks.numerical_gradient(loss, w), right(w), rtol=1e-6)
    checks.check_gradient(loss, right, w, m=6)
    cases = {"wrong sign": lambda v: -right(v), "a factor 2 too many": lambda v: 2 * right(v),
             "missing the 1/m average": lambda v: 6 * right(v), "a factor 2 missing": lambda v: right(v) / 2}
    for words, wrong in cases.items():
        with pytest.raises(CheckFailure, match=words):
            checks.check_gradient(loss, wrong, w, m=6)
    # a module's own known mistake wins over the generic diagnosis
    with pytest.raises(CheckFailure, match="Likely mistake: used X instead of X transposed"):
        checks.check_gradient(loss, lambda v: 3 * right(v), w, m=6,
                              mistakes=[checks.Mistake("used X instead of X transposed", 3 * right(w))])


def test_failures_name_a_difference_that_numpys_summary_hides():
    """Issue 16, point 4: the index and the two values come first, even where NumPy's and
    pandas' summaries print "..." (a difference in the middle of a long array)."""
    expected = np.zeros(1000)
    got = expected.copy()
    got[500] = 0.25
    assert "..." in checks._short(got)
    with pytest.raises(CheckFailure) as info:
        checks.check_close(got, expected, "scores", mistakes=[Mistake("a known slip", got)])
    assert str(info.value).splitlines()[0] == ("scores is wrong in 1 of 1000 entries; first at index (500,): "
                                              "expected 0, got 0.25. Likely mistake: a known slip.")
    labels = [f"u{i}" for i in range(1000)]
    for mistakes in ((), [Mistake("a known slip", pd.Series(got, index=labels))]):
        with pytest.raises(CheckFailure) as info:
            checks.check_series(pd.Series(got, index=labels), pd.Series(expected, index=labels), "per_user",
                                mistakes=mistakes)
        first = str(info.value).splitlines()[0]
        assert "index 'u500' (position 500" in first and "expected 0, got 0.25" in first, first
    frame = pd.DataFrame({"a": expected, "b": expected}, index=labels)
    with pytest.raises(CheckFailure) as info:
        checks.check_frame(frame.assign(b=got), frame, "table", mistakes=[Mistake("a known slip", frame.assign(b=got))])
    assert "column 'b' at index 'u500'" in str(info.value).splitlines()[0]
    with pytest.raises(CheckFailure, match=r"table\['b'\] is wrong in 1 of 1000 entries; first at index 'u500'"):
        checks.check_frame(frame.assign(b=got), frame, "table")
    with pytest.raises(CheckFailure) as info:
        checks.check_equal(list(range(1000)), [*range(500), -1, *range(501, 1000)], "ids")
    assert str(info.value).splitlines()[0] == ("ids is wrong; first difference at index 500 (1 of 1000 entries "
                                              "differ): expected -1, got 500.")
    with pytest.raises(CheckFailure) as info:
        checks.check_gradient(lambda v: float(np.sum(v ** 2)), lambda v: 2 * v + (np.arange(v.size) == 700),
                              np.linspace(-1, 1, 1000))
    assert "largest difference at index (700,)" in str(info.value).splitlines()[0]


def test_first_difference_sentences():
    fd = checks.first_difference
    assert fd([1, 2, 3], [1, 2, 3]) == "" and fd([1, 2], [1, 2, 3]) == ""
    assert fd(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 5.0]])) == \
        "first difference at index (1, 1) (1 of 4 entries differ): expected 5, got 4"
    assert fd(["a", "b", "c"], ["a", "x", "c"]) == "first difference at index 1 (1 of 3 entries differ): " \
                                                   "expected 'x', got 'b'"
    assert fd([[1, 2], [3]], [[1, 2], [4]]) == "first difference at index 1: expected [4], got [3]"
    assert fd(pd.Series([1.0, np.nan], index=["a", "b"]), pd.Series([1.0, np.nan], index=["a", "b"])) == ""


def test_frozen_exposes_every_helper_the_exercise_modules_use():
    """FROZEN collects the functions of autograder.checks and of the internals it was split into
    (autograder._compare, autograder._tracebacks): every ``_c.name`` an exercise module uses,
    private helpers included, must be there and be the checks module's own object."""
    import re
    from pathlib import Path

    used = set()
    for path in Path(checks.__file__).parent.joinpath("exercises").glob("m*.py"):
        used |= set(re.findall(r"\b_c\.([A-Za-z_]\w*)", path.read_text(encoding="utf-8")))
    assert {"call", "check_close", "_short"} <= used
    for name in sorted(used):
        assert getattr(checks.FROZEN, name) is getattr(checks, name), name
    for name in ("first_difference", "_all_close", "_check_index", "_frames_close", "Mistake", "CheckFailure"):
        assert getattr(checks.FROZEN, name) is getattr(checks, name)
    assert checks.CheckFailure.__module__ == "autograder.checks"


def test_relative_error_limits():
    assert checks.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert checks.relative_error([1.0], [-1.0]) == pytest.approx(1.0)


def test_frozen_view_exposes_every_public_check():
    """Exercise modules bind checks.FROZEN: every public function of the module must be there."""
    public = [n for n in dir(checks) if not n.startswith("_") and callable(getattr(checks, n))
              and getattr(getattr(checks, n), "__module__", "").startswith(("autograder", "recsys_lib.gradcheck"))]
    assert {"numerical_gradient", "relative_error", "check_gradient", "fail", "unchanged", "quietly"} <= set(public)
    for name in public:
        assert getattr(checks.FROZEN, name) is getattr(checks, name), name


def test_one_gradient_checker_for_grader_and_toolbox():
    """autograder.checks uses recsys_lib.gradcheck's formula and argument order."""
    from recsys_lib import gradcheck

    for a, b in (([1.0, 0.0], [0.0, 1.0]), ([1.0, 2.0], [1.5, 2.0]), ([3.0], [-1.0]), ([0.0], [0.0])):
        assert checks.relative_error(a, b) == gradcheck.relative_error(np.array(a), np.array(b))
    assert checks.relative_error([1.0, 0.0], [0.0, 1.0]) == 1.0
    f = lambda v: float(np.sum(v ** 3))  # noqa: E731
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_array_equal(checks.numerical_gradient(f, x), gradcheck.numerical_gradient(f, x))
    checks.check_gradient(f, lambda v: 3 * v ** 2, x)
    assert gradcheck.check_gradient(f, lambda v: 3 * v ** 2, x).passed


def test_rebinding_numpy_and_check_names_does_not_make_checks_pass(monkeypatch):
    """The attack from the grading notes: a student rebinds np.testing.assert_allclose (and more)
    in an answer cell. The checks captured their NumPy functions at import and must still fail."""
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *a, **k: None)
    monkeypatch.setattr(np.testing, "assert_array_equal", lambda *a, **k: None)
    monkeypatch.setattr(np, "allclose", lambda *a, **k: True)
    monkeypatch.setattr(np, "isclose", lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool))
    monkeypatch.setattr(np, "abs", lambda x: np.zeros_like(x))
    monkeypatch.setattr(np, "absolute", lambda x: np.zeros_like(x))
    monkeypatch.setattr(pd.testing, "assert_series_equal", lambda *a, **k: None)
    with pytest.raises(CheckFailure):
        checks.check_close([1.0, 2.0], [1.0, 3.0])
    with pytest.raises(CheckFailure):
        checks.check_series(pd.Series([1.0, 2.0]), pd.Series([1.0, 3.0]))
    with pytest.raises(CheckFailure):
        checks.check_gradient(lambda v: float(np.sum(v * v)), lambda v: -2 * v, np.array([1.0, 2.0]))


def test_checks_module_does_not_use_np_testing():
    import ast
    import inspect

    from autograder import _compare, _tracebacks

    for module in (checks, _compare, _tracebacks):
        tree = ast.parse(inspect.getsource(module))
        attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        assert "testing" not in attributes, module.__name__
        bare = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler) and node.type is None]
        assert bare == [], module.__name__


def test_passed_prints_the_success_line(capsys):
    checks.passed()
    assert capsys.readouterr().out == "All public tests passed\n"


def test_exercise_checks_ignore_rebinding_the_checks_module(monkeypatch):
    """An answer cell that replaces ``autograder.checks.check_series`` must not neuter the checks:
    exercise modules call a read-only snapshot taken at import (before student code runs)."""
    import importlib
    import pkgutil

    import autograder.checks as checks
    import autograder.exercises as exercises

    import ast
    import inspect

    modules = [importlib.import_module(f"autograder.exercises.{m.name}")
               for m in pkgutil.iter_modules(exercises.__path__) if m.name.startswith("m")]
    assert modules
    for module in modules:
        # a module that uses the checks binds the snapshot; a helper file (e.g. mNN_name_data.py with
        # data only) may not use them at all, but never imports check functions one by one
        tree = ast.parse(inspect.getsource(module))
        from_checks = [alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                       and node.module == "autograder.checks" for alias in node.names]
        assert set(from_checks) <= {"FROZEN"}, f"{module.__name__} imports {from_checks} from autograder.checks"
        if from_checks or "autograder.checks" in inspect.getsource(module):
            assert module._c is checks.FROZEN, f"{module.__name__} must bind _c = autograder.checks.FROZEN"
    original = checks.check_series
    monkeypatch.setattr(checks, "check_series", lambda *a, **k: None)
    assert checks.FROZEN.check_series is original
    with pytest.raises(AttributeError, match="read-only"):
        checks.FROZEN.check_series = None


def test_check_frame_names_no_mistake_when_the_answer_is_right():
    """A known mistake whose value coincides with the right answer on this input is not reported."""
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    checks.check_frame(frame.copy(), frame, mistakes=[checks.Mistake("summed twice", frame.copy())])
    with pytest.raises(CheckFailure, match="Likely mistake: summed twice"):
        wrong = frame.assign(a=[2.0, 4.0])
        checks.check_frame(wrong, frame, mistakes=[checks.Mistake("summed twice", wrong.copy())])


def test_near_misses_print_enough_digits_to_differ():
    with pytest.raises(CheckFailure, match=r"expected -1\.9, got -1\.90000001"):
        checks.check_close(-1.90000001, -1.9, rtol=1e-12, atol=0)
    with pytest.raises(CheckFailure, match=r"expected 0\.5, got 0\.500000001"):
        checks.check_close([0.1, 0.500000001], [0.1, 0.5], rtol=1e-12, atol=0)

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
    with pytest.raises(CheckFailure, match="broken raised TypeError"):
        checks.call(broken, 1)


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

    tree = ast.parse(inspect.getsource(checks))
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert "testing" not in attributes
    bare = [node for node in ast.walk(tree) if isinstance(node, ast.ExceptHandler) and node.type is None]
    assert bare == []


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

    modules = [importlib.import_module(f"autograder.exercises.{m.name}")
               for m in pkgutil.iter_modules(exercises.__path__) if m.name.startswith("m")]
    assert modules
    for module in modules:
        assert module._c is checks.FROZEN, f"{module.__name__} must bind _c = autograder.checks.FROZEN"
    original = checks.check_series
    monkeypatch.setattr(checks, "check_series", lambda *a, **k: None)
    assert checks.FROZEN.check_series is original
    with pytest.raises(AttributeError, match="read-only"):
        checks.FROZEN.check_series = None

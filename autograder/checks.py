"""Check functions that notebook test cells call.

Every check raises ``CheckFailure`` (an ``AssertionError``) whose message starts with a one-line
summary, then shows expected vs got (with shapes) and, where the wrong value matches a known
mistake, names the likely mistake. ``passed()`` prints "All public tests passed".

Tamper resistance: the setup cell of each notebook imports this module before any student code
runs, and everything the checks rely on (NumPy/pandas functions and classes, a few builtins) is
bound here at import time. Rebinding ``np.testing.assert_allclose``, ``np.allclose``,
``np.isclose`` or a check's name in the notebook afterwards does not change what the checks do.
This module never uses ``np.testing``.

API (see each docstring)::

    Mistake(description, value)               a known wrong answer
    call(fn, *args, name=None, **kwargs)      call student code; NotImplementedError -> clear failure
    check_type(got, types, name)
    check_shape(got, shape, name)
    check_dtype(got, kinds, name)              kinds: "f", "i", "iu", "b", "M" (datetime), "O", ...
    check_equal(got, expected, name, mistakes=())
    check_close(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=())
    check_series(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=(), check_index=True, dtype=None)
    check_frame(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=(), check_index=True)
    numerical_gradient(f, x, eps=1e-6)         recsys_lib.gradcheck's (centred differences, float64)
    relative_error(a, b)                       recsys_lib.gradcheck's: max|a-b| / max(|a|+|b|)
    check_gradient(f, grad, x, name, threshold=1e-6, eps=1e-6, m=None, mistakes=())
    fail(summary, *details, mistake=None)      raise a CheckFailure in the house format
    unchanged(before, after, fn_name, what)    fail if a function modified its input in place
    quietly(check)                             decorator: run a check with warnings silenced
    passed(message="All public tests passed")
"""
from __future__ import annotations

import builtins as _builtins
import warnings as _warnings
from types import MappingProxyType as _MappingProxyType
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as _np
import pandas as _pd

# ---- everything the checks use, bound once at import time ---------------------------------
_asarray = _np.asarray
_array = _np.array
_float64 = _np.float64
_ndarray = _np.ndarray
_generic = _np.generic
_abs = _np.absolute
_subtract = _np.subtract
_add = _np.add
_multiply = _np.multiply
_divide = _np.true_divide
_maximum = _np.maximum
_isnan = _np.isnan
_isfinite = _np.isfinite
_logical_and = _np.logical_and
_logical_or = _np.logical_or
_logical_not = _np.logical_not
_equal = _np.equal
_argmax = _np.argmax
_unravel_index = _np.unravel_index
_zeros_like = _np.zeros_like
_issubdtype = _np.issubdtype
_number = _np.number
_bool_ = _np.bool_
_dtype = _np.dtype
_Series = _pd.Series
_DataFrame = _pd.DataFrame
_Index = _pd.Index
_series_to_numpy = _pd.Series.to_numpy
_index_tolist = _pd.Index.tolist
_isinstance = _builtins.isinstance
_len = _builtins.len
_print = _builtins.print
_repr = _builtins.repr
_float = _builtins.float
_int = _builtins.int
_bool = _builtins.bool
_tuple = _builtins.tuple
_list = _builtins.list
_zip = _builtins.zip
_range = _builtins.range
_str = _builtins.str
_type = _builtins.type
_Exception = _builtins.Exception
_NotImplementedError = _builtins.NotImplementedError
_all_reduce = _np.logical_and.reduce
_any_reduce = _np.logical_or.reduce
_max_reduce = _np.maximum.reduce
_catch_warnings = _warnings.catch_warnings
_simplefilter = _warnings.simplefilter
_errstate = _np.errstate

PASSED_MESSAGE = "All public tests passed"


class CheckFailure(AssertionError):
    """A check failed. ``str(exc)``'s first line is the summary shown in result tables."""


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: when the student's value equals ``value`` (within the check's
    tolerance), the failure says "Likely mistake: <description>"."""

    description: str
    value: Any


def _fail(summary: str, *details: str, mistake: str | None = None) -> None:
    lines = [f"{summary} Likely mistake: {mistake}." if mistake else summary]
    lines.extend(d for d in details if d)
    raise CheckFailure("\n".join(lines))


def fail(summary: str, *details: str, mistake: str | None = None) -> None:
    """Raise a ``CheckFailure``: the one-line ``summary`` (plus "Likely mistake: ..." when a known
    mistake is recognised), then the ``details`` lines (expected vs got, hints)."""
    _fail(summary, *details, mistake=mistake)


def unchanged(before: Any, after: Any, fn_name: str, what: str | None = None) -> None:
    """Fail if a learner's function modified its input in place: ``before`` is a copy taken
    before the call, ``after`` the object passed in (array, Series or DataFrame)."""
    if _isinstance(before, (_DataFrame, _Series)):
        same = _isinstance(after, _type(before)) and before.equals(after)
        kind = "table" if _isinstance(before, _DataFrame) else "Series"
    else:
        b, a = _asarray(before), _asarray(after)
        same = b.shape == a.shape and _bool(_np.array_equal(b, a, equal_nan=b.dtype.kind in "fc"))
        kind = "array"
    if not same:
        _fail(f"{fn_name} modified its input {what or kind} in place; work on a copy or build new "
              f"objects (e.g. X - mean, not X -= mean; no out= on an argument).")


def _short(value: Any, limit: int = 300) -> str:
    if _isinstance(value, _DataFrame):
        text = value.to_string(max_rows=12, max_cols=10)
    elif _isinstance(value, _Series):
        text = value.to_string(max_rows=12)
    elif _isinstance(value, _ndarray):
        text = _np.array2string(value, threshold=20, precision=6)
    else:
        text = _repr(value)
    if _len(text) > limit:
        text = text[:limit] + " ..."
    return text


def passed(message: str = PASSED_MESSAGE) -> None:
    """Print the success line of a test cell's public checks."""
    _print(message)


def call(fn: Callable, *args, name: str | None = None, **kwargs):
    """Call a student's function. If it is not implemented yet, or raises, fail with a message
    that says so (the original exception is chained)."""
    label = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        _fail(f"{label} is not a function (got {_type(fn).__name__}).")
    try:
        # Warnings printed during a test cell count as stderr output, which nbgrader scores as a
        # failure; a correct answer must not lose points for a harmless RuntimeWarning.
        with _catch_warnings():
            _simplefilter("ignore")
            return fn(*args, **kwargs)
    except _NotImplementedError as exc:
        raise CheckFailure(f"{label} is not implemented yet (it raises NotImplementedError).") from exc
    except CheckFailure:
        raise
    except _Exception as exc:
        raise CheckFailure(
            f"{label} raised {_type(exc).__name__}: {_str(exc).splitlines()[0] if _str(exc) else ''}"
        ) from exc


def check_type(got: Any, types, name: str = "value") -> None:
    """``got`` must be an instance of ``types`` (a type or a tuple of types)."""
    if not _isinstance(got, types):
        names = (" or ".join(t.__name__ for t in types) if _isinstance(types, _tuple)
                 else types.__name__)
        _fail(f"{name} should be a {names}, got {_type(got).__name__}.")


def _shape(value) -> tuple:
    if _isinstance(value, (_Series, _DataFrame, _ndarray, _generic)):
        return _tuple(value.shape)
    if _isinstance(value, (_int, _float, _bool)):
        return ()
    return _tuple(_asarray(value).shape)


def check_shape(got: Any, shape: Sequence[int], name: str = "value") -> None:
    """``got`` must have exactly ``shape``."""
    got_shape = _shape(got)
    if got_shape != _tuple(shape):
        _fail(f"{name} has shape {got_shape}, expected {_tuple(shape)}.")


def check_dtype(got: Any, kinds: str, name: str = "value") -> None:
    """The dtype kind of ``got`` (array, Series, or each DataFrame column) must be one of the
    characters in ``kinds`` (NumPy kind codes: f float, i/u integer, b bool, M datetime, O object,
    or "T" for pandas string/text)."""
    if _isinstance(got, _DataFrame):
        for col in got.columns:
            check_dtype(got[col], kinds, f"{name}[{col!r}]")
        return
    dtype = got.dtype if hasattr(got, "dtype") else _asarray(got).dtype
    kind = getattr(dtype, "kind", "O")
    if _isinstance(dtype, _pd.StringDtype) or _str(dtype) in ("str", "string"):
        kind = "T"
    elif _isinstance(dtype, (_pd.Int64Dtype, _pd.Int32Dtype)):
        kind = "i"
    if kind not in kinds:
        _fail(f"{name} has dtype {dtype}, expected one of kinds {kinds!r} "
              f"({', '.join(_KIND_NAMES.get(k, k) for k in kinds)}).")


_KIND_NAMES = {"f": "float", "i": "signed integer", "u": "unsigned integer", "b": "bool",
               "M": "datetime", "O": "object", "T": "string", "m": "timedelta"}


def _to_float_array(value) -> _ndarray:
    if _isinstance(value, _Series):
        value = _series_to_numpy(value, dtype=_float64, na_value=_np.nan)
    return _array(value, dtype=_float64)


def _close_mask(got: _ndarray, expected: _ndarray, rtol: float, atol: float) -> _ndarray:
    diff = _abs(_subtract(got, expected))
    tol = _add(atol, _multiply(rtol, _abs(expected)))
    ok = diff <= tol
    both_nan = _logical_and(_isnan(got), _isnan(expected))
    same_inf = _logical_and(_logical_not(_isfinite(expected)), _equal(got, expected))
    return _logical_or(ok, _logical_or(both_nan, same_inf))


def _all_close(got, expected, rtol: float, atol: float) -> bool:
    try:
        g = _to_float_array(got)
        e = _to_float_array(expected)
    except (TypeError, ValueError):
        return False
    if g.shape != e.shape:
        return False
    if g.size == 0:
        return True
    return _bool(_all_reduce(_close_mask(g, e, rtol, atol), axis=None))


def _match_mistake(got, mistakes: Iterable[Mistake], same: Callable[[Any, Any], bool]) -> str | None:
    for m in mistakes:
        try:
            if same(got, m.value):
                return m.description
        except (TypeError, ValueError):
            continue
    return None


def check_equal(got: Any, expected: Any, name: str = "value", mistakes: Iterable[Mistake] = ()) -> None:
    """Exact equality (ints, strings, tuples, lists)."""
    if got == expected:
        return
    mistake = _match_mistake(got, mistakes, lambda a, b: a == b)
    _fail(f"{name} is wrong: expected {_short(expected)}, got {_short(got)}.", mistake=mistake)


def check_close(got: Any, expected: Any, name: str = "value", rtol: float = 1e-6,
                atol: float = 1e-9, mistakes: Iterable[Mistake] = ()) -> None:
    """Numbers or arrays equal within ``|got - expected| <= atol + rtol * |expected|`` elementwise
    (NaN equals NaN). Checks the shape first."""
    try:
        g = _to_float_array(got)
    except (TypeError, ValueError):
        _fail(f"{name} should be numeric, got {_type(got).__name__}: {_short(got)}")
    e = _to_float_array(expected)
    if g.shape != e.shape:
        _fail(f"{name} has shape {g.shape}, expected {e.shape}.",
              f"Expected: {_short(expected)}", f"Got:      {_short(got)}")
    if g.size == 0:
        return
    ok = _close_mask(g, e, rtol, atol)
    if _bool(_all_reduce(ok, axis=None)):
        return
    mistake = _match_mistake(got, mistakes, lambda a, b: _all_close(a, b, rtol, atol))
    if g.ndim == 0:
        _fail(f"{name} is wrong: expected {_float(e):.6g}, got {_float(g):.6g}.", mistake=mistake)
    bad = _logical_not(ok)
    n_bad = _int(bad.sum())
    first = _unravel_index(_argmax(bad), bad.shape)
    first = _tuple(_int(i) for i in first)
    _fail(f"{name} is wrong in {n_bad} of {g.size} entries; first at index {first}: "
          f"expected {_float(e[first]):.6g}, got {_float(g[first]):.6g}.",
          f"Expected: {_short(expected)}", f"Got:      {_short(got)}", mistake=mistake)


def _check_index(got_index, expected_index, name: str, what: str) -> None:
    got_labels = _index_tolist(got_index)
    exp_labels = _index_tolist(expected_index)
    if got_labels == exp_labels:
        return
    missing = [x for x in exp_labels if x not in got_labels]
    extra = [x for x in got_labels if x not in exp_labels]
    if not missing and not extra:
        _fail(f"{name} has the right {what} labels in the wrong order.",
              f"Expected order: {_short(exp_labels)}", f"Got order:      {_short(got_labels)}")
    _fail(f"{name} has the wrong {what} labels.",
          f"Missing: {_short(missing)}" if missing else "",
          f"Unexpected: {_short(extra)}" if extra else "",
          f"Expected: {_short(exp_labels)}")


def _series_like(a, b, rtol: float, atol: float, check_index: bool) -> bool:
    if _len(a) != _len(b):
        return False
    if check_index and _isinstance(b, _Series) and _index_tolist(a.index) != _index_tolist(b.index):
        return False
    return _all_close(a, b, rtol, atol)


def check_series(got: Any, expected: _Series, name: str = "result", rtol: float = 1e-6,
                 atol: float = 1e-9, mistakes: Iterable[Mistake] = (), check_index: bool = True,
                 dtype: str | None = None) -> None:
    """A pandas Series: type, length, index labels and order, optional dtype kinds, then values
    within tolerance. ``mistakes`` hold Series (compared by index and values) or arrays."""
    check_type(got, _Series, name)
    if not _series_like(got, expected, rtol, atol, check_index):
        mistake = _match_mistake(got, mistakes, lambda a, b: _series_like(a, b, rtol, atol, check_index))
        if mistake:
            _fail(f"{name} is wrong.", f"Expected:\n{_short(expected)}", f"Got:\n{_short(got)}",
                  mistake=mistake)
    if _len(got) != _len(expected):
        _fail(f"{name} has {_len(got)} entries, expected {_len(expected)}.",
              f"Expected:\n{_short(expected)}", f"Got:\n{_short(got)}")
    if check_index:
        _check_index(got.index, expected.index, name, "index")
    if dtype is not None:
        check_dtype(got, dtype, name)
    check_close(got, expected, name, rtol=rtol, atol=atol)


def check_frame(got: Any, expected: _DataFrame, name: str = "result", rtol: float = 1e-6,
                atol: float = 1e-9, mistakes: Iterable[Mistake] = (), check_index: bool = True) -> None:
    """A pandas DataFrame: type, columns (names and order), shape, index, then each column's
    values within tolerance (numeric columns) or exactly (others)."""
    check_type(got, _DataFrame, name)
    mistake = _match_mistake(got, mistakes, lambda a, b: _frames_close(a, b, rtol, atol))
    if mistake:
        _fail(f"{name} is wrong.", f"Expected:\n{_short(expected, 800)}", f"Got:\n{_short(got, 800)}",
              mistake=mistake)
    _check_index(got.columns, expected.columns, name, "column")
    if got.shape != expected.shape:
        _fail(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if check_index:
        _check_index(got.index, expected.index, name, "index")
    for col in expected.columns:
        exp_col = expected[col]
        got_col = got[col]
        if _issubdtype(exp_col.dtype, _number) and not _isinstance(exp_col.dtype, _pd.CategoricalDtype):
            check_close(got_col, exp_col, f"{name}[{col!r}]", rtol=rtol, atol=atol)
        else:
            g = _list(got_col)
            e = _list(exp_col)
            if g != e:
                first = next(i for i, (a, b) in enumerate(_zip(g, e)) if a != b)
                _fail(f"{name}[{col!r}] is wrong at row {first}: expected {_short(e[first])}, "
                      f"got {_short(g[first])}.")


def _frames_close(a, b, rtol, atol) -> bool:
    if not (_isinstance(a, _DataFrame) and _isinstance(b, _DataFrame)):
        return False
    if a.shape != b.shape or _index_tolist(a.columns) != _index_tolist(b.columns):
        return False
    return all(_all_close(a[c], b[c], rtol, atol) for c in b.columns)


# ---- gradients -------------------------------------------------------------------------------
# One gradient checker for the course: the toolbox's (recsys_lib.gradcheck: centred differences in
# float64, relative error max|a-b| / max(|a|+|b|), ratio diagnosis). It binds its NumPy functions
# when imported, and so do we, before any student code runs.
from recsys_lib import gradcheck as _gradcheck  # noqa: E402

numerical_gradient = _gradcheck.numerical_gradient
relative_error = _gradcheck.relative_error
_toolbox_check_gradient = _gradcheck.check_gradient


def check_gradient(f: Callable[[_ndarray], float], grad, x, name: str = "gradient",
                   threshold: float = 1e-6, eps: float = 1e-6, m: int | None = None,
                   mistakes: Iterable[Mistake] = ()) -> None:
    """Compare an analytic gradient with centred finite differences of ``f`` at ``x``, with the
    arguments and formula of ``recsys_lib.gradcheck.check_gradient`` (the learner's toolbox).

    ``grad`` is the gradient array at ``x`` or a function of ``x`` returning it (called through
    ``call``, so a raising function gives a clear failure). Fails with the toolbox's diagnosis
    (2x, 0.5x, wrong sign, missing 1/m when ``m`` is given, not a constant factor), unless the
    gradient equals one of ``mistakes`` (within the threshold), whose description then wins."""
    x = _array(x, dtype=_float64)
    got = call(grad, x.copy(), name=name) if callable(grad) else grad
    try:
        got_arr = _to_float_array(got)
    except (TypeError, ValueError):
        _fail(f"{name} should be a numeric array, got {_type(got).__name__}: {_short(got)}")
    if got_arr.shape != x.shape:
        _fail(f"{name} has shape {got_arr.shape}, expected {x.shape} (the shape of the parameters).")
    result = _toolbox_check_gradient(f, got_arr, x, threshold=threshold, eps=eps, m=m)
    if result.passed:
        return
    mistake = _match_mistake(got_arr, mistakes,
                             lambda a, b: relative_error(a, _to_float_array(b)) < _maximum(threshold, 1e-7))
    summary = (f"{name} does not match the numerical gradient: relative error "
               f"{result.relative_error:.2e} (threshold {threshold:.0e}).")
    diagnosis = result.message.split("Likely cause: ", 1)[-1] if "Likely cause: " in result.message else ""
    _fail(summary, f"Expected (finite differences): {_short(result.numerical)}", f"Got: {_short(got_arr)}",
          mistake=mistake or diagnosis.rstrip(".") or None)


def quietly(check: Callable) -> Callable:
    """Decorator for exercise checks: run with warnings and NumPy floating-point warnings silenced
    (a check may still ask NumPy to raise, with its own ``np.errstate``). nbgrader scores any
    stderr output of a test cell as a failure, and computing the values of known mistakes (or a
    diverging run) may overflow, divide by zero or warn."""
    def wrapper(*args, **kwargs):
        with _catch_warnings(), _errstate(all="ignore"):
            _simplefilter("ignore")
            return check(*args, **kwargs)
    wrapper.__name__, wrapper.__qualname__, wrapper.__doc__ = check.__name__, check.__qualname__, check.__doc__
    wrapper.__wrapped__ = check
    return wrapper

class _ReadOnlyChecks:
    """A read-only view of this module's functions and classes, taken when it is imported.

    Exercise modules bind ``_c = checks.FROZEN`` at import time (in the locked setup cell,
    before any student code runs), so an answer cell that rebinds an attribute of this module
    (``autograder.checks.check_series = lambda *a, **k: None``) does not change what the
    checks call. Deeper tampering is left to the batch grader's tamper flags.
    """

    __slots__ = ("_names",)

    def __init__(self, names):
        object.__setattr__(self, "_names", _MappingProxyType(dict(names)))

    def __getattr__(self, name):
        try:
            return self._names[name]
        except KeyError:
            raise AttributeError(f"autograder.checks has no {name!r}") from None

    def __setattr__(self, name, value):
        raise AttributeError("autograder.checks is read-only for grading")


#: public names defined elsewhere that the checks module re-exports (the toolbox's gradient checker)
_REEXPORTED = ("numerical_gradient", "relative_error")

FROZEN = _ReadOnlyChecks({name: value for name, value in list(globals().items())
                          if (getattr(value, "__module__", None) == __name__ or name in _REEXPORTED)
                          and (_isinstance(value, _type) or callable(value))})

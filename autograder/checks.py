"""Check functions that notebook test cells call.

Every check raises ``CheckFailure`` (an ``AssertionError``) whose message starts with a one-line
summary, then shows expected vs got (with shapes) and, where the wrong value matches a known
mistake, names the likely mistake. For arrays, Series, tables and lists the summary says WHERE
the first difference is and gives the two values (NumPy's summary hides the middle of a long
array). ``passed()`` prints "All public tests passed".

Tamper resistance: the setup cell of each notebook imports this module before any student code
runs, and everything the checks rely on (NumPy/pandas functions and classes, a few builtins) is
bound at import time (here and in :mod:`autograder._compare`). Rebinding
``np.testing.assert_allclose``, ``np.allclose``, ``np.isclose`` or a check's name in the notebook
afterwards does not change what the checks do. Exercise modules bind ``FROZEN``, a read-only
snapshot of this module's functions taken at import. These modules never use ``np.testing``.

API (see each docstring)::

    Mistake(description, value)               a known wrong answer
    call(fn, *args, name=None, **kwargs)      call student code; NotImplementedError -> clear failure;
                                              another exception -> its type, message and the
                                              learner's own traceback lines
    check_type(got, types, name)
    check_shape(got, shape, name)
    check_dtype(got, kinds, name)              kinds: "f", "i", "iu", "b", "M" (datetime), "O", ...
    check_equal(got, expected, name, mistakes=())
    check_close(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=())
    check_series(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=(), check_index=True, dtype=None)
    check_frame(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=(), check_index=True)
    first_difference(got, expected, rtol=1e-6, atol=1e-9)   "first difference at index ...: expected ..., got ..."
    numerical_gradient(f, x, eps=1e-6)         recsys_lib.gradcheck's (centred differences, float64)
    relative_error(a, b)                       recsys_lib.gradcheck's: max|a-b| / max(|a|+|b|)
    check_gradient(f, grad, x, name, threshold=1e-6, eps=1e-6, m=None, mistakes=())
    fail(summary, *details, mistake=None)      raise a CheckFailure in the house format
    unchanged(before, after, fn_name, what)    fail if a function modified its input in place
    quietly(check)                             decorator: run a check with warnings silenced
    passed(message="All public tests passed")
"""
from __future__ import annotations

from types import MappingProxyType as _MappingProxyType
from typing import Any, Callable, Iterable, Sequence

from autograder import _compare, _tracebacks
from autograder._compare import format_pair as _format_pair
from pandas.api.types import is_bool_dtype as _is_bool_dtype, is_numeric_dtype as _is_numeric_dtype
from autograder._compare import (  # noqa: F401  (re-exported: exercise modules use them through FROZEN)
    CheckFailure,
    Mistake,
    _abs,
    _all_close,
    _all_reduce,
    _argmax,
    _array,
    _array_equal,
    _asarray,
    _bool,
    _catch_warnings,
    _CategoricalDtype,
    _check_index,
    _close_mask,
    _DataFrame,
    _errstate,
    _Exception,
    _fail,
    _float,
    _float64,
    _frames_close,
    _generic,
    _int,
    _Int32Dtype,
    _Int64Dtype,
    _isinstance,
    _issubdtype,
    _len,
    _list,
    _logical_not,
    _match_mistake,
    _maximum,
    _ndarray,
    _NotImplementedError,
    _number,
    _print,
    _Series,
    _series_like,
    _short,
    _simplefilter,
    _str,
    _StringDtype,
    _to_float_array,
    _tuple,
    _type,
    _unravel_index,
    first_difference,
)

_learner_traceback = _tracebacks.learner_traceback

PASSED_MESSAGE = "All public tests passed"


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
        same = b.shape == a.shape and _bool(_array_equal(b, a, equal_nan=b.dtype.kind in "fc"))
        kind = "array"
    if not same:
        _fail(f"{fn_name} modified its input {what or kind} in place; work on a copy or build new "
              f"objects (e.g. X - mean, not X -= mean; no out= on an argument).")


def passed(message: str = PASSED_MESSAGE) -> None:
    """Print the success line of a test cell's public checks."""
    _print(message)


def call(fn: Callable, *args, name: str | None = None, **kwargs):
    """Call a student's function. If it is not implemented yet, or raises, fail with a message
    that says so: the first line names the function, the exception type and its message; then
    come the learner's own lines where it happened (the notebook cell: "line 7 in
    recommend_item_based: scores = ..."), never the grader's internals. The original exception
    is chained (``__cause__``)."""
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
        own = getattr(fn, "__name__", "")           # the function's own name reads best here
        raise CheckFailure(f"{own if own.isidentifier() else label} is not implemented yet "
                           f"(it raises NotImplementedError).") from exc
    except CheckFailure:
        raise
    except _Exception as exc:
        text = _str(exc).strip()
        first = text.splitlines()[0] if text else ""
        if _len(first) > 300:
            first = first[:300] + " ..."
        summary = f"{label} raised {_type(exc).__name__}" + (f": {first}" if first else " (no message)")
        raise CheckFailure("\n".join([summary] + _learner_traceback(exc))) from exc


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


_KIND_NAMES = {"f": "float", "i": "signed integer", "u": "unsigned integer", "b": "bool",
               "M": "datetime", "O": "object", "T": "string", "m": "timedelta"}


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
    if _isinstance(dtype, _StringDtype) or _str(dtype) in ("str", "string"):
        kind = "T"
    elif _isinstance(dtype, (_Int64Dtype, _Int32Dtype)):
        kind = "i"
    if kind not in kinds:
        _fail(f"{name} has dtype {dtype}, expected one of kinds {kinds!r} "
              f"({', '.join(_KIND_NAMES.get(k, k) for k in kinds)}).")


def check_equal(got: Any, expected: Any, name: str = "value", mistakes: Iterable[Mistake] = ()) -> None:
    """Exact equality (ints, strings, tuples, lists). For lists and tuples of the same length the
    summary names the first differing position and its two values."""
    if got == expected:
        return
    mistake = _match_mistake(got, mistakes, lambda a, b: a == b)
    where = first_difference(got, expected, rtol=0.0, atol=0.0) \
        if _isinstance(got, (_list, _tuple)) and _isinstance(expected, (_list, _tuple)) else ""
    if where:
        _fail(f"{name} is wrong; {where}.", f"Expected: {_short(expected)}", f"Got:      {_short(got)}",
              mistake=mistake)
    _fail(f"{name} is wrong: expected {_short(expected)}, got {_short(got)}.", mistake=mistake)


def check_close(got: Any, expected: Any, name: str = "value", rtol: float = 1e-6,
                atol: float = 1e-9, mistakes: Iterable[Mistake] = ()) -> None:
    """Numbers or arrays equal within ``|got - expected| <= atol + rtol * |expected|`` elementwise
    (NaN equals NaN). Checks the shape first. The summary names the first differing index (the
    index label for a Series) and its two values."""
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
        es, gs = _format_pair(e, g)
        _fail(f"{name} is wrong: expected {es}, got {gs}.", mistake=mistake)
    bad = _logical_not(ok)
    n_bad = _int(bad.sum())
    first = _tuple(_int(i) for i in _unravel_index(_argmax(bad), bad.shape))
    where = f"index {first}"
    if _isinstance(got, _Series) and g.ndim == 1:
        where = f"index {got.index[first[0]]!r} (position {first[0]})"
    _fail(f"{name} is wrong in {n_bad} of {g.size} entries; first at {where}: "
          "expected {}, got {}.".format(*_format_pair(e[first], g[first])),
          f"Expected: {_short(expected)}", f"Got:      {_short(got)}", mistake=mistake)


def check_series(got: Any, expected: _Series, name: str = "result", rtol: float = 1e-6,
                 atol: float = 1e-9, mistakes: Iterable[Mistake] = (), check_index: bool = True,
                 dtype: str | None = None) -> None:
    """A pandas Series: type, length, index labels and order, optional dtype kinds, then values
    within tolerance. ``mistakes`` hold Series (compared by index and values) or arrays."""
    check_type(got, _Series, name)
    if not _series_like(got, expected, rtol, atol, check_index):
        mistake = _match_mistake(got, mistakes, lambda a, b: _series_like(a, b, rtol, atol, check_index))
        if mistake:
            where = first_difference(got, expected, rtol, atol)
            _fail(f"{name} is wrong" + (f"; {where}." if where else "."),
                  f"Expected:\n{_short(expected)}", f"Got:\n{_short(got)}", mistake=mistake)
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
    values within tolerance (numeric columns) or exactly (others, strings included). A known mistake
    is named only when the answer is wrong (its value may coincide with the right one on an input)."""
    check_type(got, _DataFrame, name)
    try:
        _compare_frames(got, expected, name, rtol, atol, check_index)
    except CheckFailure:
        mistake = _match_mistake(got, mistakes, lambda a, b: _frames_close(a, b, rtol, atol))
        if mistake:
            where = first_difference(got, expected, rtol, atol)
            _fail(f"{name} is wrong" + (f"; {where}." if where else "."),
                  f"Expected:\n{_short(expected, 800)}", f"Got:\n{_short(got, 800)}", mistake=mistake)
        raise


def _compare_frames(got, expected, name, rtol, atol, check_index) -> None:
    _check_index(got.columns, expected.columns, name, "column")
    if got.shape != expected.shape:
        _fail(f"{name} has shape {got.shape}, expected {expected.shape}.")
    if check_index:
        _check_index(got.index, expected.index, name, "index")
    for col in expected.columns:
        exp_col = expected[col]
        got_col = got[col]
        if _is_numeric_dtype(exp_col.dtype) and not _is_bool_dtype(exp_col.dtype) \
                and not _isinstance(exp_col.dtype, _CategoricalDtype):
            check_close(got_col, exp_col, f"{name}[{col!r}]", rtol=rtol, atol=atol)
        else:
            g = _list(got_col)
            e = _list(exp_col)
            if g != e:
                first = next(i for i, (a, b) in enumerate(zip(g, e)) if a != b)
                _fail(f"{name}[{col!r}] is wrong at row {first} (index {got.index[first]!r}): "
                      f"expected {_short(e[first])}, got {_short(g[first])}.")


# ---- gradients -------------------------------------------------------------------------------
# One gradient checker for the course: the toolbox's (recsys_lib.gradcheck: centred differences in
# float64, relative error max|a-b| / max(|a|+|b|), ratio diagnosis). It binds its NumPy functions
# when imported, and so do we, before any student code runs.
from recsys_lib import gradcheck as _gradcheck  # noqa: E402

numerical_gradient = _gradcheck.numerical_gradient
relative_error = _gradcheck.relative_error
_toolbox_check_gradient = _gradcheck.check_gradient


def _largest_difference(got: _ndarray, expected: _ndarray, what: str = "expected") -> str:
    """'largest difference at index (2,): expected 0.1, got 0.3' for two same-shape float arrays."""
    diff = _abs(got - expected)
    if not diff.size:
        return ""
    worst = _tuple(_int(i) for i in _unravel_index(_argmax(diff), diff.shape))
    es, gs = _format_pair(expected[worst], got[worst])
    return f"largest difference at index {worst}: {what} {es}, got {gs}"


def check_gradient(f: Callable[[_ndarray], float], grad, x, name: str = "gradient",
                   threshold: float = 1e-6, eps: float = 1e-6, m: int | None = None,
                   mistakes: Iterable[Mistake] = ()) -> None:
    """Compare an analytic gradient with centred finite differences of ``f`` at ``x``, with the
    arguments and formula of ``recsys_lib.gradcheck.check_gradient`` (the learner's toolbox).

    ``grad`` is the gradient array at ``x`` or a function of ``x`` returning it (called through
    ``call``, so a raising function gives a clear failure). Fails with the toolbox's diagnosis
    (2x, 0.5x, wrong sign, missing 1/m when ``m`` is given, not a constant factor), unless the
    gradient equals one of ``mistakes`` (within the threshold), whose description then wins.
    The summary names the entry with the largest difference and its two values."""
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
    numeric = _to_float_array(result.numerical)
    summary = (f"{name} does not match the numerical gradient: relative error "
               f"{result.relative_error:.2e} (threshold {threshold:.0e}); "
               f"{_largest_difference(got_arr, numeric, 'expected (finite differences)')}.")
    diagnosis = result.message.split("Likely cause: ", 1)[-1] if "Likely cause: " in result.message else ""
    _fail(summary, f"Expected (finite differences): {_short(numeric)}", f"Got: {_short(got_arr)}",
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


#: modules whose functions and classes this module's namespace holds and FROZEN exposes (the
#: internals moved to autograder._compare keep every name exercise modules use, e.g. _short)
_OWN_MODULES = (__name__, _compare.__name__, _tracebacks.__name__, "autograder.checks")
#: public names defined elsewhere that the checks module re-exports (the toolbox's gradient checker)
_REEXPORTED = ("numerical_gradient", "relative_error")

FROZEN = _ReadOnlyChecks({name: value for name, value in list(globals().items())
                          if (getattr(value, "__module__", None) in _OWN_MODULES or name in _REEXPORTED)
                          and (_isinstance(value, _type) or callable(value))})

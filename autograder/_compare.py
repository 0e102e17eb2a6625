"""Internals of :mod:`autograder.checks`: the NumPy/pandas/builtin functions the checks use (bound
once, when this module is imported, before any student code runs), the failure types, and the
comparison helpers (closeness masks, index checks, "where is the first difference").

Nothing here is called by notebooks directly: exercise modules use ``autograder.checks.FROZEN``,
which exposes these helpers too (``_short``, ``_all_close``, ``_check_index``, ``_frames_close``,
``first_difference``). This module never uses ``np.testing``.
"""
from __future__ import annotations

import builtins as _builtins
import warnings as _warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as _np
import pandas as _pd
from pandas.api.types import is_bool_dtype as _is_bool_dtype, is_numeric_dtype as _is_numeric_dtype

# ---- everything the checks use, bound once at import time ---------------------------------
_asarray = _np.asarray
_array = _np.array
_array2string = _np.array2string
_array_equal = _np.array_equal
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
_not_equal = _np.not_equal
_argmax = _np.argmax
_unravel_index = _np.unravel_index
_zeros_like = _np.zeros_like
_issubdtype = _np.issubdtype
_number = _np.number
_bool_ = _np.bool_
_dtype = _np.dtype
_errstate = _np.errstate
_Series = _pd.Series
_DataFrame = _pd.DataFrame
_Index = _pd.Index
_CategoricalDtype = _pd.CategoricalDtype
_StringDtype = _pd.StringDtype
_Int64Dtype = _pd.Int64Dtype
_Int32Dtype = _pd.Int32Dtype
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
_enumerate = _builtins.enumerate
_next = _builtins.next
_min = _builtins.min
_Exception = _builtins.Exception
_NotImplementedError = _builtins.NotImplementedError
_all_reduce = _np.logical_and.reduce
_any_reduce = _np.logical_or.reduce
_max_reduce = _np.maximum.reduce
_catch_warnings = _warnings.catch_warnings
_simplefilter = _warnings.simplefilter


class CheckFailure(AssertionError):
    """A check failed. ``str(exc)``'s first line is the summary shown in result tables."""


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: when the student's value equals ``value`` (within the check's
    tolerance), the failure says "Likely mistake: <description>"."""

    description: str
    value: Any


# the public home of the two types is autograder.checks (what tracebacks and reprs show)
CheckFailure.__module__ = Mistake.__module__ = "autograder.checks"


def _fail(summary: str, *details: str, mistake: str | None = None) -> None:
    lines = [f"{summary} Likely mistake: {mistake}." if mistake else summary]
    lines.extend(d for d in details if d)
    raise CheckFailure("\n".join(lines))


def _short(value: Any, limit: int = 300) -> str:
    if _isinstance(value, _DataFrame):
        text = value.to_string(max_rows=12, max_cols=10)
    elif _isinstance(value, _Series):
        text = value.to_string(max_rows=12)
    elif _isinstance(value, _ndarray):
        text = _array2string(value, threshold=20, precision=6)
    else:
        text = _repr(value)
    if _len(text) > limit:
        text = text[:limit] + " ..."
    return text


def _to_float_array(value) -> _ndarray:
    if _isinstance(value, _Series):
        value = _series_to_numpy(value, dtype=_float64, na_value=_np.nan)
    return _array(value, dtype=_float64)


def _close_mask(got: _ndarray, expected: _ndarray, rtol: float, atol: float) -> _ndarray:
    with _errstate(invalid="ignore", over="ignore"):
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
        if m is None:
            continue
        try:
            if same(got, m.value):
                return m.description
        except (TypeError, ValueError):
            continue
    return None


# ---- where do two values differ? ------------------------------------------------------------
def format_pair(expected, got) -> tuple[str, str]:
    """Two numbers as strings with 6 significant digits, or as many more (up to 17) as it takes for
    them to read differently: a near miss never shows as "expected -1.9, got -1.9"."""
    e, g = _float(expected), _float(got)
    for digits in (6, 9, 12, 17):
        es, gs = f"{e:.{digits}g}", f"{g:.{digits}g}"
        if es != gs:
            break
    return es, gs


def _fmt(value) -> str:
    """A value for a one-line message: numbers with 6 significant digits, the rest as repr."""
    if _isinstance(value, _generic):
        value = value.item()
    if _isinstance(value, (_float, _np.floating)):
        return f"{_float(value):.6g}"
    if _isinstance(value, (_bool, _bool_)):
        return _repr(_bool(value))
    if _isinstance(value, (_int, _np.integer)):
        return _str(_int(value))
    return _short(value, 80)


def _position(index: tuple) -> str:
    return f"({index[0]},)" if _len(index) == 1 else "(" + ", ".join(_str(i) for i in index) + ")"


def _array_difference(got, expected, rtol: float, atol: float):
    """(index tuple, expected value, got value, number of differing entries, size) of the first
    differing entry of two same-shape arrays (numbers within tolerance, anything else exactly),
    or None when they agree or cannot be compared entry by entry."""
    try:
        g = _asarray(got)
        e = _asarray(expected)
    except (TypeError, ValueError):
        return None
    if g.shape != e.shape or g.size == 0:
        return None
    numeric = g.dtype.kind in "biuf" and e.dtype.kind in "biuf"
    if numeric:
        bad = _logical_not(_close_mask(g.astype(_float64), e.astype(_float64), rtol, atol))
    else:
        try:
            bad = _asarray(_not_equal(g, e), dtype=_bool_)
        except (TypeError, ValueError):
            return None
        if bad.shape != g.shape:
            return None
    if not _bool(_any_reduce(bad, axis=None)):
        return None
    first = _tuple(_int(i) for i in _unravel_index(_argmax(bad), bad.shape))
    return first, e[first], g[first], _int(bad.sum()), _int(g.size)


def first_difference(got: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-9) -> str:
    """Where ``got`` first differs from ``expected``, as a sentence that names the position and
    the two values ("first difference at index (3,): expected 0.5, got 0.25"), or "" when they
    agree or cannot be compared entry by entry (different shapes, lengths or types).

    Arrays, lists and tuples are compared entry by entry (numbers within ``atol + rtol*|e|``,
    NaN equals NaN, anything else exactly); a Series by position, reported with its index
    label; a DataFrame column by column (in ``expected``'s order), reported with the row label
    and the column. Say this FIRST in a failure: NumPy's and pandas' summaries hide the middle
    of a long array ("...") and the difference is often there."""
    if _isinstance(expected, _DataFrame) and _isinstance(got, _DataFrame):
        if got.shape != expected.shape or _index_tolist(got.columns) != _index_tolist(expected.columns):
            return ""
        for col in expected.columns:
            found = first_difference(got[col], expected[col], rtol, atol)
            if found:
                return found.replace("first difference at", f"first difference in column {col!r} at", 1)
        return ""
    if _isinstance(expected, _Series) and _isinstance(got, _Series):
        if _len(got) != _len(expected):
            return ""
        found = _array_difference(_series_values(got), _series_values(expected), rtol, atol)
        if found is None:
            return ""
        (pos,), e, g, n_bad, size = found
        label = got.index[pos]
        return (f"first difference at index {label!r} (position {pos}; {n_bad} of {size} entries differ): "
                f"expected {_fmt(e)}, got {_fmt(g)}")
    if _isinstance(got, (_list, _tuple)) and _isinstance(expected, (_list, _tuple)) and _len(got) != _len(expected):
        return ""
    found = _array_difference(got, expected, rtol, atol)
    if found is None:
        if _isinstance(got, (_list, _tuple)) and _isinstance(expected, (_list, _tuple)):
            for i, (a, b) in _enumerate(_zip(got, expected)):   # ragged or mixed entries
                if not _same_entry(a, b, rtol, atol):
                    return f"first difference at index {i}: expected {_fmt(b)}, got {_fmt(a)}"
        return ""
    index, e, g, n_bad, size = found
    where = f"index {_position(index)}" if _isinstance(got, _ndarray) or _len(index) != 1 else f"index {index[0]}"
    return f"first difference at {where} ({n_bad} of {size} entries differ): expected {_fmt(e)}, got {_fmt(g)}"


def _series_values(s: _Series) -> _ndarray:
    if _issubdtype(s.dtype, _number) and not _isinstance(s.dtype, _CategoricalDtype):
        return _series_to_numpy(s, dtype=_float64, na_value=_np.nan)
    return _asarray(s.to_numpy(dtype=object))


def _same_entry(a, b, rtol: float, atol: float) -> bool:
    if _isinstance(a, (_int, _float, _np.number)) and _isinstance(b, (_int, _float, _np.number)) \
            and not _isinstance(a, _bool) and not _isinstance(b, _bool):
        return _all_close(a, b, rtol, atol)
    try:
        return _bool(a == b)
    except (TypeError, ValueError):
        return _array_difference(a, b, rtol, atol) is None


# ---- labels and tables ----------------------------------------------------------------------
def _check_index(got_index, expected_index, name: str, what: str) -> None:
    got_labels = _index_tolist(got_index)
    exp_labels = _index_tolist(expected_index)
    if got_labels == exp_labels:
        return
    missing = [x for x in exp_labels if x not in got_labels]
    extra = [x for x in got_labels if x not in exp_labels]
    if not missing and not extra:
        first = _next((i for i, (a, b) in _enumerate(_zip(got_labels, exp_labels)) if a != b), 0)
        _fail(f"{name} has the right {what} labels in the wrong order; first difference at position "
              f"{first}: expected {exp_labels[first]!r}, got {got_labels[first]!r}.",
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


def _frames_close(a, b, rtol, atol) -> bool:
    if not (_isinstance(a, _DataFrame) and _isinstance(b, _DataFrame)):
        return False
    if a.shape != b.shape or _index_tolist(a.columns) != _index_tolist(b.columns):
        return False
    return all(_all_close(a[c], b[c], rtol, atol) if _is_numeric_dtype(b[c].dtype) and not _is_bool_dtype(b[c].dtype)
               else _list(a[c]) == _list(b[c]) for c in b.columns)

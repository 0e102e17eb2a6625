"""Checks for module 09 (from_model_to_product): known mistakes are compared with a wrong answer only after a
check has failed; :func:`merge_same` prepares the list of them (shared by the module's check files, see
:mod:`autograder.exercises.m09_from_model_to_product`)."""
from __future__ import annotations

import builtins as _builtins

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks

_Mistake = _c.Mistake
_asarray, _float64, _allclose, _isinf, _any = _np.asarray, _np.float64, _np.allclose, _np.isinf, _np.any
_bool, _enumerate = _builtins.bool, _builtins.enumerate


def _values(value):
    try:
        return _asarray(value, dtype=_float64)
    except (TypeError, ValueError):
        return None


def merge_same(mistakes):
    """The known mistakes that can be recognised: ``None`` entries and values with an infinity dropped
    (a finite answer is "close" to an infinite value under any relative tolerance, so such a value would
    match every wrong answer; a check reports infinite answers itself), and mistakes with the same value
    (to 1e-9) merged into one whose description names every cause (the answer cannot tell them apart)."""
    kept, values = [], []
    for m in mistakes:
        if m is None or m.value is None:
            continue
        v = _values(m.value)
        if v is not None and _bool(_any(_isinf(v))):
            continue
        for n, k in _enumerate(kept):
            w = values[n]
            if v is not None and w is not None and v.shape == w.shape and _bool(
                    _allclose(v, w, rtol=1e-9, atol=1e-12, equal_nan=True)):
                kept[n] = _Mistake(f"{k.description} (or: {m.description})", k.value)
                break
        else:
            kept.append(m)
            values.append(v)
    return kept

r"""Checks for module 09 (from_model_to_product), Exercises 7-8: int8 quantisation of an embedding table and
the population stability index. Imported (and re-exported) by
:mod:`autograder.exercises.m09_from_model_to_product`, which the notebook's test cells import.

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again, on other inputs):
``q`` is int8 with one scale and an integer zero point, ``z`` is rounded (not truncated), entries are
clipped to -128 .. 127 before the conversion, a constant table has scale 1, the input is not modified; PSI
bins are the reference's deciles (values outside its range in the end bins, a value equal to an edge in the
bin above), shares floored at the ``eps`` passed in, ``n_bins`` honoured, identical samples give 0.
"""
from __future__ import annotations

import builtins as _builtins

import numpy as _np

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises.m09_from_model_to_product_mistakes import (
    merge_same as _merge_same,
)
from recsys_lib.compression import dequantize_int8 as _ref_dequantize
from recsys_lib.compression import quantize_int8 as _ref_quantize
from recsys_lib.monitoring import psi as _ref_psi

_fail, _passed, _Mistake, _quietly, _call, _short = _c.fail, _c.passed, _c.Mistake, _c.quietly, _c.call, _c._short
_check_close, _unchanged = _c.check_close, _c.unchanged
_asarray, _array, _float64, _quantile, _searchsorted, _bincount, _round, _clip, _log = (
    _np.asarray, _np.array, _np.float64, _np.quantile, _np.searchsorted, _np.bincount, _np.round, _np.clip, _np.log)
_isinstance, _len, _float, _int, _type, _tuple, _list, _bool = (
    _builtins.isinstance, _builtins.len, _builtins.float, _builtins.int, _builtins.type, _builtins.tuple,
    _builtins.list, _builtins.bool)


# ---------------------------------------------------------------- 7. int8 quantisation
def _quant_mistakes(E):
    """(description, q, scale, zero point) of known wrong quantisations of ``E``."""
    lo, hi = _float(E.min()), _float(E.max())
    s = (hi - lo) / 255.0 if hi > lo else 1.0
    zf = -128.0 - lo / s
    z = _round(zf)
    sym = _np.abs(E).max() / 127.0 if _np.abs(E).max() > 0 else 1.0
    out = [
        ("symmetric quantisation (scale max|E| / 127, zero point 0); the task asks for the affine scheme: min "
         "to -128, max to 127", _clip(_round(E / sym), -128, 127), sym, 0.0),
        ("the zero point is not rounded to an integer", _clip(_round(E / s + zf), -128, 127), s, zf),
        ("the zero point was truncated (int() cuts toward 0); round it: z = round(-128 - min E / s)",
         _clip(_round(E / s) + _np.trunc(zf), -128, 127), s, _float(_np.trunc(zf))),
        ("q rounds E / s + z with the UNROUNDED zero point (or (E - min E) / s - 128); the text's q rounds E / s "
         "and adds the integer z", _clip(_round(E / s + zf), -128, 127), s, z),
        ("the zero point centres the table's MEAN (z = round(-mean / s)); it maps the minimum to -128: "
         "z = round(-128 - min E / s)", _clip(_round(E / s) + _round(-E.mean() / s), -128, 127), s,
         _float(_round(-E.mean() / s))),
        ("truncated instead of rounded (astype(np.int8) cuts the fraction off); round first",
         _np.trunc(_clip(E / s + z, -128, 127)), s, z),
    ]
    if hi > lo:
        s256 = (hi - lo) / 256.0
        out.append(("the scale divides the range by 256; 256 levels have 255 steps between -128 and 127",
                    _clip(_round(E / s256) + _round(-128.0 - lo / s256), -128, 127), s256, _round(-128.0 - lo / s256)))
    return out
@_quietly
def check_quantize_int8_on(quantize_int8, dequantize_int8, E, name="quantize_int8"):
    E = _asarray(E, dtype=_float64)
    before = E.copy()
    got = _call(quantize_int8, E, name=f"quantize_int8 on {name}")
    _unchanged(before, E, "quantize_int8", "table")
    if not (_isinstance(got, (_tuple, _list)) and _len(got) == 3):
        _fail(f"quantize_int8 should return a tuple (q, scale, zero_point), got {_short(got)}.")
    q, s, z = got
    q = _asarray(q)
    eq, es, ez = _ref_quantize(E)
    if q.shape != E.shape:
        _fail(f"quantize_int8 on {name}: q has shape {q.shape}, expected {E.shape} (one integer per entry).")
    if q.dtype != _np.int8:
        _fail(f"quantize_int8 on {name}: q has dtype {q.dtype}; store it as np.int8 (1 byte per entry: the point "
              f"of quantising).")
    if _np.size(s) != 1 or _np.size(z) != 1:
        _fail(f"quantize_int8 on {name}: scale and zero_point should be single numbers (one per table).")
    if _isinstance(z, (_bool, _np.bool_)) or not _isinstance(z, (_int, _np.integer)):
        rounded = _isinstance(z, (_float, _np.floating)) and _float(z) == _float(ez)
        _fail(f"quantize_int8 on {name}: zero_point should be an integer (int), got {_type(z).__name__} {_short(z)}"
              + ("; convert it with int()." if rounded else "."),
              mistake=None if rounded else "the zero point is not rounded to an integer")
    s, z = _float(_asarray(s).reshape(())), _float(_asarray(z).reshape(()))
    if s != s or _abs_rel(s, es) > 1e-9 or z != ez or not (q == eq).all():
        for text, mq, ms, mz in _quant_mistakes(E):
            if _abs_rel(s, ms) < 1e-9 and _abs_rel(z, mz) < 1e-9 and (q.astype(_float64) == mq).all():
                _fail(f"quantize_int8 on {name} is wrong.", f"Expected scale {es:.6g}, zero point {ez}; got {s:.6g}, {z:.6g}.",
                      mistake=text)
        if s == s and _abs_rel(s, es) > 1e-9:
            steps = (_float(E.max()) - _float(E.min())) / s if s > 0 else _float("inf")
            _fail(f"quantize_int8 on {name}: the scale is wrong: expected {es:.6g}, got {s:.6g}.",
                  f"With your scale the table's range max E - min E spans {steps:.4g} steps; the affine scheme "
                  f"spreads it over exactly 255 (s = (max E - min E) / 255; 1 for a constant table).")
        _check_close(z, ez, f"quantize_int8 on {name}: the zero point", rtol=0, atol=0,
                     mistakes=[_Mistake("the zero point is not rounded to an integer", -128.0 - _float(E.min()) / es)])
        unclipped = _round(E / es) + ez
        wrapped = (unclipped > 127) | (unclipped < -128)
        _check_close(q, eq, f"quantize_int8 on {name}: q", rtol=0, atol=0, mistakes=[
            _Mistake("values outside -128 .. 127 wrapped around (np.int8 overflow): clip before converting",
                     unclipped.astype(_np.int64).astype(_np.int8)) if wrapped.any() else None])
    back = _call(dequantize_int8, eq.copy(), es, ez, name="dequantize_int8")
    back = _asarray(back, dtype=_float64)
    _check_close(back, _ref_dequantize(eq, es, ez), f"dequantize_int8 on {name}", rtol=1e-12, atol=1e-12, mistakes=[
        _Mistake("the zero point is not subtracted: E_hat = scale * (q - zero_point)", es * eq.astype(_float64)),
        _Mistake("the zero point is added: E_hat = scale * (q - zero_point)", es * (eq.astype(_float64) + ez)),
        _Mistake("divided by the scale: E_hat = scale * (q - zero_point)", (eq.astype(_float64) - ez) / es),
        _Mistake("q - zero_point was computed in int8 and wrapped around (int8 holds only -128 .. 127): convert q "
                 "to floats first", es * (eq.astype(_np.int64) - _int(ez)).astype(_np.int8).astype(_float64))])


def _abs_rel(a, b):
    return _builtins.abs(a - b) / _builtins.max(_builtins.abs(b), 1e-300)


#: public rule cases: a constant table (scale 1), a range of exactly 0 .. 255, a zero point that rounds
#: differently from truncation, and a top entry that must be clipped
QUANT_RULES = ((_np.full((3, 4), -0.75), "a constant table (scale 1)"),
               (_array([[0.0, 255.0, 100.0], [17.0, 3.0, 254.0]]), "a table with range 0 .. 255 (scale 1, zero point -128)"),
               (_array([[-0.37, 0.63, 0.0], [0.25, -0.1, 0.5]]),
                "a table with range -0.37 .. 0.63 (scale 1/255; -128 - min / scale = -33.65 rounds to -34)"),
               (_array([[0.5, 255.5, 128.0], [1.5, 254.5, 99.5]]),
                "a table with range 0.5 .. 255.5 (scale 1; round(255.5) + z = 128 must be clipped to 127)"))


@_quietly
def check_quantize_int8(quantize_int8, dequantize_int8, E):
    check_quantize_int8_on(quantize_int8, dequantize_int8, E, "the item embedding table")
    for table, what in QUANT_RULES:
        check_quantize_int8_on(quantize_int8, dequantize_int8, table, what)
    _passed()


# ---------------------------------------------------------------- 8. PSI
def _psi_variant(ref, cur, n_bins, eps, bins="reference", floor="max", kind="psi", side="right", shares="size"):
    if bins == "current":
        edges = _quantile(cur, _np.arange(1, n_bins) / n_bins)
    elif bins == "pooled":
        edges = _quantile(_np.concatenate([ref, cur]), _np.arange(1, n_bins) / n_bins)
    elif bins == "width":
        lo, hi = _builtins.min(ref.min(), cur.min()), _builtins.max(ref.max(), cur.max())
        edges = _np.linspace(lo, hi, n_bins + 1)[1:-1]
    else:
        edges = _quantile(ref, _np.arange(1, n_bins) / n_bins)
    if bins == "histogram":                   # np.histogram over the reference's min .. max drops what is outside
        full = _quantile(ref, _np.linspace(0.0, 1.0, n_bins + 1))
        e, a = _np.histogram(ref, full)[0].astype(_float64), _np.histogram(cur, full)[0].astype(_float64)
    else:
        e = _bincount(_searchsorted(edges, ref, side=side), minlength=n_bins).astype(_float64)
        a = _bincount(_searchsorted(edges, cur, side=side), minlength=n_bins).astype(_float64)
    if shares == "size":
        e, a = e / ref.size, a / cur.size
    elif shares == "kept":                    # shares of the values np.histogram kept
        e, a = e / _builtins.max(e.sum(), 1.0), a / _builtins.max(a.sum(), 1.0)
    elif shares == "ref_size":
        e, a = e / ref.size, a / ref.size
    if floor == "max":
        e, a = _np.maximum(e, eps), _np.maximum(a, eps)
    elif floor == "add":
        e, a = e + eps, a + eps
    with _np.errstate(divide="ignore", invalid="ignore"):
        if kind == "kl":
            return _float(_np.sum(a * _log(a / e)))
        if kind == "flipped":
            return _float(_np.sum((a - e) * _log(e / a)))
        if kind == "log10":
            return _float(_np.sum((a - e) * _np.log10(a / e)))
        return _float(_np.sum((a - e) * _log(a / e)))


@_quietly
def check_psi_on(psi, reference, current, n_bins, eps, expected, name="psi"):
    ref, cur = _asarray(reference, dtype=_float64), _asarray(current, dtype=_float64)
    copies = (ref.copy(), cur.copy())
    got = _call(psi, ref, cur, n_bins=n_bins, eps=eps, name=name)
    _unchanged(copies[0], ref, name, "reference")
    _unchanged(copies[1], cur, name, "current")
    value = _asarray(got, dtype=_float64)
    if value.size != 1:
        _fail(f"{name} should return one number, got shape {value.shape}.")
    value = _float(value.reshape(()))
    if value != value or value in (_float("inf"), -_float("inf")):
        _fail(f"{name} returned {value}.", mistake="a bin with share 0 makes ln(a/e) infinite: floor every share "
              "at eps before the logarithm")
    args = (ref, cur, n_bins, eps)
    _check_close(value, expected, name, rtol=1e-7, atol=1e-12, mistakes=_merge_same([
        _Mistake("the bins come from the CURRENT sample's quantiles; they are the reference's deciles, fixed once",
                 _psi_variant(*args, bins="current")),
        _Mistake("the bins come from both samples pooled; they are the reference's deciles, fixed once",
                 _psi_variant(*args, bins="pooled")),
        _Mistake("equal-width bins; the bins are the reference's quantiles (equal-frequency)", _psi_variant(*args, bins="width")),
        _Mistake("values outside the reference's range were dropped (np.histogram over min .. max); values below "
                 "the first interior edge go to bin 1, at or above the last to bin B",
                 _psi_variant(*args, bins="histogram")),
        _Mistake("values outside the reference's range were dropped (np.histogram over min .. max) and the shares "
                 "renormalised; every value counts, in the end bins", _psi_variant(*args, bins="histogram", shares="kept")),
        _Mistake("one-sided Kullback-Leibler sum a ln(a/e); PSI multiplies by (a - e)", _psi_variant(*args, kind="kl")),
        _Mistake("the sign is flipped: PSI = sum (a - e) ln(a / e) >= 0, not ln(e / a) or (e - a)",
                 _psi_variant(*args, kind="flipped")),
        _Mistake("the logarithm is log10; PSI uses the natural logarithm", _psi_variant(*args, kind="log10")),
        _Mistake("values equal to an edge went to the lower bin (searchsorted side='left'); a value at an edge "
                 "belongs to the bin above it (side='right')", _psi_variant(*args, side="left")),
        _Mistake("the shares were not floored at eps", _psi_variant(*args, floor="none")),
        _Mistake("eps was ADDED to every share; the shares are FLOORED at eps (element-wise maximum)",
                 _psi_variant(*args, floor="add")),
        _Mistake("counts instead of shares: divide each sample's counts by its size", _psi_variant(*args, shares="counts")),
        _Mistake("the current counts were divided by the REFERENCE's size; each sample by its own size",
                 _psi_variant(*args, shares="ref_size")),
        _Mistake("n_bins is ignored (always 10 bins)", _psi_variant(ref, cur, 10, eps) if n_bins != 10 else None),
        _Mistake("eps is ignored (always 1e-4)", _psi_variant(ref, cur, n_bins, 1e-4) if eps != 1e-4 else None)]))


#: public rule cases: (reference, current, n_bins, eps, what)
PSI_RULES = ((_np.arange(100.0), _np.arange(100.0), 10, 1e-4, "identical samples (PSI 0)"),
             (_np.arange(100.0), _np.r_[_np.arange(50.0), _np.full(50, 1e6)], 10, 1e-3,
              "values far above the reference's range, eps=1e-3 (empty bins)"),
             (_np.repeat(_np.arange(1.0, 7.0), [30, 20, 15, 15, 10, 10]),
              _np.repeat(_np.arange(1.0, 7.0), [10, 10, 20, 20, 20, 20]), 10, 1e-4, "positions 1..6 with ties"),
             (_np.repeat(_np.arange(1.0, 11.0), [5, 15, 10, 10, 10, 10, 10, 10, 10, 10]),
              _np.repeat(_np.arange(1.0, 11.0), [20, 5, 5, 10, 10, 10, 10, 10, 10, 10]), 10, 1e-4,
              "a reference whose first interior edge is exactly 2 (a value equal to an edge goes to the bin above)"))


@_quietly
def check_psi(psi, reference, current):
    check_psi_on(psi, reference, current, 10, 1e-4, _ref_psi(reference, current, 10, 1e-4),
                 "psi of the log prices, week 0 against the last week")
    check_psi_on(psi, reference, current, 5, 1e-3, _ref_psi(reference, current, 5, 1e-3),
                 "psi of the log prices with n_bins=5, eps=1e-3")
    for ref, cur, n_bins, eps, what in PSI_RULES:
        check_psi_on(psi, ref, cur, n_bins, eps, _ref_psi(ref, cur, n_bins, eps), f"psi of {what}")
    _passed()

r"""Checks for module 09 (from_model_to_product). Test cells call ``check_<exercise>(student_function, ...)``
(public tests: the learner's function against the toolbox reference in ``recsys_lib`` on the notebook's
data, plus small cases for every rule the task text states) and ``check_<exercise>_on(...)`` with expected
values on inputs the learner never sees (hidden tests). A wrong answer is compared with the known mistakes
(pooled interval or unpooled test, one-sided p-value, a fixed quantile, a sample size without the power term,
with the power's z of the wrong sign, a relative MDE, per both arms ...) only after a check has failed; known
mistakes that give the same value are named together (``m09_from_model_to_product_mistakes.merge_same``).

Split by exercise into files under 450 lines: this one holds Exercises 1-2 (the two-proportion z-test and
the sample size) and re-exports the checks of Exercises 3-4 (beyond accuracy, MMR:
:mod:`~autograder.exercises.m09_from_model_to_product_lists`), 5-6 (uplift, the HTTP handler:
:mod:`~autograder.exercises.m09_from_model_to_product_serving`) and 7-8 (int8 quantisation, PSI:
:mod:`~autograder.exercises.m09_from_model_to_product_int8_psi`), so the notebook imports everything from here
(its setup cell imports this module, and with it every check, before any student code runs).

Rules the task texts state and the PUBLIC checks test (the hidden tests test them again): the interval
uses the unpooled standard error and the test the pooled one, also for arms of different sizes; a negative
lift has the p-value of the same positive lift; ``alpha``
is a parameter (a public call with alpha = 0.1); z = 0 and p = 1 when both arms have the same extreme rate;
the relative lift is NaN when the control rate is 0; the sample size is rounded up, honours ``alpha`` and
``power`` and works for a negative MDE.
"""
from __future__ import annotations

import builtins as _builtins
import math as _math

import numpy as _np
import pandas as _pd
from scipy.special import ndtr as _ndtr
from scipy.special import ndtri as _ndtri

from autograder.checks import FROZEN as _c  # read-only: see checks._ReadOnlyChecks
from autograder.exercises.m09_from_model_to_product_int8_psi import (  # noqa: F401  (re-exported)
    check_psi,
    check_psi_on,
    check_quantize_int8,
    check_quantize_int8_on,
)
from autograder.exercises.m09_from_model_to_product_lists import (  # noqa: F401  (re-exported)
    _as_series,
    check_beyond_accuracy,
    check_beyond_accuracy_on,
    check_mmr,
    check_mmr_on,
)
from autograder.exercises.m09_from_model_to_product_mistakes import (
    merge_same as _merge_same,
)
from autograder.exercises.m09_from_model_to_product_serving import (  # noqa: F401  (re-exported)
    check_make_handler,
    check_make_handler_on,
    check_two_model_uplift,
    check_two_model_uplift_on,
)
from recsys_lib.metrics import sample_size_per_arm as _ref_sample_size
from recsys_lib.metrics import two_proportion_ztest as _ref_ztest

_fail, _passed, _Mistake, _quietly, _call, _short = _c.fail, _c.passed, _c.Mistake, _c.quietly, _c.call, _c._short
_check_series = _c.check_series
_asarray, _float64 = _np.asarray, _np.float64
_Series = _pd.Series
_isinstance, _float, _int, _type, _bool, _list, _abs, _next = (
    _builtins.isinstance, _builtins.float, _builtins.int, _builtins.type, _builtins.bool, _builtins.list,
    _builtins.abs, _builtins.next)
FIELDS = ("rate_a", "rate_b", "lift", "relative_lift", "ci_low", "ci_high", "z", "p_value")


# ---------------------------------------------------------------- 1. two-proportion z-test
def _ztest_variant(xa, na, xb, nb, alpha, ci="unpooled", z="pooled", tails=2, q=None, lift_ab=False,
                   rel="ratio", p="abs", pooled_rate="counts", scale=1.0, zero_var="zero"):
    pa, pb = xa / na, xb / nb
    lift = scale * (pa - pb if lift_ab else pb - pa)
    pooled = (pa + pb) / 2 if pooled_rate == "mean" else (xa + xb) / (na + nb)
    n_term = 2 / na if pooled_rate == "two_over_n" else (1 / na + 1 / nb)
    se_pooled = _math.sqrt(pooled * (1 - pooled) * n_term)
    se_unpooled = _math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    quantile = _ndtri(1 - alpha / 2) if q is None else q
    half = quantile * (se_pooled if ci == "pooled" else se_unpooled)
    se = se_pooled if z == "pooled" else se_unpooled
    zz = lift / se if se > 0 else (0.0 if zero_var == "zero" else _float("nan"))
    if p == "abs":
        pv = (2.0 if tails == 2 else 1.0) * _ndtr(-_abs(zz))
    elif p == "signed":                       # 2 (1 - Phi(z)) without |z|
        pv = 2.0 * _ndtr(-zz)
    else:                                     # 2 Phi(z)
        pv = 2.0 * _ndtr(zz)
    if pa == 0:
        relative = 0.0 if rel == "zero" else _float("nan")
    elif rel == "inverted":
        relative = pa / pb - 1 if pb > 0 else _float("nan")
    elif rel == "over_b":
        relative = (pb - pa) / pb if pb > 0 else _float("nan")
    else:
        relative = pb / pa - 1
    return _Series({"rate_a": pa, "rate_b": pb, "lift": lift, "relative_lift": relative,
                    "ci_low": lift - half, "ci_high": lift + half, "z": zz, "p_value": _float(pv)})


@_quietly
def check_two_proportion_test_on(two_proportion_test, xa, na, xb, nb, alpha, expected, name="two_proportion_test"):
    got = _call(two_proportion_test, xa, na, xb, nb, alpha=alpha, name=name)
    got = _as_series(got, name, FIELDS)
    expected = _Series(_asarray(expected, dtype=_float64), index=_list(FIELDS))
    args = (_float(xa), _float(na), _float(xb), _float(nb), _float(alpha))
    z975 = _ndtri(0.975)
    mistakes = [
        _Mistake("the interval uses the POOLED standard error; the confidence interval of the lift uses "
                 "each arm's own rate (unpooled), only the test uses the pooled rate", _ztest_variant(*args, ci="pooled")),
        _Mistake("the z statistic uses the UNPOOLED standard error; under H0 both arms share one rate, so the "
                 "test uses the pooled rate (x_A + x_B) / (n_A + n_B)", _ztest_variant(*args, z="unpooled")),
        _Mistake("the pooled rate is the mean of the two rates, (p_A + p_B) / 2; it is (x_A + x_B) / (n_A + n_B), "
                 "which weighs each arm by its size", _ztest_variant(*args, pooled_rate="mean") if na != nb else None),
        _Mistake("the pooled standard error uses 2 / n_A for both arms; it is sqrt(p (1 - p) (1/n_A + 1/n_B)) "
                 "(the arms need not be equal)", _ztest_variant(*args, pooled_rate="two_over_n") if na != nb else None),
        _Mistake("one-sided p-value: the test is two-sided, p = 2 (1 - Phi(|z|))", _ztest_variant(*args, tails=1)),
        _Mistake("2 (1 - Phi(z)) without the absolute value: for a negative lift it exceeds 1",
                 _ztest_variant(*args, p="signed")),
        _Mistake("2 Phi(z) without the absolute value: for a positive lift it exceeds 1; the p-value is "
                 "2 (1 - Phi(|z|))", _ztest_variant(*args, p="cdf")),
        _Mistake("the interval uses z_(1 - alpha) (1.645 for alpha = 0.05); a two-sided interval uses "
                 "z_(1 - alpha/2)", _ztest_variant(*args, q=_ndtri(1 - alpha))),
        _Mistake("the interval uses z_(alpha/2), which is NEGATIVE, so ci_low and ci_high are swapped; use "
                 "z_(1 - alpha/2)", _ztest_variant(*args, q=_ndtri(alpha / 2))),
        _Mistake("the quantile is fixed at z_0.975 whatever alpha is: use z_(1 - alpha/2) of the alpha passed in",
                 _ztest_variant(*args, q=z975) if alpha != 0.05 else None),
        _Mistake("1.96 is z_0.975 rounded; use the exact quantile norm.ppf(1 - alpha/2) of the alpha passed in",
                 _ztest_variant(*args, q=1.96)),
        _Mistake("the lift is A minus B; it is the treatment minus the control, p_B - p_A", _ztest_variant(*args, lift_ab=True)),
        _Mistake("the relative lift is inverted: it is p_B / p_A - 1", _ztest_variant(*args, rel="inverted")),
        _Mistake("the relative lift divides by the treatment's rate; it is relative to the control: p_B / p_A - 1",
                 _ztest_variant(*args, rel="over_b")),
        _Mistake("the lift is in percentage points (times 100); return proportions", _ztest_variant(*args, scale=100.0)),
        _Mistake("the relative lift is 0 when p_A = 0; it is undefined there: NaN", _ztest_variant(*args, rel="zero")),
        _Mistake("z = 0 / 0 is NaN when both arms have the same extreme rate; the rule: no variance means no "
                 "evidence, z = 0 and p = 1", _ztest_variant(*args, zero_var="nan")),
    ]
    _check_series(got, expected, name, rtol=1e-6, atol=1e-9, mistakes=_merge_same(mistakes))


#: public rule cases: (xa, na, xb, nb, alpha, what)
ZTEST_RULES = ((130, 1000, 171, 1100, 0.05, "arms of different sizes (1,000 and 1,100 shoppers)"),
               (171, 1100, 130, 1000, 0.05, "a NEGATIVE lift (the p-value is that of the same positive lift)"),
               (0, 150, 0, 150, 0.05, "both arms with rate 0 (no variance: z = 0, p = 1, relative lift NaN)"),
               (0, 200, 6, 200, 0.05, "a control rate of 0 (relative lift NaN)"),
               (40, 40, 40, 40, 0.05, "both arms with rate 1"))


@_quietly
def check_two_proportion_test(two_proportion_test, arms, successes, trials):
    """On the notebook's A/B counts (``arms``: one row per arm, control first), at alpha 0.05 and 0.1, and
    the limit cases of :data:`ZTEST_RULES`."""
    a, b = arms.iloc[0], arms.iloc[1]
    for col in successes:
        for alpha in (0.05, 0.1):
            xa, na, xb, nb = (_int(v) for v in (a[col], a[trials], b[col], b[trials]))
            check_two_proportion_test_on(two_proportion_test, xa, na, xb, nb, alpha,
                                         _ref_ztest(xa, na, xb, nb, alpha).to_numpy(),
                                         f"two_proportion_test on the A/B counts of {col} (alpha={alpha})")
    for xa, na, xb, nb, alpha, what in ZTEST_RULES:
        check_two_proportion_test_on(two_proportion_test, xa, na, xb, nb, alpha,
                                     _ref_ztest(xa, na, xb, nb, alpha).to_numpy(), f"two_proportion_test with {what}")
    _passed()


# ---------------------------------------------------------------- 2. sample size
def _size_variant(p, mde, alpha, power, z_alpha=None, z_beta=None, pooled_both=False, relative=False,
                  rounding="ceil", both_arms=False, h1_var="both", pbar="mean", h0_factor=2.0, drop_sign=True,
                  divisor="square", unpooled_both=False):
    pa = p
    d = p * mde if relative else mde
    pb = pa + (d if drop_sign else _abs(d))
    d = pb - pa
    pm = (pa + pb) / 2 if pbar == "mean" else pa
    za = _ndtri(1 - alpha / 2) if z_alpha is None else z_alpha
    zb = _ndtri(power) if z_beta is None else z_beta
    if pooled_both:
        num = (za + zb) ** 2 * 2 * pm * (1 - pm)
    elif unpooled_both:
        num = (za + zb) ** 2 * (pa * (1 - pa) + pb * (1 - pb))
    else:
        var1 = pa * (1 - pa) + pb * (1 - pb) if h1_var == "both" else 2 * pa * (1 - pa)
        num = (za * _math.sqrt(h0_factor * pm * (1 - pm)) + zb * _math.sqrt(var1)) ** 2
    n = num / (d ** 2 if divisor == "square" else _abs(d))
    n = {"ceil": _math.ceil(n - 1e-9), "floor": _math.floor(n), "round": _builtins.round(n)}[rounding]
    return 2 * n if both_arms else n


@_quietly
def check_sample_size_on(sample_size_per_arm, p, mde, alpha, power, expected, name="sample_size_per_arm"):
    got = _call(sample_size_per_arm, p, mde, alpha=alpha, power=power, name=name)
    if _isinstance(got, (_bool, _np.bool_)) or not _isinstance(got, (_int, _np.integer)):
        _fail(f"{name} should return an integer number of shoppers, got {_type(got).__name__} {_short(got)}; "
              f"round UP to a whole shopper (math.ceil) and return an int.",
              mistake="the sample size was not rounded up to an integer" if _isinstance(got, _float) else None)
    args = (p, mde, alpha, power)
    z975, z80 = _ndtri(0.975), _ndtri(0.8)
    mistakes = [
        _Mistake("rounded down or to the nearest integer; round UP (math.ceil): a fraction of a shopper short of "
                 "n does not reach the power", _size_variant(*args, rounding="floor")),
        _Mistake("rounded to the nearest integer; round UP (math.ceil)", _size_variant(*args, rounding="round")),
        _Mistake("z_(1 - alpha) of a one-sided test; the z-test is two-sided: z_(1 - alpha/2)",
                 _size_variant(*args, z_alpha=_ndtri(1 - alpha))),
        _Mistake("the power term is missing (z_(1 - beta) = 0 means a power of only 50 %)", _size_variant(*args, z_beta=0.0)),
        _Mistake("z_beta has the wrong sign (Phi^-1(1 - power) is negative): the power term ADDS "
                 "z_(1 - beta) = Phi^-1(power)", _size_variant(*args, z_beta=-_ndtri(power))),
        _Mistake("the quantiles are typed in rounded (1.96 and 0.84); use norm.ppf of 1 - alpha/2 and of power",
                 _size_variant(*args, z_alpha=1.96, z_beta=0.84)),
        _Mistake("z_(1 - beta) is typed in rounded (0.84); use norm.ppf(power)", _size_variant(*args, z_beta=0.84)),
        _Mistake("the power is fixed at 0.8 whatever `power` is: z_(1 - beta) = Phi^-1(power) of the power passed in",
                 _size_variant(*args, z_beta=z80) if power != 0.8 else None),
        _Mistake("alpha is fixed at 0.05 whatever `alpha` is: use z_(1 - alpha/2) of the alpha passed in",
                 _size_variant(*args, z_alpha=z975) if alpha != 0.05 else None),
        _Mistake("the simplified formula with the pooled variance in both terms; the text's formula uses "
                 "sqrt(2 p_bar (1 - p_bar)) for alpha and sqrt(p_A(1 - p_A) + p_B(1 - p_B)) for the power",
                 _size_variant(*args, pooled_both=True)),
        _Mistake("the simplified formula with the unpooled variance p_A(1 - p_A) + p_B(1 - p_B) in both terms; the "
                 "alpha term uses the variance under H0, sqrt(2 p_bar (1 - p_bar))", _size_variant(*args, unpooled_both=True)),
        _Mistake("the power term uses the control's variance twice, 2 p_A (1 - p_A); under H1 the arms have "
                 "p_A and p_B = p_A + mde", _size_variant(*args, h1_var="control")),
        _Mistake("p_bar is the baseline p_A; it is the mean (p_A + p_B) / 2", _size_variant(*args, pbar="baseline")),
        _Mistake("the alpha term lost its factor 2: under H0 the lift's variance is 2 p_bar (1 - p_bar) / n",
                 _size_variant(*args, h0_factor=1.0)),
        _Mistake("the MDE was taken as a RELATIVE lift (p_B = p_A (1 + mde)); here it is absolute: p_B = p_A + mde",
                 _size_variant(*args, relative=True) if 0 < p * (1 + mde) < 1 else None),
        _Mistake("a negative MDE was turned into a rise (p_B = p_A + |mde|); a drop has p_B = p_A + mde < p_A, "
                 "whose variance differs", _size_variant(*args, drop_sign=False) if mde < 0 and p - mde < 1 else None),
        _Mistake("divided by |mde| instead of mde squared", _size_variant(*args, divisor="abs")),
        _Mistake("the total of both arms; the formula gives the shoppers PER ARM", _size_variant(*args, both_arms=True)),
    ]
    got = _int(got)
    if got != _int(expected):
        match = _next((m.description for m in _merge_same(mistakes) if _int(m.value) == got), None)
        _fail(f"{name} is wrong: expected {_int(expected):,} shoppers per arm, got {got:,} "
              f"(p_baseline={p}, mde={mde}, alpha={alpha}, power={power}).", mistake=match)


#: public cases: (p_baseline, mde, alpha, power, what)
SIZE_RULES = ((0.10, 0.02, 0.05, 0.8, "a baseline of 0.10 and an MDE of 0.02"),
              (0.30, -0.03, 0.05, 0.8, "a NEGATIVE MDE (detecting a drop)"),
              (0.05, 0.01, 0.01, 0.9, "alpha = 0.01 and power = 0.9"))


@_quietly
def check_sample_size(sample_size_per_arm, p_baseline, mde):
    """The notebook's baseline and MDE, then :data:`SIZE_RULES`."""
    check_sample_size_on(sample_size_per_arm, p_baseline, mde, 0.05, 0.8, _ref_sample_size(p_baseline, mde),
                         f"sample_size_per_arm({p_baseline:.4f}, {mde})")
    for p, mde_, alpha, power, what in SIZE_RULES:
        check_sample_size_on(sample_size_per_arm, p, mde_, alpha, power, _ref_sample_size(p, mde_, alpha, power),
                             f"sample_size_per_arm with {what}")
    _passed()



r"""A/B-test statistics for two proportions: the z-test, confidence intervals, sample size, power, and
what repeated looks ("peeking") do to the false-positive rate.

Taught in module 09 (from_model_to_product).

Notation: arm A (control) has :math:`x_A` successes in :math:`n_A` independent trials, arm B
(treatment) :math:`x_B` in :math:`n_B`; :math:`\hat p_A = x_A/n_A`, :math:`\hat p_B = x_B/n_B`; the
**lift** is :math:`\Delta = p_B - p_A` (absolute, in proportion points) and the **relative lift**
:math:`p_B/p_A - 1`; :math:`z_q = \Phi^{-1}(q)` is the standard normal quantile.

* **Test** of :math:`H_0: p_A = p_B` with the pooled rate :math:`\hat p = (x_A + x_B)/(n_A + n_B)`:
  :math:`z = (\hat p_B - \hat p_A) / \sqrt{\hat p (1 - \hat p)(1/n_A + 1/n_B)}`, two-sided
  p-value :math:`2(1 - \Phi(|z|))`.
* **Confidence interval** (Wald, unpooled, level :math:`1 - \alpha`):
  :math:`\hat p_B - \hat p_A \pm z_{1-\alpha/2} \sqrt{\hat p_A(1-\hat p_A)/n_A + \hat p_B(1-\hat p_B)/n_B}`.
* **Sample size per arm** to detect :math:`\Delta = p_B - p_A` (the minimum detectable effect) with a
  two-sided test at level :math:`\alpha` and power :math:`1 - \beta`, with :math:`\bar p = (p_A + p_B)/2`:

  .. math::  n = \left\lceil \frac{\big(z_{1-\alpha/2}\sqrt{2\bar p(1-\bar p)}
             + z_{1-\beta}\sqrt{p_A(1-p_A) + p_B(1-p_B)}\big)^2}{\Delta^2} \right\rceil .

The trials must be independent: the unit of analysis must be the unit of randomisation (the shopper),
not the impression (impressions of one shopper share the shopper's tastes).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["two_proportion_ztest", "lift_table", "relative_lift_ci", "sample_size_per_arm",
           "power_two_proportions", "sequential_z", "peeking_false_positive_rate", "ZTEST_FIELDS"]

#: the fields of :func:`two_proportion_ztest`, in order
ZTEST_FIELDS = ("rate_a", "rate_b", "lift", "relative_lift", "ci_low", "ci_high", "z", "p_value")


def _ndtr(x):
    """The standard normal CDF (SciPy imported on first use: ``import recsys_lib.metrics`` stays light)."""
    from scipy.special import ndtr

    return ndtr(x)


def _ndtri(q):
    """The standard normal quantile function (SciPy imported on first use)."""
    from scipy.special import ndtri

    return ndtri(q)


def _counts(x, n, name):
    x, n = np.asarray(x, dtype=np.float64), np.asarray(n, dtype=np.float64)
    if np.any(n <= 0) or np.any(x < 0) or np.any(x > n) or not (np.all(np.isfinite(x)) and np.all(np.isfinite(n))):
        raise ValueError(f"{name}: need 0 <= successes <= trials and trials > 0; got {x!r} of {n!r}")
    return x, n


def _alpha(alpha):
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}")
    return float(alpha)


def two_proportion_ztest(successes_a, n_a, successes_b, n_b, alpha: float = 0.05) -> pd.Series:
    r"""Rates, lift, Wald confidence interval of the lift (unpooled) and the pooled two-proportion
    z-test (module docstring) as a Series indexed by :data:`ZTEST_FIELDS`. When both arms have rate 0
    or both 1 the test has no variance: ``z = 0`` and ``p_value = 1``. ``relative_lift`` is NaN when
    ``rate_a`` is 0.

    Taught in module 09 (from_model_to_product)."""
    alpha = _alpha(alpha)
    xa, na = _counts(successes_a, n_a, "arm A")
    xb, nb = _counts(successes_b, n_b, "arm B")
    pa, pb = xa / na, xb / nb
    lift = pb - pa
    half = _ndtri(1.0 - alpha / 2.0) * np.sqrt(pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb)
    pooled = (xa + xb) / (na + nb)
    se0 = np.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
    z = np.divide(lift, se0, out=np.zeros_like(lift), where=se0 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(pa > 0, pb / np.where(pa > 0, pa, 1.0) - 1.0, np.nan)
    return pd.Series({"rate_a": float(pa), "rate_b": float(pb), "lift": float(lift), "relative_lift": float(rel),
                      "ci_low": float(lift - half), "ci_high": float(lift + half), "z": float(z),
                      "p_value": float(2.0 * _ndtr(-abs(z)))}, name="two-proportion z-test")


def relative_lift_ci(successes_a, n_a, successes_b, n_b, alpha: float = 0.05) -> tuple[float, float]:
    r"""Confidence interval of the relative lift :math:`p_B/p_A - 1` by the delta method on the log ratio:
    :math:`\exp\big(\ln(\hat p_B/\hat p_A) \pm z_{1-\alpha/2}\sqrt{(1-\hat p_A)/x_A + (1-\hat p_B)/x_B}\big) - 1`.
    Needs at least one success in each arm. Taught in module 09 (from_model_to_product)."""
    alpha = _alpha(alpha)
    xa, na = _counts(successes_a, n_a, "arm A")
    xb, nb = _counts(successes_b, n_b, "arm B")
    if xa == 0 or xb == 0:
        raise ValueError("the relative lift's interval needs at least one success in each arm")
    pa, pb = xa / na, xb / nb
    half = _ndtri(1.0 - alpha / 2.0) * math.sqrt((1.0 - pa) / xa + (1.0 - pb) / xb)
    centre = math.log(pb / pa)
    return math.exp(centre - half) - 1.0, math.exp(centre + half) - 1.0


def lift_table(counts: pd.DataFrame, successes: str, trials: str, control=None, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`two_proportion_ztest` of every row of ``counts`` (one row per arm, columns ``successes``
    and ``trials``) against the ``control`` row (default: the first), one row per other arm.
    Taught in module 09 (from_model_to_product)."""
    control = counts.index[0] if control is None else control
    base = counts.loc[control]
    rows = {arm: two_proportion_ztest(base[successes], base[trials], row[successes], row[trials], alpha)
            for arm, row in counts.iterrows() if arm != control}
    return pd.DataFrame(rows).T.rename_axis(counts.index.name)


def sample_size_per_arm(p_baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Shoppers per arm to detect an absolute lift ``mde`` over ``p_baseline`` (module docstring's formula),
    rounded up. Taught in module 09 (from_model_to_product)."""
    alpha = _alpha(alpha)
    pa, pb = float(p_baseline), float(p_baseline) + float(mde)
    if not (0.0 < pa < 1.0 and 0.0 < pb < 1.0) or mde == 0:
        raise ValueError(f"need 0 < p_baseline < 1, 0 < p_baseline + mde < 1 and mde != 0; got {p_baseline!r}, {mde!r}")
    if not 0.0 < float(power) < 1.0:
        raise ValueError(f"power must be in (0, 1); got {power!r}")
    pbar = (pa + pb) / 2.0
    num = (_ndtri(1.0 - alpha / 2.0) * math.sqrt(2.0 * pbar * (1.0 - pbar))
           + _ndtri(float(power)) * math.sqrt(pa * (1.0 - pa) + pb * (1.0 - pb))) ** 2
    return int(math.ceil(num / (pb - pa) ** 2 - 1e-9))


def power_two_proportions(p_a: float, p_b: float, n_per_arm, alpha: float = 0.05):
    r"""Power of the two-sided pooled z-test with ``n_per_arm`` shoppers per arm when the true rates are
    ``p_a`` and ``p_b`` (normal approximation, the far tail ignored):
    :math:`\Phi\big((|\Delta|\sqrt{n} - z_{1-\alpha/2}\sqrt{2\bar p(1-\bar p)}) / \sqrt{p_A(1-p_A) + p_B(1-p_B)}\big)`.
    Taught in module 09 (from_model_to_product)."""
    alpha = _alpha(alpha)
    n = np.asarray(n_per_arm, dtype=np.float64)
    pbar = (p_a + p_b) / 2.0
    num = abs(p_b - p_a) * np.sqrt(n) - _ndtri(1.0 - alpha / 2.0) * math.sqrt(2.0 * pbar * (1.0 - pbar))
    out = _ndtr(num / math.sqrt(p_a * (1.0 - p_a) + p_b * (1.0 - p_b)))
    return float(out) if out.ndim == 0 else out


def sequential_z(successes_a, n_a, successes_b, n_b) -> np.ndarray:
    """Pooled z statistics of cumulative counts (arrays of any matching shape, e.g. (experiments, looks));
    0 where the pooled variance is 0. Taught in module 09 (from_model_to_product)."""
    xa, na, xb, nb = (np.asarray(v, dtype=np.float64) for v in (successes_a, n_a, successes_b, n_b))
    pooled = (xa + xb) / (na + nb)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / na + 1.0 / nb))
    lift = xb / nb - xa / na
    return np.divide(lift, se, out=np.zeros_like(lift), where=se > 0)


def peeking_false_positive_rate(p: float, n_per_look: int, looks: int, n_experiments: int = 2000,
                                alpha: float = 0.05, seed: int = 0) -> pd.DataFrame:
    """A/A experiments (both arms have the true rate ``p``) in which ``n_per_look`` new shoppers join each
    arm between two looks, and the z-test is run at every look. Returns, per look ``1..looks``, the share
    of experiments significant **at** that look and the share significant at **any** look so far
    (what stopping at the first significant look gives). Seeded; vectorised over experiments and looks.
    Taught in module 09 (from_model_to_product)."""
    alpha = _alpha(alpha)
    rng = np.random.default_rng(seed)
    new = rng.binomial(int(n_per_look), float(p), size=(2, int(n_experiments), int(looks)))
    xa, xb = np.cumsum(new, axis=2)
    n = n_per_look * np.arange(1, looks + 1, dtype=np.float64)
    significant = np.abs(sequential_z(xa, n, xb, n)) > _ndtri(1.0 - alpha / 2.0)
    return pd.DataFrame({"shoppers_per_arm": n.astype(np.int64),
                         "significant_at_this_look": significant.mean(axis=0),
                         "significant_at_any_look": np.logical_or.accumulate(significant, axis=1).mean(axis=0)},
                        index=pd.RangeIndex(1, looks + 1, name="look"))

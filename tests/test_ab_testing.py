"""A/B-test statistics (recsys_lib.metrics.ab_testing) and their calibration in the ShopSim simulator:
the confidence interval covers the simulator's true lift, and A/A tests are significant about 5 % of
the time (with the shopper as the unit of analysis; with impressions they are not)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from recsys_lib.metrics import (lift_table, peeking_false_positive_rate, power_two_proportions, relative_lift_ci,
                                sample_size_per_arm, sequential_z, two_proportion_ztest)
from recsys_lib.metrics.ab_testing import ZTEST_FIELDS


def test_ztest_matches_hand_computation():
    r = two_proportion_ztest(120, 1000, 150, 1000)
    pa, pb = 0.12, 0.15
    pooled = 0.135
    z = (pb - pa) / math.sqrt(pooled * (1 - pooled) * (2 / 1000))
    se = math.sqrt(pa * (1 - pa) / 1000 + pb * (1 - pb) / 1000)
    assert list(r.index) == list(ZTEST_FIELDS)
    assert r["lift"] == pytest.approx(0.03)
    assert r["relative_lift"] == pytest.approx(0.25)
    assert r["z"] == pytest.approx(z)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(z))
    assert r["ci_low"] == pytest.approx(0.03 - stats.norm.ppf(0.975) * se)
    assert r["ci_high"] == pytest.approx(0.03 + stats.norm.ppf(0.975) * se)


def test_ztest_equals_chi_square_test_without_correction():
    """The pooled z-test squared is Pearson's chi-square test of the 2x2 table."""
    table = np.array([[230, 1770], [268, 1732]])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    r = two_proportion_ztest(230, 2000, 268, 2000)
    assert r["z"] ** 2 == pytest.approx(chi2)
    assert r["p_value"] == pytest.approx(p)


def test_ztest_limit_cases_and_alpha():
    same = two_proportion_ztest(50, 500, 50, 500)
    assert same["z"] == 0 and same["p_value"] == pytest.approx(1.0) and same["lift"] == 0
    zero = two_proportion_ztest(0, 100, 0, 100)
    assert zero["z"] == 0 and zero["p_value"] == 1.0 and np.isnan(zero["relative_lift"])
    wide = two_proportion_ztest(120, 1000, 150, 1000, alpha=0.01)
    narrow = two_proportion_ztest(120, 1000, 150, 1000, alpha=0.2)
    assert wide["ci_high"] - wide["ci_low"] > narrow["ci_high"] - narrow["ci_low"]
    assert wide["p_value"] == narrow["p_value"]
    with pytest.raises(ValueError):
        two_proportion_ztest(11, 10, 1, 10)
    with pytest.raises(ValueError):
        two_proportion_ztest(1, 0, 1, 10)
    with pytest.raises(ValueError):
        two_proportion_ztest(1, 10, 1, 10, alpha=1.5)


def test_relative_lift_ci_contains_the_point_estimate():
    lo, hi = relative_lift_ci(120, 1000, 150, 1000)
    assert lo < 0.25 < hi
    with pytest.raises(ValueError):
        relative_lift_ci(0, 100, 5, 100)


def test_lift_table_rows_are_arms_against_the_control():
    counts = pd.DataFrame({"x": [100, 130, 90], "n": [1000, 1000, 1000]}, index=["control", "b", "c"])
    table = lift_table(counts, "x", "n")
    assert list(table.index) == ["b", "c"]
    assert table.loc["b", "lift"] == pytest.approx(0.03)
    assert table.loc["c", "lift"] == pytest.approx(-0.01)


def test_sample_size_formula_and_power_agree():
    n = sample_size_per_arm(0.10, 0.02)
    pa, pb = 0.10, 0.12
    pbar = 0.11
    expected = (stats.norm.ppf(0.975) * math.sqrt(2 * pbar * (1 - pbar))
                + stats.norm.ppf(0.8) * math.sqrt(pa * (1 - pa) + pb * (1 - pb))) ** 2 / 0.02 ** 2
    assert n == math.ceil(expected)
    assert power_two_proportions(pa, pb, n) >= 0.8
    assert power_two_proportions(pa, pb, n - 1) < 0.8
    down = (stats.norm.ppf(0.975) * math.sqrt(2 * 0.09 * 0.91)
            + stats.norm.ppf(0.8) * math.sqrt(0.1 * 0.9 + 0.08 * 0.92)) ** 2 / 0.02 ** 2
    assert sample_size_per_arm(0.10, -0.02) == math.ceil(down)      # a drop is detected like a rise
    assert sample_size_per_arm(0.10, 0.02, power=0.9) > n
    assert sample_size_per_arm(0.10, 0.04) < n / 3
    with pytest.raises(ValueError):
        sample_size_per_arm(0.10, 0.0)
    with pytest.raises(ValueError):
        sample_size_per_arm(0.95, 0.1)


def test_power_is_right_by_simulation():
    """Simulated rejection rate at the computed sample size is about the target power."""
    n = sample_size_per_arm(0.10, 0.03)
    rng = np.random.default_rng(0)
    xa = rng.binomial(n, 0.10, size=4000)
    xb = rng.binomial(n, 0.13, size=4000)
    z = sequential_z(xa, np.full(4000, n), xb, np.full(4000, n))
    assert np.mean(np.abs(z) > stats.norm.ppf(0.975)) == pytest.approx(0.8, abs=0.03)


def test_peeking_inflates_the_false_positive_rate():
    table = peeking_false_positive_rate(0.1, 200, 10, n_experiments=4000, seed=1)
    assert list(table.index) == list(range(1, 11))
    assert table["shoppers_per_arm"].iloc[-1] == 2000
    # each single look is a valid test; stopping at the first significant look is not
    assert table["significant_at_this_look"].between(0.035, 0.065).all()
    assert table["significant_at_any_look"].is_monotonic_increasing
    assert table["significant_at_any_look"].iloc[-1] > 0.14
    same = peeking_false_positive_rate(0.1, 200, 10, n_experiments=4000, seed=1)
    pd.testing.assert_frame_equal(table, same)


# ---------------------------------------------------------------- calibration in the simulator
@pytest.fixture(scope="module")
def shelves():
    from recsys_lib import columns as C
    from recsys_lib.features import interaction_matrix
    from recsys_lib.models import ItemKNNRecommender, PopularityRecommender
    from recsys_lib.simulation import ShopperSimulator, shipped_shop

    shop = shipped_shop()
    users = shop.tables.users[C.USER_ID].to_numpy()
    items = shop.tables.items[C.ITEM_ID].to_numpy()
    X, _, _ = interaction_matrix(shop.tables.events, users=users, items=items)
    sim = ShopperSimulator(shop)
    rows = np.arange(len(users))
    pop = items[PopularityRecommender().fit(X).recommend(rows, 10, exclude_seen=False)]
    knn = items[ItemKNNRecommender(n_neighbors=100, shrinkage=100.0, fill_with_popular=True).fit(X)
                .recommend(rows, 10, exclude_seen=False)]
    return sim, sim.shelf_probabilities(pop), sim.shelf_probabilities(knn)


def _intervals(sim, control, treatment, reps, successes, trials, rate):
    counts, true = sim.repeated_ab_tests(control, treatment, range(reps))
    true_lift = true[rate].iloc[1] - true[rate].iloc[0]
    covered, significant = [], []
    for _, c in counts.iterrows():
        test = two_proportion_ztest(c[("control", successes)], c[("control", trials)],
                                    c[("treatment", successes)], c[("treatment", trials)])
        covered.append(test["ci_low"] <= true_lift <= test["ci_high"])
        significant.append(test["p_value"] < 0.05)
    return np.mean(covered), np.mean(significant)


#: 200 repetitions of an exactly calibrated 95 % interval cover 190 times on average (sd 3.1), so a
#: literal "at least 190 of 200" fails a correct interval about half the time, depending on the seeds.
#: The tests accept coverage consistent with 95 % (at least 184 of 200, one-sided binomial p = 0.02),
#: fail clearly miscalibrated intervals (the impression-level ones cover about 83 %), and pin the
#: interval's calibration down with 2,000 repetitions (95 % +- 1 %: sd 0.5 %).
MIN_COVERAGE = 184 / 200


@pytest.mark.slow
@pytest.mark.parametrize("rate,successes", [("shelf_ctr", "shoppers_clicked"), ("conversion", "shoppers_purchased")])
def test_interval_covers_the_true_lift_in_200_repetitions(shelves, rate, successes):
    sim, pop, knn = shelves
    coverage, power = _intervals(sim, pop, knn, 200, successes, "shoppers", rate)
    assert coverage >= MIN_COVERAGE, coverage
    assert power > 0.9                     # item-KNN's lift is large enough to be found


@pytest.mark.slow
@pytest.mark.parametrize("rate,successes", [("shelf_ctr", "shoppers_clicked"), ("conversion", "shoppers_purchased")])
def test_interval_is_calibrated_over_2000_repetitions(shelves, rate, successes):
    sim, pop, knn = shelves
    coverage, _ = _intervals(sim, pop, knn, 2000, successes, "shoppers", rate)
    assert 0.94 <= coverage <= 0.965, coverage


@pytest.mark.slow
@pytest.mark.parametrize("rate,successes", [("shelf_ctr", "shoppers_clicked"), ("conversion", "shoppers_purchased")])
def test_aa_false_positive_rate_is_about_five_percent(shelves, rate, successes):
    sim, pop, _ = shelves
    coverage, fpr = _intervals(sim, pop, pop, 200, successes, "shoppers", rate)
    assert 0.02 <= fpr <= 0.08, fpr       # 10 of 200 expected (sd 3.1)
    assert coverage >= MIN_COVERAGE       # the true lift of an A/A test is exactly 0


@pytest.mark.slow
def test_impressions_are_the_wrong_unit_of_analysis(shelves):
    """Impressions of one shopper share the shopper's tastes: a z-test on clicks / impressions is
    significant far more often than 5 % in A/A tests."""
    sim, pop, _ = shelves
    _, fpr = _intervals(sim, pop, pop, 200, "clicks", "impressions", "ctr")
    assert fpr > 0.10, fpr

"""Beyond-accuracy metrics (recsys_lib.metrics.beyond_accuracy) on hand-computed lists and limit cases."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recsys_lib.metrics import (beyond_accuracy_report, catalogue_coverage, exposure_share, head_items, head_share,
                                intra_list_diversity, novelty)

CATEGORY = pd.Series(["a", "a", "b", "c", "c", "d"], index=[10, 20, 30, 40, 50, 60])
POPULARITY = pd.Series([9, 5, 5, 1, 0, 2], index=[10, 20, 30, 40, 50, 60])
LISTS = np.array([[10, 20, 30], [40, 50, -1], [10, -1, -1]])


def test_coverage_counts_distinct_items_and_ignores_padding():
    assert catalogue_coverage(LISTS, CATEGORY) == pytest.approx(5 / 6)
    assert catalogue_coverage(np.full((2, 3), -1), CATEGORY) == 0.0
    assert catalogue_coverage(np.array([[10, 20, 30, 40, 50, 60]]), CATEGORY) == 1.0


def test_diversity_is_the_share_of_pairs_in_different_categories():
    per_list = intra_list_diversity(LISTS, CATEGORY, per_list=True)
    # list 0: pairs (a,a) (a,b) (a,b) -> 2/3; list 1: (c,c) -> 0; list 2: one item, no pair
    np.testing.assert_allclose(per_list[:2], [2 / 3, 0.0])
    assert np.isnan(per_list[2])
    assert intra_list_diversity(LISTS, CATEGORY) == pytest.approx(1 / 3)
    assert intra_list_diversity(np.array([[10, 30, 40, 60]]), CATEGORY) == 1.0
    assert np.isnan(intra_list_diversity(np.array([[10, -1]]), CATEGORY))


def test_novelty_is_the_mean_self_information():
    expected = np.mean([-math.log2((c + 1) / 11) for c in (9, 5, 5, 1, 0, 9)])
    assert novelty(LISTS, POPULARITY, n_users=10) == pytest.approx(expected)
    # an item everybody interacted with carries no information
    assert novelty(np.array([[10]]), pd.Series([10], index=[10]), n_users=10) == 0.0


def test_head_share_with_ties_by_id():
    assert list(head_items(POPULARITY, 0.34)) == [10, 20, 30]        # ceil(0.34 * 6) = 3; 20 and 30 tie
    assert list(head_items(POPULARITY, 0.3)) == [10, 20]
    assert head_share(LISTS, POPULARITY, head=0.3) == pytest.approx(3 / 6)
    assert head_share(np.array([[40, 50, 60]]), POPULARITY, head=0.5) == 0.0
    with pytest.raises(ValueError):
        head_items(POPULARITY, 0.0)


def test_report_and_bad_input():
    report = beyond_accuracy_report(LISTS, CATEGORY, POPULARITY, 10, head=0.3)
    assert list(report.index) == ["coverage", "diversity", "novelty", "head_share"]
    assert report["head_share"] == pytest.approx(0.5)
    with pytest.raises(KeyError, match="99"):
        catalogue_coverage(np.array([[10, 99]]), CATEGORY)
    with pytest.raises(ValueError, match="2-D"):
        catalogue_coverage(np.array([10, 20]), CATEGORY)
    with pytest.raises(TypeError):
        catalogue_coverage(np.array([[10.0, 20.0]]), CATEGORY)


def test_exposure_share_weights_positions():
    group = pd.Series(["x", "x", "y", "y", "z", "z"], index=CATEGORY.index)
    shares = exposure_share(np.array([[10, 30], [30, 10]]), group)
    assert shares["x"] == pytest.approx(0.5) and shares["y"] == pytest.approx(0.5)
    top_only = exposure_share(np.array([[10, 30]]), group)
    w1, w2 = 1.0, 1.0 / math.log2(3)
    assert top_only["x"] == pytest.approx(w1 / (w1 + w2))
    by = exposure_share(np.array([[10, 30], [50, -1]]), group, by=["north", "south"])
    assert by["south"]["z"] == pytest.approx(1.0)
    np.testing.assert_allclose(by.sum(axis=0), 1.0)

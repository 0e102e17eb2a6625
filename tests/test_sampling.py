"""Tests of recsys_lib.sampling (module 07): uniform and popularity negatives, seeded, never positive."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsys_lib.sampling import (
    NegativeSampler,
    is_positive,
    negative_probabilities,
    popularity_negatives,
    positive_keys,
    sample_negatives,
    uniform_negatives,
)


def toy_matrix():
    # 3 users x 6 items; item popularity (users per item) = [3, 2, 1, 0, 1, 1]
    return sp.csr_matrix(np.array([[1, 1, 0, 0, 0, 0],
                                   [1, 0, 1, 0, 0, 1],
                                   [2, 1, 0, 0, 1, 0]], dtype=float))


def frequencies(draws, n):
    return np.bincount(draws, minlength=n) / draws.size


def test_negative_probabilities():
    pop = np.array([4.0, 1.0, 0.0, 9.0])
    np.testing.assert_allclose(negative_probabilities(pop, 0.5), [2, 1, 0, 3] / np.float64(6))
    np.testing.assert_allclose(negative_probabilities(pop, 0.0), np.full(4, 0.25))     # 0 ** 0 = 1
    np.testing.assert_allclose(negative_probabilities(pop, 1.0), pop / pop.sum())
    for bad in (dict(popularity=[1.0, -1.0]), dict(popularity=[0.0, 0.0]), dict(popularity=[[1.0]]),
                dict(popularity=[1.0], power=-0.5)):
        with pytest.raises(ValueError):
            negative_probabilities(**{"power": 0.75, **bad})


def test_keys_and_membership_match_the_dense_matrix():
    X = toy_matrix()
    keys = positive_keys(X)
    assert np.all(np.diff(keys) > 0)
    uu, ii = np.meshgrid(np.arange(3), np.arange(6), indexing="ij")
    np.testing.assert_array_equal(is_positive(keys, 6, uu.ravel(), ii.ravel()), X.toarray().ravel() > 0)
    assert not is_positive(positive_keys(sp.csr_matrix((2, 3))), 3, [0, 1], [2, 0]).any()


@pytest.mark.parametrize("method", ["uniform", "popularity"])
def test_never_a_positive_and_seeded(method):
    X = toy_matrix()
    users = np.tile(np.arange(3), 2000)
    a = sample_negatives(X, users, np.random.default_rng(5), method=method)
    b = sample_negatives(X, users, 5, method=method)                     # an int seed works too
    c = sample_negatives(X, users, np.random.default_rng(6), method=method)
    assert a.dtype == np.int64 and a.shape == users.shape
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()
    assert not (X.toarray()[users, a] > 0).any()


def test_uniform_is_uniform_over_the_non_positives():
    X = toy_matrix()
    users = np.full(60_000, 1)                       # user 1's negatives: items 1, 3, 4
    f = frequencies(uniform_negatives(X, users, np.random.default_rng(0)), 6)
    np.testing.assert_allclose(f, [0, 1 / 3, 0, 1 / 3, 1 / 3, 0], atol=0.01)
    assert f[3] > 0.3                                # an item nobody interacted with is a negative too


@pytest.mark.parametrize("power", [0.75, 1.0])
def test_popularity_follows_the_powered_counts_among_the_non_positives(power):
    X = toy_matrix()
    users = np.full(80_000, 0)                       # user 0's negatives: items 2, 3, 4, 5 (counts 1, 0, 1, 1)
    f = frequencies(popularity_negatives(X, users, np.random.default_rng(1), power=power), 6)
    np.testing.assert_allclose(f, [0, 0, 1 / 3, 0, 1 / 3, 1 / 3], atol=0.01)   # item 3 has weight 0
    users = np.full(80_000, 2)                       # user 2's negatives: items 2, 3, 5 -> weights 1, 0, 1
    f = frequencies(popularity_negatives(X, users, np.random.default_rng(2), power=power), 6)
    np.testing.assert_allclose(f, [0, 0, 0.5, 0, 0, 0.5], atol=0.01)


def test_popularity_power_reweights():
    # one user with no positive; counts 1, 4, 16 from the others
    X = sp.csr_matrix(np.vstack([np.zeros(3), np.array([[1, 1, 1]] * 1 + [[0, 1, 1]] * 3 + [[0, 0, 1]] * 12)]))
    users = np.zeros(100_000, dtype=np.int64)
    for power, w in [(0.5, np.array([1.0, 2.0, 4.0])), (1.0, np.array([1.0, 4.0, 16.0]))]:
        f = frequencies(sample_negatives(X, users, np.random.default_rng(3), method="popularity", power=power), 3)
        np.testing.assert_allclose(f, w / w.sum(), atol=0.01)


def test_exact_fallback_for_crowded_users_and_impossible_users():
    X = sp.csr_matrix(np.array([[1, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]], dtype=float))
    got = sample_negatives(X, np.zeros(50, dtype=np.int64), np.random.default_rng(0), max_rounds=0)
    assert (got == 3).all()                          # the only negative of user 0
    with pytest.raises(ValueError, match="user row 1 has no possible negative"):
        sample_negatives(X, [0, 1], np.random.default_rng(0), max_rounds=0)
    # popularity: item 3 has weight 1 (one user), so user 0 can still get it
    assert (sample_negatives(X, [0, 0], 0, method="popularity") == 3).all()


def test_bad_input():
    X = toy_matrix()
    with pytest.raises(TypeError, match="Generator"):
        sample_negatives(X, [0], None)
    with pytest.raises(TypeError, match="Generator"):
        sample_negatives(X, [0], np.random.RandomState(0))
    with pytest.raises(ValueError, match="method"):
        sample_negatives(X, [0], 0, method="hard")
    with pytest.raises(IndexError):
        sample_negatives(X, [3], 0)
    with pytest.raises(TypeError):
        sample_negatives(X, [0.5], 0)
    assert sample_negatives(X, np.zeros((0,), dtype=np.int64), 0).shape == (0,)
    two_d = sample_negatives(X, np.array([[0, 1], [2, 2]]), 0)
    assert two_d.shape == (2, 2)


def test_global_random_state_is_not_used():
    X = toy_matrix()
    np.random.seed(0)
    a = sample_negatives(X, np.arange(3).repeat(50), 7)
    np.random.seed(1)
    b = sample_negatives(X, np.arange(3).repeat(50), 7)
    np.testing.assert_array_equal(a, b)


def test_a_reused_sampler_draws_what_sample_negatives_draws():
    X = toy_matrix()
    users = np.tile(np.arange(3), 500)
    for method in ("uniform", "popularity"):
        sampler = NegativeSampler(X, method, power=0.5)
        rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
        for _ in range(3):                                   # several epochs from one generator
            np.testing.assert_array_equal(sampler.sample(users, rng_a),
                                          sample_negatives(X, users, rng_b, method=method, power=0.5))

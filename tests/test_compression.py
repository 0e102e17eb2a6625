"""int8 quantisation and magnitude pruning (recsys_lib.compression)."""
from __future__ import annotations

import numpy as np
import pytest

from recsys_lib.compression import dequantize_int8, magnitude_prune, quantize_int8, table_nbytes


def test_quantisation_round_trip_error_is_within_one_step():
    E = np.random.default_rng(0).normal(size=(200, 16))
    q, s, z = quantize_int8(E)
    assert q.dtype == np.int8 and q.shape == E.shape
    assert s == pytest.approx((E.max() - E.min()) / 255)
    assert isinstance(z, int)
    back = dequantize_int8(q, s, z)
    assert np.abs(back - E).max() <= s / 2 * (1 + 1e-9)            # every entry within half a step
    assert q.min() == -128 and q.max() in (126, 127)


def test_quantisation_error_bound_holds_for_any_table():
    """The docstring's bound, |E - E_hat| <= s/2 for every entry, on tables of any range and offset, and on the one
    case that needs the clip: max E / s ending in exactly one half (round half to even goes up to 128)."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        E = rng.normal(size=(rng.integers(1, 30), rng.integers(2, 12))) * 10.0 ** rng.uniform(-5, 4) \
            + rng.normal() * 10.0 ** rng.uniform(-3, 3)
        q, s, z = quantize_int8(E)
        assert q.min() == -128
        assert np.abs(dequantize_int8(q, s, z) - E).max() <= s / 2 * (1 + 1e-9)
    E = np.array([[0.5, 255.5, 128.0], [1.5, 254.5, 99.5]])
    q, s, z = quantize_int8(E)
    assert (s, z) == (1.0, -128) and q.max() == 127 and int(np.round(255.5)) + z == 128   # the clip did its work
    np.testing.assert_allclose(np.abs(dequantize_int8(q, s, z) - E).max(), 0.5)


def test_quantisation_limit_cases():
    q, s, z = quantize_int8(np.full((3, 4), 2.5))
    assert s == 1.0
    np.testing.assert_allclose(dequantize_int8(q, s, z), 2.5, atol=0.5)
    q, s, z = quantize_int8(np.array([[0.0, 255.0]]))
    assert (s, z) == (1.0, -128) and q.tolist() == [[-128, 127]]
    with pytest.raises(ValueError):
        quantize_int8(np.array([1.0, 2.0]))
    with pytest.raises(ValueError):
        quantize_int8(np.array([[1.0, np.nan]]))


def test_per_row_quantisation_is_finer():
    E = np.random.default_rng(1).normal(size=(50, 8)) * np.linspace(0.1, 5, 50)[:, None]
    q, s, z = quantize_int8(E, per_row=True)
    assert s.shape == (50,) and z.shape == (50,)
    err_row = np.abs(dequantize_int8(q, s, z) - E).max(axis=1)
    assert (err_row <= s / 2 * (1 + 1e-9)).all()
    q1, s1, z1 = quantize_int8(E)
    assert np.abs(dequantize_int8(q, s, z) - E).mean() < np.abs(dequantize_int8(q1, s1, z1) - E).mean()


def test_magnitude_pruning():
    W = np.array([[0.5, -0.1, 2.0], [-3.0, 0.05, 0.1]])
    P = magnitude_prune(W, 0.5)
    assert (P == 0).sum() == 3
    np.testing.assert_array_equal(P, [[0.5, 0.0, 2.0], [-3.0, 0.0, 0.0]])   # the tie (0.1, -0.1) by position
    assert (W != 0).all()                                                    # a copy
    assert (magnitude_prune(W, 1.0) == 0).all() and (magnitude_prune(W, 0.0) == W).all()
    with pytest.raises(ValueError):
        magnitude_prune(W, 1.2)


def test_table_nbytes():
    q, s, z = quantize_int8(np.zeros((100, 8)) + np.arange(8))
    assert table_nbytes(q, s, z) == 800 + 8 + 8
    assert table_nbytes(np.zeros((100, 8))) == 6400

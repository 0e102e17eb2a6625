"""Population stability index and the retraining trigger (recsys_lib.monitoring)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from recsys_lib.monitoring import drift_table, first_trigger, psi, psi_categorical, psi_from_shares


def test_psi_from_shares_hand_computed():
    e, a = np.array([0.5, 0.5]), np.array([0.8, 0.2])
    expected = 0.3 * math.log(0.8 / 0.5) + (-0.3) * math.log(0.2 / 0.5)
    assert psi_from_shares(e, a) == pytest.approx(expected)
    assert psi_from_shares(e, e) == 0.0
    assert psi_from_shares(a, e) == pytest.approx(expected)              # symmetric
    assert psi_from_shares([1.0, 0.0], [0.0, 1.0]) == pytest.approx(2 * (1 - 1e-4) * math.log(1 / 1e-4))


def test_psi_numeric_uses_reference_deciles():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=20_000)
    assert psi(ref, ref) == pytest.approx(0.0, abs=1e-12)
    assert psi(ref, rng.normal(size=20_000)) < 0.01
    shifted = psi(ref, rng.normal(0.5, 1.0, size=20_000))
    assert 0.15 < shifted < 0.35
    # values outside the reference range land in the end bins (no error, no lost rows)
    assert psi(ref, np.full(100, 1e6)) == pytest.approx(psi_from_shares(np.full(10, 0.1), np.r_[np.zeros(9), 1.0]))
    with pytest.raises(ValueError):
        psi(ref, np.array([np.nan]))


def test_psi_categorical():
    assert psi_categorical(list("aabb"), list("abab")) == 0.0
    assert psi_categorical(list("aabb"), list("aaab")) == pytest.approx(
        psi_from_shares([0.5, 0.5], [0.75, 0.25]))
    assert psi_categorical(list("aa"), list("ab")) == pytest.approx(psi_from_shares([1.0, 0.0], [0.5, 0.5]))


def test_drift_table_and_trigger():
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"week": w, "x": rng.normal(0.15 * w, 1, 3000),
                            "c": rng.choice(["a", "b"], 3000, p=[0.5, 0.5])}) for w in range(6)]
    table = drift_table(pd.concat(frames), "week", numeric=["x"], categorical=["c"])
    assert list(table.columns) == ["x", "c"] and table.loc[0].tolist() == [0.0, 0.0]
    assert table["x"].is_monotonic_increasing
    week, feature = first_trigger(table, 0.2)
    assert feature == "x" and table.loc[week, "x"] > 0.2 >= table.loc[week - 1, "x"]
    assert first_trigger(table, 10.0) == (None, None)

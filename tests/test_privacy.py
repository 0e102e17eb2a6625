"""k-anonymity and small-cell suppression (recsys_lib.privacy)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.privacy import group_sizes, k_anonymity, suppress_small_cells

FRAME = pd.DataFrame({C.USER_ID: [1, 2, 3, 3, 4, 5], C.REGION: ["n", "n", "n", "n", "s", "s"],
                      C.DEVICE: ["m", "m", "d", "d", "m", "m"]})


def test_group_sizes_count_distinct_people():
    sizes = group_sizes(FRAME, [C.REGION, C.DEVICE])
    assert sizes.to_dict() == {("n", "d"): 1, ("n", "m"): 2, ("s", "m"): 2}
    assert k_anonymity(FRAME, [C.REGION, C.DEVICE]) == 1
    assert k_anonymity(FRAME, [C.REGION]) == 2
    with pytest.raises(KeyError, match="age_band"):
        k_anonymity(FRAME, [C.AGE_BAND])


def test_suppress_small_cells():
    report = pd.DataFrame({C.REGION: ["n", "s"], "people": [3, 12], "purchases": [2, 7]})
    out = suppress_small_cells(report, "people", 5)
    assert out[C.REGION].tolist() == ["n", "s"]
    assert np.isnan(out.loc[0, "purchases"]) and np.isnan(out.loc[0, "people"])
    assert out.loc[1, "purchases"] == 7 and report.loc[0, "purchases"] == 2     # a copy

r"""Privacy checks on reports that leave the team: k-anonymity and small-cell suppression.

Taught in module 09 (from_model_to_product).

A report aggregated over **quasi-identifiers** (attributes that, combined, can single a person out:
region, age band, device, ...) is :math:`k`-anonymous when every combination that appears in it
covers at least :math:`k` distinct people. A cell with fewer can reveal what those few did (a single
shopper's purchases); the usual remedy is to **suppress** (blank) such cells or to aggregate coarser.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C

__all__ = ["group_sizes", "k_anonymity", "suppress_small_cells"]


def group_sizes(frame: pd.DataFrame, quasi_identifiers, person: str = C.USER_ID) -> pd.Series:
    """Distinct people (column ``person``) per combination of the ``quasi_identifiers`` present in
    ``frame``. Taught in module 09 (from_model_to_product)."""
    qi = list(quasi_identifiers)
    missing = [c for c in qi + [person] if c not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} are not in the frame; it has {list(frame.columns)}")
    return frame.groupby(qi, observed=True)[person].nunique().rename("people")


def k_anonymity(frame: pd.DataFrame, quasi_identifiers, person: str = C.USER_ID) -> int:
    """The largest :math:`k` for which ``frame`` is k-anonymous: the smallest group size.
    Taught in module 09 (from_model_to_product)."""
    sizes = group_sizes(frame, quasi_identifiers, person)
    return int(sizes.min()) if len(sizes) else 0


def suppress_small_cells(report: pd.DataFrame, people: str, k: int) -> pd.DataFrame:
    """A copy of an aggregated ``report`` (one row per cell, a column ``people`` = distinct people per
    cell) with every value of the cells covering fewer than ``k`` people set to missing (the
    ``people`` count included). Taught in module 09 (from_model_to_product)."""
    if people not in report.columns:
        raise KeyError(f"report has no column {people!r}")
    out = report.astype({c: "float64" for c in report.columns if pd.api.types.is_numeric_dtype(report[c])})
    small = report[people].to_numpy() < int(k)
    value_cols = [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c])]
    out.loc[small, value_cols] = np.nan
    return out

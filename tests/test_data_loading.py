"""load_shop: dtypes on good input; a clear error naming file, row and column on bad input."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.data import ShopDataError, load_shop

FIXTURES = Path(__file__).parent / "fixtures" / "shops"
TINY = FIXTURES / "tiny"


def test_tiny_shop_loads_with_schema_dtypes():
    items, users, events = load_shop(TINY)
    assert len(items) == 5 and len(users) == 3 and len(events) == 12
    assert events[C.TIMESTAMP].dtype == "datetime64[ns]"
    assert list(events[C.EVENT_TYPE].cat.categories) == list(C.EVENT_TYPES)
    assert events[C.ITEM_ID].dtype == "Int64" and events[C.POSITION].dtype == "Int64"
    assert events[C.ITEM_ID].isna().sum() == 2            # the two searches
    assert events[C.USER_ID].dtype == "int64" and items[C.PRICE].dtype == "float64"
    assert isinstance(items[C.CATEGORY].dtype, pd.CategoricalDtype)
    assert events.loc[events[C.EVENT_TYPE] == C.PURCHASE, C.PRICE_PAID].tolist() == [399.0]


def test_unsorted_events_are_sorted_not_dropped(tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    lines = (TINY / "events.csv").read_text().splitlines()
    (tmp_path / "events.csv").write_text("\n".join([lines[0]] + lines[:0:-1]) + "\n")
    events = load_shop(tmp_path).events
    assert len(events) == 12
    assert events[C.USER_ID].is_monotonic_increasing
    assert events.groupby(C.USER_ID)[C.TIMESTAMP].apply(lambda t: t.is_monotonic_increasing).all()


# case folder -> (file, row or None for the header, column, words the message must contain)
MALFORMED = {
    "missing_column": ("events.csv", None, C.TIMESTAMP, "missing column"),
    "bad_timestamp": ("events.csv", 3, C.TIMESTAMP, "unparseable timestamp"),
    "missing_timestamp": ("events.csv", 4, C.TIMESTAMP, "missing timestamp"),
    "negative_price": ("items.csv", 2, C.PRICE, "must be at least 0"),
    "missing_price": ("items.csv", 4, C.PRICE, "missing value"),
    "unknown_event_type": ("events.csv", 5, C.EVENT_TYPE, "unknown event type"),
    "unknown_item": ("events.csv", 6, C.ITEM_ID, "not found in the items table"),
    "unknown_user": ("events.csv", 2, C.USER_ID, "not found in the users table"),
    "duplicated_item_id": ("items.csv", 3, C.ITEM_ID, "duplicated"),
    "duplicated_user_id": ("users.csv", 3, C.USER_ID, "duplicated"),
    "non_integer_user_id": ("users.csv", 2, C.USER_ID, "not an integer"),
    "negative_price_paid": ("events.csv", 6, C.PRICE_PAID, "must be at least 0"),
    "missing_price_paid": ("events.csv", 6, C.PRICE_PAID, "missing price_paid"),
    "missing_item_for_click": ("events.csv", 4, C.ITEM_ID, "missing item_id"),
    "rating_out_of_range": ("items.csv", 5, C.RATING, "between 1 and 5"),
    "ragged_row": ("events.csv", 8, None, "malformed CSV"),
    "empty_file": ("users.csv", None, None, "empty file"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_rejected_naming_file_row_and_column(case, tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    shutil.copytree(FIXTURES / "malformed" / case, tmp_path, dirs_exist_ok=True)
    file, row, column, words = MALFORMED[case]
    with pytest.raises(ShopDataError) as info:
        load_shop(tmp_path)
    err = info.value
    message = str(err)
    assert Path(err.file).name == file and file in message
    assert err.row == row
    assert err.column == column
    if row is not None:
        assert f"row {row} (line {row + 1})" in message
    else:
        assert "header" in message
    if column is not None:
        assert f"'{column}'" in message
    assert words in message


def test_every_malformed_fixture_has_an_expectation():
    folders = {p.name for p in (FIXTURES / "malformed").iterdir() if p.is_dir()}
    assert folders == set(MALFORMED)


def test_missing_file_and_folder_are_named(tmp_path):
    shutil.copytree(TINY, tmp_path / "shop")
    (tmp_path / "shop" / "users.csv").unlink()
    with pytest.raises(ShopDataError, match=r"users\.csv.*file not found"):
        load_shop(tmp_path / "shop")
    with pytest.raises(ShopDataError, match="not a folder"):
        load_shop(tmp_path / "nowhere")


def test_error_counts_every_row_with_the_same_problem(tmp_path):
    shutil.copytree(TINY, tmp_path, dirs_exist_ok=True)
    text = (TINY / "events.csv").read_text().replace(",click,", ",checkout,")
    (tmp_path / "events.csv").write_text(text)
    with pytest.raises(ShopDataError) as info:
        load_shop(tmp_path)
    assert info.value.n_rows == 2 and "1 more row(s)" in str(info.value)

"""The shipped shop: regenerates exactly, loads with its schema, and its data card is current."""
from __future__ import annotations

import gzip
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.data import load_shop, shipped_shop_path
from recsys_lib.data.files import SHOP_FILES
from recsys_lib.data.statistics import headline_statistics_markdown
from recsys_lib.simulation import ShopConfig, generate_shop

SHIPPED = shipped_shop_path()


def _text(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def test_cli_regenerates_the_shipped_files_exactly(tmp_path):
    out = tmp_path / "shop"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "data", "generate", "--out", str(out), "--quiet"],
                         capture_output=True, text=True, check=True)
    assert "wrote" in run.stdout
    for name in SHOP_FILES.values():
        assert _text(out / name) == _text(SHIPPED / name), f"{name} differs from the shipped file"
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes(), f"{name}: same content, other bytes"


def test_cli_writes_a_shop_of_any_size(tmp_path):
    subprocess.run([sys.executable, "-m", "autograder.cli", "data", "generate", "--users", "200", "--items", "100",
                    "--days", "10", "--seed", "5", "--out", str(tmp_path), "--quiet"], check=True)
    items, users, events = load_shop(tmp_path)
    assert len(users) == 200 and len(items) == 100
    assert events[C.TIMESTAMP].dt.normalize().nunique() <= 11


def test_shipped_shop_loads_and_equals_a_fresh_generation():
    shipped = load_shop()
    fresh = generate_shop(ShopConfig.shipped()).tables
    for a, b in zip(shipped, fresh):
        pd.testing.assert_frame_equal(a, b)


def test_shipped_shop_is_small():
    size = sum((SHIPPED / name).stat().st_size for name in SHOP_FILES.values())
    assert size < 5e6


def test_datacard_statistics_are_current():
    card = (SHIPPED / "DATACARD.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- stats:begin -->\n(.*?)\n<!-- stats:end -->", card, re.S)
    assert block, "DATACARD.md lacks the generated statistics block"
    assert block.group(1).strip() == headline_statistics_markdown(load_shop()).strip(), (
        "the data card's statistics are stale: paste the output of `recsys-course data stats`")


@pytest.mark.parametrize("field", ["n_users", "n_items", "n_days", "seed"])
def test_datacard_states_the_shipped_settings(field):
    card = (SHIPPED / "DATACARD.md").read_text(encoding="utf-8")
    assert f"`{field}` | {getattr(ShopConfig.shipped(), field)}" in card.replace(",", "")

"""The real-log loaders (recsys_lib.data.real) on fixture files in each source's exact format:
mapping onto the events schema, counted drops, errors naming file/row/column, and the download
path (pooch mocked: tests never touch the network)."""
from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.data.real import (DATASETS, RealDataError, RealDataNotFound, fetch, load_real,
                                  local_file)
from recsys_lib.data.real.reading import sessions_by_gap

FIX = Path(__file__).resolve().parent / "fixtures" / "real"
ML = FIX / "movielens100k" / "ml-100k"
EVENT_DTYPES = {C.USER_ID: "int64", C.SESSION_ID: "int64", C.TIMESTAMP: "datetime64[ns]", C.POSITION: "Int64",
                C.PRICE_PAID: "float64"}


def _check_schema(events: pd.DataFrame, item_dtype="Int64"):
    assert list(events.columns[: len(C.EVENT_COLUMNS)]) == list(C.EVENT_COLUMNS)
    for col, dtype in EVENT_DTYPES.items():
        assert str(events[col].dtype) == dtype, col
    assert str(events[C.ITEM_ID].dtype) == item_dtype
    assert list(events[C.EVENT_TYPE].cat.categories) == list(C.EVENT_TYPES)
    assert events[C.QUERY].isna().all() and events[C.POSITION].isna().all()
    key = events[[C.USER_ID, C.TIMESTAMP]].to_numpy()
    assert (pd.DataFrame(key).sort_values([0, 1], kind="stable").index == np.arange(len(events))).all()


def _write(tmp_path, name, text, encoding="ascii"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------ MovieLens
def test_movielens_fixture_folder_zip_and_file_agree(tmp_path):
    raw = pd.read_csv(ML / "u.data", sep="\t", header=None, names=["u", "i", "r", "t"])
    log = load_real("movielens100k", FIX / "movielens100k")
    _check_schema(log.events)
    assert log.rows_read == len(raw) == len(log.events) and log.dropped == {} and not log.complete
    assert (log.events[C.EVENT_TYPE] == C.CLICK).all()
    merged = log.events.merge(raw, left_on=[C.USER_ID, C.ITEM_ID], right_on=["u", "i"])
    assert len(merged) == len(raw)
    assert (merged[C.RATING] == merged["r"]).all()
    assert (merged[C.TIMESTAMP] == pd.to_datetime(merged["t"], unit="s")).all()
    # items from u.item: Latin-1 title and the first genre flagged
    item7 = log.items.set_index(C.ITEM_ID).loc[7]
    assert item7[C.TITLE] == "Café des étoiles (1996)" and item7[C.CATEGORY] == "Action"
    assert log.items.set_index(C.ITEM_ID).loc[45, C.CATEGORY] == "Animation"

    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in ("u.data", "u.item"):
            zf.write(ML / name, f"ml-100k/{name}")
    from_zip = load_real("movielens100k", archive)
    pd.testing.assert_frame_equal(from_zip.events, log.events)
    pd.testing.assert_frame_equal(from_zip.items, log.items)
    just_file = load_real("movielens100k", ML / "u.data", nrows=10)
    assert len(just_file.events) == 10


def test_movielens_exact_rows_and_sessions(tmp_path):
    path = _write(tmp_path, "u.data", "196\t242\t3\t881250949\n196\t302\t5\t881251949\n196\t51\t2\t881260000\n"
                                      "22\t377\t1\t878887116\n")
    log = load_real("movielens100k", path)
    ev = log.events
    assert ev[C.USER_ID].tolist() == [22, 196, 196, 196]
    assert ev[C.ITEM_ID].tolist() == [377, 242, 302, 51]
    assert ev[C.RATING].tolist() == [1, 3, 5, 2]
    assert ev[C.TIMESTAMP].iloc[1] == pd.Timestamp("1997-12-04 15:55:49")
    # 1000 s apart: same session; 8051 s later: a new one
    assert ev[C.SESSION_ID].tolist()[1] == ev[C.SESSION_ID].tolist()[2] != ev[C.SESSION_ID].tolist()[3]
    assert ev[C.SESSION_ID].nunique() == 3
    assert log.items[C.ITEM_ID].tolist() == [51, 242, 302, 377]


@pytest.mark.parametrize("line3, column, problem", [
    ("196\t51\t4.5\t881260000", "rating", "not an integer"),
    ("196\t51\t7\t881260000", "rating", "stars must be 1 to 5"),
    ("196\t51\t3", "timestamp", "missing value"),
    ("196\tabc\t3\t881260000", "item_id", "not an integer"),
])
def test_movielens_malformed_row_names_file_row_column(tmp_path, line3, column, problem):
    path = _write(tmp_path, "u.data", f"196\t242\t3\t881250949\n196\t302\t5\t881251949\n{line3}\n")
    with pytest.raises(RealDataError) as err:
        load_real("movielens100k", path)
    e = err.value
    assert (e.row, e.column) == (3, column) and problem in str(e)
    assert str(path) in str(e) and "row 3 (line 3)" in str(e)       # no header: row 3 is line 3


# ------------------------------------------------------------------------------ Retailrocket
def test_retailrocket_fixture():
    with open(FIX / "retailrocket" / "events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    log = load_real("retailrocket", FIX / "retailrocket" / "events.csv")
    _check_schema(log.events)
    counts = log.events[C.EVENT_TYPE].value_counts()
    assert counts[C.CLICK] == sum(r["event"] == "view" for r in rows)
    assert counts[C.ADD_TO_CART] == sum(r["event"] == "addtocart" for r in rows)
    assert counts[C.PURCHASE] == sum(r["event"] == "transaction" for r in rows) == 6
    first = min(rows, key=lambda r: int(r["timestamp"]))
    earliest = log.events.loc[log.events[C.TIMESTAMP].idxmin()]
    assert earliest[C.TIMESTAMP] == pd.Timestamp(int(first["timestamp"]), unit="ms")
    assert earliest[C.USER_ID] == int(first["visitorid"]) and earliest[C.ITEM_ID] == int(first["itemid"])
    # every visitor has one break of an hour in the fixture: two sessions each
    assert log.events.groupby(C.USER_ID)[C.SESSION_ID].nunique().tolist() == [2] * 6


@pytest.mark.parametrize("bad, column, problem", [
    ("1433221332117,1,click,100,", "event", "unknown event type"),
    ("1433221332117,1,transaction,100,", "transactionid", "missing transaction id"),
    ("1433221332117,x1,view,100,", "visitorid", "not an integer"),
])
def test_retailrocket_malformed(tmp_path, bad, column, problem):
    path = _write(tmp_path, "events.csv", "timestamp,visitorid,event,itemid,transactionid\n"
                                          f"1433221332000,1,view,100,\n{bad}\n")
    with pytest.raises(RealDataError) as err:
        load_real("retailrocket", path)
    assert (err.value.row, err.value.column) == (2, column) and problem in str(err.value)
    assert "row 2 (line 3)" in str(err.value)


def test_retailrocket_wrong_header(tmp_path):
    path = _write(tmp_path, "events.csv", "time,visitor,event,item\n1,2,view,3\n")
    with pytest.raises(RealDataError, match="unexpected header"):
        load_real("retailrocket", path)


# ------------------------------------------------------------------------------ Taobao
def test_taobao_fixture():
    raw = pd.read_csv(FIX / "taobao" / "UserBehavior.csv", header=None, names=["u", "i", "c", "b", "t"])
    log = load_real("taobao", FIX / "taobao" / "UserBehavior.csv")
    _check_schema(log.events)
    expected = raw["b"].map({"pv": C.CLICK, "fav": C.FAVORITE, "cart": C.ADD_TO_CART, "buy": C.PURCHASE})
    assert log.events[C.EVENT_TYPE].value_counts().to_dict() == {
        **{t: 0 for t in C.EVENT_TYPES}, **expected.value_counts().to_dict()}
    assert log.events[C.TIMESTAMP].min() == pd.to_datetime(raw["t"].min(), unit="s")
    cats = log.items.set_index(C.ITEM_ID)[C.CATEGORY]
    assert cats.loc[2268318] == 2520377 and cats.loc[2576651] == 149192 and log.notes == []


def test_taobao_item_under_two_categories_is_noted(tmp_path):
    path = _write(tmp_path, "UserBehavior.csv", "1,10,7,pv,1511544070\n1,10,7,pv,1511544080\n2,10,8,buy,1511544090\n")
    log = load_real("taobao", path)
    assert log.items[C.CATEGORY].tolist() == [7] and len(log.events) == 3
    assert log.notes == ["1 item(s) appear under several category ids; `items` keeps each one's most "
                         "frequent (all events are kept)"]


@pytest.mark.parametrize("bad, column", [("1,10,7,like,1511544070", "behavior_type"),
                                         ("1,10x,7,pv,1511544070", "item_id")])
def test_taobao_malformed(tmp_path, bad, column):
    path = _write(tmp_path, "UserBehavior.csv", f"1,10,7,pv,1511544070\n{bad}\n")
    with pytest.raises(RealDataError) as err:
        load_real("taobao", path)
    assert (err.value.row, err.value.column) == (2, column) and "row 2 (line 2)" in str(err.value)


# ------------------------------------------------------------------------------ UCI Online Retail
RETAIL_DROPS = {"no CustomerID (the purchase cannot be given to a shopper)": 2,
                "cancellations (InvoiceNo starting with C)": 2,
                "other lines with a quantity of 0 or less (stock adjustments)": 1,
                "negative UnitPrice (bad-debt adjustments)": 1,
                "stock codes that are not products (postage, fees, manual adjustments)": 1}


@pytest.mark.parametrize("name", ["Online Retail.xlsx", "data.csv"])
def test_online_retail_fixture_string_codes_and_counted_drops(name):
    log = load_real("online_retail", FIX / "online_retail" / name)
    _check_schema(log.events, item_dtype="string")
    assert log.rows_read == 19 and log.dropped == RETAIL_DROPS
    assert len(log.events) == 19 - sum(RETAIL_DROPS.values())
    assert (log.events[C.EVENT_TYPE] == C.PURCHASE).all()
    ev = log.events
    assert set(ev[C.ITEM_ID]) == {"85123A", "71053", "84406B", "22633", "84879", "22745", "22728", "85123a",
                                  "22752", "22613"}                     # number cells read as codes too
    first = ev[(ev[C.USER_ID] == 17850) & (ev[C.ITEM_ID] == "85123A")].iloc[0]
    assert first[C.TIMESTAMP] == pd.Timestamp("2010-12-01 08:26") and first[C.PRICE_PAID] == 2.55
    assert ev.groupby(C.USER_ID)[C.SESSION_ID].nunique().to_dict() == {12583: 1, 12680: 1, 13047: 1, 15311: 1,
                                                                       17850: 2}
    items = log.items.set_index(C.ITEM_ID)
    assert items.loc["85123A", C.PRICE] == 2.95          # the last price (2011-12-09)
    assert items.loc["85123a", C.TITLE] == "CAFÉ HEART HOLDER (lower-case code)"
    kept_all = load_real("online_retail", FIX / "online_retail" / name, products_only=False)
    assert "POST" in set(kept_all.events[C.ITEM_ID])


def test_online_retail_malformed_cells(tmp_path):
    from openpyxl import load_workbook

    wb = load_workbook(FIX / "online_retail" / "Online Retail.xlsx")
    wb.active["D5"] = "six"                               # Quantity of data row 4
    xlsx = tmp_path / "Online Retail.xlsx"
    wb.save(xlsx)
    with pytest.raises(RealDataError) as err:
        load_real("online_retail", xlsx)
    assert (err.value.row, err.value.column) == (4, "Quantity") and "spreadsheet row 5" in str(err.value)

    lines = (FIX / "online_retail" / "data.csv").read_bytes().decode("latin-1").split("\n")
    lines[3] = lines[3].replace("12/1/2010 8:26", "31/31/2010 8:26")
    bad = _write(tmp_path, "data.csv", "\n".join(lines), encoding="latin-1")
    with pytest.raises(RealDataError) as err:
        load_real("online_retail", bad)
    assert (err.value.row, err.value.column) == (3, "InvoiceDate") and "line 4" in str(err.value)

    no_price = _write(tmp_path, "short.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,CustomerID,Country\n")
    with pytest.raises(RealDataError, match="missing column"):
        load_real("online_retail", no_price)


# ------------------------------------------------------------------------------ DIGINETICA
def test_diginetica_fixture_and_anonymous_users():
    raw = pd.read_csv(FIX / "diginetica" / "train-item-views.csv", sep=";", na_values=["NA"])
    log = load_real("diginetica", FIX / "diginetica" / "train-item-views.csv")
    _check_schema(log.events)
    assert len(log.events) == len(raw) and (log.events[C.EVENT_TYPE] == C.CLICK).all()
    per_session = log.events.groupby(C.SESSION_ID)[C.USER_ID].unique()
    assert all(len(u) == 1 for u in per_session)
    known = raw.dropna(subset=["userId"]).groupby("sessionId")["userId"].first().astype(int)
    for sid, uid in known.items():
        assert per_session[sid][0] == uid
    anonymous = sorted(set(raw.loc[raw["userId"].isna(), "sessionId"]))
    assert [per_session[s][0] for s in anonymous] == list(range(int(known.max()) + 1, int(known.max()) + 1 + len(anonymous)))
    row = raw.iloc[0]
    first = log.events[(log.events[C.SESSION_ID] == row["sessionId"])].iloc[0]
    assert first[C.TIMESTAMP] == pd.Timestamp(row["eventdate"]) + pd.Timedelta(milliseconds=int(row["timeframe"]))


@pytest.mark.parametrize("bad, column", [("2;NA;100;5000;2016-13-01", "eventdate"),
                                         ("2;x;100;5000;2016-05-09", "userId")])
def test_diginetica_malformed(tmp_path, bad, column):
    path = _write(tmp_path, "train-item-views.csv",
                  f"sessionId;userId;itemId;timeframe;eventdate\n1;NA;100;0;2016-05-09\n{bad}\n")
    with pytest.raises(RealDataError) as err:
        load_real("diginetica", path)
    assert (err.value.row, err.value.column) == (2, column)


# ------------------------------------------------------------------------------ shared pieces
def test_sessions_by_gap():
    users = np.array([1, 1, 1, 2, 2])
    t = np.array(["2020-01-01T10:00", "2020-01-01T10:29", "2020-01-01T11:00", "2020-01-01T10:00",
                  "2020-01-01T10:30"], dtype="datetime64[ns]")
    assert sessions_by_gap(users, t).tolist() == [1, 1, 2, 3, 3]     # 31 min apart: new session
    assert sessions_by_gap(users[::-1], t[::-1]).tolist() == [3, 3, 2, 1, 1]


def test_not_found_never_downloads(tmp_path, monkeypatch):
    import pooch

    def no_network(*args, **kwargs):
        raise AssertionError("a test must never download")

    monkeypatch.setattr(pooch, "retrieve", no_network)
    assert local_file("movielens100k", cache=tmp_path) is None
    with pytest.raises(RealDataNotFound, match="--download"):
        load_real("movielens100k", cache=tmp_path)
    with pytest.raises(RealDataNotFound, match="kaggle datasets download"):
        load_real("retailrocket", cache=tmp_path)
    with pytest.raises(RealDataNotFound, match="cannot be downloaded automatically"):
        load_real("taobao", cache=tmp_path, download=True)
    with pytest.raises(RealDataNotFound, match="no such file"):
        load_real("diginetica", tmp_path / "missing.csv")


def _fake_retrieve(source: Path, calls: list):
    def retrieve(url, known_hash, fname, path, progressbar):
        calls.append((url, known_hash, fname))
        Path(path).mkdir(parents=True, exist_ok=True)
        target = Path(path) / fname
        if not target.exists():
            shutil.copy(source, target)
        return str(target)
    return retrieve


def test_download_records_the_first_hash_and_verifies_later(tmp_path, monkeypatch):
    import pooch

    archive = tmp_path / "src" / "online+retail.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(FIX / "online_retail" / "Online Retail.xlsx", "Online Retail.xlsx")
    calls: list = []
    monkeypatch.setattr(pooch, "retrieve", _fake_retrieve(archive, calls))
    cache = tmp_path / "cache"
    log = load_real("online_retail", cache=cache, download=True, progress=False)
    assert calls == [(DATASETS["online_retail"].url, None, "online+retail.zip")]
    assert log.dropped == RETAIL_DROPS and "online+retail.zip" in log.summary()
    recorded = json.loads((cache / "online_retail" / "checksums.json").read_text())["online+retail.zip"]
    assert recorded == pooch.file_hash(str(archive), alg="sha256")
    # found in the cache, verified, not downloaded again
    assert load_real("online_retail", cache=cache).rows_read == 19 and len(calls) == 1
    fetch("online_retail", cache=cache, progress=False)
    assert calls[-1][1] == f"sha256:{recorded}"           # a second download is checked against it
    with open(cache / "online_retail" / "online+retail.zip", "ab") as f:
        f.write(b"tampered")
    with pytest.raises(ValueError, match="does not match"):
        load_real("online_retail", cache=cache)


def test_movielens_download_uses_the_published_md5(tmp_path, monkeypatch):
    import pooch

    archive = tmp_path / "ml-100k.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(ML / "u.data", "ml-100k/u.data")
    calls: list = []
    monkeypatch.setattr(pooch, "retrieve", _fake_retrieve(archive, calls))
    path = fetch("movielens100k", cache=tmp_path / "cache", progress=False)
    assert calls == [(DATASETS["movielens100k"].url, "md5:0e33842e24a9c977be4e0107933c0723", "ml-100k.zip")]
    assert local_file("movielens100k", cache=tmp_path / "cache") == path
    # our stand-in zip is not GroupLens' file: reading the cached copy refuses it
    with pytest.raises(ValueError, match="md5 checksum"):
        load_real("movielens100k", cache=tmp_path / "cache")


def test_registry_and_data_index_agree(repo_root):
    index = (repo_root / "datasets" / "README.md").read_text(encoding="utf-8")
    from recsys_lib.data.real import LOADERS

    assert set(LOADERS) == set(DATASETS)
    for info in DATASETS.values():
        assert f"`{info.name}`" in index and info.homepage in index
        assert f"{info.expected_rows:,}" in index
        if info.url:
            assert info.url in index
        if info.known_hash:
            assert info.known_hash.split(":", 1)[1] in index

"""The one-call evaluation on a real log (recsys_lib.evaluation_real, `recsys-course evaluate`)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib import evaluation_real as E
from recsys_lib.data.real import DATASETS

ML = Path(__file__).resolve().parent / "fixtures" / "real" / "movielens100k"
BASE = ["pop", "itemknn", "userknn"]


def _log(rows):
    """events from (user, item, minute) rows, all clicks."""
    users, items, minutes = zip(*rows)
    n = len(rows)
    return pd.DataFrame({C.USER_ID: np.array(users, dtype=np.int64), C.SESSION_ID: np.ones(n, dtype=np.int64),
                         C.TIMESTAMP: pd.Timestamp("2024-01-01") + pd.to_timedelta(np.array(minutes), unit="min"),
                         C.EVENT_TYPE: pd.Categorical([C.CLICK] * n, categories=list(C.EVENT_TYPES)),
                         C.ITEM_ID: pd.array(items)})


def test_leave_last_out_split_by_hand():
    events = _log([(1, "a", 0), (1, "b", 1), (1, "c", 5), (1, "d", 5),     # last moment: basket {c, d}
                   (2, "a", 0), (2, "c", 3), (2, "b", 4),                  # last: b
                   (3, "z", 9),                                            # one moment: not a case, kept
                   (4, "a", 1), (4, "q", 2)])                              # last item q never in training
    split = E.leave_last_out(events)
    users, items = list(split.user_ids), list(split.item_ids)
    assert users == [1, 2, 3, 4] and items == ["a", "b", "c", "z"]
    assert [users[r] for r in split.case_rows] == [1, 2]
    assert [sorted(items[j] for j in rel) for rel in split.relevant] == [["c"], ["b"]]   # d is not in training
    assert split.skipped_new_items == 1 and split.skipped_cold == 1
    X = split.train.toarray()
    assert X.tolist() == [[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]
    assert split.repeat_share == 0.0
    repeat = E.leave_last_out(_log([(1, "a", 0), (1, "b", 1), (1, "a", 2), (2, "a", 0), (2, "b", 1)]))
    assert repeat.repeat_share == 0.5              # user 1 comes back to a, user 2 asks for b


def test_movielens_fixture_table():
    result = E.evaluate_real("movielens100k", ML, BASE, progress=False)
    table = result.table
    assert list(table.index) == BASE and list(table.columns[:3]) == ["HR@10", "NDCG@10", "MRR@10"]
    assert len(result.split.case_rows) == 45 and result.log.rows_read == 821
    values = table[["HR@10", "NDCG@10", "MRR@10"]].to_numpy()
    assert ((values >= 0) & (values <= 1)).all()
    assert (table["MRR@10"] <= table["NDCG@10"] + 1e-12).all() and (table["NDCG@10"] <= table["HR@10"] + 1e-12).all()
    # the fixture has three taste groups: neighbourhood models must beat popularity clearly
    assert table.loc["itemknn", "HR@10"] > table.loc["pop", "HR@10"] + 0.2
    assert "45 leave-last-out cases" in result.describe()
    again = E.evaluate_real("movielens100k", ML, BASE, progress=False)
    pd.testing.assert_frame_equal(again.table.iloc[:, :3], table.iloc[:, :3])


def test_full_catalogue_limit_case():
    """With K = the whole catalogue and seen items allowed, every target is ranked somewhere: HR = 1."""
    result = E.evaluate_real("movielens100k", ML, BASE, k=60, exclude_seen=False, progress=False)
    assert (result.table["HR@60"] == 1.0).all()


def test_string_ids_and_sampled_users():
    rng = np.random.default_rng(0)
    rows = [(u, f"{rng.integers(10000, 10030)}{'AB'[u % 2]}", m) for u in range(1, 40) for m in range(6)]
    result = E.evaluate_log(_log(rows), ["pop", "itemknn"], max_cases=10, seed=3, progress=False)
    assert len(result.split.case_rows) == 10 and result.split.item_ids.dtype == object
    same = E.evaluate_log(_log(rows), ["pop", "itemknn"], max_cases=10, seed=3, progress=False)
    assert (same.split.case_rows == result.split.case_rows).all()


def test_model_registry_is_lazy_and_honest(monkeypatch):
    available = E.available_models()
    assert set(BASE) <= set(available)
    monkeypatch.setitem(E.MODELS, "future", E.ModelSpec("future", "a model of a later module", "NoSuchRecommender"))
    assert "future" not in E.available_models()
    with pytest.raises(KeyError, match="not in this version"):
        E.build_model("future")
    with pytest.raises(KeyError, match="unknown model"):
        E.evaluate_log(_log([(1, 1, 0), (1, 2, 1)]), ["nope"], progress=False)
    if "bpr" in available:       # seeded models get the seed: the same table twice
        a = E.evaluate_real("movielens100k", ML, ["bpr"], seed=1, progress=False).table["HR@10"]
        b = E.evaluate_real("movielens100k", ML, ["bpr"], seed=1, progress=False).table["HR@10"]
        assert a.equals(b)


def test_nothing_to_evaluate_is_a_clear_error():
    with pytest.raises(ValueError, match="no leave-last-out case"):
        E.evaluate_log(_log([(1, 1, 0), (2, 2, 0)]), ["pop"], progress=False)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder.cli", "evaluate", *args], capture_output=True,
                          text=True, timeout=300)


def test_cli_prints_the_table_and_uses_exit_codes():
    from recsys_lib.cli import REAL_DATA

    assert tuple(DATASETS) == REAL_DATA
    out = _cli("--data", "movielens100k", "--path", str(ML), "--models", "pop,itemknn", "--no-progress")
    assert out.returncode == 0, out.stderr
    expected = E.evaluate_real("movielens100k", ML, ["pop", "itemknn"], progress=False).table
    lines = {line.split()[0]: line.split() for line in out.stdout.splitlines() if line.split()}
    assert lines["HR@10"][:3] == ["HR@10", "NDCG@10", "MRR@10"]
    for model in ("pop", "itemknn"):
        assert [float(v) for v in lines[model][1:4]] == [round(expected.loc[model, c], 3)
                                                         for c in ("HR@10", "NDCG@10", "MRR@10")]
    assert _cli("--data", "movielens100k", "--path", str(ML), "--models", "pop,nope").returncode == 2
    missing = _cli("--data", "retailrocket", "--cache", str(ML / "empty"))
    assert missing.returncode == 2 and "kaggle" in missing.stderr
    listing = _cli("--list-models")
    assert listing.returncode == 0 and all(f"\n{m} " in "\n" + listing.stdout for m in BASE)


@pytest.mark.slow
def test_the_capstone_lstm_runs_on_a_real_log_reproducibly():
    """`recsys-course evaluate --models lstm`: a log without item lists or sessions (MovieLens) still
    trains the Embedding-LSTM (one session per user, a plain softmax head), seeded: the same table twice."""
    first = E.evaluate_real("movielens100k", ML, ["pop", "lstm"], progress=False).table
    again = E.evaluate_real("movielens100k", ML, ["lstm"], progress=False).table
    assert first.loc["lstm", "HR@10"] == again.loc["lstm", "HR@10"]
    assert first.loc["lstm", "NDCG@10"] == again.loc["lstm", "NDCG@10"]
    # three taste groups in the fixture: the sequence model beats popularity
    assert first.loc["lstm", "HR@10"] > first.loc["pop", "HR@10"]

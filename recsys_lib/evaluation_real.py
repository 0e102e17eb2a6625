r"""The course's recommenders on a real log, in one call.

::

    from recsys_lib.evaluation_real import evaluate_real
    result = evaluate_real("movielens100k", path="ml-100k.zip", models=["pop", "itemknn"])
    print(result.report())          # HR@10, NDCG@10, MRR@10 per model

(``recsys-course evaluate --data movielens100k --models pop,itemknn`` prints the same.)

The protocol is module 04's leave-last-out, on the log's interactions (click, favorite,
add_to_cart, purchase events with an item):

* each user with an interaction before their last one is a **case**: the cutoff is the time of
  the user's last interaction, the relevant items are the distinct items of that moment (one, or
  the basket of a last invoice) that occur in training, and the user's history is everything
  strictly before it (``recsys_lib.evaluation.leave_last_out_split``; other users keep all their
  events, the usual, slightly optimistic, per-user protocol); a user whose interactions all
  happen at one moment is not a case and keeps them in training;
* every model ranks the **full catalogue** (all items of the training interactions, no sampled
  negatives), already-seen items excluded unless ``exclude_seen=False``; KNN slots without a
  candidate are filled with popular items;
* HR@k, NDCG@k and MRR@k (MRR cut at k) with ``recsys_lib.metrics``.

Ids of any type (UCI Online Retail's string stock codes) are mapped to integer codes here, so every
model sees a users x items matrix (or, for a sequence model, the time-ordered training events).

Taught in module 04 (knn_collaborative_filtering); module 08 adds the LSTM to the same table.
"""
from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recsys_lib import columns as C

#: event types that count as an interaction (as in ``recsys_lib.features.interaction_matrix``)
INTERACTION_TYPES = (C.CLICK, C.FAVORITE, C.ADD_TO_CART, C.PURCHASE)
_CASE_USER, _CASE_CUTOFF = "user_id", "cutoff"


@dataclass(frozen=True)
class ModelSpec:
    """A recommender the evaluation can run: ``attr`` in ``recsys_lib.models``, its settings, and
    what ``fit`` takes ("matrix": users x items counts; "events": the time-ordered training
    interactions with integer-coded ``C.USER_ID`` / ``C.ITEM_ID``).

    Taught in module 04 (knn_collaborative_filtering).
    """

    name: str
    label: str
    attr: str
    params: dict = field(default_factory=dict)
    takes: str = "matrix"


#: every model the evaluation knows; the ones whose class is not (yet) in recsys_lib.models are
#: left out of :func:`available_models` (BPR arrives with module 07, the LSTM with module 08)
MODELS: dict[str, ModelSpec] = {m.name: m for m in (
    ModelSpec("pop", "popularity", "PopularityRecommender"),
    ModelSpec("itemknn", "item-KNN (cosine, 100 neighbours)", "ItemKNNRecommender",
              {"n_neighbors": 100, "fill_with_popular": True}),
    ModelSpec("userknn", "user-KNN (cosine, 50 neighbours)", "UserKNNRecommender",
              {"n_neighbors": 50, "fill_with_popular": True}),
    ModelSpec("bpr", "BPR matrix factorisation", "BPRMatrixFactorization"),
    ModelSpec("lstm", "Embedding-LSTM", "SequenceRecommender",
              {"output": "dense", "lists": False, "progress": False}, takes="events"),   # a real log has no item lists
)}


def available_models() -> list[str]:
    """Names of the models whose class ``recsys_lib.models`` provides (nothing heavy is imported).

    Taught in module 04 (knn_collaborative_filtering).
    """
    from recsys_lib import models

    names = set(dir(models))
    return [name for name, spec in MODELS.items() if spec.attr in names]


def build_model(name: str, seed: int = 0):
    """A fresh, unfitted instance of model ``name`` (``random_state=seed`` where it takes one).

    Taught in module 04 (knn_collaborative_filtering).
    """
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {', '.join(MODELS)}")
    spec = MODELS[name]
    if name not in available_models():
        raise KeyError(f"model {name!r} ({spec.label}) is not in this version of recsys_lib; "
                       f"available: {', '.join(available_models())}")
    cls = getattr(importlib.import_module("recsys_lib.models"), spec.attr)
    model = cls(**spec.params)
    if "random_state" in model.get_params():
        model.set_params(random_state=seed)
    return model


# --------------------------------------------------------------------------- the split
@dataclass
class LeaveLastOut:
    """Integer-coded leave-last-out data: training matrix and events, case rows and relevant items.

    Taught in module 04 (knn_collaborative_filtering).
    """

    train: sp.csr_matrix                 # users x items interaction counts (training only)
    train_events: pd.DataFrame           # time-ordered training interactions, integer codes
    case_rows: np.ndarray                # user code of each case
    relevant: list                       # item codes relevant to each case
    user_ids: np.ndarray                 # original id of each user code
    item_ids: np.ndarray                 # original id of each item code
    n_interactions: int
    skipped_cold: int                    # users whose interactions all happen at one moment (kept in training)
    skipped_new_items: int = 0           # users left out: their last items never occur in training

    @property
    def repeat_share(self) -> float:
        """Share of cases whose every relevant item is already in the user's history."""
        if not len(self.case_rows):
            return 0.0
        sizes = np.array([len(rel) for rel in self.relevant])
        case = np.repeat(np.arange(len(sizes)), sizes)
        items = np.concatenate(self.relevant)
        seen = np.asarray(self.train[self.case_rows[case], items]).ravel() > 0
        return float(np.mean(np.bincount(case, weights=seen, minlength=len(sizes)) == sizes))


def leave_last_out(events: pd.DataFrame, max_cases: int | None = None, seed: int = 0) -> LeaveLastOut:
    """Split a log's interactions leave-last-out (see the module docstring); ``max_cases`` draws
    that many case users at random (with ``seed``) to evaluate, training still uses everyone.

    Taught in module 04 (knn_collaborative_filtering)."""
    from recsys_lib.evaluation import leave_last_out_split

    inter = events[events[C.EVENT_TYPE].isin(INTERACTION_TYPES) & events[C.ITEM_ID].notna()]
    inter = inter.sort_values([C.USER_ID, C.TIMESTAMP], kind="stable", ignore_index=True)
    span = inter.groupby(C.USER_ID, sort=True)[C.TIMESTAMP].agg(["min", "max"])
    with_history = span.index[span["max"] > span["min"]]
    cases = pd.DataFrame({_CASE_USER: with_history.to_numpy(), _CASE_CUTOFF: span.loc[with_history, "max"].to_numpy()})
    train = leave_last_out_split(inter, cases) if len(cases) else inter
    held = inter.loc[inter.index.difference(train.index)]
    user_codes, user_ids = pd.factorize(train[C.USER_ID], sort=True)
    item_codes, item_ids = pd.factorize(train[C.ITEM_ID], sort=True)
    X = sp.csr_matrix((np.ones(len(train)), (user_codes, item_codes)),
                      shape=(len(user_ids), len(item_ids)), dtype=np.float64)
    # a log without sessions (MovieLens) gets one session per user, so sequence models can read it
    sessions = (pd.factorize(train[C.SESSION_ID])[0] if C.SESSION_ID in train.columns else user_codes)
    train_events = pd.DataFrame({C.USER_ID: user_codes.astype(np.int64), C.SESSION_ID: sessions.astype(np.int64),
                                 C.ITEM_ID: item_codes.astype(np.int64), C.TIMESTAMP: train[C.TIMESTAMP].to_numpy(),
                                 C.EVENT_TYPE: train[C.EVENT_TYPE].to_numpy()})
    # cases: users with a history; relevant = the distinct items of their last moment that occur
    # in training (a case asking only for never-seen items is left out and counted)
    rows = pd.Index(user_ids).get_indexer(held[C.USER_ID].to_numpy())
    cols = pd.Index(item_ids).get_indexer(held[C.ITEM_ID].to_numpy())
    cold = int(len(span) - len(with_history))
    pairs = np.unique(np.stack([rows, cols], axis=1)[cols >= 0], axis=0)
    case_rows = np.unique(pairs[:, 0]).astype(np.int64)
    new_items = int(len(with_history) - len(case_rows))
    if max_cases is not None and max_cases < len(case_rows):
        keep = np.sort(np.random.default_rng(seed).choice(len(case_rows), size=max_cases, replace=False))
        case_rows = case_rows[keep]
        pairs = pairs[np.isin(pairs[:, 0], case_rows)]
    starts = np.searchsorted(pairs[:, 0], case_rows)
    relevant = np.split(pairs[:, 1].astype(np.int64), starts[1:]) if len(case_rows) else []
    return LeaveLastOut(X, train_events, case_rows, relevant, np.asarray(user_ids), np.asarray(item_ids),
                        n_interactions=len(inter), skipped_cold=cold, skipped_new_items=new_items)


# --------------------------------------------------------------------------- evaluation
@dataclass
class EvaluationResult:
    """The metric table (one row per model) and how it was obtained.

    Taught in module 04 (knn_collaborative_filtering).
    """

    table: pd.DataFrame
    split: LeaveLastOut
    k: int
    exclude_seen: bool
    title: str = "log"
    log: object = None                   # the RealLog, when the events came from evaluate_real

    def describe(self) -> str:
        s = self.split
        seen = "already-seen items excluded" if self.exclude_seen else "already-seen items allowed"
        text = (f"{self.title}: {s.n_interactions:,} interactions of {len(s.user_ids):,} users on "
                f"{len(s.item_ids):,} items; {len(s.case_rows):,} leave-last-out cases, each ranked "
                f"against the full catalogue ({seen})")
        notes = []
        if s.skipped_cold:
            notes.append(f"{s.skipped_cold:,} user(s) whose interactions all happen at one moment are not "
                         "cases (their interactions stay in training)")
        if s.skipped_new_items:
            notes.append(f"{s.skipped_new_items:,} user(s) whose last items never occur in training "
                         "are not cases (no model could hit them)")
        if self.exclude_seen and len(s.case_rows):
            share = s.repeat_share
            if share:
                notes.append(f"{share:.1%} of the cases re-visit items already in their history, which "
                             "excluded items cannot hit (try exclude_seen=False / --keep-seen)")
        return text + "".join(f"\n  {n}" for n in notes)

    def report(self, digits: int = 3) -> str:
        """The description and the metric table as text."""
        return self.describe() + "\n\n" + self.table.to_string(float_format=lambda v: f"{v:.{digits}f}")


def _recommend(model, spec: ModelSpec, split: LeaveLastOut, k: int, exclude_seen: bool, bar) -> np.ndarray:
    rows = split.case_rows
    out = np.empty((len(rows), k), dtype=np.int64)
    step = 2048
    for start in range(0, len(rows), step):
        batch = rows[start:start + step]
        out[start:start + len(batch)] = np.asarray(model.recommend(batch, k, exclude_seen=exclude_seen),
                                                   dtype=np.int64)
        bar.update(len(batch))
    return out


def evaluate_log(events: pd.DataFrame, models=None, *, k: int = 10, exclude_seen: bool = True,
                 max_cases: int | None = None, seed: int = 0, progress: bool = True,
                 title: str = "log") -> EvaluationResult:
    """Fit each model (default: every available one) on the leave-last-out training interactions of
    ``events`` and report HR@k, NDCG@k and MRR@k over the cases, with a progress bar.

    Taught in module 04 (knn_collaborative_filtering)."""
    from tqdm.auto import tqdm

    from recsys_lib import metrics as M

    names = list(models) if models is not None else available_models()
    for name in names:               # fail before any work on an unknown or missing model
        build_model(name, seed)
    split = leave_last_out(events, max_cases=max_cases, seed=seed)
    if not len(split.case_rows):
        raise ValueError(f"{title}: no leave-last-out case (no user has interactions before their last "
                         f"one whose items also occur in training); nothing to evaluate")
    rows = []
    with tqdm(total=len(names) * len(split.case_rows), desc="evaluating", unit="case",
              disable=not progress) as bar:
        for name in names:
            spec, model = MODELS[name], build_model(name, seed)
            bar.set_postfix_str(name)
            started = time.perf_counter()
            model.fit(split.train if spec.takes == "matrix" else split.train_events)
            fitted = time.perf_counter()
            ranked = _recommend(model, spec, split, k, exclude_seen, bar)
            done = time.perf_counter()
            rows.append({"model": name, f"HR@{k}": M.hit_rate_at_k(ranked, split.relevant, k),
                         f"NDCG@{k}": M.ndcg_at_k(ranked, split.relevant, k),
                         f"MRR@{k}": M.mrr(ranked, split.relevant, k),
                         "fit_s": fitted - started, "recommend_s": done - fitted})
    table = pd.DataFrame(rows).set_index("model")
    return EvaluationResult(table, split, k, exclude_seen, title)


def evaluate_real(name: str, path=None, models=None, *, download: bool = False, cache=None,
                  nrows: int | None = None, k: int = 10, exclude_seen: bool = True,
                  max_cases: int | None = None, seed: int = 0, progress: bool = True) -> EvaluationResult:
    """Load the public log ``name`` (``recsys_lib.data.real``) and run :func:`evaluate_log` on it.

    Taught in module 04 (knn_collaborative_filtering); module 08 runs it with the LSTM."""
    from recsys_lib.data.real import DATASETS, load_real

    log = load_real(name, path, download=download, cache=cache, nrows=nrows, progress=progress)
    result = evaluate_log(log.events, models, k=k, exclude_seen=exclude_seen, max_cases=max_cases,
                          seed=seed, progress=progress, title=f"{DATASETS[name].title} ({log.source})")
    result.log = log
    return result

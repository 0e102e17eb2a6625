r"""The oracle: the best next-click prediction any model can make, because it knows the truth.

A **next-click case** is a moment in a session right after a browsing step, whose next step
in the same session has at least one click; the target is that step's first click. For the
case the generator knows the latent state a model can only guess: the intent category
:math:`c_t` of the step just finished and the user's taste :math:`u`.

Under ShopSim's process the next step's category is :math:`c' \sim T[c_t, \cdot]`, each of
its :math:`S` result slots draws item :math:`i` of :math:`c'` with probability :math:`p_i`
(a slot whose draw repeats an earlier one, or an item not yet launched, stays empty), and
item :math:`i` shown at position :math:`k` is clicked with probability
:math:`\sigma(\ell_{uik})`. So the probability that item :math:`i` is clicked at the next step is

.. math::

   P(i) = T[c_t, c(i)] \; \mathbb{1}[\text{launched}_i] \sum_{k=1}^{S} p_i (1 - p_i)^{k-1} \sigma(\ell_{uik}).

Ranking items by :math:`P(i)` is the best ranking available for the next step's clicks; its
HR@K and NDCG@K on the realised targets are the ceiling that notebooks show next to each
model. (The target is the *first* click of the step; when a list gets two clicks the two
notions differ slightly, which does not change the ranking materially.)

Used in modules 04 and 08.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.simulation.truth import GeneratedShop, ShopTruth
from recsys_lib.topk import top_k

CASE_COLUMNS = ("user_id", "session_id", "cutoff", "target_item_id", "case_step")


def next_click_cases(shop: GeneratedShop, per_user: str = "last") -> pd.DataFrame:
    """The held-out next-click cases of a generated shop, one per user (their last one).

    Returns a DataFrame with ``user_id``, ``session_id``, ``cutoff`` (the time of the target
    step's first event: the history is every event strictly before it), ``target_item_id``
    (the first click of the step) and ``case_step`` (the latent index of the step just before,
    used by :func:`oracle_scores`). Users without such a moment have no case.
    """
    if per_user != "last":
        raise ValueError("only per_user='last' (leave-last-out) is supported")
    events, truth = shop.tables.events, shop.truth
    step = truth.event_step
    is_click = (events[C.EVENT_TYPE] == C.CLICK).to_numpy()
    click_rows = np.flatnonzero(is_click & (truth.step_index[step] > 0))
    # the first click of each step (events are in time order within a user)
    first_click = click_rows[np.unique(step[click_rows], return_index=True)[1]]
    frame = pd.DataFrame({"row": first_click, "step": step[first_click],
                          "user": events[C.USER_ID].to_numpy()[first_click]})
    last = frame.sort_values("row").groupby("user", sort=True).tail(1).sort_values("user")
    step_rows = np.flatnonzero(np.r_[True, step[1:] != step[:-1]])      # first event of each step
    step_start = pd.Series(step_rows, index=step[step_rows])
    cutoff_rows = step_start.loc[last["step"].to_numpy()].to_numpy()
    return pd.DataFrame({
        "user_id": last["user"].to_numpy(),
        "session_id": events[C.SESSION_ID].to_numpy()[last["row"].to_numpy()],
        "cutoff": events[C.TIMESTAMP].to_numpy()[cutoff_rows],
        "target_item_id": events[C.ITEM_ID].to_numpy()[last["row"].to_numpy()].astype(np.int64),
        "case_step": last["step"].to_numpy() - 1,
    })


def oracle_scores(truth: ShopTruth, cases: pd.DataFrame, batch_size: int = 2048) -> np.ndarray:
    """:math:`P(i)` for every case and item: an array of shape (n_cases, n_items); column
    ``j`` is item id ``j + 1``. Rows are the true probabilities that each item is clicked at
    the next step (they need not sum to one: the step may get no click, or several)."""
    cfg = truth.config
    users = cases["user_id"].to_numpy() - 1
    steps = cases["case_step"].to_numpy()
    prev_cat = truth.step_category[steps]
    next_day = truth.step_day[steps + 1]
    k = np.arange(1, cfg.slots + 1)
    p = truth.exposure_prob
    first_draw_at_k = p[None, :] * (1.0 - p[None, :]) ** (k[:, None] - 1)           # (S, n_items)
    static = (cfg.click_bias + cfg.click_rating * (truth.item_rating - 4.0)
              + cfg.click_price * truth.log_price_ratio)                              # (n_items,)
    out = np.empty((len(cases), len(p)))
    for lo in range(0, len(cases), batch_size):
        sl = slice(lo, lo + batch_size)
        affinity = truth.affinity(users[sl])                                          # (b, n_items)
        logit = affinity[:, None, :] + static[None, None, :] + cfg.click_position * np.log(k)[None, :, None]
        click = 0.5 * (1.0 + np.tanh(0.5 * logit))                                    # (b, S, n_items)
        per_item = np.einsum("bki,ki->bi", click, first_draw_at_k)
        launched = truth.item_launch_day[None, :] <= next_day[sl, None]
        out[sl] = truth.transition[prev_cat[sl]][:, truth.item_category] * launched * per_item
    return out


def oracle_metrics(shop: GeneratedShop, k: int = 10, cases: pd.DataFrame | None = None) -> dict[str, float]:
    """The oracle's HR@k and NDCG@k on the next-click cases (realised targets), and its
    *expected* HR@k (the probability mass of its top k, averaged over cases)."""
    from recsys_lib.metrics import hit_rate_at_k, ndcg_at_k

    cases = next_click_cases(shop) if cases is None else cases
    scores = oracle_scores(shop.truth, cases)
    ranked = top_k(scores, k) + 1          # column j is item id j + 1
    targets = cases["target_item_id"].to_numpy()
    probs = scores / scores.sum(axis=1, keepdims=True)
    expected = float(np.take_along_axis(probs, ranked - 1, axis=1).sum(axis=1).mean())
    return {f"hr@{k}": hit_rate_at_k(ranked, targets, k), f"ndcg@{k}": ndcg_at_k(ranked, targets, k),
            f"expected_hr@{k}": expected, "n_cases": len(cases)}

r"""Purchase propensity at a session's first click: the sequence inputs, and the oracle.

Taught in module 08 (embedding_lstm_recommender); the rows are module 02's
:func:`recsys_lib.tasks.session_conversion_table` (one per session with a click, label ``converted``).

**Inputs.** The history up to and including the session's first click token
(:func:`conversion_windows`): the shopper's earlier sessions and, in this session, the lists shown
and the clicked item so far. Nothing after the click is used.

**The oracle.** At the first click the generator knows the shopper's taste :math:`u`, price
sensitivity, device, the promotions of the day and the step's intent category :math:`c`. Let
:math:`\pi_{ui} = \sigma(\text{cart}_{ui})\,\sigma(\text{buy}_{ui})` be the probability that a click
on item :math:`i` ends in a purchase (data card, step 8). The session ends without a purchase only
if all three parts of its rest do:

1. the clicked item :math:`i^*` is not bought: :math:`1 - \pi_{ui^*}`;
2. no later item of the same list (positions :math:`k > k^*`, already shown) is clicked and bought:
   :math:`\prod_{m} (1 - \sigma(\ell_{u i_m k_m})\, \pi_{u i_m})`;
3. no later step converts. A step of category :math:`c'` shows slot :math:`k` the item :math:`i`
   first drawn there with probability :math:`p_i (1-p_i)^{k-1}`, so it has no purchase with
   probability :math:`f(c') \approx \prod_{i \in c'} \prod_k \bigl(1 - p_i (1-p_i)^{k-1}\,
   \sigma(\ell_{uik})\,\pi_{ui}\bigr)` (exact up to terms of second order in these small
   probabilities: it treats the slots' draws as independent). The session continues after each step
   with probability :math:`1 - 0.3` (at most 20 steps) along the intent's transition matrix :math:`T`,
   so :math:`g_j(c)`, the probability of no purchase after step :math:`j` of category :math:`c`, obeys

   .. math::

       g_{19}(c) = 1, \qquad g_j(c) = 0.3 + 0.7 \sum_{c'} T[c, c']\, f(c')\, g_{j+1}(c').

Then :math:`P(\text{convert}) = 1 - (1 - \pi_{ui^*}) \prod_m (1 - \sigma(\ell_{u i_m k_m})\pi_{u i_m})\, g_j(c)`.
Launches and promotions are those of the first click's day (a session crossing midnight is rare).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_lib import columns as C
from recsys_lib.sequences.datasets import windows_through_first_click

__all__ = ["conversion_windows", "conversion_oracle"]


def conversion_windows(tokens: pd.DataFrame, ids, table: pd.DataFrame, max_len: int) -> np.ndarray:
    """The input of each row of a session-conversion table: the last ``max_len`` token ids up to and
    including the session's first click (``(n_rows, max_len)``; ``ValueError`` if a session of the
    table has no click in ``tokens``). Taught in module 08 (embedding_lstm_recommender)."""
    X, found = windows_through_first_click(tokens, ids, table[C.SESSION_ID].to_numpy(), max_len)
    if not found.all():
        bad = table[C.SESSION_ID].to_numpy()[~found][:5].tolist()
        raise ValueError(f"session(s) {bad} have no click token: is the table from the same log as the tokens?")
    return X


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def conversion_oracle(shop, table: pd.DataFrame, batch_size: int = 256) -> np.ndarray:
    r"""The generator's probability that each session of ``table`` (rows of
    ``session_conversion_table`` on ``shop``'s own log) converts, given its state at the first click
    (see the module docstring). ``shop`` is a :class:`~recsys_lib.simulation.GeneratedShop`.

    Taught in module 08 (embedding_lstm_recommender).
    """
    from recsys_lib.simulation import generator as G

    if not (hasattr(shop, "tables") and hasattr(shop, "truth")):
        raise TypeError("conversion_oracle needs a GeneratedShop (tables and truth), e.g. shipped_shop()")
    truth, cfg = shop.truth, shop.truth.config
    events, users = shop.tables.events, shop.tables.users
    etype = events[C.EVENT_TYPE].astype(object).to_numpy()
    sid = events[C.SESSION_ID].to_numpy()
    clicks = np.flatnonzero(etype == C.CLICK)
    first_rows = pd.Series(clicks, index=sid[clicks])
    first_rows = first_rows[~first_rows.index.duplicated(keep="first")]
    rows = first_rows.reindex(table[C.SESSION_ID].to_numpy()).to_numpy()
    if pd.isna(rows).any():
        raise ValueError("every session of the table needs a click in the shop's log")
    rows = rows.astype(np.int64)
    step = truth.event_step[rows]
    u = events[C.USER_ID].to_numpy()[rows].astype(np.int64) - 1
    item = events[C.ITEM_ID].to_numpy()[rows].astype(np.int64) - 1
    day = truth.step_day[step]
    week = np.minimum(day // 7, truth.promotions.shape[1] - 1)
    device = users.set_index(C.USER_ID)[C.DEVICE].astype(str).reindex(u + 1).to_numpy()
    dev = G.DEVICE_EFFECT[pd.Index(G.DEVICES).get_indexer(device)]
    lam = truth.user_price_sensitivity[u]
    q, lpr = truth.item_quality, truth.log_price_ratio
    static = cfg.click_bias + cfg.click_rating * (truth.item_rating - 4.0) + cfg.click_price * lpr

    def buy_prob(aff, disc, it, lam_, dev_):
        cart = _sigmoid(cfg.cart_bias + aff + cfg.cart_quality * q[it] - lam_ * lpr[it] + cfg.promo_effect * disc + dev_)
        buy = _sigmoid(cfg.buy_bias + 0.8 * aff + cfg.buy_quality * q[it] - 0.5 * lam_ * lpr[it]
                       + cfg.promo_effect * disc + dev_)
        return cart * buy

    def pair_affinity(uu, ii):
        return cfg.taste_scale * np.einsum("nd,nd->n", truth.user_factors[uu], truth.item_factors[ii]) / cfg.dim

    # 1. the clicked item
    pi_first = buy_prob(pair_affinity(u, item), truth.promotions[item, week], item, lam, dev)
    # 2. the rest of the list: impressions of the same step at later positions
    imp = np.flatnonzero(etype == C.IMPRESSION)
    row_of_step = pd.Series(np.arange(len(table)), index=step)
    row_of_step = row_of_step[~row_of_step.index.duplicated(keep="first")]
    r = row_of_step.reindex(truth.event_step[imp]).to_numpy()
    imp, r = imp[~pd.isna(r)], r[~pd.isna(r)].astype(np.int64)
    i_item = events[C.ITEM_ID].to_numpy()[imp].astype(np.int64) - 1
    i_pos = events[C.POSITION].to_numpy()[imp].astype(np.int64)
    clicked_here = i_item == item[r]
    k_star = pd.Series(i_pos[clicked_here], index=r[clicked_here])
    k_star = k_star[~k_star.index.duplicated(keep="first")].reindex(np.arange(len(table))).to_numpy()
    later = i_pos > np.nan_to_num(k_star, nan=np.inf)[r]
    rr, ii, pp = r[later], i_item[later], i_pos[later]
    aff = pair_affinity(u[rr], ii)
    click = _sigmoid(aff + static[ii] + cfg.click_position * np.log(pp))
    log_rest = np.bincount(rr, weights=np.log1p(-click * buy_prob(aff, truth.promotions[ii, week[rr]], ii, lam[rr], dev[rr])),
                           minlength=len(table))
    # 3. later steps: f(c) per session, then the backward recursion g_j(c)
    k = np.arange(1, cfg.slots + 1)
    p = truth.exposure_prob
    first_draw = p[None, :] * (1.0 - p[None, :]) ** (k[:, None] - 1)                          # (S, items)
    n_cat = truth.transition.shape[0]
    one_hot = np.zeros((p.size, n_cat))
    one_hot[np.arange(p.size), truth.item_category] = 1.0
    log_f = np.empty((len(table), n_cat))
    all_items = np.arange(p.size)
    for lo in range(0, len(table), int(batch_size)):
        sl = slice(lo, lo + int(batch_size))
        A = truth.affinity(u[sl])                                                             # (b, items)
        disc = truth.promotions[:, week[sl]].T
        cart = _sigmoid(cfg.cart_bias + A + cfg.cart_quality * q - lam[sl, None] * lpr + cfg.promo_effect * disc
                        + dev[sl, None])
        buy = _sigmoid(cfg.buy_bias + 0.8 * A + cfg.buy_quality * q - 0.5 * lam[sl, None] * lpr
                       + cfg.promo_effect * disc + dev[sl, None])
        click = _sigmoid(A[:, None, :] + static[None, None, :] + cfg.click_position * np.log(k)[None, :, None])
        launched = truth.item_launch_day[None, None, all_items] <= day[sl, None, None]
        x = click * (cart * buy)[:, None, :] * first_draw[None] * launched
        log_f[sl] = np.log1p(-x).sum(axis=1) @ one_hot
    f = np.exp(log_f)
    j_now, c_now = truth.step_index[step], truth.step_category[step]
    go_on = 1.0 - cfg.step_end_prob
    g = np.ones((len(table), n_cat))
    g_at = np.ones(len(table))
    for j in range(cfg.max_steps - 1, -1, -1):
        if j < cfg.max_steps - 1:
            g = (1.0 - go_on) + go_on * (f * g) @ truth.transition.T
        here = j_now == j
        g_at[here] = g[here, c_now[here]]
    return 1.0 - (1.0 - pi_first) * np.exp(log_rest) * g_at

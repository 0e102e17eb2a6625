"""What the generator knows and the shipped tables do not: the latent truth behind a shop."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsys_lib.data.shop import Shop
from recsys_lib.simulation.config import ShopConfig


@dataclass(frozen=True)
class ShopTruth:
    r"""Ground truth of a generated shop. Arrays are indexed by ``id - 1`` (ids start at 1).

    Attributes
    ----------
    config : the settings the shop was generated with.
    user_factors : (n_users, d) latent tastes :math:`u`.
    item_factors : (n_items, d) latent item factors :math:`v_i`.
    item_category : (n_items,) index into ``catalogue.CATEGORIES``.
    exposure_prob : (n_items,) :math:`p_i = w_i / \sum_{j \in c(i)} w_j`, the chance that one
        slot of a result list for the item's category draws the item.
    item_quality : (n_items,) :math:`q_i`.
    log_price_ratio : (n_items,) :math:`\ln(\text{price}_i / \text{median price of } c(i))`.
    item_launch_day : (n_items,) day from which the item can be shown.
    user_price_sensitivity : (n_users,) :math:`\lambda_u`.
    transition : (C, C) true intent transition matrix between categories.
    event_step : (n_events,) the latent browsing step each event belongs to (index into the
        ``step_*`` arrays), in the order of the events table.
    step_category : (n_steps,) the intent category of each step.
    step_session : (n_steps,) session id of each step; ``step_index`` its 0-based rank in the session.
    category_centroids : (C, d) the leaf-category centroids :math:`\mu_c` of the latent space.
    category_share : (C,) the categories' shares :math:`\text{share}_c` (the intent of a session's
        first step is drawn from :math:`\text{softmax}_c(s_{int} \langle u, \mu_c\rangle / d + \log
        \text{share}_c)`, data card step 5).
    promotions : (n_items, n_weeks) the shop's promotion calendar: the discount (0, 0.1, 0.2 or
        0.3) of each item in week ``day // 7``. The shop plans it, so it is not latent, but the
        tables have no place for it and it travels with the truth.
    """

    config: ShopConfig
    user_factors: np.ndarray
    item_factors: np.ndarray
    item_category: np.ndarray
    exposure_prob: np.ndarray
    item_quality: np.ndarray
    item_rating: np.ndarray
    log_price_ratio: np.ndarray
    item_launch_day: np.ndarray
    user_price_sensitivity: np.ndarray
    transition: np.ndarray
    event_step: np.ndarray
    step_category: np.ndarray
    step_session: np.ndarray
    step_index: np.ndarray
    step_day: np.ndarray
    promotions: np.ndarray
    category_centroids: np.ndarray
    category_share: np.ndarray

    def affinity(self, user_index: np.ndarray) -> np.ndarray:
        """Latent affinities :math:`a_{ui} = s \\langle u, v_i \\rangle / d`, shape (len(user_index), n_items)."""
        c = self.config
        return c.taste_scale * (self.user_factors[user_index] @ self.item_factors.T) / c.dim


@dataclass(frozen=True)
class GeneratedShop:
    """A generated shop: the tables that are shipped and the truth that is not."""

    tables: Shop
    truth: ShopTruth

"""The online-experiment simulator (recsys_lib.simulation.experiment): its probabilities are the
generator's (checked against module 02's click table and module 05's purchase oracle), its draws follow
them, its randomisation is seeded and balanced, and its inputs are validated."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsys_lib import columns as C
from recsys_lib.simulation import ShopConfig, ShopperSimulator, generate_shop, run_ab_test, shipped_shop
from recsys_lib.simulation.experiment import (BUYERS, CLICKERS, COUNTS, RATES, TRUE_P_CONTROL, TRUE_P_COUPON,
                                              TRUE_UPLIFT, ShelfProbabilities)


@pytest.fixture(scope="module")
def shop():
    return shipped_shop()


@pytest.fixture(scope="module")
def sim(shop):
    return ShopperSimulator(shop)


def _popular_shelves(shop, k=10):
    counts = shop.tables.events[shop.tables.events[C.EVENT_TYPE] == C.CLICK][C.ITEM_ID].value_counts()
    top = counts.index.to_numpy(dtype=np.int64)[:k]
    return np.tile(top, (len(shop.tables.users), 1))


def test_click_probabilities_are_the_generators(shop):
    """Each user's first logged result list, served as a shelf with the logged positions, gets the click
    probabilities of module 02's click table with the true weights and affinity."""
    from recsys_lib.tasks.clicks import click_table, true_click_weights

    table = click_table(shop, with_true_affinity=True)
    first_time = table.groupby(C.USER_ID)[C.TIMESTAMP].transform("min")
    first = table[table[C.TIMESTAMP] == first_time]
    users = np.sort(first[C.USER_ID].unique())
    k = shop.truth.config.slots
    lists = np.full((users.size, k), -1, dtype=np.int64)
    row = pd.Index(users).get_indexer(first[C.USER_ID])
    lists[row, first[C.POSITION].to_numpy() - 1] = first[C.ITEM_ID].to_numpy()
    probs = ShopperSimulator(shop, day=shop.truth.config.n_days).shelf_probabilities(lists, users)
    w = true_click_weights(shop)
    logit = w["intercept"] + sum(w[col] * first[col].to_numpy() for col in w if col != "intercept")
    expected = 1.0 / (1.0 + np.exp(-logit))
    got = probs.click[row, first[C.POSITION].to_numpy() - 1]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert (probs.click[lists == -1] == 0).all() and not probs.shown[lists == -1].any()


def test_purchase_probabilities_are_the_generators(shop):
    """P(buy | cart) of a carted item equals module 05's oracle for carts of the same week."""
    from recsys_lib.tasks import price_purchase_table
    from recsys_lib.tasks.purchases import PREDICTION_TIME

    carts = price_purchase_table(shop)
    day = (carts[PREDICTION_TIME] - pd.Timestamp(shop.truth.config.start_date)).dt.days
    week3 = carts[(day // 7 == 3)].drop_duplicates(C.USER_ID).sort_values(C.USER_ID)
    probs = ShopperSimulator(shop, day=21).shelf_probabilities(week3[[C.ITEM_ID]].to_numpy(), week3[C.USER_ID])
    np.testing.assert_allclose(probs.buy[:, 0], week3[C.TRUE_PURCHASE_PROB].to_numpy(), rtol=1e-12)


def test_true_rates_combine_the_slots(sim, shop):
    shelves = _popular_shelves(shop)
    p = sim.shelf_probabilities(shelves)
    rates = p.true_rates()
    assert list(rates.index) == list(RATES)
    assert rates["shelf_ctr"] == pytest.approx(np.mean(1 - np.prod(1 - p.click, axis=1)))
    buy = p.click * p.cart * p.buy
    assert rates["conversion"] == pytest.approx(np.mean(1 - np.prod(1 - buy, axis=1)))
    assert rates["ctr"] == pytest.approx(p.click.sum() / p.shown.sum())
    assert 0 < rates["conversion"] < rates["shelf_ctr"] < 1
    # a longer shelf can only add clicks; position bias makes each extra slot worth less
    short = sim.true_rates(shelves[:, :5])
    assert short["shelf_ctr"] < rates["shelf_ctr"] and short["ctr"] > rates["ctr"]


def test_draws_follow_the_probabilities(sim, shop):
    p = sim.shelf_probabilities(_popular_shelves(shop)[:500], users=sim.user_ids[:500])
    rng = np.random.default_rng(0)
    draws = [p.draw(rng) for _ in range(200)]
    clicks = np.mean([d["clicks"].sum() for d in draws])
    purchases = np.mean([d["purchases"].sum() for d in draws])
    rates = p.rates()
    assert clicks == pytest.approx(rates["clicks"].sum(), rel=0.01)
    assert purchases == pytest.approx(rates["purchases"].sum(), rel=0.05)
    d = draws[0]
    assert (d["carts"] <= d["clicks"]).all() and (d["purchases"] <= d["carts"]).all()
    assert (d["impressions"] == 10).all()


def test_ab_test_is_seeded_balanced_and_counts_add_up(sim, shop):
    shelves = _popular_shelves(shop)
    other = np.roll(shelves, 1, axis=1)
    a = sim.ab_test(shelves, other, seed=5, names=("pop", "rolled"))
    b = sim.ab_test(shelves, other, seed=5, names=("pop", "rolled"))
    c = sim.ab_test(shelves, other, seed=6, names=("pop", "rolled"))
    pd.testing.assert_frame_equal(a.arms, b.arms)
    assert not a.shoppers["arm"].equals(c.shoppers["arm"])
    assert list(a.arms.index) == ["pop", "rolled"] and list(a.arms.columns) == list(COUNTS)
    assert a.arms["shoppers"].tolist() == [len(shop.tables.users) // 2, len(shop.tables.users) - len(shop.tables.users) // 2]
    per_arm = a.shoppers.groupby("arm", observed=True)[["impressions", "clicks", "carts", "purchases"]].sum()
    np.testing.assert_array_equal(per_arm.loc[["pop", "rolled"]].to_numpy(),
                                  a.arms[["impressions", "clicks", "carts", "purchases"]].to_numpy())
    assert (a.arms[CLICKERS] <= a.arms["shoppers"]).all() and (a.arms[BUYERS] <= a.arms[CLICKERS]).all()
    pd.testing.assert_series_equal(a.true.loc["pop"], sim.true_rates(shelves), check_names=False)


def test_repeated_ab_tests_are_the_single_tests(sim, shop):
    shelves = _popular_shelves(shop)
    other = np.roll(shelves, 2, axis=1)
    counts, true = sim.repeated_ab_tests(shelves, other, [3, 8], names=("a", "b"))
    for seed in (3, 8):
        single = sim.ab_test(shelves, other, seed=seed, names=("a", "b"))
        for arm in ("a", "b"):
            assert counts.loc[seed, arm].to_dict() == single.arms.loc[arm].to_dict()
    pd.testing.assert_frame_equal(true, single.true)


def test_run_ab_test_accepts_recommenders(shop):
    from recsys_lib.models import PopularityRecommender

    inter = shop.tables.events[shop.tables.events[C.EVENT_TYPE] == C.CLICK]
    pop = PopularityRecommender().fit(inter)
    result = run_ab_test(shop, pop, _popular_shelves(shop), k=10, seed=1)
    assert result.arms["impressions"].sum() == 10 * len(shop.tables.users)


def test_items_not_launched_are_not_shown(shop):
    launch = shop.tables.items[C.LAUNCH_DAY].to_numpy()
    late = shop.tables.items[C.ITEM_ID].to_numpy()[launch > 30][:3]
    sim = ShopperSimulator(shop, day=30)
    p = sim.shelf_probabilities(np.tile(late, (len(shop.tables.users), 1)))
    assert not p.shown.any() and (p.click == 0).all()
    assert ShopperSimulator(shop).shelf_probabilities(np.tile(late, (len(shop.tables.users), 1))).shown.all()


def test_coupon_experiment(sim, shop):
    exp = sim.coupon_experiment(_popular_shelves(shop), discount=0.2, seed=2)
    frame = exp.shoppers
    assert frame["coupon"].sum() == len(frame) - len(frame) // 2
    np.testing.assert_allclose(frame[TRUE_UPLIFT], frame[TRUE_P_COUPON] - frame[TRUE_P_CONTROL])
    assert (frame[TRUE_UPLIFT] > 0).all()
    # price-sensitive shoppers react more to the same coupon
    lam = shop.truth.user_price_sensitivity
    assert np.corrcoef(lam, frame[TRUE_UPLIFT] / frame[TRUE_P_CONTROL])[0, 1] > 0.5
    observed = frame.groupby("coupon")["purchased"].mean()
    assert observed[1] - observed[0] == pytest.approx(frame[TRUE_UPLIFT].mean(), abs=0.03)
    with pytest.raises(ValueError):
        sim.coupon_experiment(_popular_shelves(shop), discount=1.5)


def test_bad_input_is_rejected(sim, shop):
    shelves = _popular_shelves(shop)
    with pytest.raises(ValueError, match="one shelf per shopper"):
        sim.shelf_probabilities(shelves[:10])
    with pytest.raises(KeyError, match="not in the catalogue"):
        sim.shelf_probabilities(np.full_like(shelves, 99_999))
    with pytest.raises(TypeError, match="integer item ids"):
        sim.shelf_probabilities(shelves.astype(float))
    with pytest.raises(KeyError, match="not shoppers"):
        sim.shelf_probabilities(shelves[:2], users=[1, 10**9])
    with pytest.raises(TypeError, match="truth"):
        ShopperSimulator(shop.tables)
    with pytest.raises(ValueError, match="one shelf per shopper"):
        sim.ab_test(shelves, ShelfProbabilities(*(np.zeros((3, 10)),) * 3, np.ones((3, 10), bool)))


def test_taste_drift_moves_the_category_mix_and_is_off_by_default():
    base = ShopConfig(n_users=3000, n_items=300, n_days=42, seed=4)
    assert base.taste_drift == 0.0
    plain = generate_shop(base)
    again = generate_shop(base.replace(taste_drift=0.0))
    pd.testing.assert_frame_equal(plain.tables.events, again.tables.events)
    drift = generate_shop(base.replace(taste_drift=3.0))

    def category_shift(s):
        ev = s.tables.events
        clicks = ev[ev[C.EVENT_TYPE] == C.CLICK]
        week = (clicks[C.TIMESTAMP] - pd.Timestamp(base.start_date)).dt.days // 7
        cat = clicks[C.ITEM_ID].map(s.tables.items.set_index(C.ITEM_ID)[C.CATEGORY].astype(str))
        share = pd.crosstab(week // 3, cat, normalize="index")      # days 0-20 against days 21-41
        return float(np.abs(share.iloc[1] - share.iloc[0]).sum())

    assert category_shift(drift) > 2 * category_shift(plain)
    with pytest.raises(ValueError, match="taste_drift"):
        ShopConfig(taste_drift=-1.0)

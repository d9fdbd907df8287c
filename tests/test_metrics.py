"""Metrics: EVD (against an independent dense computation), correlations (against scipy.stats), log-likelihood."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from irl_studio.core.demos import Demos, Trajectory, to_arrays
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.metrics import (
    Scorer,
    demo_log_likelihood,
    episode_values,
    evd,
    feature_gap,
    pearson,
    reward_metrics,
    spearman,
)
from irl_studio.core.planning import soft_value_iteration

LAY = Layout.from_rows(["#######", "#S....#", "#.##..#", "#....G#", "#######"], slip=0.2, discount=0.9)


def dense_evd(mdp, true, learned, gamma):
    """Independent: dense value iteration for both rewards, greedy policies, exact linear solves under the truth."""
    P = mdp.dense_transitions()
    S = mdp.n_states

    def greedy(r):
        V = np.where(mdp.terminal, r, 0.0)
        for _ in range(3000):
            Q = r[:, None] + gamma * P @ V
            Q[mdp.terminal] = r[mdp.terminal, None]
            V = Q.max(axis=1)
        return Q.argmax(axis=1)

    def value(pi):
        Ppi = P[np.arange(S), pi]
        return np.linalg.solve(np.eye(S) - gamma * Ppi, true)

    return float(mdp.start @ (value(greedy(true)) - value(greedy(learned))))


def test_evd_zero_for_the_truth_positive_for_a_bad_reward():
    mdp = build_mdp(LAY)
    true = -np.ones(mdp.n_states)
    true[mdp.terminal] = 10.0
    m = evd(mdp, true, true)
    for key in ("evd", "evd_normalized", "evd_infinite", "evd_infinite_normalized"):
        assert m[key] == pytest.approx(0.0, abs=1e-10), key
    assert evd(mdp, true, 3.0 * true)["evd_infinite"] == pytest.approx(0.0, abs=1e-10)  # same optimal policy
    bad = evd(mdp, true, -true)
    assert bad["evd"] > 1.0 and bad["evd_infinite"] > 1.0
    assert bad["evd_infinite"] == pytest.approx(dense_evd(mdp, true, -true, 0.9), abs=1e-8)
    assert bad["value_optimal"] > bad["value_random"] > bad["value_learned"]  # avoiding the goal: worse than random
    assert bad["value_optimal_infinite"] > bad["value_random_infinite"] > bad["value_learned_infinite"]


def test_evd_matches_dense_reference_on_random_rewards():
    mdp = build_mdp(LAY)
    rng = np.random.default_rng(0)
    true = rng.normal(size=mdp.n_states)
    norms = []
    for _ in range(10):
        learned = rng.normal(size=mdp.n_states)
        m = evd(mdp, true, learned)
        assert m["evd_infinite"] == pytest.approx(dense_evd(mdp, true, learned, 0.9), abs=1e-8)
        assert m["evd_infinite"] >= -1e-10 and m["evd"] >= -1e-10
        norms.append(m["evd_infinite_normalized"])
    norms = np.array(norms)
    # of order one: 0 is the truth's, 1 the uniform random policy's. A deterministic greedy policy of a random
    # reward is often *worse* than acting at random (it can settle on a bad cell), so values above 1 occur.
    assert np.all(norms >= -1e-10) and np.all(norms < 5.0)
    assert 0.3 < norms.mean() < 3.0


def test_evd_with_discount_one_uses_the_time_indexed_optimal_policy():
    """Discount 1, finite horizon: the true-optimal value must be the finite-horizon optimum (hard VI), and EVD of
    the true reward 0. (A stationary t = 0 greedy policy would wait next to the goal forever on ties.)"""
    lay = Layout.from_rows(["#####", "#S.G#", "#####"], discount=1.0, horizon_override=6)
    mdp = build_mdp(lay)
    true = np.array([0.0, 0.0, 5.0])
    m = evd(mdp, true, true)
    assert m["value_optimal"] == pytest.approx(5.0)
    assert m["evd"] == pytest.approx(0.0)
    assert "evd_infinite" not in m  # undiscounted: no infinite-horizon EVD
    assert evd(mdp, true, -true)["value_learned"] == pytest.approx(0.0)


@pytest.mark.parametrize("seed", range(5))
def test_correlations_match_scipy(seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=50)
    b = 0.5 * a + rng.normal(size=50)
    assert pearson(a, b) == pytest.approx(scipy.stats.pearsonr(a, b)[0], abs=1e-12)
    assert spearman(a, b) == pytest.approx(scipy.stats.spearmanr(a, b)[0], abs=1e-12)
    # ties
    ai, bi = rng.integers(0, 4, size=40).astype(float), rng.integers(0, 3, size=40).astype(float)
    assert spearman(ai, bi) == pytest.approx(scipy.stats.spearmanr(ai, bi)[0], abs=1e-12)
    assert pearson(ai, bi) == pytest.approx(scipy.stats.pearsonr(ai, bi)[0], abs=1e-12)


def test_correlation_of_huge_values_does_not_overflow():
    a = np.array([1e200, -3e200, 2e200, 5e199])
    b = np.array([1.0, -2.0, 3.0, 0.0])
    with np.errstate(over="raise", invalid="raise"):
        assert pearson(a, b) == pytest.approx(scipy.stats.pearsonr(a / 1e200, b)[0], abs=1e-12)


def test_correlation_of_a_constant_is_zero():
    assert pearson(np.ones(5), np.arange(5.0)) == 0.0
    assert spearman(np.arange(5.0), np.arange(5.0) ** 3) == pytest.approx(1.0)


def test_reward_metrics_keys():
    mdp = build_mdp(LAY)
    true = np.random.default_rng(1).normal(size=mdp.n_states)
    m = reward_metrics(mdp, true, true)
    assert m["pearson"] == pytest.approx(1.0) and m["spearman"] == pytest.approx(1.0)
    assert {"evd", "evd_normalized", "pearson", "spearman"} <= set(m)


def test_log_likelihood_by_hand():
    lay = LAY.copy()
    lay.horizon_override = 5
    mdp = build_mdp(lay)
    r = np.random.default_rng(2).normal(size=mdp.n_states)
    plan = soft_value_iteration(mdp, r, horizon=5, discount=0.9)
    d = Demos([Trajectory(((1, 1), (1, 2), (1, 3)), ("right", "right")),
               Trajectory(((1, 1), (2, 1), (3, 1), (3, 2), (3, 3)), ("down", "down", "right", "right"))])
    arr = to_arrays(mdp, d)
    s, a = mdp.state_of, mdp.action_index
    expect = (plan.log_policy(0)[s(1, 1), a("right")] + plan.log_policy(1)[s(1, 2), a("right")]
              + plan.log_policy(0)[s(1, 1), a("down")] + plan.log_policy(1)[s(2, 1), a("down")]
              + plan.log_policy(2)[s(3, 1), a("right")] + plan.log_policy(3)[s(3, 2), a("right")]) / 2
    assert demo_log_likelihood(plan, arr) == pytest.approx(expect, abs=1e-12)
    assert demo_log_likelihood(plan, arr) < 0
    # a stationary plan uses the same policy at every step
    stat = soft_value_iteration(mdp, r, discount=0.9)
    assert demo_log_likelihood(stat, arr) == pytest.approx(
        (stat.log_policy()[s(1, 1), a("right")] + stat.log_policy()[s(1, 2), a("right")]
         + stat.log_policy()[s(1, 1), a("down")] + stat.log_policy()[s(2, 1), a("down")]
         + stat.log_policy()[s(3, 1), a("right")] + stat.log_policy()[s(3, 2), a("right")]) / 2)


def test_feature_gap():
    g = feature_gap(np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, 4.0]))
    assert g["feature_gap_inf"] == 2.0 and g["feature_gap_l2"] == pytest.approx(np.sqrt(5))


def test_a_constant_learned_reward_is_not_credited_with_staying():
    """Every action is optimal for a constant reward: EVD scores the uniform choice among them, which is exactly the
    random policy (normalized EVD 1), not "stay" forever (first-best tie-breaking)."""
    from irl_studio.core.builtin import builtin_layout
    from irl_studio.core.mdp import build_mdp
    from irl_studio.core.metrics import evd

    lay = builtin_layout("open-field")
    mdp = build_mdp(lay)
    true = np.asarray(lay.true_reward)[mdp.cells[:, 0], mdp.cells[:, 1]]
    out = evd(mdp, true, np.zeros(mdp.n_states))
    assert out["evd_normalized"] == pytest.approx(1.0, abs=1e-9)
    assert out["evd_infinite_normalized"] == pytest.approx(1.0, abs=1e-9)
    assert out["value_learned"] == pytest.approx(out["value_random"], abs=1e-9)
    # a scorer reused for many rewards (its baselines and warm start) gives the same numbers
    sc = Scorer(mdp, true)
    for learned in (np.zeros(mdp.n_states), true, -true, true + 0.0):
        assert evd(mdp, true, learned, sc) == pytest.approx(evd(mdp, true, learned))


@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_episode_evd_against_a_dense_time_indexed_computation(gamma):
    """The headline EVD is over the layout's own episode: T steps, discount gamma, time-indexed optimal policies.
    Checked against an independent dense backward recursion (ties split uniformly, goals absorbing)."""
    lay = LAY.copy()
    lay.discount, lay.horizon_override = gamma, 6
    mdp = build_mdp(lay)
    P, T = mdp.dense_transitions(), 6
    rng = np.random.default_rng(4)
    true, learned = rng.normal(size=mdp.n_states), rng.normal(size=mdp.n_states)
    learned[3] = learned[4]  # some ties

    def dense(plan_r):
        V_true, V_plan = true.copy(), (true if plan_r is None else plan_r).copy()
        for _ in range(T):
            Qt = true[:, None] + gamma * P @ V_true
            if plan_r is None:
                pi = np.full(Qt.shape, 1.0 / mdp.n_actions)
            else:
                Qp = plan_r[:, None] + gamma * P @ V_plan
                best = Qp >= Qp.max(axis=1, keepdims=True) - 1e-9 * max(1.0, np.abs(Qp.max(axis=1)).max())
                pi = best / best.sum(axis=1, keepdims=True)
                V_plan = np.where(mdp.terminal, plan_r, Qp.max(axis=1))
            V_true = np.where(mdp.terminal, true, (pi * Qt).sum(axis=1))
        return V_true

    for plan_r in (None, true, learned, -true):
        np.testing.assert_allclose(episode_values(mdp, true, plan_r, T, gamma), dense(plan_r), atol=1e-12)
    m = evd(mdp, true, learned)
    v_opt, v_l, v_r = (float(mdp.start @ dense(x)) for x in (true, learned, None))
    assert m["evd"] == pytest.approx(v_opt - v_l, abs=1e-12)
    assert m["evd_normalized"] == pytest.approx((v_opt - v_l) / (v_opt - v_r), abs=1e-12)

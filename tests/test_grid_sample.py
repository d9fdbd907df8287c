"""GCL, GAIL and AIRL on gridworlds from samples: the grid environment against the MDP, the absorbing state's
equivalence, the categorical policy, and the reward recovered from samples (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from irl_studio.algorithms import Problem, get_algorithm
from irl_studio.algorithms.base import config_from_mapping
from irl_studio.continuous.gridenv import GridVectorEnv, padded_demo_states
from irl_studio.continuous.policy import CategoricalPolicy
from irl_studio.core.demos import layout_expert_demos, to_arrays
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.steppable import Cancelled


def corridor(slip: float = 0.2) -> Layout:
    lay = Layout.empty(3, 6, name="corridor")
    lay.grid[1, 1:5] = "."
    lay.grid[1, 1] = "S"
    lay.grid[1, 4] = "G"
    lay.slip = slip
    lay.horizon_override = 6
    lay.true_reward = np.where(lay.grid == "G", 5.0, -1.0)
    return lay


def terrain_world(n: int = 6, seed: int = 0) -> Layout:
    """An n x n room of terrain classes a (-0.2), b (-3), plain (-1), a goal worth +10; slip 0.1."""
    rng = np.random.default_rng(seed)
    lay = Layout.empty(n + 2, n + 2, name="terrain world")
    inner = lay.grid[1:-1, 1:-1]
    inner[:] = rng.choice(np.array(list(".ab")), size=(n, n), p=[0.4, 0.3, 0.3])
    lay.grid[1, 1] = "S"
    lay.grid[n, n] = "G"
    lay.slip = 0.1
    lay.true_reward = np.select([lay.grid == "a", lay.grid == "b", lay.grid == "G"], [-0.2, -3.0, 10.0], -1.0)
    lay.true_reward[lay.grid == "#"] = 0.0
    return lay


def test_sampled_steps_follow_the_slip_model_and_goals_lead_to_the_absorbing_state():
    mdp = build_mdp(corridor(slip=0.2))
    env = GridVectorEnv(mdp, num_envs=4000, horizon=6)
    env.reset(seed=0)
    s = mdp.state_of(1, 2)
    right = mdp.action_index("right")
    env.state[:] = s
    obs, _r, term, trunc, _ = env.step(np.full(4000, right))
    got = np.bincount(obs.argmax(1), minlength=env.n_states) / 4000
    want = np.zeros(env.n_states)
    for s2, p in mdp.successors(s, right).items():
        want[s2] += p
    assert np.abs(got - want).max() < 0.03 and not term.any() and not trunc.any()
    goal = int(np.flatnonzero(mdp.terminal)[0])
    env.state[:] = goal
    obs = env.step(np.zeros(4000, dtype=int))[0]
    assert (obs.argmax(1) == env.absorbing).all()
    obs = env.step(np.full(4000, right))[0]
    assert (obs.argmax(1) == env.absorbing).all()


def test_every_episode_lasts_the_horizon_and_only_truncates():
    mdp = build_mdp(corridor())
    env = GridVectorEnv(mdp, num_envs=5, horizon=6)
    env.reset(seed=1)
    for t in range(6):
        _o, _r, term, trunc, _ = env.step(np.full(5, mdp.action_index("right")))
        assert not term.any() and trunc.all() == (t == 5)


def test_the_exported_reward_ranks_policies_as_g_does_on_the_extended_mdp():
    """r(s) = g(s) - g(absorbing) on the original MDP (goal terminal) gives every policy the value g gives it on the
    MDP with the absorbing state, minus the constant g(absorbing) sum_t gamma^t (exact backward induction)."""
    mdp = build_mdp(corridor(slip=0.3))
    S, A, T, gamma = mdp.n_states, mdp.n_actions, 6, 0.9
    P = mdp.dense_transitions()  # (S, A, S); goal rows empty
    Pext = np.zeros((S + 1, A, S + 1))
    Pext[:S, :, :S] = P
    Pext[np.flatnonzero(mdp.terminal), :, S] = 1.0
    Pext[S, :, S] = 1.0
    rng = np.random.default_rng(0)
    for _ in range(5):
        g = rng.normal(size=S + 1)
        pi = rng.dirichlet(np.ones(A), size=S + 1)
        v_ext, v_org = np.zeros(S + 1), np.zeros(S)
        r = g[:S] - g[S]
        for _t in range(T):  # rewards of the states before each of the T steps
            v_ext = g + gamma * np.einsum("sa,sat,t->s", pi, Pext, v_ext)
            v_org = r + gamma * np.einsum("sa,sat,t->s", pi[:S], P, v_org)
        const = g[S] * sum(gamma ** t for t in range(T))
        np.testing.assert_allclose(v_ext[:S], v_org + const, atol=1e-10)


def test_demonstrations_are_padded_with_the_absorbing_state_only_when_they_reached_a_goal():
    lay = corridor()
    mdp = build_mdp(lay)
    arrays = to_arrays(mdp, layout_expert_demos(lay, 3, "optimal", seed=0), 6)
    (s, a), *_ = padded_demo_states(arrays, 6, mdp.n_states)
    assert len(s) == 7 and len(a) == 6  # 3 moves to the goal, then the absorbing state to the horizon
    assert mdp.terminal[s[3]] and (s[4:] == mdp.n_states).all() and (a[3:] == 0).all()
    arrays.ended_at_goal[:] = False
    (s, a), *_ = padded_demo_states(arrays, 6, mdp.n_states)
    assert len(s) == 4 and len(a) == 3


def test_categorical_policy_densities_and_states_without_a_choice():
    torch.manual_seed(0)
    pol = CategoricalPolicy(-np.ones(4), np.ones(4), 3, hidden=())
    pol.set_no_choice([0, 0, 0, 1])
    obs = torch.eye(4)
    lp = pol.logits(obs)
    np.testing.assert_allclose(lp.exp().sum(-1).detach().numpy(), 1.0, atol=1e-6)
    lp = lp.detach()
    assert float(lp[3, 0]) == 0.0 and float(lp[3, 1:].exp().sum()) == 0.0  # no choice: action 0, log pi = 0
    gen = torch.Generator().manual_seed(1)
    a, u, logp = pol.sample(obs.repeat(2000, 1), gen)
    torch.testing.assert_close(logp, pol.log_prob(obs.repeat(2000, 1), a))
    torch.testing.assert_close(logp, pol.log_prob_u(obs.repeat(2000, 1), u))
    freq = a.reshape(2000, 4, 3).mean(0)
    assert (freq - lp.exp()).abs().max() < 0.05
    assert np.array_equal(pol.env_action(a[:4].numpy()), u[:4, 0].numpy().astype(int))


def _run(name: str, lay: Layout, n_demos: int = 40, seed: int = 0, **cfg):
    demos = layout_expert_demos(lay, n_demos, "optimal", seed=seed + 100)
    cls = get_algorithm(name)
    algo = cls(Problem.from_layout(lay, demos, "terrain"), config_from_mapping(cls.Config, cfg), seed=seed)
    return algo, algo.run()


@pytest.mark.parametrize("name", ["airl", "gcl"])
def test_terrain_reward_recovered_from_samples(name):
    """40 optimal demonstrations, slip 0.1: the per-cell reward (AIRL's g, GCL's -c) plans a policy within 15 % of
    the optimal value (normalized EVD: 0 optimal, 1 random), linear in the terrain features."""
    _algo, snap = _run(name, terrain_world(), max_iterations=80)
    assert snap.status == "max iterations"
    assert snap.metrics["evd_infinite_normalized"] < 0.15, snap.metrics
    assert snap.weights is not None  # exactly linear in the features: transfers to an edited layout
    names = list(_algo.problem.features.names)
    w = dict(zip(names, snap.weights))
    assert w["terrain b"] < w["terrain a"]  # the costly terrain is learned as the costlier one


def test_gail_runs_and_reports_the_tabular_views():
    lay = terrain_world()
    algo, snap = _run("gail", lay, n_demos=10, max_iterations=3)
    mdp = algo.problem.mdp
    assert snap.reward.shape == (mdp.n_states,) and np.isfinite(snap.reward).all()
    assert snap.policy.shape == (mdp.n_states, mdp.n_actions)
    np.testing.assert_allclose(snap.policy.sum(1), 1.0, atol=1e-6)
    # the learner's visitation is the sampled batch's: n_envs episodes of horizon + 1 cells, minus the absorbing
    assert 0 < snap.learner_visitation.sum() <= mdp.horizon + 1 + 1e-9
    assert {"disc_accuracy", "true_return", "evd_normalized"} <= set(snap.metrics)


def test_same_seed_same_reward_and_a_stop_leaves_the_state_as_it_was():
    lay = terrain_world()
    a1, s1 = _run("airl", lay, n_demos=10, max_iterations=3)
    _a2, s2 = _run("airl", lay, n_demos=10, max_iterations=3)
    np.testing.assert_array_equal(s1.reward, s2.reward)
    demos = layout_expert_demos(lay, 10, "optimal", seed=100)
    a3 = get_algorithm("airl")(Problem.from_layout(lay, demos, "terrain"), None, seed=0)
    a3.run(max_steps=3)
    before = a3.state_reward().copy()
    calls = iter(range(10**6))
    a3.cancel_check = lambda: next(calls) > 3
    with pytest.raises(Cancelled):
        a3.step()
    np.testing.assert_array_equal(a3.state_reward(), before)


def test_grid_env_passes_the_env_checker_and_the_wrapper_pays_the_learned_cell_reward(tmp_path):
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    from irl_studio.continuous.gridenv import CellReward, GridEnv
    from irl_studio.continuous.wrapper import LearnedRewardWrapper

    lay = corridor(slip=0.0)
    env = GridEnv(lay)
    check_env(env, skip_render_check=True)
    learned = np.where(lay.grid == "#", np.nan, np.arange(18.0).reshape(3, 6))
    np.save(tmp_path / "r.npy", learned)
    wrapped = LearnedRewardWrapper(GridEnv(lay), CellReward(lay, tmp_path / "r.npy"))
    check_env(wrapped, skip_render_check=True)
    obs, info = wrapped.reset(seed=0)
    assert info["cell"] == (1, 1)
    right = env.mdp.action_index("right")
    total, true_total = 0.0, 0.0
    for _ in range(3):
        obs, r, term, trunc, info = wrapped.step(right)
        assert r == learned[info["cell"]]
        total, true_total = total + r, true_total + info["true_reward"]
    assert term and info["cell"] == (1, 4) and total == 8 + 9 + 10 and true_total == -1 - 1 + 5
    assert gymnasium.make("irl_studio/Grid-v0", layout="four-rooms").observation_space.shape[0] > 0

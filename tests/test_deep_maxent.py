"""Deep MaxEnt IRL (Wulfmeier et al. 2016): the back-propagated MaxEnt gradient, a nonlinear reward, seeding."""

import numpy as np
import pytest
import torch

from irl_studio.algorithms.base import Problem
from irl_studio.algorithms.deep_maxent import DeepMaxEntConfig, DeepMaxEntIRL
from irl_studio.algorithms.mce import MCEIRL
from irl_studio.core.demos import expert_demos
from irl_studio.core.features import Features
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp


def xor_problem(n: int = 10, n_demos: int = 200) -> Problem:
    """A slippery open n x n grid with two random binary features; the true reward is their XOR (+1 / -1)."""
    lay = Layout.from_rows(["." * n] * n, slip=0.1, discount=0.9, horizon_override=15)
    mdp = build_mdp(lay)
    f = np.random.default_rng(0).integers(0, 2, size=(mdp.n_states, 2)).astype(float)
    true = np.where(f[:, 0] != f[:, 1], 1.0, -1.0)
    lay.true_reward = mdp.grid_values(true)
    demos = expert_demos(mdp, true, n_demos, "soft", seed=1)
    return Problem.from_layout(lay, demos, Features("xor", f, ("f1", "f2")))


@pytest.fixture(scope="module")
def tiny_problem() -> Problem:
    lay = Layout.from_rows(["#######",
                            "#S.a..#",
                            "#.#.b.#",
                            "#..a.G#",
                            "#######"], slip=0.2, discount=0.9, horizon_override=6)
    mdp = build_mdp(lay)
    true = np.where(mdp.terminal, 3.0, -0.5) + 0.1 * (np.arange(mdp.n_states) % 3)
    demos = expert_demos(mdp, true, 20, "soft", seed=3)
    short = expert_demos(mdp, true, 10, "soft", seed=4, horizon=3)  # demonstrations of different lengths
    demos.trajectories += short.trajectories
    return Problem.from_layout(lay, demos, "terrain")


@pytest.mark.parametrize("network", ["mlp", "fcn"])
def test_backpropagated_gradient_equals_finite_differences(tiny_problem, network):
    """The torch gradient from r.backward(-(D_E - D)) is minus the gradient of the MCE log-likelihood L(psi),
    checked against central differences of L computed by a fresh backward + forward pass."""
    algo = DeepMaxEntIRL(tiny_problem, DeepMaxEntConfig(network=network, hidden=(4,), activation="tanh",
                                                        weight_decay=0.0), seed=0)
    algo.net.zero_grad()
    r = algo.reward_tensor()
    _, D, _ = algo.evaluate(r.detach().numpy())
    r.backward(gradient=torch.as_tensor(-(algo.D_E - D)))
    grad = -torch.cat([p.grad.reshape(-1) for p in algo.net.parameters()]).numpy()
    p0 = algo.parameters_vector()
    h = 1e-6
    fd = np.empty_like(p0)
    for i in range(len(p0)):
        e = np.zeros_like(p0)
        e[i] = h
        fd[i] = (algo.evaluate(algo.reward_for(p0 + e))[0] - algo.evaluate(algo.reward_for(p0 - e))[0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)
    assert np.linalg.norm(grad) > 1e-3  # not a vacuous comparison


def test_mlp_recovers_xor_reward_that_linear_cannot():
    pb = xor_problem()
    linear = MCEIRL(pb).run()
    deep = DeepMaxEntIRL(pb, seed=0).run()
    assert linear.metrics["evd_normalized"] > 0.5  # XOR is not linear in (f1, f2)
    assert deep.metrics["evd_normalized"] < 0.02
    assert deep.metrics["pearson"] > 0.95


def test_same_seed_same_result_and_seeds_differ(tiny_problem):
    cfg = DeepMaxEntConfig(max_iterations=20)
    a = DeepMaxEntIRL(tiny_problem, cfg, seed=5).run()
    b = DeepMaxEntIRL(tiny_problem, cfg, seed=5).run()
    c = DeepMaxEntIRL(tiny_problem, cfg, seed=6).run()
    np.testing.assert_array_equal(a.reward, b.reward)
    assert not np.allclose(a.reward, c.reward)


def test_fcn_on_grid_maps_learns(tiny_problem):
    algo = DeepMaxEntIRL(tiny_problem, DeepMaxEntConfig(network="fcn", max_iterations=60), seed=0)
    snaps = list(algo)
    assert snaps[-1].metrics["objective"] > snaps[0].metrics["objective"] + 0.1
    assert snaps[-1].reward.shape == (tiny_problem.mdp.n_states,)

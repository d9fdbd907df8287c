"""Maximum margin planning (Ratliff et al. 2006): the loss, loss-augmented planning and the subgradient."""

import numpy as np
import pytest

from irl_studio.algorithms.base import Problem
from irl_studio.algorithms.mmp import MMPConfig, MMPIRL
from irl_studio.core.builtin import builtin_demos, builtin_layout


@pytest.fixture(scope="module")
def terrain_problem() -> Problem:
    return Problem.from_layout(builtin_layout("terrain"), builtin_demos("terrain"), "terrain")


def hinge(algo: MMPIRL, w: np.ndarray) -> float:
    """c(w) evaluated from scratch: loss-augmented planning at w."""
    r = algo.problem.features.reward(w)
    d_star = algo.visitation(algo.plan_for_reward(r + algo.loss_vec))
    return algo.objective(w, d_star)


def test_hamming_loss_is_on_states_the_expert_never_visits(terrain_problem):
    algo = MMPIRL(terrain_problem, MMPConfig(loss=0.3))
    visited = np.zeros(terrain_problem.mdp.n_states, dtype=bool)
    st = terrain_problem.arrays.states
    visited[st[st >= 0]] = True
    np.testing.assert_array_equal(algo.loss_vec, np.where(visited, 0.0, 0.3))


def test_loss_augmented_plan_is_at_least_as_good_as_the_expert_under_augmented_reward(terrain_problem):
    # max_mu (Fw + l) . mu >= (Fw + l) . mu_E = (Fw) . mu_E, so the structured hinge is >= lambda/2 |w|^2
    algo = MMPIRL(terrain_problem, MMPConfig(l2=0.0))
    rng = np.random.default_rng(0)
    for _ in range(5):
        w = rng.standard_normal(terrain_problem.features.n_features)
        assert hinge(algo, w) >= -1e-9


def test_subgradient_inequality(terrain_problem):
    """g = lambda w + F^T (mu* - mu_E) is a subgradient of the convex c: c(w') >= c(w) + g . (w' - w)."""
    algo = MMPIRL(terrain_problem, MMPConfig(l2=0.05))
    rng = np.random.default_rng(1)
    F = terrain_problem.features
    for _ in range(4):
        w = rng.standard_normal(F.n_features)
        r = F.reward(w)
        d_star = algo.visitation(algo.plan_for_reward(r + algo.loss_vec))
        g = 0.05 * w + F.counts(d_star) - algo.mu_E
        c = algo.objective(w, d_star)
        for _ in range(4):
            w2 = w + rng.standard_normal(F.n_features) * rng.choice([0.01, 0.3, 2.0])
            assert hinge(algo, w2) >= c + g @ (w2 - w) - 1e-7


def test_objective_decreases_and_reward_is_good(terrain_problem):
    snaps = list(MMPIRL(terrain_problem, MMPConfig(max_iterations=60, eval_every=60)))
    best = [s.metrics["objective_best"] for s in snaps]
    assert all(b <= a for a, b in zip(best, best[1:]))
    assert best[-1] < 0.5 * snaps[0].metrics["objective"]
    assert snaps[-1].metrics["evd_normalized"] < 0.05

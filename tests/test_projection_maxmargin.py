"""Apprenticeship learning (Abbeel & Ng 2004): the projection step, the max-margin QP, the mixture of policies."""

import numpy as np
import pytest
from scipy.optimize import nnls

from irl_studio.algorithms.base import Problem
from irl_studio.algorithms.apprenticeship import ApprenticeshipConfig, min_norm_point
from irl_studio.algorithms.maxmargin import MaxMarginIRL, max_margin_qp
from irl_studio.algorithms.projection import ProjectionIRL
from irl_studio.core.builtin import builtin_demos, builtin_layout
from irl_studio.core.planning import hard_value_iteration


def hull_distance(points: np.ndarray, target: np.ndarray) -> float:
    """Distance from target to the convex hull of points, by NNLS with the simplex constraint as a heavy row
    (independent of the SLSQP solvers under test)."""
    big = 1e4
    A = np.vstack([points.T, big * np.ones(len(points))])
    b = np.append(target, big)
    lam, _ = nnls(A, b)
    return float(np.linalg.norm(target - lam @ points))


@pytest.fixture(scope="module")
def terrain_problem() -> Problem:
    return Problem.from_layout(builtin_layout("terrain"), builtin_demos("terrain"), "terrain")


def exact_expert_mu(problem: Problem, algo_cls) -> np.ndarray:
    """Feature expectations of the true-optimal policy, computed the way the algorithm computes its own."""
    probe = algo_cls(problem)
    return problem.features.counts(probe.visitation(hard_value_iteration(problem.mdp, problem.true_reward,
                                                                        problem.mdp.discount)))


def test_projection_distance_non_increasing_and_reaches_epsilon(terrain_problem):
    mu_E = exact_expert_mu(terrain_problem, ProjectionIRL)
    algo = ProjectionIRL(terrain_problem, ApprenticeshipConfig(epsilon=1e-3, max_iterations=60), mu_expert=mu_E)
    dists = [s.metrics["distance"] for s in algo]
    assert algo.status == "converged"
    assert dists[-1] <= 1e-3 < dists[-2]
    assert all(b <= a + 1e-12 for a, b in zip(dists, dists[1:]))
    # mu_bar is the convex combination of the policies' feature expectations that the weights lambda say
    lam = algo.mixture
    assert lam.min() >= 0 and abs(lam.sum() - 1) < 1e-12
    np.testing.assert_allclose(lam @ np.array(algo.mus), algo.mu_bar, atol=1e-12)


def test_projection_step_is_the_orthogonal_projection():
    # two steps by hand: mu_bar(1) = projection of mu_E onto the segment [mu_bar(0), mu(1)]
    mu_E = np.array([1.0, 1.0])
    algo = ProjectionIRL.__new__(ProjectionIRL)
    algo.mu_E = mu_E
    algo.config = ApprenticeshipConfig()
    algo.mus = [np.array([0.0, 0.0])]
    w, m, _ = algo.next_weights()
    np.testing.assert_allclose(w, [1.0, 1.0])
    algo.mus.append(np.array([2.0, 0.0]))
    w, m, _ = algo.next_weights()
    np.testing.assert_allclose(algo.mu_bar, [1.0, 0.0])  # the foot of the perpendicular from (1, 1)
    np.testing.assert_allclose(w, [0.0, 1.0])
    assert m["distance"] == pytest.approx(1.0)
    assert m["alpha"] == pytest.approx(0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_max_margin_qp_constraints_and_duality(seed):
    rng = np.random.default_rng(seed)
    mus = rng.random((6, 4))
    mu_E = rng.random(4) + 0.8  # outside the hull: positive margin
    w, t = max_margin_qp(mu_E, mus)
    assert np.linalg.norm(w) <= 1 + 1e-9
    assert np.all((mu_E - mus) @ w >= t - 1e-9)
    # max-margin equals the distance from mu_E to the convex hull (minimax), checked by NNLS
    assert t == pytest.approx(hull_distance(mus, mu_E), rel=1e-5, abs=1e-8)
    lam = min_norm_point(mus, mu_E)
    assert np.linalg.norm(mu_E - lam @ mus) == pytest.approx(hull_distance(mus, mu_E), rel=1e-5, abs=1e-8)


def test_max_margin_constraints_hold_at_the_solution(terrain_problem):
    algo = MaxMarginIRL(terrain_problem, ApprenticeshipConfig(epsilon=1e-4, max_iterations=30))
    snap = algo.run()
    mus = np.array(algo.mus)
    w, t = algo.w, algo.margin
    assert np.linalg.norm(w) <= 1 + 1e-9
    assert np.all((algo.mu_E - mus) @ w >= t - 1e-8)
    assert t == pytest.approx(hull_distance(mus, algo.mu_E), abs=1e-6)
    # the mixture reported is the closest point of the hull, and the metric says so
    assert snap.metrics["distance_mixture"] == pytest.approx(np.linalg.norm(algo.mu_E - algo.mixture_mu))
    assert snap.metrics["distance_mixture"] == pytest.approx(hull_distance(mus, algo.mu_E), abs=1e-6)
    # apprenticeship learning plans the discounted infinite horizon: scored there as in the paper, and still well
    # over the layout's own T-step episode
    assert snap.metrics["evd_infinite_normalized"] < 0.05
    assert snap.metrics["evd_normalized"] < 0.1


def test_exact_occupancy_matches_a_long_horizon(terrain_problem):
    # (1 - gamma) (I - gamma P_pi^T)^-1 p0 is the limit of the horizon-T visitation as T grows
    algo_exact = ProjectionIRL(terrain_problem, ApprenticeshipConfig(occupancy="exact", start="layout"))
    plan = hard_value_iteration(terrain_problem.mdp, terrain_problem.true_reward, terrain_problem.mdp.discount)
    d_exact = algo_exact.visitation(plan)
    from irl_studio.core.planning import state_visitation

    g, T = terrain_problem.mdp.discount, 2000
    d_long = (1 - g) * state_visitation(plan, terrain_problem.mdp, T, weights=g ** np.arange(T + 1),
                                        start=terrain_problem.mdp.start)
    np.testing.assert_allclose(d_exact, d_long, atol=1e-10)

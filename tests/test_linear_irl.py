"""MaxEnt and MCE IRL: the gradient (expert counts minus the learner's expected counts) is the gradient of the
objective they report, checked by central finite differences, with slip, discount, goals and demonstrations of
different lengths; with slip 0 the objective is the demonstrations' log-likelihood; a realizable problem is solved."""

from __future__ import annotations

import numpy as np
import pytest

from irl_studio.algorithms import MaxEntIRL, MCEIRL, get_algorithm
from irl_studio.algorithms.base import AlgorithmError, Problem, config_from_mapping
from irl_studio.algorithms.linear import LinearConfig
from irl_studio.core.demos import Demos, Trajectory, expert_demos
from irl_studio.core.features import Features
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.metrics import demo_log_likelihood
from irl_studio.core.planning import soft_value_iteration, state_visitation


def layout(slip: float, discount: float, horizon: int = 4) -> Layout:
    return Layout.from_rows(["#####", "#S..#", "#.#G#", "#####"], slip=slip, discount=discount,
                            horizon_override=horizon)


# demonstrations of different lengths (horizon 4 steps): one reaches the goal, one stops early, one starts elsewhere
# and runs to the end
MIXED = Demos([Trajectory(((1, 1), (1, 2), (1, 3), (2, 3)), ("right", "right", "down")),
               Trajectory(((1, 1), (2, 1)), ("down",)),
               Trajectory(((1, 2), (1, 3), (1, 3), (1, 2), (1, 1)), ("right", "stay", "left", "left"))])
FULL = Demos([Trajectory(((1, 1), (1, 2), (1, 3), (2, 3)), ("right", "right", "down")),
              Trajectory(((1, 1), (2, 1), (1, 1), (1, 2), (1, 3)), ("down", "up", "right", "right"))])


def random_features(mdp, k=3, seed=0) -> Features:
    m = np.random.default_rng(seed).normal(size=(mdp.n_states, k))
    return Features("random", m, tuple(f"f{i}" for i in range(k)))


def fd_grad(fun, theta, eps=1e-6):
    return np.array([(fun(theta + eps * e)[0] - fun(theta - eps * e)[0]) / (2 * eps) for e in np.eye(len(theta))])


@pytest.mark.parametrize("cls", [MaxEntIRL, MCEIRL])
@pytest.mark.parametrize("slip,discount", [(0.0, 1.0), (0.25, 1.0), (0.25, 0.9)])
@pytest.mark.parametrize("demos", [FULL, MIXED], ids=["full", "mixed"])
@pytest.mark.parametrize("start", ["demos", "layout"])
def test_gradient_equals_finite_difference(cls, slip, discount, demos, start):
    lay = layout(slip, discount)
    mdp = build_mdp(lay)
    feats = random_features(mdp)
    problem = Problem.from_layout(lay, demos, feats)
    algo = cls(problem, config_from_mapping(cls.Config, {"start": start, "l2": 0.1}))
    rng = np.random.default_rng(7)
    for _ in range(2):
        theta = rng.normal(size=feats.n_features)
        value, grad = algo._fun(theta)
        assert np.isfinite(value)
        np.testing.assert_allclose(grad, fd_grad(algo._fun, theta), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("cls", [MaxEntIRL, MCEIRL])
def test_gradient_with_one_hot_state_features(cls):
    lay = layout(0.3, 0.9 if cls is MCEIRL else 1.0)
    problem = Problem.from_layout(lay, MIXED, "state")
    algo = cls(problem)
    theta = np.random.default_rng(3).normal(size=problem.features.n_features)
    _, grad = algo._fun(theta)
    np.testing.assert_allclose(grad, fd_grad(algo._fun, theta), atol=1e-6)


@pytest.mark.parametrize("cls", [MaxEntIRL, MCEIRL])
def test_objective_is_the_demo_log_likelihood_without_slip(cls):
    """slip 0, discount 1: the MaxEnt trajectory log-likelihood sum r - log Z and the causal log-likelihood
    sum_t log pi_t(a_t | s_t) coincide (demonstrations reaching the goal or lasting the whole horizon), so the
    algorithm's gradient is the finite-difference gradient of the demonstrations' log-likelihood."""
    lay = layout(0.0, 1.0)
    mdp = build_mdp(lay)
    feats = random_features(mdp, seed=5)
    problem = Problem.from_layout(lay, FULL, feats)
    algo = cls(problem, config_from_mapping(cls.Config, {"start": "demos", "l2": 0.0}))
    start_cells = problem.arrays.states[:, 0]

    def loglik(theta):
        plan = soft_value_iteration(mdp, feats.reward(theta), horizon=mdp.horizon, discount=1.0)
        return (demo_log_likelihood(plan, problem.arrays), None)

    theta = np.random.default_rng(11).normal(size=feats.n_features)
    value, grad = algo._fun(theta)
    assert value == pytest.approx(loglik(theta)[0], abs=1e-10)
    np.testing.assert_allclose(grad, fd_grad(loglik, theta), atol=1e-6)
    assert len(set(start_cells.tolist())) == 1
    # the causal log-likelihood the algorithm reports is that number too
    ev = algo.evaluate(feats.reward(theta))
    assert algo.log_likelihoods(ev.plan)["log_likelihood"] == pytest.approx(loglik(theta)[0], abs=1e-10)


@pytest.mark.parametrize("name", ["maxent", "mce"])
def test_realizable_problem_matches_the_expert_visitation(name):
    """Expert counts are the *exact* visitation of the soft-optimal policy of a linear reward (no sampling), so the
    optimum is realizable: the fit must drive the feature gap to ~0 and recover the expert's visitation."""
    lay = Layout.from_rows(["#######", "#S....#", "#.#...#", "#....G#", "#######"], slip=0.2, discount=0.9,
                           horizon_override=8)
    cls = get_algorithm(name)
    mdp = build_mdp(lay)
    feats = random_features(mdp, k=4, seed=2)
    theta_true = np.array([1.0, -0.5, 0.3, 0.8])
    # demos are needed to build the problem; the expert statistics are then replaced by exact ones
    demos = expert_demos(mdp, feats.reward(theta_true), 5, "soft", seed=0)
    problem = Problem.from_layout(lay, Demos([Trajectory(t.cells[:1], ()) for t in demos.trajectories]), feats)
    algo = cls(problem, config_from_mapping(cls.Config, {"start": "layout", "tol": 1e-7, "l2": 0.0}))
    T = mdp.horizon
    # demos of one cell each end early at t = 0; make them full-length (T steps, T + 1 cells) in the problem's eyes
    algo.problem.arrays.lengths[:] = T + 1
    if name == "mce":
        plan = soft_value_iteration(mdp, feats.reward(theta_true), horizon=T, discount=0.9)
        D_true = state_visitation(plan, mdp, T, start=mdp.start)
    else:  # the discounted messages' visitation (checked against the lecture's messages at gamma = 1 below)
        D_true = algo.evaluate(feats.reward(theta_true)).learner_visitation
    algo.D_E = D_true
    algo.f_E = feats.counts(D_true)
    # (the optimizer is made on the first step, from these patched expert counts)
    snap = algo.run(max_steps=300)
    assert snap.status == "converged"
    assert snap.metrics["feature_gap_inf"] < 1e-6
    np.testing.assert_allclose(snap.weights, theta_true, atol=1e-3)  # 4 generic features: identifiable
    np.testing.assert_allclose(snap.learner_visitation, D_true, atol=1e-5)


def test_same_seed_same_result(terrain_layout):
    from irl_studio.core.builtin import builtin_demos

    demos = builtin_demos("terrain")
    runs = []
    for _ in range(2):
        algo = MCEIRL(Problem.from_layout(terrain_layout, demos, "terrain"), seed=1)
        runs.append(algo.run(max_steps=5))
    np.testing.assert_array_equal(runs[0].reward, runs[1].reward)
    assert runs[0].iteration == 5


def test_snapshots_are_read_only_and_the_protocol_ends():
    lay = layout(0.1, 0.9)
    algo = MCEIRL(Problem.from_layout(lay, FULL, "state"), config_from_mapping(LinearConfig, {"max_iterations": 3}))
    snaps = list(algo)
    assert [s.iteration for s in snaps] == [1, 2, 3]
    assert snaps[-1].done and snaps[-1].status in ("max iterations", "converged")
    with pytest.raises(ValueError):
        snaps[-1].reward[0] = 1.0
    assert np.isnan(snaps[-1].reward_grid[0, 0])


def test_config_errors_are_clear():
    with pytest.raises(AlgorithmError, match="tol"):
        config_from_mapping(LinearConfig, {"tol": "abc"})
    with pytest.raises(AlgorithmError, match="unknown parameter"):
        config_from_mapping(LinearConfig, {"nope": 1})
    with pytest.raises(AlgorithmError, match="optimizer"):
        config_from_mapping(LinearConfig, {"optimizer": "sgd"})
    with pytest.raises(AlgorithmError, match="unknown algorithm"):
        get_algorithm("nope")


def test_cancel_inside_a_step_leaves_the_algorithm_as_it_was():
    """A caller's cancel_check stops a step between passes (an L-BFGS step may make several); the step is abandoned
    without changing theta, and once the check is lifted the run goes on exactly as an uncancelled one."""
    from irl_studio.algorithms.base import Cancelled
    from irl_studio.core.builtin import builtin_demos, builtin_layout

    lay, demos = builtin_layout("terrain"), builtin_demos("terrain")
    ref = MaxEntIRL(Problem.from_layout(lay, demos, "terrain"))
    ref.step()
    ref_snap = ref.step()

    algo = MaxEntIRL(Problem.from_layout(lay, demos, "terrain"))
    first = algo.step()
    theta = algo.opt.theta.copy()
    calls = []
    algo.cancel_check = lambda: calls.append(1) is None  # True: stop at the next pass
    with pytest.raises(Cancelled):
        algo.step()
    assert calls and algo.iteration == 1 and not algo.done and algo.last is first
    np.testing.assert_array_equal(algo.opt.theta, theta)
    algo.cancel_check = None
    snap = algo.step()
    np.testing.assert_allclose(snap.weights, ref_snap.weights, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("slip", [0.0, 0.25])
def test_discounted_maxent_reduces_to_the_lecture_messages_at_gamma_one(slip):
    """The discounted MaxEnt pass (optimistic backup with gamma on the continuation, forward pass in the tilted
    dynamics) is, at gamma = 1, the lecture's messages: same dual, same visitation (which test_planning checks against
    brute-force enumeration), for demonstrations of different lengths and both start distributions."""
    from irl_studio.core.planning import message_visitation, messages

    lay = layout(slip, 1.0)
    mdp = build_mdp(lay)
    feats = random_features(mdp, seed=4)
    for start in ("demos", "layout"):
        algo = MaxEntIRL(Problem.from_layout(lay, MIXED, feats), config_from_mapping(MaxEntIRL.Config, {"start": start}))
        r = feats.reward(np.random.default_rng(5).normal(size=feats.n_features))
        a, b = algo._evaluate_homogeneous(r), algo._evaluate_discounted(r)
        assert a.objective == pytest.approx(b.objective, abs=1e-10)
        np.testing.assert_allclose(a.learner_visitation, b.learner_visitation, atol=1e-10)
    # and with full-length demonstrations it is the messages' visitation itself
    algo = MaxEntIRL(Problem.from_layout(lay, FULL, feats), config_from_mapping(MaxEntIRL.Config, {"start": "layout"}))
    algo.problem.arrays.lengths[:] = mdp.horizon + 1
    np.testing.assert_allclose(algo._evaluate_discounted(r).learner_visitation,
                               message_visitation(messages(mdp, r, mdp.horizon, start=mdp.start)), atol=1e-10)

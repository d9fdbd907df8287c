"""What every registered algorithm must do: learn the terrain world's reward well, be deterministic per seed, run
from the command line; and the linear MaxEnt / MCE fits match the expert's feature expectations."""

import json

import numpy as np
import pytest

from irl_studio.algorithms import ALGORITHMS, get_algorithm
from irl_studio.algorithms.base import Problem
from irl_studio.algorithms.linear import LinearConfig
from irl_studio.algorithms.maxent import MaxEntIRL
from irl_studio.algorithms.mce import MCEIRL
from irl_studio.cli import main
from irl_studio.core.builtin import builtin_demos, builtin_layout
from irl_studio.core.demos import expert_demos
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.metrics import evd

TABULAR = ["maxmargin", "projection", "mmp", "maxent", "mce", "deep-maxent"]


@pytest.fixture(scope="module")
def terrain_problem() -> Problem:
    return Problem.from_layout(builtin_layout("terrain"), builtin_demos("terrain"), "terrain")


def test_all_tabular_algorithms_registered():
    assert set(TABULAR) <= set(ALGORITHMS)
    for name in TABULAR:
        cls = get_algorithm(name)
        assert cls.name == name and cls.title and cls.paper


@pytest.mark.parametrize("name", TABULAR)
def test_terrain_normalized_evd(terrain_problem, name):
    cls = ALGORITHMS[name]
    cfg = cls.Config(eval_every=10_000)  # EVD once, at the end
    snap = cls(terrain_problem, cfg, seed=0).run()
    bound = 0.02 if name in ("maxent", "mce") else 0.05
    # the metric the snapshot reports is the one of irl_studio.core.metrics, recomputed here independently
    check = evd(terrain_problem.mdp, terrain_problem.true_reward, snap.reward)
    assert snap.metrics["evd_normalized"] == pytest.approx(check["evd_normalized"])
    assert check["evd_normalized"] < bound, (name, check)
    assert snap.reward_grid.shape == (10, 18)
    assert snap.policy.shape == (terrain_problem.mdp.n_states, terrain_problem.mdp.n_actions)
    np.testing.assert_allclose(snap.policy.sum(axis=1), 1.0)


@pytest.mark.parametrize("name", TABULAR)
def test_same_seed_same_result(terrain_problem, name):
    cls = ALGORITHMS[name]
    cfg = cls.Config(max_iterations=8, eval_every=10_000)
    a = cls(terrain_problem, cfg, seed=3).run()
    b = cls(terrain_problem, cfg, seed=3).run()
    np.testing.assert_array_equal(a.reward, b.reward)
    np.testing.assert_array_equal(a.learner_visitation, b.learner_visitation)
    assert a.iteration == b.iteration


@pytest.mark.parametrize("name", TABULAR)
def test_cli_learn_runs_every_algorithm(tmp_path, name):
    out, report = tmp_path / "r.npy", tmp_path / "rep.json"
    code = main(["learn", "terrain", "--demos", "builtin", "--algo", name, "--features", "terrain",
                 "--iterations", "5", "--seed", "1", "--out", str(out), "--report", str(report), "--quiet"])
    assert code == 0
    grid = np.load(out)
    assert grid.shape == (10, 18) and np.isfinite(grid[1, 1]) and np.isnan(grid[0, 0])
    rep = json.loads(report.read_text())
    assert rep["algorithm"] == name and rep["iterations"] <= 5


def small_stochastic_problem(n_demos: int = 300) -> Problem:
    lay = Layout.from_rows(["########",
                            "#S.aa..#",
                            "#..b.c.#",
                            "#.aa..G#",
                            "########"], slip=0.2, discount=0.9, horizon_override=16)
    mdp = build_mdp(lay)
    terr = lay.terrain()[mdp.cells[:, 0], mdp.cells[:, 1]]
    true = np.select([mdp.terminal, terr == 0, terr == 1, terr == 2], [5.0, -2.0, -1.0, 0.5], -0.3)
    lay.true_reward = mdp.grid_values(true)
    demos = expert_demos(mdp, true, n_demos, "soft", seed=2)
    return Problem.from_layout(lay, demos, "terrain")


@pytest.mark.parametrize("cls", [MaxEntIRL, MCEIRL])
def test_linear_fits_match_expert_feature_expectations(cls):
    """Without a prior (l2 = 0) the fit matches the expert's feature counts; with the default Gaussian prior the gap
    at the optimum is exactly the prior's pull, (l2 / N) (theta_perp + alpha u / |u|^2) (linear.py)."""
    pb = small_stochastic_problem()
    algo = cls(pb, LinearConfig(tol=1e-5, max_iterations=500, l2=0.0))
    snap = algo.run()
    assert snap.status == "converged"
    f_E = pb.features.counts(snap.expert_visitation)
    f_L = pb.features.counts(snap.learner_visitation)
    np.testing.assert_allclose(f_L, f_E, atol=1e-3)
    assert np.max(np.abs(f_E)) > 0.5  # counts of order one: the tolerance is meaningful
    algo = cls(pb, LinearConfig(tol=1e-7, max_iterations=500))
    snap = algo.run()
    assert snap.status == "converged"
    gap = pb.features.counts(snap.expert_visitation) - pb.features.counts(snap.learner_visitation)
    _, pull = algo.log_prior(snap.weights)
    np.testing.assert_allclose(gap, pull, atol=1e-6)
    assert np.max(np.abs(pull)) > 1e-3  # the prior does pull

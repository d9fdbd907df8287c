"""GCL, GAIL and AIRL against math checked independently: the tanh-Gaussian density, GCL's importance-sampled log Z
on an enumerable case and its gradient (the lecture's formula), AIRL's discriminator optimum f* = log pi_E on a tiny
tabular case; then the step protocol: shapes, seeds, Stop inside a step (state restored), network files."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import torch

from irl_studio.algorithms.airl import AIRL, AIRLConfig, airl_discriminator_loss
from irl_studio.algorithms.gail import GAIL, GAILConfig
from irl_studio.algorithms.gcl import GCL, GCLConfig, gcl_loss, importance_log_z, mixture_log_density
from irl_studio.continuous.demos import expert_demos
from irl_studio.continuous.plane import builtin_plane
from irl_studio.continuous.policy import SquashedGaussianPolicy
from irl_studio.core.steppable import Cancelled, Steppable

torch.set_num_threads(1)


def small_plane():
    p = builtin_plane("point-maze-left")
    p.horizon = 25
    return p


SMALL = dict(n_envs=4, max_iterations=50, ppo_epochs=2, grid_points=50)


def make(cls, cfg_cls, seed=0, **kw):
    plane = small_plane()
    return cls(plane, expert_demos(plane, 3, seed=0), cfg_cls(**{**SMALL, **kw}), seed=seed)


def test_tanh_gaussian_log_density_against_the_numeric_cdf():
    """P(a <= x) = Phi((atanh(x) - mu) / sigma): its numerical derivative is the density log pi claims."""
    from scipy.stats import norm

    pol = SquashedGaussianPolicy(np.zeros(1), np.ones(1), -np.ones(2), np.ones(2), hidden=(4,), log_std_init=-0.3)
    obs = torch.tensor([[0.2]])
    with torch.no_grad():
        mu, log_std = pol.mean_std(obs)
        mu, sd = mu[0].double().numpy(), np.exp(log_std[0].double().numpy())
        for a in ([0.3, -0.7], [0.95, 0.01], [-0.999, 0.5]):
            a = np.array(a)
            h = 1e-6
            cdf = lambda x, i: norm.cdf((np.arctanh(x) - mu[i]) / sd[i])  # noqa: E731
            dens = np.prod([(cdf(a[i] + h, i) - cdf(a[i] - h, i)) / (2 * h) for i in range(2)])
            got = float(pol.log_prob(obs, torch.as_tensor(a[None], dtype=torch.float32)))
            assert got == pytest.approx(np.log(dens), abs=2e-3)
        # sampled actions: log_prob_u (exact) agrees with log_prob of the squashed action
        a, u, lp = pol.sample(obs.repeat(5, 1), torch.Generator().manual_seed(0))
        np.testing.assert_allclose(lp.numpy(), pol.log_prob_u(obs.repeat(5, 1), u).numpy(), rtol=1e-5)
        np.testing.assert_allclose(lp.numpy(), pol.log_prob(obs.repeat(5, 1), a).numpy(), atol=1e-3)
        assert torch.all(a.abs() < 1)


def test_importance_sampled_log_z_on_an_enumerable_case():
    """8 trajectories (3 binary actions); background samples from a 2-policy mixture estimate log sum exp(-C)."""
    rng = np.random.default_rng(0)
    C = rng.normal(0, 2, 8)
    exact = np.log(np.exp(-C).sum())
    q = np.stack([rng.dirichlet(np.ones(8)) * 0.5 + 0.5 / 8, rng.dirichlet(np.ones(8)) * 0.5 + 0.5 / 8])
    idx = np.concatenate([rng.choice(8, 20000, p=q[0]), rng.choice(8, 20000, p=q[1])])
    logp = torch.as_tensor(np.log(q[:, idx].T))  # (M, 2): each sample's density under each component
    est = importance_log_z(torch.as_tensor(-C[idx]), mixture_log_density(logp))
    assert float(est) == pytest.approx(exact, abs=0.03)
    # a single component's density (the last policy only) is the wrong proposal for a mixture's samples
    wrong = importance_log_z(torch.as_tensor(-C[idx]), logp[:, 1])
    assert abs(float(wrong) - exact) > 0.1


def test_gcl_gradient_is_the_lectures():
    """dL/dC_demo = 1/N - w~, dL/dC_sample = -w~ (self-normalized importance weights), and autograd agrees with
    finite differences."""
    rng = np.random.default_rng(1)
    cd = torch.tensor(rng.normal(size=3), dtype=torch.float64, requires_grad=True)
    cs = torch.tensor(rng.normal(size=5), dtype=torch.float64, requires_grad=True)
    lq = torch.tensor(rng.normal(size=8), dtype=torch.float64)
    loss = gcl_loss(cd, torch.cat([cs, cd]), torch.cat([lq[:5], lq[5:]]))
    loss.backward()
    w = torch.softmax(-torch.cat([cs, cd]) - lq, 0).detach()
    np.testing.assert_allclose(cs.grad.numpy(), -w[:5].numpy(), atol=1e-12)
    np.testing.assert_allclose(cd.grad.numpy(), 1 / 3 - w[5:].numpy(), atol=1e-12)
    torch.autograd.gradcheck(lambda a, b: gcl_loss(a, torch.cat([b, a]), lq), (cd.detach().requires_grad_(),
                                                                              cs.detach().requires_grad_()))


def test_airl_discriminator_optimum_is_log_pi_expert():
    """Tabular f(s, a), exact expectations, the same state distribution: the optimum is f* = log pi_E(a|s)."""
    pi_e = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=torch.float64)
    pi = torch.tensor([[0.3, 0.3, 0.4], [0.5, 0.25, 0.25]], dtype=torch.float64)
    rho = torch.tensor([0.4, 0.6], dtype=torch.float64)[:, None]
    f = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([f], max_iter=500, tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        loss = airl_discriminator_loss(f, pi.log(), f, pi.log(), rho * pi_e, rho * pi)
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_allclose(f.detach().numpy(), pi_e.log().numpy(), atol=1e-5)


def test_gcl_mixture_holds_every_past_policy():
    algo = make(GCL, GCLConfig, cost_steps=1)
    for _ in range(3):
        algo.step()
    assert len(algo.policies) == 4  # the demonstrations' density + 3 policies
    assert algo.lp_samples.shape == (3 * 4, 4) and algo.lp_demos.shape == (3, 4)
    obs = torch.as_tensor(np.concatenate([o for o, _, _ in algo.pool], axis=1))
    acts = torch.as_tensor(np.concatenate([a for _, a, _ in algo.pool], axis=1))
    for k, pol in enumerate(algo.policies):
        with torch.no_grad():
            expect = pol.log_prob(obs, acts).sum(0).double().numpy()
        np.testing.assert_allclose(algo.lp_samples[:, k], expect, rtol=2e-3, atol=0.5)


def test_gcl_window_keeps_the_demo_density_and_the_last_policies():
    algo = make(GCL, GCLConfig, cost_steps=1, sample_window=2)
    for _ in range(4):
        algo.step()
    assert len(algo.policies) == 3 and len(algo.pool) == 2  # q_D + the last 2 policies, their rollouts
    assert algo.lp_samples.shape == (2 * 4, 3) and algo.lp_demos.shape == (3, 3)
    obs = torch.as_tensor(np.concatenate([o for o, _, _ in algo.pool], axis=1))
    acts = torch.as_tensor(np.concatenate([a for _, a, _ in algo.pool], axis=1))
    for k, pol in enumerate(algo.policies):
        with torch.no_grad():
            expect = pol.log_prob(obs, acts).sum(0).double().numpy()
        np.testing.assert_allclose(algo.lp_samples[:, k], expect, rtol=2e-3, atol=0.5)


@pytest.mark.parametrize("cls, cfg", [(AIRL, AIRLConfig), (GAIL, GAILConfig), (GCL, GCLConfig)])
def test_snapshots_have_the_views_shapes(cls, cfg):
    algo = make(cls, cfg)
    assert isinstance(algo, Steppable)
    snap = algo.step()
    assert snap.iteration == 1 and not snap.done and snap.status == "running"
    assert snap.reward_values.shape == (50, 50) and np.isfinite(snap.reward_values).all()
    assert snap.reward_x[0] == -0.1 and snap.reward_x[-1] == 0.6
    assert len(snap.rollouts) == 4 and snap.rollouts[0].shape == (26, 2)
    assert snap.env_steps == 4 * 25 == snap.metrics["env_steps"]
    for key in ("disc_loss", "disc_accuracy", "disc_entropy", "true_return"):
        assert np.isfinite(snap.metrics[key])
    with pytest.raises(ValueError):
        snap.reward_values[0, 0] = 1.0  # read-only
    g = algo.reward_grid(60)
    assert g.values.shape == (60, 60) and np.isfinite(g.values).all()


def test_same_seed_same_result_and_another_seed_another():
    runs = []
    for seed in (3, 3, 4):
        algo = make(AIRL, AIRLConfig, seed=seed)
        algo.step()
        runs.append(algo.step().reward_values)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_stop_inside_a_step_restores_the_state():
    """A Stop in the middle of a step raises Cancelled; the next step is then the step an uninterrupted run makes."""
    ref = make(AIRL, AIRLConfig, seed=5)
    ref.step()
    expect = ref.step().reward_values
    algo = make(AIRL, AIRLConfig, seed=5)
    algo.step()
    for stop_after in (3, 40):  # during the collection; during the updates
        calls = [0]

        def cancel():
            calls[0] += 1
            return calls[0] > stop_after

        algo.cancel_check = cancel
        with pytest.raises(Cancelled):
            algo.step()
        assert algo.iteration == 1
    algo.cancel_check = None
    np.testing.assert_array_equal(algo.step().reward_values, expect)


def test_stop_latency_is_a_fraction_of_a_step():
    """The cancel callback is polled between environment steps and minibatches: a Stop set from another thread ends
    the step long before it would have finished (generous bound; the benchmark measures it)."""
    plane = builtin_plane("point-maze-left")
    algo = AIRL(plane, expert_demos(plane, 3), AIRLConfig(grid_points=50), seed=0)
    algo.step()
    stop = threading.Event()
    algo.cancel_check = stop.is_set
    timer = threading.Timer(0.05, stop.set)
    timer.start()
    t0 = time.perf_counter()
    with pytest.raises(Cancelled):
        for _ in range(20):
            algo.step()
    assert time.perf_counter() - t0 < 0.05 + 0.5


def test_networks_file_round_trip(tmp_path):
    from irl_studio.continuous.transfer import reward_from_networks

    for cls, cfg in ((AIRL, AIRLConfig), (GCL, GCLConfig), (GAIL, GAILConfig)):
        algo = make(cls, cfg)
        algo.step()
        algo.save_networks(tmp_path / "n.safetensors")
        r = reward_from_networks(tmp_path / "n.safetensors")
        pts = np.array([[0.1, 0.1], [0.3, 0.5], [0.55, -0.05]])
        grid = algo.reward_grid(201)
        near = grid.at(pts)  # the grid passes through these points' neighbourhood; compare at grid nodes instead
        x, y = grid.x[[20, 100, 180]], grid.y[[30, 90, 150]]
        at_nodes = grid.values[[30, 90, 150], [20, 100, 180]]
        np.testing.assert_allclose(r(np.stack([x, y], 1), np.zeros((3, 2))), at_nodes, rtol=1e-5, atol=1e-5)
        assert np.isfinite(near).all()


def test_bad_demonstrations_are_refused_with_a_message():
    from irl_studio.algorithms.base import AlgorithmError
    from irl_studio.continuous.demos import PlaneDemos

    with pytest.raises(AlgorithmError, match="no demonstrations"):
        AIRL(small_plane(), PlaneDemos([]), AIRLConfig(**SMALL))


def test_any_box_vector_env_drives_them():
    """Issue 9's way in: a Gymnasium VectorEnv with Box spaces (Pendulum, a SyncVectorEnv), no plane."""
    import gymnasium as gym

    from irl_studio.continuous.demos import PlaneDemos, PlaneTrajectory

    env = gym.make("Pendulum-v1")
    rng = np.random.default_rng(0)
    obs, _ = env.reset(seed=0)
    o, a = [obs], []
    for _ in range(20):
        a.append(rng.uniform(-2, 2, 1))
        o.append(env.step(a[-1])[0])
    demos = PlaneDemos([PlaneTrajectory(np.array(o), np.array(a))])
    venv = gym.make_vec("Pendulum-v1", num_envs=2, vectorization_mode="sync")
    for cls, cfg in ((AIRL, AIRLConfig), (GAIL, GAILConfig), (GCL, GCLConfig)):
        snap = cls(venv, demos, cfg(n_steps=20, ppo_epochs=1), seed=0).step()
        assert snap.env_steps == 40 and snap.reward_values is None and np.isfinite(snap.metrics["true_return"])


@pytest.mark.slow
def test_airl_reward_learned_on_the_left_maze_transfers_to_the_right():
    """The lesson of AIRL, end to end (the benchmark measures it over seeds): g re-optimized by the exact planner
    on the shifted maze reaches the goal within 1.25 x the optimal true return."""
    from irl_studio.continuous.transfer import plan_transfer

    left, right = builtin_plane("point-maze-left"), builtin_plane("point-maze-right")
    algo = AIRL(left, expert_demos(left, 10, seed=0), AIRLConfig(max_iterations=100), seed=0)
    algo.run()
    r = plan_transfer(right, algo.reward_grid(201))
    assert r.reached and r.true_return >= 1.25 * r.optimal_return

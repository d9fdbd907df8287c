"""Sample-based IRL on Gymnasium environments (issue 9): gym:ID tasks and their termination treatment, the experts'
files, the command line end to end, the learned-reward wrapper, imitation's .npz layout, bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch

from irl_studio.algorithms.gym_run import build_gym_algo, gym_reward_grid, imitation_return, save_gym_networks
from irl_studio.cli import main
from irl_studio.continuous.demos import DemoError, PlaneDemos, PlaneTrajectory, load_plane_demos
from irl_studio.continuous.expert import (ExpertError, expert_for, load_expert, record_demos, save_expert,
                                          shipped_expert_path)
from irl_studio.continuous.gym_envs import GymEnvError, make_gym_task
from irl_studio.continuous.imitation_io import load_imitation_npz, save_imitation_npz
from irl_studio.continuous.ppo import episode_returns, first_episode_mask
from irl_studio.continuous.rewardgrid import load_reward_grid
from irl_studio.continuous.wrapper import LearnedRewardWrapper, NetworkReward

FIXTURE = Path(__file__).parent / "data" / "imitation_pendulum.npz"  # written by imitation itself


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def pendulum_demos():
    pol, _ = expert_for("gym:Pendulum-v1")
    return record_demos(pol, "gym:Pendulum-v1", 4, seed=5, horizon=40)


@pytest.fixture(scope="module")
def car_demos():
    pol, _ = expert_for("gym:MountainCarContinuous-v0")
    return record_demos(pol, "gym:MountainCarContinuous-v0", 3, seed=0)


def test_tasks_have_the_envs_horizon_and_refuse_what_they_cannot_learn():
    assert make_gym_task("gym:Pendulum-v1", 2).horizon == 200
    assert make_gym_task("gym:MountainCarContinuous-v0", 2).horizon == 999
    assert make_gym_task("gym:Pendulum-v1", 2, horizon=30).horizon == 30
    for spec, words in (("gym:NoSuchEnv-v0", "no such Gymnasium environment"), ("gym:CartPole-v1", "Discrete"),
                        ("gym:Pendulum", "did you mean gym:Pendulum-v1")):
        with pytest.raises(GymEnvError, match=words):
            make_gym_task(spec, 1)


def test_absorbing_termination_gives_every_episode_the_horizon():
    """MountainCar with full throttle from just below the goal: the car terminates at the goal; absorbed, the episode
    runs on to the horizon with reward 0 in the terminal observation; ended, autoreset filler follows."""
    for termination in ("absorb", "end"):
        t = make_gym_task("gym:MountainCarContinuous-v0", 1, horizon=120, termination=termination)
        obs, _ = t.reset(seed=0, options={"low": 0.44, "high": 0.44})
        rows = [t.step(np.ones((1, 1))) for _ in range(120)]
        te = np.array([r[2][0] for r in rows])
        tr = np.array([r[3][0] for r in rows])
        rew = np.array([r[1][0] for r in rows])
        if termination == "absorb":
            assert not te.any() and tr[-1] and not tr[:-1].any()
            hit = int(np.argmax(rew > 50))  # the goal's +100
            assert 0 < hit < 119 and np.all(rew[hit + 1:] == 0)
            assert np.all([np.array_equal(r[0], rows[hit][0]) for r in rows[hit + 1:]])
        else:
            assert te.any() and int(np.argmax(te)) < 119


def test_episode_returns_and_gcl_trajectories_skip_autoreset_filler():
    from irl_studio.continuous.ppo import Batch

    T, N = 5, 2
    z = np.zeros((T, N))
    te = z.astype(bool).copy()
    te[1, 0] = True  # agent 0 ends at step 1; step 2 is filler; a new episode from step 3
    valid = np.ones((T, N), bool)
    valid[2, 0] = False
    tr = z.astype(bool).copy()
    tr[-1] = True
    rew = np.arange(T * N, dtype=float).reshape(T, N)
    b = Batch(z[..., None], z[..., None], z[..., None], z, z[..., None], rew, te, tr, valid)
    assert sorted(episode_returns(b).tolist()) == sorted([0 + 2, 6 + 8, 1 + 3 + 5 + 7 + 9])
    m = first_episode_mask(b)
    assert m[:, 0].tolist() == [True, True, False, False, False] and m[:, 1].all()


@pytest.mark.parametrize("name", ["airl", "gail", "gcl"])
def test_pendulum_runs_a_few_iterations_seeded(name, pendulum_demos):
    cfg = {"max_iterations": 2, "n_envs": 2, "ppo_epochs": 1, "ppo_minibatches": 2}
    a = build_gym_algo(name, "gym:Pendulum-v1", pendulum_demos, cfg, seed=3, horizon=40)
    b = build_gym_algo(name, "gym:Pendulum-v1", pendulum_demos, cfg, seed=3, horizon=40)
    sa, sb = a.run(), b.run()
    same = lambda m: {k: v for k, v in m.items() if k != "seconds"}  # noqa: E731
    assert sa.env_steps == 2 * 2 * 40 and same(sa.metrics) == same(sb.metrics)
    g = gym_reward_grid(a, 50)
    assert g.axes == ("theta", "theta_dot") and g.env == "gym:Pendulum-v1" and g.values.shape == (50, 50)
    assert np.array_equal(g.values, gym_reward_grid(b, 50).values) and np.all(np.isfinite(g.values))
    assert imitation_return(a, 2).shape == (2,)


def test_mountaincar_terminated_demos_are_absorbed_and_ended(car_demos):
    assert all(t.terminated and len(t) < 999 for t in car_demos.trajectories)  # the expert reaches the goal
    cfg = {"max_iterations": 1, "n_envs": 2, "ppo_epochs": 1, "ppo_minibatches": 2}
    absorb = build_gym_algo("airl", "gym:MountainCarContinuous-v0", car_demos, cfg, seed=0, horizon=999)
    # absorbed: every demonstration padded to the horizon, no terminal transition
    assert len(absorb.expert.obs) == 3 * 999 and not absorb.expert.terminated.any()
    end = build_gym_algo("gcl", "gym:MountainCarContinuous-v0", car_demos, cfg, seed=0, termination="end")
    assert len(end.expert.obs) == sum(len(t) for t in car_demos.trajectories)
    assert int(end.expert.terminated.sum()) == 3
    for algo in (absorb, end):
        snap = algo.step()
        assert np.isfinite(snap.metrics["true_return"])
    g = gym_reward_grid(end, 50)
    assert g.axes == ("position", "velocity")


def test_expert_file_round_trip_and_refusals(tmp_path):
    pol, meta = load_expert(shipped_expert_path("Pendulum-v1"))
    assert meta["env"] == "gym:Pendulum-v1" and meta["info"]["mean_return"] > -250
    env = gym.make("Pendulum-v1")
    save_expert(tmp_path / "e.safetensors", pol, "Pendulum-v1", env.observation_space, env.action_space, {"x": 1})
    back, m2 = load_expert(tmp_path / "e.safetensors")
    obs = torch.randn(7, 3)
    assert torch.equal(pol.mode(obs), back.mode(obs)) and m2["info"] == {"x": 1} and m2["obs_high"] == [1, 1, 8]
    with pytest.raises(ExpertError, match="not of gym:MountainCarContinuous-v0"):
        expert_for("gym:MountainCarContinuous-v0", tmp_path / "e.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    with pytest.raises(ExpertError, match="junk.safetensors"):
        load_expert(tmp_path / "junk.safetensors")


def test_cli_demos_and_learn_end_to_end(capsys, tmp_path):
    d, dn = tmp_path / "D.json", tmp_path / "D.npz"
    for out in (d, dn):
        code, _, err = run(capsys, "demos", "gym:Pendulum-v1", "--n", 2, "--seed", 1, "--horizon", 30, "--out", out)
        assert code == 0, err
    demos = load_plane_demos(d)
    assert demos.extra["env"] == "gym:Pendulum-v1" and len(demos) == 2 and demos.trajectories[0].obs.shape == (31, 3)
    assert np.allclose(load_imitation_npz(dn).trajectories[1].obs, demos.trajectories[1].obs, atol=1e-6)
    flags = ["--iterations", 2, "--n-envs", 2, "--ppo-epochs", 1, "--horizon", 30, "--seed", 2]
    nets = tmp_path / "r.safetensors"
    code, _, err = run(capsys, "learn", "gym:Pendulum-v1", "--demos", d, "--algo", "airl", *flags, "--out", nets)
    assert code == 0 and "iteration 2" in err and nets.exists() and not Path(str(nets) + ".tmp").exists()
    for algo, out in (("gcl", tmp_path / "r.json"), ("gail", tmp_path / "r.npz")):
        code, _, err = run(capsys, "learn", "gym:Pendulum-v1", "--demos", dn, "--algo", algo, *flags, "--out", out,
                           "--quiet")
        assert code == 0, err
        g = load_reward_grid(out)
        assert g.axes == ("theta", "theta_dot") and g.env == "gym:Pendulum-v1" and g.algorithm == algo
        assert g.axis_labels[0].startswith("angle")


def test_wrapper_passes_the_env_checker_and_is_the_net(capsys, tmp_path, pendulum_demos):
    from gymnasium.utils.env_checker import check_env

    a = build_gym_algo("gail", "gym:Pendulum-v1", pendulum_demos, {"max_iterations": 1, "n_envs": 2,
                                                                   "ppo_epochs": 1}, seed=0, horizon=40)
    a.run()
    save_gym_networks(a, tmp_path / "g.safetensors")
    env = LearnedRewardWrapper(gym.make("Pendulum-v1"), tmp_path / "g.safetensors")
    check_env(env, skip_render_check=True)
    obs, _ = env.reset(seed=1)
    act = np.array([0.7], np.float32)
    _o2, r, _te, _tr, info = env.step(act)
    with torch.no_grad():  # GAIL's -log(1 - D(s, a)) = softplus(d) at the state before the step
        direct = float(torch.nn.functional.softplus(a.exported_reward_net()(torch.as_tensor(obs[None]),
                                                                            torch.as_tensor(act[None]))))
    assert r == pytest.approx(direct, rel=1e-6)
    assert info["true_reward"] == pytest.approx(-(np.arctan2(obs[1], obs[0]) ** 2 + 0.1 * obs[2] ** 2
                                                  + 0.001 * 0.7 ** 2), rel=1e-5)
    assert NetworkReward(tmp_path / "g.safetensors").batch(obs[None], act[None])[0] == pytest.approx(r)
    # a reward grid of the whole state (theta x theta dot), and any callable
    g = gym_reward_grid(a, 201)
    from irl_studio.continuous.rewardgrid import save_reward_grid

    save_reward_grid(g, tmp_path / "g.json")
    genv = LearnedRewardWrapper(gym.make("Pendulum-v1"), tmp_path / "g.json")
    check_env(genv, skip_render_check=True)
    o, _ = genv.reset(seed=2)
    assert genv.step(act)[1] == pytest.approx(float(g.at(np.array([[np.arctan2(o[1], o[0]), o[2]]]))[0]))
    cenv = LearnedRewardWrapper(gym.make("Pendulum-v1"), lambda s, u, s2: float(s2[2] - s[2]))
    check_env(cenv, skip_render_check=True)
    o, _ = cenv.reset(seed=0)
    o2, r, *_ = cenv.step(act)
    assert r == pytest.approx(float(o2[2] - o[2]))


def test_imitation_npz_round_trip_and_imitations_own_file(tmp_path, pendulum_demos):
    save_imitation_npz(pendulum_demos, tmp_path / "d.npz")
    back = load_imitation_npz(tmp_path / "d.npz")
    assert back.extra["env"] == "gym:Pendulum-v1" and len(back) == len(pendulum_demos)
    for a, b in zip(pendulum_demos.trajectories, back.trajectories):
        assert np.allclose(a.obs, b.obs, atol=1e-6) and np.allclose(a.acts, b.acts, atol=1e-6)
        assert np.allclose(a.rews, b.rews, atol=1e-4) and a.terminated == b.terminated
    with zipfile.ZipFile(tmp_path / "d.npz") as z:
        assert {"obs.npy", "acts.npy", "infos.npy", "terminal.npy", "indices.npy", "rews.npy"} <= set(z.namelist())
    imi = load_imitation_npz(FIXTURE)  # object-array infos (a pickle inside): never unpickled
    assert len(imi) == 3 and [len(t) for t in imi.trajectories] == [6, 6, 6]
    assert imi.trajectories[0].obs.shape == (7, 3) and imi.extra["imitation_terminal"] == [True] * 3
    env = gym.make("Pendulum-v1")
    o = imi.trajectories[0].obs  # the fixture's first steps are Pendulum's own dynamics under its actions
    assert np.all(np.abs(o[:, :2]).max(axis=1) <= 1 + 1e-6) and env.observation_space.shape == (3,)
    a = build_gym_algo("airl", "gym:Pendulum-v1", imi, {"max_iterations": 1, "n_envs": 2, "ppo_epochs": 1},
                       horizon=6)
    assert not a.expert.terminated.any()  # whole 6-step episodes at a 6-step horizon: time limits, not terminal


def test_bad_input_exits_2_with_one_line(capsys, tmp_path, pendulum_demos):
    from irl_studio.continuous.demos import save_plane_demos

    d = tmp_path / "d.json"
    save_plane_demos(pendulum_demos, d)
    wrong = tmp_path / "wrong.json"
    save_plane_demos(PlaneDemos([PlaneTrajectory(np.zeros((3, 2)), np.zeros((2, 1)))]), wrong)
    outside = tmp_path / "outside.json"
    save_plane_demos(PlaneDemos([PlaneTrajectory(np.zeros((3, 3)), np.full((2, 1), 5.0))]), outside)
    pickled = tmp_path / "p.npz"
    np.savez(pickled, obs=np.array([{}], dtype=object), acts=np.zeros(1), terminal=np.ones(1, bool),
             indices=np.zeros(0, int))
    o = tmp_path / "r.safetensors"
    cases = {
        "unknown env": (["learn", "gym:Nope-v9", "--demos", d, "--algo", "airl", "--out", o], "no such Gymnasium"),
        "discrete": (["demos", "gym:CartPole-v1", "--n", 2, "--out", tmp_path / "c.json"], "Discrete"),
        "missing dependency": (["demos", "gym:LunarLanderContinuous-v3", "--n", 1, "--out", tmp_path / "x.json"],
                               "LunarLanderContinuous-v3"),
        "wrong sizes": (["learn", "gym:Pendulum-v1", "--demos", wrong, "--algo", "gail", "--out", o], "3"),
        "action outside": (["learn", "gym:Pendulum-v1", "--demos", outside, "--algo", "gcl", "--out", o],
                           "action box"),
        "pickle": (["learn", "gym:Pendulum-v1", "--demos", pickled, "--algo", "airl", "--out", o], "pickle"),
        "other env": (["learn", "gym:MountainCarContinuous-v0", "--demos", d, "--algo", "airl", "--out", o],
                      "gym:Pendulum-v1"),
        "bad out": (["learn", "gym:Pendulum-v1", "--demos", d, "--algo", "airl", "--out", tmp_path / "r.txt"],
                    ".safetensors"),
        "bad n": (["demos", "gym:Pendulum-v1", "--n", 0, "--out", tmp_path / "e.json"], "--n"),
        "transfer to gym": (["transfer", tmp_path / "none.json", "--to", "gym:Pendulum-v1"], ""),
    }
    for name, (argv, words) in cases.items():
        code, out, err = run(capsys, *argv)
        assert code == 2, (name, err)
        assert len(err.strip().splitlines()) == 1 and words in err and "Traceback" not in err, (name, err)
        assert not o.exists(), name


def test_imitation_reader_on_damaged_files(tmp_path, pendulum_demos):
    """Mutated arrays and damaged bytes: the reader returns demonstrations or raises an IRLStudioError."""
    from irl_studio import IRLStudioError
    from irl_studio.continuous.imitation_io import imitation_arrays

    good = imitation_arrays(PlaneDemos(pendulum_demos.trajectories[:2], {"env": "gym:Pendulum-v1"}))
    nasty = [np.array([np.nan]), np.zeros((0,)), np.array(["x"]), np.full((3, 3, 3), 1e308), np.array([-1, 5]),
             np.array(True), np.arange(100, dtype=np.int8), np.array([{}], dtype=object)]
    raw = (tmp_path / "g.npz")
    np.savez(raw, **good)
    good_bytes = raw.read_bytes()
    rng = np.random.default_rng(0)
    for i in range(300):
        p = tmp_path / f"m{i}.npz"
        if i % 2:
            arrays = dict(good)
            for _ in range(rng.integers(1, 3)):
                k = list(arrays)[rng.integers(len(arrays))]
                if rng.random() < 0.2:
                    del arrays[k]
                else:
                    arrays[k] = nasty[rng.integers(len(nasty))]
            np.savez(p, **arrays)
        else:
            b = bytearray(good_bytes)
            for _ in range(rng.integers(1, 6)):
                b[rng.integers(len(b))] = rng.integers(256)
            p.write_bytes(bytes(b[: rng.integers(len(b) // 2, len(b) + 1)]))
        try:
            d = load_imitation_npz(p)
        except IRLStudioError as exc:
            assert str(exc)
        else:
            assert all(len(t.obs) == len(t.acts) + 1 for t in d.trajectories)

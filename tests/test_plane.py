"""The continuous plane: its file format, collision geometry against hand-computed moves, the Gymnasium
environments (checker, registration, the batch equals the single agent), force dynamics."""

from __future__ import annotations

import json

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from irl_studio.continuous.env import ENV_ID, PlaneEnv, PlaneVectorEnv, step_dynamics
from irl_studio.continuous.plane import (PlaneError, builtin_plane, builtin_plane_names, load_plane, plane_from_dict,
                                         save_plane)


def doc(**kw):
    d = {"format": "irl-studio.plane", "version": 1, "bounds": [[0, 1], [0, 1]], "walls": [[0.0, 0.5, 0.6, 0.5]],
         "wall_radius": 0.02, "agent_radius": 0.03, "start": [0.5, 0.1], "goal": [0.5, 0.9]}
    d.update(kw)
    return d


def test_builtins_are_the_shifting_maze():
    assert builtin_plane_names() == ["point-maze-left", "point-maze-right"]
    left, right = builtin_plane("point-maze-left"), builtin_plane("point-maze-right")
    assert left.walls == [(-0.1, 0.3, 0.4, 0.3)] and right.walls == [(0.2, 0.3, 0.6, 0.3)]
    assert left.start == right.start == (0.3, 0.0) and left.goal == right.goal == (0.3, 0.5)
    assert left.horizon == 100 and left.max_step == 0.05 and left.dynamics == "velocity"


def test_round_trip_keeps_unknown_keys(tmp_path):
    p = plane_from_dict(doc(colour="blue", notes={"a": 1}))
    path = tmp_path / "p.json"
    save_plane(p, path)
    q = load_plane(path)
    assert q == p and q.extra == {"colour": "blue", "notes": {"a": 1}}
    assert json.loads(path.read_text())["colour"] == "blue"


@pytest.mark.parametrize("bad, needle", [
    ({"bounds": [[1, 0], [0, 1]]}, "bounds"),
    ({"walls": [[0, 0, 1]]}, "walls[0]"),
    ({"start": [0.3, 0.5]}, "'start'"),  # inside the wall's clearance
    ({"goal": [2, 2]}, "'goal'"),
    ({"max_step": 0}, "max_step"),
    ({"horizon": 1.5}, "horizon"),
    ({"dynamics": "teleport"}, "dynamics"),
    ({"discount": 1.5}, "discount"),
    ({"format": "irl-studio.layout"}, "format"),
])
def test_errors_name_the_key(bad, needle):
    with pytest.raises(PlaneError) as exc:
        plane_from_dict(doc(**bad), source="maze.json")
    assert needle in str(exc.value) and "maze.json" in str(exc.value)


def test_moves_by_hand():
    """R = wall_radius + agent_radius = 0.05; the wall y = 0.5 from x = 0 to 0.6; bounds shrunk by 0.03."""
    p = plane_from_dict(doc())
    pts = np.array([[0.3, 0.40], [0.3, 0.42], [0.2, 0.42], [0.8, 0.42], [0.5, 0.5 - 0.05], [0.05, 0.05],
                    [0.66, 0.47]])
    d = np.array([[0.0, 0.05], [0.0, 0.05], [0.05, 0.05], [-0.05, 0.05], [0.0, -0.05], [-0.05, -0.05],
                  [-0.05, 0.0]])
    q = p.move(pts, d)
    np.testing.assert_allclose(q[0], [0.3, 0.45], atol=1e-6)  # free move that just touches: 0.45 is at contact
    np.testing.assert_allclose(q[1], [0.3, 0.45], atol=1e-6)  # cut short at contact (0.42 + 0.03)
    np.testing.assert_allclose(q[2], [0.25, 0.45], atol=1e-6)  # diagonal into the wall: slides along it
    np.testing.assert_allclose(q[3], [0.75, 0.47], atol=1e-6)  # the gap side: nothing in the way
    np.testing.assert_allclose(q[4], [0.5, 0.40], atol=1e-9)  # moving away from a wall in contact is free
    np.testing.assert_allclose(q[5], [0.03, 0.03], atol=1e-6)  # the corner of the bounds stops both axes
    # towards the end cap at (0.6, 0.5) from the right: contact at x = 0.64 (0.04^2 + 0.03^2 = R^2), then the
    # rest slides along the tangent (-0.6, -0.8) * 0.018, which leaves the round cap
    np.testing.assert_allclose(q[6], [0.64 - 0.0108, 0.47 - 0.0144], atol=1e-6)
    assert np.linalg.norm(q[6] - [0.6, 0.5]) > 0.05
    assert p.is_free(q).all()


def test_wall_at_finds_the_nearest_wall():
    p = plane_from_dict(doc(walls=[[0.0, 0.5, 0.6, 0.5], [0.8, 0.0, 0.8, 0.3]]))
    assert p.wall_at([0.3, 0.51]) == 0 and p.wall_at([0.81, 0.2]) == 1 and p.wall_at([0.5, 0.2]) is None


def test_no_move_ever_enters_a_wall_or_crosses_it():
    p = builtin_plane("point-maze-left")
    rng = np.random.default_rng(0)
    pts = rng.uniform(-0.1, 0.6, (4000, 2))
    pts = pts[p.is_free(pts)]
    d = rng.uniform(-0.05, 0.05, pts.shape)
    q = p.move(pts, d)
    assert p.is_free(q, tol=1e-7).all()
    below = pts[:, 1] < 0.3
    crossed = (q[:, 1] > 0.3) != (pts[:, 1] > 0.3)
    assert not np.any(crossed & (np.minimum(pts[:, 0], q[:, 0]) < 0.4))  # only through the gap (x > 0.45)
    assert np.all(np.abs(q - pts) <= np.abs(d).max(axis=1, keepdims=True) + 1e-12)  # within the action's box
    assert below.any()


def test_env_checker_and_registration():
    check_env(PlaneEnv("point-maze-left"), skip_render_check=True)
    force = builtin_plane("point-maze-left")
    force.dynamics = "force"
    check_env(PlaneEnv(force), skip_render_check=True)
    env = gymnasium.make(ENV_ID, plane="point-maze-right")
    obs, _ = env.reset(seed=1)
    assert env.observation_space.contains(obs)
    venv = gymnasium.make_vec(ENV_ID, num_envs=5, plane="point-maze-left")
    assert isinstance(venv, PlaneVectorEnv) and venv.num_envs == 5


def test_vector_env_is_the_single_env_batched_and_fixed_horizon():
    plane = builtin_plane("point-maze-left")
    venv = PlaneVectorEnv(3, plane)
    obs, _ = venv.reset(seed=0)
    rng = np.random.default_rng(1)
    for t in range(plane.horizon):
        a = rng.uniform(-1.2, 1.2, (3, 2))
        expect_r = plane.true_reward(venv.state, np.clip(a, -1, 1))
        expect = step_dynamics(plane, venv.state.copy(), a)
        obs, r, term, trunc, _ = venv.step(a)
        np.testing.assert_allclose(r, expect_r)
        np.testing.assert_allclose(venv.state, expect)
        assert not term.any() and trunc.all() == (t == plane.horizon - 1)
    # the true reward by hand: -||p - goal|| - 0.001 ||a||^2
    assert plane.true_reward(np.array([0.3, 0.1]), np.array([1.0, -1.0])) == pytest.approx(-0.4 - 0.002)
    # starts: nominal start +- start_noise
    obs, _ = PlaneVectorEnv(64, plane).reset(seed=3)
    assert np.all(np.abs(obs - np.array(plane.start)) <= plane.start_noise + 1e-6)


def test_force_dynamics_by_hand():
    plane = plane_from_dict(doc(dynamics="force", walls=[]))
    s = np.array([[0.5, 0.1, 0.0, 0.0]])
    out = step_dynamics(plane, s, np.array([[1.0, 0.0]]))
    # semi-implicit Euler, 5 frames: v += dt (a - b v) / m; x += dt v
    v, x = 0.0, 0.5
    for _ in range(5):
        v += 0.01 * (1.0 - 1.0 * v) / 0.113
        x += 0.01 * v
    np.testing.assert_allclose(out[0], [x, 0.1, v, 0.0], atol=1e-12)
    # into the bound: stops at contact, the normal velocity is lost
    s = np.array([[0.96, 0.5, 1.0, 0.0]])
    out = step_dynamics(plane, s, np.array([[1.0, 0.0]]))
    assert out[0, 0] == pytest.approx(0.97, abs=1e-6) and abs(out[0, 2]) < 1e-3

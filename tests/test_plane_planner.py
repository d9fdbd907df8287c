"""The exact planner (expert and transfer), the reward grid, plane demonstrations and the mouse-drag helper."""

from __future__ import annotations

import numpy as np
import pytest

from irl_studio.continuous.demos import (DemoError, PlaneDemos, demo_from_drag, demos_from_dict,
                                         demos_to_dict, expert_demos, load_plane_demos, save_plane_demos,
                                         validate_demos)
from irl_studio.continuous.plane import builtin_plane, plane_from_dict
from irl_studio.continuous.planner import plan, transfer_plan
from irl_studio.continuous.rewardgrid import RewardGrid, grid_axes, load_reward_grid, save_reward_grid


@pytest.fixture(scope="module")
def left():
    return builtin_plane("point-maze-left")


@pytest.fixture(scope="module")
def right():
    return builtin_plane("point-maze-right")


def test_planner_reaches_the_goal_through_the_gap(left, right):
    for plane, gap_side in ((left, 1), (right, -1)):
        r = plan(plane)
        assert r.reached and r.final_distance < 1e-9
        assert plane.is_free(r.positions, tol=1e-7).all()
        at_wall = np.argmin(np.abs(r.positions[:, 1] - 0.3))
        assert np.sign(r.positions[at_wall, 0] - 0.3) == gap_side  # through the gap, not through the wall
        # lower bound: the straight-line distance covered at max_step per axis costs at least ... (a loose check)
        assert -4.0 < r.true_return < -2.5 and r.optimal_return == r.true_return
        np.testing.assert_allclose(r.true_return, plane.true_reward(r.positions[:-1], r.actions).sum())


def test_a_state_reward_equal_to_the_true_one_transfers(left, right):
    """-||p - goal|| on a grid: the planner under it is (almost) the true-reward optimum."""
    x, y = grid_axes(right.bounds, 201)
    X, Y = np.meshgrid(x, y)
    grid = RewardGrid(x, y, -np.hypot(X - 0.3, Y - 0.5))
    r = transfer_plan(right, grid)
    assert r.reached and r.true_return >= 1.02 * r.optimal_return
    # a reward that peaks somewhere else does not reach the goal
    bad = RewardGrid(x, y, -np.hypot(X - 0.0, Y - 0.0))
    r = transfer_plan(right, bad)
    assert not r.reached and r.true_return < 3 * r.optimal_return


def test_reward_grid_is_bilinear_and_round_trips(tmp_path):
    x, y = np.linspace(0, 1, 50), np.linspace(-1, 1, 60)
    X, Y = np.meshgrid(x, y)
    g = RewardGrid(x, y, 2 * X - 3 * Y + 1, "airl", {"name": "p"}, {"iterations": 3})
    pts = np.array([[0.31, 0.2], [0.999, -0.77], [5.0, 0.0]])
    np.testing.assert_allclose(g.at(pts), [2 * 0.31 - 0.6 + 1, 2 * 0.999 + 2.31 + 1, 2 * 1 + 1])  # clamped outside
    for suffix in (".json", ".npz"):
        save_reward_grid(g, tmp_path / f"r{suffix}")
        h = load_reward_grid(tmp_path / f"r{suffix}")
        np.testing.assert_array_equal(h.values, g.values)
        assert h.algorithm == "airl" and h.plane == {"name": "p"} and h.info["iterations"] == 3


def test_expert_demos_are_valid_and_seeded(left, tmp_path):
    d1 = expert_demos(left, 4, seed=1)
    d2 = expert_demos(left, 4, seed=1)
    assert len(d1) == 4 and all(len(t) == left.horizon for t in d1.trajectories)
    for a, b in zip(d1.trajectories, d2.trajectories):
        np.testing.assert_array_equal(a.obs, b.obs)
    save_plane_demos(d1, tmp_path / "d.json")
    back = load_plane_demos(tmp_path / "d.json", left)
    np.testing.assert_allclose(back.trajectories[0].acts, d1.trajectories[0].acts)
    assert np.linalg.norm(back.trajectories[0].obs[-1] - np.array(left.goal)) < 1e-9


@pytest.mark.parametrize("obs, acts, needle", [
    ([[0.3, 0.0], [0.3, 0.06]], None, "trajectory 0, step 0: moves 0.06"),
    ([[0.3, 0.0], [0.3, 0.05], [0.3, 0.1]], [[0, 1], [0, 2]], "step 1: the action"),
    ([[0.0, 0.25], [0.0, 0.29], [0.0, 0.33]], None, "step 0: crosses a wall"),
    ([[0.0, 0.3], [0.0, 0.35]], None, "step 0: starts inside a wall"),
    ([[0.5, 0.55], [0.55, 0.6]], None, "leaves the bounds"),
    ([[0.3, 0.0], [0.3, 0.0]], [[0.0, 0.0], [0.0, 0.0]], "2 observations need 1 actions"),
])
def test_demo_validation_names_trajectory_and_step(left, obs, acts, needle):
    tr = {"obs": obs} if acts is None else {"obs": obs, "acts": acts}
    with pytest.raises(DemoError) as exc:
        validate_demos(left, demos_from_dict({"format": "irl-studio.plane-demos", "version": 1,
                                              "trajectories": [tr]}, "d.json"), "d.json")
    assert needle in str(exc.value) and "d.json" in str(exc.value)


def test_velocity_actions_may_be_omitted(left):
    d = demos_from_dict({"trajectories": [{"obs": [[0.3, 0.0], [0.33, 0.05]]}]})
    v = validate_demos(left, d)
    np.testing.assert_allclose(v.trajectories[0].acts, [[0.6, 1.0]])
    np.testing.assert_allclose(demos_to_dict(v)["trajectories"][0]["acts"], [[0.6, 1.0]])


def test_drag_is_resampled_and_stops_at_the_wall(left):
    r = demo_from_drag(left, [[0.3, 0.0], [0.3, 0.2], [0.5, 0.2]])  # up, then right: legal all the way
    tr = r.trajectory
    assert r.stopped is None and np.allclose(tr.obs[-1], [0.5, 0.2])
    assert np.all(np.abs(np.diff(tr.obs, axis=0)) <= left.max_step + 1e-12)
    validate_demos(left, PlaneDemos([tr]))
    r = demo_from_drag(left, [[0.1, 0.0], [0.1, 0.5]])  # straight through the wall at y = 0.3
    assert r.stopped and "wall" in r.stopped
    assert r.trajectory.obs[-1, 1] < 0.25 + 1e-9 and len(r.trajectory) == 5  # y = 0, 0.05, ..., 0.2 (0.25 is contact)
    with pytest.raises(DemoError, match="inside a wall"):
        demo_from_drag(left, [[0.1, 0.3], [0.1, 0.4]])
    long = demo_from_drag(left, [[0.5, 0.0], [0.5, 0.5], [0.5, 0.0]] * 10)
    assert len(long.trajectory) == left.horizon and "horizon" in long.stopped
    assert demo_from_drag(left, [[0.3, 0.0]]).trajectory is None


def test_planner_on_a_made_up_two_wall_maze():
    plane = plane_from_dict({"bounds": [[0, 1], [0, 1]], "start": [0.5, 0.05], "goal": [0.5, 0.95], "horizon": 150,
                             "walls": [[0.0, 0.35, 0.75, 0.35], [0.25, 0.65, 1.0, 0.65]]})
    r = plan(plane)
    assert r.reached and plane.is_free(r.positions, tol=1e-7).all()
    assert r.positions[:, 0].max() > 0.8 and r.positions[:, 0].min() < 0.2  # right gap, then left gap

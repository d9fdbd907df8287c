"""Demonstrations: the file format round trip, validation against the dynamics (messages name the trajectory and the
step), empirical visitation (same convention as the learner's), and seeded experts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from irl_studio.core.demos import (
    DemoError,
    Demos,
    Trajectory,
    demos_from_dict,
    demos_to_dict,
    empirical_visitation,
    expert_demos,
    load_demos,
    save_demos,
    to_arrays,
    validate_demos,
)
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.planning import soft_value_iteration, state_visitation

ROOM = Layout.from_rows(["######", "#S..##", "#.#..#", "#...G#", "######"], slip=0.0, horizon_override=8)


def demo(cells, actions):
    return Demos([Trajectory(tuple(map(tuple, cells)), tuple(actions))])


def test_round_trip_keeps_unknown_keys(tmp_path):
    data = {"format": "irl-studio.demos", "version": 1, "recorded_by": "me",
            "trajectories": [{"cells": [[1, 1], [1, 2], [1, 3]], "actions": ["right", "right"]},
                             {"cells": [[2, 1]], "actions": []}]}
    d = demos_from_dict(json.loads(json.dumps(data)))
    assert len(d) == 2 and d.trajectories[0].cells == ((1, 1), (1, 2), (1, 3)) and len(d.trajectories[1]) == 1
    p = tmp_path / "d.json"
    save_demos(d, p)
    assert json.loads(p.read_text()) == data
    again = load_demos(p)
    assert again.trajectories == d.trajectories and again.extra == {"recorded_by": "me"}
    assert demos_to_dict(again) == data


@pytest.mark.parametrize("data,where", [
    ([], "JSON object"),
    ({"trajectories": {}}, "'trajectories'"),
    ({"format": "x", "trajectories": []}, "'format'"),
    ({"version": 3, "trajectories": []}, "'version'"),
    ({"trajectories": [3]}, "trajectory 0"),
    ({"trajectories": [{"cells": [], "actions": []}]}, "trajectory 0"),
    ({"trajectories": [{"cells": [[1, 1]], "actions": []}, {"cells": [[1, 1.5]], "actions": []}]},
     "trajectory 1, cell 0"),
    ({"trajectories": [{"cells": [[1, 1], [1, 2]], "actions": ["jump"]}]}, "trajectory 0, step 0"),
    ({"trajectories": [{"cells": [[1, 1], [1, 2]], "actions": []}]}, "trajectory 0"),
    ({"trajectories": [{"cells": [[1, 1], [True, 2]], "actions": ["right"]}]}, "trajectory 0, cell 1"),
])
def test_format_errors(data, where):
    with pytest.raises(DemoError) as exc:
        demos_from_dict(data, source="d.json")
    assert str(exc.value).startswith("d.json: ") and where in str(exc.value)


def test_file_errors(tmp_path):
    with pytest.raises(DemoError, match="no such file"):
        load_demos(tmp_path / "none.json")
    (tmp_path / "x.json").write_text("[")
    with pytest.raises(DemoError, match="not valid JSON"):
        load_demos(tmp_path / "x.json")


OK_PREFIX = [[1, 1], [1, 2]]


@pytest.mark.parametrize("cells,actions,message", [
    (OK_PREFIX + [[1, 3], [1, 4]], ["right", "right", "right"], "trajectory 0, step 2: it walks into the wall at [1, 4]"),
    (OK_PREFIX + [[2, 2]], ["right", "down"], "trajectory 0, step 1: it walks into the wall at [2, 2]"),
    (OK_PREFIX + [[3, 3]], ["right", "down"], "trajectory 0, step 1: it jumps from [1, 2] to [3, 3]"),
    ([[0, 0], [1, 1]], ["down"], "trajectory 0 starts on a wall"),
    ([[1, 1], [1, 2], [1, 1]], ["right", "right"], "trajectory 0, step 1: 'right' from [1, 2] cannot lead to [1, 1]"),
    ([[1, 1], [0, 1]], ["up"], "trajectory 0, step 0: it walks into the wall at [0, 1]"),
    ([[3, 3], [3, 4], [3, 4]], ["right", "stay"], "trajectory 0, step 1: the trajectory goes on after reaching the goal"),
    ([[3, 1], [3, 0]], ["left"], "step 0: it walks into the wall at [3, 0]"),
])
def test_impossible_trajectories_are_rejected_with_trajectory_and_step(cells, actions, message):
    mdp = build_mdp(ROOM)
    good = demo([[1, 1], [1, 2]], ["right"]).trajectories[0]
    d = demo(cells, actions)
    d.trajectories.insert(0, good)  # the bad one is trajectory 1
    with pytest.raises(DemoError) as exc:
        validate_demos(mdp, d)
    assert message.replace("trajectory 0", "trajectory 1") in str(exc.value)
    with pytest.raises(DemoError):
        to_arrays(mdp, d)


def test_leaving_the_grid_and_too_long():
    lay = Layout.from_rows(["...", "..."], horizon_override=3)
    mdp = build_mdp(lay)
    with pytest.raises(DemoError, match="step 0: it leaves the grid at \\[-1, 0\\]"):
        validate_demos(mdp, demo([[0, 0], [-1, 0]], ["up"]))
    # the horizon counts steps: 3 actions (4 cells) fit a horizon of 3, a fourth action does not
    validate_demos(mdp, demo([[0, 0], [0, 1], [0, 2], [1, 2]], ["right", "right", "down"]))
    with pytest.raises(DemoError, match="trajectory 0 has 4 steps but the horizon is 3 steps"):
        validate_demos(mdp, demo([[0, 0], [0, 1], [0, 2], [1, 2], [1, 1]], ["right", "right", "down", "left"]))
    with pytest.raises(DemoError, match="no demonstrations"):
        to_arrays(mdp, Demos([]))


def test_slip_allows_other_neighbours_but_not_jumps():
    slippery = ROOM.copy()
    slippery.slip = 0.2
    mdp = build_mdp(slippery)
    validate_demos(mdp, demo([[1, 1], [2, 1]], ["right"]))  # slipped down
    validate_demos(mdp, demo([[1, 1], [1, 1]], ["right"]))  # slipped into the wall above
    with pytest.raises(DemoError, match="jumps"):
        validate_demos(mdp, demo([[1, 1], [1, 3]], ["right"]))
    with pytest.raises(DemoError, match="wall"):
        validate_demos(mdp, demo([[1, 2], [2, 2]], ["down"]))


def test_arrays_and_empirical_visitation_count_every_cell():
    mdp = build_mdp(ROOM)
    d = Demos([Trajectory(((1, 1), (1, 2), (1, 3), (1, 3)), ("right", "right", "stay")),
               Trajectory(((3, 3), (3, 4)), ("right",))])  # ends at the goal
    arr = to_arrays(mdp, d)
    s = mdp.state_of
    assert arr.states.shape == (2, 9) and arr.actions.shape == (2, 8)  # horizon 8 steps: 9 cells
    assert arr.states[1, 2] == -1 and arr.actions[1, 1] == -1
    assert arr.lengths.tolist() == [4, 2] and arr.steps.tolist() == [3, 1]
    assert arr.ended_at_goal.tolist() == [False, True]
    assert arr.actions[0, :3].tolist() == [mdp.action_index("right")] * 2 + [mdp.action_index("stay")]
    D = empirical_visitation(arr, mdp.n_states)
    expect = np.zeros(mdp.n_states)
    for c, n in [((1, 1), 1), ((1, 2), 1), ((1, 3), 2), ((3, 3), 1), ((3, 4), 1)]:
        expect[s(*c)] += n / 2
    np.testing.assert_allclose(D, expect)
    assert D.sum() == pytest.approx((4 + 2) / 2)  # start and final cells included
    Dg = empirical_visitation(arr, mdp.n_states, discount=0.5)
    assert Dg[s(1, 3)] == pytest.approx((0.25 + 0.125) / 2) and Dg[s(3, 4)] == pytest.approx(0.5 / 2)
    np.testing.assert_allclose(arr.start_distribution(mdp.n_states)[[s(1, 1), s(3, 3)]], [0.5, 0.5])
    np.testing.assert_allclose(arr.time_weights(8), [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5])


def test_optimal_expert_is_seeded_valid_and_optimal():
    lay = ROOM.copy()
    lay.true_reward = np.where(lay.floor_mask, -1.0, np.nan)
    lay.true_reward[3, 4] = 10.0
    mdp = build_mdp(lay)
    true = lay.true_reward[mdp.cells[:, 0], mdp.cells[:, 1]]
    a = expert_demos(mdp, true, 5, "optimal", seed=1)
    b = expert_demos(mdp, true, 5, "optimal", seed=1)
    assert a.trajectories == b.trajectories
    validate_demos(mdp, a)
    for t in a.trajectories:  # shortest path from (1,1) to the goal (3,4): 5 moves, 6 cells
        assert t.cells[0] == (1, 1) and t.cells[-1] == (3, 4) and len(t.cells) == 6


def test_soft_expert_matches_the_planned_visitation():
    lay = ROOM.copy()
    lay.slip = 0.2
    mdp = build_mdp(lay)
    true = np.random.default_rng(0).normal(size=mdp.n_states)
    n = 4000
    demos = expert_demos(mdp, true, n, "soft", seed=2)
    assert demos.trajectories != expert_demos(mdp, true, n, "soft", seed=3).trajectories
    arr = to_arrays(mdp, demos)
    plan = soft_value_iteration(mdp, true, discount=mdp.discount)  # the stationary (discounted) soft expert
    T = mdp.horizon
    D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
    emp = empirical_visitation(arr, mdp.n_states)
    assert np.all(np.abs(emp - D) < 6 * (T + 1) / 2 / np.sqrt(n))
    assert max(len(t.actions) for t in demos.trajectories) == T  # the horizon counts steps
    with pytest.raises(DemoError, match="unknown expert"):
        expert_demos(mdp, true, 3, "greedy")
    with pytest.raises(DemoError, match="at least 1"):
        expert_demos(mdp, true, 0)


def test_soft_expert_rationality_beta():
    """beta scales the reward the soft expert optimizes: on a goal layout with a -1 step cost the beta-1 soft expert
    wanders (the entropy bonus of staying alive, log 5, beats the goal), a rational one (beta 10) finishes."""
    from irl_studio.core.builtin import builtin_layout
    from irl_studio.core.demos import DemoError, expert_demos, layout_true_reward
    from irl_studio.core.mdp import build_mdp

    lay = builtin_layout("open-field")
    mdp = build_mdp(lay)
    true = layout_true_reward(mdp, lay.true_reward)
    goal = tuple(int(v) for v in mdp.cells[np.flatnonzero(mdp.terminal)[0]])

    def reached(beta: float) -> float:
        demos = expert_demos(mdp, true, 50, "soft", seed=0, beta=beta)
        return float(np.mean([t.cells[-1] == goal for t in demos.trajectories]))

    assert reached(1.0) < 0.2
    assert reached(10.0) > 0.9
    with pytest.raises(DemoError):
        expert_demos(mdp, true, 5, "soft", beta=0.0)

"""Recording a demonstration cell by cell (core.recording): where it may start, what the dynamics allow, the horizon."""

from __future__ import annotations

from irl_studio.core.demos import Demos, validate_demos
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.recording import Recorder, action_between, horizon_for, max_actions


def test_a_recorded_walk_is_a_valid_demonstration_and_refusals_say_why():
    lay = Layout.from_rows(["######", "#S..G#", "#.##.#", "######"], horizon_override=horizon_for(4))
    mdp = build_mdp(lay)
    rec = Recorder()
    assert "start cell" in Recorder.why_not_start(mdp, lay.grid, (2, 1))
    assert "wall" in Recorder.why_not_start(mdp, lay.grid, (0, 0))
    assert Recorder.why_not_start(mdp, lay.grid, (1, 1)) is None
    rec.start((1, 1))
    assert "wall" in rec.why_not_step(mdp, "up", (0, 1))
    assert "jumps" in rec.why_not_step(mdp, "stay", (1, 3))
    for nxt in [(1, 2), (1, 3), (1, 4)]:
        a = action_between(rec.cells[-1], nxt)
        assert rec.why_not_step(mdp, a, nxt) is None and not rec.full(mdp)
        rec.step(a, nxt)
    assert rec.at_goal(mdp)
    tr = rec.trajectory()
    assert tr.actions == ("right", "right", "right")
    validate_demos(mdp, Demos([tr]))
    assert max_actions(horizon_for(7)) == 7


def test_the_horizon_bounds_the_steps():
    lay = Layout.from_rows(["#####", "#S..#", "#####"], horizon_override=horizon_for(1))
    mdp = build_mdp(lay)
    rec = Recorder()
    rec.start((1, 1))
    rec.step("right", (1, 2))
    assert rec.full(mdp)

"""The tabular MDP: states, slip, walls, absorbing goals, start distribution, and the agreement of its three
transition representations (CSR P of shape (S*A, S), padded succ/prob, factored mix @ V[dest])."""

from __future__ import annotations

import numpy as np
import pytest

from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.planning import _push, expected_next, expected_next_am, log_expected_exp_next_am


def test_states_are_floor_cells_row_major(tiny_layout):
    mdp = build_mdp(tiny_layout)
    assert mdp.cells.tolist() == [[1, 1], [1, 2], [1, 3], [2, 1], [2, 3]]
    assert mdp.state_of(2, 3) == 4 and mdp.state_of(0, 0) == -1 and mdp.state_of(-1, 2) == -1
    assert mdp.terminal.tolist() == [False, False, False, False, True]
    assert mdp.start.tolist() == [1.0, 0, 0, 0, 0]
    assert mdp.n_actions == 5 and mdp.horizon == 4 and mdp.discount == 0.9


def test_transitions_by_hand(tiny_layout):
    """(s, a, s') order, slip to the four other actions, blocked moves stay."""
    mdp = build_mdp(tiny_layout)
    P = mdp.dense_transitions()
    s = mdp.state_of(1, 2)  # neighbours: left (1,1), right (1,3); up and down are walls
    right = mdp.action_index("right")
    # right succeeds with 0.8; slips: stay, up (blocked), down (blocked) -> stay, left -> (1,1), each 0.05
    assert P[s, right, mdp.state_of(1, 3)] == pytest.approx(0.8)
    assert P[s, right, s] == pytest.approx(0.15)
    assert P[s, right, mdp.state_of(1, 1)] == pytest.approx(0.05)
    assert mdp.successors(s, right) == pytest.approx({mdp.state_of(1, 3): 0.8, s: 0.15, mdp.state_of(1, 1): 0.05})
    stay = mdp.action_index("stay")
    assert P[s, stay, s] == pytest.approx(0.8 + 0.05 + 0.05)
    # goal rows are empty: mass leaves after the goal
    assert P[4].sum() == 0
    live = ~mdp.terminal
    np.testing.assert_allclose(P[live].sum(axis=-1), 1.0)


def test_no_slip_is_deterministic():
    lay = Layout.from_rows(["#####", "#S..#", "#####"])
    mdp = build_mdp(lay)
    P = mdp.dense_transitions()
    assert set(np.unique(P)) == {0.0, 1.0}
    assert P[0, mdp.action_index("right"), 1] == 1 and P[0, mdp.action_index("left"), 0] == 1


def test_off_grid_moves_stay():
    lay = Layout.from_rows(["..", ".."], slip=0.0)
    mdp = build_mdp(lay)
    P = mdp.dense_transitions()
    assert P[0, mdp.action_index("up"), 0] == 1 and P[0, mdp.action_index("left"), 0] == 1
    assert P[3, mdp.action_index("down"), 3] == 1 and P[3, mdp.action_index("right"), 3] == 1


def test_start_distribution():
    assert build_mdp(Layout.from_rows(["S.S", "..G"])).start.tolist() == [0.5, 0, 0.5, 0, 0, 0]
    no_start = build_mdp(Layout.from_rows(["#..", ".#G"]))
    np.testing.assert_allclose(no_start.start, [1 / 3, 1 / 3, 1 / 3, 0])  # non-goal floor
    override = build_mdp(Layout.from_rows(["..."]), start=np.array([0, 1.0, 0]))
    assert override.start.tolist() == [0, 1, 0]


def test_action_subset_and_its_slip():
    lay = Layout.from_rows(["...", "...", "..."], slip=0.3, actions=["up", "down", "left", "right"])
    mdp = build_mdp(lay)
    assert mdp.actions == ("up", "down", "left", "right")
    P = mdp.dense_transitions()
    c = mdp.state_of(1, 1)
    assert P[c, mdp.action_index("up"), mdp.state_of(0, 1)] == pytest.approx(0.7)
    assert P[c, mdp.action_index("up"), mdp.state_of(1, 0)] == pytest.approx(0.1)
    assert P[c, mdp.action_index("up"), c] == 0.0


@pytest.mark.parametrize("slip", [0.0, 0.3])
def test_representations_agree(slip, rng):
    lay = Layout.from_rows(["######", "#S..##", "#.#..#", "#...G#", "######"], slip=slip)
    mdp = build_mdp(lay)
    S, A = mdp.n_states, mdp.n_actions
    P = mdp.dense_transitions()
    # padded successor lists
    dense_from_succ = np.zeros((S, A, S))
    for s in range(S):
        for a in range(A):
            for k in range(mdp.succ.shape[2]):
                dense_from_succ[s, a, mdp.succ[s, a, k]] += mdp.prob[s, a, k]
    np.testing.assert_allclose(dense_from_succ, P, atol=1e-15)
    # the factored form: E[V(s') | s, a] = (mix @ V[dest])[a, s]
    V = rng.normal(size=S)
    live = ~mdp.terminal
    np.testing.assert_allclose(expected_next_am(mdp, V).T[live], (P @ V)[live], atol=1e-12)
    np.testing.assert_allclose(expected_next(mdp, V)[live], (P @ V)[live], atol=1e-12)
    np.testing.assert_allclose(np.exp(log_expected_exp_next_am(mdp, V)).T[live], (P @ np.exp(V))[live], rtol=1e-12)
    # forward push of action-major state-action mass
    x = rng.random((A, S))
    np.testing.assert_allclose(_push(mdp, x), np.einsum("as,sap->p", x, P), atol=1e-12)
    # the messages' predecessor lists: log sum_a P(s' | s, a)
    src, logw = mdp.incoming_am
    W = np.zeros((S, S))
    for m in range(src.shape[0]):
        ok = np.isfinite(logw[m])
        np.add.at(W, (src[m, ok], np.flatnonzero(ok)), np.exp(logw[m, ok]))
    np.testing.assert_allclose(W, P.sum(axis=1), atol=1e-12)


def test_grid_values_and_readonly(tiny_layout):
    mdp = build_mdp(tiny_layout)
    g = mdp.grid_values(np.arange(5.0))
    assert g.shape == (4, 5) and g[2, 3] == 4 and np.isnan(g[0, 0])
    with pytest.raises(ValueError):
        mdp.start[0] = 0.5

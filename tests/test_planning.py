"""Planning checked against brute force: every trajectory of a tiny MDP (actions AND slip outcomes) enumerated with
itertools on the dense (S, A, S) transitions, and an independent dense implementation of each recursion.

Conventions under test (irl_studio.core.planning): the horizon T counts steps: an episode takes T actions and
occupies s_0 .. s_T (T + 1 cells), r(s) is received in every occupied cell (start and final included), goals are
absorbing: the episode ends on arrival, after the goal's reward, and the goal's visitation mass is counted once.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from irl_studio.core.layout import Layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.planning import PlanningError, hard_value_iteration, message_visitation, messages, soft_value_iteration, state_visitation, time_weights, visitation_by_time
from irl_studio.core.evaluation import evaluate_policy, rollout


# --- brute force -------------------------------------------------------------------------------------------------
def enumerate_paths(mdp, T, p0=None):
    """Every (start, action sequence, state sequence) of T steps (T + 1 cells), truncated at goals.

    Yields (states, actions, prob_dynamics) where ``prob_dynamics = p0(s_0) prod_t P(s_{t+1} | s_t, a_t)`` and
    ``states`` stops at the goal when one is reached (after a goal the suffix must be the canonical 'action 0, stay
    on the goal', so every truncated path is produced exactly once)."""
    P = mdp.dense_transitions()
    S, A = mdp.n_states, mdp.n_actions
    p0 = mdp.start if p0 is None else p0
    for s0 in range(S):
        if p0[s0] == 0:
            continue
        for acts in itertools.product(range(A), repeat=T):
            for nxt in itertools.product(range(S), repeat=T):
                states = [s0]
                prob = p0[s0]
                ok = True
                ended = False
                for t in range(T):
                    s = states[-1] if not ended else None
                    if ended:
                        if acts[t] != 0 or nxt[t] != states[-1]:
                            ok = False
                            break
                        continue
                    if mdp.terminal[s]:
                        ended = True
                        if acts[t] != 0 or nxt[t] != s:
                            ok = False
                            break
                        continue
                    p = P[s, acts[t], nxt[t]]
                    if p == 0:
                        ok = False
                        break
                    prob *= p
                    states.append(nxt[t])
                if ok:
                    yield states, acts[:len(states) - 1], prob


def brute_visitation(mdp, T, policy_at, weights=None, p0=None):
    """D(s) = sum over paths of P(path) sum_t w_t [s_t = s] with P(path) including pi_t(a_t | s_t)."""
    w = np.ones(T + 1) if weights is None else weights
    D = np.zeros(mdp.n_states)
    total = 0.0
    length = 0.0
    for states, acts, prob in enumerate_paths(mdp, T, p0):
        for t, a in enumerate(acts):
            prob *= policy_at(t)[states[t], a]
        total += prob
        length += prob * len(states)
        for t, s in enumerate(states):
            D[s] += prob * w[t]
    return D, total, length


def dense_causal_soft_vi(P, r, T, gamma, terminal):
    """Independent dense recursion over T steps: Q_t = r + gamma P V_{t+1}, V_t = log sum_a exp Q_t, V_T = r, goals
    V = r."""
    S, A, _ = P.shape
    V = np.zeros((T + 1, S))
    V[T] = r
    logpi = np.zeros((T + 1, S, A))
    logpi[T] = -np.log(A)
    for t in range(T - 1, -1, -1):
        Q = r[:, None] + gamma * np.einsum("sap,p->sa", P, V[t + 1])
        Q[terminal] = r[terminal, None]
        m = Q.max(axis=1, keepdims=True)
        v = (m + np.log(np.exp(Q - m).sum(axis=1, keepdims=True)))[:, 0]
        logpi[t] = Q - v[:, None]
        v[terminal] = r[terminal]
        V[t] = v
    return V, logpi


def brute_log_beta0(mdp, r, T):
    """log beta_0(s) = log sum over (actions, states) of prod P exp(sum of r over the occupied cells)."""
    out = np.full(mdp.n_states, -np.inf)
    for s0 in range(mdp.n_states):
        p0 = np.zeros(mdp.n_states)
        p0[s0] = 1.0
        terms = [np.log(prob) + sum(r[s] for s in states) for states, _, prob in enumerate_paths(mdp, T, p0)]
        out[s0] = np.logaddexp.reduce(terms)
    return out


def open_layout(slip=0.2, horizon=4, discount=1.0):
    """A 2 x 2 room, no goal: visitation must sum to the number of cells occupied, horizon + 1."""
    return Layout.from_rows(["####", "#S.#", "#..#", "####"], slip=slip, discount=discount, horizon_override=horizon)


def goal_layout(slip=0.2, horizon=4, discount=1.0):
    return Layout.from_rows(["#####", "#S..#", "#.#G#", "#####"], slip=slip, discount=discount,
                            horizon_override=horizon)


REWARD_RNG = np.random.default_rng(12345)


# --- soft values -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("slip,gamma", [(0.0, 1.0), (0.2, 1.0), (0.3, 0.9)])
def test_causal_soft_vi_equals_dense_recursion(slip, gamma):
    mdp = build_mdp(goal_layout(slip=slip))
    r = REWARD_RNG.normal(size=mdp.n_states) * 2
    T = 5
    plan = soft_value_iteration(mdp, r, horizon=T, discount=gamma)
    assert plan.V.shape == (T + 1, mdp.n_states) and plan.horizon == T
    V, logpi = dense_causal_soft_vi(mdp.dense_transitions(), r, T, gamma, mdp.terminal)
    np.testing.assert_allclose(plan.V, V, rtol=1e-12, atol=1e-12)
    for t in range(T):
        live = ~mdp.terminal
        np.testing.assert_allclose(plan.log_policy(t)[live], logpi[t][live], atol=1e-12)


@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_causal_soft_value_is_entropy_regularized_return_by_enumeration(tiny_layout, gamma):
    """V_0(s) = E_pi[sum_t gamma^t (r(s_t) - log pi_t(a_t | s_t))] over every trajectory (the soft Bellman identity
    r - log pi + gamma E V' = V holds for every action)."""
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = soft_value_iteration(mdp, r, horizon=T, discount=gamma)
    for s0 in range(mdp.n_states):
        p0 = np.eye(mdp.n_states)[s0]
        val = 0.0
        for states, acts, prob in enumerate_paths(mdp, T, p0):
            logp = 0.0
            ret = 0.0
            for t, s in enumerate(states):
                ret += gamma ** t * r[s]
                if t < len(acts):
                    lp = plan.log_policy(t)[s, acts[t]]
                    logp += lp
                    ret -= gamma ** t * lp
            val += prob * np.exp(logp) * ret
        assert val == pytest.approx(plan.V[0, s0], abs=1e-10)


@pytest.mark.parametrize("slip", [0.0, 0.2])
def test_optimistic_messages_equal_brute_force_partition(tiny_layout, slip):
    lay = tiny_layout.copy()
    lay.slip = slip
    mdp = build_mdp(lay)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    msg = messages(mdp, r, T)
    np.testing.assert_allclose(msg.log_beta[0], brute_log_beta0(mdp, r, T), atol=1e-10)
    # beta is time-homogeneous: beta_t is the horizon T - t partition function
    np.testing.assert_allclose(msg.log_beta[1], brute_log_beta0(mdp, r, T - 1), atol=1e-10)
    # log Z = log sum_s p0(s) beta_0(s)
    z = sum(prob * np.exp(sum(r[s] for s in states)) for states, _, prob in enumerate_paths(mdp, T))
    assert msg.log_z == pytest.approx(np.log(z), abs=1e-10)


def test_message_marginals_equal_brute_force_posterior(tiny_layout):
    """p(s_t = s | O) = sum of p0 prod P exp(sum r) over the trajectories with s_t = s, divided by Z."""
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    msg = messages(mdp, r, T)
    marg = np.zeros((T + 1, mdp.n_states))
    z = 0.0
    for states, _, prob in enumerate_paths(mdp, T):
        w = prob * np.exp(sum(r[s] for s in states))
        z += w
        for t, s in enumerate(states):
            marg[t, s] += w
    np.testing.assert_allclose(msg.state_marginals(), marg / z, atol=1e-12)
    np.testing.assert_allclose(message_visitation(msg), marg.sum(axis=0) / z, atol=1e-12)
    # state-action marginals sum over actions to the state marginals
    for t in range(T + 1):
        np.testing.assert_allclose(msg.state_action_marginal(t).sum(axis=1), marg[t] / z, atol=1e-12)


# --- visitation ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("slip,gamma", [(0.0, 1.0), (0.2, 1.0), (0.2, 0.9)])
def test_soft_visitation_equals_enumeration(tiny_layout, slip, gamma):
    lay = tiny_layout.copy()
    lay.slip = slip
    mdp = build_mdp(lay)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = soft_value_iteration(mdp, r, horizon=T, discount=gamma)
    w = time_weights(T, gamma)
    D = state_visitation(plan, mdp, T)  # default weights: the plan's gamma^t
    D_bf, total, _ = brute_visitation(mdp, T, plan.policy, weights=w)
    assert total == pytest.approx(1.0, abs=1e-12)  # the enumeration covers every trajectory once
    np.testing.assert_allclose(D, D_bf, atol=1e-12)


def test_soft_visitation_with_a_start_override_and_weights(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    p0 = np.array([0.5, 0.0, 0.3, 0.2, 0.0])
    w = np.array([1.0, 0.7, 0.5, 0.25])
    plan = soft_value_iteration(mdp, r, horizon=T)
    D_bf, _, _ = brute_visitation(mdp, T, plan.policy, weights=w, p0=p0)
    np.testing.assert_allclose(state_visitation(plan, mdp, T, weights=w, start=p0), D_bf, atol=1e-12)


@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_hard_policy_visitation_equals_enumeration(tiny_layout, gamma):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = hard_value_iteration(mdp, r, discount=gamma, horizon=T)
    pi = plan.policy()
    assert set(np.unique(pi)) <= {0.0, 1.0}
    D_bf, _, _ = brute_visitation(mdp, T, plan.policy, weights=np.ones(T + 1))
    np.testing.assert_allclose(state_visitation(plan, mdp, T, weights=np.ones(T + 1)), D_bf, atol=1e-12)


def test_stationary_soft_policy_visitation_equals_enumeration(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    plan = soft_value_iteration(mdp, r, horizon=None, discount=0.9)
    T = 3
    D_bf, _, _ = brute_visitation(mdp, T, lambda t: plan.policy(), weights=0.9 ** np.arange(T + 1))
    np.testing.assert_allclose(state_visitation(plan, mdp, T), D_bf, atol=1e-12)


def test_hard_value_iteration_equals_dense_reference(tiny_layout):
    mdp = build_mdp(tiny_layout)
    P = mdp.dense_transitions()
    r = REWARD_RNG.normal(size=mdp.n_states)
    g = 0.9
    V = np.where(mdp.terminal, r, 0.0)
    for _ in range(2000):
        Q = r[:, None] + g * P @ V
        Q[mdp.terminal] = r[mdp.terminal, None]
        V = Q.max(axis=1)
    plan = hard_value_iteration(mdp, r, discount=g)
    np.testing.assert_allclose(plan.V, V, atol=1e-9)
    np.testing.assert_allclose(plan.Q, Q, atol=1e-9)
    # its value is the exact value of its greedy policy, and no other deterministic policy does better
    v_pi = evaluate_policy(mdp, r, plan.policy(), discount=g)
    np.testing.assert_allclose(v_pi, V, atol=1e-8)
    live = np.flatnonzero(~mdp.terminal)
    for choice in itertools.product(range(mdp.n_actions), repeat=len(live)):
        pi = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)
        pi[live] = np.eye(mdp.n_actions)[list(choice)]
        assert np.all(evaluate_policy(mdp, r, pi, discount=g) <= V + 1e-9)


def test_finite_horizon_hard_values_equal_enumeration_of_deterministic_policies():
    mdp = build_mdp(goal_layout(slip=0.0))
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = hard_value_iteration(mdp, r, discount=1.0, horizon=T)
    # with slip 0 the best return of T steps (T + 1 cells) from s is the max over action sequences
    for s0 in range(mdp.n_states):
        best = max(sum(r[s] for s in states) for states, _, _ in enumerate_paths(mdp, T, np.eye(mdp.n_states)[s0]))
        assert plan.V[s0] == pytest.approx(best, abs=1e-12)


def test_evaluate_policy_equals_dense_solve(tiny_layout):
    mdp = build_mdp(tiny_layout)
    P = mdp.dense_transitions()
    r = REWARD_RNG.normal(size=mdp.n_states)
    pi = REWARD_RNG.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
    Ppi = np.einsum("sa,sap->sp", pi, P)
    np.testing.assert_allclose(evaluate_policy(mdp, r, pi, discount=0.9),
                               np.linalg.solve(np.eye(mdp.n_states) - 0.9 * Ppi, r), atol=1e-10)
    V = r.copy()
    for _ in range(4):  # 4 steps, 5 cells
        V = r + Ppi @ V
    np.testing.assert_allclose(evaluate_policy(mdp, r, pi, discount=1.0, horizon=4), V, atol=1e-12)


# --- messages vs causal soft VI ------------------------------------------------------------------------------------
def test_messages_and_causal_agree_without_slip():
    lay = goal_layout(slip=0.0, horizon=7)
    mdp = build_mdp(lay)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 7
    msg = messages(mdp, r, T)
    causal = soft_value_iteration(mdp, r, horizon=T, discount=1.0)
    np.testing.assert_allclose(msg.log_beta, causal.V, atol=1e-12)
    np.testing.assert_allclose(message_visitation(msg), state_visitation(causal, mdp, T), atol=1e-12)
    np.testing.assert_allclose(msg.state_marginals(), visitation_by_time(causal, mdp, T), atol=1e-12)


def test_messages_and_causal_differ_with_slip_and_how():
    """With a symmetric slip, sum_a P(s' | s, a) does not depend on the slip (mix is doubly stochastic), so under the
    unit action prior the messages' posterior over state sequences is the slip-0 world's: the messages ignore that
    the agent cannot choose where it slips. The causal policy acts in the real dynamics, and its visitation is the
    enumerated one (test above), which differs."""
    T = 7
    r_grid_layout = goal_layout(slip=0.0, horizon=T)
    mdp0 = build_mdp(r_grid_layout)
    mdp3 = build_mdp(goal_layout(slip=0.3, horizon=T))
    r = np.array([-1.0, -1.0, -1.0, -1.0, 3.0])  # a goal worth reaching
    assert mdp0.terminal[-1]
    D_msg_slip = message_visitation(messages(mdp3, r, T))
    D_msg_0 = message_visitation(messages(mdp0, r, T))
    D_causal_0 = state_visitation(soft_value_iteration(mdp0, r, horizon=T), mdp0, T)
    causal3 = soft_value_iteration(mdp3, r, horizon=T)
    D_causal_slip = state_visitation(causal3, mdp3, T)
    np.testing.assert_allclose(D_msg_slip, D_msg_0, atol=1e-12)
    np.testing.assert_allclose(D_msg_slip, D_causal_0, atol=1e-12)
    assert np.max(np.abs(D_causal_slip - D_msg_slip)) > 0.05
    # the messages' values are optimistic: log E[exp V] >= E[V] (Jensen), strictly somewhere with slip
    msg3 = messages(mdp3, r, T)
    assert np.all(msg3.log_beta >= causal3.V - 1e-12)
    assert np.max(msg3.log_beta - causal3.V) > 1e-3
    # and the messages' marginals are not what their own policy does in the real dynamics
    D_roll = state_visitation(msg3.plan, mdp3, T, weights=np.ones(T + 1))
    assert np.max(np.abs(D_roll - D_msg_slip)) > 1e-3


# --- invariants ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("slip", [0.0, 0.4])
def test_visitation_sums_to_horizon_plus_one_without_goals(slip):
    T = 9  # steps: 10 cells occupied
    mdp = build_mdp(open_layout(slip=slip, horizon=T))
    assert not mdp.terminal.any()
    r = REWARD_RNG.normal(size=mdp.n_states)
    for plan in (soft_value_iteration(mdp, r, horizon=T), soft_value_iteration(mdp, r, discount=0.9),
                 hard_value_iteration(mdp, r, discount=0.9)):
        D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
        assert D.sum() == pytest.approx(T + 1, abs=1e-10)
    assert message_visitation(messages(mdp, r, T)).sum() == pytest.approx(T + 1, abs=1e-10)
    # discounted: sum_{t=0..T} gamma^t
    plan = soft_value_iteration(mdp, r, horizon=T, discount=0.8)
    assert state_visitation(plan, mdp, T).sum() == pytest.approx((1 - 0.8 ** (T + 1)) / 0.2, abs=1e-10)


def test_visitation_sums_to_expected_episode_length_with_goals(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = soft_value_iteration(mdp, r, horizon=T)
    D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
    _, _, length = brute_visitation(mdp, T, plan.policy)
    assert 1.0 < length < T + 1
    assert D.sum() == pytest.approx(length, abs=1e-12)


def test_goal_mass_counted_once():
    """Start next to the goal, long horizon: the goal's visitation is the probability of ever reaching it (<= 1),
    not the number of remaining steps, and the start's is the expected time spent before."""
    lay = Layout.from_rows(["####", "#SG#", "####"], slip=0.0, horizon_override=10)
    mdp = build_mdp(lay)
    r = np.array([0.0, 20.0])
    right = mdp.action_index("right")
    T = 10
    for plan in (soft_value_iteration(mdp, r, horizon=T), hard_value_iteration(mdp, r, discount=1.0, horizon=T)):
        D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
        still = np.cumprod([1.0] + [1.0 - plan.policy(t)[0, right] for t in range(T)])  # P(s_t = start)
        assert D[1] == pytest.approx(1.0 - still[-1], abs=1e-12)
        assert D[0] == pytest.approx(still.sum(), abs=1e-12)
        assert D[1] <= 1.0 + 1e-12
    # the finite-horizon greedy policy is time-indexed: on ties ('stay' is as good as 'right' until the last step)
    # it may wait, but it reaches the goal (a stationary t = 0 policy would stay forever: D = [11, 0])
    hard = hard_value_iteration(mdp, r, discount=1.0, horizon=T)
    assert state_visitation(hard, mdp, T, weights=np.ones(T + 1))[1] == 1.0
    assert hard.V[0] == 20.0
    assert message_visitation(messages(mdp, r, T))[1] <= 1.0 + 1e-12
    # the goal's value is its reward alone: nothing follows
    plan = soft_value_iteration(mdp, r, horizon=T)
    assert np.all(plan.V[:, 1] == 20.0)
    assert plan.V[0, 0] == pytest.approx(np.logaddexp.reduce([0.0 + 20.0] + [0.0 + plan.V[1, 0]] * 4), abs=1e-9)


def test_policies_sum_to_one_and_d0_is_start(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states) * 5
    T = 6
    for plan in (soft_value_iteration(mdp, r, horizon=T, discount=0.9),
                 soft_value_iteration(mdp, r, horizon=T, optimistic=True),
                 soft_value_iteration(mdp, r, discount=0.9),
                 hard_value_iteration(mdp, r, discount=0.9)):
        for t in range(T):
            pi = plan.policy(t)
            assert np.all(pi >= 0)
            np.testing.assert_allclose(pi.sum(axis=1), 1.0, atol=1e-12)
        by_t = visitation_by_time(plan, mdp, T)
        np.testing.assert_array_equal(by_t[0], mdp.start)
        assert by_t.shape == (T + 1, mdp.n_states)
        np.testing.assert_allclose(state_visitation(plan, mdp, T, weights=np.ones(T + 1)), by_t.sum(axis=0),
                                   atol=1e-12)
    msg = messages(mdp, r, T)
    np.testing.assert_allclose(msg.state_marginals()[0], mdp.start, atol=1e-12)


def test_state_action_visitation_marginalizes_to_state_visitation(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    plan = soft_value_iteration(mdp, r, horizon=5, discount=0.9)
    D, Dsa = state_visitation(plan, mdp, 5, return_sa=True)
    assert Dsa.shape == (mdp.n_states, mdp.n_actions)
    np.testing.assert_allclose(Dsa.sum(axis=1), D, atol=1e-12)


def test_infinite_horizon_soft_vi_is_a_fixed_point(tiny_layout):
    mdp = build_mdp(tiny_layout)
    P = mdp.dense_transitions()
    r = REWARD_RNG.normal(size=mdp.n_states)
    plan = soft_value_iteration(mdp, r, discount=0.9, tol=1e-13)
    Q = r[:, None] + 0.9 * P @ plan.V
    V = np.log(np.exp(Q).sum(axis=1))
    live = ~mdp.terminal
    np.testing.assert_allclose(plan.V[live], V[live], atol=1e-10)
    np.testing.assert_allclose(plan.V[~live], r[~live])
    with pytest.raises(PlanningError):
        soft_value_iteration(mdp, r, discount=1.0)


def test_time_weights():
    np.testing.assert_allclose(time_weights(3, 0.5), [1, 0.5, 0.25, 0.125])  # 3 steps: 4 cells
    # two demos of 2 and 4 cells (neither at a goal), one of 1 cell that ended at a goal (runs to the end)
    w = time_weights(3, 1.0, np.array([2, 4, 1]), np.array([False, False, True]))
    np.testing.assert_allclose(w, [1, 1, 2 / 3, 2 / 3])


def test_bad_rewards_raise_planning_error(tiny_layout):
    mdp = build_mdp(tiny_layout)
    with pytest.raises(PlanningError, match="shape"):
        soft_value_iteration(mdp, np.zeros(3), horizon=3)
    with pytest.raises(PlanningError, match="NaN"):
        soft_value_iteration(mdp, np.full(mdp.n_states, np.nan), horizon=3)
    with pytest.raises(PlanningError):
        hard_value_iteration(mdp, np.zeros(mdp.n_states), discount=1.0)


# --- rollouts --------------------------------------------------------------------------------------------------------
def test_rollouts_are_seeded_and_match_the_visitation(tiny_layout):
    mdp = build_mdp(tiny_layout)
    r = REWARD_RNG.normal(size=mdp.n_states)
    T = 3
    plan = soft_value_iteration(mdp, r, horizon=T)
    a = rollout(mdp, plan, 20000, T, seed=3)
    b = rollout(mdp, plan, 20000, T, seed=3)
    np.testing.assert_array_equal(a.states, b.states)
    assert not np.array_equal(a.states, rollout(mdp, plan, 20000, T, seed=4).states)
    # episodes of at most T steps (T + 1 cells) stop at goals; padding is -1
    assert a.states.shape == (20000, T + 1) and a.actions.shape == (20000, T)
    for i in range(200):
        L = a.lengths[i]
        assert np.all(a.states[i, L:] == -1) and np.all(a.states[i, :L] >= 0)
        assert np.all(a.actions[i, :L - 1] >= 0) and np.all(a.actions[i, L - 1:] == -1)
        assert not mdp.terminal[a.states[i, :L - 1]].any()
        assert L == T + 1 or mdp.terminal[a.states[i, L - 1]]
    assert (a.lengths == T + 1).any()
    counts = np.bincount(a.states[a.states >= 0], minlength=mdp.n_states) / 20000
    D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
    # 6 standard errors of a sum of at most T + 1 Bernoulli counts
    assert np.all(np.abs(counts - D) < 6 * np.sqrt((T + 1) ** 2 / 4 / 20000))


# --- numerical stability -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scale", [100.0, -100.0])
def test_large_rewards_and_long_horizons_stay_finite(scale):
    lay = Layout.from_rows(["#######", "#S....#", "#.##..#", "#....G#", "#######"], slip=0.3, discount=0.99,
                           horizon_override=1000)
    mdp = build_mdp(lay)
    T = 1000
    r = scale * np.abs(np.random.default_rng(1).normal(size=mdp.n_states)) + scale
    r_mixed = 100.0 * np.random.default_rng(2).choice([-1.0, 1.0], size=mdp.n_states)
    for rew in (r, r_mixed):
        with np.errstate(over="raise", invalid="raise"):
            for plan in (soft_value_iteration(mdp, rew, horizon=T, discount=1.0),
                         soft_value_iteration(mdp, rew, horizon=T, discount=0.99),
                         soft_value_iteration(mdp, rew, horizon=T, optimistic=True),
                         soft_value_iteration(mdp, rew, discount=0.99)):
                assert np.all(np.isfinite(plan.V))
                D = state_visitation(plan, mdp, T, weights=np.ones(T + 1))
                assert np.all(np.isfinite(D)) and np.all(D >= 0)
                assert D.sum() <= T + 1 + 1e-6
                assert np.all(np.isfinite(plan.policy(0)))
            msg = messages(mdp, rew, T)
            Dm = message_visitation(msg)
            assert np.isfinite(msg.log_z)
            assert np.all(np.isfinite(Dm)) and np.all(Dm >= 0) and Dm.sum() <= T + 1 + 1e-6
            # the values are of the size of the rewards times the horizon: a linear-space partition function
            # (exp(V)) would have over- or underflowed
            assert np.max(np.abs(msg.log_beta[0])) > 700


def test_open_grid_without_goals_long_horizon_visitation_sums_to_horizon_plus_one():
    mdp = build_mdp(open_layout(slip=0.3, horizon=1000))
    r = np.array([100.0, -100.0, 50.0, 0.0])
    plan = soft_value_iteration(mdp, r, horizon=1000)
    assert state_visitation(plan, mdp, 1000, weights=np.ones(1001)).sum() == pytest.approx(1001.0, rel=1e-9)
    assert message_visitation(messages(mdp, r, 1000)).sum() == pytest.approx(1001.0, rel=1e-9)


def test_a_pass_polls_its_cancel_callback_and_refuses_what_memory_cannot_hold():
    from irl_studio.core.planning import VALUES_MEMORY_LIMIT, Cancelled, PlanningError, soft_value_iteration

    lay = Layout.empty(12, 12)
    mdp = build_mdp(lay)
    r = np.zeros(mdp.n_states)
    polls = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) >= 2  # let the first poll pass, stop at the second

    with pytest.raises(Cancelled):
        soft_value_iteration(mdp, r, horizon=200, cancel=cancel)
    assert len(polls) == 2
    soft_value_iteration(mdp, r, horizon=200, cancel=lambda: False)  # never asked to stop: runs through
    too_long = VALUES_MEMORY_LIMIT // (8 * mdp.n_states) + 1
    with pytest.raises(PlanningError, match="GiB"):
        soft_value_iteration(mdp, r, horizon=too_long)

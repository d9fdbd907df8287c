"""Evaluating a policy exactly (sparse linear solves, policy iteration) and sampling episodes from it (seeded
rollouts), on a :class:`GridMDP`; the same conventions as :mod:`irl_studio.core.planning`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from irl_studio.core.mdp import GridMDP
from irl_studio.core.planning import HardPlan, PlanningError, SoftPlan, _check_reward, _policy_source, _start, \
    expected_next_am

# --- policy evaluation and rollouts -------------------------------------------------------------------------------
def policy_transition(mdp: GridMDP, pi: np.ndarray) -> sp.csr_matrix:
    """P_pi(s, s') = sum_a pi(a|s) P(s'|s, a) as a sparse (S, S) matrix."""
    S, A = mdp.n_states, mdp.n_actions
    collapse = sp.csr_matrix((pi.ravel(), (np.repeat(np.arange(S), A), np.arange(S * A))), shape=(S, S * A))
    return (collapse @ mdp.P).tocsr()


def evaluate_policy(mdp: GridMDP, reward: np.ndarray, pi: np.ndarray, discount: float | None = None,
                    horizon: int | None = None) -> np.ndarray:
    """V^pi(s) under ``reward``: exact sparse solve of (I - gamma P_pi) V = r for gamma < 1; with gamma == 1, the
    sum of rewards over the ``horizon`` T steps (T + 1 cells). ``pi`` is a stationary (S, A) policy."""
    r = _check_reward(mdp, reward)
    g = mdp.discount if discount is None else float(discount)
    Ppi = policy_transition(mdp, pi)
    if g < 1.0:
        M = sp.identity(mdp.n_states, format="csc") - g * Ppi.tocsc()
        return spla.spsolve(M, r)
    T = mdp.horizon if horizon is None else int(horizon)
    V = r.copy()
    for _ in range(T):
        V = r + Ppi @ V
    return V


def policy_iteration(mdp: GridMDP, reward: np.ndarray, discount: float | None = None, init: np.ndarray | None = None,
                     max_iter: int = 10_000) -> HardPlan:
    """The optimal stationary policy of the discounted problem by policy iteration (Howard): evaluate the greedy
    policy exactly with one sparse solve, improve it, repeat until it is stable. ``init``: (S,) actions to start from
    (the last call's, when many close rewards are solved in turn: a few solves). An action is kept unless another is
    better by more than a relative 1e-12, so float noise cannot make it cycle."""
    r = _check_reward(mdp, reward)
    g = mdp.discount if discount is None else float(discount)
    if not g < 1.0:
        raise PlanningError("policy iteration needs a discount below 1")
    S, A = mdp.n_states, mdp.n_actions
    term = mdp.terminal
    cols = np.arange(S)
    pol = np.zeros(S, dtype=np.int64) if init is None or len(init) != S else np.asarray(init, dtype=np.int64)
    if init is None:  # a cheap first guess: greedy in the one-step lookahead
        pol = np.argmax(r + g * expected_next_am(mdp, r), axis=0)
    eye = sp.identity(S, format="csc")
    for _ in range(max_iter):
        pi = np.zeros((S, A))
        pi[cols, pol] = 1.0
        V = spla.spsolve(eye - g * policy_transition(mdp, pi).tocsc(), r)
        Q = r + g * expected_next_am(mdp, V)
        Q[:, term] = r[term]
        best = Q.max(axis=0)
        keep = Q[pol, cols] >= best - 1e-12 * np.maximum(1.0, np.abs(best))
        if keep.all():
            break
        pol = np.where(keep, pol, np.argmax(Q, axis=0))
    return HardPlan(V, Q.T.copy(), pol.astype(np.int64), g)


@dataclass(frozen=True)
class Rollouts:
    """Sampled episodes of at most T steps: states (N, T + 1) padded with -1 after the end, actions (N, T) padded
    with -1, lengths (N,): the number of cells of each (steps + 1)."""

    states: np.ndarray
    actions: np.ndarray
    lengths: np.ndarray


def rollout(mdp: GridMDP, plan: SoftPlan | HardPlan, n: int, horizon: int, seed: int | np.random.Generator = 0,
            start: np.ndarray | None = None) -> Rollouts:
    """Sample ``n`` episodes of at most ``horizon`` steps (T + 1 cells) from a policy, seeded; episodes stop at
    goals."""
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    p0 = _start(mdp, start)
    states = np.full((n, horizon + 1), -1, dtype=np.int64)
    actions = np.full((n, max(horizon, 0)), -1, dtype=np.int64)
    s = rng.choice(mdp.n_states, size=n, p=p0 / p0.sum())
    states[:, 0] = s
    alive = ~mdp.terminal[s]
    lengths = np.ones(n, dtype=np.int64)
    policy_at = _policy_source(plan)
    for t in range(horizon):
        if not alive.any():
            break
        pi = policy_at(t)
        idx = np.flatnonzero(alive)
        cs = np.cumsum(pi[:, s[idx]].T, axis=1)
        a = np.minimum((rng.random((len(idx), 1)) * cs[:, -1:] > cs).sum(axis=1), mdp.n_actions - 1)
        pk = np.cumsum(mdp.prob[s[idx], a], axis=1)
        k = np.minimum((rng.random((len(idx), 1)) * pk[:, -1:] > pk).sum(axis=1), pk.shape[1] - 1)
        s_next = mdp.succ[s[idx], a, k]
        actions[idx, t] = a
        states[idx, t + 1] = s_next
        lengths[idx] += 1
        s[idx] = s_next
        alive[idx] = ~mdp.terminal[s_next]
    return Rollouts(states, actions, lengths)

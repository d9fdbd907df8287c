"""Planning on a :class:`GridMDP`: hard and soft value iteration, the lecture's messages, visitation, rollouts.

Conventions (the same for demonstrations, see :mod:`irl_studio.core.demos`, and for every algorithm):

* The horizon ``T`` counts *steps* (actions), as Gymnasium's ``max_episode_steps`` and ``imitation``'s ``horizon``:
  an episode takes at most ``T`` actions and occupies at most ``T + 1`` cells ``s_0 .. s_T``. The reward ``r(s)`` is
  received in every cell occupied, the start cell and the final cell included. Time-indexed arrays (values,
  visitation by time) therefore have ``T + 1`` rows, ``t = 0 .. T``; policies act at ``t = 0 .. T - 1``.
* Goal states are absorbing: the episode ends on arrival, after the goal's reward; nothing follows. Their value is
  ``V(goal) = r(goal)`` and visitation mass that reaches a goal is counted once, then leaves.
* Visitation ``D(s) = sum_{t=0..T} w_t P(s_t = s)`` with ``w_t = gamma^t`` times an optional per-step weight (the
  fraction of demonstrations still running at ``t``, see :func:`time_weights`). With no goals and unit weights ``D``
  sums to ``T + 1`` (the cells occupied); with goals, to the expected number of cells occupied. The same discount is used in the policy and in the visitation.
* Soft (maximum-entropy) backups come in two kinds:
  - *causal* (Ziebart 2010, soft value iteration): ``Q(s,a) = r(s) + gamma E_{s'}[V(s')]``, ``V = logsumexp_a Q``;
  - *optimistic* (the lecture's backward messages, Ziebart 2008): ``log beta(s,a) = r(s) + log E_{s'}[beta(s')]``,
    ``log beta(s) = logsumexp_a log beta(s,a)``.
  They agree when the dynamics are deterministic (slip = 0) and differ with slip > 0, where the messages describe
  the posterior over whole trajectories p(tau | O) rather than a policy that can act in the real dynamics.

Everything is in log space and vectorised over states; a backward or forward step is one sparse product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.mdp import GridMDP
from irl_studio.core.steppable import Cancelled, CancelCheck  # noqa: F401 (Cancelled: raised by the passes)


class PlanningError(IRLStudioError):
    """Planning failed (diverging values, invalid reward, a problem too large for memory)."""


Cancel = CancelCheck
_CANCEL_EVERY = 32  # time steps between two looks at the cancel callback
VALUES_MEMORY_LIMIT = 2 * 2**30  # bytes of (T + 1, S) soft values a finite-horizon pass may allocate


def poll_cancel(cancel: Cancel, t: int) -> None:
    """Raise :class:`Cancelled` every few time steps when ``cancel()`` says so."""
    if cancel is not None and t % _CANCEL_EVERY == 0 and cancel():
        raise Cancelled()


def logsumexp(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Stable log(sum(exp(x))) along ``axis``; all -inf gives -inf."""
    m = np.max(x, axis=axis, keepdims=True)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - m_safe), axis=axis, keepdims=True)) + m_safe
    return np.squeeze(out, axis=axis)


def _check_reward(mdp: GridMDP, reward: np.ndarray) -> np.ndarray:
    r = np.asarray(reward, dtype=np.float64)
    if r.shape != (mdp.n_states,):
        raise PlanningError(f"reward has shape {r.shape}, expected ({mdp.n_states},) (one value per floor cell)")
    if not np.all(np.isfinite(r)):
        raise PlanningError("the reward has NaN or infinite values (the run diverged)")
    return r


def lse0(x: np.ndarray) -> np.ndarray:
    """logsumexp over axis 0 of an action-major (A, S) array (fast: reductions across rows)."""
    m = x.max(axis=0)
    m = np.where(np.isfinite(m), m, 0.0)
    e = np.exp(x - m)
    total = e[0].copy()
    for row in e[1:]:
        total += row
    with np.errstate(divide="ignore"):
        return np.log(total) + m


def expected_next_am(mdp: GridMDP, V: np.ndarray) -> np.ndarray:
    """E[V(s') | s, a] as an action-major (A, S) array: mix @ V[dest]. Not zeroed on terminal states."""
    return mdp.mix @ np.take(V, mdp.dest)


def log_expected_exp_next_am(mdp: GridMDP, V: np.ndarray) -> np.ndarray:
    """log E[exp V(s') | s, a], action-major (A, S) (the optimistic backup of the messages)."""
    W = np.take(V, mdp.dest)
    if mdp.mix_is_identity:
        return W
    c = W.max(axis=0)
    with np.errstate(divide="ignore"):
        return np.log(mdp.mix @ np.exp(W - c)) + c


def expected_next(mdp: GridMDP, V: np.ndarray) -> np.ndarray:
    """E[V(s') | s, a] as (S, A) (state-major; terminal rows are meaningless: nothing follows a goal)."""
    return expected_next_am(mdp, V).T


def _backup(mdp: GridMDP, V: np.ndarray, optimistic: bool) -> np.ndarray:
    return log_expected_exp_next_am(mdp, V) if optimistic else expected_next_am(mdp, V)


def _push(mdp: GridMDP, sa_am: np.ndarray) -> np.ndarray:
    """Forward push of action-major state-action mass x(a, s): d'(s') = sum_{s,a} P(s'|s,a) x(a, s)."""
    return mdp.DT @ (mdp.mix.T @ sa_am).ravel()


# --- soft value iteration -----------------------------------------------------------------------------------------
_POLICY_CACHE_LIMIT = 4_000_000  # keep time-indexed log-policies ((T+1)*A*S floats) when they fit in 32 MB


@dataclass(frozen=True, eq=False)
class SoftPlan:
    """The result of a soft backward pass: values V, and the policy they define.

    ``V`` is (T + 1, S) for a finite horizon of T steps (time-indexed policy, ``V[T] = r``: the last cell, no action
    left) or (S,) for the discounted infinite horizon (stationary policy). For large problems policies are not stored: ``pi_t = exp(Q_t - V_t)`` is recomputed from
    ``V_{t+1}`` with one gather and a small product, so a 256 x 256 grid with a horizon of 512 keeps (T, S) floats,
    not (T, S, A).
    """

    mdp: GridMDP
    reward: np.ndarray
    V: np.ndarray
    discount: float
    optimistic: bool = False
    log_pi_cache: np.ndarray | None = None  # (T + 1, A, S) action-major, when small

    @property
    def finite(self) -> bool:
        return self.V.ndim == 2

    @property
    def horizon(self) -> int | None:
        """The number of steps T (the values have T + 1 rows), or None for the infinite horizon."""
        return int(self.V.shape[0]) - 1 if self.finite else None

    def q_am(self, t: int = 0) -> np.ndarray:
        """Q_t(a, s) = r(s) + gamma backup(V_{t+1}) (action-major; terminal states and t = T, no step left: r)."""
        mdp = self.mdp
        if self.finite and t >= self.V.shape[0] - 1:
            return np.broadcast_to(self.reward, (mdp.n_actions, mdp.n_states)).copy()
        nxt = self.V[t + 1] if self.finite else self.V
        q = self.reward + self.discount * _backup(mdp, nxt, self.optimistic)
        q[:, mdp.terminal] = self.reward[mdp.terminal]
        return q

    def log_policy_am(self, t: int = 0) -> np.ndarray:
        if self.log_pi_cache is not None:
            return self.log_pi_cache[t if self.finite else 0]
        q = self.q_am(t)
        return q - lse0(q)

    def log_policy(self, t: int = 0) -> np.ndarray:
        """log pi_t(a | s), (S, A)."""
        return self.log_policy_am(t).T.copy()

    def policy(self, t: int = 0) -> np.ndarray:
        """pi_t(a | s), (S, A), rows sum to one (uniform on terminal states and at t = T, where no step is left)."""
        return np.exp(self.log_policy(t))

    def policy_am(self, t: int = 0) -> np.ndarray:
        return np.exp(self.log_policy_am(t))

    def values(self, t: int = 0) -> np.ndarray:
        return self.V[t] if self.finite else self.V


def soft_value_iteration(mdp: GridMDP, reward: np.ndarray, horizon: int | None = None, discount: float = 1.0,
                         optimistic: bool = False, tol: float = 1e-8, max_iter: int = 100_000,
                         cancel: Cancel = None) -> SoftPlan:
    """Soft value iteration.

    ``horizon`` T given: finite horizon of T steps, ``V_T = r``, ``V_t = logsumexp_a [r + gamma backup(V_{t+1})]``
    for t = T-1 .. 0 (T backups; V has T + 1 rows).
    ``horizon`` None: discounted infinite horizon (needs ``discount < 1``), iterated to ``tol``.
    ``optimistic`` selects the lecture's message backup log E[exp V] instead of the causal E[V].
    ``cancel``: polled every few steps; when it returns True the pass raises :class:`Cancelled`.
    """
    r = _check_reward(mdp, reward)
    S, A = mdp.n_states, mdp.n_actions
    term = mdp.terminal
    if horizon is not None:
        T = int(horizon)
        if T < 1:
            raise PlanningError(f"the horizon must be at least 1 step, not {T}")
        if (T + 1) * S * 8 > VALUES_MEMORY_LIMIT:
            raise PlanningError(f"a horizon of {T} steps on {S} states needs {(T + 1) * S * 8 / 2**30:.1f} GiB of "
                                f"soft values (at most {VALUES_MEMORY_LIMIT / 2**30:.0f} GiB): lower the horizon or "
                                f"the grid")
        V = np.empty((T + 1, S))
        V[T] = r
        cache = np.empty((T + 1, A, S)) if (T + 1) * A * S <= _POLICY_CACHE_LIMIT else None
        if cache is not None:
            cache[T] = -np.log(A)
        for t in range(T - 1, -1, -1):
            poll_cancel(cancel, t)
            q = r + discount * _backup(mdp, V[t + 1], optimistic)  # Q_t(a, s)
            q[:, term] = r[term]
            v = lse0(q)  # V_t(s) = log sum_a exp Q_t(a, s)
            if cache is not None:
                cache[t] = q - v
            v[term] = r[term]
            V[t] = v
        if not np.all(np.isfinite(V)):
            raise PlanningError("soft values overflowed (reward too large for the horizon?)")
        return SoftPlan(mdp, r, V, discount, optimistic, cache)
    if not discount < 1.0:
        raise PlanningError("an infinite-horizon soft value iteration needs a discount below 1")
    V = np.where(term, r, 0.0)
    for _ in range(max_iter):
        q = r + discount * _backup(mdp, V, optimistic)
        v = lse0(q)
        v[term] = r[term]
        delta = np.max(np.abs(v - V))
        V = v
        if not np.isfinite(delta):
            raise PlanningError("soft values diverged")
        if delta < tol * max(1.0, float(np.max(np.abs(V)))):
            break
    return SoftPlan(mdp, r, V, discount, optimistic)


# --- hard value iteration -----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HardPlan:
    """Optimal values of a discounted (or finite-horizon) problem and a greedy deterministic policy.

    Finite horizon of T steps: ``greedy_t`` (T + 1, S) holds the time-indexed greedy actions (row T unused: no step
    is left there) and ``policy(t)`` uses
    them (the t = 0 policy applied at every step can procrastinate forever on ties, e.g. 'stay' next to a goal)."""

    V: np.ndarray  # (S,) values at t = 0
    Q: np.ndarray  # (S, A)
    greedy: np.ndarray  # (S,) action index (first best on ties)
    discount: float = 1.0
    greedy_t: np.ndarray | None = None  # (T + 1, S) time-indexed greedy actions of a finite-horizon problem

    def policy(self, t: int = 0) -> np.ndarray:
        g = self.greedy if self.greedy_t is None else self.greedy_t[min(t, len(self.greedy_t) - 1)]
        pi = np.zeros_like(self.Q)
        pi[np.arange(len(g)), g] = 1.0
        return pi

    def policy_am(self, t: int = 0) -> np.ndarray:
        return self.policy(t).T.copy()


def hard_value_iteration(mdp: GridMDP, reward: np.ndarray, discount: float | None = None,
                         horizon: int | None = None, tol: float = 1e-10, max_iter: int = 100_000,
                         V0: np.ndarray | None = None) -> HardPlan:
    """Value iteration ``V = max_a [r + gamma E V']`` (terminal: ``V = r``).

    With ``discount < 1`` it runs to convergence (``horizon`` is ignored); with ``discount == 1`` it needs ``horizon``
    T and plans the T-step episode (:func:`finite_horizon_plan`).
    """
    r = _check_reward(mdp, reward)
    g = mdp.discount if discount is None else float(discount)
    term = mdp.terminal

    def backup(V: np.ndarray) -> np.ndarray:
        Q = r + g * expected_next_am(mdp, V)
        Q[:, term] = r[term]
        return Q

    if g >= 1.0:
        if horizon is None:
            raise PlanningError("value iteration with discount 1 needs a finite horizon")
        return finite_horizon_plan(mdp, r, int(horizon), g)
    else:
        V = np.where(term, r, 0.0) if V0 is None else np.asarray(V0, dtype=np.float64).copy()
        for _ in range(max_iter):
            v = backup(V).max(axis=0)
            delta = np.max(np.abs(v - V))
            V = v
            if delta < tol * max(1.0, float(np.max(np.abs(V)))):
                break
        Q = backup(V)
    return HardPlan(V, Q.T.copy(), np.argmax(Q, axis=0), g)


def finite_horizon_plan(mdp: GridMDP, reward: np.ndarray, horizon: int, discount: float = 1.0) -> HardPlan:
    """The optimal time-indexed policy of the T-step episode (T = ``horizon`` backups, T + 1 cells), discounted by
    ``discount``: ``V_T = r``, ``Q_t = r + gamma E[V_{t+1}]``, ``V_t = max_a Q_t``. ``V``, ``Q`` and ``greedy`` are
    those of t = 0; ``greedy_t`` holds every step's (first best on ties)."""
    r = _check_reward(mdp, reward)
    T = int(horizon)
    if T < 0:
        raise PlanningError(f"the horizon must be at least 0 steps, not {T}")
    term = mdp.terminal
    V = r.copy()
    Q = np.broadcast_to(r, (mdp.n_actions, mdp.n_states)).copy()
    greedy_t = np.zeros((T + 1, mdp.n_states), dtype=np.int8)  # at t = T no step is left: 'stay' (unused)
    for t in range(T - 1, -1, -1):
        Q = r + discount * expected_next_am(mdp, V)
        Q[:, term] = r[term]
        V = Q.max(axis=0)
        greedy_t[t] = np.argmax(Q, axis=0)
    return HardPlan(V, Q.T.copy(), np.argmax(Q, axis=0), float(discount), greedy_t)


# --- visitation ---------------------------------------------------------------------------------------------------
def time_weights(horizon: int, discount: float = 1.0, lengths: np.ndarray | None = None,
                 ended_at_goal: np.ndarray | None = None) -> np.ndarray:
    """w_t = gamma^t * (fraction of demonstrations still running at t), t = 0..T (T = ``horizon`` steps).

    ``lengths``: the number of *cells* of each demonstration (steps + 1). A demonstration that ends at a goal counts
    as running until the horizon (the goal absorbs the learner the same way); one that stops early elsewhere stops
    counting after its last cell. No demonstrations: all ones.
    """
    n_cells = int(horizon) + 1
    w = discount ** np.arange(n_cells, dtype=np.float64)
    if lengths is not None and len(lengths):
        L = np.asarray(lengths, dtype=np.int64).copy()
        if ended_at_goal is not None:
            L[np.asarray(ended_at_goal, dtype=bool)] = n_cells
        running = (L[None, :] > np.arange(n_cells)[:, None]).mean(axis=1)
        w = w * running
    return w


def _start(mdp: GridMDP, start: np.ndarray | None) -> np.ndarray:
    return mdp.start if start is None else np.asarray(start, dtype=np.float64)


def _policy_source(plan: SoftPlan | HardPlan):
    if isinstance(plan, SoftPlan) and plan.finite:
        return plan.policy_am
    if isinstance(plan, HardPlan) and plan.greedy_t is not None:
        return plan.policy_am
    stationary = plan.policy_am(0)
    return lambda t: stationary


def state_visitation(plan: SoftPlan | HardPlan, mdp: GridMDP, horizon: int, weights: np.ndarray | None = None,
                     start: np.ndarray | None = None, return_sa: bool = False):
    """Expected visitation ``D(s) = sum_{t=0..T} w_t P(s_t = s)`` of a policy over an episode of T = ``horizon``
    steps (forward pass through the true dynamics).

    ``weights`` (T + 1 of them) default to ``gamma^t`` of the plan. With ``return_sa`` also returns the state-action
    visitation (S, A) (terminal and last-cell mass split as the policy there: uniformly).
    """
    T = int(horizon)
    if weights is None:
        weights = time_weights(T, plan.discount)
    d = _start(mdp, start).copy()
    D = np.zeros(mdp.n_states)
    Dsa = np.zeros((mdp.n_actions, mdp.n_states)) if return_sa else None
    policy_at = _policy_source(plan)
    for t in range(T + 1):
        D += weights[t] * d
        if Dsa is None and t == T:
            break
        sa = policy_at(t) * d  # x(a, s) = pi_t(a | s) d_t(s)
        if Dsa is not None:
            Dsa += weights[t] * sa
        if t < T:
            d = _push(mdp, sa)
    return (D, Dsa.T.copy()) if return_sa else D


def staggered_visitation(plan: SoftPlan | HardPlan, mdp: GridMDP, horizon: int, inject: dict[int, np.ndarray],
                         discount: float = 1.0, cancel: Cancel = None) -> np.ndarray:
    """Visitation of episodes that start at different times: ``inject[t0]`` (S,) is start mass entering at time
    ``t0`` (0 .. T) and followed with the policy of times t0, t0+1, .. T-1, each episode discounted from its own
    start: ``D = sum_t d_t``, ``d_{t+1} = gamma push(pi_t d_t) + inject[t+1]``. Injections may be negative (the
    pass is linear in them).

    This is the exact gradient of ``sum_i V_{T-K_i}(s_{0,i})`` (the soft values of episodes of different numbers of
    steps K_i, :mod:`irl_studio.algorithms.mce`) with respect to the reward."""
    T = int(horizon)
    policy_at = _policy_source(plan)
    d = np.zeros(mdp.n_states)
    D = np.zeros(mdp.n_states)
    for t in range(T + 1):
        poll_cancel(cancel, t)
        if t in inject:
            d = d + inject[t]
        D += d
        if t < T:
            d = discount * _push(mdp, policy_at(t) * d)
    return D


def visitation_by_time(plan: SoftPlan | HardPlan, mdp: GridMDP, horizon: int,
                       start: np.ndarray | None = None) -> np.ndarray:
    """(T + 1, S) array of P(s_t = s), t = 0 .. T (for tests and views; memory (T + 1) x S)."""
    d = _start(mdp, start).copy()
    out = np.zeros((horizon + 1, mdp.n_states))
    policy_at = _policy_source(plan)
    for t in range(horizon + 1):
        out[t] = d
        d = _push(mdp, policy_at(t) * d)
    return out


# --- the lecture's messages ---------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Messages:
    """Backward messages log beta_t(s) (T + 1, S), forward messages log alpha_t(s) (T + 1, S) and
    log Z = log p(O_{0:T}), for an episode of T steps.

    beta_t(s, a) = p(O_t..O_T | s_t, a_t) = exp(r(s)) E[beta_{t+1}(s')], beta_t(s) = sum_a beta_t(s, a) (a unit
    action prior); alpha_t(s) = p(s_t, O_1..O_{t-1}); mu_t(s, a) = alpha_t(s) beta_t(s, a) / Z.
    """

    plan: SoftPlan  # the optimistic soft plan: plan.V = log beta_t(s), plan.q_am(t) = log beta_t(a, s)
    log_alpha: np.ndarray
    log_z: float

    @property
    def log_beta(self) -> np.ndarray:
        return self.plan.V

    def state_marginals(self) -> np.ndarray:
        """(T + 1, S): p(s_t = s | O) (with goals, rows sum to the probability the episode still runs)."""
        return np.exp(self.log_alpha + self.log_beta - self.log_z)

    def state_action_marginal(self, t: int) -> np.ndarray:
        """mu_t(s, a) = alpha_t(s) beta_t(s, a) / Z, (S, A) (terminal states and t = T: split uniformly)."""
        return np.exp(self.log_alpha[t][:, None] + self.log_beta[t][:, None] + self.plan.log_policy(t) - self.log_z)


def forward_message(mdp: GridMDP, live_reward: np.ndarray, log_alpha: np.ndarray) -> np.ndarray:
    """One forward step, in log space: alpha_{t+1}(s') = sum_{s,a} P(s' | s, a) exp(r(s)) alpha_t(s).
    ``live_reward``: r with -inf on goals (nothing leaves a goal), see :func:`live_reward`."""
    src, logw = mdp.incoming_am
    return lse0(logw + np.take(live_reward + log_alpha, src))


def live_reward(mdp: GridMDP, reward: np.ndarray) -> np.ndarray:
    return np.where(mdp.terminal, -np.inf, reward)


def messages(mdp: GridMDP, reward: np.ndarray, horizon: int, start: np.ndarray | None = None) -> Messages:
    """The lecture's backward and forward messages for the trajectory model p(tau) ~ p(s_0) prod P exp(sum r).
    (The MaxEnt algorithm runs the same two passes without keeping every alpha_t; this full form is the reference
    the tests and the benchmark check.)"""
    plan = soft_value_iteration(mdp, reward, horizon=horizon, discount=1.0, optimistic=True)
    n_cells, S = plan.V.shape  # T + 1 rows: t = 0 .. T
    live = live_reward(mdp, plan.reward)
    log_alpha = np.empty((n_cells, S))
    with np.errstate(divide="ignore"):
        log_alpha[0] = np.log(_start(mdp, start))
    for t in range(n_cells - 1):
        log_alpha[t + 1] = forward_message(mdp, live, log_alpha[t])
    log_z = float(logsumexp(log_alpha[0] + plan.V[0]))
    if not np.isfinite(log_z):
        raise PlanningError("the partition function is not finite (reward too large, or no start state)")
    return Messages(plan, log_alpha, log_z)


def message_visitation(msg: Messages, weights: np.ndarray | None = None) -> np.ndarray:
    """D(s) = sum_t w_t sum_a mu_t(s, a) from the messages."""
    marg = msg.state_marginals()
    if weights is None:
        return marg.sum(axis=0)
    return weights @ marg

"""Metrics of a learned reward, each named for what it is.

* ``evd``, ``evd_normalized`` (the headline): expected value difference over *the layout's own episode* — T steps
  (the horizon), discounted by the layout's gamma, from the layout's start distribution: the true T-step value of the
  true-optimal time-indexed policy minus the true T-step value of the time-indexed policy optimal for the learned
  reward. This is the problem MaxEnt and MCE IRL model, so a reward that explains the demonstrations scores ~0.
* ``evd_infinite``, ``evd_infinite_normalized``: Levine, Popovic & Koltun 2011's EVD, discounted infinite horizon:
  ``E_{s0~p0}[V*_true(s0) - V^{pi_learned}_true(s0)]`` with ``pi_learned`` the stationary greedy policy of the learned
  reward (only for a discount below 1). A reward learned for T-step episodes can score worse here than on its own
  episode (beyond T it may, e.g., park on a cell instead of finishing), which is why both are shown.
* Normalized EVD: divided by the value gap between the true-optimal and the uniformly random policy of the same
  problem, so 0 is perfect and 1 is no better than acting at random (above 1: worse than random).
* Where several actions are optimal for the learned reward (a constant reward, say), the greedy policy picks among
  them uniformly: a reward that says nothing about a choice is not credited with "stay".
* ``pearson``, ``spearman``: correlation of learned and true reward over floor cells, only where it means something:
  when both take at least three distinct values (the correlation of two two-valued rewards is +-1 whatever their
  scale or offset, so it says nothing; the report then says so instead).

Policies are evaluated exactly: a sparse linear solve (I - gamma P_pi) V = r for the infinite horizon, T sparse
backups for the episode. :class:`Scorer` computes everything that depends on the true reward alone once (the optimal
and random baselines) and warm-starts the learned reward's policy iteration from the previous call, so scoring every
iteration of a run costs about one backward pass (``live``) or a few sparse solves more (``full``).
"""

from __future__ import annotations

import numpy as np

from irl_studio.core.demos import DemoArrays
from irl_studio.core.mdp import GridMDP
from irl_studio.core.planning import SoftPlan, expected_next_am
from irl_studio.core.evaluation import evaluate_policy, policy_iteration

_TIE = 1e-9  # relative tolerance of "equally good" actions


def _ties_uniform_am(q_am: np.ndarray) -> np.ndarray:
    """(A, S) policy uniform over the actions within _TIE of the best (action-major Q)."""
    best = q_am >= q_am.max(axis=0) - _TIE * max(1.0, float(np.max(np.abs(q_am))))
    return best / best.sum(axis=0)


def episode_values(mdp: GridMDP, true_reward: np.ndarray, plan_reward: np.ndarray | None, horizon: int,
                   discount: float) -> np.ndarray:
    """True T-step discounted value (per start state) of the time-indexed policy optimal for ``plan_reward``
    (ties: uniform), or of the uniformly random policy when ``plan_reward`` is None. One backward loop of T steps
    computes the plan and its true value together: no (T, S) array is kept."""
    r = np.asarray(true_reward, dtype=np.float64)
    term = mdp.terminal
    V_true = r.copy()
    if plan_reward is not None:
        rl = np.asarray(plan_reward, dtype=np.float64)
        V_plan = rl.copy()
    for _ in range(int(horizon)):
        q_true = r + discount * expected_next_am(mdp, V_true)
        if plan_reward is None:
            v = q_true.mean(axis=0)
        else:
            q_plan = rl + discount * expected_next_am(mdp, V_plan)
            V_plan = q_plan.max(axis=0)
            best = q_plan >= V_plan - _TIE * max(1.0, float(np.abs(V_plan).max()))  # ties: uniform among them
            v = np.where(best, q_true, 0.0).sum(axis=0) / best.sum(axis=0)
            V_plan[term] = rl[term]
        v[term] = r[term]
        V_true = v
    return V_true


class Scorer:
    """Scores learned rewards against one true reward on one MDP; the baselines are computed once, here."""

    def __init__(self, mdp: GridMDP, true_reward: np.ndarray) -> None:
        self.mdp = mdp
        self.true = np.asarray(true_reward, dtype=np.float64)
        self.T, self.gamma = int(mdp.horizon), float(mdp.discount)
        p0 = mdp.start
        self.episode_optimal = float(p0 @ episode_values(mdp, self.true, self.true, self.T, self.gamma))
        self.episode_random = float(p0 @ episode_values(mdp, self.true, None, self.T, self.gamma))
        self.infinite = self.gamma < 1.0
        self._warm: np.ndarray | None = None  # the last learned greedy policy (warm start of policy iteration)
        if self.infinite:
            opt = policy_iteration(mdp, self.true, self.gamma)
            self.infinite_optimal = float(p0 @ opt.V)
            uniform = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)
            self.infinite_random = float(p0 @ evaluate_policy(mdp, self.true, uniform, self.gamma))
        self._true_multi = _distinct(self.true) >= 3

    @staticmethod
    def _norm(gap: float, scale: float) -> float:
        return gap / scale if scale > 1e-12 else 0.0

    def episode(self, learned: np.ndarray) -> dict[str, float]:
        v = float(self.mdp.start @ episode_values(self.mdp, self.true, learned, self.T, self.gamma))
        gap = self.episode_optimal - v
        return {"evd": gap, "evd_normalized": self._norm(gap, self.episode_optimal - self.episode_random),
                "value_optimal": self.episode_optimal, "value_learned": v, "value_random": self.episode_random}

    def infinite_horizon(self, learned: np.ndarray) -> dict[str, float]:
        """Levine et al.'s EVD (empty when the discount is 1)."""
        if not self.infinite:
            return {}
        mdp = self.mdp
        plan = policy_iteration(mdp, learned, self.gamma, init=self._warm)
        self._warm = plan.greedy
        q = learned + self.gamma * expected_next_am(mdp, plan.V)
        q[:, mdp.terminal] = np.asarray(learned)[mdp.terminal]
        v = float(mdp.start @ evaluate_policy(mdp, self.true, _ties_uniform_am(q).T, self.gamma))
        gap = self.infinite_optimal - v
        return {"evd_infinite": gap,
                "evd_infinite_normalized": self._norm(gap, self.infinite_optimal - self.infinite_random),
                "value_optimal_infinite": self.infinite_optimal, "value_learned_infinite": v,
                "value_random_infinite": self.infinite_random}

    def correlations(self, learned: np.ndarray) -> dict[str, float]:
        """Pearson and Spearman, only when both rewards take at least three distinct values (see the module)."""
        if not (self._true_multi and _distinct(learned) >= 3):
            return {}
        return {"pearson": pearson(learned, self.true), "spearman": spearman(learned, self.true)}

    def correlation_note(self, learned: np.ndarray) -> str | None:
        """Why no correlation is reported, or None when it is."""
        if not self._true_multi:
            return "no correlation: the true reward takes fewer than 3 values (it would be +-1 whatever was learned)"
        if _distinct(learned) < 3:
            return "no correlation: the learned reward takes fewer than 3 values (it would be +-1 or 0)"
        return None

    def live(self, learned: np.ndarray) -> dict[str, float]:
        """The cheap scores for every iteration of a run: the episode EVD (one backward loop) and correlations."""
        return {**self.episode(learned), **self.correlations(learned)}

    def full(self, learned: np.ndarray) -> dict[str, float]:
        """Everything: the live scores and Levine et al.'s infinite-horizon EVD (policy iteration, sparse solves)."""
        return {**self.live(learned), **self.infinite_horizon(learned)}


def _distinct(x: np.ndarray) -> int:
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return 0
    scale = max(float(np.max(np.abs(x))), 1e-300)
    return int(np.unique(np.round(x / scale, 9)).size)


def evd(mdp: GridMDP, true_reward: np.ndarray, learned_reward: np.ndarray,
        scorer: Scorer | None = None) -> dict[str, float]:
    """Both EVDs of ``learned_reward`` (per state): the episode's (``evd``, the headline) and, for a discount below 1,
    the infinite-horizon one (``evd_infinite``). ``scorer``: reuse its baselines for many rewards."""
    sc = Scorer(mdp, true_reward) if scorer is None else scorer
    return {**sc.episode(learned_reward), **sc.infinite_horizon(learned_reward)}


def _rank(x: np.ndarray) -> np.ndarray:
    """Ranks from 0, ties given their average rank (vectorized: a sort and a pass over the runs of equal values)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])  # first index of each run of equal values
    ends = np.r_[starts[1:], len(x)]
    ranks = np.empty(len(x))
    ranks[order] = np.repeat((starts + ends - 1) / 2.0, ends - starts)
    return ranks


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a - a.mean(), b - b.mean()
    a, b = a / max(float(np.max(np.abs(a))), 1e-300), b / max(float(np.max(np.abs(b))), 1e-300)  # no overflow
    den = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / den) if den > 1e-300 else 0.0


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    return pearson(_rank(np.asarray(a, float)), _rank(np.asarray(b, float)))


def reward_metrics(mdp: GridMDP, true_reward: np.ndarray, learned_reward: np.ndarray,
                   scorer: Scorer | None = None) -> dict[str, float]:
    """Both EVDs and, where they mean something, the correlations."""
    sc = Scorer(mdp, true_reward) if scorer is None else scorer
    return sc.full(learned_reward)


def demo_log_likelihood(plan: SoftPlan, arrays: DemoArrays, entry: np.ndarray | None = None,
                        discount: float = 1.0) -> float:
    """Average over demonstrations of sum_k discount^k log pi_{t0+k}(a_k | s_k): the causal log-likelihood of the
    demonstrated actions (<= 0). ``entry``: the time t0 at which each demonstration enters a time-indexed plan
    (default 0); a stationary plan uses its one policy."""
    return demo_log_likelihoods(plan, arrays, entry, (discount,))[0]


def demo_log_likelihoods(plan: SoftPlan, arrays: DemoArrays, entry: np.ndarray | None = None,
                         discounts: tuple[float, ...] = (1.0,)) -> tuple[float, ...]:
    """:func:`demo_log_likelihood` for several discounts at once (one gather of the policy)."""
    i, k = np.nonzero(arrays.actions >= 0)  # every demonstrated decision: demonstration i, its step k
    s, a = arrays.states[i, k], arrays.actions[i, k]
    if plan.finite:
        t0 = np.zeros(arrays.n, dtype=np.int64) if entry is None else np.asarray(entry, dtype=np.int64)
        t = t0[i] + k
        if plan.log_pi_cache is not None:
            logp = plan.log_pi_cache[t, a, s]
        else:
            logp = np.empty(len(t))
            for tt in np.unique(t):
                sel = t == tt
                logp[sel] = plan.log_policy_am(int(tt))[a[sel], s[sel]]
    else:
        logp = plan.log_policy_am(0)[a, s]
    n = max(arrays.n, 1)
    return tuple(float((g ** k) @ logp) / n if g != 1.0 else float(logp.sum()) / n for g in discounts)


def feature_gap(expert_counts: np.ndarray, learner_counts: np.ndarray) -> dict[str, float]:
    d = np.asarray(expert_counts) - np.asarray(learner_counts)
    return {"feature_gap_inf": float(np.max(np.abs(d))) if d.size else 0.0, "feature_gap_l2": float(np.linalg.norm(d))}

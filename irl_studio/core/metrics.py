"""Metrics of a learned reward.

* EVD, expected value difference (Levine, Popovic & Koltun 2011): ``E_{s0~p0}[V*_true(s0) - V^{pi_learned}_true(s0)]``,
  where ``pi_learned`` is optimal (greedy) for the learned reward and both values are under the true reward and the
  true dynamics. Discounted with the layout's discount (exact sparse solve); with discount 1, over the horizon.
  Where several actions are optimal for the learned reward (a constant reward, say), the discounted greedy policy
  picks among them uniformly: a reward that says nothing about a choice is not credited with "stay".
* normalized EVD: EVD divided by the value gap between the true-optimal and the uniformly random policy, so 0 is
  perfect and 1 is no better than acting at random (above 1: worse than random, which a wrong reward can be).
* Pearson and Spearman correlation of learned and true reward over floor cells.
* log-likelihood of demonstrations under a (time-indexed) policy; feature-expectation gap.
"""

from __future__ import annotations

import numpy as np

from irl_studio.core.demos import DemoArrays
from irl_studio.core.mdp import GridMDP
from irl_studio.core.planning import HardPlan, SoftPlan, evaluate_policy, expected_next_am, hard_value_iteration


def _greedy_plan(mdp: GridMDP, reward: np.ndarray) -> HardPlan:
    horizon = mdp.horizon if mdp.discount >= 1 else None
    return hard_value_iteration(mdp, reward, mdp.discount, horizon=horizon)


def _true_value(mdp: GridMDP, true_reward: np.ndarray, plan: HardPlan) -> np.ndarray:
    """Value under ``true_reward`` of the greedy policy of ``plan``: stationary (discounted), or time-indexed over the
    horizon (discount 1)."""
    if plan.greedy_t is None:
        Q = plan.Q
        best = Q >= Q.max(axis=1, keepdims=True) - 1e-9 * max(1.0, float(np.max(np.abs(Q))))
        return evaluate_policy(mdp, true_reward, best / best.sum(axis=1, keepdims=True))
    r = np.asarray(true_reward, dtype=np.float64)
    V = r.copy()
    cols = np.arange(mdp.n_states)
    for t in range(len(plan.greedy_t) - 2, -1, -1):
        V = r + expected_next_am(mdp, V)[plan.greedy_t[t], cols]
        V[mdp.terminal] = r[mdp.terminal]
    return V


def evd_baseline(mdp: GridMDP, true_reward: np.ndarray) -> tuple[float, float]:
    """The values EVD compares with, which depend on the true reward only: (true-optimal, uniformly random)."""
    p0 = mdp.start
    v_opt = float(p0 @ _true_value(mdp, true_reward, _greedy_plan(mdp, true_reward)))
    uniform = np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)
    v_random = float(p0 @ evaluate_policy(mdp, true_reward, uniform))
    return v_opt, v_random


def evd(mdp: GridMDP, true_reward: np.ndarray, learned_reward: np.ndarray,
        baseline: tuple[float, float] | None = None) -> dict[str, float]:
    """EVD and normalized EVD of ``learned_reward`` (both per state). ``baseline``: :func:`evd_baseline`'s result,
    to skip recomputing it when many rewards are scored against one true reward (every iteration of a run)."""
    v_opt, v_random = evd_baseline(mdp, true_reward) if baseline is None else baseline
    v_learned = float(mdp.start @ _true_value(mdp, true_reward, _greedy_plan(mdp, learned_reward)))
    gap = v_opt - v_learned
    scale = v_opt - v_random
    return {"evd": gap, "evd_normalized": gap / scale if scale > 1e-12 else 0.0,
            "value_optimal": v_opt, "value_learned": v_learned, "value_random": v_random}


def _rank(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(len(x))
    # average ranks of ties
    xs = x[order]
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or xs[i] != xs[start]:
            ranks[order[start:i]] = (start + i - 1) / 2.0
            start = i
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
                   baseline: tuple[float, float] | None = None) -> dict[str, float]:
    out = evd(mdp, true_reward, learned_reward, baseline)
    out["pearson"] = pearson(learned_reward, true_reward)
    out["spearman"] = spearman(learned_reward, true_reward)
    return out


def demo_log_likelihood(plan: SoftPlan, arrays: DemoArrays) -> float:
    """Average over demonstrations of sum_t log pi_t(a_t | s_t) (the causal log-likelihood)."""
    total = 0.0
    T = arrays.actions.shape[1]
    for t in range(T):
        mask = arrays.actions[:, t] >= 0
        if not mask.any():
            continue
        logpi = plan.log_policy(t if plan.finite else 0)
        total += float(logpi[arrays.states[mask, t], arrays.actions[mask, t]].sum())
    return total / max(arrays.n, 1)


def feature_gap(expert_counts: np.ndarray, learner_counts: np.ndarray) -> dict[str, float]:
    d = np.asarray(expert_counts) - np.asarray(learner_counts)
    return {"feature_gap_inf": float(np.max(np.abs(d))) if d.size else 0.0, "feature_gap_l2": float(np.linalg.norm(d))}

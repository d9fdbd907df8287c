"""What scoring a learned reward costs, against the fit it scores (issue 11: scoring took 90 % of `learn`).

The issue's case: a 32 x 32 slippery grid (slip 0.2), discount 0.99, 200 demonstrations sampled from the optimal
expert of a random per-cell reward, MCE IRL with one-hot features. Measured in one process:

* the fit itself (`learn`'s loop, scoring excluded);
* the Scorer's baselines (true-optimal and random values, episode and infinite horizon), made once per run;
* one live score (the episode EVD and the correlations: what the app computes every iteration);
* one full score (the live one plus Levine et al.'s infinite-horizon EVD by warm-started policy iteration);
* for reference, what scoring cost before: hard value iteration to convergence (tol 1e-10) at gamma 0.99 for the
  learned reward, which the old code ran at every iteration.

    nice -n 10 python scripts/bench_scoring.py [--no-write]

Writes the `scoring` block of docs/benchmarks.md. The machine is shared: timings vary.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from irl_studio.algorithms.base import Problem  # noqa: E402
from irl_studio.algorithms.linear import LinearConfig  # noqa: E402
from irl_studio.algorithms.mce import MCEIRL  # noqa: E402
from irl_studio.core.demos import expert_demos  # noqa: E402
from irl_studio.core.layout import Layout  # noqa: E402
from irl_studio.core.mdp import build_mdp  # noqa: E402
from irl_studio.core.metrics import Scorer  # noqa: E402
from irl_studio.core.planning import hard_value_iteration  # noqa: E402


def best(fn, n: int = 3) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    lay = Layout.empty(34, 34, name="open 32x32")
    lay.slip, lay.discount = 0.2, 0.99
    lay.true_reward = np.where(lay.floor_mask, np.random.default_rng(0).normal(size=lay.shape), np.nan)
    mdp = build_mdp(lay)
    true = lay.true_reward[mdp.cells[:, 0], mdp.cells[:, 1]]
    pb = Problem.from_layout(lay, expert_demos(mdp, true, 200, "optimal", seed=1), "state")
    algo = MCEIRL(pb, LinearConfig(eval_every=0))
    snap = algo.run()
    fit = snap.metrics["seconds"]
    learned = np.array(snap.reward)
    t_base = best(lambda: Scorer(mdp, true))
    sc = Scorer(mdp, true)
    t_live = best(lambda: sc.live(learned))
    t_full_cold = best(lambda: Scorer(mdp, true).infinite_horizon(learned), 1) - t_base
    sc.full(learned)
    t_full = best(lambda: sc.full(learned))
    t_old = best(lambda: hard_value_iteration(mdp, learned, 0.99), 1)
    it = snap.iteration
    lines = [
        f"32 x 32, slip 0.2, discount 0.99, horizon {mdp.horizon} steps, 200 sampled demonstrations, MCE IRL with "
        f"one-hot features: {it} iterations, {snap.status}.",
        "",
        "| what | seconds |",
        "|---|---:|",
        f"| the fit ({it} iterations, scoring excluded) | {fit:.2f} |",
        f"| the Scorer's baselines (once per run) | {t_base:.3f} |",
        f"| one live score (episode EVD + correlations; the app: every `eval_every` = 5 iterations by default) | {t_live:.4f} |",
        f"| one full score, warm start (+ infinite-horizon EVD by policy iteration) | {t_full:.4f} |",
        f"| one full score, cold start | {t_full_cold:.3f} |",
        f"| before: hard value iteration to convergence at gamma 0.99 (once per iteration) | {t_old:.3f} |",
        "",
        f"`irl-studio learn` scores once, at the end: baselines + one full score = {t_base + t_full_cold:.2f} s "
        f"against a {fit:.2f} s fit; scoring live at every iteration would add {it * t_live:.2f} s. Before, "
        f"{it} iterations of hard value iteration alone would have taken about {it * t_old:.1f} s. "
        f"`python scripts/bench_scoring.py`; the machine was shared.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        from bench_imitation import write_block

        write_block("scoring", table)


if __name__ == "__main__":
    main()

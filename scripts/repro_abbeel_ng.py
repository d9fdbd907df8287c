"""Abbeel & Ng 2004, Fig. 3: distance to the expert's feature expectations per iteration, max-margin vs projection,
on the 128 x 128 gridworld with 64 macrocells (the built-in ``abbeel-ng-128``: 4 actions, 30% slip, gamma = 0.99,
sparse true weights, ``macrocell`` features).

Feature expectations are the paper's: mu = (1 - gamma) E[sum_t gamma^t phi(s_t)], exact infinite-horizon occupancy
(``occupancy=exact``), start uniform over the grid; the expert's mu_E is that of the optimal policy of the true
reward, computed exactly. Several random first policies (seeds), averaged.

Counting as the paper does: iteration 0 is the random first policy, iteration i the i-th policy the algorithm
plans after it. ``--iterations 30`` therefore runs 31 steps (31 planner calls: the random policy's evaluation and 30
value iterations), so the table reaches the paper's iteration 30.

    flock /tmp/irl-heavy.lock python scripts/repro_abbeel_ng.py [--seeds 8] [--iterations 30]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from irl_studio.algorithms.apprenticeship import ApprenticeshipConfig  # noqa: E402
from irl_studio.algorithms.base import Problem  # noqa: E402
from irl_studio.algorithms.maxmargin import MaxMarginIRL  # noqa: E402
from irl_studio.algorithms.projection import ProjectionIRL  # noqa: E402
from irl_studio.core.builtin import builtin_demos, builtin_layout  # noqa: E402
from irl_studio.core.planning import hard_value_iteration  # noqa: E402
from repro_plot import line_plot, write_block  # noqa: E402

PAPER = {"maxmargin": {5: 0.024, 10: 0.0095, 30: 0.002}, "projection": {5: 0.020, 10: 0.0077, 30: 0.0017}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--iterations", type=int, default=30, help="the paper's iterations after the random policy")
    args = ap.parse_args()
    import torch  # noqa: F401  (imported by the registry anyway; keep thread counts low)
    torch.set_num_threads(1)

    layout = builtin_layout("abbeel-ng-128")
    pb = Problem.from_layout(layout, builtin_demos("abbeel-ng-128"), "macrocell")
    steps = args.iterations + 1  # step 1 evaluates the random first policy (the paper's iteration 0)
    cfg = ApprenticeshipConfig(occupancy="exact", start="layout", max_iterations=steps, epsilon=0.0,
                               eval_every=10 ** 6)
    probe = MaxMarginIRL(pb, cfg)
    plan = hard_value_iteration(pb.mdp, pb.true_reward, pb.mdp.discount, tol=1e-10)
    mu_E = pb.features.counts(probe.visitation(plan))
    print(f"mu_E sums to {mu_E.sum():.6f}; {pb.mdp.n_states} states, {pb.features.n_features} features")

    curves: dict[str, np.ndarray] = {}
    times: dict[str, list[float]] = {}
    evds: dict[str, list[float]] = {}
    for cls in (MaxMarginIRL, ProjectionIRL):
        runs, times[cls.name], evds[cls.name] = [], [], []
        for seed in range(args.seeds):
            t0 = time.process_time()
            algo = cls(pb, cfg, seed=seed, mu_expert=mu_E)
            d = [s.metrics["distance"] for s in algo]
            times[cls.name].append(time.process_time() - t0)
            evds[cls.name].append(algo.last.metrics["evd_infinite_normalized"])  # the paper: infinite horizon
            d += [d[-1]] * (steps - len(d))  # converged early: the distance stays
            runs.append(d)
            print(f"{cls.name} seed {seed}: {' '.join(f'{x:.4f}' for x in d[:10])} ... {d[-1]:.5f} "
                  f"({times[cls.name][-1]:.1f} s CPU)", flush=True)
        curves[cls.name] = np.mean(runs, axis=0)

    # curves[name][i] is the distance after step i + 1, i.e. after the paper's iteration i (i = 0: the random policy)
    its = np.arange(1, args.iterations + 1)
    rows = ["| iteration | max-margin (ours) | max-margin (paper) | projection (ours) | projection (paper) |",
            "|---:|---:|---:|---:|---:|"]
    for i in (1, 2, 3, 5, 10, 15, 20, 25, 30):
        if i > args.iterations:
            continue
        pm, pp = PAPER["maxmargin"].get(i), PAPER["projection"].get(i)
        rows.append(f"| {i} | {curves['maxmargin'][i]:.4f} | {pm if pm else ''} | {curves['projection'][i]:.4f} | "
                    f"{pp if pp else ''} |")
    rows.append("")
    rows.append(f"Mean of {args.seeds} runs (random first policies, seeds 0..{args.seeds - 1}); "
                f"{steps} planner calls each (the random first policy and {args.iterations} iterations).")
    for name in curves:
        rows.append(f"- {name}: {np.mean(times[name]):.1f} s CPU per run ({args.iterations} value iterations on "
                    f"{pb.mdp.n_states} states, exact occupancies, QPs), normalized EVD of the reported reward "
                    f"{np.mean(evds[name]):.4f} (mean).")
    table = "\n".join(rows)
    print(table)
    line_plot(ROOT / "docs" / "results" / "abbeel_ng_distance.png",
              [("max-margin (ours)", list(its), list(curves["maxmargin"][1:]), False),
               ("projection (ours)", list(its), list(curves["projection"][1:]), False),
               ("max-margin (paper, read off)", list(PAPER["maxmargin"]), list(PAPER["maxmargin"].values()), True),
               ("projection (paper, read off)", list(PAPER["projection"]), list(PAPER["projection"].values()), True)],
              "Abbeel & Ng 2004 Fig. 3: 128x128 gridworld, 64 macrocells", "iteration",
              "||mu_E - mu|| ((1-gamma)-scaled)", logy=True)
    write_block("abbeel-ng", table + "\n\n![distance per iteration](results/abbeel_ng_distance.png)")


if __name__ == "__main__":
    main()

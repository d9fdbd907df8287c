"""Objectworld (Levine, Popovic & Koltun 2011; Wulfmeier et al. 2016, Fig. 5): EVD vs number of demonstrations for
linear MaxEnt, linear MCE and Deep MaxEnt, with continuous (``objectworld``) and discrete (``objectworld-discrete``)
features.

32 x 32, C = 2 colours, slip 0.3, gamma 0.9; each seed regenerates the world (scripts/make_assets.py's
``objectworld(seed=...)``) and draws N 8-step demonstrations from the soft-optimal expert (the *stationary* discounted
soft policy, Levine et al.'s expert; 8 steps, 9 cells). EVD is irl_studio.core.metrics.evd_infinite: discounted (gamma = 0.9), averaged over a
uniform start, in the units of the world's true reward (+5 / -10 / 0): the infinite-horizon EVD of Levine et al.
(``evd_infinite``), the greedy policy of the learned reward.

Every algorithm runs with its default configuration (no tuning per N), and Deep MaxEnt runs twice: with its default
learner model (``mce``: the time-indexed soft policy over the 8-step horizon) and with ``model="stationary"`` (the
stationary discounted soft policy, the model the demonstrations were drawn from; see deep_maxent.py). The floor row
is the EVD of the best reward each feature set can express (the true reward averaged over the cells that share a
feature vector): no learner can go below it.

    flock /tmp/irl-heavy.lock python scripts/repro_objectworld.py [--seeds 5]
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

from irl_studio.algorithms import ALGORITHMS  # noqa: E402
from irl_studio.algorithms.base import Problem  # noqa: E402
from irl_studio.core.demos import expert_demos, layout_true_reward  # noqa: E402
from irl_studio.core.features import make_features  # noqa: E402
from irl_studio.core.metrics import evd as evd_of  # noqa: E402
from irl_studio.core.mdp import build_mdp  # noqa: E402
from make_assets import objectworld  # noqa: E402
from repro_plot import line_plot, write_block  # noqa: E402

NS = (4, 8, 16, 32, 64, 128)
# (column label, algorithm, configuration overrides)
VARIANTS = (("maxent", "maxent", {}), ("mce", "mce", {}), ("deep-maxent", "deep-maxent", {}),
            ("deep-maxent stationary", "deep-maxent", {"model": "stationary"}))
ALGOS = tuple(v[0] for v in VARIANTS)
FEATURES = ("objectworld", "objectworld-discrete")
# Wulfmeier et al. 2016, Fig. 5 (discrete features, training world), read off the plot: (MaxEnt, DeepIRL)
PAPER = {4: (17.9, 18.8), 8: (16.1, 8.5), 16: (15.6, 2.7), 32: (15.9, 1.7), 64: (14.3, 0.3), 128: (14.8, 0.1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    evd = {(a, f, n): [] for a in ALGOS for f in FEATURES for n in NS}
    nevd = {k: [] for k in evd}
    secs = {k: [] for k in evd}
    converged = {a: [] for a in ALGOS}
    floor = {f: [] for f in FEATURES}
    t_start = time.process_time()
    for seed in range(args.seeds):
        layout = objectworld(seed=100 + seed)
        mdp = build_mdp(layout)
        true = layout_true_reward(mdp, layout.true_reward)
        for feats in FEATURES:  # the best reward the features can express: true reward averaged per feature vector
            _, group = np.unique(make_features(feats, layout, mdp).dense(), axis=0, return_inverse=True)
            group = group.ravel()
            best = (np.bincount(group, weights=true) / np.bincount(group))[group]
            floor[feats].append(evd_of(mdp, true, best)["evd_infinite"])
        for n in NS:
            demos = expert_demos(mdp, true, n, "soft", seed=1000 * seed + n, horizon=8)
            for feats in FEATURES:
                pb = Problem.from_layout(layout, demos, feats)
                for name, algo_name, overrides in VARIANTS:
                    cls = ALGORITHMS[algo_name]
                    algo = cls(pb, cls.Config(eval_every=0, **overrides), seed=seed)  # scored at the end
                    t0 = time.perf_counter()
                    snap = algo.run()
                    key = (name, feats, n)
                    secs[key].append(snap.elapsed)  # fit time (the EVD evaluations are not counted)
                    converged[name].append(snap.status == "converged")
                    evd[key].append(snap.metrics["evd_infinite"])
                    nevd[key].append(snap.metrics["evd_infinite_normalized"])
                    print(f"seed {seed} N {n:3d} {feats:21s} {name:22s} EVD {snap.metrics['evd_infinite']:6.2f} "
                          f"(normalized {snap.metrics['evd_infinite_normalized']:.3f}) {snap.iteration:3d} it "
                          f"{snap.status} "
                          f"{time.perf_counter() - t0:5.2f} s", flush=True)

    m = {k: float(np.mean(v)) for k, v in evd.items()}
    sd = {k: float(np.std(v)) for k, v in evd.items()}
    mn = {k: float(np.mean(v)) for k, v in nevd.items()}
    cpu = time.process_time() - t_start
    lines = [f"EVD (mean ± std over {args.seeds} worlds; normalized EVD in brackets); default configurations, "
             "and Deep MaxEnt also with `model=\"stationary\"`.", "",
             "| N | paper MaxEnt | paper DeepIRL | " + " | ".join(f"{a} ({'cont.' if f == 'objectworld' else 'disc.'})"
                                                     for f in FEATURES for a in ALGOS) + " |",
             "|---:|---:|---:|" + "---:|" * (len(ALGOS) * len(FEATURES))]
    for n in NS:
        cells = [f"{m[(a, f, n)]:.2f} ± {sd[(a, f, n)]:.2f} ({mn[(a, f, n)]:.3f})" for f in FEATURES for a in ALGOS]
        lines.append(f"| {n} | {PAPER[n][0]} | {PAPER[n][1]} | " + " | ".join(cells) + " |")
    lines.append("| floor | | | " + " | ".join(f"{np.mean(floor[f]):.2f} ± {np.std(floor[f]):.2f}" for f in FEATURES
                                              for _ in ALGOS) + " |")
    lines += ["", "Fit time in seconds (median over seeds and N; one fit = the whole run to convergence or the "
              "iteration limit, the final EVD evaluation excluded):", ""]
    lines.append("| features | " + " | ".join(ALGOS) + " |")
    lines.append("|---|" + "---:|" * len(ALGOS))
    for f in FEATURES:
        lines.append(f"| {f} | " + " | ".join(
            f"{np.median([s for n in NS for s in secs[(a, f, n)]]):.2f}" for a in ALGOS) + " |")
    lines += ["", "Runs that ended `converged` (the others at their iteration limit): "
              + ", ".join(f"{a} {sum(converged[a])}/{len(converged[a])}" for a in ALGOS) + "."]
    lines += ["", f"Whole script: {cpu / 60:.1f} min CPU."]
    table = "\n".join(lines)
    print(table)
    series = []
    for f in FEATURES:
        for a in ALGOS:
            series.append((f"{a}, {'continuous' if f == 'objectworld' else 'discrete'}", list(NS),
                           [m[(a, f, n)] for n in NS], False))
    series.append(("paper MaxEnt (discrete)", list(NS), [PAPER[n][0] for n in NS], True))
    series.append(("paper DeepIRL (discrete)", list(NS), [PAPER[n][1] for n in NS], True))
    line_plot(ROOT / "docs" / "results" / "objectworld_evd.png", series,
              "Objectworld 32x32: EVD vs number of demonstrations", "N demonstrations", "EVD", logx=True)
    write_block("objectworld", table + "\n\n![EVD vs N](results/objectworld_evd.png)")


if __name__ == "__main__":
    main()

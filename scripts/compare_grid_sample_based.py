"""GCL, GAIL and AIRL from samples against MaxEnt and MCE (which see the dynamics) on the built-in layouts, and under
a changed wall (issue 9; the lesson of the lecture's last slides: AIRL's state-only reward transfers, GAIL's
signal does not).

For every built-in layout small enough for one-hot sampling (four-rooms, maze, cliff, open-field, terrain): its
own demonstrations (``assets/demos``), ``--features terrain`` (terrain classes and the goal: on layouts without
terrain, "floor" and "goal", which express their true reward exactly and mean the same on a changed layout), every
algorithm at its defaults (``irl-studio learn L --demos builtin --algo A``), one seed per run. Scored by Levine et
al.'s normalized EVD (discounted, infinite horizon; 0: optimal, 1: the uniformly random policy), exact, on the
layout learned on and on a **changed layout**: one cell the demonstrations pass through becomes a wall (of those
that leave the goal reachable, the one that costs the true optimal policy most: a doorway or corridor, a detour),
and the learned per-cell reward is planned on it unchanged.

    nice -n 10 python scripts/compare_grid_sample_based.py [--seeds 0,1] [--layouts four-rooms,terrain] [--no-write]

Writes the `grid-sample` block of docs/results.md.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from irl_studio.algorithms import Problem, get_algorithm  # noqa: E402
from irl_studio.core.builtin import builtin_demos, builtin_layout  # noqa: E402
from irl_studio.core.demos import empirical_visitation, to_arrays  # noqa: E402
from irl_studio.core.layout_tools import goal_reachable  # noqa: E402
from irl_studio.core.mdp import build_mdp  # noqa: E402
from irl_studio.core.metrics import Scorer  # noqa: E402

LAYOUTS = ("four-rooms", "maze", "cliff", "open-field", "terrain")
ALGOS = ("maxent", "mce", "airl", "gcl", "gail")
SEES = {"maxent": "dynamics", "mce": "dynamics", "airl": "samples", "gcl": "samples", "gail": "samples"}


def changed_layout(layout, demos):
    """The layout with one cell the demonstrations pass through walled off: of those whose loss keeps the goal
    reachable, the one that costs the true optimal policy most (a doorway or a corridor: a detour, not a nudge)."""
    mdp = build_mdp(layout)
    vis = empirical_visitation(to_arrays(mdp, demos, mdp.horizon), mdp.n_states)
    best, best_v = (None, None), np.inf
    for s in np.flatnonzero(vis > 0):
        r, c = mdp.cells[s]
        if layout.grid[r, c] not in (".", *"abcdefghij"):
            continue
        new = layout.copy()
        new.grid[r, c] = "#"
        if new.true_reward is not None:
            new.true_reward[r, c] = np.nan
        if not goal_reachable(new):
            continue
        m2 = build_mdp(new)
        v = Scorer(m2, m2.state_values(np.asarray(new.true_reward, dtype=np.float64))).infinite_optimal
        if v < best_v:
            best, best_v = (new, (int(r), int(c))), v
    return best


def evd_on(layout, reward_grid) -> float:
    mdp = build_mdp(layout)
    true = mdp.state_values(np.asarray(layout.true_reward, dtype=np.float64))
    learned = mdp.state_values(reward_grid)
    return Scorer(mdp, true).infinite_horizon(learned)["evd_infinite_normalized"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--algos", default=",".join(ALGOS))
    ap.add_argument("--features", default="terrain", help="terrain (the class of each cell and the goal: a reward "
                    "that can transfer to a changed layout) or state (one-hot per cell)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for name in args.layouts.split(","):
        lay, demos = builtin_layout(name), builtin_demos(name)
        feats = args.features
        new, cell = changed_layout(lay, demos)
        for algo in args.algos.split(","):
            e, e2, secs = [], [], []
            for seed in seeds:
                cls = get_algorithm(algo)
                a = cls(Problem.from_layout(lay, demos, feats), None, seed=seed)
                t0 = time.perf_counter()
                snap = a.run()
                secs.append(time.perf_counter() - t0)
                e.append(snap.metrics["evd_infinite_normalized"])
                e2.append(evd_on(new, snap.reward_grid) if new is not None else float("nan"))
                print(f"{name:10s} {algo:6s} seed {seed}: EVD {e[-1]:.3f}, changed wall {e2[-1]:.3f}, "
                      f"{secs[-1]:.1f} s, {snap.iteration} iterations", flush=True)
            rows.append((name, feats, len(demos), cell, algo, e, e2, secs))
    lines = ["| layout (features, demonstrations) | algorithm | sees | EVD | EVD, changed wall | seconds |",
             "|---|---|---|---|---|---|"]
    fmt = lambda xs: " / ".join(f"{x:.3f}" for x in xs)  # noqa: E731
    for name, feats, nd, cell, algo, e, e2, secs in rows:
        lines.append(f"| {name} ({feats}, {nd}) | {algo} | {SEES[algo]} | {fmt(e)} | {fmt(e2)} | "
                     f"{np.mean(secs):.1f} |")
    cells = {r[0]: r[3] for r in rows}
    lines += ["", "Changed wall: the cell (row, col) walled off: "
              + ", ".join(f"{k} {v}" for k, v in cells.items()) + f". Seeds: {args.seeds} (one value per seed). "
              "One core of a shared 2-core x86_64 machine; `nice -n 10 python scripts/compare_grid_sample_based.py"
              f" --seeds {args.seeds}`."]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        path = ROOT / "docs" / "results.md"
        text = path.read_text(encoding="utf-8")
        block = f"<!-- grid-sample:start -->\n{table}\n<!-- grid-sample:end -->"
        if "<!-- grid-sample:start -->" in text:
            text = re.sub(r"<!-- grid-sample:start -->.*<!-- grid-sample:end -->", lambda _: block, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + SECTION + block + "\n"
        path.write_text(text, encoding="utf-8")
    return 0


SECTION = """## GCL, GAIL and AIRL on gridworlds from samples (`python scripts/compare_grid_sample_based.py`)

The sample-based algorithms learn from sampled transitions only (`irl_studio/algorithms/grid_sample.py`: a
categorical policy trained by PPO, the reward linear in the features, an absorbing state after goals); MaxEnt and MCE
see the transition model. EVD is Levine et al.'s normalized, discounted, infinite-horizon one (0 optimal, 1 random),
on the layout learned on and after a wall is added on the demonstrations' path (where it forces the longest detour),
the learned reward planned on unchanged.
"""

if __name__ == "__main__":
    sys.exit(main())

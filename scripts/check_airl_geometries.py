"""AIRL's defaults on mazes of other geometry than the built-in pair: learn on a training maze, re-optimize the
learned g with the exact planner on its shifted counterpart, report true return / optimum at a few iterations.

The pairs (train -> transfer): a vertical wall whose gap moves from the top to the bottom; two walls (a zigzag,
horizon 150) whose gaps swap sides; one wall with the start and the goal off-centre in a 1 x 1 plane (horizon
120); a diagonal wall whose gap moves from the lower right to the upper left. 10 expert demonstrations (the exact
planner) per seed; the acceptance criterion is ratio <= 1.25 with the goal reached (marked *).

Usage: python scripts/check_airl_geometries.py [--seeds 0,1] [--mazes vertical,zigzag,offset,diagonal]
       [--checks 50,100,150] [--PARAM VALUE ...]   (AIRL config overrides, e.g. --max-iterations 200)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402

from irl_studio.algorithms.airl import AIRLConfig, AIRL  # noqa: E402
from irl_studio.algorithms.base import config_from_mapping  # noqa: E402
from irl_studio.continuous.demos import expert_demos  # noqa: E402
from irl_studio.continuous.plane import plane_from_dict  # noqa: E402
from irl_studio.continuous.planner import transfer_plan  # noqa: E402


def P(name, bounds, walls, start, goal, horizon=100):
    return plane_from_dict({"format": "irl-studio.plane", "version": 1, "name": name, "bounds": bounds,
                            "walls": walls, "start": start, "goal": goal, "horizon": horizon})


B = [[-0.1, 0.6], [-0.1, 0.6]]
U = [[0.0, 1.0], [0.0, 1.0]]
PAIRS = {
    "vertical": (P("v-train", B, [[0.25, -0.1, 0.25, 0.4]], [0.0, 0.25], [0.5, 0.25]),
                 P("v-test", B, [[0.25, 0.1, 0.25, 0.6]], [0.0, 0.25], [0.5, 0.25])),
    "zigzag": (P("z-train", U, [[0.0, 0.35, 0.75, 0.35], [0.25, 0.65, 1.0, 0.65]], [0.5, 0.05], [0.5, 0.95], 150),
               P("z-test", U, [[0.25, 0.35, 1.0, 0.35], [0.0, 0.65, 0.75, 0.65]], [0.5, 0.05], [0.5, 0.95], 150)),
    "offset": (P("o-train", U, [[0.0, 0.5, 0.7, 0.5]], [0.15, 0.1], [0.8, 0.85], 120),
               P("o-test", U, [[0.3, 0.5, 1.0, 0.5]], [0.15, 0.1], [0.8, 0.85], 120)),
    "diagonal": (P("d-train", B, [[-0.1, 0.5, 0.3, 0.1]], [0.0, 0.0], [0.5, 0.5]),
                 P("d-test", B, [[0.15, 0.55, 0.6, 0.1]], [0.0, 0.0], [0.5, 0.5])),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--mazes", default=",".join(PAIRS))
    ap.add_argument("--checks", default="50,100,150")
    args, rest = ap.parse_known_args()
    overrides = dict(zip([r.lstrip("-") for r in rest[0::2]], rest[1::2]))
    checks = [int(c) for c in args.checks.split(",")]
    torch.set_num_threads(1)
    print("| maze | seed | " + " | ".join(f"iteration {c}" for c in checks) + " | seconds |")
    print("|---|---:|" + "---:|" * (len(checks) + 1))
    for name in args.mazes.split(","):
        train, test = PAIRS[name]
        for seed in map(int, args.seeds.split(",")):
            cfg = config_from_mapping(AIRLConfig, {"max_iterations": max(checks), **overrides})
            algo = AIRL(train, expert_demos(train, 10, seed=seed), cfg, seed=seed)
            cells = []
            t0 = time.perf_counter()
            while not algo.done:
                snap = algo.step()
                if snap.iteration in checks:
                    r = transfer_plan(test, algo.reward_grid(201))
                    ok = r.reached and r.true_return >= 1.25 * r.optimal_return
                    cells.append(f"{r.true_return / r.optimal_return:.2f}{' *' if ok else ''}")
            print(f"| {name} | {seed} | " + " | ".join(cells) + f" | {time.perf_counter() - t0:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

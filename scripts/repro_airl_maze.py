"""AIRL Table 1 (Fu, Luo & Levine 2018), the shifting maze: learn on point-maze-left, re-optimize on point-maze-right.

For each seed: N expert demonstrations of the exact planner on point-maze-left; state-only AIRL, state-action AIRL,
GAIL and GCL with their default configurations; then on point-maze-right, under each frozen learned reward,
(a) the exact planner (`plan`), (b) a fresh PPO policy trained on the reward from uniform starts (`RL`), and
(c) the trained policy itself run on the new maze (`policy`: the paper's "GAIL policy transfer"). Ground truth: the
planner of the true reward (the optimum) and PPO on the true reward; random: uniform random actions. Returns are
undiscounted sums of the true reward over the horizon, mean over seeds.

Usage: python scripts/repro_airl_maze.py [--seeds 5] [--demos 10] [--iterations N] [--rl-iterations 100] [--no-write]
Writes its table into the `airl-maze` block of docs/results.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from irl_studio.algorithms.airl import AIRL, AIRLConfig  # noqa: E402
from irl_studio.algorithms.gail import GAIL  # noqa: E402
from irl_studio.algorithms.gcl import GCL  # noqa: E402
from irl_studio.continuous.demos import expert_demos  # noqa: E402
from irl_studio.continuous.env import PlaneVectorEnv  # noqa: E402
from irl_studio.continuous.plane import builtin_plane  # noqa: E402
from irl_studio.continuous.planner import plan  # noqa: E402
from irl_studio.continuous.transfer import NetReward, plan_transfer, policy_on_plane, rl_transfer  # noqa: E402

PAPER = {"AIRL (state-only)": -8.82, "AIRL (state-action)": -31.2, "GAIL": -29.9, "GCL": -40.2,
         "ground truth": -8.45, "random": None}


def learned_reward(algo):
    """The frozen reward to re-optimize: the state grid for a state reward, the networks for a state-action one."""
    net = algo.exported_reward_net()
    if net.act_dim == 0 and algo.name != "gail":
        return algo.reward_grid(201)
    if algo.name == "gail":
        d = net
        return lambda p, a: np.logaddexp(0.0, NetReward(d)(p, a))  # -log(1 - D(s, a))
    return NetReward(net)


def policy_transfer(algo, plane) -> tuple[float, bool]:
    r = policy_on_plane(algo.ppo.policy, plane)
    return r.true_return, r.reached


def random_return(plane, seed: int, n: int = 16) -> float:
    env = PlaneVectorEnv(n, plane)
    env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    total = np.zeros(n)
    for _ in range(plane.horizon):
        total += env.step(rng.uniform(-1, 1, (n, 2)))[1]
    return float(total.mean())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--demos", type=int, default=10)
    ap.add_argument("--rl-iterations", type=int, default=100)
    ap.add_argument("--iterations", type=int, default=None, help="IRL iterations (default: each config's default)")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    left, right = builtin_plane("point-maze-left"), builtin_plane("point-maze-right")
    variants = [("AIRL (state-only)", AIRL, AIRLConfig()), ("AIRL (state-action)", AIRL,
                                                            AIRLConfig(reward="state-action")),
                ("GAIL", GAIL, None), ("GCL", GCL, None)]
    rows: dict[str, dict[str, list]] = {name: {"plan": [], "rl": [], "policy": [], "plan_reached": [],
                                               "rl_reached": [], "policy_reached": [], "seconds": []}
                                        for name in [v[0] for v in variants] + ["ground truth", "random"]}
    t_all = time.perf_counter()
    opt = plan(right).true_return
    for seed in range(args.seeds):
        demos = expert_demos(left, args.demos, seed=seed)
        for name, cls, cfg in variants:
            t0 = time.perf_counter()
            cfg = cfg if cfg is not None else cls.Config()
            if args.iterations:
                cfg = dataclasses.replace(cfg, max_iterations=args.iterations)
            algo = cls(left, demos, cfg, seed=seed)
            algo.run()
            secs = time.perf_counter() - t0
            reward = learned_reward(algo)
            p = plan_transfer(right, reward)
            r = rl_transfer(right, reward, args.rl_iterations, seed=seed)
            pol, pol_reached = policy_transfer(algo, right)
            row = rows[name]
            row["plan"].append(p.true_return)
            row["plan_reached"].append(p.reached)
            row["rl"].append(r.true_return)
            row["rl_reached"].append(r.reached)
            row["policy"].append(pol)
            row["policy_reached"].append(pol_reached)
            row["seconds"].append(secs)
            print(f"seed {seed} {name:20s} plan {p.true_return:7.2f} ({'reached' if p.reached else 'missed '})  "
                  f"RL {r.true_return:7.2f} ({'reached' if r.reached else 'missed '})  policy {pol:7.2f}  "
                  f"[{secs:.0f} s learning]", flush=True)
        gt = rl_transfer(right, lambda p_, a_: right.true_reward(p_, a_), args.rl_iterations, seed=seed)
        rows["ground truth"]["plan"].append(opt)
        rows["ground truth"]["plan_reached"].append(True)
        rows["ground truth"]["rl"].append(gt.true_return)
        rows["ground truth"]["rl_reached"].append(gt.reached)
        rand = random_return(right, seed)
        rows["random"]["plan"].append(rand)
        rows["random"]["rl"].append(rand)
        print(f"seed {seed} ground truth: optimum {opt:.2f}, PPO on the true reward {gt.true_return:.2f}; "
              f"random {rand:.2f}", flush=True)
    total = time.perf_counter() - t_all

    def ms(xs):
        return f"{np.mean(xs):.2f} ± {np.std(xs):.2f}" if xs else "—"

    def frac(xs):
        return f"{sum(xs)}/{len(xs)}" if xs else "—"

    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} shared cores ({platform.machine()}), torch "
             f"{torch.__version__} on 1 thread; {args.seeds} seeds, {args.demos} expert demonstrations each, "
             f"default configurations, RL retraining {args.rl_iterations} PPO iterations from uniform starts; "
             f"{total / 60:.0f} min in all. Returns: undiscounted true return on point-maze-right over its 100 "
             f"steps (mean ± sd over seeds); the paper's scale differs (its maze, horizon and units), so the last "
             f"two columns compare *ratios to the ground truth*.", "",
             "| method | exact re-optimization (ours) | reached | RL retraining (ours) | reached | policy run on the "
             "new maze (ours) | paper | ours: plan / GT | paper / GT |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    gt_ours = float(np.mean(rows["ground truth"]["plan"]))
    for name, row in rows.items():
        paper = PAPER.get(name)
        ratio = f"{np.mean(row['plan']) / gt_ours:.2f}" if row["plan"] else "—"
        pratio = f"{paper / PAPER['ground truth']:.2f}" if paper is not None else "—"
        lines.append(f"| {name} | {ms(row['plan'])} | {frac(row['plan_reached'])} | {ms(row['rl'])} | "
                     f"{frac(row['rl_reached'])} | {ms(row['policy'])} | {paper if paper is not None else '—'} | "
                     f"{ratio} | {pratio} |")
    secs = [s for r in rows.values() for s in r["seconds"]]
    lines += ["", f"Learning took {np.mean(secs):.0f} s per run on average (one core, shared). The ground-truth "
              "'exact re-optimization' is the planner's optimum; its 'RL retraining' is PPO on the true reward "
              "with the same budget as under the learned rewards. GAIL and state-action AIRL are re-optimized "
              "with their full r(s, a) (networks), state-only AIRL and GCL on their 201 x 201 state grid."]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        path = ROOT / "docs" / "results.md"
        text = path.read_text(encoding="utf-8")
        block = f"<!-- airl-maze:start -->\n{table}\n<!-- airl-maze:end -->"
        if "<!-- airl-maze:start -->" in text:
            text = re.sub(r"<!-- airl-maze:start -->.*<!-- airl-maze:end -->", lambda _: block, text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + SECTION + block + "\n"
        path.write_text(text, encoding="utf-8")
    return 0


SECTION = """## AIRL Table 1, the shifting maze (`python scripts/repro_airl_maze.py`)

Fu, Luo & Levine 2018, Table 1 ("Point mass - maze"): rewards learned on `point-maze-left` (the wall's gap on the
right) are re-optimized on `point-maze-right` (the gap on the left). The question is whether the *reward* leads to
the goal under the changed dynamics; the exact planner answers it independently of RL luck, RL retraining answers it
as the paper did (TRPO there, PPO here), and the trained policy run unchanged on the new maze is the paper's "policy
transfer" of GAIL.

"""


if __name__ == "__main__":
    raise SystemExit(main())

"""AIRL Table 2 (Fu, Luo & Levine 2018), Pendulum: the imitation policy's true return after learning from 50
demonstrations (paper: expert -179.6, AIRL (state-action) -204.7, AIRL (state-only) -221.5, GAIL -226.0,
GAN-GCL -261.5).

For each seed: 50 episodes of the shipped expert (irl_studio/data/experts/pendulum-v1.safetensors, trained by our PPO
on the true reward; its deterministic action), reset seeds 1000 s .. 1000 s + 49; then AIRL with g(s, a), AIRL with
g(s), GAIL and GCL (the `--iterations` and the Pendulum defaults of irl_studio/algorithms/gym_run.py, and the
overrides in METHODS below); the score is the true return of the learned policy's deterministic action over 50
evaluation episodes (reset seeds 10000 .. 10049, the expert's too), undiscounted over the horizon of 200 steps
(the Gymnasium TimeLimit of Pendulum-v1; the paper does not state its horizon).

Usage: python scripts/repro_airl_pendulum.py [--seeds 5] [--demos 50] [--iterations 150] [--no-write]
Writes its table into the `airl-pendulum` block of docs/results.md.
"""

from __future__ import annotations

import argparse
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

from irl_studio.algorithms.gym_run import build_gym_algo, imitation_return  # noqa: E402
from irl_studio.continuous.expert import evaluate_policy, expert_for, record_demos  # noqa: E402

ENV = "gym:Pendulum-v1"
PAPER = {"expert": -179.6, "AIRL (state-action)": -204.7, "AIRL (state-only)": -221.5, "GAIL": -226.0,
         "GCL (GAN-GCL)": -261.5}
# (row, algorithm, overrides of the Pendulum defaults)
METHODS = [
    ("AIRL (state-action)", "airl", {"reward": "state-action"}),
    ("AIRL (state-only)", "airl", {}),
    ("GAIL", "gail", {}),
    ("GCL (GAN-GCL)", "gcl", {}),
]
EVAL_EPISODES = 50


def random_return() -> float:
    from irl_studio.continuous.gym_envs import make_gym_task

    task = make_gym_task(ENV, EVAL_EPISODES)
    task.reset(seed=10_000)
    rng = np.random.default_rng(0)
    total = np.zeros(EVAL_EPISODES)
    for _ in range(task.horizon):
        total += task.step(rng.uniform(-2.0, 2.0, (EVAL_EPISODES, 1)))[1]
    return float(total.mean())


def ms(xs) -> str:
    return f"{np.mean(xs):.1f} ± {np.std(xs):.1f}" if len(xs) else "—"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--demos", type=int, default=50)
    p.add_argument("--iterations", type=int, default=150)
    p.add_argument("--methods", default=None, help="comma-separated row names to run (default: all)")
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(1)
    t_all = time.perf_counter()
    expert, meta = expert_for(ENV)
    exp_ret = evaluate_policy(expert, ENV, EVAL_EPISODES, seed=10_000)
    rows: dict[str, dict[str, list]] = {"expert": {"ret": [float(exp_ret.mean())], "sec": [], "demo": []},
                                        "random actions": {"ret": [random_return()], "sec": [], "demo": []}}
    methods = [m for m in METHODS if args.methods is None or m[0] in args.methods.split(",")]
    for name, _a, _o in methods:
        rows[name] = {"ret": [], "sec": [], "demo": []}
    for seed in range(args.seeds):
        demos = record_demos(expert, ENV, args.demos, seed=1000 * seed)
        for name, algo, over in methods:
            t0 = time.perf_counter()
            a = build_gym_algo(algo, ENV, demos, {"max_iterations": args.iterations, **over}, seed=seed)
            a.run()
            sec = time.perf_counter() - t0
            ret = float(imitation_return(a, EVAL_EPISODES).mean())
            rows[name]["ret"].append(ret)
            rows[name]["sec"].append(sec)
            rows[name]["demo"].append(demos.extra["mean_return"])
            print(f"seed {seed} {name}: true return {ret:.1f} (demonstrations {demos.extra['mean_return']:.1f}), "
                  f"{a.env_steps} env steps, {sec:.0f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - t_all
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on 2 shared cores ({platform.machine()}), torch "
             f"{torch.__version__} on 1 thread; {args.seeds} seeds, {args.demos} demonstrations each (the shipped "
             f"expert's deterministic action), {args.iterations} iterations of 16 agents x 200 steps "
             f"({args.iterations * 3200} env steps) per run; {total / 60:.0f} min in all. Score: the learned "
             f"policy's deterministic true return, mean over {EVAL_EPISODES} episodes of 200 steps (the Gymnasium "
             f"TimeLimit), mean ± sd over seeds.", "",
             "| method | true return (ours) | paper | wall-clock per run (s) |", "|---|---:|---:|---:|"]
    for name, row in rows.items():
        sec = f"{np.mean(row['sec']):.0f}" if row["sec"] else "—"
        lines.append(f"| {name} | {ms(row['ret'])} | {PAPER.get(name, '—')} | {sec} |")
    demo = [d for r in rows.values() for d in r["demo"]]
    lines += ["", f"The expert row is the shipped expert over the same {EVAL_EPISODES} evaluation episodes (trained "
              f"{meta['info'].get('env_steps', '?')} env steps by our PPO); its demonstrations averaged "
              f"{np.mean(demo):.1f} over seeds. Random: uniform actions over the same episodes."]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        path = ROOT / "docs" / "results.md"
        text = path.read_text(encoding="utf-8")
        block = f"<!-- airl-pendulum:start -->\n{table}\n<!-- airl-pendulum:end -->"
        if "<!-- airl-pendulum:start -->" in text:
            text = re.sub(r"<!-- airl-pendulum:start -->.*<!-- airl-pendulum:end -->", lambda _: block, text,
                          flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n" + SECTION + block + "\n"
        path.write_text(text, encoding="utf-8")
    return 0


SECTION = """## AIRL Table 2, Pendulum imitation (`python scripts/repro_airl_pendulum.py`)

Fu, Luo & Levine 2018, Table 2: the true return of the policy each method trains, from 50 demonstrations on
Pendulum. Ours: Gymnasium's `Pendulum-v1`, horizon 200 (its TimeLimit; the paper does not state its horizon),
discount 0.9, the shipped expert (our PPO on the true reward), `--termination absorb` (Pendulum never terminates).

"""


if __name__ == "__main__":
    raise SystemExit(main())

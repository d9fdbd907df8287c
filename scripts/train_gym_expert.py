"""Train the expert of a Gymnasium environment on its true reward with the project's own PPO, save it as
safetensors and print its mean return (the shipped experts in irl_studio/data/experts are made by this script).

    python scripts/train_gym_expert.py gym:Pendulum-v1 [--seed 0] [--iterations N] [--out FILE.safetensors]
    python scripts/train_gym_expert.py all            # retrain every shipped expert into the package

Single-threaded and seeded: the same seed gives the same expert.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from irl_studio.continuous.expert import SHIPPED, evaluate_policy, save_expert, train_expert  # noqa: E402
from irl_studio.continuous.gym_envs import make_gym_env, parse_gym_id  # noqa: E402

PACKAGE = Path(__file__).resolve().parents[1] / "irl_studio" / "data" / "experts"


def train(spec: str, seed: int, iterations: int | None, out: Path) -> None:
    env_id = parse_gym_id(spec)
    t0 = time.perf_counter()

    def progress(i: int, ret: float) -> None:
        if i % 10 == 0:
            print(f"{env_id}: iteration {i}, mean batch return {ret:.1f}, {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)

    ppo = train_expert(spec, seed=seed, iterations=iterations, callback=progress)
    seconds = time.perf_counter() - t0
    rets = evaluate_policy(ppo.policy, spec, episodes=50, seed=10_000)
    env = make_gym_env(spec, termination="none")
    info = {"seed": seed, "env_steps": ppo.env_steps, "seconds": round(seconds, 1),
            "mean_return": float(rets.mean()), "std_return": float(rets.std()), "eval_episodes": 50,
            "eval_seeds": "10000..10049", "deterministic": True, "trainer": "irl_studio.continuous.ppo"}
    save_expert(out, ppo.policy, env_id, env.observation_space, env.action_space, info)
    print(f"{env_id}: mean return {rets.mean():.1f} ± {rets.std():.1f} over 50 episodes (deterministic policy), "
          f"{ppo.env_steps} env steps, {seconds:.0f} s -> {out}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("env", help="gym:ID, or 'all' (every shipped expert, into the package)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=None)
    p.add_argument("--out", default=None)
    args = p.parse_args()
    torch.set_num_threads(1)
    np.seterr(all="ignore")
    specs = [f"gym:{k}" for k in SHIPPED] if args.env == "all" else [args.env]
    for spec in specs:
        env_id = parse_gym_id(spec)
        out = Path(args.out) if args.out and len(specs) == 1 else PACKAGE / SHIPPED.get(env_id, f"{env_id}.safetensors")
        train(spec, args.seed, args.iterations, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train a Stable-Baselines3 agent on a reward IRL Studio learned, and score it with the true reward.

    pip install stable-baselines3                     # not an IRL Studio dependency
    irl-studio demos gym:Pendulum-v1 --n 50 --out D.json
    irl-studio learn gym:Pendulum-v1 --demos D.json --algo airl --iterations 300 --out r.safetensors
    python scripts/example_sb3_learned_reward.py r.safetensors [--env Pendulum-v1] [--algo sac|ppo]
                                                 [--steps 20000] [--seed 0]

    # a gridworld: the per-cell reward of `irl-studio learn terrain --demos builtin --algo airl --features terrain
    # --out r.npy`, on irl_studio/Grid-v0 (one-hot states, Discrete actions; PPO)
    python scripts/example_sb3_learned_reward.py r.npy --layout terrain --algo ppo --steps 50000

The environment's reward is replaced by the learned one (irl_studio.continuous.wrapper.LearnedRewardWrapper: AIRL's
g, GCL's -c, GAIL's -log(1 - D), or a reward grid); the true reward is kept in info["true_reward"], and the trained
agent is evaluated on the unwrapped env's true return.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    p = argparse.ArgumentParser(description="Train a Stable-Baselines3 agent on a learned reward.")
    p.add_argument("reward", help="learned reward: .safetensors networks, a .json / .npz reward grid, or with "
                   "--layout a per-cell .npy / .csv / .json reward")
    p.add_argument("--layout", default=None, help="a gridworld layout (built-in name or file): train on "
                   "irl_studio/Grid-v0 with the per-cell reward")
    p.add_argument("--env", default="Pendulum-v1", help="Gymnasium id (default Pendulum-v1)")
    p.add_argument("--algo", choices=("sac", "ppo"), default="sac")
    p.add_argument("--steps", type=int, default=20_000, help="environment steps of training")
    p.add_argument("--episodes", type=int, default=10, help="evaluation episodes (true return)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    try:
        import stable_baselines3 as sb3
    except ImportError:
        print("this example needs Stable-Baselines3, which IRL Studio does not depend on: "
              "pip install stable-baselines3", file=sys.stderr)
        return 2
    import gymnasium
    import numpy as np
    import torch

    from irl_studio import IRLStudioError
    from irl_studio.continuous.wrapper import LearnedRewardWrapper

    torch.set_num_threads(1)
    try:
        if args.layout is not None:
            from irl_studio.continuous.gridenv import CellReward, GridEnv

            if args.algo == "sac":
                args.algo = "ppo"  # SAC needs continuous actions
            env = LearnedRewardWrapper(GridEnv(args.layout), CellReward(args.layout, args.reward))
            args.env = f"irl_studio/Grid-v0 ({args.layout})"
        else:
            env = LearnedRewardWrapper(gymnasium.make(args.env), args.reward)
    except (IRLStudioError, gymnasium.error.Error, ValueError) as exc:
        print(f"example_sb3_learned_reward: {exc}", file=sys.stderr)
        return 2
    cls = sb3.SAC if args.algo == "sac" else sb3.PPO
    model = cls("MlpPolicy", env, seed=args.seed, verbose=0)
    model.learn(total_timesteps=args.steps)
    rets, learned = [], []
    for i in range(args.episodes):
        obs, _ = env.reset(seed=10_000 + i)
        done, tr, lr = False, 0.0, 0.0
        while not done:
            act, _ = model.predict(obs, deterministic=True)
            obs, r, te, tc, info = env.step(act)
            tr += info["true_reward"]
            lr += r
            done = te or tc
        rets.append(tr)
        learned.append(lr)
    print(f"{cls.__name__} on {args.env} with the learned reward of {args.reward} ({args.steps} steps): "
          f"true return {np.mean(rets):.1f} ± {np.std(rets):.1f}, learned return {np.mean(learned):.1f} "
          f"over {args.episodes} episodes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

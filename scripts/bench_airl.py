"""AIRL speed on the shifting maze, and throughput beside the `imitation` library's AIRL + Stable-Baselines3 PPO.

1. **Time to a transferable reward**: state-only AIRL with the default configuration on point-maze-left (10 expert
   demonstrations, 5 seeds); every 5 iterations the exact planner re-optimizes the current g on point-maze-right
   (not counted in the time); the first iteration whose path reaches the goal with a true return within 1.25 x the
   optimum, and the seconds of learning (one core) it took. Target: <= 30 s.
2. **Throughput of the whole IRL loop** (environment steps per second, discriminator and policy updates included)
   at equal batch sizes: 16 environments x 100 steps per round, 10 discriminator minibatches of 256 expert + 256
   policy transitions, PPO 5 epochs x 4 minibatches of 400, 2 x 32 reward / shaping nets, 2 x 64 policy, all on one
   torch thread. IRL Studio in this process; `imitation` (AIRL, `BasicShapedRewardNet`, SB3 PPO on a DummyVecEnv of
   the same plane dynamics written against gymnasium 0.29) in its own venv, /work/venv-imitation (imitation pins
   gymnasium 0.29), created here under a lock if it is missing.

Usage: python scripts/bench_airl.py [--seeds 5] [--rounds 20] [--no-imitation] [--no-write]
Writes its tables into the `airl` block of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from irl_studio.algorithms.airl import AIRL, AIRLConfig  # noqa: E402
from irl_studio.continuous.demos import expert_demos, save_plane_demos  # noqa: E402
from irl_studio.continuous.plane import builtin_plane  # noqa: E402
from irl_studio.continuous.planner import transfer_plan  # noqa: E402

VENV = Path("/work/venv-imitation")
LOCK = "/tmp/venv-imitation.lock"


def ensure_imitation_venv() -> Path:
    py = VENV / "bin" / "python"
    check = [str(py), "-c", "import imitation, stable_baselines3"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return py
    script = (f"set -e; if ! {py} -c 'import imitation' 2>/dev/null; then python3 -m venv {VENV} && "
              f"{VENV}/bin/pip install -q torch==2.13.0 && {VENV}/bin/pip install -q imitation; fi")
    subprocess.run(["flock", LOCK, "bash", "-c", script], check=True)
    return py


def time_to_transfer(seeds: int) -> list[dict]:
    left, right = builtin_plane("point-maze-left"), builtin_plane("point-maze-right")
    out = []
    for seed in range(seeds):
        algo = AIRL(left, expert_demos(left, 10, seed=seed), AIRLConfig(), seed=seed)
        first = None
        while not algo.done:
            snap = algo.step()
            if first is None and snap.iteration % 5 == 0:
                r = transfer_plan(right, algo.reward_grid(201))
                if r.reached and r.true_return >= 1.25 * r.optimal_return:
                    first = (snap.iteration, snap.elapsed)
        r = transfer_plan(right, algo.reward_grid(201))
        out.append({"seed": seed, "first": first, "total": algo.last.elapsed, "iterations": algo.iteration,
                    "final_ratio": r.true_return / r.optimal_return, "final_reached": r.reached,
                    "env_steps": algo.env_steps})
        print(f"seed {seed}: first transferable reward at {first}, run {algo.last.elapsed:.1f} s, final ratio "
              f"{out[-1]['final_ratio']:.2f}", flush=True)
    return out


def ours_throughput(rounds: int) -> dict:
    left = builtin_plane("point-maze-left")
    algo = AIRL(left, expert_demos(left, 10, seed=0), AIRLConfig(max_iterations=rounds + 1, grid_points=50), seed=0)
    algo.step()  # warm-up
    steps0, t0 = algo.env_steps, time.perf_counter()
    while not algo.done:
        algo.step()
    return {"env_steps": algo.env_steps - steps0, "seconds": time.perf_counter() - t0}


IMITATION_SCRIPT = r'''
import json, sys, time
import numpy as np, torch
torch.set_num_threads(1)
sys.path.insert(0, sys.argv[1])
from irl_studio.continuous.plane import builtin_plane   # numpy only: the same dynamics
import gymnasium as gym
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import DummyVecEnv
from imitation.algorithms.adversarial.airl import AIRL
from imitation.data.types import Trajectory
from imitation.data.wrappers import RolloutInfoWrapper
from imitation.rewards.reward_nets import BasicShapedRewardNet
from imitation.util.networks import RunningNorm

plane = builtin_plane("point-maze-left")
box = plane.free_box

class PlaneGym(gym.Env):
    def __init__(self):
        self.observation_space = gym.spaces.Box(box[:, 0].astype(np.float32), box[:, 1].astype(np.float32))
        self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)
    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.p = np.array(plane.start) + self.np_random.uniform(-plane.start_noise, plane.start_noise, 2)
        self.t = 0
        return self.p.astype(np.float32), {}
    def step(self, a):
        a = np.clip(np.asarray(a, dtype=np.float64), -1, 1)
        r = float(plane.true_reward(self.p, a))
        self.p = plane.move(self.p[None], plane.max_step * a[None])[0]
        self.t += 1
        return self.p.astype(np.float32), r, False, self.t >= plane.horizon, {}

demos = json.load(open(sys.argv[2]))["trajectories"]
trajs = [Trajectory(obs=np.array(d["obs"], np.float32), acts=np.array(d["acts"], np.float32), infos=None,
                    terminal=True) for d in demos]
venv = DummyVecEnv([lambda: RolloutInfoWrapper(PlaneGym()) for _ in range(16)])
learner = PPO("MlpPolicy", venv, n_steps=100, batch_size=400, n_epochs=5, learning_rate=1e-3, seed=0, device="cpu",
              policy_kwargs=dict(net_arch=[64, 64]), verbose=0)
net = BasicShapedRewardNet(venv.observation_space, venv.action_space, normalize_input_layer=RunningNorm,
                           reward_hid_sizes=(32, 32), potential_hid_sizes=(32, 32), use_action=False)
trainer = AIRL(demonstrations=trajs, demo_batch_size=256, gen_replay_buffer_capacity=16000,
               n_disc_updates_per_round=10, venv=venv, gen_algo=learner, reward_net=net,
               allow_variable_horizon=True, init_tensorboard=False)
rounds = int(sys.argv[3])
trainer.train(total_timesteps=1600)  # warm-up round
t0 = time.perf_counter()
trainer.train(total_timesteps=1600 * rounds)
print(json.dumps({"env_steps": 1600 * rounds, "seconds": time.perf_counter() - t0}))
'''


def imitation_throughput(rounds: int, tmp: Path) -> dict | None:
    py = ensure_imitation_venv()
    left = builtin_plane("point-maze-left")
    save_plane_demos(expert_demos(left, 10, seed=0), tmp / "demos.json")
    (tmp / "bench_imitation.py").write_text(IMITATION_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    out = subprocess.run([str(py), str(tmp / "bench_imitation.py"), str(ROOT), str(tmp / "demos.json"), str(rounds)],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(out.stderr[-3000:], file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--no-imitation", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}, shared with "
             f"other jobs: figures vary by tens of %), torch {torch.__version__} on 1 thread.", ""]
    ttt = time_to_transfer(args.seeds)
    lines += ["State-only AIRL, default configuration, on `point-maze-left` (10 expert demonstrations); the exact "
              "planner re-optimizes g on `point-maze-right` every 5 iterations (time not counted). Target: a "
              "transferable reward (reaches the goal, true return within 1.25 x the optimum) in <= 30 s.", "",
              "| seed | first transferable iteration | seconds of learning to it | whole default run (s) | "
              "iterations | final return / optimum |", "|---:|---:|---:|---:|---:|---:|"]
    for r in ttt:
        it, sec = r["first"] if r["first"] else ("—", float("nan"))
        lines.append(f"| {r['seed']} | {it} | {sec:.1f} | {r['total']:.1f} | {r['iterations']} | "
                     f"{r['final_ratio']:.2f}{'' if r['final_reached'] else ' (missed)'} |")
    secs = [r["first"][1] for r in ttt if r["first"]]
    if secs:
        lines += ["", f"Median {np.median(secs):.1f} s to a transferable reward ({len(secs)}/{len(ttt)} seeds)."]
    ours = ours_throughput(args.rounds)
    rate = ours["env_steps"] / ours["seconds"]
    lines += ["", "Throughput of the whole AIRL loop at equal batch sizes (16 envs x 100 steps per round, 10 "
              "discriminator minibatches of 256 + 256, PPO 5 x 4 minibatches of 400), "
              f"{args.rounds} rounds after one warm-up round, one run:", "",
              "| implementation | env steps | seconds | env steps / s | relative |", "|---|---:|---:|---:|---:|",
              f"| IRL Studio AIRL (numpy-batched plane, steppable PPO) | {ours['env_steps']} | "
              f"{ours['seconds']:.1f} | {rate:.0f} | 1.00 |"]
    if not args.no_imitation:
        with tempfile.TemporaryDirectory() as tmp:
            im = imitation_throughput(args.rounds, Path(tmp))
        if im:
            irate = im["env_steps"] / im["seconds"]
            lines.append(f"| `imitation` 1.0 AIRL + SB3 PPO (DummyVecEnv, same dynamics) | {im['env_steps']} | "
                         f"{im['seconds']:.1f} | {irate:.0f} | {irate / rate:.2f} |")
        else:
            lines.append("| `imitation` AIRL + SB3 PPO | — | — | — | (failed to run; see stderr) |")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        path = ROOT / "docs" / "benchmarks.md"
        text = path.read_text(encoding="utf-8")
        block = f"<!-- airl:start -->\n{table}\n<!-- airl:end -->"
        if "<!-- airl:start -->" in text:
            text = re.sub(r"<!-- airl:start -->.*<!-- airl:end -->", lambda _: block, text, flags=re.S)
        else:
            text = (text.rstrip("\n") + "\n\n## Sample-based IRL on the plane (`python scripts/bench_airl.py`)\n\n"
                    + block + "\n")
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

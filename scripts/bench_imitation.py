"""Speed, side by side: IRL Studio's MCE IRL (the whole `irl-studio learn` process) against the `imitation` library's
MCE IRL (`imitation.algorithms.mce_irl.MCEIRL.train`) on the same MDP and the same demonstrations.

The MDP: a 32 x 32 open grid (no goal: imitation's tabular MDPs have no absorbing states), slip 0.3, discount 0.95,
horizon 64 steps; 200 demonstrations sampled from the optimal expert of a random per-cell reward
(`irl-studio demos --expert optimal`); one-hot state features (imitation: a linear reward net on one-hot
observations). Both learners model the same thing: the finite-horizon discounted soft-optimal policy, the start
distribution of the demonstrations, discounted occupancy with the same gamma.

* IRL Studio: `irl-studio learn LAYOUT --demos DEMOS --algo mce --features state --out r.npy --report rep.json`,
  wall time of the whole process (interpreter start, imports, reading, the fit to convergence, the final scoring
  against the true reward, writing the files), best of 3.
* imitation: the wall time of `MCEIRL(...).train(max_iter)` alone (its imports and the MDP set-up are not counted),
  with its defaults (Adam, learning rate 0.01, stop at ||D - D_E||_inf <= 1e-3 or at max_iter, 1000), run in its
  own venv (/work/venv-imitation: torch==2.13.0 first, then imitation; created here under a lock when missing).

Both rewards are scored by irl_studio.core.metrics (normalized EVD over the episode and infinite horizon).

    flock /tmp/irl-heavy.lock nice -n 10 python scripts/bench_imitation.py [--max-iter 1000] [--no-write]

Writes its table into the `imitation` block of docs/benchmarks.md. The machine is shared: timings vary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV = Path("/work/venv-imitation")
LOCK = "/tmp/venv-imitation.lock"
N, SLIP, GAMMA, HORIZON, N_DEMOS = 32, 0.3, 0.95, 64, 200

WORKER = r'''
import json, sys, time
import numpy as np
import torch as th
th.set_num_threads(1)
from imitation.algorithms.mce_irl import MCEIRL
from imitation.data import types
from imitation.rewards import reward_nets
from seals.base_envs import TabularModelPOMDP

data = np.load(sys.argv[1])
P, p0, horizon, gamma = data["P"], data["p0"], int(data["horizon"]), float(data["gamma"])
S = P.shape[0]
env = TabularModelPOMDP(transition_matrix=P, observation_matrix=np.eye(S, dtype=np.float32),
                        reward_matrix=np.zeros(S), horizon=horizon, initial_state_dist=p0)
trajs = []
for states, acts in zip(data["states"], data["actions"]):
    L = int((states >= 0).sum())
    trajs.append(types.Trajectory(obs=states[:L], acts=acts[:L - 1], infos=None, terminal=True))
rng = np.random.default_rng(0)
net = reward_nets.BasicRewardNet(env.observation_space, env.action_space, hid_sizes=[], use_action=False,
                                 use_done=False, use_next_state=False)
algo = MCEIRL(trajs, env, net, rng=rng, discount=gamma, log_interval=None)
steps = [0]
step = algo._train_step
def counted(*a, **k):
    steps[0] += 1
    return step(*a, **k)
algo._train_step = counted
t0 = time.perf_counter()
D = algo.train(max_iter=int(sys.argv[2]))
seconds = time.perf_counter() - t0
with th.no_grad():
    r = net(th.as_tensor(np.eye(S), dtype=net.dtype), None, None, None).squeeze(-1).numpy()
print(json.dumps({"seconds": seconds, "iterations": steps[0], "linf": float(np.max(np.abs(D - algo.demo_state_om))),
                  "reward": r.tolist()}))
'''


def ensure_venv() -> Path:
    py = VENV / "bin" / "python"
    cmd = (f"test -x {py} || (python3 -m venv {VENV} && {VENV}/bin/pip install -q torch==2.13.0 && "
           f"{VENV}/bin/pip install -q imitation)")
    subprocess.run(["flock", LOCK, "sh", "-c", cmd], check=True)
    return py


def irl_studio(*args: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "irl_studio", *args], check=True, cwd=ROOT,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iter", type=int, default=1000, help="imitation's max_iter (its default: 1000)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    from irl_studio.core.demos import load_demos, to_arrays
    from irl_studio.core.layout import Layout, save_layout
    from irl_studio.core.mdp import build_mdp
    from irl_studio.core.metrics import Scorer

    py = ensure_venv()
    tmp = Path(tempfile.mkdtemp(prefix="bench-imitation-"))
    lay = Layout.empty(N + 2, N + 2, name=f"open {N}x{N}")
    lay.slip, lay.discount, lay.horizon_override = SLIP, GAMMA, HORIZON
    lay.true_reward = np.where(lay.floor_mask, np.random.default_rng(1).normal(size=lay.shape), np.nan)
    save_layout(lay, tmp / "layout.json")
    irl_studio("demos", str(tmp / "layout.json"), "--n", str(N_DEMOS), "--expert", "optimal", "--seed", "0",
               "--out", str(tmp / "demos.json"))
    ours = min(irl_studio("learn", str(tmp / "layout.json"), "--demos", str(tmp / "demos.json"), "--algo", "mce",
                          "--features", "state", "--out", str(tmp / "r.npy"), "--report", str(tmp / "rep.json"),
                          "--quiet") for _ in range(args.repeats))
    rep = json.loads((tmp / "rep.json").read_text())

    mdp = build_mdp(lay)
    arr = to_arrays(mdp, load_demos(tmp / "demos.json"))
    np.savez(tmp / "mdp.npz", P=mdp.dense_transitions(), p0=arr.start_distribution(mdp.n_states),
             horizon=HORIZON, gamma=GAMMA, states=arr.states, actions=arr.actions)
    (tmp / "worker.py").write_text(WORKER)
    out = subprocess.run([str(py), str(tmp / "worker.py"), str(tmp / "mdp.npz"), str(args.max_iter)], check=True,
                         capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    theirs = json.loads(out.stdout.strip().splitlines()[-1])

    scorer = Scorer(mdp, lay.true_reward[mdp.cells[:, 0], mdp.cells[:, 1]])
    ours_reward = np.load(tmp / "r.npy")[mdp.cells[:, 0], mdp.cells[:, 1]]
    s_ours, s_theirs = scorer.full(ours_reward), scorer.full(np.asarray(theirs["reward"]))
    m = rep["metrics"]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} shared cores ({platform.machine()}), "
        f"`OMP_NUM_THREADS=1`, torch on 1 thread; the machine was shared with other jobs.",
        "",
        f"{N} x {N} open grid, slip {SLIP}, discount {GAMMA}, horizon {HORIZON} steps, {N_DEMOS} demonstrations "
        "of the optimal expert of a random per-cell reward, one-hot state features, MCE IRL on both sides.",
        "",
        "| fit | seconds | iterations | status | normalized EVD (episode) | normalized EVD (infinite) |",
        "|---|---:|---:|---|---:|---:|",
        f"| IRL Studio `irl-studio learn ... --algo mce` (whole process, best of {args.repeats}) | {ours:.2f} | "
        f"{rep['iterations']} | {rep['status']} | {s_ours['evd_normalized']:.3f} | "
        f"{s_ours.get('evd_infinite_normalized', float('nan')):.3f} |",
        f"| `imitation` MCEIRL.train(max_iter={args.max_iter}) (the fit alone) | {theirs['seconds']:.1f} | "
        f"{theirs['iterations']} | final ‖D − D_E‖∞ = {theirs['linf']:.2g} | {s_theirs['evd_normalized']:.3f} | "
        f"{s_theirs.get('evd_infinite_normalized', float('nan')):.3f} |",
        "",
        f"Ratio: IRL Studio's whole process takes **1/{theirs['seconds'] / ours:.0f}** of imitation's fit. "
        f"IRL Studio's fit alone: {m['seconds']:.2f} s; its log-likelihood {m['log_likelihood']:.2f} per "
        f"demonstration, largest weight {rep['weights_max_abs']:.2f}.",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_block("imitation", table)


def write_block(key: str, text: str) -> None:
    """Replace the text between <!-- key:start --> and <!-- key:end --> in docs/benchmarks.md."""
    import re

    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8")
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    pat = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pat.search(doc):
        raise SystemExit(f"{path}: no block {start} ... {end}")
    path.write_text(pat.sub(lambda m: f"{start}\n{text.rstrip()}\n{end}", doc), encoding="utf-8")


if __name__ == "__main__":
    main()

"""The Gymnasium sub-commands of ``irl-studio`` (formats.md, "Command line for Gymnasium environments"):

    irl-studio demos gym:ID --n N [--seed S] [--expert FILE.safetensors] [--stochastic] --out D.(json|npz)
    irl-studio learn gym:ID --demos D.(json|npz) --algo airl|gail|gcl [--iterations N] [--seed S]
                     [--horizon H] [--termination absorb|end] --out R.(safetensors|json|npz) [--<parameter> V]

``demos`` records the expert (the shipped one for Pendulum-v1 / MountainCarContinuous-v0, or ``--expert``);
``.npz`` is ``imitation``'s Trajectory layout (:mod:`irl_studio.continuous.imitation_io`). ``learn --out
R.safetensors`` saves the networks; ``.json`` / ``.npz`` the learned reward over the env's 2D state slice (axes
named). They come here from :mod:`irl_studio.cli_plane` when the first argument starts with ``gym:``. Exit 0 on
success, 2 on bad input (one line on stderr), 1 when a run fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Sequence

from irl_studio.cli_plane import GRID_SUFFIXES, NET_SUFFIX, SAMPLE_ALGOS, PlaneUsageError, _check_out, _parser

DEMO_SUFFIXES = (".json", ".npz")


def load_any_demos(path: str):
    """Demonstrations from ``.json`` (irl-studio.plane-demos) or ``.npz`` (imitation's layout)."""
    from irl_studio.continuous.demos import load_plane_demos
    from irl_studio.continuous.imitation_io import load_imitation_npz

    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        return load_imitation_npz(path)
    if suffix != ".json":
        raise PlaneUsageError(f"--demos {path}: use a .json or .npz file")
    return load_plane_demos(path)


def save_any_demos(demos, path: str) -> None:
    from irl_studio.continuous.demos import save_plane_demos
    from irl_studio.continuous.imitation_io import save_imitation_npz

    if Path(path).suffix.lower() == ".npz":
        save_imitation_npz(demos, path)
    else:
        save_plane_demos(demos, path)


def cmd_demos(argv: Sequence[str]) -> int:
    from irl_studio.continuous.expert import expert_for, record_demos

    p = _parser("irl-studio demos", "Expert demonstrations on a Gymnasium environment (a trained policy).")
    p.add_argument("env", help="gym:ID")
    p.add_argument("--n", type=int, required=True, help="number of demonstrations (episodes)")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode's reset (then seed + 1, ...)")
    p.add_argument("--expert", default=None, help="expert policy (.safetensors; default: the shipped one)")
    p.add_argument("--stochastic", action="store_true", help="sample the expert's actions (default: its mean)")
    p.add_argument("--horizon", type=int, default=None, help="episode length (default: the env's time limit)")
    p.add_argument("--out", required=True, help="demonstrations (.json, or .npz: imitation's Trajectory layout)")
    args = p.parse_args(argv)
    if not 1 <= args.n <= 100_000:
        raise PlaneUsageError("--n must be between 1 and 100000")
    _check_out("--out", Path(args.out), DEMO_SUFFIXES)
    if args.expert is not None and Path(args.expert).suffix.lower() != NET_SUFFIX:
        raise PlaneUsageError(f"--expert {args.expert}: an expert policy is a .safetensors file")
    import torch

    torch.set_num_threads(1)
    policy, _meta = expert_for(args.env, args.expert)
    demos = record_demos(policy, args.env, args.n, args.seed, args.stochastic, args.horizon)
    save_any_demos(demos, args.out)
    print(f"{len(demos)} demonstrations, mean true return {demos.extra['mean_return']:.1f} -> {args.out}",
          file=sys.stderr)
    return 0


def cmd_learn(argv: Sequence[str]) -> int:
    from irl_studio.algorithms import get_sample_based
    from irl_studio.algorithms.base import AlgorithmError
    from irl_studio.algorithms.gym_run import build_gym_algo, gym_reward_grid, save_gym_networks
    from irl_studio.algorithms.sample_based import config_dict
    from irl_studio.cli import EXIT_RUN_FAILED, _algo_flags, _Parser
    from irl_studio.continuous.gym_envs import TERMINATIONS
    from irl_studio.continuous.rewardgrid import save_reward_grid

    pre = _Parser(prog="irl-studio learn", add_help=False)
    pre.add_argument("--algo", default=None)
    known, _ = pre.parse_known_args(argv)
    p = _parser("irl-studio learn", "Learn a reward on a Gymnasium environment from demonstrations (GCL, GAIL, "
                                    "AIRL).")
    p.add_argument("env", help="gym:ID")
    p.add_argument("--demos", required=True, help="demonstrations (.json irl-studio.plane-demos, or .npz)")
    p.add_argument("--algo", required=True, choices=SAMPLE_ALGOS, help="the sample-based IRL algorithm")
    p.add_argument("--iterations", type=int, default=None, help="number of iterations (default: the config's)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same result)")
    p.add_argument("--horizon", type=int, default=None, help="episode length (default: the env's time limit)")
    p.add_argument("--termination", choices=TERMINATIONS, default="absorb",
                   help="absorb: a terminated episode stays in its terminal state to the horizon (default); "
                        "end: it ends there")
    p.add_argument("--out", required=True, help="networks (.safetensors) or the reward over the state slice "
                                                "(.json, .npz)")
    p.add_argument("--networks", default=None, help="also save the networks here (.safetensors)")
    p.add_argument("--grid-out-points", type=int, default=101, help="points per axis of the saved reward slice")
    p.add_argument("--report", default=None, help="write a JSON report of the run here")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    if known.algo in SAMPLE_ALGOS:
        _algo_flags(p, get_sample_based(known.algo).Config)
    args = p.parse_args(argv)
    algo_cls = get_sample_based(args.algo)
    out = Path(args.out)
    _check_out("--out", out, GRID_SUFFIXES + (NET_SUFFIX,))
    _check_out("--networks", Path(args.networks) if args.networks else None, (NET_SUFFIX,))
    _check_out("--report", Path(args.report) if args.report else None, (".json",))
    if not 50 <= args.grid_out_points <= 2001:
        raise PlaneUsageError("--grid-out-points must be between 50 and 2001")
    values: dict[str, Any] = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg_") and v is not None}
    if args.iterations is not None:
        if args.iterations < 1:
            raise PlaneUsageError("--iterations must be at least 1")
        values["max_iterations"] = args.iterations
    demos = load_any_demos(args.demos)

    import torch

    torch.set_num_threads(1)
    algo = build_gym_algo(args.algo, args.env, demos, values, args.seed, args.horizon, args.termination,
                          source=args.demos)
    t0 = time.perf_counter()
    last = 0.0

    def progress(snap) -> None:
        nonlocal last
        now = time.perf_counter()
        if not args.quiet and (now - last > 1.0 or snap.done):
            last = now
            m = snap.metrics
            print(f"iteration {snap.iteration}: true return {m['true_return']:.2f}, discriminator accuracy "
                  f"{m.get('disc_accuracy', float('nan')):.2f}, {snap.env_steps} env steps, {snap.elapsed:.1f} s",
                  file=sys.stderr)

    try:
        snap = algo.run(callback=progress)
        grid = gym_reward_grid(algo, args.grid_out_points)
    except AlgorithmError as exc:
        print(f"irl-studio learn: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    seconds = time.perf_counter() - t0
    info = {"algorithm": algo_cls.name, "iterations": snap.iteration, "seconds": seconds, "env_steps": snap.env_steps,
            "seed": args.seed, "status": snap.status, "env": algo.gym_task.spec_name,
            "config": config_dict(algo.config), "metrics": dict(snap.metrics)}
    if out.suffix.lower() == NET_SUFFIX:
        save_gym_networks(algo, out)
    else:
        from dataclasses import replace

        save_reward_grid(replace(grid, info={**grid.info, **{k: v for k, v in info.items() if k != "algorithm"}}),
                         out)
    if args.networks:
        save_gym_networks(algo, args.networks)
    if args.report:
        from irl_studio.continuous.rewardgrid import RewardGridError, _jsonable
        from irl_studio.core.layout import write_json

        write_json(args.report, _jsonable(info), RewardGridError)
    if not args.quiet:
        print(f"{algo_cls.title}: {snap.iteration} iterations, {snap.env_steps} env steps, {seconds:.1f} s -> {out}",
              file=sys.stderr)
    return 0

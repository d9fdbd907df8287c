"""The plane's sub-commands of ``irl-studio`` (formats.md, "Command line for the plane and Gymnasium environments"):

    irl-studio learn PLANE --demos DEMOS --algo airl|gail|gcl [--iterations N] [--seed S]
                     --out REWARD.(json|npz|safetensors) [--report REPORT.json] [--<parameter> VALUE ...]
    irl-studio demos PLANE --n N [--seed S] --out DEMOS.json
    irl-studio transfer REWARD.(json|npz|safetensors) --to PLANE [--method plan|rl] [--seed S]

PLANE is a plane file, a built-in plane name (``point-maze-left``, ``point-maze-right``) or ``gym:ID`` (a Gymnasium
environment: handled by :mod:`irl_studio.cli_gym`). ``learn`` and ``demos`` come here from :mod:`irl_studio.cli` when
their first argument is a plane (:func:`is_plane_spec`). Exit status 0 on success, 2 on bad input (one line on
stderr), 1 when a run fails.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

from irl_studio import IRLStudioError

SAMPLE_ALGOS = ("airl", "gail", "gcl")
NET_SUFFIX = ".safetensors"
GRID_SUFFIXES = (".json", ".npz")


class PlaneUsageError(IRLStudioError):
    pass


def is_plane_spec(spec: str) -> bool:
    """Whether a LAYOUT/PLANE argument names a plane: gym:ID, a built-in plane, or a file of format irl-studio.plane."""
    from irl_studio.continuous.plane import FORMAT, builtin_plane_names

    if spec.startswith("gym:") or spec in builtin_plane_names():
        return True
    p = Path(spec)
    if p.is_file() and p.suffix.lower() == ".json":
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            return False
        return isinstance(data, dict) and data.get("format") == FORMAT
    return False


def wants_plane(argv: Sequence[str]) -> bool:
    return bool(argv) and not argv[0].startswith("-") and is_plane_spec(argv[0])


def _plane(spec: str):
    from irl_studio.continuous.plane import resolve_plane

    if spec.startswith("gym:"):
        raise PlaneUsageError(f"{spec}: transfer re-optimizes on a plane; on a Gymnasium environment train an agent "
                              f"on the learned reward with irl_studio.continuous.wrapper.LearnedRewardWrapper")
    return resolve_plane(spec)


def _parser(prog: str, description: str):
    from irl_studio.cli import _Parser

    return _Parser(prog=prog, description=description)


def _algo(name: str | None):
    from irl_studio.algorithms import get_sample_based

    if name is None:
        return None
    if name not in SAMPLE_ALGOS:
        raise PlaneUsageError(f"--algo {name!r}: on a plane choose one of {', '.join(SAMPLE_ALGOS)}")
    return get_sample_based(name)


def _check_out(flag: str, path: Path | None, suffixes: tuple[str, ...]) -> None:
    if path is None:
        return
    if path.suffix.lower() not in suffixes:
        raise PlaneUsageError(f"{flag} {path}: use one of {', '.join(suffixes)}")
    if not path.parent.exists():
        raise PlaneUsageError(f"{flag} {path}: the folder {path.parent} does not exist")


def cmd_learn(argv: Sequence[str]) -> int:
    if argv and argv[0].startswith("gym:"):
        from irl_studio import cli_gym

        return cli_gym.cmd_learn(argv)
    from irl_studio.algorithms.base import AlgorithmError, config_from_mapping
    from irl_studio.algorithms.sample_based import config_dict
    from irl_studio.cli import EXIT_RUN_FAILED, _algo_flags, _Parser
    from irl_studio.continuous.demos import load_plane_demos
    from irl_studio.continuous.rewardgrid import save_reward_grid

    pre = _Parser(prog="irl-studio learn", add_help=False)
    pre.add_argument("--algo", default=None)
    known, _ = pre.parse_known_args(argv)
    algo_cls = _algo(known.algo) if known.algo in SAMPLE_ALGOS else None
    p = _parser("irl-studio learn", "Learn a reward over a plane from demonstrations (GCL, GAIL, AIRL).")
    p.add_argument("plane", help="plane file, built-in plane name, or gym:ID")
    p.add_argument("--demos", required=True, help="plane demonstrations file (irl-studio.plane-demos)")
    p.add_argument("--algo", required=True, choices=SAMPLE_ALGOS, help="the sample-based IRL algorithm")
    p.add_argument("--iterations", type=int, default=None, help="number of iterations (default: the config's)")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same result)")
    p.add_argument("--out", required=True, help="learned reward grid (.json, .npz) or networks (.safetensors)")
    p.add_argument("--networks", default=None, help="also save the networks here (.safetensors)")
    p.add_argument("--grid-out-points", type=int, default=201, help="points per axis of the saved reward grid")
    p.add_argument("--report", default=None, help="write a JSON report of the run here")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    if algo_cls is not None:
        _algo_flags(p, algo_cls.Config)
    args = p.parse_args(argv)
    algo_cls = _algo(args.algo)
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
    config = config_from_mapping(algo_cls.Config, values)
    plane = _plane(args.plane)
    demos = load_plane_demos(args.demos, plane)

    import torch

    torch.set_num_threads(1)
    algo = algo_cls(plane, demos, config, seed=args.seed)
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
    except AlgorithmError as exc:
        print(f"irl-studio learn: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    seconds = time.perf_counter() - t0
    info = {"algorithm": algo_cls.name, "iterations": snap.iteration, "seconds": seconds, "env_steps": snap.env_steps,
            "seed": args.seed, "status": snap.status, "plane_name": plane.name, "config": config_dict(config),
            "metrics": dict(snap.metrics)}
    grid = algo.reward_grid(args.grid_out_points)
    if out.suffix.lower() == NET_SUFFIX:
        algo.save_networks(out)
    else:
        from dataclasses import replace

        save_reward_grid(replace(grid, info={**grid.info, **{k: v for k, v in info.items() if k != "algorithm"}}),
                         out)
    if args.networks:
        algo.save_networks(args.networks)
    if args.report:
        from irl_studio.continuous.rewardgrid import RewardGridError, _jsonable
        from irl_studio.core.layout import write_json

        write_json(args.report, _jsonable(info), RewardGridError)
    if not args.quiet:
        print(f"{algo_cls.title}: {snap.iteration} iterations, {snap.env_steps} env steps, {seconds:.1f} s -> {out}",
              file=sys.stderr)
    return 0


def cmd_demos(argv: Sequence[str]) -> int:
    if argv and argv[0].startswith("gym:"):
        from irl_studio import cli_gym

        return cli_gym.cmd_demos(argv)
    from irl_studio.continuous.demos import expert_demos, save_plane_demos

    p = _parser("irl-studio demos", "Expert demonstrations on a plane: the exact planner of the true reward.")
    p.add_argument("plane")
    p.add_argument("--n", type=int, required=True, help="number of demonstrations")
    p.add_argument("--seed", type=int, default=0, help="seed of the start noise")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.n < 1 or args.n > 100_000:
        raise PlaneUsageError("--n must be between 1 and 100000")
    _check_out("--out", Path(args.out), (".json",))
    plane = _plane(args.plane)
    save_plane_demos(expert_demos(plane, args.n, args.seed), args.out)
    return 0


def cmd_transfer(argv: Sequence[str]) -> int:
    from irl_studio.continuous.transfer import load_learned_reward, plan_transfer, rl_transfer

    p = _parser("irl-studio transfer", "Re-optimize under a learned reward on a plane and score it with the true "
                                       "reward; prints JSON: return, optimal_return, reached, ...")
    p.add_argument("reward", help="learned reward: .json / .npz grid or .safetensors networks")
    p.add_argument("--to", required=True, help="the plane to re-optimize on (file or built-in name)")
    p.add_argument("--method", choices=("plan", "rl"), default="plan",
                   help="plan: the exact planner (default); rl: a fresh PPO policy on the reward")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--iterations", type=int, default=150, help="rl: PPO iterations")
    p.add_argument("--start", choices=("uniform", "plane"), default="uniform",
                   help="rl: where the training agents start (uniform over the free plane, or the plane's start)")
    args = p.parse_args(argv)
    if args.iterations < 1:
        raise PlaneUsageError("--iterations must be at least 1")
    reward = load_learned_reward(args.reward)
    plane = _plane(args.to)
    if args.method == "plan":
        res = plan_transfer(plane, reward)
    else:
        import torch

        torch.set_num_threads(1)
        res = rl_transfer(plane, reward, args.iterations, args.seed, args.start == "uniform")
    out = {"method": args.method, **res.as_dict(), "plane": plane.name,
           "path": [[round(float(x), 6), round(float(y), 6)] for x, y in res.positions]}
    print(json.dumps(out))
    return 0

"""The ``irl-studio`` command: the desktop app when called bare, and ``learn``, ``demos``, ``evaluate``, ``layouts``.

Exit status: 0 on success, 2 on bad input with one clear line on stderr (never a traceback), 1 when a run fails.
LAYOUT arguments are a file path or the name of a built-in layout (``irl-studio layouts`` lists them).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np


from irl_studio import IRLStudioError

EXIT_BAD_INPUT = 2
EXIT_RUN_FAILED = 1


class UsageError(IRLStudioError):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse's own behaviour, minus the usage block)
        raise UsageError(f"{self.prog}: {message}")


def _load_layout(spec: str):
    from irl_studio.core.builtin import resolve_layout

    return resolve_layout(spec)


def _load_demos(spec: str, layout_spec: str):
    from irl_studio.core.builtin import builtin_demos, builtin_names
    from irl_studio.core.demos import load_demos
    from irl_studio.core.session import is_session_file, load_session

    p = Path(spec)
    if not p.exists() and spec == "builtin" and layout_spec in builtin_names():
        return builtin_demos(layout_spec)
    if spec == "session" and is_session_file(layout_spec):  # the demonstrations of the session given as LAYOUT
        return load_session(layout_spec).demos
    return load_session(p).demos if is_session_file(p) else load_demos(p)


def _algo_flags(parser: argparse.ArgumentParser, config_type: type) -> None:
    from irl_studio.algorithms.base import config_fields

    group = parser.add_argument_group(f"{config_type.__name__} parameters")
    for f in config_fields(config_type):
        if f.name == "max_iterations":
            continue  # --iterations
        meta = f.metadata
        help_text = f"{meta.get('help', '')} (default: {f.default})"
        group.add_argument(f"--{f.name.replace('_', '-')}", dest=f"cfg_{f.name}", default=None, metavar="VALUE",
                           help=help_text, choices=None)


def _learn_parser(algo_cls=None) -> argparse.ArgumentParser:
    from irl_studio.algorithms import ALGORITHMS
    from irl_studio.core.features import FEATURE_SETS

    p = _Parser(prog="irl-studio learn", description="Learn a reward from demonstrations.")
    p.add_argument("layout", help="layout file or built-in layout name")
    p.add_argument("--demos", required=True, help="demonstrations file ('builtin': the built-in layout's demos)")
    p.add_argument("--algo", required=True, choices=sorted(ALGORITHMS), help="the IRL algorithm")
    p.add_argument("--features", default="state", choices=sorted(FEATURE_SETS), help="reward features")
    p.add_argument("--iterations", type=int, default=None, help="maximum number of iterations")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same result)")
    p.add_argument("--out", required=True, help="learned reward: .npy, .csv, .json or .png")
    p.add_argument("--report", default=None, help="write a JSON report of the run here")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    if algo_cls is not None:
        _algo_flags(p, algo_cls.Config)
    return p


def cmd_learn(argv: Sequence[str]) -> int:
    from irl_studio import cli_plane

    if cli_plane.wants_plane(argv):  # a plane (or gym:ID): GCL / GAIL / AIRL
        return cli_plane.cmd_learn(argv)
    from irl_studio.algorithms import get_algorithm
    from irl_studio.algorithms.base import AlgorithmError, Problem, config_fields, config_from_mapping
    from irl_studio.core.rewardio import SUFFIXES, RewardFileError, save_reward

    # find --algo first (no --help here), so that the full parser, and its --help, has the algorithm's flags
    pre = _Parser(prog="irl-studio learn", add_help=False)
    pre.add_argument("--algo", default=None)
    known, _ = pre.parse_known_args(argv)
    args = _learn_parser(get_algorithm(known.algo) if known.algo is not None else None).parse_args(argv)
    algo_cls = get_algorithm(args.algo)
    out = Path(args.out)
    if out.suffix.lower() not in SUFFIXES:
        raise RewardFileError(f"--out {out}: use one of {', '.join(SUFFIXES)}")
    for flag, path in (("--out", out), ("--report", Path(args.report) if args.report else None)):
        if path is not None and not path.parent.exists():  # refused before the run, not after it
            raise RewardFileError(f"{flag} {path}: the folder {path.parent} does not exist")
    values: dict[str, Any] = {k[4:]: v for k, v in vars(args).items() if k.startswith("cfg_") and v is not None}
    if "eval_every" not in values and any(f.name == "eval_every" for f in config_fields(algo_cls.Config)):
        values["eval_every"] = 0  # score once, at the end (--eval-every N: every N iterations too)
    if args.iterations is not None:
        if args.iterations < 1:
            raise UsageError("--iterations must be at least 1")
        values["max_iterations"] = args.iterations
    config = config_from_mapping(algo_cls.Config, values)
    layout = _load_layout(args.layout)
    demos = _load_demos(args.demos, args.layout)
    problem = Problem.from_layout(layout, demos, args.features)

    from irl_studio.algorithms import SAMPLE_BASED_NAMES

    if algo_cls.name in SAMPLE_BASED_NAMES:  # small nets: one thread is fastest, as on the plane
        import torch

        torch.set_num_threads(1)
    algo = algo_cls(problem, config, seed=args.seed)
    t0 = time.perf_counter()
    last_print = 0.0

    def progress(snap) -> None:
        nonlocal last_print
        now = time.perf_counter()
        if not args.quiet and (now - last_print > 1.0 or snap.done):
            last_print = now
            m = snap.metrics
            line = f"iteration {snap.iteration}: feature gap {m.get('feature_gap_inf', float('nan')):.3g}"
            if "gradient_inf" in m:
                line += f", gradient {m['gradient_inf']:.3g}"
            if "log_likelihood" in m:
                line += f", log-likelihood {m['log_likelihood']:.4g}"
            print(line, file=sys.stderr)

    try:
        snap = algo.run(callback=progress)
    except AlgorithmError as exc:
        print(f"irl-studio learn: {exc}", file=sys.stderr)
        return EXIT_RUN_FAILED
    seconds = time.perf_counter() - t0
    info = {"algorithm": algo_cls.name, "features": args.features, "iterations": snap.iteration, "seed": args.seed,
            "status": snap.status, "config": dataclasses.asdict(config), "seconds": seconds,
            "horizon_steps": problem.horizon, "demonstrations": problem.arrays.n,
            "metrics": dict(snap.metrics), "unidentified_weights": list(snap.unidentified), "notes": list(snap.notes)}
    if snap.weights is not None:
        info["weights_max_abs"] = float(np.max(np.abs(snap.weights))) if snap.weights.size else 0.0
        if snap.weights.size <= 4096:
            info["weights"] = snap.weights.tolist()
            info["feature_names"] = list(problem.features.names)
    if out.suffix.lower() == ".png":
        from irl_studio.gui.render import save_reward_png

        save_reward_png(out, snap.reward_grid, f"{algo_cls.title} - {layout.name}")
    else:
        save_reward(out, snap.reward_grid, layout, info)
    if args.report:
        from irl_studio.core.layout import write_json
        from irl_studio.core.rewardio import _jsonable

        write_json(args.report, _jsonable(info), RewardFileError)
    if not args.quiet:
        print(f"{algo_cls.title}: {snap.iteration} iterations, {snap.status}, {seconds:.2f} s -> {out}",
              file=sys.stderr)
        for note in snap.notes:
            print(f"note: {note}", file=sys.stderr)
    return 0


def cmd_demos(argv: Sequence[str]) -> int:
    from irl_studio import cli_plane

    if cli_plane.wants_plane(argv):
        return cli_plane.cmd_demos(argv)
    from irl_studio.core.demos import expert_demos, layout_true_reward, save_demos
    from irl_studio.core.mdp import build_mdp

    p = _Parser(prog="irl-studio demos", description="Generate expert demonstrations from a layout's true reward.")
    p.add_argument("layout")
    p.add_argument("--n", type=int, required=True, help="number of demonstrations")
    p.add_argument("--expert", choices=("optimal", "soft"), default="optimal")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--beta", type=float, default=1.0,
                   help="rationality of the soft expert: pi ~ exp(beta Q) (default 1; raise it on layouts with goals, "
                        "where a beta-1 soft expert tends to wander)")
    p.add_argument("--horizon", type=int, default=None,
                   help="steps (actions) per demonstration, at most; T steps visit at most T + 1 cells "
                        "(default: the layout's horizon)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.n < 1:
        raise UsageError("--n must be at least 1")
    if args.horizon is not None and args.horizon < 1:
        raise UsageError("--horizon must be at least 1")
    layout = _load_layout(args.layout)
    mdp = build_mdp(layout)
    true = layout_true_reward(mdp, layout.true_reward)
    demos = expert_demos(mdp, true, args.n, args.expert, args.seed, args.horizon, beta=args.beta)
    demos.extra = {"layout": layout.name, "expert": args.expert, "seed": args.seed, "beta": args.beta}
    save_demos(demos, args.out)
    return 0


def cmd_evaluate(argv: Sequence[str]) -> int:
    from irl_studio.core.demos import layout_true_reward
    from irl_studio.core.mdp import build_mdp
    from irl_studio.core.metrics import Scorer
    from irl_studio.core.rewardio import load_reward, reward_on_floor

    p = _Parser(prog="irl-studio evaluate", description="Score a learned reward against the layout's true reward.")
    p.add_argument("layout")
    p.add_argument("--reward", required=True, help=".npy, .csv or .json reward grid")
    args = p.parse_args(argv)
    layout = _load_layout(args.layout)
    mdp = build_mdp(layout)
    true = layout_true_reward(mdp, layout.true_reward)
    grid = load_reward(args.reward, layout.shape)
    learned = reward_on_floor(layout, grid, args.reward)
    scorer = Scorer(mdp, true)
    out: dict[str, Any] = {"horizon_steps": mdp.horizon, "discount": mdp.discount, **scorer.full(learned)}
    note = scorer.correlation_note(learned)
    if note:
        out["correlation_note"] = note
    print(json.dumps(out))
    return 0


def cmd_layouts(argv: Sequence[str]) -> int:
    from irl_studio.core.builtin import builtin_layout, builtin_names

    _Parser(prog="irl-studio layouts", description="List the built-in layouts.").parse_args(argv)
    for name in builtin_names():
        lay = builtin_layout(name)
        print(f"{name:24s} {lay.rows}x{lay.cols}  slip {lay.slip:g}  {lay.name}")
    return 0


def cmd_gui(argv: Sequence[str]) -> int:
    p = _Parser(prog="irl-studio", description="IRL Studio: inverse reinforcement learning you can see.")
    p.add_argument("layout", nargs="?", default=None, help="layout file or built-in name to open")
    args = p.parse_args(argv)
    try:
        from irl_studio.gui.app import run_app
    except ImportError as exc:
        raise UsageError(f"the desktop app is not available here ({exc}); the sub-commands learn, demos, "
                         f"evaluate and layouts work without it") from None
    return run_app(args.layout)


def cmd_transfer(argv: Sequence[str]) -> int:
    from irl_studio import cli_plane

    return cli_plane.cmd_transfer(argv)


COMMANDS = {"learn": cmd_learn, "demos": cmd_demos, "evaluate": cmd_evaluate, "layouts": cmd_layouts,
            "transfer": cmd_transfer}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nusage: irl-studio [LAYOUT] | irl-studio {learn,demos,evaluate,layouts} ... (each has --help)")
        return 0
    try:
        if argv and argv[0] in COMMANDS:
            code = COMMANDS[argv[0]](argv[1:])
            sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
            return code
        return cmd_gui(argv)
    except IRLStudioError as exc:
        print(f"irl-studio: {exc}" if not str(exc).startswith("irl-studio") else str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("irl-studio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `irl-studio evaluate ... | head`: the reader left; no traceback, none at exit either
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except MemoryError:
        print("irl-studio: out of memory (the grid or horizon is too large for this machine)", file=sys.stderr)
        return EXIT_BAD_INPUT

"""Benchmark of the planning engine: one backward + forward pass on N x N open grids, against a dense reference.

For N = 16, 32, 64, 128, 256 (Layout.empty(N+2, N+2): N x N floor, no goal), horizon 2N steps, slip 0.3, the layout's
discount (0.95), a random reward:

* sparse: soft_value_iteration (finite horizon) + state_visitation, the engine's pass (MCE IRL's inner loop);
* dense: a numpy reference on the dense (S, A, S) tensor with einsum, in the same process, where the tensor (and
  the reference's (T, S, A) policy) fit in 1.5 GB; both must give the same visitation;
* messages: the lecture's backward/forward messages and their visitation (MaxEnt IRL's inner loop).

Then one full MCE IRL fit on 32 x 32 with one-hot `state` features, horizon 64 steps, no prior (l2 = 0), stopping at ‖D − D_E‖∞ < 1e-3,
where D_E is the exact visitation of the soft-optimal expert of a random true reward in the same model (realizable).
The `imitation` library's MCE IRL takes about 226 s (482 Adam steps, dense transitions) for that fit on this machine.

Usage: python scripts/bench_planning.py [--sizes 16,32,64] [--no-write]
Writes its markdown table into the `planning` block of docs/benchmarks.md.
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

from irl_studio.algorithms.base import Problem, config_from_mapping  # noqa: E402
from irl_studio.algorithms.mce import MCEIRL  # noqa: E402
from irl_studio.core.demos import Demos, Trajectory  # noqa: E402
from irl_studio.core.layout import Layout  # noqa: E402
from irl_studio.core.mdp import build_mdp  # noqa: E402
from irl_studio.core.planning import (  # noqa: E402
    message_visitation,
    messages,
    soft_value_iteration,
    state_visitation,
)

ROOT = Path(__file__).resolve().parent.parent
DENSE_LIMIT = 1.5 * 2 ** 30  # bytes
SLIP = 0.3


def grid(N: int, horizon: int | None = None) -> Layout:
    lay = Layout.empty(N + 2, N + 2, name=f"open {N}x{N}")
    lay.slip = SLIP
    lay.horizon_override = 2 * N if horizon is None else horizon
    return lay


def dense_pass(P: np.ndarray, r: np.ndarray, p0: np.ndarray, T: int, gamma: float) -> np.ndarray:
    """Reference over T steps: Q_t = r + gamma P V_{t+1}, V_t = logsumexp_a Q_t, V_T = r; D = sum_{t=0..T} gamma^t d_t
    with d_{t+1}(s') = sum_{s,a} d_t(s) pi_t(a|s) P(s'|s,a). (No goals on these grids.)"""
    S, A, _ = P.shape
    V = r.copy()
    pis = np.empty((T, S, A))
    for t in range(T - 1, -1, -1):
        Q = r[:, None] + gamma * np.einsum("sap,p->sa", P, V)
        m = Q.max(axis=1, keepdims=True)
        V = (m + np.log(np.exp(Q - m).sum(axis=1, keepdims=True)))[:, 0]
        pis[t] = np.exp(Q - V[:, None])
    d = p0.copy()
    D = np.zeros(S)
    for t in range(T + 1):
        D += gamma ** t * d
        if t < T:
            d = np.einsum("s,sa,sap->p", d, pis[t], P, optimize=True)
    return D


def best_of(fn, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def bench_pass(N: int) -> dict:
    lay = grid(N)
    mdp = build_mdp(lay)
    T, S, A, gamma = 2 * N, mdp.n_states, mdp.n_actions, mdp.discount
    r = np.random.default_rng(N).normal(size=S)
    _ = mdp.DT, mdp.incoming_am  # built once per MDP, not per pass

    def sparse():
        plan = soft_value_iteration(mdp, r, horizon=T, discount=gamma)
        return state_visitation(plan, mdp, T)

    def lecture():
        return message_visitation(messages(mdp, r, T))

    reps = 3 if N <= 128 else 1
    t_sparse, D = best_of(sparse, reps)
    t_msg, Dm = best_of(lecture, reps)
    row = {"N": N, "S": S, "T": T, "sparse": t_sparse, "messages": t_msg, "dense": None, "diff": None,
           "sum": float(D.sum())}
    assert abs(D.sum() - (1 - gamma ** (T + 1)) / (1 - gamma)) < 1e-8 * T, "visitation: sum_{t=0..T} gamma^t"
    assert abs(Dm.sum() - (T + 1)) < 1e-8 * T, "message visitation must sum to T + 1 (the cells occupied)"
    need = S * A * S * 8 * 2 + T * S * A * 8  # P (and its toarray temporary) + the reference's policies
    if need < DENSE_LIMIT:
        P = mdp.dense_transitions()
        t_dense, D_ref = best_of(lambda: dense_pass(P, r, mdp.start, T, gamma), 1 if N >= 64 else 3)
        del P
        row["dense"] = t_dense
        row["diff"] = float(np.max(np.abs(D - D_ref)))
        assert row["diff"] < 1e-8 * max(1.0, float(D_ref.max())), f"sparse and dense visitation differ: {row['diff']}"
    return row


class ExactExpertMCE(MCEIRL):
    """MCE IRL whose expert statistics are an exact visitation D_E (no sampling noise: a realizable target)."""

    exact_D_E: np.ndarray

    def expert_visitation(self, discount: float = 1.0) -> np.ndarray:
        return self.exact_D_E


def bench_fit(N: int = 32, seed: int = 0) -> dict:
    T = 2 * N
    lay = grid(N, horizon=T)
    mdp = build_mdp(lay)
    rng = np.random.default_rng(seed)
    true_r = rng.normal(size=mdp.n_states)
    plan = soft_value_iteration(mdp, true_r, horizon=T, discount=mdp.discount)
    D_E = state_visitation(plan, mdp, T, start=mdp.start)
    # the problem needs a (valid, full-length) demonstration; its statistics are replaced by the exact D_E
    c = tuple(int(v) for v in mdp.cells[0])
    dummy = Demos([Trajectory((c,) * (T + 1), ("stay",) * T)])  # T steps: T + 1 cells
    problem = Problem.from_layout(lay, dummy, "state")
    cls = type("Fit", (ExactExpertMCE,), {"exact_D_E": D_E})
    # exact (realizable) expert statistics: plain maximum likelihood, no prior (l2 = 0)
    algo = cls(problem, config_from_mapping(cls.Config, {"start": "layout", "tol": 1e-3, "max_iterations": 2000,
                                                         "l2": 0.0, "eval_every": 0}),
               seed=seed)
    t0 = time.perf_counter()
    snap = algo.run()
    seconds = time.perf_counter() - t0
    gap = float(np.max(np.abs(snap.learner_visitation - D_E)))
    return {"seconds": seconds, "iterations": snap.iteration, "evaluations": int(algo.opt.evaluations),
            "gap": gap, "status": snap.status, "pearson": float(np.corrcoef(snap.reward, true_r)[0, 1])}


def fmt(x, spec="{:.3f}") -> str:
    return "—" if x is None else spec.format(x)


def table(rows: list[dict], fit: dict | None) -> str:
    cpu = platform.processor() or platform.machine()
    out = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({cpu}), numpy {np.__version__}, "
           f"`OMP_NUM_THREADS=1`; best of 3 runs (1 for N = 256 and for dense N >= 64).",
           "",
           "One backward + forward pass: finite-horizon soft value iteration + state visitation, N x N open grid, "
           f"horizon 2N steps, slip {SLIP}, discount 0.95. Dense = numpy reference on the (S, A, S) tensor with einsum, same "
           "process, where it fits in 1.5 GB; 'max abs diff of D' compares the two visitations.",
           "",
           "| N | states | horizon | sparse pass (s) | dense reference (s) | speed-up | max abs diff of D | "
           "lecture messages pass (s) |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        ratio = None if r["dense"] is None else r["dense"] / r["sparse"]
        out.append(f"| {r['N']} | {r['S']} | {r['T']} | {fmt(r['sparse'])} | {fmt(r['dense'])} | "
                   f"{fmt(ratio, '{:.0f}x')} | {fmt(r['diff'], '{:.1e}')} | {fmt(r['messages'])} |")
    if fit is not None:
        out += ["",
                "Full MCE IRL fit, 32 x 32 open grid, one-hot `state` features (1024 weights), horizon 64, slip 0.3, "
                "discount 0.95, L-BFGS, stop at ‖D − D_E‖∞ < 1e-3 with D_E the exact visitation of the "
                "soft-optimal expert of a random reward (realizable):",
                "",
                "| fit | seconds | iterations | objective evaluations | final ‖D − D_E‖∞ | status |",
                "|---|---:|---:|---:|---:|---|",
                f"| IRL Studio MCE (L-BFGS) | {fit['seconds']:.2f} | {fit['iterations']} | {fit['evaluations']} | "
                f"{fit['gap']:.1e} | {fit['status']} |",
                "| `imitation` MCE IRL (reference, dense transitions, Adam) | ~226 | 482 | 482 | < 1e-3 | — |"]
    return "\n".join(out)


def write_block(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    doc = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(<!-- planning:start -->\n).*?(<!-- planning:end -->)",
                     lambda m: m.group(1) + text + "\n" + m.group(2), doc, flags=re.S)
    if n != 1:
        raise SystemExit("docs/benchmarks.md has no planning block")
    path.write_text(new, encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="16,32,64,128,256")
    ap.add_argument("--no-fit", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for N in (int(v) for v in args.sizes.split(",")):
        row = bench_pass(N)
        rows.append(row)
        print(f"N={N:4d}: sparse {row['sparse']:.3f} s, dense {fmt(row['dense'])} s, messages "
              f"{row['messages']:.3f} s, diff {fmt(row['diff'], '{:.1e}')}", file=sys.stderr, flush=True)
    fit = None if args.no_fit else bench_fit()
    if fit:
        print(f"MCE fit 32x32: {fit['seconds']:.2f} s, {fit['iterations']} iterations, gap {fit['gap']:.1e}, "
              f"{fit['status']}", file=sys.stderr)
    text = table(rows, fit)
    print(text)
    if not args.no_write:
        write_block(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Regenerate the built-in layouts and demonstration sets in assets/ (deterministic: fixed seeds).

    python scripts/make_assets.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from irl_studio.core.demos import expert_demos, layout_true_reward, save_demos  # noqa: E402
from irl_studio.core.layout import Layout, WorldObject, save_layout  # noqa: E402
from irl_studio.core.mdp import build_mdp  # noqa: E402

OUT = ROOT / "assets"


def reward_by_char(layout: Layout, table: dict[str, float]) -> np.ndarray:
    tr = np.full(layout.shape, np.nan)
    for ch, v in table.items():
        tr[layout.grid == ch] = v
    return tr


def save(key: str, layout: Layout, n: int, expert: str, seed: int) -> None:
    save_layout(layout, OUT / "layouts" / f"{key}.json")
    mdp = build_mdp(layout)
    demos = expert_demos(mdp, layout_true_reward(mdp, layout.true_reward), n, expert, seed)
    demos.extra = {"layout": key, "expert": expert, "seed": seed}
    save_demos(demos, OUT / "demos" / f"{key}.json")
    print(f"{key}: {layout.rows}x{layout.cols}, {mdp.n_states} states, {n} {expert} demos")


def open_field() -> Layout:
    rows = ["############",
            "#S.........#",
            "#..........#",
            "#..........#",
            "#..........#",
            "#..........#",
            "#..........#",
            "#..........#",
            "#.........G#",
            "############"]
    lay = Layout.from_rows(rows, name="open field", slip=0.0, discount=0.95)
    lay.true_reward = reward_by_char(lay, {".": -1, "S": -1, "G": 10})
    return lay


def four_rooms() -> Layout:
    rows = ["#############",
            "#S....#.....#",
            "#.....#.....#",
            "#...........#",
            "#.....#.....#",
            "#.....#.....#",
            "##.####.....#",
            "#.....###.###",
            "#.....#.....#",
            "#.....#.....#",
            "#...........#",
            "#.....#....G#",
            "#############"]
    lay = Layout.from_rows(rows, name="four rooms", slip=0.0, discount=0.95)
    lay.true_reward = reward_by_char(lay, {".": -1, "S": -1, "G": 10})
    return lay


def maze(size: int = 10, seed: int = 3) -> Layout:
    """A perfect maze of size x size rooms (depth-first carving), 2 size + 1 cells a side."""
    rng = np.random.default_rng(seed)
    n = 2 * size + 1
    g = np.full((n, n), "#", dtype="<U1")
    stack, seen = [(0, 0)], {(0, 0)}
    g[1, 1] = "."
    while stack:
        r, c = stack[-1]
        nbrs = [(r + dr, c + dc) for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1))
                if 0 <= r + dr < size and 0 <= c + dc < size and (r + dr, c + dc) not in seen]
        if not nbrs:
            stack.pop()
            continue
        nr, nc = nbrs[rng.integers(len(nbrs))]
        g[2 * nr + 1, 2 * nc + 1] = "."
        g[r + nr + 1, c + nc + 1] = "."
        seen.add((nr, nc))
        stack.append((nr, nc))
    g[1, 1], g[n - 2, n - 2] = "S", "G"
    # the shortest path S -> G is 116 steps: a horizon of 160 steps leaves room for it (the default 2 (rows + cols) = 84
    # would not)
    lay = Layout(grid=g, name="maze", slip=0.0, discount=0.98, horizon_override=160)
    lay.true_reward = reward_by_char(lay, {".": -1, "S": -1, "G": 20})
    return lay


def cliff() -> Layout:
    rows = ["##############",
            "#............#",
            "#............#",
            "#............#",
            "#SaaaaaaaaaaG#",
            "##############"]
    lay = Layout.from_rows(rows, name="cliff (slip 0.1)", slip=0.1, discount=0.95)
    lay.true_reward = reward_by_char(lay, {".": -1, "S": -1, "a": -100, "G": 10})
    return lay


def terrain() -> Layout:
    rows = ["##################",
            "#S...bb....aa....#",
            "#....bb..c.aa..c.#",
            "#..aa....cc...bb.#",
            "#..aa.bb.cc...bb.#",
            "#.....bb.....aa..#",
            "#.cc.....aa..aa..#",
            "#.cc..bb.aa......#",
            "#.....bb....cc..G#",
            "##################"]
    lay = Layout.from_rows(rows, name="terrain: lava (a), mud (b), grass (c)", slip=0.1, discount=0.95)
    lay.true_reward = reward_by_char(lay, {".": -1, "S": -1, "a": -10, "b": -4, "c": -0.5, "G": 20})
    return lay


def objectworld(n: int = 32, colours: int = 2, density: float = 0.05, seed: int = 7) -> Layout:
    """Levine, Popovic & Koltun 2011: objects with inner/outer colours; +5 within 3 of outer colour 0 and within 2 of
    outer colour 1, -10 within 3 of outer colour 0 only, 0 otherwise. No walls; slip 0.3, discount 0.9."""
    rng = np.random.default_rng(seed)
    g = np.full((n, n), ".", dtype="<U1")
    objects = []
    for r in range(n):
        for c in range(n):
            if rng.random() < density:
                objects.append(WorldObject((r, c), int(rng.integers(colours)), int(rng.integers(colours))))
    # 8-step demonstrations (9 cells), as in Levine et al. 2011
    lay = Layout(grid=g, name=f"objectworld {n}x{n}", slip=0.3, discount=0.9, horizon_override=8, objects=objects)
    cells = np.argwhere(g != "#")
    pos = np.array([o.cell for o in objects], float)
    dist = np.sqrt(((cells[:, None, :] - pos[None]) ** 2).sum(-1))
    outer = np.array([o.outer for o in objects])
    d0 = dist[:, outer == 0].min(axis=1)
    d1 = dist[:, outer == 1].min(axis=1)
    r = np.where((d0 <= 3) & (d1 <= 2), 5.0, np.where(d0 <= 3, -10.0, 0.0))
    tr = np.full((n, n), np.nan)
    tr[cells[:, 0], cells[:, 1]] = r
    lay.true_reward = tr
    return lay


def abbeel_ng(n: int = 128, macro: int = 16, seed: int = 11) -> Layout:
    """Abbeel & Ng 2004: 128x128, 64 macrocells of 16x16, 4 actions, 30% random move, discount 0.99, sparse
    non-negative true weights on the macrocell indicators."""
    rng = np.random.default_rng(seed)
    g = np.full((n, n), ".", dtype="<U1")
    k = (n // macro) ** 2
    w = np.zeros(k)
    nz = rng.choice(k, size=k // 10, replace=False)  # about a tenth of the weights are non-zero
    w[nz] = rng.random(len(nz))
    w /= w.sum()
    lay = Layout(grid=g, name="Abbeel-Ng 128x128 (64 macrocells)", slip=0.3, discount=0.99, horizon_override=100,
                 actions=("up", "down", "left", "right"), macrocell=macro)
    rr, cc = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lay.true_reward = w[(rr // macro) * (n // macro) + cc // macro]
    lay.extra["true_weights"] = w.tolist()
    return lay


def main() -> None:
    (OUT / "layouts").mkdir(parents=True, exist_ok=True)
    (OUT / "demos").mkdir(parents=True, exist_ok=True)
    save("open-field", open_field(), 20, "optimal", 1)
    save("four-rooms", four_rooms(), 20, "optimal", 2)
    save("maze", maze(), 10, "optimal", 3)
    save("cliff", cliff(), 20, "optimal", 4)
    save("terrain", terrain(), 40, "optimal", 5)
    save("objectworld-32", objectworld(), 64, "soft", 6)
    save("abbeel-ng-128", abbeel_ng(), 20, "optimal", 7)


if __name__ == "__main__":
    main()

"""Every reader a user can point at a file — layouts, demonstrations, rewards (.npy, .csv, .json), sessions — fuzzed
with 10,000 generated inputs each: whatever the input, the reader returns a valid object or raises an IRLStudioError
with a message, never another exception.

Inputs are *mutations of valid files* (the built-in layouts and demonstrations, a saved session, exported rewards):
hypothesis draws a seed per example and a seeded mutator applies 1-4 structural edits (a value replaced by a nasty
one — wrong type, huge, negative, NaN, deeply nested —, a key deleted, an element duplicated or dropped, an index
moved off the grid, a string damaged) and, for the text and binary readers, byte-level damage (truncation, flipped
and inserted bytes). Drawing one integer is cheap, so 10,000 examples per reader take seconds; the structured
strategies of test_fuzz.py cover the space between valid files. A failure prints the seed, which reproduces it."""

from __future__ import annotations

import copy
import gc
import io
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from irl_studio import IRLStudioError
from irl_studio.core.builtin import builtin_demos, builtin_layout
from irl_studio.core.demos import demos_from_dict, demos_to_dict, load_demos, to_arrays, validate_demos
from irl_studio.core.layout import Layout, layout_from_dict, layout_to_dict, load_layout, loads_layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.rewardio import load_reward, save_reward

# numpy warns about the headers of damaged .npy files (Python 2 literals, escape sequences): expected here
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")
N_EXAMPLES = 10_000
FUZZ = settings(max_examples=N_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck))
seeds = st.integers(0, 2 ** 63 - 1)

@pytest.fixture(scope="module", autouse=True)
def _no_full_collections():
    """Each example makes thousands of small objects; with torch and Qt loaded by earlier tests, the collector's full
    passes over their objects took most of the time. Freeze what exists (it is not garbage) for this module."""
    gc.collect()
    gc.freeze()
    yield
    gc.unfreeze()


SMALL = ("four-rooms", "cliff", "terrain", "open-field")
LAYOUTS = {name: layout_to_dict(builtin_layout(name)) for name in SMALL}
LAYOUTS["tiny"] = layout_to_dict(Layout.from_rows(["#####", "#S..#", "#.#G#", "#####"], slip=0.1,
                                                  horizon_override=6, objects=[{"cell": [1, 2], "inner": 0,
                                                                                "outer": 1}]))
DEMOS = {name: demos_to_dict(builtin_demos(name)) for name in SMALL}
for d in DEMOS.values():  # a few trajectories are enough to mutate (and keeps each example cheap)
    d["trajectories"] = d["trajectories"][:3]
MDPS = {name: build_mdp(builtin_layout(name)) for name in SMALL}

NASTY = [None, True, False, 0, -1, 1, 2, 3, 7, -7, 10 ** 6, -10 ** 6, 10 ** 400, -10 ** 400, 0.5, -0.5, 1e308,
         -1e308, float("nan"), float("inf"), "", "x", "#", "S", "G", "é", "\x00", "up", "stay", "jump", "1", [], {},
         [[]], [1, 2], [-1, -1], [0, 0], [10 ** 9, 0], [1.5, 2], ["a", "b"], {"cell": [0, 0]}, [None, None],
         "irl-studio.layout", "irl-studio.demos", "irl-studio.session", "irl-studio.reward"]


def _walk(doc, rnd: random.Random):
    """A random path from the root (a random descent, stopping at each container with probability 0.25): O(depth),
    not O(size), so large documents stay cheap to mutate."""
    path, node = [], doc
    while isinstance(node, (dict, list)) and node and rnd.random() > 0.25:
        key = rnd.choice(list(node)) if isinstance(node, dict) else rnd.randrange(len(node))
        path.append(key)
        node = node[key]
    return path, node


def _copy_path(doc, path):
    """Shallow copies of the containers along ``path`` (copy-on-write: the valid document is never changed)."""
    root = copy.copy(doc)
    node = root
    for key in path[:-1]:
        node[key] = copy.copy(node[key])
        node = node[key]
    return root, node


def _deep(rnd: random.Random):
    x: object = rnd.choice(NASTY[:8])
    for _ in range(rnd.randint(2, 60)):
        x = [x] if rnd.random() < 0.5 else {"k": x}
    return x


def _nasty(rnd: random.Random, old):
    r = rnd.random()
    if r < 0.1:
        return _deep(rnd)
    if r < 0.3 and isinstance(old, (int, float)) and not isinstance(old, bool):
        try:
            return old + rnd.choice([-1, 1, -2, 2, 10, -10, 0.5, 1e-9, 10 ** 12])
        except OverflowError:  # a huge integer plus a float
            return old
    if r < 0.45 and isinstance(old, str) and old:
        i = rnd.randrange(len(old))
        return old[:i] + rnd.choice(["#", ".", "S", "G", "a", "x", "", "..", "é", " "]) + old[i + 1:]
    return copy.deepcopy(rnd.choice(NASTY))


def mutate(doc, rnd: random.Random):
    """1-4 structural edits of ``doc`` (which is not changed)."""
    for _ in range(rnd.randint(1, 4)):
        path, value = _walk(doc, rnd)
        if not path:
            if rnd.random() < 0.05:
                return _nasty(rnd, doc)
            continue
        doc, parent = _copy_path(doc, path)
        key = path[-1]
        op = rnd.random()
        if op < 0.55:
            parent[key] = _nasty(rnd, value)
        elif op < 0.75:  # delete
            del parent[key]
        elif op < 0.9 and isinstance(parent, list):  # duplicate
            parent.insert(key, value)
        elif isinstance(value, list) and value:  # truncate or shuffle
            value = list(value)
            if rnd.random() < 0.5:
                del value[rnd.randrange(len(value)):]
            else:
                rnd.shuffle(value)
            parent[key] = value
        else:
            parent[key] = copy.deepcopy(_walk(doc, rnd)[1])  # another node's value here (a copy: no cycle)
    return doc


def damage(data: bytes, rnd: random.Random) -> bytes:
    """Byte-level damage: truncation, flipped bytes, inserted bytes."""
    b = bytearray(data)
    for _ in range(rnd.randint(0, 3)):
        op = rnd.random()
        if not b:
            break
        i = rnd.randrange(len(b))
        if op < 0.3:
            del b[i:]
        elif op < 0.65:
            b[i] = rnd.randrange(256)
        else:
            b[i:i] = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 4)))
    return bytes(b)


def dumps(doc) -> str:
    return json.dumps(doc, allow_nan=True)  # NaN / Infinity literals included: the readers must refuse them


def must_fail_cleanly(fn, *args):
    """Run a reader: a result, or an IRLStudioError with a message; any other exception fails the test."""
    try:
        return fn(*args)
    except IRLStudioError as exc:
        assert str(exc).strip()
        return None


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """Where the damaged files go: a RAM disk when there is one (a file written to /tmp costs ~2 ms here, to
    /dev/shm ~0.02 ms: 10,000 examples per reader are seconds, not minutes), else pytest's tmp_path."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        d = Path(tempfile.mkdtemp(prefix="irl-studio-fuzz-", dir=shm))
        yield d
        shutil.rmtree(d, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("fuzz")


# --- layouts ------------------------------------------------------------------------------------------------------
@FUZZ
@given(seeds)
def test_layout_reader_on_mutated_layouts(folder, seed):
    """layout_from_dict, loads_layout (text) and load_layout (a file)."""
    rnd = random.Random(seed)
    doc = mutate(LAYOUTS[rnd.choice(sorted(LAYOUTS))], rnd)
    how = rnd.random()
    if how < 0.4:
        lay = must_fail_cleanly(layout_from_dict, doc, "f.json")
    else:
        data = dumps(doc).encode()
        if rnd.random() < 0.5:
            data = damage(data, rnd)
        if how < 0.7:
            lay = must_fail_cleanly(loads_layout, data.decode("utf-8", errors="replace"), "f.json")
        else:
            p = folder / "l.json"
            p.write_bytes(data)
            lay = must_fail_cleanly(load_layout, p)
    if lay is not None:  # whatever loads is a usable layout
        assert layout_from_dict(json.loads(json.dumps(layout_to_dict(lay), allow_nan=False))) == lay
        assert build_mdp(lay).n_states == int(lay.floor_mask.sum())


# --- demonstrations -----------------------------------------------------------------------------------------------
@FUZZ
@given(seeds)
def test_demonstration_reader_on_mutated_demonstrations(folder, seed):
    """demos_from_dict or load_demos (a file), then validation against the layout's dynamics and horizon."""
    rnd = random.Random(seed)
    name = rnd.choice(SMALL)
    doc = mutate(DEMOS[name], rnd)
    if rnd.random() < 0.7:
        demos = must_fail_cleanly(demos_from_dict, doc, "d.json")
    else:
        p = folder / "d.json"
        data = dumps(doc).encode()
        p.write_bytes(damage(data, rnd) if rnd.random() < 0.5 else data)
        demos = must_fail_cleanly(load_demos, p)
    if demos is None:
        return
    mdp = MDPS[name]
    try:
        validate_demos(mdp, demos)
    except IRLStudioError as exc:
        assert str(exc).strip()
        return
    if len(demos):
        arr = to_arrays(mdp, demos)
        assert np.all(arr.states[:, 0] >= 0) and np.all(arr.steps <= mdp.horizon)


# --- rewards --------------------------------------------------------------------------------------------------------
def _valid_reward_files(folder: Path) -> dict[str, bytes]:
    lay = builtin_layout("terrain")
    grid = np.where(lay.floor_mask, np.random.default_rng(0).normal(size=lay.shape), np.nan)
    out = {}
    for suffix in (".npy", ".csv", ".json"):
        p = folder / f"valid{suffix}"
        save_reward(p, grid, lay, {"algorithm": "mce", "iterations": 3})
        out[suffix] = p.read_bytes()
    out["odd.npy"] = _npy(np.zeros((3, 3, 2)))  # valid .npy files of the wrong kind
    out["int.npy"] = _npy(np.arange(12, dtype=np.int8).reshape(3, 4))
    out["str.npy"] = _npy(np.array([["a", "b"]]))
    return out


@FUZZ
@given(seeds)
def test_reward_reader_on_damaged_files(folder, seed):
    """load_reward on damaged .npy, .csv and .json rewards (and mutated .json documents), with and without the
    layout's shape to check against."""
    rnd = random.Random(seed)
    if not hasattr(test_reward_reader_on_damaged_files, "valid"):
        test_reward_reader_on_damaged_files.valid = _valid_reward_files(folder)
    valid = test_reward_reader_on_damaged_files.valid
    kind = rnd.choice([".npy", ".npy", "odd.npy", "int.npy", "str.npy", ".csv", ".csv", ".json", ".json"])
    if kind == ".json" and rnd.random() < 0.6:
        data = dumps(mutate(json.loads(valid[".json"]), rnd)).encode()
    else:
        data = valid[kind]
    p = folder / ("r" + kind[-4:] if kind.endswith(".npy") else f"r{kind}")
    p.write_bytes(damage(data, rnd) if rnd.random() < 0.85 else data)
    out = must_fail_cleanly(load_reward, p, (10, 18) if rnd.random() < 0.5 else None)
    if out is not None:
        assert out.ndim == 2 and out.dtype == np.float64


def _npy(arr) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


# --- sessions (irl_studio.core.session, Qt-free) ----------------------------------------------------------------
@pytest.fixture(scope="module")
def session_doc() -> dict:
    from irl_studio.core.session import LearnedResult, session_to_dict

    lay = builtin_layout("four-rooms")
    demos = builtin_demos("four-rooms")
    demos.trajectories = demos.trajectories[:2]
    grid = np.where(lay.floor_mask, 1.0, np.nan)
    result = LearnedResult(grid=grid, algorithm="mce", features="state", iterations=3, seed=1, params={"l2": 1.0},
                           weights=np.arange(3.0), layout=lay.copy(), metrics={"evd": 0.5})
    settings_ = {"algorithm": "mce", "features": "state", "seed": 0, "params": {}, "policy": "soft",
                 "expert": {"n": 20, "kind": "optimal", "beta": 1.0}}
    return json.loads(json.dumps(session_to_dict(lay, demos, settings_, result)))


@FUZZ
@given(seeds)
def test_session_reader_on_mutated_sessions(folder, session_doc, seed):
    from irl_studio.core.session import load_session

    rnd = random.Random(seed)
    data = dumps(mutate(session_doc, rnd)).encode()
    if rnd.random() < 0.3:
        data = damage(data, rnd)
    p = folder / "s.json"
    p.write_bytes(data)
    out = must_fail_cleanly(load_session, p)
    if out is not None:
        assert isinstance(out.layout, Layout) and isinstance(out.settings, dict)
        if out.result is not None:
            assert out.result.grid.ndim == 2

"""Hypothesis fuzzing of the layout, demonstration and reward loaders: any input either loads or raises an
IRLStudioError subclass with a non-empty message — never another exception."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irl_studio import IRLStudioError
from irl_studio.core.demos import demos_from_dict, load_demos, to_arrays, validate_demos
from irl_studio.core.layout import CELL_CHARS, Layout, layout_from_dict, layout_to_dict, load_layout, loads_layout
from irl_studio.core.mdp import build_mdp
from irl_studio.core.rewardio import load_reward

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6))
json_any = st.recursive(json_leaf, lambda c: st.one_of(st.lists(c, max_size=4),
                                                       st.dictionaries(st.text(max_size=6), c, max_size=4)),
                        max_leaves=12)
cell_char = st.sampled_from(list(CELL_CHARS) + ["x", " ", "é", "\n"])


@st.composite
def grids(draw):
    rows = draw(st.integers(1, 5))
    cols = draw(st.integers(0, 5))
    ragged = draw(st.booleans())
    return ["".join(draw(st.lists(cell_char, min_size=cols, max_size=cols + (1 if ragged else 0))))
            for _ in range(rows)]


@st.composite
def layout_docs(draw):
    """Mostly well-formed documents with random damage in any field."""
    g = draw(grids())
    doc = {"format": draw(st.sampled_from(["irl-studio.layout", "irl-studio.layout", "other", 3])),
           "version": draw(st.sampled_from([1, 1, 1, 2, "1", None])), "grid": g}
    for key, strat in [("slip", st.one_of(st.floats(-1, 2), json_leaf)),
                       ("discount", st.one_of(st.floats(-1, 2), json_leaf)),
                       ("horizon", st.one_of(st.integers(-5, 200_000), json_leaf)),
                       ("name", json_leaf),
                       ("actions", st.one_of(st.lists(st.sampled_from(["stay", "up", "down", "left", "right", "x"]),
                                                      max_size=6), json_leaf)),
                       ("macrocell", st.one_of(st.integers(-2, 600), json_leaf)),
                       ("objects", st.one_of(st.lists(st.fixed_dictionaries(
                           {"cell": st.one_of(st.lists(st.integers(-2, 6), min_size=0, max_size=3), json_leaf),
                            "inner": st.one_of(st.integers(-1, 120), json_leaf),
                            "outer": st.one_of(st.integers(-1, 120), json_leaf)}), max_size=3), json_any)),
                       ("true_reward", st.one_of(st.lists(st.lists(st.one_of(st.none(), st.floats(), st.booleans(),
                                                                             st.integers(-10 ** 400, 10 ** 400)),
                                                                   max_size=6), max_size=6), json_any)),
                       ("extra_key", json_any)]:
        if draw(st.booleans()):
            doc[key] = draw(strat)
    return doc


def check_layout(doc):
    try:
        lay = layout_from_dict(doc, source="f.json")
    except IRLStudioError as exc:
        assert str(exc).strip()
        return None
    assert isinstance(lay, Layout)
    # whatever loads, saves and loads again to the same layout, and builds an MDP
    assert layout_from_dict(json.loads(json.dumps(layout_to_dict(lay), allow_nan=False))) == lay
    mdp = build_mdp(lay)
    assert mdp.n_states == int(lay.floor_mask.sum())
    return lay


@SETTINGS
@given(layout_docs())
def test_layout_from_dict_structured(doc):
    check_layout(doc)


@SETTINGS
@given(json_any)
def test_layout_from_dict_any_json(doc):
    check_layout(doc)


@SETTINGS
@given(st.text(max_size=200))
def test_loads_layout_any_text(text):
    try:
        loads_layout(text, source="t")
    except IRLStudioError as exc:
        assert str(exc).strip()


@SETTINGS
@given(layout_docs())
def test_loads_layout_of_damaged_json_text(doc):
    text = json.dumps(doc)
    try:
        loads_layout(text)
    except IRLStudioError as exc:
        assert str(exc).strip()


cells = st.lists(st.one_of(st.lists(st.integers(-2, 5), min_size=2, max_size=2),
                           st.lists(st.integers(-10 ** 30, 10 ** 30), min_size=2, max_size=2), json_leaf), max_size=6)
actions = st.lists(st.one_of(st.sampled_from(["stay", "up", "down", "left", "right", "jump"]), json_leaf), max_size=6)


@st.composite
def demo_docs(draw):
    trs = draw(st.lists(st.one_of(st.fixed_dictionaries({"cells": cells, "actions": actions}), json_any), max_size=4))
    doc = {"trajectories": trs}
    if draw(st.booleans()):
        doc["format"] = draw(st.sampled_from(["irl-studio.demos", "x"]))
    if draw(st.booleans()):
        doc["version"] = draw(st.sampled_from([1, 2]))
    return doc


MDP = build_mdp(Layout.from_rows(["#####", "#S..#", "#.#G#", "#####"], slip=0.1, horizon_override=6))


@SETTINGS
@given(st.one_of(demo_docs(), json_any))
def test_demos_from_dict_and_validation(doc):
    try:
        demos = demos_from_dict(doc, source="d.json")
        validate_demos(MDP, demos)
        if len(demos):
            arr = to_arrays(MDP, demos)
            assert np.all(arr.states[:, 0] >= 0)
    except IRLStudioError as exc:
        assert str(exc).strip()


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["layout.json", "demos.json", "r.npy", "r.csv", "r.json", "r.txt"]))
def test_loaders_on_random_bytes(tmp_path, data, name):
    p = tmp_path / name
    p.write_bytes(data)
    loaders = {"layout.json": load_layout, "demos.json": load_demos}
    load = loaders.get(name, load_reward)
    try:
        load(p)
    except IRLStudioError as exc:
        assert str(exc).strip()


@SETTINGS
@given(st.lists(st.lists(st.one_of(st.floats(), st.none(), st.text(max_size=3)), max_size=4), max_size=4)
       | json_any, st.sampled_from([".json", ".csv"]))
def test_reward_loader_on_random_documents(tmp_path, rows, suffix):
    p = tmp_path / f"r{suffix}"
    if suffix == ".json":
        p.write_text(json.dumps({"format": "irl-studio.reward", "version": 1, "reward": rows}))
    else:
        p.write_text("\n".join(",".join("" if v is None else str(v) for v in r) if isinstance(r, list) else str(r)
                               for r in (rows if isinstance(rows, list) else [rows])))
    try:
        r = load_reward(p, shape=(2, 2))
        assert r.shape == (2, 2)
    except IRLStudioError as exc:
        assert str(exc).strip()


def test_crafted_npy_files(tmp_path):
    """Valid .npy headers with the wrong content: pickled objects, 3-D, complex, truncated."""
    import io

    cases = {"obj.npy": np.array([{"a": 1}, None], dtype=object), "cube.npy": np.zeros((2, 2, 2)),
             "complex.npy": np.zeros((2, 2), dtype=complex), "text.npy": np.array([["a", "b"], ["c", "d"]])}
    for name, arr in cases.items():
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        (tmp_path / name).write_bytes(buf.getvalue())
    buf = io.BytesIO()
    np.save(buf, np.zeros((4, 4)))
    (tmp_path / "cut.npy").write_bytes(buf.getvalue()[:-10])
    for name in [*cases, "cut.npy"]:
        try:
            load_reward(tmp_path / name)
        except IRLStudioError as exc:
            assert str(exc).strip()
        else:
            raise AssertionError(f"{name} loaded")

"""Hypothesis fuzzing of the plane readers (plane, plane demonstrations, reward grids .json / .npz, networks
.safetensors): any input either loads or raises an IRLStudioError subclass with a non-empty message."""

from __future__ import annotations

import io
import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from irl_studio import IRLStudioError
from irl_studio.continuous.demos import demos_from_dict, load_plane_demos, validate_demos
from irl_studio.continuous.nets import load_networks
from irl_studio.continuous.plane import Plane, builtin_plane, load_plane, plane_from_dict, plane_to_dict
from irl_studio.continuous.rewardgrid import grid_from_dict, load_reward_grid

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

leaf = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True),
                 st.text(max_size=5))
json_any = st.recursive(leaf, lambda c: st.one_of(st.lists(c, max_size=4),
                                                  st.dictionaries(st.text(max_size=6), c, max_size=4)),
                        max_leaves=12)
num = st.one_of(st.floats(-1, 2), st.integers(-2, 3), leaf)
pair = st.one_of(st.lists(num, min_size=2, max_size=2), st.lists(num, max_size=3), leaf)


@st.composite
def plane_docs(draw):
    doc = {"format": draw(st.sampled_from(["irl-studio.plane", "irl-studio.plane", "x"])),
           "bounds": draw(st.one_of(st.just([[-0.1, 0.6], [-0.1, 0.6]]), st.lists(pair, max_size=3), leaf)),
           "start": draw(st.one_of(st.just([0.3, 0.0]), pair)), "goal": draw(st.one_of(st.just([0.3, 0.5]), pair))}
    for key, strat in [("walls", st.one_of(st.lists(st.lists(num, min_size=4, max_size=4), max_size=3), json_any)),
                       ("wall_radius", num), ("agent_radius", num), ("max_step", num), ("dynamics",
                        st.sampled_from(["velocity", "force", "x", 3])), ("horizon", st.one_of(
                            st.integers(-3, 500), leaf)), ("discount", num), ("start_noise", num),
                       ("version", st.sampled_from([1, 2, "1"])), ("extra", json_any), ("name", leaf)]:
        if draw(st.booleans()):
            doc[key] = draw(strat)
    return doc


@SETTINGS
@given(st.one_of(plane_docs(), json_any))
def test_plane_from_dict(doc):
    try:
        p = plane_from_dict(doc, source="p.json")
    except IRLStudioError as exc:
        assert str(exc).strip()
        return
    assert isinstance(p, Plane)
    again = plane_from_dict(json.loads(json.dumps(plane_to_dict(p), allow_nan=False)))
    assert again == p
    assert p.is_free(np.array(p.start))[0]


LEFT = builtin_plane("point-maze-left")
step = st.lists(st.one_of(st.floats(-0.2, 0.7), leaf), min_size=2, max_size=2)


@st.composite
def demo_docs(draw):
    trs = []
    for _ in range(draw(st.integers(0, 3))):
        tr = {"obs": draw(st.one_of(st.lists(step, max_size=5), json_any))}
        if draw(st.booleans()):
            tr["acts"] = draw(st.one_of(st.lists(st.lists(st.floats(-1.5, 1.5), min_size=2, max_size=2),
                                                 max_size=5), json_any))
        trs.append(draw(st.one_of(st.just(tr), json_any)))
    return {"format": "irl-studio.plane-demos", "trajectories": trs}


@SETTINGS
@given(st.one_of(demo_docs(), json_any))
def test_plane_demos(doc):
    try:
        demos = validate_demos(LEFT, demos_from_dict(doc, "d.json"), "d.json")
    except IRLStudioError as exc:
        assert str(exc).strip()
        return
    for tr in demos.trajectories:
        assert tr.acts.shape == (len(tr.obs) - 1, 2) and np.all(np.abs(tr.acts) <= 1)


@SETTINGS
@given(st.fixed_dictionaries({"format": st.sampled_from(["irl-studio.plane-reward", "x"]),
                              "x": st.one_of(st.lists(st.floats(), max_size=60), json_any),
                              "y": st.one_of(st.lists(st.floats(), max_size=60), json_any),
                              "values": st.one_of(st.lists(st.lists(st.floats(), max_size=5), max_size=5),
                                                  json_any)}) | json_any)
def test_reward_grid_documents(doc):
    try:
        g = grid_from_dict(doc, "r.json")
    except IRLStudioError as exc:
        assert str(exc).strip()
        return
    assert np.isfinite(g.values).all() and g.values.shape == (len(g.y), len(g.x))


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from(["p.json", "d.json", "r.json", "r.npz", "n.safetensors"]))
def test_readers_on_random_bytes(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    load = {"p.json": load_plane, "d.json": load_plane_demos, "r.json": load_reward_grid,
            "r.npz": load_reward_grid, "n.safetensors": load_networks}[name]
    try:
        load(path)
    except IRLStudioError as exc:
        assert str(exc).strip()


@SETTINGS
@given(st.dictionaries(st.sampled_from(["x", "y", "values", "meta", "other"]),
                       st.one_of(st.just(np.linspace(0, 1, 3)), st.just(np.zeros((3, 3))), st.just(np.array("a")),
                                 st.just(np.array([np.nan, 1.0, 2.0])), st.just(np.zeros((2, 2, 2))),
                                 st.just(np.array([3.0, 2.0, 1.0]))), max_size=5))
def test_crafted_npz_files(tmp_path, arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = tmp_path / "r.npz"
    path.write_bytes(buf.getvalue())
    try:
        g = load_reward_grid(path)
        assert np.isfinite(g.values).all()
    except IRLStudioError as exc:
        assert str(exc).strip()


def test_crafted_safetensors_files(tmp_path):
    """Valid safetensors with the wrong content: no metadata, a bad architecture, weights of the wrong shape,
    a pickled-object npz is never loaded."""
    import torch
    from safetensors.torch import save_file

    from irl_studio.continuous.nets import ScalarNet, save_networks

    net = ScalarNet([0, 0], [1, 1])
    save_file({"w": torch.zeros(2)}, tmp_path / "plain.safetensors")
    save_networks(tmp_path / "ok.safetensors", {"g": net})
    bad = {"format": "irl-studio.plane-networks", "architectures": json.dumps({"g": {"obs_low": [0], "hidden": "x"}}),
           "meta": "{}"}
    save_file({"g.net.0.weight": torch.zeros(3, 3)}, tmp_path / "arch.safetensors", metadata=bad)
    arch = json.dumps({"g": net.architecture()})
    save_file({"g.net.0.weight": torch.zeros(3, 3)}, tmp_path / "shape.safetensors",
              metadata={**bad, "architectures": arch})
    obj = io.BytesIO()
    np.savez(obj, x=np.array([{"a": 1}], dtype=object))
    (tmp_path / "obj.npz").write_bytes(obj.getvalue())
    assert set(load_networks(tmp_path / "ok.safetensors")[0]) == {"g"}
    for name in ("plain.safetensors", "arch.safetensors", "shape.safetensors", "obj.npz"):
        try:
            (load_reward_grid if name.endswith(".npz") else load_networks)(tmp_path / name)
        except IRLStudioError as exc:
            assert str(exc).strip()
        else:
            raise AssertionError(f"{name} loaded")

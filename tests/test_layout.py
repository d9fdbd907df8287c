"""Layouts: the JSON format round trip (unknown keys, objects, true reward with nulls), validation messages, editing,
and the built-in assets."""

from __future__ import annotations

import json

import numpy as np
import pytest

from irl_studio import IRLStudioError
from irl_studio.core.builtin import builtin_demos, builtin_layout, builtin_names
from irl_studio.core.demos import validate_demos
from irl_studio.core.layout import (
    Layout,
    LayoutError,
    WorldObject,
    layout_from_dict,
    layout_to_dict,
    load_layout,
    loads_layout,
    save_layout,
)
from irl_studio.core.mdp import build_mdp

FULL = {
    "format": "irl-studio.layout", "version": 1, "name": "four rooms",
    "grid": ["#######", "#S..#G#", "#.a.#.#", "#.....#", "#######"],
    "slip": 0.1, "discount": 0.9, "horizon": 30,
    "objects": [{"cell": [2, 3], "inner": 0, "outer": 1}],
    "true_reward": [[None] * 7, [None, 0, 0.5, -1, None, 1, None], [None, 0, -2, 0, None, 0, None],
                    [None, 0, 0, 0, 0, 0, None], [None] * 7],
    "author": {"who": "me", "tags": [1, 2]}, "zz_unknown": [None, True],
}


def test_round_trip_keeps_everything(tmp_path):
    lay = layout_from_dict(json.loads(json.dumps(FULL)), source="x.json")
    assert lay.name == "four rooms" and lay.slip == 0.1 and lay.discount == 0.9 and lay.horizon == 30
    assert lay.objects == [WorldObject((2, 3), 0, 1)]
    assert np.isnan(lay.true_reward[0, 0]) and lay.true_reward[2, 2] == -2.0
    assert lay.extra == {"author": {"who": "me", "tags": [1, 2]}, "zz_unknown": [None, True]}
    p = tmp_path / "l.json"
    save_layout(lay, p)
    again = load_layout(p)
    assert again == lay
    saved = json.loads(p.read_text())
    assert saved["author"] == FULL["author"] and saved["zz_unknown"] == [None, True]
    assert saved["true_reward"] == FULL["true_reward"]
    assert saved["objects"] == FULL["objects"]
    assert loads_layout(p.read_text()) == lay
    assert layout_to_dict(again) == layout_to_dict(lay)
    # a second save is byte-identical
    p2 = tmp_path / "l2.json"
    save_layout(again, p2)
    assert p2.read_text() == p.read_text()


def test_defaults():
    lay = layout_from_dict({"grid": ["###", "#.#", "###"]})
    assert lay.slip == 0.0 and lay.discount == 0.95 and lay.horizon == 2 * (3 + 3)
    assert lay.objects == [] and lay.true_reward is None and lay.extra == {}
    assert lay.actions == ("stay", "up", "down", "left", "right")


def test_extension_keys_round_trip():
    lay = layout_from_dict({"grid": ["....", "...."], "actions": ["right", "up", "left", "down"], "macrocell": 2})
    assert lay.actions == ("up", "down", "left", "right")  # canonical order
    again = layout_from_dict(layout_to_dict(lay))
    assert again.actions == lay.actions and again.macrocell == 2


@pytest.mark.parametrize("patch,where", [
    ({"grid": ["###", "#x#", "###"]}, "row 1, column 1"),
    ({"grid": ["###", "#.", "###"]}, "row 1"),
    ({"grid": []}, "'grid'"),
    ({"grid": ["###", "###"]}, "no floor"),
    ({"slip": 1.5}, "'slip'"),
    ({"slip": "0.1"}, "'slip'"),
    ({"discount": -0.1}, "'discount'"),
    ({"horizon": 2.5}, "'horizon'"),
    ({"horizon": 0}, "'horizon'"),
    ({"horizon": True}, "'horizon'"),
    ({"format": "other"}, "'format'"),
    ({"version": 2}, "'version'"),
    ({"name": 3}, "'name'"),
    ({"objects": [{"cell": [0, 0], "inner": 0, "outer": 0}]}, "objects[0]"),
    ({"objects": [{"cell": [1, 1], "inner": -1, "outer": 0}]}, "objects[0].inner"),
    ({"objects": {}}, "'objects'"),
    ({"true_reward": [[None] * 3]}, "'true_reward'"),
    ({"true_reward": [[None] * 3, [None, None, None], [None] * 3]}, "row 1, column 1"),
    ({"true_reward": [[None] * 3, [None, "1", None], [None] * 3]}, "row 1, column 1"),
    ({"true_reward": [[None] * 3, [None, 1.0], [None] * 3]}, "true_reward row 1"),
    ({"actions": ["fly"]}, "'actions'"),
    ({"actions": ["up"], "slip": 0.2}, "slip"),
])
def test_errors_name_the_file_and_the_place(patch, where):
    data = {"grid": ["###", "#.#", "###"], **patch}
    with pytest.raises(LayoutError) as exc:
        layout_from_dict(data, source="my.json")
    msg = str(exc.value)
    assert msg.startswith("my.json: ")
    assert where in msg


def test_file_errors(tmp_path):
    with pytest.raises(LayoutError, match="no such file"):
        load_layout(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(LayoutError, match=r"bad.json: not valid JSON \(line 1"):
        load_layout(tmp_path / "bad.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LayoutError, match="UTF-8"):
        load_layout(tmp_path / "bin.json")
    with pytest.raises(LayoutError, match="folder"):
        load_layout(tmp_path)
    with pytest.raises(LayoutError):
        loads_layout("[1, 2]")
    assert issubclass(LayoutError, IRLStudioError)


def test_editing_cell_by_cell():
    lay = layout_from_dict(json.loads(json.dumps(FULL)))
    lay.set_cell(2, 3, "#")
    assert lay.grid[2, 3] == "#" and np.isnan(lay.true_reward[2, 3])
    assert lay.objects == []  # the object on that cell went with it
    lay.set_cell(2, 3, "b")
    assert lay.true_reward[2, 3] == 0.0 and lay.terrain()[2, 3] == 1
    with pytest.raises(LayoutError, match="outside"):
        lay.set_cell(9, 0, ".")
    with pytest.raises(LayoutError, match="not a cell type"):
        lay.set_cell(1, 1, "x")
    bigger = lay.resized(6, 9)
    assert bigger.shape == (6, 9) and bigger.grid[5, 8] == "#" and np.isnan(bigger.true_reward[5, 8])
    assert (bigger.grid[:5, :7] == lay.grid).all()
    smaller = lay.resized(4, 4)
    assert smaller.grid_rows() == ["####", "#S..", "#.ab", "#..."]
    with pytest.raises(LayoutError):
        lay.resized(2, 5)
    # a copy is independent
    c = lay.copy()
    c.set_cell(1, 1, "#")
    assert lay.grid[1, 1] == "S"


def test_empty_and_masks():
    lay = Layout.empty(4, 5)
    assert lay.floor_mask.sum() == 2 * 3 and lay.wall_mask.sum() == 20 - 6
    assert not lay.goal_mask.any() and not lay.start_mask.any()
    with pytest.raises(LayoutError):
        Layout.empty(2, 5)


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_load_have_a_true_reward_and_valid_demos(name):
    lay = builtin_layout(name)
    assert lay.true_reward is not None
    assert np.all(np.isfinite(lay.true_reward[lay.floor_mask]))
    assert np.all(np.isnan(lay.true_reward[lay.wall_mask]))
    demos = builtin_demos(name)
    assert len(demos) > 0
    validate_demos(build_mdp(lay), demos)
    assert layout_from_dict(layout_to_dict(lay)) == lay


def test_builtin_catalogue():
    names = builtin_names()
    for needed in ("open-field", "four-rooms", "maze", "cliff", "terrain", "objectworld-32", "abbeel-ng-128"):
        assert needed in names
    ow = builtin_layout("objectworld-32")
    assert ow.shape == (32, 32) and ow.slip == 0.3 and ow.discount == 0.9 and ow.objects
    assert len(builtin_demos("terrain")) == 40
    with pytest.raises(LayoutError, match="no built-in"):
        builtin_layout("nope")


# --- learned-reward files (irl_studio.core.rewardio) -----------------------------------------------------------------
def test_reward_files_round_trip(tmp_path):
    from irl_studio.core.rewardio import RewardFileError, load_reward, reward_on_floor, save_reward

    lay = layout_from_dict(json.loads(json.dumps(FULL)))
    grid = np.where(lay.floor_mask, np.random.default_rng(0).normal(size=lay.shape), np.nan)
    grid[1, 1] = 1e-300
    grid[1, 2] = -123456.789
    for suffix in (".npy", ".csv", ".json"):
        p = tmp_path / f"r{suffix}"
        save_reward(p, grid, lay, {"algorithm": "mce", "weights": np.arange(3.0), "iterations": np.int64(4)})
        back = load_reward(p, lay.shape)
        np.testing.assert_array_equal(np.isnan(back), lay.wall_mask)
        np.testing.assert_array_equal(back[lay.floor_mask], grid[lay.floor_mask])  # exact: repr / binary
        vals = reward_on_floor(lay, back)
        assert vals.shape == (int(lay.floor_mask.sum()),)
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["format"] == "irl-studio.reward" and doc["algorithm"] == "mce" and doc["weights"] == [0.0, 1.0, 2.0]
    assert doc["reward"][0][0] is None and doc["layout"]["author"] == FULL["author"]
    assert (tmp_path / "r.csv").read_text().splitlines()[0] == "," * 6  # a wall row: empty fields
    with pytest.raises(RewardFileError, match="3x3 but the layout is 5x7"):
        save_reward(tmp_path / "s.npy", np.zeros((3, 3)))
        load_reward(tmp_path / "s.npy", lay.shape)
    with pytest.raises(RewardFileError, match="unknown reward file type"):
        save_reward(tmp_path / "r.txt", grid)
    with pytest.raises(RewardFileError, match="2-D"):
        save_reward(tmp_path / "r.npy", np.zeros(3))
    with pytest.raises(RewardFileError, match=r"floor cell \(1, 1\)"):
        reward_on_floor(lay, np.full(lay.shape, np.nan))


def test_nan_and_infinity_are_not_json(tmp_path):
    """Python's json reads NaN/Infinity, which no JSON writer (ours included: allow_nan=False) gives back: a layout
    that kept such a value in an unknown key could be loaded but never saved (ValueError, not a LayoutError)."""
    p = tmp_path / "nan.json"
    p.write_text('{"grid": ["#####", "#S.G#", "#####"], "note": NaN}')
    with pytest.raises(LayoutError, match="NaN"):
        load_layout(p)
    with pytest.raises(LayoutError, match="Infinity"):
        loads_layout('{"grid": [".."], "slip": -Infinity}')
    lay = loads_layout('{"grid": [".."]}')
    lay.extra["note"] = float("nan")
    with pytest.raises(LayoutError, match="cannot be written"):
        save_layout(lay, tmp_path / "out.json")
    assert not (tmp_path / "out.json").exists() and not (tmp_path / "out.json.tmp").exists()

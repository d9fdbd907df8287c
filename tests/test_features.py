"""Features: shapes, names, and values checked by hand (Objectworld distances of Levine et al. 2011, macrocells,
terrain)."""

from __future__ import annotations

import numpy as np
import pytest

from irl_studio.core.features import FEATURE_SETS, FeatureError, make_features
from irl_studio.core.layout import Layout, layout_from_dict
from irl_studio.core.mdp import build_mdp

# 4 x 5, a wall at (1, 2); objects: A at (0, 0) inner 0 / outer 1, B at (3, 4) inner 1 / outer 0, C at (3, 0) inner 1
# / outer 1
OW = layout_from_dict({"grid": [".....", "..#..", ".....", "....."],
                       "objects": [{"cell": [0, 0], "inner": 0, "outer": 1},
                                   {"cell": [3, 4], "inner": 1, "outer": 0},
                                   {"cell": [3, 0], "inner": 1, "outer": 1}]})


def test_objectworld_continuous_by_hand():
    mdp = build_mdp(OW)
    f = make_features("objectworld", OW, mdp)
    assert f.names == ("distance to inner colour 0", "distance to inner colour 1",
                       "distance to outer colour 0", "distance to outer colour 1")
    assert f.matrix.shape == (19, 4)
    row = f.dense()[mdp.state_of(0, 3)]
    # (0,3): to A = 3, to B = sqrt(3^2 + 1^2), to C = sqrt(3^2 + 3^2)
    np.testing.assert_allclose(row, [3.0, np.sqrt(10), np.sqrt(10), 3.0])
    row = f.dense()[mdp.state_of(2, 1)]
    # (2,1): A = sqrt(4 + 1), B = sqrt(1 + 9), C = sqrt(1 + 1); inner 1 = min(B, C), outer 1 = min(A, C)
    np.testing.assert_allclose(row, [np.sqrt(5), np.sqrt(2), np.sqrt(10), np.sqrt(2)])
    row = f.dense()[mdp.state_of(3, 0)]  # on object C
    np.testing.assert_allclose(row, [3.0, 0.0, 4.0, 0.0])


def test_objectworld_discrete_by_hand():
    """Levine et al.'s toolkit: "an object of this colour within distance d", distance <= d."""
    mdp = build_mdp(OW)
    f = make_features("objectworld-discrete", OW, mdp)
    N = 5  # the grid side (max of rows, cols): thresholds d = 1 .. N - 1
    assert f.matrix.shape == (19, 4 * (N - 1))
    assert f.names[:4] == ("inner colour 0 within 1", "inner colour 0 within 2", "inner colour 0 within 3",
                           "inner colour 0 within 4")
    row = f.dense()[mdp.state_of(0, 3)].reshape(4, N - 1)
    # distances [3, sqrt 10 = 3.16, 3.16, 3]: an object at exactly 3 is within 3
    np.testing.assert_array_equal(row, [[0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 1]])
    row = f.dense()[mdp.state_of(2, 1)].reshape(4, N - 1)  # [2.24, 1.41, 3.16, 1.41]
    np.testing.assert_array_equal(row, [[0, 0, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1], [0, 1, 1, 1]])
    row = f.dense()[mdp.state_of(3, 0)].reshape(4, N - 1)  # on C: distance 0 to inner 1 and outer 1
    np.testing.assert_array_equal(row[[1, 3]], np.ones((2, N - 1)))
    # consistent with the continuous features
    cont = make_features("objectworld", OW, mdp).dense()
    np.testing.assert_array_equal(f.dense().reshape(19, 4, N - 1),
                                  (cont[:, :, None] <= np.arange(1, N)[None, None, :]).astype(float))


def test_the_objectworld_true_reward_is_expressible_in_the_discrete_features():
    """The reward of make_assets.objectworld (within 3 of outer colour 0 and within 2 of outer colour 1) is a
    function of the discrete features: cells with the same feature vector have the same true reward."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from make_assets import objectworld

    lay = objectworld(n=16, seed=3)
    mdp = build_mdp(lay)
    true = lay.true_reward[mdp.cells[:, 0], mdp.cells[:, 1]]
    _, group = np.unique(make_features("objectworld-discrete", lay, mdp).dense(), axis=0, return_inverse=True)
    group = group.ravel()
    for g in np.unique(group):
        assert np.ptp(true[group == g]) == 0.0


def test_objectworld_needs_objects():
    lay = Layout.empty(4, 4)
    with pytest.raises(FeatureError, match="objects"):
        make_features("objectworld", lay, build_mdp(lay))


def test_missing_colour_is_far_away():
    lay = layout_from_dict({"grid": ["...", "..."], "objects": [{"cell": [0, 0], "inner": 2, "outer": 2}]})
    f = make_features("objectworld", lay, build_mdp(lay))
    assert f.n_features == 6  # colours 0, 1, 2
    assert np.all(np.isfinite(f.dense()))
    assert np.all(f.dense()[:, 0] == np.hypot(2, 3))  # no object of inner colour 0: capped at the grid diagonal


def test_state_features_are_one_hot_and_sparse(tiny_layout):
    mdp = build_mdp(tiny_layout)
    f = make_features("state", tiny_layout, mdp)
    assert f.is_sparse and f.matrix.shape == (5, 5)
    np.testing.assert_array_equal(f.dense(), np.eye(5))
    assert f.names[4] == "cell(2,3)"
    theta = np.arange(5.0)
    np.testing.assert_array_equal(f.reward(theta), theta)
    np.testing.assert_array_equal(f.counts(np.array([1.0, 2, 0, 0, 1])), [1, 2, 0, 0, 1])


def test_terrain_features():
    lay = Layout.from_rows(["#####", "#Sac#", "#c.G#", "#####"])
    mdp = build_mdp(lay)
    f = make_features("terrain", lay, mdp)
    assert f.names == ("plain", "terrain a", "terrain c", "goal")  # only the classes present
    np.testing.assert_array_equal(f.dense(), [[1, 0, 0, 0],   # S (1,1)
                                              [0, 1, 0, 0],   # a (1,2)
                                              [0, 0, 1, 0],   # c (1,3)
                                              [0, 0, 1, 0],   # c (2,1)
                                              [1, 0, 0, 0],   # . (2,2)
                                              [1, 0, 0, 1]])  # G (2,3): plain floor and goal


def test_coords_features():
    lay = Layout.empty(3, 5)
    mdp = build_mdp(lay)
    f = make_features("coords", lay, mdp)
    np.testing.assert_allclose(f.dense(), [[0.5, 0.25, 1], [0.5, 0.5, 1], [0.5, 0.75, 1]])
    assert f.names == ("row", "col", "constant")


def test_macrocell_features():
    lay = layout_from_dict({"grid": ["......", "......", "....#.", "......", "......"], "macrocell": 2})
    mdp = build_mdp(lay)
    f = make_features("macrocell", lay, mdp)
    assert f.is_sparse and f.matrix.shape == (29, 3 * 3)
    d = f.dense()
    np.testing.assert_array_equal(d.sum(axis=1), 1.0)
    assert d[mdp.state_of(0, 0)].argmax() == 0 and d[mdp.state_of(1, 1)].argmax() == 0
    assert d[mdp.state_of(2, 5)].argmax() == 1 * 3 + 2 and d[mdp.state_of(4, 3)].argmax() == 2 * 3 + 1
    assert f.names[5] == "macrocell(1,2)"
    np.testing.assert_array_equal(d.sum(axis=0), [4, 4, 4, 4, 4, 3, 2, 2, 2])  # the wall (2, 4) is in macrocell (1, 2)
    with pytest.raises(FeatureError, match="macrocell"):
        make_features("macrocell", Layout.empty(4, 4), build_mdp(Layout.empty(4, 4)))


def test_every_builtin_feature_set_has_names_and_rows(terrain_layout):
    mdp = build_mdp(terrain_layout)
    for kind in ("state", "terrain", "coords"):
        f = make_features(kind, terrain_layout, mdp)
        assert f.matrix.shape[0] == mdp.n_states and len(f.names) == f.n_features
        assert f.grid_maps(mdp).shape == (f.n_features, mdp.rows, mdp.cols)
    with pytest.raises(FeatureError, match="unknown features"):
        make_features("nope", terrain_layout, mdp)
    assert set(FEATURE_SETS) >= {"state", "terrain", "coords", "objectworld", "objectworld-discrete", "macrocell"}

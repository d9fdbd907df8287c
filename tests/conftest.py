"""Shared fixtures. Qt runs offscreen: tests need no display."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from irl_studio.core.layout import Layout  # noqa: E402


@pytest.fixture
def tiny_layout() -> Layout:
    """3 floor cells in an L and a goal; small enough to enumerate every trajectory."""
    return Layout.from_rows(["#####",
                             "#S..#",
                             "#.#G#",
                             "#####"], slip=0.2, discount=0.9, horizon_override=4)


@pytest.fixture
def terrain_layout() -> Layout:
    from irl_studio.core.builtin import builtin_layout

    return builtin_layout("terrain")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)

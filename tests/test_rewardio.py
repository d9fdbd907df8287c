"""Reward files are written atomically (temp file + os.replace), like the JSON files: a failed or interrupted write
leaves the previous file as it was and no temporary behind, and a reader never sees half a file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from irl_studio.core.builtin import builtin_layout
from irl_studio.core.rewardio import RewardFileError, load_reward, save_reward


@pytest.mark.parametrize("suffix", [".npy", ".csv", ".json"])
def test_a_failed_write_keeps_the_old_file(tmp_path, monkeypatch, suffix):
    lay = builtin_layout("terrain")
    old = np.where(lay.floor_mask, 1.0, np.nan)
    p = tmp_path / f"r{suffix}"
    save_reward(p, old, lay)
    np.testing.assert_array_equal(load_reward(p), old)

    def fail(self, target):  # the rename is what makes the new file visible: make it fail
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(RewardFileError, match="cannot be written"):
        save_reward(p, np.where(lay.floor_mask, 2.0, np.nan), lay)
    monkeypatch.undo()
    np.testing.assert_array_equal(load_reward(p), old)  # the old reward, whole
    assert [q.name for q in tmp_path.iterdir()] == [p.name]  # no temporary left behind


def test_writes_go_through_a_temporary_beside_the_target(tmp_path, monkeypatch):
    seen = []
    real = Path.replace

    def spy(self, target):
        seen.append((self.name, Path(target).name, self.exists()))
        return real(self, target)

    monkeypatch.setattr(Path, "replace", spy)
    lay = builtin_layout("terrain")
    for suffix in (".npy", ".csv"):
        save_reward(tmp_path / f"r{suffix}", np.where(lay.floor_mask, 0.5, np.nan), lay)
    assert seen == [("r.npy.tmp", "r.npy", True), ("r.csv.tmp", "r.csv", True)]

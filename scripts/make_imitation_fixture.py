"""Make tests/data/imitation_pendulum.npz with the `imitation` library itself (run it in a venv that has imitation;
not a project dependency): 3 Pendulum-v1 episodes of 6 steps of a random policy, rolled out by
imitation.data.rollout.generate_trajectories and written in imitation's .npz Trajectory layout exactly as
imitation.data.types.save wrote it before 1.0 (object-array infos, i.e. a pickle inside: our reader must skip it).
It checks that imitation's own serialize.load reads the file back.

    /work/venv-imitation/bin/python scripts/make_imitation_fixture.py
"""

import dataclasses
from pathlib import Path

import gymnasium as gym
import numpy as np
from imitation.data import rollout, serialize
from imitation.data.types import TrajectoryWithRew
from stable_baselines3.common.vec_env import DummyVecEnv

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "imitation_pendulum.npz"


def legacy_save(path: Path, trajectories) -> None:
    """imitation 0.3's types.save (the .npz layout serialize.load still reads)."""
    infos = [t.infos if t.infos is not None else np.full(len(t), {}) for t in trajectories]
    condensed = {"obs": np.concatenate([t.obs for t in trajectories]),
                 "acts": np.concatenate([t.acts for t in trajectories]),
                 "infos": np.concatenate(infos),
                 "terminal": np.array([t.terminal for t in trajectories]),
                 "indices": np.cumsum([len(t) for t in trajectories[:-1]])}
    if all(isinstance(t, TrajectoryWithRew) for t in trajectories):
        condensed["rews"] = np.concatenate([t.rews for t in trajectories])
    np.savez_compressed(path, **condensed)


def main() -> None:
    venv = DummyVecEnv([lambda: gym.make("Pendulum-v1", max_episode_steps=6)])
    venv.seed(3)
    rng = np.random.default_rng(3)
    trajs = rollout.generate_trajectories(None, venv, rollout.make_min_episodes(3), rng=rng)
    trajs = [dataclasses.replace(t, infos=np.array([{} for _ in range(len(t))])) for t in trajs[:3]]
    legacy_save(OUT, trajs)
    back = serialize.load(OUT)
    assert len(back) == 3 and all(np.array_equal(a.obs, b.obs) for a, b in zip(trajs, back))
    print(f"{OUT}: {len(back)} trajectories of {[len(t) for t in back]} steps, returns "
          f"{[round(float(t.rews.sum()), 4) for t in back]}")


if __name__ == "__main__":
    main()

"""IRL algorithms, one module each, all driven step by step through :mod:`irl_studio.algorithms.base`."""

from __future__ import annotations

from irl_studio.algorithms.base import AlgorithmError, IRLAlgorithm, Problem, Snapshot
from irl_studio.algorithms.deep_maxent import DeepMaxEntIRL
from irl_studio.algorithms.maxent import MaxEntIRL
from irl_studio.algorithms.maxmargin import MaxMarginIRL
from irl_studio.algorithms.mce import MCEIRL
from irl_studio.algorithms.mmp import MMPIRL
from irl_studio.algorithms.projection import ProjectionIRL

ALGORITHMS: dict[str, type[IRLAlgorithm]] = {
    MaxMarginIRL.name: MaxMarginIRL,
    ProjectionIRL.name: ProjectionIRL,
    MMPIRL.name: MMPIRL,
    MaxEntIRL.name: MaxEntIRL,
    MCEIRL.name: MCEIRL,
    DeepMaxEntIRL.name: DeepMaxEntIRL,
}


def build_tabular(name: str, layout, demos, features: str, config, seed: int) -> IRLAlgorithm:
    """Build algorithm ``name`` on a layout and demonstrations (validated here, with clear errors). A module-level
    function, so that ``functools.partial(build_tabular, ...)`` is a picklable build spec for a worker process."""
    cls = get_algorithm(name)
    return cls(Problem.from_layout(layout, demos, features), config, seed)


# the sample-based algorithms of the continuous plane (and, later, Gymnasium environments and grids from samples):
# Steppable like the tabular ones, but built from an environment and demonstrations, not a gridworld Problem
def _sample_based() -> dict[str, type]:
    from irl_studio.algorithms.airl import AIRL
    from irl_studio.algorithms.gail import GAIL
    from irl_studio.algorithms.gcl import GCL

    return {AIRL.name: AIRL, GAIL.name: GAIL, GCL.name: GCL}


SAMPLE_BASED_NAMES = ("airl", "gail", "gcl")


def get_sample_based(name: str) -> type:
    """GCL / GAIL / AIRL by name (imported on first use: torch is loaded only when needed)."""
    algos = _sample_based()
    try:
        return algos[name]
    except KeyError:
        raise AlgorithmError(f"unknown sample-based algorithm {name!r}; choose one of "
                             f"{', '.join(SAMPLE_BASED_NAMES)}") from None


def get_algorithm(name: str) -> type[IRLAlgorithm]:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise AlgorithmError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}") from None


__all__ = ["ALGORITHMS", "AlgorithmError", "IRLAlgorithm", "Problem", "SAMPLE_BASED_NAMES", "Snapshot",
           "build_tabular", "get_algorithm", "get_sample_based"]

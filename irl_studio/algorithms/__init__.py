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


def get_algorithm(name: str) -> type[IRLAlgorithm]:
    try:
        return ALGORITHMS[name]
    except KeyError:
        raise AlgorithmError(f"unknown algorithm {name!r}; choose one of {', '.join(ALGORITHMS)}") from None


__all__ = ["ALGORITHMS", "AlgorithmError", "IRLAlgorithm", "Problem", "Snapshot", "build_tabular", "get_algorithm"]

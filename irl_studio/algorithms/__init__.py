"""IRL algorithms, one module each, all driven step by step through :mod:`irl_studio.algorithms.base`.

The registry is lazy: a module is imported when its algorithm is first looked up, so ``irl-studio learn --algo mce``
does not pay for importing torch (Deep MaxEnt's) at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from irl_studio.algorithms.base import AlgorithmError, IRLAlgorithm, Problem, Snapshot

# name -> (module, class), in the order the GUI lists them
_REGISTRY: dict[str, tuple[str, str]] = {
    "maxmargin": ("irl_studio.algorithms.maxmargin", "MaxMarginIRL"),
    "projection": ("irl_studio.algorithms.projection", "ProjectionIRL"),
    "mmp": ("irl_studio.algorithms.mmp", "MMPIRL"),
    "maxent": ("irl_studio.algorithms.maxent", "MaxEntIRL"),
    "mce": ("irl_studio.algorithms.mce", "MCEIRL"),
    "deep-maxent": ("irl_studio.algorithms.deep_maxent", "DeepMaxEntIRL"),
    # the sample-based ones on a grid: they see sampled transitions only, not the transition model
    "airl": ("irl_studio.algorithms.grid_sample", "GridAIRL"),
    "gail": ("irl_studio.algorithms.grid_sample", "GridGAIL"),
    "gcl": ("irl_studio.algorithms.grid_sample", "GridGCL"),
}
_CLASSES = {cls: (mod, cls) for mod, cls in _REGISTRY.values()}


def _load(module: str, cls: str) -> type[IRLAlgorithm]:
    return getattr(importlib.import_module(module), cls)


class _Registry(Mapping):
    """name -> algorithm class, importing each module on first use."""

    def __getitem__(self, name: str) -> type[IRLAlgorithm]:
        return _load(*_REGISTRY[name])

    def __iter__(self) -> Iterator[str]:
        return iter(_REGISTRY)

    def __len__(self) -> int:
        return len(_REGISTRY)


ALGORITHMS: Mapping[str, type[IRLAlgorithm]] = _Registry()


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


def __getattr__(name: str):  # from irl_studio.algorithms import MaxEntIRL (lazily)
    if name in _CLASSES:
        return _load(*_CLASSES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ALGORITHMS", "AlgorithmError", "IRLAlgorithm", "Problem", "SAMPLE_BASED_NAMES", "Snapshot",
           "build_tabular", "get_algorithm", "get_sample_based", *_CLASSES]

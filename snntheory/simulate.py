"""Reference simulators: the seeded, vectorised simulations that every theory in snntheory is
tested against, and that the figures and benchmarks overlay on the theory.

Every simulator takes ``seed`` (an int or a :class:`numpy.random.Generator`) and is
reproducible. The implementations live in ``snntheory._sim``, one private module per model.
"""

from ._sim.stepmap import StepMapRun, as_generator, run_step_map

__all__ = ["StepMapRun", "as_generator", "run_step_map"]

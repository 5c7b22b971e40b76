"""Reference simulators: the seeded, vectorised simulations that every theory in snntheory is
tested against, and that the figures and benchmarks overlay on the theory.

Every simulator takes ``seed`` (an int or a :class:`numpy.random.Generator`) and is
reproducible. The implementations live in ``snntheory._sim``, one private module per model:
``stepmap`` (the canonical discrete-time map), ``network`` (deep feed-forward networks of it),
``layer`` (one layer with quenched weights and Bernoulli inputs), ``ou`` (the white-noise LIF
in continuous time), ``replica`` (two replicas of one network, correlated inputs) and ``shot`` (event-driven shot noise).
"""

import warnings

from ._calibrate import calibrate_means as _calibrate_means
from ._sim.backprop import *  # noqa: F401,F403
from ._sim.backprop import __all__ as _backprop
from ._sim.layer import *  # noqa: F401,F403
from ._sim.layer import __all__ as _layer
from ._sim.network import *  # noqa: F401,F403
from ._sim.network import __all__ as _network
from ._sim.ou import *  # noqa: F401,F403
from ._sim.replica import *  # noqa: F401,F403
from ._sim.replica import __all__ as _replica
from ._sim.ou import __all__ as _ou
from ._sim.shot import *  # noqa: F401,F403
from ._sim.shot import __all__ as _shot
from ._sim.stepmap import StepMapRun, as_generator, run_step_map

__all__ = ["StepMapRun", "as_generator", "run_step_map", *_backprop, *_layer, *_network, *_ou, *_replica, *_shot]


def calibrate_means(*args, **kwargs):
    """Deprecated alias of :func:`snntheory.inverse.calibrate_means` (the calibration is part of
    the planner, not of the reference simulators); kept for one release."""
    warnings.warn("snntheory.simulate.calibrate_means moved to snntheory.inverse.calibrate_means",
                  DeprecationWarning, stacklevel=2)
    return _calibrate_means(*args, **kwargs)

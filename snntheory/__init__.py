"""snntheory: first-passage-time and membrane-density theory for initialising spiking networks.

Models (one module each, imported on first use): :mod:`~snntheory.diffusion` (white-noise
LIF, Siegert), :mod:`~snntheory.wiener` (perfect integrator / random walk),
:mod:`~snntheory.shotnoise` (finite Poisson jumps), :mod:`~snntheory.discrete` (the exact
discrete-time step map); :mod:`~snntheory.surrogate` (surrogate derivatives),
:mod:`~snntheory.network` (forward model of a deep network), :mod:`~snntheory.inverse`
(solvers: weights for target rates) and :mod:`~snntheory.simulate` (reference simulators); :mod:`~snntheory.plot` draws the results
(matplotlib).
:class:`LIF` describes the neuron.
"""

import importlib

from .errors import ConvergenceError, NoSolutionError, ParameterError

__version__ = "0.1.0"

_SUBMODULES = ("diffusion", "wiener", "shotnoise", "discrete", "surrogate", "network", "inverse", "simulate", "neuron",
               "symbolic", "torch", "plot")

__all__ = ["LIF", "ParameterError", "NoSolutionError", "ConvergenceError", *_SUBMODULES]


def __getattr__(name):
    # submodules and LIF load on first use: ``import snntheory`` itself imports no numerics
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "LIF":
        return importlib.import_module(".neuron", __name__).LIF
    raise AttributeError(f"module 'snntheory' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))

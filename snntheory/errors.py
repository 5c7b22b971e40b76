"""Exceptions raised by snntheory.

Invalid physics is a :class:`ParameterError`; a target the model cannot reach is a
:class:`NoSolutionError` that states the reachable range; an iterative routine that fails
to meet its tolerance raises :class:`ConvergenceError` with what it tried.
"""

import sys

__all__ = ["ParameterError", "NoSolutionError", "ConvergenceError", "ApproximationWarning", "UnitsWarning",
           "TrainabilityWarning"]


class ParameterError(ValueError):
    """A parameter lies outside its physical domain (the message names it, its
    constraint, its unit and the offending value)."""


class NoSolutionError(ValueError):
    """A target (a rate, a membrane statistic) is outside the range the model can reach.

    The message states the reachable range; ``reachable`` holds it as ``(low, high)``.
    """

    def __init__(self, message, reachable=None):
        super().__init__(message)
        self.reachable = reachable


class ConvergenceError(RuntimeError):
    """An iterative routine (quadrature, grid refinement, root finding) missed its
    tolerance; the message gives the iterations, the last error and the tolerance."""


class ApproximationWarning(UserWarning):
    """An approximation is used outside the range where it is known to be accurate."""


class UnitsWarning(UserWarning):
    """A value is valid but probably in the wrong unit (a per-step probability passed where
    hertz are expected), or the result it gives is degenerate (a plan silent in every layer)."""


class TrainabilityWarning(UserWarning):
    """The theory predicts that the surrogate gradient cannot pass through the network as
    planned: at every weight the plan allows, the error reaching layer 1 is more than
    ``snntheory.inverse.UNTRAINABLE_DECADES`` decades below the top layer's; the message names
    the surrogate width or depth that would pass it."""


def _user_stacklevel() -> int:
    """``stacklevel`` for :func:`warnings.warn` that points at the first frame outside snntheory.

    Call it as the ``stacklevel`` argument of a ``warnings.warn`` call inside snntheory: the warning
    then names the user's line whether the public function was called directly or through another
    (``init_snn_`` -> ``init_network`` -> ...)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] == "snntheory":
        frame, level = frame.f_back, level + 1
    return level

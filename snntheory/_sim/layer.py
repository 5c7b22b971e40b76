r"""Reference simulator of ONE layer: Bernoulli inputs through a fixed weight matrix into LIF neurons.

``n_in`` inputs spike independently with probability ``p_in`` per step (the same input spikes
reach every neuron of the layer); neuron i receives :math:`I_i = \sum_j W_{ji} S_j` through a
weight matrix drawn once (quenched) from :math:`N(\mu_w, \sigma_w^2)`, and runs the canonical
step map with any :class:`~snntheory.neuron.LIF` options through
:func:`~snntheory._sim.stepmap.run_step_map`. :func:`simulate_chain` runs independent neurons
with i.i.d. increments (Gaussian or any :class:`~snntheory.neuron.IncrementDistribution`, e.g.
the annealed binomial mixture of a layer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._display import result_repr as _result_repr
from .._validate import check, check_count, check_int, check_object, check_scalar
from ..errors import ParameterError
from ..neuron import LIF, IncrementDistribution
from .stepmap import StepMapRun, as_generator, run_step_map

__all__ = ["LayerRun", "simulate_layer", "simulate_chain"]


@dataclass(frozen=True)
class LayerRun:
    """Result of :func:`simulate_layer`.

    Attributes
    ----------
    rates : ndarray, shape (n_neurons,)
        Spikes per step of each neuron.
    weights : ndarray, shape (n_in, n_neurons)
        The quenched weight matrix.
    run : StepMapRun
        The step-map record (membrane statistics, population spikes).
    """

    __repr__ = _result_repr

    rates: np.ndarray
    weights: np.ndarray
    run: StepMapRun

    @property
    def mean_rate(self) -> float:
        """Population-mean spikes per step."""
        return float(self.rates.mean())

    @property
    def mean_rate_stderr(self) -> float:
        """Standard error of :attr:`mean_rate` over neurons (each neuron's weights are a draw from
        the weight distribution)."""
        return float(self.rates.std(ddof=1) / np.sqrt(self.rates.size))


def _options(neuron: LIF):
    return dict(beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset,
                ref_steps=neuron.ref_steps, alpha=neuron.alpha, gain=neuron.gain, reset_delay=neuron.reset_delay)


#: cap of the default burn-in (steps): 1e5 steps of a few neurons take 0.4-2 s (the per-step
#: ufunc calls); ten time constants of a leak with beta = 1 - 1e-6 would be 1e7 steps
_MAX_DEFAULT_BURN_IN = 10**5


def _default_burn_in(beta):
    """Ten membrane time constants, at least 100 and at most 1e5 steps (a chain with beta > 1 -
    1e-4 that fires forgets its start at its first spike; a subthreshold one needs an explicit
    ``burn_in`` to relax fully)."""
    return 100 if beta == 1.0 else max(100, min(int(10 / (1.0 - beta)), _MAX_DEFAULT_BURN_IN))


def simulate_layer(neuron: LIF, n_in: int, p_in: float, w_mean: float, w_std: float, *, n_neurons: int,
                   n_steps: int, burn_in: int | None = None, weights=None, seed=0, chunk: int = 256) -> LayerRun:
    """Simulate one layer with quenched Gaussian weights and Bernoulli(``p_in``) inputs.

    ``weights`` (shape ``(n_in, n_neurons)``) overrides the Gaussian draw. ``burn_in`` defaults
    to ten membrane time constants (at least 100, at most 1e5 steps). The weights are drawn first from the
    generator made from ``seed``, then the input spikes. Cost: linear in ``burn_in + n_steps``,
    about 10-20 us of one core per step for tens of neurons (the per-step array calls), so the
    default burn-in at beta > 1 - 1e-4 alone takes 1-2 s; a layer that fires forgets its start at
    its first spike and can be given a shorter ``burn_in``.

    Examples
    --------
    >>> r = simulate_layer(LIF.from_beta(0.9), 100, 0.1, 0.2, 0.0, n_neurons=3, n_steps=200, seed=1)
    >>> bool(np.all(r.rates == r.rates[0]))  # identical weights and shared input: identical neurons
    True
    """
    check_object("neuron", neuron, LIF, "a snntheory.neuron.LIF")
    n_in, p_in = check_int("n_in", n_in), check_scalar("p_in", p_in)
    w_mean, w_std = check_scalar("w_mean", w_mean), check_scalar("w_std", w_std)
    n_neurons, n_steps = check_count("n_neurons", n_neurons, minimum=1), check_count("n_steps", n_steps)
    if burn_in is not None:
        burn_in = check_count("burn_in", burn_in)
    if weights is not None:
        weights = check("w_mean", weights, label="weights")
        if weights.ndim != 2 or weights.shape[0] != n_in or weights.shape[1] < 1:
            raise ParameterError(f"weights must have shape (n_in, n_neurons) = ({n_in}, n_neurons); "
                                 f"got {weights.shape}")
    rng = as_generator(seed)
    if weights is None:
        weights = w_mean + w_std * rng.standard_normal((int(n_in), int(n_neurons)))
    weights = np.asarray(weights, float)

    def draw(g, shape):
        spikes = g.random((shape[0], weights.shape[0])) < p_in
        return spikes.astype(float) @ weights

    if burn_in is None:
        burn_in = _default_burn_in(neuron.beta)
    run = run_step_map(draw, n_neurons=weights.shape[1], n_steps=int(n_steps), burn_in=int(burn_in), seed=rng,
                       chunk=chunk, **_options(neuron))
    return LayerRun(run.spike_counts / run.n_steps, weights, run)


def simulate_chain(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0, increments=None, v_lower=None,
                   n_neurons, n_steps, burn_in=None, v_edges=None, seed=0, chunk=256) -> StepMapRun:
    """Independent neurons ``V <- beta V + I`` with i.i.d. increments ``N(m, s^2)`` or ``increments``
    (an :class:`~snntheory.neuron.IncrementDistribution`, e.g. the annealed binomial mixture).
    ``burn_in`` defaults to ten membrane time constants (at least 100, at most 1e5 steps). Cost:
    as :func:`simulate_layer`'s, linear in ``burn_in + n_steps`` (the default burn-in at
    beta > 1 - 1e-4 takes up to 1-2 s).

    Examples
    --------
    >>> r = simulate_chain(0.3, 0.0, beta=1.0, n_neurons=2, n_steps=400, seed=0)
    >>> r.rate  # noise-free: a spike every 4 steps
    0.25
    """
    m, s = check_scalar("m", m), check_scalar("s", s)
    beta = check_scalar("beta", beta)
    n_neurons, n_steps = check_count("n_neurons", n_neurons, minimum=1), check_count("n_steps", n_steps)
    ref_steps = check_count("ref_steps", ref_steps)
    if burn_in is not None:
        burn_in = check_count("burn_in", burn_in)
    if increments is not None and not isinstance(increments, IncrementDistribution):
        raise ParameterError(f"increments must be a snntheory.neuron.IncrementDistribution or None; got {increments!r}")
    if increments is None:
        def draw(g, shape):
            return m + s * g.standard_normal(shape)
    else:
        def draw(g, shape):
            return increments.sample(g, shape)
    if burn_in is None:
        burn_in = _default_burn_in(beta)
    return run_step_map(draw, n_neurons=int(n_neurons), n_steps=int(n_steps), beta=beta, v_th=v_th, v_reset=v_reset,
                        reset=reset, ref_steps=int(ref_steps), v_lower=v_lower, burn_in=int(burn_in), v_edges=v_edges,
                        seed=seed,
                        chunk=chunk)

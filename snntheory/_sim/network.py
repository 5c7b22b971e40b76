r"""Deep feed-forward networks of the canonical step map (``simulate.network``).

Layer 0 is a population of independent Bernoulli spike sources with probability
``p = input_rate * neuron.dt`` per step. Layer l = 1..L has ``widths[l]`` neurons; neuron i of
layer l receives :math:`I_i[t] = \sum_j W^{(l)}_{ji} S^{(l-1)}_j[t]` with weights drawn once
(quenched) from :math:`N(\mu_l, \sigma_l^2)` (or a uniform law with that mean and SD), and runs
the step map of :class:`snntheory.LIF`, in the same order as
:func:`snntheory.simulate.run_step_map`:

.. math::

    J \leftarrow \alpha J + I,\quad V \leftarrow \beta V + g J,\quad
    V \leftarrow \max(V, v_\mathrm{lower}),\quad S = [V \ge v_\mathrm{th}],\quad
    \text{reset where } S.

**Same-step convention.** All layers are stepped together, and layer l at step t sees the
spikes its input layer emitted *at the same step t* (a spike crosses the whole network in one
step, as in a PyTorch forward pass that loops over layers inside the time loop). Any fixed
per-layer delay would only shift each layer's spike train in time.

**Speed and precision.** Spikes are sparse, so the drive of a layer is a gather of the weight
rows of the active inputs, summed in float64 (a dense matmul in ``dtype`` when more than 1/8 of
the inputs are active). Weights are stored as float32 by default (relative rounding 6e-8 of each
weight, far below any effect on rates); the membrane potential is float64, so a perfect
integrator does not drift by rounding over 10^4 steps. ``dtype=np.float64`` stores double
weights; ``tests/test_simulate_network.py`` checks the two give the same rates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._display import result_html as _result_html, result_repr as _result_repr
from .._validate import (check_below, check_choice, check_count, check_int, check_object, check_scalar,
                         check_per_layer, check_widths)
from ..neuron import LIF
from ..errors import ParameterError
from .stepmap import as_generator, block_means, stderr_of_mean

__all__ = ["NetworkRun", "network", "WEIGHT_DISTS"]

#: laws of the weights (see :func:`network`)
WEIGHT_DISTS = ("normal", "uniform", "rows")


@dataclass(frozen=True)
class NetworkRun:
    """What one run of :func:`network` recorded (layer 0 is the Bernoulli input).

    Attributes
    ----------
    rates : ndarray, shape (L + 1,)
        Population-mean firing rate of each layer in Hz.
    neuron_rates : list of ndarray
        Per-neuron rates in Hz (averaged over steps and the ``batch`` input realisations).
    silent_fraction : ndarray, shape (L + 1,)
        Fraction of neurons of each layer that never spiked (in any batch realisation).
    population_spikes : ndarray, shape (L + 1, n_steps)
        Spikes of each layer at each recorded step, summed over neurons and batch.
    rate_stderr : ndarray, shape (L + 1,)
        Standard error of ``rates`` from the spread of the per-neuron rates (ignores the
        correlations between neurons that share inputs). A layer of one neuron has no such
        spread: its error is the spread over the ``batch`` independent input realisations, or
        with ``batch = 1`` the batch-means error over 20 contiguous blocks of the recorded steps
        (valid when a block is longer than the spike train's correlation time); NaN only for a
        single neuron, realisation and recorded step.
    n_steps, batch : int
    dt : float
        Time step in s.
    v_mean, v_std : ndarray, shape (L + 1,)
        Mean and SD of the membrane potential of each layer over neurons, batch and recorded
        steps, after the reset (the state the step-map chain's stationary density describes).
        Entry 0 is NaN by construction: the input layer is a Bernoulli spike source with no
        membrane potential, so there is no value to report (the entry keeps the per-layer
        indexing of the other fields).
    """

    __repr__ = _result_repr
    _repr_html_ = _result_html

    rates: np.ndarray
    neuron_rates: list
    silent_fraction: np.ndarray
    population_spikes: np.ndarray
    rate_stderr: np.ndarray
    n_steps: int
    batch: int
    dt: float
    v_mean: np.ndarray
    v_std: np.ndarray

    @property
    def p(self) -> np.ndarray:
        """Mean spike probability per step of each layer (``rates * dt``)."""
        return self.rates * self.dt


def draw_weights(rng, shape, mean, std, dist, dtype, fan_in_axis=0):
    """Weights of one layer: i.i.d. ``"normal"`` or ``"uniform"`` with the given mean and SD, or
    ``"rows"``: Gaussian, then each neuron's fan-in vector (along ``fan_in_axis``) standardised
    so that its own mean and SD (ddof 0) are exactly ``mean`` and ``std``."""
    if dist == "uniform":   # same mean and SD: half-width sqrt(3) * std
        w = rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), shape)
    else:
        w = rng.standard_normal(shape, dtype=np.float64)
    if dist == "rows":
        w -= w.mean(axis=fan_in_axis, keepdims=True)
        sd = w.std(axis=fan_in_axis, keepdims=True)
        np.divide(w, sd, out=w, where=sd > 0)   # a fan-in of 1 has no spread: the weight is the mean
    return (mean + std * w).astype(dtype)




def _check_args(widths, w_means, w_stds, neuron, input_rate, n_steps, burn_in, batch, weight_dist):
    """Validated ``(widths, w_means, w_stds, p, n_steps, burn_in, batch)`` of a network run
    (shared by :func:`network` and :func:`snntheory.simulate.backprop_network`)."""
    check_object("neuron", neuron, LIF, "an LIF neuron")
    widths = list(check_widths(widths))
    n_layers = len(widths) - 1
    mus = check_per_layer("w_mean", w_means, n_layers, "w_means")
    sds = check_per_layer("w_std", w_stds, n_layers, "w_stds")
    rate = check_scalar("input_rate", input_rate)
    p = rate * neuron.dt
    if p > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {rate:g} Hz * "
                             f"{neuron.dt:g} s = {p:g}")
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    return (widths, mus, sds, p, check_int("n_steps", n_steps), check_int("n_steps", burn_in, label="burn_in"),
            check_int("n_in", batch, label="batch"))


def _rate_stderr(neuron_rates, pop, per_batch, n_steps, dt):
    """Standard error of a layer's population rate (see :class:`NetworkRun`): the spread of its
    per-neuron rates; for a single neuron the spread over the batch realisations, or with
    ``batch = 1`` the batch-means error over blocks of the recorded steps (NaN for one step)."""
    if neuron_rates.size > 1:
        return neuron_rates.std(ddof=1) / np.sqrt(neuron_rates.size)
    if per_batch.size > 1:
        return stderr_of_mean(per_batch / (n_steps * dt))
    return stderr_of_mean(block_means(pop) / dt)


def _drive(spikes, weights):
    """Input to the next layer, ``spikes @ weights``: a gather of the active rows (spikes are
    sparse) summed in float64, or a float32/float64 matmul when more than 1/8 are active."""
    batch = spikes.shape[0]
    if np.count_nonzero(spikes) * 8 > spikes.size:
        return (spikes.astype(weights.dtype) @ weights).astype(np.float64)
    out = np.empty((batch, weights.shape[1]))
    for b in range(batch):
        idx = np.flatnonzero(spikes[b])
        out[b] = weights[idx].sum(0, dtype=np.float64) if idx.size else 0.0
    return out


def _initial_membrane(v0, shape, v_reset, rng):
    """Per-layer initial potentials (float64 arrays of ``shape[l]``) from ``v0`` (see :func:`network`)."""
    if not isinstance(v0, (list, tuple)):
        if callable(v0) or np.ndim(v0) != 0:
            raise ParameterError(f"v0 must be a potential or a sequence with one entry per layer; got "
                                 f"{type(v0).__name__}")
        value = v_reset if v0 is None else check_scalar("v_reset", v0, label="v0")
        return [np.full(sh, value) for sh in shape]
    if len(v0) != len(shape):
        raise ParameterError(f"v0 must give one entry per layer ({len(shape)}); got {len(v0)}")
    out = []
    for sh, init in zip(shape, v0):
        a = init(rng, sh) if callable(init) else init
        a = np.array(np.broadcast_to(np.asarray(a, float), sh), dtype=np.float64)
        if not np.isfinite(a).all():
            raise ParameterError("v0 must be finite")
        out.append(a)
    return out


def network(widths, w_means, w_stds, *, neuron, input_rate, n_steps, seed=0, batch=1, v_lower=None,
            burn_in=0, weight_dist="normal", dtype=np.float32, chunk=256, v0=None) -> NetworkRun:
    r"""Simulate a deep feed-forward network of step-map neurons driven by Bernoulli inputs.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input layer first (length L + 1 >= 2).
    w_means, w_stds : float or sequence of float
        Weight mean and SD per layer (length L, or a scalar for every layer), in V.
    neuron : snntheory.LIF, keyword-only
        The neuron of every layer (any options: leak, synaptic filter, input gain, reset mode,
        refractoriness, delayed reset). ``LIF.from_beta(1.0)`` is the perfect integrator.
    input_rate : float, keyword-only
        Rate of the input layer in Hz; ``input_rate * neuron.dt`` must be <= 1.
    n_steps : int, keyword-only
        Recorded steps (after ``burn_in``).
    seed : int or numpy.random.Generator, keyword-only
        Reproducible randomness (weights first, then input spikes).
    batch : int, keyword-only
        Independent input realisations run in parallel through the same weights.
    v_lower : float or None, keyword-only
        Optional lower bound ``V <- max(V, v_lower)`` (solution S2), ``<= neuron.v_reset``.
    burn_in : int, keyword-only
        Steps run before recording starts.
    weight_dist : {"normal", "uniform", "rows"}, keyword-only
        Gaussian weights, uniform weights with the same mean and SD (PyTorch's default
        ``U(-1/sqrt(n), 1/sqrt(n))`` is ``w_std = 1/sqrt(3 n)``), or ``"rows"``: Gaussian with
        every neuron's fan-in standardised to exactly this mean and SD (what
        :func:`snntheory.inverse.init_network` plans by default).
    dtype : numpy dtype, keyword-only
        Precision of weights and matmul (float32 default; V is always float64).
    v0 : None, float, or sequence (one per layer) of floats, arrays or callables, keyword-only
        Initial membrane potential (default ``neuron.v_reset``): a value for every neuron, or
        per layer a value, an array broadcastable to ``(batch, width)``, or a sampler
        ``f(rng, (batch, width))`` (e.g. :func:`snntheory.network.sample_membrane`'s), drawn
        after the weights.

    Returns
    -------
    NetworkRun

    Examples
    --------
    A perfect-integrator layer driven through the weight mean (S1, subtractive reset) fires at
    the input rate when ``w_mean = theta / n``:

    >>> from snntheory import LIF
    >>> from snntheory.simulate import network
    >>> run = network([200, 200], 1 / 200, 0.0, neuron=LIF.from_beta(1.0, reset="subtract"),
    ...               input_rate=50.0, n_steps=2000, seed=1)
    >>> bool(abs(run.rates[1] / run.rates[0] - 1) < 0.02)
    True
    """
    chunk = check_count("chunk", chunk, minimum=1)
    widths, mus, sds, p, n_steps, burn_in, batch = _check_args(widths, w_means, w_stds, neuron, input_rate, n_steps,
                                                               burn_in, batch, weight_dist)
    n_layers = len(widths) - 1
    if v_lower is not None:
        v_lower = check_scalar("v_lower", v_lower)
        check_below("v_lower", v_lower, "v_reset", neuron.v_reset, strict=False)
    rng = as_generator(seed)
    weights = [draw_weights(rng, (widths[l], widths[l + 1]), mus[l], sds[l], weight_dist, dtype)
               for l in range(n_layers)]

    beta, alpha, gain = neuron.beta, neuron.alpha, neuron.gain
    v_th, v_reset, theta = neuron.v_th, neuron.v_reset, neuron.theta
    ref_steps, delayed, zero = neuron.ref_steps, neuron.reset_delay, neuron.reset == "zero"
    shape = [(batch, w) for w in widths[1:]]
    v = _initial_membrane(v0, shape, v_reset, rng)
    j = [np.zeros(sh) for sh in shape] if alpha else None
    ref = [np.zeros(sh, dtype=np.int64) for sh in shape] if ref_steps else None
    pending = [np.zeros(sh, dtype=bool) for sh in shape] if delayed else None
    counts = [np.zeros(w, dtype=np.int64) for w in widths]
    counts_b = np.zeros((n_layers + 1, batch), dtype=np.int64)  # spikes per layer and realisation
    pop = np.zeros((n_layers + 1, n_steps), dtype=np.int64)
    v_sum, v_sumsq = np.zeros(n_layers), np.zeros(n_layers)

    total = burn_in + n_steps
    t = 0
    while t < total:
        k = min(chunk, total - t)
        inputs = rng.random((k, batch, widths[0])) < p
        for i in range(k):
            spikes = inputs[i]
            rec = t + i - burn_in
            if rec >= 0:
                counts[0] += spikes.sum(0).astype(np.int64)
                counts_b[0] += spikes.sum(1)
                pop[0, rec] = int(spikes.sum())
            for l in range(n_layers):
                drive = _drive(spikes, weights[l])
                if alpha:
                    j[l] = alpha * j[l] + drive
                    drive = j[l]
                vl = beta * v[l] + gain * drive if beta != 1.0 or gain != 1.0 else v[l] + drive
                if delayed:
                    if zero:
                        vl[pending[l]] = v_reset
                    else:
                        vl -= theta * pending[l]
                if v_lower is not None:
                    np.maximum(vl, v_lower, out=vl)
                if ref_steps:
                    frozen = ref[l] > 0
                    vl[frozen] = v_reset
                    ref[l][frozen] -= 1
                s_l = vl >= v_th
                if ref_steps:
                    ref[l][s_l] = ref_steps
                if delayed:
                    pending[l] = s_l
                elif zero:
                    vl[s_l] = v_reset
                else:
                    vl[s_l] -= theta
                v[l] = vl
                if rec >= 0:
                    counts[l + 1] += s_l.sum(0)
                    counts_b[l + 1] += s_l.sum(1)
                    pop[l + 1, rec] = int(s_l.sum())
                    v_sum[l] += vl.sum()
                    v_sumsq[l] += np.vdot(vl, vl)
                spikes = s_l
        t += k

    steps = max(n_steps, 1) * batch
    neuron_rates = [c / steps / neuron.dt for c in counts]
    rates = np.array([r.mean() for r in neuron_rates])
    stderr = np.array([_rate_stderr(r, pop[l], counts_b[l], n_steps, neuron.dt) for l, r in enumerate(neuron_rates)])
    silent = np.array([float(np.mean(c == 0)) for c in counts])
    n_v = np.array([steps * w for w in widths[1:]], dtype=float)
    v_mean = v_sum / n_v
    v_std = np.sqrt(np.maximum(v_sumsq / n_v - v_mean**2, 0.0))
    return NetworkRun(rates, neuron_rates, silent, pop, stderr, n_steps, batch, float(neuron.dt),
                      np.concatenate([[np.nan], v_mean]), np.concatenate([[np.nan], v_std]))

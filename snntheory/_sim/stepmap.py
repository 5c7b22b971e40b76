r"""The vectorised simulator of the canonical discrete-time step map.

Every discrete-time result in snntheory (``discrete``, ``wiener``'s random walk, ``inverse``)
is checked against this one loop, which runs the canonical map for many independent
neurons at once:

.. math::

    J \leftarrow \alpha J + I,\quad V \leftarrow \beta V + g J,\quad
    V \leftarrow \max(V, v_\mathrm{lower}),\quad S = [V \ge v_\mathrm{th}],\quad
    \text{reset where } S.

Refractory neurons are clamped at ``v_reset`` and ignore their input for ``ref_steps`` steps
after a spike; with ``reset_delay`` the reset of a spike at step t is applied at step t+1
(snnTorch ``Leaky``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._display import result_repr as _result_repr
from .._validate import (Domain, check, check_below, check_bool, check_choice, check_count, check_edges,
                         check_scalar)
from ..errors import ParameterError

__all__ = ["StepMapRun", "run_step_map", "as_generator"]


def as_generator(seed) -> np.random.Generator:
    """``seed`` as a :class:`numpy.random.Generator` (an int, None, or a Generator)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


#: number of contiguous time blocks of the batch-means standard error (:func:`block_means`)
N_BLOCKS = 20


def block_means(x, n_blocks=N_BLOCKS):
    """Means of ``x`` (shape ``(n, ...)``, in time order along axis 0) over ``min(n_blocks, n)``
    contiguous blocks of near-equal length (they differ by at most one sample).

    Used for the batch-means standard error of a time average when a run has a single
    realisation: the spread of the block means over ``sqrt(n_blocks)`` estimates the error of the
    overall mean if the blocks are longer than the correlation time of ``x`` (shorter blocks bias
    it: down for positive correlations, up for negative ones such as a regular spike train)."""
    x = np.asarray(x, float)
    n = x.shape[0]
    b = min(int(n_blocks), n)
    if b == 0:
        return np.empty((0,) + x.shape[1:])
    block = np.arange(n) * b // n
    sums = np.zeros((b,) + x.shape[1:])
    np.add.at(sums, block, x)
    return sums / np.bincount(block, minlength=b).reshape((b,) + (1,) * (x.ndim - 1))


def stderr_of_mean(samples):
    """Standard error of the mean of independent (or block-mean) ``samples`` along axis 0:
    ``std(ddof=1) / sqrt(n)``; NaN when ``n < 2`` (no spread can be estimated from one sample)."""
    samples = np.asarray(samples, float)
    n = samples.shape[0]
    if n < 2:
        return np.full(samples.shape[1:], np.nan) if samples.ndim > 1 else np.nan
    out = samples.std(axis=0, ddof=1) / np.sqrt(n)
    return out if samples.ndim > 1 else float(out)


@dataclass(frozen=True)
class StepMapRun:
    """What one run of :func:`run_step_map` recorded.

    Attributes
    ----------
    spike_counts : ndarray, shape (n_neurons,)
        Spikes per neuron over the recorded steps (after ``burn_in``).
    population_spikes : ndarray, shape (n_steps,)
        Spikes of the whole population at each recorded step.
    n_steps : int
        Recorded steps.
    v_hist : ndarray or None
        Counts of the post-reset membrane potential in the bins of ``v_edges`` (over all
        recorded neuron-steps), if requested.
    v_edges : ndarray or None
        The bin edges.
    v_sum, v_sumsq : float
        Sums of V and V^2 over all recorded neuron-steps (post-reset values).
    v_final : ndarray, shape (n_neurons,)
        The membrane potential after the last step.
    """

    __repr__ = _result_repr

    spike_counts: np.ndarray
    population_spikes: np.ndarray
    n_steps: int
    v_hist: np.ndarray | None
    v_edges: np.ndarray | None
    v_sum: float
    v_sumsq: float
    v_final: np.ndarray

    @property
    def rate(self) -> float:
        """Spikes per neuron per step, averaged over neurons and steps."""
        return float(self.spike_counts.mean() / self.n_steps)

    @property
    def rate_stderr(self) -> float:
        """Standard error of :attr:`rate`, from the spread across the independent neurons."""
        n = self.spike_counts.size
        if n < 2:
            return float("nan")
        return float(self.spike_counts.std(ddof=1) / np.sqrt(n) / self.n_steps)

    @property
    def v_mean(self) -> float:
        """Mean membrane potential over neuron-steps."""
        return self.v_sum / (self.n_steps * self.spike_counts.size)

    @property
    def v_var(self) -> float:
        """Variance of the membrane potential over neuron-steps."""
        return self.v_sumsq / (self.n_steps * self.spike_counts.size) - self.v_mean**2


def run_step_map(
    draw: Callable[[np.random.Generator, tuple[int, int]], np.ndarray],
    *,
    n_neurons: int,
    n_steps: int,
    beta: float,
    v_th: float = 1.0,
    v_reset: float = 0.0,
    reset: str = "zero",
    v_lower: float | None = None,
    ref_steps: int = 0,
    alpha: float = 0.0,
    gain: float = 1.0,
    reset_delay: bool = False,
    burn_in: int = 0,
    v0=None,
    v_edges=None,
    seed=0,
    chunk: int = 256,
    record: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
) -> StepMapRun:
    """Run the step map for ``n_neurons`` independent neurons.

    ``draw(rng, (k, n_neurons))`` returns the increments I for ``k`` steps. Neurons start at
    ``v0`` (default ``v_reset``) with no synaptic current; the first ``burn_in`` steps are
    run but not recorded. ``seed`` is an int or a Generator. ``record(step, v, spikes)``, if
    given, is called at every step (burn-in included, ``step`` counts from 0) right after the
    threshold test with the potential compared with ``v_th`` (before the reset; the array is
    reused, copy what you keep) and the spike mask (used by ``simulate.backprop_network``).
    """
    if not callable(draw):
        raise ParameterError(f"draw must be a callable draw(rng, shape) -> increments; got {draw!r}")
    n_neurons, n_steps = check_count("n_neurons", n_neurons, minimum=1), check_count("n_steps", n_steps)
    burn_in, chunk = check_count("burn_in", burn_in), check_count("chunk", chunk, minimum=1)
    ref_steps = check_count("ref_steps", ref_steps)
    beta, v_th, v_reset = check_scalar("beta", beta), check_scalar("v_th", v_th), check_scalar("v_reset", v_reset)
    check_below("v_reset", v_reset, "v_th", v_th)
    alpha = check_scalar("alpha", alpha, domain=Domain(low=0.0, high=1.0, low_open=False))
    gain = check_scalar("gain", gain, domain=Domain(low=0.0))
    reset, reset_delay = check_choice("reset", reset, ("zero", "subtract")), check_bool("reset_delay", reset_delay)
    if v_lower is not None:
        v_lower = check_scalar("v_lower", v_lower)
        check_below("v_lower", v_lower, "v_th", v_th)
    if v_edges is not None:
        v_edges = check_edges("v_edges", v_edges)
    if v0 is not None:
        v0 = check("v", v0, label="v0")
        if v0.size == 0 or (v0.ndim and v0.shape != (n_neurons,)):
            raise ParameterError(f"v0 must be a number or an array of n_neurons = {n_neurons} values; "
                                 f"got shape {v0.shape}")
    rng = as_generator(seed)
    v = np.full(n_neurons, float(v_reset)) if v0 is None else np.array(np.broadcast_to(v0, (n_neurons,)), float)
    j = np.zeros(n_neurons)
    ref = np.zeros(n_neurons, dtype=np.int64)
    frozen = np.zeros(n_neurons, dtype=bool)
    pending = np.zeros(n_neurons, dtype=bool)
    counts = np.zeros(n_neurons, dtype=np.int64)
    pop = np.zeros(n_steps, dtype=np.int64)
    hist = None if v_edges is None else np.zeros(len(v_edges) - 1, dtype=np.int64)
    v_sum = v_sumsq = 0.0
    theta = v_th - v_reset
    total = burn_in + n_steps
    # each step writes its spikes and post-reset potential into one row of a chunk buffer, in
    # place (the per-step cost of a few neurons is the ufunc calls' overhead), and the recorded
    # rows are summed once per chunk
    spikes_buf = np.empty((min(chunk, total), n_neurons), dtype=bool)
    v_buf = np.empty((min(chunk, total), n_neurons))
    t = 0
    while t < total:
        k = min(chunk, total - t)
        increments = draw(rng, (k, n_neurons))
        for i in range(k):
            if alpha:
                j *= alpha
                j += increments[i]
                drive = j
            else:
                drive = increments[i]
            v *= beta
            v += drive if gain == 1.0 else gain * drive
            if reset_delay:
                if reset == "zero":
                    np.copyto(v, v_reset, where=pending)
                else:
                    np.subtract(v, theta, out=v, where=pending)
            if v_lower is not None:
                np.maximum(v, v_lower, out=v)
            if ref_steps:
                np.greater(ref, 0, out=frozen)
                np.copyto(v, v_reset, where=frozen)
                np.subtract(ref, 1, out=ref, where=frozen)
            spikes = np.greater_equal(v, v_th, out=spikes_buf[i])
            if record is not None:
                record(t + i, v, spikes)
            if ref_steps:
                np.copyto(ref, ref_steps, where=spikes)
            if reset_delay:
                np.copyto(pending, spikes)
            elif reset == "zero":
                np.copyto(v, v_reset, where=spikes)
            else:
                np.subtract(v, theta, out=v, where=spikes)
            v_buf[i] = v
        first = max(burn_in - t, 0)            # the chunk's first recorded row
        if first < k:
            s_rec, v_rec = spikes_buf[first:k], v_buf[first:k]
            counts += s_rec.sum(axis=0)
            pop[t + first - burn_in:t + k - burn_in] = s_rec.sum(axis=1)
            v_sum += float(v_rec.sum())
            v_sumsq += float(np.einsum("ij,ij->", v_rec, v_rec))
            if hist is not None:
                hist += np.histogram(v_rec, bins=v_edges)[0]
        t += k
    return StepMapRun(counts, pop, n_steps, hist, None if v_edges is None else np.asarray(v_edges), v_sum, v_sumsq, v)

r"""Two replicas of one deep network driven by correlated inputs (``simulate.replica_network``).

The same weight draw (as :func:`snntheory.simulate.network`: i.i.d. Gaussian, quenched) runs
two input patterns a and b. Input neuron j emits Bernoulli(p) spikes in both; at each step
:math:`x^b_j[t] = x^a_j[t]` with probability ``c`` and an independent Bernoulli(p) draw
otherwise, so :math:`\mathrm{corr}(x^a_j[t], x^b_j[t]) = c` per step (and for spike counts,
the steps being independent), both trains having rate p. Both replicas start at ``v_reset``
and see the same-step convention of :func:`snntheory.simulate.network`.

Per layer it measures the correlation across neurons of the two replicas' outputs: per step
(pooled over neurons, steps and batch) and of spike counts over windows of ``window`` steps
(pooled over neurons, windows and batch), each as a Pearson coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._display import result_repr as _result_repr
from .._validate import Domain, check_count, check_int, check_object, check_scalar
from ..errors import ParameterError
from .network import _check_args, draw_weights
from .stepmap import as_generator, stderr_of_mean

__all__ = ["ReplicaRun", "replica_network", "correlated_bernoulli"]

#: domain of a correlation between two replicas' trains
CORR_DOMAIN = Domain(low=0.0, high=1.0, low_open=False, high_open=False, typical=(0.0, 1.0))


@dataclass(frozen=True)
class ReplicaRun:
    """What :func:`replica_network` measured (index 0 is the input layer).

    Attributes
    ----------
    step_corr, count_corr : ndarray, shape (L + 1,)
        Correlation across neurons of the two replicas' spikes per step, and of their spike
        counts over ``window`` steps, averaged over the input pairs in which both replicas'
        trains vary. NaN where no pair does (a layer silent in one replica or both): the
        correlation of a constant train is undefined, a statistic the run does not contain.
    step_corr_se, count_corr_se : ndarray, shape (L + 1,)
        Standard errors of these from the spread over those input pairs (NaN with fewer than
        two).
    p : ndarray, shape (L + 1,)
        Mean spikes per step of each layer (both replicas).
    window, n_steps, batch : int
    n_pairs : ndarray of int, shape (L + 1,)
        Input pairs over which each layer's count correlation is averaged (both trains varying).
    """

    step_corr: np.ndarray
    count_corr: np.ndarray
    step_corr_se: np.ndarray
    count_corr_se: np.ndarray
    p: np.ndarray
    window: int
    n_steps: int
    batch: int
    n_pairs: np.ndarray

    __repr__ = _result_repr


def correlated_bernoulli(rng, shape, p, c):
    """Two boolean arrays of Bernoulli(p) spikes whose elements have correlation ``c`` in [0, 1]:
    b copies a with probability c, else is an independent draw.

    ``rng`` is a numpy Generator, ``shape`` an int or a tuple of ints >= 0, ``p`` in [0, 1]
    (spikes per step).
    """
    check_object("rng", rng, np.random.Generator, "a numpy.random.Generator")
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, (bool, np.bool_)):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)):
        raise ParameterError(f"shape must be an int or a tuple of ints; got {shape!r}")
    shape = tuple(check_count("shape", k) for k in shape)
    p = check_scalar("p_in", p, label="p")
    c = check_scalar("c", c, domain=CORR_DOMAIN)
    return _correlated_bernoulli(rng, shape, p, c)


def _correlated_bernoulli(rng, shape, p, c):
    """:func:`correlated_bernoulli` without the checks (the simulation's inner loop)."""
    a = rng.random(shape) < p
    fresh = rng.random(shape) < p
    copy = rng.random(shape) < c
    return a, np.where(copy, a, fresh)


def _pearson(x, y):
    """Pearson correlation of two equal-shape arrays, flattened (NaN without variance)."""
    x = x.astype(float).ravel()
    y = y.astype(float).ravel()
    xc, yc = x - x.mean(), y - y.mean()
    den = np.sqrt(np.dot(xc, xc) * np.dot(yc, yc))
    return float(np.dot(xc, yc) / den) if den > 0 else np.nan


def replica_network(widths, w_means, w_stds, *, neuron, input_rate, c, n_steps, window=16, seed=0, batch=4,
                    burn_in=200, weight_dist="normal") -> ReplicaRun:
    r"""Simulate two replicas of one network (same weights) driven by inputs of correlation ``c``.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first.
    w_means, w_stds : float or sequence of float
        Gaussian weight mean and SD per layer (V).
    neuron : snntheory.LIF, keyword-only
        Neuron of every layer: delta synapse, no refractoriness, no delayed reset.
    input_rate : float, keyword-only
        Input rate (Hz) of both replicas.
    c : float, keyword-only
        Per-step correlation of each input neuron's two trains, in [0, 1].
    n_steps : int, keyword-only
        Recorded steps (a multiple of ``window`` is used: the last partial window is dropped
        from the count correlation).
    window : int, keyword-only
        Steps per spike-count window.
    seed : int or Generator, keyword-only
        Weights first, then the inputs.
    batch : int, keyword-only
        Independent input pairs run through the same weights (their spread gives the errors).
    burn_in : int, keyword-only
        Steps run before recording.
    weight_dist : {"normal", "uniform", "rows"}, keyword-only
        Law of the weights, as for :func:`snntheory.simulate.network` (``"rows"``: every
        neuron's fan-in standardised to the exact mean and SD).

    Returns
    -------
    ReplicaRun

    Examples
    --------
    >>> from snntheory import LIF
    >>> from snntheory.simulate import replica_network
    >>> r = replica_network([200, 200], 0.0, 0.1, neuron=LIF.from_beta(0.9), input_rate=100.0, c=1.0,
    ...                     n_steps=200, seed=1, batch=1)
    >>> float(r.step_corr[1])
    1.0
    """
    widths, mus, sds, p, n_steps, burn_in, batch = _check_args(widths, w_means, w_stds, neuron, input_rate,
                                                               n_steps, burn_in, batch, weight_dist)
    c = check_scalar("c", c, domain=CORR_DOMAIN)
    window = check_int("n_steps", window, label="window")
    if neuron.tau_s > 0.0 or neuron.ref_steps or neuron.reset_delay:
        raise ParameterError("replica_network needs a delta synapse, no refractoriness and no delayed reset; got "
                             f"tau_s = {neuron.tau_s:g} s, ref_steps = {neuron.ref_steps}, "
                             f"reset_delay = {neuron.reset_delay}")
    n_win = n_steps // window
    if n_win < 1:
        raise ParameterError(f"n_steps must be >= window ({window}); got {n_steps}")
    rng = as_generator(seed)
    L = len(widths) - 1
    weights = [draw_weights(rng, (widths[l], widths[l + 1]), mus[l], sds[l], weight_dist, np.float64)
               for l in range(L)]
    beta, gain, v_th, v_reset, theta = neuron.beta, neuron.gain, neuron.v_th, neuron.v_reset, neuron.theta
    zero = neuron.reset == "zero"
    v = [np.full((2 * batch, w), v_reset) for w in widths[1:]]
    # per layer: sums for the per-step correlation, per batch
    sxy = np.zeros((L + 1, batch))
    sx = np.zeros((L + 1, batch))
    sy = np.zeros((L + 1, batch))
    counts = [np.zeros((2 * batch, w)) for w in widths]
    cnt_a = [[[] for _ in range(batch)] for _ in range(L + 1)]
    cnt_b = [[[] for _ in range(batch)] for _ in range(L + 1)]
    total = burn_in + n_win * window
    for t in range(total):
        xa, xb = _correlated_bernoulli(rng, (batch, widths[0]), p, c)
        spikes = np.concatenate([xa, xb]).astype(np.float64)
        rec = t >= burn_in
        for l in range(L + 1):
            if l > 0:
                vl = beta * v[l - 1] + gain * (spikes @ weights[l - 1])
                s = vl >= v_th
                if zero:
                    vl[s] = v_reset
                else:
                    vl[s] -= theta
                v[l - 1] = vl
                spikes = s.astype(np.float64)
            if rec:
                a, b = spikes[:batch], spikes[batch:]
                sxy[l] += (a * b).sum(1)
                sx[l] += a.sum(1)
                sy[l] += b.sum(1)
                counts[l] += spikes
                if (t - burn_in + 1) % window == 0:
                    for k in range(batch):
                        cnt_a[l][k].append(counts[l][k].copy())
                        cnt_b[l][k].append(counts[l][batch + k].copy())
                    counts[l][:] = 0.0
    n_rec = n_win * window
    step, count = np.zeros((L + 1, batch)), np.zeros((L + 1, batch))
    pm = np.zeros(L + 1)
    for l in range(L + 1):
        m = widths[l] * n_rec
        pa, pb = sx[l] / m, sy[l] / m
        cov = sxy[l] / m - pa * pb
        with np.errstate(invalid="ignore", divide="ignore"):
            step[l] = cov / np.sqrt(pa * (1 - pa) * pb * (1 - pb))
        for k in range(batch):
            count[l, k] = _pearson(np.array(cnt_a[l][k]), np.array(cnt_b[l][k]))
        pm[l] = 0.5 * (pa.mean() + pb.mean())

    def mean_se(x):
        # over the input pairs where the correlation is defined (both replicas' trains vary)
        rows = [r[np.isfinite(r)] for r in x]
        return (np.array([r.mean() if r.size else np.nan for r in rows]),
                np.array([stderr_of_mean(r) for r in rows]))

    (step_m, step_se), (count_m, count_se) = mean_se(step), mean_se(count)
    return ReplicaRun(step_m, count_m, step_se, count_se, pm, window, n_rec, batch,
                      np.isfinite(count).sum(axis=1))

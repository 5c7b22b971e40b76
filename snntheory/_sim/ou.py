r"""Seeded simulation of the white-noise LIF neuron in continuous time (see :mod:`snntheory.simulate`).

Model (the same as :mod:`snntheory.diffusion`, Brunel convention):

.. math:: \tau_m \dot V = -V + \mu + \sigma\sqrt{\tau_m}\,\xi(t),

threshold ``v_th``, reset ``v_reset``, absolute refractory period ``tau_ref``; without threshold
V has mean ``mu`` and SD ``sigma/sqrt(2)``.

Method. Many independent neurons are advanced together on a grid of step ``dt``. Each step is an
*exact* Ornstein--Uhlenbeck transition (no Euler error). A threshold crossing is detected at the
end of the step (``V >= v_th``) or, with ``bridge=True``, inside it with the Brownian-bridge
probability ``exp(-2 (v_th - V_0)(v_th - V_1) / (sigma^2 d / tau_m))``, which removes the
leading ``sqrt(dt)`` bias of discrete monitoring. The spike time is drawn inside the step from
the exact first-passage law of the Brownian bridge between the two end points (``T/(d - T)`` is
inverse Gaussian with mean ``(v_th - V_0)/|V_1 - v_th|`` and shape
``(v_th - V_0)^2 / (sigma^2 d / tau_m)``), and the neuron's own
clock carries the remainder: refractoriness that ends inside a step is followed, within the same
step, by an exact OU step of the remaining length from ``v_reset`` (again checked for crossings),
so the state at every grid time is exact up to the placement of the spike time. With ``bridge=False`` the neuron is
checked only on the grid and spikes and resets at grid times: this is the discretely monitored
neuron that :func:`snntheory.diffusion.firing_rate` with ``dt`` describes.

The remaining bias comes from treating the OU path inside a step as a Brownian bridge (the
drift's curvature, O(dt) per step); standard errors are over independent neurons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._display import result_repr as _result_repr
from .._validate import (Domain, check, check_below, check_bool, check_count, check_edges,
                         check_scalar)
from ..errors import ConvergenceError, ParameterError
from .stepmap import N_BLOCKS, as_generator, block_means, stderr_of_mean

_POS_S = Domain(low=0.0, low_open=True, unit="s")

__all__ = ["OURun", "simulate_ou"]

#: Extra passes of the within-step loop (one per repeated re-spike of the busiest neuron inside a
#: step: its second, third ... spike there; each pass is some 30 numpy calls on a few elements,
#: 50-150 microseconds) that a run may take, projected from the steps done: beyond it the run
#: stops with ConvergenceError (under 1 s in, not after minutes). A step's first pass and the
#: re-advance after a single spike (every spiking step when tau_ref = 0) are not counted: long
#: runs are not refused.
_MAX_PASSES = 6000
#: Extra passes within one grid step: a neuron that fires this often inside one step (a reset
#: within ~1e-9 of the threshold, or tau_m, tau_ref far below dt) is refused at once.
_MAX_PASSES_PER_STEP = 500


@dataclass(frozen=True)
class OURun:
    """What one run of :func:`simulate_ou` recorded (after ``burn_in``).

    Attributes
    ----------
    rate, rate_stderr : float
        Mean firing rate over neurons (Hz) and its standard error: the SD of the per-neuron rates
        over sqrt(n_neurons); with ``n_neurons = 1`` the batch-means error over 20 contiguous
        blocks of the recorded steps (valid when a block, ``t_max / 20``, is longer than the
        correlation time of the spike train, about an ISI; shorter blocks bias it, upwards for
        regular spike trains).
        0 when no neuron spiked (no spread). These and the other standard errors are NaN only
        when a single realisation has a single recorded step.
    spike_counts : ndarray, shape (n_neurons,)
        Spikes per neuron in the recorded window.
    duration : float
        Length of the recorded window (s).
    isi_mean : float
        Mean of all recorded inter-spike intervals (s). NaN when no ISI was recorded (no neuron
        spiked twice): a statistic of the data that the run does not contain, not a model output.
    isi_cv, isi_cv_stderr : float
        CV of the pooled ISIs (population SD over mean) and its standard error (spread of the CV
        over 20 groups of neurons, or with one neuron over 20 contiguous stretches of its ISIs,
        divided by sqrt(number of groups)). The CV is NaN with fewer than two ISIs and its error
        with fewer than two groups holding two ISIs each: undefined for such a run, as above.
    n_isi : int
        Number of recorded ISIs.
    v_mean, v_var : float
        Mean and variance of V over all neurons and grid times (refractory neurons count at
        ``v_reset``).
    v_mean_stderr, v_var_stderr : float
        Their standard errors (spread of the per-neuron time averages over sqrt(n_neurons); with
        one neuron, of the averages over 20 blocks of time, as for ``rate_stderr``).
    v_hist : ndarray or None
        Fraction of all (neuron, sample time) pairs whose neuron was non-refractory with V in
        each bin of ``v_edges`` (sampled every ``hist_every`` steps); it estimates the integral
        of the stationary density over the bin.
    v_hist_stderr : ndarray or None
        Standard error of each fraction (spread of the per-neuron fractions / sqrt(n_neurons);
        with one neuron, of the fractions over 20 blocks of the sample times).
    v_edges : ndarray or None
        The bin edges.
    n_samples : int
        Number of (neuron, time) samples behind ``v_mean`` and ``v_var``.
    """

    __repr__ = _result_repr

    rate: float
    rate_stderr: float
    spike_counts: np.ndarray
    duration: float
    isi_mean: float
    isi_cv: float
    isi_cv_stderr: float
    n_isi: int
    v_mean: float
    v_var: float
    v_mean_stderr: float
    v_var_stderr: float
    v_hist: np.ndarray | None
    v_hist_stderr: np.ndarray | None
    v_edges: np.ndarray | None
    n_samples: int


def simulate_ou(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0, dt, t_max, n_neurons=1000,
                burn_in=0.0, bridge=True, v_edges=None, hist_every=10, v0=None, seed=0) -> OURun:
    r"""Simulate ``n_neurons`` independent white-noise LIF neurons for ``burn_in + t_max`` s.

    Parameters
    ----------
    mu, sigma : float
        Mean input and noise amplitude in V (free V has mean ``mu`` and SD ``sigma/sqrt(2)``).
    tau_m, tau_ref : float
        Membrane time constant and refractory period in s.
    v_th, v_reset : float
        Threshold and reset in V.
    dt : float
        Grid step in s (exact OU steps; sets the monitoring grid when ``bridge=False``).
    t_max, burn_in : float
        Recorded duration and discarded initial transient, in s.
    n_neurons : int
        Number of independent neurons.
    bridge : bool
        Detect crossings inside a step (continuous-time neuron, default) or only on the grid.
    v_edges : array_like, optional
        Histogram bin edges for V.
    hist_every : int
        Record the histogram every this many steps.
    v0 : float, array_like or "uniform", optional
        Initial V (default ``v_reset`` for all neurons). ``"uniform"`` draws it uniformly on
        ``[v_reset, v_th)``, which avoids the slowly decaying population oscillation of a
        synchronous start in the mean-driven regime (a bias of time averages).
    seed : int or numpy.random.Generator
        Random seed; runs are reproducible.

    Returns
    -------
    OURun

    Raises
    ------
    ConvergenceError
        When the busiest neuron fires so often inside a grid step (``tau_m`` or ``tau_ref`` far below
        ``dt`` with the mean above threshold, or ``v_reset`` within ~1e-9 of ``v_th``) that the run
        would take more than ``_MAX_PASSES`` within-step passes (under 1 s), projected after 10
        steps or reached; or more than ``_MAX_PASSES_PER_STEP`` within one step.

    Examples
    --------
    >>> run = simulate_ou(1.5, 0.0, tau_m=0.01, v_th=1.0, v_reset=0.0, dt=1e-5, t_max=0.2,
    ...                   n_neurons=4, seed=1)
    >>> bool(abs(run.isi_mean / (0.01 * np.log(3.0)) - 1) < 1e-6)   # noise-free ISI tau_m ln 3
    True
    """
    mu, sigma = check_scalar("mu", mu), check_scalar("sigma", sigma)
    tau_m, v_th, v_reset = check_scalar("tau_m", tau_m), check_scalar("v_th", v_th), check_scalar("v_reset", v_reset)
    tau_ref, burn_in = check_scalar("tau_ref", tau_ref), check_scalar("tau_ref", burn_in, label="burn_in")
    dt, t_max = check_scalar("dt", dt, domain=_POS_S), check_scalar("t_max", t_max, domain=_POS_S)
    check_below("v_reset", v_reset, "v_th", v_th)
    n_neurons = check_count("n_neurons", n_neurons, minimum=1)
    hist_every = check_count("hist_every", hist_every, minimum=1)
    bridge = check_bool("bridge", bridge)
    if v_edges is not None:
        v_edges = check_edges("v_edges", v_edges)
    if v0 is not None and not (isinstance(v0, str) and v0 == "uniform"):
        v0 = check("v", v0, label="v0")
        if v0.ndim and v0.shape != (n_neurons,) or v0.size == 0:
            raise ParameterError(f"v0 must be a number, 'uniform' or an array of n_neurons = {n_neurons} values; "
                                 f"got shape {v0.shape}")
    rng = as_generator(seed)
    n = int(n_neurons)
    n_burn = int(round(burn_in / dt))
    n_rec = int(round(t_max / dt))
    duration = n_rec * dt
    if v0 is None:
        V = np.full(n, float(v_reset))
    elif isinstance(v0, str) and v0 == "uniform":  # desynchronised start: no population oscillation
        V = rng.uniform(v_reset, v_th, n)
    else:
        V = np.broadcast_to(np.asarray(v0, float), (n,)).copy()
    carry = np.zeros(n)  # time the neuron's own clock is behind (> 0: refractory left)
    last_spike = np.full(n, np.nan)
    counts = np.zeros(n, dtype=np.int64)
    isi_chunks: list[np.ndarray] = []
    isi_owner: list[np.ndarray] = []
    s1 = np.zeros(n)
    s2 = np.zeros(n)
    hist = None
    edges = None
    if v_edges is not None:
        edges = np.asarray(v_edges, float)
        nb = len(edges) - 1
        hist = np.zeros(n * nb, dtype=np.int64)  # per neuron and bin
        n_hist = 0
        owner_off = np.arange(n) * nb
    var_rate = sigma * sigma / tau_m  # variance per unit time of the noise
    single = n == 1  # one realisation: standard errors from blocks over time (needs the traces)
    if single:
        spk_trace, v_trace, h_trace = np.zeros(n_rec), np.zeros(n_rec), []

    def advance(idx, d, t_end, recording):
        """Evolve neurons ``idx`` exactly over durations ``d`` ending at ``t_end``; handle spikes.

        Returns the spiking neurons whose refractory period ends before ``t_end`` (they must be
        advanced again from ``v_reset`` over the remaining time) and that remaining time."""
        x0 = V[idx]
        e = np.exp(-d / tau_m)
        x1 = mu + (x0 - mu) * e + sigma * np.sqrt(0.5 * (1.0 - e * e)) * rng.standard_normal(idx.size)
        hit = x1 >= v_th
        w = np.ones(idx.size)  # fraction of the interval at which the crossing happened
        if bridge:
            spike = hit
            if var_rate > 0.0:
                with np.errstate(over="ignore", divide="ignore"):
                    p = np.exp(-2.0 * (v_th - x0) * (v_th - x1) / (var_rate * d))
                spike = hit | (~hit & (rng.random(idx.size) < p))
                # first-passage time of the Brownian bridge x0 -> x1 (crossing known):
                # z = T/(d - T) is inverse Gaussian, mean alpha/beta, shape alpha^2/(s^2 d)
                k = np.flatnonzero(spike)
                alpha = v_th - x0[k]
                beta = np.abs(x1[k] - v_th)
                pos = beta > 0.0
                z = np.full(k.size, np.inf)
                z[pos] = rng.wald(alpha[pos] / beta[pos], alpha[pos] ** 2 / (var_rate * d[k][pos]))
                w[k] = np.where(np.isinf(z), 1.0, z / (1.0 + z))
            else:  # no noise: the crossing of the (locally linear) deterministic path
                w[hit] = np.clip((v_th - x0[hit]) / (x1[hit] - x0[hit]), 0.0, 1.0)
        else:
            spike = hit  # grid monitoring: spike and reset at the grid time
        V[idx] = x1
        carry[idx] = 0.0
        sp = idx[spike]
        if not sp.size:
            return sp, np.empty(0)
        back = (1.0 - w[spike]) * d[spike]  # the crossing happened this long before t_end
        t_sp = t_end - back
        V[sp] = v_reset
        carry[sp] = tau_ref - back
        if recording:
            counts[sp] += 1
            prev = last_spike[sp]
            ok = ~np.isnan(prev)
            if ok.any():
                isi_chunks.append(t_sp[ok] - prev[ok])
                isi_owner.append(sp[ok])
        last_spike[sp] = t_sp
        again = carry[sp] < 0.0
        return sp[again], -carry[sp][again]

    passes = 0
    for step in range(n_burn + n_rec):
        t_end = (step + 1) * dt
        recording = step >= n_burn
        free = dt - carry
        act = free > 0.0
        ref = ~act  # refractory for the whole step
        carry[ref] -= dt
        V[ref] = v_reset
        idx = np.flatnonzero(act)
        d = free[idx]
        c0 = counts[0]
        k = 0
        while idx.size:  # spikes whose refractoriness ends inside the step are advanced again
            if k >= 2:   # a neuron that spiked twice within this step (third, fourth ... pass): the budget
                passes += 1
                if (passes > _MAX_PASSES or k - 1 > _MAX_PASSES_PER_STEP
                        or passes * (n_burn + n_rec) > _MAX_PASSES * (step + 1) and step >= 9):
                    raise ConvergenceError(
                        f"the neurons fire many times per grid step (about {passes / (step + 1):.3g} extra passes "
                        f"for re-spiking neurons per step of dt = {dt:g} s after {step + 1} steps; tau_m = "
                        f"{tau_m:g} s, tau_ref = {tau_ref:g} s, v_th - v_reset = {v_th - v_reset:.3g}): the run "
                        f"would take over {_MAX_PASSES} such passes; lower dt below the inter-spike interval, "
                        "raise tau_ref or v_th - v_reset, or shorten t_max")
            k += 1
            idx, d = advance(idx, d, t_end, recording)
        if recording:
            if single:
                spk_trace[step - n_burn], v_trace[step - n_burn] = counts[0] - c0, V[0]
            s1 += V
            s2 += V * V
            if hist is not None and (step - n_burn) % hist_every == 0:
                n_hist += 1
                b = np.searchsorted(edges, V, side="right") - 1
                ok = (carry <= 0.0) & (b >= 0) & (b < nb)
                hist += np.bincount(owner_off[ok] + b[ok], minlength=n * nb)
                if single:
                    h_trace.append(b[0] if ok[0] else -1)
    n_samples = n * n_rec
    rates = counts / duration
    rate = float(rates.mean())
    if single:  # batch means over N_BLOCKS contiguous blocks of the recorded steps
        rate_se = stderr_of_mean(block_means(spk_trace) / dt)
    else:
        rate_se = float(rates.std(ddof=1) / math.sqrt(n))
    isis = np.concatenate(isi_chunks) if isi_chunks else np.empty(0)
    owners = np.concatenate(isi_owner) if isi_owner else np.empty(0, dtype=np.intp)
    isi_mean = float(isis.mean()) if isis.size else math.nan
    isi_cv = cv_se = math.nan
    if isis.size > 1:
        isi_cv = float(isis.std() / isis.mean())
        # groups of neurons, or with one neuron contiguous stretches of its ISIs (in time order)
        groups = np.arange(isis.size) * N_BLOCKS // isis.size if single else owners % N_BLOCKS
        cvs = [isis[groups == k].std() / isis[groups == k].mean() for k in range(N_BLOCKS)
               if np.sum(groups == k) > 1]
        cv_se = stderr_of_mean(np.array(cvs))
    h_frac = h_se = None
    if hist is not None:
        per = hist.reshape(n, nb) / max(n_hist, 1)  # per-neuron fractions
        h_frac = per.mean(axis=0)
        if single:  # per-block fractions of the histogram samples
            hb = np.asarray(h_trace, dtype=np.intp)
            onehot = (hb[:, None] == np.arange(nb)).astype(float)
            h_se = stderr_of_mean(block_means(onehot))
        else:
            h_se = per.std(axis=0, ddof=1) / math.sqrt(n)
    m1 = s1 / max(n_rec, 1)
    m2 = s2 / max(n_rec, 1)
    v_mean = float(m1.mean())
    v_var = float(m2.mean() - v_mean * v_mean)
    if single:  # per-block averages instead of per-neuron ones
        m1, m2 = block_means(v_trace), block_means(v_trace * v_trace)
    v_mean_se = stderr_of_mean(m1)
    # Var = E[V^2] - E[V]^2: delta-method error of the per-neuron (per-block) estimates
    v_var_se = stderr_of_mean(m2 - 2.0 * v_mean * m1)
    return OURun(rate, rate_se, counts, duration, isi_mean, isi_cv, cv_se, int(isis.size), v_mean, v_var,
                 v_mean_se, v_var_se, h_frac, h_se, edges, n_samples)

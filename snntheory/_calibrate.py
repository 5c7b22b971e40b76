r"""Layer-by-layer calibration of a deep network's weight means by seeded simulation.

:func:`calibrate_means` is the self-consistent correction behind
:func:`snntheory.inverse.init_network`: the depth model plans each layer's weight mean and SD,
and this routine then walks the network once, layer by layer, on a seeded simulation of the
canonical step map. At layer l it takes the *simulated* spike trains of layer l - 1 (already
calibrated) as input, keeps the planned weight SD and the standardised weight draw ``Z``, and
moves only the mean until the layer's simulated population rate equals its target:

.. math::

    I[t] = \sigma_l\, (S^{(l-1)}[t]\, Z) + \mu\, \textstyle\sum_j S^{(l-1)}_j[t],
    \qquad \mu^* :\ \bar p_l(\mu^*) = p_l^{\mathrm{target}}.

Both terms are precomputed once per layer, so every candidate mean costs one pass of the
neuron recursion only (:func:`snntheory.simulate.run_step_map`, candidates side by side with
common random numbers). Passes of 3 candidates, 1/4 of the input's temporal SD apart, move
towards the target until they bracket it, and log-rate interpolation gives :math:`\mu^*`; one
last pass at :math:`\mu^*` measures the rate and records the spike trains for the next layer
(repeated with up to three secant corrections while the measured rate is more than 0.5 % off). The
correction captures what the single-neuron depth model leaves out: the temporal structure of
non-Bernoulli input trains beyond their variance, and the cross-neuron correlations created by
shared inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from ._sim.network import draw_weights
from ._sim.stepmap import as_generator, run_step_map

__all__ = ["Calibration", "calibrate_means"]


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate_means`.

    ``w_means`` are the calibrated means (V), ``rates`` the simulated population rate of every
    layer at them (Hz), ``rate_stderr`` its standard error across neurons (Hz), ``n_steps`` and
    ``batch`` the simulated size per layer.
    """

    w_means: np.ndarray
    rates: np.ndarray
    rate_stderr: np.ndarray
    n_steps: int
    batch: int


_PROBE = np.array([-1.0, 0.0, 1.0])   # candidates of one pass, in units of the step
_MAX_MOVES = 12                       # passes allowed to bracket the target
_NEURON_STEPS = 1_280_000   # recorded neuron-steps per layer (default batch: 3200 neurons x 400 steps)
_RATE_RTOL = 0.005   # accept the interpolated mean when its measured rate is this close to the target


def _crossing(x, p, target):
    """Where the (increasing) rate p(x) crosses ``target``: ``(mean, d log p / d x)`` from linear
    interpolation of log p between the two bracketing candidates, or ``(None, 0)`` if they do not
    bracket it (a zero rate below the crossing gives the upper candidate and slope 0)."""
    lp = np.log(np.maximum(p, 1e-300))
    lt = math.log(target)
    above = np.flatnonzero(lp >= lt)
    if above.size == 0 or above[0] == 0:
        return None, 0.0
    k = above[0]
    if p[k - 1] <= 0.0:
        return float(x[k]), 0.0
    slope = float((lp[k] - lp[k - 1]) / (x[k] - x[k - 1]))
    return float(x[k - 1] + (lt - lp[k - 1]) / slope), slope


def _bracket(run, x0, step, target):
    """Bracket ``target`` with passes of 3 candidate means and interpolate: ``(root, d log p / d x)``,
    or ``(None, 0)`` if it cannot be reached. An unbracketed probe moves by its own log-rate
    slope (at most 8 steps), or by 4 steps with a doubled step where it has none (zero rates)."""
    x = x0 + step * _PROBE
    for _ in range(_MAX_MOVES):
        p = run(x)[0]
        root, slope = _crossing(x, p, target)
        if root is not None:
            return root, slope
        up = p[-1] < target            # every candidate below the target: move up
        if p[0] > 0.0 and p[-1] > p[0]:
            slope = math.log(p[-1] / p[0]) / (x[-1] - x[0])
            ref = (x[-1], p[-1]) if up else (x[0], p[0])
            centre = ref[0] + float(np.clip(math.log(target / ref[1]) / slope, -8 * step, 8 * step))
        else:
            centre = x[1] + (4.0 if up else -4.0) * step
            step *= 2.0
        x = centre + step * _PROBE
    return None, 0.0


def calibrate_means(widths, w_means, w_stds, targets, *, neuron, input_rate, n_steps=400, batch=None, burn_in=200,
                    seed=20260, weight_dist="rows", input_spikes=None) -> Calibration:
    """Shift each layer's weight mean so that its simulated population rate equals its target.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first.
    w_means, w_stds : sequence of float
        Planned weight mean and SD per layer (V); the SDs are kept.
    targets : sequence of float
        Target rate per layer (Hz).
    neuron : snntheory.LIF, keyword-only
        Neuron of every layer (delta synapse).
    input_rate : float, keyword-only
        Bernoulli input rate (Hz).
    n_steps, batch, burn_in : int, keyword-only
        Recorded steps, parallel input realisations (``None``: ``max(2, ceil(1.28e6 / (n_steps
        x width)))``, so every layer's rate is sampled from about the same number of neuron-steps) and
        unrecorded steps per pass (every layer's
        recording starts after ``burn_in`` steps, so transients of earlier layers are skipped).
    seed : int or Generator, keyword-only
        Seed of the weight draws and input spikes (independent of the user's weights).
    weight_dist : str, keyword-only
        Law of the weights (``simulate.network``'s ``weight_dist``).
    input_spikes : array of shape (T, B, widths[0]) or None, keyword-only
        Recorded input spike trains (0/1; e.g. encoded training samples, one trial per column
        B) to calibrate on instead of stationary Bernoulli input at ``input_rate``. Every trial
        starts from ``v_reset`` at step 0, and rates are measured over steps ``burn_in .. T``
        (``n_steps`` and ``batch`` are then taken from the array).

    Returns
    -------
    Calibration
    """
    rng = as_generator(seed)
    dt = neuron.dt
    if input_spikes is not None:
        spikes = np.asarray(input_spikes) != 0
        if spikes.ndim != 3 or spikes.shape[2] != widths[0] or spikes.shape[0] <= burn_in:
            raise ParameterError(f"input_spikes must have shape (T > burn_in = {burn_in}, batch, {widths[0]}); "
                                 f"got {spikes.shape}")
        total, batch = spikes.shape[:2]
        n_steps = total - burn_in
    else:
        total = burn_in + n_steps
        if batch is None:
            batch = max(2, math.ceil(_NEURON_STEPS / (n_steps * min(widths[1:]))))
        spikes = rng.random((total, batch, widths[0])) < input_rate * dt
    kw = dict(beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset,
              ref_steps=neuron.ref_steps, gain=neuron.gain, reset_delay=neuron.reset_delay, burn_in=burn_in)
    means, rates, errs = [], [], []
    for l in range(len(widths) - 1):
        n_in, n_out = widths[l], widths[l + 1]
        ws, wm0, target = float(w_stds[l]), float(w_means[l]), float(targets[l]) * dt
        z = draw_weights(rng, (n_in, n_out), 0.0, 1.0, weight_dist, np.float32)
        flat = spikes.reshape(total * batch, n_in).astype(np.float32)
        a = (ws * (flat @ z)).reshape(total, batch, n_out).astype(np.float64)
        c = spikes.sum(axis=2, dtype=np.float64)

        def run(cands, record=False):
            k = len(cands)
            cands = np.asarray(cands, dtype=float)[None, :, None, None]
            pos = [0]

            def draw(_rng, shape):   # the increments of the next chunk of steps, built on demand
                t0, t1 = pos[0], pos[0] + shape[0]
                pos[0] = t1
                return (a[t0:t1, None] + cands * c[t0:t1, None, :, None]).reshape(t1 - t0, k * batch * n_out)

            raster = np.zeros((total, batch, n_out), dtype=bool) if record else None

            def rec(t, _v, s):
                raster[t] = s.reshape(batch, n_out)

            run_ = run_step_map(draw, n_neurons=k * batch * n_out, n_steps=n_steps, seed=0,
                                record=rec if record else None, **kw)
            counts = run_.spike_counts.reshape(k, batch * n_out)
            return counts.mean(axis=1) / n_steps, counts, raster

        # step: a mean shift that moves the input's mean by ~1/4 of its temporal SD
        n_act = max(float(c[burn_in:].mean()), 1.0 / batch)
        root, slope = _bracket(run, wm0, 0.25 * max(ws, abs(wm0)) / math.sqrt(n_act), target)
        if root is None:
            root = wm0   # unreachable in simulation (silent input): keep the plan
        p1, counts, raster = run([root], record=True)
        for _ in range(3):   # secant corrections with the bracket's log-rate slope (curvature)
            if not (p1[0] > 0.0 and slope > 0.0) or abs(math.log(p1[0] / target)) <= _RATE_RTOL:
                break
            root += math.log(target / p1[0]) / slope
            p1, counts, raster = run([root], record=True)
        means.append(root)
        rates.append(float(p1[0]) / dt)
        per_neuron = counts[0] / n_steps
        errs.append(float(per_neuron.std(ddof=1) / math.sqrt(per_neuron.size)) / dt if per_neuron.size > 1 else 0.0)
        spikes = raster
    return Calibration(np.array(means), np.array(rates), np.array(errs), n_steps, batch)

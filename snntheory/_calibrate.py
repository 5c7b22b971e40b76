r"""Layer-by-layer calibration of a deep network's weight means by seeded simulation.

:func:`calibrate_means` is the self-consistent correction behind
:func:`snntheory.inverse.init_network`: the depth model plans each layer's weight mean and SD,
and this routine then walks the network once, layer by layer, on a seeded simulation of the
canonical step map. At layer l it takes the *simulated* spike trains of layer l - 1 as input,
keeps the planned weight SD and the standardised weight draw ``Z`` (one draw for
row-standardised weights; for i.i.d. laws a new draw per input realisation, so that the
correction is that of the ensemble of networks, not of one draw's finite-width error), and
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

**Safeguards: the calibration cannot make the plan worse.**

- *Resolution.* Every measured rate has a standard error from independent blocks (each input
  realisation cut into 8 time blocks, far longer than a spike train's correlation time). The
  model's mean is the first candidate; a correction is made only where the model's rate
  differs from the target by more than 3 standard errors.
- *Stationarity.* A layer's rate in the first and second half of the recorded window must
  agree within 4 standard errors of their difference; otherwise the whole calibration is
  repeated with twice the steps (burn-in included), at most twice. A layer that is still not
  stationary keeps the model's mean.
- *Verification.* The calibrated plan is simulated once more with an independent weight draw
  and independent input (``verify=True``; a quarter of the calibration's realisations, enough
  to see a miss of 5 %). Where a layer's verified rate misses the target by
  more than 4 combined standard errors plus the predicted draw-to-draw spread and 5 %, the
  plan is verified again with the model's means from that layer on, and they are kept if
  they do better there.

``Calibration.status`` says per layer which of these applied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._display import result_repr as _result_repr
from ._sim.network import draw_weights
from ._sim.network import network as _network
from ._sim.stepmap import as_generator, run_step_map
from ._validate import check_bool, check_count, check_object, check_per_layer, check_scalar, check_widths
from .errors import ParameterError
from .neuron import LIF

__all__ = ["Calibration", "calibrate_means", "STATUSES"]

#: per-layer outcome: the correction was applied and verified; it was not resolved by the
#: simulation (model mean kept); the layer never became stationary (model mean kept); the
#: verification missed the target and the model's means did better there (model mean
#: restored); or it missed the target and the model's means did no better (correction kept)
STATUSES = ("calibrated", "unresolved", "not stationary", "reverted", "unverified")


@dataclass(frozen=True)
class Calibration:
    """Result of :func:`calibrate_means`.

    ``w_means`` are the final means (V), ``rates`` the population rate of every layer measured
    by the calibration's simulation at them (Hz) and ``rate_stderr`` its standard error (Hz,
    from independent blocks), ``status`` what the calibration did per layer (:data:`STATUSES`),
    ``verified_rates`` and ``verified_stderr`` the same rates in the independent verification
    run (NaN without it), ``n_steps`` and ``batch`` the simulated size per layer.
    """

    __repr__ = _result_repr

    w_means: np.ndarray
    rates: np.ndarray
    rate_stderr: np.ndarray
    status: tuple
    verified_rates: np.ndarray
    verified_stderr: np.ndarray
    n_steps: int
    batch: int


_PROBE = np.array([0.0, -1.0, 1.0])   # candidates of one pass, in units of the step (the model's mean first)
_MAX_MOVES = 12                       # passes allowed to bracket the target
_NEURON_STEPS = 1_280_000   # recorded neuron-steps per layer (default batch: 3200 neurons x 400 steps)
_RATE_RTOL = 0.005   # accept the interpolated mean when its measured rate is this close to the target
_BLOCKS = 8          # time blocks per input realisation for the standard error
_RESOLVE_SE = 3.0    # a correction is made only beyond this many standard errors
_DRIFT_SE = 4.0      # first vs second half of the window: stationary within this many SEs
_VERIFY_SE = 4.0     # verified vs target: within this many combined SEs (+ spread and _VERIFY_RTOL)
_VERIFY_RTOL = 0.05
_MAX_DOUBLINGS = 2   # the whole calibration is repeated with twice the steps at most this often


def _crossing(x, p, target):
    """Where the (increasing) rate p(x) crosses ``target``: ``(mean, d log p / d x)`` from linear
    interpolation of log p between the two bracketing candidates, or ``(None, 0)`` if they do not
    bracket it (a zero rate below the crossing gives the upper candidate and slope 0)."""
    order = np.argsort(x)
    x, p = x[order], p[order]
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


def _bracket(run, x0, step, target, first=None):
    """Bracket ``target`` with passes of 3 candidate means and interpolate: ``(root, d log p / d x)``,
    or ``(None, 0)`` if it cannot be reached. An unbracketed probe moves by its own log-rate
    slope (at most 8 steps), or by 4 steps with a doubled step where it has none (zero rates).
    ``first``: the already measured first pass (candidates ``x0 + step * _PROBE``)."""
    x = x0 + step * _PROBE
    for i in range(_MAX_MOVES):
        p = first if (i == 0 and first is not None) else run(x).rate
        root, slope = _crossing(x, p, target)
        if root is not None:
            return root, slope
        lo, hi = int(np.argmin(x)), int(np.argmax(x))
        up = p[hi] < target            # every candidate below the target: move up
        if p[lo] > 0.0 and p[hi] > p[lo]:
            slope = math.log(p[hi] / p[lo]) / (x[hi] - x[lo])
            ref = (x[hi], p[hi]) if up else (x[lo], p[lo])
            centre = ref[0] + float(np.clip(math.log(target / ref[1]) / slope, -8 * step, 8 * step))
        else:
            centre = float(np.median(x)) + (4.0 if up else -4.0) * step
            step *= 2.0
        x = centre + step * _PROBE
    return None, 0.0


@dataclass
class _Pass:
    """Rates of the candidates of one pass: ``rate`` (per step), ``se`` (blocks), ``drift``
    (second-half minus first-half rate over its standard error), and the recorded raster."""

    rate: np.ndarray
    se: np.ndarray
    drift: np.ndarray
    raster: np.ndarray | None


def _block_stats(pop, n_out):
    """Rate, its standard error and the half-window drift statistic of each candidate from its
    spike counts per (step, candidate, batch) ``pop``."""
    steps, k, batch = pop.shape
    edges = np.linspace(0, steps, _BLOCKS + 1).astype(int)
    blocks = np.stack([pop[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:])]) / n_out   # (blocks, k, batch)
    per = blocks.transpose(1, 0, 2).reshape(k, -1)                     # (k, blocks x batch)
    rate = pop.sum(axis=(0, 2)) / (steps * batch * n_out)
    # at least one spike in the window: a window with no (or one) spike has no spread over its
    # blocks, yet does not resolve rates below one spike per window (a target of 3e-10 spikes
    # per step was "missed" by 0 +- 0 and bracketed in vain for 1.6 s)
    se = np.maximum(per.std(axis=1, ddof=1) / math.sqrt(per.shape[1]), 1.0 / (steps * batch * n_out))
    half = _BLOCKS // 2
    first = blocks[:half].transpose(1, 0, 2).reshape(k, -1)
    second = blocks[half:].transpose(1, 0, 2).reshape(k, -1)
    d = second.mean(axis=1) - first.mean(axis=1)
    d_se = np.sqrt(first.var(axis=1, ddof=1) / first.shape[1] + second.var(axis=1, ddof=1) / second.shape[1])
    drift = np.where(d_se > 0, d / np.where(d_se > 0, d_se, 1.0), 0.0)
    return rate, se, drift




def calibrate_means(widths, w_means, w_stds, targets, *, neuron, input_rate, n_steps=400, batch=None, burn_in=200,
                    seed=20260, weight_dist="rows", input_spikes=None, v0=None, spread=None,
                    verify=None) -> Calibration:
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
        Recorded steps, parallel input realisations (``None``: ``max(2, ceil(1.28e6 x max(1, L / 4)
        / (n_steps x width)))`` for L layers, so every layer's rate is sampled from about the same
        number of neuron-steps, more in deep networks, whose deep layers inherit the sampling error
        of the layers below) and unrecorded steps per pass.
    seed : int or Generator, keyword-only
        Seed of the weight draws and input spikes (independent of the user's weights).
    weight_dist : str, keyword-only
        Law of the weights (``simulate.network``'s ``weight_dist``).
    input_spikes : array of shape (T, B, widths[0]) or None, keyword-only
        Recorded input spike trains (0/1; e.g. encoded training samples, one trial per column
        B) to calibrate on instead of stationary Bernoulli input at ``input_rate``. Every trial
        starts from ``v_reset`` at step 0, and rates are measured over steps ``burn_in .. T``
        (``n_steps`` and ``batch`` are then taken from the array; no stationarity check and
        no verification, since the trials are what they are).
    v0 : sequence of callables or None, keyword-only
        Per layer, ``v0[l](rng, size)`` draws initial membrane potentials (e.g. from the depth
        model's stationary law); ``None`` (or a ``None`` entry) starts at ``v_reset``.
    spread : sequence of float or None, keyword-only
        Predicted draw-to-draw SD of every layer's rate (Hz, >= 0; a scalar or one per weight
        matrix), allowed for in the verification.
    verify : bool or None, keyword-only
        Verify on an independent weight draw and input (default: with Bernoulli input).

    Returns
    -------
    Calibration
    """
    widths = check_widths(widths)
    check_object("neuron", neuron, LIF, "an LIF neuron")
    L = len(widths) - 1
    w_means = check_per_layer("w_mean", w_means, L, "w_means")
    w_stds = check_per_layer("w_std", w_stds, L, "w_stds")
    targets = check_per_layer("target_rate", targets, L, "targets")
    input_rate = check_scalar("input_rate", input_rate)
    n_steps, burn_in = check_count("n_steps", n_steps, minimum=1), check_count("burn_in", burn_in)
    if batch is not None:
        batch = check_count("batch", batch, minimum=1)
    if verify is not None:
        verify = check_bool("verify", verify)
    v0 = _check_v0(v0, L)
    if spread is not None:
        spread = check_per_layer("spread", spread, L)
    dt = neuron.dt
    model = np.asarray(w_means, float)
    if verify is None:
        verify = input_spikes is None
    for attempt in range(_MAX_DOUBLINGS + 1):
        res = _calibrate_once(widths, model, w_stds, targets, neuron, input_rate, n_steps * 2**attempt,
                              batch, burn_in * 2**attempt, seed, weight_dist, input_spikes, v0,
                              check_drift=input_spikes is None, final=attempt == _MAX_DOUBLINGS)
        if res is not None:
            break
    means, rates, errs, status, steps, b = res
    vr, vse = np.full(L, math.nan), np.full(L, math.nan)
    if verify:
        sp = np.zeros(L) if spread is None else spread
        tg = np.asarray(targets, float)
        vseed = int(as_generator(seed).integers(2**32)) + 1

        def check(ms):
            run = _network(list(widths), ms, np.asarray(w_stds, float), neuron=neuron, input_rate=input_rate,
                           n_steps=steps, burn_in=burn_in * 2**attempt, batch=max(2, math.ceil(b / 4)), seed=vseed,
                           weight_dist=weight_dist)
            return run.rates[1:], run.rate_stderr[1:]

        vr, vse = check(means)
        err = np.abs(vr - tg)
        tol = _VERIFY_SE * np.sqrt(vse**2 + np.asarray(errs) ** 2) + sp + _VERIFY_RTOL * tg
        bad = np.flatnonzero((err > tol) & (np.array(status) == "calibrated"))
        if bad.size:
            first = int(bad[0])
            back = [model[l] if (l >= first and status[l] == "calibrated") else means[l] for l in range(L)]
            vr2, vse2 = check(back)
            if abs(vr2[first] - tg[first]) < err[first]:    # the model's means do better: fall back
                for l in range(first, L):
                    if status[l] == "calibrated":
                        status[l] = "reverted"
                means, vr, vse = back, vr2, vse2
            else:                                           # neither holds: keep the calibration, say so
                for l in range(first, L):
                    if status[l] == "calibrated":
                        status[l] = "unverified"
    return Calibration(np.array(means), np.array(rates) / dt, np.array(errs) / dt, tuple(status), vr, vse, steps, b)


def _check_v0(v0, n_layers):
    """``v0``: None, or one entry per weight matrix, each None or a callable ``(rng, size)``."""
    if v0 is None:
        return None
    if isinstance(v0, (str, bytes)) or not hasattr(v0, "__len__") or len(v0) != n_layers:
        raise ParameterError(f"v0 must be None or one entry per weight matrix ({n_layers}), each None or a "
                             f"callable (rng, size); got {v0!r}")
    for l, f in enumerate(v0):
        if f is not None and not callable(f):
            raise ParameterError(f"v0[{l}] must be None or a callable (rng, size); got {f!r}")
    return list(v0)


def _calibrate_once(widths, model, w_stds, targets, neuron, input_rate, n_steps, batch, burn_in, seed, weight_dist,
                    input_spikes, v0, *, check_drift, final):
    """One calibration pass over all layers; ``None`` if a layer was not stationary and the
    caller should try again with more steps (unless ``final``: then that layer keeps the model)."""
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
            # errors of the layers below add to a deep layer's: its standard error grows about as
            # sqrt(depth) at a fixed budget, so a deep network gets depth / 4 times the budget
            budget = _NEURON_STEPS * max(1.0, (len(widths) - 1) / 4)
            batch = max(2, math.ceil(budget / (n_steps * min(widths[1:]))))
        spikes = rng.random((total, batch, widths[0])) < input_rate * dt
    kw = dict(beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset,
              ref_steps=neuron.ref_steps, gain=neuron.gain, reset_delay=neuron.reset_delay, burn_in=burn_in)
    means, rates, errs, status = [], [], [], []
    for l in range(len(widths) - 1):
        n_in, n_out = widths[l], widths[l + 1]
        ws, wm0, target = float(w_stds[l]), float(model[l]), float(targets[l]) * dt
        if weight_dist == "rows":   # one draw: every draw of this law is nearly the same network
            z = draw_weights(rng, (n_in, n_out), 0.0, 1.0, weight_dist, np.float32)
            flat = spikes.reshape(total * batch, n_in).astype(np.float32)
            a = (ws * (flat @ z)).reshape(total, batch, n_out).astype(np.float64)
        else:   # i.i.d. laws: a new draw per realisation, so the correction is the ensemble's, not one draw's
            z = draw_weights(rng, (batch, n_in, n_out), 0.0, 1.0, weight_dist, np.float32)
            a = ws * np.einsum("tbi,bio->tbo", spikes.astype(np.float32), z).astype(np.float64)
        c = spikes.sum(axis=2, dtype=np.float64)
        init = None if v0 is None or v0[l] is None else v0[l]

        def run(cands, record=False):
            k = len(cands)
            cands = np.asarray(cands, dtype=float)[None, :, None, None]
            pos = [0]

            def draw(_rng, shape):   # the increments of the next chunk of steps, built on demand
                t0, t1 = pos[0], pos[0] + shape[0]
                pos[0] = t1
                return (a[t0:t1, None] + cands * c[t0:t1, None, :, None]).reshape(t1 - t0, k * batch * n_out)

            raster = np.zeros((total, batch, n_out), dtype=bool) if record else None
            pop = np.zeros((n_steps, k, batch))

            def rec(t, _v, s):
                s = s.reshape(k, batch, n_out)
                if t >= burn_in:
                    pop[t - burn_in] = s.sum(axis=2)
                if record:
                    raster[t] = s[0]

            start = None if init is None else init(np.random.default_rng(l), k * batch * n_out)
            run_step_map(draw, n_neurons=k * batch * n_out, n_steps=n_steps, seed=0, record=rec, v0=start, **kw)
            return _Pass(*_block_stats(pop, n_out), raster)

        # step: a mean shift that moves the input's mean by ~1/4 of its temporal SD
        n_act = max(float(c[burn_in:].mean()), 1.0 / batch)
        step = 0.25 * max(ws, abs(wm0)) / math.sqrt(n_act)
        first = run(wm0 + step * _PROBE, record=True)   # candidate 0 is the model's mean
        stationary = not check_drift or abs(first.drift[0]) <= _DRIFT_SE
        if not stationary and not final:
            return None
        if not stationary:
            root, final_pass, st = wm0, first, "not stationary"
        elif abs(first.rate[0] - target) <= _RESOLVE_SE * first.se[0]:
            root, final_pass, st = wm0, first, "unresolved"
        else:
            root, slope = _bracket(run, wm0, step, target, first=first.rate)
            if root is None:
                root = wm0   # unreachable in simulation (silent input): keep the plan
            final_pass = run([root], record=True)
            for _ in range(3):   # secant corrections with the bracket's log-rate slope (curvature)
                p1 = final_pass.rate[0]
                if not (p1 > 0.0 and slope > 0.0) or abs(math.log(p1 / target)) <= _RATE_RTOL:
                    break
                root += math.log(target / p1) / slope
                final_pass = run([root], record=True)
            st = "calibrated"
            if check_drift and abs(final_pass.drift[0]) > _DRIFT_SE:
                if not final:
                    return None
                root, final_pass, st = wm0, first, "not stationary"
        status.append(st)
        means.append(root)
        rates.append(float(final_pass.rate[0]))   # candidate 0 of the pass that recorded the raster
        errs.append(float(final_pass.se[0]))
        spikes = final_pass.raster
    return means, rates, errs, status, n_steps, batch

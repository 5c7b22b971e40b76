r"""Exact event-driven simulation of the shot-noise LIF neuron (see :mod:`snntheory.simulate`).

Model (the same as :mod:`snntheory.shotnoise`):

.. math::

    \tau_m \dot V = e_L - V + \tau_m\sum_k A_k\,\delta(t-t^E_k) - \tau_m\sum_k B_k\,\delta(t-t^I_k),

excitatory jumps :math:`A_k = a_e X_k` at Poisson rate ``rate_e`` and inhibitory jumps
:math:`B_k = a_i Y_k` at Poisson rate ``rate_i``. Between two inputs the membrane relaxes
*exactly*, :math:`V \to e_L + (V-e_L)e^{-\Delta t/\tau_m}`; a spike happens only at a jump that
takes V to ``v_th`` or above (``e_l < v_th``, so the free relaxation never crosses the threshold);
the neuron then stays at ``v_reset`` for ``tau_ref`` and ignores its inputs. Nothing is put on a
time grid, so the simulation has no discretisation error: its only error is statistical, and it
is reported (standard errors over independent neurons).

Each neuron is simulated independently; the loop advances every neuron by one input event per
iteration (vectorised over neurons), so the cost is ``(rate_e + rate_i) * t_max`` iterations of
``n_neurons``-long array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._display import result_repr as _result_repr
from .._validate import Domain, check, check_below, check_choice, check_count, check_scalar
from ..errors import ConvergenceError, ParameterError
from .stepmap import N_BLOCKS, as_generator, stderr_of_mean

__all__ = ["ShotRun", "simulate_shot_noise", "draw_amplitudes", "FirstPassageRun", "simulate_first_passage"]


@dataclass(frozen=True)
class ShotRun:
    """What one run of :func:`simulate_shot_noise` recorded (after ``burn_in``).

    Attributes
    ----------
    rate : float
        Mean firing rate over neurons (Hz).
    rate_stderr : float
        Standard error of ``rate``: SD of the per-neuron rates / sqrt(n_neurons); with
        ``n_neurons = 1`` the batch-means error over 20 equal blocks of the recorded window
        (valid when a block, ``t_max / 20``, is longer than the correlation time of the spike
        train, about an ISI; shorter blocks bias it, upwards for regular spike trains).
        0 when no neuron spiked.
    spike_counts : ndarray, shape (n_neurons,)
        Spikes per neuron in the recorded window.
    duration : float
        Length of the recorded window (s).
    isi_mean, isi_cv : float
        Mean and coefficient of variation (population SD over mean) of all recorded inter-spike
        intervals. The mean is NaN when no ISI was recorded, the CV when fewer than two were: a
        statistic of the data that such a run does not contain, not a model output.
    n_isi : int
        Number of recorded ISIs.
    v_samples : ndarray
        Membrane potential of non-refractory neurons at the sample times (regular times
        ``sample_interval`` apart, independent of the Poisson inputs, so by PASTA-type
        independence they sample the time-stationary distribution).
    n_samples_total : int
        Number of sample times over all neurons, including the ones that found the neuron
        refractory; ``len(v_samples) / n_samples_total`` estimates ``1 - rate * tau_ref``.
    overshoot_mean : float
        Mean of ``V_after_jump - v_th`` over the recorded spikes; NaN when no spike was
        recorded (undefined for such a run, as ``isi_mean``).
    """

    __repr__ = _result_repr

    rate: float
    rate_stderr: float
    spike_counts: np.ndarray
    duration: float
    isi_mean: float
    isi_cv: float
    n_isi: int
    v_samples: np.ndarray
    n_samples_total: int
    overshoot_mean: float


def draw_amplitudes(spec, mean, rng, n):
    """Draw ``n`` jump sizes ``mean * X`` for one input type.

    ``spec`` is ``"exponential"`` (X ~ Exp(1)), ``"fixed"`` (X = 1), a float (X equal to it), a
    frozen scipy distribution (anything with ``rvs``), or a 1-d array of samples (drawn with
    replacement, the empirical distribution).
    """
    mean, n = check_scalar("a_i", mean, label="mean"), check_count("n", n)
    if isinstance(spec, str):
        check_choice("spec", spec, ("exponential", "fixed"))
    elif not (isinstance(spec, _Buffered) or hasattr(spec, "rvs")):
        if spec is None:
            raise ParameterError("spec must be 'exponential', 'fixed', a number, a distribution or samples; got None")
        arr = check("a_i", spec, label="spec")
        if arr.size == 0 or arr.ndim > 1:
            raise ParameterError(f"spec must be a number or a 1-d array of samples; got shape {arr.shape}")
    if isinstance(spec, str):
        if spec == "exponential":
            return mean * rng.exponential(1.0, n)
        if spec == "fixed":
            return np.full(n, float(mean))
        raise ValueError(f"unknown amplitude {spec!r}")
    if isinstance(spec, _Buffered):
        return mean * spec.take(rng, n)
    if hasattr(spec, "rvs"):
        return mean * np.asarray(spec.rvs(size=n, random_state=rng), float)
    arr = np.asarray(spec, float)
    if arr.ndim == 0:
        return np.full(n, float(mean) * float(arr))
    return mean * arr[rng.integers(0, arr.size, n)]


class _Buffered:
    """i.i.d. draws from a frozen scipy distribution, generated in large blocks (its ``rvs`` has a
    high per-call cost)."""

    def __init__(self, dist, block=1 << 18):
        self.dist, self.block = dist, block
        self.buf, self.pos = np.empty(0), 0

    def take(self, rng, n):
        out = np.empty(n)
        filled = 0
        while filled < n:
            if self.pos >= self.buf.size:
                self.buf = np.asarray(self.dist.rvs(size=max(self.block, n), random_state=rng), float)
                self.pos = 0
            k = min(n - filled, self.buf.size - self.pos)
            out[filled:filled + k] = self.buf[self.pos:self.pos + k]
            self.pos += k
            filled += k
        return out


def _jumps(rng, m, p_e, spec_e, a_e, spec_i, a_i):
    """Signed amplitudes of ``m`` input events: excitatory with probability ``p_e``, else inhibitory."""
    exc = rng.random(m) < p_e
    ne = int(exc.sum())
    jump = np.empty(m)
    if ne:
        jump[exc] = draw_amplitudes(spec_e, a_e, rng, ne)
    if m - ne:
        jump[~exc] = -draw_amplitudes(spec_i, a_i, rng, m - ne)
    return jump


_POS_S = Domain(low=0.0, low_open=True, unit="s")

#: Budget (estimated CPU seconds of one core) of one call of :func:`simulate_shot_noise` or
#: :func:`simulate_first_passage`; a run projected above it is refused with ConvergenceError
#: before its loop starts. Raise it (``snntheory._sim.shot.SHOT_MAX_SECONDS = 120``) for long runs.
SHOT_MAX_SECONDS = 10.0
#: Cost model of the event loop: seconds per loop pass (one input event for every live neuron),
#: plus seconds per neuron-event (measured on one core, n_neurons = 1..4000).
_SEC_PER_PASS = 45e-6
_SEC_PER_NEURON_EVENT = 4e-8
#: the first-passage loop's pass (no reset, refractoriness or sampling)
_SEC_PER_FPT_PASS = 25e-6


def _check_cost(what, passes, per_pass, hint):
    """Refuse a run projected above SHOT_MAX_SECONDS, before its loop."""
    seconds = passes * per_pass
    if seconds > SHOT_MAX_SECONDS:
        raise ConvergenceError(
            f"{what} would take about {seconds:.3g} s of one core ({passes:.3g} event-loop passes, one per "
            f"input event; budget snntheory._sim.shot.SHOT_MAX_SECONDS = {SHOT_MAX_SECONDS:g} s): {hint}, "
            "or raise SHOT_MAX_SECONDS")


def _check_shot(rate_e, a_e, rate_i, a_i, tau_m, v_th, e_l, amplitude):
    """The checks shared by the two event-driven simulators (scalars only)."""
    out = [check_scalar(k, v) for k, v in dict(rate_e=rate_e, a_e=a_e, rate_i=rate_i, a_i=a_i, tau_m=tau_m,
                                                  v_th=v_th, e_l=e_l).items()]
    check_below("e_l", out[6], "v_th", out[5])
    if isinstance(amplitude, str):
        check_choice("amplitude", amplitude, ("exponential", "fixed"))
    elif not (hasattr(amplitude, "exc") and hasattr(amplitude, "inh")):
        raise ParameterError("amplitude must be 'exponential', 'fixed' or an object with amplitude specs exc and "
                             f"inh (snntheory.shotnoise.Amplitudes); got {amplitude!r}")
    return out


def _specs(amplitude):
    if isinstance(amplitude, str):
        return amplitude, amplitude
    return tuple(_Buffered(s) if hasattr(s, "rvs") else s for s in (amplitude.exc, amplitude.inh))


def simulate_shot_noise(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                        amplitude="exponential", n_neurons=1000, t_max=10.0, burn_in=0.5,
                        sample_interval=None, seed=0):
    r"""Simulate ``n_neurons`` independent shot-noise LIF neurons exactly, event by event.

    Parameters
    ----------
    rate_e, a_e, rate_i, a_i : float
        Poisson rates (Hz) and mean jump sizes (V) of the excitatory and inhibitory inputs.
    tau_m, v_th, v_reset, e_l, tau_ref : float
        Membrane time constant (s), threshold, reset and leak potential (V; ``e_l < v_th``),
        refractory period (s).
    amplitude : str or object with ``exc`` and ``inh``
        ``"exponential"``, ``"fixed"``, or an object (e.g. :class:`snntheory.shotnoise.Amplitudes`)
        whose ``exc`` and ``inh`` are amplitude specs for :func:`draw_amplitudes`; jumps are
        ``a_e * X`` and ``a_i * Y``.
    n_neurons : int
        Independent neurons (vectorised).
    t_max, burn_in : float
        Recorded duration and the discarded initial transient (s); all neurons start at ``v_reset``.
    sample_interval : float, optional
        If given, the membrane potential is sampled every ``sample_interval`` seconds.
    seed : int or numpy.random.Generator

    Cost: one vectorised step per input event, ``(rate_e + rate_i) * (burn_in + t_max)``
    steps over the neurons (~45 µs per step plus ~0.04 µs per neuron-event): calls with
    millions of events per neuron take longer than the 2 s bound of the theory functions, in
    proportion to what they simulate. A run projected above ``SHOT_MAX_SECONDS`` (10 s of one
    core; a module constant of ``snntheory._sim.shot`` that can be raised) is refused with
    ConvergenceError before it starts.

    Returns
    -------
    ShotRun

    Examples
    --------
    Excitation only with fixed jumps of 0.5 and threshold 1 at reset 0 = e_l: the neuron fires
    exactly when two inputs arrive within tau_m*ln 2 of each other, so the rate is below rate_e/2:

    >>> run = simulate_shot_noise(100.0, 0.5, tau_m=0.02, v_th=1.0, v_reset=0.0,
    ...                           amplitude="fixed", n_neurons=200, t_max=2.0, seed=1)
    >>> 0.0 < run.rate < 50.0
    True
    """
    rate_e, a_e, rate_i, a_i, tau_m, v_th, e_l = _check_shot(rate_e, a_e, rate_i, a_i, tau_m, v_th, e_l, amplitude)
    v_reset, tau_ref = check_scalar("v_reset", v_reset), check_scalar("tau_ref", tau_ref)
    check_below("v_reset", v_reset, "v_th", v_th)
    n_neurons = check_count("n_neurons", n_neurons, minimum=1)
    t_max, burn_in = check_scalar("t_max", t_max, domain=_POS_S), check_scalar("tau_ref", burn_in, label="burn_in")
    if sample_interval is not None:
        sample_interval = check_scalar("sample_interval", sample_interval, domain=_POS_S)
    rng = as_generator(seed)
    spec_e, spec_i = _specs(amplitude)
    n = int(n_neurons)
    total = rate_e + rate_i
    t_end = burn_in + t_max
    counts = np.zeros(n)
    if total == 0.0:
        return ShotRun(0.0, 0.0, counts, t_max, float("nan"), float("nan"), 0, np.empty(0), 0, float("nan"))
    # each neuron receives Poisson(total * t_end) events, one loop pass each; the loop runs until
    # the busiest neuron is done (refractory stretches only shorten it)
    _check_cost("this run", total * t_end, _SEC_PER_PASS + _SEC_PER_NEURON_EVENT * n,
                "lower rate_e + rate_i, t_max + burn_in or n_neurons (a rate of many input events per "
                "tau_m is the diffusion limit: snntheory.diffusion)")
    p_e = rate_e / total
    v = np.full(n, v_reset)
    t = np.zeros(n)            # time at which v is valid (last event, or end of refractoriness)
    last_spike = np.full(n, np.nan)
    isi_sum = isi_sumsq = 0.0
    n_isi = 0
    over_sum = 0.0
    n_over = 0
    samples = []
    n_samples_total = 0
    spike_times = []  # recorded spike times when n == 1 (standard error from blocks of time)
    if sample_interval is not None:
        t_sample = burn_in + rng.uniform(0.0, sample_interval, n)
    alive = np.ones(n, bool)
    idx_all = np.arange(n)
    while True:
        idx = idx_all[alive]
        if idx.size == 0:
            break
        m = idx.size
        t_next = t[idx] + rng.exponential(1.0 / total, m)
        v_idx = v[idx]
        if sample_interval is not None:
            # record every sample time falling before the next event (the neuron is
            # non-refractory there: refractory stretches are handled at the spike)
            while True:
                ts = t_sample[idx]
                due = (ts < t_next) & (ts < t_end)
                if not due.any():
                    break
                d = np.flatnonzero(due)
                samples.append(e_l + (v_idx[d] - e_l) * np.exp(-(ts[d] - t[idx][d]) / tau_m))
                n_samples_total += d.size
                t_sample[idx[d]] += sample_interval
        v_idx = e_l + (v_idx - e_l) * np.exp(-(t_next - t[idx]) / tau_m)
        jump = _jumps(rng, m, p_e, spec_e, a_e, spec_i, a_i)
        v_idx = v_idx + jump
        spk = v_idx >= v_th
        in_window = t_next >= burn_in
        done = t_next >= t_end
        spk &= ~done
        if spk.any():
            s = idx[spk]
            rec = in_window[spk]
            counts[s[rec]] += 1
            over_sum += float(np.sum(v_idx[spk][rec] - v_th))
            n_over += int(rec.sum())
            ts_ = t_next[spk]
            prev = last_spike[s]
            ok = rec & ~np.isnan(prev)
            isi = ts_[ok] - prev[ok]
            isi_sum += float(isi.sum())
            isi_sumsq += float(np.sum(isi * isi))
            n_isi += int(ok.sum())
            last_spike[s[rec]] = ts_[rec]
            if n == 1:
                spike_times.append(ts_[rec])
            v_idx[spk] = v_reset
            t_next[spk] = t_next[spk] + tau_ref
            if sample_interval is not None and tau_ref > 0:
                # samples falling inside the refractory period count as refractory
                while True:
                    tsr = t_sample[s]
                    due = (tsr < t_next[spk]) & (tsr < t_end)
                    if not due.any():
                        break
                    n_samples_total += int(due.sum())
                    t_sample[s[due]] += sample_interval
        v[idx] = v_idx
        t[idx] = t_next
        alive[idx[done]] = False
    rates = counts / t_max
    rate = float(rates.mean())
    if n == 1:  # batch means: spike counts in N_BLOCKS equal blocks of the recorded window
        times = np.concatenate(spike_times) if spike_times else np.empty(0)
        per_block, _ = np.histogram(times, bins=np.linspace(burn_in, t_end, N_BLOCKS + 1))
        stderr = stderr_of_mean(per_block / (t_max / N_BLOCKS))
    else:
        stderr = float(rates.std(ddof=1) / np.sqrt(n))
    mean_isi = isi_sum / n_isi if n_isi else float("nan")
    cv = float("nan")
    if n_isi >= 2:
        cv = float(np.sqrt(max(isi_sumsq / n_isi - mean_isi**2, 0.0)) / mean_isi)
    vs = np.concatenate(samples) if samples else np.empty(0)
    over = over_sum / n_over if n_over else float("nan")
    return ShotRun(rate, stderr, counts, t_max, float(mean_isi), cv, n_isi, vs, n_samples_total, float(over))


@dataclass(frozen=True)
class FirstPassageRun:
    """First-passage times recorded by :func:`simulate_first_passage`.

    ``times`` holds the passages that happened before ``t_max`` (s); ``n_censored`` neurons had
    not reached the threshold by then."""

    __repr__ = _result_repr

    times: np.ndarray
    n_censored: int
    t_max: float


def simulate_first_passage(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_start, e_l=0.0,
                           amplitude="exponential", n_neurons=10000, t_max=10.0, seed=0):
    r"""First-passage times of ``n_neurons`` independent shot-noise membranes from ``v_start``.

    Same exact event-driven dynamics as :func:`simulate_shot_noise` (exact relaxation between
    inputs, a passage is the first input that takes V to ``v_th`` or above), no reset: each neuron
    is followed until its passage or until ``t_max``. Cost, as for :func:`simulate_shot_noise`:
    one step per input event up to the passage or ``t_max`` (millions of events per neuron take
    longer than the 2 s bound of the theory functions). A run whose censoring horizon alone,
    ``(rate_e + rate_i) * t_max`` steps of ~25 µs for one neuron that never passes, exceeds
    ``SHOT_MAX_SECONDS`` (10 s; a module constant of ``snntheory._sim.shot`` that can be
    raised) is refused with ConvergenceError before it starts.

    Examples
    --------
    >>> run = simulate_first_passage(500.0, 0.1, tau_m=0.02, v_th=1.0, v_start=0.0, n_neurons=500, seed=1)
    >>> run.n_censored, bool(0.02 < run.times.mean() < 0.07)
    (0, True)
    """
    rate_e, a_e, rate_i, a_i, tau_m, v_th, e_l = _check_shot(rate_e, a_e, rate_i, a_i, tau_m, v_th, e_l, amplitude)
    v_start = check_scalar("v_start", v_start)
    n_neurons = check_count("n_neurons", n_neurons, minimum=1)
    t_max = check_scalar("t_max", t_max, domain=_POS_S)
    rng = as_generator(seed)
    spec_e, spec_i = _specs(amplitude)
    n = int(n_neurons)
    total = rate_e + rate_i
    if v_start >= v_th:
        return FirstPassageRun(np.zeros(n), 0, float(t_max))
    if total == 0.0:
        return FirstPassageRun(np.empty(0), n, float(t_max))
    # a neuron that has not passed by t_max receives Poisson(total * t_max) events, one loop pass
    # each: the cost of following one censored neuron (the ones that pass leave the loop)
    _check_cost("following a neuron to t_max", total * t_max, _SEC_PER_FPT_PASS,
                "lower rate_e + rate_i or t_max")
    p_e = rate_e / total
    v = np.full(n, v_start)
    t = np.zeros(n)
    out = []
    while v.size:
        m = v.size
        t_next = t + rng.exponential(1.0 / total, m)
        v = e_l + (v - e_l) * np.exp(-(t_next - t) / tau_m)
        jump = _jumps(rng, m, p_e, spec_e, a_e, spec_i, a_i)
        v = v + jump
        hit = (v >= v_th) & (t_next < t_max)
        out.append(t_next[hit])
        keep = ~hit & (t_next < t_max)
        v, t = v[keep], t_next[keep]
    times = np.concatenate(out) if out else np.empty(0)
    return FirstPassageRun(times, n - times.size, float(t_max))

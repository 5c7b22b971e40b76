r"""Surrogate-gradient backpropagation through a deep network of the step map (``simulate.backprop_network``).

A PyTorch-free reference for the backward condition of :mod:`snntheory.network`: a seeded
forward pass of :func:`snntheory.simulate.network` (same weights, same input spikes, same step
map: each layer is run by :func:`snntheory.simulate.run_step_map`), then numerical
backpropagation in numpy of a random error injected at the last layer's spikes.

**Graph.** Per layer l = 1..L, neuron i, step t (pre-reset potential :math:`V`, the value
compared with the threshold):

.. math::

    V^l[t] = \beta V^l_\mathrm{post}[t-1] + g\sum_j W^l_{ji} S^{l-1}_j[t],\quad
    S^l[t] = H(V^l[t] - v_\mathrm{th}),

with the loss :math:`\mathcal{L} = \sum_{t,i} e_i[t] S^L_i[t]`, :math:`e_i[t]\sim N(0, 1)`
independent (a unit-variance error at every recorded step of the last layer). Surrogate-gradient
training replaces :math:`H'` by :math:`\sigma'` and **detaches the reset** (the reset spike is
a constant of the graph). Writing :math:`g^l = \partial\mathcal{L}/\partial S^l` and
:math:`\delta^l = \partial\mathcal{L}/\partial V^l`:

.. math::

    \delta^l[t] = \sigma'(V^l[t] - v_\mathrm{th})\,g^l[t] + c^l[t]\,\delta^l[t+1],\qquad
    g^{l-1}_j[t] = g\sum_i W^l_{ji}\,\delta^l_i[t],\qquad
    \frac{\partial\mathcal{L}}{\partial W^l_{ji}} = g\sum_t S^{l-1}_j[t]\,\delta^l_i[t].

``through_time=True`` (backpropagation through time, what training computes): the membrane
carries gradient to the previous step, :math:`c = \beta` for ``reset="subtract"``
(:math:`V_\mathrm{post} = V - \theta S`) and :math:`c = \beta(1 - S^l[t])` for ``reset="zero"``
(:math:`V_\mathrm{post} = (1-S)V + S v_\mathrm{reset}`, snnTorch's form: the gradient path is
cut at spike steps). ``through_time=False``: :math:`c = 0` (gradient flows only within a step,
layer to layer); then the spike-gradient gain of layer l is exactly the quantity of
:func:`snntheory.network.gradient_gain`, :math:`n_l\,E[W^2]\,E[\sigma'^2]`, if the
independence assumptions hold.

**Statistics.** All variances are mean squares (every gradient has zero mean: the error is
zero-mean and the backward map is linear in it) over neurons, batch and the *window* of
recorded steps; with ``through_time=True`` the last ``tail`` steps are left out of the window
(there the gradient has not yet accumulated its future). Standard errors come from blocks
(each batch element cut into ``n_blocks`` time blocks, far longer than the gradient's
correlation time), with the delta method for ratios; they are conditional on the one weight
draw. The weight gradient sums the recorded steps only (the state at the end of ``burn_in`` is
a constant of the graph); it is the exact gradient of the loss when ``burn_in = 0`` or without
the time path.

**What it checks.** The within-step spike gain :math:`E[g_{l-1}^2]/E[g_l^2]` is the quantity
:func:`snntheory.network.gradient_gain` predicts under independence (white error at the top
layer); in hidden layers a neuron's own spike kicks its targets towards their thresholds at
the same step, a correlation independence leaves out (largest for ``beta = 1``). With the
time path every layer's gain is multiplied by ``temporal_factor`` :math:`T_l` — for the top
layer with subtractive reset exactly :math:`1/(1-\beta^2)`; for reset to zero
:math:`\sum_d\beta^{2d}E[M_d\sigma'^2_{t+d}]/E[\sigma'^2]` (:math:`M_d`: no spike in the d
steps before) — which ``temporal_prediction`` evaluates from the layer's own surrogate
statistics. Measured ratios: ``benchmarks/bench_gradient.py`` (``benchmarks/results/gradient.md``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._display import result_repr as _result_repr
from .. import surrogate as _surrogate
from .._validate import check_bool, check_int
from ..errors import ParameterError
from . import network as _network
from .network import _drive, draw_weights
from .stepmap import as_generator, run_step_map

__all__ = ["BackpropRun", "backprop_network"]


@dataclass(frozen=True)
class BackpropRun:
    """What one run of :func:`backprop_network` measured (layer 0 is the Bernoulli input).

    Index conventions: arrays of length L + 1 run over layers 0..L; arrays of length L over
    the weight matrices / spiking layers l = 1..L (entry ``l - 1``).

    Attributes
    ----------
    rates : ndarray, shape (L + 1,)
        Population-mean rate of every layer over the recorded steps (Hz), identical to
        :func:`snntheory.simulate.network` for the same arguments.
    var_spike_grad : ndarray, shape (L + 1,)
        :math:`E[g_l^2]`, gradient w.r.t. the spikes of layer l (``var_spike_grad[L]`` is the
        injected error, 1 up to sampling).
    var_delta : ndarray, shape (L,)
        :math:`E[\\delta_l^2]`, gradient w.r.t. the pre-reset membrane potential of layer l.
    var_weight_grad : ndarray, shape (L,)
        Mean square of :math:`\\partial L/\\partial W^l` over the matrix entries, divided by the
        number of (step, batch) terms summed (so it does not grow with the window).
    surrogate_moment : ndarray, shape (L,)
        :math:`E[\\sigma'(V_l - v_\\mathrm{th})^2]` over the recorded neuron-steps.
    weight_moment : ndarray, shape (L,)
        :math:`E[(g W^l)^2]` of the drawn matrix (gain ``g`` of the neuron included).
    spike_gain, spike_gain_stderr : ndarray, shape (L,)
        :math:`E[g_{l-1}^2]/E[g_l^2]`, the gain through layer l and its Monte Carlo error.
    delta_gain, delta_gain_stderr : ndarray, shape (L - 1,)
        :math:`E[\\delta_l^2]/E[\\delta_{l+1}^2]` for l = 1..L-1.
    plugin_gain : ndarray, shape (L,)
        :math:`n_l\\,E[(gW^l)^2]\\,E[\\sigma'^2_l]` from the measured moments: the spike gain
        predicted by independence with ``through_time=False``.
    temporal_factor : ndarray, shape (L,)
        :math:`T_l = E[\\delta_l^2]/(E[\\sigma'^2_l]E[g_l^2])`: 1 under independence without
        the time path. With it, the through-time spike gain is ``T_l`` times the within-step one.
    temporal_prediction : ndarray, shape (L,)
        ``T_l`` predicted from the layer's own measured surrogate statistics, assuming the
        gradient arriving at the layer is independent of them and (hidden layers) has the
        lag correlation :math:`\\beta^d` of a membrane-filtered white error (module Notes);
        NaN without the time path.
    through_time : bool
    n_steps, window, batch : int
        Recorded steps, steps in the statistics window, batch size.
    dt : float
    """

    __repr__ = _result_repr

    rates: np.ndarray
    var_spike_grad: np.ndarray
    var_delta: np.ndarray
    var_weight_grad: np.ndarray
    surrogate_moment: np.ndarray
    weight_moment: np.ndarray
    spike_gain: np.ndarray
    spike_gain_stderr: np.ndarray
    delta_gain: np.ndarray
    delta_gain_stderr: np.ndarray
    plugin_gain: np.ndarray
    temporal_factor: np.ndarray
    temporal_prediction: np.ndarray
    through_time: bool
    n_steps: int
    window: int
    batch: int
    dt: float


def _ratio(a, b):
    """Ratio of the means of block values a, b and its delta-method standard error."""
    ra, rb = a.mean(), b.mean()
    if rb == 0.0:
        return (0.0 if ra == 0.0 else math.inf), 0.0
    r = ra / rb
    k = a.size
    if ra == 0.0 or k < 2:
        return r, 0.0
    d = a / ra - b / rb
    return r, abs(r) * float(np.std(d, ddof=1)) / math.sqrt(k)


def _blocks(x2, n_blocks):
    """Block means of squared values ``x2`` (window, batch, n): one value per (batch, time block)."""
    w = x2.shape[0]
    edges = np.linspace(0, w, n_blocks + 1).astype(int)
    per_t = x2.mean(axis=2)                              # (window, batch)
    return np.concatenate([per_t[a:b].mean(axis=0) for a, b in zip(edges[:-1], edges[1:]) if b > a])


def _temporal_prediction(sp, s, beta, zero, window, tail):
    """(T_top, T_hidden) of one layer from its surrogate derivatives ``sp`` and spikes ``s``
    (recorded steps): with the survival mask M_d[t] = prod_{j<d} (1 - S[t+j]) (1 for subtract),
    A(d) = E[M_d sp[t+d]^2], B(d) = E[M_d sp[t] sp[t+d]], T_top = sum_d beta^2d A(d) / A(0) and
    T_hidden = T_top (1 + 2 sum_{d>=1} beta^2d B(d) / A(0)) (survival before the pair taken as
    for T_top; exact under the assumptions for subtract)."""
    a0 = float(np.mean(sp[:window] ** 2))
    if a0 == 0.0:
        return 1.0, 1.0
    alive = np.ones(sp[:window].shape)
    top, cross = a0, 0.0
    for d in range(1, tail + 1):
        if zero:
            alive *= ~s[d - 1:window + d - 1]
        f = beta ** (2 * d)
        top += f * float(np.mean(alive * sp[d:window + d] ** 2))
        cross += f * float(np.mean(alive * sp[:window] * sp[d:window + d]))
    return top / a0, top / a0 * (1.0 + 2.0 * cross / a0)


def backprop_network(widths, w_means, w_stds, *, neuron, input_rate, n_steps, surrogate="fast_sigmoid",
                     surrogate_width=None, through_time=True, seed=0, batch=4, burn_in=200, tail=None,
                     weight_dist="normal", dtype=np.float32, n_blocks=8) -> BackpropRun:
    r"""Forward pass of a deep step-map network, then surrogate-gradient backpropagation in numpy.

    Parameters
    ----------
    widths, w_means, w_stds, neuron, input_rate, n_steps, seed, batch, burn_in, weight_dist, dtype
        As :func:`snntheory.simulate.network` (same weights and input spikes for the same
        ``seed``; the error is drawn afterwards from the same generator). ``neuron`` must have
        a delta synapse, no refractoriness and an immediate reset.
    surrogate, surrogate_width : keyword-only
        :func:`snntheory.surrogate.derivative` (any of :data:`snntheory.surrogate.SURROGATES`;
        width in V).
    through_time : bool, keyword-only
        Backpropagate through the membrane (BPTT, reset detached) or only within each step
        (module docstring).
    tail : int or None, keyword-only
        Recorded steps at the end left out of the statistics (default 0 without the time path;
        with it, enough steps for :math:`\beta^{2k} < 10^{-3}`, and half the run for
        ``beta = 1``, where the gradient of a subtractive-reset neuron never decays).
    n_blocks : int, keyword-only
        Time blocks per batch element for the standard errors.

    Returns
    -------
    BackpropRun

    Notes
    -----
    Correctness of the backward pass: ``tests/test_backprop.py`` compares every weight gradient
    and input-spike gradient of a small network with central finite differences of an
    independently written surrogate-relaxed forward pass (spikes
    :math:`H + \sigma(V - v_\mathrm{th}) - \sigma(V_0 - v_\mathrm{th})`, frozen resets) to a
    relative 1e-6. Cost: one :func:`run_step_map` per layer plus one matmul per layer; memory
    about ``12 (burn_in + n_steps) batch sum(widths)`` bytes.

    Examples
    --------
    The error injected at the top is white and independent of the network, so there the
    within-step spike gain is exactly :math:`n\,E[W^2]E[\sigma'^2]` (up to Monte Carlo error):

    >>> from snntheory import LIF
    >>> from snntheory.simulate import backprop_network
    >>> run = backprop_network([200, 200, 200], 0.0, 0.12, neuron=LIF.from_beta(0.9), input_rate=100.0,
    ...                        n_steps=1000, through_time=False, seed=2)
    >>> bool(abs(run.spike_gain[-1] - run.plugin_gain[-1]) < 4 * run.spike_gain_stderr[-1])
    True
    """
    r = _run(widths, w_means, w_stds, neuron=neuron, input_rate=input_rate, n_steps=n_steps, surrogate=surrogate,
             surrogate_width=surrogate_width, through_time=through_time, seed=seed, batch=batch, burn_in=burn_in,
             tail=tail, weight_dist=weight_dist, dtype=dtype, n_blocks=n_blocks)
    return r["result"]


def _run(widths, w_means, w_stds, *, neuron, input_rate, n_steps, surrogate, surrogate_width, through_time,
         seed, batch, burn_in, tail, weight_dist, dtype, n_blocks, keep=False):
    """Validate, run forward and backward; return a dict of the statistics (and, with ``keep``,
    the raw arrays: weights, spikes, pre-reset potentials, errors, g, delta, dW per layer)."""
    widths, mus, sds, p, n_steps, burn_in, batch = _network._check_args(
        widths, w_means, w_stds, neuron, input_rate, n_steps, burn_in, batch, weight_dist)
    L = len(widths) - 1
    n_blocks = check_int("n_in", n_blocks, label="n_blocks")
    _surrogate._width_of(surrogate, surrogate_width)                # validates kind and width
    through_time = check_bool("through_time", through_time)
    if neuron.tau_s > 0.0 or neuron.ref_steps or neuron.reset_delay:
        raise ParameterError("backprop_network needs a delta synapse (tau_s = 0), no refractoriness "
                             "(tau_ref = 0) and an immediate reset (reset_delay=False)")
    beta, gain, v_th = neuron.beta, neuron.gain, neuron.v_th
    zero = neuron.reset == "zero"
    if tail is None:
        if not through_time:
            tail = 0
        elif beta < 1.0:
            tail = int(math.ceil(math.log(1e-3) / (2.0 * math.log(beta))))
        else:
            tail = n_steps // 2
    tail = check_int("n_steps", tail, label="tail")
    window = n_steps - tail
    if window < n_blocks:
        raise ParameterError(f"n_steps - tail must be >= n_blocks = {n_blocks}; got {n_steps} - {tail}")

    # ---- forward: the draws of simulate.network (weights, then input chunks of 256 steps)
    rng = as_generator(seed)
    weights = [draw_weights(rng, (widths[l], widths[l + 1]), mus[l], sds[l], weight_dist, dtype) for l in range(L)]
    total = burn_in + n_steps
    chunk = 256
    inputs = np.concatenate([rng.random((min(chunk, total - t), batch, widths[0])) < p
                             for t in range(0, total, chunk)])
    errors = rng.standard_normal((n_steps, batch, widths[L]))

    spikes = [inputs]
    tpred = []
    sprime = []          # sigma'(V - v_th) per layer over the recorded steps, (n_steps, batch, n)
    v_keep = []
    for l in range(L):
        n = widths[l + 1]
        prev = spikes[-1]
        drive = np.empty((total, batch, n))
        for t in range(total):
            drive[t] = _drive(prev[t], weights[l])
        flat = drive.reshape(total, batch * n)
        s_l = np.empty((total, batch, n), dtype=bool)
        off = 0 if keep else burn_in                 # keep: the potentials of every step
        v_pre = np.empty((total - off, batch * n))

        def draw(_rng, shape, _pos=[0]):
            a = _pos[0]
            _pos[0] += shape[0]
            return flat[a:a + shape[0]]

        def record(t, v, s, s_l=s_l.reshape(total, batch * n)):
            s_l[t] = s
            if t >= off:
                v_pre[t - off] = v

        run_step_map(draw, n_neurons=batch * n, n_steps=total, beta=beta, v_th=v_th, v_reset=neuron.v_reset,
                     reset=neuron.reset, gain=gain, seed=None, chunk=chunk, record=record)
        del drive, flat
        if keep:
            v_keep.append(v_pre.reshape(total, batch, n))
        v_rec = v_pre[burn_in - off:]
        sprime.append(_surrogate.derivative(v_rec - v_th, surrogate, surrogate_width).reshape(n_steps, batch, n))
        spikes.append(s_l)
        if through_time:
            tpred.append(_temporal_prediction(sprime[-1], s_l[burn_in:], beta, zero, window, tail))
    rates = np.array([s[burn_in:].mean() for s in spikes]) / neuron.dt

    # ---- backward (recorded steps only: the error is zero during burn-in and gradients flow
    # backwards in time, so the burn-in steps do not feed the recorded ones)
    g = errors
    ms_g = [None] * (L + 1)
    ms_d = [None] * L
    blk_g = [None] * (L + 1)
    blk_d = [None] * L
    var_w = np.empty(L)
    raw_g, raw_d, raw_w = [None] * (L + 1), [None] * L, [None] * L
    raw_g[L] = g
    ms_g[L] = float(np.mean(g[:window] ** 2))
    blk_g[L] = _blocks(g[:window] ** 2, n_blocks)
    for l in range(L, 0, -1):
        sp = sprime[l - 1]
        if through_time:
            delta = np.empty_like(g)
            coef = beta * ~spikes[l][burn_in:] if zero else None
            acc = np.zeros(g.shape[1:])
            for t in range(n_steps - 1, -1, -1):
                acc = sp[t] * g[t] + (coef[t] * acc if zero else beta * acc)
                delta[t] = acc
        else:
            delta = sp * g
        d2 = delta[:window] ** 2
        ms_d[l - 1] = float(d2.mean())
        blk_d[l - 1] = _blocks(d2, n_blocks)
        w64 = gain * weights[l - 1].astype(np.float64)                     # (n_{l-1}, n_l)
        # the weight gradient over the whole recorded run (keep) or the statistics window
        rows = n_steps if keep else window
        s_prev = spikes[l - 1][burn_in:burn_in + rows].reshape(rows * batch, -1).astype(np.float64)
        dw = gain * (s_prev.T @ delta[:rows].reshape(rows * batch, -1))
        var_w[l - 1] = float(np.mean(dw**2)) / (rows * batch)
        g = delta @ w64.T
        g2 = g[:window] ** 2
        ms_g[l - 1] = float(g2.mean())
        blk_g[l - 1] = _blocks(g2, n_blocks)
        if keep:
            raw_g[l - 1], raw_d[l - 1], raw_w[l - 1] = g, delta, dw

    spike_gain, spike_se = np.empty(L), np.empty(L)
    for l in range(1, L + 1):
        spike_gain[l - 1], spike_se[l - 1] = _ratio(blk_g[l - 1], blk_g[l])
    delta_gain, delta_se = np.empty(L - 1), np.empty(L - 1)
    for l in range(1, L):
        delta_gain[l - 1], delta_se[l - 1] = _ratio(blk_d[l - 1], blk_d[l])
    e2 = np.array([float(np.mean(s[:window] ** 2)) for s in sprime])
    wm2 = np.array([float(np.mean((gain * w.astype(np.float64)) ** 2)) for w in weights])
    plugin = np.array(widths[1:], float) * wm2 * e2
    with np.errstate(divide="ignore", invalid="ignore"):
        temporal = np.where(e2 * np.array(ms_g[1:]) > 0, np.array(ms_d) / (e2 * np.array(ms_g[1:])), 0.0)
    tpred = np.array(tpred) if through_time else np.full(L, np.nan)
    if through_time:    # the top layer receives the white error itself
        tpred = np.array([t[1] for t in tpred[:-1]] + [tpred[-1][0]])
    res = BackpropRun(rates, np.array(ms_g), np.array(ms_d), var_w, e2, wm2, spike_gain, spike_se,
                      delta_gain, delta_se, plugin, temporal, tpred, bool(through_time), n_steps, window, batch,
                      float(neuron.dt))
    out = dict(result=res)
    if keep:
        out.update(weights=weights, spikes=spikes, v_pre=v_keep, errors=errors, g=raw_g, delta=raw_d, dw=raw_w,
                   burn_in=burn_in)
    return out

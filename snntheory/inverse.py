r"""Solvers: weights for a target rate, whole-network plans, and the baselines (``snntheory.inverse``).

Given a neuron (:class:`snntheory.LIF`), a fan-in and an input rate, :func:`weights_for_rate`
returns the mean and SD of Gaussian weights that make one layer fire at a target rate, solving
the forward model of the chosen ``method`` by bracketing root finding (the forward model is the
single source of truth; its inverse is never written separately):

============  ==========================================================================
method        forward model (rate of one neuron, weights annealed, Bernoulli inputs)
============  ==========================================================================
"discrete"    :func:`snntheory.discrete.layer_rate` (exact step-map chain, Gaussian increments)
"diffusion"   :func:`snntheory.diffusion.firing_rate` with the ``dt`` threshold shift
"shotnoise"   :func:`snntheory.shotnoise.firing_rate` of :func:`~snntheory.shotnoise.gaussian_weight_input`
"wiener"      :func:`snntheory.wiener.firing_probability` (beta = 1)
============  ==========================================================================

:func:`init_network` plans a whole feed-forward network layer by layer on the depth model of
:mod:`snntheory.network` and calibrates the plan on a seeded simulation; the same function
gives the baselines (Kaiming, Glorot, PyTorch default, Rossbroich et al. 2022) with the rates
the depth model predicts for them. Every reported rate is the forward model's prediction at
the returned weights, never the target copied.

Diffusion convention (Brunel 2000) wherever ``sigma`` appears: ``tau_m dV/dt = -V + mu +
sigma sqrt(tau_m) xi``, so the free membrane has mean ``mu`` and SD ``sigma/sqrt(2)``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import NamedTuple

import numpy as np
from scipy import optimize

from ._display import result_repr as _result_repr
from . import diffusion, discrete, shotnoise, surrogate as _surrogate, wiener
from ._calibrate import STATUSES as CALIBRATION_STATUSES
from ._calibrate import Calibration, calibrate_means
from ._sim.network import WEIGHT_DISTS
from ._validate import Domain, check_bool, check_choice, check_int, check_object, check_per_layer, check_scalar
from .errors import NoSolutionError, ParameterError, TrainabilityWarning, UnitsWarning, _user_stacklevel
from .network import (MEAN_FIELD_MAX_INPUT_SD, SILENT_BELOW, LayerInit, NetworkInit, _check_network, _layer_model,
                      _layer_stats, _map_gain, _network_init, _propagate, _State, _stationary_sampler, _stats_kw,
                      _trainability, _trainability_covers, _with_trainability, gradient_gain, phase_diagram,
                      predict_network)
from .neuron import LIF

__all__ = ["WeightStats", "weights_for_rate", "init_network", "baseline_weights", "calibrate_means", "Calibration",
           "CALIBRATION_STATUSES",
           "METHODS", "BASELINES", "KAPPA", "R_IF", "SIGMA_V_MAX", "ATTRACTING_SLOPE", "GRADIENT_RATE_CAP", "GRADIENT_STEPS",
           "CRITICAL_RATE_BAND", "CRITICAL_SPAN", "UNTRAINABLE_DECADES",
           # deprecated aliases (moved to snntheory.network and snntheory.surrogate), kept for one release
           "LayerInit", "NetworkInit", "predict_network", "gradient_gain", "surrogate_derivative", "SURROGATES"]

METHODS = ("discrete", "diffusion", "shotnoise", "wiener")
BASELINES = ("kaiming", "glorot", "pytorch", "fluctuation", "micheli")
SURROGATES = _surrogate.SURROGATES

_ROOT_RTOL = 1e-10            # brentq tolerance on the weight (the forward rates are accurate to ~1e-10; a tighter
                              # tolerance polishes their rounding noise): round trips far inside 1e-6
_POSITIVE = Domain(low=0.0, low_open=True)


def surrogate_derivative(x, kind="fast_sigmoid", width=None):
    """Deprecated alias of :func:`snntheory.surrogate.derivative` (kept for one release)."""
    warnings.warn("snntheory.inverse.surrogate_derivative moved to snntheory.surrogate.derivative",
                  DeprecationWarning, stacklevel=2)
    return _surrogate.derivative(x, kind, width)


#: Default balance of the planner: free-membrane mean over free-membrane SD (kappa). Measured on
#: the depth model (beta 0.9-0.95, 5 % input): kappa = -1.25 gives a layer-map slope
#: dp_out/dp_in of 0.2-0.3 in layer 1 and 0.5-0.8 in deeper layers (heterogeneous input);
#: kappa = -0.6 gives 0.5-1.0, kappa = 0 about 0.7 in layer 1, a positive mean 1.1-1.5 (errors
#: then grow with depth). In 10-layer simulations kappa = -1.25 held the seed-mean rate better
#: than -0.6 (0.88-0.99 vs 0.72-0.98 of target, n = 200, beta = 0.95).
KAPPA = -1.25
#: For beta = 1 (no leak) a negative mean collapses the rate; the planner then drives the
#: neuron through the mean: mean increment = R_IF x its temporal SD per step.
R_IF = 1.0
#: Largest free-membrane SD (in units of theta) the balanced family may use before the planner
#: moves kappa up: beyond it the rate saturates along the family (at kappa = -1.25 and 5 % input
#: the depth model's rate rises only from 0.035 to 0.038 per step between free SD 3 and 10).
SIGMA_V_MAX = 2.0
#: Map slope aimed at by ``w_std="attracting"``: each layer passes on half the rate error of the
#: layer below, so a draw's finite-width error stays within 1/sqrt(1 - 0.5^2) = 1.15x of one
#: layer's however deep the network.
ATTRACTING_SLOPE = 0.5


# =============================================================================================
# forward models of one layer (annealed weights, Bernoulli inputs)
# =============================================================================================


def _increment(neuron, n, p, wm, ws):
    """Per-step mean and SD of the gained increment g sum_j W_j S_j (annealed)."""
    g = neuron.gain
    m = g * n * p * wm
    var = n * p * (ws * ws + wm * wm) - n * p * p * wm * wm
    return m, g * math.sqrt(max(var, 0.0))


def _forward(method, neuron, n, p, wm, ws):
    """Spikes per step of one neuron of the layer, by ``method`` (annealed weights)."""
    if method == "discrete":
        return float(discrete.layer_rate(neuron, n, p, wm, ws, increments="gaussian"))
    if method == "diffusion":
        s1, s2 = neuron.kernel_sums()
        mean = n * p * wm
        var = n * p * (ws * ws + wm * wm) - n * p * p * wm * wm
        mu, sigma = mean * s1, math.sqrt(2.0 * max(var, 0.0) * s2)
        return float(diffusion.firing_rate(mu, sigma, tau_m=neuron.tau_m, v_th=neuron.v_th, v_reset=neuron.v_reset,
                                           tau_ref=neuron.tau_ref, tau_s=neuron.tau_s, dt=neuron.dt)) * neuron.dt
    if method == "shotnoise":
        inp = shotnoise.gaussian_weight_input(n, p / neuron.dt, wm * neuron.gain, ws * neuron.gain)
        if inp.rate_e == 0.0:
            return 0.0
        return float(shotnoise.firing_rate(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, tau_m=neuron.tau_m,
                                           v_th=neuron.v_th, v_reset=neuron.v_reset, tau_ref=neuron.tau_ref,
                                           amplitude=inp.amplitude)) * neuron.dt
    # wiener
    m, s = _increment(neuron, n, p, wm, ws)
    q = float(wiener.firing_probability(m, s, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset))
    if neuron.ref_steps and q > 0.0:
        q = 1.0 / (1.0 / q + neuron.ref_steps)
    return q


def _check_method(method, neuron):
    check_choice("method", method, METHODS)
    if method in ("diffusion", "shotnoise") and neuron.beta >= 1.0:
        raise ParameterError(f"method={method!r} needs a leaky neuron (beta < 1); got beta = 1 "
                             "(use method='wiener' or 'discrete')")
    if method == "wiener":
        if neuron.beta != 1.0:
            raise ParameterError(f"method='wiener' is the perfect integrator (beta = 1); got beta = {neuron.beta:g}")
        if neuron.tau_s > 0.0 or neuron.reset_delay or neuron.gain != 1.0:
            raise ParameterError("method='wiener' needs the canonical neuron (tau_s = 0, no reset_delay, unit gain)")
        if neuron.reset == "subtract" and neuron.ref_steps:
            raise ParameterError("method='wiener' with subtract reset does not support tau_ref > 0")
    if method == "discrete":
        neuron.chain_params()
    if method == "shotnoise" and (neuron.tau_s > 0.0 or neuron.reset_delay):
        raise ParameterError("method='shotnoise' needs a delta synapse and an immediate reset")


def _log(x):
    return math.log(x) if x > 0.0 else -745.0


def _max_rate(neuron):
    """Supremum of spikes per step of the neuron (one spike per step, or per refractory cycle)."""
    return 1.0 / (1.0 + neuron.ref_steps)


def _solve_increasing(fun, x0, step, target, *, x_min=-math.inf, x_max=math.inf, what, unit, dt, top=None,
                      rtol=_ROOT_RTOL):
    """Root of the increasing ``fun(x) = target`` (both in spikes/step, compared in log), bracketing
    outward from ``x0`` by doubling steps. Raises NoSolutionError with the range seen."""
    lt = math.log(target)
    seen = {}

    def f(x):
        if x not in seen:
            seen[x] = fun(x)
        return _log(seen[x]) - lt

    a = x0
    fa = f(a)
    direction = 1.0 if fa < 0 else -1.0
    h = step
    b = a
    for _ in range(80):
        b = a + direction * h
        if b < x_min or b > x_max:
            b = x_min if direction < 0 else x_max
            if not math.isfinite(b):
                break
        fb = f(b)
        if fb == 0.0 or (fb > 0) != (fa > 0):
            lo, hi = (a, b) if a < b else (b, a)
            root = optimize.brentq(f, lo, hi, xtol=1e-300, rtol=rtol, maxiter=300)
            return root
        if direction < 0 and fb > fa:     # the rate stopped falling: the increasing branch ended
            break
        if b in (x_min, x_max):
            break
        a, fa = b, fb
        h *= 2.0
    rates = np.array(list(seen.values()))
    lo_r, hi_r = float(rates.min()) / dt, float(rates.max()) / dt
    if direction < 0 and top is not None:   # the target is below the floor; above, the rate rises to top
        hi_r = top / dt
    raise NoSolutionError(f"target rate {target / dt:g} Hz is out of reach for {what}: the reachable range is "
                          f"about [{lo_r:.6g}, {hi_r:.6g}] Hz ({unit})", reachable=(lo_r, hi_r))


# =============================================================================================
# results
# =============================================================================================

class WeightStats(NamedTuple):
    """Weight statistics for one layer and what they predict.

    Attributes
    ----------
    mean, std : float
        Weight mean and SD (V) of Gaussian weights ``W ~ N(mean, std^2)``.
    rate : float
        Predicted firing rate (Hz) by the method's forward model.
    v_mean, v_std : float
        Mean and SD (V) of the stationary (threshold-aware, post-reset) membrane potential.
    silent_fraction : float
        Fraction of neurons firing less than 1e-4 spikes per step (quenched weights).
    grad_gain : float
        Surrogate-gradient variance gain ``n_out (std^2 + mean^2) E_P[sigma'(V - v_th)^2]``.
    method : str
    """

    __repr__ = _result_repr

    mean: float
    std: float
    rate: float
    v_mean: float
    v_std: float
    silent_fraction: float
    grad_gain: float
    method: str



def _balance_ratio(neuron, n, p, kappa):
    """w_mean / w_std of the balanced family: free mean = kappa x free SD (beta < 1), or mean
    increment = R_IF x temporal increment SD (beta = 1)."""
    if neuron.beta >= 1.0:
        return R_IF * math.sqrt((1.0 - p) / (n * p))
    s1, s2 = neuron.kernel_sums()
    return kappa * math.sqrt((1.0 - p) * s2 / (n * p)) / s1



def weights_for_rate(target_rate, *, n_in, input_rate, neuron, method="discrete", w_std=None, kappa=KAPPA,
                     n_out=None, surrogate="fast_sigmoid", surrogate_width=None, silent_below=SILENT_BELOW):
    r"""Weight mean and SD that make a layer of ``neuron`` fire at ``target_rate``.

    ``n_in`` inputs fire independently at ``input_rate`` (Bernoulli with ``p = input_rate*dt``
    per step); neuron i receives :math:`I_i = \sum_j W_{ij} S_j`, ``W ~ N(mean, std^2)``.

    Parameters
    ----------
    target_rate : float
        Desired rate in Hz, > 0 (at most one spike per step or per refractory cycle).
    n_in : int, keyword-only
        Fan-in.
    input_rate : float, keyword-only
        Rate of every input in Hz.
    neuron : LIF, keyword-only
        The neuron; its ``dt`` converts Hz to spikes per step.
    method : {"discrete", "diffusion", "shotnoise", "wiener"}, keyword-only
        Forward model (see the module docstring). ``"diffusion"`` and ``"shotnoise"`` need
        ``beta < 1``, ``"wiener"`` needs ``beta = 1``.
    w_std : float, "backward" or None, keyword-only
        A number fixes the SD and the mean is solved. ``None`` (default) solves along the
        *balanced* family ``free mean = kappa x free SD`` (Campbell moments; for ``beta = 1`` the
        mean increment is ``R_IF`` x its SD), scaling both. ``"backward"`` chooses the SD so that
        ``grad_gain = 1`` (forward and backward conditions together, within a time step; see
        :func:`gradient_gain`). With a narrow surrogate (the fast sigmoid's default width 0.04)
        E[sigma'^2] is small unless V sits at threshold, and gain 1 needs weight SDs of 8–25
        theta with mean potentials of -100 to -1000 theta: the condition is met, but such
        weights are degenerate (measured gradients through depth then heavy-tailed); widen the
        surrogate before using it.
    kappa : float, keyword-only
        Balance of the ``w_std=None`` family (default :data:`KAPPA` = -1.25).
    n_out : int, keyword-only
        Width of the layer (its neurons' count), used in ``grad_gain`` (default ``n_in``).
    surrogate, surrogate_width : keyword-only
        Surrogate derivative for ``grad_gain`` (see :mod:`snntheory.surrogate`).
    silent_below : float, keyword-only
        Spikes per step below which a neuron counts as silent.

    Returns
    -------
    WeightStats

    Raises
    ------
    ParameterError
        Invalid parameters (named), or a method that does not apply to the neuron.
    NoSolutionError
        The target is out of reach; the message and ``.reachable`` give the range (Hz).

    Notes
    -----
    The forward condition is :math:`F(\mu_w, \sigma_w; p_\mathrm{in}) = p^*` with
    :math:`F` the method's stationary rate given the increment moments
    :math:`m = n p \mu_w`, :math:`s^2 = n p(\sigma_w^2+\mu_w^2) - n p^2\mu_w^2` (annealed
    weights; quenched heterogeneity is handled by :func:`init_network`). It is solved by
    bracketing (doubling steps outward from a scale-free start) and Brent's method on
    :math:`\log F` to relative tolerance 1e-12, so ``F(result) = target`` to ~1e-10 (tested to
    1e-6 for every method). With ``w_std`` fixed the mean is searched on the branch where the
    rate increases with it; when the rate stops falling before the target, NoSolutionError.
    The membrane statistics, silent fraction and gradient gain come from a dense-grid chain of
    the step map averaged over the neurons' quenched mean drives (12 Gauss–Hermite nodes; rate
    within 0.1–0.6 % of :func:`snntheory.discrete.firing_probability`). The gradient gain is
    :math:`n_\mathrm{out}(\sigma_w^2+\mu_w^2)\,E_P[\sigma'(V-v_\mathrm{th})^2]` over the
    threshold-aware density of the pre-reset potential :math:`V = \beta V_\mathrm{post} + I`,
    within a time step (:func:`snntheory.network.gradient_gain`).

    References
    ----------
    Perez-Nieves & Goodman (2023), arXiv 2305.08879 (forward and backward conditions);
    Brent (1973), *Algorithms for Minimization without Derivatives*, Ch. 4.

    Examples
    --------
    Round trip through the forward model:

    >>> from snntheory import LIF, discrete
    >>> n = LIF.from_beta(0.95)
    >>> ws = weights_for_rate(20.0, n_in=200, input_rate=50.0, neuron=n, w_std=0.07)
    >>> p = discrete.layer_rate(n, 200, 0.05, ws.mean, ws.std, increments="gaussian")
    >>> bool(abs(p / 0.02 - 1) < 1e-9)
    True
    """
    n = check_int("n_in", n_in)
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    dt = neuron.dt
    _check_method(method, neuron)
    target = check_scalar("target_rate", target_rate) * dt
    p_in = check_scalar("input_rate", input_rate) * dt
    if p_in > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {p_in:g}")
    n_out = n if n_out is None else check_int("n_in", n_out, label="n_out")
    kappa = check_scalar("mu", kappa, label="kappa")
    stats_kw = _stats_kw(surrogate, surrogate_width, silent_below)
    top = _max_rate(neuron)
    if target >= top:
        raise NoSolutionError(f"target rate {target / dt:g} Hz is out of reach: the reachable range is [0, "
                              f"{top / dt:g}) Hz (one spike per {1 + neuron.ref_steps} step(s))",
                              reachable=(0.0, top / dt))
    if p_in == 0.0:
        raise NoSolutionError(f"target rate {target / dt:g} Hz is out of reach with silent inputs "
                              "(input_rate = 0): the reachable range is [0, 0] Hz", reachable=(0.0, 0.0))
    scale = neuron.theta / math.sqrt(n * p_in)        # weight SD giving an increment SD ~ theta
    if isinstance(w_std, str):
        check_choice("w_std", w_std, ("backward",))
        wm, ws = _solve_backward(method, neuron, n, p_in, target, n_out, stats_kw, scale)
    elif w_std is None:
        ratio = _balance_ratio(neuron, n, p_in, kappa)
        lx = _solve_increasing(lambda x: _forward(method, neuron, n, p_in, ratio * math.exp(x), math.exp(x)),
                               math.log(scale), 1.0, target, x_min=math.log(scale) - 60, x_max=math.log(scale) + 30,
                               what=f"method={method!r} along the balanced family kappa={kappa:g}",
                               unit="weight SD from 0 to large", dt=dt)
        ws = math.exp(lx)
        wm = ratio * ws
    else:
        ws = check_scalar("w_std", w_std)
        wm = _solve_mean(method, neuron, n, p_in, ws, target, scale)
    v_mean, v_std, silent, grad = _layer_stats(neuron, n, _State.bernoulli(p_in), wm, ws, n_out, **stats_kw)[:4]
    if method == "diffusion":
        s1, s2 = neuron.kernel_sums()
        var = n * p_in * (ws * ws + wm * wm) - n * p_in * p_in * wm * wm
        mm = diffusion.membrane_moments(n * p_in * wm * s1, math.sqrt(2 * var * s2), tau_m=neuron.tau_m,
                                        v_th=neuron.v_th, v_reset=neuron.v_reset, tau_ref=neuron.tau_ref)
        v_mean, v_std = float(mm[0]), math.sqrt(max(float(mm[1]), 0.0))
    rate = _forward(method, neuron, n, p_in, wm, ws) / dt
    return WeightStats(wm, ws, rate, v_mean, v_std, silent, grad, method)


def _solve_mean(method, neuron, n, p_in, ws, target, scale):
    d = 0.05 * neuron.theta / (n * p_in)
    return _solve_increasing(lambda x: _forward(method, neuron, n, p_in, x, ws), 0.0, d, target,
                             what=f"method={method!r} with w_std={ws:g} V",
                             unit="weight mean on the branch where the rate rises with it", dt=neuron.dt,
                             top=_max_rate(neuron))


def _solve_backward(method, neuron, n, p_in, target, n_out, stats_kw, scale):
    """(w_mean, w_std) with F = target and grad_gain = 1 (outer bracket on log w_std)."""
    cache = {}

    def gain_minus_one(lx):
        ws = math.exp(lx)
        wm = _solve_mean(method, neuron, n, p_in, ws, target, scale)
        g = _layer_stats(neuron, n, _State.bernoulli(p_in), wm, ws, n_out, **stats_kw)[3]
        cache[lx] = (wm, ws, g)
        return math.log(max(g, 1e-300))

    x0 = math.log(scale / math.sqrt(max(n_out, 1)) * math.sqrt(n))
    try:
        lx = _solve_increasing(lambda x: math.exp(gain_minus_one(x)), x0, 1.0, 1.0, x_min=x0 - 20, x_max=x0 + 10,
                               what="the backward condition grad_gain = 1", unit="gradient gain", dt=1.0)
    except NoSolutionError as e:
        raise NoSolutionError(f"no weight SD makes the gradient gain 1 at target {target / neuron.dt:g} Hz: "
                              f"{e}", reachable=e.reachable) from None
    if lx not in cache:
        gain_minus_one(lx)
    return cache[lx][0], cache[lx][1]


#: an SD is accepted as soon as its slope lies within these bounds of the target slope: the
#: model's slope is resolved only to about +-0.03 (its grid's 0.1-0.6 % rate error over the
#: +-5 % difference, measured jumps of 0.05 between SDs 0.1 % apart), so Brent's method chased
#: that noise (6-13 slopes per layer, the planner's cost); the band keeps the slope at or below
#: the target
_SLOPE_ACCEPT = (-0.03, 1e-3)
#: relative tolerance of the weight mean while the SD of an attracting layer is searched
_SEARCH_RTOL = 1e-6


#: why ``w_std="attracting"`` is refused for the perfect integrator: with subtractive reset always,
#: with reset to zero where the attracting SD needs a mean weight <= 0
_NO_ATTRACTING_PERFECT = ("w_std='attracting' has no solution for the perfect integrator with subtractive reset: its "
                          "rate is drive / theta, so every layer map has slope 1 at any weights (charge "
                          "conservation); use w_std=None (row-standardised weights) or a leak (beta < 1)")
_NO_ATTRACTING_ZERO = ("w_std='attracting' has no solution that holds for the perfect integrator with reset to zero "
                       "at this width and input rate: for jumps small against theta its rate is drive / theta "
                       "(slope 1 at any weights), and the SD that makes a layer attract (w_std={ws:.3g} V) needs "
                       "a mean weight {wm:.3g} V <= 0, so most neurons' mean drive is negative and they fall "
                       "silent; the rate then comes from the minority with positive drive, whose deep layers "
                       "fluctuate slowly and run 2-3x off the model (width 300, 5 % input: calibrated deep layers "
                       "16-49 % apart across draws); use w_std=None (row-standardised weights, within 3 % of the "
                       "target), a higher input rate, or a leak (beta < 1)")


class _Accepted(Exception):
    """Raised inside the slope search when an SD's slope is within the accepted band."""


def _solve_attracting(slope_of, x0, slope, *, what, x_span=12.0, hint_step=None, accept=_SLOPE_ACCEPT):
    """log(w_std) at which the map slope along the family reaching the target is ``slope``.

    ``slope_of(x)`` solves the mean at ``w_std = exp(x)`` and returns the slope of the layer map
    there, or raises NoSolutionError where the target is out of reach at that SD. The slope
    falls as the SD grows (a larger SD needs a lower, eventually inhibitory, mean: the input's
    mean drive then pulls against its fluctuations); the root is bracketed by doubling steps
    from ``x0`` within ``x0 +- x_span`` and refined by Brent's method to 0.1 % in the SD; the
    first SD whose slope minus ``slope`` lies within ``accept`` (low, high) is returned at once.
    """
    seen = {}

    def f(x):
        if x not in seen:
            seen[x] = slope_of(x) - slope
            if accept[0] <= seen[x] <= accept[1]:
                raise _Accepted(x)
        return seen[x]

    try:
        root = _bracket_slope(f, x0, hint_step or 0.5, x_span)
    except _Accepted as found:
        return found.args[0]
    if root is not None:
        return root
    lo, hi = min(seen.values()) + slope, max(seen.values()) + slope
    raise NoSolutionError(f"no weights reaching the target make {what} attract: the map slope stays in "
                          f"[{lo:.3g}, {hi:.3g}] over the weight SDs tried, target slope {slope:g}",
                          reachable=(lo, hi))


def _bracket_slope(f, x0, h, x_span):
    """Root of the decreasing ``f`` in log SD: doubling steps from ``x0``, then Brent's method."""
    fa = f(x0)
    if fa == 0.0:
        return x0
    direction = 1.0 if fa > 0 else -1.0     # slope too high: larger SD
    a = x0
    for _ in range(60):
        b = a + direction * h
        if abs(b - x0) > x_span:
            break
        try:
            fb = f(b)
        except NoSolutionError:            # the target left the family's reach at this SD
            break
        if (fb > 0) != (fa > 0) or fb == 0.0:
            lo, hi = (a, b) if a < b else (b, a)
            return optimize.brentq(f, lo, hi, xtol=1e-3, rtol=1e-10, maxiter=100)
        a, fa = b, fb
        h *= 2.0
    return None


# =============================================================================================
# baselines
# =============================================================================================

def baseline_weights(name, *, n_in, n_out, neuron, input_rate, xi=1.0):
    r"""``(w_mean, w_std, weight_dist)`` of a standard initialisation for one weight matrix.

    - ``"kaiming"``: He et al. 2015, normal, fan-in, ReLU gain: ``N(0, 2/n_in)``;
    - ``"glorot"``: Glorot & Bengio 2010, normal: ``N(0, 2/(n_in + n_out))``;
    - ``"pytorch"``: ``torch.nn.Linear`` default ``U(-1/sqrt(n_in), 1/sqrt(n_in))``
      (SD ``1/sqrt(3 n_in)``, uniform);
    - ``"fluctuation"``: Rossbroich, Gygax & Zenke 2022 (stork's centred
      ``FluctuationDrivenCenteredNormalInitializer``): zero mean, free-membrane SD
      ``sigma_U = v_th / xi`` from Campbell's theorem with the discrete kernel,
      ``w_std^2 = sigma_U^2 / (n_in p sum_k eps[k]^2)`` (``p = input_rate dt``; threshold and
      reset ignored). Needs ``beta < 1``.
    - ``"micheli"``: Micheli, Booij, van Gemert & Tömen 2024/2025, zero-mean normal with
      ``Var[w] = 1 / (n_in P(u_{l-1} > theta))``. Their variance flow drops the leak and the
      reset: ``u_l = W_l s_{l-1}``, ``s = H(u - theta)``, so with zero-mean weights
      ``Var[u_l] = n_in Var[w] E[s_{l-1}^2] = n_in Var[w] P(u_{l-1} > theta)`` and the rule
      holds ``Var[u_l] = 1`` in every layer. Here ``P(u_{l-1} > theta)`` is the presynaptic
      layer's spike probability per step, ``input_rate * dt``; :func:`init_network` passes the
      Bernoulli input's for the first matrix and, for deeper ones, the rule's own Gaussian tail
      ``P(u > theta) = erfc(theta / sqrt 2) / 2`` at ``Var[u] = 1`` (``theta = v_th - v_reset``),
      as in the paper. The leaky membrane integrates ~``1/(1 - beta^2)`` steps of that
      variance, so the real network fires far above the paper's model at ``beta`` near 1
      (the depth model predicts what it does).

    References: He et al. (2015), ICCV; Glorot & Bengio (2010), AISTATS; Rossbroich, Gygax &
    Zenke (2022), Neuromorph. Comput. Eng. 2:044016; Micheli et al. (2024), "Deep activity
    propagation via weight initialization in spiking neural networks", arXiv:2410.00580
    (NICE 2025, doi:10.1109/NICE65350.2025.11065883).

    Examples
    --------
    >>> from snntheory import LIF
    >>> baseline_weights("kaiming", n_in=200, n_out=100, neuron=LIF.from_beta(0.9), input_rate=10.0)[1] ** 2 * 200
    2.0000000000000004
    """
    check_choice("name", name, BASELINES)
    n = check_int("n_in", n_in)
    n2 = check_int("n_in", n_out, label="n_out")
    check_object("neuron", neuron, LIF, "an LIF neuron")
    rate = check_scalar("input_rate", input_rate)
    xi = check_scalar("xi", xi, domain=_POSITIVE, label="xi")
    if name == "kaiming":
        return 0.0, math.sqrt(2.0 / n), "normal"
    if name == "glorot":
        return 0.0, math.sqrt(2.0 / (n + n2)), "normal"
    if name == "pytorch":
        return 0.0, 1.0 / math.sqrt(3.0 * n), "uniform"
    p = rate * neuron.dt
    if name == "micheli":
        if not 0.0 < p <= 1.0:
            raise ParameterError(f"the Micheli et al. baseline needs a presynaptic spike probability input_rate * dt "
                                 f"in (0, 1]; got {p:g}")
        return 0.0, 1.0 / math.sqrt(n * p), "normal"
    if neuron.beta >= 1.0:
        raise ParameterError("the fluctuation-driven baseline needs beta < 1 (the free membrane variance of a "
                             "perfect integrator is unbounded)")
    if p <= 0.0:
        raise ParameterError("the fluctuation-driven baseline needs input_rate > 0 Hz")
    _, s2 = neuron.kernel_sums()
    sigma_u = neuron.v_th / xi
    return 0.0, sigma_u / math.sqrt(n * p * s2), "normal"



def _micheli_tail(neuron) -> float:
    """``P(u > theta)`` of Micheli et al.'s hidden layers: the tail of ``u ~ N(0, 1)`` beyond
    ``theta = v_th - v_reset``, ``erfc(theta / sqrt 2) / 2`` (their rule holds ``Var[u] = 1``)."""
    return 0.5 * math.erfc(neuron.theta / math.sqrt(2.0))


def init_network(widths, *, neuron, input_rate, target_rate=None, method="discrete", w_std=None, kappa=KAPPA,
                 surrogate=None, surrogate_width=None, xi=1.0, map_gain=True,
                 silent_below=SILENT_BELOW, weight_dist="rows", calibrate=None, calibrate_steps=None,
                 calibrate_batch=None, calibrate_seed=20260, calibration_input=None,
                 map_slope=ATTRACTING_SLOPE) -> NetworkInit:
    r"""Plan the weights of a deep feed-forward network layer by layer.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first (``L + 1`` entries, ``L >= 1`` weight matrices).
    neuron : LIF, keyword-only
        The neuron of every layer (delta synapse for the depth model).
    input_rate : float, keyword-only
        Rate of the Bernoulli input layer (Hz).
    target_rate : None, float or sequence of float, keyword-only
        Rate of every layer (Hz); ``None`` preserves the input rate.
    method : str, keyword-only
        ``"discrete"`` (default: the depth model below), ``"diffusion"``, ``"shotnoise"``,
        ``"wiener"`` (per-layer :func:`weights_for_rate` with the previous target as input),
        or a baseline ``"kaiming"``, ``"glorot"``, ``"pytorch"``, ``"fluctuation"``, ``"micheli"`` (weights
        from :func:`baseline_weights`; ``rate`` is what the depth model predicts they do).
    w_std : None, float, sequence, "backward", "attracting", "gradient" or "critical", keyword-only
        As in :func:`weights_for_rate` (per layer if a sequence); ``"attracting"`` (the robust
        option, ``method="discrete"``): each layer's SD is the one, among the weights reaching
        its target, at which the layer map has slope ``map_slope`` (see Notes; ParameterError
        for the perfect integrator with subtractive reset, and with reset to zero where the
        attracting weights need a mean <= 0); ``"gradient"`` (the trainability plan,
        ``method="discrete"``, ``target_rate=None``, no calibration): the weights that maximise
        the predicted through-time gradient reaching layer 1 (see Notes); ``"critical"`` (same
        restrictions): the weights at which the predicted through-time gradient is balanced
        across depth, every layer's rate in :data:`CRITICAL_RATE_BAND` (see Notes; warns with
        :class:`~snntheory.errors.TrainabilityWarning` where no allowed weight balances it).
    kappa : float, keyword-only
        Balance of the default (``w_std=None``) family: free mean = kappa x free SD.
    surrogate, surrogate_width : keyword-only
        For the gradient gain (see :mod:`snntheory.surrogate`). ``surrogate=None`` (default):
        snnTorch's fast sigmoid for the gains, and no trainability check of a rate plan (see
        Notes); :func:`snntheory.torch.init_snn_` passes the model's own surrogate.
    xi : float, keyword-only
        Distance to threshold in free SDs of the fluctuation-driven baseline.
    map_gain : bool, keyword-only
        Compute each layer's map slope (two more depth-model evaluations per layer).
    silent_below : float, keyword-only
        Spikes per step under which a neuron counts as silent.
    weight_dist : {"rows", "normal", "uniform"}, keyword-only
        Law of the planned weights (the baselines keep their own). ``"rows"`` (default):
        Gaussian with every neuron's fan-in vector standardised to exactly ``w_mean`` and
        ``w_std`` (:meth:`LayerInit.sample` draws it), which removes the quenched spread of the
        neurons' weight sums; ``"normal"``: i.i.d. Gaussian (the calibration then fits its own
        draw, and other draws scatter by up to ~12 % in deep layers at width 300).
    calibrate : bool or None, keyword-only
        Correct the planned means layer by layer on a seeded simulation
        (:func:`calibrate_means`). ``None``: on for ``method="discrete"``,
        except for the perfect integrator with subtractive reset, where the model is exact.
    calibrate_steps, calibrate_batch, calibrate_seed : keyword-only
        Recorded steps (``None``: 400, or 2000 for ``beta = 1``), parallel input realisations
        (``None``: about 3200 x 400 neuron-steps per layer, times L / 4 for L > 4 layers, at
        least 2 realisations) and seed of
        that simulation.
    calibration_input : array of shape (T, B, widths[0]) or None, keyword-only
        Real input spike trains (e.g. B encoded training samples of T steps) to calibrate on:
        every trial starts from ``v_reset`` and the rates are measured over all T steps, so the
        plan meets the targets on *this* input (heterogeneous, correlated, transient) rather
        than on stationary independent Bernoulli input at ``input_rate``. Implies calibration.
    map_slope : float in (-1, 1), keyword-only
        Layer-map slope aimed at by ``w_std="attracting"`` (default ``ATTRACTING_SLOPE`` = 0.5).

    Returns
    -------
    NetworkInit

    Raises
    ------
    ParameterError, NoSolutionError
        As :func:`weights_for_rate`.
    ConvergenceError
        Where the depth model cannot resolve a layer (as in
        :func:`snntheory.network.predict_network`: beta above ~0.999 with the planned weights
        giving (almost) no drift at the reset); the message names the layer and asks for
        beta <= 0.999 or a higher target rate.

    Notes
    -----
    **Depth model** (``method="discrete"``): each layer's weights are solved by bracketing +
    Brent on the forward model of :mod:`snntheory.network`, so the model's rate at the
    uncalibrated weights equals the target to ~1e-10.

    **Default weights** (``w_std=None``): the balanced family ``free mean = kappa x free SD``
    with kappa = -1.25 (inhibition-dominated, fluctuation-driven), so that the layer map is
    flatter. Where the family cannot reach the target before the free SD exceeds
    ``SIGMA_V_MAX`` = 2 theta (its rate saturates there), kappa moves up to 0, 1, 2, 4. For
    ``beta = 1`` the mean increment is R_IF = 1 temporal SD.

    **Robust option** (``w_std="attracting"``). A weight draw of finite width misses a layer's
    rate by a little, and the layer above passes that error on multiplied by the slope of its
    map, d E[p_out] / d E[p_in]; along the default family the slope is 0.7-1.2, so with i.i.d.
    draws the errors of deep layers add up or grow. Along the weights that reach the target the
    slope falls as the SD grows (a larger SD needs a lower mean, and the input's mean drive then
    pulls against its fluctuations), so each layer's SD is solved (bracketing + Brent in log SD,
    each step solving the mean) for the larger of the two slopes ``predict_network`` reports
    (inputs scaled, or their mean shifted at fixed spread) to equal ``map_slope`` (within
    [map_slope - 0.03, map_slope]: the model's slope is resolved only to a few hundredths).
    Each draw's error then stays within 1/sqrt(1 - slope^2) of one layer's in the model. It
    needs a map whose slope can fall below 1. The perfect integrator (beta = 1) with
    subtractive reset is refused: its rate is drive / theta, slope 1 at any weights. With reset
    to zero the same holds for jumps small against theta (measured slope 0.91-0.95 at weight
    SD 0.05 theta), and the slope falls only at SDs so large that the neurons' mean drives
    straddle zero; where the attracting SD needs a mean weight <= 0 (low input rates: width
    300 at 5 % input per step) it is refused too, because most neurons then have a negative
    drive and fall silent, and the rate comes from the minority with a positive one (about a
    third measured): the model misses deep rates 2-3x, deep layers fluctuate slowly in time,
    and the calibrated plan's deep layers scattered 16-49 % across draws against a predicted
    15-20 % (the 10-layer grid's worst error was 1.2). With a positive mean (width 100 at 30 %
    input) the plan holds within its predicted scatter. It costs 3-10x the default's
    planning time. Plan it with the law you will draw (``weight_dist="normal"`` for i.i.d.
    draws). The attracting SDs are large, and one layer's own finite-width error is then large
    too: at width 100, i.i.d. draws scatter 10-22 % per layer (SD across draws, measured; 10-19 %
    predicted by ``rate_spread``), so single draws miss the target by up to ~50 %. No other SD
    does much better: the smallest ten-layer scatter over every i.i.d. Gaussian SD that reaches
    the target is 9-14 % at width 100, falling as 1 / sqrt(width)
    (``benchmarks/bench_init.py --spread``). Check ``rate_spread`` before relying on one draw.

    **Trainability plan** (``w_std="gradient"``). Across 48 training runs of 8-layer nets the
    predicted gradient reaching layer 1 ranked final accuracy best (Spearman +0.77; rates and
    silent fractions ``|rho| <= 0.05``; ``experiments/compare_init.py``), so this plan maximises
    it: one (w_mean, w_std) shared by every layer, chosen on a 13 x 17 grid (means
    ``theta / (n p0) x [-3, 3]``, SDs ``theta / sqrt(n p0) x [0.1, 10]`` log-spaced, ``n`` the
    input width, ``p0`` the input spikes per step) as the maximiser of
    ``log10 delta_ratio`` of layer 1 from :func:`snntheory.network.phase_diagram` (the product
    of the layers' full through-time gradient gains, :data:`GRADIENT_STEPS` = 16 steps, count
    readout, the given surrogate and width), among the points where every layer's predicted
    rate is at most :data:`GRADIENT_RATE_CAP` = 0.5 spikes per step, no layer is mostly
    silent and every layer's RMS input per step is at most
    :data:`~snntheory.network.MEAN_FIELD_MAX_INPUT_SD` = 1 threshold (``PhaseDiagram.input_sd``:
    beyond it the predicted gradient norms are off by decades against autograd,
    ``benchmarks/results/bptt_validity.md``). **The cap wins** where the two conflict: a saturated layer's surrogate gradient
    vanishes in training as soon as its drive moves, and the phase diagram's rates are least
    accurate there (up to 10 % in the bimodal corner), so its predicted gains are not trusted.
    Assumptions and limits: a grid, not a continuous optimum, and one pair for all layers (no
    per-layer search); the targets are not used and the rates are whatever the optimum gives.
    The predicted gain rises with the SD up to the validity bound, so the optimum sits on it.
    Accuracy: on a
    3-layer net of width 80 (atan, reset to zero) autograd's layer-1 / top gradient ratio is
    277 at the plan vs 48 at a third of its SD, ranked as predicted (122 vs 32): the closure
    under-predicts by 2.3x at the plan's large SD (``tests/test_phase_diagram.py``).
    **Measured, not recommended as is**: in ``compare_init.py``'s 8 x 128, beta 0.9 digits
    cells (5 seeds) it trains to 0.132 ± 0.030 test accuracy with atan (baselines 0.85-0.94:
    the edge optimum's huge SD defeats training) and 0.610 ± 0.038 with the fast sigmoid
    (kaiming 0.828, the rate plan 0.500); with these runs added the predicted layer-1 gradient
    ranks accuracy at Spearman +0.56 (58 runs), down from +0.77, and +0.49 over the 78 runs
    that include the ``"critical"`` plan's: a large predicted gradient is not sufficient for
    trainability (``experiments/results/compare/compare.md``).

    **Critical plan** (``w_std="critical"``). Balance instead of size: on the same grid and
    :func:`snntheory.network.phase_diagram` as ``"gradient"`` (one (w_mean, w_std) for every
    layer, :data:`GRADIENT_STEPS` = 16 steps, count readout, the given surrogate and width),
    the point whose largest per-layer full (through-time) gradient gain
    :math:`\|\partial\mathcal L/\partial V_l\|^2 / \|\partial\mathcal L/\partial V_{l+1}\|^2`
    is closest to 1 in log (no layer where the error explodes or vanishes), among the points
    where every layer's predicted rate lies in :data:`CRITICAL_RATE_BAND` = (0.02, 0.25) spikes
    per step, no layer is mostly silent and every layer's RMS input per step is within the
    theory's validity (as ``"gradient"``). **The rate band wins** where the two conflict: a
    surrogate's gain is set by how much membrane mass sits within its width of threshold, so
    with a narrow surrogate balance needs rates far above the band (the layers saturate and
    the phase diagram's rates are least accurate there) and with a wide one it needs rates
    below it (silent layers carry no forward signal); the plan then takes the in-band point of
    best balance. Where even that point's layer-1 / top-layer error ratio exceeds
    :data:`CRITICAL_SPAN` = 1 decade, the plan's ``notes`` say whether the gradient vanishes
    or explodes and name the surrogate width that would balance some in-band point (tried at
    1/4 to 32 times the given width; for snnTorch's families in its own parameter: ATan
    ``alpha``, fast-sigmoid / sigmoid ``slope``; the rates do not depend on the surrogate) and
    the depth at which the best point's mean per-layer gain stays within the span (or that no
    depth of two or more layers does). Where the error vanishes by more than
    :data:`UNTRAINABLE_DECADES` = 12 decades (or none reaches the top layer), the same text is
    a :class:`~snntheory.errors.TrainabilityWarning`, before any training and pointing at the
    user's call, also through :func:`snntheory.torch.init_snn_`. Only that side warns: in the
    runs of ``compare_init.py`` a predicted fall beyond ~12 decades meant no training, while
    falls up to 10^-10.8 and explosions up to 10^+2.6 trained (Adam rescales a uniformly small
    or large gradient; the threshold's evidence is in :data:`UNTRAINABLE_DECADES`). Accuracy:
    the phase diagram's (per-layer gains within 35 % of autograd over three layers); on the
    plan of a 3-layer net of width 100 (ATan, alpha 2) autograd's per-layer gains agree within
    that, and for the fast sigmoid at slope 25, where it notes an imbalance, autograd's error
    also falls by more than a decade from the top layer to layer 1, and by less at the slope
    the note names (``tests/test_critical_plan.py``). Assumptions
    and limits: those of ``"gradient"`` (a grid, one pair for all layers); the gradient's size
    is not used (with Adam a uniformly small gradient is rescaled; a vanishing or exploding
    *profile* over depth is not). **Measured, not the default**: the balance it aims at is the
    predictor that ranks final accuracy best over all runs of ``compare_init.py`` (Spearman
    -0.64, 78 runs), but only by separating the nets that cannot train at all; in the 8 x 128,
    beta 0.9 digits cells (5 seeds) the plan trains to 0.827 ± 0.015 with ATan (Kaiming 0.922)
    and 0.582 ± 0.053 with the fast sigmoid at slope 25 (Kaiming 0.828), unbalanced in both; at
    the slope the fast-sigmoid note names (3.12) it trains to 0.811 ± 0.024 and Kaiming to
    0.928 ± 0.005 (``experiments/results/compare/compare.md``).

    **Trainability check of the rate plans** (every ``method`` but the baselines, every ``w_std``
    but ``"gradient"`` and ``"critical"``; two or more layers; neurons without refractoriness or
    a delayed reset). The weights are set by the rate targets, so the plan cannot move them for
    the gradient; it reports at them each layer's full (through-time) gradient gain
    (``LayerInit.full_grad_gain``: :func:`predict_network`'s fast route, :data:`GRADIENT_STEPS`
    steps, count readout, the given surrogate and width; ~0.1-0.5 s) and judges the layer-1 /
    top-layer error ratio by the critical plan's rules: beyond :data:`CRITICAL_SPAN` a note,
    beyond a fall of :data:`UNTRAINABLE_DECADES` a :class:`~snntheory.errors.TrainabilityWarning`
    (through :func:`snntheory.torch.init_snn_`, before training, pointing at the user's line),
    both naming the surrogate width (snnTorch's parameter) or depth that would balance it. On
    ``compare_init.py``'s digits cells the rate plan's prediction falls 10^-21.8 at 16 layers with
    the fast sigmoid at slope 25 (where no method trains), 10^-9.3 at 8 and 10^-3.7 at 4 (notes;
    they train), and stays within 10^+-1 with ATan. Accuracy: the fast route's per-layer gains
    within 35 % of autograd at snnTorch's default widths (tests); for surrogates much narrower
    than the membrane's per-step spread it under-resolves sigma' and is not reliable.

    **Draw-to-draw spread** (``LayerInit.rate_spread``, with ``map_gain=True``): the theory of
    :func:`predict_network` (sampling error of the layer's neurons' heterogeneous rates, from
    their mean drives and, for i.i.d. weights, their temporal input variances, plus the layer
    below's errors of the mean and mean square rate through the model's Jacobian), evaluated at
    the model's own plan, whose rates are the targets, and never at the calibrated means (where
    the model's deep rates can be far off).

    **Weight law.** With row-standardised weights (the default ``weight_dist="rows"``) every
    neuron of a layer has the same weight sum, so in the model the mean drives spread only by
    the variance of the input rates (zero in layer 1); with i.i.d. weights by their second
    moment. Row standardisation removes the finite-width scatter of the population rate
    across weight draws.

    **Calibration** (default for ``method="discrete"`` except the perfect integrator with
    subtractive reset, whose model is exact by charge conservation): the model's remaining
    errors — the temporal structure of non-Bernoulli input trains beyond their variance, and
    cross-neuron correlations from shared inputs — are removed by one layer-by-layer pass of
    a seeded simulation that moves each layer's mean (SD kept) until its simulated population
    rate is the target (:func:`calibrate_means`; 400 steps x 3200 neurons per layer, L / 4 times
    that for L > 4 layers, 2000 steps
    for the slowly mixing perfect integrator). ``LayerInit.model_w_mean`` keeps the model's
    uncalibrated mean, ``calibrated_rate`` and ``calibrated_stderr`` the rate measured at the
    calibrated one; ``rate`` is the model's prediction at the final weights.

    **Accuracy**: over a grid of 12 ten-layer networks (widths 100–1000, beta 0.8–1, both
    resets, 1–30 % input per step) every layer's simulated rate is within 6 % of the target
    for five new row-standardised weight draws each; i.i.d. draws of the same statistics are
    far worse, and the robust option narrows but does not close that gap: its remaining errors
    are the draw-to-draw scatter (mean over 20-40 draws within 3-5 % of the target, SD
    7-14 % per layer at width 100), not a bias (``benchmarks/bench_init.py --grid``,
    ``benchmarks/results/init_grid.md``).

    Examples
    --------
    A three-layer plan, checked against an independent simulation (new weights and inputs):

    >>> from snntheory import LIF
    >>> plan = init_network([300, 300, 300], neuron=LIF.from_beta(0.9), input_rate=50.0, map_gain=False)
    >>> run = plan.simulate(n_steps=2000, seed=1, batch=4)
    >>> [bool(abs(r / 50.0 - 1) < 0.05) for r in run.rates[1:]]   # simulated rate within 5 % of the 50 Hz target
    [True, True]
    >>> plan.targets
    array([50., 50.])
    """
    widths, rate0 = _check_network(widths, neuron, input_rate)
    L, dt = len(widths) - 1, neuron.dt
    p0 = rate0 * dt
    _warn_units(rate0, dt)
    targets = check_per_layer("target_rate", rate0 if target_rate is None else target_rate, L, label="target_rate")
    if isinstance(w_std, str):
        check_choice("w_std", w_std, ("backward", "attracting", "gradient", "critical"))
        if w_std == "attracting" and neuron.beta == 1.0 and neuron.reset == "subtract":
            raise ParameterError(_NO_ATTRACTING_PERFECT)
        stds = [w_std] * L
    elif w_std is None:
        stds = [None] * L
    else:
        stds = list(check_per_layer("w_std", w_std, L))
    check_choice("method", method, METHODS + BASELINES)
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    map_slope = check_scalar("map_slope", map_slope)
    kappa = check_scalar("mu", kappa, label="kappa")
    xi = check_scalar("xi", xi, domain=_POSITIVE, label="xi")
    map_gain = check_bool("map_gain", map_gain)
    if calibrate is not None:
        calibrate = check_bool("calibrate", calibrate)
    asked_calibration = bool(calibrate) or calibration_input is not None
    if isinstance(calibrate_seed, bool) or not isinstance(calibrate_seed, (int, np.integer, np.random.Generator)):
        raise ParameterError(f"calibrate_seed must be an int or a numpy Generator (a plan is reproducible); "
                             f"got {calibrate_seed!r}")
    if calibration_input is not None:
        calibration_input = np.asarray(calibration_input)
        if calibration_input.ndim != 3 or calibration_input.shape[2] != widths[0] or calibration_input.size == 0:
            raise ParameterError(f"calibration_input must be an array of shape (T, batch, {widths[0]}); "
                                 f"got shape {calibration_input.shape}")
    exact = neuron.beta == 1.0 and neuron.reset == "subtract" and neuron.ref_steps == 0   # rate = drive / theta
    if calibrate is None:
        calibrate = calibration_input is not None or (method == "discrete" and not exact)
    # the perfect integrator mixes slowly (no leak): a short calibration window mistook its
    # transient for the stationary rate and deep layers ran away (2.6x at 400 steps, 2 % at 2000)
    steps = (400 if neuron.beta < 1.0 else 2000) if calibrate_steps is None else calibrate_steps
    if calibrate and method in BASELINES:
        raise ParameterError(f"calibrate applies to the planned methods {METHODS}, not to the baseline {method!r}")
    rows_law = weight_dist == "rows" and method not in BASELINES
    start = _State.bernoulli(p0, rows_law)
    surrogate_given = surrogate is not None
    surrogate = "fast_sigmoid" if surrogate is None else surrogate
    stats_kw = _stats_kw(surrogate, surrogate_width, silent_below)
    if w_std in ("gradient", "critical"):
        if method != "discrete":
            raise ParameterError(f"method must be 'discrete' with w_std={w_std!r}; got {method!r}")
        if target_rate is not None:
            raise ParameterError(f"target_rate must be None with w_std={w_std!r}: the plan chooses the rates "
                                 + (f"(each at most GRADIENT_RATE_CAP = {GRADIENT_RATE_CAP:g} spikes per step)"
                                    if w_std == "gradient" else
                                    f"(each within CRITICAL_RATE_BAND = {CRITICAL_RATE_BAND} spikes per step)"))
        if asked_calibration:
            raise ParameterError("calibrate must be None or False (and calibration_input None) with "
                                 f"w_std={w_std!r}: there is no rate target to meet")
        gains = None
        if w_std == "gradient":
            best = _solve_gradient(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below)
        else:
            best, gains, notes = _solve_critical(widths, neuron, rate0, surrogate, surrogate_width, weight_dist,
                                                 silent_below)
        rows = _propagate(widths, neuron, start, lambda *_: best + (weight_dist,), stats_kw, advice="init")
        plan = _network_init(rows, method, widths, rate0, neuron, map_gain, targets=None)
        if gains is not None:
            plan = _with_trainability(replace(plan, notes=notes), widths, plan.w_stds, neuron, rate0, gains)
        return plan
    kw = neuron.chain_params()
    g = neuron.gain

    kap = [kappa]

    def choose(l, n, n_out, state, rows):
        """(w_mean, w_std, weight law) of layer l given its input state."""
        if method in BASELINES:
            # Micheli et al.: P(u > theta) of the presynaptic layer (input spikes, then the rule's N(0, 1) tail)
            r_in = rate0 if method != "micheli" or l == 0 else _micheli_tail(neuron) / dt
            return baseline_weights(method, n_in=n, n_out=n_out, neuron=neuron, input_rate=r_in, xi=xi)
        if method == "discrete":
            hint = (rows[-1][3], kap[0], rows[-1][2]) if rows and widths[l] == widths[l - 1] else None
            wm, ws, kap[0] = _solve_depth_layer(kw, g, n, state, targets[l] * dt, stds[l], kappa, neuron, n_out,
                                                stats_kw, hint=hint, map_slope=map_slope)
            return wm, ws, weight_dist
        p_in = state.ep if l == 0 else targets[l - 1] * dt
        res = weights_for_rate(targets[l], n_in=n, input_rate=p_in / dt, neuron=neuron, method=method,
                               w_std=stds[l], kappa=kappa, n_out=n_out, surrogate=surrogate,
                               surrogate_width=surrogate_width)
        return res.mean, res.std, weight_dist

    rows = _propagate(widths, neuron, start, choose, stats_kw, advice="init")
    targets_out = None if method in BASELINES else targets
    # map slopes of the model's plan: reported when it is final; before a calibration they give
    # the draw-to-draw spread its check allows for (zero for row-standardised weights: skipped)
    slopes = map_gain if not calibrate else weight_dist != "rows"
    plan = _network_init(rows, method, widths, rate0, neuron, slopes, targets=targets_out)
    if np.all(plan.rates * dt < silent_below):
        warnings.warn(f"the plan is silent in every layer (predicted rates below {silent_below / dt:g} Hz): "
                      f"check the units of input_rate ({rate0:g} Hz at dt = {dt:g} s)", UnitsWarning,
                      stacklevel=_user_stacklevel())
    check = (lambda pl: pl) if method in BASELINES or not surrogate_given else (lambda pl: _check_trainability(
        pl, widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below))
    if not calibrate:
        return check(plan)
    model_means = [r[2] for r in rows]
    # each layer starts from the model's stationary membrane law (no start-up transient); recorded
    # trials start from rest, as in training
    v0 = None if calibration_input is not None else [_stationary_sampler(r[6][5]) for r in rows]
    cal = calibrate_means(widths, model_means, [r[3] for r in rows], targets, neuron=neuron, input_rate=rate0,
                          n_steps=check_int("n_steps", steps, label="calibrate_steps"),
                          batch=None if calibrate_batch is None else check_int("n_in", calibrate_batch,
                                                                               label="calibrate_batch"),
                          seed=calibrate_seed, weight_dist=weight_dist, input_spikes=calibration_input, v0=v0,
                          spread=np.nan_to_num([l.rate_spread for l in plan.layers]) if slopes else None,
                          **({} if calibration_input is None else dict(burn_in=0)))
    # the model's prediction at the calibrated weights, propagated from the input
    final = [(float(m), r[3], r[4]) for r, m in zip(rows, cal.w_means)]
    rows = _propagate(widths, neuron, start, lambda l, *_: final[l], stats_kw, advice="init")
    # the draw-to-draw spread of a network at the targets is the model's at its own plan (whose
    # rates are the targets), relative to the rate: at the calibrated means the model's rates can
    # be far off (deep i.i.d. layers of width 100 at 1 % input: 2.6x), and its spread in Hz with them
    spreads = ([l.rate_spread / l.rate * t if l.rate > 0 else math.nan for l, t in zip(plan.layers, targets)]
               if map_gain and slopes else None)
    return check(_network_init(rows, method, widths, rate0, neuron, map_gain, targets=targets_out,
                               model_means=model_means, calibration=cal, spreads=spreads))


#: Largest per-layer spike probability per step the plan ``w_std="gradient"`` may predict
GRADIENT_RATE_CAP = 0.5
#: Steps of the through-time gradient maximised by ``w_std="gradient"`` (the compared nets' T)
GRADIENT_STEPS = 16
#: Grid of ``w_std="gradient"``: SDs (log-spaced) and means in units of the layer-1 scales
_GRADIENT_SD = np.geomspace(0.1, 10.0, 17)
_GRADIENT_MEAN = np.linspace(-3.0, 3.0, 13)


def _solve_gradient(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below):
    """(w_mean, w_std), shared by every layer, maximising the predicted full gradient reaching layer 1
    (``phase_diagram``'s ``delta_ratio`` of layer 1: the product of the layers' through-time gains)
    over a grid, among the points with every layer's rate at most the cap and none mostly silent."""
    pd = _plan_grid(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below)
    p = pd.rate * neuron.dt
    gain = np.log10(pd.delta_ratio[..., 0]) if len(widths) > 2 else np.zeros(pd.w_mean.shape)
    ok = (np.all(p <= GRADIENT_RATE_CAP, axis=-1) & np.all(pd.silent_fraction < 0.5, axis=-1) & np.isfinite(gain)
          & _mean_field_valid(pd))
    if not ok.any():
        raise NoSolutionError(f"w_std='gradient': no grid point keeps every layer below {GRADIENT_RATE_CAP:g} "
                              "spikes per step, mostly active and within the trainability theory's validity "
                              f"(RMS input per step <= {MEAN_FIELD_MAX_INPUT_SD:g} threshold)")
    i = int(np.argmax(np.where(ok, gain, -np.inf)))
    return float(pd.w_mean[i]), float(pd.w_std[i])


#: Per-layer rate band (spikes per step) of ``w_std="critical"``: every layer's predicted rate within it
CRITICAL_RATE_BAND = (0.02, 0.25)
#: Largest absolute log10 of the predicted layer-1 / top-layer ratio of the through-time error norm that
#: ``w_std="critical"`` counts as balanced (a factor 10 over the whole depth)
CRITICAL_SPAN = 1.0
#: Decades by which the predicted through-time error may fall from the top layer to layer 1 at the
#: best point ``w_std="critical"`` allows before it warns that the surrogate cannot train the net
#: (:class:`~snntheory.errors.TrainabilityWarning`); a smaller imbalance, or an exploding error, is
#: only noted on the plan (``NetworkInit.notes``). Set from ``experiments/compare_init.py``'s digits
#: cells: every run whose predicted error fell by more than 13 decades ended at or below 0.29
#: accuracy (chance 0.10), while falls up to 10.8 decades and explosions up to 10^+2.6 trained
#: (the gap between 10.8 and 13 holds no run)
UNTRAINABLE_DECADES = 12.0
#: Surrogate widths, as multiples of the user's, that the advice of ``w_std="critical"`` tries
_CRITICAL_WIDTHS = (0.25, 0.5, 2.0, 4.0, 8.0, 16.0, 32.0)


def _plan_grid(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below):
    """The shared-(mean, SD) grid of the trainability plans (``w_std="gradient"``, ``"critical"``),
    flattened, evaluated by :func:`phase_diagram`."""
    n, p0 = widths[0], rate0 * neuron.dt
    sd = neuron.theta / math.sqrt(n * p0) * _GRADIENT_SD
    mean = neuron.theta / (n * p0) * _GRADIENT_MEAN
    wm, ws = np.meshgrid(mean, sd, indexing="ij")
    return _phase(widths, wm.ravel(), ws.ravel(), neuron, rate0, surrogate, surrogate_width, weight_dist,
                  silent_below)


def _mean_field_valid(pd):
    """Grid points of a :class:`~snntheory.network.PhaseDiagram` whose every layer's RMS input per step
    is within :data:`~snntheory.network.MEAN_FIELD_MAX_INPUT_SD`: beyond it the predicted gradient norms
    the trainability plans rank by are off by decades (``benchmarks/results/bptt_validity.md``)."""
    return np.all(pd.input_sd <= MEAN_FIELD_MAX_INPUT_SD, axis=-1)


def _gain_law(weight_dist):
    """The weight law the trainability routes model for a plan's ``weight_dist`` (others: "normal")."""
    return weight_dist if weight_dist in ("normal", "uniform", "rows") else "normal"


def _phase(widths, wm, ws, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below):
    """:func:`phase_diagram` at the points (wm, ws), its warnings silenced (the plans read its NaNs)."""
    law = _gain_law(weight_dist)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return phase_diagram(list(widths), wm, ws, neuron=neuron, input_rate=rate0, n_steps=GRADIENT_STEPS,
                             surrogate=surrogate, surrogate_width=surrogate_width, weight_dist=law,
                             silent_below=silent_below)


def _balance(pd):
    """(largest |log10 full gain| over the layers below the top, |log10 layer-1 / top error ratio|) per point."""
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.abs(np.log10(pd.grad_gain[..., :-1]))
        span = np.abs(np.log10(pd.delta_ratio[..., 0]))
    worst = np.max(np.where(np.isfinite(g), g, np.inf), axis=-1) if g.shape[-1] else np.zeros(span.shape)
    return worst, np.where(np.isfinite(span), span, np.inf)


def _solve_critical(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below):
    """((w_mean, w_std), per-layer full gains, notes) of ``w_std="critical"``: among the grid points
    whose every layer's rate lies in the band and none mostly silent, the one with the smallest
    largest per-layer |log10 full gain| (ties, as for one layer: the mean rate nearest the band's
    geometric centre). Where even that point's layer-1 / top ratio exceeds ``CRITICAL_SPAN`` the
    notes name the surrogate width (snnTorch's parameter) or the depth that would balance it; a
    TrainabilityWarning says the same where the error vanishes beyond ``UNTRAINABLE_DECADES``."""
    pd = _plan_grid(widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below)
    p = pd.rate * neuron.dt
    lo, hi = CRITICAL_RATE_BAND
    ok = np.all((p >= lo) & (p <= hi), axis=-1) & np.all(pd.silent_fraction < 0.5, axis=-1) & _mean_field_valid(pd)
    if not ok.any():
        raise NoSolutionError(f"w_std='critical': no grid point keeps every layer's rate within {CRITICAL_RATE_BAND} "
                              "spikes per step, mostly active and within the trainability theory's validity (RMS "
                              f"input per step <= {MEAN_FIELD_MAX_INPUT_SD:g} threshold)")
    worst, span = _balance(pd)
    # an allowed point wins over every other even where no allowed point's balance is finite
    # ties (one layer: every point is balanced): the mean rate nearest the band's geometric centre
    with np.errstate(divide="ignore"):
        centre = np.abs(np.log(np.mean(p, axis=-1) / math.sqrt(lo * hi)))
    score = np.nan_to_num(worst + 1e-3 * span + 1e-6 * centre, nan=np.inf)
    i = int(np.argmin(np.where(ok, np.minimum(score, np.finfo(float).max), np.inf)))
    notes = ()
    if span[i] > CRITICAL_SPAN:
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = float(np.log10(pd.delta_ratio[i, 0]))
        # NaN: no error reaches even the top layer
        untrainable = not ratio >= -UNTRAINABLE_DECADES
        text = _critical_advice(pd, ok, i, ratio, widths, neuron, rate0, surrogate, surrogate_width, weight_dist,
                                silent_below, untrainable)
        if untrainable:
            warnings.warn(text, TrainabilityWarning, stacklevel=_user_stacklevel())
        notes = (text,)
    return (float(pd.w_mean[i]), float(pd.w_std[i])), pd.grad_gain[i], notes


def _critical_advice(pd, ok, i, ratio, widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below,
                     untrainable):
    """The critical plan's imbalance in words: how far the error falls or grows over the depth at the
    chosen point, and the surrogate width (snnTorch's parameter) or depth that would balance it."""
    width = _surrogate._width_of(surrogate, surrogate_width)
    # the surrogate does not move the rates: only the allowed points are evaluated again
    found = _balancing_width(width, lambda w: np.any(_balance(
        _phase(widths, pd.w_mean[ok], pd.w_std[ok], neuron, rate0, surrogate, w, weight_dist, silent_below))[1]
        <= CRITICAL_SPAN))
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log10(pd.grad_gain[i, :-1])
    return _imbalance_text(f"w_std='critical': the predicted surrogate gradient {{direction}} through this depth at "
                           f"every weight the plan allows (rates within {CRITICAL_RATE_BAND} spikes per step): the "
                           "best point's", ratio, logs, surrogate, width, found, untrainable)


def _balancing_width(width, balanced):
    """The first surrogate width ``k * width`` (k in _CRITICAL_WIDTHS, nearest 1 first) at which
    ``balanced(width)`` holds, or None."""
    for k in sorted(_CRITICAL_WIDTHS, key=lambda k: abs(math.log(k))):
        if balanced(width * k):
            return width * k
    return None


def _imbalance_text(head, ratio, logs, surrogate, width, found, untrainable):
    """How far the predicted error falls or grows from the top layer to layer 1 (``ratio``, log10;
    ``logs`` the per-layer log10 full gains below the top) and what would balance it: the surrogate
    width ``found`` (snnTorch's parameter where it has one) or a smaller depth. ``head`` may hold
    ``{direction}``."""
    L = logs.size + 1
    name = _surrogate._SNNTORCH.get(surrogate)
    if found is None:
        fix = (f"no {surrogate} width between {min(_CRITICAL_WIDTHS):g}x and {max(_CRITICAL_WIDTHS):g}x the "
               "current one would")
    elif name is not None:
        # snnTorch's parameter from the width: _SNNTORCH's maps (1/k, 2/(pi a)) are their own inverses
        par = name[1]
        fix = f"snnTorch's {surrogate} with {name[0]} = {par(found):.3g} (now {par(width):.3g}) would"
    else:
        fix = f"surrogate_width = {found:.3g} V (now {width:.3g} V) would"
    finite = logs[np.isfinite(logs)]
    per = float(np.mean(np.abs(finite))) if finite.size == logs.size and logs.size else math.inf
    # the layer-1 / top ratio of a depth-D net spans D - 1 per-layer gains
    depth = 1 + int(CRITICAL_SPAN / per) if per > 0 else L
    if depth >= 2:
        fix += f"; so would a depth of at most {depth} layers at this surrogate"
    else:
        fix += "; at this surrogate no depth of two or more layers would"
    shown = (f"10^{ratio:+.1f}" if np.isfinite(ratio) else "inf" if ratio > 0 else "0" if ratio < 0
             else "undefined (the predicted error is zero even at the top layer)")
    verdict = (f"below 10^-{UNTRAINABLE_DECADES:g}, where every digits net of compare_init.py stayed at or below "
               "0.29 accuracy"
               if untrainable else f"beyond the balanced span of 10^+-{CRITICAL_SPAN:g}")
    head = head.format(direction="explodes" if ratio > 0 else "vanishes")
    return f"{head} layer-1 / top-layer error ratio is {shown} over {L} layers ({verdict}); {fix}"


def _full_gains(widths, w_means, w_stds, neuron, rate0, surrogate, width, weight_dist, silent_below):
    """Per-layer full (through-time) gradient gains of fixed weights: predict_network's fast route
    (its closures only: the rates are the plan's), :data:`GRADIENT_STEPS` steps, count readout
    (the top layer's is NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _trainability(list(widths), np.asarray(w_means, float), np.asarray(w_stds, float), neuron, rate0,
                             _gain_law(weight_dist),
                             _stats_kw(surrogate, width, silent_below), "fast", GRADIENT_STEPS, None)[2]


def _check_trainability(plan, widths, neuron, rate0, surrogate, surrogate_width, weight_dist, silent_below):
    """A rate plan with its per-layer full gradient gains and, where the predicted error is out of
    balance over the depth (beyond CRITICAL_SPAN), a note naming what would balance it; a
    TrainabilityWarning where it vanishes beyond UNTRAINABLE_DECADES (the critical plan's rules,
    at the plan's own weights). Skipped (nothing added) for one layer and for neurons without the
    chain model of the trainability theory (a refractory period or a delayed reset)."""
    if len(widths) < 3 or not _trainability_covers(neuron):
        return plan
    width = _surrogate._width_of(surrogate, surrogate_width)

    def gains_at(w):
        return _full_gains(widths, plan.w_means, plan.w_stds, neuron, rate0, surrogate, w, weight_dist, silent_below)

    def log_below_top(gains):       # per-layer log10 full gains below the top layer (0 gain: -inf)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(gains[:-1])

    gains = gains_at(width)
    plan = _with_trainability(plan, widths, plan.w_stds, neuron, rate0, gains)
    logs = log_below_top(gains)
    ratio = float(np.sum(logs))
    if abs(ratio) <= CRITICAL_SPAN:
        return plan
    untrainable = not ratio >= -UNTRAINABLE_DECADES
    found = _balancing_width(width, lambda w: abs(float(np.sum(log_below_top(gains_at(w))))) <= CRITICAL_SPAN)
    text = _imbalance_text("the predicted surrogate gradient {direction} through this depth at the planned "
                           "weights: their", ratio, logs, surrogate, width, found, untrainable)
    if untrainable:
        warnings.warn(text, TrainabilityWarning, stacklevel=_user_stacklevel())
    return replace(plan, notes=plan.notes + (text,))


def _warn_units(rate, dt):
    """Warn when an input rate in Hz looks like a per-step probability (or is implausibly low)."""
    p = rate * dt
    if 0.0 < p < 1e-3 or (0.0 < rate < 1.0 and dt == 1e-3):
        warnings.warn(f"input_rate is in Hz: {rate:g} Hz at dt = {dt:g} s is {p:.3g} spikes per step; if "
                      f"{rate:g} is a probability per step, pass input_rate={rate / dt:g}", UnitsWarning,
                      stacklevel=_user_stacklevel())


def _solve_depth_layer(kw, g, n, state, target, w_std, kappa, neuron, n_out, stats_kw, hint=None,
                       map_slope=ATTRACTING_SLOPE):
    """(w_mean, w_std, kappa used) of one layer on the depth model; ``hint`` = (w_std, kappa) of
    the previous layer, where the search starts."""
    dt = neuron.dt
    if state.ep <= 0.0:
        raise NoSolutionError(f"target rate {target / dt:g} Hz is out of reach: the layer's input is silent "
                              "(reachable range [0, 0] Hz)",
                              reachable=(0.0, 0.0))
    top = _max_rate(neuron)
    if target >= top:
        raise NoSolutionError(f"target rate {target / dt:g} Hz is out of reach: the reachable range is "
                              f"[0, {top / dt:g}) Hz", reachable=(0.0, top / dt))
    scale = neuron.theta / math.sqrt(n * state.ep)

    def rate(wm, ws):
        return _layer_model(kw, g, n, state, wm, ws)[0].ep

    def solve_mean(ws, x0=0.0, shrink=1.0, rtol=_ROOT_RTOL):
        d = 0.05 * neuron.theta / (n * state.ep) * shrink
        return _solve_increasing(lambda x: rate(x, ws), x0, d, target, what=f"the depth model with w_std={ws:g} V",
                                 unit="weight mean on the rising branch", dt=dt, top=_max_rate(neuron), rtol=rtol)

    if w_std is None:
        # the balanced family at kappa; a high target out of its reach moves kappa up towards
        # mean-driven weights (0, 1, 2, 4), which reach higher rates
        first = None
        kappas = (kappa, *[k for k in (0.0, 1.0, 2.0, 4.0) if k > kappa])
        if hint:   # layers of a deep plan differ little: start from the previous layer's kappa
            kappas = kappas[kappas.index(hint[1]):] if hint[1] in kappas else kappas
        s2 = neuron.kernel_sums()[1]
        for kap in kappas:
            ratio = _balance_ratio(neuron, n, state.ep, kap)
            # warm start from the previous layer's SD (layers of a deep plan differ little)
            x0, step = (math.log(hint[0]), 0.05) if hint and kap == hint[1] else (math.log(scale), 0.5)
            x_max = math.log(scale) + 20
            if kap != kappas[-1] and math.isfinite(s2):
                # stay out of the saturated end of the family (free SD > SIGMA_V_MAX theta), where
                # the rate hardly moves with the SD: move to the next kappa instead
                sd_per_ws = math.sqrt(n * state.ep * (1.0 + ratio * ratio) * s2)
                x_max = min(x_max, math.log(SIGMA_V_MAX * neuron.theta / sd_per_ws))
                x0 = min(x0, x_max - 1.0)
            try:
                lx = _solve_increasing(lambda x: rate(ratio * math.exp(x), math.exp(x)), x0, step,
                                       target, x_min=math.log(scale) - 40, x_max=x_max,
                                       what=f"the depth model along the balanced family kappa={kap:g}",
                                       unit="weight SD from 0 to large", dt=dt)
                return ratio * math.exp(lx), math.exp(lx), kap
            except NoSolutionError as e:
                first = first or e
                if target < e.reachable[0] * dt:   # too low: moving kappa up only raises the floor
                    break
        raise first
    if w_std == "attracting":
        cache = {}

        def slope_of(x):
            ws = math.exp(x)
            near = min(cache, key=lambda y: abs(y - x), default=None)   # warm start from the nearest SD tried,
            # the slope needs the mean only to 1e-6 (the returned one is refined below)
            if near is not None:                                          # or from the layer below's mean
                wm = solve_mean(ws, cache[near], 0.25, _SEARCH_RTOL)
            else:
                wm = solve_mean(ws, rtol=_SEARCH_RTOL) if not hint else solve_mean(ws, hint[2], 0.25, _SEARCH_RTOL)
            cache[x] = wm
            # the larger of the two slopes: a draw's error moves the rates of the layer below
            # somewhere between a common shift and a common scaling
            return max(_map_gain(kw, g, n, state, wm, ws, shift=s) for s in (False, True))

        x0, step = (math.log(hint[0]), 0.05) if hint else (math.log(scale), 0.5)
        lx = _solve_attracting(slope_of, x0, map_slope, what=f"a layer of width {n}", hint_step=step)
        if lx not in cache:
            slope_of(lx)
        wm = solve_mean(math.exp(lx), cache[lx], 1e-4)
        if neuron.beta == 1.0 and wm <= 0.0:
            raise ParameterError(_NO_ATTRACTING_ZERO.format(ws=math.exp(lx), wm=wm))
        return wm, math.exp(lx), kappa
    if w_std == "backward":
        cache = {}

        def grad_of(x):
            ws = math.exp(x)
            wm = solve_mean(ws)
            gr = _layer_stats(neuron, n, state, wm, ws, n_out, **stats_kw)[3]
            cache[x] = wm
            return gr

        x0 = math.log(scale)
        lx = _solve_increasing(grad_of, x0, 1.0, 1.0, x_min=x0 - 20, x_max=x0 + 10,
                               what="the backward condition grad_gain = 1", unit="gradient gain", dt=1.0)
        if lx not in cache:
            grad_of(lx)
        return cache[lx], math.exp(lx), kappa
    return solve_mean(float(w_std)), float(w_std), kappa

r"""Weights for a target rate, whole-network initialisation, and the baselines (``snntheory.inverse``).

Given a neuron (:class:`snntheory.LIF`), a fan-in and an input rate, :func:`weights_for_rate`
returns the mean and SD of Gaussian weights that make one layer fire at a target rate, solving
the forward model of the chosen ``method`` by bracketing root finding (the forward model is the
single source of truth; its inverse is never written separately):

============  ==========================================================================
method        forward model (rate of one neuron, weights annealed, Bernoulli inputs)
============  ==========================================================================
"discrete"    :func:`snntheory.discrete.layer_rate` (exact step-map chain, Gaussian increments)
"diffusion"   :func:`snntheory.diffusion.firing_rate` with the ``dt`` threshold shift (F7)
"shotnoise"   :func:`snntheory.shotnoise.firing_rate` of :func:`~snntheory.shotnoise.gaussian_weight_input`
"wiener"      :func:`snntheory.wiener.firing_probability` (beta = 1 closed forms)
============  ==========================================================================

:func:`init_network` plans a whole feed-forward network layer by layer. With
``method="discrete"`` it propagates a *depth model* (quenched heterogeneity, spike-train
regularity) instead of the single-neuron rate, and by default picks weights that make the target
an attracting fixed point of the layer map; the same function gives the baselines (Kaiming,
Glorot, PyTorch default, Rossbroich et al. 2022) with the rates they lead to.

Diffusion convention (Brunel 2000) wherever ``sigma`` appears: ``tau_m dV/dt = -V + mu +
sigma sqrt(tau_m) xi``, so the free membrane has mean ``mu`` and SD ``sigma/sqrt(2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import optimize, special

from . import discrete, diffusion, shotnoise, wiener
from ._sim.calibrate import calibrate_means
from ._sim.network import WEIGHT_DISTS
from ._validate import check, check_choice, check_int
from .errors import ConvergenceError, NoSolutionError, ParameterError
from .neuron import LIF

__all__ = ["WeightStats", "LayerInit", "NetworkInit", "weights_for_rate", "init_network", "predict_network", "gradient_gain", "surrogate_derivative", "baseline_weights", "METHODS", "BASELINES", "SURROGATES"]

METHODS = ("discrete", "diffusion", "shotnoise", "wiener")
BASELINES = ("kaiming", "glorot", "pytorch", "fluctuation")
SURROGATES = ("fast_sigmoid", "gaussian", "triangle")

_GRID_MAX = 400      # bins of the depth model chain (cost ~ nb^3 per node)
_BINS_PER_S = 4.0    # bins per increment SD (measured: rate within 0.1-0.5 % of discrete.firing_probability)


def _mix_cdf(x, mu, s, mix):
    """CDF at ``x`` of ``mu + I`` (broadcast), I ~ N(0, s^2) or, with ``mix = (q, c, sc)``, the
    count mixture sum_j q_j N(j c_k, j sc^2) (c per node k, an atom at 0 for j = 0)."""
    if mix is None:
        return special.ndtr((x - mu) / s)
    q, c, sc = mix
    out = np.zeros(np.broadcast_shapes(x.shape, mu.shape))
    for j, qj in enumerate(q):
        if qj < 1e-11:
            continue
        if j == 0:
            out += qj * (x >= mu)
        else:
            out += qj * special.ndtr((x - mu - j * c[:, None, None]) / (math.sqrt(j) * sc))
    return out


def _grid_chain(beta, m, s, *, v_th, v_reset, reset, ref, beta_f=None, want_density=False, mix=None):
    """Dense-grid Markov chain of ``V <- beta V + N(m, s^2)`` for an array of drives ``m``
    (common ``s``), with an exact reset atom at ``v_reset`` and ``ref`` refractory states.
    Each drive gets its own grid (from 8 free SDs below its free mean, or a ruin bound for the
    perfect integrator, up to ``v_th``) with the same number of bins.

    Returns ``(p, F)``: spikes per step and the regularity factor
    ``F = [C(0) + 2 sum_k beta_f^k C(k)] / C(0)`` of the output train (C its autocovariance,
    ``beta_f = beta``, at most 0.999). A perfect integrator (beta = 1) whose drive is <= 0 has
    no stationary firing: p = 0 (rate collapse), F = 1. With ``want_density``, also the
    stationary distribution over the states (reset atom first, then the bin centres) and the
    states' potentials.
    """
    m = np.atleast_1d(np.asarray(m, float))
    beta_f = min(beta, 0.999) if beta_f is None else beta_f   # beta = 1: Fano window of ~1000 steps
    theta = v_th - v_reset
    K = m.size
    dead = np.zeros(K, bool)
    if beta < 1.0:
        sd_free = s / math.sqrt(1.0 - beta * beta)
        lo = np.minimum(v_reset, m / (1.0 - beta)) - 8.0 * sd_free
    else:
        dead = m <= 1e-3 * s
        drift = np.maximum(m, 1e-3 * s)
        lo = v_reset - 10.0 * s - 8.0 * s * s / drift
    lo = np.minimum(lo, v_reset - 2.0 * s)
    span = float(np.max(v_th - lo[~dead])) if np.any(~dead) else v_th - v_reset
    nb_lo = int(min(_GRID_MAX, max(60, math.ceil(span / s * _BINS_PER_S))))
    h = (v_th - lo) / nb_lo                                              # (K,) bin widths
    # subtract reset: a large jump leaves V above v_th after the subtraction, so the grid goes
    # on above threshold (6 increment SDs); zero reset: post-reset states lie below v_th
    nb_hi = 0 if reset == "zero" or ref > 0 else min(int(math.ceil(6.0 * s / float(h.min()))), nb_lo // 2)
    nb = nb_lo + nb_hi
    edges = lo[:, None] + h[:, None] * np.arange(nb + 1)[None, :]        # (K, nb+1), v_th = edge nb_lo
    edges[:, nb_lo] = v_th
    c = 0.5 * (edges[:, 1:] + edges[:, :-1])
    pts = np.concatenate([np.full((K, 1), v_reset), c], axis=1)           # state 0: the reset atom
    n_st = nb + 1 + ref
    mu = beta * pts[:, :, None] + (0.0 if mix is not None else m[:, None, None])   # (K, nb+1, 1); a mixture
    # carries its own mean (m is then only used to place the grid)
    cdf = _mix_cdf(edges[:, None, :], mu, s, mix)                        # (K, nb+1, nb+1)
    P = np.zeros((K, n_st, n_st))
    T = np.diff(cdf[:, :, : nb_lo + 1], axis=2)                          # no spike: V_pre < v_th
    T[:, :, 0] += cdf[:, :, 0]                                           # lower edge reflects (mass ~1e-15)
    P[:, : nb + 1, 1 : nb_lo + 1] = T
    fire = 1.0 - cdf[:, :, nb_lo]                                        # (K, nb+1)
    spike_to = 0 if ref == 0 else nb + ref                               # state index after a spike
    if reset == "zero" or ref > 0:
        P[:, : nb + 1, spike_to] += fire
        R = None
    else:  # subtract theta: V_post = V_pre - theta for V_pre >= v_th
        shifted = np.maximum(edges + theta, v_th)
        cdf2 = _mix_cdf(shifted[:, None, :], mu, s, mix)
        R = np.diff(cdf2, axis=2)
        R[:, :, -1] += 1.0 - cdf2[:, :, -1]                              # beyond the grid: top bin
        P[:, : nb + 1, 1 : nb + 1] += R
    for r in range(ref):                                                 # refractory chain -> reset atom
        i = nb + 1 + r
        P[:, i, 0 if r == 0 else i - 1] = 1.0
    f = np.zeros((K, n_st))
    f[:, : nb + 1] = fire
    # a 1e-12 chance per step of a restart at the reset atom makes every chain irreducible
    # (a collapsed or noise-free chain can otherwise be singular); rates change by ~1e-12
    P *= 1.0 - 1e-12
    P[:, :, 0] += 1e-12
    # stationary distribution: pi (P - I) = 0 with sum pi = 1
    A = np.swapaxes(P, 1, 2) - np.eye(n_st)[None]
    A[:, -1, :] = 1.0
    b = np.zeros((K, n_st, 1))
    b[:, -1, 0] = 1.0
    pi = np.linalg.solve(A, b)[..., 0]
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum(axis=1, keepdims=True)
    p = np.clip(np.einsum("ki,ki->k", pi, f), 0.0, 1.0)   # mixture CDFs can overshoot 1 by rounding
    # post-spike distribution d; sum_k beta_f^k (h(k) - p) from the resolvent of Q = P - 1 pi
    if R is None:
        d = np.zeros((K, n_st))
        d[:, spike_to] = 1.0
    else:
        d = np.einsum("ki,kij->kj", pi[:, : nb + 1], R)
        d = np.concatenate([np.zeros((K, 1)), d, np.zeros((K, ref))], axis=1)
        d /= np.maximum(d.sum(axis=1, keepdims=True), 1e-300)
    Q = P - pi[:, None, :]
    M = np.eye(n_st)[None] - beta_f * Q
    x = np.linalg.solve(M, f[..., None])[..., 0]
    acc = beta_f * (np.einsum("ki,ki->k", d, x) - p)
    F = np.clip(1.0 + 2.0 * acc / np.maximum(1.0 - p, 1e-12), 1e-6, None)
    p = np.where(dead, 0.0, p)
    F = np.where(dead, 1.0, F)
    if want_density:
        pi_v = pi[:, : nb + 1].copy()
        pi_v[:, 0] += pi[:, nb + 1:].sum(axis=1)                          # refractory neurons sit at v_reset
        return p, F, pi_v, pts
    return p, F


_N_HERMITE = 12      # Gauss-Hermite nodes over the neurons' mean drive (quenched heterogeneity)


class _State:
    """Statistics of a layer's output trains that the next layer sees: E[p], E[p^2] across
    neurons and E[p (1-p) F] (the regularity-weighted temporal variance). ``rows`` says the next
    layer's weights are row-standardised (every neuron's weight sum is exactly n w_mean), so
    its mean drives spread by the input rates' variance, not their second moment."""

    __slots__ = ("ep", "ep2", "evf", "rows")

    def __init__(self, ep, ep2, evf, rows=False):
        self.ep, self.ep2, self.evf, self.rows = float(ep), float(ep2), float(evf), bool(rows)

    @classmethod
    def bernoulli(cls, p, rows=False):
        return cls(p, p * p, p * (1.0 - p), rows)

    @property
    def quenched(self):
        """Per-input factor of the variance of the neurons' mean drives, over n g^2 w_std^2:
        E[p^2] for i.i.d. weights, Var(p) for row-standardised ones."""
        return max(self.ep2 - self.ep * self.ep, 0.0) if self.rows else self.ep2

    def scaled(self, e):
        """The state with every rate multiplied by ``e``."""
        return _State(min(e * self.ep, 1.0), min(e * e * self.ep2, 1.0), e * self.evf, self.rows)

    def __repr__(self):
        return f"_State(ep={self.ep:.6g}, ep2={self.ep2:.6g}, evf={self.evf:.6g})"


#: below this input spike probability per step (n E[p] <= 1e-12 for n <= 1000) a layer sees
#: isolated input spikes, and its rate is the sparse limit of :func:`_spikes_per_jump`
_SPARSE = 1e-15


def _rest_potential(chain_kw):
    """Where the membrane sits without input: 0 with a leak, ``v_reset`` without."""
    return 0.0 if chain_kw["beta"] < 1.0 else chain_kw["v_reset"]


def _spikes_per_jump(chain_kw, gain, wm, ws):
    """Output spikes per isolated input spike (jump g W, W ~ N(wm, ws^2)). With a leak the
    membrane has relaxed to rest, so it is P(g W >= v_th); without one the membrane is the
    random walk of the jumps, whose stationary spikes per jump :func:`wiener.firing_probability`
    gives (0 for a walk without positive drift: collapse)."""
    if chain_kw["beta"] == 1.0:
        return float(wiener.firing_probability(gain * wm, gain * abs(ws), v_th=chain_kw["v_th"],
                                               v_reset=chain_kw["v_reset"], reset=chain_kw["reset"]))
    gap = chain_kw["v_th"] - _rest_potential(chain_kw)
    if ws == 0.0:
        return float(gain * wm >= gap)
    return float(special.ndtr((gain * wm - gap) / (gain * abs(ws))))


def _layer_model(chain_kw, gain, n, state: _State, wm, ws, *, n_hermite=_N_HERMITE, want_density=False):
    """Depth model of one layer. Returns (output _State, node rates, node weights, node drives, s),
    and with ``want_density`` also the chain's stationary law ``(pi, pts, mix)`` (None where a
    special case skips the chain)."""
    if state.quenched <= 0.0:   # identical mean drives (row-standardised weights, homogeneous input)
        n_hermite = 1
    x, w = special.roots_hermitenorm(n_hermite)
    w = w / w.sum()
    if state.ep < _SPARSE:
        # isolated input spikes (two in one step: O((n E[p])^2) < 1e-24): each jump g W meets the
        # membrane at rest, so the rate is n E[p] x output spikes per jump; F = 1 (isolated)
        p = np.full(n_hermite, min(n * state.ep * _spikes_per_jump(chain_kw, gain, wm, ws), 1.0))
        zeros = np.zeros(n_hermite)
        res = _State(w @ p, w @ p**2, w @ (p * (1.0 - p)), state.rows), p, w, zeros, 0.0
        return res + (None,) if want_density else res
    m = gain * n * state.ep * wm
    s = gain * math.sqrt(max(n * (ws * ws + wm * wm) * state.evf, 0.0))
    sdm = gain * abs(ws) * math.sqrt(n * state.quenched)
    drives = m + sdm * x
    dens = None
    if s <= 1e-9 * (chain_kw["v_th"] - chain_kw["v_reset"]):
        # (almost) no input fluctuations: the noise-free map per node, regular output (F ~ 0)
        p = np.array([float(discrete.firing_probability(d, 0.0, beta=chain_kw["beta"], v_th=chain_kw["v_th"],
                                                        v_reset=chain_kw["v_reset"], reset=chain_kw["reset"],
                                                        ref_steps=chain_kw["ref"])) for d in drives])
        F = np.full_like(p, 1e-6)
    elif chain_kw["beta"] == 1.0 and chain_kw["reset"] == "subtract" and chain_kw["ref"] == 0:
        # perfect integrator, subtractive reset: charge conservation makes each neuron's long-run
        # rate exactly its mean drive / theta (0 for drive <= 0: collapse), whatever the noise
        # (discrete.firing_probability, limit beta = 1); F does not enter the next layer's rate
        p = np.clip(drives / (chain_kw["v_th"] - chain_kw["v_reset"]), 0.0, 1.0)
        F = np.ones_like(p)
    else:
        mix = _count_mixture(n, state, drives, s, gain, m)
        try:
            if want_density:
                p, F, pi, pts = _grid_chain(m=drives, s=s, mix=mix, want_density=True, **chain_kw)
                dens = (pi, pts, mix)
            else:
                p, F = _grid_chain(m=drives, s=s, mix=mix, **chain_kw)
        except np.linalg.LinAlgError:   # a (nearly) reducible chain: exact rates, Bernoulli regularity
            p = np.array([_node_rate(chain_kw, d, s) for d in drives])
            F = np.ones_like(p)
    out = _State(w @ p, w @ p**2, w @ (p * (1.0 - p) * F), state.rows)
    return (out, p, w, drives, s, dens) if want_density else (out, p, w, drives, s)


#: below this many active inputs per step (n E[p]) the increment is treated as the count
#: mixture (K ~ Binomial(n, E[p]) active inputs, atom at K = 0) instead of a Gaussian: at
#: n p = 2 the Gaussian increment puts layer 1 ~17 % off, at n p = 15 only ~1 % (annealed
#: discrete.layer_rate mixture / gaussian = 0.986), while the mixture costs one kernel per count
#: (about 10x the Gaussian chain at n p = 8)
_MIX_BELOW = 8.0


def _count_mixture(n, state, drives, s, gain, m):
    """(q, c, sc) of the count mixture for few active inputs per step, else None. c_k is a node's
    mean weight (x gain), sc^2 the within-count variance chosen so that the mean node's temporal
    variance equals the depth model's s^2 (which carries the regularity factor F)."""
    lam = n * state.ep
    if lam >= _MIX_BELOW or lam < 1e-2:   # below 0.01 active inputs per step the layer has collapsed
        return None
    from scipy import stats

    j_max = int(stats.binom.isf(1e-11, n, state.ep)) + 1
    q = stats.binom.pmf(np.arange(j_max + 1), n, state.ep)
    c = drives / lam
    cbar = m / lam
    var_k = n * state.ep * (1.0 - state.ep)
    sc2 = (s * s - var_k * cbar * cbar) / lam
    sc = math.sqrt(max(sc2, 1e-6 * s * s / lam))
    return q, c, sc


def _node_rate(kw, d, s):
    """Exact chain rate of one node (discrete.firing_probability); where its grid cannot resolve
    a tiny increment SD, the noise-free rate if the free membrane stays 10 SDs below threshold
    (the noisy rate is then below 1e-23), else the noise-free map."""
    args = dict(beta=kw["beta"], v_th=kw["v_th"], v_reset=kw["v_reset"], reset=kw["reset"], ref_steps=kw["ref"])
    try:
        return float(discrete.firing_probability(d, s, **args))
    except ConvergenceError:
        return float(discrete.firing_probability(d, 0.0, **args))


def _silent_fraction(p_nodes, drives, m, sdm, silent_below):
    """Fraction of neurons (mean drive ~ N(m, sdm^2)) whose rate is below ``silent_below``,
    from log-rate interpolation between the quadrature nodes (rate increases with the drive)."""
    if sdm <= 0.0:
        return float(np.average(p_nodes) < silent_below)
    lp = np.log(np.maximum(p_nodes, 1e-300))
    z = (drives - m) / sdm
    lt = math.log(silent_below)
    if lp[0] >= lt:      # extrapolate below the lowest node
        slope = (lp[1] - lp[0]) / (z[1] - z[0])
        z0 = z[0] - (lp[0] - lt) / slope if slope > 0 else -np.inf
    elif lp[-1] < lt:
        return 1.0
    else:
        k = int(np.argmax(lp >= lt))
        z0 = z[k - 1] + (lt - lp[k - 1]) * (z[k] - z[k - 1]) / (lp[k] - lp[k - 1])
    return float(special.ndtr(z0))


# =============================================================================================
# neuron mapping, surrogates, tolerances
# =============================================================================================

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
_SILENT_BELOW = 1e-4          # spikes/step under which a neuron counts as silent
_ROOT_RTOL = 1e-12            # brentq tolerance in log(rate): round trips far inside 1e-6
_SURROGATE_WIDTH = {"fast_sigmoid": 1.0 / 25.0, "gaussian": 0.3, "triangle": 1.0}


def _chain_params(neuron: LIF) -> dict:
    """Canonical chain (beta, v_th, v_reset, reset, ref) of ``neuron`` (as discrete.layer_rate maps it)."""
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    if neuron.tau_s > 0.0:
        raise ParameterError("the discrete planner needs a delta synapse (tau_s = 0); got tau_s = "
                             f"{neuron.tau_s:g} s (use method='diffusion', which shifts the threshold for tau_s)")
    ref, v_reset = neuron.ref_steps, neuron.v_reset
    if neuron.reset_delay:
        if ref:
            raise ParameterError("reset_delay=True with tau_ref > 0 is not supported by the discrete planner")
        if neuron.reset == "zero":
            ref = 1
        else:
            v_reset = neuron.v_th - neuron.theta / neuron.beta
    return dict(beta=neuron.beta, v_th=neuron.v_th, v_reset=v_reset, reset=neuron.reset, ref=ref)


def surrogate_derivative(x, kind="fast_sigmoid", width=None):
    r"""Surrogate derivative :math:`\sigma'(x)` of the spike nonlinearity at ``x = V - v_th``.

    All three have peak 1 at ``x = 0`` and a width ``width`` in V:

    - ``"fast_sigmoid"`` (SuperSpike, snnTorch ``fast_sigmoid(slope=1/width)``):
      :math:`1/(1+|x|/w)^2`, default ``w = 1/25``;
    - ``"gaussian"``: :math:`\exp(-x^2/(2w^2))`, default ``w = 0.3``;
    - ``"triangle"`` (Bellec et al. 2018 with unit dampening): :math:`\max(0, 1-|x|/w)`, default ``w = 1``.

    Examples
    --------
    >>> float(surrogate_derivative(0.0)), float(surrogate_derivative(0.04))
    (1.0, 0.25)
    >>> float(surrogate_derivative(2.0, "triangle"))
    0.0
    """
    check_choice("surrogate", kind, SURROGATES)
    w = _SURROGATE_WIDTH[kind] if width is None else float(check("w_std", width, label="surrogate width"))
    if w <= 0.0:
        raise ParameterError(f"surrogate width must be > 0 V; got {w!r}")
    x = np.asarray(x, float)
    if kind == "fast_sigmoid":
        out = 1.0 / (1.0 + np.abs(x) / w) ** 2
    elif kind == "gaussian":
        out = np.exp(-0.5 * (x / w) ** 2)
    else:
        out = np.maximum(0.0, 1.0 - np.abs(x) / w)
    return out[()] if out.ndim == 0 else out


def _surrogate_moment(chain_kw, drives, s, weights, kind, width, mix=None, density=None):
    """E over neurons (nodes, weights) and the stationary density of E[sigma'(V_pre - v_th)^2],
    V_pre = beta V + I the value compared with the threshold. Exact cell probabilities of V_pre
    on cells x - v_th = w sinh(u) (fine near the threshold, coarse in the tails where
    sigma'^2 < 1e-9), sigma'^2 at the cell midpoints."""
    w = _SURROGATE_WIDTH[kind] if width is None else width
    beta, v_th = chain_kw["beta"], chain_kw["v_th"]
    if s <= 0.0:
        return 0.0
    if density is None:
        _, _, pi, pts = _grid_chain(m=drives, s=s, want_density=True, mix=mix, **chain_kw)
    else:
        pi, pts = density
    reach = w if kind == "triangle" else (12.0 * w if kind == "gaussian" else 300.0 * w)
    big_u = math.asinh(reach / w)
    du = min(0.05, min(s, w) / w / 4.0)
    u = np.linspace(-big_u, big_u, 2 * int(math.ceil(big_u / du)) + 1)
    xe = v_th + w * np.sinh(u)
    xm = 0.5 * (xe[1:] + xe[:-1])
    g2 = surrogate_derivative(xm - v_th, kind, w) ** 2
    tot = 0.0
    for k in range(drives.size):
        keep = pi[k] > 1e-13
        if mix is None:
            centres = beta * pts[k, keep] + drives[k]
            cdf = special.ndtr((xe[None, :] - centres[:, None]) / s)
        else:
            mk = (mix[0], mix[1][k:k + 1], mix[2])
            cdf = _mix_cdf(xe[None, None, :], beta * pts[k, keep][None, :, None], s, mk)[0]
        cells = pi[k, keep] @ np.diff(cdf, axis=1)
        tot += weights[k] * float(cells @ g2)
    return tot


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
    q = float(wiener.firing_probability(m, s, v_th=neuron.v_th, v_reset=neuron.v_reset,
                                        reset=neuron.reset))
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
        _chain_params(neuron)
    if method == "shotnoise" and (neuron.tau_s > 0.0 or neuron.reset_delay):
        raise ParameterError("method='shotnoise' needs a delta synapse and an immediate reset")


def _log(x):
    return math.log(x) if x > 0.0 else -745.0


def _max_rate(neuron):
    """Supremum of spikes per step of the neuron (one spike per step, or per refractory cycle)."""
    return 1.0 / (1.0 + neuron.ref_steps)


def _solve_increasing(fun, x0, step, target, *, x_min=-math.inf, x_max=math.inf, what, unit, dt, top=None):
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
            root = optimize.brentq(f, lo, hi, xtol=1e-300, rtol=_ROOT_RTOL, maxiter=300)
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

    mean: float
    std: float
    rate: float
    v_mean: float
    v_std: float
    silent_fraction: float
    grad_gain: float
    method: str


@dataclass(frozen=True)
class LayerInit:
    """The plan for one weight matrix of a network (layer ``index`` = 1 .. L).

    ``rate`` is the rate the planner predicts for the layer (Hz; for the baselines the rate they
    lead to), ``input_rate`` what it predicts for the layer's input, ``map_gain`` the slope
    ``d rate / d input_rate`` of the layer map at these weights (< 1: an attracting fixed point),
    ``grad_gain`` the surrogate-gradient variance gain, ``weight_dist`` the law of the weights
    ("normal", or "uniform" for the PyTorch default).
    """

    index: int
    n_in: int
    n_out: int
    w_mean: float
    w_std: float
    input_rate: float
    rate: float
    v_mean: float
    v_std: float
    silent_fraction: float
    grad_gain: float
    map_gain: float
    weight_dist: str = "normal"
    model_w_mean: float = math.nan
    calibrated_rate: float = math.nan

    def sample(self, seed=None) -> np.ndarray:
        """Draw the layer's weight matrix, shape ``(n_out, n_in)`` (the layout of
        ``torch.nn.Linear.weight``), from ``weight_dist`` with the planned mean and SD.

        ``seed`` is anything :func:`numpy.random.default_rng` accepts (or a ``Generator``).
        """
        from ._sim.network import _weights
        from ._sim.stepmap import as_generator

        return _weights(as_generator(seed), (self.n_out, self.n_in), self.w_mean, self.w_std, self.weight_dist,
                        np.float64, fan_in_axis=1)


@dataclass(frozen=True)
class NetworkInit:
    """Per-layer plan of a feed-forward network (one :class:`LayerInit` per weight matrix).

    ``print(plan)`` shows a table; ``plan.w_means``, ``plan.w_stds``, ``plan.rates`` are arrays;
    :meth:`simulate` runs :func:`snntheory.simulate.network` with the plan.
    """

    layers: tuple
    method: str
    widths: tuple
    input_rate: float
    neuron: LIF = field(repr=False)

    @property
    def w_means(self) -> np.ndarray:
        return np.array([l.w_mean for l in self.layers])

    @property
    def w_stds(self) -> np.ndarray:
        return np.array([l.w_std for l in self.layers])

    @property
    def rates(self) -> np.ndarray:
        """Predicted rate of every layer (Hz)."""
        return np.array([l.rate for l in self.layers])

    def simulate(self, *, n_steps, seed=0, burn_in=200, batch=1):
        """Run :func:`snntheory.simulate.network` with these weights (returns its ``NetworkRun``)."""
        from .simulate import network

        dist = self.layers[0].weight_dist
        return network(list(self.widths), self.w_means, self.w_stds, neuron=self.neuron, input_rate=self.input_rate,
                       n_steps=n_steps, seed=seed, burn_in=burn_in, batch=batch, weight_dist=dist)

    def __str__(self) -> str:
        head = (f"NetworkInit(method={self.method!r}, widths={list(self.widths)}, input {self.input_rate:g} Hz, "
                f"beta={self.neuron.beta:g}, reset={self.neuron.reset!r})")
        cols = ("layer", "n_in", "n_out", "w_mean", "w_std", "in Hz", "rate Hz", "V mean", "V sd", "silent",
                "map gain", "grad gain")
        rows = [cols]
        for l in self.layers:
            rows.append((str(l.index), str(l.n_in), str(l.n_out), f"{l.w_mean:.4g}", f"{l.w_std:.4g}",
                         f"{l.input_rate:.4g}", f"{l.rate:.4g}", f"{l.v_mean:.3g}", f"{l.v_std:.3g}",
                         f"{l.silent_fraction:.3f}", f"{l.map_gain:.3f}", f"{l.grad_gain:.3g}"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
        lines = [head] + ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
        return "\n".join(lines)


# =============================================================================================
# one layer: weights_for_rate
# =============================================================================================


def _balance_ratio(neuron, n, p, kappa):
    """w_mean / w_std of the balanced family: free mean = kappa x free SD (beta < 1), or mean
    increment = R_IF x temporal increment SD (beta = 1)."""
    if neuron.beta >= 1.0:
        return R_IF * math.sqrt((1.0 - p) / (n * p))
    s1, s2 = neuron.kernel_sums()
    return kappa * math.sqrt((1.0 - p) * s2 / (n * p)) / s1


def _layer_stats(neuron, n, p_in, wm, ws, n_out, surrogate, width, silent_below, state=None):
    """(v_mean, v_std, silent_fraction, grad_gain) from the depth model's grid chain (quenched)."""
    kw = _chain_params(neuron)
    st = _State.bernoulli(p_in) if state is None else state
    out, p_nodes, w, drives, s, dens = _layer_model(kw, neuron.gain, n, st, wm, ws, want_density=True)
    sdm = neuron.gain * abs(ws) * math.sqrt(n * st.quenched)
    silent = _silent_fraction(p_nodes, drives, float(np.average(drives, weights=w)), sdm, silent_below)
    if s > 0.0:
        if dens is None:   # the model took a special case: solve the chain for the density
            mix = _count_mixture(n, st, drives, s, neuron.gain, neuron.gain * n * st.ep * wm)
            _, _, pi, pts = _grid_chain(m=drives, s=s, want_density=True, mix=mix, **kw)
        else:
            pi, pts, mix = dens
        mean_k = (pi * pts).sum(axis=1)
        var_k = (pi * pts**2).sum(axis=1) - mean_k**2
        v_mean = float(w @ mean_k)
        v_var = float(w @ (var_k + mean_k**2) - v_mean**2)
        e2 = _surrogate_moment(kw, drives, s, w, surrogate, width, mix, density=(pi, pts))
    else:   # isolated or no input: the membrane sits at rest between (rare) jumps
        v_mean, v_var = _rest_potential(kw), 0.0
        e2 = float(surrogate_derivative(v_mean - kw["v_th"], surrogate, width)) ** 2
    grad = n_out * (ws * ws + wm * wm) * e2
    return v_mean, math.sqrt(max(v_var, 0.0)), silent, grad, out


def gradient_gain(*, neuron, n_in, input_rate, w_mean, w_std, n_out=None, surrogate="fast_sigmoid",
                  surrogate_width=None):
    r"""Surrogate-gradient variance gain of a layer,
    :math:`n_\mathrm{out}(\sigma_w^2+\mu_w^2)\,E_P[\sigma'(V-v_\mathrm{th})^2]`.

    ``V = beta V_post + I`` is the pre-reset potential compared with the threshold, averaged
    over the threshold-aware stationary density of the step map and over the neurons' quenched
    mean drives (Bernoulli inputs at ``input_rate``, Gaussian weights). Under the independence
    assumptions of paper-reconstruction §4.4 the gradient variance per step is multiplied by
    this gain from one layer to the layer below, within a time step. ``n_out`` is the width of
    the layer whose membrane ``V`` is (the weight matrix's output), so the gain of weight matrix
    l maps the spike gradient of layer l + 1 to that of layer l.

    **Through time** (backprop through the membrane recursion, as surrogate-gradient training
    does) every layer's gain is multiplied by a temporal factor that does *not* cancel across
    layers: exactly ``1/(1 - beta^2)`` for the top layer with subtractive reset, less with the
    zero reset (the factor ``beta (1 - S)`` cuts the path at spikes), and 1.2–1.9 times the top
    layer's in hidden layers. :func:`snntheory.simulate.backprop_network` measures it
    (``temporal_factor``) and predicts it from the layer's surrogate statistics
    (``temporal_prediction``, within 0.93–1.07); this function returns the within-step gain.

    Notes
    -----
    Dense-grid chain (rate within 0.1–0.6 % of :func:`snntheory.discrete.firing_probability`),
    exact cell probabilities of ``V`` on a sinh grid around ``v_th``. Checked against the
    stationary states of a seeded :func:`snntheory.simulate.run_step_map` run
    (``tests/test_inverse.py``: within 4 Monte Carlo standard errors + 0.5 % for all three
    surrogates), and against numerical backpropagation through the step map
    (:func:`snntheory.simulate.backprop_network`, i.i.d. weights): one layer 0.96–0.99 of this
    gain; in deep plans the top layer 0.98–1.06 and hidden layers 0.96–1.14 for ``beta < 1``,
    1.2–2.4 for ``beta = 1`` (a spike pushes the neurons it feeds towards threshold in the same
    step, a correlation the independence assumption leaves out). The weights are i.i.d. here;
    for row-standardised weights (the plans' default) it reads ~15 % high in layer 1.

    Examples
    --------
    Doubling the fan-out doubles the gain:

    >>> from snntheory import LIF
    >>> kw = dict(neuron=LIF.from_beta(0.9), n_in=100, input_rate=50.0, w_mean=0.0, w_std=0.15)
    >>> g1, g2 = gradient_gain(n_out=100, **kw), gradient_gain(n_out=200, **kw)
    >>> bool(abs(g2 / g1 - 2) < 1e-12)
    True
    """
    n = check_int("n_in", n_in)
    n_out = n if n_out is None else check_int("n_in", n_out)
    p = float(check("input_rate", input_rate)) * neuron.dt
    wm = float(check("w_mean", w_mean))
    ws = float(check("w_std", w_std))
    check_choice("surrogate", surrogate, SURROGATES)
    return _layer_stats(neuron, n, p, wm, ws, n_out, surrogate, surrogate_width, _SILENT_BELOW)[3]


def weights_for_rate(target_rate, *, n_in, input_rate, neuron, method="discrete", w_std=None, kappa=KAPPA,
                     n_out=None, surrogate="fast_sigmoid", surrogate_width=None, silent_below=_SILENT_BELOW):
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
        Surrogate derivative for ``grad_gain`` (see :func:`surrogate_derivative`).
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
    threshold-aware density of the pre-reset potential :math:`V = \beta V_\mathrm{post} + I`
    (paper-reconstruction §4.4; the temporal factor :math:`1-\beta_\mathrm{eff}^2` is left out
    as in the issue's definition).

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
    dt = neuron.dt if isinstance(neuron, LIF) else None
    _chain_params(neuron) if method == "discrete" else None
    if dt is None:
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    _check_method(method, neuron)
    target = float(check("target_rate", target_rate)) * dt
    p_in = float(check("input_rate", input_rate)) * dt
    if p_in > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {p_in:g}")
    n_out = n if n_out is None else check_int("n_in", n_out)
    kappa = float(check("mu", kappa, label="kappa"))
    check_choice("surrogate", surrogate, SURROGATES)
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
        wm, ws = _solve_backward(method, neuron, n, p_in, target, n_out, surrogate, surrogate_width, scale)
    elif w_std is None:
        ratio = _balance_ratio(neuron, n, p_in, kappa)
        lx = _solve_increasing(lambda x: _forward(method, neuron, n, p_in, ratio * math.exp(x), math.exp(x)),
                               math.log(scale), 1.0, target, x_min=math.log(scale) - 60, x_max=math.log(scale) + 30,
                               what=f"method={method!r} along the balanced family kappa={kappa:g}",
                               unit="weight SD from 0 to large", dt=dt)
        ws = math.exp(lx)
        wm = ratio * ws
    else:
        ws = float(check("w_std", w_std))
        wm = _solve_mean(method, neuron, n, p_in, ws, target, scale)
    v_mean, v_std, silent, grad, _ = _layer_stats(neuron, n, p_in, wm, ws, n_out, surrogate, surrogate_width,
                                                  silent_below)
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


def _solve_backward(method, neuron, n, p_in, target, n_out, surrogate, width, scale):
    """(w_mean, w_std) with F = target and grad_gain = 1 (outer bracket on log w_std)."""
    cache = {}

    def gain_minus_one(lx):
        ws = math.exp(lx)
        wm = _solve_mean(method, neuron, n, p_in, ws, target, scale)
        g = _layer_stats(neuron, n, p_in, wm, ws, n_out, surrogate, width, _SILENT_BELOW)[3]
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

    Examples
    --------
    >>> from snntheory import LIF
    >>> baseline_weights("kaiming", n_in=200, n_out=100, neuron=LIF.from_beta(0.9), input_rate=10.0)[1] ** 2 * 200
    2.0000000000000004
    """
    check_choice("baseline", name, BASELINES)
    n = check_int("n_in", n_in)
    n2 = check_int("n_in", n_out)
    if name == "kaiming":
        return 0.0, math.sqrt(2.0 / n), "normal"
    if name == "glorot":
        return 0.0, math.sqrt(2.0 / (n + n2)), "normal"
    if name == "pytorch":
        return 0.0, 1.0 / math.sqrt(3.0 * n), "uniform"
    p = float(check("input_rate", input_rate)) * neuron.dt
    if neuron.beta >= 1.0:
        raise ParameterError("the fluctuation-driven baseline needs beta < 1 (the free membrane variance of a "
                             "perfect integrator is unbounded)")
    if p <= 0.0:
        raise ParameterError("the fluctuation-driven baseline needs input_rate > 0 Hz")
    _, s2 = neuron.kernel_sums()
    sigma_u = neuron.v_th / float(check("xi", xi, domain=_POSITIVE, label="xi"))
    return 0.0, sigma_u / math.sqrt(n * p * s2), "normal"


from ._validate import Domain as _Domain  # noqa: E402

_POSITIVE = _Domain(low=0.0, low_open=True)


# =============================================================================================
# whole networks
# =============================================================================================


def _map_gain(kw, gain, n, state, wm, ws, eps=0.05):
    """Slope d E[p_out] / d E[p_in] of the depth model at fixed weights, the input statistics
    scaled with the mean rate (central difference, +-5 %)."""
    if state.ep <= 0.0:
        return 0.0
    up, dn = state.scaled(1 + eps), state.scaled(1 - eps)
    a = _layer_model(kw, gain, n, up, wm, ws)[0].ep
    b = _layer_model(kw, gain, n, dn, wm, ws)[0].ep
    return (a - b) / (2 * eps * state.ep)


def init_network(widths, *, neuron, input_rate, target_rate=None, method="discrete", w_std=None, kappa=KAPPA,
                 surrogate="fast_sigmoid", surrogate_width=None, xi=1.0, map_gain=True,
                 silent_below=_SILENT_BELOW, weight_dist="rows", calibrate=None, calibrate_steps=None,
                 calibrate_batch=None, calibrate_seed=20260, calibration_input=None) -> NetworkInit:
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
        or a baseline ``"kaiming"``, ``"glorot"``, ``"pytorch"``, ``"fluctuation"`` (weights
        from :func:`baseline_weights`; ``rate`` is what the depth model predicts they do).
    w_std : None, float, sequence or "backward", keyword-only
        As in :func:`weights_for_rate` (per layer if a sequence).
    kappa : float, keyword-only
        Balance of the default (``w_std=None``) family: free mean = kappa x free SD.
    surrogate, surrogate_width : keyword-only
        For the gradient gain (see :func:`surrogate_derivative`).
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
        (:func:`snntheory.simulate.calibrate_means`). ``None``: on for ``method="discrete"``,
        except for the perfect integrator with subtractive reset, where the model is exact.
    calibrate_steps, calibrate_batch, calibrate_seed : keyword-only
        Recorded steps (``None``: 400, or 2000 for ``beta = 1``), parallel input realisations
        (``None``: about 3200 x 400 neuron-steps per layer, at least 2 realisations) and seed of
        that simulation.
    calibration_input : array of shape (T, B, widths[0]) or None, keyword-only
        Real input spike trains (e.g. B encoded training samples of T steps) to calibrate on:
        every trial starts from ``v_reset`` and the rates are measured over all T steps, so the
        plan meets the targets on *this* input (heterogeneous, correlated, transient) rather
        than on stationary independent Bernoulli input at ``input_rate``. Implies calibration.

    Returns
    -------
    NetworkInit

    Raises
    ------
    ParameterError, NoSolutionError
        As :func:`weights_for_rate`.

    Notes
    -----
    **Depth model** (``method="discrete"``). A layer's output is summarised for the next layer
    by :math:`E[p]`, :math:`E[p^2]` (across neurons) and :math:`E[p(1-p)F]`, where
    :math:`F = [C(0) + 2\sum_{k\ge1}\beta^k C(k)]/C(0)` is the regularity factor of a neuron's
    spike train (C its autocovariance, from the chain's post-spike evolution; F < 1 for regular
    mean-driven trains). Neuron i of the next layer then has mean drive
    :math:`g\,p\sum_j W_{ij}\sim N(g n E[p]\mu_w,\ g^2 n\sigma_w^2E[p^2])` (quenched) and temporal
    increment variance :math:`g^2 n(\sigma_w^2+\mu_w^2)E[p(1-p)F]` (matching the variance of
    the filtered input), and its rate is the step-map chain's at these values, averaged over
    the drive with 12 Gauss–Hermite nodes. Each layer's weights are solved on this model by
    bracketing + Brent, so the model's predicted rate equals the target to ~1e-10.

    When few inputs are active per step (``n E[p] < 8``) the increment is the count mixture
    (K ~ Binomial(n, E[p]) active inputs, an atom at K = 0) instead of a Gaussian; the first
    layer then matches :func:`snntheory.discrete.quenched_layer` to 0.1–0.3 %.

    **Default weights** (``w_std=None``): the balanced family ``free mean = kappa x free SD``
    with kappa = -1.25 (inhibition-dominated, fluctuation-driven), so that the layer map is
    flatter. Where the family cannot reach the target before the free SD exceeds
    ``SIGMA_V_MAX`` = 2 theta (its rate saturates there), kappa moves up to 0, 1, 2, 4. For
    ``beta = 1`` the mean increment is R_IF = 1 temporal SD.

    **Weight law.** With row-standardised weights (the default ``weight_dist="rows"``) every
    neuron of a layer has the same weight sum, so in the model the mean drives spread only by
    the variance of the input rates (zero in layer 1); with i.i.d. weights by their second
    moment. Row standardisation removes the finite-width scatter of the population rate that
    made single weight draws 10–35 % off at width 100 (the i.i.d. table below).

    **Calibration** (default for leaky neurons): the model's remaining errors — the temporal
    structure of non-Bernoulli input trains beyond their variance, and cross-neuron
    correlations from shared inputs — are removed by one layer-by-layer pass of a seeded
    simulation that moves each layer's mean (SD kept) until its simulated population rate is
    the target (:func:`snntheory.simulate.calibrate_means`; 400 steps x 3200 neurons per layer,
    9 candidate means per layer; 2000 steps for the slowly mixing perfect integrator). The corrections are small: 0.1–1 % of the weight SD in
    mean-driven layers, up to 4–12 % of it at 1 % input per step. ``LayerInit.model_w_mean``
    keeps the model's uncalibrated mean, ``calibrated_rate`` the rate measured there.

    **Measured accuracy** against :func:`snntheory.simulate.network` (10 layers of equal width,
    target = input rate, weight and input seeds 0, 1, 2, none equal to the calibration's;
    ``max(2000, 100 / p_in)`` recorded steps so the simulation's own sampling error stays near
    1–2 % per layer, after 300 steps of burn-in, 10000 for ``beta = 1``, whose start-up
    transient lasts thousands of steps at low rates; ``benchmarks/bench_init.py --grid``).
    Worst |simulated/target - 1| over the 10 layers, per seed:

    =====  ====  ========  =====  ========================  ===============
    width  beta  reset     p_in   worst error, seeds 0/1/2  seed-mean range
    =====  ====  ========  =====  ========================  ===============
    100    0.95  zero      0.05   0.079, 0.059, 0.029       0.95 .. 1.01
    100    0.80  subtract  0.30   0.033, 0.032, 0.032       0.98 .. 1.01
    200    0.90  zero      0.01   0.032, 0.068, 0.045       0.99 .. 1.05
    200    1.00  subtract  0.05   0.006, 0.006, 0.005       1.00 .. 1.00
    300    1.00  zero      0.05   0.027, 0.011, 0.032       0.99 .. 1.02
    300    0.95  subtract  0.10   0.065, 0.038, 0.052       0.95 .. 1.00
    1000   0.95  zero      0.05   0.019, 0.012, 0.019       0.99 .. 1.00
    1000   0.80  zero      0.01   0.019, 0.031, 0.028       0.97 .. 1.02
    500    0.90  subtract  0.30   0.007, 0.023, 0.017       1.00 .. 1.02
    100    1.00  zero      0.30   0.005, 0.007, 0.011       1.00 .. 1.01
    100    0.80  zero      0.01   0.049, 0.041, 0.042       0.97 .. 1.01
    1000   1.00  subtract  0.01   0.001, 0.006, 0.006       1.00 .. 1.00
    =====  ====  ========  =====  ========================  ===============

    Previous plan (i.i.d. weights, no calibration), first nine rows, seeds 0 and 1: 0.34/0.32,
    0.10/0.20, 0.57/0.54, 0.05/0.08, 0.16/0.21, 0.23/0.17, 0.18/0.14, 0.32/0.31, 0.12/0.14.

    Remaining error: at most 8 % in any layer of any draw (width 100, 5 % input); the seed-mean
    drifts by up to 5 % by layer 10 at widths 100–300. Sources: the calibration's own sampling
    noise (about 0.5 % per layer), common to every later weight draw and passed on through map
    slopes of 0.9–1; and draw-to-draw differences the row standardisation leaves (the shape of
    each neuron's weight vector matters when one or two inputs are active per step). The
    perfect integrator with subtractive reset is not calibrated (the model is exact by charge
    conservation); measured with only 300 steps of burn-in, its deep layers show the start-up
    charge deficit (10 % by layer 10 at 1 % input over 2000 steps). With the zero reset its map
    is nearly neutral (slope 0.97–0.99) and it mixes slowly: a 400-step calibration mistook
    the transient for the stationary rate and deep layers ran away (2.6x), hence 2000 steps.

    Examples
    --------
    >>> from snntheory import LIF
    >>> plan = init_network([300, 300, 300], neuron=LIF.from_beta(0.9), input_rate=50.0, map_gain=False)
    >>> [round(float(r), 6) for r in plan.rates]  # the depth model holds the input rate exactly
    [50.0, 50.0]
    """
    widths, rate0 = _check_network(widths, neuron, input_rate)
    L, dt = len(widths) - 1, neuron.dt
    p0 = rate0 * dt
    targets = np.broadcast_to(check("target_rate", rate0 if target_rate is None else target_rate), (L,)).astype(float)
    if isinstance(w_std, str):
        check_choice("w_std", w_std, ("backward",))
        stds = [w_std] * L
    elif w_std is None:
        stds = [None] * L
    else:
        stds = list(np.broadcast_to(check("w_std", w_std), (L,)).astype(float))
    check_choice("method", method, METHODS + BASELINES)
    check_choice("surrogate", surrogate, SURROGATES)
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    exact = neuron.beta == 1.0 and neuron.reset == "subtract" and neuron.ref_steps == 0   # rate = drive / theta
    if calibrate is None:
        calibrate = calibration_input is not None or (method == "discrete" and not exact)
    calibrate = bool(calibrate)
    # the perfect integrator mixes slowly (no leak): a short calibration window mistook its
    # transient for the stationary rate and deep layers ran away (2.6x at 400 steps, 2 % at 2000)
    steps = (400 if neuron.beta < 1.0 else 2000) if calibrate_steps is None else calibrate_steps
    if calibrate and method in BASELINES:
        raise ParameterError(f"calibrate applies to the planned methods {METHODS}, not to the baseline {method!r}")
    rows_law = weight_dist == "rows" and method not in BASELINES
    kw = _chain_params(neuron)
    g = neuron.gain

    kap = [kappa]

    def choose(l, n, n_out, state, rows):
        """(w_mean, w_std, weight law) of layer l given its input state."""
        if method in BASELINES:
            return baseline_weights(method, n_in=n, n_out=n_out, neuron=neuron, input_rate=rate0, xi=xi)
        if method == "discrete":
            hint = (rows[-1][3], kap[0]) if rows and widths[l] == widths[l - 1] else None
            wm, ws, kap[0] = _solve_depth_layer(kw, g, n, state, targets[l] * dt, stds[l], kappa, neuron, n_out,
                                                surrogate, surrogate_width, hint=hint)
            return wm, ws, weight_dist
        p_in = state.ep if l == 0 else targets[l - 1] * dt
        res = weights_for_rate(targets[l], n_in=n, input_rate=p_in / dt, neuron=neuron, method=method,
                               w_std=stds[l], kappa=kappa, n_out=n_out, surrogate=surrogate,
                               surrogate_width=surrogate_width)
        return res.mean, res.std, weight_dist

    stats_kw = dict(surrogate=surrogate, width=surrogate_width, silent_below=silent_below)
    rows = _propagate(widths, neuron, _State.bernoulli(p0, rows_law), choose, stats_kw)
    model_means = [r[2] for r in rows]
    cal_rates = [math.nan] * L
    if calibrate:
        cal = calibrate_means(widths, model_means, [r[3] for r in rows], targets, neuron=neuron, input_rate=rate0,
                              n_steps=check_int("n_steps", steps),
                              batch=None if calibrate_batch is None else check_int("n_in", calibrate_batch),
                              seed=calibrate_seed, weight_dist=weight_dist, input_spikes=calibration_input,
                              **({} if calibration_input is None else dict(burn_in=0)))
        # statistics at the calibrated means (the input state stays the model's, at the target rate)
        rows = [(n, n_out, float(m), ws, dist, state,
                 _layer_stats(neuron, n, state.ep, float(m), ws, n_out, state=state, **stats_kw))
                for (n, n_out, _, ws, dist, state, _), m in zip(rows, cal.w_means)]
        cal_rates = list(cal.rates)
    if method == "discrete":
        rates = targets
    elif method in ("diffusion", "shotnoise", "wiener"):
        rates = [_forward(method, neuron, r[0], (r[5].ep if l == 0 else targets[l - 1] * dt), r[2], r[3]) / dt
                 for l, r in enumerate(rows)]
    else:
        rates = None
    return _network_init(rows, method, widths, rate0, neuron, map_gain, rates=rates, model_means=model_means,
                         cal_rates=cal_rates)


def _check_network(widths, neuron, input_rate):
    """Validated ``(widths as a tuple, input rate in Hz)`` of a network plan or prediction."""
    widths = tuple(check_int("n_in", w) for w in widths)
    if len(widths) < 2:
        raise ParameterError(f"widths must list at least two layers (input first); got {list(widths)!r}")
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    rate0 = float(check("input_rate", input_rate))
    if rate0 * neuron.dt > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {rate0 * neuron.dt:g}")
    return widths, rate0


def _propagate(widths, neuron, state, choose, stats_kw):
    """Walk the depth model through the layers: ``choose(l, n, n_out, state, rows)`` gives each
    layer's (w_mean, w_std, law); one model evaluation per layer gives this layer's statistics and
    the next layer's input state. Rows: (n, n_out, w_mean, w_std, law, input state, statistics)."""
    rows = []
    for l in range(len(widths) - 1):
        n, n_out = widths[l], widths[l + 1]
        wm, ws, dist = choose(l, n, n_out, state, rows)
        stats = _layer_stats(neuron, n, state.ep, wm, ws, n_out, state=state, **stats_kw)
        rows.append((n, n_out, wm, ws, dist, state, stats))
        state = stats[4]
    return rows


def _network_init(rows, method, widths, rate0, neuron, map_gain, *, rates=None, model_means=None, cal_rates=None):
    """The NetworkInit of propagated rows; ``rates`` overrides the model's output rates (Hz)."""
    kw, g, dt = _chain_params(neuron), neuron.gain, neuron.dt
    layers = []
    for l, (n, n_out, wm, ws, dist, state, stats) in enumerate(rows):
        v_mean, v_std, silent, grad, out = stats
        slope = _map_gain(kw, g, n, state, wm, ws) if map_gain else math.nan
        rate = out.ep / dt if rates is None else rates[l]
        layers.append(LayerInit(l + 1, n, n_out, float(wm), float(ws), state.ep / dt, float(rate), v_mean, v_std,
                                silent, float(grad), float(slope), dist,
                                float(wm if model_means is None else model_means[l]),
                                math.nan if cal_rates is None else float(cal_rates[l])))
    return NetworkInit(tuple(layers), method, tuple(widths), rate0, neuron)


def predict_network(widths, w_means, w_stds, *, neuron, input_rate, weight_dist="normal", surrogate="fast_sigmoid",
                    surrogate_width=None, map_gain=False, silent_below=_SILENT_BELOW) -> NetworkInit:
    r"""What given weights do to a deep network: the depth model's prediction, no solve.

    The forward model of :func:`init_network` (see its Notes) evaluated at the weights you give,
    layer by layer: each layer's rate, membrane mean and SD, silent fraction, gradient gain and
    (with ``map_gain``) map slope. ``method`` of the result is ``"given"``.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first.
    w_means, w_stds : float or sequence of float
        Weight mean and SD per weight matrix (V; a scalar for every layer).
    neuron : LIF, keyword-only
        The neuron of every layer (delta synapse).
    input_rate : float, keyword-only
        Rate of the Bernoulli input layer (Hz).
    weight_dist : {"normal", "uniform", "rows"}, keyword-only
        Law of the weights: i.i.d. (``"normal"``, ``"uniform"``: the model uses their mean and SD)
        or row-standardised.
    surrogate, surrogate_width, map_gain, silent_below : keyword-only
        As in :func:`init_network`.

    Returns
    -------
    NetworkInit

    Examples
    --------
    Kaiming's weights in a leaky network: the predicted rates fall layer after layer.

    >>> from snntheory import LIF
    >>> pred = predict_network([200] * 6, 0.0, (2 / 200) ** 0.5, neuron=LIF.from_beta(0.95), input_rate=50.0)
    >>> bool(all(a > b for a, b in zip(pred.rates, pred.rates[1:])))
    True
    """
    widths, rate0 = _check_network(widths, neuron, input_rate)
    L = len(widths) - 1
    wms = np.broadcast_to(check("w_mean", w_means), (L,)).astype(float)
    wss = np.broadcast_to(check("w_std", w_stds), (L,)).astype(float)
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    check_choice("surrogate", surrogate, SURROGATES)
    stats_kw = dict(surrogate=surrogate, width=surrogate_width, silent_below=silent_below)
    rows = _propagate(widths, neuron, _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows"),
                      lambda l, *_: (wms[l], wss[l], weight_dist), stats_kw)
    return _network_init(rows, "given", widths, rate0, neuron, map_gain)


def _solve_depth_layer(kw, g, n, state, target, w_std, kappa, neuron, n_out, surrogate, width, hint=None):
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

    def solve_mean(ws):
        d = 0.05 * neuron.theta / (n * state.ep)
        return _solve_increasing(lambda x: rate(x, ws), 0.0, d, target, what=f"the depth model with w_std={ws:g} V",
                                 unit="weight mean on the rising branch", dt=dt, top=_max_rate(neuron))

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
    if w_std == "backward":
        cache = {}

        def grad_of(x):
            ws = math.exp(x)
            wm = solve_mean(ws)
            gr = _layer_stats(neuron, n, state.ep, wm, ws, n_out, surrogate, width, _SILENT_BELOW, state=state)[3]
            cache[x] = wm
            return gr

        x0 = math.log(scale)
        lx = _solve_increasing(grad_of, x0, 1.0, 1.0, x_min=x0 - 20, x_max=x0 + 10,
                               what="the backward condition grad_gain = 1", unit="gradient gain", dt=1.0)
        if lx not in cache:
            grad_of(lx)
        return cache[lx], math.exp(lx), kappa
    return solve_mean(float(w_std)), float(w_std), kappa

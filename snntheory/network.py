r"""Forward model of a deep feed-forward SNN (``snntheory.network``).

What given weights do to a network of discrete-time LIF neurons, layer after layer: each
layer's firing rate, post-reset membrane mean and SD, silent fraction, the slope of its layer
map, and the surrogate-gradient gain. :func:`predict_network` evaluates it at weights you
give; :func:`snntheory.inverse.init_network` solves it for weights that give target rates and
reports what it predicts at the weights it returns (the same :class:`NetworkInit`).

**The depth model.** A layer's output is summarised for the next layer by :math:`E[p]`,
:math:`E[p^2]` (across neurons) and :math:`E[p(1-p)F]`, where
:math:`F = [C(0) + 2\sum_{k\ge1}\beta^k C(k)]/C(0)` is the regularity factor of a neuron's
spike train (:func:`snntheory.discrete.grid_chain`; F < 1 for regular mean-driven trains).
Neuron i of the next layer has mean drive :math:`g\,\sum_j W_{ij} p_j \sim N(g n E[p]\mu_w,\
g^2 n\sigma_w^2 E[p^2])` across neurons (quenched; with row-standardised weights the spread is
:math:`\mathrm{Var}(p)` instead of :math:`E[p^2]`) and temporal increment variance
:math:`g^2 n(\sigma_w^2+\mu_w^2)E[p(1-p)F]`; its rate is the step-map chain's at these values,
averaged over the drive with 12 Gauss–Hermite nodes (:func:`snntheory._special.normal_nodes`,
the one rule behind every quenched average in the package). With few active inputs per step
(``n E[p] < 8``) the increment is the count mixture (K ~ Binomial(n, E[p]) active inputs)
instead of a Gaussian (the mixture costs 15-25x more). Above, the Gaussian leaves out the
count's skew, which matters where the rate is set by the increment's upper tail, i.e. by large
single weights against a drive far below threshold: at w_std = 0.555, w_mean = -0.157 (V, against
a 1 V threshold), beta = 0.8 with subtract reset, layer 1 fires 2.01 Hz where simulation gives
1.51 +- 0.09 (n E[p] = 11; +30 % at 8.1, +42 % at 20). Accuracy against simulation is measured by
``benchmarks/bench_init.py`` (``benchmarks/results/init.md``).

Assumptions: independent, stationary input trains (no cross-neuron correlations), a delta
synapse (``tau_s = 0``), Gaussian (or uniform, by its moments) weights.
"""

from __future__ import annotations

import html
import math
import warnings
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from scipy import fft as sfft, optimize, sparse, special

from ._display import html_table as _html_table, result_repr as _result_repr, text_table as _text_table
from . import discrete, surrogate as _surrogate, wiener
from ._sim.network import WEIGHT_DISTS, draw_weights
from ._sim.network import network as _simulate_network
from ._sim.replica import CORR_DOMAIN
from ._sim.stepmap import as_generator
from ._special import gauss_legendre, normal_nodes, one_blas_thread
from ._validate import (Domain, broadcast, check, check_bool, check_choice, check_count, check_int, check_scalar,
                        check_per_layer, check_widths)
from .errors import ApproximationWarning, ConvergenceError, NoSolutionError, ParameterError
from .neuron import LIF

__all__ = ["LayerInit", "NetworkInit", "predict_network", "gradient_gain", "SILENT_BELOW"]
__all__ += ["BPTTGain", "bptt_gain"]
__all__ += ["predict_transient", "NetworkTransient", "sample_membrane"]
__all__ += ["CorrelationMap", "correlation_map", "correlation_fixed_point", "correlation_depth"]
__all__ += ["PhaseDiagram", "phase_diagram", "TRAINABILITY_ROUTES"]

#: spikes per step under which a neuron counts as silent
SILENT_BELOW = 1e-4
#: Gauss-Hermite nodes over the neurons' mean drive (quenched heterogeneity)
_N_HERMITE = 12
#: Gauss-Hermite nodes and grid bins of the per-step network transient (each step builds its
#: own transition matrix: nodes x bins^2 normal CDFs)
_N_HERMITE_TRANSIENT = 8
_GRID_TRANSIENT = 200
#: per-step input statistics within this relative change of the previous step's reuse its
#: transition matrix (a rate change of 1e-6 is far below the grid's 0.1-0.6 %)
_SAME_STEP = 1e-6
#: below this input spike probability per step (n E[p] <= 1e-12 for n <= 1000) a layer sees
#: isolated input spikes, and its rate is the sparse limit of :func:`_spikes_per_jump`
_SPARSE = 1e-15
#: below this many active inputs per step (n E[p]) the increment is the count mixture instead
#: of a Gaussian: at n p = 2 the Gaussian increment puts layer 1 ~17 % off, at n p = 15 ~1 %
#: (typical weights; up to +42 % where large single weights set the rate by the tail: module
#: docstring)
_MIX_BELOW = 8.0
#: cell width, in u of x - v_th = w sinh(u), of the surrogate-moment integral (:func:`_smoothed_g2`)
_DU_SURROGATE = 0.025
#: Half-width (in SDs) of the cells around a state that _smoothed_g2 integrates by partial moments.
_Z_SUPPORT = 10.0
#: exp(-z^2 / 2) and the normal tail are 0.0 in double precision beyond this many SDs.
_Z_UNDERFLOW = discrete._Z_EXP_ZERO
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_PI = math.sqrt(2.0 / math.pi)
_SQRT2 = math.sqrt(2.0)


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


def _rest_potential(cp):
    """Where the membrane sits without input: 0 with a leak, ``v_reset`` without."""
    return 0.0 if cp.beta < 1.0 else cp.v_reset


def _climbing(cp, drives):
    """Nodes whose membrane has no stationary law: beta = 1, the subtract reset and no refractory
    period with a mean drive >= v_th - v_reset (the neuron fires at every step and V climbs by the
    difference each step; the rate, 1 per step, is exact). Their membrane mean and SD are inf and
    their surrogate derivative 0; the chain's grid would only show where it ends."""
    if cp.beta == 1.0 and cp.reset == "subtract" and cp.ref_steps == 0:
        return np.asarray(drives) >= cp.v_th - cp.v_reset
    return np.zeros(np.shape(drives), bool)


def _spikes_per_jump(cp, gain, wm, ws):
    """Output spikes per isolated input spike (jump g W, W ~ N(wm, ws^2)). With a leak the
    membrane has relaxed to rest, so it is P(g W >= v_th); without one the membrane is the
    random walk of the jumps, whose stationary spikes per jump :func:`wiener.firing_probability`
    gives (0 for a walk without positive drift: collapse)."""
    if cp.beta == 1.0:
        return float(wiener.firing_probability(gain * wm, gain * abs(ws), v_th=cp.v_th, v_reset=cp.v_reset,
                                               reset=cp.reset))
    gap = cp.v_th - _rest_potential(cp)
    if ws == 0.0:
        return float(gain * wm >= gap)
    return float(special.ndtr((gain * wm - gap) / (gain * abs(ws))))


def _count_mixture(n, state, drives, s, m):
    """The count mixture for few active inputs per step, else None. c_k is a node's mean weight
    (x gain), sc^2 the within-count variance chosen so that the mean node's temporal variance
    equals the depth model's s^2 (which carries the regularity factor F)."""
    lam = n * state.ep
    if lam >= _MIX_BELOW or lam < 1e-2:   # below 0.01 active inputs per step the layer has collapsed
        return None
    j = np.arange(n + 1)    # Binomial(n, E[p]) pmf up to one count past its 1e-11 upper tail
    q = np.exp(special.gammaln(n + 1) - special.gammaln(j + 1) - special.gammaln(n - j + 1)
               + j * math.log(state.ep) + (n - j) * math.log1p(-state.ep))
    q = q[: int(np.count_nonzero(np.cumsum(q) < 1.0 - 1e-11)) + 2]
    # the counts the mixture's evaluations skip, dropped and the rest normalised (their mass, up
    # to ~3e-12, had counted as a spike at every step: a floor of ~3e-9 Hz in layers that cannot fire)
    q = np.where(q >= discrete.COUNT_SKIP, q, 0.0)
    q /= q.sum()
    c = drives / lam
    cbar = m / lam
    var_k = n * state.ep * (1.0 - state.ep)
    sc2 = (s * s - var_k * cbar * cbar) / lam
    sc = math.sqrt(max(sc2, 1e-6 * s * s / lam))
    return discrete.CountMixture(q, c, sc)


def _node_rate(cp, d, s):
    """Exact chain rate of one node (discrete.firing_probability); where its grid cannot resolve
    a tiny increment SD, the noise-free rate if the free membrane stays 10 SDs below threshold
    (the noisy rate is then below 1e-23), else the noise-free map."""
    args = cp._asdict()
    try:
        return float(discrete.firing_probability(d, s, **args))
    except ConvergenceError:
        return float(discrete.firing_probability(d, 0.0, **args))


def _drive_stats(gain, n, ep, evf, quenched, wm, ws):
    """Per-step drive of a layer's neurons from its input statistics (scalars or arrays):
    ``(m, s, sdm)`` = the mean drive, the temporal SD of the drive, and the SD of the neurons'
    mean drives across the layer (quenched weights)."""
    m = gain * n * ep * wm
    s = gain * np.sqrt(np.maximum(n * (ws * ws + wm * wm) * evf, 0.0))
    sdm = gain * abs(ws) * np.sqrt(n * quenched)
    return m, s, sdm


class _UnresolvedLayer(ConvergenceError):
    """grid_chain refused a layer of the depth model (its cost limit); :func:`_propagate` names
    the layer and what the calling function can change."""


def _layer_chain(cp, n, state, wm, ws, drives, s, mix, density):
    """:func:`discrete.grid_chain` for a layer's drive nodes; its refusal of a nearly undamped walk
    re-raised in the network's terms (the neuron's beta, the layer's weights and input)."""
    try:
        return discrete.grid_chain(drives, s, counts=mix, density=density, **cp._asdict())
    except ConvergenceError as e:
        if not str(e).startswith("grid_chain"):
            raise
        raise _UnresolvedLayer(
            f"the depth model cannot resolve this layer within its cost limit (_validate.COST_LIMITS): with "
            f"beta = {cp.beta!r}, n_in = {n}, {state.ep:.4g} input spikes per step per input, w_mean = {wm:.4g} V "
            f"and w_std = {ws:.4g} V, neurons with mean drive {float(np.min(drives)):.3g}..{float(np.max(drives)):.3g} "
            f"V/step and temporal SD {s:.3g} V/step are nearly undamped walks with (almost) no drift at the reset, "
            "whose excursions below it span hundreds of SDs (the model's 400-bin grid cannot resolve them)") from None


def _layer_model(cp, gain, n, state: _State, wm, ws, *, n_hermite=_N_HERMITE, want_density=False):
    """Depth model of one layer. Returns (output _State, node rates, node weights, node drives, s),
    and with ``want_density`` also the chain's stationary law ``(pi, states, mixture)`` (None
    where a special case skips the chain)."""
    if state.ep < _SPARSE:
        # isolated input spikes (two in one step: O((n E[p])^2) < 1e-24): each jump g W meets the
        # membrane at rest, so the rate is n E[p] x output spikes per jump; F = 1 (isolated)
        _, w = normal_nodes(0.0, 0.0, 1 if state.quenched <= 0.0 else n_hermite)
        p = np.full(w.size, min(n * state.ep * _spikes_per_jump(cp, gain, wm, ws), 1.0))
        res = _State(w @ p, w @ p**2, w @ (p * (1.0 - p)), state.rows), p, w, np.zeros(w.size), 0.0
        return res + (None,) if want_density else res
    m, s, sdm = (float(x) for x in _drive_stats(gain, n, state.ep, state.evf, state.quenched, wm, ws))
    # identical mean drives (row-standardised weights, homogeneous input): one node
    drives, w = normal_nodes(m, sdm, 1 if state.quenched <= 0.0 else n_hermite)
    dens = None
    if s <= 1e-9 * (cp.v_th - cp.v_reset):
        # (almost) no input fluctuations: the noise-free map per node, regular output (F ~ 0)
        p = np.array([float(discrete.firing_probability(d, 0.0, **cp._asdict())) for d in drives])
        F = np.full_like(p, 1e-6)
    elif cp.beta == 1.0 and cp.reset == "subtract" and cp.ref_steps == 0:
        # perfect integrator, subtractive reset: charge conservation makes each neuron's long-run
        # rate exactly its mean drive / theta (0 for drive <= 0: collapse), whatever the noise
        p = np.clip(drives / (cp.v_th - cp.v_reset), 0.0, 1.0)
        F = np.ones_like(p)
    else:
        mix = _count_mixture(n, state, drives, s, m)
        try:
            ch = _layer_chain(cp, n, state, wm, ws, drives, s, mix, want_density)
            p, F = ch.rate, ch.regularity
            dens = (ch.pi, ch.states, mix) if want_density else None
        except np.linalg.LinAlgError:   # a (nearly) reducible chain: exact rates, Bernoulli regularity
            p = np.array([_node_rate(cp, d, s) for d in drives])
            F = np.ones_like(p)
    out = _State(w @ p, w @ p**2, w @ (p * (1.0 - p) * F), state.rows)
    return (out, p, w, drives, s, dens) if want_density else (out, p, w, drives, s)


def _rate_onset(cp):
    """The drive at and below which a neuron's stationary rate is exactly 0: 0 for a perfect
    integrator (no lower bound in the depth model), None (no such drive) with a leak."""
    return 0.0 if cp.beta == 1.0 else None


def _silent_fraction(p_nodes, drives, m, sdm, silent_below, onset=None):
    """Fraction of neurons (mean drive ~ N(m, sdm^2)) whose rate is below ``silent_below``,
    from log-rate interpolation between the quadrature nodes (rate increases with the drive).
    ``onset``: the drive at and below which the rate is exactly 0 (a perfect integrator: 0),
    above which it rises linearly (p = d / (theta + overshoot), Wald); between a node of rate 0
    and the next the crossing is interpolated on that line (the log-rate interpolation put it
    near the upper node: 0.668 where simulation gives 0.32, beta = 1, a drive of mean 0)."""
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
        if onset is not None and p_nodes[k - 1] <= 0.0 and drives[k] > onset:
            d_on = max(onset, float(drives[k - 1]))
            z0 = (d_on + silent_below / p_nodes[k] * (drives[k] - d_on) - m) / sdm
        else:
            z0 = z[k - 1] + (lt - lp[k - 1]) * (z[k] - z[k - 1]) / (lp[k] - lp[k - 1])
    return float(special.ndtr(z0))


#: states per group of similar window widths in :func:`_smoothed_g2`'s partial-moment cells
_G2_GROUP = 256


class _G2Cells:
    """sigma'^2 tabulated on the cells of :func:`_smoothed_g2`: fine cells (edges ``xe``) for the
    partial-moment rule and the coarse cells of 4 fine ones for 3-point Gauss-Legendre."""

    def __init__(self, xe, g2):
        self.xe, self.g2 = xe, g2
        self.h = np.diff(xe)
        self.xm = 0.5 * (xe[1:] + xe[:-1])
        ga, self.gm, gb = g2(xe[:-1]), g2(self.xm), g2(xe[1:])
        self.d1 = (gb - ga) / self.h
        self.d2 = 2.0 * (ga - 2.0 * self.gm + gb) / (self.h * self.h)
        xc = xe[::4]
        self.hc = np.diff(xc)
        x, gw = gauss_legendre(3)
        self.nodes = 0.5 * (xc[1:] + xc[:-1])[:, None] + 0.5 * self.hc[:, None] * x     # (C/4, 3)
        self.gq = (0.5 * self.hc[:, None] * gw) * g2(self.nodes)


def _smoothed_g2(mu, wts, sd, t: _G2Cells):
    r"""Sum over i of ``wts[i] E[g2(mu[i] + sd Z)]``, Z ~ N(0, 1), g2 = ``t.g2`` smooth inside every
    cell (its kinks on edges). Coarse cells narrower than sd / 2: 3-point Gauss-Legendre (error
    ~(h / sd)^6 / 1e5 and, h = 0.1 w cosh(u), ~1e-7 from g2); elsewhere, per fine cell, the exact
    Gaussian partial moments of g2's quadratic interpolant through the cell's ends and midpoint
    (error ~ g2''' h^3 / 48; a narrow Gaussian is integrated as exactly as a wide one), over
    the cells within 10 SD of the state (the mass beyond is below 1e-23); below
    and above the grid the tail mass at g2 of its conditional mean."""
    if sd <= 0.0:
        return float(wts @ t.g2(mu))
    xe = t.xe
    tot = np.zeros(mu.size)
    gl = np.flatnonzero(t.hc < 0.5 * sd)     # a contiguous central block (cells widen outwards)
    if gl.size:
        # the states within _Z_UNDERFLOW SDs of the block's nodes (beyond, every exp is 0.0)
        near = np.flatnonzero((mu > t.nodes[gl[0], 0] - _Z_UNDERFLOW * sd)
                              & (mu < t.nodes[gl[-1], -1] + _Z_UNDERFLOW * sd))
        zq = (t.nodes[gl][None] - mu[near, None, None]) / sd
        tot[near] += (np.exp(-0.5 * zq * zq) * t.gq[gl]).sum(axis=(1, 2)) * (_INV_SQRT_2PI / sd)
        blocks = ((0, 4 * gl[0]), (4 * (gl[-1] + 1), t.h.size))
    else:
        blocks = ((0, t.h.size),)
    # the partial-moment cells: only the states whose +-_Z_SUPPORT SD window meets the grid have
    # any (the others' cell mass is below 1e-23 of their own: they enter by the tail terms below)
    rows = np.flatnonzero((mu + _Z_SUPPORT * sd > xe[0]) & (mu - _Z_SUPPORT * sd < xe[-1]))
    m = mu[rows]
    for i, j in blocks:       # fine cells i..j-1 by their partial moments
        if j <= i or not rows.size:
            continue
        # only the cells within _Z_SUPPORT SDs of each state (beyond, a cell's Gaussian mass is
        # below 1e-23 of the state's): a narrow Gaussian touches a few of the hundreds of cells
        lo_all = np.clip(np.searchsorted(xe, m - _Z_SUPPORT * sd, "right") - 1, i, j)
        n_all = np.clip(np.searchsorted(xe, m + _Z_SUPPORT * sd, "left"), i, j) - lo_all
        # the states in groups of similar window widths (a state far in a tail spans many more
        # cells than one near the central block; one padded array for all did 2.8x the work)
        order = np.argsort(n_all, kind="stable")
        for g0 in range(0, order.size, _G2_GROUP):
            grp = order[g0:g0 + _G2_GROUP]
            lo, n_c = lo_all[grp], n_all[grp]
            width = int(n_c.max())
            if width == 0:
                continue
            # the edges lo .. lo + width of each state: the normal tail and density once per edge
            # (each inner edge is shared by two cells)
            edge = np.minimum(lo[:, None] + np.arange(width + 1)[None, :], j)
            mg = m[grp, None]
            z = (xe[edge] - mg) / sd
            tail = special.ndtr(-np.abs(z))                      # the smaller tail at each edge
            dens = np.exp(-0.5 * z * z) * _INV_SQRT_2PI
            za, zb, ta, tb, pa, pb = z[:, :-1], z[:, 1:], tail[:, :-1], tail[:, 1:], dens[:, :-1], dens[:, 1:]
            p = np.where(za >= 0.0, ta - tb, np.where(zb <= 0.0, tb - ta, 1.0 - ta - tb))
            t1 = pa - pb                                         # E[Z; cell]
            t2 = p + za * pa - zb * pb                           # E[Z^2; cell]
            cell = np.minimum(edge[:, :-1], j - 1)               # (past n_c: masked below)
            d1, d2 = t.d1[cell], t.d2[cell]
            d = mg - t.xm[cell]
            part = p * (t.gm[cell] + d * (d1 + d * d2)) + sd * t1 * (d1 + 2.0 * d2 * d) + sd * sd * t2 * d2
            inside = np.arange(width)[None, :] < n_c[:, None]
            tot[rows[grp]] += np.where(inside, part, 0.0).sum(axis=1)
    # the tails beyond the grid: mass x g2 at the conditional mean (E[Z | Z > b] = phi(b) / Q(b))
    # (only where that mass is not 0.0: within _Z_UNDERFLOW SDs of the grid's ends)
    lo, hi = (xe[0] - mu) / sd, (xe[-1] - mu) / sd
    k = np.flatnonzero(lo > -_Z_UNDERFLOW)
    if k.size:
        tot[k] += special.ndtr(lo[k]) * t.g2(mu[k] - sd * _SQRT_2_PI / special.erfcx(-lo[k] / _SQRT2))
    k = np.flatnonzero(hi < _Z_UNDERFLOW)
    if k.size:
        tot[k] += special.ndtr(-hi[k]) * t.g2(mu[k] + sd * _SQRT_2_PI / special.erfcx(hi[k] / _SQRT2))
    return float(wts @ tot)


def _surrogate_moment(cp, drives, s, weights, kind, width, mix, density):
    """E over neurons (nodes, weights) and the stationary density of E[sigma'(V_pre - v_th)^2],
    V_pre = beta V + I the value compared with the threshold: per increment component (the
    Gaussian, or each count of the mixture; the atom at I = 0 exactly) :func:`_smoothed_g2` on
    cells x - v_th = w sinh(u), du = 0.025 (fine near the threshold, coarse in the tails where
    sigma'^2 < 1e-9; the kinks of sigma' at 0 and +-w on edges). The cells are set by sigma'
    alone: a small s needs no finer grid (relative error <= 2e-5 for the fast sigmoid, atan and
    sigmoid, <= 6e-4 for the Gaussian family far in its tail, against adaptive quadrature)."""
    w = _surrogate._width_of(kind, width)
    beta, v_th = cp.beta, cp.v_th
    pi, pts = density
    reach = {"triangle": w, "gaussian": 12.0 * w, "sigmoid": 40.0 * w}.get(kind, 300.0 * w)
    big_u = math.asinh(reach / w)
    u = np.linspace(-big_u, big_u, 8 * int(math.ceil(big_u / (4.0 * _DU_SURROGATE))) + 1)
    xe = v_th + w * np.sinh(u)
    xe[u.size // 2] = v_th
    t = _G2Cells(xe, lambda x: _surrogate.derivative(x - v_th, kind, w) ** 2)

    # every node's states in one batch per increment component (the components' SDs are shared
    # by the nodes; the nodes differ in their states and mean drives)
    keep = [np.flatnonzero(pi[k] > 1e-13) for k in range(drives.size)]
    base = np.concatenate([beta * pts[k, kk] for k, kk in enumerate(keep)])
    wts = np.concatenate([weights[k] * pi[k, kk] for k, kk in enumerate(keep)])
    node = np.repeat(np.arange(drives.size), [kk.size for kk in keep])
    if mix is None:
        return _smoothed_g2(base + drives[node], wts, s, t)
    return sum(qj * _smoothed_g2(base + j * mix.c[node], wts, math.sqrt(j) * mix.sc, t)
               for j, qj in enumerate(mix.q) if qj >= discrete.COUNT_SKIP)


def _layer_stats(neuron, n, state, wm, ws, n_out, surrogate, width, silent_below):
    """(v_mean, v_std, silent_fraction, grad_gain, output state, law, (E[p^3], E[p^4])) from the
    depth model (quenched); ``law`` = (node weights, pi, states) of the chain, or None without
    one; the last pair, the neurons' third and fourth rate moments, for the draw-to-draw spread."""
    cp = neuron.chain_params()
    out, p_nodes, w, drives, s, dens = _layer_model(cp, neuron.gain, n, state, wm, ws, want_density=True)
    sdm = float(_drive_stats(neuron.gain, n, state.ep, state.evf, state.quenched, wm, ws)[2])
    silent = _silent_fraction(p_nodes, drives, float(np.average(drives, weights=w)), sdm, silent_below,
                              _rate_onset(cp))
    if state.ep >= _SPARSE and s <= 1e-9 * (cp.v_th - cp.v_reset):
        # no input fluctuations (every input spikes at every step): the noise-free orbit per node
        nf = _noise_free_rates(cp, drives, surrogate, _surrogate._width_of(surrogate, width), True)
        v_mean, v_var = (float(x) for x in _orbit_membrane(cp, drives, nf["v_mean"], nf["v_sq"], w))
        e2 = float(w @ np.where(_climbing(cp, drives), 0.0, nf["ss"]))
        law = None
    elif s > 0.0:
        if dens is None:   # the model took a special case: solve the chain for the density
            mix = _count_mixture(n, state, drives, s, neuron.gain * n * state.ep * wm)
            ch = _layer_chain(cp, n, state, wm, ws, drives, s, mix, True)
            dens = (ch.pi, ch.states, mix)
        pi, pts, mix = dens
        mean_k = (pi * pts).sum(axis=1)
        var_k = (pi * pts**2).sum(axis=1) - mean_k**2
        v_mean = float(w @ mean_k)
        v_var = float(w @ (var_k + mean_k**2) - v_mean**2)
        climb = _climbing(cp, drives)
        if np.any(climb):
            v_mean = v_var = math.inf
        e2 = _surrogate_moment(cp, drives, s, np.where(climb, 0.0, w), surrogate, width, mix, (pi, pts))
        law = (w, pi, pts)
    else:   # isolated or no input: the membrane sits at rest between (rare) jumps
        v_mean, v_var = _rest_potential(cp), 0.0
        e2 = float(_surrogate.derivative(v_mean - cp.v_th, surrogate, width)) ** 2
        law = None
    grad = n_out * (ws * ws + wm * wm) * e2
    return v_mean, math.sqrt(max(v_var, 0.0)), silent, grad, out, law, (float(w @ p_nodes**3), float(w @ p_nodes**4))


def _stationary_sampler(law):
    """A sampler ``f(rng, size)`` of post-reset membrane potentials from a layer's stationary
    law ``(node weights, pi, states)`` (the ``law`` of :func:`_layer_stats`): a node by its
    weight, then a state of its law (:func:`_draw_states`); None for no law (isolated input, no
    noise)."""
    if law is None:
        return None
    w, pi, pts = law
    p_node = w / w.sum()
    half = 0.5 * (pts[:, 2] - pts[:, 1])                       # half bin width per node

    def sample(rng, size):
        return _draw_states(rng, pi, pts, rng.choice(p_node.size, size=size, p=p_node), half)

    return sample


def _map_gain(cp, gain, n, state, wm, ws, eps=0.05, shift=False):
    """Slope d E[p_out] / d E[p_in] of the depth model at fixed weights (central difference,
    +-5 %): every input rate scaled (``shift=False``: a systematic error of the layer below),
    or the input rates' mean moved with their spread across neurons kept (``shift=True``: the
    sampling error of a finite layer, which moves the mean of the rates but not their spread)."""
    if state.ep <= 0.0:
        return 0.0
    if shift:
        def moved(e):
            d = e * state.ep
            return _State(state.ep + d, state.ep2 + 2.0 * state.ep * d, state.evf * (1.0 + e), state.rows)
        up, dn = moved(eps), moved(-eps)
    else:
        up, dn = state.scaled(1 + eps), state.scaled(1 - eps)
    a = _layer_model(cp, gain, n, up, wm, ws)[0].ep
    b = _layer_model(cp, gain, n, dn, wm, ws)[0].ep
    return (a - b) / (2 * eps * state.ep)


def _moment_jacobian(cp, gain, n, state, wm, ws, eps=0.05):
    """2 x 2 Jacobian of the layer's output (E[p], E[p^2]) over neurons with respect to its
    input's (E[p], E[p^2]) (central differences, +-5 % or less near the edges; the temporal
    variance moves with the mean, as it does for Bernoulli-like trains), at fixed weights."""
    if state.ep <= 0.0 or state.ep2 <= 0.0:
        return np.zeros((2, 2))

    def out(st):
        o = _layer_model(cp, gain, n, st, wm, ws)[0]
        return np.array([o.ep, o.ep2])

    # steps that keep the perturbed rates possible (E[p] <= 1, E[p^2] <= E[p]); a state at the
    # edge (every input firing every step) has no error to pass on in that direction
    da, db = eps * min(state.ep, 1.0 - state.ep), eps * min(state.ep2, state.ep - state.ep2)
    col_a = col_b = np.zeros(2)
    if da > 0.0:
        e = da / state.ep
        col_a = (out(_State(state.ep + da, state.ep2, state.evf * (1.0 + e), state.rows))
                 - out(_State(state.ep - da, state.ep2, state.evf * (1.0 - e), state.rows))) / (2.0 * da)
    if db > 0.0:
        col_b = (out(_State(state.ep, state.ep2 + db, state.evf, state.rows))
                 - out(_State(state.ep, state.ep2 - db, state.evf, state.rows))) / (2.0 * db)
    return np.column_stack([col_a, col_b])


def _rate_moment_cov(cp, gain, n, state, wm, ws, out, m3, m4):
    """Covariance across a layer's neurons of (p, p^2) from the depth model's output state ``out``
    and third and fourth rate moments (its quenched spread; Var p also gets, for i.i.d. weights,
    the spread from the neurons' different temporal input variances)."""
    a, b = out.ep, out.ep2
    v1 = max(b - a * a, 0.0) + _variance_heterogeneity(cp, gain, n, state, wm, ws, a)
    v2 = max(m4 - b * b, 0.0)
    # a covariance of (p, p^2): |cov| <= sqrt(v1 v2) (rounding of m3 - a b broke it where every
    # neuron has the same rate, v1 = v2 = 0, cov -2.7e-20, and the propagated variance came out
    # negative)
    bound = math.sqrt(v1 * v2)
    c12 = min(max(m3 - a * b, -bound), bound)
    return np.array([[v1, c12], [c12, v2]])


def _variance_heterogeneity(cp, gain, n, state, wm, ws, base, eps=0.05):
    r"""Variance across neurons of the rate from their different temporal input variances (i.i.d.
    weights; zero for row-standardised ones, whose squared row sums are fixed): neuron i's
    increment variance is :math:`s_i^2 = g^2\sum_j W_{ij}^2 v_j`, v_j the inputs' regularity-
    weighted variances, so :math:`\mathrm{Var}(s_i^2)/E[s_i^2]^2 = \mathrm{Var}(W^2)/E[W^2]^2\,
    E[p^2]/(n E[p]^2)` (:math:`v \propto p`), and by the delta method
    :math:`\mathrm{Var}_i(p_i) \mathrel{+}= (dE[p]/d\log s^2)^2` times it. The slope is a forward
    difference from ``base`` (the layer's E[p] at these inputs): one chain solve, where a central
    difference took two (a sparse layer's count-mixture chain costs ~1 s); it differs from the
    central one by at most 7 % (six layers, beta 0.8-0.974, 1-30 % input), within the delta
    method's own accuracy, and moves ``rate_spread`` by about 1 %."""
    if state.rows or state.ep <= 0.0 or state.evf <= 0.0:
        return 0.0
    up = _layer_model(cp, gain, n, _State(state.ep, state.ep2, state.evf * (1.0 + eps), False), wm, ws)[0].ep
    slope = (up - base) / eps
    w2 = ws * ws + wm * wm
    # E[p^2] / E[p]^2 >= 1; where E[p]^2 underflows (E[p] < 1e-154) the layer's input is silent
    # and the heterogeneity term negligible: take the homogeneous 1 rather than 0/0
    conc = state.ep2 / (state.ep * state.ep) if state.ep * state.ep > 0.0 else 1.0
    rel = (2.0 * ws**4 + 4.0 * wm * wm * ws * ws) / (w2 * w2) * conc / n
    return slope * slope * rel


# =============================================================================================
# correlation map: two replicas of one layer (same weights, correlated inputs)
# =============================================================================================

#: quenched nodes of the two-replica chain (its cost is ~N^3 per node and step)
_CORR_NODES = 6
#: lags of the output auto- and cross-covariances that the next layer's drive model is fitted
#: to (beta^48 = 6e-3 at beta = 0.9; the fit's slow part has a correlation time of a few steps)
_CORR_LAGS = 48
#: states of the discretised AR(1) common drive of a deep layer's two replicas (Rouwenhorst)
_CORR_AR_STATES = 5
#: cells per axis of the two-replica grid above which the map refuses (a step costs ~N^3 per node;
#: at N = 300, 2 nodes, 40 steps to convergence: ~1.3 s)
_CORR_MAX_CELLS = 300
#: output spikes per step below which the correlations (ratios of covariances of order the rate)
#: are not resolved: the chain's probabilities carry absolute rounding ~1e-16 per cell
_CORR_MIN_RATE = 1e-10
#: the two-replica grid ends this many thresholds below the reset (its end cell keeps the mass
#: that would go further, a reflecting wall); where the membrane's law reaches further, the
#: chain is refused if its population rate differs from the one-neuron dense-grid chain's by
#: more than this fraction (both are within ~0.5 % of the Nystrom solver where nothing is cut)
_CORR_LOW_THETAS = 6.0
_CORR_WALL_REL = 0.02
#: decay of the second geometric sum that fixes the AR(1) coefficient (the first has weight 1)
_CORR_AR_PROBE = 0.8
#: step of the finite differences of :func:`correlation_fixed_point` (a correlation, so below 1)
_EPS_DOMAIN = Domain(low=0.0, high=1.0, typical=(0.005, 0.1))


def _replica_low(cp, drives, s):
    """Lower end of the membrane law the two-replica grid should cover: 6 free SDs below the
    lowest free mean, or a ruin bound for beta = 1 (the grid stops at _CORR_LOW_THETAS
    thresholds below the reset; see :func:`_corr_layer` where that binds)."""
    beta = cp.beta
    if beta < 1.0:
        return min(cp.v_reset, float(np.min(drives)) / (1.0 - beta)) - 6.0 * s / math.sqrt(1.0 - beta * beta)
    drift = max(float(np.max(drives)), 0.05 * s)
    return cp.v_reset - 6.0 * s - 6.0 * s * s / drift


def _replica_grid(cp, drives, s, cells):
    """Common uniform grid of the two-replica chain: cells of width h = theta / M with the
    threshold and the reset value on cell edges (so the subtractive shift maps cells onto
    cells, and the zero reset puts half its atom in each cell next to ``v_reset``), from 6 free
    SDs below the lowest free mean (a ruin bound for beta = 1) to 6 SDs above the threshold.
    Returns (cell centres x, i_reset = the first cell above ``v_reset``, i_th = the first cell
    above ``v_th``, M)."""
    v_th, v_reset = cp.v_th, cp.v_reset
    theta = v_th - v_reset
    lo = max(_replica_low(cp, drives, s), v_reset - _CORR_LOW_THETAS * theta)
    # the zero reset sends every crossing to v_reset, so above v_th the grid only needs room for
    # the common noise, added after the end cells have lumped the mass past them (6 SDs: it
    # cannot take that mass back below v_th); the subtract reset keeps V - theta
    hi = v_th + 6.0 * s + (max(float(np.max(drives)), 0.0) if cp.reset == "subtract" else 0.0)
    M = int(max(12, min(60, math.floor(cells * theta / (hi - lo)))))
    h = theta / M
    below = int(math.ceil((v_reset - lo) / h))
    above = max(int(math.ceil((hi - v_reset) / h)), M + 1)
    if below + above + 1 > _CORR_MAX_CELLS:
        raise ConvergenceError(
            f"the two-replica grid would need {below + above + 1} cells per axis (cap {_CORR_MAX_CELLS}; cost and "
            f"memory grow as its cube): the drive (mean up to {float(np.max(drives)):.3g}, SD {s:.3g} V per step) "
            f"spans {(hi - lo) / theta:.3g} thresholds; lower w_mean, w_std or the input rate")
    # cell j covers [v_reset + (j - below) h, v_reset + (j - below + 1) h): the threshold is a
    # cell edge (a centre on it would move the threshold by h/2, an O(h) rate error of ~5 % at
    # M = 20) and the reset value the edge between cells below - 1 and below
    x = v_reset + h * (np.arange(-below, above + 1) + 0.5)
    return x, below, below + M, M


def _replica_step(P, K, gf, kc, i_th, i_reset, M, zero):
    """One step of the two-replica chain for a batch of nodes: leak + independent noise
    (``K P K^T``, ``K = (K, K^T)`` both C-contiguous for BLAS), the common noise along the
    diagonal (discrete Gaussian over shifts -kc..kc, given by the 2-D transform ``gf`` of its
    diagonal kernel; mass past the grid's ends kept in its end cells), threshold and reset on
    each axis.
    Returns (post-reset P, pre-threshold U)."""
    Q = K[0] @ P @ K[1]
    nb, N, _ = Q.shape
    if kc:   # the full 2-D convolution with the diagonal kernel diag(g), by FFT (gf: its transform)
        n_full = N + 2 * kc
        L = gf.shape[0]
        Qp = sfft.irfft2(sfft.rfft2(Q, s=(L, L)) * gf, s=(L, L))[:, :n_full, :n_full]
        U = Qp[:, kc:kc + N, :].copy()
        U[:, 0, :] += Qp[:, :kc, :].sum(1)
        U[:, -1, :] += Qp[:, kc + N:, :].sum(1)
        V = U[:, :, kc:kc + N].copy()
        V[:, :, 0] += U[:, :, :kc].sum(2)
        V[:, :, -1] += U[:, :, kc + N:].sum(2)
        U = V
    else:
        U = Q
    return _reset2(U, i_th, i_reset, M, zero), U


def _reset2(U, i_th, i_reset, M, zero, rows=True, cols=True):
    """Threshold and reset of a pre-threshold joint law on both axes (cells >= i_th spike)."""
    P = U.copy()
    if rows:
        top = P[:, i_th:, :].copy()
        P[:, i_th:, :] = 0.0
        if zero:   # the reset value is the edge between cells i_reset - 1 and i_reset
            half = 0.5 * top.sum(1)
            P[:, i_reset - 1, :] += half
            P[:, i_reset, :] += half
        else:
            P[:, i_th - M:P.shape[1] - M, :] += top
    if cols:
        top = P[:, :, i_th:].copy()
        P[:, :, i_th:] = 0.0
        if zero:
            half = 0.5 * top.sum(2)
            P[:, :, i_reset - 1] += half
            P[:, :, i_reset] += half
        else:
            P[:, :, i_th - M:P.shape[2] - M] += top
    return P


class _PairDrive(NamedTuple):
    """Law of the two replicas' drive fluctuations around the shared quenched mean, per step:
    independent white parts of SD ``s_ind``, a common white part of SD ``s_com`` and a common
    AR(1) part of stationary SD ``s_ar`` and lag-1 correlation ``a`` (``s_ar = 0``: none)."""

    s_ind: float
    s_com: float
    s_ar: float = 0.0
    a: float = 0.0

    @property
    def total(self):
        return math.sqrt(self.s_ind**2 + self.s_com**2 + self.s_ar**2)


def _rouwenhorst(k, a, sd):
    """Rouwenhorst's k-state Markov chain for an AR(1) process of lag-1 correlation ``a`` and
    stationary SD ``sd``: (points, transition matrix R[from, to], stationary law). Its
    autocovariance is exactly sd^2 a^|t| (Kopecky & Suen 2010)."""
    q = 0.5 * (1.0 + a)
    R = np.array([[q, 1.0 - q], [1.0 - q, q]])
    for j in range(3, k + 1):
        Z = np.zeros((j, j))
        Z[:-1, :-1] += q * R
        Z[:-1, 1:] += (1.0 - q) * R
        Z[1:, :-1] += (1.0 - q) * R
        Z[1:, 1:] += q * R
        Z[1:-1] /= 2.0
        R = Z
    pi = np.exp(special.gammaln(k) - special.gammaln(np.arange(k) + 1) - special.gammaln(k - np.arange(k))
                - (k - 1) * math.log(2.0))
    return sd * math.sqrt(k - 1) * np.linspace(-1.0, 1.0, k), R, pi


def _replica_kernels(cp, dz, drive, x):
    """The two-replica chain's kernels on its grid ``x``, per drive ``dz``: each replica's leak and
    independent noise ``K[k, new, old]`` (normal cell probabilities; rounding to the nearest cell
    for a noise below 1e-3 cells), and the common noise's discrete Gaussian ``g`` over the shifts
    -kc..kc (normalised). Returns (K, g, kc)."""
    h = x[1] - x[0]
    N = x.size
    s_ind, s_com = drive.s_ind, drive.s_com
    edges = np.concatenate([[-np.inf], 0.5 * (x[1:] + x[:-1]), [np.inf]])
    centres = cp.beta * x[None, :] + dz[:, None]                          # (batch, N) pre-noise
    if s_ind > 1e-3 * h:
        K = np.diff(special.ndtr((edges[None, :, None] - centres[:, None, :]) / s_ind), axis=1)
    else:
        idx = np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, N - 1)
        K = np.zeros((dz.size, N, N))
        K[np.arange(dz.size)[:, None], idx, np.arange(N)[None, :]] = 1.0
    kc = int(math.ceil(6.0 * s_com / h)) if s_com > 1e-3 * h else 0
    ks = np.arange(-kc, kc + 1)
    g = special.ndtr((ks + 0.5) * h / s_com) - special.ndtr((ks - 0.5) * h / s_com) if kc else np.ones(1)
    return K, g / g.sum(), kc


def _replica_marginal_rate(cp, drives, drive, cells=110):
    """Per node, the stationary rate of one replica of the two-replica chain for white drives
    (``drive.s_ar == 0``), without the chain: each replica's marginal is itself a Markov chain on
    the same grid (the other axis's kernel, shift clamp and reset sum out), whose N x N transition
    (independent noise, the common shift with the end cells keeping what passes them, threshold
    and reset) is solved directly. Costs ~N^3 per node once, where the joint chain costs that per
    step for hundreds of steps."""
    x, i_reset, i_th, M = _replica_grid(cp, drives, drive.total, cells)
    N = x.size
    K, g, kc = _replica_kernels(cp, drives, drive, x)
    S = np.zeros((N, N))              # S[new, old]: the common shift, clamped at the grid's ends
    cols = np.arange(N)
    for k, gk in zip(range(-kc, kc + 1), g):
        np.add.at(S, (np.clip(cols + k, 0, N - 1), cols), gk)
    R = np.eye(N)                     # threshold and reset of the pre-threshold law
    R[:, i_th:] = 0.0
    if cp.reset == "zero":
        R[i_reset - 1, i_th:] = R[i_reset, i_th:] = 0.5
    else:
        R[np.arange(i_th, N) - M, np.arange(i_th, N)] = 1.0
    out = np.empty(drives.size)
    for k in range(drives.size):
        pre = S @ K[k]                # old post-reset law -> new pre-threshold law
        A = R @ pre - np.eye(N)
        A[-1, :] = 1.0                # replace one balance equation by the normalisation
        rhs = np.zeros(N)
        rhs[-1] = 1.0
        pi = np.linalg.solve(A, rhs)
        out[k] = float(np.sum((pre @ pi)[i_th:]))
    return out


#: steps of the two-replica chain's power iteration before it is accelerated by BiCGSTAB
_KRYLOV_AFTER = 101


def _krylov_start(step, P0, nd, maxiter=250):
    """A start for the power iteration of a mass-conserving linear step (batch of ``nd`` nodes,
    each the same number of rows of ``P0``, whose entries sum to 1 per node): the stationary law
    by BiCGSTAB on (I - T) P + P0 <1, P>_node = P0, nonsingular where the stationary law of each
    node is unique (then it is that law). Near a unit eigenvalue the power iteration needs
    thousands of steps (a perfect integrator's replicas dephase slowly) where BiCGSTAB needs a
    few hundred products (GMRES(60) the same products but 1.5-2x the time in its
    orthogonalisation); the caller's iteration and stopping rule then run on from here, and
    where BiCGSTAB does not converge in ``maxiter`` iterations (a reducible chain), or leaves more
    than 1e-9 of negative mass, the start is ``P0`` itself (the power iteration's current law;
    its sums per node are 1)."""
    shape = P0.shape
    per = P0.size // nd
    u = P0.ravel()

    def matvec(x):
        x = np.asarray(x, float).ravel()
        sums = np.repeat(x.reshape(nd, per).sum(1), per)
        return x - step(x.reshape(shape)).ravel() + u * sums

    op = sparse.linalg.LinearOperator((u.size, u.size), matvec=matvec, dtype=float)
    x, info = sparse.linalg.bicgstab(op, u, x0=u, rtol=1e-12, atol=0.0, maxiter=maxiter)
    if info != 0 or not np.all(np.isfinite(x)):
        return P0
    neg = np.minimum(x, 0.0).reshape(nd, per).sum(1)
    if np.any(neg < -1e-9):
        return P0
    x = np.maximum(x, 0.0).reshape(nd, per)
    x /= x.sum(1, keepdims=True)
    return x.reshape(shape)


def _replica_chain(cp, drives, drive, *, lags, cells=110, tol=1e-7, max_iter=4000):
    """Stationary two-replica chain per node: rate p, same-step joint spike probability and
    the lagged auto- and cross-products ``E[y^a_t y^a_{t+k}]``, ``E[y^a_t y^b_{t+k}]`` for
    k = 1..lags, for the drive fluctuations ``drive`` (a :class:`_PairDrive`). A common AR(1)
    part adds a third coordinate, its Rouwenhorst state: the batch is (node, state), and each
    step mixes the states after the membranes' update. Returns (p, pab, eaa, eab, iterations).
    The iteration starts from the common point mass at the reset (as the simulator does; the
    AR state from its stationary law), jumps to the stationary law by BiCGSTAB if still moving
    after _KRYLOV_AFTER steps (:func:`_krylov_start`; the stopping rule alone left a slowly
    dephasing perfect integrator's rate 0.4 % short after 1,700 steps), and stops when the spike
    probabilities move less than ``tol`` per step, or after ``max_iter`` steps (then it is the
    law after that many steps: for a perfect integrator with subtractive reset and inputs
    correlated near 1 the phase difference of the replicas relaxes over
    ~theta^2 / (2 s^2 (1 - rho)) steps)."""
    nz = _CORR_AR_STATES if drive.s_ar > 0.0 else 1
    if nz > 1:
        z, R, pz = _rouwenhorst(nz, drive.a, drive.s_ar)
    else:
        z, R, pz = np.zeros(1), np.ones((1, 1)), np.ones(1)
    nd = drives.size
    dz = (drives[:, None] + z[None, :]).ravel()                          # batch (node, state)
    x, i_reset, i_th, M = _replica_grid(cp, dz, drive.total, cells)
    N = x.size
    K, g, kc = _replica_kernels(cp, dz, drive, x)
    K = (np.ascontiguousarray(K), np.ascontiguousarray(np.swapaxes(K, 1, 2)))
    gf = sfft.rfft2(np.diag(g), s=(sfft.next_fast_len(N + 2 * kc, real=True),) * 2) if kc else None
    zero = cp.reset == "zero"

    def step(P):
        P, U = _replica_step(P, K, gf, kc, i_th, i_reset, M, zero)
        if nz > 1:   # the common AR(1) drive moves to its next state
            P = np.matmul(R.T, P.reshape(nd, nz, N * N)).reshape(nd * nz, N, N)
        return P, U

    def tot(A):   # sum over the AR states: (node, ...)
        return A.reshape(nd, nz).sum(1)

    P = np.zeros((dz.size, N, N))
    w0 = 0.5 * np.tile(pz, nd)
    P[:, i_reset - 1, i_reset - 1] = P[:, i_reset, i_reset] = w0         # both replicas at v_reset
    prev = None
    it = 0
    for it in range(1, max_iter + 1):
        if it == _KRYLOV_AFTER:
            # still moving after this many steps: jump to the stationary law (BiCGSTAB)
            P, prev = _krylov_start(lambda X: step(X)[0], P, nd), None
        P, U = step(P)
        if it % 20 == 0:
            stat = np.concatenate([tot(U[:, i_th:, :].sum((1, 2))), tot(U[:, i_th:, i_th:].sum((1, 2)))])
            if prev is not None and np.max(np.abs(stat - prev)) < tol * 20:
                break
            prev = stat
    p = 0.5 * tot(U[:, i_th:, :].sum((1, 2)) + U[:, :, i_th:].sum((1, 2)))
    pab = tot(U[:, i_th:, i_th:].sum((1, 2)))
    # condition on a spike of replica a, then run the chain on
    C = U.copy()
    C[:, :i_th, :] = 0.0
    C = _reset2(C, i_th, i_reset, M, zero)
    if nz > 1:
        C = np.matmul(R.T, C.reshape(nd, nz, N * N)).reshape(nd * nz, N, N)
    eaa, eab = np.zeros((nd, lags)), np.zeros((nd, lags))
    for k in range(lags):
        C, Uc = step(C)
        eaa[:, k] = tot(Uc[:, i_th:, :].sum((1, 2)))
        eab[:, k] = tot(Uc[:, :, i_th:].sum((1, 2)))
    return p, pab, eaa, eab, it


@dataclass(frozen=True)
class CorrelationMap:
    r"""Output correlation of two replicas of a layer (:func:`correlation_map`, one entry per
    input correlation, or per layer in :func:`correlation_depth`).

    Attributes
    ----------
    c_in : ndarray
        Drive correlation of the layer's input (for a Bernoulli input the per-step correlation
        of each input neuron's two trains).
    c_step : ndarray
        Correlation across neurons of the two replicas' output spikes per step.
    c_count : ndarray
        Correlation across neurons of their spike counts over ``window`` steps.
    rho_out : ndarray
        Correlation of the free membranes the outputs drive in the next layer (its ``c_in``):
        :math:`\sum_k \beta^{|k|} E_i C^{ab}_i(k) / \sum_k \beta^{|k|} E_i C^{aa}_i(k)`, the
        cross- and auto-covariances given the neuron (the quenched rates are shared as the next
        layer's mean drives) with the membrane weights (count-window weights for beta = 1).
    rate : ndarray
        Output spikes per step (the two-replica chain's own marginal).
    window : int
    """

    c_in: np.ndarray
    c_step: np.ndarray
    c_count: np.ndarray
    rho_out: np.ndarray
    rate: np.ndarray
    window: int

    __repr__ = _result_repr


def _lag_weights(cp, window, lags):
    """Weights u(k), k = 1..lags, with which lagged covariances of the input enter the
    membrane: beta^k (the stationary variance of the leaky membrane is sum_k beta^|k| C(k) /
    (1 - beta^2)); for a perfect integrator, which has no stationary free membrane, the
    triangular weights (1 - k/T)+ of the count over the window T."""
    k = np.arange(1, lags + 1)
    if cp.beta < 1.0:
        return cp.beta ** k
    return np.clip(1.0 - k / window, 0.0, None)


def _ar_fit(G, c):
    """AR(1) ``(A, a)`` (variance ``A``, lag-1 correlation ``a`` > 0) with ``A a^k = G c(k)`` in its
    plain sum and its sum with weights 0.8^k over the lags k = 1..K of ``c``; (0, 0) where the
    lagged covariances are not those of a positive decaying AR(1) (their sums' ratio outside
    (0, 0.8))."""
    k = np.arange(1, c.size + 1)
    s1, sv = float(c.sum()), float((_CORR_AR_PROBE ** k) @ c)
    if s1 > 0.0 and 0.0 < sv / s1 < _CORR_AR_PROBE:
        r = sv / s1
        a = (_CORR_AR_PROBE - r) / (_CORR_AR_PROBE * (1.0 - r))
        return G * s1 * (1.0 - a) / a, a
    return 0.0, 0.0


def _pair_from_covariances(G, cov, u):
    """:class:`_PairDrive` of a layer from the population-averaged output covariances of the
    layer below, ``cov = (caa0, cab0, caa, cab)`` (same-step and lags 1..K), scaled by ``G``
    (input variance per unit of covariance, g^2 n (w_std^2 + w_mean^2)). The cross-covariance's
    lagged part is fitted by an AR(1) A a^k matching its plain sum and its sum with weights
    0.8^k; what the AR(1) leaves of the membrane-weighted (``u``) common variance is a common
    white part, and the membrane-weighted remainder of the autocovariance the independent
    white part. The marginal membrane-weighted variance and the common one are thus exact."""
    caa0, cab0, caa, cab = cov
    K = cab.size
    k = np.arange(1, K + 1)
    com_u = G * (cab0 + 2.0 * u @ cab)
    ind_u = G * ((caa0 - cab0) + 2.0 * u @ (caa - cab))
    A, a = _ar_fit(G, cab)
    ar_u = A * (1.0 + 2.0 * u @ a**k) if A > 0.0 else 0.0
    if ar_u > max(com_u, 0.0):   # the AR(1) part alone carries the common variance
        A *= max(com_u, 0.0) / ar_u
        ar_u = max(com_u, 0.0)
    total = max(com_u + max(ind_u, 0.0), 0.0)
    s_ind2 = max(ind_u, 1e-6 * total)
    return _PairDrive(math.sqrt(s_ind2), math.sqrt(max(com_u - ar_u, 0.0)), math.sqrt(max(A, 0.0)), a)


def _corr_layer(cp, gain, n, state, wm, ws, pair, window, n_nodes, lags):
    """One layer of the correlation map: (c_step, c_count, rho_out, rate, next state, next
    pair). ``pair`` is the input correlation of Bernoulli trains (a float: the per-step
    correlation c, white) or the population-averaged output covariances of the layer below
    (a tuple, :func:`_pair_from_covariances`); the next pair is this layer's."""
    m, s, sdm = (float(x) for x in _drive_stats(gain, n, state.ep, state.evf, state.quenched, wm, ws))
    drives, w = normal_nodes(m, sdm, 1 if state.quenched <= 0.0 else n_nodes)
    if s <= 0.0 or state.ep < _SPARSE:
        raise ParameterError("the correlation map needs a fluctuating drive (input rate > 0, w_std or w_mean != 0)")
    if isinstance(pair, float) and pair >= 1.0:   # identical drives from identical initial states
        out = _layer_model(cp, gain, n, state, wm, ws)[0]
        return 1.0, 1.0, 1.0, out.ep, out, 1.0
    if cp.beta == 1.0 and float(np.max(drives)) <= 0.0:
        # a perfect integrator without upward drift has no stationary law (the walk drifts down,
        # or is driftless and null recurrent): its long-run rate is 0 at every node. The chain
        # on the truncated grid (end cells keep their mass) would instead relax for up to
        # max_iter steps to the law of a walk reflected 6 thresholds below the reset.
        raise NoSolutionError(
            f"the layer is silent (beta = 1 and a mean drive of {float(np.max(drives)):.3g} V per step <= 0 at "
            "every node: the long-run output rate is 0): the correlation of its outputs is not defined; raise "
            "w_mean or the input rate, or use beta < 1")
    u = _lag_weights(cp, window, lags)
    G = gain * gain * n * (ws * ws + wm * wm)
    if isinstance(pair, float):
        rho = min(max(pair, 0.0), 1.0)
        drive = _PairDrive(s * math.sqrt(1.0 - rho), s * math.sqrt(rho))
    else:
        drive = _pair_from_covariances(G, pair, u)
    one = None
    if _replica_low(cp, drives, drive.total) < cp.v_reset - _CORR_LOW_THETAS * (cp.v_th - cp.v_reset):
        # the membrane's law reaches below the grid's lower end, whose end cell would hold it up
        # (a walk reflected there). Each replica alone is the one-neuron chain with the total SD
        # (exactly so for white drives), whose dense grid reaches 8 free SDs below the free mean:
        # a layer silent there (strong inhibition, or beta near 1 with a downward drift) is
        # refused, and otherwise (white drives) the rate of one replica on the truncated grid
        # (its marginal chain, solved directly: the joint chain's own marginal) is checked
        # against it, both before the joint chain (which took 4 s to reach the same refusal)
        one = float(w @ discrete._solve_grid_chain(drives, drive.total, cp.beta, cp.v_th, cp.v_reset, cp.reset, 0,
                                                   None, None, False, False)[0].rate)
        if one < _CORR_MIN_RATE:
            raise NoSolutionError(
                f"the layer is silent (the one-neuron chain's rate is below {_CORR_MIN_RATE:g} spikes per step at a "
                f"mean drive of {float(np.max(drives)):.3g} V per step): the correlation of its outputs is not "
                "defined; raise w_mean or the input rate")
        if drive.s_ar == 0.0:
            # both within ~0.5 % of the Nystrom solver where nothing is cut
            with one_blas_thread():
                cut = float(w @ _replica_marginal_rate(cp, drives, drive))
            off = abs(cut / one - 1.0)
            if off > _CORR_WALL_REL:
                raise ConvergenceError(
                    f"the membrane's stationary law reaches below the two-replica grid's lower end "
                    f"({_CORR_LOW_THETAS:g} thresholds below the reset), which moves the layer's rate by "
                    f"{100 * off:.2g} % (chain {cut:.3g}, one-neuron chain {one:.3g} spikes per step): the mean "
                    f"drive ({float(np.min(drives)):.3g} V per step at the lowest node, beta = {cp.beta:.8g}) keeps "
                    "the membrane far below the reset; raise w_mean or lower beta")
    with one_blas_thread():   # many small products: threads only contend
        p, pab, eaa, eab, _ = _replica_chain(cp, drives, drive, lags=max(lags, window))
    if float(w @ p) < _CORR_MIN_RATE:
        raise NoSolutionError(
            f"the layer is silent (output rate {float(w @ p):.2g} spikes per step, below {_CORR_MIN_RATE:g}): the "
            "correlation of its outputs is not defined; raise w_mean, w_std or the input rate")
    caa = eaa - (p * p)[:, None]        # eaa, eab are joint probabilities E[y^a_t y_{t+k}]
    cab = eab - (p * p)[:, None]
    var_p = float(w @ p**2 - (w @ p) ** 2)
    c0a, c0b = p * (1.0 - p), pab - p * p
    T = window
    kk = np.arange(1, T)
    cnt_a = T * c0a + 2.0 * ((T - kk) * caa[:, :T - 1]).sum(1)
    cnt_b = T * c0b + 2.0 * ((T - kk) * cab[:, :T - 1]).sum(1)
    cov = (float(w @ c0a), float(w @ c0b), w @ caa[:, :lags], w @ cab[:, :lags])
    aa_u = cov[0] + 2.0 * u @ cov[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        c_step = (var_p + w @ c0b) / (var_p + w @ c0a)
        c_count = (T * T * var_p + w @ cnt_b) / (T * T * var_p + w @ cnt_a)
        rho_out = (cov[1] + 2.0 * u @ cov[3]) / aa_u
    # the next layer's marginal: this chain's rates and membrane-weighted variance (E p(1-p) F)
    out = _State(w @ p, w @ p**2, max(aa_u, 1e-12 * cov[0]), state.rows)
    return (float(np.clip(c_step, -1, 1)), float(np.clip(c_count, -1, 1)), float(np.clip(rho_out, 0, 1)),
            float(w @ p), out, cov)


def _check_corr_neuron(neuron, input_rate=0.0):
    """``(chain parameters, input rate in Hz)`` of a neuron the correlation map covers (delta
    synapse, no refractoriness)."""
    cp, rate = _check_neuron_rate(neuron, input_rate)
    if cp.ref_steps:
        raise ParameterError(f"the correlation map needs no refractoriness (ref_steps = 0); got {cp.ref_steps}")
    return cp, rate


def _check_corr_grid(window, n_nodes, lags):
    """Validated ``(window, n_nodes, lags)`` of the correlation map."""
    return (check_int("n_steps", window, label="window"), check_int("n_in", n_nodes, label="n_nodes"),
            check_int("n_steps", lags, label="lags"))


def _check_corr_layer(neuron, n_in, input_rate, w_mean, w_std):
    """Validated ``(chain parameters, n_in, input spikes per step, w_mean, w_std)`` of one layer
    of the correlation map."""
    cp, rate = _check_corr_neuron(neuron, input_rate)
    return (cp, check_int("n_in", n_in), rate * neuron.dt, check_scalar("w_mean", w_mean),
            check_scalar("w_std", w_std))


def correlation_map(c, *, neuron, n_in, input_rate, w_mean, w_std, window=16, n_nodes=_CORR_NODES,
                    lags=_CORR_LAGS) -> CorrelationMap:
    r"""Correlation map of one layer: input correlation ``c`` -> correlation of its two outputs.

    Two Bernoulli input patterns of the same rate p whose trains have per-step correlation
    ``c`` drive two replicas of one layer (the same quenched weights :math:`W_{ij}\sim
    N(\mu_w,\sigma_w^2)`). Neuron i's drives are :math:`I^{a,b}_i = g\sum_j W_{ij}x^{a,b}_j`:
    both have the quenched mean :math:`m_i = g p\sum_j W_{ij}` (across neurons
    :math:`N(g n p\mu_w, g^2 n p^2\sigma_w^2)`) and fluctuations of variance
    :math:`s^2 = g^2 n(\sigma_w^2+\mu_w^2)p(1-p)` with correlation ``c``. The joint chain of the
    two membranes (the step map of each, reset on each axis) is solved on a 2-D grid per
    quenched node (``derivations/correlation.md``). The output correlation across neurons is

    .. math::

        c_\mathrm{step} = \frac{\mathrm{Var}_i p_i + E_i C^{ab}_i(0)}{\mathrm{Var}_i p_i
        + E_i p_i(1-p_i)},\qquad
        c_T = \frac{T^2\mathrm{Var}_i p_i + E_i\sum_{t,t'<T} C^{ab}_i(t'-t)}
        {T^2\mathrm{Var}_i p_i + E_i\sum_{t,t'<T} C^{aa}_i(t'-t)},

    the shared quenched rates :math:`p_i` making outputs correlated even for ``c = 0``
    (unless :math:`\sigma_w = 0`). Assumptions: Gaussian increments (``n_in * p >= 8``), no
    refractoriness, delta synapse, stationarity. Accuracy: within 0.03 of a two-replica
    simulation in one layer (``benchmarks/results/correlation.md``); the grid (theta / M,
    M <= 60, threshold and reset on cell edges: rates within 0.4 % of the Nystrom solver) and
    ``n_nodes`` quadrature limit it near ``c = 1``, where the map is not differentiable
    (``c = 1`` itself maps to 1 exactly).

    Parameters
    ----------
    c : float or array_like
        Per-step correlation of the two input trains, in [0, 1].
    neuron : LIF, keyword-only
        Delta synapse, no refractoriness; both resets, any beta <= 1.
    n_in : int, keyword-only
    input_rate : float, keyword-only
        Hz (both patterns).
    w_mean, w_std : float, keyword-only
        Gaussian weights (V).
    window : int, keyword-only
        Steps of the spike-count window T.
    n_nodes : int, keyword-only
        Gauss–Hermite nodes over the neurons' quenched mean drives.
    lags : int, keyword-only
        Lags of the output auto- and cross-covariances computed (>= 0): summed with the
        membrane weights beta^k into ``rho_out`` and, in :func:`correlation_depth`, fitted by
        the next layer's drive model (default 48).

    Returns
    -------
    CorrelationMap

    Raises
    ------
    NoSolutionError
        A silent layer (output rate below 1e-10 spikes per step), where the output correlation
        is undefined; for beta = 1 with a mean drive <= 0 at every node (no stationary law, rate
        0), or a one-neuron rate below 1e-10 where the membrane's law reaches below the grid,
        before the chain is run.
    ConvergenceError
        Where the membrane's law reaches below the grid's lower end (6 thresholds below the
        reset: strong inhibition, or beta near 1 with a downward drift) and the layer's rate on
        the grid differs from the one-neuron chain's by more than 2 % (an inhibited node's rate
        was 33 % too high at a free mean of -5 theta, beta 0.9).

    References
    ----------
    Poole et al. 2016; Schoenholz et al. 2017 (the correlation map of deep ANNs).

    Examples
    --------
    >>> from snntheory import LIF
    >>> cm = correlation_map([0.0, 1.0], neuron=LIF.from_beta(0.9), n_in=200, input_rate=200.0,
    ...                      w_mean=0.0, w_std=0.15)
    >>> bool(cm.c_step[1] == 1.0 and 0.0 < cm.c_step[0] < 1.0)
    True
    """
    cs = np.atleast_1d(check("c", c, domain=CORR_DOMAIN)).astype(float)
    broadcast(c=cs)
    cp, n, p, wm, ws = _check_corr_layer(neuron, n_in, input_rate, w_mean, w_std)
    window, n_nodes, lags = _check_corr_grid(window, n_nodes, lags)
    state = _State.bernoulli(p)
    rows = [_corr_layer(cp, neuron.gain, n, state, wm, ws, float(ci), window, n_nodes, lags)[:4] for ci in cs]
    a = np.array(rows).T
    return CorrelationMap(cs, a[0], a[1], a[2], a[3], window)


def correlation_fixed_point(*, neuron, n_in, input_rate, w_mean, w_std, eps=0.02, grid=11, **kw):
    r"""Fixed points of the drive-correlation map :math:`\rho\mapsto\rho_\mathrm{out}` of one
    layer (:func:`correlation_map`) and its slopes.

    ``rho = 0`` and ``rho = 1`` are always fixed points (independent noise stays independent
    given the shared weights; identical drives stay identical). Returns a dict with
    ``c_star`` (the fixed point the map reaches from ``rho = 0.5``), ``chi_c`` (the slope at
    ``rho = 1``: a **one-sided** finite difference :math:`(1-f(1-\epsilon))/\epsilon`, since for
    threshold units the true derivative at 1 is infinite — discordant spikes grow like
    :math:`\sqrt{1-\rho}`), ``chi_0`` (slope :math:`f(\epsilon)/\epsilon` at 0), ``chi_star``
    (central difference at ``c_star``), ``fixed_points`` (all, from sign changes of
    :math:`f(\rho)-\rho` on ``grid`` points, refined by bisection) and ``rho``, ``f`` (the map
    on the grid; ``grid`` >= 2, ``eps`` in (0, 1)). ``kw`` is passed to :func:`correlation_map`.
    As in the ANN theory, ``chi_c`` > 1 means nearby inputs decorrelate layer after layer, < 1
    that they converge. ``c_star`` assumes the map is increasing (it is for threshold units:
    more shared input, more shared output). Cost: about ``grid`` evaluations of the map, 12 more
    per interior fixed point and 3 for the slopes (0.1–1.5 s each, so the default ``grid = 11``
    takes longer than the 2 s bound of the other functions).

    Examples
    --------
    >>> from snntheory import LIF
    >>> fp = correlation_fixed_point(neuron=LIF.from_beta(0.9), n_in=200, input_rate=100.0, w_mean=0.01,
    ...                              w_std=0.05, grid=3)   # doctest: +SKIP
    >>> fp["c_star"], fp["chi_c"] > 1                        # doctest: +SKIP
    (0.0, True)
    """
    _check_corr_layer(neuron, n_in, input_rate, w_mean, w_std)
    eps = check_scalar("eps", eps, domain=_EPS_DOMAIN)
    grid = check_count("grid", grid, minimum=2)

    seen = {}

    def f(r):
        if r not in seen:
            seen[r] = float(correlation_map(r, neuron=neuron, n_in=n_in, input_rate=input_rate, w_mean=w_mean,
                                            w_std=w_std, **kw).rho_out[0])
        return seen[r]

    rs = np.linspace(0.0, 1.0, grid)
    fs = np.array([f(r) for r in rs[1:-1]])
    fs = np.concatenate([[0.0], fs, [1.0]])
    d = fs - rs
    fixed = [0.0]
    for i in range(1, rs.size - 2):
        if d[i] == 0.0 or d[i] * d[i + 1] < 0.0:
            a, b, da = rs[i], rs[i + 1], d[i]
            for _ in range(12):
                mid = 0.5 * (a + b)
                dm = f(mid) - mid
                if dm * da > 0:
                    a, da = mid, dm
                else:
                    b = mid
            fixed.append(0.5 * (a + b))
    fixed.append(1.0)
    # the map is increasing, so its iteration from 0.5 moves monotonically to the nearest fixed
    # point on the side of f(0.5) - 0.5 (no need to iterate it: up to 200 evaluations)
    d_half = f(0.5) - 0.5
    if d_half > 0.0:
        star = min(q for q in fixed if q >= 0.5)
    elif d_half < 0.0:
        star = max(q for q in fixed if q <= 0.5)
    else:
        star = min(fixed, key=lambda q: abs(q - 0.5))
    chi_1 = (1.0 - f(1.0 - eps)) / eps
    chi_0 = f(eps) / eps
    if 0.0 < star < 1.0:
        chi_star = (f(min(star + eps, 1.0)) - f(max(star - eps, 0.0))) / (2 * eps)
    else:
        chi_star = chi_1 if star == 1.0 else chi_0
    return {"c_star": star, "chi_c": chi_1, "chi_0": chi_0, "chi_star": chi_star, "fixed_points": fixed,
            "rho": rs, "f": fs}


def correlation_depth(c, widths=None, w_means=None, w_stds=None, *, neuron=None, input_rate=None, window=16,
                      weight_dist="normal", n_nodes=_CORR_NODES, lags=_CORR_LAGS) -> CorrelationMap:
    r"""Correlation of two replicas layer after layer: the input correlation ``c`` through a
    deep network (i.i.d. Gaussian weights), one :class:`CorrelationMap` entry per layer.

    The two replicas of a deep layer share the quenched mean drives (from the layer below's
    rates, as in :func:`predict_network`) and see Gaussian drive fluctuations with the layer
    below's auto- and cross-covariances: an independent white part, a common white part and a
    common AR(1) part fitted to the lagged cross-covariance (the slow shared part that the
    next membrane integrates), solved as a chain of the two membranes and the AR state
    (``derivations/correlation.md`` section 5). ``widths`` may be a :class:`NetworkInit` (its
    widths, weights, neuron, input rate and weight law); ``weight_dist="rows"``
    (row-standardised weights) spreads the quenched means by the input rates' variance instead
    of their second moment, as in :func:`predict_network`. Accuracy over 10 layers
    (``benchmarks/results/correlation.md``): with row-standardised weights within 0.02 in the
    step and 0.055 in the count correlation (beta 0.8-1, both resets, widths 100-500), within
    3 % of the measured count correlation at beta 0.9, width 500; at width 100 the simulated
    rates drift below the theory's (cross-neuron correlations of a finite layer, left out) and
    at beta 0.8 the white independent part over-predicts deep count correlations (up to 2x at
    c ~ 0.05); with i.i.d. weights within 4 % (width 500) and 11 % (width 200) of the mean over
    weight draws, whose draw-to-draw spread is 2-6 % of c.
    """
    widths, w_means, w_stds, neuron, input_rate, weight_dist = _unpack_plan(widths, w_means, w_stds, neuron,
                                                                            input_rate, weight_dist)
    rho = check_scalar("c", c, domain=CORR_DOMAIN)
    widths, rate0, wms, wss = _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist)
    L = len(widths) - 1
    cp = _check_corr_neuron(neuron)[0]
    window, n_nodes, lags = _check_corr_grid(window, n_nodes, lags)
    state = _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows")
    rows, rin, pair = [], [], rho
    for l in range(L):
        rin.append(rho)
        cs, cc, rho, rate, state, pair = _corr_layer(cp, neuron.gain, widths[l], state, wms[l], wss[l], pair,
                                                     window, n_nodes, lags)
        rows.append((cs, cc, rho, rate))
    a = np.array(rows).T
    return CorrelationMap(np.array(rin), a[0], a[1], a[2], a[3], window)


# =============================================================================================
# results
# =============================================================================================


@dataclass(frozen=True)
class LayerInit:
    r"""One weight matrix of a network (layer ``index`` = 1 .. L) and what the model predicts for it.

    Attributes
    ----------
    index, n_in, n_out : int
    w_mean, w_std : float
        Weight mean and SD (V).
    input_rate, rate : float
        The depth model's predicted rate (Hz) of the layer's input and of the layer itself at
        these weights (for a plan: not the target; compare ``rate`` with it).
    v_mean, v_std : float
        Predicted mean and SD (V) of the post-reset membrane over neurons and time; inf where
        some neurons' membrane climbs without bound (beta = 1, subtract reset, no refractory
        period, mean drive >= v_th - v_reset). With the subtract reset and a refractory period
        the spike step records V - theta, as the simulator does (the clamp at ``v_reset``
        starts at the next step).
    silent_fraction : float
        Predicted fraction of neurons below ``SILENT_BELOW`` spikes per step.
    grad_gain : float
        Within-step surrogate-gradient variance gain (:func:`gradient_gain`).
    map_gain : float
        Slope ``d rate / d input_rate`` of the layer map (< 1: an attracting fixed point; NaN
        where not computed).
    rate_spread : float
        Predicted SD (Hz) of the layer's population rate across weight draws at this width and
        weight law (finite-width theory, see :func:`predict_network`; NaN without ``map_gain``).
    weight_dist : str
        Law of the weights: "normal", "uniform" or "rows" (see :meth:`sample`).
    target_rate : float
        The planner's target (Hz; NaN for a prediction).
    model_w_mean : float
        The depth model's solution for the mean before calibration (V; NaN if not calibrated).
    calibrated_rate, calibrated_stderr : float
        Rate measured by the planner's calibration simulation at ``w_mean`` and its standard
        error (Hz; NaN if not calibrated).
    calibration : str
        What the calibration did (:data:`snntheory.inverse.CALIBRATION_STATUSES`: "calibrated",
        "unresolved", "not stationary", "reverted"; "" if not calibrated).
    verified_rate, verified_stderr : float
        Rate and standard error (Hz) in the calibration's check on an independent weight draw
        and input (NaN if not run).
    transient_rates : tuple of float
        Predicted rate (Hz) at each of the first T steps of a trial started at rest
        (:func:`predict_transient`; ``predict_network(..., n_steps=T)``; empty otherwise).
    chi_c : float
        One-sided slope of the layer's correlation map at 1, :math:`(1-f(1-\epsilon))/\epsilon`
        with :math:`\epsilon = 0.02` (> 1: nearby inputs move apart; :func:`predict_network`).
    c_star : float
        Fixed point of the layer's correlation map reached from 0.5.
    full_grad_gain : float
        Through-time gradient gain :math:`\|\partial\mathcal L/\partial V_l\|^2 /
        \|\partial\mathcal L/\partial V_{l+1}\|^2` of a BPTT window (NaN for the top layer);
        not trusted where any layer's ``input_sd`` exceeds :data:`MEAN_FIELD_MAX_INPUT_SD` (the
        plan's ``notes`` say so).
    input_sd : float
        RMS input per step in thresholds, :math:`g\sigma_w\sqrt{n_\mathrm{in}E[p_\mathrm{in}]}/
        (v_\mathrm{th}-v_\mathrm{reset})` at the model's input rate (set with the trainability
        columns).
    """

    __repr__ = _result_repr

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
    rate_spread: float = math.nan
    weight_dist: str = "normal"
    target_rate: float = math.nan
    model_w_mean: float = math.nan
    calibrated_rate: float = math.nan
    calibrated_stderr: float = math.nan
    calibration: str = ""
    verified_rate: float = math.nan
    verified_stderr: float = math.nan
    transient_rates: tuple = ()
    chi_c: float = math.nan
    c_star: float = math.nan
    full_grad_gain: float = math.nan
    input_sd: float = math.nan

    def sample(self, seed=None) -> np.ndarray:
        """Draw the layer's weight matrix, shape ``(n_out, n_in)`` (the layout of
        ``torch.nn.Linear.weight``), from ``weight_dist`` with the planned mean and SD
        (``"rows"``: every neuron's fan-in standardised to exactly that mean and SD).

        ``seed`` is anything :func:`numpy.random.default_rng` accepts (or a ``Generator``).
        """
        return draw_weights(as_generator(seed), (self.n_out, self.n_in), self.w_mean, self.w_std,
                            self.weight_dist, np.float64, fan_in_axis=1)


@dataclass(frozen=True)
class NetworkInit:
    """Per-layer weights of a feed-forward network and the depth model's prediction for them.

    ``print(plan)`` shows a table and the plan's ``notes``; ``plan.w_means``, ``plan.w_stds``,
    ``plan.rates`` (predicted, Hz) and ``plan.targets`` (Hz, NaN for a prediction) are arrays;
    :meth:`simulate` runs :func:`snntheory.simulate.network` with the weights. ``notes``: what
    the planner wants the user to know beyond the table (``w_std="critical"``: where its best
    point's gradient is unbalanced over the depth, by how much and what would balance it).
    """

    layers: tuple
    method: str
    widths: tuple
    input_rate: float
    neuron: LIF = field(repr=False)
    notes: tuple = field(default=(), repr=False)

    def _column(self, name):
        return np.array([getattr(l, name) for l in self.layers])

    @property
    def w_means(self) -> np.ndarray:
        """Weight mean of every layer (V)."""
        return self._column("w_mean")

    @property
    def w_stds(self) -> np.ndarray:
        """Weight SD of every layer (V)."""
        return self._column("w_std")

    @property
    def rates(self) -> np.ndarray:
        """Rate of every layer predicted by the depth model at the weights (Hz)."""
        return self._column("rate")

    @property
    def targets(self) -> np.ndarray:
        """Target rate of every layer (Hz; NaN for a prediction)."""
        return self._column("target_rate")

    def simulate(self, *, n_steps, seed=0, burn_in=200, batch=1):
        """Run :func:`snntheory.simulate.network` with these weights (returns its ``NetworkRun``)."""
        return _simulate_network(list(self.widths), self.w_means, self.w_stds, neuron=self.neuron,
                                 input_rate=self.input_rate, n_steps=n_steps, seed=seed, burn_in=burn_in,
                                 batch=batch, weight_dist=self.layers[0].weight_dist)

    def sample_membrane(self, batch=1, *, seed=None, weights=None):
        """Initial potentials from each layer's stationary law (:func:`sample_membrane`)."""
        return sample_membrane(self, batch=batch, seed=seed, weights=weights)

    _COLUMNS = (("layer", "", "index", "d"), ("n_in", "", "n_in", "d"), ("n_out", "", "n_out", "d"),
                ("w_mean", "V", "w_mean", ".4g"), ("w_std", "V", "w_std", ".4g"), ("in", "Hz", "input_rate", ".4g"),
                ("rate", "Hz", "rate", ".4g"), ("target", "Hz", "target_rate", ".4g"),
                ("spread", "Hz", "rate_spread", ".3g"), ("V mean", "V", "v_mean", ".3g"), ("V sd", "V", "v_std", ".3g"),
                ("silent", "", "silent_fraction", ".3f"), ("map gain", "", "map_gain", ".3f"),
                ("grad gain", "", "grad_gain", ".3g"), ("full gain", "", "full_grad_gain", ".3g"),
                ("chi_c", "", "chi_c", ".3g"), ("c*", "", "c_star", ".3g"), ("calibration", "", "calibration", "s"))

    def _header(self):
        return (f"NetworkInit(method={self.method!r}, widths={list(self.widths)}, input {self.input_rate:g} Hz, "
                f"beta={self.neuron.beta:g}, reset={self.neuron.reset!r})")

    def _cells(self):
        """Column heads (with units) and formatted rows; columns that are empty everywhere are left out."""
        cols = [c for c in self._COLUMNS
                if any(not (isinstance(getattr(l, c[2]), float) and math.isnan(getattr(l, c[2])))
                       and getattr(l, c[2]) != "" for l in self.layers)]
        heads = [f"{name} {unit}".strip() for name, unit, _, _ in cols]
        rows = [[format(getattr(l, attr), fmt) for _, _, attr, fmt in cols] for l in self.layers]
        return heads, rows

    def __str__(self) -> str:
        return _text_table(self._header(), *self._cells()) + "".join(f"\nnote: {n}" for n in self.notes)

    def __repr__(self) -> str:
        return (f"<{self._header()}: {len(self.layers)} layers, rates "
                f"{', '.join(f'{r:.3g}' for r in self.rates)} Hz>")

    def _repr_html_(self) -> str:
        """A compact HTML table with units (Jupyter's rich display)."""
        return _html_table(self._header(), *self._cells()) + "".join(f"<p>note: {html.escape(n)}</p>"
                                                                     for n in self.notes)


# =============================================================================================
# public forward functions
# =============================================================================================


def _check_neuron_rate(neuron, input_rate):
    """Validated ``(step-map chain parameters, input rate in Hz)``: a LIF with a delta synapse and a
    Bernoulli input of at most one spike per step."""
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    cp = neuron.chain_params()    # the depth model needs a step-map chain (delta synapse)
    rate0 = check_scalar("input_rate", input_rate)
    if rate0 * neuron.dt > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {rate0:g} Hz x {neuron.dt:g} s "
                             f"= {rate0 * neuron.dt:g}")
    return cp, rate0


def _check_network(widths, neuron, input_rate):
    """Validated ``(widths as a tuple, input rate in Hz)`` of a network plan or prediction."""
    widths = check_widths(widths)
    return widths, _check_neuron_rate(neuron, input_rate)[1]


def _unpack_plan(widths, w_means, w_stds, neuron, input_rate, weight_dist):
    """A ``NetworkInit`` passed as ``widths`` gives the widths, weights and weight law, and the
    neuron and input rate unless they are given; anything else passes through."""
    if isinstance(widths, NetworkInit):
        plan = widths
        neuron = plan.neuron if neuron is None else neuron
        input_rate = plan.input_rate if input_rate is None else input_rate
        return list(plan.widths), plan.w_means, plan.w_stds, neuron, input_rate, plan.layers[0].weight_dist
    return widths, w_means, w_stds, neuron, input_rate, weight_dist


def _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist):
    """Validated ``(widths, input rate in Hz, w_means, w_stds)`` of a network prediction: the
    checks of :func:`_check_network`, the per-matrix weight means and SDs (named ``w_means`` and
    ``w_stds``) and the weight law."""
    widths, rate0 = _check_network(widths, neuron, input_rate)
    L = len(widths) - 1
    wms = check_per_layer("w_mean", w_means, L, label="w_means")
    wss = check_per_layer("w_std", w_stds, L, label="w_stds")
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    return widths, rate0, wms, wss


def _check_v0(v0):
    """Initial membrane potential of a trial (V), or None (the neuron's reset potential)."""
    return None if v0 is None else check_scalar("v_reset", v0, label="v0")


def _stats_kw(surrogate, surrogate_width, silent_below):
    """Validated keywords of :func:`_layer_stats`."""
    return dict(surrogate=surrogate, width=_surrogate._width_of(surrogate, surrogate_width),
                silent_below=check_scalar("p_out", silent_below, label="silent_below"))


#: what a caller of the depth model can change where a layer is refused (:class:`_UnresolvedLayer`)
_UNRESOLVED_ADVICE = {
    "predict": "use a neuron with beta <= 0.999, or weights that give every neuron a clearly positive mean "
               "drive at the reset (a larger w_mean against w_std, or weight_dist='rows', which removes the "
               "spread of the neurons' mean drives)",
    "init": "use a neuron with beta <= 0.999, or a higher target_rate (whose planned weights give the "
            "neurons a clearly positive mean drive)",
}


def _propagate(widths, neuron, state, choose, stats_kw, advice="predict"):
    """Walk the depth model through the layers: ``choose(l, n, n_out, state, rows)`` gives each
    layer's (w_mean, w_std, law); one model evaluation per layer gives this layer's statistics and
    the next layer's input state. Rows: (n, n_out, w_mean, w_std, law, input state, statistics).
    A layer the model cannot resolve raises ConvergenceError naming it and ``advice``'s remedy."""
    rows = []
    for l in range(len(widths) - 1):
        n, n_out = widths[l], widths[l + 1]
        try:
            wm, ws, dist = choose(l, n, n_out, state, rows)
            stats = _layer_stats(neuron, n, state, wm, ws, n_out, **stats_kw)
        except _UnresolvedLayer as e:
            raise ConvergenceError(f"layer {l + 1} of {len(widths) - 1}: {e}; {_UNRESOLVED_ADVICE[advice]}") from None
        rows.append((n, n_out, wm, ws, dist, state, stats))
        state = stats[4]
    return rows


def _network_init(rows, method, widths, rate0, neuron, map_gain, *, targets=None, model_means=None,
                  calibration=None, spreads=None):
    """The NetworkInit of propagated rows (the rates are the model's at the rows' weights);
    ``spreads`` (Hz per layer) replaces the draw-to-draw spread computed at these rows."""
    cp, g, dt = neuron.chain_params(), neuron.gain, neuron.dt
    layers = []
    # covariance across weight draws of the layer's population (mean rate, mean squared rate)
    cov = np.zeros((2, 2))
    for l, (n, n_out, wm, ws, dist, state, stats) in enumerate(rows):
        v_mean, v_std, silent, grad, out, _, (m3, m4) = stats
        slope = _map_gain(cp, g, n, state, wm, ws) if map_gain else math.nan
        # finite width: the draw's errors of the layer below, passed on by the model's Jacobian
        # of (E[p], E[p^2]), plus the sampling error of n_out independent neurons' rates (their
        # spread from the mean drives and, for i.i.d. weights, from the temporal variances)
        jac = _moment_jacobian(cp, g, n, state, wm, ws) if map_gain and np.any(cov) else np.zeros((2, 2))
        cov = jac @ cov @ jac.T + _rate_moment_cov(cp, g, n, state, wm, ws, out, m3, m4) / n_out
        var = cov[0, 0]
        nan = math.nan
        layers.append(LayerInit(l + 1, n, n_out, float(wm), float(ws), state.ep / dt, out.ep / dt, v_mean, v_std,
                                silent, float(grad), float(slope),
                                math.sqrt(var) / dt if spreads is None else float(spreads[l]), dist,
                                nan if targets is None else float(targets[l]),
                                nan if model_means is None else float(model_means[l]),
                                *((nan, nan, "", nan, nan) if calibration is None else
                                  (float(calibration.rates[l]), float(calibration.rate_stderr[l]),
                                   calibration.status[l], float(calibration.verified_rates[l]),
                                   float(calibration.verified_stderr[l])))))
    return NetworkInit(tuple(layers), method, tuple(widths), rate0, neuron)


#: routes of predict_network's correlation slope, fixed point and full gradient gain
TRAINABILITY_ROUTES = ("fast", "exact", "off")


def predict_network(widths, w_means, w_stds, *, neuron, input_rate, weight_dist="normal", surrogate="fast_sigmoid",
                    surrogate_width=None, map_gain=False, silent_below=SILENT_BELOW, n_steps=None,
                    v0=None, trainability="fast", window=16) -> NetworkInit:
    r"""What given weights do to a deep network: the depth model's prediction, no solve.

    The forward model of this module (see its docstring) evaluated at the weights you give,
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
    surrogate, surrogate_width : keyword-only
        Surrogate of the gradient gain (:mod:`snntheory.surrogate`).
    map_gain : bool, keyword-only
        Compute each layer's map slope (two more model evaluations per layer) and the predicted
        draw-to-draw spread of its population rate.
    silent_below : float, keyword-only
        Spikes per step under which a neuron counts as silent.
    n_steps, v0 : int or None, float or None, keyword-only
        With ``n_steps = T``, also each layer's rates over the first T steps of a trial started
        at ``v0`` (``LayerInit.transient_rates``, :func:`predict_transient`).
    trainability : {"fast", "exact", "off"}, keyword-only
        Route of each layer's ``chi_c``, ``c_star`` and ``full_grad_gain``: ``"fast"`` the
        closures of :func:`phase_diagram` (milliseconds per layer; its accuracy sentence),
        ``"exact"`` the two-replica chain (:func:`correlation_map`, seconds per point of the
        map) and :func:`bptt_gain`, ``"off"`` leaves them NaN (as ``"fast"`` does for a neuron
        with refractoriness or a delayed reset, which ``"exact"`` rejects).
    window : int, keyword-only
        Steps T of the backpropagated window of ``full_grad_gain`` (count readout, detached reset).

    Returns
    -------
    NetworkInit

    Raises
    ------
    ParameterError
        For an invalid argument (naming it).
    ConvergenceError
        Where a layer's neurons are nearly undamped walks (beta above ~0.999) without positive
        drift at the reset that can fire (``_validate.COST_LIMITS``): the message names the
        layer, its weights and drives, and what to change (beta <= 0.999, a clearly positive
        mean drive for every neuron, or ``weight_dist="rows"``).

    Notes
    -----
    **Cost** (one core). A layer costs one chain solve per quadrature node, batched (0.05-0.5 s),
    plus one for the rate's heterogeneity with i.i.d. weights and, with ``map_gain=True``, six
    more. The exception to the library's 2 s bound: a layer whose input has fewer than 8 active
    inputs per step (the exact count mixture, up to ~30 Gaussian components per transition)
    with beta >= 0.97 takes 0.4-2.7 s per layer (the mixture's CDF on up to 400 x 400 bins x 12
    nodes per solve, tabulated or on bands; measured at beta 0.97-0.995, 1-7 active inputs).

    **Draw-to-draw spread** (``map_gain=True``). A network of finite width realises one weight
    draw; its layer-l population averages :math:`X_l = (\bar p_l, \overline{p^2_l})` of the rate
    and the squared rate differ from the model's :math:`(E[p_l], E[p_l^2])` by the sampling error
    of its :math:`N_l` neurons, whose rates are independent given the layer's input (each neuron
    has its own weights), plus the errors of the layer below passed on by the model's Jacobian
    :math:`J_l = \partial X_l / \partial X_{l-1}` (central differences, +-5 %):

    .. math::

        \mathrm{Cov}\,X_l = J_l\,\mathrm{Cov}\,X_{l-1}\,J_l^T + C_l/N_l,
        \qquad \mathrm{Cov}\,X_0 = 0,

    with :math:`C_l` the model's covariance of :math:`(p, p^2)` across the neurons (its quenched
    spread; for i.i.d. weights :math:`\mathrm{Var}_i(p_i)` also gets the spread from the
    neurons' different temporal input variances :math:`s_i^2 = g^2\sum_j W_{ij}^2 v_j`, by the
    delta method in :math:`\log s^2`, about 10 % of the SD in sparse layers).
    ``LayerInit.rate_spread`` is :math:`\sqrt{(\mathrm{Cov}\,X_l)_{11}}`. The second moment
    matters: the next layer's drives spread by :math:`\sigma_w^2 \sum_j r_j^2`, so a draw whose
    rates are more heterogeneous moves the next layer's rate, and the map of the heterogeneity
    is nearly marginal (the Jacobian's larger eigenvalue is 1.02-1.09 in the width-100 network
    of the test below). Propagating the mean alone with the layer
    map's slope under-predicted a sparse attracting plan's deep layers 1.8x (width 200, 1 %
    input); with the pair it matches 24 draws of 8 ten-layer networks within 0.72-1.41x per layer
    (widths 100-1000, ``benchmarks/bench_init.py --spread``; tests in ``tests/test_network.py``
    and ``tests/test_inverse.py``). A map slope near 1
    passes every draw's error on undamped. Row-standardised weights have no quenched spread in
    this model (the measured one, about 1 % at width 100, comes from the rows' higher moments
    and cross-neuron correlations, which it leaves out).

    Examples
    --------
    Kaiming's weights in a leaky network: the predicted rates fall layer after layer.

    >>> from snntheory import LIF
    >>> pred = predict_network([200] * 6, 0.0, (2 / 200) ** 0.5, neuron=LIF.from_beta(0.95), input_rate=50.0)
    >>> bool(all(a > b for a, b in zip(pred.rates, pred.rates[1:])))
    True
    """
    widths, rate0, wms, wss = _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist)
    map_gain = check_bool("map_gain", map_gain)
    v0 = _check_v0(v0)
    stats_kw = _stats_kw(surrogate, surrogate_width, silent_below)
    rows = _propagate(widths, neuron, _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows"),
                      lambda l, *_: (wms[l], wss[l], weight_dist), stats_kw)
    plan = _network_init(rows, "given", widths, rate0, neuron, map_gain)
    check_choice("trainability", trainability, TRAINABILITY_ROUTES)
    window = check_int("n_steps", window, label="window")
    if trainability == "exact" or (trainability == "fast" and _trainability_covers(neuron)):
        chi, cst, gains = _trainability(widths, wms, wss, neuron, rate0, weight_dist, stats_kw, trainability,
                                        window, rows)
        plan = _with_trainability(plan, widths, wss, neuron, rate0, gains, chi, cst)
    if n_steps is None:
        return plan
    tr = predict_transient(widths, wms, wss, neuron=neuron, input_rate=rate0, n_steps=n_steps, v0=v0,
                           weight_dist=weight_dist)
    layers = tuple(replace(l, transient_rates=tuple(float(r) for r in tr.rates[i])) for i, l in enumerate(plan.layers))
    return replace(plan, layers=layers)


class NetworkTransient(NamedTuple):
    """Result of :func:`predict_transient`: per layer (rows 1..L) and step (columns 1..T).

    ``rates`` (Hz), ``v_mean`` and ``v_std`` (V, post-reset membrane over neurons) over the
    first ``n_steps`` steps of a trial (:func:`predict_network` gives the stationary state
    where the transient ends).
    """
    __repr__ = _result_repr


    rates: np.ndarray
    v_mean: np.ndarray
    v_std: np.ndarray
    dt: float


def _transient_layer(cp, gain, n, ep, ep2, evf, wm, ws, rows, x0, n_hermite=_N_HERMITE_TRANSIENT):
    """Per-step depth model of one layer fed per-step input statistics ``ep, ep2, evf`` (T,):
    node rates (K, T), node weights (K,), node post-reset mean and SD (K, T)."""
    T = ep.size
    theta = cp.v_th - cp.v_reset
    quenched = np.maximum(ep2 - ep * ep, 0.0) if rows else ep2
    z, w = normal_nodes(0.0, 1.0, 1 if np.all(quenched <= 0.0) else n_hermite)
    m, s, sdm = _drive_stats(gain, n, ep, evf, quenched, wm, ws)          # (T,) each
    s = np.maximum(s, 1e-9 * theta)
    drives = m[:, None] + sdm[:, None] * z[None, :]                      # (T, K)
    steps = []
    for t in range(T):
        if t and np.allclose([ep[t], ep2[t], evf[t]], [ep[t - 1], ep2[t - 1], evf[t - 1]], rtol=_SAME_STEP, atol=0.0):
            steps.append(steps[-1])      # the input has settled: the same transition matrix
            continue
        st = _State(ep[t], ep2[t], evf[t], rows)
        mix = _count_mixture(n, st, drives[t], float(s[t]), float(m[t])) if ep[t] > _SPARSE else None
        steps.append((drives[t], float(s[t]), mix))
    K = z.size
    x0k, w0k = np.full((K, 1), float(x0)), np.ones((K, 1))
    floor = discrete._reach_floor(x0k, drives, s)
    # place the grid for the widest step (largest s), reaching the lowest drive of any step
    g = discrete._grid(drives.min(axis=0), float(s.max()), cp.beta, cp.v_th, cp.v_reset, cp.reset, cp.ref_steps,
                       lo_floor=floor, max_bins=_GRID_TRANSIENT, post_spike=drives.max(axis=0))
    rate, law = discrete._run_transient(g, steps, x0k, w0k, cp.beta, cp.v_th, cp.v_reset, cp.reset)
    mean, sd = discrete._moments_of_law(law, g)
    return rate, w, mean, sd


def predict_transient(widths, w_means=None, w_stds=None, *, neuron=None, input_rate=None, n_steps, v0=None,
                      weight_dist="normal") -> NetworkTransient:
    r"""Per-layer, per-step rates of a network over the first steps of a trial started at rest.

    Training code starts every trial at ``V = v0`` (snnTorch: 0), while the depth model of
    :func:`predict_network` describes the stationary state. Here each layer's chain is run
    forward from ``v0`` (:func:`snntheory.discrete.transient`) with a drive that changes from
    step to step: layer l's input at step t has the statistics of layer l-1's output at step t
    (same-step convention of :func:`snntheory.simulate.network`), so its neurons' mean drives
    are :math:`N(g n E[p_t]\mu_w, g^2 n\sigma_w^2 E[p_t^2])` (12 Gauss–Hermite nodes, each
    neuron keeping its quantile) and its increment variance
    :math:`g^2 n(\sigma_w^2+\mu_w^2)(E[p_t]-E[p_t^2])` (the count mixture below 8 active
    inputs per step).

    Cost: a transition matrix per layer and step while that layer's input still changes (by more
    than 1e-6 relative), about 2--6 ms each on one core (count-mixture CDFs on a 200-bin grid at 8
    drives), so it grows as layers x steps: 4 layers x 200 steps ~0.4 s, 8 layers x 100 steps at
    beta = 0.95 (slow settling) ~5 s. Calls with many layers and steps are the stated exception
    to the 2 s bound of issue 14 (their cost is linear in what was asked for).

    Approximations (beyond those of the depth model): the input spikes of a layer at step t
    are independent Bernoulli draws given the per-step rates (no temporal correlations: the
    regularity factor of the stationary model is left out, which is exact at step 1 and for
    layer 1), and the neurons of a layer are independent (no shared-input correlations).
    Layer 1 (Bernoulli input) is exact up to the grid below 8 active inputs per step; above,
    its increment is Gaussian (the module's caveat: up to +40 % where large single weights set
    a low rate by the increment's tail, e.g. step 1 at 76.8 Hz for an exact 68.2 Hz with
    w_std = 0.555, beta = 0.8, n E[p] = 11). In deeper layers the first steps are
    underestimated where the rate is a convex function of the input: all neurons of a layer
    see the same input pattern, so the number of active inputs fluctuates from trial to trial
    in common, a fluctuation this mean-field model leaves out (measured in
    ``benchmarks/results/transient.md``).

    Parameters
    ----------
    widths, w_means, w_stds, neuron, input_rate, weight_dist
        As for :func:`predict_network`; or ``widths`` a :class:`NetworkInit` (then the others
        are taken from it).
    n_steps : int, keyword-only
        Steps T of the trial.
    v0 : float or None, keyword-only
        Initial membrane potential of every neuron (V; default ``neuron.v_reset``, the start of
        :func:`snntheory.simulate.network`; snnTorch starts at 0).

    Returns
    -------
    NetworkTransient

    Examples
    --------
    Started at rest, the first layer of a leaky network fires less at step 1 than later on:

    >>> from snntheory import LIF
    >>> tr = predict_transient([100, 100, 100], 0.02, 0.1, neuron=LIF.from_beta(0.9), input_rate=100.0, n_steps=16)
    >>> bool(tr.rates[0, 0] < 0.5 * tr.rates[0, -1])
    True
    """
    widths, w_means, w_stds, neuron, input_rate, weight_dist = _unpack_plan(widths, w_means, w_stds, neuron,
                                                                            input_rate, weight_dist)
    widths, rate0, wms, wss = _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist)
    L = len(widths) - 1
    T = check_int("n_steps", n_steps)
    v0 = _check_v0(v0)
    cp, g, dt = neuron.chain_params(), neuron.gain, neuron.dt
    x0 = cp.v_reset if v0 is None else v0
    rows = weight_dist == "rows"
    p0 = rate0 * dt
    ep, ep2, evf = np.full(T, p0), np.full(T, p0 * p0), np.full(T, p0 * (1.0 - p0))
    rates, means, sds = [], [], []
    for l in range(L):
        n = widths[l]
        p, w, mk, sk = _transient_layer(cp, g, n, ep, ep2, evf, wms[l], wss[l], rows, x0)
        mean = w @ mk
        means.append(mean)
        sds.append(np.sqrt(np.maximum(w @ (sk**2 + mk**2) - mean**2, 0.0)))
        ep, ep2 = w @ p, w @ p**2
        evf = np.maximum(ep - ep2, 0.0)
        rates.append(ep / dt)
    return NetworkTransient(np.array(rates), np.array(means), np.array(sds), float(dt))


def _draw_states(rng, pi, pts, node, half):
    """Post-reset potentials for node indices ``node`` (any shape): a state of the node's law
    ``pi[k]`` on ``pts[k]`` (reset atom exact, a bin uniformly over its width ``2 half[k]``)."""
    cum = np.cumsum(pi, axis=1)
    cum /= cum[:, -1:]
    u = rng.random(node.shape)
    out = np.empty(node.shape)
    for k in np.unique(node):
        sel = node == k
        idx = np.minimum(np.searchsorted(cum[k], u[sel], side="right"), pts.shape[1] - 1)
        jit = np.where(idx > 0, half[k] * rng.uniform(-1.0, 1.0, idx.size), 0.0)
        out[sel] = pts[k, idx] + jit
    return out


def sample_membrane(widths, w_means=None, w_stds=None, *, neuron=None, input_rate=None, batch=1, seed=None,
                    weights=None, weight_dist="normal", n_nodes=12) -> list:
    r"""Initial membrane potentials drawn from each layer's stationary law, so a trial starts
    in the stationary state instead of at rest.

    Layer by layer, the depth model (:func:`predict_network`) gives the increment SD and the
    law of the neurons' mean drives; the step-map chain (:func:`snntheory.discrete.grid_chain`)
    gives the stationary post-reset law at each drive. Without ``weights`` every neuron's
    potential is drawn from the layer's law mixed over the drives (Gauss–Hermite nodes), which
    ignores that a neuron with a large drive sits higher: the population's first-step rate is
    then off where the drives are heterogeneous. With the actual ``weights`` each neuron's own
    mean drive :math:`g\sum_j W_{ij}p_j` (``p_j`` the input layer's rate, in deeper layers the
    chain's rate of neuron j at its drive) picks its chain (``n_nodes`` drives spanning the
    layer's, nearest node), so the draw is the neuron's own stationary law. Within a grid
    bin the potential is uniform, the reset atom exact; refractory counters are not drawn
    (a neuron at ``v_reset`` is free). ``tests/test_transient.py`` checks that a network started
    from these draws has flat per-step rates from step 1.

    Parameters
    ----------
    widths, w_means, w_stds, neuron, input_rate, weight_dist
        As for :func:`predict_network`; or ``widths`` a :class:`NetworkInit`.
    batch : int, keyword-only
        Trials (rows of every returned array).
    seed : int, Generator or None, keyword-only
    weights : sequence of arrays or None, keyword-only
        The weight matrices, shape ``(n_out, n_in)`` each (``torch.nn.Linear.weight`` layout,
        :meth:`LayerInit.sample`); numpy arrays or anything ``numpy.asarray`` takes.
    n_nodes : int, keyword-only
        Drives at which the chain is solved when ``weights`` are given.

    Returns
    -------
    list of ndarray
        Per layer 1..L, potentials of shape ``(batch, widths[l])`` (V).
    """
    widths, w_means, w_stds, neuron, input_rate, weight_dist = _unpack_plan(widths, w_means, w_stds, neuron,
                                                                            input_rate, weight_dist)
    widths, rate0, wms, wss = _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist)
    L = len(widths) - 1
    batch = check_int("n_in", batch, label="batch")
    n_nodes = check_int("n_in", n_nodes, label="n_nodes")
    if weights is not None:
        if isinstance(weights, (str, bytes)) or not hasattr(weights, "__len__"):
            raise ParameterError(f"weights must be a sequence of {L} weight matrices (n_out, n_in); got {weights!r}")
        weights = [check("w_mean", W, label=f"weights[{l}]") for l, W in enumerate(weights)]
        if len(weights) != L or any(W.shape != (widths[l + 1], widths[l]) for l, W in enumerate(weights)):
            raise ParameterError(f"weights must be {L} matrices of shapes (n_out, n_in) = "
                                 f"{[(widths[l + 1], widths[l]) for l in range(L)]}; got "
                                 f"{[np.shape(W) for W in weights]}")
    rng = as_generator(seed)
    cp, g = neuron.chain_params(), neuron.gain
    state = _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows")
    p_prev = np.full(widths[0], rate0 * neuron.dt)
    out = []
    for l in range(L):
        n, n_out = widths[l], widths[l + 1]
        nxt, p_nodes, w, drives, s = _layer_model(cp, g, n, state, wms[l], wss[l])
        m = g * n * state.ep * wms[l]
        if weights is not None:
            own = g * (weights[l] @ p_prev)
            drives = np.linspace(own.min(), own.max(), n_nodes) if np.ptp(own) > 0 else own[:1]
        if s <= 0.0:      # isolated input or no noise: the membrane sits at rest between jumps
            out.append(np.full((batch, n_out), _rest_potential(cp)))
            p_prev = np.full(n_out, nxt.ep)
            state = nxt
            continue
        mix = _count_mixture(n, state, drives, s, m)
        ch = discrete.grid_chain(drives, s, counts=mix, density=True, regularity=False, **cp._asdict())
        half = 0.5 * (ch.states[:, 2] - ch.states[:, 1])
        if weights is None:
            node = rng.choice(w.size, size=(batch, n_out), p=w / w.sum())
            p_prev = np.full(n_out, nxt.ep)
        else:
            near = np.abs(own[:, None] - drives[None, :]).argmin(axis=1)
            node = np.broadcast_to(near, (batch, n_out))
            p_prev = np.interp(own, drives, ch.rate)
        out.append(_draw_states(rng, ch.pi, ch.states, node, half))
        state = nxt
    return out




def gradient_gain(*, neuron, n_in, input_rate, w_mean, w_std, n_out=None, surrogate="fast_sigmoid",
                  surrogate_width=None):
    r"""Surrogate-gradient variance gain of a layer,
    :math:`n_\mathrm{out}(\sigma_w^2+\mu_w^2)\,E_P[\sigma'(V-v_\mathrm{th})^2]`.

    ``V = beta V_post + I`` is the pre-reset potential compared with the threshold, averaged
    over the threshold-aware stationary density of the step map and over the neurons' quenched
    mean drives (Bernoulli inputs at ``input_rate``, i.i.d. Gaussian weights). Under the
    independence assumptions of mean-field backpropagation the gradient variance per step is
    multiplied by this gain from one layer to the layer below, within a time step. ``n_out`` is
    the width of the layer whose membrane ``V`` is (the weight matrix's output), so the gain of
    weight matrix l maps the spike gradient of layer l + 1 to that of layer l.

    Through time (backpropagation through the membrane recursion) every layer's gain is
    multiplied by a temporal factor that does not cancel across layers (``1/(1 - beta^2)`` for
    the top layer with subtractive reset); this function returns the within-step gain, which
    :func:`snntheory.simulate.backprop_network` measures.

    Notes
    -----
    Dense-grid chain (:func:`snntheory.discrete.grid_chain`), exact cell probabilities of ``V``
    on a sinh grid around ``v_th``; checked against the stationary states of a seeded step-map
    simulation within 4 Monte Carlo standard errors + 0.5 % for every surrogate family
    (``tests/test_network.py``), and against numerical backpropagation (measured ratios in
    ``benchmarks/results/init.md``).

    Examples
    --------
    Doubling the fan-out doubles the gain:

    >>> from snntheory import LIF
    >>> kw = dict(neuron=LIF.from_beta(0.9), n_in=100, input_rate=50.0, w_mean=0.0, w_std=0.15)
    >>> g1, g2 = gradient_gain(n_out=100, **kw), gradient_gain(n_out=200, **kw)
    >>> bool(abs(g2 / g1 - 2) < 1e-12)
    True
    """
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    n = check_int("n_in", n_in)
    n_out = n if n_out is None else check_int("n_in", n_out, label="n_out")
    p = check_scalar("input_rate", input_rate) * neuron.dt
    if p > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {p:g}")
    wm = check_scalar("w_mean", w_mean)
    ws = check_scalar("w_std", w_std)
    neuron.chain_params()
    stats_kw = _stats_kw(surrogate, surrogate_width, SILENT_BELOW)
    return _layer_stats(neuron, n, _State.bernoulli(p), wm, ws, n_out, **stats_kw)[3]


# =============================================================================================
# surrogate-gradient propagation through depth and time (backpropagation through time)
# =============================================================================================


class BPTTGain(NamedTuple):
    r"""Predicted backpropagated-error norms of :func:`bptt_gain`, one entry per spiking layer
    (index ``l - 1`` for layer l = 1..L; layer L is the top, read out).

    Attributes
    ----------
    delta_norm : ndarray
        :math:`E\,\|\partial\mathcal L/\partial V_l\|^2` summed over the T steps and the layer's
        neurons (``V`` the pre-reset potential compared with the threshold).
    delta_ratio : ndarray
        ``delta_norm / delta_norm[-1]``: the per-layer ratio relative to the top layer.
    spike_norm : ndarray
        :math:`E\,\|\partial\mathcal L/\partial S_l\|^2` (summed over steps and neurons).
    weight_norm, weight_ratio : ndarray
        :math:`E\,\|\partial\mathcal L/\partial W_l\|^2` over the matrix (weights into layer l) and
        its ratio to the top matrix's. A matrix whose input layer is silent gets no weight
        gradient (its input never spikes); when that is the top matrix, ``weight_ratio`` is
        ``inf`` for the matrices that get one and 1 for those that do not. ``delta_norm`` and
        ``delta_ratio`` stay finite and positive through silent layers (the error passes a silent
        membrane through the surrogate's tail at rest): compare depths with them.
    within_step : ndarray
        :math:`n_{l+1}\,g^2(\sigma_w^2+\mu_w^2)\,E[\sigma'^2_l]` (NaN for the top layer): the
        per-step gain of :func:`gradient_gain` from layer l + 1 down to layer l.
    through_time : ndarray
        :math:`\sum_t D_l(t,t) / (E[\sigma'^2_l] \sum_t G_l(t,t))`: how much the time path
        multiplies the error variance at layer l over a within-step backward pass.
    surrogate_moment : ndarray
        :math:`E[\sigma'(V_l - v_\mathrm{th})^2]` over the stationary law and the neurons.
    path_factor : ndarray
        :math:`E[c_l]`, the mean one-step factor of the time path (``beta`` for a detached
        subtractive reset).
    rate : ndarray
        The forward law's output spikes per step of layer l (neurons' mean).
    n_steps : int
    readout : str
    detach_reset : bool
    input_sd : ndarray
        Layer l's RMS input per step in thresholds, :math:`g\sigma_w\sqrt{n_{l-1}E[p_{l-1}]}/(v_\mathrm{th}
        - v_\mathrm{reset})`; above :data:`MEAN_FIELD_MAX_INPUT_SD` (1) the norms are not trusted and
        :func:`bptt_gain` warns (:class:`~snntheory.errors.ApproximationWarning`).
    """
    __repr__ = _result_repr


    delta_norm: np.ndarray
    delta_ratio: np.ndarray
    spike_norm: np.ndarray
    weight_norm: np.ndarray
    weight_ratio: np.ndarray
    within_step: np.ndarray
    through_time: np.ndarray
    surrogate_moment: np.ndarray
    path_factor: np.ndarray
    rate: np.ndarray
    n_steps: int
    readout: str
    detach_reset: bool
    input_sd: np.ndarray = None


#: Largest per-step input SD, in thresholds, at which the trainability routes (:func:`bptt_gain`,
#: :func:`phase_diagram`'s gradient columns, the plans ``w_std="gradient"`` / ``"critical"``) are
#: trusted: s_l = g sigma_w sqrt(n_{l-1} E[p_{l-1}]) / (v_th - v_reset), the RMS input a layer's
#: weights deliver per step. Over 8 layers of width 128 (``benchmarks/bench_bptt_validity.py``:
#: beta 0.9 and 0.95, snnTorch's fast sigmoid and ATan, weight means -0.05..0.02) the layer-1 / top
#: error ratio is, wherever every layer has s <= 1 and autograd resolves it (relative SE < 0.5),
#: within 0.54 decade of autograd by :func:`bptt_gain` and 0.94 by :func:`phase_diagram`; at
#: s = 1.27-2.2 1-2.7 and 1-3.9 decades off, beyond 3 up to 10 and 30 (the depth model freezes
#: deep layers, every neuron at rate 0 or 1, that keep their temporal variance in simulation). The
#: weight SD alone does not set the bound: 0.28 theta at 0.013 spikes per step is inside (0.6
#: decade), 0.118 theta at 0.76 is outside (1.1 and 8.4). Nearly silent nets (<= 0.03 spikes per
#: step) with the fast sigmoid are not tested by it: their ratios (10^-10 to 10^-14) are below
#: what 4 weight seeds resolve.
MEAN_FIELD_MAX_INPUT_SD = 1.0


def _input_sd(gain, widths, w_stds, rates_in, theta):
    """Per-layer RMS input per step in thresholds (:data:`MEAN_FIELD_MAX_INPUT_SD`): layer l's
    ``g sigma_w sqrt(n_{l-1} E[p_{l-1}]) / theta`` from its input layer's spikes per step
    ``rates_in`` (arrays broadcast; last axis the layers)."""
    n_in = np.asarray(widths[:-1], float)
    return gain * np.abs(w_stds) * np.sqrt(n_in * np.maximum(rates_in, 0.0)) / theta


def _mean_field_warning(where, s_max):
    """The ApproximationWarning text of a trainability result outside :data:`MEAN_FIELD_MAX_INPUT_SD`."""
    return (f"{where}: a layer's RMS input per step reaches {s_max:.3g} thresholds, above "
            f"{MEAN_FIELD_MAX_INPUT_SD:g} where mean-field backpropagation holds; the predicted gradient "
            "norms there can be off by decades (benchmarks/results/bptt_validity.md): smaller weights, "
            "or measure them with autograd")


#: V_pre sub-cells per surrogate width (the surrogate is averaged over sub-cells, not sampled
#: at a cell centre)
_SUB_PER_WIDTH = 6


def _path_factor(v, cp, kind, width, detach):
    r"""c(V_pre) = dV_post[t]/dV_pre[t] times beta (the factor carrying the error from step t+1 to t)."""
    fired = v >= cp.v_th
    if cp.reset == "subtract":
        if detach:
            return np.full_like(v, cp.beta)
        return cp.beta * (1.0 - (cp.v_th - cp.v_reset) * _surrogate.derivative(v - cp.v_th, kind, width))
    base = (~fired).astype(float)
    if detach:
        return cp.beta * base
    return cp.beta * (base + (cp.v_reset - v) * _surrogate.derivative(v - cp.v_th, kind, width))


def _chain_operators(cp, drives, s, mix, pi, pts, kind, width, detach):
    """Per node k: weighted transfer operators M_f[x, x'] = E[f(V_pre) 1{V_post = x'} | V_post_prev = x]
    on the chain's grid, for f in (1, sigma', sigma'^2, c, c^2, c sigma'). V_pre is resolved on
    sub-cells of the chain's bins (exact Gaussian / mixture cell probabilities), f averaged over them
    (:func:`_cell_means`). Returns a list (one per node) of dicts of (N, N) matrices."""
    w_s = _surrogate.width_of(kind, width)
    theta = cp.v_th - cp.v_reset
    ops = []
    for k in range(drives.size):
        x = pts[k]
        N = x.size
        h = x[2] - x[1]
        e = np.concatenate([x[1:] - 0.5 * h, [x[-1] + 0.5 * h]])            # post-cell edges (N)
        nb_lo = int(np.argmin(np.abs(e - cp.v_th)))
        e[nb_lo] = cp.v_th
        # V_pre intervals and the post state each one maps to
        lo_iv, hi_iv, dest = [e[:nb_lo]], [e[1:nb_lo + 1]], [np.arange(1, nb_lo + 1)]
        if cp.reset == "zero":    # every V_pre >= v_th goes to the reset atom (cells: bins and a sinh grid)
            reach = 12.0 * s + 40.0 * w_s
            a = cp.v_th + np.unique(np.concatenate([h * np.arange(int(min(reach / h, 200)) + 1),
                                                    w_s * np.sinh(np.linspace(0.0, math.asinh(reach / w_s), 120))]))
            lo_iv.append(a)
            hi_iv.append(np.append(a[1:], np.inf))
            dest.append(np.zeros(a.size, int))
        else:
            a = np.maximum(e[:-1] + theta, cp.v_th)
            b = np.maximum(e[1:] + theta, cp.v_th)
            b[-1] = np.inf
            lo_iv.append(a)
            hi_iv.append(b)
            dest.append(np.arange(1, N))
        lo_iv, hi_iv, dest = np.concatenate(lo_iv), np.concatenate(hi_iv), np.concatenate(dest)
        keep = hi_iv > lo_iv
        lo_iv, hi_iv, dest = lo_iv[keep], hi_iv[keep], dest[keep]
        # an infinite top interval ends 12 SDs (+ surrogate reach) above its start; sub-cells
        # where the surrogate varies on the scale of a bin (within a few widths of threshold)
        inf = np.isinf(hi_iv)
        top = np.where(inf, lo_iv + 12.0 * s + 40.0 * w_s, hi_iv)
        dist = np.maximum(0.0, np.maximum(lo_iv - cp.v_th, cp.v_th - top))
        ns = np.clip(np.ceil(_SUB_PER_WIDTH * (top - lo_iv) / (w_s + dist)), 1, 64).astype(int)
        ns[inf] = np.maximum(ns[inf], 8)
        iv = np.repeat(np.arange(lo_iv.size), ns)
        j = np.arange(iv.size) - np.repeat(np.cumsum(ns) - ns, ns)
        left = lo_iv[iv] + (top - lo_iv)[iv] * j / ns[iv]
        right = lo_iv[iv] + (top - lo_iv)[iv] * (j + 1) / ns[iv]
        last_inf = inf[iv] & (j == ns[iv] - 1)
        right = np.where(last_inf, np.inf, right)
        mu = cp.beta * x + drives[k]
        if mix is None:
            z = (np.concatenate([left, right])[None, :] - mu[:, None]) / s
            cdf = special.ndtr(z)
        else:
            mk = discrete.CountMixture(mix.q, mix.c[k:k + 1], mix.sc)
            # on the sorted distinct edges (the sub-cells' left and right ends mostly coincide),
            # where _mix_cdf takes its table or banded sum instead of every component everywhere
            edges, back = np.unique(np.concatenate([left, np.where(np.isinf(right), 1e300, right)]),
                                    return_inverse=True)
            cdf = discrete._mix_cdf(edges[None, None, :], (cp.beta * x)[None, :, None], s, mk)[0][:, back]
        prob = cdf[:, iv.size:] - cdf[:, :iv.size]                          # (N, n_sub)
        r_fin = np.where(last_inf, left + (top - lo_iv)[iv] / ns[iv], right)
        # f averaged over each sub-cell (integrated: the surrogate can be narrower than a sub-cell)
        fs = _cell_means(left, r_fin, cp, kind, w_s, detach)
        fs["1"] = np.ones_like(left)
        fs["y"] = (0.5 * (left + r_fin) >= cp.v_th).astype(float)
        dest = dest[iv]
        agg = sparse.csr_matrix((np.ones(dest.size), (np.arange(dest.size), dest)), shape=(dest.size, N))
        ops.append({name: np.asarray((agg.T @ (prob * f).T).T) for name, f in fs.items()})
    return ops


def _path_functions(op, pi, T):
    r"""Chain-exact path expectations of one node (lags 0..T-1), for the two ways two backward
    paths [t, u) and [t', u') can lie (``M_f``: the weighted transfer operators, ``pi`` the
    stationary law, ``1`` the vector of ones):

    - nested / overlapping (the later surrogate time's path starts by the earlier one):
      ``H3[a, b, d] = pi M_c^a M_cc^b R_d``, ``R_0 = M_ss 1``, ``R_d = M_cs M_c^(d-1) M_s 1``
      (a steps on one path, b on both, then the earlier sigma', d steps to the later one);
    - disjoint: ``H4[a, g, b] = pi M_c^a M_s M_1^g M_c^b M_s 1`` (a steps of the first path, its
      sigma', g free steps, b steps of the second path, its sigma')."""
    N = pi.size
    Lc = np.empty((T, N))
    Lc[0] = pi
    for a in range(1, T):
        Lc[a] = Lc[a - 1] @ op["c"]
    LL = np.empty((T, T, N))                         # [a, b] = pi M_c^a M_cc^b
    LL[:, 0] = Lc
    for b in range(1, T):
        LL[:, b] = LL[:, b - 1] @ op["cc"]
    Bs = np.empty((T, N))                            # [b] = M_c^b M_s 1
    Bs[0] = op["s"].sum(axis=1)
    for b in range(1, T):
        Bs[b] = op["c"] @ Bs[b - 1]
    R = np.empty((T, N))
    R[0] = op["ss"].sum(axis=1)
    R[1:] = (op["cs"] @ Bs[:-1].T).T
    H3 = np.einsum("abn,dn->abd", LL, R)
    A = Lc @ op["s"]                                 # [a] = pi M_c^a M_s
    AG = np.empty((T, T, N))
    AG[:, 0] = A
    for g in range(1, T):
        AG[:, g] = AG[:, g - 1] @ op["1"]
    H4 = np.einsum("agn,bn->agb", AG, Bs)
    rho = Lc @ Bs[0]                                 # [d] = E[prod_{k<d} c_k sigma'_d]
    return H3, H4, rho


def _time_covariance(H, G):
    r"""D(t, t') = sum_{u>=t, u'>=t'} E[P(t,u) sigma'_u P(t',u') sigma'_{u'}] G(u, u') for one node,
    P(t,u) = prod_{t<=k<u} c_k, the path expectation from :func:`_path_functions`."""
    H3, H4 = H[0], H[1]
    T = G.shape[0]
    t = np.arange(T)
    u1 = t[:, None, None]                                # axes: u, t', u'
    t2 = t[None, :, None]
    u2 = t[None, None, :]
    D = np.zeros((T, T))
    for t1 in range(T):
        valid = (u1 >= t1) & (u2 >= t2)
        first = u1 <= u2                                 # path 1 holds the earlier surrogate time
        ue = np.minimum(u1, u2)
        te = np.where(first, t1, t2)
        tl = np.where(first, t2, t1)
        ul = np.maximum(u1, u2)
        covered = tl <= ue
        lo = np.minimum(t1, t2)
        hi = np.maximum(t1, t2)
        a3 = np.clip(hi - lo, 0, T - 1)
        b3 = np.clip(ue - hi, 0, T - 1)
        d3 = np.clip(ul - ue, 0, T - 1)
        a4 = np.clip(ue - te, 0, T - 1)
        g4 = np.clip(tl - ue - 1, 0, T - 1)
        b4 = np.clip(ul - tl, 0, T - 1)
        e = np.where(covered, H3[a3, b3, d3], H4[a4, g4, b4])
        e = np.where(valid, e, 0.0)
        D[t1] = np.einsum("uqv,uv->q", e, G)
    return 0.5 * (D + D.T)


def _bptt_layer(neuron, n, state, wm, ws, kind, width, detach, T):
    """(node weights, per-node lag kernels, E[sigma'^2], E[c], output state) of one layer."""
    cp = neuron.chain_params()
    out, p_nodes, w, drives, s, dens = _layer_model(cp, neuron.gain, n, state, wm, ws, want_density=True)
    if s <= 0.0:   # isolated or no input: the membrane sits at rest, sigma' and c are constants
        v = np.array([_rest_potential(cp)])
        sg = float(_surrogate.derivative(v[0] - cp.v_th, kind, width))
        c = float(_path_factor(v, cp, kind, width, detach)[0])
        op = {"1": np.ones((1, 1)), "s": np.full((1, 1), sg), "ss": np.full((1, 1), sg * sg),
              "c": np.full((1, 1), c), "cc": np.full((1, 1), c * c), "cs": np.full((1, 1), c * sg)}
        return np.array([1.0]), [_path_functions(op, np.ones(1), T)], sg * sg, c, out
    if dens is None:
        mix = _count_mixture(n, state, drives, s, neuron.gain * n * state.ep * wm)
        ch = discrete.grid_chain(drives, s, counts=mix, density=True, **cp._asdict())
        dens = (ch.pi, ch.states, mix)
    pi, pts, mix = dens
    ops = _chain_operators(cp, drives, s, mix, pi, pts, kind, width, detach)
    kerns = [_path_functions(op, pi[k], T) for k, op in enumerate(ops)]
    e2 = float(w @ np.array([(pi[k] @ op["ss"]).sum() for k, op in enumerate(ops)]))
    ec = float(w @ np.array([(pi[k] @ op["c"]).sum() for k, op in enumerate(ops)]))
    return w, kerns, e2, ec, out


#: the AR(1) part of a coloured drive carries at most this share of the drive's variance per
#: step (the rest is white: the Rouwenhorst chain's few states need a white part to smooth them)
_MEMORY_AR_SHARE = (0.5, 0.75)


def _memory_drive(G, c0, c, u):
    r"""Coloured drive of a layer from the population-averaged autocovariance of its input trains,
    ``c0`` at lag 0 and ``c`` at lags 1..K (scaled by ``G`` = g^2 n (w_std^2 + w_mean^2)): a white
    part of SD ``s_w`` plus an AR(1) part of variance ``A`` and lag-1 correlation ``a``. Bursty
    trains (positive lagged covariances): the AR(1) of :func:`_ar_fit`; regular trains (negative
    membrane-weighted lagged sum ``u . c``): an AR(1) with a < 0 and A = 0.5 (else 0.75) of the
    per-step variance, a chosen so that A sum_k u_k a^k = G u . c. The white part takes the rest
    of the membrane-weighted variance G (c0 + 2 u . c), which is thus exact (as in
    :func:`_pair_from_covariances`). Returns (s_w, sqrt(A), a)."""
    v0, vu = G * c0, G * (c0 + 2.0 * float(u @ c))
    k = np.arange(1, c.size + 1)
    A, a = _ar_fit(G, c)
    if A > _MEMORY_AR_SHARE[-1] * v0:
        A = _MEMORY_AR_SHARE[-1] * v0
    lag_u = G * float(u @ c)
    if A == 0.0 and lag_u < 0.0:
        for share in _MEMORY_AR_SHARE:
            f = lambda x: share * v0 * float(u @ x**k) - lag_u   # noqa: E731  (> 0 at x = 0)
            if f(-0.95) < 0.0:
                A, a = share * v0, optimize.brentq(f, -0.95, 0.0, xtol=1e-10)
                break
        else:
            A, a = _MEMORY_AR_SHARE[-1] * v0, -0.95
    ar_u = A * (1.0 + 2.0 * float(u @ a**k)) if A > 0.0 else 0.0
    s_w2 = max(vu - ar_u, 0.05 * v0)
    return math.sqrt(s_w2), math.sqrt(A), a


def _coloured_node(cp, d, s_w, ar, kind, width, detach, lags):
    """One node's two-dimensional chain, membrane x Rouwenhorst state of the AR(1) part ``ar =
    (sd, a)`` of its drive (None: white, one state): the operators of :func:`_chain_operators`
    per AR state z (drive d + z, white SD ``s_w``, on one grid) times the AR transition R[z, z'].
    Returns (operators, stationary law, rate, E[y_0 y_k] for k = 1..lags)."""
    if ar is None:
        z, R = np.zeros(1), np.ones((1, 1))
    else:
        z, R, _ = _rouwenhorst(_CORR_AR_STATES, ar[1], ar[0])
    nz = z.size
    s_tot = math.hypot(s_w, 0.0 if ar is None else ar[0])
    pts = discrete._grid(np.array([d + z[0] if cp.beta < 1.0 else d]), s_tot, cp.beta, cp.v_th, cp.v_reset,
                         cp.reset, 0).pts[0]
    N = pts.size
    ops = _chain_operators(cp, d + z, s_w, None, None, np.tile(pts, (nz, 1)), kind, width, detach)
    op = {f: np.einsum("jab,jk->jakb", np.stack([o[f] for o in ops]), R).reshape(nz * N, nz * N)
          for f in ops[0]}
    n2 = nz * N
    # stationary law: rows renormalised (mass off the grid's ends), and a 1e-12 chance per step of a
    # restart at the reset atom of the row's AR state (as grid_chain does), so every chain is irreducible
    rs = op["1"].sum(1, keepdims=True)
    restart = np.zeros((n2, n2))
    restart[np.arange(n2), np.arange(n2) // N * N] = 1.0
    P = np.where(rs > 0.0, op["1"] / np.where(rs > 0.0, rs, 1.0), restart)
    P = (1.0 - 1e-12) * P + 1e-12 * restart
    Z = (np.eye(n2) - P + 1.0).T                                     # pi (I - P + 11^T) = 1^T
    try:
        pi = np.linalg.solve(Z, np.ones(n2))
    except np.linalg.LinAlgError:
        pi = np.linalg.lstsq(Z, np.ones(n2), rcond=None)[0]
    pi = np.maximum(pi, 0.0) / np.maximum(pi, 0.0).sum()
    vy = op["y"].sum(1)
    p = float(pi @ vy)
    r = pi @ op["y"]
    eyy = np.empty(lags)
    for j in range(lags):
        eyy[j] = r @ vy
        r = r @ op["1"]
    return op, pi, p, eyy


def _bptt_layer_coloured(neuron, n, state, memory, wm, ws, kind, width, detach, T, lags=_CORR_LAGS):
    """:func:`_bptt_layer` with the input's memory as a chain state: the input trains'
    population-averaged autocovariance ``memory = (c0, c[1..lags])`` (None: the Bernoulli input,
    white) fitted by :func:`_memory_drive`, each node's law the two-dimensional chain of
    :func:`_coloured_node`. Returns (node weights, kernels, E[sigma'^2], E[c], output state,
    output memory)."""
    cp = neuron.chain_params()
    g = neuron.gain
    m, s, sdm = (float(x) for x in _drive_stats(g, n, state.ep, state.evf, state.quenched, wm, ws))
    if s <= 0.0 or state.ep < _SPARSE:
        return _bptt_layer(neuron, n, state, wm, ws, kind, width, detach, T) + (None,)
    u = _lag_weights(cp, T, lags)
    ar = None
    if memory is not None:
        s, sd_ar, a = _memory_drive(g * g * n * (ws * ws + wm * wm), memory[0], memory[1], u)
        ar = (sd_ar, a) if sd_ar > 0.0 else None
    drives, w = normal_nodes(m, sdm, 1 if state.quenched <= 0.0 else _N_HERMITE)
    kerns, e2, ec, p, eyy = [], np.empty(w.size), np.empty(w.size), np.empty(w.size), np.empty((w.size, lags))
    for k, d in enumerate(drives):
        op, pi, p[k], eyy[k] = _coloured_node(cp, float(d), s, ar, kind, width, detach, lags)
        kerns.append(_path_functions(op, pi, T))
        e2[k], ec[k] = (pi @ op["ss"]).sum(), (pi @ op["c"]).sum()
    c0 = float(w @ (p * (1.0 - p)))
    c = w @ (eyy - (p * p)[:, None])
    out = _State(w @ p, w @ p**2, max(c0 + 2.0 * float(u @ c), 1e-12 * c0), state.rows)
    return w, kerns, float(w @ e2), float(w @ ec), out, (c0, c)


def bptt_gain(widths, w_means, w_stds, *, neuron, input_rate, n_steps, surrogate="fast_sigmoid",
              surrogate_width=None, readout="count", detach_reset=True, weight_dist="normal",
              input_memory=False) -> BPTTGain:
    r"""Per-layer norms of the surrogate gradient under backpropagation through time (BPTT).

    The network of :func:`predict_network` (Bernoulli input at ``input_rate``, i.i.d. weights,
    the canonical step map with an immediate reset) run for ``n_steps`` steps from its
    stationary state, with the loss :math:`\mathcal L = \sum_i e_i \sum_t S^L_i[t]`
    (``readout="count"``: a random linear readout of the top layer's spike counts,
    :math:`e_i \sim N(0,1)`) or :math:`\sum_{i,t} e_i[t] S^L_i[t]` (``readout="step"``: a
    white error at every step). Backward, per layer l, neuron i, step t:

    .. math::

        \delta^l[t] = \sigma'(V^l[t]-v_\mathrm{th})\,g^l[t] + c^l[t]\,\delta^l[t+1],\qquad
        g^{l-1}_j[t] = g\sum_i W^l_{ij}\,\delta^l_i[t],

    with :math:`c = \beta\,\partial V_\mathrm{post}/\partial V` the time path: ``beta`` for a
    detached subtractive reset, :math:`\beta(1-S)` for a detached reset to zero (snnTorch's
    ``mem_reset`` detaches the reset), :math:`\beta(1-\theta\sigma')` for a subtractive reset
    whose spike is not detached (snnTorch ``Leaky(reset_delay=False)``), and
    :math:`\beta[(1-S) + (v_\mathrm{reset}-V)\sigma']` for a reset to zero not detached.

    **Method.** Mean-field backpropagation: the error arriving at layer l is independent of
    the layer's own state and Gaussian across neurons, with time covariance
    :math:`G_l(t,t') = g^2 n_{l+1}(\sigma_w^2+\mu_w^2) D_{l+1}(t,t')` (:math:`G_L = 1` for
    the count readout, the identity for ``"step"``); then

    .. math::

        D_l(t,t') = \sum_{u\ge t,\,u'\ge t'} E\big[P(t,u)\sigma'_u\,P(t',u')\sigma'_{u'}\big]\,G_l(u,u'),
        \qquad P(t,u) = \prod_{t\le k<u} c_k,

    averaged over the neurons' quenched drives (the depth model's Gauss–Hermite nodes). The
    path expectation is taken on the stationary step-map chain of the depth model
    (:func:`snntheory.discrete.grid_chain`; :math:`\sigma'` and ``c`` averaged over sub-cells
    of its bins): exactly for a detached subtractive reset, where it is
    :math:`\beta^{u-t+u'-t'}K(u-u')` with :math:`K(d) = E[\sigma'_0\sigma'_d]` the chain's
    surrogate autocorrelation; otherwise closed by the chain-exact one-path functions
    :math:`\Gamma_m(n) = E[\prod_{k<n} c_k^m]` and :math:`K_c(d) = E[\sigma'_0 c_0\cdots
    c_{d-1}\sigma'_d]` (steps covered by both paths weigh :math:`\Gamma_2`, by one
    :math:`\Gamma_1`, the stretch between the two surrogate times :math:`K_c`), which drops the
    correlation between separate stretches of one path. The weight gradient uses
    :math:`E[S_j[t]S_j[t']] = E[p^2] + \delta_{tt'}(E[p]-E[p^2])` of the input layer (its
    spike-train autocorrelation left out).

    Assumptions and accuracy: the independence of mean-field backpropagation (a neuron's
    spike kicks its targets, so the error it receives back depends on its own state: left out)
    and the depth model's stationary membrane law, whose inputs are white Bernoulli trains. On
    one layer driven by the Bernoulli input the norm is within 5 % of PyTorch autograd for both
    resets, detached or not; over 8 layers of i.i.d.-weight networks the per-layer ratio to the
    top layer, measured over predicted, reaches 1.75-5.0 with a subtractive reset (its spike
    trains are bursty, which the forward law leaves out) and 0.14-0.61 with a reset to zero,
    no grid point within 20 % on every layer (``benchmarks/results/bptt.md``, derivations/bptt.md section 7).
    With ``input_memory=True`` (beta 0.9 and 1, both resets, width 200, 0.04 V) the forward
    factor's largest error falls from 0.59-1.14 to 0.12-0.58 and the total's from 0.61-2.95 to
    0.39-1.42 (``benchmarks/results/bptt_memory.md``, section 8). Two terms left out dominate what
    remains (``benchmarks/diag_bptt_gap.py``, section 9): the correlation of a neuron's
    backpropagated error with its own spike through the same weights (autograd over autograd with
    independent feedback weights 2.1-2.5 at the deepest layer for beta = 1, not falling from width
    200 to 500), and the population synchrony that shared inputs build up through depth (the
    per-step spike count's variance several times that of independent neurons), which couples a
    layer's surrogate to the error sent down at the same step (a factor 1.2-2.2 at width 200).
    Validity: where a layer's RMS input per step exceeds :data:`MEAN_FIELD_MAX_INPUT_SD` (one
    threshold; ``input_sd``) the norms are off by 1-10 decades and the function warns.

    Parameters
    ----------
    widths, w_means, w_stds, neuron, input_rate, weight_dist
        As :func:`predict_network` (``neuron`` with a delta synapse, no refractoriness, an
        immediate reset).
    n_steps : int, keyword-only
        T, steps of the backpropagated window.
    surrogate, surrogate_width : keyword-only
        :mod:`snntheory.surrogate` family and width (V).
    readout : {"count", "step"}, keyword-only
    detach_reset : bool, keyword-only
        The reset enters the graph as a constant (snnTorch's and :mod:`snntheory.torch`'s
        convention) or through the surrogate.
    input_memory : bool, keyword-only
        Drive each layer above the first by coloured input instead of white: the layer below's
        chain autocovariance of spike trains (lags 1..48) fitted by a white part plus an AR(1)
        part (a > 0 for bursty, a < 0 for regular trains) whose Rouwenhorst state is a second
        chain coordinate beside the membrane (derivations/bptt.md section 8; Gaussian
        increments, ~5x slower).

    Returns
    -------
    BPTTGain

    Raises
    ------
    NoSolutionError
        No matrix gets a gradient (the network's input is silent, ``input_rate = 0``), or the
        top layer's error vanishes (a compact surrogate far below threshold): the ratios are
        undefined.

    Examples
    --------
    >>> from snntheory import LIF
    >>> r = bptt_gain([200] * 5, 0.0, (2 / 200) ** 0.5, neuron=LIF.from_beta(0.9, reset="subtract"),
    ...               input_rate=100.0, n_steps=20)
    >>> float(r.delta_ratio[-1])
    1.0
    """
    widths, rate0, wms, wss = _check_layers(widths, w_means, w_stds, neuron, input_rate, weight_dist)
    if not _trainability_covers(neuron):
        raise ParameterError("bptt_gain needs no refractoriness (tau_ref = 0) and an immediate reset "
                             "(reset_delay=False)")
    T = check_int("n_steps", n_steps)
    check_choice("readout", readout, ("count", "step"))
    detach_reset = check_bool("detach_reset", detach_reset)
    input_memory = check_bool("input_memory", input_memory)
    kind = surrogate
    width = _surrogate._width_of(surrogate, surrogate_width)
    L = len(widths) - 1
    g = neuron.gain
    state = _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows")
    layers = []
    memory = None     # the input trains' autocovariance (input_memory; None: white Bernoulli input)
    for l in range(L):
        if input_memory:
            wn, kerns, e2, ec, out, memory = _bptt_layer_coloured(neuron, widths[l], state, memory, wms[l], wss[l],
                                                                  kind, width, detach_reset, T)
        else:
            wn, kerns, e2, ec, out = _bptt_layer(neuron, widths[l], state, wms[l], wss[l], kind, width,
                                                 detach_reset, T)
        layers.append((wn, kerns, e2, ec, state, out.ep))
        state = out
    G = np.ones((T, T)) if readout == "count" else np.eye(T)
    Gb = np.zeros((T, T))       # the part of G common to all neurons of the layer (mean weight)
    lag = np.arange(T)[None, :] - np.arange(T)[:, None]
    delta, spike, wnorm = np.empty(L), np.empty(L), np.empty(L)
    within, through = np.full(L, np.nan), np.empty(L)
    for l in range(L - 1, -1, -1):
        wn, kerns, e2, ec, st_in, _ = layers[l]
        n_l = widths[l + 1]
        D = sum(wk * _time_covariance(kk, G) for wk, kk in zip(wn, kerns))
        delta[l] = n_l * float(np.trace(D))
        spike[l] = n_l * float(np.trace(G))
        through[l] = float(np.trace(D)) / (e2 * float(np.trace(G))) if e2 > 0 else math.nan
        sc = np.full((T, T), st_in.ep2) + np.eye(T) * (st_in.ep - st_in.ep2)
        wnorm[l] = g * g * n_l * widths[l] * float(np.sum(D * sc))
        if l:
            m2 = g * g * (wss[l] ** 2 + wms[l] ** 2)
            mu2 = (g * wms[l]) ** 2
            rho = sum(wk * kk[2] for wk, kk in zip(wn, kerns))
            M = np.where(lag >= 0, rho[np.clip(lag, 0, T - 1)], 0.0)      # M[t, u] = E[P(t,u) sigma'_u]
            common = mu2 * (n_l * n_l - n_l) * (M @ Gb @ M.T)
            Gb = mu2 * n_l * D + common
            G = n_l * m2 * D + common
            within[l - 1] = n_l * m2 * layers[l - 1][2]
    if not (delta[-1] > 0.0 and np.any(wnorm > 0.0)):
        # no weight matrix receives a gradient (the network's input is silent), or the top layer's
        # surrogate vanishes (a compact surrogate far below threshold): nothing to take ratios to
        raise NoSolutionError(
            f"the weight matrices get no gradient (largest norm {np.max(wnorm):.3g}, the top layer's error norm "
            f"{delta[-1]:.3g}; the input fires {layers[0][4].ep:.3g} spikes per step), so the per-layer "
            "ratios are undefined; raise input_rate or the weights")
    # a silent layer still passes the error down (its membrane sits near rest, where the surrogate is
    # non-zero), but the matrix above it gets no weight gradient (its input never spikes): when that
    # is the top matrix, the ratios to it are inf (this matrix gets a gradient) or 1 (neither does)
    if wnorm[-1] > 0.0:
        wratio = wnorm / wnorm[-1]
    else:
        wratio = np.where(wnorm > 0.0, np.inf, 1.0)
    s_in = _input_sd(g, widths, wss, np.array([x[4].ep for x in layers]), neuron.theta)
    if np.max(s_in) > MEAN_FIELD_MAX_INPUT_SD:
        warnings.warn(_mean_field_warning("bptt_gain", float(np.max(s_in))), ApproximationWarning, stacklevel=2)
    return BPTTGain(delta, delta / delta[-1], spike, wnorm, wratio, within, through,
                    np.array([x[2] for x in layers]), np.array([x[3] for x in layers]),
                    np.array([x[5] for x in layers]), T, readout,
                    bool(detach_reset), s_in)


# =============================================================================================
# fast route: the depth model, the correlation closure and the gradient closure, batched
# =============================================================================================

#: quenched nodes and grid bins of the batched depth model of :func:`phase_diagram`
_FAST_NODES = 6
_FAST_BINS = 60
#: bins of the second pass for points whose increment SD is below one bin of the first
_FINE_BINS = 120
#: grid points per batch of chains (a batch's arrays stay within the cache's reach)
_FAST_CHUNK = 64
#: one-sided step of chi_c (the exact route's default, :func:`correlation_fixed_point`)
_CHI_EPS = 0.02


def _fast_law(cp, drives, s, kind, width, detach, max_bins=_FAST_BINS):
    """Batched stationary chains, one per row of ``drives`` (K,) with SDs ``s`` (K,), on at most
    ``_FAST_BINS`` bins: ``(p, F, pi, pts, mom)`` with ``mom`` the per-row moments of the
    pre-threshold potential ``u = beta x + d + s Z`` that the closures need: E[u], Var[u] and
    E[f(u)] for f in (sigma', sigma'^2, c, c^2, c sigma') (``c`` the time path of
    :func:`_path_factor`), averaged over the cells of u (the chain's bins below ``v_th``, cells
    of its bin width above) by :func:`_cell_means`."""
    beta, v_th = cp.beta, cp.v_th
    ch, g, P, R = discrete._solve_grid_chain(drives, s, beta, v_th, cp.v_reset, cp.reset, 0, None, None, True,
                                             True, max_bins=max_bins)
    pi, pts = ch.pi, ch.states
    nb_lo = g.nb_lo
    T = P[:, :, 1:nb_lo + 1] - (0.0 if R is None else R[:, :, :nb_lo])  # no spike: u in the bins below v_th
    below = np.einsum("ki,kij->kj", pi, T)
    h = g.edges[:, 1] - g.edges[:, 0]
    n_up = int(math.ceil(float(np.max(8.0 * s / h)))) + 1
    up = v_th + h[:, None] * np.arange(n_up + 1)[None, :]                # cells above v_th (last: to infinity)
    cdf = special.ndtr((up[:, None, :] - (beta * pts + drives[:, None])[:, :, None]) / s[:, None, None])
    cdf[:, :, -1] = 1.0
    above = np.einsum("ki,kij->kj", pi, np.diff(cdf, axis=2))
    lo_e = np.concatenate([g.edges[:, :nb_lo], up[:, :-1]], axis=1)
    hi_e = np.concatenate([g.edges[:, 1:nb_lo + 1], up[:, 1:]], axis=1)
    lo_e[:, 0] = hi_e[:, 0] - h                                           # the open lowest cell: its bin
    law = np.concatenate([below, above], axis=1)
    means = _cell_means(lo_e, hi_e, cp, kind, width, detach)
    mom = {name: np.einsum("kj,kj->k", law, f) for name, f in means.items()}
    ex = np.einsum("ki,ki->k", pi, pts)
    vx = np.einsum("ki,ki->k", pi, pts * pts) - ex * ex
    mom["u_mean"] = beta * ex + drives
    mom["u_var"] = beta * beta * np.maximum(vx, 0.0) + s * s
    return ch.rate, ch.regularity, pi, pts, mom, h


def _cell_means(lo, hi, cp, kind, width, detach):
    """Averages over the cells [lo, hi) (any shape, hi > lo) of f(u) for f in (sigma', sigma'^2, c,
    c^2, c sigma') (``c`` the time path of :func:`_path_factor`), u uniform in the cell: differences
    of their running integrals, tabulated by 3-point Gauss-Legendre on cells u - v_th = w sinh(x),
    dx = _DU_SURROGATE (0.025 w wide at the threshold, which is a cell edge, as are the kinks of the
    time path there), so a surrogate far narrower than the cells is integrated, not sampled
    (midpoint sub-points at 1/8 of a bin missed a width-4e-4 V fast sigmoid's peak: sigma'^2 was
    ~70x too small)."""
    v_th = cp.v_th
    w = _surrogate.width_of(kind, width)
    a, b = min(float(np.min(lo)), v_th - w), max(float(np.max(hi)), v_th + w)
    x_lo, x_hi = math.asinh((a - v_th) / w), math.asinh((b - v_th) / w)
    n_lo, n_hi = (max(1, int(math.ceil(abs(e) / _DU_SURROGATE))) for e in (x_lo, x_hi))
    x = np.concatenate([np.linspace(x_lo, 0.0, n_lo + 1), np.linspace(0.0, x_hi, n_hi + 1)[1:]])
    edges = v_th + w * np.sinh(x)
    edges[n_lo] = v_th
    q, qw = gauss_legendre(3)
    h = np.diff(edges)
    nodes = 0.5 * (edges[1:] + edges[:-1])[:, None] + 0.5 * h[:, None] * q
    sg = _surrogate.derivative(nodes - v_th, kind, width)
    c = _path_factor(nodes, cp, kind, width, detach)
    out = {}
    for name, f in (("s", sg), ("ss", sg * sg), ("c", c), ("cc", c * c), ("cs", c * sg)):
        run = np.concatenate([[0.0], np.cumsum((0.5 * h[:, None] * qw * f).sum(axis=1))])
        out[name] = (np.interp(hi, edges, run) - np.interp(lo, edges, run)) / (hi - lo)
    return out


def _noise_free_rates(cp, drives, kind, width, detach, n_run=2000, n_count=1000):
    """Spikes per step of the noise-free map V <- beta V + d (both resets), for an array of
    drives at once: the map run ``n_run`` steps from ``v_reset``, spikes counted over the last
    ``n_count`` (its periodic orbit is reached within a few hundred steps; resolution 1e-3).
    Also the orbit's averages of the closures' moments (as :func:`_fast_law`; Var u = 0) and of
    the post-reset potential and its square (``v_mean``, ``v_sq``)."""
    v = np.full(drives.shape, cp.v_reset)
    theta = cp.v_th - cp.v_reset
    acc = {k: np.zeros(drives.shape) for k in ("rate", "s", "ss", "c", "cc", "cs", "u_mean", "v_mean", "v_sq")}
    for k in range(n_run):
        u = cp.beta * v + drives
        s = u >= cp.v_th
        v = np.where(s, cp.v_reset if cp.reset == "zero" else u - theta, u)
        if k >= n_run - n_count:
            sg = _surrogate.derivative(u - cp.v_th, kind, width)
            c = _path_factor(u, cp, kind, width, detach)
            for name, f in (("rate", s), ("s", sg), ("ss", sg * sg), ("c", c), ("cc", c * c), ("cs", c * sg),
                            ("u_mean", u), ("v_mean", v), ("v_sq", v * v)):
                acc[name] += f
    out = {k: a / n_count for k, a in acc.items()}
    out["u_var"] = np.zeros(drives.shape)
    return out


def _orbit_membrane(cp, drives, v_mean, v_sq, w):
    """Mean and variance over neurons (node weights ``w``, last axis) of the post-reset potential
    on the noise-free orbits (:func:`_noise_free_rates`' ``v_mean``, ``v_sq`` per node); inf
    where a node's membrane climbs without bound (:func:`_climbing`)."""
    mean = v_mean @ w
    var = v_sq @ w - mean * mean
    climb = np.any(_climbing(cp, drives), axis=-1)
    return np.where(climb, np.inf, mean), np.where(climb, np.inf, np.maximum(var, 0.0))


def _fast_layer(cp, gain, n, ep, ep2, evf, quenched, wm, ws, kind, width, detach, silent_below):
    """One layer of the batched depth model for B grid points (arrays (B,)): the chain of every
    (point, quenched node) on at most ``_FAST_BINS`` bins. Returns a dict with the output state
    (``ep``, ``ep2``, ``evf``), ``v_mean``, ``v_std``, ``silent`` per point, the node weights
    ``w`` (Q,) and per (point, node) the rate ``p``, the increment SD ``s`` and the moments of
    :func:`_fast_law` (B, Q). Points with no fluctuating input (isolated input spikes or none)
    take the sparse limit of :func:`_layer_model` and sit at rest."""
    B = ep.size
    m, s, sdm = _drive_stats(gain, n, ep, evf, quenched, wm, ws)
    m, s, sdm = (np.broadcast_to(x, (B,)).astype(float) for x in (m, s, sdm))
    z, w = normal_nodes(0.0, 1.0, _FAST_NODES)
    drives = m[:, None] + sdm[:, None] * z[None, :]
    live = (ep >= _SPARSE) & (s > 1e-9 * (cp.v_th - cp.v_reset))
    Q = z.size
    p = np.zeros((B, Q))
    F = np.ones((B, Q))
    rest = _rest_potential(cp)
    sg0 = float(_surrogate.derivative(rest - cp.v_th, kind, width))
    c0 = float(_path_factor(np.array([rest]), cp, kind, width, detach)[0])
    mom = {"s": sg0, "ss": sg0 * sg0, "c": c0, "cc": c0 * c0, "cs": c0 * sg0, "u_mean": rest, "u_var": 0.0}
    mom = {k: np.full((B, Q), v) for k, v in mom.items()}
    v_mean, v_var = np.full(B, rest), np.zeros(B)
    for b in np.nonzero(~live & (ep > 0.0))[0]:       # isolated input spikes: the sparse limit
        p[b] = min(n * ep[b] * _spikes_per_jump(cp, gain, float(np.broadcast_to(wm, (B,))[b]),
                                                float(np.broadcast_to(ws, (B,))[b])), 1.0)
    h_fin = np.zeros((B, Q))      # bin width of each (point, node)'s final chain
    coarse = []      # points whose chain bins are wider than the increment SD: solved again on a finer grid
    chunks = [(idx, _FAST_BINS) for idx in np.array_split(np.nonzero(live)[0], max(1, -(-int(live.sum()) // _FAST_CHUNK)))]
    while chunks:
        idx, bins = chunks.pop(0)
        if not idx.size:
            continue
        pk, Fk, pi, pts, mk, h = _fast_law(cp, drives[idx].ravel(), np.repeat(s[idx], Q), kind, width, detach,
                                           max_bins=bins)
        if bins == _FAST_BINS:
            bad = np.any((h > s[idx].repeat(Q)).reshape(-1, Q), axis=1)
            coarse.extend(idx[bad])
            if not chunks and coarse:
                chunks = [(c, _FINE_BINS) for c in np.array_split(np.array(coarse), -(-len(coarse) // 32))]
        if cp.beta == 1.0 and cp.reset == "subtract":   # charge conservation (as _layer_model)
            pk = np.clip(drives[idx].ravel() / (cp.v_th - cp.v_reset), 0.0, 1.0)
            Fk = np.ones_like(pk)
        p[idx], F[idx] = pk.reshape(-1, Q), Fk.reshape(-1, Q)
        h_fin[idx] = h.reshape(-1, Q)
        for k, v in mk.items():
            mom[k][idx] = v.reshape(-1, Q)
        ex = np.einsum("ki,ki->k", pi, pts).reshape(-1, Q)
        ex2 = np.einsum("ki,ki->k", pi, pts * pts).reshape(-1, Q)
        v_mean[idx] = ex @ w
        v_var[idx] = ex2 @ w - v_mean[idx] ** 2
        climb = np.any(_climbing(cp, drives[idx]), axis=1)
        v_mean[idx[climb]] = v_var[idx[climb]] = np.inf
    quiet = np.nonzero((ep >= _SPARSE) & ~live)[0]     # no input fluctuations: the noise-free map per node
    if quiet.size:
        nf = _noise_free_rates(cp, drives[quiet], kind, width, detach)
        p[quiet] = nf.pop("rate")
        F[quiet] = 1e-6
        v_mean[quiet], v_var[quiet] = _orbit_membrane(cp, drives[quiet], nf.pop("v_mean"), nf.pop("v_sq"), w)
        for k, v in nf.items():
            mom[k][quiet] = v
    silent = np.array([_silent_fraction(p[b], drives[b], m[b], sdm[b], silent_below, _rate_onset(cp))
                       for b in range(B)])
    return {"ep": p @ w, "ep2": (p * p) @ w, "evf": (p * (1.0 - p) * F) @ w, "v_mean": v_mean,
            "v_std": np.sqrt(np.maximum(v_var, 0.0)), "silent": silent, "w": w, "p": p,
            "s": np.broadcast_to(s[:, None], (B, Q)), "mom": mom,
            "unresolved": _unresolved(cp, drives, s, h_fin) & live}


def _unresolved(cp, drives, s, h):
    """Points (B,) with a quenched node (drives (B, Q), SD s (B,), final bin width h (B, Q))
    whose chain the batched grid does not resolve: bins wider than the increment SD and a node
    that can fire (its free law less than ``discrete._COARSE_Z`` SDs below v_th; for beta = 1 a
    drive above 1e-3 s). Measured against firing_probability, such nodes' rates are off by
    10-100 % (mostly too low); resolved ones by <= 6 % above 1e-3 spikes per step."""
    sv = s[:, None]
    if cp.beta < 1.0:
        with np.errstate(divide="ignore", invalid="ignore"):   # s = 0 (no chain): h = 0, not flagged
            z = (cp.v_th - drives / (1.0 - cp.beta)) * math.sqrt(1.0 - cp.beta * cp.beta) / sv
        fires = z < discrete._COARSE_Z
    else:
        fires = drives > 1e-3 * sv
    return np.any((h > sv) & fires, axis=1)


def _orthant(a, q):
    """P(X >= a, Y >= a) of a standard bivariate normal with correlation ``q`` (Owen's T)."""
    r = np.sqrt(np.clip((1.0 - q) / (1.0 + q), 0.0, None))
    return special.ndtr(-a) - 2.0 * special.owens_t(a, r)


def _closure_cov(q, a, k, sd, zero, theta):
    """Cov(phi(u_a), phi(u_b)) of the post-reset map ``phi`` for a bivariate normal pair of
    pre-threshold potentials (SD ``sd``, correlation ``q``, spike at z >= ``a``; ``k`` = mean
    minus v_reset) and the joint spike probability. Closed forms from the truncated moments of
    the bivariate normal (``derivations/phase.md``)."""
    pa = special.ndtr(-a)
    da = np.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi)
    L = _orthant(a, q)
    if not zero:     # phi = u - theta 1{z >= a}
        return sd * sd * q - 2.0 * sd * q * theta * da + theta * theta * (L - pa * pa), L
    # phi = u - 1{z >= a} (k + sd z)
    r = np.sqrt(np.clip((1.0 - q) / (1.0 + q), 0.0, None))
    tail = special.ndtr(-a * r)
    ez = (1.0 + q) * da * tail                                           # E[z_a 1 1]
    ezz = q * L + 2.0 * q * a * da * tail + np.sqrt(np.clip(1.0 - q * q, 0.0, None)) / (2.0 * math.pi) \
        * np.exp(-a * a / (1.0 + q))                                      # E[z_a z_b 1 1]
    ej = k * pa + sd * da
    czj = k * da + sd * (pa + a * da)
    ejj = k * k * L + 2.0 * k * sd * ez + sd * sd * ezz
    return sd * sd * q - 2.0 * sd * q * czj + ejj - ej * ej, L


def _closure_map(layer, rho, cp, n_iter=32, step_too=False):
    """Drive correlation of the outputs (:attr:`CorrelationMap.rho_out`, the same-step ratio)
    from the Gaussian-copula closure, per grid point, for input drive correlation ``rho``
    (scalar or (B,)). Per (point, node): the replicas' pre-threshold potentials are taken
    bivariate normal with the chain's mean and variance of u and the spike threshold at the
    chain's exact rate; their correlation q solves
    q = (beta^2 Cov(phi_a, phi_b; q) + rho s^2) / (beta^2 Var phi + s^2) (bisection).
    ``step_too``: also the per-step output correlation across neurons (:attr:`CorrelationMap.c_step`,
    with the shared quenched rates)."""
    p, mom, s, w = layer["p"], layer["mom"], layer["s"], layer["w"]
    ok = (p > 1e-12) & (p < 1.0 - 1e-12) & (mom["u_var"] > 0.0)
    pc = np.clip(p, 1e-300, 1.0 - 1e-16)
    a = -special.ndtri(pc)
    sd = np.sqrt(np.maximum(mom["u_var"], 1e-300))
    k = mom["u_mean"] - cp.v_reset
    zero = cp.reset == "zero"
    theta = cp.v_th - cp.v_reset
    b2 = cp.beta * cp.beta
    var_phi = _closure_cov(np.ones_like(a), a, k, sd, zero, theta)[0]
    den = b2 * var_phi + s * s
    den = np.where(den > 0.0, den, 1.0)   # no fluctuation at all (s = 0, Var phi = 0): q stays 0, masked by ok
    rho = np.broadcast_to(np.asarray(rho, float).reshape(-1, *([1] * (p.ndim - 1))) if np.ndim(rho) else rho,
                          p.shape)
    lo, hi = np.zeros_like(a), np.ones_like(a)
    for _ in range(n_iter):
        q = 0.5 * (lo + hi)
        up = (b2 * _closure_cov(q, a, k, sd, zero, theta)[0] + rho * s * s) / den > q
        lo, hi = np.where(up, q, lo), np.where(up, hi, q)
    q = np.where(rho >= 1.0, 1.0, 0.5 * (lo + hi))
    joint = _closure_cov(q, a, k, sd, zero, theta)[1]
    cab = np.where(ok, joint - p * p, 0.0)
    caa = np.where(ok, p * (1.0 - p), 0.0)
    var_p = np.maximum((p * p) @ w - (p @ w) ** 2, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (cab @ w) / (caa @ w)
        step = (var_p + cab @ w) / (var_p + caa @ w)
    live = (caa @ w) > 1e-14
    if not step_too:
        return np.where(live, np.clip(out, 0.0, 1.0), np.nan)
    return np.where(live, np.clip(out, 0.0, 1.0), np.nan), np.where(live, np.clip(step, -1.0, 1.0), np.nan)


def _closure_fixed_point(layer, cp, n_iter=30):
    """The correlation fixed point c* per grid point: the closure map iterated from rho = 0.5
    (as :func:`correlation_fixed_point` does on the exact map)."""
    r = np.full(layer["p"].shape[0], 0.5)
    for _ in range(n_iter):
        r_new = _closure_map(layer, r, cp)
        if np.all(~np.isfinite(r_new) | (np.abs(r_new - r) < 1e-4)):
            return r_new
        r = np.where(np.isfinite(r_new), r_new, r)
    return r_new


def _closure_delta(mom, G):
    """Delta covariance D(t, t') of a layer under the short-memory closure: the surrogate and
    the time path independent across steps (moments ``mom`` per (point, node), shape (B, Q)),
    the error arriving with time covariance ``G`` (B, T, T). Backward recursion (exact given
    the closure): D(t,t) = E[s'^2] G(t,t) + 2 E[c s'] A(t,t+1) + E[c^2] D(t+1,t+1),
    D(t,t') = E[s'] A(t,t') + E[c] D(t+1,t') for t < t', A = G M^T, M(t,u) = E[s'] E[c]^(u-t).
    Returns (D, M) of shape (B, Q, T, T)."""
    T = G.shape[-1]
    lag = np.arange(T)[None, :] - np.arange(T)[:, None]
    m1, c1 = mom["s"][..., None, None], mom["c"][..., None, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        M = np.where(lag >= 0, m1 * c1 ** np.maximum(lag, 0), 0.0)       # (B, Q, T, T)
    A = np.einsum("btu,bqsu->bqts", G, M)
    D = np.zeros(M.shape)
    s2, cs, c2, m1, c1 = (mom[k][..., None] for k in ("ss", "cs", "cc", "s", "c"))
    Gd = np.diagonal(G, axis1=1, axis2=2)[:, None, :]
    D[..., T - 1, T - 1] = s2[..., 0] * Gd[..., T - 1]
    for t in range(T - 2, -1, -1):
        D[..., t, t + 1:] = m1 * A[..., t, t + 1:] + c1 * D[..., t + 1, t + 1:]
        D[..., t + 1:, t] = D[..., t, t + 1:]
        D[..., t, t] = s2[..., 0] * Gd[..., t] + 2.0 * cs[..., 0] * A[..., t, t + 1] + c2[..., 0] * D[..., t + 1, t + 1]
    return D, M


def _closure_gains(layers, widths, wms, wss, gain, T, readout):
    """Backpropagated error norms ``delta[l] = n_l tr D_l`` (B, L) through the layers of the
    batched model, with the common mode of a non-zero mean weight (as :func:`bptt_gain`)."""
    B = layers[0]["p"].shape[0]
    L = len(layers)
    G = np.broadcast_to(np.ones((T, T)) if readout == "count" else np.eye(T), (B, T, T)).copy()
    Gb = np.zeros((B, T, T))
    delta = np.empty((B, L))
    for l in range(L - 1, -1, -1):
        lay = layers[l]
        n_l = widths[l + 1]
        Dq, Mq = _closure_delta(lay["mom"], G)
        D = np.einsum("q,bqts->bts", lay["w"], Dq)
        delta[:, l] = n_l * np.trace(D, axis1=1, axis2=2)
        if l:
            wm, ws = wms[l], wss[l]
            m2 = (gain * gain * (ws * ws + wm * wm))[:, None, None]
            mu2 = ((gain * wm) ** 2)[:, None, None]
            M = np.einsum("q,bqts->bts", lay["w"], Mq)
            common = mu2 * (n_l * n_l - n_l) * (M @ Gb @ np.swapaxes(M, 1, 2))
            Gb = mu2 * n_l * D + common
            G = n_l * m2 * D + common
    return delta


class PhaseDiagram(NamedTuple):
    r"""Result of :func:`phase_diagram`: arrays of shape ``grid + (L,)`` (``grid`` the broadcast
    shape of ``w_means`` and ``w_stds``; last axis: layers 1..L).

    Attributes
    ----------
    w_mean, w_std : ndarray
        The grid (V), shape ``grid``.
    rate : ndarray
        Rate of each layer (Hz).
    silent_fraction, v_mean, v_std : ndarray
        As :class:`LayerInit`.
    chi_c : ndarray
        One-sided slope :math:`(1 - f(1-\epsilon))/\epsilon` of the layer's drive-correlation
        map at 1 (``epsilon = 0.02``, as :func:`correlation_fixed_point`; NaN for a silent layer).
    c_star : ndarray
        The map's fixed point reached from 0.5 (NaN unless ``fixed_point=True``).
    grad_gain : ndarray
        Full (through-time) gradient gain :math:`\|\partial\mathcal L/\partial V_l\|^2 /
        \|\partial\mathcal L/\partial V_{l+1}\|^2` (NaN for the top layer).
    delta_ratio : ndarray
        :math:`\|\partial\mathcal L/\partial V_l\|^2` relative to the top layer's (as :class:`BPTTGain`).
    n_steps : int
    unresolved : ndarray of bool
        Layers whose batched chain does not resolve a neuron that can fire (bins wider than
        the increment SD even on the finer second grid: nearly undamped neurons, beta above
        ~0.995, with little drift at the reset); their rates can be off by 10-100 % (measured
        against :func:`snntheory.discrete.firing_probability`, mostly too low), and the layers
        above inherit the error. :func:`phase_diagram` warns when any is set.
    input_sd : ndarray
        Each layer's RMS input per step in thresholds (as :class:`BPTTGain`); ``grad_gain`` and
        ``delta_ratio`` are not trusted where any layer's exceeds :data:`MEAN_FIELD_MAX_INPUT_SD`,
        and :func:`phase_diagram` warns when a grid point does.
    """
    __repr__ = _result_repr

    w_mean: np.ndarray
    w_std: np.ndarray
    rate: np.ndarray
    silent_fraction: np.ndarray
    v_mean: np.ndarray
    v_std: np.ndarray
    chi_c: np.ndarray
    c_star: np.ndarray
    grad_gain: np.ndarray
    delta_ratio: np.ndarray
    n_steps: int
    unresolved: np.ndarray = None
    input_sd: np.ndarray = None


def _fast_network(widths, wms, wss, cp, neuron, rate0, rows, kind, width, detach, T, readout, silent_below,
                  fixed_point):
    """The batched model of :func:`phase_diagram` on flat arrays ``wms``, ``wss`` of shape (L, B)."""
    L = len(widths) - 1
    B = wms.shape[1]
    p0 = rate0 * neuron.dt
    ep, ep2, evf = np.full(B, p0), np.full(B, p0 * p0), np.full(B, p0 * (1.0 - p0))
    layers, chi, cstar = [], np.full((B, L), np.nan), np.full((B, L), np.nan)
    for l in range(L):
        quenched = np.maximum(ep2 - ep * ep, 0.0) if rows else ep2
        lay = _fast_layer(cp, neuron.gain, widths[l], ep, ep2, evf, quenched, wms[l], wss[l], kind, width, detach,
                          silent_below)
        chi[:, l] = (1.0 - _closure_map(lay, 1.0 - _CHI_EPS, cp)) / _CHI_EPS
        if fixed_point:
            cstar[:, l] = _closure_fixed_point(lay, cp)
        layers.append(lay)
        ep, ep2, evf = lay["ep"], lay["ep2"], lay["evf"]
    delta = _closure_gains(layers, widths, wms, wss, neuron.gain, T, readout)
    with np.errstate(invalid="ignore", divide="ignore"):
        gains = np.concatenate([delta[:, :-1] / delta[:, 1:], np.full((B, 1), np.nan)], axis=1)
        ratio = delta / delta[:, -1:]
    col = lambda k: np.stack([lay[k] for lay in layers], axis=1)   # noqa: E731
    rates_in = np.concatenate([np.full((B, 1), p0), col("ep")[:, :-1]], axis=1)
    s_in = _input_sd(neuron.gain, widths, wss.T, rates_in, neuron.theta)
    return (col("ep") / neuron.dt, col("silent"), col("v_mean"), col("v_std"), chi, cstar, gains, ratio,
            col("unresolved"), s_in)


def phase_diagram(widths, w_means, w_stds, *, neuron, input_rate, n_steps=16, surrogate="fast_sigmoid",
                  surrogate_width=None, readout="count", detach_reset=True, weight_dist="normal",
                  fixed_point=False, silent_below=SILENT_BELOW) -> PhaseDiagram:
    r"""Rate, silence, correlation slope and full gradient gain of every layer over a grid of
    weights, in one batched evaluation (the fast route of :func:`predict_network`).

    Every layer of the network has the weight mean and SD of one grid point (``w_means`` and
    ``w_stds`` broadcast against each other to the grid). Three approximations make a
    40 x 40 grid of a 10-layer network of width 128 take 31 s (reset to zero) and 60 s
    (subtraction) of one core's CPU time, against ~1 s per point for the exact depth model
    alone (``benchmarks/results/phase.md``):

    - **Depth model** as :func:`predict_network`, with 6 Gauss–Hermite nodes over the quenched
      drives and the step-map chain on at most 60 bins (Gaussian increments throughout: no count
      mixture for ``n E[p] < 8``).
    - **Correlation map, Gaussian-copula closure.** Per node, the two replicas' pre-threshold
      potentials :math:`u = \beta x + m + sZ` are taken bivariate normal with the chain's mean
      and variance of u, the spike threshold moved so that the marginal spike probability is
      the chain's exact rate. Their correlation q solves the one-step balance

      .. math::

          q = \frac{\beta^2\,\mathrm{Cov}(\phi(u_a), \phi(u_b); q) + \rho\, s^2}{\beta^2\,\mathrm{Var}\,\phi(u) + s^2},

      :math:`\phi` the post-reset map, in closed form (Owen's T); the output drive correlation
      is :math:`\rho_\mathrm{out} = E_i[P(u_a,u_b \ge \theta) - p_i^2] / E_i[p_i(1-p_i)]` and
      :math:`\chi_c = (1 - \rho_\mathrm{out}(1-\epsilon))/\epsilon`, :math:`\epsilon = 0.02`
      (``derivations/phase.md``).
    - **Gradient, short-memory closure.** :func:`bptt_gain`'s backward recursion with the
      surrogate and the time path independent across steps (their one-step moments from the
      chain), which turns the path sums into a recursion over the T x T delta covariance
      (``derivations/phase.md``).

    Accuracy: one layer's per-step output correlation within 0.02 of the exact two-replica chain
    and within 0.05 of the two-replica simulation over beta 0.8–1, both resets, input correlations
    0.5–0.98; the closure's ``rho_out`` is the same-step ratio above, while the exact chain's
    :attr:`CorrelationMap.rho_out` also carries the lagged covariances with membrane weights and is
    0.14–0.27 higher at those points, so the fast chi_c overstates decorrelation (up to ~3x: 20
    against 6.7 at beta 0.9, zero reset, c = 0.98) though both stay above 1; rates within 3 % of :func:`predict_network`'s
    depth model except in the saturated corner (bimodal layers above ~800 Hz, up to 10 %), and
    per-layer gradient gains up to 19 % below :func:`bptt_gain`'s, within 35 % of autograd over
    three layers (``benchmarks/results/phase.md``, ``tests/test_phase_diagram.py``). Against the
    exact chain (:func:`snntheory.discrete.firing_probability`) one node's rate is within 6 %
    above 1e-3 spikes per step wherever the batched grid's bins are at most one increment SD;
    where they are wider for a neuron that can fire (nearly undamped neurons, beta above ~0.995,
    with little drift at the reset) it is off by 10-100 %: those layers are flagged in
    ``PhaseDiagram.unresolved`` with an :class:`~snntheory.errors.ApproximationWarning`, not
    refused, so a scan over weights keeps its resolved points. The gradient columns share
    :func:`bptt_gain`'s validity bound (:data:`MEAN_FIELD_MAX_INPUT_SD`, ``PhaseDiagram.input_sd``;
    beyond it the fast route is off by 1-30 decades against autograd), and the function warns at
    grid points beyond it.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first.
    w_means, w_stds : array_like
        Weight mean and SD (V) of every layer, one per grid point (broadcast together).
    neuron, input_rate, weight_dist, surrogate, surrogate_width : keyword-only
        As :func:`predict_network` (``neuron``: delta synapse, no refractoriness).
    n_steps, readout, detach_reset : keyword-only
        As :func:`bptt_gain`.
    fixed_point : bool, keyword-only
        Also the correlation fixed point c* per layer (about 10 more closure solves per layer).
    silent_below : float, keyword-only

    Returns
    -------
    PhaseDiagram

    Examples
    --------
    >>> import numpy as np
    >>> from snntheory import LIF
    >>> pd = phase_diagram([100] * 4, np.array([0.0, 0.02]), 0.15, neuron=LIF.from_beta(0.9), input_rate=150.0)
    >>> pd.rate.shape
    (2, 3)
    """
    widths, rate0, wm0, ws0 = _check_layers(widths, 0.0, 0.0, neuron, input_rate, weight_dist)
    cp = _check_corr_neuron(neuron)[0]
    wm = np.asarray(check("w_mean", w_means, label="w_means"), float)
    ws = np.asarray(check("w_std", w_stds, label="w_stds"), float)
    wm, ws = broadcast(w_means=wm, w_stds=ws)
    shape = wm.shape
    T = check_int("n_steps", n_steps)
    check_choice("readout", readout, ("count", "step"))
    detach = check_bool("detach_reset", detach_reset)
    fixed_point = check_bool("fixed_point", fixed_point)
    width = _surrogate._width_of(surrogate, surrogate_width)
    silent_below = check_scalar("p_out", silent_below, label="silent_below")
    L = len(widths) - 1
    flat_m = np.broadcast_to(wm.reshape(1, -1), (L, wm.size)).copy()
    flat_s = np.broadcast_to(ws.reshape(1, -1), (L, ws.size)).copy()
    with one_blas_thread():
        res = _fast_network(widths, flat_m, flat_s, cp, neuron, rate0, weight_dist == "rows", surrogate, width,
                            detach, T, readout, silent_below, fixed_point)
    res = [r.reshape(shape + (L,)) for r in res]
    s_in = res.pop()
    unresolved = res.pop()
    outside = np.max(s_in, axis=-1) > MEAN_FIELD_MAX_INPUT_SD
    if outside.any():
        warnings.warn(_mean_field_warning(f"phase_diagram: at {int(outside.sum())} of {outside.size} grid points",
                                          float(np.max(s_in))), ApproximationWarning, stacklevel=2)
    if unresolved.any():
        warnings.warn(f"phase_diagram: at {int(unresolved.any(axis=-1).sum())} of {unresolved[..., 0].size} grid "
                      "points a layer's neurons are nearly undamped walks with little drift at the reset that "
                      "the batched grid does not resolve (PhaseDiagram.unresolved): rates there can be off by "
                      "10-100 %; check them with predict_network or discrete.firing_probability, or use a smaller "
                      "beta", ApproximationWarning, stacklevel=2)
    return PhaseDiagram(wm, ws, *res, T, unresolved, s_in)


def _with_trainability(plan, widths, wss, neuron, rate0, gains, chi=None, cst=None):
    """``plan`` with each layer's full gradient gain, RMS input per step and (if given) chi_c and
    c_star, and a note where that input leaves the gradient theory's validity
    (:data:`MEAN_FIELD_MAX_INPUT_SD`)."""
    rates_in = np.concatenate([[rate0], plan.rates[:-1]]) * neuron.dt
    s_in = _input_sd(neuron.gain, widths, np.asarray(wss, float), rates_in, neuron.theta)
    layers = tuple(replace(l, full_grad_gain=float(gains[i]), input_sd=float(s_in[i]),
                           **({} if chi is None else dict(chi_c=float(chi[i]), c_star=float(cst[i]))))
                   for i, l in enumerate(plan.layers))
    notes = plan.notes
    if np.max(s_in) > MEAN_FIELD_MAX_INPUT_SD:
        notes = notes + (_mean_field_warning("full gains", float(np.max(s_in))),)
    return replace(plan, layers=layers, notes=notes)


def _trainability_covers(neuron):
    """Whether the trainability chain models this neuron: no refractoriness, an immediate reset."""
    return not (neuron.ref_steps or neuron.reset_delay)


def _trainability(widths, wms, wss, neuron, rate0, weight_dist, stats_kw, route, window, rows):
    """Per-layer (chi_c, c_star, full gradient gain) of :func:`predict_network`, by the fast
    closures or the exact two-replica chain and :func:`bptt_gain`."""
    kind, width = stats_kw["surrogate"], stats_kw["width"]
    if route == "fast":
        cp = _check_corr_neuron(neuron)[0]
        L = len(widths) - 1
        with one_blas_thread():
            res = _fast_network(widths, np.asarray(wms, float).reshape(L, 1), np.asarray(wss, float).reshape(L, 1),
                                cp, neuron, rate0, weight_dist == "rows", kind, width, True, window, "count",
                                stats_kw["silent_below"], True)
        return res[4][0], res[5][0], res[6][0]
    cp = _check_corr_neuron(neuron)[0]
    chi, cst = [], []
    for n, _, wm, ws, _, state, _ in rows:
        def f(r, n=n, state=state, wm=wm, ws=ws):
            try:
                return _corr_layer(cp, neuron.gain, n, state, wm, ws, r, 16, _CORR_NODES, _CORR_LAGS)[2]
            except ParameterError:      # no fluctuating drive (a collapsed layer)
                return math.nan
        chi.append((1.0 - f(1.0 - _CHI_EPS)) / _CHI_EPS)
        r = 0.5
        for _ in range(30):
            r_new = f(r)
            if not np.isfinite(r_new) or abs(r_new - r) < 1e-3:
                break
            r = r_new
        cst.append(r_new)
    d = bptt_gain(widths, wms, wss, neuron=neuron, input_rate=rate0, n_steps=window, surrogate=kind,
                  surrogate_width=width, weight_dist=weight_dist).delta_norm
    with np.errstate(invalid="ignore", divide="ignore"):
        gains = np.append(d[:-1] / d[1:], math.nan)
    return np.array(chi), np.array(cst), gains

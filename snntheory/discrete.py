r"""The exact discrete-time LIF neuron: the stationary Markov chain that SNN training code runs.

The canonical step map (what snnTorch-style ``Leaky`` neurons run), per step:
:math:`V \leftarrow \beta V + I`, spike where :math:`V \ge v_\mathrm{th}`, then reset
(``"zero"``: :math:`V = v_\mathrm{reset}`; ``"subtract"``:
:math:`V \mathrel{-}= v_\mathrm{th} - v_\mathrm{reset}`), with i.i.d. increments ``I`` — Gaussian
``N(m, s^2)``, or the exact increment distribution of a layer with Bernoulli inputs (a binomial
mixture of Gaussians with an atom at 0, :func:`snntheory.neuron.increment_distribution`),
passed as ``increments=``. During ``ref_steps`` refractory steps after a spike the membrane is
clamped at ``v_reset`` and ignores its input (as :func:`snntheory.simulate.run_step_map` does).

Everything here is computed from the chain itself, not from a diffusion approximation, so the
effects that the Siegert formula misses at dt = 1 ms (crossings between steps, overshoot lost at
reset, lumped input) are included exactly. The method is a Nyström discretisation of the chain's
integral equations on composite Gauss–Legendre nodes (see :func:`firing_probability`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import linalg, special

from ._display import result_repr as _result_repr
from ._special import gth_stationary as _gth
from ._special import ladder_overshoot_mean, normal_nodes, one_blas_thread
from ._validate import (Domain, broadcast, check, check_below, check_bool, check_choice, check_count, check_int,
                        check_object, check_scalar, scalar_or_array)
from .errors import ConvergenceError, ParameterError
from .neuron import LIF, IncrementDistribution, increment_distribution

__all__ = [
    "firing_probability", "stationary_density", "membrane_moments", "isi_moments", "isi_distribution",
    "StationaryDensity", "MembraneMoments", "ISIMoments", "layer_rate", "quenched_layer", "QuenchedLayer",
    "siegert_comparison", "SiegertComparison", "RTOL", "quenched_neuron_rate", "quenched_rate_quantiles",
]
__all__ += ["grid_chain", "GridChain", "CountMixture"]
__all__ += ["transient", "Transient"]

#: Relative accuracy promised for the rate (and the moments) of the chain.
RTOL = 1e-6
#: Two Gauss–Legendre orders on the same panels must agree to this before the finer is returned;
#: the finer order is several digits more accurate than the difference (exponential convergence).
_CHECK = 1e-7
#: Lower cut-off, in free-membrane SDs below min(v_reset, free mean): Gaussian mass beyond ~1e-19.
_C_LOW = 9.0
#: Extra increment SDs beyond the largest landing point used for the upper end (subtract reset).
_C_UP = 9.0
#: Depth below v_reset, in units of s^2/drift, that a walk with positive drift reaches with
#: probability e^-40 (ruin estimate exp(-2 d x / s^2)).
_C_RUIN = 20.0
#: beta = 1, one Gaussian component: the exponential tail closure starts this many increment SDs
#: beyond the region where the dynamics change (the faster modes have decayed by e^-40 there).
_C_TAIL = 16.0
#: Gauss–Laguerre nodes representing an exponential tail in the returned density.
_N_LAGUERRE = 40
#: Panel width in units of the narrowest increment SD, and the two Gauss–Legendre orders.
_PANEL = 4.0
_ORDERS = (8, 12)
#: Largest Nyström system attempted before raising ConvergenceError (dense LU; GTH elimination,
#: an O(n^3) loop, has the smaller cap).
_N_MAX = 3000
_N_MAX_GTH = 900
#: Renewal chains with one Gaussian component are banded: sparse solve up to this many nodes,
#: and from this many on (the sparse LU agrees with the dense one to ~3e-14 and is 4-9 times
#: faster at 1,200-2,100 nodes: a dense solve of 2,000-3,000 nodes took 0.4-0.7 s, and a root
#: finder calls the chain ~8 times).
_N_MAX_SPARSE = 40000
#: Largest grid of isi_moments' dense backward solve (beyond: the kernel's band, sparse LU)
_N_DENSE_BACKWARD = _N_MAX
#: isi_moments: the backward solve's E[T] must agree with the stationary solve's 1/rate to this
#: relative accuracy (the variance's error is about this times E[T^2]); beyond it the ISI is taken
#: as geometric only if its mean is at least _RARE_ESCAPE steps (rare escape)
_BACKWARD_AGREE = 1e-6
_RARE_ESCAPE = 1e6
_N_DENSE_BANDED = 1000
#: Zero-input orbits (of the reset state, of the density's breakpoints) are followed until their
#: weight q0^n (q0^n/beta^n for the size of a density jump) falls below these.
_Q0_TAIL = 1e-17
_BREAK_TAIL = 1e-9
#: At most this many zero-input steps are resolved (P(no input) up to ~0.8).
_N_ZERO_STEPS = 200
#: Rates below ~1e-9 per step are resolved to this absolute accuracy (double-precision solve).
_ABS_FLOOR = 1e-16
#: Cost model of a dense Nyström solve (CPU seconds per evaluated kernel entry of a mixture
#: component, see _Chain._kernel_fill, and per cubed node count for the LU; measured on one core)
#: and the budget of the first two solves:
#: beyond it the solve is refused with ConvergenceError before it starts (issue 14's 2 s bound).
_SEC_PER_KERNEL_ENTRY = 1.0e-8
_SEC_PER_LU = 2e-11
_MAX_SECONDS = 1.5
#: A halving of the panels that shrinks the rate change by less than this factor (after two
#: halvings) has reached the rounding floor: refinement stops with ConvergenceError.
_STALL = 0.5
#: Below this rate the Gaussian chain is re-solved by GTH elimination (relative accuracy kept).
_GTH_BELOW = 1e-7
_SQ2PI = math.sqrt(2.0 * math.pi)
#: exp(-z^2 / 2) and the normal tail Phi(-z) are exactly 0.0 in double precision beyond this many SDs
_Z_EXP_ZERO = 38.7
#: fc_outer evaluates a mixture's kernel on bands of row blocks of this many rows, for kernels of at
#: least _BAND_MIN_ENTRIES entries (smaller ones densely)
_KERNEL_BLOCK, _BAND_MIN_ENTRIES = 128, 65536
_RESETS = ("zero", "subtract")
#: a (not necessarily normalised) probability weight
_PROB_WEIGHT = Domain(low=0.0, low_open=False)


# ---------------------------------------------------------------------------------------------
# the chain and its Nyström solution
# ---------------------------------------------------------------------------------------------


def _check_grid_size(breaks, width, order, max_nodes):
    """Raise ConvergenceError when the composite grid of :func:`_gl_nodes` would need more than
    ``max_nodes`` nodes (without allocating it)."""
    gaps = np.diff(np.asarray(breaks, float))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # width 0: inf nodes
        need = float(np.sum(np.maximum(1.0, np.ceil(gaps[gaps > 0] / width)))) * order
    if not need <= max_nodes:
        raise ConvergenceError(
            f"the Nyström grid would need {need:.3g} nodes (> {max_nodes}) on [{breaks[0]:.4g}, "
            f"{breaks[-1]:.4g}] V at resolution {width:.3g} V: the increment SD is too small relative to "
            "the voltage range the membrane visits (raise s, or move beta away from 1)")


def _gl_nodes(breaks, width, order, max_nodes=None):
    """Composite Gauss–Legendre nodes and weights on panels of at most ``width`` that do not
    straddle ``breaks``; also the panels' lower and upper ends. Raises ConvergenceError before
    allocating when more than ``max_nodes`` nodes would be needed."""
    if max_nodes is not None:
        _check_grid_size(breaks, width, order, max_nodes)
    x0, w0 = np.polynomial.legendre.leggauss(order)
    xs, ws, los, his = [], [], [], []
    for a, b in zip(breaks[:-1], breaks[1:]):
        if not b > a:
            continue
        k = max(1, int(math.ceil((b - a) / width)))
        e = np.linspace(a, b, k + 1)
        h = 0.5 * np.diff(e)
        c = 0.5 * (e[1:] + e[:-1])
        xs.append((c[:, None] + h[:, None] * x0).ravel())
        ws.append((h[:, None] * w0).ravel())
        los.append(e[:-1])
        his.append(e[1:])
    return np.concatenate(xs), np.concatenate(ws), np.concatenate(los), np.concatenate(his)


class _CostRefusal(ConvergenceError):
    """A solve refused for its estimated cost (not a failed convergence: no fallback applies)."""


class _BelowAtomFloor(ConvergenceError):
    """A chain with an atom in its increments whose first solve's rate is below _GTH_BELOW."""


class _AlwaysSpiking(ParameterError):
    """The perfect integrator with the subtract reset and a mean increment of at least v_th - v_reset:
    no stationary membrane distribution; every ISI is one step (in the limit)."""


class _RefinementStopped(ConvergenceError):
    """The dense solve's grid refinement stopped (budget, node cap, stall, or halvings used up)
    before _CHECK: ``rate`` is the last order-12 solve's rate, ``change`` the relative change
    reached (the rate's error estimate)."""

    def __init__(self, message, rate, change):
        super().__init__(message)
        self.rate, self.change = rate, change


class _Solution(NamedTuple):
    rate: float
    nodes: np.ndarray
    weights: np.ndarray
    density: np.ndarray  # continuous part of the stationary measure at the nodes
    atoms_v: np.ndarray
    atoms_mass: np.ndarray
    mean_steps: float  # renewal: mean ISI in steps; stationary: 1/rate
    tail_mass: float = 0.0  # mass of the exponential tail beyond the grid (beta = 1 closure)
    factor: object = None  # sparse solves: the LU of a bordered matrix whose leading nodes x nodes block is I - K


class _Chain:
    r"""V <- beta V + I with reset; I = atom a (mass q0) or a Gaussian mixture (sub-density).

    The solver works with the continuous part ``p`` of the stationary measure (subtract reset)
    or of the occupation measure of one inter-spike interval started at ``v_reset`` (renewal:
    zero reset, or any refractory period, killed at the crossing):

        p(u) = b(u) + q0 (push p)(u) + int p(v) F(u | v) dv,

    where F is the continuous-increment landing sub-density (with the subtraction for the
    subtract reset), ``push`` moves density along a zero-input step v -> beta v + a (and its
    subtraction), and ``b`` is the landing density from the atoms of the occupation measure
    (the reset state and its zero-input images). ``p`` is smooth between the forward images of
    ``v_th`` and ``v_reset`` under the zero-input map, which are panel breakpoints; ``push`` is
    evaluated by Lagrange interpolation on the Gauss–Legendre nodes of the panel it lands in.
    """

    def __init__(self, beta, inc: IncrementDistribution, v_th, v_reset, reset, ref_steps, v_lower=None, tails=True):
        self.beta, self.inc, self.v_th, self.v_reset = float(beta), inc, float(v_th), float(v_reset)
        self.v_lower = None if v_lower is None else float(v_lower)
        if self.v_lower is not None and inc.atom_mass > 0.0:
            raise ParameterError("v_lower needs increments without an atom (Gaussian, or a mixture with "
                                 "P(no input) = 0)")
        self.reset, self.ref = reset, int(ref_steps)
        self.theta = self.v_th - self.v_reset
        self.renewal = reset == "zero" or self.ref > 0
        self.q0, self.a = float(inc.atom_mass), float(inc.atom_at)
        keep = inc.weights > 0
        self.cw, self.cm, self.cs = inc.weights[keep], inc.means[keep], inc.sds[keep]
        if self.q0 > 0.0:
            self.n_terms = int(math.ceil(math.log(_Q0_TAIL) / math.log(self.q0)))
            if self.n_terms > _N_ZERO_STEPS:
                raise ConvergenceError(
                    f"P(no input in a step) = {self.q0:.4g} is so close to 1 that {self.n_terms} zero-input "
                    f"steps would have to be resolved (> {_N_ZERO_STEPS})")
        else:
            self.n_terms = 0
        significant = self.cw > 1e-12 * self.cw.max()
        self.s_res = float(self.cs[significant].min())
        self.mean_inc, self.var_inc = inc.mean, inc.var
        self.s_inc = math.sqrt(self.var_inc)
        self.tail = self._tail() if tails else None

    def _tail(self):
        """The exponential tail closure of the perfect integrator (beta = 1, Gaussian increments).

        Far below the reset (renewal, positive drift, no lower bound) the occupation density
        solves p(u) = int p(v) k(u - v) dv, a pure convolution; its integrable solutions are sums
        of e^{kappa u} over the roots of E[e^{-kappa I}] = 1 with Re kappa > 0. The real root
        kappa = 2m/s^2 is the slowest; the complex ones decay at least e^{-2.5 x/s}, so 16 SDs
        beyond the reset the density is A e^{kappa (u - D)} to e^-40 relative. Far above the
        threshold with subtractive reset (and a lower bound) the walk spikes every step,
        V <- V + I - theta, and the same holds with m -> theta - m, u -> -u. The tail is one
        lumped state whose internal law is that exponential (exact for the stationary measure).
        Returns (sign, edge, kappa, drift) in the coordinate x = sign * u (tail at x < sign*edge)
        or None.
        """
        if self.beta != 1.0 or self.q0 > 0.0 or self.cw.size != 1:
            return None
        m, s = float(self.cm[0]), float(self.cs[0])
        if self.v_lower is None and self.renewal and m > 0.0:
            return (1.0, self.v_reset - _C_TAIL * s, 2.0 * m / (s * s), m)
        if self.v_lower is not None and not self.renewal and m < self.theta:
            drift = self.theta - m
            return (-1.0, self.v_th + _C_TAIL * s + max(0.0, -m), 2.0 * drift / (s * s), drift)
        return None

    def tail_from(self, u):
        """Landing density at nodes u from the tail state (per unit tail mass)."""
        sign, edge, k, mu = self.tail
        s = float(self.cs[0])
        x = sign * (np.asarray(u, float) - edge)  # distance from the tail edge, >= 0 on the grid
        with np.errstate(over="ignore", under="ignore"):
            dens = np.exp(math.log(k) + k * x + special.log_ndtr(-(x + mu) / s))
        return np.where(x >= 0.0, dens, 0.0)

    def tail_to(self, y):
        """P(one step from y lands in the tail)."""
        sign, edge, k, mu = self.tail
        s = float(self.cs[0])
        x = sign * (np.asarray(y, float) - edge)
        return special.ndtr(-(x + mu) / s)

    def tail_stay(self):
        """P(tail -> tail) = E[Phi((Y - mu)/s)], Y ~ Exp(kappa): 2 Phi(-mu/s)."""
        _, _, _, mu = self.tail
        return 2.0 * float(special.ndtr(-mu / float(self.cs[0])))

    def tail_nodes(self, mass):
        """Gauss–Laguerre nodes, weights and density values of the tail of the given mass."""
        sign, edge, k, _ = self.tail
        y, wl = special.roots_laguerre(_N_LAGUERRE)
        v = edge - sign * y / k
        weights = wl * np.exp(y) / k
        return v, weights, mass * k * np.exp(-y)

    # -- zero-input map ----------------------------------------------------------------------
    def zero_step(self, x):
        """One zero-input step: (new state, spiked)."""
        nxt = self.beta * x + self.a
        return nxt, nxt >= self.v_th

    def reset_orbit(self):
        """States of the occupation atoms: v_reset and its zero-input images, with weights."""
        xs, ws = [self.v_reset], [1.0]
        x, w = self.v_reset, 1.0
        for _ in range(self.n_terms):
            x, crossed = self.zero_step(x)
            w *= self.q0
            if crossed or w < _Q0_TAIL:
                break
            xs.append(x)
            ws.append(w)
        return np.array(xs), np.array(ws)

    # -- continuous step -------------------------------------------------------------------
    def fc(self, z):
        """Sub-density of the continuous part of I at z (any shape)."""
        if self.cw.size == 1:
            t = (z - self.cm[0]) / self.cs[0]
            return (self.cw[0] / (self.cs[0] * _SQ2PI)) * np.exp(-0.5 * t * t)
        z = np.asarray(z, float)
        out = np.zeros(z.shape)
        t = np.empty(z.shape)
        for c, mu, sd in zip(self.cw, self.cm, self.cs):
            # in place (the kernel is nodes^2 x components exponentials, the solve's main cost)
            np.subtract(z, mu, out=t)
            np.multiply(t, t, out=t)
            np.multiply(t, -0.5 / (sd * sd), out=t)
            np.exp(t, out=t)
            np.multiply(t, c / (sd * _SQ2PI), out=t)
            out += t
        return out

    def qc(self, y):
        """P(continuous step from y crosses v_th) (sub-probability)."""
        z = self.v_th - self.beta * np.asarray(y, float)
        return np.sum(self.cw * special.ndtr(-(z[..., None] - self.cm) / self.cs), axis=-1)

    def fc_outer(self, a, b):
        """``fc(a[:, None] - b[None, :])`` for ascending ``a`` (R,) and ``b`` (C,): with several
        components, each only on the blocks of _KERNEL_BLOCK rows x the columns where some entry of the
        block is within _Z_EXP_ZERO SDs of the component's mean (elsewhere its exponential is 0.0
        exactly), added in the same order as :meth:`fc`: the same array, bit for bit."""
        if (self.cw.size == 1 or a.size * b.size < _BAND_MIN_ENTRIES or np.any(np.diff(b) < 0.0)
                or np.any(np.diff(a) < 0.0)):
            return self.fc(a[:, None] - b[None, :])
        out = np.zeros((a.size, b.size))
        for c, mu, sd in zip(self.cw, self.cm, self.cs):
            lo = np.searchsorted(b, a - mu - _Z_EXP_ZERO * sd, side="left")
            hi = np.searchsorted(b, a - mu + _Z_EXP_ZERO * sd, side="right")
            for r0 in range(0, a.size, _KERNEL_BLOCK):
                r1 = min(r0 + _KERNEL_BLOCK, a.size)
                c0, c1 = int(lo[r0]), int(hi[r1 - 1])     # both nondecreasing along the rows
                if c1 <= c0:
                    continue
                t = a[r0:r1, None] - b[None, c0:c1]
                t -= mu
                np.multiply(t, t, out=t)
                np.multiply(t, -0.5 / (sd * sd), out=t)
                np.exp(t, out=t)
                np.multiply(t, c / (sd * _SQ2PI), out=t)
                out[r0:r1, c0:c1] += t
        return out

    def F(self, u, y):
        """Post-reset landing sub-density at u (rows) from pre-step states y (columns)."""
        u = np.asarray(u, float)
        by = self.beta * np.asarray(y, float)
        out = np.zeros((u.size, by.size))
        # the kernel only on the rows where it is not zero (each half of it for subtract reset)
        rows = np.flatnonzero(u < self.v_th)
        out[rows] = self.fc_outer(u[rows], by)
        if not self.renewal:
            rows = np.flatnonzero(u >= self.v_reset)
            out[rows] += self.fc_outer(u[rows] + self.theta, by)
        return out

    # -- domain ----------------------------------------------------------------------------
    def bounds(self):
        b, vr, vth = self.beta, self.v_reset, self.v_th
        cands = []
        if b < 1.0:
            mu_f = self.mean_inc / (1.0 - b)
            sd_f = self.s_inc / math.sqrt(1.0 - b * b)
            cands.append(min(vr, mu_f) - _C_LOW * sd_f)
        drift = self.mean_inc - (1.0 - b) * vr
        if drift > 0.0:
            cands.append(vr - _C_LOW * self.s_inc - _C_RUIN * self.var_inc / drift)
        low = min(max(cands), vr - _C_LOW * self.s_res) if cands else -math.inf
        if self.v_lower is not None:
            low = self.v_lower if not math.isfinite(low) else max(low, self.v_lower)
        if self.tail is not None and self.tail[0] > 0:
            low = self.tail[1]
        high = vth
        if not self.renewal:
            # highest landing with probability above ~1e-18 per component, then subtracted
            t = np.sqrt(2.0 * np.log(np.maximum(self.cw * 1e18, 1.0)))
            reach = float(np.max(self.cm + t * self.cs))
            high = max(vth, max(b * vth, vth) + reach - self.theta)
            if b < 1.0:
                # mean-driven: the always-spiking chain V <- beta V + I - theta has its stationary
                # law N((m - theta)/(1 - beta), s^2/(1 - beta^2)) above threshold; cover it
                mu_s = (self.mean_inc - self.theta) / (1.0 - b)
                high = max(high, mu_s + _C_LOW * self.s_inc / math.sqrt(1.0 - b * b))
            # above threshold the chain spikes at every step, V <- beta V + I - theta: a walk whose
            # drift at V >= v_th is at most d = m - theta - (1 - beta) v_th. For d < 0 it returns,
            # and its stationary law decays above v_th as a ruin tail, exp(-2 |d| x / s^2): cover
            # it to e^-40 as the lower end does (with large noise the one-step reach above cut 1 %
            # of the mass: rates 1.5 % low, one membrane mean 9 % low). With a leak the excursion
            # from its entrance (within an increment SD of v_th) is the always-spiking chain, whose
            # spread is s / sqrt(1 - beta^2): the nearer bound holds
            d_up = self.mean_inc - self.theta - (1.0 - b) * vth
            if d_up < 0.0:
                walk = _C_RUIN * self.var_inc / -d_up
                if b < 1.0:
                    walk = min(walk, self.s_inc + _C_LOW * self.s_inc / math.sqrt(1.0 - b * b))
                high = max(high, vth + walk)
            if self.tail is not None and self.tail[0] < 0:
                high = self.tail[1]
        return low, high

    def breakpoints(self, low, high):
        seeds = [self.v_th, self.v_reset]
        if self.q0 > 0.0:
            seeds.append((self.v_th - self.a) / self.beta)
        out = set()
        for d in seeds:
            x, weight = d, 1.0
            out.add(x)
            for _ in range(self.n_terms):
                weight *= self.q0 / self.beta
                if weight < _BREAK_TAIL:
                    break
                x, crossed = self.zero_step(x)
                if crossed and not self.renewal:
                    x = x - self.theta
                if not low < x < high:
                    break
                out.add(x)
        if self.q0 > 0.0 and self.beta < 1.0:
            # the density has a power-law singularity c |u - u*|^gamma at the fixed point u* of
            # the zero-input map, gamma = ln q0 / ln beta - 1, with c ~ p / s_res^gamma (the
            # density varies on the scale of the narrowest increment SD): break there and grade
            # geometrically (ratio 1/2) on both sides, from the nearest breakpoint on each side
            # (on the v_th side the last image of v_th kept above), until the innermost panel's
            # share (d / s_res)^(gamma + 1) is below _BREAK_TAIL. A Gauss–Legendre panel [d/2, d]
            # has the singularity two half-widths away (error ~ (3 + sqrt 8)^(-2 order)); the
            # panel [u*, d] next to it integrates c u^gamma to a fixed relative error, so it is
            # its share that must be small.
            fix = self.a / (1.0 - self.beta)
            power = math.log(self.q0) / math.log(self.beta)   # gamma + 1 > 0
            tol = 1e-9 * self.s_res
            # (an increment SD that underflows to 0 gets no grading: its grid is refused anyway)
            for side in ((1.0, -1.0) if self.s_res > 0.0 else ()):
                dist = [side * (x - fix) for x in out | {low, high}]
                dist = [x for x in dist if x > tol]
                d = min(dist) if dist else 0.0
                while d > tol and power * math.log(d / self.s_res) > math.log(_BREAK_TAIL):
                    d *= 0.5
                    out.add(fix + side * d)
            out.add(fix)
            seeds.append(fix)
        pts = sorted({x for x in seeds if low <= x <= high} | {x for x in out if low < x < high} | {low, high})
        # breakpoints closer than 1e-9 increment SDs are one point (a panel of width ~1e-308 would
        # give quadrature weights that overflow the elimination)
        tol = 1e-9 * self.s_res
        merged = [pts[0]]
        for x in pts[1:]:
            if x - merged[-1] > tol:
                merged.append(x)
        merged[-1] = pts[-1]
        return merged

    def _banded(self):
        """Renewal chains with one Gaussian component and no atom: the kernel k(u - beta v) is
        negligible (< e^-60) beyond 11 SDs, so the system is banded and solved sparsely."""
        return self.renewal and self.q0 == 0.0 and self.cw.size == 1

    def solve_sparse(self, refine=0, order=_ORDERS[-1], keep_factor=False) -> _Solution:
        """The bordered renewal system of :meth:`solve` with the kernel's band only (sparse LU; kept in
        the solution's ``factor`` if asked: up to a few hundred MB on the largest grids)."""
        from scipy import sparse
        from scipy.sparse.linalg import splu

        low, high = self.bounds()
        edges = self.breakpoints(low, high)
        u, w, _, _ = _gl_nodes(edges, _PANEL * self.s_res / 2**refine, order, _N_MAX_SPARSE)
        n = u.size
        xr, wr = self.reset_orbit()
        b = self.F(u, xr) @ wr
        nt = 1 if self.tail is not None else 0
        size = n + nt + 1
        band_mat = -_banded_kernel(self, u, w, u < self.v_th)
        band_mat.resize((size, size))     # the tail and rate rows / columns: the few entries below
        rows, cols, vals = [], [], []
        rows += [np.arange(n), np.arange(n), np.full(n, size - 1), [size - 1]]
        cols += [np.arange(n), np.full(n, size - 1), np.arange(n), [size - 1]]
        vals += [np.ones(n), -b, w, [float(np.sum(wr)) + self.ref]]
        if nt:
            rows += [np.arange(n), np.full(n, n), [n], [n], [size - 1]]
            cols += [np.full(n, n), np.arange(n), [n], [size - 1], [n]]
            vals += [-self.tail_from(u), -self.tail_to(self.beta * u) * w, [1.0 - self.tail_stay()],
                     [-float(self.tail_to(self.beta * xr) @ wr)], [1.0]]
        mat = (band_mat + sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                            shape=(size, size)).tocsc()).tocsc()
        rhs = np.zeros(size)
        rhs[-1] = 1.0
        # the band follows u_i = beta u_j + m, off the diagonal: a fill-reducing column order and
        # row pivoting spread it (one measured case: 85e6 factor entries, 30 s). I - K W is column
        # diagonally dominant (K W substochastic), so elimination in the natural order with diagonal
        # pivots is stable and keeps the band (1.9e6 entries, 0.1 s)
        lu = splu(mat, permc_spec="NATURAL", diag_pivot_thresh=0.0)
        sol = lu.solve(rhs)
        p, rate = sol[:n], float(sol[-1])
        if rate > 0.5:
            # as in solve: near one spike per step the bordered solve's absolute rounding matters;
            # the renewal form (I - K) g = b keeps E[ISI] = orbit + ref + int g to relative accuracy
            inner = mat[:-1, :-1].tocsc()
            lu = splu(inner, permc_spec="NATURAL", diag_pivot_thresh=0.0)
            g = lu.solve(-mat[:-1, [size - 1]].toarray().ravel())
            rate = 1.0 / (float(np.sum(wr)) + self.ref + float(mat[[size - 1], :-1].toarray().ravel() @ g))
            p = rate * g[:n]
            sol = np.concatenate([rate * g, [rate]])
        atoms_m = rate * wr
        atoms_m[0] = rate * (1.0 + self.ref) if self.reset == "zero" else rate * self.ref
        return _Solution(rate, u, w, p, xr.copy(), atoms_m, 1.0 / rate if rate > 0 else math.inf,
                         float(sol[n]) if nt else 0.0, lu if keep_factor else None)

    def solve(self, refine=0, order=_ORDERS[-1], keep_factor=False) -> _Solution:
        low, high = self.bounds()
        edges = self.breakpoints(low, high)
        width = _PANEL * self.s_res / 2**refine
        if self._banded():
            try:
                _gl_nodes(edges, width, order, _N_DENSE_BANDED)
            except ConvergenceError:
                return self.solve_sparse(refine, order, keep_factor)
        u, w, pan_lo, pan_hi = _gl_nodes(edges, width, order, _N_MAX)
        A = -self.F(u, u) * w[None, :]
        A[np.diag_indices_from(A)] += 1.0
        if self.q0 > 0.0:
            # zero-input step: p(u) += q0/beta * p(y), y the preimage of u
            y1 = (u - self.a) / self.beta
            ok = u < self.v_th
            A -= (self.q0 / self.beta) * _interp_matrix(y1, ok, pan_lo, pan_hi, order)
            if not self.renewal:
                y2 = (u + self.theta - self.a) / self.beta
                A -= (self.q0 / self.beta) * _interp_matrix(y2, u >= self.v_reset, pan_lo, pan_hi, order)
        if self.renewal:
            # bordered system for (P, rate): P = K P + rate * b, int P + rate * (orbit + ref) = 1.
            # (The renewal form (I - K) g = b is ill-conditioned when the rate is tiny; this one
            # is the full chain's stationary equation and stays well conditioned.)
            xr, wr = self.reset_orbit()
            b = self.F(u, xr) @ wr
            n, nt = u.size, (1 if self.tail is not None else 0)
            big = np.zeros((n + nt + 1, n + nt + 1))
            big[:n, :n] = A
            big[:n, -1] = -b
            big[-1, :n] = w
            big[-1, -1] = float(np.sum(wr)) + self.ref
            if nt:
                # the lumped exponential tail state (mass M): M = M stay + int p to_tail + rate b_tail
                big[:n, n] = -self.tail_from(u)
                big[n, :n] = -self.tail_to(self.beta * u) * w
                big[n, n] = 1.0 - self.tail_stay()
                big[n, -1] = -float(self.tail_to(self.beta * xr) @ wr)
                big[-1, n] = 1.0
            rhs = np.zeros(n + nt + 1)
            rhs[-1] = 1.0
            sol = linalg.solve(big, rhs, check_finite=False)
            p, rate = sol[:n], float(sol[-1])
            tail_mass = float(sol[n]) if nt else 0.0
            if rate > 0.5:
                # near one spike per step the bordered solve carries absolute rounding ~1e-16 in
                # P and the rate (it gave 1 + 2e-16 where 1 - rate ~ 1e-22): solve the renewal
                # form (I - K) g = b, well conditioned here, whose small mass int g = E[ISI] - orbit
                # - ref keeps its relative accuracy; rate = 1 / E[ISI], P = rate g
                g = linalg.solve(big[:-1, :-1], -big[:-1, -1], check_finite=False)
                rate = 1.0 / (big[-1, -1] + float(big[-1, :-1] @ g))
                p = rate * g[:n]
                tail_mass = rate * float(g[n]) if nt else 0.0
            mean_isi = 1.0 / rate if rate > 0 else math.inf
            atoms_v = xr.copy()
            atoms_m = rate * wr
            atoms_m[0] = rate * (1.0 + self.ref)
            if self.reset == "subtract":
                # the spike step holds V - theta (continuous), then ref_steps steps at v_reset
                atoms_m[0] = rate * self.ref
            return _Solution(rate, u, w, p, atoms_v, atoms_m, mean_isi, tail_mass)
        if self.tail is not None:
            raise ConvergenceError("internal: the tail closure of the subtract reset is solved by GTH")
        A += np.outer(np.ones(u.size), w)
        p = linalg.solve(A, np.ones(u.size), check_finite=False)
        per_state = self.qc(u)
        if self.q0 > 0.0:
            per_state = per_state + self.q0 * (self.beta * u + self.a >= self.v_th)
        # the normalisation is a row of the solve: divide by the computed total, so that the
        # rate is a weighted mean of per-state spike probabilities (<= 1 to rounding)
        rate = float(np.dot(w * p, per_state) / np.dot(w, p))
        return _Solution(rate, u, w, p, np.zeros(0), np.zeros(0), 1.0 / rate if rate > 0 else math.inf)

    def solve_gth(self, refine=0, order=_ORDERS[-1]) -> _Solution:
        """The same discretisation for Gaussian increments (q0 = 0), solved by GTH elimination:
        all operations on non-negative numbers, so tiny rates keep full relative accuracy."""
        low, high = self.bounds()
        edges = self.breakpoints(low, high)
        u, w, _, _ = _gl_nodes(edges, _PANEL * self.s_res / 2**refine, order, _N_MAX_GTH)
        n = u.size
        qc = self.qc(u)
        lower = self.v_lower is not None
        nt = 1 if self.tail is not None else 0
        extra = (self.ref + 1 if self.renewal else 0) + (1 if lower else 0) + nt
        P = np.zeros((n + extra, n + extra))
        P[:n, :n] = self.F(u, u).T * w[None, :]
        r0 = n
        lo_idx = n + extra - 1 - nt
        t_idx = n + extra - 1
        sources = [(slice(0, n), u)]
        if self.renewal:
            r = self.ref
            P[:n, r0] = qc
            for k in range(r):
                P[r0 + k, r0 + k + 1] = 1.0
            vr = np.array([self.v_reset])
            P[r0 + r, :n] = self.F(u, vr)[:, 0] * w
            P[r0 + r, r0] += float(self.qc(vr)[0])
            sources.append((slice(r0 + r, r0 + r + 1), vr))
        if lower:
            vl = np.array([self.v_lower])
            P[lo_idx, :n] = self.F(u, vl)[:, 0] * w
            if self.renewal:
                P[lo_idx, r0] += float(self.qc(vl)[0])
            sources.append((slice(lo_idx, lo_idx + 1), vl))
            for rows, y in sources:
                z = self.v_lower - self.beta * np.asarray(y, float)
                P[rows, lo_idx] += np.sum(self.cw * special.ndtr((z[:, None] - self.cm) / self.cs), axis=-1)
        tail_mass = 0.0
        if nt:
            # the lumped exponential tail (see _tail): in from every source, out to the nodes;
            # from the upper tail (always spiking) every step is a spike
            for rows, y in sources:
                P[rows, t_idx] += self.tail_to(self.beta * np.asarray(y, float))
            P[t_idx, :n] = self.tail_from(u) * w
        pi = _gth(P)
        if nt:
            tail_mass = float(pi[t_idx])
        atoms_v, atoms_m = [], []
        if self.renewal:
            rate = float(pi[r0])
            atoms_v.append(self.v_reset)
            atoms_m.append(rate * (1.0 + self.ref) if self.reset == "zero" else rate * self.ref)
        else:
            rate = float(pi[:n] @ qc) + (float(pi[lo_idx] * self.qc(np.array([self.v_lower]))[0]) if lower else 0.0)
            if nt and self.tail[0] < 0:
                rate += tail_mass
        if lower:
            atoms_v.append(self.v_lower)
            atoms_m.append(float(pi[lo_idx]))
        return _Solution(rate, u, w, pi[:n] / w, np.array(atoms_v), np.array(atoms_m),
                         1.0 / rate if rate > 0 else math.inf, tail_mass)

    def converged(self, keep_factor=False) -> _Solution:
        """The rate solve refined to _CHECK; ``keep_factor``: the returned solution keeps a sparse
        solve's LU (isi_moments' backward solve reuses it; the superseded solves' are dropped)."""
        with one_blas_thread():
            return self._converged(keep_factor)

    def _dense_seconds(self, refine=0):
        """Estimated CPU seconds of the two dense solves (orders 12 and 8) on the panels halved
        ``refine`` times: the kernel (rows x nodes x mixture components Gaussian evaluations, the
        rows of :meth:`F`: both halves of a subtractive reset's) and the LU."""
        low, high = self.bounds()
        edges = np.asarray(self.breakpoints(low, high), float)
        gaps = np.diff(edges)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            panels = float(np.sum(np.maximum(1.0, np.ceil(gaps[gaps > 0] / (_PANEL * self.s_res / 2**refine)))))
        if panels * _ORDERS[1] > _N_MAX:
            return 0.0   # the solve refuses its grid itself (cheaply, before allocating)
        # F's kernel rows: those below v_th, and for a subtractive reset again those above v_reset
        span = high - low
        rows = (min(high, self.v_th) - low) / span if span > 0.0 else 1.0
        if not self.renewal and span > 0.0:
            rows += (high - max(low, self.v_reset)) / span
        return sum(_SEC_PER_KERNEL_ENTRY * rows * (panels * k) ** 2 * self._kernel_fill(panels * k, span)
                   + _SEC_PER_LU * (panels * k) ** 3 for k in _ORDERS)

    def _kernel_fill(self, n, span):
        """Components x the fraction of the n x n kernel :meth:`fc_outer` evaluates: each
        component's window of 2 _Z_EXP_ZERO SDs over the grid's span, plus a block of rows."""
        if self.cw.size == 1 or n * n < _BAND_MIN_ENTRIES or not span > 0.0:
            return float(self.cw.size)
        return float(np.sum(np.minimum(1.0, 2.0 * _Z_EXP_ZERO * self.cs / span + _KERNEL_BLOCK / n)))

    def check_first_solve(self):
        """Raise, without solving, the error the first solve of :meth:`converged` would raise for
        its grid's size (ConvergenceError) or estimated cost (_CostRefusal); return that cost
        estimate (CPU seconds, 0 where the solve is not dense)."""
        dense = self.v_lower is None and not self._banded()
        cost = self._dense_seconds() if dense else 0.0
        if cost > _MAX_SECONDS:
            raise _CostRefusal(
                f"the Nyström solve would take about {cost:.2g} s of one core (> {_MAX_SECONDS:g} s): "
                f"{self.cw.size} Gaussian components of the increment on a grid of increment-SD panels; "
                "use increments='gaussian' (or fewer active inputs per step: smaller n_in * p_in), or a "
                "larger increment SD relative to the voltage range")
        cap = _N_MAX_GTH if self.v_lower is not None else _N_MAX_SPARSE if self._banded() else _N_MAX
        _check_grid_size(self.breakpoints(*self.bounds()), _PANEL * self.s_res, _ORDERS[1], cap)
        return cost

    def _converged(self, keep_factor=False) -> _Solution:
        dense = self.v_lower is None and not self._banded()
        cost = self.check_first_solve()
        first = self.solve_gth(0, _ORDERS[1]) if self.v_lower is not None else self.solve(0, _ORDERS[1], keep_factor)
        if (first.rate < _GTH_BELOW and self.q0 == 0.0) or self.v_lower is not None:
            last = None
            gth_first = first if self.v_lower is not None else None
            for refine in range(4):
                coarse = self.solve_gth(refine, _ORDERS[0])
                fine = gth_first if refine == 0 and gth_first is not None else self.solve_gth(refine, _ORDERS[1])
                err = abs(fine.rate - coarse.rate) / fine.rate if fine.rate > 0 else 0.0
                if err <= _CHECK:
                    return fine
                last = err
            raise ConvergenceError(f"grid refinement (GTH) did not reach {_CHECK:g} relative after 4 halvings "
                                   f"(last change {last:.2g})")
        if first.rate < _GTH_BELOW:
            raise _BelowAtomFloor(
                f"the firing probability ({first.rate:.2g}) is below {_GTH_BELOW:g}, where the solver for "
                "increments with an atom cannot guarantee relative accuracy")
        last = None
        spent = cost       # this loop runs with v_lower None: dense unless banded
        for refine in range(6):
            if refine and dense:
                # a finer grid over the node cap: refuse before its coarse solve (which ran in vain)
                try:
                    _check_grid_size(self.breakpoints(*self.bounds()), _PANEL * self.s_res / 2**refine,
                                     _ORDERS[1], _N_MAX)
                except ConvergenceError as exc:
                    raise _RefinementStopped(f"grid refinement stopped at a {last:.2g} relative change of the rate "
                                             f"(> {_CHECK:g}) after {refine} halving(s): {exc}", previous.rate,
                                             last) from None
                # each halving costs ~8x the last (dense n^3): refuse, with the change reached, before
                # the sum of the solves exceeds the budget (one case took 3.3 s to reach the node cap)
                spent += self._dense_seconds(refine)
                if spent > _MAX_SECONDS:
                    raise _RefinementStopped(
                        f"grid refinement stopped at a {last:.2g} relative change of the rate (> {_CHECK:g}) after "
                        f"{refine} halving(s): the next would bring the solves to about {spent:.2g} s of one core "
                        f"(> {_MAX_SECONDS:g} s); the increment SD is small relative to the voltage range the "
                        "membrane visits (raise it, or move beta away from 1), or use Gaussian increments",
                        previous.rate, last)
            fine = first if refine == 0 else self.solve(refine, _ORDERS[1], keep_factor)
            if refine:
                step = abs(fine.rate - previous.rate)
                if step <= _CHECK * abs(fine.rate) + _ABS_FLOOR:
                    # the order-12 solves on panels h and h/2 agree: the h/2 one is converged (the
                    # order-8 solve, the other estimate, can lag by 10x at an atom-rich mixture's kinks)
                    return fine
                step /= max(abs(fine.rate), _ABS_FLOOR)
                if refine >= 2 and step >= _STALL * last_step:
                    # the order-12 solves no longer converge (each halving should shrink their
                    # change by far more than _STALL): their rounding floor, at this change
                    raise _RefinementStopped(
                        f"grid refinement stalled: the order-12 solves change by {step:.2g} and {last_step:.2g} "
                        f"relative over the last two halvings (> {_CHECK:g}; firing probability {fine.rate:.3g}, "
                        f"P(no input) = {self.q0:.3g}): the solve's rounding floor; raise the drive or the noise, "
                        "or use Gaussian increments", fine.rate, max(step, last_step))
                last_step = step
            coarse = self.solve(refine, _ORDERS[0])
            err = abs(fine.rate - coarse.rate)
            if err <= _CHECK * abs(fine.rate) + _ABS_FLOOR:
                return fine
            # a superseded solve's LU is not kept alive beside the next one's (a few hundred MB each
            # on the largest sparse grids)
            previous, fine, first = fine._replace(factor=None), None, None
            rel = err / max(abs(previous.rate), _ABS_FLOOR)
            if refine >= 2 and rel >= _STALL * last:
                # the panels converge exponentially: a halving that does not shrink the change by
                # _STALL has reached the floor of the solve's rounding (a tiny rate with an atom in
                # the increments), and further halvings only cost time (up to 10 s at 2,000 nodes)
                raise _RefinementStopped(
                    f"grid refinement stalled at {rel:.2g} relative change (previous halving {last:.2g}; "
                    f"firing probability {previous.rate:.3g}): the solve's rounding floor, reached for tiny rates "
                    f"with P(no input) = {self.q0:.3g}; raise the drive or the noise, or use Gaussian increments",
                    previous.rate, rel)
            last = rel
        raise _RefinementStopped(f"grid refinement did not reach {_CHECK:g} relative after 6 halvings of the "
                                 f"panels (last change {last:.2g})", previous.rate, last)


def _interp_matrix(y, ok, pan_lo, pan_hi, order):
    """Rows: Lagrange interpolation weights of the value at y from the nodes of its panel."""
    n_nodes = pan_lo.size * order
    out = np.zeros((y.size, n_nodes))
    inside = ok & (y >= pan_lo[0]) & (y <= pan_hi[-1])
    idx = np.nonzero(inside)[0]
    if idx.size == 0:
        return out
    k = np.clip(np.searchsorted(pan_hi, y[idx]), 0, pan_lo.size - 1)
    lo, hi = pan_lo[k], pan_hi[k]
    t = (2.0 * y[idx] - lo - hi) / (hi - lo)
    x0, lam = _bary(order)
    diff = t[:, None] - x0[None, :]
    exact = diff == 0.0
    diff = np.where(exact, 1.0, diff)
    terms = lam[None, :] / diff
    basis = terms / terms.sum(axis=1, keepdims=True)
    hit = exact.any(axis=1)
    basis[hit] = exact[hit].astype(float)
    cols = k[:, None] * order + np.arange(order)[None, :]
    out[idx[:, None], cols] = basis
    return out


def _bary(order):
    x0, _ = np.polynomial.legendre.leggauss(order)
    lam = np.array([1.0 / np.prod([x0[j] - x0[m] for m in range(order) if m != j]) for j in range(order)])
    return x0, lam


# ---------------------------------------------------------------------------------------------
# special cases: deterministic chain, perfect integrator
# ---------------------------------------------------------------------------------------------


def _deterministic_rate(beta, m, v_th, v_reset, reset, ref):
    """Spikes per step of V <- beta V + m (no noise)."""
    theta = v_th - v_reset
    if reset == "zero" or ref > 0:
        n = _steps_to_cross(beta, m, v_reset, v_th)
        return 0.0 if n is None else 1.0 / (ref + n)
    if beta == 1.0:
        return 0.0 if m <= 0 else min(1.0, m / theta)
    # subtract reset: iterate the post-spike map until it becomes periodic (it contracts by beta^n)
    y, seen, steps, spikes = v_reset, [], 0, 0
    for _ in range(100000):
        n = _steps_to_cross(beta, m, y, v_th)
        if n is None:
            return 0.0 if spikes == 0 else spikes / steps  # cannot happen after a first spike
        x = y
        for _k in range(n):
            x = beta * x + m
        y = x - theta
        steps += n
        spikes += 1
        for i, (yy, st, sp) in enumerate(seen):
            if abs(yy - y) <= 1e-13 * max(1.0, abs(y)):
                return (spikes - sp) / (steps - st)
        seen.append((y, steps, spikes))
        if len(seen) > 2000:
            seen = seen[-2000:]
    raise ConvergenceError("the noise-free subtract-reset map did not become periodic within 1e5 spikes")


def _steps_to_cross(beta, m, y, v_th):
    """Smallest n >= 1 with x_n >= v_th for x_{k+1} = beta x_k + m, x_0 = y; None if never."""
    if beta == 1.0:
        if m <= 0:
            return None if y + m < v_th else 1
        q = (v_th - y) / m
        n = max(1, math.ceil(q)) if math.isfinite(q) else 2**1023  # (a subnormal m: ~never)
    else:
        fixed = m / (1.0 - beta)
        if beta * y + m >= v_th:
            return 1
        if fixed <= v_th:
            return None
        n = max(1, math.ceil(math.log((fixed - v_th) / (fixed - y)) / math.log(beta)))
    if n > 2**50:
        # beyond double-precision step counting: the rounding repair below cannot change n
        return n
    # repair the floating-point boundary by direct evaluation
    def x_at(k):
        return y + k * m if beta == 1.0 else fixed + (y - fixed) * beta**k
    while n > 1 and x_at(n - 1) >= v_th:
        n -= 1
    while x_at(n) < v_th:
        n += 1
    return n


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------

def _validate(m, s, beta, v_th, v_reset, reset, ref_steps, v_lower=None):
    m = check("m", m)
    s = check("s", s)
    beta = check("beta", beta)
    v_th = check("v_th", v_th)
    v_reset = check("v_reset", v_reset)
    check_below("v_reset", v_reset, "v_th", v_th)
    check_choice("reset", reset, _RESETS)
    ref = check("ref_steps", ref_steps)
    if v_lower is None:
        low = np.full(np.shape(v_reset), -np.inf)
    else:
        low = check("v_lower", v_lower)
        check_below("v_lower", low, "v_reset", v_reset, strict=False)
    return broadcast(m=m, s=s, beta=beta, v_th=v_th, v_reset=v_reset, ref_steps=ref, v_lower=low)


def _rate_one(inc: IncrementDistribution, beta, v_th, v_reset, reset, ref, v_lower=None, below_floor=False,
              dry_run=False):
    """Spikes per step of one chain. ``below_floor=True``: the caller knows the rate to be below the
    atom solver's floor (a larger drive was): the solve is replaced by the _BelowAtomFloor it would
    raise, with everything before and after it (limits) as usual. ``dry_run=True``: the chain is
    not solved; returns the cost model's estimate of its first solve (CPU s; 0 where a closed
    form or limit answers, or the solve is not dense), or raises the error its grid's size or
    cost would raise (so that a caller with many chains can refuse before solving any)."""
    beta, v_th, v_reset, ref = float(beta), float(v_th), float(v_reset), int(ref)
    if v_lower is not None:
        v_lower = float(v_lower)
        if not np.isfinite(v_lower):
            v_lower = None
    answer = _unsolved_rate(inc, beta, v_th, v_reset, reset, ref, v_lower)
    if answer is not None:
        return 0.0 if dry_run else answer
    try:
        if below_floor and inc.atom_mass > 0.0:
            raise _BelowAtomFloor("the firing probability is below the atom solver's floor (that of a larger "
                                  "drive was)")
        chain = _Chain(beta, inc, v_th, v_reset, reset, ref, v_lower)
        if dry_run:
            return chain.check_first_solve()
        return chain.converged().rate
    except ConvergenceError as err:
        limit = _limit_rate(inc, beta, v_th, v_reset, reset, ref, v_lower, certain=False)
        if limit is None:
            raise err
        return 0.0 if dry_run else limit


def _unsolved_rate(inc, beta, v_th, v_reset, reset, ref, v_lower):
    """The rate of :func:`_rate_one` where it needs no chain solve (closed forms, and the limits
    as accurate as the solver), else None."""
    if inc.weights.size == 0 or inc.weights.sum() == 0.0:
        # the noise-free orbit from v_reset (>= v_lower) moves monotonically towards its fixed
        # point; if that lies below v_lower the clamped and the free orbit both never spike,
        # otherwise the clamp never binds: the lower bound does not change the rate
        return _deterministic_rate(beta, inc.atom_at, v_th, v_reset, reset, ref)
    mean, theta = inc.mean, v_th - v_reset
    if beta == 1.0 and v_lower is None:
        if mean <= 0.0:
            # no stationary state: the walk drifts down (or is a driftless walk with infinite mean
            # first-passage time); the long-run spikes per step are 0
            return 0.0
        if reset == "subtract" and ref == 0:
            # conservation: every theta of net drive is one spike (V has no lower bound)
            return min(1.0, mean / theta)
    if beta == 1.0 and reset == "subtract" and ref == 0 and mean >= theta:
        # above threshold the walk spikes every step with drift m - theta >= 0: it escapes upwards
        # (null-recurrently at m = theta), and the long-run rate is 1 whatever the lower bound
        return 1.0
    return _limit_rate(inc, beta, v_th, v_reset, reset, ref, v_lower, certain=True)


#: Noise-free limit: crossings (and non-crossings) at least this many SDs of the accumulated noise
#: away from the threshold are certain to e^-50 per step.
_Z_DET = 10.0
#: Perfect-integrator limit for beta < 1: used when the leak's first-order effect on the rate,
#: (1 - beta) R / (drift scale), is below this (R bounds |V| over the states the walk visits).
_LEAK_TOL = 1e-7
#: Wald's identity with the distant-level overshoot is used at beta = 1 for theta >= this * max(s, m)
#: and 2 pi^2 s^2 theta / m^3 >= _WALD_LATTICE (the lattice ripple of the overshoot below e^-40).
_WALD_LEVEL = 20.0
_WALD_LATTICE = 40.0


def _memoryless_rate(inc, beta, v_th, v_reset, ref):
    """The rate of a chain that forgets its membrane within a step (beta -> 0), or None.

    A step's pre-threshold potential is ``beta V + I`` with ``|V| <= R``, R the largest potential
    the chain reaches (increments beyond 40 SDs, probability < 1e-300 per step, aside), so every
    free step fires with a probability between ``P(I >= v_th + beta R)`` and
    ``P(I >= v_th - beta R)``, and the rate lies between the renewal rates ``p / (1 + ref p)`` of
    the two (both resets: after ``ref`` clamped steps the memory is gone anyway). Where they agree
    to the solver's own tolerance (_CHECK, relative) the rate at ``p = P(I >= v_th)`` is returned:
    a neuron at beta = 1e-6 driven far above threshold, whose Nystrom grid took ~0.1 s per chain
    for the same number (a quenched layer of them 16-20 s)."""
    w, mu, sd = inc.weights, inc.means, inc.sds
    if not (beta < 1e-3 and np.all(sd > 0.0)):
        return None   # (an SD that underflowed to 0: the limits of the caller handle it)
    reach = float(np.max(np.abs(mu) + 40.0 * sd)) if w.size else 0.0
    if inc.atom_mass > 0.0:
        reach = max(reach, abs(inc.atom_at))
    big = (max(abs(v_reset), abs(v_th), reach) + (v_th - v_reset)) / (1.0 - beta)
    d = beta * big

    def fires(x):
        p = float(np.sum(w * special.ndtr((mu - x) / sd))) if w.size else 0.0
        return p + (inc.atom_mass if inc.atom_mass > 0.0 and inc.atom_at >= x else 0.0)

    lo, hi = fires(v_th + d), fires(v_th - d)
    if not (lo > 0.0 and hi - lo <= _CHECK * lo):
        return None
    p = fires(v_th)
    return p / (1.0 + ref * p)


def _mixture_one_step_rate(inc, beta, v_th, v_reset, reset, ref):
    """Renewal rate of a mixture-driven neuron whose first free step from ``v_reset`` crosses
    almost surely, without the Nyström solve; None when that is not the case.

    With the renewal reset (zero reset, or a refractory period) the rate is ``1/(ref + E[T])``,
    ``E[T] = 1 + P(T > 1) + sum_{k>=2} P(T > k)``, ``P(T > 1) = P(beta v_reset + I < v_th)``
    exactly. No crossing by step k implies the free membrane ``V_k = beta^k v_reset +
    sum_j beta^(k-j) I_j`` is below ``v_th`` (a clamp from below only raises it), so
    ``P(T > k) <= min_lambda exp(lambda (v_th - beta^k v_reset)) prod_i M(-lambda beta^i)``
    (Chernoff, ``M`` the moment generating function of the mixture). The rate
    ``1/(ref + 1 + P(T > 1))`` is returned when those bounds for k >= 2 sum below 1e-9 of
    ``E[T]`` and the last one (k = 64) is below e^-690. Cost: a few thousand exponentials,
    where the solve on the increments' fine grid takes up to ~1 s (many active inputs with
    large weights, e.g. w_mean = v_th with beta near 1).
    """
    if not (reset == "zero" or ref > 0) or not 0.0 <= beta <= 1.0 or inc.mean <= 0.0:
        return None
    w, mu, sd = inc.weights, inc.means, inc.sds
    x1 = v_th - beta * v_reset
    stay = float(np.sum(w * special.ndtr((x1 - mu) / sd))) + inc.atom_mass * float(inc.atom_at < x1)
    if not stay <= 1e-4:   # (the bounds below cannot then reach 1e-9; skip their cost)
        return None
    var = max(inc.var, 1e-300)
    lam = (inc.mean / var) * np.logspace(-3.0, 3.0, 49)                  # (L,)
    k = np.arange(64)
    c = beta ** k                                                         # (K,): beta^i
    t = -lam[:, None, None] * c[None, :, None]                            # (L, K, 1)
    # log M(t) = logsumexp over components of log(w_j) + t mu_j + t^2 sd_j^2 / 2 (+ the atom)
    comp = t * mu + 0.5 * t * t * sd * sd                                 # (L, K, J)
    atom = t * inc.atom_at                                                # (L, K, 1)
    terms = np.concatenate([comp, atom], axis=-1)
    wts = np.append(w, inc.atom_mass)
    with np.errstate(divide="ignore"):
        log_m = special.logsumexp(terms, axis=-1, b=np.broadcast_to(wts, terms.shape))   # (L, K)
    # log bound on P(V_n < v_th), n = 1..64: lambda (v_th - beta^n v_reset) + sum_{i<n} log M
    cum = np.cumsum(log_m, axis=1)
    n = k + 1
    log_b = lam[:, None] * (v_th - beta ** n * v_reset)[None, :] + cum
    best = np.min(log_b, axis=0)                                          # (K,) over lambda
    best = np.minimum.accumulate(best)                                    # P(T > n) is non-increasing
    if not best[-1] <= -690.0:
        return None
    err = float(np.sum(np.exp(best[1:])))                                 # n = 2..64 (+ < 1e-300 beyond)
    e_t = 1.0 + stay
    if not err <= 1e-9 * e_t:
        return None
    return 1.0 / (ref + e_t)


def _limit_rate(inc, beta, v_th, v_reset, reset, ref, v_lower, certain):
    """The noise-free or perfect-integrator limit where it is the answer to the stated accuracy.

    ``certain=True``: limits at least as accurate as the solver (a chain that forgets its
    membrane within a step, :func:`_memoryless_rate`; every step a spike for the
    subtract reset; the noise-free spike times of the zero reset with every crossing 10 noise
    SDs clear; a free membrane 40 SDs below threshold, rate below the smallest double; at
    beta = 1 without a bound, zero reset, Wald's identity with the ladder overshoot for
    theta >= 20 max(s, m) and 2 pi^2 s^2 theta >= 40 m^3). ``certain=False`` (the grid is too
    large): also beta -> 1,
    the perfect integrator's rate, when the leak's effect (1 - beta) R / m is below 1e-7 relative.
    Returns None when no limit applies.
    """
    if v_lower is None:
        rate = _memoryless_rate(inc, beta, v_th, v_reset, ref)
        if rate is not None:
            return rate
    if inc.weights.size != 1 or inc.atom_mass > 0.0:
        return _mixture_one_step_rate(inc, beta, v_th, v_reset, reset, ref)
    m, s = float(inc.means[0]), float(inc.sds[0])
    theta = v_th - v_reset
    if reset == "subtract" and ref == 0 and beta < 1.0:
        # always spiking: X <- beta (X - theta) + I has the stationary law
        # N((m - beta theta)/(1 - beta), s^2/(1 - beta^2)); started at v_reset, its mean rises
        # monotonically. If the stationary law sits 10 SDs above v_th, the stationary chain
        # skips a spike with probability ~1e-23 per step (the chain is ergodic: its start is
        # forgotten)
        mu_x = (m - beta * theta) / (1.0 - beta)
        sd_x = s / math.sqrt(1.0 - beta * beta)
        if mu_x - v_th >= _Z_DET * sd_x:
            return 1.0
    if (reset == "zero" or ref > 0) and m > 0.0:
        n = _steps_to_cross(beta, m, v_reset, v_th)
        if n is not None and n < 10**6:
            xs = (v_reset + m * np.arange(n + 1) if beta == 1.0 else
                  m / (1.0 - beta) + (v_reset - m / (1.0 - beta)) * beta ** np.arange(n + 1))
            k = np.arange(n + 1)
            sd = s * np.sqrt(k if beta == 1.0 else -np.expm1(2.0 * k * math.log(beta)) / (1.0 - beta * beta))
            ok = xs[n] - v_th >= _Z_DET * sd[n] and (n == 1 or v_th - xs[n - 1] >= _Z_DET * sd[n - 1])
            if v_lower is not None and n > 1:
                ok = ok and xs[1] - v_lower >= _Z_DET * sd[1]
            if ok:
                return 1.0 / (ref + n)
    if (reset == "zero" or ref > 0) and v_lower is None and s > 0.0 and m > (1.0 - beta) * v_th \
            and m > 0.0:
        # a walk that rarely falls back: no crossing by step k means V_k < v_th for the free
        # Gaussian membrane V_k ~ N(xs_k, sd_k^2) from v_reset, except when it crossed at some
        # j < k and fell back, so E[ISI] = ref + sum_k P(V_k < v_th) - err with
        # 0 <= err <= sum_d P(V_{j+d} < v_th | V_j = v_th) (summing over k first; the fall is
        # least likely from v_th itself). Used when that bound is below 1e-9 of E[ISI].
        n = _steps_to_cross(beta, m, v_reset, v_th)
        if n is not None and n < 10**5:
            k = np.arange(int(n + 50 + 20 * math.sqrt(n)))
            xs = (v_reset + m * k if beta == 1.0 else
                  m / (1.0 - beta) + (v_reset - m / (1.0 - beta)) * beta ** k)
            sd = s * np.sqrt(k if beta == 1.0 else -np.expm1(2.0 * k * math.log(beta)) / (1.0 - beta * beta))
            d = k[1:]
            rise = m * d if beta == 1.0 else (m / (1.0 - beta) - v_th) * -np.expm1(d * math.log(beta))
            fall = float(np.sum(special.ndtr(-rise / sd[1:])))
            with np.errstate(divide="ignore", invalid="ignore"):
                z = np.where(sd > 0.0, (v_th - xs) / np.where(sd > 0.0, sd, 1.0),
                             np.where(xs < v_th, np.inf, -np.inf))
            e_isi = ref + float(np.sum(special.ndtr(z)))
            if z[-1] <= -40.0 and fall <= 1e-9 * e_isi:
                return 1.0 / e_isi
    if beta == 1.0 and v_lower is None and (reset == "zero" or ref > 0) and m > 0.0 \
            and theta >= _WALD_LEVEL * max(s, m) and 2.0 * math.pi**2 * s * s * theta >= _WALD_LATTICE * m**3:
        # Wald's identity E[T] = (theta + E[R])/m with the distant-level (ladder) mean overshoot
        # of Spitzer's series. The finite-level overshoot converges to it exponentially in
        # theta/s, the slower the larger m/s (relative error of the rate 1.3e-6 at m = 2 s,
        # theta = 10 s; 1.8e-6 at m = 3 s, theta = 20 s); for nearly lattice steps (m >> s) the
        # slowest part is the overshoot's period-m ripple, damped by exp(-2 pi^2 s^2 theta / m^3)
        # (the walk's Fourier mode at 2 pi/m after theta/m steps). Past both levels the rate
        # agrees with the chain's to < 1e-12 for m/s in [0.5, 10] (tests/test_discrete.py)
        return 1.0 / (ref + (theta + ladder_overshoot_mean(m, s)) / m)
    if beta < 1.0 and m / (1.0 - beta) < v_th and v_lower is None:
        # the free stationary law N(m/(1-beta), s^2/(1-beta^2)) 40 SDs below threshold: the rate
        # is below Phi(-40) ~ 1e-349 per step, which is 0 in double precision
        if (v_th - m / (1.0 - beta)) * math.sqrt(1.0 - beta * beta) >= 40.0 * s \
                and v_th - max(v_reset, m / (1.0 - beta)) >= 40.0 * s / math.sqrt(1.0 - beta * beta):
            return 0.0
    if certain or beta == 1.0 or beta < 0.5:
        return None
    if v_lower is None and m > 0.0:
        # zero reset: the walk visits [v_reset - depth, v_th]; subtract: about one theta around it
        depth = _C_TAIL * s + _C_RUIN * s * s / m
        big_r = max(abs(v_th), abs(v_reset) + depth) + (_C_LOW * s if reset == "subtract" else 0.0)
        if (1.0 - beta) * big_r / m <= _LEAK_TOL:
            return _rate_one(inc, 1.0, v_th, v_reset, reset, ref, None)
    if v_lower is not None:
        span = v_th - v_lower + _C_TAIL * s
        big_r = max(abs(v_lower), abs(v_th) + _C_TAIL * s + max(0.0, m))
        sens = span / (s * s) + (1.0 / m if m > 0 else 0.0)
        if (1.0 - beta) * big_r * sens <= _LEAK_TOL:
            return _rate_one(inc, 1.0, v_th, v_reset, reset, ref, v_lower)
    return None


def firing_probability(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0, increments=None,
                       v_lower=None):
    r"""Spikes per step of the stationary discrete-time LIF neuron ``V <- beta V + I``.

    The canonical step map with Gaussian increments ``I ~ N(m, s^2)`` (or ``increments``),
    threshold ``v_th``, reset ``"zero"`` or ``"subtract"`` and ``ref_steps`` refractory steps.
    This is what an SNN with time step dt computes; ``beta = exp(-dt/tau_m)``. In the limit
    ``dt -> 0`` at fixed ``tau_m`` with ``m = mu (1 - beta)`` and ``s = sigma sqrt((1-beta^2)/2)``
    (the exact one-step map of the OU neuron) the rate per step divided by dt tends to the
    Siegert rate, with an O(sqrt(dt)) error that the dt-corrected Siegert rate reduces to O(dt)
    (:func:`siegert_comparison`).

    Parameters
    ----------
    m : array_like
        Mean increment per step (V/step). Ignored when ``increments`` is given (pass 0).
    s : array_like
        SD of the increment per step (V/step), >= 0; ``s = 0`` is the noise-free map.
        (The per-step increment is not a diffusion coefficient: the free membrane has mean
        ``m/(1-beta)`` and SD ``s/sqrt(1-beta^2)``; in the Brunel convention
        ``sigma = s sqrt(2/(1-beta^2))``, free SD ``sigma/sqrt(2)``.)
    beta : array_like, keyword-only
        Per-step decay, in (0, 1]; 1 is the perfect integrator.
    v_th, v_reset : array_like, keyword-only
        Threshold and reset (V), ``v_reset < v_th``.
    reset : {"zero", "subtract"}, keyword-only
    ref_steps : array_like of int, keyword-only
        Refractory steps after a spike (V clamped at ``v_reset``, input ignored).
    increments : IncrementDistribution, optional, keyword-only
        The exact increment distribution (e.g. :func:`snntheory.neuron.increment_distribution`,
        a binomial mixture of Gaussians with an atom at 0); replaces ``N(m, s^2)``.
    v_lower : array_like, optional, keyword-only
        Lower bound of the membrane, ``V <- max(V, v_lower)`` before the threshold check (as
        :func:`snntheory.simulate.run_step_map`), ``<= v_reset``; it makes the perfect
        integrator (``beta = 1``) stationary without drift (the S2 fix of firing-rate collapse).
        Increments without an atom only. Solved with an extra atom state by GTH elimination.

    Returns
    -------
    ndarray or scalar
        Spikes per step (probability that a step ends in a spike), broadcast shape.

    Raises
    ------
    ParameterError
        ``beta`` outside (0, 1], ``s < 0``, ``v_reset >= v_th``, unknown ``reset``,
        non-integer ``ref_steps``.
    ConvergenceError
        The grid needed for 1e-6 would exceed 3000 nodes (40,000 for the banded renewal system
        of Gaussian increments, 900 for the elimination used with ``v_lower`` or for rates below
        1e-7): an increment SD below ~1e-3 (~1e-4, ~3e-3) of the voltage range the membrane
        visits, where none of the limits below applies. Raised before the grid is built.

    Notes
    -----
    Zero reset (and any refractory period) is a renewal process:
    :math:`p = 1/(n_\mathrm{ref} + \bar T(v_\mathrm{reset}))`, where the mean number of steps
    to the first crossing solves

    .. math::

        \bar T(v) = 1 + \int_{-\infty}^{v_\mathrm{th}} k(u - \beta v)\,\bar T(u)\,du ,

    with :math:`k` the increment density. Here the equivalent forward form is solved: the
    occupation density :math:`g` of one inter-spike interval,
    :math:`g(u) = k(u - \beta v_\mathrm{reset}) + \int g(v) k(u-\beta v)\,dv` for
    :math:`u < v_\mathrm{th}`, and :math:`\bar T = 1 + \int g`. Subtractive reset keeps memory
    across spikes; the stationary density of the post-reset state solves

    .. math::

        P(u) = \int P(v)\,\big[k(u-\beta v)\,\mathbb 1_{u<v_\mathrm{th}}
               + k(u+v_\mathrm{th}-v_\mathrm{reset}-\beta v)\,\mathbb 1_{u\ge v_\mathrm{reset}}\big]dv,
        \qquad \int P = 1,

    and :math:`p = \int P(v)\,P(\beta v + I \ge v_\mathrm{th})\,dv`. An atom of the increment
    at 0 (no input active, probability :math:`q_0`) is integrated out exactly by unrolling the
    zero-input steps (:math:`v \to \beta v`) up to :math:`q_0^n < 10^{-17}`.

    *Numerical method.* Nyström discretisation on composite Gauss–Legendre panels of width
    4 × (narrowest increment SD), with breakpoints at ``v_reset`` and ``v_th``, from a lower
    cut-off 9 free-membrane SDs below min(v_reset, free mean) (or a ruin bound for a walk
    with upward drift) to ``v_th`` (zero reset) or the highest post-reset state (subtract).
    The solution converges exponentially in the order: 8- and 12-point panels must agree to
    1e-7 (otherwise the panels are halved), and the 12-point value is returned. Rates below
    1e-7 are re-solved by Grassmann–Taksar–Heyman elimination (no cancellation), so tiny rates
    keep their relative accuracy (tested to 1e-68). Measured: relative error <= 3e-13 against
    the same equations solved in mpmath at 30 digits (``tests/reference/discrete_mpmath.csv``),
    <= 1.6e-6 against an independent dense-grid Markov chain (the limit of that reference's own
    Richardson-extrapolated accuracy, ``discrete_grid.csv``), and within 4 standard errors of
    seeded simulations (``tests/test_discrete.py``). Binomial mixtures cost one kernel
    evaluation per mixture component, and their atom at 0 adds panel breakpoints at the
    zero-input images of ``v_th`` and ``v_reset``, and a geometric grading (ratio 1/2) towards
    the zero-input map's fixed point, where the density has a power-law singularity; times per
    call and the comparison with simulation are in ``benchmarks/results/discrete.md``.

    *Limits.* ``s = 0``: the noise-free map (zero reset: :math:`1/(n_\mathrm{ref}+n)` with
    :math:`n` the steps to cross; subtract: the rotation number of its periodic orbit; a lower
    bound never binds on it). Small ``s``: the noise-free value where every crossing (and the
    last non-crossing) of the noise-free orbit is 10 SDs of the accumulated noise clear of the
    threshold (zero reset, or any refractory period), and 1 where the always-spiking subtract
    chain sits 10 SDs above threshold (error below 1e-22 per step). ``beta = 1``: with mean
    increment ``<= 0`` and no bound there is no stationary state and the long-run rate is 0
    (firing-rate collapse); subtract reset without refractoriness gives exactly
    ``min(1, m/(v_th - v_reset))`` (each ``v_th - v_reset`` of net drive is one spike), and 1
    for ``m >= v_th - v_reset`` with a bound; zero reset with :math:`\theta \ge 20\max(s, m)`
    and :math:`2\pi^2 s^2\theta \ge 40 m^3` is Wald's identity
    :math:`p = 1/(n_\mathrm{ref} + (\theta + E[R_\infty])/m)` with Spitzer's ladder overshoot
    (:func:`snntheory.wiener.ladder_overshoot`; the finite-level overshoot converges to it
    exponentially in :math:`\theta/s`, its period-m ripple like
    :math:`e^{-2\pi^2 s^2\theta/m^3}`; agreement < 1e-12 with this solver there); otherwise
    the grid is closed by the exact exponential tails of the perfect integrator
    (:math:`e^{2mu/s^2}` below the reset, :math:`e^{-2(\theta - m)u/s^2}` above the
    threshold for the subtract reset with a bound), one lumped state each. ``beta -> 1`` with
    a grid too large: the ``beta = 1`` value where the leak's first-order effect
    :math:`(1-\beta)R/m` (R the largest :math:`|V|` visited) is below 1e-7.

    Derivation: ``snntheory.symbolic.discrete.forward_equation_zero`` (zero reset; the numeric
    density and rate are inserted into it in ``tests/test_symbolic_discrete.py``),
    ``stationary_equation_subtract`` (subtract reset) and ``renewal_equation``.

    References
    ----------
    Helias, Deger, Rotter & Diesmann (2010), Front. Comput. Neurosci. 3:29 (direct solution of
    the discrete-time Markov process, Sec. 2.3); Atkinson (1997), *The Numerical Solution of
    Integral Equations of the Second Kind*, Ch. 4 (Nyström method).

    Examples
    --------
    The noise-free neuron with zero reset fires every ``n`` steps, ``n`` the steps to climb
    from reset to threshold:

    >>> float(firing_probability(0.3, 0.0, beta=1.0))
    0.25

    The perfect integrator with subtractive reset conserves charge (rate = m / (v_th - v_reset)):

    >>> float(firing_probability(0.05, 0.2, beta=1.0, reset="subtract"))
    0.05

    Noise raises the rate of a subthreshold neuron:

    >>> bool(firing_probability(0.02, 0.1, beta=0.95) < firing_probability(0.02, 0.15, beta=0.95))
    True
    """
    if increments is not None:
        _check_increments(increments)
        _, _, beta_a, vth_a, vr_a, ref_a, low_a = _validate(0.0, 0.0, beta, v_th, v_reset, reset, ref_steps, v_lower)
        out = np.empty(beta_a.shape)
        for idx in np.ndindex(out.shape):
            out[idx] = _rate_one(increments, beta_a[idx], vth_a[idx], vr_a[idx], reset, ref_a[idx], low_a[idx])
        return scalar_or_array(out)
    m, s, beta, v_th, v_reset, ref, low = _validate(m, s, beta, v_th, v_reset, reset, ref_steps, v_lower)
    out = np.empty(m.shape)
    for idx in np.ndindex(out.shape):
        inc = IncrementDistribution.gaussian(m[idx], s[idx])
        out[idx] = _rate_one(inc, beta[idx], v_th[idx], v_reset[idx], reset, ref[idx], low[idx])
    return scalar_or_array(out)


# ---------------------------------------------------------------------------------------------
# density, moments, ISI
# ---------------------------------------------------------------------------------------------


class StationaryDensity(NamedTuple):
    """Stationary distribution of the (post-reset) membrane potential of the chain.

    ``v``, ``density`` and ``weights`` are the Gauss–Legendre nodes (V), the continuous density
    there (1/V) and the quadrature weights (V), so ``sum(weights * density * f(v))`` integrates
    ``f`` against the continuous part; ``atoms_v`` and ``atoms_mass`` are the point masses (the
    reset state, counted once per spike and per refractory step, and its zero-input images).
    ``sum(weights * density) + sum(atoms_mass) = 1``. ``rate`` is the firing probability.
    """

    __repr__ = _result_repr

    v: np.ndarray
    density: np.ndarray
    weights: np.ndarray
    atoms_v: np.ndarray
    atoms_mass: np.ndarray
    rate: float
    #: nodes on the Gauss–Legendre panels (the rest, if any, are Gauss–Laguerre nodes of the
    #: perfect integrator's exponential tail beyond the grid); -1: all
    n_grid: int = -1

    def pdf(self, x):
        """The continuous density at ``x`` (V), by Lagrange interpolation on the Gauss–Legendre
        panel containing each point (0 outside the grid)."""
        x = np.atleast_1d(np.asarray(x, float))
        order = _ORDERS[-1]
        n = self.v.size if self.n_grid < 0 else self.n_grid
        lo, hi = _panel_ends(self.v[:n], order)
        vals = _interp_matrix(x, np.ones(x.shape, bool), lo, hi, order) @ self.density[:n]
        return vals


class MembraneMoments(NamedTuple):
    """Mean (V) and variance (V^2) of the stationary post-reset membrane potential."""

    __repr__ = _result_repr

    mean: object
    var: object


class ISIMoments(NamedTuple):
    """Mean (steps), variance (steps^2) and coefficient of variation of the inter-spike interval."""

    __repr__ = _result_repr

    mean: object
    var: object
    cv: object


def _check_increments(increments):
    """``increments`` must be an :class:`~snntheory.neuron.IncrementDistribution` (or None)."""
    if increments is not None and not isinstance(increments, IncrementDistribution):
        raise ParameterError("increments must be a snntheory.neuron.IncrementDistribution (e.g. from "
                             f"increment_distribution) or None; got {increments!r}")
    return increments


def _scalar_chain(m, s, beta, v_th, v_reset, reset, ref_steps, increments, what, v_lower=None, tails=True):
    _check_increments(increments)
    m, s, beta, v_th, v_reset, ref, low = (float(x) for x in _validate(
        0.0 if increments is not None else m, 0.0 if increments is not None else s,
        beta, v_th, v_reset, reset, ref_steps, v_lower))
    inc = increments if increments is not None else IncrementDistribution.gaussian(m, s)
    if inc.weights.size == 0:
        raise ParameterError(f"{what} needs noise: s must be > 0 V/step (the noise-free chain has no density)")
    if increments is None and s * s < 1e-290:
        # s^2 underflows (the chain's scales 1/s^2 overflow): the density is the noise-free orbit's
        raise ConvergenceError(f"{what}: s = {s:g} V/step is too small for the density solver (s^2 underflows; "
                               "the membrane follows the noise-free orbit): raise s above 1e-140, or use "
                               "firing_probability, whose noise-free limit is exact")
    if beta == 1.0 and inc.mean <= 0.0 and v_lower is None:
        raise ParameterError(f"{what} with beta = 1 needs a positive mean increment or v_lower (otherwise the "
                             f"membrane drifts away and has no stationary distribution); got mean {inc.mean:g}")
    if beta == 1.0 and reset == "subtract" and ref == 0 and inc.mean >= v_th - v_reset:
        raise _AlwaysSpiking(
            f"{what}: the mean increment m must be below v_th - v_reset = {v_th - v_reset:g} with beta = 1, the "
            f"subtract reset and no refractory period; got {inc.mean:g}: the membrane climbs by the difference "
            "at every step and has no stationary distribution (the neuron fires at every step: "
            "firing_probability is 1, every ISI 1 step)")
    return _Chain(beta, inc, v_th, v_reset, reset, int(ref), None if v_lower is None else low, tails=tails)


def stationary_density(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0,
                       increments=None, v_lower=None) -> StationaryDensity:
    r"""Stationary density of the post-reset membrane potential, with the reset point mass.

    Scalar parameters (as :func:`firing_probability`). Returns the density on the solver's
    Gauss–Legendre nodes below ``v_th`` (and above it for the subtract reset, whose state can
    exceed ``v_th`` after a large jump), the point masses and the rate.

    Notes
    -----
    The continuous part solves the forward (master) equation of the chain (see
    :func:`firing_probability`); with zero reset the measure is the occupation density of one
    inter-spike interval times the rate, plus the atom :math:`p(1+n_\mathrm{ref})` at
    ``v_reset``. Normalisation is exact to the solver's accuracy (1e-10).
    ``reset="subtract"`` with ``ref_steps > 0``: the spike step holds ``V - (v_th - v_reset)``
    (then the membrane is clamped at ``v_reset``); that continuous part, one state per spike on
    ``[v_reset, inf)``, is added to the density (extra nodes above ``v_th``).

    Examples
    --------
    >>> d = stationary_density(0.03, 0.15, beta=0.95)
    >>> bool(abs(d.weights @ d.density + d.atoms_mass.sum() - 1) < 1e-9)
    True
    >>> bool(abs(d.atoms_mass[0] - d.rate) < 1e-15)  # one reset per spike
    True
    """
    chain = _scalar_chain(m, s, beta, v_th, v_reset, reset, ref_steps, increments, "stationary_density", v_lower)
    sol = chain.converged()
    if chain.reset == "subtract" and chain.ref > 0:
        return _with_spike_step(chain, sol)
    return _with_tail(chain, sol, StationaryDensity(sol.nodes, sol.density, sol.weights, sol.atoms_v,
                                                    sol.atoms_mass, sol.rate))


def _with_tail(chain: _Chain, sol: _Solution, d: StationaryDensity) -> StationaryDensity:
    """Append the exponential tail beyond the grid (beta = 1 closure) as Gauss–Laguerre nodes."""
    if chain.tail is None or sol.tail_mass <= 0.0:
        return d
    v, wt, dens = chain.tail_nodes(sol.tail_mass)
    return StationaryDensity(np.concatenate([d.v, v]), np.concatenate([d.density, dens]),
                             np.concatenate([d.weights, wt]), d.atoms_v, d.atoms_mass, d.rate, d.v.size)


def _with_spike_step(chain: _Chain, sol: _Solution) -> StationaryDensity:
    """Subtract reset with refractoriness: add the spike step's value V - (v_th - v_reset) (one
    per spike, on [v_reset, inf)) to the renewal solution's measure."""
    order = _ORDERS[-1]
    u, w = sol.nodes, sol.weights
    t = np.sqrt(2.0 * np.log(np.maximum(chain.cw * 1e18, 1.0)))
    top = max(chain.v_th, max(chain.beta * chain.v_th, chain.v_th) + float(np.max(chain.cm + t * chain.cs))
              - chain.theta)
    if top > chain.v_th:
        ua, wa, _, _ = _gl_nodes([chain.v_th, top], _PANEL * chain.s_res, order)
        u_all, w_all = np.concatenate([u, ua]), np.concatenate([w, wa])
    else:
        u_all, w_all = u, w
    # pre-spike states: the continuous density and the reset orbit (mass rate * wr)
    xr, wr = chain.reset_orbit()
    pre_v = np.concatenate([u, xr])
    pre_m = np.concatenate([w * sol.density, sol.rate * wr])
    if chain.v_lower is not None:  # the clamped state is a pre-spike state too
        pre_v = np.append(pre_v, chain.v_lower)
        pre_m = np.append(pre_m, sol.atoms_mass[-1])
    land = chain.fc_outer(u_all + chain.theta, chain.beta * pre_v) * (u_all >= chain.v_reset)[:, None]
    spike_density = land @ pre_m
    density = np.concatenate([sol.density, np.zeros(u_all.size - u.size)]) + spike_density
    return _with_tail(chain, sol, StationaryDensity(u_all, density, w_all, sol.atoms_v, sol.atoms_mass, sol.rate))


def membrane_moments(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0,
                     increments=None, v_lower=None) -> MembraneMoments:
    r"""Mean and variance of the stationary post-reset membrane potential of the chain.

    Broadcasts over ``m``, ``s``, ``beta``, ``v_th``, ``v_reset``, ``ref_steps`` (Gaussian
    increments) like :func:`firing_probability`.

    Notes
    -----
    :math:`E[V^k] = \int v^k P(v)\,dv + \sum_a m_a v_a^k` over the stationary density and its
    atoms (:func:`stationary_density`), by the same quadrature (relative accuracy ~1e-9). The
    threshold pulls the mean below the free mean ``m/(1-beta)``; for ``beta < 1`` and a
    neuron that never fires the moments tend to the free ones ``m/(1-beta)`` and
    ``s^2/(1-beta^2)``. At ``beta = 1`` the membrane's exponential tail below the reset has scale
    ``s^2/(2m)``: for ``m`` below ~1e-154 ``s^2`` its variance is beyond the double range (inf).

    Examples
    --------
    Far below threshold the membrane is free:

    >>> mm = membrane_moments(-0.05, 0.05, beta=0.9)
    >>> bool(abs(mm.mean + 0.5) < 1e-9 and abs(mm.var - 0.0025 / 0.19) < 1e-9)
    True
    """
    if increments is not None:
        d = stationary_density(m, s, beta=beta, v_th=v_th, v_reset=v_reset, reset=reset, ref_steps=ref_steps,
                               increments=increments, v_lower=v_lower)
        mean, var = _moments(d)
        return MembraneMoments(np.float64(mean), np.float64(var))
    m_a, s_a, beta_a, vth_a, vr_a, ref_a, low_a = _validate(m, s, beta, v_th, v_reset, reset, ref_steps, v_lower)
    mean = np.empty(m_a.shape)
    var = np.empty(m_a.shape)
    for idx in np.ndindex(mean.shape):
        d = stationary_density(m_a[idx], s_a[idx], beta=beta_a[idx], v_th=vth_a[idx], v_reset=vr_a[idx],
                               reset=reset, ref_steps=int(ref_a[idx]),
                               v_lower=None if v_lower is None else low_a[idx])
        mean[idx], var[idx] = _moments(d)
    return MembraneMoments(scalar_or_array(mean), scalar_or_array(var))


def _moments(d: StationaryDensity):
    wd = d.weights * d.density
    mean = float(wd @ d.v + d.atoms_mass @ d.atoms_v)
    with np.errstate(over="ignore"):
        # the perfect integrator's tail below the reset, of scale s^2 / (2 m): beyond the double
        # range (m below ~1e-154 s^2) the variance is inf, the mean stays finite
        var = float(wd @ (d.v - mean) ** 2 + d.atoms_mass @ (d.atoms_v - mean) ** 2)
    return mean, var


def _backward_moments(chain: _Chain, sol: _Solution):
    """(h1, h2) = (E[T], E[T^2]) on the solution's nodes from the killed backward equations
    h1 = 1 + B h1, h2 = 2 h1 - 1 + B h2 of the chain the rate solve discretised (B = W^-1 K^T W,
    W the quadrature weights; no tail closure: see isi_moments), so that E[T] from the reset is that
    chain's 1/rate - ref. Dense LU up to _N_DENSE_BACKWARD nodes;
    beyond (the sparse rate solve: one Gaussian increment, no atom), (I - K^T)(W h) = W rhs by
    transposed solves with the rate solve's sparse LU of the bordered matrix M = [[I - K, C],
    [D, E]] (k border rows): with M^T [x_0; z_0] = [y; 0] and M^T [X; Z] = [0; I_k],
    x = x_0 - X Z^-1 z_0 solves (I - K^T) x = y (Z is invertible as M and I - K are)."""
    u = sol.nodes
    if u.size <= _N_DENSE_BACKWARD:
        A = -_backward(chain, sol)
        A[np.diag_indices_from(A)] += 1.0
        with one_blas_thread():
            lu = linalg.lu_factor(A, check_finite=False)
            h1 = linalg.lu_solve(lu, np.ones(A.shape[0]), check_finite=False)
            return h1, linalg.lu_solve(lu, 2.0 * h1 - 1.0, check_finite=False)
    if sol.factor is None:      # beyond the dense cap only the sparse solve (one Gaussian, no atom) goes
        raise ConvergenceError(f"isi_moments: the backward solve would need a dense {u.size} x {u.size} matrix "
                               f"(> {_N_DENSE_BACKWARD} nodes) for an increment law with several components; use "
                               "Gaussian increments, or a larger increment SD relative to the voltage range")
    lu, w = sol.factor, sol.weights
    n = w.size
    k = lu.shape[0] - n
    if k:
        border = np.zeros((n + k, k))
        border[n:, :] = np.eye(k)
        xz = lu.solve(border, trans="T")
        x_b, z_b = xz[:n], xz[n:]

    def solve_transposed(y):
        x0 = lu.solve(np.concatenate([y, np.zeros(k)]), trans="T")
        return x0[:n] - x_b @ np.linalg.solve(z_b, x0[n:]) if k else x0

    h1 = solve_transposed(w) / w
    return h1, solve_transposed(w * (2.0 * h1 - 1.0)) / w


def _backward(chain: _Chain, sol: _Solution, order=_ORDERS[-1]):
    """Killed backward operator on the solution's nodes: (Bf)(v) = E[f(next) ; no spike]."""
    u, w = sol.nodes, sol.weights
    alive = u < chain.v_th
    B = chain.fc_outer(u, chain.beta * u).T * (w * alive)[None, :]
    if chain.q0 > 0.0:
        y = chain.beta * u + chain.a
        lo, hi = _panels(chain, sol, order)
        B += chain.q0 * _interp_matrix(y, y < chain.v_th, lo, hi, order)
    return B


def _banded_kernel(chain, u, w, alive, shift=0.0):
    """Sparse one-step killed kernel K[i, j] = f(u_i + shift - beta u_j) w_j (``alive[i]``: u_i < v_th for
    the chain's step) of a chain with one Gaussian increment component and no atom, kept within 11 SDs
    of each column's mean landing."""
    from scipy import sparse

    m, sd = float(chain.cm[0]), float(chain.cs[0])
    lo_i = np.searchsorted(u + shift, chain.beta * u + m - 11.0 * sd)
    hi_i = np.searchsorted(u + shift, chain.beta * u + m + 11.0 * sd)
    counts = np.maximum(hi_i - lo_i, 0)
    cols = np.repeat(np.arange(u.size), counts)
    rows = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo_i, counts)
    vals = chain.fc(u[rows] + shift - chain.beta * u[cols]) * w[cols] * alive[rows]
    # in column order already: compressed directly (no COO conversion of millions of entries)
    return sparse.csc_matrix((vals, rows, np.concatenate([[0], np.cumsum(counts)])), shape=(u.size, u.size))


def _panels(chain, sol, order):
    return _panel_ends(sol.nodes, order)


def _panel_ends(nodes, order):
    n = nodes.size // order
    nodes = nodes.reshape(n, order)
    x0, _ = np.polynomial.legendre.leggauss(order)
    # recover panel ends from the first two nodes of each panel
    half = (nodes[:, 1] - nodes[:, 0]) / (x0[1] - x0[0])
    centre = nodes[:, 0] - half * x0[0]
    return centre - half, centre + half


def _isi_variance(t1, t2, t_mean):
    """Var T from the backward solve's (E[T], E[T^2]) = (t1, t2), given the exact mean t_mean
    (1/rate of the stationary solve, whose chain the backward one discretises). The two means agree
    to the grid's truncation and rounding; when escape is rare, I - B is nearly singular and the
    backward solve loses accuracy while the stationary one does not: T is then geometric to
    O(relaxation steps / E[T]). Anything else is refused, never a geometric guess."""
    if abs(t1 - t_mean) <= _BACKWARD_AGREE * t_mean:
        # a (near-)deterministic ISI leaves t2 - t1^2 at rounding, possibly below 0
        return max(t2 - t1 * t1, 0.0)
    if t_mean >= _RARE_ESCAPE:
        return t_mean * (t_mean - 1.0)
    raise ConvergenceError(f"isi_moments: the backward solve's mean ISI {t1:.9g} disagrees with the stationary "
                           f"solve's {t_mean:.9g} (relative {abs(t1 - t_mean) / t_mean:.2g} > {_BACKWARD_AGREE:g}) "
                           f"at a mean ISI below {_RARE_ESCAPE:g} steps, where the ISI is not geometric")


def isi_moments(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0, increments=None) -> ISIMoments:
    r"""Mean, variance and CV of the inter-spike interval (in steps) of the stationary chain.

    Scalar parameters. For zero reset (and any refractory period) the ISIs are i.i.d.
    (renewal); for the subtract reset the marginal ISI distribution is that of the first
    passage from the post-spike state, whose distribution follows from the stationary density
    (successive ISIs are then correlated; the mean is still ``1/rate``).

    Notes
    -----
    With :math:`T(v)` the steps to the first crossing from :math:`v`,
    :math:`h_1 = E[T]` and :math:`h_2 = E[T^2]` solve the killed backward equations
    :math:`h_1 = 1 + \mathcal B h_1` and :math:`h_2 = 2h_1 - 1 + \mathcal B h_2`
    (:math:`\mathcal B f(v) = E[f(\beta v + I);\ \beta v + I < v_\mathrm{th}]`), discretised on
    the same nodes as :func:`firing_probability`. The ISI is ``ref_steps + T``; its mean is the
    stationary solve's exact ``1/rate`` and the backward mean must agree with it to 1e-6 (the
    variance's error is about that times :math:`E[T^2]`). Where they disagree the ISI is taken as
    geometric only for mean ISIs of 1e6 steps and more (rare escape, where the backward system is
    nearly singular); below, ``ConvergenceError``. At ``beta = 1`` the grid reaches the ruin depth
    below the reset (20 s^2/m) instead of the rate solve's lumped exponential tail state, which
    is exact for the stationary measure but not for the time spent in it: such grids (up to 40,000
    nodes, sparse) take up to ~1 s; deeper ones (mean increment below ~0.004 of its SD) are refused.

    Examples
    --------
    The mean ISI is the inverse rate:

    >>> isi = isi_moments(0.03, 0.15, beta=0.95)
    >>> p = firing_probability(0.03, 0.15, beta=0.95)
    >>> bool(abs(isi.mean * p - 1) < 1e-8), bool(0 < isi.cv < 1)
    (True, True)
    """
    try:
        chain = _scalar_chain(m, s, beta, v_th, v_reset, reset, ref_steps, increments, "isi_moments", tails=False)
    except _AlwaysSpiking:
        return ISIMoments(np.float64(1.0), np.float64(0.0), np.float64(0.0))   # the limit: a spike every step
    sol = chain.converged(keep_factor=True)
    if sol.rate == 0.0:
        # escapes rarer than ~1e-308 per step: the mean ISI is beyond the double range, and the
        # ISI is geometric with that mean (the rare-escape limit below: CV -> 1)
        return ISIMoments(np.float64(math.inf), np.float64(math.inf), np.float64(1.0))
    u, w = sol.nodes, sol.weights
    h1, h2 = _backward_moments(chain, sol)
    lo, hi = _panels(chain, sol, _ORDERS[-1])
    if chain.renewal:
        # start at v_reset: one step by the backward equation, zero-input orbit handled by interpolation
        x = np.array([chain.v_reset])
        kern = chain.fc(u[None, :] - chain.beta * x[:, None]) * (w * (u < chain.v_th))[None, :]
        if chain.q0 > 0.0:
            y = chain.beta * x + chain.a
            kern = kern + chain.q0 * _interp_matrix(y, y < chain.v_th, lo, hi, _ORDERS[-1])
        t1 = float(1.0 + (kern @ h1)[0])
        t2 = float(2.0 * t1 - 1.0 + (kern @ h2)[0])
        t_rate = 1.0 / sol.rate - chain.ref
        var = _isi_variance(t1, t2, t_rate)
        mean = chain.ref + t_rate
    else:
        p = sol.density
        theta = chain.theta
        if u.size > _N_DENSE_BACKWARD:      # the post-spike landing law by the kernel's band (no dense n x n)
            rho = _banded_kernel(chain, u, w, u >= chain.v_reset, shift=theta) @ p
        else:
            rho = (chain.fc_outer(u + theta, chain.beta * u) * (u >= chain.v_reset)[:, None]) @ (w * p)
        if chain.q0 > 0.0:
            y = (u + theta - chain.a) / chain.beta
            rho = rho + chain.q0 / chain.beta * (_interp_matrix(y, u >= chain.v_reset, lo, hi, _ORDERS[-1]) @ p)
        rho = rho / sol.rate
        t1 = float((w * rho) @ h1)
        t2 = float((w * rho) @ h2)
        mean = 1.0 / sol.rate  # the mean ISI of a stationary point process (exact)
        var = _isi_variance(t1, t2, mean)
    with np.errstate(over="ignore"):
        # E[T]^2 beyond the double range (rates below ~1e-154): var is inf, the CV stays finite
        cv = math.sqrt(var) / mean if math.isfinite(var) else math.sqrt(max(1.0 - 1.0 / (mean - chain.ref), 0.0))
    return ISIMoments(np.float64(mean), np.float64(var), np.float64(cv))


def isi_distribution(n_steps, m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0, increments=None):
    r"""Probability that an inter-spike interval lasts k steps, k = 1..n_steps.

    For zero reset (or any refractory period) this is the renewal ISI law; for the subtract
    reset the marginal law of an ISI (first passage from the stationary post-spike state).
    The returned array sums to ``1 - P(ISI > n_steps)``. Scalar parameters; Gaussian increments
    or ``increments`` (e.g. the binomial mixture of a layer).

    Notes
    -----
    The killed forward operator of :func:`firing_probability` applied step by step to the
    post-spike state distribution: :math:`P(T > t) = \int \phi_t`, :math:`\phi_{t+1}(u) =
    \int \phi_t(v) k(u - \beta v)\,dv` (:math:`u < v_\mathrm{th}`); an atom of the increment at 0
    adds the zero-input push (and the reset state's zero-input orbit as point masses). Each entry
    is the mass crossing at that step (non-negative, with relative accuracy far into the tail);
    at ``beta = 1`` the grid reaches the ruin depth as in :func:`isi_moments`. Cost: the rate
    solve plus ``n_steps`` products with the killed kernel, linear in ``n_steps`` (on the largest,
    40,000-node grids ~15 ms a step).

    Examples
    --------
    >>> pmf = isi_distribution(4000, 0.03, 0.15, beta=0.95)
    >>> bool(abs(pmf.sum() - 1) < 1e-6)
    True
    >>> k = np.arange(1, 4001)
    >>> bool(abs(pmf @ k * firing_probability(0.03, 0.15, beta=0.95) - 1) < 1e-5)
    True
    """
    n = check_int("n_steps", n_steps)
    try:
        chain = _scalar_chain(m, s, beta, v_th, v_reset, reset, ref_steps, increments, "isi_distribution",
                              tails=False)
    except _AlwaysSpiking:
        return np.eye(1, n)[0]      # the limit: every ISI one step
    sol = chain.converged()
    u, w = sol.nodes, sol.weights
    order = _ORDERS[-1]
    lo, hi = _panel_ends(u, order)
    alive = u < chain.v_th
    if u.size > _N_MAX and chain._banded():
        # the sparse solve's grid (up to _N_MAX_SPARSE nodes): a dense kernel would take up to
        # 12.8 GB; the kernel is negligible (< e^-60) beyond 11 SDs, so keep its band
        K = _banded_kernel(chain, u, w, alive)
    else:
        K = chain.fc_outer(u, chain.beta * u) * (alive[:, None] * w[None, :])
    q0 = chain.q0
    if q0 > 0.0:
        K = K + (q0 / chain.beta) * _interp_matrix((u - chain.a) / chain.beta, alive, lo, hi, order)

    def q_spike(y):
        y = np.asarray(y, float)
        return chain.qc(y) + q0 * (chain.beta * y + chain.a >= chain.v_th)

    atom_x, atom_m = None, 0.0
    if chain.renewal:
        x = np.array([chain.v_reset])
        phi = (chain.fc(u[:, None] - chain.beta * x[None, :]) * alive[:, None])[:, 0]
        first = float(q_spike(x)[0])
        if q0 > 0.0:
            atom_x = chain.beta * chain.v_reset + chain.a
            atom_m = q0 if atom_x < chain.v_th else 0.0
        shift = chain.ref
    else:
        theta = chain.theta
        rho = (chain.fc_outer(u + theta, chain.beta * u) * (u >= chain.v_reset)[:, None]) @ (w * sol.density)
        if q0 > 0.0:
            y = (u + theta - chain.a) / chain.beta
            rho = rho + q0 / chain.beta * (_interp_matrix(y, u >= chain.v_reset, lo, hi, order) @ sol.density)
        rho = rho / sol.rate
        first = float((w * rho) @ q_spike(u))
        phi = K @ rho
        shift = 0
    pmf = np.zeros(n)
    steps = [first]
    q_u = w * q_spike(u)
    for _ in range(n - 1 - shift):
        # the step's crossing mass itself, not a difference of survivals (~1 each: that left
        # rounding of -3e-13 where the ISI is surely longer, and no relative accuracy in the tail)
        crossed = float(q_u @ phi)
        nxt = K @ phi
        if atom_m > 0.0:
            crossed += atom_m * float(q_spike(np.array([atom_x]))[0])
            nxt = nxt + atom_m * chain.fc(u - chain.beta * atom_x) * alive
            atom_x = chain.beta * atom_x + chain.a
            atom_m = atom_m * q0 if atom_x < chain.v_th else 0.0
        steps.append(crossed)
        phi = nxt
    vals = np.array(steps[: max(0, n - shift)])
    pmf[shift: shift + vals.size] = vals
    return pmf


# ---------------------------------------------------------------------------------------------
# layers: annealed and quenched weights
# ---------------------------------------------------------------------------------------------


def layer_rate(neuron: LIF, n_in, p_in, w_mean, w_std, *, increments="mixture"):
    r"""Firing probability per step of a neuron driven by ``n_in`` Bernoulli(``p_in``) inputs.

    Annealed weights (redrawn every step, mean ``w_mean``, SD ``w_std``). ``increments``:
    ``"mixture"`` uses the exact binomial mixture of Gaussians (:func:`increment_distribution`),
    ``"gaussian"`` its moment match ``N(E[I], Var[I])``. The neuron's options are mapped onto
    the canonical chain: gain ``1-beta`` scales the increment; ``reset_delay`` with zero reset
    is one clamped step, with subtract reset a subtraction of ``(v_th - v_reset)/beta`` on the
    pre-reset value; ``tau_s > 0`` is not a one-dimensional chain (ParameterError). A mixture
    whose Nyström solve is estimated above 1.5 s of one core (many active inputs per step with
    small increments against the voltage range, e.g. beta = 1 near 25 active inputs) is refused
    with ConvergenceError before the solve (``snntheory._validate.COST_LIMITS``).

    Examples
    --------
    >>> n = LIF.from_beta(0.9)
    >>> pm = layer_rate(n, 100, 0.05, 0.0, 0.1)
    >>> pg = layer_rate(n, 100, 0.05, 0.0, 0.1, increments="gaussian")
    >>> bool(0.8 < pm / pg < 1.25)
    True
    """
    beta, v_th, v_reset, reset, ref = check_object("neuron", neuron, LIF, "an LIF neuron").chain_params()
    check_choice("increments", increments, ("mixture", "gaussian"))
    inc = increment_distribution(n_in, p_in, w_mean, w_std, gain=neuron.gain)
    if increments == "gaussian":
        inc = IncrementDistribution.gaussian(inc.mean, math.sqrt(inc.var))
    return np.float64(_rate_one(inc, beta, v_th, v_reset, reset, ref))


def quenched_neuron_rate(neuron: LIF, n_in, p_in, w_bar, w_var, *, increments="mixture"):
    r"""Firing probability per step of ONE neuron with fixed weights, given their mean
    ``w_bar = mean_j W_j`` and population variance ``w_var = mean_j (W_j - w_bar)^2``.

    ``increments="mixture"``: ``K ~ Binomial(n_in, p_in)`` active inputs, a random subset of the
    neuron's weights, so ``I | K = k ~ N(k w_bar, k w_var (n-k)/(n-1))`` (the subset sum of
    roughly Gaussian weights); ``"gaussian"``: ``N(n p w_bar, p (1-p) n (w_var + w_bar^2))``.
    A mixture neuron so far below threshold (rate < 1e-7, or a rate below 1e-5 whose grid
    refinement stalls at the rounding floor of the atom solver, seen at rates ~1e-7..1e-6 with
    P(no input) > 0.5) that the atom solver cannot resolve to relative accuracy gets its Gaussian
    rate. A mixture rate whose refinement stops (cost budget, node cap, rounding floor) within
    1e-5 relative change is returned to that accuracy; above it, ConvergenceError. A mixture
    chain beyond the solver (its grid over the node cap, or P(no input) so near 1 that its
    zero-input orbit is too long) raises ConvergenceError naming ``increments="gaussian"``; the
    Gaussian model's rate does not stand in for it (1000x off for sparse, large jumps). A renewal
    neuron (zero reset or a refractory period) whose first step from the reset crosses except with
    a small probability ``P(T > 1)`` fires at ``1/(ref + 1 + P(T > 1))`` without the solve, when a
    Chernoff bound puts the later steps below 1e-9 of the interval (many active inputs with
    weights near ``v_th``).

    Examples
    --------
    >>> n = LIF.from_beta(0.9)
    >>> bool(quenched_neuron_rate(n, 100, 0.05, 0.02, 0.01) > quenched_neuron_rate(n, 100, 0.05, 0.0, 0.01))
    True
    """
    check_object("neuron", neuron, LIF, "an LIF neuron")
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    wb = check_scalar("w_mean", w_bar, label="w_bar")
    v = check_scalar("w_var", w_var)
    check_choice("increments", increments, ("mixture", "gaussian"))
    return np.float64(_quenched_rate(neuron, n, p, wb, v, increments)[0])


#: a quenched node's mixture rate whose grid refinement stopped with this relative change (or less)
#: is kept (far inside the quenched layer's stated 2 % agreement with simulation)
_QUENCHED_NODE_CHANGE = 1e-5
#: below this rate a stopped mixture refinement gives way to the node's Gaussian rate
_QUENCHED_GAUSS_BELOW = 1e-5


def _quenched_rate(neuron, n, p, wb, v, increments, below_floor=False, dry_run=False):
    """:func:`quenched_neuron_rate` (arguments checked) and whether the mixture solve found the rate
    below the atom solver's floor (_BelowAtomFloor). ``below_floor=True``: a neuron with a larger
    weight mean was already below it; the rate rises with the weight mean, so this one is too,
    and the mixture solve is skipped (the mixture's limits still apply; otherwise the answer is
    the Gaussian rate, as that solve's failure would give). ``dry_run``: as in :func:`_rate_one`
    (raises where both the mixture's and the Gaussian chain's grids would be refused)."""
    beta, v_th, v_reset, reset, ref = neuron.chain_params()
    g = neuron.gain
    if increments == "mixture" and v > 0.0:
        inc = increment_distribution(n, p, wb, math.sqrt(v), gain=g, quenched=True)
        try:
            return _rate_one(inc, beta, v_th, v_reset, reset, ref, below_floor=below_floor,
                             dry_run=dry_run), below_floor
        except _CostRefusal:
            raise
        except _BelowAtomFloor:
            below_floor = True
        except _RefinementStopped as exc:
            # a node rate whose refinement stopped short of 1e-7 but within _QUENCHED_NODE_CHANGE
            # is far inside the layer quadrature's error: kept. Otherwise the Gaussian rate only at
            # the atom solver's tiny rates (documented); a substantial rate is not swapped for another
            # model's (a rate of 7.3e-4 resolved to 6e-7 became the Gaussian 7.4e-7)
            if exc.change <= _QUENCHED_NODE_CHANGE:
                return exc.rate, below_floor
            if exc.rate >= _QUENCHED_GAUSS_BELOW:
                raise
        except ConvergenceError as exc:
            # the mixture chain's grid or zero-input orbit is beyond the solver: its rate is unknown,
            # and the Gaussian chain's is another model's (1000x off for sparse, large jumps), not
            # a stand-in; the caller may ask for that model
            raise ConvergenceError(f"a quenched neuron's mixture chain (weight mean {wb:.4g}, spread {v:.4g}): "
                                   f"{exc}; increments='gaussian' solves the Gaussian model instead") from None
    gauss = IncrementDistribution.gaussian(g * n * p * wb, g * math.sqrt(p * (1 - p) * n * (v + wb * wb)))
    return _rate_one(gauss, beta, v_th, v_reset, reset, ref, dry_run=dry_run), below_floor


def _quenched_rates(neuron, n, p, wbars, v, increments):
    """Rates of quenched neurons with weight spread v at the weight means ``wbars`` (any order),
    from the largest down: once the mixture solve is below its floor, the smaller means skip it
    (their rates are smaller: the rate rises with the weight mean for a positive gain)."""
    wbars = np.asarray(wbars, float)
    out = np.empty(wbars.size)
    below = False
    for i in np.argsort(-wbars, kind="stable"):
        out[i], below = _quenched_rate(neuron, n, p, float(wbars[i]), v, increments, below)
    return out


#: Largest sum of the quenched nodes' estimated first solves (CPU s, the cost model of
#: :meth:`_Chain._dense_seconds`): a node's refinement and a slower core than the model's took
#: 1.5-2.5 times its estimate (0.86-1.5 s for 0.56-0.72 s, 2026-12-07), which keeps a call under the
#: 20 s that the quenched functions' docstrings state
_QUENCHED_MAX_ESTIMATE = 8.0


def _check_quenched_grids(neuron, n, p, wbars, spreads, increments):
    """Raise, before any solve, the error a quenched node's grid (size or cost) would raise.

    The quenched functions solve one chain per (weight mean, weight spread) node, 16-75 of them
    at up to ~1 s each; the node whose grid is too large for the solver is often the last one
    solved (the smallest weight mean visits the widest voltage range). A dry run of every node
    costs about as much as one solve and makes such a call fail at once instead of after all the
    others (a deep-profile call spent 20 s before refusing at its 25th node). The nodes' estimated
    first solves must also sum to at most ``_QUENCHED_MAX_ESTIMATE`` (a call of 32 dense mixture
    chains ran 57 s)."""
    total = 0.0
    for v in np.atleast_1d(spreads):
        for wb in np.atleast_1d(wbars):
            total += _quenched_rate(neuron, n, p, float(wb), float(v), increments, dry_run=True)[0]
    if total > _QUENCHED_MAX_ESTIMATE:
        raise ConvergenceError(
            f"the {np.size(spreads) * np.size(wbars)} quenched nodes' chain solves would take about {total:.2g} s "
            f"of one core by the solver's cost model (> {_QUENCHED_MAX_ESTIMATE:g} s; with the grid refinements "
            "and on a slower core 2-2.5 times that): each solves a chain whose increment law has "
            f"{n + 1 if increments == 'mixture' else 1} components at most on a grid fine enough for its "
            "smallest increments; use increments='gaussian' or fewer quadrature nodes")


class QuenchedLayer(NamedTuple):
    """Rates of a layer whose weights are fixed per neuron (quenched), per step.

    Attributes
    ----------
    mean_rate : float
        Population-mean firing probability per step.
    rate_sd : float
        SD of the firing probability across neurons.
    silent_fraction : float
        Fraction of neurons with firing probability below ``silent_below``.
    annealed_rate : float
        The rate of one neuron with the layer-average statistics (weights redrawn every step).
    mean_drive : ndarray
        Gauss–Hermite nodes of a neuron's mean increment ``p_in sum_j W_j`` (V/step).
    rates : ndarray
        Firing probability at those nodes (averaged over the squared-weight spread).
    weights : ndarray
        The quadrature weights (sum 1).
    """

    __repr__ = _result_repr

    mean_rate: float
    rate_sd: float
    silent_fraction: float
    annealed_rate: float
    mean_drive: np.ndarray
    rates: np.ndarray
    weights: np.ndarray


def quenched_layer(neuron: LIF, n_in, p_in, w_mean, w_std, *, silent_below=1e-4, n_hermite=16,
                   n_laguerre=2, increments="mixture") -> QuenchedLayer:
    r"""Population-mean rate, spread of rates and silent fraction of a layer with quenched
    Gaussian weights ``W_ij ~ N(w_mean, w_std^2)`` and independent Bernoulli(``p_in``) inputs.

    Each neuron i has its own weight mean :math:`\bar w_i = \frac1n\sum_j W_{ij}` and spread
    :math:`v_i = \frac1n\sum_j (W_{ij}-\bar w_i)^2`. Its increment has mean
    :math:`n p \bar w_i` and variance :math:`p(1-p)\sum_j W_{ij}^2 = p(1-p) n (v_i + \bar w_i^2)`
    in time; so neurons differ in mean drive by about :math:`\sqrt{n}\,p\,\sigma_w` per step,
    comparable to their temporal fluctuations. For Gaussian weights :math:`\bar w_i \sim
    N(\mu_w, \sigma_w^2/n)` and :math:`n v_i/\sigma_w^2 \sim \chi^2_{n-1}`, independent.

    Parameters
    ----------
    neuron : LIF
        Delta synapse (``tau_s = 0``); other options as in :func:`layer_rate`.
    n_in, p_in, w_mean, w_std : scalars
        Fan-in, input spike probability per step, weight mean and SD (V).
    silent_below : float, keyword-only
        A neuron whose firing probability per step is below this counts as silent.
    n_hermite, n_laguerre : int, keyword-only
        Quadrature orders over the weight mean (Gauss–Hermite) and the weight spread
        (generalised Gauss–Laguerre on the chi-square law; Gauss–Hermite on its Wilson–Hilferty
        normal form for ``n_in > 101``).
    increments : {"mixture", "gaussian"}, keyword-only
        Per-neuron increment law: the binomial mixture for a fixed weight vector (active inputs
        drawn without replacement; default), or a Gaussian with the neuron's mean and temporal
        variance (faster, but off by a few per cent at small fan-in; the mixture-against-Gaussian
        table is in ``benchmarks/results/discrete.md``).

    Returns
    -------
    QuenchedLayer

    Notes
    -----
    .. math::

        \bar p = \int\!\!\int p\big(n p_\mathrm{in}\bar w,\; p_\mathrm{in}(1-p_\mathrm{in})\,n(v+\bar w^2)\big)
                 \,dN(\bar w)\,d\chi^2(v),

    Gauss–Hermite in :math:`\bar w` and generalised Gauss–Laguerre in :math:`v`. The silent
    fraction is the distribution function of the rate at ``silent_below`` (see
    :func:`quenched_rate_quantiles`: the rate rises with :math:`\bar w` for positive gain).
    Against simulation of a layer with fixed weights (:func:`snntheory.simulate.simulate_layer`):
    population mean within 2 %; per neuron, the mixture model is within 0.1–0.9 % of the
    simulated rate on average, n_in = 50–400 (``tests/test_discrete.py``). Heterogeneity beyond
    the weight mean and spread (higher moments of a neuron's weights, which matter for sparse
    input) widens the simulated rate distribution but hardly moves its mean. The Gaussian per-neuron increment ignores the
    lumpiness of the input (zero-input steps); :func:`layer_rate` reports its size. Cost: one
    chain solve per quadrature node (``n_hermite * n_laguerre``, ~20 ms each for mixtures, up to
    ~0.5 s where the grid must resolve small increments over the voltage range the membrane
    visits; the nodes of one weight spread are solved from the largest weight mean down, and
    below the first whose mixture rate is under the atom solver's floor of 1e-7 the mixture solve
    is skipped, the Gaussian rate being the answer there): a call can take 2–20 s, a stated
    exception to the 2 s bound of the other functions. Where the nodes' solves would sum beyond
    8 s by the solver's cost model (up to 2.5 times that measured), the call refuses before any
    solve (ConvergenceError naming ``increments='gaussian'``).

    Examples
    --------
    >>> q = quenched_layer(LIF.from_beta(0.9), 200, 0.05, 0.0, 0.1, increments="gaussian")
    >>> bool(q.mean_rate > q.annealed_rate)  # the rate is convex in the mean drive
    True
    """
    beta, v_th, v_reset, reset, ref = check_object("neuron", neuron, LIF, "an LIF neuron").chain_params()
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    mu_w = check_scalar("w_mean", w_mean)
    sd_w = check_scalar("w_std", w_std)
    check_choice("increments", increments, ("mixture", "gaussian"))
    silent_below = check_scalar("p_out", silent_below, label="silent_below")
    n_hermite = check_count("n_hermite", n_hermite, minimum=1)
    n_laguerre = check_count("n_laguerre", n_laguerre, minimum=1)
    g = neuron.gain
    wbar, wh = normal_nodes(mu_w, sd_w / math.sqrt(n), int(n_hermite))
    spread, wl = _spread_nodes(n, sd_w, n_laguerre)
    _check_quenched_grids(neuron, n, p, wbar, spread, increments)
    rates = np.array([_quenched_rates(neuron, n, p, wbar, v, increments) for v in spread]).T @ wl
    mean_rate = float(wh @ rates)
    rate_sd = float(math.sqrt(max(wh @ rates**2 - mean_rate**2, 0.0)))
    annealed = _rate_one(IncrementDistribution.gaussian(
        g * n * p * mu_w, g * math.sqrt(n * p * (sd_w**2 + mu_w**2) - n * p * p * mu_w**2)), beta, v_th, v_reset,
        reset, ref)
    # silent fraction: the distribution function of the rate at silent_below
    silent = float(_RateCDF(neuron, n, p, mu_w, sd_w, increments, n_laguerre).cdf(silent_below))
    return QuenchedLayer(mean_rate, rate_sd, silent, annealed, g * n * p * wbar, rates, wh)


def _spread_nodes(n, sd_w, order):
    """Quadrature nodes and weights of a neuron's weight spread v = sd_w^2 chi2_{n-1} / n:
    generalised Gauss–Laguerre on the Gamma((n-1)/2) law, and for n > 101 (where its weights
    overflow) Gauss–Hermite on the Wilson–Hilferty cube-root normal form of chi2."""
    if n <= 1 or sd_w == 0.0:
        return np.zeros(1), np.ones(1)
    k = 0.5 * (n - 1)
    if n <= 101:
        x, w = special.roots_genlaguerre(int(order), k - 1.0)
        return sd_w**2 * 2.0 * x / n, w / w.sum()
    z, w = special.roots_hermitenorm(int(order))
    c = 2.0 / (9.0 * (n - 1))
    chi2 = (n - 1) * (1.0 - c + z * math.sqrt(c)) ** 3
    return sd_w**2 * chi2 / n, w / w.sum()


class _RateCDF:
    """Distribution function of the rate across neurons with quenched Gaussian weights.

    The rate rises with the neuron's weight mean (standardised ``z``); for each Gauss–Laguerre
    node of the weight spread, ``z(rate)`` is interpolated (PCHIP in the log rate) from a grid of
    ``z``, and ``P(rate < r) = sum_l w_l Phi(z_l(r))``.
    """

    def __init__(self, neuron, n, p, mu_w, sd_w, increments, n_laguerre, z_max=6.0, n_grid=25):
        from scipy.interpolate import PchipInterpolator

        self.const = None
        if sd_w == 0.0 or p == 0.0:
            self.const = quenched_neuron_rate(neuron, n, p, mu_w, 0.0, increments=increments)
            return
        spread, wl = _spread_nodes(n, sd_w, n_laguerre)
        z = np.linspace(-z_max, z_max, n_grid)
        wbars = mu_w + sd_w / math.sqrt(n) * z
        _check_quenched_grids(neuron, n, p, wbars, spread, increments)
        self.parts = []
        for v, weight in zip(spread, wl):
            r = _quenched_rates(neuron, n, p, wbars, v, increments)
            # strictly above every earlier value (a rate flat to rounding, or dipping, is dropped),
            # so that the log rates are strictly increasing for the interpolant
            keep = np.concatenate([[True], r[1:] > np.maximum.accumulate(r)[:-1]]) & (r > 0)
            lr, zz = np.log(r[keep]), z[keep]
            inv = PchipInterpolator(lr, zz) if lr.size > 1 else None
            zero = z[r <= 0.0]  # neurons that never fire (e.g. beta = 1 with a downward drift)
            z0 = float(zero.max()) if zero.size else -np.inf
            self.parts.append((weight, lr, zz, inv, z0))

    def cdf(self, r):
        if self.const is not None:
            return float(self.const < r)
        if r <= 0:
            return 0.0
        x = math.log(r)
        total = 0.0
        for weight, lr, zz, inv, z0 in self.parts:
            if lr.size == 0:  # every neuron of this spread is silent (rate 0)
                zq = np.inf
            elif x < lr[0]:
                # below the smallest positive rate on the grid: between the last silent grid
                # point and the first firing one, linearly in the rate
                zq = -np.inf if not np.isfinite(z0) else z0 + (zz[0] - z0) * math.exp(x - lr[0])
            elif x > lr[-1] or inv is None:
                zq = np.inf if x > lr[-1] else float(zz[0])
            else:
                zq = float(inv(x))
            total += weight * float(special.ndtr(zq))
        return total

    def quantile(self, q):
        if self.const is not None:
            return self.const
        parts = [part for part in self.parts if part[1].size]
        silent = sum(w * (1.0 if lr.size == 0 else float(special.ndtr(z0))) for w, lr, _, _, z0 in self.parts)
        if not parts or q <= silent:
            return 0.0  # a quantile inside the never-firing fraction
        lo = min(part[1][0] for part in parts) - 40.0  # room below the grid (silent side)
        hi = max(part[1][-1] for part in parts)
        for _ in range(100):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if self.cdf(math.exp(mid)) < q else (lo, mid)
            if hi - lo < 1e-9:
                break
        return math.exp(0.5 * (lo + hi))


def quenched_rate_quantiles(neuron: LIF, n_in, p_in, w_mean, w_std, q, *, increments="mixture", n_laguerre=3):
    r"""Quantiles of the firing probability across the neurons of a layer with quenched Gaussian weights.

    A neuron's rate rises with its weight mean :math:`\bar w_i \sim N(\mu_w, \sigma_w^2/n)` and
    depends on its weight spread :math:`v_i` (:math:`n v_i/\sigma_w^2 \sim \chi^2_{n-1}`,
    independent). The distribution function
    :math:`P(p_i < r) = \sum_l w_l\,\Phi(z_l(r))` (Gauss–Laguerre over :math:`v`, and
    :math:`z_l(r)` the standardised weight mean at which a neuron with spread :math:`v_l` has rate
    :math:`r`, interpolated from 25 chain solves over :math:`\pm 6` SDs) is inverted by bisection.
    Cost: ``25 * n_laguerre`` chain solves (as :func:`quenched_layer`, which also describes the
    mixture solves skipped below the atom solver's floor: 2–20 s for mixture increments on fine
    grids, a stated exception to the 2 s bound of the other functions, and its refusal up front
    beyond 8 s of estimated solves).
    ``q`` is array_like in (0, 1). Checked against the per-neuron rates of neurons whose weight
    statistics are sampled from their exact laws (``tests/test_discrete.py``); simulated layers
    are somewhat wider in the tails for sparse input (n_in = 50, p_in = 0.1: upper quartile
    ~10 % higher), from heterogeneity beyond the weight mean and spread.

    Examples
    --------
    >>> n = LIF.from_beta(0.9)
    >>> lo, med, hi = quenched_rate_quantiles(n, 200, 0.05, 0.0, 0.1, [0.1, 0.5, 0.9], increments="gaussian")
    >>> bool(lo < med < hi)
    True
    """
    check_object("neuron", neuron, LIF, "an LIF neuron")
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    mu_w = check_scalar("w_mean", w_mean)
    sd_w = check_scalar("w_std", w_std)
    check_choice("increments", increments, ("mixture", "gaussian"))
    try:
        qs = np.asarray(q, float)
    except (TypeError, ValueError):
        raise ParameterError(f"q must be array_like of probabilities in (0, 1); got {q!r}") from None
    if qs.size == 0:
        raise ParameterError("q is an empty array; pass at least one probability")
    
    if np.any(~((qs > 0) & (qs < 1))):
        raise ParameterError(f"q must be in (0, 1); got {q!r}")
    n_laguerre = check_count("n_laguerre", n_laguerre, minimum=1)
    cdf = _RateCDF(neuron, n, p, mu_w, sd_w, increments, n_laguerre)
    out = np.array([cdf.quantile(x) for x in qs.ravel()]).reshape(qs.shape)
    return scalar_or_array(out)


# ---------------------------------------------------------------------------------------------
# comparison with the dt-corrected diffusion (Siegert) rate
# ---------------------------------------------------------------------------------------------


class SiegertComparison(NamedTuple):
    """The exact chain against the diffusion approximation, all in spikes per step.

    ``exact``: :func:`firing_probability`; ``siegert``: the Siegert rate of the OU process with
    the same free mean and variance and ``tau_m = -dt/ln(beta)``; ``siegert_dt``: the same with
    the discrete-monitoring threshold shift ``0.5826 sigma sqrt(dt/tau_m)`` (Broadie,
    Glasserman & Kou 1997), i.e.
    ``0.5826 s sqrt(-2 ln(beta)/(1 - beta^2))`` in chain units (``0.5826 s`` only as
    ``beta -> 1``; 1.026 times that at ``beta = 0.95``); ``rel_error`` and
    ``rel_error_dt``: ``approx/exact - 1``.
    """

    __repr__ = _result_repr

    exact: object
    siegert: object
    siegert_dt: object
    rel_error: object
    rel_error_dt: object


def siegert_comparison(m, s, *, beta, v_th=1.0, v_reset=0.0, ref_steps=0) -> SiegertComparison:
    r"""How far the (dt-corrected) Siegert rate is from the exact discrete chain (zero reset).

    The chain ``V <- beta V + N(m, s^2)`` is mapped onto the OU neuron with the same free
    membrane statistics: ``tau_m = -1/ln(beta)`` steps, ``mu = m/(1-beta)``,
    ``sigma = s sqrt(2/(1-beta^2))`` (Brunel convention: free SD ``sigma/sqrt(2)``),
    ``tau_ref = ref_steps``; the Siegert rate times one step is compared with
    :func:`firing_probability`. ``diffusion.firing_rate(..., dt=1)`` adds the discrete
    monitoring shift ``0.5826 sigma sqrt(dt/tau_m)`` of the threshold.

    Examples
    --------
    At dt = 1 ms and tau_m = 20 ms the raw Siegert rate is tens of per cent too high; the
    dt-corrected one is within a few per cent:

    >>> c = siegert_comparison(0.03, 0.15, beta=0.95)
    >>> bool(c.rel_error > 0.1), bool(abs(c.rel_error_dt) < 0.03)
    (True, True)
    """
    from . import diffusion

    m_a, s_a, beta_a, vth_a, vr_a, ref_a, _ = _validate(m, s, beta, v_th, v_reset, "zero", ref_steps)
    if np.any(beta_a >= 1.0):
        raise ParameterError("siegert_comparison needs beta < 1 (the OU neuron has a finite tau_m)")
    exact = np.asarray(firing_probability(m_a, s_a, beta=beta_a, v_th=vth_a, v_reset=vr_a, ref_steps=ref_a), float)
    tau = -1.0 / np.log(beta_a)
    mu = m_a / (1.0 - beta_a)
    sigma = s_a * np.sqrt(2.0 / (1.0 - beta_a**2))
    kw = dict(tau_m=tau, v_th=vth_a, v_reset=vr_a, tau_ref=ref_a)
    raw = np.asarray(diffusion.firing_rate(mu, sigma, **kw), float)
    cor = np.asarray(diffusion.firing_rate(mu, sigma, dt=1.0, **kw), float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(exact > 0, raw / np.where(exact > 0, exact, 1.0) - 1.0, np.where(raw > 0, np.inf, 0.0))
        e2 = np.where(exact > 0, cor / np.where(exact > 0, exact, 1.0) - 1.0, np.where(cor > 0, np.inf, 0.0))
    return SiegertComparison(*(scalar_or_array(x) for x in (exact, raw, cor, e1, e2)))


# =============================================================================================
# the dense-grid chain for batches of drives (the depth model of snntheory.network)
# =============================================================================================

_GRID_MAX = 400      # bins of the dense grid (cost ~ nb^3 per drive)
_BINS_PER_S = 4.0    # bins per increment SD
#: beta < 1: a grid coarser than s/2 is refused unless the free law's mean lies this many of its SDs
#: below v_th (free tail < 1e-12: the rate is negligible, ~1e-13 or below)
_COARSE_Z = 7.1


#: count-mixture components below this weight are skipped by every evaluation of the mixture
#: (:func:`_mix_cdf` and the chains built on it); a mixture is normalised over the others, since
#: a skipped component's mass would count as a spike (the CDF at v_th falls short of 1 by it)
COUNT_SKIP = 1e-11


class CountMixture(NamedTuple):
    r"""Increment law of a layer with few active inputs per step: ``K ~ q`` active inputs, and
    given K = j the increment is :math:`N(j\,c_k, j\,sc^2)` for drive node k (an atom at 0 for j = 0)."""

    __repr__ = _result_repr

    q: np.ndarray
    c: np.ndarray
    sc: float


class GridChain(NamedTuple):
    """Result of :func:`grid_chain`, one entry per drive.

    ``rate`` spikes per step; ``regularity`` the factor F of the output train (see
    :func:`grid_chain`); with ``density=True``, ``pi`` the stationary law over the states
    (reset atom first, then the bin centres) and ``states`` their potentials (V), else None.
    """

    __repr__ = _result_repr

    rate: np.ndarray
    regularity: np.ndarray
    pi: np.ndarray | None
    states: np.ndarray | None


#: step of the count mixture's CDF table in units of its narrowest component's SD (quintic
#: Hermite interpolation of the log CDF and the log complement; measured against the plain sum
#: on 600 random mixtures: absolute error 2e-14, relative 2e-10 down to 1e-100 and 5e-9 below)
_MIX_TABLE_STEP = 0.03
#: ndtr(z) is exactly 0.0 below and exactly 1.0 above these (double precision)
_NDTR_ZERO, _NDTR_ONE = -38.5, 8.5


def _mix_cdf(x, mu, s, mix):
    """CDF at ``x`` of ``mu + I`` (broadcast), I ~ N(0, s^2) or the count mixture ``mix``.

    For the mixture with edges ``x`` (K or 1, 1, E) sorted along the last axis and sources ``mu``
    (K, n, 1), as the dense-grid chain asks, each drive node takes the cheaper of a table
    (:func:`_mix_table`) and the banded sum (:func:`_mix_band`); otherwise every component's
    normal CDF at every point."""
    if mix is None:
        return special.ndtr((x - mu) / s)
    q, c, sc = mix
    out = np.zeros(np.broadcast_shapes(x.shape, mu.shape))
    if (out.ndim == 3 and x.ndim == 3 and mu.ndim == 3 and x.shape[1] == 1 and mu.shape[2] == 1
            and x.shape[0] in (1, out.shape[0]) and bool(np.all(np.diff(x, axis=2) >= 0.0))):
        cs = np.broadcast_to(np.asarray(c, float).reshape(-1), (out.shape[0],))
        for k in range(out.shape[0]):
            xe, src = x[min(k, x.shape[0] - 1), 0], mu[k, :, 0]
            table = _mix_table(xe, src, q, cs[k], sc)
            out[k] = table if table is not None else _mix_band(xe, src, q, cs[k], sc)
        # nondecreasing along the edges, as the exact CDF (the sums' rounding left steps of -1 ulp
        # near 1, which would be negative transition probabilities)
        return np.maximum.accumulate(out, axis=2)
    for j, qj in enumerate(q):
        if qj < COUNT_SKIP:
            continue
        if j == 0:
            out += qj * (x >= mu)
        else:
            out += qj * special.ndtr((x - mu - j * c[:, None, None]) / (math.sqrt(j) * sc))
    return out


def _mix_band(xe, src, q, c, sc):
    """The count mixture's CDF at the sorted edges ``xe`` (E,) from the sources ``src`` (n,) of one
    drive node, (n, E): each component's normal CDF only on the band of edges of each source
    where it is neither 0 nor 1 in double precision (found by bisection), the steps to 1 above
    the bands summed along the rows once (the values of evaluating it everywhere, to rounding);
    a component whose bands cover more than a quarter of the array is evaluated everywhere (the
    band's indexing costs several times a point's normal CDF). On a grid much coarser than the
    components (nearly undamped walks far below threshold) a band is a bin or two."""
    n, E = src.size, xe.size
    out = np.zeros((n, E))
    step = np.zeros((n, E + 1))
    rows = np.arange(n)
    for j, qj in enumerate(q):
        if qj < COUNT_SKIP:
            continue
        if j == 0:
            out += qj * (xe[None, :] >= src[:, None])
            continue
        sd = math.sqrt(j) * sc
        centre = src + j * c
        lo = np.searchsorted(xe, centre + _NDTR_ZERO * sd, side="right")
        hi = np.searchsorted(xe, centre + _NDTR_ONE * sd, side="left")
        length = hi - lo
        total = int(length.sum())
        if total > out.size // 4:
            out += qj * special.ndtr((xe[None, :] - centre[:, None]) / sd)
            continue
        step[rows, hi] += qj
        if total:
            row = np.repeat(rows, length)
            col = np.repeat(lo, length) + (np.arange(total) - np.repeat(np.cumsum(length) - length, length))
            out[row, col] += qj * special.ndtr((xe[col] - centre[row]) / sd)
    return out + np.cumsum(step, axis=1)[:, :-1]


def _mix_table(xe, src, q, c, sc):
    r"""The count mixture's CDF at the edges ``xe`` (E,) from the sources ``src`` (n,) of one drive
    node through a table, (n, E); None where the table would not be cheaper than the points.

    The continuous part :math:`G(u) = \sum_{j\ge1} q_j\Phi((u - jc)/(\sqrt j\,s_c))` at
    ``u = xe - src`` is smooth on the scale of the narrowest component: it is tabulated on a
    uniform grid of step ``_MIX_TABLE_STEP`` times that SD, with its complement
    :math:`P = \sum_j q_j - G` (summed from the upper tails, not subtracted), its density and
    the density's slope, and interpolated by quintic Hermite (values, first and second
    derivatives at both ends of a cell) in :math:`\ln G` where :math:`G` is the smaller and in
    :math:`\ln P` where that is (both smooth; their tails are near-quadratic), so that the tails
    keep their relative accuracy (error ~ step^6 (ln G)^(6) / 46080; measured: 2e-10 relative
    down to G = 1e-100, 5e-9 below, 2e-14 absolute). The table
    spans only the points where some component's CDF is neither 0 nor 1 in double precision;
    the others get 0 or :math:`\sum_{j\ge1} q_j` exactly. The atom :math:`q_0 1\{u \ge 0\}` is
    added exactly; points where a tabulated value underflows are summed directly. Cost:
    (3 x table points + points) x components special functions instead of points x components."""
    comp = [j for j, qj in enumerate(q) if j >= 1 and qj >= COUNT_SKIP]
    if not comp or not sc > 0.0:
        return None
    qj = np.array([q[j] for j in comp])
    jf = np.array(comp, float)
    sd = np.sqrt(jf) * sc
    step = _MIX_TABLE_STEP * float(sd.min())
    u = xe[None, :] - src[:, None]
    # beyond these every component's normal CDF is exactly 0 (below) or 1 (above) in double
    # precision: the table spans only the points between (an edge at 1e300 stands for +inf)
    below = u < float(np.min(jf * c + _NDTR_ZERO * sd))
    above = u > float(np.max(jf * c + _NDTR_ONE * sd))
    inside = u[~(below | above)]
    if inside.size == 0:
        return np.where(above, qj.sum(), 0.0) + (q[0] * (u >= 0.0) if q[0] >= COUNT_SKIP else 0.0)
    lo, hi = float(inside.min()), float(inside.max())
    m = int(math.ceil((hi - lo) / step)) + 2 if math.isfinite(hi - lo) else math.inf
    if 3 * m > u.size:
        return None
    g = lo + step * np.arange(m)
    z = (g[:, None] - jf[None, :] * c) / sd[None, :]
    # G at the nodes and its complement from each component's smaller tail (1 - tail keeps its
    # relative accuracy: it is >= 1/2), one normal CDF per entry
    tail = special.ndtr(-np.abs(z))
    low = np.where(z < 0.0, tail, 1.0 - tail) @ qj
    upp = np.where(z < 0.0, 1.0 - tail, tail) @ qj
    phi = np.exp(-0.5 * z * z) / (_SQ2PI * sd)
    dens = phi @ qj                                                            # G'
    curv = (phi * (-z / sd)) @ qj                                              # G''
    # per cell: the log of the smaller of G and P at its ends (f), f' and f'' there (P' = -G',
    # P'' = -G''; (ln f)'' = f''/f - (f'/f)^2) and the quintic p(t) = sum_k a_k t^k on t in [0, 1]
    # with p, p', p'' equal to step^k times them at both ends
    use_low = low[:-1] + low[1:] <= upp[:-1] + upp[1:]
    fa, fb = np.where(use_low, low[:-1], upp[:-1]), np.where(use_low, low[1:], upp[1:])
    ok = (fa > 0.0) & (fb > 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sign = np.where(use_low, 1.0, -1.0)
        la, lb = np.log(fa), np.log(fb)
        ga, gb = sign * dens[:-1] / fa, sign * dens[1:] / fb
        ha, hb = sign * curv[:-1] / fa - ga * ga, sign * curv[1:] / fb - gb * gb
        a1, a2 = step * ga, 0.5 * step * step * ha
        r0, r1, r2 = lb - (la + a1 + a2), step * gb - (a1 + 2.0 * a2), step * step * hb - 2.0 * a2
        a3, a4, a5 = 10.0 * r0 - 4.0 * r1 + 0.5 * r2, -15.0 * r0 + 7.0 * r1 - r2, 6.0 * r0 - 3.0 * r1 + 0.5 * r2
    val = np.where(above, qj.sum(), 0.0)
    at = np.flatnonzero(~(below | above).ravel())       # the interpolated points only
    u_in = u.ravel()[at]
    i = np.clip(((u_in - lo) / step).astype(int), 0, m - 2)
    t = (u_in - g[i]) / step
    with np.errstate(over="ignore", invalid="ignore"):
        v_in = np.exp(la[i] + t * (a1[i] + t * (a2[i] + t * (a3[i] + t * (a4[i] + t * a5[i])))))
    v_in = np.where(use_low[i], v_in, qj.sum() - v_in)
    bad = ~(ok[i] & np.isfinite(v_in))
    if bad.any():   # a tabulated value underflowed: those points directly
        v_in[bad] = special.ndtr((u_in[bad][:, None] - jf[None, :] * c) / sd[None, :]) @ qj
    val.ravel()[at] = v_in
    if q[0] >= COUNT_SKIP:
        val += q[0] * (u >= 0.0)
    return val


class _Grid(NamedTuple):
    """State space of the dense-grid chain, one row per drive: the reset atom (state 0), ``nb``
    bins (centres ``pts[:, 1:]``, edges ``edges``; ``v_th`` is edge ``nb_lo``; bins above it
    exist for the subtractive reset only) and ``ref`` refractory states; ``spike_to`` is the
    state a spike leads to; ``dead`` marks perfect integrators without positive drift."""

    edges: np.ndarray
    pts: np.ndarray
    nb_lo: int
    nb: int
    ref: int
    dead: np.ndarray

    @property
    def n_st(self):
        return self.nb + 1 + self.ref

    @property
    def spike_to(self):
        return 0 if self.ref == 0 else self.nb + self.ref


def _ruin_floor(drift, s, v_reset):
    """Lower end of the grid for a walk with upward ``drift`` (>= 1e-3 s used) and step SD ``s``
    below ``v_reset``: 10 SDs plus 8 s^2/drift, the depth reached with probability ~e^-16 (ruin
    estimate exp(-2 drift x / s^2))."""
    return v_reset - 10.0 * s - 8.0 * s * s / np.maximum(drift, 1e-3 * s)


def _grid(m, s, beta, v_th, v_reset, reset, ref, lo_floor=None, max_bins=_GRID_MAX, post_spike=None):
    """The grid of :func:`grid_chain` for drives ``m`` (K,) and increment SD ``s``: from 8 free
    SDs below the free mean (a ruin bound for beta = 1) up to ``v_th`` (and for the subtractive
    reset 6 SDs above it, or 8 SDs of the always-spiking law above its mean), at most
    ``max_bins`` bins of ~s/4 (wider where that upper end needs them). ``lo_floor`` (K,), for a
    transient: a lower bound of the potentials reachable in its steps, where the grid may stop
    (every chain is then resolved, whatever its drive). ``post_spike`` (K,), the largest drives,
    for a subtractive reset with refractory steps whose membrane law is asked for: bins above
    v_th that hold the spike step's recorded V - theta (no chain state lands there) up to 8 SDs
    above beta v_th + drive - theta."""
    K = m.size
    dead = np.zeros(K, bool)
    if beta < 1.0:
        sd_free = s / math.sqrt(1.0 - beta * beta)
        mu = m / (1.0 - beta)
        lo = np.minimum(v_reset, mu) - 8.0 * sd_free
        # below v_reset the drift m - (1 - beta) V is at least d0 = m - (1 - beta) v_reset: where
        # d0 > 0 the ruin bound of beta = 1 with drift d0 also bounds the excursions, and is far
        # tighter than the free law's 8 SDs when beta is near 1 (1 - 1e-6: 1,700 V against 1 V)
        d0 = m - (1.0 - beta) * v_reset
        lo = np.where(d0 > 1e-3 * s, np.maximum(lo, _ruin_floor(d0, s, v_reset)), lo)
    else:
        dead = m <= 1e-3 * s
        lo = _ruin_floor(m, s, v_reset)
    if lo_floor is not None:
        lo = np.maximum(lo, lo_floor)
        dead = np.zeros(K, bool)
    lo = np.minimum(lo, v_reset - 2.0 * s)
    # span in increment SDs (``s`` a scalar or one per drive); inf when s is tiny (5e-301)
    # against the span: then the cap
    with np.errstate(over="ignore", divide="ignore"):
        span = (float(np.max(((v_th - lo) / s)[~dead])) if np.any(~dead)
                else float(np.max((v_th - v_reset) / s)))
    per_s = span * _BINS_PER_S
    nb_lo = max_bins if not per_s < max_bins else int(max(60, math.ceil(per_s)))
    h = (v_th - lo) / nb_lo                                              # (K,) bin widths
    # subtract reset: a large jump leaves V above v_th after the subtraction, so the grid goes
    # on above threshold (6 increment SDs); zero reset: post-reset states lie below v_th
    # (with refractory steps the chain restarts at v_reset; bins above v_th then only record the
    # spike step's V - theta, and only where the membrane law is asked for: ``post_spike``)
    above = reset == "subtract" and (ref == 0 or post_spike is not None)
    nb_hi = min(int(math.ceil(float(np.max(6.0 * s / h)))), nb_lo // 2) if above else 0
    short = None
    if nb_hi and ref > 0:
        # V - theta of a crossing V = beta y + I from y < v_th
        top = beta * v_th + np.asarray(post_spike, float) - (v_th - v_reset) + 8.0 * s
        short = top > v_th + nb_hi * h
    elif nb_hi and beta < 1.0:
        # a mean-driven neuron spikes at every step, V <- beta V + I - theta, whose stationary law
        # N((m - theta)/(1 - beta), s^2/(1 - beta^2)) can sit far above v_th (39 V for m = 3,
        # beta = 0.95): the upper bins must reach 8 of its SDs above its mean, with wider bins
        # beyond the cap of bins (and the lower end moved down) for such drives (the grid's end
        # had held the mass: V mean 3.8 V where simulation gives 39.3 V)
        mu_s = (m - (v_th - v_reset)) / (1.0 - beta)
        top = mu_s + 8.0 * s / math.sqrt(1.0 - beta * beta)
        # only where that law's mean is above v_th (below it the chain leaves it within a few
        # steps and 6 increment SDs above v_th hold its excursions, as before)
        short = (mu_s > v_th) & (top > v_th + nb_hi * h)
    if short is not None and np.any(short):
        need = int(math.ceil(float(np.max(((top - v_th) / h)[short]))))
        nb_hi = max(nb_hi, min(need, max_bins - nb_lo))
        # bins at most half an increment SD (the resolution the chain needs; beyond it, near
        # beta = 1, the law's upper part stays cut rather than the layer being refused)
        wide = np.minimum((top - v_th) / nb_hi, np.maximum(h, 0.5 * np.asarray(s, float)))
        h = np.where(short, np.maximum(h, wide), h)
        lo = v_th - nb_lo * h
    nb = nb_lo + nb_hi
    edges = lo[:, None] + h[:, None] * np.arange(nb + 1)[None, :]        # (K, nb+1), v_th = edge nb_lo
    edges[:, nb_lo] = v_th
    c = 0.5 * (edges[:, 1:] + edges[:, :-1])
    pts = np.concatenate([np.full((K, 1), v_reset), c], axis=1)           # state 0: the reset atom
    return _Grid(edges, pts, nb_lo, nb, ref, dead)


def _toeplitz_cdf(g: _Grid, src, s, mix):
    """``_mix_cdf(edges, src)`` of the perfect integrator (beta = 1) from the grid's own states: the
    bins are uniform, so edge j minus the centre of bin i is ``h (j - i + 1/2)`` and the (n, nb+1)
    array per drive takes 2 nb + 1 distinct mixture CDFs instead of (nb + 1)^2 (the mixture's
    cost dominated weights_for_rate at beta = 1). None when ``v_th``, pinned as edge ``nb_lo``, is
    off the uniform lattice by more than 1e-9 bins (s near underflow), or ``s`` varies per drive."""
    if np.ndim(s) != 0:
        return None
    K, nb = g.pts.shape[0], g.nb
    lo, h = g.edges[:, 0], (g.edges[:, 1] - g.edges[:, 0])
    lattice = lo[:, None] + h[:, None] * np.arange(nb + 1)[None, :]
    if not np.all(np.abs(g.edges - lattice) <= 1e-9 * h[:, None]) or not np.all(h > 0):
        return None
    d = np.arange(-nb, nb + 1) + 0.5                                      # j - i + 1/2
    F = _mix_cdf(h[:, None, None] * d[None, None, :], np.zeros((K, 1, 1)), s, mix)[:, 0, :]
    out = np.empty((K, src.shape[1], nb + 1))
    out[:, 1:, :] = F[:, np.arange(nb + 1)[None, :] - np.arange(1, nb + 1)[:, None] + nb]
    out[:, :1, :] = _mix_cdf(g.edges[:, None, :], src[:, :1, None], s, mix)  # the reset atom's row
    return out


def _rows(g: _Grid, src, m, s, mix, beta, v_th, v_reset, reset):
    """Transition probabilities from source potentials ``src`` (K, n) to the states of ``g``
    (K, n, n_st), the firing probability from each (K, n) and, for the subtractive reset, the
    post-spike part (K, n, nb) (else None; with refractory steps it is only the spike step's
    record, where the grid has bins above v_th). Landing points are binned exactly (CDF
    differences at the bin edges); mass below the grid goes to the lowest bin (~1e-15)."""
    K, n = src.shape
    nb, nb_lo = g.nb, g.nb_lo
    edges = g.edges
    mu = beta * src[:, :, None] + (0.0 if mix is not None else m[:, None, None])   # (K, n, 1)
    s = s if np.ndim(s) == 0 else np.asarray(s)[:, None, None]           # one SD per drive
    cdf = _toeplitz_cdf(g, src, s, mix) if beta == 1.0 and mix is not None and src is g.pts else None
    if cdf is None:
        cdf = _mix_cdf(edges[:, None, :], mu, s, mix)                    # (K, n, nb+1)
    P = np.zeros((K, n, g.n_st))
    T = np.diff(cdf[:, :, : nb_lo + 1], axis=2)                          # no spike: V_pre < v_th
    T[:, :, 0] += cdf[:, :, 0]                                           # lower edge reflects (mass ~1e-15)
    P[:, :, 1 : nb_lo + 1] = T
    fire = 1.0 - cdf[:, :, nb_lo]                                        # (K, n)
    R = None
    if reset == "zero" or g.ref > 0:
        P[:, :, g.spike_to] += fire
    if reset == "subtract" and g.nb > g.nb_lo:  # subtract theta: V_post = V_pre - theta for V_pre >= v_th
        shifted = np.maximum(edges + (v_th - v_reset), v_th)
        # the edges at or below v_reset shift to v_th, whose CDF is column nb_lo of ``cdf``: only
        # the columns above the last such edge of every drive are evaluated (they are most of a
        # leaky neuron's grid, which reaches 8 free SDs below the mean)
        k = int(np.min(np.count_nonzero(shifted == v_th, axis=1)))
        cdf2 = np.empty_like(cdf)
        cdf2[:, :, :k] = cdf[:, :, nb_lo, None]
        cdf2[:, :, k:] = _mix_cdf(shifted[:, None, k:], mu, s, mix)
        R = np.diff(cdf2, axis=2)
        R[:, :, -1] += 1.0 - cdf2[:, :, -1]                              # beyond the grid: top bin
        if g.ref == 0:
            P[:, :, 1 : nb + 1] += R
        # (with refractory steps the chain restarts at v_reset: R is only the spike step's record)
    return P, fire, R


def _transition(g: _Grid, m, s, mix, beta, v_th, v_reset, reset):
    """The chain's transition matrix (K, n_st, n_st) on ``g``, the firing probability per state
    (K, nb+1) and the post-spike part of the subtractive reset (or None)."""
    K = g.pts.shape[0]
    P = np.zeros((K, g.n_st, g.n_st))
    rows, fire, R = _rows(g, g.pts, m, s, mix, beta, v_th, v_reset, reset)
    P[:, : g.nb + 1] = rows
    for r in range(g.ref):                                               # refractory chain -> reset atom
        i = g.nb + 1 + r
        P[:, i, 0 if r == 0 else i - 1] = 1.0
    return P, fire, R


def grid_chain(m, s, *, beta, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0, counts=None, window_decay=None,
               density=False, regularity=True) -> GridChain:
    r"""Stationary rate, output regularity and density of the step map for a batch of drives.

    The chain ``V <- beta V + I``, ``I ~ N(m_k, s^2)`` (one common ``s``, an array of mean
    drives ``m``; or the count mixture ``counts``), spike at ``V >= v_th``, reset (zero or
    subtract) and ``ref_steps`` refractory states, discretised on a dense uniform grid per
    drive (from 8 free SDs below the free mean, or a ruin bound for ``beta = 1``, up to
    ``v_th``; for the subtractive reset 6 increment SDs above it, or with a leak up to 8 SDs
    above the mean of a mean-driven neuron's always-spiking law) with an exact reset atom, and
    solved for its stationary law by one batched dense solve. Besides the rate it gives the
    regularity factor

    .. math::

        F = \frac{C(0) + 2\sum_{k\ge1} b^k C(k)}{C(0)},

    ``C`` the autocovariance of the output spike train and ``b = window_decay`` (default
    ``min(beta, 0.999)``), from the resolvent of the chain's post-spike evolution: the factor
    by which a filtered train's variance differs from a Bernoulli train's (F < 1 for regular,
    mean-driven trains). This is the batched, approximate companion of
    :func:`firing_probability` (the Nyström solver, accurate to 1e-6): the rate agrees with it
    to 0.1–0.6 % (``tests/test_network.py``), which is what the depth model of
    :mod:`snntheory.network` needs at a fraction of the cost. A perfect integrator whose drive
    is <= 0 has no stationary firing (rate 0, F = 1). Below the reset the grid reaches a ruin
    bound set by the drift there, or 8 free-law SDs where there is none; for ``beta < 1`` a
    drive that can fire but whose grid would need bins wider than ``s/2`` (nearly undamped
    walks, beta above ~0.999 with no positive drift at the reset) raises ConvergenceError
    (``_validate.COST_LIMITS``). A 1e-12 chance per step of a restart at
    the reset atom makes every chain irreducible (rates change by ~1e-12).

    Parameters
    ----------
    m : array_like, 1-D
        Mean increments per step (V/step), one chain each (with ``counts``: only used to place
        the grids; the mixture carries its own means).
    s : float
        SD of the increment per step (V/step), > 0.
    beta, v_th, v_reset, reset, ref_steps : keyword-only
        As for :func:`firing_probability`.
    counts : CountMixture or None, keyword-only
        Increment law for few active inputs per step (``c`` per drive).
    window_decay : float or None, keyword-only
        ``b`` in F (default ``min(beta, 0.999)``: the next layer's membrane filter).
    density : bool, keyword-only
        Also return the stationary law and the states: the law of the recorded (post-reset)
        membrane, refractory neurons at ``v_reset`` except at the spike step of a subtractive
        reset, which records V - theta (as the simulator does; the clamp starts at the next
        step).
    regularity : bool, keyword-only
        Compute F (a second batched solve); ``False`` returns F = NaN.

    Returns
    -------
    GridChain
    """
    m, s, beta, v_th, v_reset, reset, ref = _check_grid_args(m, s, beta, v_th, v_reset, reset, ref_steps, counts)
    if window_decay is not None:
        window_decay = check_scalar("beta", window_decay, label="window_decay")
    density = check_bool("density", density)
    regularity = check_bool("regularity", regularity)
    return _solve_grid_chain(m, s, beta, v_th, v_reset, reset, ref, counts, window_decay, density, regularity)[0]


def _solve_grid_chain(m, s, beta, v_th, v_reset, reset, ref, mix, window_decay, density, regularity,
                      max_bins=_GRID_MAX):
    """The unchecked solve of :func:`grid_chain`: ``s`` a scalar or one SD per drive (K,),
    ``max_bins`` the cap on the grid's bins. Returns ``(GridChain, grid, transition matrix, post-spike
    part of the subtractive reset)`` (the last two None without ``density``)."""
    beta_f = min(beta, 0.999) if window_decay is None else window_decay
    K = m.size
    g = _grid(m, s, beta, v_th, v_reset, reset, ref, max_bins=max_bins, post_spike=m if density else None)
    dead, nb, n_st, spike_to = g.dead, g.nb, g.n_st, g.spike_to
    P, fire, R = _transition(g, m, s, mix, beta, v_th, v_reset, reset)
    P0 = P.copy() if density else None
    f = np.zeros((K, n_st))
    f[:, : nb + 1] = fire
    P *= 1.0 - 1e-12
    P[:, :, 0] += 1e-12
    # stationary distribution: pi (P - I) = 0 with sum pi = 1
    A = np.swapaxes(P, 1, 2) - np.eye(n_st)[None]
    A[:, -1, :] = 1.0
    b = np.zeros((K, n_st, 1))
    b[:, -1, 0] = 1.0
    with one_blas_thread():   # a batch of small systems: threads only contend
        pi = np.linalg.solve(A, b)[..., 0]
    pi = np.clip(pi, 0.0, None)
    pi /= pi.sum(axis=1, keepdims=True)
    p = np.clip(np.einsum("ki,ki->k", pi, f), 0.0, 1.0)   # mixture CDFs can overshoot 1 by rounding
    if not regularity:
        F = np.full(K, np.nan)
    # post-spike distribution d; sum_k b^k (h(k) - p) from the resolvent of Q = P - 1 pi
    elif R is None or ref > 0:
        d = np.zeros((K, n_st))
        d[:, spike_to] = 1.0
    else:
        d = np.einsum("ki,kij->kj", pi[:, : nb + 1], R)
        d = np.concatenate([np.zeros((K, 1)), d, np.zeros((K, ref))], axis=1)
        d /= np.maximum(d.sum(axis=1, keepdims=True), 1e-300)
    if regularity:
        Q = P - pi[:, None, :]
        M = np.eye(n_st)[None] - beta_f * Q
        with one_blas_thread():
            x = np.linalg.solve(M, f[..., None])[..., 0]
        acc = beta_f * (np.einsum("ki,ki->k", d, x) - p)
        F = np.clip(1.0 + 2.0 * acc / np.maximum(1.0 - p, 1e-12), 1e-6, None)
    p = np.where(dead, 0.0, p)
    F = np.where(dead, 1.0, F)
    if beta < 1.0 and max_bins >= _GRID_MAX:      # (the phase diagram's coarse grids are approximate by design)
        # a capped grid whose bins exceed half an increment SD no longer resolves a diffusive walk
        # (nearly undamped, beta > ~0.999 with drive <= 0 at the reset): refused where it can fire
        # (at vanishing noise the bins may be coarse: the map is then deterministic and exact)
        sv = np.broadcast_to(s, (K,))
        z = (v_th - m / (1.0 - beta)) * math.sqrt(1.0 - beta * beta) / sv     # free-law SDs below v_th
        diffusive = sv / math.sqrt(1.0 - beta * beta) > v_th - v_reset    # free SD beyond the reset gap
        # (the bins the upper part widens to are s/2 exactly: compared with a rounding margin)
        coarse = (g.edges[:, 1] - g.edges[:, 0] > 0.5 * sv * (1.0 + 1e-9)) & (z < _COARSE_Z) & diffusive
        if np.any(coarse):
            k = int(np.argmax(coarse))
            raise ConvergenceError(
                f"grid_chain: beta = {beta!r} with s = {float(sv[k]):g} and drive m = "
                f"{float(m[k]):g} needs bins finer than the cap of {max_bins} allows: the walk is nearly undamped and "
                "makes excursions of many increment SDs below the reset; use firing_probability (the Nyström "
                "solver), a smaller beta, or a drive with positive drift at the reset")
    if not density:
        return GridChain(p, F, None, None), g, None, None
    post = np.einsum("ki,kij->kj", pi[:, : nb + 1], R) if R is not None and ref > 0 else None
    return GridChain(p, F, _recorded_law(pi, post, g), g.pts), g, P0, R


class Transient(NamedTuple):
    """Result of :func:`transient`: the chain's law over the first ``n_steps`` steps.

    ``rate[..., t]`` is the firing probability at step t + 1 (spikes per step), ``v_mean`` and
    ``v_std`` the mean and SD (V) of the post-reset membrane after that step, ``law[..., t, :]``
    its probability on ``states`` (the reset atom first, then the bin centres of width ``h``;
    refractory neurons counted at ``v_reset``, except that the spike step of a subtractive reset
    records V - theta, as the simulator does). A leading axis runs over the drives when ``m``
    is an array.
    """
    __repr__ = _result_repr


    rate: np.ndarray
    v_mean: np.ndarray
    v_std: np.ndarray
    law: np.ndarray
    states: np.ndarray
    h: np.ndarray


def _check_grid_args(m, s, beta, v_th, v_reset, reset, ref_steps, counts):
    """Validated ``(m as a 1-d array, s, beta, v_th, v_reset, reset, ref_steps)`` of a chain on the
    grid (:func:`grid_chain`, :func:`transient`); ``counts`` a CountMixture or None."""
    m = np.atleast_1d(check("m", m))
    broadcast(m=m)
    if m.ndim != 1:
        raise ParameterError(f"m must be a scalar or a 1-d array of mean increments; got shape {m.shape}")
    s = check_scalar("s", s)
    if s == 0.0:
        raise ParameterError("s must be > 0 V/step for the grid chain (its bins scale with s); got 0.0")
    beta, v_th, v_reset = check_scalar("beta", beta), check_scalar("v_th", v_th), check_scalar("v_reset", v_reset)
    check_below("v_reset", v_reset, "v_th", v_th)
    reset, ref_steps = check_choice("reset", reset, _RESETS), check_count("ref_steps", ref_steps)
    if counts is not None and not isinstance(counts, CountMixture):
        raise ParameterError(f"counts must be a CountMixture or None; got {counts!r}")
    return m, s, beta, v_th, v_reset, reset, int(ref_steps)


def _initial_atoms(v0, K):
    """``v0`` as atoms ``(x, w)`` of shape (K, n): a point, an array of (points, probabilities),
    or a StationaryDensity (its quadrature nodes weighted by density x weight, and its atoms)."""
    if isinstance(v0, StationaryDensity):
        x = np.concatenate([v0.v, v0.atoms_v])
        w = np.concatenate([v0.weights * v0.density, v0.atoms_mass])
    elif isinstance(v0, tuple):
        if len(v0) != 2:
            raise ParameterError(f"v0 must be a potential, (points, probabilities) or a StationaryDensity; "
                                 f"got a tuple of length {len(v0)}")
        x = np.atleast_1d(check("v", v0[0], label="v0 points"))
        w = np.atleast_1d(check("", v0[1], domain=_PROB_WEIGHT,
                                     label="v0 probabilities"))
        if x.shape != w.shape or x.ndim != 1:
            raise ParameterError(f"v0 points and probabilities must be 1-D of one length; got shapes {x.shape} "
                                 f"and {w.shape}")
        if np.any(w < 0) or not np.isfinite(x).all():
            raise ParameterError("v0 probabilities must be >= 0 and its points finite")
    else:
        if v0 is None or isinstance(v0, (str, bytes)):
            raise ParameterError(f"v0 must be a finite potential (V); got {v0!r}")
        x = np.atleast_1d(check("v", v0, label="v0"))
        if x.ndim != 1 or x.size != 1:
            raise ParameterError(f"v0 must be a finite potential (V); got {v0!r}")
        w = np.ones(1)
    tot = w.sum()
    if not tot > 0:
        raise ParameterError(f"v0 probabilities must sum to > 0; got {tot:g}")
    return np.broadcast_to(x, (K, x.size)), np.broadcast_to(w / tot, (K, x.size))


def _recorded_law(law, post, g: _Grid):
    """The law of the recorded (post-reset) membrane, (..., nb + 1) on ``g.pts``, from chain laws
    (..., n_st): refractory neurons sit at v_reset (the clamp), except at the spike step of a
    subtractive reset, which records V - theta: there the mass of state ``spike_to`` is replaced
    by ``post`` (..., nb), its landing law on the bins (None: no such step)."""
    rec = law[..., : g.nb + 1].copy()
    ref_mass = law[..., g.nb + 1:].sum(-1)
    if post is not None:
        rec[..., 1:] += post
        ref_mass = np.maximum(ref_mass - law[..., g.spike_to], 0.0)
    rec[..., 0] += ref_mass
    return rec


def _moments_of_law(rec, g: _Grid):
    """Mean and SD of recorded laws (..., nb + 1) on ``g.pts`` (:func:`_recorded_law`): the mass
    of a bin at its centre, less Sheppard's correction h^2/12 per unit of binned mass (binning a
    smooth density adds that variance)."""
    K = g.pts.shape[0]
    shp = (K,) + (1,) * (rec.ndim - 2) + (g.pts.shape[1],)
    vals = g.pts.reshape(shp)
    mean = (rec * vals).sum(-1)
    h = (g.edges[:, 1] - g.edges[:, 0]).reshape(shp[:-1])
    in_bins = rec[..., 1:].sum(-1)
    var = (rec * vals**2).sum(-1) - mean**2 - in_bins * h**2 / 12.0     # Sheppard's correction
    return mean, np.sqrt(np.maximum(var, 0.0))


def _reach_floor(x0, m, s):
    """Per chain (K,), a potential that the steps from the atoms ``x0`` (K, n) with drives ``m``
    (T, K) and increment SDs ``s`` (T,) stay above except with probability ~1e-15 per step
    (8 SDs per step; every decay and reset only raises it)."""
    return np.minimum(x0.min(axis=1), 0.0) - np.maximum(-m, 0.0).sum(axis=0) - 8.0 * float(np.sum(s))


def _run_transient(g: _Grid, steps, x0, w0, beta, v_th, v_reset, reset):
    """Push the initial atoms ``(x0, w0)`` through the chain on ``g``; ``steps`` yields one
    ``(m, s, mix)`` per step (the same object repeated: the matrix is built once). The first
    step starts from the atoms' exact potentials, the later ones from the grid states.
    Returns rates (K, T) and the recorded membrane laws (K, T, nb + 1) (:func:`_recorded_law`)."""
    rates, laws = [], []
    law = P = last = None
    for t, step in enumerate(steps):
        m, s, mix = step
        if t == 0:
            rows, fire, R = _rows(g, x0, m, s, mix, beta, v_th, v_reset, reset)
            src = w0                          # the atoms' weights, then the law on the grid states
            law = np.einsum("kn,kns->ks", w0, rows)
        else:
            if step is not last:
                P, fire_st, R_st = _transition(g, m, s, mix, beta, v_th, v_reset, reset)
                last = step
            fire, R, src = fire_st, R_st, law[:, : g.nb + 1]
            law = np.einsum("ki,kij->kj", law, P)
        p = np.einsum("kn,kn->k", src, fire)
        post = np.einsum("kn,knj->kj", src, R) if R is not None and g.ref else None
        rates.append(np.clip(p, 0.0, 1.0))
        laws.append(_recorded_law(law, post, g))
    return np.stack(rates, axis=1), np.stack(laws, axis=1)


def transient(m, s, *, beta, n_steps, v0=0.0, v_th=1.0, v_reset=0.0, reset="zero", ref_steps=0,
              counts=None) -> Transient:
    r"""Firing probability and membrane law of the step map over its first steps from a given start.

    The chain of :func:`grid_chain` (``V <- beta V + I``, ``I ~ N(m, s^2)`` or the count
    mixture ``counts``, spike at ``V >= v_th``, zero or subtractive reset, ``ref_steps``
    refractory steps) run forward from the initial law ``v0`` instead of solved for its
    stationary law: with :math:`\pi_0` the start and :math:`P` the transition matrix,

    .. math::

        p_t = \pi_{t-1} f, \qquad \pi_t = \pi_{t-1} P, \qquad t = 1, \dots, T,

    ``f`` the firing probability per state. This is what a training trial that starts every
    neuron at ``V = 0`` (snnTorch's ``init_leaky``) sees before the membrane reaches its
    stationary law (the per-step rate of step 1 from rest is :math:`P(I \ge v_\mathrm{th})`).
    The first step is taken exactly from the initial potentials; later steps use the grid
    (bins of ~s/4, their landing probabilities exact CDF differences), so the rates agree with a
    simulation of the step map within its standard error and, for large T, converge to
    :func:`grid_chain`'s stationary rate (0.1–0.6 % from :func:`firing_probability`), as
    ``tests/test_transient.py`` checks.

    Parameters
    ----------
    m : float or array_like, 1-D
        Mean increment per step (V/step); an array gives one chain per drive.
    s : float
        SD of the increment per step (V/step), > 0.
    beta, v_th, v_reset, reset, ref_steps : keyword-only
        As for :func:`firing_probability`.
    n_steps : int, keyword-only
        Steps T to follow.
    v0 : float, (points, probabilities) or StationaryDensity, keyword-only
        The initial law of the membrane (post-reset potential before step 1): a point mass
        (default 0, the training start), atoms, or a density from :func:`stationary_density`.
    counts : CountMixture or None, keyword-only
        Increment law for few active inputs per step (as for :func:`grid_chain`).

    Returns
    -------
    Transient

    Examples
    --------
    From rest the first step fires only if one increment crosses the threshold:

    >>> from scipy.stats import norm
    >>> tr = transient(0.2, 0.3, beta=0.9, n_steps=16)
    >>> bool(abs(tr.rate[0] - norm.sf(1.0, 0.2, 0.3)) < 1e-12)
    True
    """
    scalar = np.ndim(m) == 0
    m_arr, s, beta, v_th, v_reset, reset, ref = _check_grid_args(m, s, beta, v_th, v_reset, reset, ref_steps,
                                                                 counts)
    T = check_int("n_steps", n_steps)
    K = m_arr.size
    x0, w0 = _initial_atoms(v0, K)
    floor = _reach_floor(x0, np.broadcast_to(m_arr, (T, K)), np.full(T, s))
    g = _grid(m_arr, s, beta, v_th, v_reset, reset, ref, lo_floor=floor, post_spike=m_arr)
    step = (m_arr, s, counts)
    rate, law = _run_transient(g, [step] * T, x0, w0, beta, v_th, v_reset, reset)
    mean, sd = _moments_of_law(law, g)
    h = g.edges[:, 1] - g.edges[:, 0]
    out = Transient(rate, mean, sd, law, g.pts, h)
    return Transient(*(a[0] for a in out)) if scalar else out


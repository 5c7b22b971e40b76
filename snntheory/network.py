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
instead of a Gaussian. Accuracy against simulation is measured by
``benchmarks/bench_init.py`` (``benchmarks/results/init.md``).

Assumptions: independent, stationary input trains (no cross-neuron correlations), a delta
synapse (``tau_s = 0``), Gaussian (or uniform, by its moments) weights.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from . import discrete, surrogate as _surrogate, wiener
from ._sim.network import WEIGHT_DISTS, draw_weights
from ._sim.network import network as _simulate_network
from ._sim.stepmap import as_generator
from ._special import normal_nodes
from ._validate import check, check_bool, check_choice, check_int, check_widths, check_scalar
from .errors import ConvergenceError, ParameterError
from .neuron import LIF

__all__ = ["LayerInit", "NetworkInit", "predict_network", "gradient_gain", "SILENT_BELOW"]

#: spikes per step under which a neuron counts as silent
SILENT_BELOW = 1e-4
#: Gauss-Hermite nodes over the neurons' mean drive (quenched heterogeneity)
_N_HERMITE = 12
#: below this input spike probability per step (n E[p] <= 1e-12 for n <= 1000) a layer sees
#: isolated input spikes, and its rate is the sparse limit of :func:`_spikes_per_jump`
_SPARSE = 1e-15
#: below this many active inputs per step (n E[p]) the increment is the count mixture instead
#: of a Gaussian: at n p = 2 the Gaussian increment puts layer 1 ~17 % off, at n p = 15 ~1 %
_MIX_BELOW = 8.0


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
    m = gain * n * state.ep * wm
    s = gain * math.sqrt(max(n * (ws * ws + wm * wm) * state.evf, 0.0))
    sdm = gain * abs(ws) * math.sqrt(n * state.quenched)
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
            ch = discrete.grid_chain(drives, s, counts=mix, density=want_density, **cp._asdict())
            p, F = ch.rate, ch.regularity
            dens = (ch.pi, ch.states, mix) if want_density else None
        except np.linalg.LinAlgError:   # a (nearly) reducible chain: exact rates, Bernoulli regularity
            p = np.array([_node_rate(cp, d, s) for d in drives])
            F = np.ones_like(p)
    out = _State(w @ p, w @ p**2, w @ (p * (1.0 - p) * F), state.rows)
    return (out, p, w, drives, s, dens) if want_density else (out, p, w, drives, s)


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


def _surrogate_moment(cp, drives, s, weights, kind, width, mix, density):
    """E over neurons (nodes, weights) and the stationary density of E[sigma'(V_pre - v_th)^2],
    V_pre = beta V + I the value compared with the threshold. Exact cell probabilities of V_pre
    on cells x - v_th = w sinh(u) (fine near the threshold, coarse in the tails where
    sigma'^2 < 1e-9), sigma'^2 at the cell midpoints."""
    w = _surrogate._width_of(kind, width)
    beta, v_th = cp.beta, cp.v_th
    pi, pts = density
    reach = {"triangle": w, "gaussian": 12.0 * w, "sigmoid": 40.0 * w}.get(kind, 300.0 * w)
    big_u = math.asinh(reach / w)
    du = min(0.05, min(s, w) / w / 4.0)
    u = np.linspace(-big_u, big_u, 2 * int(math.ceil(big_u / du)) + 1)
    xe = v_th + w * np.sinh(u)
    xm = 0.5 * (xe[1:] + xe[:-1])
    g2 = _surrogate.derivative(xm - v_th, kind, w) ** 2
    tot = 0.0
    for k in range(drives.size):
        keep = pi[k] > 1e-13
        if mix is None:
            centres = beta * pts[k, keep] + drives[k]
            cdf = special.ndtr((xe[None, :] - centres[:, None]) / s)
        else:
            mk = discrete.CountMixture(mix.q, mix.c[k:k + 1], mix.sc)
            cdf = discrete._mix_cdf(xe[None, None, :], beta * pts[k, keep][None, :, None], s, mk)[0]
        cells = pi[k, keep] @ np.diff(cdf, axis=1)
        tot += weights[k] * float(cells @ g2)
    return tot


def _layer_stats(neuron, n, state, wm, ws, n_out, surrogate, width, silent_below):
    """(v_mean, v_std, silent_fraction, grad_gain, output state, law) from the depth model
    (quenched); ``law`` = (node weights, pi, states) of the chain, or None without one."""
    cp = neuron.chain_params()
    out, p_nodes, w, drives, s, dens = _layer_model(cp, neuron.gain, n, state, wm, ws, want_density=True)
    sdm = neuron.gain * abs(ws) * math.sqrt(n * state.quenched)
    silent = _silent_fraction(p_nodes, drives, float(np.average(drives, weights=w)), sdm, silent_below)
    if s > 0.0:
        if dens is None:   # the model took a special case: solve the chain for the density
            mix = _count_mixture(n, state, drives, s, neuron.gain * n * state.ep * wm)
            ch = discrete.grid_chain(drives, s, counts=mix, density=True, **cp._asdict())
            dens = (ch.pi, ch.states, mix)
        pi, pts, mix = dens
        mean_k = (pi * pts).sum(axis=1)
        var_k = (pi * pts**2).sum(axis=1) - mean_k**2
        v_mean = float(w @ mean_k)
        v_var = float(w @ (var_k + mean_k**2) - v_mean**2)
        e2 = _surrogate_moment(cp, drives, s, w, surrogate, width, mix, (pi, pts))
        law = (w, pi, pts)
    else:   # isolated or no input: the membrane sits at rest between (rare) jumps
        v_mean, v_var = _rest_potential(cp), 0.0
        e2 = float(_surrogate.derivative(v_mean - cp.v_th, surrogate, width)) ** 2
        law = None
    grad = n_out * (ws * ws + wm * wm) * e2
    return v_mean, math.sqrt(max(v_var, 0.0)), silent, grad, out, law


def _stationary_sampler(law):
    """A sampler ``f(rng, size)`` of post-reset membrane potentials from a layer's stationary
    law ``(node weights, pi, states)`` (the ``law`` of :func:`_layer_stats`): nodes by their
    weights, states by the chain's law, uniform within a bin, the reset atom exact; None for
    no law (isolated input, no noise)."""
    if law is None:
        return None
    w, pi, pts = law
    prob = (w[:, None] * pi).ravel()
    prob /= prob.sum()
    half = 0.5 * (pts[:, 2] - pts[:, 1])                       # half bin width per node
    vals = pts.ravel()
    jitter = np.repeat(half[:, None], pts.shape[1], axis=1)
    jitter[:, 0] = 0.0                                            # the reset atom is exact
    jitter = jitter.ravel()

    def sample(rng, size):
        idx = rng.choice(vals.size, size=size, p=prob)
        return vals[idx] + jitter[idx] * rng.uniform(-1.0, 1.0, size)

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


# =============================================================================================
# results
# =============================================================================================


@dataclass(frozen=True)
class LayerInit:
    """One weight matrix of a network (layer ``index`` = 1 .. L) and what the model predicts for it.

    Attributes
    ----------
    index, n_in, n_out : int
    w_mean, w_std : float
        Weight mean and SD (V).
    input_rate, rate : float
        The depth model's predicted rate (Hz) of the layer's input and of the layer itself at
        these weights (for a plan: not the target; compare ``rate`` with it).
    v_mean, v_std : float
        Predicted mean and SD (V) of the post-reset membrane over neurons and time.
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
    rate_spread: float = math.nan
    weight_dist: str = "normal"
    target_rate: float = math.nan
    model_w_mean: float = math.nan
    calibrated_rate: float = math.nan
    calibrated_stderr: float = math.nan
    calibration: str = ""
    verified_rate: float = math.nan
    verified_stderr: float = math.nan

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

    ``print(plan)`` shows a table; ``plan.w_means``, ``plan.w_stds``, ``plan.rates`` (predicted,
    Hz) and ``plan.targets`` (Hz, NaN for a prediction) are arrays; :meth:`simulate` runs
    :func:`snntheory.simulate.network` with the weights.
    """

    layers: tuple
    method: str
    widths: tuple
    input_rate: float
    neuron: LIF = field(repr=False)

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

    _COLUMNS = (("layer", "", "index", "d"), ("n_in", "", "n_in", "d"), ("n_out", "", "n_out", "d"),
                ("w_mean", "V", "w_mean", ".4g"), ("w_std", "V", "w_std", ".4g"), ("in", "Hz", "input_rate", ".4g"),
                ("rate", "Hz", "rate", ".4g"), ("target", "Hz", "target_rate", ".4g"),
                ("spread", "Hz", "rate_spread", ".3g"), ("V mean", "V", "v_mean", ".3g"), ("V sd", "V", "v_std", ".3g"),
                ("silent", "", "silent_fraction", ".3f"), ("map gain", "", "map_gain", ".3f"),
                ("grad gain", "", "grad_gain", ".3g"), ("calibration", "", "calibration", "s"))

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
        heads, rows = self._cells()
        table = [heads] + rows
        widths = [max(len(r[i]) for r in table) for i in range(len(heads))]
        return "\n".join([self._header()] + ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in table])

    def __repr__(self) -> str:
        return (f"<{self._header()}: {len(self.layers)} layers, rates "
                f"{', '.join(f'{r:.3g}' for r in self.rates)} Hz>")

    def _repr_html_(self) -> str:
        """A compact HTML table with units (Jupyter's rich display)."""
        heads, rows = self._cells()
        th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        return (f"<p><b>{html.escape(self._header())}</b></p>"
                f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>")


# =============================================================================================
# public forward functions
# =============================================================================================


def _check_network(widths, neuron, input_rate):
    """Validated ``(widths as a tuple, input rate in Hz)`` of a network plan or prediction."""
    widths = check_widths(widths)
    if not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
    neuron.chain_params()    # the depth model needs a step-map chain (delta synapse)
    rate0 = check_scalar("input_rate", input_rate)
    if rate0 * neuron.dt > 1.0:
        raise ParameterError(f"input_rate * dt must be <= 1 spike per step; got {rate0:g} Hz x {neuron.dt:g} s "
                             f"= {rate0 * neuron.dt:g}")
    return widths, rate0


def _stats_kw(surrogate, surrogate_width, silent_below):
    """Validated keywords of :func:`_layer_stats`."""
    return dict(surrogate=surrogate, width=_surrogate._width_of(surrogate, surrogate_width),
                silent_below=check_scalar("p_out", silent_below, label="silent_below"))


def _propagate(widths, neuron, state, choose, stats_kw):
    """Walk the depth model through the layers: ``choose(l, n, n_out, state, rows)`` gives each
    layer's (w_mean, w_std, law); one model evaluation per layer gives this layer's statistics and
    the next layer's input state. Rows: (n, n_out, w_mean, w_std, law, input state, statistics)."""
    rows = []
    for l in range(len(widths) - 1):
        n, n_out = widths[l], widths[l + 1]
        wm, ws, dist = choose(l, n, n_out, state, rows)
        stats = _layer_stats(neuron, n, state, wm, ws, n_out, **stats_kw)
        rows.append((n, n_out, wm, ws, dist, state, stats))
        state = stats[4]
    return rows


def _network_init(rows, method, widths, rate0, neuron, map_gain, *, targets=None, model_means=None,
                  calibration=None):
    """The NetworkInit of propagated rows (the rates are the model's at the rows' weights)."""
    cp, g, dt = neuron.chain_params(), neuron.gain, neuron.dt
    layers = []
    var = 0.0     # variance of the population rate across weight draws, per step^2
    for l, (n, n_out, wm, ws, dist, state, stats) in enumerate(rows):
        v_mean, v_std, silent, grad, out, _ = stats
        slope = _map_gain(cp, g, n, state, wm, ws) if map_gain else math.nan
        # finite width: the draw's error of the layer below, passed on by the map's slope for a
        # shifted mean, plus the sampling error of n_out independent neurons' rates
        carry = (_map_gain(cp, g, n, state, wm, ws, shift=True) if l and map_gain else 0.0)
        var = carry * carry * var + max(out.ep2 - out.ep * out.ep, 0.0) / n_out
        nan = math.nan
        layers.append(LayerInit(l + 1, n, n_out, float(wm), float(ws), state.ep / dt, out.ep / dt, v_mean, v_std,
                                silent, float(grad), float(slope), math.sqrt(var) / dt, dist,
                                nan if targets is None else float(targets[l]),
                                nan if model_means is None else float(model_means[l]),
                                *((nan, nan, "", nan, nan) if calibration is None else
                                  (float(calibration.rates[l]), float(calibration.rate_stderr[l]),
                                   calibration.status[l], float(calibration.verified_rates[l]),
                                   float(calibration.verified_stderr[l])))))
    return NetworkInit(tuple(layers), method, tuple(widths), rate0, neuron)


def predict_network(widths, w_means, w_stds, *, neuron, input_rate, weight_dist="normal", surrogate="fast_sigmoid",
                    surrogate_width=None, map_gain=False, silent_below=SILENT_BELOW) -> NetworkInit:
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

    Returns
    -------
    NetworkInit

    Notes
    -----
    **Draw-to-draw spread** (``map_gain=True``). A network of finite width realises one weight
    draw; its layer-l population rate :math:`P_l` differs from the model's :math:`E[p_l]` by the
    sampling error of its :math:`N_l` neurons, whose rates are independent given the layer's
    input (each neuron has its own weights), plus the error of the layer below passed on by
    the map's slope :math:`g_l`:

    .. math::

        \mathrm{Var}\,P_l = g_l^2\,\mathrm{Var}\,P_{l-1} + \mathrm{Var}_i(p_i)/N_l,
        \qquad \mathrm{Var}\,P_0 = 0,

    with :math:`\mathrm{Var}_i(p_i) = E[p^2] - E[p]^2` the model's quenched spread of the
    neurons' rates and :math:`g_l` the slope of the layer map for a shift of the input rates'
    mean at a fixed spread (a sampling error moves the mean, not the spread; scaling every
    rate instead, as ``map_gain`` does, overstates the carry-over in deep layers by up to
    1.8x). ``LayerInit.rate_spread`` is :math:`\sqrt{\mathrm{Var}\,P_l}`; a slope near 1
    passes every draw's error on undamped. For i.i.d. Gaussian weights it matches 24 simulated
    draws within a factor 1.5 (``tests/test_network.py``). Row-standardised weights have no
    quenched spread in this model (the measured one, about 1 % at width 100, comes from the
    rows' higher moments and cross-neuron correlations, which it leaves out).

    Examples
    --------
    Kaiming's weights in a leaky network: the predicted rates fall layer after layer.

    >>> from snntheory import LIF
    >>> pred = predict_network([200] * 6, 0.0, (2 / 200) ** 0.5, neuron=LIF.from_beta(0.95), input_rate=50.0)
    >>> bool(all(a > b for a, b in zip(pred.rates, pred.rates[1:])))
    True
    """
    widths, rate0 = _check_network(widths, neuron, input_rate)
    map_gain = check_bool("map_gain", map_gain)
    L = len(widths) - 1
    wms = _per_layer("w_mean", w_means, L, label="w_means")
    wss = _per_layer("w_std", w_stds, L, label="w_stds")
    check_choice("weight_dist", weight_dist, WEIGHT_DISTS)
    stats_kw = _stats_kw(surrogate, surrogate_width, silent_below)
    rows = _propagate(widths, neuron, _State.bernoulli(rate0 * neuron.dt, weight_dist == "rows"),
                      lambda l, *_: (wms[l], wss[l], weight_dist), stats_kw)
    return _network_init(rows, "given", widths, rate0, neuron, map_gain)


def _per_layer(name, value, n_layers, label=None):
    """``value`` (a scalar or one per layer) checked against the domain of ``name``, as ``n_layers`` floats.
    ``label`` is the parameter named in messages (defaults to ``name``)."""
    label = label or name
    if value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{label} must be a scalar or one value per weight matrix ({n_layers}); got {value!r}")
    arr = check(name, value, label=label)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != n_layers):
        raise ParameterError(f"{label} must be a scalar or one value per weight matrix ({n_layers}); got shape "
                             f"{arr.shape}")
    return np.broadcast_to(arr, (n_layers,)).astype(float)


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

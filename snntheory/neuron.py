r"""The leaky integrate-and-fire neuron, in its continuous and its discrete view.

One :class:`LIF` object carries both views of the same neuron: the membrane time constant
``tau_m``, refractory period ``tau_ref`` and synaptic time constant ``tau_s`` (seconds), and the
per-step factors ``beta = exp(-dt/tau_m)``, ``alpha = exp(-dt/tau_s)`` and ``ref_steps`` that the
step map of SNN training code uses.

The canonical step map (the one SNN training code runs), per neuron and step :math:`t`:

.. math::

    V[t] = \beta V[t-1] + g\,J[t], \qquad S[t] = [V[t] \ge v_\mathrm{th}],

then, where :math:`S[t]`, ``reset="zero"`` sets :math:`V[t] = v_\mathrm{reset}` and
``reset="subtract"`` sets :math:`V[t] \mathrel{-}= v_\mathrm{th} - v_\mathrm{reset}`. The drive is
:math:`J[t] = I[t]` for a delta synapse (``tau_s = 0``) or :math:`J[t] = \alpha J[t-1] + I[t]` for an
exponential synaptic current, with :math:`I[t] = \sum_j W_{ij} S_j[t]`. The input gain is
:math:`g = 1` (``input_gain="unit"``, canonical) or :math:`g = 1-\beta` (``input_gain="1-beta"``).
With ``reset_delay=True`` the reset triggered by a spike at step :math:`t` is applied at step
:math:`t+1`, after the leak and the new input (snnTorch's ``Leaky`` does this); the membrane then
reaches :math:`\beta V[t] + g J[t+1] - (v_\mathrm{th} - v_\mathrm{reset})` (subtract) and can emit
spikes on consecutive steps without being reset in between.

Which options reproduce the frameworks' defaults (read from their source code):

=================  ==================================  =========================================
framework          default update                      LIF options
=================  ==================================  =========================================
snnTorch Leaky     U <- beta U + I - S[t-1] theta       ``reset="subtract", reset_delay=True``
snnTorch Synaptic  adds J <- alpha J + I                as Leaky, plus ``tau_s > 0``
Norse LIF          Euler, gain dt/tau_m, tau_s=5 ms     ``input_gain="1-beta", tau_s=5e-3``
SpikingJelly LIF   H = V + (X - V)/tau, hard reset 0     ``input_gain="1-beta", reset="zero"``
Rockpool LIFTorch  v <- alpha v + i_syn                 ``tau_s > 0`` (unit gain)
Sinabs IAF         V <- V + I, subtract                 ``LIF.from_beta(1.0, reset="subtract")``
=================  ==================================  =========================================

(SpikingJelly's ``tau`` is in steps, so ``beta = 1 - 1/tau``; Norse's Euler step has
``beta = 1 - dt/tau_m`` rather than ``exp(-dt/tau_m)``: build those with :meth:`LIF.from_beta`.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from scipy import special

from ._display import result_repr as _result_repr
from ._validate import (Domain, broadcast, check, check_below, check_bool, check_choice, check_int, check_object,
                        check_scalar, scalar_or_array)
from .errors import ParameterError

__all__ = [
    "LIF", "ChainParams", "RESETS", "INPUT_GAINS", "LayerInput", "FreeMembrane", "LayerMembrane", "IncrementDistribution",
    "layer_input", "free_membrane", "layer_membrane", "increment_distribution",
]

RESETS = ("zero", "subtract")
INPUT_GAINS = ("unit", "1-beta")
_ALPHA = Domain(low=0.0, high=1.0, low_open=False, high_open=True)
#: input gain of a neuron (``LIF.gain``: 1 or 1 - beta): a finite positive factor
_GAIN = Domain(low=0.0, low_open=True)


def _decay(dt: float, tau: float) -> float:
    """exp(-dt/tau), with tau = inf -> 1 and tau = 0 -> 0."""
    if tau == 0.0:
        return 0.0
    return math.exp(-dt / tau)


class ChainParams(NamedTuple):
    """Parameters of the canonical step-map chain of a :class:`LIF` (:meth:`LIF.chain_params`)."""

    __repr__ = _result_repr

    beta: float
    v_th: float
    v_reset: float
    reset: str
    ref_steps: int


@dataclass(frozen=True, repr=False)
class LIF:
    r"""A leaky integrate-and-fire neuron with a continuous and a discrete view.

    Parameters
    ----------
    tau_m : float
        Membrane time constant in s, > 0; ``math.inf`` is the perfect integrator
        (``beta = 1``).
    dt : float
        Time step in s, > 0.
    v_th : float, keyword-only
        Threshold (V or any potential unit used consistently); default 1.
    v_reset : float, keyword-only
        Reset potential, below ``v_th``; default 0.
    reset : {"zero", "subtract"}, keyword-only
        ``"zero"`` sets V to ``v_reset`` after a spike; ``"subtract"`` subtracts
        ``v_th - v_reset``.
    tau_ref : float, keyword-only
        Absolute refractory period in s, >= 0, a whole number of steps.
    tau_s : float, keyword-only
        Synaptic time constant in s, >= 0; 0 is a delta synapse.
    input_gain : {"unit", "1-beta"}, keyword-only
        Gain of the drive into the membrane (``"1-beta"`` needs ``beta < 1``).
    reset_delay : bool, keyword-only
        Apply the reset one step after the spike (snnTorch ``Leaky``); default False.

    Attributes
    ----------
    beta, alpha : float
        Per-step membrane and synaptic decay factors.
    gain : float
        The input gain g.
    ref_steps : int
        Refractory period in steps.

    Raises
    ------
    ParameterError
        If a parameter is outside its domain, ``v_reset >= v_th``, ``tau_ref`` is not a whole
        number of steps, or ``input_gain="1-beta"`` with ``beta = 1``.

    Examples
    --------
    >>> from snntheory import LIF
    >>> n = LIF(tau_m=0.02, dt=1e-3)
    >>> round(n.beta, 6), n.kernel_sums()[0] == 1 / (1 - n.beta)
    (0.951229, True)
    >>> LIF.from_beta(1.0).tau_m
    inf
    """

    tau_m: float
    dt: float
    v_th: float = 1.0
    v_reset: float = 0.0
    reset: str = "zero"
    tau_ref: float = 0.0
    tau_s: float = 0.0
    input_gain: str = "unit"
    reset_delay: bool = False
    beta: float = field(init=False)
    alpha: float = field(init=False)
    gain: float = field(init=False)
    ref_steps: int = field(init=False)

    def __init__(self, tau_m, dt, *, v_th=1.0, v_reset=0.0, reset="zero", tau_ref=0.0, tau_s=0.0,
                 input_gain="unit", reset_delay=False):
        values = dict(
            tau_m=check_scalar("tau_m", tau_m),
            dt=check_scalar("dt", dt),
            v_th=check_scalar("v_th", v_th),
            v_reset=check_scalar("v_reset", v_reset),
            reset=check_choice("reset", reset, RESETS),
            tau_ref=check_scalar("tau_ref", tau_ref),
            tau_s=check_scalar("tau_s", tau_s),
            input_gain=check_choice("input_gain", input_gain, INPUT_GAINS),
            reset_delay=check_bool("reset_delay", reset_delay),
        )
        if values["dt"] <= 0.0:
            raise ParameterError(f"dt must be > 0 s for a LIF; got {values['dt']!r}")
        check_below("v_reset", values["v_reset"], "v_th", values["v_th"])
        beta = _decay(values["dt"], values["tau_m"])
        if beta == 0.0:
            raise ParameterError(
                f"dt/tau_m = {values['dt'] / values['tau_m']:g} is so large that beta underflows to 0; "
                "the neuron has no memory (use a smaller dt or a larger tau_m)"
            )
        ratio = values["tau_ref"] / values["dt"]
        ref_steps = round(ratio)
        if abs(ratio - ref_steps) > 1e-9 * max(1.0, ratio):
            raise ParameterError(
                f"tau_ref must be a whole number of steps of dt={values['dt']:g} s; got {values['tau_ref']!r} "
                f"({ratio:g} steps)"
            )
        gain = 1.0 if values["input_gain"] == "unit" else 1.0 - beta
        if gain == 0.0:
            raise ParameterError("input_gain='1-beta' needs beta < 1 (tau_m < inf); got beta = 1")
        for name, val in values.items():
            object.__setattr__(self, name, val)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "alpha", _decay(values["dt"], values["tau_s"]))
        object.__setattr__(self, "gain", gain)
        object.__setattr__(self, "ref_steps", int(ref_steps))

    @classmethod
    def from_beta(cls, beta, *, dt=1e-3, v_th=1.0, v_reset=0.0, reset="zero", tau_ref=0.0, alpha=0.0,
                  input_gain="unit", reset_delay=False):
        r"""Build a LIF from its per-step decay ``beta`` in (0, 1] (and ``alpha`` in [0, 1)).

        ``tau_m = -dt/ln(beta)`` (``inf`` for ``beta = 1``) and ``tau_s = -dt/ln(alpha)``
        (0 for ``alpha = 0``); the other parameters are as for :class:`LIF`.

        Examples
        --------
        >>> LIF.from_beta(0.9, dt=1e-3).beta
        0.9
        """
        dt = check_scalar("dt", dt)
        if dt <= 0.0:
            raise ParameterError(f"dt must be > 0 s for a LIF; got {dt!r}")
        beta = check_scalar("beta", beta)
        alpha = check_scalar("beta", alpha, label="alpha", domain=_ALPHA)
        tau_m = math.inf if beta == 1.0 else -dt / math.log(beta)
        tau_s = 0.0 if alpha == 0.0 else -dt / math.log(alpha)
        self = cls(tau_m, dt, v_th=v_th, v_reset=v_reset, reset=reset, tau_ref=tau_ref, tau_s=tau_s,
                   input_gain=input_gain, reset_delay=reset_delay)
        # keep the exact per-step factors the user gave (exp(-dt/tau) can differ in the last bit)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "gain", 1.0 if input_gain == "unit" else 1.0 - beta)
        return self

    @property
    def theta(self) -> float:
        """Distance from reset to threshold, ``v_th - v_reset``."""
        return self.v_th - self.v_reset

    def kernel(self, n_steps: int) -> np.ndarray:
        r"""The PSP kernel :math:`\varepsilon[k]`, k = 0..n_steps-1: the membrane's response to
        one unit input at step 0 without threshold.

        :math:`\varepsilon[k] = g\beta^k` for a delta synapse and
        :math:`g(\beta^{k+1}-\alpha^{k+1})/(\beta-\alpha)` for an exponential one.
        """
        k = np.arange(int(n_steps), dtype=float)
        b, a, g = self.beta, self.alpha, self.gain
        if a == 0.0:
            return g * b**k
        if a == b:
            return g * (k + 1) * b**k
        return g * (b ** (k + 1) - a ** (k + 1)) / (b - a)

    def kernel_sums(self) -> tuple[float, float]:
        r""":math:`(\sum_k \varepsilon[k], \sum_k \varepsilon[k]^2)`, the factors that turn the
        per-step increment mean and variance into the free-membrane mean and variance
        (Campbell's theorem). Infinite for the perfect integrator (``beta = 1``)."""
        b, a, g = self.beta, self.alpha, self.gain
        if b == 1.0:
            return math.inf, math.inf
        s1 = g / ((1.0 - a) * (1.0 - b))
        if a == 0.0:
            s2 = g * g / (1.0 - b * b)
        elif a == b:
            s2 = g * g * (1.0 + b * b) / (1.0 - b * b) ** 3
        else:
            s2 = g * g / (b - a) ** 2 * (b * b / (1 - b * b) - 2 * a * b / (1 - a * b) + a * a / (1 - a * a))
        return s1, s2

    def chain_params(self) -> ChainParams:
        r"""The canonical step-map chain equivalent to this neuron.

        The chain is ``V <- beta V + g I``, spike where ``V >= v_th``, then reset (zero or
        subtract) with ``ref_steps`` clamped steps. ``reset_delay`` (snnTorch ``Leaky``) maps onto
        it exactly: with the zero reset it is one clamped step (the reset lands one step later
        and replaces that step's input); with the subtractive reset the pre-reset chain
        ``V <- beta V + I - theta S[t-1]`` is the canonical one with the subtraction
        ``theta/beta``, i.e. ``v_reset = v_th - theta/beta``. The input gain ``g`` is not part
        of the chain: it scales the increment.

        Raises
        ------
        ParameterError
            For ``tau_s > 0`` (the state is two-dimensional) and for ``reset_delay`` with
            ``tau_ref > 0``.

        Examples
        --------
        >>> LIF.from_beta(0.9, reset="subtract", reset_delay=True).chain_params().v_reset
        -0.11111111111111116
        """
        if self.tau_s > 0.0:
            raise ParameterError(f"the step-map chain needs a delta synapse (tau_s = 0 s); got tau_s = {self.tau_s:g} s "
                                 "(with tau_s > 0 the state is two-dimensional: simulate it, or use the "
                                 "diffusion model, which shifts the threshold for tau_s)")
        ref, v_reset = self.ref_steps, self.v_reset
        if self.reset_delay:
            if ref:
                raise ParameterError("reset_delay=True with tau_ref > 0 has no step-map chain; got tau_ref = "
                                     f"{self.tau_ref:g} s")
            if self.reset == "zero":
                ref = 1
            else:
                v_reset = self.v_th - self.theta / self.beta
        return ChainParams(self.beta, self.v_th, v_reset, self.reset, ref)

    def __repr__(self) -> str:
        parts = [f"tau_m={self.tau_m:g}", f"dt={self.dt:g}", f"v_th={self.v_th:g}", f"v_reset={self.v_reset:g}",
                 f"reset={self.reset!r}"]
        for name, default in (("tau_ref", 0.0), ("tau_s", 0.0), ("input_gain", "unit"), ("reset_delay", False)):
            val = getattr(self, name)
            if val != default:
                parts.append(f"{name}={val!r}" if isinstance(val, (str, bool)) else f"{name}={val:g}")
        return f"LIF({', '.join(parts)})  # beta={self.beta:.6g}, alpha={self.alpha:.6g}, ref_steps={self.ref_steps}"



# ---------------------------------------------------------------------------------------------
# Layer input statistics (Campbell's theorem, per step)
# ---------------------------------------------------------------------------------------------

#: Binomial weights below this are left out of :func:`increment_distribution` (the mass left
#: out is below ``n_in * 1e-19``, far under double-precision resolution of a rate).
BINOMIAL_CUTOFF = 1e-19


class LayerInput(NamedTuple):
    """Per-step statistics of the input increment ``I = sum_j W_j S_j`` of one neuron.

    Attributes
    ----------
    mean : float or ndarray
        ``E[I] = n_in p_in w_mean`` (V/step).
    var : float or ndarray
        Annealed variance ``n_in p_in (w_std^2 + w_mean^2) - n_in p_in^2 w_mean^2``: weights
        redrawn every step, equal to ``temporal_var + quenched_var`` (V^2/step^2).
    temporal_var : float or ndarray
        Layer average of one neuron's variance over time with its weights fixed,
        ``n_in p_in (1 - p_in) (w_std^2 + w_mean^2)``.
    quenched_var : float or ndarray
        Variance across neurons of each neuron's own mean increment ``p_in sum_j W_j``,
        ``n_in p_in^2 w_std^2``.
    """

    __repr__ = _result_repr

    mean: object
    var: object
    temporal_var: object
    quenched_var: object


class FreeMembrane(NamedTuple):
    """Mean and variance of the free (threshold-less) membrane potential (V, V^2)."""

    __repr__ = _result_repr

    mean: object
    var: object


class LayerMembrane(NamedTuple):
    """Free-membrane statistics of a layer: ``mean`` (layer average), ``var`` (annealed),
    ``temporal_var`` (average over neurons of the variance in time) and ``quenched_var``
    (variance across neurons of each neuron's mean), all in V or V^2."""

    __repr__ = _result_repr

    mean: object
    var: object
    temporal_var: object
    quenched_var: object


def layer_input(n_in, p_in, w_mean, w_std) -> LayerInput:
    r"""Mean and variance of the per-step input increment of a layer (Campbell's theorem).

    ``n_in`` inputs spike independently with probability ``p_in`` per step; neuron i receives
    :math:`I = \sum_j W_{ij} S_j` with weights of mean ``w_mean`` and SD ``w_std``.

    Parameters
    ----------
    n_in : array_like of int
        Fan-in, >= 1.
    p_in : array_like
        Spike probability of each input per step, in [0, 1].
    w_mean, w_std : array_like
        Weight mean (V) and SD (V, >= 0).

    Returns
    -------
    LayerInput
        ``mean``, ``var`` (annealed), ``temporal_var`` and ``quenched_var`` (see
        :class:`LayerInput`); scalars for scalar input, else the broadcast shape.

    Notes
    -----
    .. math::

        E[I] = n p \mu_w,\qquad
        \mathrm{Var}[I] = n p(\sigma_w^2+\mu_w^2) - n p^2\mu_w^2
        = \underbrace{n p(1-p)(\sigma_w^2+\mu_w^2)}_{\text{temporal}}
        + \underbrace{n p^2\sigma_w^2}_{\text{quenched}}.

    The annealed variance treats the weights as redrawn every step. With weights fixed per
    neuron, each neuron's mean increment :math:`p\sum_j W_{ij}` differs from the layer mean with
    variance :math:`n p^2\sigma_w^2` (the quenched part), and its own fluctuations in time have
    variance :math:`p(1-p)\sum_j W_{ij}^2`, on average the temporal part. Exact for
    independent Bernoulli inputs; no approximation.

    Derivation: ``snntheory.symbolic.discrete.layer_input_moments``.

    References
    ----------
    Campbell (1909), Proc. Camb. Phil. Soc. 15:117; Rice (1944), Bell Syst. Tech. J. 23:282,
    Eq. 1.5-2 (discrete-time form).

    Examples
    --------
    >>> li = layer_input(100, 0.05, 0.01, 0.1)
    >>> bool(abs(li.var - (li.temporal_var + li.quenched_var)) < 1e-15)
    True
    >>> float(li.mean)
    0.05
    """
    n = check("n_in", n_in)
    p = check("p_in", p_in)
    mu = check("w_mean", w_mean)
    sd = check("w_std", w_std)
    n, p, mu, sd = broadcast(n_in=n, p_in=p, w_mean=mu, w_std=sd)
    second = sd * sd + mu * mu
    mean = n * p * mu
    temporal = n * p * (1.0 - p) * second
    quenched = n * p * p * sd * sd
    var = temporal + quenched
    return LayerInput(*(scalar_or_array(x) for x in (mean, var, temporal, quenched)))


def free_membrane(neuron: LIF, m, s) -> FreeMembrane:
    r"""Mean and variance of the free membrane potential (no threshold) driven by white
    increments of mean ``m`` and SD ``s`` per step, through the neuron's kernel.

    Parameters
    ----------
    neuron : LIF
        Any :class:`LIF` (gain option, delta or exponential synapse). ``v_reset`` plays no role.
    m : array_like
        Mean increment per step (V/step).
    s : array_like
        SD of the increment per step (V/step), >= 0.

    Returns
    -------
    FreeMembrane
        ``mean = m * sum(eps)`` and ``var = s^2 * sum(eps^2)``. For the perfect integrator
        (``beta = 1``) the free membrane is not stationary: ``var`` is ``inf`` for ``s > 0`` and
        ``mean`` is ``+-inf`` (0 for ``m = 0``).

    Notes
    -----
    Campbell's theorem on the discrete PSP kernel :math:`\varepsilon[k]` (:meth:`LIF.kernel`):

    .. math::

        E[V] = m\sum_{k\ge0}\varepsilon[k],\qquad \mathrm{Var}[V] = s^2\sum_{k\ge0}\varepsilon[k]^2,

    with the closed-form geometric sums of :meth:`LIF.kernel_sums`. Exact for increments that
    are independent across steps.

    Derivation: ``snntheory.symbolic.discrete.kernel_sums``.

    Examples
    --------
    >>> n = LIF.from_beta(0.9)
    >>> fm = free_membrane(n, 0.1, 0.2)
    >>> bool(abs(fm.mean - 1.0) < 1e-12), bool(abs(fm.var - 0.04 / 0.19) < 1e-12)
    (True, True)
    """
    check_object("neuron", neuron, LIF, "an LIF neuron")
    m = check("m", m)
    s = check("s", s)
    m, s = broadcast(m=m, s=s)
    s1, s2 = neuron.kernel_sums()
    if math.isinf(s1):
        mean = np.where(m > 0.0, math.inf, np.where(m < 0.0, -math.inf, 0.0))
        var = np.where(s == 0.0, 0.0, math.inf)
    else:
        mean, var = m * s1, s * s * s2
    return FreeMembrane(scalar_or_array(mean), scalar_or_array(var))


def layer_membrane(neuron: LIF, n_in, p_in, w_mean, w_std) -> LayerMembrane:
    r"""Free-membrane mean and variances of a layer with Bernoulli inputs (Campbell, per step).

    Combines :func:`layer_input` with :func:`free_membrane`: ``mean = E[I] sum(eps)``,
    ``var = Var[I] sum(eps^2)`` (annealed), ``temporal_var`` (the average over neurons of each
    neuron's variance in time) and ``quenched_var = n p^2 w_std^2 sum(eps)^2`` (the variance
    across neurons of each neuron's mean membrane potential). The quenched spread is comparable
    to the temporal one, ratio ``p (sum eps)^2 / ((1-p) sum eps^2)`` for zero-mean weights.
    For the perfect integrator (``beta = 1``) the free membrane is not stationary: the fields are
    ``inf`` (``+-inf`` for the mean) wherever the corresponding input moment is non-zero.

    Examples
    --------
    >>> lm = layer_membrane(LIF.from_beta(0.95), 200, 0.05, 0.0, 0.1)
    >>> bool(abs(lm.quenched_var - 200 * 0.05**2 * 0.01 / 0.05**2) < 1e-9)
    True
    """
    check_object("neuron", neuron, LIF, "an LIF neuron")
    li = layer_input(n_in, p_in, w_mean, w_std)
    s1, s2 = neuron.kernel_sums()
    f = lambda x: scalar_or_array(np.asarray(x, float))  # noqa: E731
    if math.isinf(s1):
        # perfect integrator: not stationary; infinite where the input moves the membrane at all
        grow = lambda x: np.where(np.asarray(x) == 0.0, 0.0, math.inf)  # noqa: E731
        mean = np.where(li.mean > 0, math.inf, np.where(li.mean < 0, -math.inf, 0.0))
        return LayerMembrane(f(mean), f(grow(li.var)), f(grow(li.temporal_var)), f(grow(li.quenched_var)))
    return LayerMembrane(f(li.mean * s1), f(li.var * s2), f(li.temporal_var * s2), f(li.quenched_var * s1 * s1))


@dataclass(frozen=True, repr=False)
class IncrementDistribution:
    r"""A per-step increment distribution: a mixture of Gaussians plus at most one atom.

    ``I`` equals ``atom_at`` with probability ``atom_mass``, and otherwise is drawn from the
    Gaussian component k with probability ``weights[k]`` (mean ``means[k]``, SD ``sds[k] > 0``).
    ``atom_mass + sum(weights) = 1`` up to the binomial tail left out (< ``n_in * 1e-19``).
    Built by :meth:`gaussian` or :func:`increment_distribution`; consumed by
    ``snntheory.discrete`` (keyword ``increments=``).
    """

    weights: np.ndarray
    means: np.ndarray
    sds: np.ndarray
    atom_mass: float = 0.0
    atom_at: float = 0.0

    @classmethod
    def gaussian(cls, m, s) -> IncrementDistribution:
        """``I ~ N(m, s^2)`` (``s = 0``: the atom ``I = m``)."""
        m = check_scalar("m", m)
        s = check_scalar("s", s)
        if s == 0.0:
            return cls(np.zeros(0), np.zeros(0), np.zeros(0), 1.0, m)
        return cls(np.ones(1), np.array([m]), np.array([s]), 0.0, 0.0)

    @property
    def mean(self) -> float:
        """E[I]."""
        return float(self.atom_mass * self.atom_at + np.dot(self.weights, self.means))

    @property
    def var(self) -> float:
        """Var[I]."""
        second = self.atom_mass * self.atom_at**2 + np.dot(self.weights, self.sds**2 + self.means**2)
        return float(second - self.mean**2)

    def pdf(self, x):
        """Density of the continuous part at ``x`` (the atom excluded)."""
        x = np.asarray(x, float)[..., None]
        z = (x - self.means) / self.sds
        return np.sum(self.weights * np.exp(-0.5 * z * z) / (self.sds * math.sqrt(2 * math.pi)), axis=-1)

    def sf(self, x):
        """P(I >= x), atom included (its contribution is counted at ``x <= atom_at``)."""
        x = np.asarray(x, float)
        cont = np.sum(self.weights * special.ndtr((self.means - x[..., None]) / self.sds), axis=-1)
        return cont + self.atom_mass * (x <= self.atom_at)

    def sample(self, rng, size):
        """Draw increments with a :class:`numpy.random.Generator`."""
        probs = np.append(self.weights, self.atom_mass)
        cdf = np.cumsum(probs / probs.sum())
        comp = np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), probs.size - 1)
        means = np.append(self.means, self.atom_at)
        sds = np.append(self.sds, 0.0)
        return means[comp] + sds[comp] * rng.standard_normal(size)

    def __repr__(self) -> str:
        return (f"IncrementDistribution({self.weights.size} Gaussian components, atom {self.atom_mass:.3g} at "
                f"{self.atom_at:g}; mean={self.mean:.6g}, var={self.var:.6g})")


def _binom_pmf(k, n, p):
    """Binomial(n, p) pmf at ``k`` in log space (``scipy.special``; no scipy.stats at import)."""
    k = np.asarray(k, float)
    if p <= 0.0 or p >= 1.0:
        return (k == (n if p >= 1.0 else 0)).astype(float)
    logc = special.gammaln(n + 1.0) - special.gammaln(k + 1.0) - special.gammaln(n - k + 1.0)
    return np.exp(logc + k * math.log(p) + (n - k) * math.log1p(-p))


def increment_distribution(n_in, p_in, w_mean, w_std, *, gain=1.0, quenched=False) -> IncrementDistribution:
    r"""The exact increment distribution of a layer input: a binomial mixture of Gaussians.

    ``K ~ Binomial(n_in, p_in)`` inputs are active in a step; given ``K = k`` the increment is
    Gaussian with mean ``k w_mean`` and variance ``k w_std^2`` (annealed: each active input
    brings an independent Gaussian weight), times ``gain``. ``K = 0`` is an atom at 0.

    With ``quenched=True``, ``w_mean`` and ``w_std`` are one neuron's *own* weight mean
    :math:`\bar w = \frac1n\sum_j W_j` and population SD :math:`\sqrt{\frac1n\sum_j (W_j-\bar w)^2}`:
    the ``k`` active inputs are a random subset drawn without replacement from the neuron's
    fixed weights, so the variance carries the finite-population factor ``(n-k)/(n-1)``.

    Parameters
    ----------
    n_in : int
        Fan-in, >= 1.
    p_in : float
        Spike probability of each input per step, in [0, 1].
    w_mean, w_std : float
        Weight mean and SD (V); ``w_std > 0`` (fixed weights give a lattice of atoms, which
        the chain solver does not take).
    gain : float, keyword-only
        The neuron's input gain (``LIF.gain``), finite and > 0.
    quenched : bool, keyword-only
        See above.

    Returns
    -------
    IncrementDistribution

    Examples
    --------
    >>> d = increment_distribution(100, 0.05, 0.01, 0.1)
    >>> li = layer_input(100, 0.05, 0.01, 0.1)
    >>> bool(abs(d.mean - li.mean) < 1e-12 and abs(d.var - li.var) < 1e-12)
    True
    """
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    mu = check_scalar("w_mean", w_mean)
    sd = check_scalar("w_std", w_std)
    g = check_scalar("gain", gain, domain=_GAIN)
    quenched = check_bool("quenched", quenched)
    if sd == 0.0:
        raise ParameterError("w_std must be > 0 V for the binomial-mixture increment distribution; got 0.0")
    k = np.arange(n + 1)
    pmf = _binom_pmf(k, n, p)
    keep = (pmf > BINOMIAL_CUTOFF) & (k > 0)
    k, w = k[keep], pmf[keep]
    var_k = k * sd * sd
    if quenched and n > 1:
        var_k = var_k * (n - k) / (n - 1)
    else:
        var_k = var_k.astype(float)
    atom_mass = float(_binom_pmf(0, n, p))
    if quenched:
        full = var_k <= 0.0  # k = n: all inputs active, the increment is exactly n*w_mean
        if np.any(full):
            if w[full].sum() > 1e-15:
                raise ParameterError(f"p_in = {p:g} with n_in = {n} makes 'all inputs active' an atom of mass "
                                     f"{w[full].sum():.3g}; the chain solver takes at most one atom")
            k, w, var_k = k[~full], w[~full], var_k[~full]
    return IncrementDistribution(w.astype(float), g * mu * k, g * np.sqrt(var_k), atom_mass, 0.0)

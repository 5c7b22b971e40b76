r"""The leaky integrate-and-fire neuron, in its continuous and its discrete view.

One :class:`LIF` object carries both views of the same neuron: the membrane time constant
``tau_m``, refractory period ``tau_ref`` and synaptic time constant ``tau_s`` (seconds), and the
per-step factors ``beta = exp(-dt/tau_m)``, ``alpha = exp(-dt/tau_s)`` and ``ref_steps`` that the
step map of SNN training code uses.

The canonical step map (DESIGN.md), per neuron and step :math:`t`:

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

Which options reproduce the frameworks' defaults (``init-anchors.md`` §2):

=================  ================================  =========================================
framework          default update                    LIF options
=================  ================================  =========================================
snnTorch Leaky     U <- beta U + I - S[t-1] theta     ``reset="subtract", reset_delay=True``
snnTorch Synaptic  adds J <- alpha J + I              as Leaky, plus ``tau_s > 0``
Norse LIF          Euler, gain dt/tau_m, tau_s=5 ms   ``input_gain="1-beta", tau_s=5e-3``
SpikingJelly LIF   H = V + (X - V)/tau, hard reset 0   ``input_gain="1-beta", reset="zero"``
Rockpool LIFTorch  v <- alpha v + i_syn               ``tau_s > 0`` (unit gain)
Sinabs IAF         V <- V + I, subtract               ``LIF.from_beta(1.0, reset="subtract")``
=================  ================================  =========================================

(SpikingJelly's ``tau`` is in steps, so ``beta = 1 - 1/tau``; Norse's Euler step has
``beta = 1 - dt/tau_m`` rather than ``exp(-dt/tau_m)``: build those with :meth:`LIF.from_beta`.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._validate import Domain, check, check_below, check_choice
from .errors import ParameterError

__all__ = ["LIF", "RESETS", "INPUT_GAINS"]

RESETS = ("zero", "subtract")
INPUT_GAINS = ("unit", "1-beta")
_ALPHA = Domain(low=0.0, high=1.0, low_open=False, high_open=True)


def _decay(dt: float, tau: float) -> float:
    """exp(-dt/tau), with tau = inf -> 1 and tau = 0 -> 0."""
    if tau == 0.0:
        return 0.0
    return math.exp(-dt / tau)


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
            tau_m=float(check("tau_m", tau_m)),
            dt=float(check("dt", dt, label="dt")),
            v_th=float(check("v_th", v_th)),
            v_reset=float(check("v_reset", v_reset)),
            reset=check_choice("reset", reset, RESETS),
            tau_ref=float(check("tau_ref", tau_ref)),
            tau_s=float(check("tau_s", tau_s)),
            input_gain=check_choice("input_gain", input_gain, INPUT_GAINS),
            reset_delay=bool(reset_delay),
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
        beta = float(check("beta", beta))
        alpha = float(check("beta", alpha, label="alpha", domain=_ALPHA))
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

    def __repr__(self) -> str:
        parts = [f"tau_m={self.tau_m:g}", f"dt={self.dt:g}", f"v_th={self.v_th:g}", f"v_reset={self.v_reset:g}",
                 f"reset={self.reset!r}"]
        for name, default in (("tau_ref", 0.0), ("tau_s", 0.0), ("input_gain", "unit"), ("reset_delay", False)):
            val = getattr(self, name)
            if val != default:
                parts.append(f"{name}={val!r}" if isinstance(val, (str, bool)) else f"{name}={val:g}")
        return f"LIF({', '.join(parts)})  # beta={self.beta:.6g}, alpha={self.alpha:.6g}, ref_steps={self.ref_steps}"


"""The one table of parameter domains, and the checks built from it.

Every public function validates its arguments through :func:`check`, which looks the
parameter up in :data:`DOMAINS` by name. The same table builds the hypothesis strategies
in ``tests/strategies.py``, so the documented domain, the enforced domain and the tested
domain cannot drift apart.

A message names the parameter, the constraint, the unit and the offending value (and its
index when the value is an array), e.g. ``tau_m must be > 0 s; got -0.01 at index (3,)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

__all__ = ["Domain", "DOMAINS", "COST_LIMITS", "broadcast", "check", "check_below", "check_bool", "check_choice", "check_int",
           "check_count", "check_edges", "check_object", "check_scalar", "check_widths", "scalar_or_array"]


@dataclass(frozen=True)
class Domain:
    """An interval ``(low, high)`` with open or closed ends, a unit and a typical range.

    ``typical`` is the range the hypothesis strategies draw from; it is not enforced.
    ``+inf`` is admitted by ``high=math.inf, high_open=False`` (e.g. ``tau_m = inf`` is the
    perfect integrator); with the default ``high_open=True`` it is rejected.
    """

    low: float = -math.inf
    high: float = math.inf
    low_open: bool = True
    high_open: bool = True
    unit: str = ""
    typical: tuple[float, float] | None = None
    integer: bool = False

    def constraint(self) -> str:
        """The domain as words, e.g. ``> 0 s`` or ``in (0, 1]``."""
        unit = f" {self.unit}" if self.unit else ""
        lo, hi = self.low, self.high
        if math.isinf(lo) and math.isinf(hi):
            return f"a finite number{(' in ' + self.unit) if self.unit else ''}"
        if math.isinf(hi):
            return f"{'>' if self.low_open else '>='} {_fmt(lo)}{unit}"
        if math.isinf(lo):
            return f"{'<' if self.high_open else '<='} {_fmt(hi)}{unit}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"in {left}{_fmt(lo)}, {_fmt(hi)}{right}{unit}"

    def contains(self, x: np.ndarray) -> np.ndarray:
        """Elementwise membership. NaN is never a member; an infinite end is excluded
        when open and admitted when closed (``tau_m = inf``, the perfect integrator)."""
        with np.errstate(invalid="ignore"):
            ok = (x > self.low) if self.low_open else (x >= self.low)
            ok &= (x < self.high) if self.high_open else (x <= self.high)
        return ok


def _fmt(v: float) -> str:
    return f"{v:g}"


_POS = dict(low=0.0, low_open=True)
_NONNEG = dict(low=0.0, low_open=False)

#: The parameter table: name -> domain. Relations between parameters (``v_reset < v_th``)
#: are checked by :func:`check_below` at the call site.
DOMAINS: dict[str, Domain] = {
    # --- time constants and times (seconds)
    "tau_m": Domain(**_POS, high=math.inf, high_open=False, unit="s", typical=(1e-3, 0.1)),
    "tau_ref": Domain(**_NONNEG, unit="s", typical=(0.0, 5e-3)),
    "tau_s": Domain(**_NONNEG, unit="s", typical=(0.0, 5e-3)),
    "dt": Domain(**_NONNEG, unit="s", typical=(0.0, 1e-3)),
    "t": Domain(**_NONNEG, high=math.inf, high_open=False, unit="s", typical=(1e-4, 1.0)),
    # --- potentials (volts, or any potential unit used consistently)
    "mu": Domain(unit="V", typical=(-2.0, 3.0)),
    "sigma": Domain(**_NONNEG, unit="V", typical=(0.0, 2.0)),
    "v_th": Domain(unit="V", typical=(0.5, 1.5)),
    "v_reset": Domain(unit="V", typical=(-0.5, 0.5)),
    "v_start": Domain(unit="V", typical=(-1.0, 0.9)),
    "v_lower": Domain(unit="V", typical=(-2.0, 0.0)),
    "v": Domain(low=-math.inf, high=math.inf, unit="V"),
    "e_l": Domain(unit="V", typical=(-0.5, 0.5)),
    # --- Wiener process (per unit time)
    "drift": Domain(unit="V/s", typical=(-50.0, 50.0)),
    "noise": Domain(**_NONNEG, unit="V/sqrt(s)", typical=(0.0, 5.0)),
    "distance": Domain(**_POS, unit="V", typical=(0.1, 2.0)),
    # --- discrete-time map (per step)
    "beta": Domain(low=0.0, high=1.0, low_open=True, high_open=False, typical=(0.5, 1.0)),
    "m": Domain(unit="V/step", typical=(-0.2, 0.5)),
    "s": Domain(**_NONNEG, unit="V/step", typical=(0.0, 0.5)),
    "step_mean": Domain(unit="V/step", typical=(-0.1, 0.1)),
    "step_std": Domain(**_NONNEG, unit="V/step", typical=(0.03, 0.3)),
    "n_steps": Domain(**_NONNEG, unit="steps", typical=(1, 10_000), integer=True),
    "ref_steps": Domain(**_NONNEG, unit="steps", typical=(0, 5), integer=True),
    # --- shot noise
    "rate_e": Domain(**_NONNEG, unit="Hz", typical=(0.0, 5000.0)),
    "rate_i": Domain(**_NONNEG, unit="Hz", typical=(0.0, 5000.0)),
    "a_e": Domain(**_POS, unit="V", typical=(0.01, 0.5)),
    "a_i": Domain(**_NONNEG, unit="V", typical=(0.0, 0.5)),
    # --- layers and weights
    "n_in": Domain(low=1.0, low_open=False, unit="inputs", typical=(10, 1000), integer=True),
    "p_in": Domain(low=0.0, high=1.0, low_open=False, high_open=False, unit="spikes/step", typical=(0.0, 0.3)),
    "input_rate": Domain(**_NONNEG, unit="Hz", typical=(1.0, 300.0)),
    "target_rate": Domain(**_POS, unit="Hz", typical=(1.0, 300.0)),
    "spread": Domain(**_NONNEG, unit="Hz", typical=(0.0, 10.0)),   # draw-to-draw SD of a layer rate
    "w_mean": Domain(unit="V", typical=(-0.1, 0.1)),
    "w_std": Domain(**_NONNEG, unit="V", typical=(0.0, 0.3)),
    # --- diffusion (add entries below this line)
    # --- wiener (add entries below this line)
    "p_out": Domain(low=0.0, high=1.0, unit="spikes/step", typical=(0.001, 0.2)),
    # --- shotnoise (add entries below this line)
    # free_cumulants: E[X^n] = n! of the exponential law is a double up to n = 170
    "order": Domain(low=1.0, high=170.0, low_open=False, high_open=False, typical=(1, 8), integer=True),
    # --- discrete (add entries below this line)
    "w_var": Domain(**_NONNEG, unit="V^2", typical=(0.0, 0.09)),
    # --- inverse (add entries below this line)
    # the layer-map slope w_std='attracting' aims for: |slope| < 1 attracts
    "map_slope": Domain(low=-1.0, high=1.0, unit="", typical=(0.0, 0.8)),
}

#: The part of the domain refused for its cost (issue 14: no call over the documented domain takes
#: more than 2 s of one core): combinations of valid values whose faithful computation would take
#: longer, refused with ConvergenceError naming what to change once a cost estimate (or the
#: work done so far, projected) exceeds the budget, and the functions stated as exceptions to the
#: bound. ``function -> (condition, what the error asks to change)``.
COST_LIMITS: dict[str, tuple[str, str]] = {
    "simulate.simulate_ou": (
        "the busiest neuron fires many times per grid step (tau_m or tau_ref far below dt with mu above "
        "v_th): more than 20,000 within-step passes (~1 s), projected after 10 steps",
        "lower dt below the inter-spike interval, raise tau_ref, or shorten t_max"),
    "discrete (Nyström solver: firing_probability, layer_rate, quenched_*, ...)": (
        "the first two dense solves estimated above 1.5 s of one core (nodes^2 x mixture components "
        "kernel evaluations plus the LU), e.g. beta = 1 with 68 count components on 2,664 nodes",
        "increments='gaussian', fewer active inputs per step, or a larger increment SD"),
    "discrete (chains with P(no input) > 0)": (
        "grid refinement whose rate change no longer shrinks (rounding floor at rates ~1e-7..1e-6): stops "
        "after two halvings instead of six",
        "raise the drive or the noise, or use Gaussian increments"),
    "discrete.quenched_layer, quenched_rate_quantiles": (
        "stated exception: one chain solve per quadrature node (up to ~80), 2-20 s where the mixture "
        "grid must resolve small increments",
        "increments='gaussian', or fewer n_hermite / n_laguerre nodes"),
    "simulate.simulate_shot_noise, simulate_first_passage": (
        "projected above snntheory._sim.shot.SHOT_MAX_SECONDS (10 s, can be raised): one loop pass per input "
        "event, (rate_e + rate_i) * (burn_in + t_max) passes of ~45 us + 0.04 us per neuron (first passage: "
        "the horizon (rate_e + rate_i) * t_max of one censored neuron, ~25 us a pass); refused before the loop",
        "lower rate_e + rate_i, t_max (+ burn_in) or n_neurons, or raise SHOT_MAX_SECONDS"),
    "discrete.grid_chain (and the depth model of snntheory.network)": (
        "beta < 1 where the 400-bin grid's bins would exceed half an increment SD for a drive that can "
        "fire: nearly undamped walks (beta above ~0.999) with no positive drift at the reset, whose "
        "excursions below the reset span hundreds of increment SDs",
        "firing_probability (the Nyström solver), a smaller beta, or a positive drift at the reset (the "
        "network functions name the layer and ask for beta <= 0.999, a clearly positive mean drive per "
        "neuron, weight_dist='rows', or for init_network a higher target rate)"),
}


def check(name: str, value, *, domain: Domain | None = None, label: str | None = None) -> np.ndarray:
    """Convert ``value`` to a float array and check it against the domain of ``name``.

    Parameters
    ----------
    name : str
        Key into :data:`DOMAINS` (or any name when ``domain`` is given).
    value : array_like
        The value to check.
    domain : Domain, optional
        Overrides the table entry (for a parameter whose domain depends on the model).
    label : str, optional
        The name used in the message (defaults to ``name``).

    Returns
    -------
    ndarray
        ``value`` as a float64 array (0-d for a scalar).

    Raises
    ------
    ParameterError
        If any element lies outside the domain, is NaN, or is not a real number.
    """
    dom = DOMAINS[name] if domain is None else domain
    label = label or name
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{label} must be a real number ({dom.constraint()}); got {value!r}") from None
    bad = ~dom.contains(arr)
    if dom.integer:
        with np.errstate(invalid="ignore"):
            bad |= np.isfinite(arr) & (arr != np.round(arr))
    if np.any(bad):
        idx = np.argwhere(bad)[0]
        got = arr[tuple(idx)] if arr.ndim else arr[()]
        where = f" at index {tuple(int(i) for i in idx)}" if arr.ndim else ""
        what = f"an integer {dom.constraint()}" if dom.integer else dom.constraint()
        raise ParameterError(f"{label} must be {what}; got {float(got)!r}{where}")
    return arr


def check_int(name: str, value, *, label: str | None = None) -> int:
    """Check a scalar integer parameter (``n_in``, ``n_steps``) and return it as ``int``.

    ``name`` is the table entry whose domain applies, ``label`` the parameter named in the
    message (defaults to ``name``): ``check_int("n_in", n_out, label="n_out")``.
    """
    label = label or name
    if value is None or isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{label} must be an integer {DOMAINS[name].constraint()}; got {value!r}")
    arr = check(name, value, label=label)
    if arr.ndim:
        raise ParameterError(f"{label} must be a scalar integer; got an array of shape {arr.shape}")
    return int(arr)


def check_scalar(name: str, value, *, domain: Domain | None = None, label: str | None = None) -> float:
    """Check a scalar real parameter against its domain (as :func:`check`) and return it as ``float``.

    ``None``, a string, an array with more than one element and an empty array are refused with a
    message naming ``label`` (defaults to ``name``).
    """
    label = label or name
    dom = DOMAINS[name] if domain is None else domain
    if value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{label} must be a real number ({dom.constraint()}); got {value!r}")
    arr = check(name, value, domain=domain, label=label)
    if arr.ndim:
        raise ParameterError(f"{label} must be a scalar ({dom.constraint()}); got an array of shape {arr.shape}")
    return float(arr)


def check_count(name: str, value, *, minimum: int = 0) -> int:
    """Check a scalar whole-number count (``n_neurons``, ``burn_in`` in steps, ``chunk``) ``>= minimum``."""
    dom = Domain(low=float(minimum), low_open=False, integer=True)
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise ParameterError(f"{name} must be an integer >= {minimum}; got {value!r}")
    arr = check(name, value, domain=dom)
    if arr.ndim:
        raise ParameterError(f"{name} must be a scalar integer; got an array of shape {arr.shape}")
    return int(arr)


def check_edges(name: str, value) -> np.ndarray:
    """Check histogram bin edges: a 1-d array of at least two finite, strictly increasing values."""
    if value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{name} must be an array of bin edges; got {value!r}")
    arr = check("v", value, label=name)
    if arr.ndim != 1 or arr.size < 2 or np.any(np.diff(arr) <= 0):
        raise ParameterError(f"{name} must be a 1-d array of at least two strictly increasing edges; got {value!r}")
    return arr


def check_bool(name: str, value) -> bool:
    """Check a flag: ``True``/``False`` (or numpy's bools) only, not a truthy string or number."""
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def check_widths(widths) -> tuple[int, ...]:
    """Check the layer sizes of a feed-forward network (input first, at least two layers)."""
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__"):
        raise ParameterError(f"widths must be a sequence of layer sizes (input first); got {widths!r}")
    if len(widths) < 2:
        raise ParameterError(f"widths must list at least two layers (input first); got {list(widths)!r}")
    return tuple(check_int("n_in", w, label=f"widths[{i}]") for i, w in enumerate(widths))


def check_below(lower_name: str, lower, upper_name: str, upper, *, unit: str = "V", strict: bool = True) -> None:
    """Check the relation ``lower < upper`` (or ``<=`` when ``strict`` is False), elementwise."""
    try:
        lo, hi = np.broadcast_arrays(np.asarray(lower, float), np.asarray(upper, float))
    except ValueError:
        raise ParameterError(f"{lower_name} (shape {np.shape(lower)}) and {upper_name} (shape {np.shape(upper)}) "
                             "do not broadcast to one shape") from None
    bad = ~(lo < hi) if strict else ~(lo <= hi)
    if np.any(bad):
        idx = tuple(np.argwhere(bad)[0]) if lo.ndim else ()
        where = f" at index {tuple(int(i) for i in idx)}" if lo.ndim else ""
        rel = "below" if strict else "at most"
        raise ParameterError(
            f"{lower_name} ({lo[idx]:g} {unit}) must be {rel} {upper_name} ({hi[idx]:g} {unit}){where}"
        )


def broadcast(**arrays) -> list[np.ndarray]:
    """Broadcast checked arrays (passed by parameter name) to one shape.

    Raises ParameterError naming the parameters whose shapes do not broadcast, and for an empty
    array (a call with nothing to compute is a mistake, not an empty answer).
    """
    items = [(k, np.asarray(v)) for k, v in arrays.items()]
    for name, arr in items:
        if arr.size == 0:
            raise ParameterError(f"{name} is an empty array (shape {arr.shape}); pass at least one value")
    try:
        return list(np.broadcast_arrays(*(a for _, a in items)))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in items if a.ndim)
        raise ParameterError(f"the array arguments do not broadcast to one shape: {shapes}") from None


def check_object(name: str, value, cls, what: str):
    """Check that ``value`` is an instance of ``cls`` (e.g. a neuron), naming it otherwise."""
    if not isinstance(value, cls):
        raise ParameterError(f"{name} must be {what}; got {value!r}")
    return value


def check_choice(name: str, value, choices) -> str:
    """Check that ``value`` is one of ``choices`` (strings)."""
    if not isinstance(value, str) or value not in choices:
        opts = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name} must be one of {opts}; got {value!r}")
    return value


def scalar_or_array(x):
    """Return a numpy scalar for 0-d input and the array otherwise (scipy's ``[()]``)."""
    x = np.asarray(x)
    return x[()] if x.ndim == 0 else x


def check_per_layer(name: str, value, n_layers: int, label: str | None = None) -> np.ndarray:
    """``value`` (a scalar or one per weight matrix) checked against the domain of ``name``, as
    ``n_layers`` floats; ``label`` is the parameter named in messages (defaults to ``name``)."""
    label = label or name
    if value is None or isinstance(value, (str, bytes)):
        raise ParameterError(f"{label} must be a scalar or one value per weight matrix ({n_layers}); got {value!r}")
    arr = check(name, value, label=label)
    if arr.ndim > 1 or (arr.ndim == 1 and arr.size != n_layers):
        raise ParameterError(f"{label} must be a scalar or one value per weight matrix ({n_layers}); got shape "
                             f"{arr.shape}")
    return np.broadcast_to(arr, (n_layers,)).astype(float)

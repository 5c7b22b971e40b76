r"""PyTorch initialisers and a small surrogate-gradient LIF layer (``snntheory.torch``).

Importing this module imports :mod:`torch` (the optional extra ``torch``); ``import
snntheory`` alone never does.

- :func:`init_snn_` plans a whole PyTorch SNN with :func:`snntheory.inverse.init_network` and
  fills its weights in place, like the ``torch.nn.init`` functions; it reads the neuron from
  :class:`LIFNeurons` modules, from snnTorch ``Leaky`` modules, or from a user-given
  :class:`snntheory.LIF`.
- :func:`lif_normal_` is the one-tensor form (:func:`snntheory.inverse.weights_for_rate`).
- :class:`LIFNeurons` runs the canonical discrete step map (:mod:`snntheory.neuron`) over time-major input
  with a surrogate gradient (:func:`spike_fn`); :class:`SpikingMLP` stacks ``nn.Linear`` and
  :class:`LIFNeurons` layers.

**Step map** (per neuron and step t, the order of :func:`snntheory.simulate.run_step_map`):

.. math::

    J \leftarrow \alpha J + I[t],\quad V \leftarrow \beta V + g J,\quad
    S[t] = [V \ge v_\mathrm{th}],\quad \text{reset where } S[t],

``reset="zero"`` sets :math:`V = v_\mathrm{reset}`, ``reset="subtract"`` subtracts
:math:`v_\mathrm{th} - v_\mathrm{reset}`; ``reset_delay=True`` applies the reset at step t+1
after the leak and the new input (snnTorch ``Leaky``), ``tau_ref > 0`` clamps V at
``v_reset`` for ``ref_steps`` steps after a spike. Every option of :class:`snntheory.LIF` is
honoured; on the same weights and inputs the layer reproduces
:func:`snntheory.simulate.network` spike for spike in float64 (tested).

**Backward pass.** The spike is the Heaviside step with a surrogate derivative
(:func:`snntheory.surrogate.derivative`, the same formula and default widths). The
reset is *detached*: the spike that triggers a reset enters it as a constant, so no gradient
flows through the reset decision (snnTorch's convention, Zenke & Vogels 2021); with
``reset="zero"`` the gradient to the pre-reset potential of a neuron that spiked is 0.

**snnTorch ``Leaky``** (``U <- beta U + I - S[t-1] threshold`` by default) maps to
``LIF.from_beta(beta, v_th=threshold, reset="subtract", reset_delay=True)``. Its zero reset
(``reset_mechanism="zero"``) multiplies the *previous* membrane by ``1 - S[t-1]`` before the
leak, so the membrane after a spike is ``beta*0 + I[t+1]``: exactly the canonical immediate
reset to ``v_reset = 0``, hence ``LIF(reset="zero", reset_delay=False)`` (not snntheory's
``reset_delay=True`` zero reset, which also discards the input of step t+1). Both mappings
are tested spike for spike. snnTorch fires on ``U > threshold``, the step map on ``>=``; they
differ only when U equals the threshold exactly. ``reset_mechanism="none"`` is not a LIF and
raises ParameterError.

References
----------
Neftci, Mostafa & Zenke (2019), IEEE Signal Process. Mag. 36:51 (surrogate gradients);
Zenke & Ganguli (2018), Neural Comput. 30:1514, Eq. 8 (SuperSpike, the fast sigmoid);
Zenke & Vogels (2021), Neural Comput. 33:899 (detached reset, surrogate shapes);
Eshraghian et al. (2023), Proc. IEEE 111:1016 (snnTorch ``Leaky``);
Rossbroich, Gygax & Zenke (2022), Neuromorph. Comput. Eng. 2:044016 (fluctuation-driven baseline).
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from . import surrogate as _surrogate
from ._validate import Domain, check_bool, check_choice, check_int, check_scalar, check_widths
from .errors import ParameterError
from .inverse import BASELINES, METHODS, init_network, weights_for_rate
from .network import NetworkInit, sample_membrane
from .neuron import LIF

__all__ = ["spike_fn", "LIFNeurons", "SpikingMLP", "init_snn_", "lif_normal_", "lif_from_module",
           "surrogate_from_module"]
__all__ += ["init_membrane"]

_WEIGHT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


# =============================================================================================
# surrogate spike function
# =============================================================================================


def _surrogate_torch(x, kind, w):
    """The surrogate derivative of :func:`snntheory.surrogate.derivative` in torch."""
    if kind == "fast_sigmoid":
        return 1.0 / (1.0 + x.abs() / w) ** 2
    if kind == "atan":
        return 1.0 / (math.pi * w * (1.0 + (x / w) ** 2))
    if kind == "sigmoid":
        e = torch.exp(-x.abs() / w)
        return e / (w * (1.0 + e) ** 2)
    if kind == "gaussian":
        return torch.exp(-0.5 * (x / w) ** 2)
    return torch.clamp(1.0 - x.abs() / w, min=0.0)


class _Spike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, kind, width):
        ctx.save_for_backward(x)
        ctx.kind, ctx.width = kind, width
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _surrogate_torch(x, ctx.kind, ctx.width), None, None


def spike_fn(x, surrogate="fast_sigmoid", width=None):
    r"""Heaviside spike :math:`S = [x \ge 0]` with a surrogate derivative in the backward pass.

    Parameters
    ----------
    x : torch.Tensor
        Distance to threshold, ``V - v_th`` (V).
    surrogate : {"fast_sigmoid", "atan", "sigmoid", "gaussian", "triangle"}
        Shape of the surrogate derivative (:mod:`snntheory.surrogate`).
    width : float or None
        Its width in V (> 0); ``None`` takes the family's default
        (:data:`snntheory.surrogate.DEFAULT_WIDTH`).

    Returns
    -------
    torch.Tensor
        0/1 spikes in the dtype of ``x``. The gradient is ``grad * sigma'(x)`` with
        :math:`\sigma'` exactly :func:`snntheory.surrogate.derivative`.

    Raises
    ------
    ParameterError
        Unknown ``surrogate`` or a width that is not > 0.

    Examples
    --------
    The surrogate derivative at ``x = w`` is 1/4 for the fast sigmoid:

    >>> import torch
    >>> from snntheory.torch import spike_fn
    >>> x = torch.tensor([-0.04, 0.0, 0.04], dtype=torch.float64, requires_grad=True)
    >>> s = spike_fn(x)
    >>> s.tolist()
    [0.0, 1.0, 1.0]
    >>> s.sum().backward()
    >>> x.grad.tolist()
    [0.25, 1.0, 0.25]
    """
    w = _surrogate._width_of(surrogate, width)
    if not isinstance(x, torch.Tensor):
        raise ParameterError(f"x must be a torch.Tensor; got {type(x).__name__}")
    return _Spike.apply(x, surrogate, w)


# =============================================================================================
# the LIF layer
# =============================================================================================


class LIFNeurons(nn.Module):
    r"""A layer of LIF neurons running the canonical step map with a surrogate gradient.

    Parameters
    ----------
    neuron : snntheory.LIF
        The neuron (every option honoured: leak ``beta``, ``v_th``, ``v_reset``, both resets,
        ``reset_delay``, ``tau_ref``, ``tau_s`` and ``input_gain``).
    surrogate : {"fast_sigmoid", "gaussian", "triangle"}, keyword-only
        Surrogate derivative (see :func:`spike_fn`).
    surrogate_width : float or None, keyword-only
        Its width in V; ``None`` for the default.
    learn_beta : bool, keyword-only
        Make ``beta`` a trainable parameter (clamped to [0, 1] in the forward pass).
    record_membrane : bool, keyword-only
        Keep the post-reset membrane potential of the last forward pass in
        :attr:`last_membrane` (shape of the input).

    Attributes
    ----------
    last_spikes : torch.Tensor or None
        Spikes of the last forward pass, ``[T, batch, *features]``.
    last_membrane : torch.Tensor or None
        Post-reset membrane of the last forward pass when ``record_membrane``.

    Notes
    -----
    ``forward(x)`` takes time-major input currents ``x[t] = I[t]`` of shape
    ``[T, batch, *features]`` and returns 0/1 spikes of the same shape and dtype. Each call
    starts from ``V = v_reset`` and ``J = 0`` (no state carried between calls), or from
    ``forward(x, mem)`` / the attribute ``mem0`` (a tensor broadcastable to ``[batch,
    *features]``, e.g. from :func:`init_membrane`: the stationary state instead of rest). The step map
    and the detached reset are described in the module docstring; with ``float64`` input the
    layer reproduces :func:`snntheory.simulate.run_step_map` exactly (tested spike for spike
    and on the final membrane potential for all options).

    Examples
    --------
    A perfect integrator with unit input and subtractive reset at ``v_th = 2.5`` spikes at
    steps 3 and 5 (V = 1, 2, 3 -> 0.5, 1.5, 2.5 -> 0):

    >>> import torch
    >>> from snntheory import LIF
    >>> from snntheory.torch import LIFNeurons
    >>> layer = LIFNeurons(LIF.from_beta(1.0, v_th=2.5, reset="subtract"))
    >>> layer(torch.ones(5, 1, 1)).flatten().tolist()
    [0.0, 0.0, 1.0, 0.0, 1.0]
    """

    def __init__(self, neuron, *, surrogate="fast_sigmoid", surrogate_width=None, learn_beta=False,
                 record_membrane=False):
        super().__init__()
        if not isinstance(neuron, LIF):
            raise ParameterError(f"neuron must be a snntheory.LIF; got {type(neuron).__name__}")
        self.neuron = neuron
        self.surrogate = surrogate
        self.surrogate_width = _surrogate._width_of(surrogate, surrogate_width)
        self.learn_beta = check_bool("learn_beta", learn_beta)
        if self.learn_beta:
            self.beta = nn.Parameter(torch.tensor(neuron.beta, dtype=torch.get_default_dtype()))
        else:
            self.beta = neuron.beta
        self.record_membrane = check_bool("record_membrane", record_membrane)
        self.last_spikes = None
        self.last_membrane = None
        self.mem0 = None

    @property
    def lif(self) -> LIF:
        """The :class:`snntheory.LIF` the layer currently runs (with a learnt ``beta`` if any)."""
        if not self.learn_beta:
            return self.neuron
        beta = float(self.beta.detach().clamp(0.0, 1.0))
        n = self.neuron
        if beta == n.beta:
            return n
        return LIF.from_beta(beta, dt=n.dt, v_th=n.v_th, v_reset=n.v_reset, reset=n.reset, tau_ref=n.tau_ref,
                             alpha=n.alpha, input_gain=n.input_gain, reset_delay=n.reset_delay)

    def extra_repr(self) -> str:
        return f"{self.neuron!r}, surrogate={self.surrogate!r}, surrogate_width={self.surrogate_width:g}"

    def forward(self, x, mem=None):
        if not isinstance(x, torch.Tensor) or x.dim() < 2:
            shape = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ParameterError(f"x must be a time-major tensor [T, batch, *features]; got {shape}")
        n = self.neuron
        beta = self.beta.clamp(0.0, 1.0) if self.learn_beta else self.beta
        alpha, v_th, v_reset, theta = n.alpha, n.v_th, n.v_reset, n.theta
        # gain 1 - beta follows a learnt beta; a unit gain stays exactly 1
        gain = (1.0 - beta) if n.input_gain == "1-beta" else 1.0
        zero, delayed, ref_steps = n.reset == "zero", n.reset_delay, n.ref_steps
        mem = self.mem0 if mem is None else mem
        v = torch.full_like(x[0], v_reset) if mem is None else mem.to(x).expand_as(x[0]).clone()
        j = torch.zeros_like(x[0]) if alpha else None
        ref = torch.zeros(x.shape[1:], dtype=torch.int64, device=x.device) if ref_steps else None
        pending = torch.zeros(x.shape[1:], dtype=torch.bool, device=x.device) if delayed else None
        spikes, membrane = [], []
        for t in range(x.shape[0]):
            drive = x[t]
            if alpha:
                j = alpha * j + drive
                drive = j
            v = beta * v + gain * drive
            if delayed:
                if zero:
                    v = torch.where(pending, torch.full_like(v, v_reset), v)
                else:
                    v = v - theta * pending.to(v.dtype)
            if ref_steps:
                frozen = ref > 0
                v = torch.where(frozen, torch.full_like(v, v_reset), v)
                ref = ref - frozen.to(torch.int64)
            s = _Spike.apply(v - v_th, self.surrogate, self.surrogate_width)
            fired = s.detach() > 0
            if ref_steps:
                ref = torch.where(fired, torch.full_like(ref, ref_steps), ref)
            if delayed:
                pending = fired
            elif zero:
                v = torch.where(fired, torch.full_like(v, v_reset), v)
            else:
                v = v - theta * fired.to(v.dtype)
            spikes.append(s)
            if self.record_membrane:
                membrane.append(v)
        out = torch.stack(spikes)
        self.last_spikes = out
        self.last_membrane = torch.stack(membrane) if self.record_membrane else None
        return out


class SpikingMLP(nn.Sequential):
    r"""A feed-forward SNN: ``nn.Linear`` followed by :class:`LIFNeurons`, layer after layer.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input first (``L + 1`` entries, ``L >= 1`` weight layers).
    neuron : snntheory.LIF
        The neuron of every layer.
    surrogate, surrogate_width : keyword-only
        Surrogate derivative of every layer (see :func:`spike_fn`).
    bias : bool, keyword-only
        Give the linear layers a bias (default False: the theory has none).

    Notes
    -----
    ``forward(x)`` maps input spikes (or currents) ``[T, batch, n_in]`` to the spikes of the
    last layer ``[T, batch, n_out]``: the readout is the last layer's spikes (a user who wants
    a membrane readout reads ``model[-1].last_membrane`` with ``record_membrane=True`` or adds
    a linear readout). Every layer sees its input layer's spikes of the same step, the
    convention of :func:`snntheory.simulate.network`.

    Examples
    --------
    >>> import torch
    >>> from snntheory import LIF
    >>> from snntheory.torch import SpikingMLP
    >>> net = SpikingMLP([20, 30, 10], LIF.from_beta(0.9))
    >>> net(torch.zeros(7, 4, 20)).shape
    torch.Size([7, 4, 10])
    >>> len(net), net.layer_rates(torch.zeros(7, 4, 20))
    (4, [0.0, 0.0])
    """

    def __init__(self, widths, neuron, *, surrogate="fast_sigmoid", surrogate_width=None, bias=False):
        widths = check_widths(widths)
        bias = check_bool("bias", bias)
        layers = []
        for n_in, n_out in zip(widths[:-1], widths[1:]):
            layers.append(nn.Linear(n_in, n_out, bias=bias))
            layers.append(LIFNeurons(neuron, surrogate=surrogate, surrogate_width=surrogate_width))
        super().__init__(*layers)
        self.widths = tuple(widths)

    def __getitem__(self, idx):
        if isinstance(idx, slice):   # a slice is a plain nn.Sequential of the same modules
            return nn.Sequential(*list(self._modules.values())[idx])
        return super().__getitem__(idx)

    def layer_rates(self, x, *, burn_in=0) -> list:
        """Mean spike probability per step of every LIF layer for input ``x`` ``[T, batch, n_in]``
        (averaged over neurons, batch and the steps after ``burn_in``), as a list of floats."""
        burn_in = check_int("n_steps", burn_in, label="burn_in")
        if isinstance(x, torch.Tensor) and x.dim() >= 1 and burn_in >= x.shape[0]:
            raise ParameterError(f"burn_in must be below the number of steps {x.shape[0]}; got {burn_in}")
        rates = []
        with torch.no_grad():
            for m in self:
                x = m(x)
                if isinstance(m, LIFNeurons):
                    rates.append(float(x[burn_in:].mean()))
        return rates


# =============================================================================================
# reading neurons from modules
# =============================================================================================


def _snntorch():
    return sys.modules.get("snntorch")


def _scalar(name, value):
    """A module attribute (float or tensor) as one float."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            vals = value.detach().flatten()
            if not bool(torch.all(vals == vals[0])):
                raise ParameterError(f"{name} must be one value for the whole layer to be planned; got a tensor "
                                     f"of shape {tuple(value.shape)} with different entries")
            value = vals[0]
        return float(value.detach())
    return float(value)


_DT = Domain(low=0.0, low_open=True, unit="s")   # a time step of a module: > 0 and finite


def lif_from_module(module, *, dt=None) -> LIF | None:
    r"""The :class:`snntheory.LIF` a neuron module runs, or None if ``module`` is not one.

    Parameters
    ----------
    module : torch.nn.Module
        A :class:`LIFNeurons` (its current ``lif``) or an snnTorch ``Leaky``.
    dt : float or None, keyword-only
        Time step (s) given to an snnTorch module (which has none); default 1e-3 s.

    Returns
    -------
    snntheory.LIF or None

    Raises
    ------
    ParameterError
        An snnTorch neuron other than ``Leaky``, or a ``Leaky`` whose behaviour is not a LIF
        option (``reset_mechanism="none"``, ``inhibition``, graded spikes, per-neuron beta or
        threshold).

    Notes
    -----
    snnTorch ``Leaky(beta, threshold, reset_mechanism, reset_delay)`` maps to (module docstring):

    ====================  ===========  ==========================================================
    reset_mechanism       reset_delay  LIF
    ====================  ===========  ==========================================================
    "subtract" (default)  True (def.)  ``from_beta(beta, v_th=threshold, reset="subtract", reset_delay=True)``
    "subtract"            False        not supported (ParameterError; see below)
    "zero"                either       ``from_beta(beta, v_th=threshold, reset="zero")``
    ====================  ===========  ==========================================================

    ``beta`` is clamped to [0, 1] as snnTorch does.

    Examples
    --------
    >>> from snntheory import LIF
    >>> from snntheory.torch import LIFNeurons, lif_from_module
    >>> lif_from_module(LIFNeurons(LIF.from_beta(0.8))).beta
    0.8
    >>> lif_from_module(torch.nn.ReLU()) is None
    True
    """
    if dt is not None:
        dt = check_scalar("dt", dt, domain=_DT)
    if isinstance(module, LIFNeurons):
        return module.lif
    snn = _snntorch()
    if snn is None or not isinstance(module, snn.SpikingNeuron):
        return None
    name = type(module).__name__
    if not isinstance(module, snn.Leaky) or type(module).__name__ != "Leaky":
        raise ParameterError(f"snnTorch neuron {name} is not supported (only Leaky maps onto a snntheory.LIF)")
    dt = 1e-3 if dt is None else check_scalar("dt", dt)
    if getattr(module, "inhibition", False):
        raise ParameterError("snnTorch Leaky with inhibition=True is not a LIF (winner-take-all firing)")
    if _scalar("graded_spikes_factor", getattr(module, "graded_spikes_factor", 1.0)) != 1.0:
        raise ParameterError("snnTorch Leaky with graded_spikes_factor != 1 is not supported")
    beta = min(max(_scalar("beta", module.beta), 0.0), 1.0)
    if beta == 0.0:
        raise ParameterError("beta must be in (0, 1] for a LIF; got snnTorch Leaky beta <= 0 (no memory)")
    v_th = _scalar("threshold", module.threshold)
    mech = module.reset_mechanism
    if mech == "none":
        raise ParameterError("reset_mechanism 'none' of snnTorch Leaky is not a LIF (no reset); use 'subtract' "
                             "or 'zero'")
    delay = bool(getattr(module, "reset_delay", True))
    if mech == "subtract" and not delay:
        raise ParameterError(
            "snnTorch Leaky(reset_mechanism='subtract', reset_delay=False) is not supported: it subtracts the "
            "threshold at once and again tests the next step's membrane against twice the threshold while the "
            "stored membrane is still above it, a step map that is not a LIF option (planning it as the plain "
            "subtractive reset loses about 2 % of the rate per layer); use reset_delay=True (snnTorch's default) "
            "or reset_mechanism='zero'")
    return LIF.from_beta(beta, dt=dt, v_th=v_th, v_reset=0.0, reset=mech, reset_delay=delay and mech == "subtract")


def surrogate_from_module(module):
    """``(kind, width)`` of the surrogate derivative a neuron module uses (see
    :mod:`snntheory.surrogate`), or None where it is not one of snntheory's families.

    Reads :class:`LIFNeurons` directly and snnTorch's ``fast_sigmoid(slope)``, ``atan(alpha)``
    (its default) and ``sigmoid(slope)`` from the function the module holds.

    Examples
    --------
    >>> from snntheory import LIF
    >>> surrogate_from_module(LIFNeurons(LIF.from_beta(0.9), surrogate="atan"))
    ('atan', 0.3183098861837907)
    """
    if isinstance(module, LIFNeurons):
        return module.surrogate, module.surrogate_width
    fn = getattr(module, "spike_grad", None)
    name = getattr(fn, "__qualname__", "").split(".")[0]
    cells = [c.cell_contents for c in (getattr(fn, "__closure__", None) or ())]
    numbers = [float(c) for c in cells if isinstance(c, (int, float)) and not isinstance(c, bool)]
    if name in ("fast_sigmoid", "atan", "sigmoid") and len(numbers) == 1:
        return _surrogate.from_snntorch(name, numbers[0])
    return None


def _fan_in(module) -> int:
    if isinstance(module, nn.Linear):
        return int(module.in_features)
    return int(module.in_channels // module.groups * math.prod(module.kernel_size))


def _n_out(module) -> int:
    return int(module.out_features if isinstance(module, nn.Linear) else module.out_channels)


def _seed(generator):
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ParameterError(f"generator must be a torch.Generator or None; got {type(generator).__name__}")
    return int(torch.randint(0, 2**62, (1,), generator=generator))


def _pairs(model, neuron, dt):
    """[(weight module, LIF)] of the layers to plan, in registration order."""
    items = []
    for m in model.modules():
        if isinstance(m, _WEIGHT_LAYERS):
            items.append(("w", m))
        else:
            try:
                lif = lif_from_module(m, dt=dt)
            except ParameterError:
                if neuron is None:
                    raise
                lif = neuron   # an snnTorch neuron we cannot read marks a layer; the user's neuron runs it
            if lif is not None:
                items.append(("n", lif))
    weights = [m for k, m in items if k == "w"]
    if not weights:
        raise ParameterError("model has no nn.Linear, nn.Conv1d or nn.Conv2d layer to initialise")
    if not any(k == "n" for k, _ in items):
        if neuron is None:
            raise ParameterError("model has no LIF module (LIFNeurons or snnTorch Leaky): pass neuron=LIF(...)")
        return [(m, neuron) for m in weights]
    pairs, pending = [], None
    for k, m in items:
        if k == "w":
            if pending is not None:
                raise ParameterError(f"model has two weight layers without a LIF module between them "
                                     f"({type(pending).__name__} then {type(m).__name__})")
            pending = m
        elif pending is not None:
            pairs.append((pending, neuron if neuron is not None else m))
            pending = None
    return pairs


# =============================================================================================
# initialisers
# =============================================================================================


def init_snn_(model, *, input_rate, target_rate=None, method="discrete", neuron=None, generator=None, dt=None,
              plan=None, **plan_kw) -> NetworkInit:
    r"""Initialise the weights of a feed-forward PyTorch SNN in place from the theory's plan.

    Parameters
    ----------
    model : torch.nn.Module
        ``nn.Linear`` / ``nn.Conv1d`` / ``nn.Conv2d`` layers each followed by a LIF module
        (:class:`LIFNeurons` or snnTorch ``Leaky``), in registration order (the order of an
        ``nn.Sequential``). Weight layers after the last LIF module (a non-spiking readout)
        are left as they are. A model without LIF modules needs ``neuron``; all its weight
        layers are then planned.
    input_rate : float, keyword-only
        Rate of every input of the first layer (Hz, Bernoulli with ``p = input_rate * dt`` per
        step).
    target_rate : None, float or sequence, keyword-only
        Rate of every planned layer (Hz); ``None`` holds the input rate.
    method : str, keyword-only
        Anything :func:`snntheory.inverse.init_network` accepts: ``"discrete"`` (default, the
        depth model's rate plan: of snntheory's plans the one that trained best on digits,
        ``experiments/results/compare/compare.md``), ``"diffusion"``, ``"shotnoise"``,
        ``"wiener"``, or the baselines ``"kaiming"``, ``"glorot"``, ``"pytorch"``,
        ``"fluctuation"``, ``"micheli"``.
    neuron : snntheory.LIF or None, keyword-only
        Overrides the neurons read from the modules.
    generator : torch.Generator or None, keyword-only
        Source of the seed of the weight draw (torch's global RNG when None, so
        ``torch.manual_seed`` makes the result reproducible).
    dt : float or None, keyword-only
        Time step (s) of snnTorch modules (default 1e-3 s); ignored for :class:`LIFNeurons`,
        which carry their own.
    plan : snntheory.network.NetworkInit or None, keyword-only
        A plan returned by an earlier call for the same architecture: skip the planning (the
        expensive part) and only draw new weights from it (e.g. for several seeds).
        ``input_rate``, ``target_rate``, ``method`` and ``plan_kw`` are then not used.
    **plan_kw
        Passed to :func:`snntheory.inverse.init_network` (``w_std``, ``kappa``, ``xi``,
        ``surrogate``, ``map_gain``, ...).

    Returns
    -------
    snntheory.network.NetworkInit
        The plan (``print(plan)`` shows the table). ``plan.widths`` lists each planned layer's
        fan-in, then the last layer's outputs.

    Raises
    ------
    ParameterError
        Invalid parameters (named), no weight layer, two weight layers without a LIF between,
        different neurons in different layers, a neuron the method does not cover.
    NoSolutionError
        A target the planner cannot reach (message and ``.reachable`` give the range).

    Warns
    -----
    snntheory.errors.TrainabilityWarning
        With ``w_std="critical"``: the model's surrogate (read from its modules) cannot carry the
        predicted through-time gradient across this depth at any weight the plan allows (it
        vanishes by more than :data:`snntheory.inverse.UNTRAINABLE_DECADES` decades; a smaller
        imbalance is only in the returned plan's ``notes``); the
        message names the snnTorch surrogate parameter (ATan ``alpha``, fast-sigmoid / sigmoid
        ``slope``) or the depth that would (:func:`snntheory.inverse.init_network`, Notes), and
        points at the call of ``init_snn_``.

    Notes
    -----
    Layer i's fan-in is ``in_features`` or ``in_channels / groups * prod(kernel_size)``; its
    weight matrix is drawn by :meth:`snntheory.network.LayerInit.sample` in the layout
    ``(n_out, fan_in)`` and reshaped to the weight's shape (convolutions: ``(out_channels,
    in_channels/groups, *kernel_size)``), then copied in the weight's dtype under
    ``torch.no_grad()``. Biases are set to 0 (the theory has none). One numpy generator
    seeded from ``generator`` draws the layers in order. One neuron for all layers: layers
    whose modules run different neurons raise ParameterError.

    **Accuracy**: in freshly initialised networks (:class:`SpikingMLP` and snnTorch ``Leaky``,
    3 and 8 layers) every layer's measured rate is within 4 % of the target on average over
    weight seeds (``tests/test_torch.py``).

    A convolution is planned as if every output unit saw the full fan-in of independent
    inputs; units at a zero-padded border see fewer, and neighbouring units share inputs
    (correlations the planner does not model).

    Examples
    --------
    >>> import torch
    >>> from snntheory import LIF
    >>> from snntheory.torch import SpikingMLP, init_snn_
    >>> net = SpikingMLP([400, 300], LIF.from_beta(0.9))
    >>> _ = torch.manual_seed(0)
    >>> plan = init_snn_(net, input_rate=50.0, map_gain=False)
    >>> x = (torch.rand(1200, 8, 400) < 0.05).float()    # 50 Hz Bernoulli input, dt = 1 ms
    >>> bool(abs(net.layer_rates(x, burn_in=200)[0] / 0.05 - 1) < 0.05)   # measured within 5 % of the plan's target
    True
    >>> w = net[0].weight.detach().double()
    >>> bool(abs(float(w.std()) / plan.layers[0].w_std - 1) < 0.01)  # 120000 draws: SD known to 0.2 %
    True
    """
    rate = check_scalar("input_rate", input_rate)
    check_choice("method", method, METHODS + BASELINES)
    if dt is not None:
        dt = check_scalar("dt", dt, domain=_DT)
    if neuron is not None and not isinstance(neuron, LIF):
        raise ParameterError(f"neuron must be a snntheory.LIF or None; got {type(neuron).__name__}")
    if not isinstance(model, nn.Module):
        raise ParameterError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    seed = _seed(generator)
    pairs = _pairs(model, neuron, dt)
    lifs = [lif for _, lif in pairs]
    for i, lif in enumerate(lifs[1:], start=2):
        if lif != lifs[0]:
            raise ParameterError(f"neuron must be the same in every layer to be planned; layer 1 runs {lifs[0]!r} "
                                 f"and layer {i} runs {lif!r} (pass neuron=... to override)")
    widths = [_fan_in(m) for m, _ in pairs] + [_n_out(pairs[-1][0])]
    if plan is None:
        spiking = [m for m in model.modules() if isinstance(m, LIFNeurons) or hasattr(m, "spike_grad")]
        found = surrogate_from_module(spiking[0]) if spiking else None
        if found is not None and "surrogate" not in plan_kw:   # the gradient gain of the model's own surrogate
            plan_kw = {**plan_kw, "surrogate": found[0], "surrogate_width": found[1]}
        plan = init_network(widths, neuron=lifs[0], input_rate=rate, target_rate=target_rate, method=method,
                            **plan_kw)
    elif not isinstance(plan, NetworkInit):
        raise ParameterError(f"plan must be a snntheory.network.NetworkInit or None; got {type(plan).__name__}")
    elif tuple(plan.widths) != tuple(widths) or plan.neuron != lifs[0]:
        raise ParameterError(f"plan does not fit the model: it was made for widths {list(plan.widths)} and "
                             f"{plan.neuron!r}; the model has widths {widths} and {lifs[0]!r}")
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for (m, _), layer in zip(pairs, plan.layers):
            n_out = _n_out(m)
            w = replace(layer, n_out=n_out).sample(rng)
            m.weight.copy_(torch.from_numpy(w).reshape(m.weight.shape).to(m.weight.dtype))
            if m.bias is not None:
                m.bias.zero_()
    return plan


def lif_normal_(tensor, *, input_rate, neuron, n_in=None, target_rate=None, method="discrete", w_std=None,
                generator=None):
    r"""Fill ``tensor`` in place with Gaussian weights that make a layer fire at ``target_rate``.

    In the style of ``torch.nn.init.normal_``: the mean and SD come from
    :func:`snntheory.inverse.weights_for_rate` for this fan-in, input rate and neuron.

    Parameters
    ----------
    tensor : torch.Tensor
        Weight of an ``nn.Linear`` ``(n_out, n_in)`` or a convolution ``(out, in/groups, *k)``.
    input_rate : float, keyword-only
        Rate of every input (Hz).
    neuron : snntheory.LIF, keyword-only
        The neuron the layer drives.
    n_in : int or None, keyword-only
        Fan-in; by default the tensor's (``size(1) * prod(size()[2:])``).
    target_rate : float or None, keyword-only
        Desired rate (Hz); ``None`` holds the input rate.
    method : {"discrete", "diffusion", "shotnoise", "wiener"}, keyword-only
        Forward model of :func:`~snntheory.inverse.weights_for_rate`.
    w_std : float, "backward" or None, keyword-only
        As in :func:`~snntheory.inverse.weights_for_rate`.
    generator : torch.Generator or None, keyword-only
        Random source (torch's global RNG when None).

    Returns
    -------
    torch.Tensor
        ``tensor``, filled with ``N(mean, std^2)`` draws.

    Notes
    -----
    The single-layer solve treats the weights as annealed (a layer of one input realisation);
    for deep networks :func:`init_snn_` accounts for quenched weights across layers.

    Examples
    --------
    >>> import torch
    >>> from snntheory import LIF
    >>> from snntheory.torch import lif_normal_
    >>> w = torch.empty(400, 200)
    >>> _ = lif_normal_(w, input_rate=50.0, neuron=LIF.from_beta(0.95), target_rate=20.0, w_std=0.07)
    >>> bool(abs(float(w.std()) / 0.07 - 1) < 0.01)
    True
    """
    if not isinstance(tensor, torch.Tensor):
        raise ParameterError(f"tensor must be a torch.Tensor; got {type(tensor).__name__}")
    if n_in is None:
        if tensor.dim() < 2:
            raise ParameterError(f"n_in must be given for a tensor with fewer than 2 dimensions; got shape "
                                 f"{tuple(tensor.shape)}")
        n_in = tensor.shape[1] * math.prod(tensor.shape[2:])
    n_in = check_int("n_in", n_in)
    rate = check_scalar("input_rate", input_rate)
    stats = weights_for_rate(rate if target_rate is None else target_rate, n_in=n_in, input_rate=rate,
                             neuron=neuron, method=method, w_std=w_std)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise ParameterError(f"generator must be a torch.Generator or None; got {type(generator).__name__}")
    with torch.no_grad():
        return tensor.normal_(stats.mean, stats.std, generator=generator)


def _check_dtype_device(dtype, device):
    """A floating torch dtype (default ``torch.get_default_dtype()``) and a torch device or None."""
    if dtype is None:
        dtype = torch.get_default_dtype()
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ParameterError(f"dtype must be a floating torch.dtype or None; got {dtype!r}")
    if device is not None:
        try:
            device = torch.device(device)
        except (TypeError, RuntimeError, ValueError):
            raise ParameterError(f"device must be a torch.device, a device string or None; got {device!r}") from None
    return dtype, device


def init_membrane(model, *, batch, input_rate=None, neuron=None, dt=None, generator=None, dtype=None, device=None,
                  assign=False) -> list:
    r"""Initial membrane potentials from the stationary law, as tensors for each LIF layer.

    A trial that starts at ``V = 0`` (snnTorch's ``init_leaky``, :class:`LIFNeurons`) spends
    its first steps in a transient (:func:`snntheory.network.predict_transient`); starting
    from these draws, the network fires at its stationary rates from step 1. ``model`` is a
    :class:`snntheory.network.NetworkInit` (draws from each layer's law mixed over neurons) or
    the PyTorch model (its ``nn.Linear`` weights and LIF modules as for :func:`init_snn_`;
    every neuron is drawn from its own stationary law at its actual weights,
    :func:`snntheory.network.sample_membrane`).

    Parameters
    ----------
    model : NetworkInit or torch.nn.Module
    batch : int, keyword-only
        Trials (first dimension of every tensor).
    input_rate : float, keyword-only
        Rate of the Bernoulli input (Hz); required with a module.
    neuron, dt : keyword-only
        As for :func:`init_snn_` (read from the module's LIF layers by default).
    generator : torch.Generator or None, keyword-only
        Seeds the draw.
    dtype, device : keyword-only
        Of the returned tensors (default dtype: ``torch.get_default_dtype()``).
    assign : bool, keyword-only
        Also set ``mem0`` of the model's :class:`LIFNeurons` layers, in order, so that every
        forward pass starts from these potentials.

    Returns
    -------
    list of torch.Tensor
        Per LIF layer, potentials of shape ``(batch, n_out)`` (pass one as snnTorch ``Leaky``'s
        ``mem`` or :class:`LIFNeurons`'s ``mem``).
    """
    seed = _seed(generator)
    dtype, device = _check_dtype_device(dtype, device)
    assign = check_bool("assign", assign)
    if isinstance(model, NetworkInit):
        vs = sample_membrane(model, batch=batch, seed=seed)
    else:
        if not isinstance(model, nn.Module):
            raise ParameterError(f"model must be a NetworkInit or a torch.nn.Module; got {type(model).__name__}")
        if input_rate is None:
            raise ParameterError("input_rate (Hz) is required to initialise the membranes of a module")
        pairs = _pairs(model, neuron, dt)
        if any(not isinstance(m, nn.Linear) for m, _ in pairs):
            raise ParameterError("init_membrane supports nn.Linear layers only")
        lif = pairs[0][1]
        ws = [m.weight.detach().cpu().double().numpy() for m, _ in pairs]
        widths = [ws[0].shape[1]] + [w.shape[0] for w in ws]
        vs = sample_membrane(widths, [float(w.mean()) for w in ws], [float(w.std()) for w in ws], neuron=lif,
                             input_rate=input_rate, batch=batch, seed=seed, weights=ws)
    out = [torch.as_tensor(v, dtype=dtype, device=device) for v in vs]
    if assign and isinstance(model, nn.Module):
        lifs = [m for m in model.modules() if isinstance(m, LIFNeurons)]
        for m, v in zip(lifs, out):
            m.mem0 = v
    return out

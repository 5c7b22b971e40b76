r"""Surrogate derivatives of the spike non-linearity (``snntheory.surrogate``).

Surrogate-gradient training replaces the derivative of the Heaviside spike
:math:`S = H(V - v_\mathrm{th})` by a smooth bump :math:`\sigma'(x)`, ``x = V - v_th``. Every
part of snntheory that needs one (the gradient gain of :mod:`snntheory.network`, the numpy
backpropagation of :func:`snntheory.simulate.backprop_network`, the PyTorch layers of
:mod:`snntheory.torch`) takes it from here, so the theory and the training code use the same
function.

Each family has a width ``w`` (V) and the normalisation of the framework it comes from:

==================  ==================================================  ==============  =============================
kind                :math:`\sigma'(x)`                                  default ``w``   snnTorch equivalent
==================  ==================================================  ==============  =============================
``"fast_sigmoid"``  :math:`1/(1+|x|/w)^2` (peak 1)                      1/25            ``fast_sigmoid(slope=1/w)``
``"atan"``          :math:`(1/\pi w)/(1+(x/w)^2)` (peak 1/(πw))         1/π             ``atan(alpha=2/(π w))``
``"sigmoid"``       :math:`\mathrm{sig}(x/w)(1-\mathrm{sig}(x/w))/w`    1/25            ``sigmoid(slope=1/w)``
``"gaussian"``      :math:`\exp(-x^2/2w^2)` (peak 1)                    0.3             —
``"triangle"``      :math:`\max(0, 1-|x|/w)` (peak 1)                   1               — (Bellec et al. 2018)
==================  ==================================================  ==============  =============================

The fast sigmoid is SuperSpike's (Zenke & Ganguli 2018) and snnTorch's; ``"atan"`` and
``"sigmoid"`` are snnTorch's ``ATan`` and ``Sigmoid`` exactly (the defaults are snnTorch's
``alpha = 2`` and ``slope = 25``); ``"triangle"`` is the piecewise-linear pseudo-derivative
of Bellec et al. (2018) with unit dampening. snnTorch's ``triangular`` is not a bump (its
gradient is ``±threshold`` everywhere) and is not offered.

References
----------
Zenke & Ganguli (2018), Neural Comput. 30, 1514; Bellec et al. (2018), NeurIPS (LSNN);
Eshraghian et al. (2023), Proc. IEEE 111, 1016 (snnTorch).
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import Domain, broadcast, check, check_choice, check_scalar

__all__ = ["SURROGATES", "DEFAULT_WIDTH", "derivative", "width_of", "from_snntorch"]

SURROGATES = ("fast_sigmoid", "atan", "sigmoid", "gaussian", "triangle")

#: default width (V) of each family: snnTorch's defaults where it has the family
DEFAULT_WIDTH = {"fast_sigmoid": 1.0 / 25.0, "atan": 1.0 / math.pi, "sigmoid": 1.0 / 25.0, "gaussian": 0.3,
                 "triangle": 1.0}

_WIDTH = Domain(low=0.0, low_open=True, unit="V")
#: snnTorch's parameter of each family and its relation to the width w
_SNNTORCH = {"fast_sigmoid": ("slope", lambda k: 1.0 / k), "sigmoid": ("slope", lambda k: 1.0 / k),
             "atan": ("alpha", lambda a: 2.0 / (math.pi * a))}


def width_of(kind="fast_sigmoid", width=None) -> float:
    """The width (V) of a surrogate: ``width`` checked (> 0 V), or the family's default.

    Examples
    --------
    >>> width_of("atan")
    0.3183098861837907
    """
    return _width_of(kind, width, "kind", "width")


def _width_of(kind, width, kind_label="surrogate", width_label="surrogate_width") -> float:
    """:func:`width_of` with the parameter names of the caller (``surrogate``/``surrogate_width``
    for the network and torch functions) in its messages."""
    check_choice(kind_label, kind, SURROGATES)
    if width is None:
        return DEFAULT_WIDTH[kind]
    return check_scalar(width_label, width, domain=_WIDTH)


def derivative(x, kind="fast_sigmoid", width=None):
    r"""Surrogate derivative :math:`\sigma'(x)` of the spike at ``x = V - v_th`` (see the module table).

    Parameters
    ----------
    x : array_like
        Distance of the membrane from threshold (V).
    kind : {"fast_sigmoid", "atan", "sigmoid", "gaussian", "triangle"}
    width : float or None
        Width ``w`` > 0 (V); ``None`` gives the family's :data:`DEFAULT_WIDTH`.

    Returns
    -------
    ndarray or scalar
        :math:`\sigma'(x)` (1/V for ``"atan"`` and ``"sigmoid"``, whose area is 1; peak 1 for the others).

    Examples
    --------
    >>> float(derivative(0.0)), float(derivative(0.04))
    (1.0, 0.25)
    >>> float(derivative(0.0, "atan"))   # snnTorch's ATan at alpha = 2: peak alpha / 2
    1.0
    >>> float(derivative(0.0, "sigmoid"))   # snnTorch's Sigmoid at slope 25: peak slope / 4
    6.25
    """
    w = _width_of(kind, width, "kind", "width")
    x = check("v", x, label="x")
    broadcast(x=x)
    if kind == "fast_sigmoid":
        out = 1.0 / (1.0 + np.abs(x) / w) ** 2
    elif kind == "atan":
        out = 1.0 / (math.pi * w * (1.0 + (x / w) ** 2))
    elif kind == "sigmoid":
        e = np.exp(-np.abs(x) / w)               # symmetric: sig(z)(1 - sig(z)) = e / (1 + e)^2, e = exp(-|z|)
        out = e / (w * (1.0 + e) ** 2)
    elif kind == "gaussian":
        out = np.exp(-0.5 * (x / w) ** 2)
    else:
        out = np.maximum(0.0, 1.0 - np.abs(x) / w)
    return out[()] if out.ndim == 0 else out


def from_snntorch(kind, value=None) -> tuple[str, float]:
    """``(kind, width)`` of snnTorch's surrogate ``kind`` at its own parameter ``value``.

    ``kind`` is ``"fast_sigmoid"`` or ``"sigmoid"`` (``value`` = snnTorch's ``slope``, default
    25) or ``"atan"`` (``value`` = ``alpha``, default 2).

    Examples
    --------
    >>> from_snntorch("fast_sigmoid", 25)
    ('fast_sigmoid', 0.04)
    """
    check_choice("kind", kind, tuple(_SNNTORCH))
    name, to_width = _SNNTORCH[kind]
    if value is None:
        return kind, DEFAULT_WIDTH[kind]
    v = check_scalar(name, value, domain=Domain(low=0.0, low_open=True), label=f"value ({name})")
    return kind, float(to_width(float(v)))

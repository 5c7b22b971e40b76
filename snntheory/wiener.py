r"""The perfect integrator: drifted Wiener process and Gaussian random walk.

Firing-rate collapse is starkest for the non-leaky integrate-and-fire neuron, where the
classical results are exact. This module holds them, in continuous and in discrete time.

*Continuous time.* The membrane follows :math:`dV = v\,dt + \sigma\,dW` (``drift`` v in V/s,
``noise`` σ in V/√s; the diffusion coefficient is σ²/2) from a start a distance ``distance``
below an absorbing threshold. The first-passage time is inverse Gaussian (defective when
``drift < 0``, Lévy when ``drift = 0``): :func:`fpt_pdf`, :func:`fpt_cdf`, :func:`fpt_sf` and
their logarithms, :func:`hitting_probability`, :func:`mean_fpt` (with an optional reflecting
lower barrier) and :func:`firing_rate`.

*Discrete time.* The canonical step map of DESIGN.md with ``beta = 1``:
``V[t] = V[t-1] + I[t]`` with i.i.d. :math:`I[t] \sim N(m, s^2)` (``m``, ``s``, positional),
optional reflecting lower bound ``V <- max(V, v_lower)``, spike when ``V >= v_th``, then
``reset="zero"`` (``V = v_reset``) or ``"subtract"`` (``V -= v_th - v_reset``).
:func:`spike_count` is the expected number of spikes in ``n_steps`` steps from ``v_reset``;
:func:`firing_probability` is the stationary spike probability per step, the ``beta = 1`` case
of the step-map solver :func:`snntheory.discrete.firing_probability` (closed form ``m/theta``
for the subtractive reset without a bound). :func:`spike_count` propagates the sub-threshold
distribution of the map on a fine lattice; :func:`mean_overshoot` and :func:`ladder_overshoot`
give the overshoot at the crossing (Wald's identity ties it to the rate for reset to zero).

*Fixes and collapse.* :func:`weight_mean_for_rate` (solution S1: drift through the weight
mean), :func:`weight_std_for_rate` (S2: zero-mean weights and a lower bound) and
:func:`layer_rates` (the per-layer rate sequence of a deep perfect-integrator network under
given weight statistics, which shows the collapse under Kaiming, Glorot and PyTorch-default
initialisations).

Conventions: continuous functions take SI units (s, V, V/s, V/√s); discrete functions work per
step. Zero noise is the deterministic limit, not an error.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy import fft as _fft
from scipy import sparse as _sparse
from scipy.optimize import brentq
from scipy.sparse.linalg import splu as _splu
from scipy.special import erfcx, log_ndtr, ndtr, roots_laguerre

from ._display import result_html as _result_html, result_repr as _result_repr
from ._special import _BETA_STAR
from ._special import ladder_overshoot_mean as _r_inf
from ._special import normal_nodes
from ._validate import broadcast, check, check_below, check_choice, check_int, check_scalar, scalar_or_array
from . import discrete as _discrete
from .neuron import IncrementDistribution, layer_input
from .errors import ApproximationWarning, ConvergenceError, NoSolutionError, ParameterError

__all__ = [
    "BETA_STAR",
    "fpt_pdf",
    "log_fpt_pdf",
    "fpt_cdf",
    "log_fpt_cdf",
    "fpt_sf",
    "log_fpt_sf",
    "hitting_probability",
    "mean_fpt",
    "firing_rate",
    "spike_count",
    "firing_probability",
    "mean_overshoot",
    "ladder_overshoot",
    "step_statistics",
    "weight_mean_for_rate",
    "weight_std_for_rate",
    "LayerRates",
    "layer_rates",
]

#: Siegmund's constant :math:`\beta^* = -\zeta(1/2)/\sqrt{2\pi}`: the mean overshoot of a
#: driftless Gaussian random walk over a distant level, in units of the step SD (the
#: discrete-monitoring barrier shift of Broadie, Glasserman & Kou 1997).
BETA_STAR = _BETA_STAR

_LOG_2PI = math.log(2.0 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi / 2.0)
_LAG_X, _LAG_W = roots_laguerre(80)

#: Lattice cells per step SD in the exact discrete-time route. The lattice error is second order
#: in h/s and about 1e-3 relative at 8 cells per SD (measured against Richardson-extrapolated
#: 16/32-cell lattices over step_std/theta in [0.01, 0.3]).
NODES_PER_STD = 8
#: Number of SDs kept in the Gaussian increment kernel (the neglected mass is 2*Phi(-9) = 2e-19).
_KERNEL_SDS = 9.0
#: The lattice never has more than this many cells below threshold (for step_std << theta).
_MAX_CELLS = 20_000
#: Steps, in units of ((v_th - v_lower)/step_std)^2, after which the bounded chain is stationary:
#: its slowest mode decays at least like exp(-1.2 t s^2/(theta - L)^2), so exp(-49) after 40.
_MIX_STEPS = 40.0
#: Most lattice cells for reset="subtract" with a lower bound (the part above threshold covers
#: the stationary tail, of scale s^2/(2(theta - m))); the transition matrix then has at most
#: ~_MAX_SUB_CELLS * 150 entries (below 1 s to build and solve).
_MAX_SUB_CELLS = 6000
#: Beyond the subtract-reset lattice cap, the asymptote for s >> theta is used when theta - m,
#: theta - v_lower and ``|m|`` are all below this fraction of s (its error ~0.07 eps^2 absolute).
_ASYM_RATIO = 0.05
#: Largest exact lattice run without a lower bound (cell-steps, ~20 s); beyond it spike_count
#: warns and uses the renewal approximation.
_MAX_WORK = 3e9


# ----------------------------------------------------------------------------------------------
# stable kernels: R(a) = Phi(-a)/phi(a) (Mills ratio) and D(a, c) = R(a) - R(a + c)
# ----------------------------------------------------------------------------------------------


def _log_mills(a):
    """log R(a), R(a) = Phi(-a)/phi(a) = sqrt(pi/2) erfcx(a/sqrt 2), finite for all real a."""
    a = np.asarray(a, float)
    out = np.empty_like(a)
    big = a < -30.0
    with np.errstate(over="ignore", divide="ignore"):
        out[~big] = np.log(erfcx(a[~big] / math.sqrt(2.0)) * _SQRT_PI_2)
    ab = a[big]
    out[big] = log_ndtr(-ab) + 0.5 * ab * ab + 0.5 * _LOG_2PI
    return out


def _log_d(a, c):
    r"""log D(a, c) for c > 0, :math:`D = R(a) - R(a+c) = \int_0^\infty e^{-u^2/2-au}(1-e^{-cu})du`.

    Three regimes, each free of cancellation: the direct difference where R changes by more
    than ~30 % between a and a + c; a series in c with moments computed by the (stable)
    upward recurrence for a < 2; Gauss–Laguerre quadrature of the integral for a >= 2.
    Relative error < 2e-14 against mpmath (tests/test_wiener.py).
    """
    a, c = np.broadcast_arrays(np.asarray(a, float), np.asarray(c, float))
    a = a.ravel()
    c = c.ravel()
    out = np.empty_like(a)
    lag = (a >= 2.0) & (c < 0.5 * a)
    ser = (a < 2.0) & (c * np.maximum(1.0, -a) <= 0.5)
    direct = ~(lag | ser)
    if np.any(direct):
        la = _log_mills(a[direct])
        lb = _log_mills(a[direct] + c[direct])
        out[direct] = la + np.log1p(-np.exp(lb - la))
    if np.any(lag):
        aa, cc = a[lag], c[lag]
        w = _LAG_X[:, None]
        f = np.exp(-(w * w) / (2.0 * aa * aa)) * (-np.expm1(-(cc / aa) * w))
        out[lag] = np.log((_LAG_W[:, None] * f).sum(0)) - np.log(aa)
    if np.any(ser):
        aa, cc = a[ser], c[ser]
        m_prev = np.exp(_log_mills(aa))  # M_0
        m_cur = 1.0 - aa * m_prev  # M_1
        total = cc * m_cur
        coef = cc.copy()
        for k in range(1, 60):
            m_next = k * m_prev - aa * m_cur
            coef = coef * cc / (k + 1)
            total = total + (-1.0) ** k * coef * m_next
            m_prev, m_cur = m_cur, m_next
        out[ser] = np.log(total)
    return out


# ----------------------------------------------------------------------------------------------
# first-passage law of the drifted Wiener process
# ----------------------------------------------------------------------------------------------


def _kappa_a(v, a, s):
    """2 v a / s^2 without underflow of s^2 (0 for v = 0, +-inf where it overflows)."""
    v = np.asarray(v, float)
    with np.errstate(over="ignore", invalid="ignore"):
        k = 2.0 * (v / s) * (np.asarray(a, float) / s)
    return np.where(v == 0.0, 0.0, k)


def _resolved(t, s, a):
    """Where the noise is resolved in double precision: the distance is below 1e150 noise SDs
    accumulated by time t. Beyond, every Gaussian term is exp(-1e300): the law is the noise-free
    passage at a/v exactly (in double precision)."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        z = a / s / np.sqrt(np.where(np.isfinite(t) & (t > 0), t, 1.0))
    return z < 1e150


def _fpt_args(t, drift, noise, distance):
    t = check("t", t)
    v = check("drift", drift)
    s = check("noise", noise)
    a = check("distance", distance)
    return broadcast(t=t, drift=v, noise=s, distance=a)


def log_fpt_pdf(t, drift, noise, *, distance):
    r"""Logarithm of :func:`fpt_pdf`, finite wherever the density is positive (no underflow).

    Parameters and conventions as for :func:`fpt_pdf`; returns ln(1/s), ``-inf`` where the
    density is exactly zero (``t = 0``, ``t = inf``, or off the deterministic passage time
    when ``noise = 0``).

    Examples
    --------
    >>> import numpy as np
    >>> from snntheory.wiener import log_fpt_pdf, fpt_pdf
    >>> bool(np.isfinite(log_fpt_pdf(1e4, 1.0, 0.1, distance=1.0)))   # pdf underflows here
    True
    >>> float(fpt_pdf(1e4, 1.0, 0.1, distance=1.0))
    0.0
    """
    t, v, s, a = _fpt_args(t, drift, noise, distance)
    out = np.full(t.shape, -np.inf)
    reg = (s > 0) & (t > 0) & np.isfinite(t) & _resolved(t, s, a)
    tr, vr, sr, ar = t[reg], v[reg], s[reg], a[reg]
    with np.errstate(over="ignore", divide="ignore"):  # vanishing noise: -inf, the limit
        out[reg] = (np.log(ar) - np.log(sr) - 0.5 * _LOG_2PI - 1.5 * np.log(tr)
                    - ((ar - vr * tr) / sr) ** 2 / (2.0 * tr))
    det = ((s == 0) | ~_resolved(t, s, a)) & (v > 0)
    with np.errstate(divide="ignore"):
        out[det & (t == a / np.where(v > 0, v, 1.0))] = np.inf
    return scalar_or_array(out)


def fpt_pdf(t, drift, noise, *, distance):
    r"""First-passage-time density of the drifted Wiener process (inverse Gaussian).

    The process :math:`dX = v\,dt + \sigma\,dW` starts a distance :math:`a` below an absorbing
    barrier. For a perfect integrate-and-fire neuron :math:`a = v_\mathrm{th} - v_\mathrm{reset}`,
    :math:`v` is the mean input current divided by the capacitance and :math:`\sigma^2` the
    diffusion per unit time (Campbell). (For ``noise`` read the coefficient of dW: the free
    process has variance :math:`\sigma^2 t`, not the Brunel-convention :math:`\sigma^2/2` of the
    leaky models, which have a stationary free SD :math:`\sigma/\sqrt{2}`.)

    Parameters
    ----------
    t : array_like
        Time in s, >= 0 (``inf`` allowed).
    drift : array_like
        Drift v in V/s, any sign.
    noise : array_like
        Noise amplitude σ in V/√s, >= 0; 0 is the deterministic limit.
    distance : array_like, keyword-only
        Distance a from start to barrier in V, > 0.

    Returns
    -------
    ndarray or scalar
        Density in 1/s, broadcast shape of the inputs. Defective (integrates to
        :func:`hitting_probability`) when ``drift < 0``. With ``noise = 0`` the law is a point
        mass at a/v: the density is 0 except ``inf`` at exactly ``t = a/v``.

    Raises
    ------
    ParameterError
        If an argument is outside its domain (negative ``t`` or ``noise``, ``distance <= 0``).

    Notes
    -----
    .. math::

        f(t) = \frac{a}{\sigma\sqrt{2\pi t^3}}
               \exp\!\left(-\frac{(a - v t)^2}{2\sigma^2 t}\right).

    Assumptions: Gaussian white noise, no leak, absorbing barrier, no lower barrier.
    Numerical method: evaluated as exp of :func:`log_fpt_pdf`; relative error < 1e-13 against
    mpmath at 50 digits (``tests/reference/wiener_fpt.csv``). Derivation:
    ``snntheory.symbolic.wiener.fpt_density`` (inverse Laplace transform of the solution of
    the backward equation), tied to this function by ``tests/test_symbolic_wiener.py``.
    Relation to scipy: for v > 0 this is ``scipy.stats.invgauss(mu=s**2/(a*v),
    scale=a**2/s**2).pdf(t)``.

    References
    ----------
    Schrödinger E (1915) Phys Z 16:289. Chhikara RS & Folks JL (1989) *The Inverse Gaussian
    Distribution*, Eq. (2.1). Tuckwell HC (1988) *Introduction to Theoretical Neurobiology*
    vol. 2, Eq. (9.38).

    Examples
    --------
    The density integrates to the hitting probability exp(2va/σ²) for a negative drift:

    >>> import numpy as np
    >>> from scipy.integrate import quad
    >>> from snntheory.wiener import fpt_pdf, hitting_probability
    >>> total = quad(lambda t: fpt_pdf(t, -0.5, 1.0, distance=1.0), 0, np.inf)[0]
    >>> bool(np.isclose(total, np.exp(-1.0))), bool(np.isclose(total, hitting_probability(-0.5, 1.0, distance=1.0)))
    (True, True)
    """
    with np.errstate(over="ignore"):
        return scalar_or_array(np.exp(np.asarray(log_fpt_pdf(t, drift, noise, distance=distance))))


def _log_cdf_reg(t, v, s, a):
    """log F(t) for s > 0, 0 < t < inf: log[Phi(-x) + phi(x) R(y)], no cancellation."""
    rt = np.sqrt(t)
    with np.errstate(over="ignore", divide="ignore"):  # vanishing noise: x, y, log phi(x) -> limits
        x = (a - v * t) / s / rt
        y = (a + v * t) / s / rt
        log_phi_x = -0.5 * x * x - 0.5 * _LOG_2PI
    # e^k Phi(-y) = phi(x) R(y); for y < 0 (v < 0) the direct form avoids x^2 - y^2 cancellation
    k = _kappa_a(v, a, s)
    with np.errstate(over="ignore"):
        second = np.where(y < 0, k + log_ndtr(-np.minimum(y, 0.0)), log_phi_x + _log_mills(np.maximum(y, 0.0)))
    return np.logaddexp(log_ndtr(-x), second)


def log_fpt_cdf(t, drift, noise, *, distance):
    r"""Logarithm of :func:`fpt_cdf`, finite where the probability underflows (small t).

    Examples
    --------
    >>> from snntheory.wiener import log_fpt_cdf
    >>> # leading small-t behaviour: ln F ~ -a^2/(2 s^2 t) = -5e5 (F itself underflows)
    >>> round(float(log_fpt_cdf(1e-4, 1.0, 0.1, distance=1.0)) / -5e5, 3)
    1.0
    """
    t, v, s, a = _fpt_args(t, drift, noise, distance)
    out = np.full(t.shape, -np.inf)
    reg = (s > 0) & (t > 0) & np.isfinite(t) & _resolved(t, s, a)
    out[reg] = _log_cdf_reg(t[reg], v[reg], s[reg], a[reg])
    # near 1 the sum of the two terms rounds above 1 (ln F > 0 by an ulp): there ln F = ln(1 - SF)
    # with the survival function summed directly (log_fpt_sf's branch for F >= 1/2)
    near1 = reg & (out >= -math.log(2.0))
    if np.any(near1):
        log_sf = np.asarray(log_fpt_sf(t[near1], v[near1], s[near1], distance=a[near1]))
        out[near1] = np.log1p(-np.exp(log_sf))
    inf = (s > 0) & np.isinf(t)
    out[inf] = np.minimum(0.0, _kappa_a(v[inf], a[inf], s[inf]))
    det = ((s == 0) | ~_resolved(t, s, a)) & (v > 0)
    out[det & (t * np.where(det, v, 1.0) >= a)] = 0.0
    return scalar_or_array(out)


def fpt_cdf(t, drift, noise, *, distance):
    r"""Probability that the drifted Wiener process has hit the barrier by time t.

    .. math::

        F(t) = \Phi\!\left(\frac{vt - a}{\sigma\sqrt t}\right)
             + e^{2va/\sigma^2}\,\Phi\!\left(-\frac{vt + a}{\sigma\sqrt t}\right),

    which tends to :func:`hitting_probability` as t → ∞. Parameters as for :func:`fpt_pdf`
    (``noise`` is the coefficient of dW; no Brunel factor). Evaluated as
    :math:`\Phi(-x) + \varphi(x) R(y)` with the Mills ratio R (erfcx), a sum of positive terms,
    so no overflow of :math:`e^{2va/\sigma^2}` and no cancellation.

    Examples
    --------
    >>> from snntheory.wiener import fpt_cdf
    >>> float(fpt_cdf(float("inf"), -1.0, 2.0, distance=1.0)) == float(__import__("numpy").exp(-0.5))
    True
    """
    return scalar_or_array(np.exp(np.asarray(log_fpt_cdf(t, drift, noise, distance=distance))))


def log_fpt_sf(t, drift, noise, *, distance):
    r"""Logarithm of the survival function :math:`P(T > t)` of the first-passage time.

    Accurate in the far tail, where ``scipy.stats.invgauss.logsf`` returns NaN or -inf (scipy
    issue 25080) and where ``1 - cdf`` cancels.

    Parameters
    ----------
    t, drift, noise, distance
        As for :func:`fpt_pdf` (``noise`` is the coefficient of dW; no Brunel factor).

    Returns
    -------
    ndarray or scalar
        :math:`\ln P(T > t)`, including the mass that never hits when ``drift < 0``
        (:math:`P(T=\infty) = 1 - e^{2va/\sigma^2}`).

    Notes
    -----
    With :math:`x = (a - vt)/(\sigma\sqrt t)`, :math:`y = (a + vt)/(\sigma\sqrt t)`,
    :math:`c = x + y` and :math:`D(\alpha, c) = R(\alpha) - R(\alpha + c) =
    \int_0^\infty e^{-u^2/2-\alpha u}(1 - e^{-cu})\,du > 0`:

    .. math::

        P(T>t) = \varphi(x)\,D(-x, c) \quad (v \ge 0), \qquad
        P(T>t) = -\mathrm{expm1}(2va/\sigma^2) + \varphi(x)\,D(-y, c) \quad (v < 0).

    Both are sums of positive terms; D is evaluated without cancellation (direct difference,
    a series in c, or Gauss–Laguerre quadrature, by regime). Where the cdf is below 1/2 the
    result is ``log1p(-cdf)``. Relative error of the log < 1e-13 against mpmath at 50 digits
    over the reference table, which reaches ln P = -3e9 (``tests/reference/wiener_fpt.csv``).

    Examples
    --------
    >>> import numpy as np
    >>> from snntheory.wiener import log_fpt_sf
    >>> # far right tail, where the survival function underflows in double precision
    >>> bool(np.isfinite(log_fpt_sf(1e5, 1.0, 0.3, distance=1.0)))
    True
    """
    t, v, s, a = _fpt_args(t, drift, noise, distance)
    out = np.zeros(t.shape)
    reg = (s > 0) & (t > 0) & np.isfinite(t) & _resolved(t, s, a)
    if np.any(reg):
        tr, vr, sr, ar = t[reg], v[reg], s[reg], a[reg]
        lf = _log_cdf_reg(tr, vr, sr, ar)
        res = np.empty_like(tr)
        small = lf < -math.log(2.0)
        res[small] = np.log1p(-np.exp(lf[small]))
        big = ~small
        if np.any(big):
            tb, vb, sb, ab = tr[big], vr[big], sr[big], ar[big]
            rt = np.sqrt(tb)
            with np.errstate(over="ignore"):  # vanishing noise: the limits (log phi -> -inf)
                x = (ab - vb * tb) / sb / rt
                y = (ab + vb * tb) / sb / rt
                c = 2.0 * ab / sb / rt
                log_phi_x = -0.5 * x * x - 0.5 * _LOG_2PI
            pos = vb >= 0
            rb = np.empty_like(tb)
            rb[pos] = log_phi_x[pos] + _log_d(-x[pos], c[pos])
            neg = ~pos
            if np.any(neg):
                k = _kappa_a(vb[neg], ab[neg], sb[neg])
                rb[neg] = np.logaddexp(np.log(-np.expm1(k)), log_phi_x[neg] + _log_d(-y[neg], c[neg]))
            res[big] = rb
        out[reg] = res
    inf = (s > 0) & np.isinf(t)
    with np.errstate(divide="ignore"):
        out[inf] = np.where(v[inf] >= 0, -np.inf, np.log(-np.expm1(np.minimum(0.0, _kappa_a(v[inf], a[inf],
                                                                                           s[inf])))))
    det = ((s == 0) | ~_resolved(t, s, a)) & (v > 0)
    out[det & (t * np.where(det, v, 1.0) >= a)] = -np.inf
    return scalar_or_array(out)


def fpt_sf(t, drift, noise, *, distance):
    r"""Survival function :math:`P(T > t)` of the first-passage time (see :func:`log_fpt_sf`).

    Monotone non-increasing in t, in [0, 1]; tends to :math:`1 - e^{2va/\sigma^2}` for a
    negative drift. ``noise`` is the coefficient of dW (no Brunel factor).

    Examples
    --------
    >>> from snntheory.wiener import fpt_sf
    >>> float(fpt_sf(0.0, 1.0, 1.0, distance=1.0)), float(fpt_sf(2.0, 1.0, 0.0, distance=1.0))
    (1.0, 0.0)
    """
    return scalar_or_array(np.exp(np.asarray(log_fpt_sf(t, drift, noise, distance=distance))))


def hitting_probability(drift, noise, *, distance):
    r"""Probability that the drifted Wiener process ever reaches a barrier ``distance`` above.

    .. math:: P(T < \infty) = \min\left(1, e^{2va/\sigma^2}\right)

    (1 for v >= 0; for ``noise = 0`` it is 1 if v > 0 and 0 otherwise). ``noise`` is the
    coefficient of dW. Derivation: ``snntheory.symbolic.wiener.hitting_probability``
    (the scale function of the generator).

    Examples
    --------
    >>> from snntheory.wiener import hitting_probability
    >>> float(hitting_probability(-1.0, 1.0, distance=0.5)) == float(__import__("numpy").exp(-1.0))
    True
    """
    v = check("drift", drift)
    s = check("noise", noise)
    a = check("distance", distance)
    v, s, a = broadcast(drift=v, noise=s, distance=a)
    out = np.ones(v.shape)
    noisy = s > 0
    out[noisy] = np.exp(np.minimum(0.0, _kappa_a(v[noisy], a[noisy], s[noisy])))
    out[(~noisy) & (v <= 0)] = 0.0
    return scalar_or_array(out)


def _half_f(z):
    """F(z) = (e^{-z} - 1 + z)/z^2, F(0) = 1/2, stable for all real z (series near 0)."""
    z = np.asarray(z, float)
    out = np.empty_like(z)
    small = np.abs(z) < 0.05
    zs = z[small]
    # Taylor series: sum_k (-z)^k / (k+2)!
    term = np.full_like(zs, 0.5)
    acc = term.copy()
    for k in range(1, 12):
        term = term * (-zs) / (k + 2)
        acc = acc + term
    out[small] = acc
    zl = z[~small]
    with np.errstate(over="ignore"):
        out[~small] = (np.expm1(-zl) + zl) / (zl * zl)
    return out


def mean_fpt(drift, noise, *, v_th, v_start, v_lower=None):
    r"""Mean first-passage time to ``v_th`` of the drifted Wiener process started at ``v_start``.

    Parameters
    ----------
    drift : array_like
        Drift v in V/s.
    noise : array_like
        Noise amplitude σ in V/√s (coefficient of dW, so the free process has variance
        σ²t; the Brunel-convention statement "free V has SD σ/√2" concerns the leaky models).
    v_th, v_start : array_like, keyword-only
        Absorbing threshold and start, ``v_start < v_th`` (V).
    v_lower : array_like or None, keyword-only
        Reflecting lower barrier (V), ``v_lower <= v_start``; None for none.

    Returns
    -------
    ndarray or scalar
        Mean first-passage time in s; ``inf`` where it is infinite (v <= 0 without a lower
        barrier, or σ = 0 and v <= 0).

    Notes
    -----
    Without a lower barrier :math:`E[T] = (v_\mathrm{th} - v_\mathrm{start})/v` for v > 0.
    With a reflecting barrier at :math:`L`, solving :math:`\tfrac{\sigma^2}{2}T'' + vT' = -1`,
    :math:`T(v_\mathrm{th}) = 0`, :math:`T'(L) = 0`, with :math:`A = v_\mathrm{th} - L`,
    :math:`B = v_\mathrm{start} - L`, :math:`\kappa = 2v/\sigma^2`:

    .. math::

        E[T] = \frac{2}{\sigma^2}\left[A^2 F(\kappa A) - B^2 F(\kappa B)\right], \qquad
        F(z) = \frac{e^{-z} - 1 + z}{z^2},

    which is :math:`(A^2 - B^2)/\sigma^2` at zero drift. F is evaluated by its Taylor series
    near 0 and with expm1 elsewhere (relative error < 1e-13); for strongly negative drift the
    time overflows to ``inf``. Derivation: ``snntheory.symbolic.wiener.mean_exit_time``.

    References
    ----------
    Gardiner CW (2009) *Stochastic Methods*, 4th ed., Eq. (5.2.139) (mean exit time, one
    reflecting and one absorbing boundary). Cox DR & Miller HD (1965) *The Theory of
    Stochastic Processes*, §5.7.

    Examples
    --------
    Zero drift, reflecting barrier at the start: ``E[T] = theta**2 / sigma**2``.

    >>> from snntheory.wiener import mean_fpt
    >>> float(mean_fpt(0.0, 2.0, v_th=1.0, v_start=0.0, v_lower=0.0))
    0.25
    >>> float(mean_fpt(0.0, 2.0, v_th=1.0, v_start=0.0))
    inf
    """
    v = check("drift", drift)
    s = check("noise", noise)
    th = check("v_th", v_th)
    x0 = check("v_start", v_start)
    check_below("v_start", x0, "v_th", th)
    if v_lower is None:
        v, s, th, x0 = broadcast(drift=v, noise=s, v_th=th, v_start=x0)
        out = np.full(v.shape, np.inf)
        pos = v > 0
        out[pos] = (th[pos] - x0[pos]) / v[pos]
        return scalar_or_array(out)
    lo = check("v_lower", v_lower)
    check_below("v_lower", lo, "v_start", x0, strict=False)
    v, s, th, x0, lo = broadcast(drift=v, noise=s, v_th=th, v_start=x0, v_lower=lo)
    out = np.full(v.shape, np.inf)
    det = s == 0
    pos = det & (v > 0)
    out[pos] = (th[pos] - x0[pos]) / v[pos]
    reg = ~det
    if np.any(reg):
        vv, ss, A, B = v[reg], s[reg], th[reg] - lo[reg], x0[reg] - lo[reg]
        kap = 2.0 * vv / (ss * ss)
        res = np.empty_like(vv)
        strong_neg = kap * A < -30.0
        mild = ~strong_neg
        res[mild] = 2.0 / (ss[mild] ** 2) * (A[mild] ** 2 * _half_f(kap[mild] * A[mild])
                                            - B[mild] ** 2 * _half_f(kap[mild] * B[mild]))
        if np.any(strong_neg):
            k = -kap[strong_neg]
            Ak, Bk = A[strong_neg], B[strong_neg]
            with np.errstate(over="ignore"):
                big = np.exp(k * Ak) * (-np.expm1(-k * (Ak - Bk)))
            res[strong_neg] = 2.0 / (ss[strong_neg] ** 2 * k * k) * (big - k * (Ak - Bk))
        out[reg] = res
    return scalar_or_array(out)


def firing_rate(drift, noise, *, v_th, v_reset, tau_ref=0.0, v_lower=None):
    r"""Stationary firing rate of the perfect integrate-and-fire neuron driven by white noise.

    The membrane follows :math:`dV = v\,dt + \sigma\,dW` below ``v_th`` and is reset to
    ``v_reset`` after each spike and held there for ``tau_ref``; optionally it is reflected at
    ``v_lower``. ``noise`` σ is the coefficient of dW (diffusion σ²/2 per unit time): for a
    perfect integrator there is no stationary free membrane, so the Brunel statement "free V
    has SD σ/√2" of the leaky models has no analogue here.

    Parameters
    ----------
    drift : array_like
        Drift in V/s.
    noise : array_like
        Noise amplitude in V/√s, >= 0.
    v_th, v_reset : array_like, keyword-only
        Threshold and reset (V), ``v_reset < v_th``.
    tau_ref : array_like, keyword-only
        Absolute refractory period in s, >= 0.
    v_lower : array_like or None, keyword-only
        Reflecting lower bound (V), ``v_lower <= v_reset``.

    Returns
    -------
    ndarray or scalar
        Rate in Hz: :math:`1/(\tau_\mathrm{ref} + E[T])` with E[T] from :func:`mean_fpt`; 0
        where the mean interval is infinite (no lower bound and ``drift <= 0``: the renewal
        process is null-recurrent or stops). Independent of ``noise`` without a lower bound.

    Notes
    -----
    :math:`\nu = 1/(\tau_\mathrm{ref} + (v_\mathrm{th} - v_\mathrm{reset})/v)` (Gerstein &
    Mandelbrot 1964, Eq. 4), and the reflecting-barrier form of :func:`mean_fpt`. Discrete-time
    counterpart: :func:`firing_probability` (its limit as the step SD → 0 at fixed diffusion
    per unit time is this function, tested in ``tests/test_wiener.py``).

    References
    ----------
    Gerstein GL & Mandelbrot B (1964) Biophys J 4:41, Eq. (4). Tuckwell HC (1988) vol. 2 §9.

    Examples
    --------
    >>> from snntheory.wiener import firing_rate
    >>> float(firing_rate(20.0, 3.0, v_th=1.0, v_reset=0.0))     # drift/theta
    20.0
    >>> float(firing_rate(0.0, 3.0, v_th=1.0, v_reset=0.0))      # null-recurrent
    0.0
    >>> round(float(firing_rate(0.0, 3.0, v_th=1.0, v_reset=0.0, v_lower=0.0)), 12)   # sigma^2/theta^2
    9.0
    """
    tr = check("tau_ref", tau_ref)
    th = check("v_th", v_th)
    vr = check("v_reset", v_reset)
    broadcast(tau_ref=tr, v_th=th, v_reset=vr)
    check_below("v_reset", vr, "v_th", th)
    T = np.asarray(mean_fpt(drift, noise, v_th=th, v_start=vr, v_lower=v_lower))
    T, tr = broadcast(drift=T, tau_ref=tr)
    with np.errstate(divide="ignore"):
        out = np.where(np.isinf(T), 0.0, 1.0 / (tr + T))
    return scalar_or_array(out)


# ----------------------------------------------------------------------------------------------
# discrete time: the Gaussian random walk with threshold, reset and lower bound
# ----------------------------------------------------------------------------------------------


def _phi_diff(hi, lo):
    """Phi(hi) - Phi(lo) for hi >= lo, accurate in both tails."""
    hi, lo = np.broadcast_arrays(np.asarray(hi, float), np.asarray(lo, float))
    upper = lo > 0
    return np.where(upper, ndtr(-lo) - ndtr(-hi), ndtr(hi) - ndtr(lo))


class _Lattice:
    r"""The step map of a Gaussian random walk as a Markov chain on lattice cells.

    Coordinates are relative to the reset, ``x = V - v_reset``; the threshold is at
    ``theta``. Cells ``[B + j h, B + (j+1) h)`` with the threshold a cell edge; the mass of a
    cell sits at its centre. Two exact atoms: the reset point x = 0 (start, and re-injection
    for reset to zero) and the lower bound x = L (reflection puts all mass below L there).
    Transition probabilities are exact Gaussian cell integrals, so mass is conserved and the
    absorbing threshold is exact; the only approximation is the position of mass within a
    cell (error O((h/s)^2), about 1e-3 relative at h = s/NODES_PER_STD).
    """

    def __init__(self, m, s, theta, lower, reset, depth, nps=NODES_PER_STD, band_cap=True):
        self.m, self.s, self.theta, self.lower, self.reset = m, s, theta, lower, reset
        if lower is not None:
            span = theta - lower
            # h <= s/nps always; for s > 2 span fewer than 4 cells (down to one) span [L, theta)
            k = int(min(max(math.ceil(span * nps / s), 4 if s <= 2.0 * span else 1), _MAX_CELLS))
            h = span / k
            bottom = lower
            n_cells = k
            self.shift = theta / h  # fractional in general
        else:
            k0 = int(min(max(math.ceil(theta * nps / s), 4), _MAX_CELLS))
            h = theta / k0
            j = int(math.ceil(max(depth, 0.0) / h))
            j = min(j, 50 * _MAX_CELLS)
            bottom = -j * h
            n_cells = k0 + j
            self.shift = float(k0)
        self.h, self.bottom, self.k_th = h, bottom, n_cells
        reach = int(math.ceil((abs(m) + _KERNEL_SDS * s) / h)) + 1
        self.capped = False
        above = 0
        if reset == "subtract":
            above = reach
            if lower is not None:
                # the stationary law above threshold (drift m - theta < 0 there) has an
                # exponential tail of scale s^2/(2(theta - m)): cover 23 scales (e^-23 = 1e-10)
                delta = theta - m
                tail = 23.0 * s * s / (2.0 * delta) if delta > 0 else math.inf
                want = (max(m, 0.0) + _KERNEL_SDS * s + tail) / h
                # and at most ~3e6 transition entries (n x band) when s >> h makes the band wide
                band = 2 * reach + 1
                # (band_cap=False for the FFT propagation of spike_count, whose cost is n log n)
                most = min(_MAX_SUB_CELLS, max(1200, int(3e6 / band))) if band_cap else _MAX_SUB_CELLS
                cap = max(most - n_cells, n_cells + 80)
                above = int(min(math.ceil(want) + 1, cap)) if math.isfinite(want) else cap
                self.capped = want + 1 > above
        self.n = n_cells + above  # cells above threshold (subtract)
        # a landing more than n cells from its source leaves the lattice whatever the source:
        # the kernel is cut there and its two end cells carry the whole Gaussian tails, so
        # mass is conserved exactly and the work is bounded by the lattice, not by |m|/h
        reach = min(reach, self.n + 1)
        self.reach = reach
        d = np.arange(-reach, reach + 1, dtype=float)
        hi_e = (d + 0.5) * h
        lo_e = (d - 0.5) * h
        hi_e[-1], lo_e[0] = np.inf, -np.inf
        self.kernel = _phi_diff((hi_e - m) / s, (lo_e - m) / s)
        # landing window: cells -reach .. n-1+reach (relative to bottom)
        cells = np.arange(-reach, self.n + reach, dtype=float)
        self.cells = cells
        self.v_reset_vec = self._point(0.0)
        self.v_lower_vec = self._point(lower) if lower is not None else None
        centres = bottom + (np.arange(self.n) + 0.5) * h
        self.centres = centres

    def _point(self, x0):
        e = self.bottom + self.cells * self.h
        hi_e = e + self.h
        hi_e[-1], e[0] = np.inf, -np.inf  # end cells carry the tails (see __init__)
        return _phi_diff((hi_e - x0 - self.m) / self.s, (e - x0 - self.m) / self.s)

    def _scatter(self, land):
        """Split a landing vector (window cells) into below-L, stay, spike mass and new state."""
        r, kth = self.reach, self.k_th
        below = land[:r].sum()
        state = land[r:r + self.n].copy()
        above_state = land[r + self.n:].sum()
        spk_cells = state[kth:].copy()
        spikes = spk_cells.sum() + above_state
        state[kth:] = 0.0
        if self.reset == "subtract":
            # spiking mass moves down by theta; beyond the window it is clamped to the top cell
            if above_state:
                spk_cells[-1] += above_state
            src = np.arange(kth, self.n) - self.shift
            lo = np.floor(src).astype(int)
            frac = src - lo
            np.add.at(state, np.clip(lo, 0, self.n - 1), spk_cells * (1.0 - frac))
            np.add.at(state, np.clip(lo + 1, 0, self.n - 1), spk_cells * frac)
        return below, state, spikes

    def counts(self, n_steps):
        """Expected spikes per step, t = 1..n_steps, from the reset point."""
        r = self.reach
        kern = self.kernel
        nconv = self.n + 2 * r
        use_fft = self.n * kern.size > 40_000
        if use_fft:
            nfft = _fft.next_fast_len(self.n + kern.size - 1, real=True)
            kf = _fft.rfft(kern, nfft)
        u = np.zeros(self.n)
        a0, al = 1.0, 0.0
        out = np.empty(n_steps)
        for t in range(n_steps):
            if use_fft:
                land = _fft.irfft(_fft.rfft(u, nfft) * kf, nfft)[:nconv]
            else:
                land = np.convolve(u, kern)
            if a0:
                land = land + a0 * self.v_reset_vec
            if al:
                land = land + al * self.v_lower_vec
            below, u, spikes = self._scatter(land)
            out[t] = spikes
            al = below if self.lower is not None else 0.0
            a0 = spikes if self.reset == "zero" else 0.0
        if use_fft:
            np.maximum(out, 0.0, out=out)
        return out

    def transition(self):
        """Sparse transition matrix over [cells..., reset atom, lower atom] and spike probs.

        Built in one vectorised pass over the nonzero kernel band (no dense per-row window),
        so the cost is ~n x band, bounded by the lattice size whatever ``|m|``/h is.
        """
        n, r, kth = self.n, self.reach, self.k_th
        n_states = n + 2
        d = np.arange(-r, r + 1)
        nz = np.nonzero(self.kernel)[0]
        kd, kv = d[nz], self.kernel[nz]
        src = [np.repeat(np.arange(n), kd.size)]
        dst = [(np.arange(n)[:, None] + kd[None, :]).ravel()]
        val = [np.tile(kv, n)]
        window = np.arange(-r, n + r)
        atoms = [(n, self.v_reset_vec)]
        if self.lower is not None:
            atoms.append((n + 1, self.v_lower_vec))
        for j, vec in atoms:
            keep = np.nonzero(vec)[0]
            src.append(np.full(keep.size, j))
            dst.append(window[keep])
            val.append(vec[keep])
        src, dst, val = np.concatenate(src), np.concatenate(dst), np.concatenate(val)
        spk = np.bincount(src[dst >= kth], weights=val[dst >= kth], minlength=n_states)
        rows, cols, vals = [], [], []
        stay = (dst >= 0) & (dst < kth)
        rows.append(src[stay]), cols.append(dst[stay]), vals.append(val[stay])
        if self.lower is not None:
            below = dst < 0
            rows.append(src[below]), cols.append(np.full(int(below.sum()), n + 1)), vals.append(val[below])
        fire = dst >= kth
        if self.reset == "zero":
            rows.append(src[fire]), cols.append(np.full(int(fire.sum()), n)), vals.append(val[fire])
        else:
            # spiking mass moves down by theta; beyond the lattice it is clamped to the top cell
            s_src, s_val = src[fire], val[fire]
            pos = np.minimum(dst[fire], n - 1) - self.shift
            lo = np.floor(pos).astype(int)
            frac = pos - lo
            rows += [s_src, s_src]
            cols += [np.clip(lo, 0, n - 1), np.clip(lo + 1, 0, n - 1)]
            vals += [s_val * (1.0 - frac), s_val * frac]
        mat = _sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                 shape=(n_states, n_states)).tocsr()
        return mat, spk

    def stationary(self, return_pi=False):
        """Stationary distribution over states and the spike probability per step."""
        mat, spk = self.transition()
        keep = np.ones(mat.shape[0], bool)
        if self.reset != "zero":
            keep[self.n] = False
        if self.lower is None:
            keep[self.n + 1] = False
        idx = np.nonzero(keep)[0]
        p = mat[idx][:, idx]
        a = (p.T - _sparse.identity(idx.size, format="csr")).tocsr()
        # pi (P - I) = 0 has one redundant equation; replace equation j by pi_j = 1 (a sparse
        # row, so the banded LU in natural order has no fill from a dense normalisation row)
        # with j a state of non-negligible mass, and normalise.  A first guess of j (the lower
        # atom, or the top cell below threshold for m > 0) is corrected by the argmax.
        if self.reset == "zero":
            j = int(np.nonzero(idx == self.n)[0][0])  # the reset atom holds mass p
        else:
            j = idx.size - 1 if self.m <= 0 else self.k_th - 1
        pi = None
        for _ in range(3):
            mask = np.ones(idx.size)
            mask[j] = 0.0
            e_j = _sparse.csr_matrix(([1.0], ([j], [j])), shape=a.shape)
            a_j = (_sparse.diags(mask) @ a + e_j).tocsc()
            b = np.zeros(idx.size)
            b[j] = 1.0
            try:
                with np.errstate(over="ignore", invalid="ignore"):
                    pi = _splu(a_j, permc_spec="NATURAL").solve(b)
            except RuntimeError:  # state j is transient (exactly singular system)
                pi = None
                break
            if np.all(np.isfinite(pi)) and np.max(np.abs(pi)) <= 1e3:
                break
            j = int(np.argmax(np.where(np.isfinite(pi), np.abs(pi), -np.inf)))
            pi = None
        if pi is None:
            # safety net: the normalisation as a dense equation row (slower, always regular)
            a = a.tolil()
            a[-1, :] = 1.0
            b = np.zeros(idx.size)
            b[-1] = 1.0
            # natural order without row interchanges: the dense row stays last and fills only
            # itself (P^T - I is column diagonally dominant, so the pivots need no search); a
            # fill-reducing order spread it (4 s for 3e4 states, seed 31 of the deep profile)
            pi = _splu(a.tocsc(), permc_spec="NATURAL", diag_pivot_thresh=0.0).solve(b)
        pi = pi / pi.sum()
        p_spike = float(np.dot(pi, spk[idx]))
        if not (math.isfinite(p_spike) and -1e-12 <= p_spike <= 1.0 + 1e-12):
            raise ConvergenceError(
                f"the lattice chain (h = {self.h:.3g}, step_std = {self.s:.3g}) is too coarse to "
                f"resolve the increment law (step_std << (v_th - v_lower)/{_MAX_CELLS}); its "
                f"stationary solve gave p = {p_spike!r}")
        if return_pi:
            return p_spike, pi, idx
        return min(max(p_spike, 0.0), 1.0)

    def green(self):
        """Expected visits of each cell before the first passage from the reset point, with the
        mass that lands below the lattice killed (its lower atom, if any, left out).

        One natural-order sparse solve of :math:`(I - P^T) g = P^T e_0` without pivoting: I - P
        is an M-matrix, so the elimination only adds non-negative terms and every entry of g is
        accurate to a few ulps relative, also where it is tiny (a tilted weighting multiplies
        such entries by up to e^40 in :func:`_first_passage_overshoot`)."""
        mat, _ = self.transition()
        n = self.n
        a = (_sparse.identity(n, format="csc") - mat[:n, :n].T).tocsc()
        b = mat[n, :n].toarray().ravel()     # the first landing from the reset atom
        return _splu(a, permc_spec="NATURAL", diag_pivot_thresh=0.0).solve(b)

    def occupation(self, killed=False):
        """The sources of the first passage from the reset point and their expected visits:
        (positions, visits). ``killed``: the killed Green's function (:meth:`green`) plus the
        reset atom's single visit; otherwise the stationary law of the chain that re-injects at
        the reset after each crossing (proportional to the occupation per cycle; that solve
        stays regular when crossings are rare), with the lower atom reflecting."""
        if killed:
            return np.append(self.centres, 0.0), np.append(self.green(), 1.0)
        _, g, idx = self.stationary(return_pi=True)
        x = np.empty(idx.size)
        sel = idx < self.n
        x[sel] = self.centres[idx[sel]]
        for j, x0 in ((self.n, 0.0), (self.n + 1, self.lower)):
            x[idx == j] = x0
        return x, g


def _weighted_excess(s, logw, z):
    """The mean of the per-source mean excess s e(-z) (z = (x + m - theta)/s, e(c) = E[Z - c |
    Z > c] = 1/R(c) - c) under the log weights ``logw`` (sources with -inf weight dropped);
    where every weight underflows to -inf (each crossing > ~1e154 SDs away) the weight is all on
    the largest z."""
    keep = logw > -np.inf
    if not np.any(keep):
        if not np.any(np.isfinite(z)):
            raise ConvergenceError("the lattice's occupation before the first passage vanished (no source)")
        return float(s * _mean_excess(-np.max(z)))
    logw, z = logw[keep], z[keep]
    wts = np.exp(logw - logw.max())
    return float(s * np.dot(wts, _mean_excess(-z)) / wts.sum())


def _first_passage_overshoot(m, s, theta, lower, killed=None, nps=NODES_PER_STD):
    r"""E[V_T - v_th | T < inf] from the reset (x = 0) for the Gaussian walk N(m, s^2), threshold
    at theta, on the lattice (``nps`` cells per SD); ``lower`` the reflecting bound (relative to
    the reset) or None; ``killed`` forces the closure of a tilted walk (None: by gamma s).

    From a source x the step crosses with P = Phi(z), z = (x + m - theta)/s (the threshold is a
    cell edge), overshooting by s e(-z) on average; the sources are weighted by their expected
    visits before the first passage. Without a lower bound and m < 0 the walk is transient and
    crosses with probability < 1; conditioned on crossing it is the exponential tilt of the walk
    with drift |m| (the Gaussian step law times e^{gamma x}, gamma = 2|m|/s^2, is N(|m|, s^2)):

    .. math::

        E_P[f(R); T < \infty] = E_Q[f(R)\, e^{-\gamma (S_T - v_0)}],

    so the sources are the tilted walk's visits G_Q(x), weighted by
    e^{gamma (theta - x)} Phi(z) (the completed square of e^{-gamma r} times Q's crossing
    density is P's), in log space. The tilted walk is killed 40/gamma below the reset (the
    untilted paths that return from there are e^-40 of those that cross) where that is shallow
    (gamma s >= 1), and otherwise given the reflecting floor max(theta, 12 s) below the reset as
    for m >= 0 (there the tilt amplifies the solve's rounding by at most e^0.5)."""
    # inf for s below ~1e-150: its cells are refused below
    gamma = -2.0 * m / s / s if lower is None and m < 0.0 else 0.0
    killed = bool(gamma) and (gamma * s >= 1.0 if killed is None else killed)
    if lower is None:
        lower = -40.0 / gamma if killed else -max(theta, 12.0 * s)
    lattice = _Lattice(abs(m) if gamma else m, s, theta, lower, "zero", depth=0.0, nps=nps)
    if lattice.h > 2.0 * s / NODES_PER_STD:
        # the cell cap leaves the increment law unresolved (error O((h/s)^2), 1e-3 at h = s/8):
        # with s = 5e-13 and cells of 1e-4 V it returned half the first-step overshoot s/c
        raise ConvergenceError(
            f"mean_overshoot: the lattice's cells ({lattice.h:.3g} V: at most {_MAX_CELLS} over the "
            f"{theta - lattice.bottom:.3g} V it spans) are too coarse for an increment SD of {s:.3g} V (at most "
            f"{2.0 / NODES_PER_STD:g} SD per cell): raise s or lower the span v_th - v_lower")
    x, g = lattice.occupation(killed)
    z = (x + m - theta) / s
    with np.errstate(divide="ignore"):
        logw = np.log(g) + log_ndtr(z)
    if gamma:
        logw += gamma * (theta - x)
    return _weighted_excess(s, logw, z)


def _per_step(fn, m, s, step_mean, step_std):
    """The per-step mean and SD, from ``(m, s)`` or the deprecated ``step_mean=``/``step_std=``;
    returns them with the names the caller used (for the messages)."""
    if step_mean is not None or step_std is not None:
        if m is not None or s is not None:
            raise ParameterError(f"{fn}: pass the per-step mean and SD as (m, s), not together with the "
                                 "deprecated step_mean=/step_std=")
        warnings.warn(f"{fn}(step_mean=, step_std=) is deprecated and will be removed in the next release; "
                      f"pass the per-step mean and SD positionally, {fn}(m, s, ...)", DeprecationWarning,
                      stacklevel=3)
        names = ("step_mean", "step_std")
        m, s = step_mean, step_std
    else:
        names = ("m", "s")
    for name, value, what in zip(names, (m, s), ("mean", "SD")):
        if value is None:
            raise ParameterError(f"{fn} needs {name}, the increment {what} per step (V/step); got None")
    return m, s, names


def _mean_excess(c):
    """E[Z - c | Z > c] for a standard normal Z: 1/R(c) - c, by its asymptotic series for
    c > 40 (where the difference cancels; both are within 1e-12 relative of mpmath there)."""
    c = np.asarray(c, float)
    out = np.empty_like(c)
    big = c > 40.0
    out[~big] = np.exp(-_log_mills(c[~big])) - c[~big]
    cb = c[big]
    u = 1.0 / (cb * cb)
    out[big] = (1.0 - u * (2.0 - u * (10.0 - u * (74.0 - 706.0 * u)))) / cb
    return out


def _walk_args(step_mean, step_std, v_th, v_reset, reset, v_lower, names=("m", "s")):
    m = check("m", step_mean, label=names[0])
    s = check("s", step_std, label=names[1])
    th = check("v_th", v_th)
    vr = check("v_reset", v_reset)
    check_below("v_reset", vr, "v_th", th)
    check_choice("reset", reset, ("zero", "subtract"))
    if v_lower is None:
        lo = np.full((), np.nan)
    else:
        lo = check("v_lower", v_lower)
        check_below("v_lower", lo, "v_reset", vr, strict=False)
    return broadcast(**{names[0]: m, names[1]: s, "v_th": th, "v_reset": vr, "v_lower": lo})


def _depth(n, m, s, theta):
    """How far below the reset the lattice must reach for an n-step horizon (no lower bound)."""
    z = _KERNEL_SDS

    def turn(drift):
        # the step where z s sqrt(t) - |drift| t peaks, capped at n (compared without squaring,
        # which overflows for a vanishing drift)
        return n if 2.0 * abs(drift) * math.sqrt(n) <= z * s else (z * s / (2.0 * abs(drift))) ** 2

    t_star = turn(m) if m > 0 else n
    spread = z * s * math.sqrt(t_star) - m * t_star
    r_star = turn(m) if m < 0 else n
    ret = z * s * math.sqrt(r_star) + m * r_star
    return max(min(spread, ret - theta), 0.0) + 2 * s


def _deterministic_counts(n_arr, m, theta, reset):
    n_arr = np.asarray(n_arr, float)
    if m <= 0:
        return np.zeros_like(n_arr)
    if reset == "zero":
        period = max(math.ceil(theta / m - 1e-12), 1)
        return np.floor(n_arr / period)
    if m >= theta:
        return n_arr
    return np.floor(n_arr * m / theta + 1e-9)


def ladder_overshoot(m=None, s=None, *, step_mean=None, step_std=None):
    r"""Mean overshoot of a Gaussian random walk over a distant level (stationary ladder overshoot).

    For increments N(m, s²) with m > 0 (per-step quantities), the overshoot over a level far
    above the start has the renewal-theory limit :math:`E[R_\infty] = E[H^2]/(2E[H])` (H the
    ascending ladder height), which Spitzer's formula gives in closed series form:

    .. math::

        E[R_\infty] = \frac{s^2 + m^2}{2m} - \sum_{n\ge1}\frac{1}{n}E[S_n^-], \qquad
        E[S_n^-] = s\sqrt n\,\varphi(z_n) - nm\,\Phi(-z_n),\ z_n = \frac{m\sqrt n}{s}.

    It tends to Siegmund's :math:`\beta^* s` (:data:`BETA_STAR`) as m → 0, with slope 1/4:
    :math:`E[R_\infty] = \beta^* s + m/4 + O(m^2/s)`; that expansion is used below
    m = 0.01 s (error < 5e-6 s), and for m <= 0 the driftless value is returned. The series is
    summed to n = 80 s²/m² (terms below 1e-17 relative). Agrees with the exact finite-level
    :func:`mean_overshoot` of the lattice to 3e-4 relative for θ >= 3 s.

    References
    ----------
    Siegmund D (1985) *Sequential Analysis*, Springer, Cor. 8.45 (this series) and Eq. (10.55)
    (β*). Spitzer F (1956) Trans AMS 82:323 (Spitzer's identity, from which the series
    follows). Spitzer F (1960) Trans AMS 94:150 (ladder heights of the driftless walk, the
    m → 0 limit β* s).

    Examples
    --------
    >>> from snntheory.wiener import ladder_overshoot, BETA_STAR
    >>> float(ladder_overshoot(0.0, 1.0)) == BETA_STAR
    True
    """
    m, s, names = _per_step("ladder_overshoot", m, s, step_mean, step_std)
    m = check("m", m, label=names[0])
    s = check("s", s, label=names[1])
    m, s = broadcast(**{names[0]: m, names[1]: s})
    out = np.zeros(m.shape)
    for idx in np.ndindex(m.shape):
        if s[idx] > 0:
            out[idx] = _r_inf(float(m[idx]), float(s[idx]))
    return scalar_or_array(out)


def _renewal_counts(n_arr, m, s, theta, reset):
    """Renewal approximation of the expected count (continuous FPT law, shifted barriers).

    Reset to zero: spikes form a renewal process whose k-th spike is the first passage of
    the free walk over k(theta + E[R_inf]) (sums of inverse-Gaussian times are inverse
    Gaussian). Subtract: the k-th spike is the first passage of the free walk over
    k*theta + beta* s (discrete-monitoring shift of the running maximum).
    """
    n_arr = np.asarray(n_arr, float)
    n_max = float(n_arr.max())
    if reset == "zero":
        step = theta + _r_inf(m, s)
        first = step
    else:
        step = theta
        first = theta + BETA_STAR * s
    reach = n_max * max(m, 0.0) + 12.0 * s * math.sqrt(n_max) + first
    k = np.arange(0, int(math.ceil(reach / step)) + 2, dtype=float)
    a = first + k * step
    cdf = np.asarray(fpt_cdf(n_arr[:, None], m, s, distance=a[None, :]))
    # the step map spikes at most once per step, so the (k+1)-th spike needs k+1 steps: the
    # continuous passage law counts passages within a step that the map cannot make
    return np.sum(np.where(k[None, :] + 1.0 <= n_arr[:, None], cdf, 0.0), axis=1)


def spike_count(n_steps, m=None, s=None, *, v_th=1.0, v_reset=0.0, reset="zero", v_lower=None,
                method="exact", step_mean=None, step_std=None):
    r"""Expected number of spikes of the discrete-time perfect integrator in ``n_steps`` steps.

    The neuron starts at ``v_reset`` and runs the canonical step map with ``beta = 1``:
    ``V[t] = V[t-1] + I[t]`` with i.i.d. :math:`I[t] \sim N(m, s^2)`, then
    ``V <- max(V, v_lower)`` if a lower bound is given, a spike where ``V >= v_th`` and the
    reset (``"zero"``: ``V = v_reset``; ``"subtract"``: ``V -= v_th - v_reset``). (Per-step
    quantities: there is no σ here; in the diffusion limit ``s**2 = sigma**2 * dt``.)

    Parameters
    ----------
    n_steps : array_like of int
        Horizon in steps, >= 0 (broadcasts with the other arguments).
    m : array_like
        Mean increment per step (V/step), any sign.
    s : array_like
        Increment SD per step (V/step), >= 0 (0 is the deterministic map).
    v_th, v_reset : array_like, keyword-only
        Threshold and reset, ``v_reset < v_th``.
    reset : {"zero", "subtract"}, keyword-only
    v_lower : array_like or None, keyword-only
        Reflecting lower bound, ``v_lower <= v_reset``; None for none.
    step_mean, step_std : array_like, keyword-only
        Deprecated names of ``m`` and ``s`` (DeprecationWarning; removed in the next release).
    method : {"exact", "renewal"}, keyword-only
        ``"exact"`` (default): the lattice route below. ``"renewal"``: a fast approximation
        without lower bound (the k-th spike is the continuous first passage over
        k(θ + E[R∞]) for reset to zero, over kθ + 0.5826 s for subtract); measured within
        1 % of the exact count for counts above 0.5 and within 3.5 % below, over
        s/θ in [0.03, 0.3], ``|m|`` <= s, horizons 100–10,000.

    Returns
    -------
    ndarray or scalar
        Expected spike count (dimensionless), broadcast shape.

    Raises
    ------
    ParameterError
        Negative ``s`` or ``n_steps``, ``v_reset >= v_th``, ``v_lower > v_reset``, an
        unknown ``reset``.

    Notes
    -----
    Exact numerical route: the distribution of V (post-reset) is propagated step by step on a
    lattice of cells of width h = s/8 with the threshold on a cell edge. One step is the
    convolution with the exact cell-integrated Gaussian increment (FFT for large lattices);
    the mass above threshold is the spike probability of that step and is re-injected at the
    exact reset point (zero) or shifted down by θ (subtract); mass below ``v_lower`` collects in
    an exact atom at ``v_lower``. Without a lower bound the lattice reaches down as far as mass
    can still return to threshold within the horizon (9 SDs), so nothing that matters is cut.
    Accuracy: lattice error about 1e-3 relative (second order in h/s), and agreement with the seeded
    simulation of :func:`snntheory.simulate.run_step_map` within 2 % or 4 standard errors over
    s/θ in [0.03, 0.3], ``|m|`` <= s, horizons 100–10,000, both resets, with and without a bound
    (``tests/test_wiener.py``). Cost grows like n_steps × lattice size: a 10,000-step horizon
    with s/θ = 0.03, m = 0 and no bound (lattice ~7,000 cells) takes 1–4 s. With a lower bound
    the chain is run until it is stationary (40 ((v_th - v_lower)/s)² steps) and continued
    exactly with the stationary spike probability; without one, runs beyond 3e9 cell-steps
    fall back to ``method="renewal"`` with an ``ApproximationWarning``.

    Limits: with m = 0 and no bound the count grows like
    :math:`s\sqrt{2n/\pi}/(\theta + \beta^* s)` (reflection principle for the running maximum,
    levels :math:`\theta + \beta^* s` apart for reset to zero; θ apart for subtract), so the rate
    decays as :math:`n^{-1/2}`: firing-rate collapse in time. For long horizons ``spike_count(n)/n`` tends to
    :func:`firing_probability`.

    References
    ----------
    Feller W (1971) *An Introduction to Probability Theory and its Applications* vol. 2,
    §XII (ladder variables) and §XI (renewal theory). Siegmund D (1979) Adv Appl Prob 11:701
    (corrected diffusion approximations). Perez-Nieves N & Goodman DFM (2023) arXiv:2305.08879.

    Examples
    --------
    Zero drift, no bound: the count grows like sqrt(n) (rate collapse).

    >>> from snntheory.wiener import spike_count
    >>> c1, c4 = spike_count([400, 1600], 0.0, 0.3)
    >>> bool(2.0 < c4 / c1 < 2.2)
    True
    >>> float(spike_count(100, 0.1, 0.0, reset="subtract"))   # deterministic
    10.0
    """
    m, s, names = _per_step("spike_count", m, s, step_mean, step_std)
    n = check("n_steps", n_steps)
    m, s, th, vr, lo = _walk_args(m, s, v_th, v_reset, reset, v_lower, names)
    check_choice("method", method, ("exact", "renewal"))
    if method == "renewal" and v_lower is not None:
        raise ParameterError("method='renewal' has no lower bound; use method='exact' with v_lower")
    n, m, s, th, vr, lo = broadcast(n_steps=n, **{names[0]: m, names[1]: s}, v_th=th, v_reset=vr, v_lower=lo)
    out = np.empty(n.shape)
    groups: dict = {}
    for idx in np.ndindex(n.shape):
        key = (float(m[idx]), float(s[idx]), float(th[idx] - vr[idx]),
               None if np.isnan(lo[idx]) else float(lo[idx] - vr[idx]))
        groups.setdefault(key, []).append(idx)
    for (mm, ss, theta, lower), idxs in groups.items():
        n_list = np.array([n[i] for i in idxs])
        n_max = int(n_list.max())
        if ss == 0.0:
            vals = _deterministic_counts(n_list, mm, theta, reset)
        elif n_max == 0:
            vals = np.zeros(len(idxs))
        elif method == "renewal":
            vals = _renewal_counts(n_list, mm, ss, theta, reset)
        else:
            lat = _Lattice(mm, ss, theta, lower, reset, depth=_depth(n_max, mm, ss, theta), band_cap=False)
            n_mix = int(_MIX_STEPS * ((theta - lower) / ss) ** 2) + 100 if lower is not None else n_max
            if lower is not None and n_max > n_mix:
                # bounded chain: after n_mix steps it is stationary to exp(-49); continue exactly
                # with the stationary spike probability of the same lattice
                cum = np.concatenate([[0.0], np.cumsum(lat.counts(n_mix))])
                # continue with the same lattice's stationary probability where no cap binds,
                # else its asymptote (s >> theta) or band-capped lattice
                p_st = _lattice_probability_one(mm, ss, theta, lower, reset)
                nn = n_list.astype(int)
                vals = np.where(nn <= n_mix, cum[np.minimum(nn, n_mix)], cum[-1] + (nn - n_mix) * p_st)
            elif lower is None and n_max * lat.n > _MAX_WORK:
                warnings.warn(
                    f"spike_count: an exact lattice run of {n_max} steps x {lat.n} cells exceeds "
                    f"{_MAX_WORK:.0e} cell-steps; using method='renewal' (within 1 % for counts > 0.5)",
                    ApproximationWarning, stacklevel=2)
                vals = _renewal_counts(n_list, mm, ss, theta, reset)
            else:
                cum = np.concatenate([[0.0], np.cumsum(lat.counts(n_max))])
                vals = cum[n_list.astype(int)]
        for i, val in zip(idxs, vals):
            out[i] = val
    return scalar_or_array(out)


def mean_overshoot(m=None, s=None, *, v_th=1.0, v_reset=0.0, v_lower=None, step_mean=None, step_std=None):
    r"""Mean overshoot :math:`E[V_T - v_\mathrm{th}]` at the first passage from ``v_reset``.

    For the Gaussian random walk of :func:`spike_count` (``beta = 1``). With reset to zero,
    Wald's identity turns it into the stationary rate, :math:`p = m/(\theta + E[R])` (no
    lower bound, m > 0). For θ ≫ s it tends to the ladder overshoot of
    :func:`ladder_overshoot`, :math:`\beta^* s + m/4 + O(m^2/s)` (:data:`BETA_STAR` = 0.5826).

    Computed exactly on the lattice of :func:`spike_count`: the expected occupation of each
    cell before the first passage (Green's function of the absorbing chain, one sparse
    solve) weighted by the crossing probability and mean excess of a step from it,
    :math:`\Phi(z)` and :math:`s\,(1/R(-z) + z)`, :math:`z = (x+m-\theta)/s`. Without a lower
    bound and m < 0 the walk crosses with probability < 1 and the result is the overshoot given
    that it crosses: the walk conditioned on crossing is the exponential tilt of the walk with
    drift :math:`|m|` (:math:`E_P[f(R); T<\infty] = E_Q[f(R)\,e^{-\gamma(\theta + R)}]`,
    :math:`\gamma = 2|m|/s^2`; Siegmund 1985, Ch. VIII), whose occupation is weighted in log
    space, so the result is resolved also where crossing is an e^-285000 event (m = -0.0994,
    s = 8.35e-4, θ = 1: 3.50e-6, about :math:`1/\gamma`: the walk climbs in many small steps,
    not in one jump). The walk drifting up, or the tilted one, is given an artificial
    reflecting floor max(θ, 12 s) below the reset (paths that return from there cross with the
    same far-from-threshold overshoot law), or for a strong tilt (γ s >= 1) killed 40/γ below it
    (e^-40 of the crossings return from there).
    Cells of at most s/4 (error ~4e-3 at that bound); where the lattice's cell cap would make them
    coarser (s below ~4e-4 of the span), ConvergenceError.

    References
    ----------
    Siegmund D (1985) *Sequential Analysis*, Springer, Ch. VIII (the exponential change of
    measure for random walks and ladder overshoots; Cor. 8.45, the m → 0 limit).

    Examples
    --------
    >>> from snntheory.wiener import mean_overshoot, BETA_STAR
    >>> r = mean_overshoot(1e-3, 0.02, v_th=1.0)
    >>> bool(abs(r / 0.02 - (BETA_STAR + 1e-3 / 0.02 / 4)) < 1e-3)    # Siegmund: 0.5826 s + m/4
    True
    """
    m, s, names = _per_step("mean_overshoot", m, s, step_mean, step_std)
    m, s, th, vr, lo = _walk_args(m, s, v_th, v_reset, "zero", v_lower, names)
    out = np.empty(m.shape)
    for idx in np.ndindex(m.shape):
        mm, ss, theta = float(m[idx]), float(s[idx]), float(th[idx] - vr[idx])
        lower = None if np.isnan(lo[idx]) else float(lo[idx] - vr[idx])
        if ss == 0.0:
            out[idx] = (math.ceil(theta / mm - 1e-12) * mm - theta) if mm > 0 else 0.0
            continue
        out[idx] = _first_passage_overshoot(mm, ss, theta, lower)
    return scalar_or_array(out)


def firing_probability(m=None, s=None, *, v_th=1.0, v_reset=0.0, reset="zero", v_lower=None, step_mean=None,
                       step_std=None):
    r"""Stationary spike probability per step of the discrete-time perfect integrator.

    The step map of :func:`spike_count` (``beta = 1``, Gaussian increments N(m, s²), per-step
    quantities; in the diffusion limit ``s**2 = sigma**2 * dt``), in its stationary state:
    the ``beta = 1`` case of :func:`snntheory.discrete.firing_probability`, computed by the
    same solver (so the two agree to rounding, ``v_lower`` included).

    Parameters
    ----------
    m : array_like
        Mean increment per step (V/step), any sign.
    s : array_like
        Increment SD per step (V/step), >= 0 (0 is the deterministic map).
    v_th, v_reset, reset, v_lower : keyword-only
        As for :func:`spike_count`.
    step_mean, step_std : array_like, keyword-only
        Deprecated names of ``m`` and ``s`` (DeprecationWarning; removed in the next release).

    Returns
    -------
    ndarray or scalar
        Spikes per step in [0, 1]. 0 where there is no stationary firing: no lower bound and
        m <= 0 (null-recurrent for m = 0, transient for m < 0).

    Raises
    ------
    ParameterError
        An argument outside its domain, mismatched shapes, empty arrays.
    ConvergenceError
        The step-map solver's grid would exceed its cap (s below ~1e-3 of the voltage range
        the membrane visits, where no limit applies).

    Notes
    -----
    - No lower bound, ``reset="subtract"``, m > 0: :math:`p = \min(m/\theta, 1)` exactly
      (every θ of accumulated drive is one spike; conservation); with a lower bound and
      m >= θ the walk escapes upwards and p = 1.
    - Otherwise the Nyström solution of the chain's stationary (or renewal) equation of
      :func:`snntheory.discrete.firing_probability` (relative accuracy 1e-6), with the exact
      exponential tails of the perfect integrator closing the grid: below the reset
      (:math:`e^{2mu/s^2}`, zero reset, m > 0, no bound) and above the threshold
      (:math:`e^{-2(\theta-m)u/s^2}`, subtract reset with a bound, where the walk spikes every
      step). Wald's identity :math:`p = m/(\theta + E[R])` with the mean overshoot of
      :func:`mean_overshoot` (≈ 0.5826 s + m/4, :func:`ladder_overshoot`) is the independent
      check for zero reset, and :math:`1 - p \approx \sqrt2\,\varepsilon(e^{-\beta^*\varepsilon}
      - L/s)`, :math:`\varepsilon = (\theta - m)/s`, for the subtract reset with a bound and
      s ≫ θ. In the small-step limit with a bound this is the reflecting/absorbing result
      :math:`p = s^2/((\theta-L)^2 - L^2)` at zero drift (:func:`firing_rate` with
      ``v_lower``), and :math:`s^2/((\theta - L + 2\beta^* s)^2 - (-L + \beta^* s)^2)` with
      the discrete-monitoring shifts (``L = v_lower - v_reset``).
    - ``s = 0``: the deterministic map (period ``ceil(theta/m)`` for reset to zero; the lower
      bound never binds on it).

    Accuracy: 1e-6 relative (the solver's refinement check); agreement with seeded simulation
    within 4 standard errors (``tests/test_wiener.py``, ``tests/test_properties_wiener.py``).

    References
    ----------
    Wald A (1944) Ann Math Stat 15:283 (Wald's identity). Siegmund D (1979) Adv Appl Prob
    11:701, Eq. (1.4) and (3.7). Perez-Nieves N & Goodman DFM (2023) arXiv:2305.08879
    (solutions S1, S2).

    Examples
    --------
    >>> from snntheory.wiener import firing_probability
    >>> float(firing_probability(0.03, 0.1, reset="subtract"))   # m / theta
    0.03
    >>> float(firing_probability(0.0, 0.1))                      # null-recurrent
    0.0
    >>> p = firing_probability(0.0, 0.1, v_lower=0.0)
    >>> bool(abs(p - 0.1**2 / ((1 + 2*0.5826*0.1)**2 - (0.5826*0.1)**2)) < 5e-5)
    True
    """
    m, s, names = _per_step("firing_probability", m, s, step_mean, step_std)
    m, s, th, vr, lo = _walk_args(m, s, v_th, v_reset, reset, v_lower, names)
    out = np.empty(m.shape)
    cache: dict = {}
    for idx in np.ndindex(m.shape):
        mm, ss, vth, vres = float(m[idx]), float(s[idx]), float(th[idx]), float(vr[idx])
        lower = None if np.isnan(lo[idx]) else float(lo[idx])
        key = (mm, ss, vth, vres, lower)
        if key not in cache:
            cache[key] = _discrete._rate_one(IncrementDistribution.gaussian(mm, ss), 1.0, vth, vres, reset, 0, lower)
        out[idx] = cache[key]
    return scalar_or_array(out)


def _subtract_bounded_asymptote(m, s, theta, lower):
    """Stationary p for reset="subtract" with a lower bound when s >> theta - m, ``|m|``, theta - L.

    In units of s the band [L, theta) shrinks to a point and V is the Lindley (reflected) walk
    with drift -eps, eps = (theta - m)/s, that spikes whenever it is above the band; no spike
    is (to first order) the atom of its maximum at 0, P(M = 0) = exp(-sum_n Phi(-eps sqrt n)/n)
    (Spitzer 1956), which equals sqrt(2) eps exp(-beta* eps) to 2e-6 relative for eps <= 0.05
    (measured), plus the band itself, sqrt(2) eps (-L)/s (coefficient fitted to the lattice:
    1.31, 1.36, 1.40 at s = 20, 30, 40 theta). Residual against the exact lattice: <= 1.5e-4
    absolute for eps, -L/s <= 0.05 (measured at s = 10-40 theta, m in [-0.5, 0.3] theta,
    L in [-1, 0] theta); it shrinks like eps^2.
    """
    eps = (theta - m) / s
    return -math.expm1(math.log(math.sqrt(2.0) * eps) + math.log(math.exp(-BETA_STAR * eps) - lower / s))


def _firing_probability_one(m, s, theta, lower, reset):
    """Stationary spikes per step in coordinates relative to the reset (discrete's solver at beta = 1)."""
    return _discrete._rate_one(IncrementDistribution.gaussian(m, s), 1.0, theta, 0.0, reset, 0, lower)


def _lattice_probability_one(m, s, theta, lower, reset):
    """The lattice route (1e-3): kept as an independent check of the step-map solver in the tests."""
    if s == 0.0 or (lower is None and m <= 0.0):
        if m <= 0.0:
            return 0.0
        if reset == "subtract":
            return min(m / theta, 1.0)
        return 1.0 / max(math.ceil(theta / m - 1e-12), 1)
    if reset == "subtract" and m >= theta:
        return 1.0  # the walk drifts upwards even while spiking every step
    if lower is None:
        if reset == "subtract":
            return m / theta
        if theta >= 3.0 * s:
            r = _r_inf(m, s)  # finite-level correction < 3e-4 relative here (measured)
        else:
            r = _first_passage_overshoot(m, s, theta, None)
        return m / (theta + r)
    lat = _Lattice(m, s, theta, lower, reset, depth=0.0)
    if lat.capped:
        if max(theta - m, theta - lower, abs(m)) <= _ASYM_RATIO * s:
            return _subtract_bounded_asymptote(m, s, theta, lower)
        warnings.warn(
            f"firing_probability: the subtract-reset lattice is capped at {_MAX_SUB_CELLS} cells; "
            f"its top clamps the stationary tail above threshold (scale s^2/(2(theta - m)) = "
            f"{s * s / (2 * (theta - m)):.3g} V), which biases p", ApproximationWarning, stacklevel=3)
    return lat.stationary()


# ----------------------------------------------------------------------------------------------
# layers: input statistics, the fixes (inverse formulas), depth collapse
# ----------------------------------------------------------------------------------------------


class StepStats(NamedTuple):
    """Per-step input statistics of a layer (see :func:`step_statistics`)."""

    __repr__ = _result_repr

    step_mean: np.ndarray
    step_std: np.ndarray


def step_statistics(*, n_in, p_in, w_mean, w_std):
    r"""Mean and SD per step of the input :math:`I = \sum_j w_j S_j` of one neuron (Campbell).

    ``n_in`` inputs spike independently with probability ``p_in`` per step; weights are i.i.d.
    with mean ``w_mean`` and SD ``w_std`` and independent of the spikes (annealed average):

    .. math:: m = n p \mu_w, \qquad s^2 = n p(\sigma_w^2 + \mu_w^2) - n p^2 \mu_w^2.

    (The annealed mean and variance of :func:`snntheory.neuron.layer_input`, as the mean and SD
    that :func:`firing_probability` takes.)

    Examples
    --------
    >>> from snntheory.wiener import step_statistics
    >>> st = step_statistics(n_in=100, p_in=0.1, w_mean=0.0, w_std=0.1)
    >>> float(st.step_mean), round(float(st.step_std), 12)
    (0.0, 0.316227766017)
    """
    li = layer_input(n_in, p_in, w_mean, w_std)
    m, var = np.asarray(li.mean, float), np.asarray(li.var, float)
    return StepStats(scalar_or_array(m), scalar_or_array(np.sqrt(np.maximum(var, 0.0))))


def _bisect_rate(fun, lo, hi, target, what):
    """Root of fun(x) = target on [lo, hi] with fun increasing (brentq, rtol 1e-10)."""
    return brentq(lambda x: fun(x) - target, lo, hi, xtol=1e-14, rtol=1e-10, maxiter=200)


def weight_mean_for_rate(p_out, *, n_in, p_in, w_std=0.0, v_th=1.0, v_reset=0.0, reset="zero"):
    r"""Weight mean that makes a perfect-integrator layer fire ``p_out`` spikes per step (S1).

    Solution S1 of firing-rate collapse: drive the non-leaky neuron through the drift. A layer
    of ``n_in`` inputs spiking with probability ``p_in`` per step and i.i.d. weights with mean
    μ_w and SD ``w_std`` gives per-step increments with :math:`m = n p \mu_w` and
    :math:`s^2 = np(\sigma_w^2 + \mu_w^2) - np^2\mu_w^2` (:func:`step_statistics`). This returns
    the μ_w > 0 for which :func:`firing_probability` (no lower bound) equals ``p_out``.

    Parameters
    ----------
    p_out : array_like
        Target spike probability per step, in (0, 1).
    n_in : int, keyword-only
        Fan-in.
    p_in : float, keyword-only
        Input spike probability per step, in (0, 1].
    w_std : float, keyword-only
        Weight SD (V); default 0.
    v_th, v_reset, reset
        As for :func:`firing_probability`.

    Returns
    -------
    ndarray or scalar
        The weight mean μ_w (V).

    Raises
    ------
    NoSolutionError
        If ``p_in = 0`` or the target is unreachable: ``p_out`` must lie in (0, 1)
        (subtract) or below the rate at μ_w → ∞ (reset to zero: 1 spike per step).

    Notes
    -----
    Subtractive reset: :math:`\mu_w = \theta p_\mathrm{out}/(n p_\mathrm{in})` exactly, for
    p_out < 1 (for rate preservation, μ_w = θ/n). Reset to zero: Wald's identity
    :math:`p_\mathrm{out} = m/(\theta + E[R])` is solved for μ_w by Brent's method on the
    forward :func:`firing_probability` (rtol 1e-10); the first-order answer is
    :math:`\mu_w \approx (\theta + 0.5826 s)p_\mathrm{out}/(n p_\mathrm{in}(1 - p_\mathrm{out}/4))`
    (from :math:`E[R] \approx 0.5826 s + m/4`; within 1 % for p_out <= 0.1).

    Examples
    --------
    >>> from snntheory.wiener import weight_mean_for_rate
    >>> float(weight_mean_for_rate(0.05, n_in=200, p_in=0.05, reset="subtract"))   # theta / n
    0.005
    """
    pt = check("p_out", p_out)
    broadcast(p_out=pt)
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    sd = check_scalar("w_std", w_std)
    th = check_scalar("v_th", v_th)
    vr = check_scalar("v_reset", v_reset)
    check_below("v_reset", vr, "v_th", th)
    check_choice("reset", reset, ("zero", "subtract"))
    theta = th - vr
    if p == 0.0:
        raise NoSolutionError("with p_in = 0 the layer receives no input; no weight mean gives a "
                              "positive rate (reachable range: [0, 0] spikes per step)", reachable=(0.0, 0.0))
    out = np.empty(pt.shape)
    for idx in np.ndindex(pt.shape):
        target = float(pt[idx])
        if reset == "subtract":
            out[idx] = theta * target / (n * p)
            continue

        def rate(mu):
            st = step_statistics(n_in=n, p_in=p, w_mean=mu, w_std=sd)
            return _firing_probability_one(float(st.step_mean), float(st.step_std), theta, None, "zero")

        # first-order guess, then a bracket around it
        s0 = math.sqrt(n * p) * sd
        guess = (theta + BETA_STAR * s0) * target / (n * p * max(1.0 - target / 4, 0.05))
        lo, hi = 0.5 * guess, 2.0 * guess
        while rate(lo) > target:
            lo *= 0.5
        k = 0
        while rate(hi) < target:
            hi *= 2.0
            k += 1
            if k > 60:
                raise NoSolutionError(
                    f"p_out = {target:g} is not reachable with reset to zero; reachable range (0, "
                    f"{rate(hi):g}) spikes per step", reachable=(0.0, rate(hi)))
        out[idx] = _bisect_rate(rate, lo, hi, target, "w_mean")
    return scalar_or_array(out)


def weight_std_for_rate(p_out, *, n_in, p_in, v_lower=0.0, v_th=1.0, v_reset=0.0, reset="zero"):
    r"""Weight SD that makes a zero-mean perfect-integrator layer with a lower bound fire ``p_out`` (S2).

    Solution S2 of firing-rate collapse: with zero-mean weights the membrane is a driftless
    random walk; a reflecting lower bound ``V <- max(V, v_lower)`` makes the mean interval
    finite, and the rate then grows with the step SD :math:`s = \sigma_w\sqrt{n p}`. This
    returns the σ_w for which :func:`firing_probability` with ``m = 0`` and the bound
    equals ``p_out``.

    Parameters
    ----------
    p_out : array_like
        Target spike probability per step, in (0, 1).
    n_in, p_in
        Fan-in and input spike probability per step (> 0).
    v_lower : float, keyword-only
        Reflecting lower bound (V), ``<= v_reset``; default 0.
    v_th, v_reset, reset
        As for :func:`firing_probability`.

    Returns
    -------
    ndarray or scalar
        Weight SD σ_w (V).

    Raises
    ------
    NoSolutionError
        If ``p_in = 0`` or ``p_out`` is not below the supremum of the rate over all weight SDs,
        stating the reachable range: (0, 1/2) for reset to zero (as s → ∞ every step is a jump
        from a bounded state that crosses threshold with probability → 1/2), (0, 1) for
        subtract (:math:`1 - p \approx \sqrt2\,\theta/s`, so every p_out < 1 is reachable).

    Notes
    -----
    Continuous-time answer (small steps): :math:`\sigma_w^2 = p_\mathrm{out}(\theta^2 -
    2\theta L)/(n p_\mathrm{in})`; with L = 0 and p_out = p_in, :math:`\sigma_w = \theta/\sqrt n`.
    Discrete time: Brent's method on the exact lattice :func:`firing_probability` (rtol 1e-10),
    in log s.

    Examples
    --------
    >>> from snntheory.wiener import weight_std_for_rate, firing_probability
    >>> sw = weight_std_for_rate(0.01, n_in=100, p_in=0.05)
    >>> s = float(sw) * (100 * 0.05) ** 0.5
    >>> round(float(firing_probability(0.0, s, v_lower=0.0)), 8)
    0.01
    """
    pt = check("p_out", p_out)
    broadcast(p_out=pt)
    n = check_int("n_in", n_in)
    p = check_scalar("p_in", p_in)
    th = check_scalar("v_th", v_th)
    vr = check_scalar("v_reset", v_reset)
    lo_b = check_scalar("v_lower", v_lower)
    check_below("v_reset", vr, "v_th", th)
    check_below("v_lower", lo_b, "v_reset", vr, strict=False)
    check_choice("reset", reset, ("zero", "subtract"))
    theta, lower = th - vr, lo_b - vr
    if p == 0.0:
        raise NoSolutionError("with p_in = 0 the layer receives no input; reachable range: [0, 0] spikes per step",
                              reachable=(0.0, 0.0))

    def rate(log_s):
        return _firing_probability_one(0.0, math.exp(log_s), theta, lower, reset)

    # the rate grows with s towards its supremum (s -> inf): 1/2 for reset to zero (each step a
    # jump from a bounded state crosses threshold with probability -> 1/2), 1 for subtract
    # (1 - p ~ sqrt(2) theta/s); the bracket stops at s = 1e17 theta, where both are reached
    # to within double precision, so only targets at or above the supremum are refused
    sup = 0.5 if reset == "zero" else 1.0
    log_s_max = math.log(1e17 * theta)
    out = np.empty(pt.shape)
    for idx in np.ndindex(pt.shape):
        target = float(pt[idx])
        # continuous-time guess
        s_guess = math.sqrt(target * (theta**2 - 2 * theta * lower))
        lo, hi = math.log(s_guess) - 0.7, math.log(s_guess) + 0.7
        while rate(lo) > target:
            lo -= 1.0
        while rate(hi) < target:
            if hi >= log_s_max or target >= sup:
                raise NoSolutionError(
                    f"p_out = {target:g} is not reachable with zero-mean weights, a lower bound and "
                    f"reset={reset!r}; reachable range (0, {sup:g}) spikes per step (supremum, "
                    f"approached as the weight SD grows without bound)", reachable=(0.0, sup))
            hi = min(hi + 2.0 if hi > math.log(30.0 * theta) else hi + 1.0, log_s_max)
        s = math.exp(_bisect_rate(rate, lo, hi, target, "w_std"))
        out[idx] = s / math.sqrt(n * p)
    return scalar_or_array(out)


class LayerRates(NamedTuple):
    """Predicted per-layer activity of a deep perfect-integrator network (:func:`layer_rates`).

    Attributes
    ----------
    rates : ndarray, shape (n_layers + 1,)
        Mean spike probability per step, input layer first.
    second_moment : ndarray, shape (n_layers + 1,)
        Mean over neurons of the squared per-neuron rate.
    """

    __repr__ = _result_repr
    _repr_html_ = _result_html

    rates: np.ndarray
    second_moment: np.ndarray


_N_HERMITE = 24   # Gauss-Hermite nodes over the neurons' quenched drift


def layer_rates(widths, w_means, w_stds, *, p_in, n_steps, v_th=1.0, v_reset=0.0, reset="zero",
                v_lower=None, method=None):
    r"""Predicted rate of every layer of a deep feed-forward network of perfect integrators.

    Layer l (l = 1..L) has ``widths[l]`` neurons, each receiving ``widths[l-1]`` inputs from the
    layer below through weights drawn once (quenched) from a distribution with mean
    ``w_means[l-1]`` and SD ``w_stds[l-1]``; the input layer (``widths[0]`` neurons) spikes
    with probability ``p_in`` per step. Each neuron runs the step map of :func:`spike_count`
    (``beta = 1``) for ``n_steps`` steps from ``v_reset``. This predicts the mean spike
    probability per step of each layer; its decay with depth under zero-mean ANN
    initialisations (Kaiming ``w_std = sqrt(2/n)``, Glorot ``sqrt(2/(n_in+n_out))``, PyTorch
    default ``1/sqrt(3 n)``) is firing-rate collapse.

    Parameters
    ----------
    widths : sequence of int
        Layer sizes, input layer first (length L + 1).
    w_means, w_stds : float or sequence of float
        Weight mean and SD per layer (length L, or a scalar for all).
    p_in : float, keyword-only
        Input spike probability per step.
    n_steps : int, keyword-only
        Horizon in steps.
    v_th, v_reset, reset, v_lower
        As for :func:`spike_count`.
    method : {None, "exact", "renewal"}, keyword-only
        The :func:`spike_count` method per quadrature node; None picks ``"renewal"`` without
        a lower bound (fast, within 1 %) and ``"exact"`` with one.

    Returns
    -------
    LayerRates

    Notes
    -----
    Mean-field propagation of the first two moments of the rates across neurons. With quenched
    weights, neuron i's increment has a neuron-specific drift :math:`m_i = \sum_j w_{ij} p_j`
    (Gaussian across neurons, mean :math:`n\mu_w\bar p`, variance
    :math:`n\sigma_w^2\overline{p^2}`) and variance :math:`s^2 = n(\sigma_w^2+\mu_w^2)(\bar p -
    \overline{p^2})`. With zero-mean weights the quenched drift, not the noise, sets the rate:
    about half of the neurons have a negative drift and fall silent, the others fire at
    m_i/θ. The layer's rates are the expectation of ``spike_count(n_steps; m_i, s)/n_steps``
    over the Gaussian of m_i (24-point Gauss–Hermite, each node one :func:`spike_count`: the
    ``"renewal"`` approximation without ``v_lower`` when ``method=None``, within 1 % of the
    exact lattice for counts above 0.5, and the exact lattice with ``v_lower`` or
    ``method="exact"``). Assumptions: presynaptic spike trains are independent and enter with
    their time-averaged rates (their non-stationarity within the horizon and their
    regularity are neglected). Measured against :func:`snntheory.simulate.network` (N = 1000,
    500 steps, p_in = 0.05, 4 networks): layer 1 within 2 % for all three initialisations;
    Kaiming layers 2–5 +1, +2, +2, +9 %; Glorot +2, +6, +10, +23 %; PyTorch default +6, +16 %
    at layers 2–3 (deeper layers are below 0.002 spikes per step). The prediction errs on the
    high side, so the collapse it shows is, if anything, understated. Tested in
    ``tests/test_wiener.py``.

    Examples
    --------
    Kaiming initialisation collapses the rates of a 4-layer IF network:

    >>> from snntheory.wiener import layer_rates
    >>> r = layer_rates([200] * 5, 0.0, (2 / 200) ** 0.5, p_in=0.05, n_steps=200).rates
    >>> bool(r[0] == 0.05 and all(r[1:] < r[:-1]))
    True
    """
    if isinstance(widths, (str, bytes)) or not np.iterable(widths):
        raise ParameterError(f"widths must be a sequence of layer sizes (integers >= 1, input first); got {widths!r}")
    widths = [check_int("n_in", w, label=f"widths[{i}]") for i, w in enumerate(widths)]
    n_layers = len(widths) - 1
    if n_layers < 1:
        raise ParameterError(f"widths must list at least two layers (input first); got {widths!r}")
    try:
        mus = np.broadcast_to(check("w_mean", w_means, label="w_means"), (n_layers,))
        sds = np.broadcast_to(check("w_std", w_stds, label="w_stds"), (n_layers,))
    except ValueError as err:
        if isinstance(err, ParameterError):
            raise
        raise ParameterError(f"w_means and w_stds must be scalars or have one entry per layer ({n_layers}); "
                             f"got shapes {np.shape(w_means)} and {np.shape(w_stds)}") from None
    p0 = check_scalar("p_in", p_in)
    n = check_int("n_steps", n_steps)
    if n < 1:
        raise ParameterError(f"n_steps must be >= 1 for layer_rates; got {n}")
    th = check_scalar("v_th", v_th)
    vr = check_scalar("v_reset", v_reset)
    check_below("v_reset", vr, "v_th", th)
    check_choice("reset", reset, ("zero", "subtract"))
    if v_lower is not None:
        check_below("v_lower", check("v_lower", v_lower), "v_reset", vr, strict=False)
    if method is None:
        method = "renewal" if v_lower is None else "exact"
    rates = [p0]
    second = [p0 * p0]
    pbar, p2 = p0, p0 * p0
    for layer in range(n_layers):
        k = widths[layer]
        mu, sd = float(mus[layer]), float(sds[layer])
        m_mean = k * mu * pbar
        m_sd = math.sqrt(k * sd * sd * p2)
        s = math.sqrt(max(k * (sd * sd + mu * mu) * (pbar - p2), 0.0))
        nodes, weights = normal_nodes(m_mean, m_sd, _N_HERMITE if m_sd > 0 else 1)
        counts = np.asarray(spike_count(n, nodes, s, v_th=th, v_reset=vr, reset=reset,
                                        v_lower=v_lower, method=method))
        r = counts / n
        pbar = float(np.dot(weights, r))
        p2 = float(np.dot(weights, r * r))
        rates.append(pbar)
        second.append(p2)
    return LayerRates(np.array(rates), np.array(second))

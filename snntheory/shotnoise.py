r"""The shot-noise LIF neuron: Poisson input jumps of finite size.

Model (voltages in V, times in s)

.. math::

    \tau_m \frac{dV}{dt} = e_L - V + \tau_m\sum_k A_k\,\delta(t-t_k^E)
                                    - \tau_m\sum_k B_k\,\delta(t-t_k^I),

excitatory jumps :math:`A_k = a_e X_k` arriving at Poisson rate ``rate_e`` and inhibitory jumps
:math:`B_k = a_i Y_k` at rate ``rate_i``; a jump that takes V to ``v_th`` or above is a spike,
V is reset to ``v_reset`` and held there for ``tau_ref``. The amplitude family fixes the law of
X and Y:

- ``"exponential"``: X, Y ~ Exp(1) (mean jumps ``a_e``, ``a_i``). The rate is the closed form of
  Richardson & Swarbrick (2010, Phys. Rev. Lett. 105:178102, eq. 3), evaluated in log space by
  adaptive quadrature with the end singularity integrated exactly (algebraic-weight rule).
- ``"fixed"``: X = Y = 1 (every jump exactly ``a_e`` or ``a_i``).
- :class:`Amplitudes` ``(exc=..., inh=...)``: any law (a frozen ``scipy.stats`` distribution, a
  sampled histogram, a number), e.g. what a neuron sees from a layer with Gaussian weights
  (:func:`gaussian_weight_input`).

Fixed and arbitrary amplitudes are solved exactly up to a grid error that is removed by
Richardson extrapolation (see :func:`firing_rate`, Notes). ``e_l < v_th`` is required: for
``e_l >= v_th`` the membrane would also cross the threshold by drift between inputs, which this
module refuses with a ParameterError rather than approximating.

Derivation: ``derivations/shotnoise.md`` (:mod:`snntheory.symbolic.shotnoise`).
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import fft as sfft
from scipy import integrate, linalg, optimize, special

from ._display import result_repr as _result_repr
from ._special import gth_stationary, one_blas_thread
from ._validate import DOMAINS, check, check_below, check_int, check_scalar, scalar_or_array
from .errors import ConvergenceError, ParameterError

__all__ = [
    "Amplitudes", "ShotInput", "MembraneMoments", "FreeCumulants", "DiffusionComparison",
    "firing_rate", "log_firing_rate", "stationary_density", "reset_mass", "membrane_moments",
    "free_cumulants", "gaussian_weight_input", "matched_diffusion", "diffusion_error",
    "ISIMoments", "mean_fpt", "log_mean_fpt", "isi_moments", "isi_cv", "fpt_density",
]

#: Largest accepted Richardson correction of the grid solver (relative); beyond it the grids are
#: too coarse for the asymptotic error law and a ConvergenceError is raised.
GRID_RTOL = 5e-2
#: Grid points per smallest length scale on the coarse grid (the fine grid has twice as many);
#: error after extrapolation: < 2e-4 relative against the exponential-amplitude closed form (tested).
GRID_RESOLUTION = 6
#: Largest fine-grid size (dense linear algebra: the cost of a solve grows as its cube).
GRID_MAX_POINTS = 2400
#: Largest estimated CPU time (s, one core) of the dense complex solves of one chain-route FPT-density
#: call (:func:`fpt_density`): two grids, 2M+1 transform values per time window and the slowest-mode
#: search, each solve costing about ``1.7e-10 n^3 + 5e-8 n^2`` s on an n-node grid (measured on the
#: reference machine). Beyond it a ConvergenceError says what the call would cost; raise it to accept
#: longer calls.
FPT_CHAIN_MAX_SECONDS = 1.5
#: Transform evaluations (on both grids) that the slowest-mode search of the tail typically needs.
_SLOWEST_MODE_SOLVES = 40
#: ln of half the smallest subnormal double: a density bounded below e^this is 0.0 in double
_LOG_DENSITY_UNDERFLOW = math.log(5e-324) - math.log(2.0)


# --------------------------------------------------------------------------------------------
# amplitude laws


def _check_spec(spec, which):
    label = f"amplitude.{which}"
    if isinstance(spec, str):
        if spec not in ("exponential", "fixed"):
            raise ParameterError(f"{label} must be 'exponential', 'fixed', a number, a frozen scipy.stats "
                                 f"distribution or an array of samples; got {spec!r}")
        return spec
    if hasattr(spec, "cdf") and hasattr(spec, "rvs"):
        lo = float(spec.support()[0])
        if not lo >= 0.0:
            raise ParameterError(f"{label} must be a distribution of jump sizes on [0, inf) (the sign is "
                                 f"given by the input type); its support starts at {lo:g}")
        m1 = float(spec.mean())
        if not (np.isfinite(m1) and m1 > 0 and np.isfinite(float(spec.var()))):
            raise ParameterError(f"{label} must have a finite positive mean and a finite variance")
        return spec
    arr = np.asarray(spec, dtype=float)
    if arr.ndim == 0:
        if not (np.isfinite(arr) and arr > 0):
            raise ParameterError(f"{label} must be > 0 (a fixed jump factor); got {float(arr)!r}")
        return float(arr)
    arr = arr.ravel()
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) or not arr.mean() > 0:
        raise ParameterError(f"{label} samples must be finite, >= 0, non-empty, with a positive mean")
    return arr


def _spec_moments(spec):
    """E[X], E[X^2] of an amplitude spec."""
    if isinstance(spec, str):
        return (1.0, 2.0) if spec == "exponential" else (1.0, 1.0)
    if isinstance(spec, float):
        return spec, spec * spec
    if isinstance(spec, np.ndarray):
        return float(spec.mean()), float(np.mean(spec * spec))
    m1 = float(spec.mean())
    return m1, float(spec.var()) + m1 * m1


@dataclass(frozen=True, eq=False)
class Amplitudes:
    r"""Laws of the jump factors: an excitatory jump is ``a_e * X`` with X ~ ``exc``, an
    inhibitory jump is ``-a_i * Y`` with Y ~ ``inh``.

    Each of ``exc`` and ``inh`` is ``"exponential"`` (Exp(1)), ``"fixed"`` (1), a positive number
    c (X = c), a frozen ``scipy.stats`` distribution on [0, inf) (continuous or discrete), or a
    1-d array of samples (their empirical law, e.g. the positive weights of a layer). Pass
    ``a_e = 1`` to give absolute jump sizes in the law itself.

    Examples
    --------
    >>> from scipy import stats
    >>> amp = Amplitudes(exc=stats.gamma(2.0, scale=0.5), inh="fixed")
    >>> amp.moments()
    ((1.0, 1.5), (1.0, 1.0))
    """

    __repr__ = _result_repr

    exc: object = "exponential"
    inh: object = "exponential"

    def __post_init__(self):
        object.__setattr__(self, "exc", _check_spec(self.exc, "exc"))
        object.__setattr__(self, "inh", _check_spec(self.inh, "inh"))

    def moments(self):
        """``((E[X], E[X^2]), (E[Y], E[Y^2]))``."""
        return _spec_moments(self.exc), _spec_moments(self.inh)


def _as_amplitudes(amplitude) -> Amplitudes:
    if isinstance(amplitude, Amplitudes):
        return amplitude
    if isinstance(amplitude, str):
        if amplitude not in ("exponential", "fixed"):
            raise ParameterError(f"amplitude must be 'exponential', 'fixed' or an Amplitudes(exc=..., inh=...); "
                                 f"got {amplitude!r}")
        return Amplitudes(amplitude, amplitude)
    if hasattr(amplitude, "cdf") or isinstance(amplitude, (np.ndarray, list, tuple, float, int)):
        return Amplitudes(amplitude, amplitude)
    raise ParameterError(f"amplitude must be 'exponential', 'fixed', a distribution or an Amplitudes; "
                         f"got {amplitude!r}")


def _is_exponential(amp: Amplitudes) -> bool:
    return isinstance(amp.exc, str) and amp.exc == "exponential" and isinstance(amp.inh, str) \
        and amp.inh == "exponential"


class ShotInput(NamedTuple):
    """Shot-noise input of a layer: rates (Hz), mean jumps (V) and the amplitude laws."""

    __repr__ = _result_repr

    rate_e: float
    a_e: float
    rate_i: float
    a_i: float
    amplitude: Amplitudes


def gaussian_weight_input(n_in, input_rate, w_mean, w_std) -> ShotInput:
    r"""The shot-noise input a neuron receives from ``n_in`` Poisson inputs (rate ``input_rate``
    each) through weights drawn from N(``w_mean``, ``w_std**2``) (annealed: a fresh weight per spike).

    Positive weights are excitatory jumps, negative weights inhibitory jumps:
    ``rate_e = n_in*input_rate*P(w>0)`` with jumps distributed as ``w | w>0`` (a truncated normal),
    ``rate_i = n_in*input_rate*P(w<0)`` with jumps ``-w | w<0``. ``a_e`` and ``a_i`` are the mean
    jump sizes and the laws in :class:`Amplitudes` are normalised to unit mean.

    Examples
    --------
    Zero-mean weights split the input into equal halves with mean jump w_std*sqrt(2/pi):

    >>> inp = gaussian_weight_input(100, 10.0, 0.0, 0.1)
    >>> float(inp.rate_e), float(inp.rate_i), round(float(inp.a_e), 6)
    (500.0, 500.0, 0.079788)
    """
    from scipy import stats

    n_in = check_int("n_in", n_in)
    input_rate = check_scalar("input_rate", input_rate)
    w_mean = check_scalar("w_mean", w_mean)
    w_std = check_scalar("w_std", w_std)
    total = float(n_in) * input_rate
    if w_std == 0.0:
        if w_mean > 0:
            return _shot_input(total, w_mean, 0.0, 0.0, Amplitudes("fixed", "fixed"))
        if w_mean < 0:
            return _shot_input(0.0, 1.0, total, -w_mean, Amplitudes("fixed", "fixed"))
        return _shot_input(0.0, 1.0, 0.0, 0.0, Amplitudes("fixed", "fixed"))
    z = w_mean / w_std
    p_pos = float(special.ndtr(z))
    p_neg = float(special.ndtr(-z))
    # E[w | w>0] = m + s*phi(z)/Phi(z), written through the Mills ratio (stable for z << 0)
    a_e = w_std * (z + 1.0 / (math.sqrt(2 * math.pi) * 0.5 * special.erfcx(-z / math.sqrt(2))))
    a_i = w_std * (-z + 1.0 / (math.sqrt(2 * math.pi) * 0.5 * special.erfcx(z / math.sqrt(2))))
    # loc = z*scale makes the lower end of the support, loc + (-z)*scale, exactly 0 in floating
    # point (loc = z*w_std/a_e rounds differently and can leave it at -1e-17, outside [0, inf))
    scale_e, scale_i = w_std / a_e, w_std / a_i
    # a side whose probability underflows to 0 carries no input and its law is immaterial: give
    # it the z -> -inf limit of the normalised truncated normal (exponential), since scipy's
    # truncnorm moments are NaN there (|z| > ~1000)
    exc = stats.truncnorm(-z, math.inf, loc=z * scale_e, scale=scale_e) if p_pos > 0.0 else "exponential"
    inh = stats.truncnorm(z, math.inf, loc=-z * scale_i, scale=scale_i) if p_neg > 0.0 else "exponential"
    return _shot_input(total * p_pos, a_e, total * p_neg, a_i, Amplitudes(exc, inh))


def _shot_input(rate_e, a_e, rate_i, a_i, amplitude) -> ShotInput:
    """ShotInput with numpy-scalar fields (scalar in -> numpy scalar out)."""
    return ShotInput(np.float64(rate_e), np.float64(a_e), np.float64(rate_i), np.float64(a_i), amplitude)


# --------------------------------------------------------------------------------------------
# validation


def _check(name, value):
    """:func:`check`, plus what it lets through: ``None``, strings and other non-numbers, and
    empty arrays (a public function returns a value per element, so an empty call is an error)."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise ParameterError(f"{name} must be a real number ({DOMAINS[name].constraint()}); got {value!r}")
    arr = check(name, value)
    if arr.size == 0:
        raise ParameterError(f"{name} must not be empty; got an array of shape {arr.shape}")
    return arr


def _check_shapes(named):
    """The arrays (name -> array) must broadcast together; else a ParameterError naming their shapes."""
    try:
        return np.broadcast_shapes(*(a.shape for a in named.values()))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in named.items())
        raise ParameterError(f"the shapes of the arguments do not broadcast together: {shapes}") from None


def _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref, v=None):
    named = {"rate_e": rate_e, "a_e": a_e, "rate_i": rate_i, "a_i": a_i, "tau_m": tau_m, "v_th": v_th,
             "v_reset": v_reset, "e_l": e_l, "tau_ref": tau_ref}
    if v is not None:
        named["v"] = v
    named = {k: _check(k, x) for k, x in named.items()}
    _check_shapes(named)
    rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref = list(named.values())[:9]
    if np.any(np.isinf(tau_m)):
        raise ParameterError("tau_m must be finite for the shot-noise neuron; got inf")
    # inhibitory inputs of size 0 leave V where it is: they are no inputs (the relaxation between
    # inputs must not count them as events that the grid chain then loses)
    rate_i = np.where(a_i > 0.0, rate_i, 0.0)
    check_below("v_reset", v_reset, "v_th", v_th)
    lo, hi = np.broadcast_arrays(e_l, v_th)
    bad = ~(lo < hi)
    if np.any(bad):
        idx = tuple(np.argwhere(bad)[0]) if lo.ndim else ()
        raise ParameterError(
            f"e_l ({lo[idx]:g} V) must be below v_th ({hi[idx]:g} V): with e_l >= v_th the membrane "
            "reaches the threshold by drift between inputs, which the shot-noise solutions here exclude")
    return np.broadcast_arrays(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)


# --------------------------------------------------------------------------------------------
# exponential amplitudes: Richardson & Swarbrick (2010), eq. 3


def _log_isi_exponential(re, ae, ri, ai, tau, th, vr, el):
    r"""log of the mean free time T = tau*I (the ISI without tau_ref), Richardson & Swarbrick (2010) eq. 3.

    I = \int_0^{1/a} (1-ac)^{R_E tau - 1} F(c) dc with
    F(c) = (1+bc)^{R_I tau} e^{c theta'} (1 - e^{-E(c)})/c, E(c) = c(theta'-V_r') - ln(1-ac).
    """
    if re == 0.0:
        return math.inf
    th_, vr_ = th - el, vr - el
    rho, rhoi, a = re * tau, ri * tau, ae
    b = ai if ri > 0 else 0.0
    if b == 0.0:
        rhoi = 0.0

    def log_f(c):
        # log F(c) at one c in [0, 1/a], stable at c -> 0 and c -> 1/a (scalar math: quad calls it
        # ~10^4-10^5 times, where numpy's per-call overhead made it ~50 us and a call 2-4 s)
        q = th_ - vr_ + (-math.log1p(-a * c) / c if 0.0 < c and a * c < 1.0 else math.inf if c > 0.0 else a)
        e = q * c                                                              # E(c), q = E(c)/c
        if e < 0.5:
            val = q * (-math.expm1(-e) / e if e > 0.0 else 1.0)
        else:
            val = -math.expm1(-e) / c
        return rhoi * math.log1p(b * c) + c * th_ + math.log(val)

    c_end = 1.0 / a
    # maximiser of the smooth log-weight phi(c) = rho ln(1-ac) + rhoi ln(1+bc) + c theta' and its width
    cs, phis, width = _exp_peak(re, ae, ri, ai, tau, th_)
    opts = dict(limit=200, epsabs=0.0, epsrel=1e-11)
    total = 0.0
    # the end singularity (1-ac)^(rho-1) is left to the algebraic-weight rule on the last piece;
    # when the peak lies closer to the end than 1e-3 c_end (R_E tau_m << 1: the weight's layer is
    # far thinner than the variation of F), the last piece starts at c_end (1 - 1e-3) instead
    split = min(cs, c_end * (1.0 - 1e-3)) if rho < 3.0 else cs
    # left of the split: smooth integrand (1-ac)^(rho-1) F(c)
    if split > 0:
        pts = sorted({0.0, split, *[p for p in (cs - 3 * width, cs - 10 * width, cs - 30 * width) if 0 < p < split]})
        for lo, hi in zip(pts[:-1], pts[1:]):
            total += integrate.quad(
                lambda c: math.exp(float((rho - 1.0) * math.log1p(-a * c) + log_f(c)) - phis), lo, hi, **opts)[0]
    # right of the peak up to c = 1/a: algebraic weight (1/a - c)^(rho - 1), integrated exactly
    pts = sorted({split, c_end, *[p for p in (cs + 3 * width, cs + 10 * width, cs + 30 * width) if split < p < c_end]})
    log_scale = (rho - 1.0) * math.log(a) - phis
    sing = 0.0  # coefficient of 1/rho (the end layer's weight integral, for rho << 1)
    for lo, hi in zip(pts[:-1], pts[1:]):
        if hi == c_end and rho < _RHO_SUBTRACT:
            # the algebraic-weight rule loses ~eps/rho relative (and rejects alpha = rho - 1 = -1 in
            # floating point): subtract f(c_end), whose weight integral (hi - lo)^rho/rho is exact
            f_end = math.exp(float(log_f(c_end)) + log_scale)
            total += integrate.quad(
                lambda c: (math.exp(float(log_f(c)) + log_scale) - f_end) * math.exp((rho - 1.0) * math.log(c_end - c))
                if c < c_end else 0.0, lo, hi, **opts)[0]
            sing += f_end * math.exp(rho * math.log(hi - lo))
        elif hi == c_end and rho < 3.0:
            total += integrate.quad(lambda c: math.exp(float(log_f(c)) + log_scale), lo, hi,
                                    weight="alg", wvar=(0.0, rho - 1.0), **opts)[0]
        else:
            total += integrate.quad(
                lambda c: math.exp(float((rho - 1.0) * math.log1p(-a * c) + log_f(c)) - phis)
                if c < c_end else 0.0, lo, hi, **opts)[0]
    if sing > 0.0:  # ln(tau (total + sing/rho)) without forming 1/rho (rho may be ~1e-300)
        return phis + math.log(tau) + math.log(sing + rho * total) - math.log(rho)
    return phis + math.log(tau * total)


#: Below this R_E tau_m the end singularity of the Richardson--Swarbrick integral is subtracted
#: analytically instead of integrated with the algebraic-weight rule
_RHO_SUBTRACT = 1e-3


# --------------------------------------------------------------------------------------------
# fixed and arbitrary amplitudes: the exact embedded Markov chain on a voltage grid


def _lattice_weights(spec, scale, h, m_max):
    """Hat-function weights W[m] = E[max(0, 1 - |A/h - m|)], m = 0..m_max, of A = scale*X; the
    last entry also holds all the mass beyond m_max*h (such a jump crosses the whole grid)."""
    w = np.zeros(m_max + 1)
    u_scale = scale / h
    if isinstance(spec, str) and spec == "exponential":
        lam = 1.0 / u_scale
        m = np.arange(1, m_max + 1, dtype=float)
        w[0] = 1.0 + np.expm1(-lam) / lam
        w[1:] = np.exp(-lam * m) * (4.0 * math.sinh(lam / 2.0) ** 2 / lam) if lam < 700 else 0.0
    elif isinstance(spec, (str, float)) or isinstance(spec, np.ndarray):
        if isinstance(spec, str):
            vals = np.array([u_scale])
        elif isinstance(spec, float):
            vals = np.array([u_scale * spec])
        else:
            vals = u_scale * spec
        m0 = np.floor(vals)
        f = vals - m0
        m0 = np.minimum(m0, m_max).astype(np.int64)
        m1 = np.minimum(m0 + 1, m_max)
        wt = 1.0 / vals.size
        np.add.at(w, m0, wt * (1.0 - f))
        np.add.at(w, m1, wt * f)
    else:
        # G(u) = int_0^u F(h t / scale) dt on a fine sub-grid; W = second difference of G
        sub = 16
        t = np.linspace(0.0, m_max + 1.0, (m_max + 1) * sub + 1)
        cdf = np.asarray(spec.cdf(t / u_scale), float)
        g = np.concatenate([[0.0], integrate.cumulative_trapezoid(cdf, t)])
        gm = np.concatenate([[0.0], g[::sub]])                      # G(-1) = 0, G(0), G(1), ...
        w[:] = gm[2:m_max + 3] - 2.0 * gm[1:m_max + 2] + gm[0:m_max + 1] if gm.size >= m_max + 3 else 0.0
        w = np.maximum(w, 0.0)
    tail = 1.0 - w[:m_max].sum()
    w[m_max] = max(tail, 0.0)
    return w


def _relax_matrix(x, h, el, rho):
    """Hat-function weights of e_L + (y - e_L) U, U ~ Beta(rho, 1) (the exact relaxation over an
    Exp(R) waiting time), column j for the source node y = x[j]: :func:`_relax_projection` of
    that law (G(t) = t^(rho+1)/(rho+1), total mass 1)."""
    return _relax_projection(x, h, el, _power_g(rho), 1.0)


#: Beyond this many inputs per inter-spike interval the LU solve of the renewal equation is left
#: for the subtraction-free GTH elimination (relative error of LU ~ inputs per ISI * 1e-16).
_LU_MAX_EVENTS = 1e6
_force_gth = False


def _spike_probability(w_e, n):
    """Probability that an excitatory jump from node k reaches v_th (landing on it counts half)."""
    k = np.arange(n)
    csum = np.concatenate([np.cumsum(w_e[::-1])[::-1], [0.0]])   # csum[m] = sum_{m' >= m} W[m']
    return csum[n - k] + 0.5 * w_e[n - 1 - k]


def _times_toeplitz(a, w, *, lower):
    """``a @ T`` for the Toeplitz matrix T[j+m, j] = w[m] (``lower``) or T[j-m, j] = w[m].

    Few non-zero weights (fixed jumps, samples): sums of shifted columns (exact); otherwise one
    FFT convolution along the rows."""
    n = a.shape[1]
    nz = np.flatnonzero(w)
    out = np.zeros_like(a)
    if nz.size <= 24:
        for m in nz:
            if lower:     # out[:, k] += w[m] a[:, k+m]
                out[:, :n - m] += w[m] * a[:, m:]
            else:         # out[:, k] += w[m] a[:, k-m]
                out[:, m:] += w[m] * a[:, :n - m]
        return out
    if lower:
        return _convolve_rows(a[:, ::-1], w, n)[:, ::-1]
    return _convolve_rows(a, w, n)


def _convolve_rows(a, w, n):
    """The first ``n`` entries of each row of a convolved with w, by FFT (scipy.fft: importing
    scipy.signal for its fftconvolve cost a first call 0.8 s)."""
    size = a.shape[1] + w.size - 1
    if np.iscomplexobj(a):
        size = sfft.next_fast_len(size)
        return sfft.ifft(sfft.fft(a, size, axis=1) * sfft.fft(w, size)[None, :], axis=1)[:, :n]
    size = sfft.next_fast_len(size, real=True)
    return sfft.irfft(sfft.rfft(a, size, axis=1) * sfft.rfft(w, size)[None, :], size, axis=1)[:, :n]


def _apply_jumps(a, p_e, w_e, w_i):
    """``a @ J`` for the non-crossing jump matrix J[i, j] of one input from node j to node i:
    excitatory J_E[k+m, k] = W[m] (lower Toeplitz; landing on the v_th node counts half),
    inhibitory J_I[k-m, k] = W[m] (upper Toeplitz; below the grid: kept at its edge), mixed with
    probabilities ``p_e`` and ``1 - p_e`` (``w_i`` None: no inhibitory jumps)."""
    n = a.shape[1]
    k = np.arange(n)
    out = p_e * _times_toeplitz(a, w_e[:n], lower=True)
    out -= 0.5 * p_e * np.outer(a[:, n - 1], w_e[n - 1 - k])
    if w_i is not None:
        # sum_{m > k} W[m]: jumps from node k that leave the grid (summed, not subtracted)
        beyond = np.concatenate([np.cumsum(w_i[::-1])[::-1], [0.0, 0.0]])[k + 1]
        out += (1.0 - p_e) * (_times_toeplitz(a, w_i[:n], lower=False) + np.outer(a[:, 0], beyond))
    return out


@dataclass(frozen=True)
class _GridSolution:
    x: np.ndarray          # nodes, ascending, x[-1] = v_th
    h: float
    mass: np.ndarray       # time-stationary probability at the nodes (hat coefficients)
    atom: float            # point mass at v_reset == e_l (included in mass at that node)
    rate: float
    gth: bool = False      # solved by GTH elimination (a finer grid of the same neuron skips the LU)


def _spec_quantile(spec, q):
    """Quantile ``q`` of the jump factor law (the tail reach of the inhibitory jumps)."""
    if isinstance(spec, str):
        return -math.log1p(-q) if spec == "exponential" else 1.0
    if isinstance(spec, float):
        return spec
    if isinstance(spec, np.ndarray):
        return float(spec.max())
    return float(spec.ppf(q))


#: Tail probability of one inhibitory jump neglected at the lower grid edge (mass beyond the edge
#: is kept at the edge, not lost).
_TAIL_Q = 1.0 - 1e-9


def _lower_edge(vr, el, mu_free, sd_free, ai, amp, inhib):
    """Lower end of the voltage grid: hard bound without inhibition, else a generous margin."""
    if not inhib:
        return min(vr, el)
    return min(vr, el, mu_free) - 8.0 * sd_free - ai * _spec_quantile(amp.inh, _TAIL_Q)


def _grid_spacing(re, ae, ri, ai, tau, th, vr, el, amp, n_res):
    """Number of grid intervals between e_l and v_th (so that e_l and v_th are nodes), with
    ``n_res`` points per smallest length scale (jump RMS, free SD, v_th - e_l, v_th - v_reset)."""
    (x1, x2), (y1, y2) = amp.moments()
    inhib = ri > 0 and ai > 0
    me2, mi2 = ae * ae * x2, ai * ai * y2
    sd_free = math.sqrt(0.5 * tau * (re * me2 + (ri * mi2 if inhib else 0.0)))
    scales = [th - el, th - vr, math.sqrt(me2)] + ([math.sqrt(mi2)] if inhib else []) \
        + ([sd_free] if sd_free > 0 else [])
    return max(int(math.ceil(n_res * (th - _anchor(vr, el, inhib)) / min(scales))), 2)


def _anchor(vr, el, inhib):
    """The node besides v_th that the grid is aligned to: v_reset, where the density jumps (the
    re-injected flux), where the point mass sits when v_reset == e_l, and where the support of an
    excitation-only input starts when v_reset <= e_l. (``el`` and ``inhib`` are kept for the
    call sites; e_l itself need not be a node: the relaxation kernel is exact for any e_l.)"""
    return vr


def _grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, k_span, gth=False):
    """The chain on the grid with ``k_span`` cells between v_reset and v_th (``gth``: skip the LU
    solve, known to be left for GTH from a coarser grid of the same neuron)."""
    total = re + ri
    rho = total * tau
    (x1, x2), (y1, y2) = amp.moments()
    me1, me2 = ae * x1, ae * ae * x2
    mi1, mi2 = ai * y1, ai * ai * y2
    inhib = ri > 0 and ai > 0
    sd_free = math.sqrt(0.5 * tau * (re * me2 + (ri * mi2 if inhib else 0.0)))
    mu_free = el + tau * (re * me1 - (ri * mi1 if inhib else 0.0))
    h = (th - _anchor(vr, el, inhib)) / k_span
    lb = _lower_edge(vr, el, mu_free, sd_free, ai, amp, inhib)
    n = int(math.ceil((th - lb) / h)) + 1
    x = th - h * np.arange(n)[::-1]
    m_max = n
    p_e = re / total
    w_e = _lattice_weights(amp.exc, ae, h, m_max)
    rel = _relax_matrix(x, h, el, rho)
    w_i = _lattice_weights(amp.inh, ai, h, m_max) if inhib else None
    prod = _apply_jumps(rel, p_e, w_e, w_i)
    reset = np.maximum(0.0, 1.0 - np.abs(x - vr) / h)
    b = rel @ reset
    spike = p_e * _spike_probability(w_e, n)
    if re == 0.0:
        # no excitation: no spikes; the stationary law of the free (inhibition-only) chain
        pi = gth_stationary(np.maximum(prod, 0.0).T)
        return _GridSolution(x, h, pi, 0.0, 0.0)
    g = None
    if not (_force_gth or gth):
        a = -prod
        a[np.diag_indices(n)] += 1.0
        with warnings.catch_warnings():  # an ill-conditioned system is judged below (GTH fallback)
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            g = linalg.solve(a, b, check_finite=False, overwrite_a=True)
        n_events = float(g.sum())               # mean number of inputs per inter-spike interval
        # the Green's-function solve loses ~n_events*eps relative accuracy: leave rare firing to GTH
        if not (np.all(g > -1e-12 * n_events) and n_events < _LU_MAX_EVENTS):
            g = None
    lu_failed = g is None
    if g is None:
        # stationary law of the full chain (reset re-injection included) by GTH elimination:
        # subtraction-free, so the rare-event tail near v_th keeps its relative accuracy
        full = np.maximum(prod + np.outer(b, spike), 0.0)
        pi = gth_stationary(full.T)
        p_spike = float(spike @ pi)
        if not p_spike >= np.finfo(float).tiny:
            # GTH keeps relative accuracy but works in linear space: the stationary mass near
            # v_th underflowed (a drive many SDs below threshold, rate below ~1e-300 per input); a
            # subnormal one (1e-310, below the smallest normal double) made the events per spike inf
            # and the rate 0 * inf (one seen: "math domain error" from its log)
            raise ConvergenceError(
                "shot-noise grid solver: the spike probability per input underflows a double (the drive is "
                "many free SDs below v_th, rate below ~1e-300 Hz), so the grid cannot resolve it; "
                "snntheory.diffusion.log_firing_rate gives its order of magnitude")
        n_events = 1.0 / p_spike
        g = pi * n_events
    rate = 1.0 / (tref + n_events / total)
    mass = g * (rate / total)
    atom = rate / total if vr == el else 0.0
    return _GridSolution(x, h, mass, atom, rate, gth=lu_failed)


def _grid_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp):
    """Coarse and fine solutions (fine = half the spacing, same lattice) and the extrapolated rate.

    Memoised (the last few parameter sets): rate, density, reset mass and moments of one neuron
    share one solve. The result depends on the parameters only."""
    coarse, fine, rate, err, why = _grid_pair_cached(re, ae, ri, ai, tau, th, vr, el, tref, amp)
    if why and not math.isfinite(err):
        raise ConvergenceError(
            f"shot-noise grid solution: {why} up to the grid cap GRID_MAX_POINTS = {GRID_MAX_POINTS} "
            f"({fine.x.size} nodes, spacing {fine.h:.2g} V), so the grid error cannot be estimated (fixed "
            "jumps leave atoms, jumps and boundary layers of the density that this spacing does not resolve; "
            "use amplitude='exponential' for the rate, or snntheory.diffusion)")
    if not err <= GRID_RTOL * rate:
        raise ConvergenceError(
            f"shot-noise grid solution: the Richardson correction {err / rate:.1e} (relative residual "
            f"between the two finest grids, or its O(h^2) prediction from two coarser ones before the last, "
            f"costliest solve) exceeds GRID_RTOL = {GRID_RTOL:g} at the grid cap "
            f"GRID_MAX_POINTS = {GRID_MAX_POINTS}; the jumps are too small against the voltage range for "
            "this solver (use amplitude='exponential' for the rate, or snntheory.diffusion)")
    return coarse, fine, rate


@functools.lru_cache(maxsize=16)
def _grid_pair_cached(re, ae, ri, ai, tau, th, vr, el, tref, amp):
    k_span, points = _grid_plan(re, ae, ri, ai, tau, th, vr, el, amp)
    with one_blas_thread():
        return _extrapolated_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp, k_span, points)


def _grid_plan(re, ae, ri, ai, tau, th, vr, el, amp):
    """Cells between v_reset and v_th of the grid pair's first grid, capped so that the fine grid
    stays within GRID_MAX_POINTS, and ``points(k)``, the nodes of the grid with k cells there."""
    k_span = _grid_spacing(re, ae, ri, ai, tau, th, vr, el, amp, GRID_RESOLUTION)
    (_, _), (y1, _) = amp.moments()
    (x1, x2), (_, y2) = amp.moments()
    inhib = ri > 0 and ai > 0
    sd_free = math.sqrt(0.5 * tau * (re * ae * ae * x2 + (ri * ai * ai * y2 if inhib else 0.0)))
    mu_free = el + tau * (re * ae * x1 - (ri * ai * y1 if inhib else 0.0))
    span = th - _lower_edge(vr, el, mu_free, sd_free, ai, amp, inhib)

    def points(k):
        return int(span / ((th - _anchor(vr, el, inhib)) / k)) + 2

    # keep the fine grid within GRID_MAX_POINTS
    if points(2 * k_span) > GRID_MAX_POINTS:
        k_span = max(2, int(k_span * GRID_MAX_POINTS / points(2 * k_span)))
    if points(2 * k_span) > GRID_MAX_POINTS:
        # even two cells between v_reset and v_th need more nodes than the cap: the membrane
        # spreads over many times the threshold distance (huge jumps against v_th - v_reset);
        # refuse before allocating (the dense solve needs 8 * points^2 bytes)
        raise ConvergenceError(
            f"shot-noise grid solver: the membrane range ({span:.3g} V below v_th) needs "
            f"{points(4)} grid points at the coarsest admissible spacing (v_th - v_reset)/2 = "
            f"{(th - _anchor(vr, el, inhib)) / 2:.3g} V, more than GRID_MAX_POINTS = {GRID_MAX_POINTS}; "
            "the jumps or the free SD are too large against the threshold distance for this solver "
            "(use amplitude='exponential', whose rate is a closed form, or snntheory.diffusion)")
    return k_span, points


#: Agreement (in ln rate) of two successive grid refinements that counts as converged whatever
#: the order of the change (below the stated accuracy of the extrapolated rate).
_GRID_CONVERGED = 1e-4


def _h2_ratio(k0, k1, k2):
    """Ratio of successive changes of an O(h^2) quantity on grids of k0, k1, k2 cells (4 for halvings)."""
    return (1.0 / k0 ** 2 - 1.0 / k1 ** 2) / (1.0 / k1 ** 2 - 1.0 / k2 ** 2)


def _has_atoms(spec):
    """Whether the jump factor law has atoms (fixed, a number, samples, a discrete scipy law)."""
    if isinstance(spec, str):
        return spec == "fixed"
    return isinstance(spec, (float, np.ndarray)) or hasattr(getattr(spec, "dist", None), "pmf")


def _extrapolated_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp, k_span, points):
    """Solve on nested grids (spacing halved each time) and extrapolate ln(rate) (Richardson, O(h^2)).

    The extrapolation is trusted only where it is asymptotic: the last two changes of ln(rate)
    shrink by the O(h^2) factor (4 for a halving, within a factor 4/3), or both are below
    ``_GRID_CONVERGED``. Fixed jumps put atoms and jumps of the density (at v_reset + k a_e, and
    the boundary layers of width ~|v - e_l|/(R tau_m) behind them) between the nodes; until the
    grid resolves them the changes do not shrink like h^2 and their size says nothing about the
    error (e.g. a 14 % error at a 2 % change), so the grid is halved further while
    ``GRID_MAX_POINTS`` allows; at the cap, changes that shrink at least by 3/2 per halving are
    summed as a geometric series (Aitken), and otherwise the error is unknown (reason given).
    Returns (coarse, fine, rate, error estimate, reason)."""
    if re == 0.0:
        coarse = _grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, k_span)
        fine = _grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, 2 * k_span)
        return coarse, fine, 0.0, 0.0, ""
    ks = [k_span // 2, k_span, 2 * k_span] if k_span >= 4 else [k_span, 2 * k_span]
    sols = [_grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, ks[0])]
    for k in ks[1:]:
        if len(sols) == 2 and 2 * points(k) > GRID_MAX_POINTS and points(k) > 600:
            # the next grid is the last and the expensive one (cost ~ points^3): from the two
            # coarser ones predict its correction and refuse up front when even an O(h^2) decrease
            # of the change (the fastest steady one; slower ones give larger corrections) would
            # leave it above GRID_RTOL
            d1 = math.log(sols[1].rate) - math.log(sols[0].rate)
            r_pred = _h2_ratio(ks[0], ks[1], k)
            predicted = abs(math.expm1(d1 / r_pred / 3.0))
            if predicted > GRID_RTOL:
                return sols[0], sols[1], sols[1].rate, predicted * sols[1].rate, "predicted"
        sols.append(_grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, k, sols[-1].gth))
    atomic = _has_atoms(amp.exc) or (ri > 0 and ai > 0 and _has_atoms(amp.inh))
    prev_ok = False
    while True:
        lr = [math.log(s.rate) for s in sols[-3:]]
        d2 = lr[-1] - lr[-2]
        corr = d2 / 3.0
        if len(lr) == 3:
            d1 = lr[1] - lr[0]
            kk = ks[-3:]
            r_pred = _h2_ratio(*kk)
            asymptotic = d1 * d2 > 0.0 and 0.75 * r_pred <= d1 / d2 <= r_pred / 0.75
            converged = max(abs(d1), abs(d2)) <= _GRID_CONVERGED
            # faster than O(h^2) (the grid has just resolved a layer): no extrapolation, the last
            # change bounds the error
            faster = abs(d1) * 0.75 > abs(d2) * r_pred and abs(math.expm1(d2)) <= GRID_RTOL
        else:
            asymptotic, converged, faster = True, abs(d2) <= _GRID_CONVERGED, False   # two grids (k_span < 4)
        extrapolate = converged or (asymptotic and abs(math.expm1(corr)) <= GRID_RTOL)
        ok = extrapolate or faster
        affordable = points(2 * ks[-1]) <= GRID_MAX_POINTS
        # with atoms in the jump law the changes can stall on a plateau before the grid resolves
        # the next layer (e.g. 340.5, 336.6, 336.3, 335.1, 333.3, 331.9, ... Hz: "faster", then not):
        # there a small or fast-shrinking change must recur on the next triple of grids, where the
        # cap allows the extra grid (a steady O(h^2) ratio is accepted at once)
        steady = asymptotic and abs(math.expm1(corr)) <= GRID_RTOL and not converged
        if ok and (steady or prev_ok or not atomic or not affordable):
            if extrapolate:
                break
            return sols[-2], sols[-1], sols[-1].rate, abs(math.expm1(d2)) * sols[-1].rate, ""
        prev_ok = ok
        if affordable:
            ks.append(2 * ks[-1])
            sols.append(_grid_solve(re, ae, ri, ai, tau, th, vr, el, tref, amp, ks[-1], sols[-1].gth))
            continue
        # at the grid cap: where the changes shrink steadily but slower than h^2 (the jumps of a
        # fixed-amplitude density between the nodes give O(h)), extrapolate the geometric series
        # of the changes (Aitken; the O(h^2) case gives the Richardson correction d2/3)
        q = d2 / d1 if len(lr) == 3 and d1 != 0.0 else math.inf
        if not 0.0 < q <= 2.0 / 3.0:
            return sols[-2], sols[-1], sols[-1].rate, math.inf, (
                f"the last changes of ln(rate) under halving, {d1:.1e} and {d2:.1e}, do not shrink steadily"
                if len(lr) == 3 else f"the change of ln(rate) under halving, {d2:.1e}, is not converged")
        corr = d2 * q / (1.0 - q)
        break
    coarse, fine = sols[-2], sols[-1]
    rate = fine.rate * math.exp(corr)
    return coarse, fine, rate, abs(math.expm1(corr)) * rate, ""


# --------------------------------------------------------------------------------------------
# public functions


def _log_rate_scalar(re, ae, ri, ai, tau, th, vr, el, tref, amp):
    if re == 0.0:
        return -math.inf
    if _is_exponential(amp):
        log_t = _log_isi_exponential(re, ae, ri, ai, tau, th, vr, el)
        if tref > 0:
            return -float(np.logaddexp(math.log(tref), log_t))
        return -log_t
    _, _, rate = _grid_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp)
    return math.log(rate)


def log_firing_rate(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                    amplitude="exponential"):
    r"""Natural log of :func:`firing_rate` (ln Hz), finite where the rate underflows a double.

    ``-inf`` exactly when the rate is exactly 0 (no excitation, ``rate_e == 0``).

    Examples
    --------
    >>> import math
    >>> lr = log_firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> math.isclose(math.exp(lr), firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0))
    True
    """
    amp = _as_amplitudes(amplitude)
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)
    out = np.empty(args[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = _log_rate_scalar(*(float(a[idx]) for a in args), amp)
    return scalar_or_array(out)


def firing_rate(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                amplitude="exponential"):
    r"""Stationary firing rate (Hz) of the LIF neuron driven by excitatory and inhibitory shot noise.

    Parameters
    ----------
    rate_e, rate_i : array_like
        Poisson rates of excitatory and inhibitory inputs (Hz, >= 0). ``rate_e = 0`` gives 0.
    a_e, a_i : array_like
        Mean jump sizes (V; ``a_e > 0``, ``a_i >= 0``): jumps are ``a_e*X`` and ``-a_i*Y``.
    tau_m : array_like
        Membrane time constant (s), finite.
    v_th, v_reset, e_l : array_like
        Threshold, reset and leak (resting) potential (V); ``v_reset < v_th`` and ``e_l < v_th``.
    tau_ref : array_like
        Refractory period (s).
    amplitude : {"exponential", "fixed"} or Amplitudes
        Law of the jump factors X, Y (see :class:`Amplitudes`).

    Returns
    -------
    float or ndarray
        Rate in Hz, broadcast shape of the arguments. Inhibitory inputs with ``a_i = 0`` leave
        the membrane where it is and are not counted as inputs (whatever ``rate_i``).

    Raises
    ------
    ParameterError
        An argument outside its domain (NaN, ``None``, strings and empty arrays included),
        ``v_reset >= v_th``, ``e_l >= v_th``, or shapes that do not broadcast.
    ConvergenceError
        Fixed and arbitrary amplitudes only: the membrane spreads over so many threshold
        distances (jumps or free SD huge against ``v_th - v_reset``) that the grid would need
        more than ``GRID_MAX_POINTS`` nodes (raised before anything is allocated), or the jumps
        are so small against the voltage range that the Richardson correction at the grid cap
        exceeds ``GRID_RTOL``, or the changes of the rate under grid refinement do not shrink
        steadily up to the grid cap (fixed jumps whose density structure the grid does not
        resolve), or the spike probability per input underflows a double on the
        grid (rates below ~1e-300 Hz).

    Notes
    -----
    *Exponential amplitudes* (Richardson & Swarbrick 2010, eq. 3), with
    :math:`\theta' = v_{th}-e_L`, :math:`V_r' = v_{reset}-e_L`, :math:`a=a_e`, :math:`b=a_i`:

    .. math::

        \frac1\nu = \tau_{ref} + \tau_m\int_0^{1/a}\frac{dc}{c}(1-ac)^{R_E\tau_m}(1+bc)^{R_I\tau_m}
        \Big[\frac{e^{c\theta'}}{1-ac}-e^{cV_r'}\Big].

    It follows from the Laplace transform of the stationary master equation (see the derivation);
    it contains the time spent waiting at reset (the point mass of :func:`reset_mass`). Evaluated
    in log space around the maximum of the smooth part of the integrand, with the end behaviour
    :math:`(1-ac)^{R_E\tau_m-1}` (integrable, singular when :math:`R_E\tau_m<1`) integrated exactly
    by an algebraic-weight (QAWS) rule; for :math:`R_E\tau_m < 10^{-3}` the end value of the
    smooth part is subtracted and its weight integral :math:`(\Delta c)^{R_E\tau_m}/(R_E\tau_m)`
    added exactly (the QAWS moments lose ~1e-16/(R_E tau_m) relative), which keeps
    :math:`R_E` down to 1e-300 Hz accurate (the rate tends to :math:`R_E e^{-\theta'/a_e}` with
    ``v_reset = e_l``). Accuracy: ln(rate) within 1e-9
    of 50-digit mpmath (tests/reference/shotnoise_f8.csv, 18 points) for :math:`R_E\tau_m` from
    0.01 to 1e4 and rates down to 1e-134 Hz (:func:`log_firing_rate` stays finite below 1e-308).

    *Fixed and arbitrary amplitudes.* The membrane potential just before each input is a Markov
    chain: relax exactly over an Exp(R) waiting time (:math:`R=R_E+R_I`; the relaxation factor is
    Beta(:math:`R\tau_m`, 1)), then jump. The mean number :math:`n` of inputs per inter-spike
    interval solves the renewal (Green's function) equation of that chain started at reset, and
    :math:`1/\nu = \tau_{ref} + n/R`; by PASTA the chain's occupation law is the time-stationary
    density. The chain is projected on hat functions over a voltage grid (the relaxation kernel
    and the jump law exactly integrated against each hat; landing exactly on the threshold node
    counts half), which gives a second-order error in the grid spacing where the density is smooth,
    removed by Richardson extrapolation between nested grids. Fixed jumps leave atoms, jumps and
    boundary layers (width about :math:`|v-e_L|/(R\tau_m)`) of the density between the nodes, where
    the error is first order or erratic until the grid resolves them (a 14 % error at a 2 % change
    between grids when ``a_e`` is near ``(v_th - v_reset)/2``): the spacing is halved until the
    last two changes of ln(rate) shrink like :math:`h^2` (then extrapolated) or faster, or are both
    below 1e-4 (for laws with atoms, the last two only if the next grid confirms them: the changes
    can stall before the next layer is resolved); at the grid cap, changes that shrink by at least 3/2 per halving are summed as a
    geometric series (Aitken), and otherwise a :class:`~snntheory.errors.ConvergenceError` says so.
    Relative error: < 2e-4 against the closed form above for exponential laws, and within 1 % of
    the event-driven simulation for fixed and truncated-normal laws (tests/test_shotnoise.py,
    tests/test_properties_shotnoise.py). A ConvergenceError
    is raised if the estimated error exceeds ``GRID_RTOL`` at the grid cap. This is equivalent to threshold
    integration of the master equation (Richardson 2007, 2008) without its auxiliary flux variables.

    Derivation: ``derivations/shotnoise.md``.

    References
    ----------
    M. J. E. Richardson & R. Swarbrick, PRL 105, 178102 (2010), eq. (3).
    M. J. E. Richardson, PRE 76, 021919 (2007); Biol. Cybern. 99, 381 (2008).
    F. Droste & B. Lindner, J. Comput. Neurosci. 43, 81 (2017) (excitatory-only case).

    Examples
    --------
    Excitation only, reset at rest (the case solved by Droste & Lindner 2017):

    >>> round(float(firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)), 2)
    23.46
    >>> float(firing_rate(0.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0))
    0.0
    """
    return scalar_or_array(np.exp(np.asarray(log_firing_rate(
        rate_e, a_e, rate_i, a_i, tau_m=tau_m, v_th=v_th, v_reset=v_reset, e_l=e_l, tau_ref=tau_ref,
        amplitude=amplitude))))


def reset_mass(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
               amplitude="exponential"):
    r"""Probability mass sitting exactly at ``v_reset`` (non-refractory) waiting for the next input.

    When ``v_reset == e_l`` a neuron leaving reset stays exactly at rest until its next input
    arrives (mean wait :math:`1/(R_E+R_I)`), so the stationary law has a point mass
    :math:`\nu/(R_E+R_I)` there; otherwise it is 0. Without any input (``rate_e = 0`` and no
    inhibition) every neuron sits at ``e_l``: the point mass there is 1 (reported here too).
    :func:`stationary_density` returns the
    absolutely continuous part only, and
    ``integral(stationary_density) + reset_mass = 1 - rate*tau_ref``.

    Examples
    --------
    >>> r = firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> bool(abs(reset_mass(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0) - r / 500.0) < 1e-15)
    True
    """
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)
    rate = np.asarray(firing_rate(rate_e, a_e, rate_i, a_i, tau_m=tau_m, v_th=v_th, v_reset=v_reset,
                                  e_l=e_l, tau_ref=tau_ref, amplitude=amplitude))
    re, _, ri, ai = args[0], args[1], args[2], args[3]
    total = re + np.where(ai > 0, ri, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where((args[6] == args[7]) & (total > 0), rate / np.where(total > 0, total, 1.0), 0.0)
    out = np.where(total == 0, 1.0, out)          # no input at all: everybody sits at e_l
    return scalar_or_array(out)


def _density_scalar(v, re, ae, ri, ai, tau, th, vr, el, tref, amp):
    """Continuous part of the density at the points ``v`` (1-d), from the fine grid."""
    if re == 0.0 and not (ri > 0 and ai > 0):
        # no input at all: everybody sits at e_l (reset_mass reports the point mass 1)
        return np.zeros_like(v)
    _, sol, rate = _grid_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp)
    mass = sol.mass.copy()
    if sol.atom:
        mass[np.argmin(np.abs(sol.x - el))] -= sol.atom
    mass = np.maximum(mass, 0.0)
    # the fine grid's continuous mass is 1 - nu_h (tau_ref + [v_reset == e_l]/R) with its own
    # rate nu_h; normalise it to the extrapolated rate's, so that it and reset_mass add up as
    # documented (the two differ by the Richardson correction, up to GRID_RTOL)
    cont = 1.0 - rate * tref - (rate / (re + ri) if vr == el else 0.0)
    if mass.sum() > 0.0:
        mass *= max(cont, 0.0) / mass.sum()
    dens = mass / sol.h
    # the support ends at the lowest node (excitation only: min(v_reset, e_l); with inhibition
    # the grid edge, where the far tail is kept) and at v_th: only half of those hats lies
    # inside, so their coefficients are half the density (this keeps the integral exact)
    dens[0] *= 2.0
    dens[-1] *= 2.0
    k = int(np.argmin(np.abs(sol.x - vr)))
    jump = -rate * tau / (vr - el) if vr != el else 0.0
    if (vr != el and 0 < k < sol.x.size - 1 and abs(jump) <= 2.0 * dens[k]
            and abs(vr - el) >= (re + ri) * tau * sol.h):
        # the density jumps at v_reset by -nu tau_m/(v_reset - e_l) (flux balance: the re-injected
        # flux is carried away by the leak); where that jump is resolved by the grid (the layer
        # behind it, of width |v_reset - e_l|/(R tau_m), spans a cell or more), split the node
        # value into its one-sided limits keeping their mean (and so the mass of the interpolant)
        left, right = dens.copy(), dens.copy()
        left[k] = dens[k] - 0.5 * jump
        right[k] = dens[k] + 0.5 * jump
        val = np.where(v < sol.x[k], np.interp(v, sol.x, left), np.interp(v, sol.x, right))
    else:
        val = np.interp(v, sol.x, dens)
    return np.where((v < sol.x[0]) | (v >= th), 0.0, val)


def stationary_density(v, rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                       amplitude="exponential"):
    r"""Stationary density (1/V) of the membrane potential of non-refractory neurons, continuous part.

    The point mass at reset (``v_reset == e_l``) is reported by :func:`reset_mass`, refractory
    neurons (mass ``rate*tau_ref``, at ``v_reset``) are not included:
    ``integral(density) + reset_mass + rate*tau_ref = 1``. The density is 0 at and above ``v_th``.

    Notes
    -----
    Computed from the embedded-chain solution of :func:`firing_rate` on its finer grid: the
    hat coefficients (probability masses) divided by the spacing, linearly interpolated (the two
    end nodes carry half hats). No extrapolation is applied to its shape, so the density is
    non-negative; its integral is normalised to ``1 - rate*tau_ref - reset_mass`` with the
    extrapolated rate of :func:`firing_rate` (the finer grid's own rate differs from it by the
    Richardson correction), so the identity above holds to rounding for the interpolant. The
    support reaches down to the grid edge, 8 free SDs and one inhibitory jump below the free mean
    (tens of volts below ``e_l`` under strong inhibition): integrate over all of it. The grid has a node at ``v_reset``, where the density
    jumps by :math:`-\nu\tau_m/(v_{reset}-e_L)` (flux balance); the one-sided values are used
    there when the grid resolves the layer behind the jump. Accuracy: second order in the grid
    spacing where the density is smooth; kinks, jumps and boundary layers narrower than the grid
    (at ``v_reset``,
    width about :math:`|e_L - v_{reset}|/(R\tau_m)`; at ``v_reset + k a_e`` for fixed jumps) are
    smeared over one cell, which can move up to ~2e-3 of the mass locally. Against the closed form
    :math:`P(v)=\frac{\nu\tau_m}{a v}\int_v^{\theta}(v/u)^{R\tau_m}e^{(u-v)/a}du`
    (excitation only, exponential jumps, ``v_reset = e_l = 0``; derivation step 5) the relative
    error is below 5e-3 on [0.1, 0.9] v_th (R = 500 Hz, a = 0.1 v_th, tau_m = 20 ms).

    Examples
    --------
    >>> import numpy as np
    >>> v = np.linspace(-3.0, 1.0, 20001)
    >>> p = stationary_density(v, 500.0, 0.1, 200.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> m = reset_mass(500.0, 0.1, 200.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> bool(abs(np.trapezoid(p, v) + m - 1.0) < 1e-4)
    True
    """
    amp = _as_amplitudes(amplitude)
    v = _check("v", v)
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref, v=v)
    shape = np.broadcast_shapes(v.shape, args[0].shape)
    vb = np.broadcast_to(v, shape)
    pb = [np.broadcast_to(a, shape) for a in args]
    out = np.empty(shape)
    groups: dict = {}
    for idx in np.ndindex(shape):
        key = tuple(float(a[idx]) for a in pb)
        groups.setdefault(key, []).append(idx)
    for key, idxs in groups.items():
        vv = np.array([vb[i] for i in idxs])
        vals = _density_scalar(vv, *key, amp)
        for i, val in zip(idxs, vals):
            out[i] = val
    return scalar_or_array(out)


class MembraneMoments(NamedTuple):
    """Mean (V) and variance (V^2) of the membrane potential over all neurons (refractory ones at
    ``v_reset``)."""

    __repr__ = _result_repr

    mean: np.ndarray
    var: np.ndarray


def _moments_scalar(re, ae, ri, ai, tau, th, vr, el, tref, amp):
    if re == 0.0:
        # no spikes: the free membrane (Campbell, delta synapse)
        (_, _), (y1, y2) = amp.moments()
        b = ai if ri > 0 else 0.0
        return el - tau * ri * b * y1, 0.5 * tau * ri * b * b * y2
    if _is_exponential(amp):
        rate = math.exp(_log_rate_scalar(re, ae, ri, ai, tau, th, vr, el, tref, amp))
        b = ai if ri > 0 else 0.0
        m0 = 1.0 - rate * tref
        drive = re * ae - ri * b
        m1 = el * m0 + tau * (drive * m0 - rate * (th + ae - vr))
        m2 = el * m1 + 0.5 * tau * (2.0 * drive * m1 + 2.0 * (re * ae * ae + ri * b * b) * m0
                                    - rate * (th * th + 2.0 * th * ae + 2.0 * ae * ae) + rate * vr * vr)
    else:
        coarse, fine, rate_x = _grid_pair(re, ae, ri, ai, tau, th, vr, el, tref, amp)
        res = []
        for sol in (coarse, fine):
            # hat coefficients integrate linear functions exactly; x^2 is over-estimated by
            # h^2/6 per unit mass away from the atom, removed with the extrapolation below
            res.append((float(sol.mass @ sol.x), float(sol.mass @ sol.x**2), sol.rate))
        m1 = res[1][0] + (res[1][0] - res[0][0]) / 3.0
        m2 = res[1][1] + (res[1][1] - res[0][1]) / 3.0
        rate = rate_x
    mean = m1 + rate * tref * vr
    second = m2 + rate * tref * vr * vr
    return mean, max(second - mean * mean, 0.0)


def membrane_moments(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                     amplitude="exponential") -> MembraneMoments:
    r"""Mean and variance of the stationary membrane potential, refractory neurons counted at reset.

    Notes
    -----
    Exponential amplitudes: exact closed forms from the stationary moment balance (the
    overshoot over threshold is Exp(a_e) by memorylessness). With :math:`M_0=1-\nu\tau_{ref}`,
    :math:`D=R_Ea_e-R_Ia_i`, non-refractory moments :math:`M_1, M_2`:

    .. math::

        M_1 = e_L M_0 + \tau_m[D M_0 - \nu(\theta + a_e - V_r)],\\
        M_2 = e_L M_1 + \tfrac{\tau_m}{2}[2DM_1 + 2(R_Ea_e^2+R_Ia_i^2)M_0
              - \nu(\theta^2+2\theta a_e+2a_e^2) + \nu V_r^2],

    then :math:`E[V]=M_1+\nu\tau_{ref}V_r`, :math:`E[V^2]=M_2+\nu\tau_{ref}V_r^2`. Other amplitude
    laws: moments of the grid solution (Richardson-extrapolated; checked against these closed
    forms with the exponential law to < 1e-4 relative). Derivation step 6.

    Examples
    --------
    Without threshold crossings the mean is the free mean e_l + tau_m*(R_E a_e - R_I a_i) minus
    the reset term; with rate_e = 0 everybody sits at e_l:

    >>> membrane_moments(0.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0, e_l=0.2)
    MembraneMoments(mean=0.2, var=0)
    """
    amp = _as_amplitudes(amplitude)
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)
    mean = np.empty(args[0].shape)
    var = np.empty(args[0].shape)
    for idx in np.ndindex(mean.shape):
        mean[idx], var[idx] = _moments_scalar(*(float(a[idx]) for a in args), amp)
    return MembraneMoments(scalar_or_array(mean), scalar_or_array(var))


# --------------------------------------------------------------------------------------------
# Campbell's theorem for the free membrane


class FreeCumulants(NamedTuple):
    """Cumulants of the free (threshold-less) membrane potential: ``mean`` (V), ``variance`` (V^2)
    and ``cumulants[n-1]`` = kappa_n for n = 1..order (so ``cumulants[0] == mean``)."""

    __repr__ = _result_repr

    mean: np.ndarray
    variance: np.ndarray
    cumulants: np.ndarray


def _kernel_power_integral(n, tau, tau_s, dt):
    r"""\int_0^\infty h(t)^n dt (dt = 0) or dt*\sum_{k>=0} h(k dt)^n for the unit-jump kernel."""
    if dt == 0.0:
        if tau_s == 0.0:
            return tau / n
        if tau_s == tau:
            # h = (t/tau) e^{-t/tau}: int h^n = tau n! / n^{n+1}
            return tau * math.factorial(n) / n ** (n + 1)
        # h = tau/(tau - tau_s) (e^{-t/tau} - e^{-t/tau_s}); expand (binomial), exact for
        # |tau - tau_s| not tiny; otherwise integrate numerically
        if abs(tau - tau_s) > 0.05 * tau:
            c = tau / (tau - tau_s)
            return c ** n * sum(math.comb(n, k) * (-1) ** k / ((n - k) / tau + k / tau_s) for k in range(n + 1))
        c = tau / (tau - tau_s)
        f = lambda t: (c * (math.exp(-t / tau) - math.exp(-t / tau_s))) ** n
        return integrate.quad(f, 0.0, math.inf, epsrel=1e-13, epsabs=0.0, limit=200)[0]
    beta = math.exp(-dt / tau)
    if tau_s == 0.0:
        return dt / (-math.expm1(-n * dt / tau))   # sum beta^{nk}
    alpha = math.exp(-dt / tau_s)
    # sampled continuous kernel h_k = tau/(tau - tau_s) (beta^k - alpha^k): binomial expansion of
    # geometric series (exact) unless tau_s is close to tau
    if abs(tau - tau_s) > 0.05 * tau:
        c = tau / (tau - tau_s)
        return dt * c ** n * sum(math.comb(n, k) * (-1) ** k / (1.0 - beta ** (n - k) * alpha ** k)
                                 for k in range(n + 1))
    kmax = int(60.0 * max(tau, tau_s) / dt) + 10
    kk = np.arange(kmax, dtype=float)
    h = (np.exp(-kk * dt / tau) - np.exp(-kk * dt / tau_s)) * tau / (tau - tau_s) if tau != tau_s \
        else (kk * dt / tau) * np.exp(-kk * dt / tau)
    return dt * float(np.sum(h**n))


def free_cumulants(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, e_l=0.0, tau_s=0.0, dt=0.0, order=4,
                   amplitude="exponential") -> FreeCumulants:
    r"""Cumulants of the free membrane potential driven by shot noise (Campbell's theorem).

    Notes
    -----
    For :math:`V(t)=e_L+\sum_k A_k h(t-t_k)` with Poisson times (rate R) and i.i.d. amplitudes
    (Campbell 1909; Rice 1944):

    .. math::

        \kappa_1 = e_L + \sum_{type} R\,E[A]\int h,\qquad
        \kappa_n = \sum_{type} R\,E[A^n]\int h^n \quad(n\ge2),

    inhibitory amplitudes entering with sign :math:`(-1)^n`. Kernels (unit jump):
    delta synapse :math:`h=e^{-t/\tau_m}` (:math:`\int h^n=\tau_m/n`); exponential synapse
    normalised to the same charge :math:`h=\frac{\tau_m}{\tau_m-\tau_s}(e^{-t/\tau_m}-e^{-t/\tau_s})`
    (binomial expansion; :math:`\int h^2=\tau_m^2/(2(\tau_m+\tau_s))`). In discrete time
    (``dt > 0``; inputs counted per step, V sampled at the steps) the integrals become
    :math:`dt\sum_{k\ge0}h(k\,dt)^n`, e.g. :math:`dt/(1-\beta^n)` with :math:`\beta=e^{-dt/\tau_m}`
    for the delta synapse. Moments of the amplitude law: exponential :math:`E[X^n]=n!`,
    fixed 1, others from the law (scipy ``moment``, or the samples). In Brunel's convention
    :math:`\sigma^2 = 2\kappa_2` for the delta synapse (the free V has variance :math:`\sigma^2/2`).

    ``order`` is an integer in [1, 170] (the exponential law's ``E[X^n] = n!`` is a double up to
    ``n = 170``); a cumulant beyond the double range (large jumps at high order) raises a
    ParameterError naming the highest order that can be returned.

    Examples
    --------
    Exponential amplitudes, excitation only: V - e_l is Gamma(R tau, a), so kappa_2 = R tau a^2
    and kappa_3 = 2 R tau a^3:

    >>> c = free_cumulants(500.0, 0.1, tau_m=0.02, order=3)
    >>> [round(float(k), 12) for k in c.cumulants]
    [1.0, 0.1, 0.02]
    """
    amp = _as_amplitudes(amplitude)
    named = {k: _check(k, x) for k, x in (("rate_e", rate_e), ("a_e", a_e), ("rate_i", rate_i), ("a_i", a_i),
                                          ("tau_m", tau_m), ("e_l", e_l))}
    shape = _check_shapes(named)
    rate_e, a_e, rate_i, a_i, tau_m, e_l = named.values()
    if np.any(np.isinf(tau_m)):
        raise ParameterError("tau_m must be finite for free_cumulants (the free perfect integrator has no "
                             "stationary law); got inf")
    tau_s, dt = _check("tau_s", tau_s), _check("dt", dt)
    if tau_s.ndim or dt.ndim:
        raise ParameterError(f"tau_s and dt must be scalars; got shapes {tau_s.shape} and {dt.shape}")
    tau_s, dt = float(tau_s), float(dt)
    if isinstance(order, bool) or not isinstance(order, (int, np.integer, float, np.floating)):
        raise ParameterError(f"order must be an integer {DOMAINS['order'].constraint()}; got {order!r}")
    order = check_int("order", order)
    tau_b = np.broadcast_to(tau_m, shape)

    def raw_moment(spec, n):
        if isinstance(spec, str):
            return float(math.factorial(n)) if spec == "exponential" else 1.0
        if isinstance(spec, float):
            try:
                return spec ** n
            except OverflowError:  # beyond the double range: reported below
                return math.inf
        if isinstance(spec, np.ndarray):
            return float(np.mean(spec ** n))
        return float(spec.moment(n))

    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
        kappas = np.empty((order,) + shape)
        for n in range(1, order + 1):
            integ = np.vectorize(lambda t: _kernel_power_integral(n, float(t), tau_s, dt), otypes=[float])(tau_b)
            k_n = (rate_e * a_e ** n * raw_moment(amp.exc, n)
                   + (-1) ** n * rate_i * a_i ** n * raw_moment(amp.inh, n)) * integ
            kappas[n - 1] = k_n + (e_l if n == 1 else 0.0)
    if not np.all(np.isfinite(kappas)):
        n_bad = int(np.argwhere(~np.isfinite(kappas))[0][0]) + 1
        raise ParameterError(f"order: the cumulant of order {n_bad} exceeds the double range for these jump "
                             f"sizes and amplitude law; ask for order < {n_bad} (got order={order})")
    var = kappas[1] if order >= 2 else np.broadcast_to(
        (rate_e * a_e**2 * raw_moment(amp.exc, 2) + rate_i * a_i**2 * raw_moment(amp.inh, 2))
        * np.vectorize(lambda t: _kernel_power_integral(2, float(t), tau_s, dt), otypes=[float])(tau_b), shape)
    return FreeCumulants(scalar_or_array(kappas[0]), scalar_or_array(np.asarray(var)), kappas)


# --------------------------------------------------------------------------------------------
# how far is the diffusion approximation?


class DiffusionComparison(NamedTuple):
    """Shot-noise rate against the diffusion approximation with matched mean and variance.

    ``relative_error = diffusion_rate/shot_rate - 1`` (``inf`` where the shot-noise rate is 0
    and the diffusion one is not, 0 where both are 0); ``log_ratio = ln(diffusion/shot)``.
    ``mu``, ``sigma`` are the matched diffusion parameters (Brunel convention: the free V has
    mean ``mu`` and SD ``sigma/sqrt(2)``). ``shot_cv`` and ``diffusion_cv`` are the ISI CVs
    (:func:`isi_cv`, :func:`snntheory.diffusion.isi_cv`) and ``cv_error = diffusion_cv/shot_cv - 1``."""

    __repr__ = _result_repr

    shot_rate: np.ndarray
    diffusion_rate: np.ndarray
    relative_error: np.ndarray
    log_ratio: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    shot_cv: np.ndarray = None
    diffusion_cv: np.ndarray = None
    cv_error: np.ndarray = None


def matched_diffusion(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, e_l=0.0, amplitude="exponential"):
    r"""``(mu, sigma)`` of the diffusion approximation with the same free mean and variance.

    :math:`\mu = e_L + \tau_m(R_E E[A] - R_I E[B])`,
    :math:`\sigma^2 = \tau_m(R_E E[A^2] + R_I E[B^2])` (Brunel convention: the free V has mean
    ``mu`` and SD ``sigma/sqrt(2)``; Campbell 1909).

    Examples
    --------
    >>> mu, sigma = matched_diffusion(500.0, 0.1, tau_m=0.02)
    >>> round(float(mu), 12), round(float(sigma), 12)
    (1.0, 0.4472135955)
    """
    amp = _as_amplitudes(amplitude)
    named = {k: _check(k, x) for k, x in (("rate_e", rate_e), ("a_e", a_e), ("rate_i", rate_i), ("a_i", a_i),
                                          ("tau_m", tau_m), ("e_l", e_l))}
    _check_shapes(named)
    rate_e, a_e, rate_i, a_i, tau_m, e_l = named.values()
    if np.any(np.isinf(tau_m)):
        raise ParameterError("tau_m must be finite for matched_diffusion (the free perfect integrator has no "
                             "stationary mean and variance); got inf")
    (x1, x2), (y1, y2) = amp.moments()
    mu = e_l + tau_m * (rate_e * a_e * x1 - rate_i * a_i * y1)
    sigma = np.sqrt(tau_m * (rate_e * a_e**2 * x2 + rate_i * a_i**2 * y2))
    return scalar_or_array(mu), scalar_or_array(sigma)


def diffusion_error(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                    amplitude="exponential") -> DiffusionComparison:
    r"""How far :func:`snntheory.diffusion.firing_rate` with matched mean and variance
    (:func:`matched_diffusion`) is from the exact shot-noise rate (:func:`firing_rate`).

    Notes
    -----
    Both rates are exact for their models (the diffusion one is the Siegert formula); the
    difference is the error of the diffusion approximation, which vanishes as the jumps shrink
    at fixed mean and variance of the drive (tested). The same comparison is made for the ISI CV
    (:func:`isi_cv` against :func:`snntheory.diffusion.isi_cv`), the regularity of firing. Its size depends on the regime and grows
    with the jump size; ``benchmarks/results/shotnoise.md`` tabulates it for excitatory
    exponential jumps over free means below and above threshold.

    Examples
    --------
    Mean jumps of a tenth of the threshold distance at ``mu = 1``: the diffusion approximation
    overestimates the rate by 16 % and gets the ISI CV (``cv_error``) wrong by the amount shown:

    >>> cmp = diffusion_error(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> round(float(cmp.relative_error), 2), round(float(cmp.cv_error), 2)
    (0.16, -0.1)
    """
    from . import diffusion

    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)
    re, ae, ri, ai, tm, th, vr, el, tr = args
    log_shot = np.asarray(log_firing_rate(re, ae, ri, ai, tau_m=tm, v_th=th, v_reset=vr, e_l=el, tau_ref=tr,
                                          amplitude=amplitude))
    mu, sigma = matched_diffusion(re, ae, ri, ai, tau_m=tm, e_l=el, amplitude=amplitude)
    log_diff = np.asarray(diffusion.log_firing_rate(mu, sigma, tau_m=tm, v_th=th, v_reset=vr, tau_ref=tr))
    with np.errstate(invalid="ignore"):
        log_ratio = np.where(np.isneginf(log_shot) & np.isneginf(log_diff), 0.0, log_diff - log_shot)
    rel = np.where(np.isinf(log_ratio), np.where(log_ratio > 0, np.inf, -1.0), np.expm1(np.minimum(log_ratio, 700.0)))
    rel = np.where(log_ratio > 700.0, np.inf, rel)
    cv_shot = np.asarray(isi_cv(re, ae, ri, ai, tau_m=tm, v_th=th, v_reset=vr, e_l=el, tau_ref=tr,
                                amplitude=amplitude))
    cv_diff = np.asarray(diffusion.isi_cv(mu, sigma, tau_m=tm, v_th=th, v_reset=vr, tau_ref=tr))
    return DiffusionComparison(scalar_or_array(np.exp(log_shot)), scalar_or_array(np.exp(log_diff)),
                               scalar_or_array(rel), scalar_or_array(log_ratio), mu, sigma,
                               scalar_or_array(cv_shot), scalar_or_array(cv_diff),
                               scalar_or_array(cv_diff / cv_shot - 1.0))


# --------------------------------------------------------------------------------------------
# first passage: mean FPT from any start, ISI moments, FPT density


class ISIMoments(NamedTuple):
    """Mean (s) and variance (s^2) of the inter-spike interval and its coefficient of variation."""

    __repr__ = _result_repr

    mean: np.ndarray
    variance: np.ndarray
    cv: np.ndarray


def _prepare_start(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_start, e_l):
    """Validated, broadcast ``(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_start, e_l)`` with
    ``v_start <= v_th`` (the absorbing set is V >= v_th)."""
    v_start = _check("v_start", v_start)
    th = _check("v_th", v_th)
    check_below("v_start", v_start, "v_th", th, strict=False)
    vs, thb = np.broadcast_arrays(v_start, th)
    # the other checks of _prepare; v_start plays v_reset (a start at v_th is handled apart)
    below = np.where(vs < thb, vs, np.nextafter(thb, -np.inf))
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, th, below, e_l, 0.0)
    re, ae, ri, ai, tau, thb, _, el, _ = args
    vs = np.broadcast_to(v_start, re.shape)
    return re, ae, ri, ai, tau, thb, vs, el


def _log_mean_fpt_scalar(re, ae, ri, ai, tau, th, v0, el, amp):
    """ln of the mean first-passage time from v0 (s); -inf at v0 >= th, +inf without excitation."""
    if v0 >= th:
        return -math.inf
    if re == 0.0:
        return math.inf
    if _is_exponential(amp):
        return _log_isi_exponential(re, ae, ri, ai, tau, th, v0, el)
    _, _, rate = _grid_pair(re, ae, ri, ai, tau, th, v0, el, 0.0, amp)
    return -math.log(rate)


def log_mean_fpt(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_start, e_l=0.0, amplitude="exponential"):
    r"""``ln`` of :func:`mean_fpt` (ln s), finite where the mean FPT overflows a double.

    ``+inf`` without excitation (``rate_e = 0``), ``-inf`` at ``v_start = v_th``. Parameters,
    errors and method as :func:`mean_fpt`.

    Examples
    --------
    >>> lt = log_mean_fpt(500.0, 0.001, tau_m=0.02, v_th=1.0, v_start=0.0)
    >>> bool(lt > 710.0), float(mean_fpt(500.0, 0.001, tau_m=0.02, v_th=1.0, v_start=0.0))
    (True, inf)
    """
    amp = _as_amplitudes(amplitude)
    args = _prepare_start(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_start, e_l)
    out = np.empty(args[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = _log_mean_fpt_scalar(*(float(a[idx]) for a in args), amp)
    return scalar_or_array(out)


def mean_fpt(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_start, e_l=0.0, amplitude="exponential"):
    r"""Mean first-passage time (s) of the shot-noise membrane from ``v_start`` to ``v_th``.

    The neuron starts at ``v_start`` (non-refractory, no reset); the passage is the first input
    that takes V to ``v_th`` or above. Same model, parameters and conventions as
    :func:`firing_rate`; ``mean_fpt(v_start=v_reset) + tau_ref == 1/firing_rate`` (the ISI is a
    renewal interval).

    Parameters
    ----------
    rate_e, a_e, rate_i, a_i, tau_m, e_l, amplitude
        As :func:`firing_rate`.
    v_th : array_like
        Threshold (V), ``e_l < v_th``.
    v_start : array_like
        Start potential (V), ``v_start <= v_th``; any value below the threshold, also below
        ``e_l``. ``v_start = v_th`` gives 0 (the absorbing set is V >= v_th); just below it the
        mean FPT is positive (a further input is needed), so it is discontinuous there.

    Returns
    -------
    float or ndarray
        Mean FPT in s (``inf`` for ``rate_e = 0``; overflows to ``inf`` beyond ~1e308 s, where
        :func:`log_mean_fpt` stays finite).

    Raises
    ------
    ParameterError
        Invalid parameter, ``v_start > v_th`` or ``e_l >= v_th``.

    Notes
    -----
    The mean FPT :math:`T(v)` solves the backward equation of the jump process,
    :math:`\mathcal{L}T = -1` with :math:`T = 0` for :math:`v \ge \theta`, where (leak at 0)

    .. math::

        \mathcal{L}f(v) = -\frac{v}{\tau_m}f'(v) + R_E\,E[f(v+A)-f(v)] + R_I\,E[f(v-B)-f(v)].

    *Exponential amplitudes.* Applying :math:`(1-aD)(1+bD)` turns it into an ODE with linear
    coefficients, solved by a Laplace-type integral (derivation step 9):

    .. math::

        T(v) = \tau_m\int_0^{1/a}\frac{dc}{c}(1-ac)^{R_E\tau_m}(1+bc)^{R_I\tau_m}
               \Big[\frac{e^{c\theta'}}{1-ac} - e^{cv'}\Big],

    the Richardson & Swarbrick (2010) integral with :math:`V_r` replaced by the start, evaluated
    by the same log-space quadrature (ln T within 1e-9 of 50-digit mpmath).

    *Fixed and arbitrary amplitudes.* The embedded chain of :func:`firing_rate` on a grid
    aligned to ``v_start``: :math:`T = n/R`, :math:`n` the mean number of inputs to passage,
    Richardson-extrapolated (relative error < 2e-4 against the closed form above with the
    exponential law).

    References
    ----------
    M. J. E. Richardson & R. Swarbrick, PRL 105, 178102 (2010), eq. (3).

    Examples
    --------
    >>> T = mean_fpt(500.0, 0.1, tau_m=0.02, v_th=1.0, v_start=0.0)
    >>> r = firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    >>> bool(abs(1.0 / (0.002 + T) - r) < 1e-12 * r)
    True
    """
    with np.errstate(over="ignore"):
        return scalar_or_array(np.exp(np.asarray(log_mean_fpt(
            rate_e, a_e, rate_i, a_i, tau_m=tau_m, v_th=v_th, v_start=v_start, e_l=e_l, amplitude=amplitude))))


# --- second moment, exponential amplitudes: the Laplace transform of the FPT


def _exp_peak(re, ae, ri, ai, tau, th_):
    """Maximiser ``cs`` and maximum ``phis`` of phi(c) = rho ln(1-ac) + rhoi ln(1+bc) + c th_ on
    [0, 1/a) and the curvature width there (as in :func:`_log_isi_exponential`)."""
    rho, rhoi, a = re * tau, ri * tau, ae
    b = ai if ri > 0 else 0.0
    if b == 0.0:
        rhoi = 0.0
    c_end = 1.0 / a

    def dphi(c):
        return -rho * a / (1.0 - a * c) + rhoi * b / (1.0 + b * c) + th_
    c_hi = c_end * (1.0 - 1e-15)
    if dphi(0.0) <= 0.0:
        cs = 0.0
    elif dphi(c_hi) >= 0.0:
        # R_E tau_m a_e << 1e-15 theta': the maximiser lies within rounding of c = 1/a, where the
        # weight (1 - ac)^(R_E tau_m) still equals 1 to ~1e-13; the peak is taken at c_hi
        cs = c_hi
    else:
        cs = optimize.brentq(dphi, 0.0, c_hi, xtol=1e-14 * c_end, rtol=1e-13)
    phis = rho * math.log1p(-a * cs) + rhoi * math.log1p(b * cs) + cs * th_
    curv = rho * a * a / (1.0 - a * cs) ** 2 + rhoi * b * b / (1.0 + b * cs) ** 2
    width = 1.0 / math.sqrt(curv) if curv > 0 else c_end
    if cs == 0.0 and dphi(0.0) < 0.0:
        # maximum at the end c = 0: phi falls off over 1/|phi'(0)|, far thinner than the curvature
        # width when the drive is huge (R_E tau_m a_e >> theta'); the quadrature must see that layer
        width = min(width, 1.0 / -dphi(0.0))
    return cs, phis, width


def _fpt_var_exponential(re, ae, ri, ai, tau, th, v0, el):
    r"""``(ln T, Var(T))`` of the FPT from v0, exponential amplitudes (T without tau_ref).

    With :math:`g_N = \psi(c)e^{cv}`, :math:`g_D = \psi(c)e^{c\theta}/(1-ac)`,
    :math:`\psi = (1-ac)^{R_E\tau}(1+bc)^{R_I\tau}`, the FPT transform is
    :math:`\int c^{p\tau-1}g_N/\int c^{p\tau-1}g_D` (derivation step 10); its second cumulant is
    :math:`\tau^2[\Delta_0^2 + 2\Delta_0N_0 - 2\Delta_1]` with
    :math:`\Delta_0=\int(g_D-g_N)/c`, :math:`N_0=\int(g_N-1)/c`,
    :math:`\Delta_1=\int(g_D-g_N)\ln(ac)/c` over (0, 1/a). All three are scaled by the peak
    :math:`e^{-\phi^*}` of :math:`\psi e^{c\theta}`.
    """
    log_t = _log_isi_exponential(re, ae, ri, ai, tau, th, v0, el)
    th_, v_ = th - el, v0 - el
    cs, phis, width = _exp_peak(re, ae, ri, ai, tau, th_)
    rho, a = re * tau, ae
    b = ai if ri > 0 else 0.0
    rhoi = ri * tau if b > 0 else 0.0
    c_end = 1.0 / a
    d0 = math.exp(log_t - math.log(tau) - phis)

    def log_psi(c):
        # -inf at the end point c = 1/a (also where a*c rounds to 1 just below it)
        return rho * math.log1p(-a * c) + rhoi * math.log1p(b * c) if a * c < 1.0 else -math.inf

    def f_n0(c):
        lg = log_psi(c) + c * v_
        return (math.expm1(lg) * math.exp(-phis) if abs(lg) < 0.5 else
                math.exp(lg - phis) - math.exp(-phis)) / c

    def f_d1(c):
        # (g_D - g_N)/c = psi e^{c th}[1/(1-ac) - e^{-c(th - v)}]/c, the bracket without cancellation;
        # at c = 1/a the integrand vanishes like (1-ac)^(R_E tau) ln(ac)
        if a * c >= 1.0:
            return 0.0
        lp = log_psi(c) + c * th_ - phis
        e = c * (th_ - v_)
        br = (a * c / (1.0 - a * c) - math.expm1(-e)) / c if e < 0.5 else \
            (1.0 / (1.0 - a * c) - math.exp(-e)) / c
        return math.exp(lp) * br * math.log(a * c)

    # breakpoints around both peaks (of psi e^{c th} and of psi e^{c v})
    pts = {0.0, c_end, cs}
    for w in (3.0, 10.0, 30.0):
        pts.update(p for p in (cs - w * width, cs + w * width) if 0.0 < p < c_end)
    csn, _, wn = _exp_peak(re, ae, ri, ai, tau, v_) if v_ > 0 else (0.0, 0.0, width)
    pts.update(p for p in (csn, csn + 3 * wn, csn + 10 * wn) if 0.0 < p < c_end)
    pts = sorted(pts)
    opts = dict(limit=200, epsabs=0.0, epsrel=1e-11)
    n0 = d1 = 0.0
    for lo, hi in zip(pts[:-1], pts[1:]):
        n0 += integrate.quad(f_n0, lo, hi, **opts)[0]
        d1 += integrate.quad(f_d1, lo, hi, **opts)[0]
    var_scaled = d0 * d0 + 2.0 * d0 * n0 - 2.0 * d1 * math.exp(-phis)
    var = tau * tau * math.exp(2.0 * phis) * var_scaled if phis < 350.0 else math.inf
    return log_t, var, var_scaled / (d0 * d0)


# --- the embedded chain from any start: second moment and Laplace transform of the FPT


def _relax_projection(x, h, el, g_fun, mass):
    r"""Hat-function weights of a measure on the relaxed position e_L + (y - e_L)U, U in [0, 1],
    column j for the source y = x[j]: ``mass * hat(y) + (d/h) * second difference of G``, where
    :math:`G(t)=\int_0^t F` is the second antiderivative of the measure of U (``g_fun``, vectorised,
    G(0) = 0) and ``mass`` its total (integration by parts against the hats)."""
    xe = np.concatenate([[x[0] - h], x, [x[-1] + h]])
    d = np.abs(x - el)
    # t = (x_e - e_L)/(y - e_L) for the sources y above e_L, (e_L - x_e)/(e_L - y) below, 0 at e_L
    t = np.divide.outer(xe - el, np.where(d > 0, np.where(x > el, d, -d), np.inf))
    np.clip(t, 0.0, 1.0, out=t)
    gt = g_fun(t)
    w = gt[1:-1] * -2.0
    w += gt[2:]
    w += gt[:-2]
    w *= d / h
    # the point mass at the source: the grid is uniform (x = v_th - h k), so its hat is node j's own
    w[np.diag_indices(x.size)] += mass
    return w


def _power_g(rho):
    """G(t) = t^(rho+1)/(rho+1) (U ~ Beta(rho, 1), rho complex with Re rho > -1 allowed)."""
    def g(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            lt = np.log(np.where(t > 0, t, 1.0))
        return np.where(t > 0, np.exp((rho + 1.0) * lt), 0.0) / (rho + 1.0)
    return g


def _delay_g(rho, tau):
    r"""G for the measure :math:`\Delta\,P(U\in du)`, :math:`\Delta=-\tau\ln U` the waiting time:
    :math:`F(t)=\tau t^\rho(1/\rho-\ln t)`,
    :math:`G(t)=\tau t^{\rho+1}[1/(\rho(\rho+1)) + 1/(\rho+1)^2 - \ln t/(\rho+1)]`."""
    def g(t):
        with np.errstate(divide="ignore", invalid="ignore"):
            lt = np.log(np.where(t > 0, t, 1.0))
            tp = np.where(t > 0, np.exp((rho + 1.0) * lt), 0.0)
        return tau * tp * (1.0 / (rho * (rho + 1.0)) + 1.0 / (rho + 1.0) ** 2 - lt / (rho + 1.0))
    return g


@dataclass(frozen=True, eq=False)
class _Chain:
    x: np.ndarray          # nodes, ascending, x[-1] = v_th, x[j0] = the start
    h: float
    j0: int
    total: float           # R = R_E + R_I
    rho: float             # R tau_m
    tau: float
    el: float
    p_e: float
    w_e: np.ndarray
    w_i: object            # None without inhibition
    spike: np.ndarray      # probability that an input at node i crosses v_th

    def jumps_t(self, vec):
        """J^T vec (J the non-crossing jump matrix)."""
        return _apply_jumps(np.atleast_2d(vec), self.p_e, self.w_e, self.w_i)[0]


def _chain(re, ae, ri, ai, tau, th, v0, el, amp, h):
    """The pre-jump chain of :func:`_grid_solve` on the grid of spacing h aligned to v0."""
    total = re + ri
    (x1, x2), (y1, y2) = amp.moments()
    inhib = ri > 0 and ai > 0
    sd_free = math.sqrt(0.5 * tau * (re * ae * ae * x2 + (ri * ai * ai * y2 if inhib else 0.0)))
    mu_free = el + tau * (re * ae * x1 - (ri * ai * y1 if inhib else 0.0))
    lb = _lower_edge(v0, el, mu_free, sd_free, ai, amp, inhib)
    n = int(math.ceil((th - lb) / h)) + 1
    x = th - h * np.arange(n)[::-1]
    j0 = int(round((th - v0) / h))
    j0 = n - 1 - j0
    p_e = re / total
    w_e = _lattice_weights(amp.exc, ae, h, n)
    w_i = _lattice_weights(amp.inh, ai, h, n) if inhib else None
    return _Chain(x, h, j0, total, total * tau, tau, el, p_e, w_e, w_i, p_e * _spike_probability(w_e, n))


def _chain_moments(ch):
    """First two moments (s, s^2) of the FPT from x[j0]: the backward recursion of the chain,
    (I - P^T) B = J^T (1/R) and (I - P^T) B_2 = J^T (2/R^2 + 2 K_Delta^T B), P = K J."""
    n = ch.x.size
    rel = _relax_projection(ch.x, ch.h, ch.el, _power_g(ch.rho), 1.0)
    rel_d = _relax_projection(ch.x, ch.h, ch.el, _delay_g(ch.rho, ch.tau), ch.tau / ch.rho)
    prod_t = _apply_jumps(rel, ch.p_e, ch.w_e, ch.w_i).T
    a = -prod_t
    a[np.diag_indices(n)] += 1.0
    lu = linalg.lu_factor(a, check_finite=False, overwrite_a=True)
    r = ch.total
    b1 = linalg.lu_solve(lu, ch.jumps_t(np.full(n, 1.0 / r)), check_finite=False)
    b2 = linalg.lu_solve(lu, ch.jumps_t(2.0 / r**2 + 2.0 * (rel_d.T @ b1)), check_finite=False)
    t1 = 1.0 / r + rel[:, ch.j0] @ b1
    t2 = 2.0 / r**2 + 2.0 * rel_d[:, ch.j0] @ b1 + rel[:, ch.j0] @ b2
    return t1, t2


def _fpt_var_grid(re, ae, ri, ai, tau, th, v0, el, amp):
    """``(ln T, Var(T))`` of the FPT from v0 on the two grids of :func:`firing_rate`, the variance
    Richardson-extrapolated (O(h^2)); ln T from the rate solver (so that T + tau_ref = 1/rate)."""
    coarse, fine, rate = _grid_pair(re, ae, ri, ai, tau, th, v0, el, 0.0, amp)
    var = []
    with one_blas_thread():
        for sol in (coarse, fine):
            t1, t2 = _chain_moments(_chain(re, ae, ri, ai, tau, th, v0, el, amp, sol.h))
            var.append(t2 - t1 * t1)
    v = var[1] + (var[1] - var[0]) / 3.0
    return -math.log(rate), v


def _isi_scalar(re, ae, ri, ai, tau, th, vr, el, tref, amp):
    """(mean, variance, cv) of the ISI = tau_ref + FPT from v_reset."""
    if re == 0.0:
        # no excitation: no spikes; CV is the limit rate_e -> 0 (rare, Poisson-like escapes)
        return math.inf, math.inf, 1.0
    if _is_exponential(amp):
        log_t, var, cv2_t = _fpt_var_exponential(re, ae, ri, ai, tau, th, vr, el)
    else:
        log_t, var = _fpt_var_grid(re, ae, ri, ai, tau, th, vr, el, amp)
        cv2_t = var / math.exp(2.0 * log_t) if log_t < 350.0 else 1.0
    var = max(var, 0.0)
    log_mean = float(np.logaddexp(math.log(tref), log_t)) if tref > 0 else log_t
    # CV = sqrt(Var T)/(tau_ref + T), formed from ln T so that it is finite where T overflows
    cv = math.sqrt(max(cv2_t, 0.0)) * math.exp(log_t - log_mean)
    with np.errstate(over="ignore"):
        mean = float(np.exp(log_mean))
    return mean, var, cv


def isi_moments(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
                amplitude="exponential") -> ISIMoments:
    r"""Mean (s), variance (s^2) and CV of the inter-spike interval of the shot-noise LIF neuron.

    The ISI is ``tau_ref`` plus the first-passage time from ``v_reset`` to ``v_th``
    (:func:`mean_fpt`); ``mean == 1/firing_rate``. Parameters and conventions as
    :func:`firing_rate`.

    Returns
    -------
    ISIMoments
        ``(mean, variance, cv)``, broadcast shape. ``rate_e = 0`` (no spikes): mean and variance
        ``inf`` and ``cv = 1``, the limit of rare, Poisson-like escapes. The mean overflows to
        ``inf`` beyond ~1e308 s (the CV stays finite).

    Raises
    ------
    ParameterError
        As :func:`firing_rate`.

    Notes
    -----
    The FPT moments solve the backward recursion :math:`\mathcal{L}T_n = -nT_{n-1}`
    (:math:`T_0 = 1`, :math:`T_n = 0` at and above threshold; :math:`\mathcal{L}` the generator of
    :func:`mean_fpt`), equivalently the derivatives at :math:`p=0` of the FPT transform
    :math:`\hat F(v;p)=E_v[e^{-pT}]`, which solves :math:`\mathcal{L}\hat F = p\hat F`.

    *Exponential amplitudes* (derivation step 10): with :math:`\psi(c)=(1-ac)^{R_E\tau_m}(1+bc)^{R_I\tau_m}`,
    :math:`g_N=\psi e^{cV_r'}`, :math:`g_D=\psi e^{c\theta'}/(1-ac)` (leak at 0),

    .. math::

        \hat F(V_r;p) = \frac{\int_0^{1/a}c^{p\tau_m-1}g_N\,dc}{\int_0^{1/a}c^{p\tau_m-1}g_D\,dc},\qquad
        \mathrm{Var}\,T = \tau_m^2[\Delta_0^2 + 2\Delta_0N_0 - 2\Delta_1],

    :math:`\Delta_0=\int\frac{g_D-g_N}{c}`, :math:`N_0=\int\frac{g_N-1}{c}`,
    :math:`\Delta_1=\int\frac{g_D-g_N}{c}\ln(ac)` over (0, 1/a), evaluated by adaptive quadrature
    scaled by the peak of the integrand (as the rate). Relative error of the variance ~1e-9
    (against 50-digit mpmath, tests), losing a factor 1/CV^2 for very regular firing.

    *Fixed and arbitrary amplitudes:* the embedded chain of :func:`firing_rate`. With the
    waiting time :math:`\Delta` to the next input and the relaxation kernel K, the chain's
    backward recursion is :math:`T_1 = 1/R + K^TB`, :math:`(I-P^T)B = J^T(1/R)` and
    :math:`T_2 = 2/R^2 + 2K_\Delta^TB + K^TB_2`, :math:`(I-P^T)B_2 = J^T(2/R^2+2K_\Delta^TB)`,
    :math:`P = KJ`, where :math:`K_\Delta` is the kernel weighted by :math:`\Delta` (hat
    projections in closed form). The variance is Richardson-extrapolated between the two grids of
    the rate (relative error < 2e-4 against the closed form with the exponential law).

    References
    ----------
    M. J. E. Richardson & R. Swarbrick, PRL 105, 178102 (2010).
    C. W. Gardiner, Stochastic Methods, 4th ed., Springer (2009), sec. 5.5 (first-passage moments).

    Examples
    --------
    Strong drive makes the neuron regular; weak drive makes it Poisson-like:

    >>> m = isi_moments([2000.0, 300.0], 0.05, tau_m=0.02, v_th=1.0, v_reset=0.0)
    >>> [round(float(c), 2) for c in m.cv]
    [0.37, 1.0]
    >>> bool(abs(m.mean[0] * firing_rate(2000.0, 0.05, tau_m=0.02, v_th=1.0, v_reset=0.0) - 1) < 1e-12)
    True
    """
    amp = _as_amplitudes(amplitude)
    args = _prepare(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_reset, e_l, tau_ref)
    shape = args[0].shape
    out = [np.empty(shape) for _ in range(3)]
    for idx in np.ndindex(shape):
        vals = _isi_scalar(*(float(a[idx]) for a in args), amp)
        for o, v in zip(out, vals):
            o[idx] = v
    return ISIMoments(*(scalar_or_array(o) for o in out))


def isi_cv(rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_reset, e_l=0.0, tau_ref=0.0,
           amplitude="exponential"):
    r"""Coefficient of variation of the inter-spike interval (``isi_moments(...).cv``).

    Parameters, method and accuracy as :func:`isi_moments`; 1 for ``rate_e = 0`` (the limit).

    Examples
    --------
    Fixed jumps of half the threshold distance, strong drive:

    >>> cv = isi_cv(2000.0, 0.5, tau_m=0.02, v_th=1.0, v_reset=0.0, amplitude="fixed")
    >>> bool(0.0 < cv < 1.0)
    True
    """
    return isi_moments(rate_e, a_e, rate_i, a_i, tau_m=tau_m, v_th=v_th, v_reset=v_reset, e_l=e_l,
                       tau_ref=tau_ref, amplitude=amplitude).cv


# --- exact FPT transform for exponential amplitudes: Kummer functions


class _NoExactTransform(Exception):
    """The exponential-amplitude series lose too many digits (strong inhibition); the caller uses
    the embedded chain instead."""


#: Largest accepted estimate of the absolute rounding error of the exact transform (relative to
#: F(0) = 1); beyond it the chain route is used.
_EXACT_TOL = 1e-11
#: Most inhibitory terms m of the exact transform.
_EXACT_MAX_TERMS = 400
#: Most elements (terms x arguments) of one Kummer power-series evaluation (complex: 64 MB each
#: of its few work arrays)
_KUMMER_MAX_ELEMENTS = 4e6
#: Most series terms (Kummer terms of numerator and denominator x inhibitory terms) per transform
#: value for the exact FPT-density route: one inversion window with one doubling of M (4 M + 1 =
#: 129 values) then sums <= 2.5e6 terms, 0.5-0.9 s at the 0.18-0.34 us per complex term measured
#: (2026-12-07; up to 4x that where M doubles to 256); beyond, the chain route (with its own cost
#: check) is used. A function of the parameters alone, so the route, and with it every value,
#: does not depend on the times asked for.
_EXACT_MAX_TERMS_PER_VALUE = 19000.0


def _kummer_terms(z):
    """Terms of :func:`_kummer_scaled`'s power series at argument z (past its largest, at ~|z|,
    by 12 square roots of it: the Poisson-like terms are then below 1e-30 of the largest)."""
    return abs(z) + 12.0 * math.sqrt(abs(z)) + 40.0


def _kummer_scaled(s, c, z):
    r"""Kummer's :math:`M(s, s+c, z)` for complex ``s`` (shape (S, 1)) and real ``c > -Re s``
    (shape (1, K)), by the power series, as ``(sum, sum of moduli, ln scale)``: the first two
    are scaled by :math:`e^{-\text{scale}}` (the largest term, so nothing overflows); for z < 0
    through Kummer's relation :math:`M(s, s+c, z) = e^zM(c, s+c, -z)`, so that the terms never
    alternate in sign."""
    shape = np.broadcast_shapes(s.shape, c.shape)
    az = abs(z)
    if az == 0.0:
        return np.ones(shape, complex), np.ones(shape), np.zeros(shape)
    n_terms = _kummer_terms(z)
    if n_terms * math.prod(shape) > _KUMMER_MAX_ELEMENTS:
        # tiny jumps against the distance to threshold (|z| = distance / a_e): the series needs
        # more terms than memory allows (2e11 at a_e = 5e-10: a 1.4 TiB array); the chain route
        # of the caller has its own up-front size and cost checks
        raise _NoExactTransform
    n = np.arange(int(n_terms), dtype=float)
    b = (s + c)[..., None] + n                      # (S, K, N)
    top = (s[..., None] + n) if z > 0 else (c[..., None] + n + 0j)
    # s = -n (real s < 0 in the pole search): the series terminates; a tiny factor stands for 0
    top = np.where(top == 0.0, 1e-300, top)
    # log(top / b) as log|.| + i arg(.): numpy's complex log costs ~280 ns per element, these
    # ~50 ns, and the terms need the log to absolute accuracy only (they are exponentiated)
    ratio = top / b
    lr = np.empty(ratio.shape, complex)
    lr.real = np.log(np.abs(ratio))
    lr.imag = np.angle(ratio)
    lr.real += math.log(az) - np.log1p(n)
    # term_0 = 1, term_{k+1} = term_k * ratio_k
    lt = np.concatenate([np.zeros(lr.shape[:-1] + (1,), complex), np.cumsum(lr[..., :-1], axis=-1)], axis=-1)
    scale = lt.real.max(axis=-1)
    terms = np.exp(lt - scale[..., None])
    return terms.sum(axis=-1), np.abs(terms).sum(axis=-1), scale + (z if z < 0 else 0.0)


def _exp_k_terms(re, ae, ri, ai, tau):
    """Terms m of the inhibitory binomial series of the exact transform (1 without inhibition)."""
    if not (ri > 0.0 and ai > 0.0):
        return 1
    rhoi, kappa = ri * tau, ai / (ae + ai)
    if float(rhoi).is_integer():
        return int(rhoi) + 1
    return int(math.ceil(rhoi)) + int(math.ceil(40.0 / -math.log(kappa))) + 1


def _exp_transform_parts(s, re, ae, ri, ai, tau, th_, v_):
    r"""Numerator and denominator series of the exact FPT transform (see :func:`_exp_transform`),
    both scaled by the same factor per p, and an estimate of the absolute rounding error
    of their ratio."""
    rho = re * tau
    inhib = ri > 0.0 and ai > 0.0
    rhoi = ri * tau if inhib else 0.0
    kappa = ai / (ae + ai) if inhib else 0.0
    k_terms = _exp_k_terms(re, ae, ri, ai, tau)
    if k_terms > _EXACT_MAX_TERMS:
        raise _NoExactTransform
    m = np.arange(k_terms, dtype=float)
    # c_m = (-rho_i)_m kappa^m / m!  (binomial series of (1 - kappa w)^rho_i)
    cm = np.concatenate([[1.0], np.cumprod((m[:-1] - rhoi) * kappa / (m[:-1] + 1.0))])
    s2 = np.asarray(s, complex)[:, None]
    # (r)_m / (s + r)_m for r = rho + 1 (numerator) and rho (denominator)
    def pochhammer_ratio(r):
        return np.concatenate([np.ones((s.size, 1)), np.cumprod((r + m[:-1]) / (s2 + r + m[:-1]), axis=1)], axis=1)
    ratio_n, ratio_d = pochhammer_ratio(rho + 1.0), pochhammer_ratio(rho)
    # both series' sizes before either is summed (the numerator's can fit where the
    # denominator's does not, at threshold/a_e > 1e6: summing it first wasted ~1 s)
    for z in (v_ / ae, th_ / ae):
        if _kummer_terms(z) * s.size * k_terms > _KUMMER_MAX_ELEMENTS:
            raise _NoExactTransform
    kn, kn_abs, ln_n = _kummer_scaled(s2, rho + 1.0 + m[None, :], v_ / ae)
    kd, kd_abs, ln_d = _kummer_scaled(s2, rho + m[None, :], th_ / ae)
    # one scale per p for numerator and denominator (their ratio is wanted)
    top = ln_d.max(axis=1, keepdims=True)
    kn, kn_abs = kn * np.exp(ln_n - top), kn_abs * np.exp(ln_n - top)
    kd, kd_abs = kd * np.exp(ln_d - top), kd_abs * np.exp(ln_d - top)
    tn = cm * ratio_n * kn
    td = cm * ratio_d * kd
    num, den = tn.sum(axis=1), td.sum(axis=1)
    an = (np.abs(cm * ratio_n) * kn_abs).sum(axis=1)
    ad = (np.abs(cm * ratio_d) * kd_abs).sum(axis=1)
    if k_terms > 1 and not float(rhoi).is_integer() and \
            np.abs(tn[:, -1]).max() > 1e-17 * np.abs(tn).sum(axis=1).max():
        # the binomial series is not yet converged at the last term kept
        raise _NoExactTransform
    with np.errstate(divide="ignore", invalid="ignore"):
        err = 1e-16 * (an + ad * np.abs(num / den)) / np.abs(den)
    return num, den, np.where(np.isfinite(err), err, np.inf), ad


def _exp_transform(p, re, ae, ri, ai, tau, th, v0, el):
    r"""Exact Laplace transform :math:`\hat F(p) = E[e^{-pT}]` of the FPT from v0, exponential
    amplitudes, vectorised over complex p (Re p > -R_E).

    With :math:`s = p\tau_m`, :math:`\rho = R_E\tau_m`, :math:`\rho_I = R_I\tau_m`,
    :math:`\kappa = b/(a+b)`, leak at 0 (derivation step 10, the integral in
    :math:`w = 1 - ac` expanded in :math:`(1-\kappa w)^{\rho_I}`)

    .. math::

        \hat F = \frac{\rho}{s+\rho}\,
        \frac{\sum_m c_m\frac{(\rho+1)_m}{(s+\rho+1)_m} M(s, s+\rho+1+m, v'/a)}
             {\sum_m c_m\frac{(\rho)_m}{(s+\rho)_m} M(s, s+\rho+m, \theta'/a)},\qquad
        c_m = \frac{(-\rho_I)_m\kappa^m}{m!};

    without inhibition only m = 0: the Kummer-function ratio. Raises :class:`_NoExactTransform`
    where the alternating inhibitory series would lose digits.
    """
    s = np.atleast_1d(np.asarray(p, complex)) * tau
    num, den, err, _ = _exp_transform_parts(s, re, ae, ri, ai, tau, th - el, v0 - el)
    if not np.all(err < _EXACT_TOL):
        raise _NoExactTransform
    return re * tau / (s + re * tau) * num / den


# --- FPT density: Laplace transform of the chain, inverted by de Hoog's method

#: Terms of the de Hoog, Knight & Stokes continued fraction (2M+1 transform values per window).
_DEHOOG_M = 10
#: The same with the exact exponential-amplitude transform (cheap to evaluate).
_DEHOOG_M_EXACT = 32
#: Ratio of the ends of a time window: t in (T/(2 _WINDOW), T/2] is inverted with period T
#: (smooth test transforms: error <= 1e-5 of the density scale with M = 10).
_WINDOW = 8
#: Largest M of the exact route's adaptive de Hoog inversion, and its agreement criterion between
#: M and 2M (relative to the largest value at the window's probe times, _DEHOOG_PROBES).
_DEHOOG_M_MAX = 256
_DEHOOG_RTOL = 1e-9
#: Probe times of a window (fractions of its period T; the window holds (T/16, T/2]).
_DEHOOG_PROBES = np.geomspace(1.0 / 16.0, 0.5, 7)
#: The inversion windows cover [0, mean + _FPT_WINDOW_SD standard deviations] of the FPT; beyond,
#: the slowest mode C exp(-lambda_1 t) (pole and residue of the transform) continues.
_FPT_WINDOW_SD = 12.0
#: Before the mean FPT minus this many SDs the density is taken at its saddle-point tilt (the plain
#: inversion's absolute floor, ~1e-11 of the peak, is ~1e-6 of the density there for a bell shape)
_FPT_LEFT_SD = 4.0
#: Smallest h(t) / C (the shifted tail over its limit) that de Hoog's double-precision inversion
#: resolves to ~1e-8 relative (it keeps ~1e-14 of C); below it the tail time is Talbot-inverted in mpmath.
_TAIL_RESOLVED = 1e-6
#: Upper estimate of one 30-digit Talbot inversion of the shifted tail transform (measured: 0.05-0.45 s).
_TALBOT_SECONDS = 0.5


def _relax_geometry(ch):
    """p-independent parts of the relaxation projection of the chain: ln t on the extended grid,
    where t > 0, d/h and the hats at the sources (see :func:`_relax_projection`)."""
    x, h, el = ch.x, ch.h, ch.el
    xe = np.concatenate([[x[0] - h], x, [x[-1] + h]])
    y = x[None, :]
    d = np.abs(y - el)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(y > el, (xe[:, None] - el) / d, (el - xe[:, None]) / d)
    t = np.clip(np.where(d > 0, t, 0.0), 0.0, 1.0)
    pos = t > 0
    lt = np.log(np.where(pos, t, 1.0))
    return lt, pos, d / h, np.maximum(0.0, 1.0 - np.abs(x[:, None] - y) / h)


def _chain_laplace(ch, p, geometry=None):
    """E[exp(-p T)] from x[j0] (complex p, Re p > -R): the backward equation of the chain with each
    waiting time weighted by exp(-p Delta), i.e. the relaxation kernel of U ~ Beta((R+p)tau, 1)
    with total weight R/(R+p): (I - P_p^T) B = spike, F = K_p[:, j0] . B."""
    n = ch.x.size
    r = ch.total
    rho_p = (r + p) * ch.tau
    scale = r / (r + p)
    lt, pos, dh, hat = _relax_geometry(ch) if geometry is None else geometry
    gt = np.where(pos, np.exp((rho_p + 1.0) * lt), 0.0) * (scale / (rho_p + 1.0))
    rel = (gt[2:] - 2.0 * gt[1:-1] + gt[:-2]) * dh + scale * hat
    a = -_apply_jumps(rel, ch.p_e, ch.w_e, ch.w_i).T
    a[np.diag_indices(n)] += 1.0
    b = linalg.solve(a, ch.spike.astype(a.dtype), check_finite=False, overwrite_a=True)
    return rel[:, ch.j0] @ b


def _dehoog(fp, t, big_t, gamma):
    """de Hoog, Knight & Stokes (1982): f(t) from fp[k] = F(gamma + i k pi/big_t), k = 0..2M,
    by the quotient-difference continued fraction with the improved remainder (vectorised in t)."""
    m = (fp.size - 1) // 2
    e = np.zeros((2 * m + 1, m + 1), complex)
    q = np.zeros((2 * m, m + 1), complex)
    q[0, 0] = fp[1] / (fp[0] / 2.0)
    q[1:2 * m, 0] = fp[2:2 * m + 1] / fp[1:2 * m]
    for r in range(1, m + 1):
        mr = 2 * (m - r) + 1
        e[0:mr, r] = q[1:mr + 1, r - 1] - q[0:mr, r - 1] + e[1:mr + 1, r - 1]
        if r != m:
            mq = 2 * (m - r - 1) + 3
            q[0:mq, r] = q[1:mq + 1, r - 1] * e[1:mq + 1, r] / e[0:mq, r]
    d = np.empty(2 * m + 1, complex)
    d[0] = fp[0] / 2.0
    for r in range(1, m + 1):
        d[2 * r - 1] = -q[0, r - 1]
        d[2 * r] = -e[0, r]
    z = np.exp(1j * math.pi * np.asarray(t, float) / big_t)
    a_prev, a_cur = np.zeros_like(z), np.full_like(z, d[0])
    b_prev, b_cur = np.ones_like(z), np.ones_like(z)
    for i in range(1, 2 * m):
        a_prev, a_cur = a_cur, a_cur + d[i] * a_prev * z
        b_prev, b_cur = b_cur, b_cur + d[i] * b_prev * z
    brem = (1.0 + (d[2 * m - 1] - d[2 * m]) * z) / 2.0
    rem = -brem * (1.0 - np.sqrt(1.0 + d[2 * m] * z / brem**2))
    a_fin = a_cur + rem * a_prev
    b_fin = b_cur + rem * b_prev
    return np.exp(gamma * np.asarray(t, float)) / big_t * (a_fin / b_fin).real


def _slowest_mode(chains, geometries, mean):
    """Pole -lambda_1 of the FPT transform on (-R, 0) and its residue C (f ~ C exp(-lambda_1 t)),
    from the real Richardson-extrapolated transform: 1/F decreases from 1 at p = 0 to 0 at the pole."""
    r = chains[0].total

    def inv_f(p):
        # near the pole the chain's matrix is (nearly) singular: that is what is searched for
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            try:
                fc, ff = (_chain_laplace(ch, p, g).real for ch, g in zip(chains, geometries))
            except linalg.LinAlgError:
                return 0.0
        return 1.0 / (ff + (ff - fc) / 3.0)

    lo = 0.0
    lam = min(0.5 / mean, 0.5 * r)
    while inv_f(-lam) > 0.0:
        lo = lam
        if lam >= 0.99 * r:
            # no pole in (-R, 0): the tail decays like e^{-R t} times a power (Erlang-like passage
            # through a fixed number of inputs); the caller inverts the transform there too
            return None
        lam = min(2.0 * lam, 0.99 * r)
    lam1 = optimize.brentq(lambda q: inv_f(-q), lo, lam, xtol=1e-12 * lam, rtol=1e-12)
    step = 1e-5 * lam1
    slope = (inv_f(-lam1 + step) - inv_f(-lam1 - step)) / (2.0 * step)
    return lam1, 1.0 / slope


def _pole_scan_points(rho):
    """Real s in (-0.999 rho, 0), descending from 0, where the pole search samples the
    denominator: geometric from -min(0.05, rho/2) (slow modes near 0) and uniform with
    _POLE_SCAN_N points (the roots crowd towards -rho: in one measured case eleven of them,
    the rightmost 0.03 rho from the next)."""
    far = 0.999 * rho
    geo = min(0.05, 0.5 * rho) * 2.0 ** np.arange(max(1, int(math.ceil(math.log2(far / min(0.05, 0.5 * rho)))) + 1))
    pts = np.unique(np.concatenate([geo[geo < far], far * np.arange(1, _POLE_SCAN_N + 1) / _POLE_SCAN_N]))
    return -pts


class _Tilt(NamedTuple):
    """:func:`_exp_slowest_mode`'s answer where no pole is resolved: the far tail by exponential
    tilting (:func:`_exp_tilted`) at rates below ``lam_max`` (R_E where the denominator keeps its
    sign on (-R_E, 0); else the last scan point where it is resolved positive, below the pole)."""

    lam_max: float


def _exp_slowest_mode(re, ae, ri, ai, tau, th, v0, el):
    """Pole -lambda_1 of the exact exponential-amplitude transform on (-R_E, 0) nearest 0 and its
    residue C (f ~ C exp(-lambda_1 t)); a :class:`_Tilt` where there is none or it is not
    resolved. The denominator series is real there and changes sign at the
    pole (it is positive at p = 0). Where double precision does not resolve the sign change (the
    Kummer series alternate for s < 0), mpmath's Kummer function is used
    (:func:`_exp_slowest_mode_mp`)."""
    th_, v_ = th - el, v0 - el
    rho = re * tau

    def parts(s):
        with np.errstate(over="ignore", invalid="ignore"):   # non-finite: the scan stops there
            num, den, _, den_abs = _exp_transform_parts(np.asarray(s, float) + 0j, re, ae, ri, ai, tau, th_, v_)
        return num.real, den.real, den_abs

    def den(s):
        return parts([s])[1][0]

    s_pts = _pole_scan_points(rho)
    # sample in blocks from 0 down (a block within the Kummer series' memory bound), stopping
    # after the first sign change
    per_s = _kummer_terms(max(abs(th_), abs(v_)) / ae) * _exp_k_terms(re, ae, ri, ai, tau)
    block = max(1, min(32, int(_KUMMER_MAX_ELEMENTS / per_s)))
    num_s, den_s, abs_s = [], [], []
    for start in range(0, s_pts.size, block):
        nb, db, ab = parts(s_pts[start:start + block])
        num_s.append(nb), den_s.append(db), abs_s.append(ab)
        if not (db.min() > 0.0 and np.all(np.isfinite(ab))):
            break
    num_s, den_s, abs_s = (np.concatenate(x) for x in (num_s, den_s, abs_s))
    s_pts = s_pts[:den_s.size]
    finite = np.isfinite(den_s) & np.isfinite(num_s) & np.isfinite(abs_s)
    if not finite.all():
        # the series overflow beyond some s: the scan is cut there, and no pole is resolved (the
        # tilt stays above the last point that summed)
        k = int(np.flatnonzero(~finite)[0])
        s_pts, num_s, den_s, abs_s = s_pts[:k], num_s[:k], den_s[:k], abs_s[:k]
        if not np.any(den_s <= 0.0):
            return _Tilt(-float(s_pts[-1]) / tau if k else 0.0)
    if not np.any(den_s <= 0.0):
        return _Tilt(re)   # no sign change on (-0.999 R_E, 0): no pole (Erlang-like passage)
    first = int(np.flatnonzero(den_s <= 0.0)[0])
    sure = np.flatnonzero((den_s[:first] > 0.0) & (1e-16 * abs_s[:first] < 1e-8 * np.abs(den_s[:first])))
    unresolved = _Tilt(-float(s_pts[sure[-1]]) / tau if sure.size else 0.0)
    found = _scan(s_pts, num_s, den_s, rho)
    if found is None:
        return _exp_slowest_mode_mp(re, ae, ri, ai, tau, th_, v_) or unresolved
    lo, hi = found
    s1 = optimize.brentq(den, lo, hi, xtol=1e-14 * abs(lo), rtol=1e-14)
    step = 1e-6 * max(abs(s1), 1e-3)
    num, den_pm, den_abs = parts([s1 - step, s1 + step])
    slope = (den_pm[1] - den_pm[0]) / (2.0 * step)
    resolved = 1e-16 * abs_s[s_pts >= hi] < 1e-8 * np.abs(den_s[s_pts >= hi])
    if not (1e-16 * den_abs.max() < 1e-8 * abs(slope * s1) and np.all(resolved)):
        # for s < 0 the Kummer series alternate: a sign change (or a positive stretch before it)
        # that rounding can move is not resolved in double precision (the series cancel to
        # ~1e-13 of their terms)
        return _exp_slowest_mode_mp(re, ae, ri, ai, tau, th_, v_) or unresolved
    num = 0.5 * (num[0] + num[1])
    # F = rho/(s + rho) num/den, s = p tau: residue in p
    return -s1 / tau, rho / (s1 + rho) * num / (slope * tau)


def _scan(s_pts, num, den, rho):
    """Bracket (lo, hi) of the first sign change of the denominator sampled at s_pts (descending
    from 0; positive at 0), or None when there is none or when the transform
    rho/(s + rho) num/den, which is E[exp(-p T)] and so increases as s decreases to the pole, does
    not increase over the samples before it (two roots between samples, or rounding)."""
    neg = np.flatnonzero(den <= 0.0)
    if neg.size == 0:
        return None
    k = int(neg[0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f = np.concatenate([[1.0], rho / (s_pts[:k] + rho) * num[:k] / den[:k]])
        if not np.all(np.diff(f) >= -1e-9 * np.abs(f[1:])):
            return None
    return float(s_pts[k]), (float(s_pts[k - 1]) if k > 0 else 0.0)


#: Samples of the pole search on (-0.999 R_E tau_m, 0) besides the geometric ones near 0.
_POLE_SCAN_N = 256
#: Largest R_E tau_m * max(1, z), z = |threshold - e_l| / a_e (or |v_start - e_l| / a_e), for which
#: the slowest mode is searched (and the tail inverted) with mpmath's Kummer function where double
#: precision sees a sign change it cannot resolve: one evaluation costs ~0.6 ms at 1e5 (R_E tau_m
#: = 5000, z = 20) and grows with the product (14 ms at 1e6), and a call makes up to ~1,000.
_MP_MAX_WORK = 1e5


def _mp_affordable(re, ae, ri, ai, tau, th_, v_):
    """Whether the mpmath route applies: excitation only, within _MP_MAX_WORK."""
    z = max(abs(th_), abs(v_)) / ae
    return not (ri > 0.0 and ai > 0.0) and re * tau * max(1.0, z) <= _MP_MAX_WORK


def _exp_slowest_mode_mp(re, ae, ri, ai, tau, th_, v_):
    """The pole search of :func:`_exp_slowest_mode` (excitation only) with mpmath's Kummer
    function, whose adaptive precision follows the cancellation of the alternating series at
    s < 0 (double precision keeps ~1e-13 of the terms: in one measured case the denominator was
    ~1e-6 of them near its root, and the inverted far tail came out -2e-11 where the density is
    +3.7e-12). None where there is inhibition, no pole on (-R_E, 0), the evaluations are costly
    (beyond _MP_MAX_WORK) or the scan cannot certify the root nearest 0."""
    if not _mp_affordable(re, ae, ri, ai, tau, th_, v_):
        return None
    import mpmath as mp

    try:
        return _exp_slowest_mode_mp_search(mp, re, ae, tau, th_, v_)
    except (mp.libmp.NoConvergence, ZeroDivisionError):
        return None   # mpmath's series too long for its term cap


def _exp_slowest_mode_mp_search(mp, re, ae, tau, th_, v_):
    with mp.workdps(30):
        rho = mp.mpf(re) * mp.mpf(tau)
        z, zv = mp.mpf(th_) / mp.mpf(ae), mp.mpf(v_) / mp.mpf(ae)

        def den(s):
            return mp.hyp1f1(s, s + rho, z)

        def num(s):
            return mp.hyp1f1(s, s + rho + 1, zv)

        s_pts = _pole_scan_points(float(rho))
        # sample in blocks from 0 down, stopping after the first sign change
        dens, nums = [], []
        for start in range(0, s_pts.size, 16):
            block = s_pts[start:start + 16]
            dens += [float(den(mp.mpf(x))) for x in block]
            nums += [float(num(mp.mpf(x))) for x in block]
            if min(dens[-block.size:]) <= 0.0:
                break
        k = len(dens)
        if min(dens) > 0.0:
            return _Tilt(re)
        found = _scan(s_pts[:k], np.array(nums), np.array(dens), float(rho))
        if found is None:
            return None
        lo, hi = mp.mpf(found[0]), mp.mpf(found[1])
        # the denominator can be ~1e-59 across the bracket (it falls by decades per unit of s near
        # -rho): findroot's test |f| < eps would accept any point, so it solves den / den(hi)
        scale = den(hi)

        def den_n(s):
            return den(s) / scale

        s1 = mp.mpf(optimize.brentq(lambda s: float(den_n(mp.mpf(s))), float(lo), float(hi),
                                    xtol=1e-15 * abs(float(lo)), rtol=1e-15))
        slope = mp.diff(den_n, s1) * scale
        # F = rho/(s + rho) M(s, s + rho + 1, v/a) / M(s, s + rho, theta/a), s = p tau: residue in p
        c = rho / (s1 + rho) * num(s1) / (slope * tau)
        lam, c = float(-s1 / tau), float(c)
    # the slowest mode of a density is positive (its transform's abscissa is a pole)
    return (lam, c) if c > 0.0 and math.isfinite(c) and lam > 0.0 else None


def _invert_windows(t, tau, transform, m, m_max=None):
    """de Hoog inversion of ``transform`` (vectorised over complex p) at the times t, window k
    for t in (W^(k-1), W^k] tau_m/2 with period T = W^k tau_m (an element's value does not
    depend on the other times asked for). With ``m_max``, M doubles (the 2M+1 transform values
    of M are a subset of those of 2M) until two successive inversions agree within
    _DEHOOG_RTOL of their largest value, or M reaches m_max: a density much
    narrower than the window (a strongly driven neuron, FPT ~ 1e-3 tau_m) needs more terms.
    The agreement is judged on fixed probe times of each window (so an element's value does not
    depend on the others asked for)."""
    k_win = np.ceil(np.log(2.0 * t / tau) / math.log(_WINDOW) - 1e-12).astype(int)
    res = np.empty(k_win.size)
    for k in np.unique(k_win):
        big_t = float(_WINDOW) ** k * tau
        gamma = -math.log(1e-14) / (2.0 * big_t)
        sel = k_win == k
        mk = m
        fp = np.asarray(transform(gamma + 1j * math.pi * np.arange(2 * mk + 1) / big_t))
        # |F(p)| <= F(Re p) = fp[0]: if that underflows, so does the density (far below 1e-300)
        if fp[0] == 0.0:
            res[sel] = 0.0
            continue
        # M is judged on fixed probe times of the window, not on the times asked for, so an
        # element's value stays independent of the others
        tk = np.concatenate([t[sel], big_t * _DEHOOG_PROBES])
        val = _dehoog(fp, tk, big_t, gamma)
        probe = slice(-_DEHOOG_PROBES.size, None)
        while m_max is not None and mk < m_max:
            fp = np.concatenate([fp, transform(gamma + 1j * math.pi * np.arange(2 * mk + 1, 4 * mk + 1) / big_t)])
            mk *= 2
            prev, val = val, _dehoog(fp, tk, big_t, gamma)
            if np.max(np.abs(val[probe] - prev[probe])) <= _DEHOOG_RTOL * np.max(np.abs(val[probe])):
                break
        res[sel] = val[:sel.sum()]
    return res


def _fpt_density_exponential(t, re, ae, ri, ai, tau, th, v0, el):
    """FPT density from the exact transform (exponential amplitudes); raises _NoExactTransform
    where its series lose digits or would cost more than _EXACT_MAX_TERMS_PER_VALUE per value."""
    if (_kummer_terms((v0 - el) / ae) + _kummer_terms((th - el) / ae)) * _exp_k_terms(re, ae, ri, ai, tau) \
            > _EXACT_MAX_TERMS_PER_VALUE:
        # (a start 58,000 jumps below rest took 3.3 s to fail on the second doubling of M)
        raise _NoExactTransform
    log_t, var, _ = _fpt_var_exponential(re, ae, ri, ai, tau, th, v0, el)
    with np.errstate(over="ignore"):   # a mean FPT beyond the double range: no tail split
        t_tail = float(np.exp(log_t)) + _FPT_WINDOW_SD * math.sqrt(max(var, 0.0))
    far = t > t_tail
    # every time short of the tail inverted first (an element does not depend on the others asked
    # for; in the far tail's windows, 8^k tau_m wide, the series lose every digit, and those
    # values are replaced below; with every time in the tail, its start is the probe): where the
    # series cannot be summed the chain route takes over before the pole search is paid for
    out = np.zeros_like(t)
    body = ~far
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        vals = _invert_windows(t[body] if body.any() else np.array([t_tail]), tau,
                               lambda p: _exp_transform(p, re, ae, ri, ai, tau, th, v0, el), _DEHOOG_M_EXACT,
                               _DEHOOG_M_MAX)
    if body.any():
        out[body] = vals
    if not np.all(np.isfinite(vals)):
        # Kummer's series at v_start / a_e far below -1e3 (a start hundreds of jumps below rest)
        # overflows its terms: the chain route instead
        raise _NoExactTransform
    tail = _exp_slowest_mode(re, ae, ri, ai, tau, th, v0, el) if np.any(far) else None
    with np.errstate(over="ignore"):   # a mean FPT beyond the double range: inf
        mean = float(np.exp(log_t))
    if isinstance(tail, _Tilt):
        out[far] = [_exp_tilted(tk, mean, tail.lam_max, re, ae, ri, ai, tau, th, v0, el) for tk in t[far]]
    elif tail is not None:
        out[far] = _exp_tail(t[far], tail, re, ae, ri, ai, tau, th, v0, el)
    left = t < mean - _FPT_LEFT_SD * math.sqrt(max(var, 0.0))
    low = ~far & ((out < 0.0) | left)
    if np.any(low):
        # the plain inversion's absolute floor (~1e-11 of the peak) is not below the density in
        # the early tail, and a body value under it can come out negative (a density ~1e-250
        # after a spike of 1e-83 at t -> 0): those times at their saddle-point tilt (lambda < 0
        # before the mean), below the first pole (R_E where none is resolved beyond the scan)
        cap = tail.lam_max if isinstance(tail, _Tilt) else (tail[0] if tail is not None else re)
        out[low] = [_exp_tilted(tk, mean, cap, re, ae, ri, ai, tau, th, v0, el) for tk in t[low]]
    return out


def _exp_tilted(t, mean, cap, re, ae, ri, ai, tau, th, v0, el):
    r"""The density at one time t that the plain inversion does not resolve (the far tail where no
    pole of the transform on (-R_E, 0) is resolved, or a body value below its absolute floor):
    exponential tilting. For any :math:`\lambda <` ``cap`` (below the first pole),
    :math:`g(t) = \hat F(-\lambda)\,e^{-\lambda t}\,h_\lambda(t)`, :math:`h_\lambda` the density
    whose transform is :math:`\hat F(p-\lambda)/\hat F(-\lambda)` (g tilted by
    :math:`e^{\lambda t}`). With :math:`\lambda` the saddle point, where :math:`h_\lambda` has its
    mean at t (:math:`K'(\lambda) = t`, :math:`K = \ln\hat F(-\lambda)`; negative before the
    mean FPT), t sits at the peak of
    :math:`h_\lambda`, so the inversion's error, relative to that peak, is relative to g(t)
    (unshifted, an absolute floor ~1e-11 of g's peak, of either sign, where g is ~1e-60 of it).
    :math:`\lambda` needs no accuracy (the identity holds for any): :math:`K'` by central
    differences, bracketed on ``cap`` :math:`2^{-k}` and ``cap`` :math:`(1 - 2^{-k})` (on
    :math:`-R_E 2^k` before the mean) and solved by Brent to 1e-6. The transform in double
    precision where its series keep their digits, else mpmath's Kummer function in 30 digits
    (excitation only; 0.02-0.2 s per time). Past the mean (only an excitatory jump crosses the
    threshold, which lies above rest), :math:`g(t) \le R_E P(T > t) \le R_E \hat F(-\lambda)
    e^{-\lambda t}`; where that bound is below the smallest double, 0 is returned without the
    inversion. Checked against mpmath's Talbot inversion in 120
    digits at 1e-135 of the peak (tests). Raises ConvergenceError where neither can sum the
    tilted transform or the inverted :math:`h_\lambda(t)` is not near its peak."""
    def transform(p):
        try:
            return _exp_transform(p, re, ae, ri, ai, tau, th, v0, el)
        except _NoExactTransform:
            # the Kummer series at large negative Re s lose digits in double precision: mpmath's
            # Kummer function (excitation only), whose precision adapts to the cancellation
            if ri > 0.0 and ai > 0.0:
                raise
            import mpmath as mp

            try:
                return _exp_transform_mp_values(p, 0.0, re, ae, tau, th - el, v0 - el)
            except (mp.libmp.NoConvergence, ZeroDivisionError):
                raise _NoExactTransform from None   # mpmath's series too long for its term cap

    def log_f(lam):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # (the series' own checks)
            val = transform(np.array([-lam]))[0].real
        if not val > 0.0:
            raise _NoExactTransform   # past a pole (the denominator changed sign)
        return math.log(val)

    def slope(lam):
        d = 1e-5 * max(abs(lam), 1e-3 * re)
        return (log_f(lam + d) - log_f(lam - d)) / (2.0 * d) - t

    # the saddle point lies where K' = t (K' increases): for t beyond the mean upwards from 0 on
    # lambda = cap 2^-k, then cap (1 - 2^-k); for t before it (lambda < 0) downwards on -R_E 2^k
    try:
        if slope(0.0) < 0.0:
            ladder = [cap * 2.0 ** -k for k in range(30, 0, -1)] + [cap * (1.0 - 2.0 ** -k) for k in range(2, 48)]
            below, above = 0.0, None
            for lam in ladder:
                if slope(lam) > 0.0:
                    above = lam
                    break
                below = lam
        else:
            below, above = None, 0.0
            for lam in (-re * 2.0 ** k for k in range(-30, 60)):
                if slope(lam) < 0.0:
                    below = lam
                    break
                above = lam
        if below is None or above is None:
            raise _NoExactTransform   # (beyond the cap: the pole's regime)
        lam = optimize.brentq(slope, below, above, rtol=1e-6)
        lf = log_f(lam)
        if lam > 0.0 and math.log(re) + lf - lam * t < _LOG_DENSITY_UNDERFLOW:
            # only an excitatory jump crosses the threshold (above rest: e_l < v_th is the model's
            # domain, checked by fpt_density), so g(t) <= R_E P(T > t)
            # <= R_E F(-lambda) e^(-lambda t) (Chernoff, 0 < lambda below the first pole): below
            # the smallest double, the density is 0 to double precision, without the inversion
            # (in mpmath it took 4 s at 660 mean FPTs)
            return 0.0
        d = 1e-4 * max(abs(lam), 1e-3 * re)
        var = (log_f(lam + d) - 2.0 * lf + log_f(lam - d)) / (d * d)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # (the series' own checks)
            h = float(_invert_windows(np.array([t]), tau,
                                      lambda p: transform(p - lam) / math.exp(lf),
                                      _DEHOOG_M_EXACT, _DEHOOG_M_MAX)[0])
    except (_NoExactTransform, ZeroDivisionError, OverflowError):
        h, var = math.nan, math.nan
    peak = 1.0 / math.sqrt(2.0 * math.pi * var) if var > 0.0 else math.nan
    if not (math.isfinite(h) and h >= 1e-3 * peak):
        raise ConvergenceError(
            f"shot-noise fpt_density: at t = {t:.6g} s the density is beyond what the plain inversion resolves "
            f"(the far tail past the mean FPT {mean:.4g} s + {_FPT_WINDOW_SD:g} SD without a resolved pole, or a value "
            "below its absolute floor of ~1e-11 of the peak), and at its saddle-point tilt the transform cannot be "
            "summed (in double precision or mpmath's 30 digits), the saddle point lies beyond the first pole, or "
            "the tilted inversion is not resolved; ask for times nearer the mean FPT")
    with np.errstate(over="ignore"):
        g = float(np.exp(lf - lam * t + math.log(h)))
    if not math.isfinite(g):
        raise ConvergenceError(f"shot-noise fpt_density: at t = {t:.6g} s the tilted inversion overflowed "
                               f"(ln g = {lf - lam * t + math.log(h):.4g}); ask for times nearer the mean FPT")
    return g


def _exp_transform_mp(mp, s, rho, z, zv):
    """The exact transform of exponential amplitudes without inhibition in mpmath at s = p tau_m:
    rho / (s + rho) M(s, s + rho + 1, (v_start - e_l) / a_e) / M(s, s + rho, (v_th - e_l) / a_e)."""
    return rho / (s + rho) * mp.hyp1f1(s, s + rho + 1, zv) / mp.hyp1f1(s, s + rho, z)


def _exp_transform_mp_values(p, shift, re, ae, tau, th_, v_):
    """:func:`_exp_transform_mp` at ``p - shift`` for an array of complex p, in 30 digits."""
    import mpmath as mp

    with mp.workdps(30):
        rho, z, zv = mp.mpf(re) * mp.mpf(tau), mp.mpf(th_) / mp.mpf(ae), mp.mpf(v_) / mp.mpf(ae)
        return np.array([complex(_exp_transform_mp(mp, (mp.mpc(complex(pk)) - shift) * tau, rho, z, zv))
                         for pk in np.atleast_1d(p)])


def _exp_tail(t, tail, re, ae, ri, ai, tau, th, v0, el):
    r"""The density beyond the inversion windows, :math:`g(t) = e^{-\lambda_1 t} h(t)` with
    :math:`h` the inverse of the shifted transform :math:`\hat F(p - \lambda_1)` (a pole at 0,
    so :math:`h \to C`): the inversion's error is relative to :math:`h`, not to the peak of
    :math:`g`, so the far tail keeps its relative accuracy and sign (unshifted, an absolute
    error floor ~1e-11 of the peak made it negative where it is smaller; the slowest mode alone,
    :math:`C e^{-\lambda_1 t}`, is off by factors where the next poles lie close, e.g. 4.7 at
    mean + 14 SD for R_E tau_m = 124). The shifted transform has Re s near -lambda_1 tau_m,
    where the Kummer series alternate and double precision loses them (the numerator's terms
    underflow against the denominator's scale, unflagged by the rounding estimate): mpmath's
    Kummer function (excitation only, within _MP_MAX_WORK), else the slowest mode alone.

    Where many poles crowd towards -R_E with large residues of alternating sign (strong drive,
    R_E tau_m in the thousands) h is a sum that cancels to a small fraction of C; de Hoog's
    inversion in double precision keeps ~1e-14 of C, so where h < _TAIL_RESOLVED C the time is
    inverted instead by mpmath's Talbot method in 30 digits (~0.05-0.5 s per time; more such
    times than FPT_CHAIN_MAX_SECONDS allows are refused with a ConvergenceError)."""
    lam1, c = tail
    th_, v_ = th - el, v0 - el
    rho = re * tau
    if not _mp_affordable(re, ae, ri, ai, tau, th_, v_):
        return c * np.exp(-lam1 * t)
    import mpmath as mp

    with mp.workdps(30):
        z, zv = mp.mpf(th_) / mp.mpf(ae), mp.mpf(v_) / mp.mpf(ae)

    def shifted_mp(p):
        return _exp_transform_mp(mp, (p - lam1) * tau, rho, z, zv)

    def shifted(p):
        return _exp_transform_mp_values(p, lam1, re, ae, tau, th_, v_)

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            h = _invert_windows(t, tau, shifted, _DEHOOG_M_EXACT)
        except (mp.libmp.NoConvergence, ZeroDivisionError):
            return c * np.exp(-lam1 * t)
        out = np.exp(np.log(h) - lam1 * t)
    ok = np.isfinite(h) & (h >= _TAIL_RESOLVED * c)
    todo = np.unique(t[~ok])
    if todo.size * _TALBOT_SECONDS > FPT_CHAIN_MAX_SECONDS:
        raise ConvergenceError(
            f"shot-noise fpt_density: {todo.size} of the times asked for (from t = {todo.min():.4g} s) lie in the far "
            f"tail, beyond the mean FPT + {_FPT_WINDOW_SD:g} SD, where the density's modes cancel (R_E tau_m = "
            f"{rho:.4g}) and each needs a 30-digit Talbot inversion (up to {_TALBOT_SECONDS:g} s): estimated more "
            f"than FPT_CHAIN_MAX_SECONDS = {FPT_CHAIN_MAX_SECONDS:g} s. Ask for fewer far-tail times, or raise "
            "snntheory.shotnoise.FPT_CHAIN_MAX_SECONDS")
    for tk in todo:
        with mp.workdps(30):
            try:
                hk = mp.invertlaplace(shifted_mp, mp.mpf(float(tk)), method="talbot")
            except (mp.libmp.NoConvergence, ZeroDivisionError):
                hk = mp.mpf(-1)
            if not (mp.isfinite(hk) and hk > 0):
                raise ConvergenceError(
                    f"shot-noise fpt_density: the far tail at t = {tk:.6g} s did not resolve in 30 digits "
                    f"(inverse of the shifted transform {mp.nstr(hk, 5)}); ask for times nearer the mean FPT")
            out[t == tk] = float(hk * mp.exp(-lam1 * mp.mpf(float(tk))))
    return out


def _n_windows(t, tau):
    """Number of inversion windows of :func:`_invert_windows` that the times t fall into."""
    return int(np.unique(np.ceil(np.log(2.0 * t / tau) / math.log(_WINDOW) - 1e-12)).size) if t.size else 0


def _check_chain_work(sizes, t, t_tail, tau, amp):
    """Refuse, before the dense complex solves, a chain-route inversion on grids of ``sizes``
    nodes whose estimated CPU time exceeds :data:`FPT_CHAIN_MAX_SECONDS`. ``t_tail=None`` (the
    FPT's moments not yet known): the lower bound of that cost over every split of ``t`` into
    body and tail (the windows of all of ``t`` at most those of the two parts)."""
    per_p = sum(1.7e-10 * float(n) ** 3 + 5e-8 * float(n) ** 2 for n in sizes)
    if t_tail is None:
        n_win, extra = _n_windows(t, tau), 0
    else:
        n_win = _n_windows(t[t <= t_tail], tau) + (_n_windows(t[t > t_tail], tau) if np.any(t > t_tail) else 0)
        extra = _SLOWEST_MODE_SOLVES if np.any(t > t_tail) else 0
    cost = per_p * (n_win * (2 * _DEHOOG_M + 1) + extra)
    if cost > FPT_CHAIN_MAX_SECONDS:
        why = ("the exponential-amplitude series cannot be summed here (strong inhibition, or a start or "
               "threshold thousands of jumps from rest), so the chain route is used" if _is_exponential(amp)
               else "fixed or arbitrary amplitudes use the chain route")
        raise ConvergenceError(
            f"shot-noise fpt_density: {why}, and on its grids of {sizes[0]} and {sizes[1]} nodes (at least) "
            f"the times asked for span {n_win} inversion window(s) of 2M+1 = {2 * _DEHOOG_M + 1} dense "
            f"complex solves each: estimated {cost:.2g} s of one core > FPT_CHAIN_MAX_SECONDS = "
            f"{FPT_CHAIN_MAX_SECONDS:g}. Ask for times in fewer windows (a window spans a factor 8 in t), or "
            "raise snntheory.shotnoise.FPT_CHAIN_MAX_SECONDS to accept the longer call; the grid size is set "
            "by the smallest jump against v_th - v_start and by the inhibitory spread")


def _fpt_density_scalar(t, re, ae, ri, ai, tau, th, v0, el, amp, exact=True):
    """FPT density at the times t (1-d, > 0 and finite) for one parameter set (``exact=False``:
    the chain route also for exponential amplitudes)."""
    if exact and _is_exponential(amp):
        try:
            return _fpt_density_exponential(t, re, ae, ri, ai, tau, th, v0, el)
        except _NoExactTransform:
            pass
    # the grid pair has at least the nodes of the plan's first two grids: refuse before solving it
    k_span, points = _grid_plan(re, ae, ri, ai, tau, th, v0, el, amp)
    _check_chain_work([points(max(1, k_span // 2)), points(k_span)], t, None, tau, amp)
    coarse, fine, _ = _grid_pair(re, ae, ri, ai, tau, th, v0, el, 0.0, amp)
    # the transform on the two grids of the rate, Richardson-extrapolated
    chains = [_chain(re, ae, ri, ai, tau, th, v0, el, amp, sol.h) for sol in (coarse, fine)]
    geometries = [_relax_geometry(ch) for ch in chains]

    def transform(p):
        out = []
        for pk in np.atleast_1d(p):
            fc, ff = (_chain_laplace(ch, pk, g) for ch, g in zip(chains, geometries))
            out.append(ff + (ff - fc) / 3.0)
        return np.array(out)

    out = np.empty_like(t)
    with one_blas_thread():
        sizes = [ch.x.size for ch in chains]
        _check_chain_work(sizes, t, None, tau, amp)   # before the moments' solves (~1 s on big grids)
        t1, t2 = _chain_moments(chains[1])
        t_tail = t1 + _FPT_WINDOW_SD * math.sqrt(max(t2 - t1 * t1, 0.0))
        _check_chain_work(sizes, t, t_tail, tau, amp)
        tail = _slowest_mode(chains, geometries, t1) if np.any(t > t_tail) else None
        inner = t <= t_tail if tail is not None else np.ones(t.shape, bool)
        out[inner] = _invert_windows(t[inner], tau, transform, _DEHOOG_M)
        if not inner.all():
            lam1, c = tail
            out[~inner] = c * np.exp(-lam1 * t[~inner])
    return out


def fpt_density(t, rate_e, a_e, rate_i=0.0, a_i=0.0, *, tau_m, v_th, v_start, e_l=0.0, amplitude="exponential"):
    r"""First-passage-time density (1/s) of the shot-noise membrane from ``v_start`` to ``v_th``.

    Same model and conventions as :func:`firing_rate`; no reset. Its mean is :func:`mean_fpt`
    and its variance the FPT variance of :func:`isi_moments` (with ``v_reset = v_start``).

    Parameters
    ----------
    t : array_like
        Time(s) in s, >= 0.
    rate_e, a_e, rate_i, a_i, tau_m, e_l, amplitude
        As :func:`firing_rate`.
    v_th, v_start : array_like
        Threshold and start potential (V), ``v_start <= v_th``.

    Returns
    -------
    ndarray or numpy scalar
        Density in 1/s, broadcast shape. At ``t = 0`` the limit ``t -> 0+``, the rate of inputs
        that cross from ``v_start``. ``v_start = v_th``: the FPT is 0 (``inf`` at ``t = 0``, 0
        elsewhere). ``rate_e = 0``: the threshold is never reached, the density is 0.

    Raises
    ------
    ParameterError
        Invalid parameter, ``v_start > v_th`` or ``e_l >= v_th``.
    ConvergenceError
        The chain route (below) would take longer than :data:`FPT_CHAIN_MAX_SECONDS`, or its
        grid exceeds ``GRID_MAX_POINTS``.

    Notes
    -----
    The transform :math:`\hat F(p) = E[e^{-pT}]` solves the backward equation
    :math:`\mathcal{L}\hat F = p\hat F`, :math:`\hat F = 1` at and above threshold (derivation
    step 10).

    *Exponential amplitudes.* Applying :math:`(1-aD)(1+bD)` turns the backward equation into an
    ODE with linear coefficients (Kummer's equation without inhibition); its solution, the
    Laplace-type integral of derivation step 10 written with :math:`s=p\tau_m`,
    :math:`\rho=R_E\tau_m`, :math:`\rho_I=R_I\tau_m`, :math:`\kappa=b/(a+b)` (leak at 0), is

    .. math::

        \hat F = \frac{\rho}{s+\rho}\,
        \frac{\sum_m c_m\frac{(\rho+1)_m}{(s+\rho+1)_m} M(s, s+\rho+1+m, v_0/a)}
             {\sum_m c_m\frac{(\rho)_m}{(s+\rho)_m} M(s, s+\rho+m, \theta/a)},\qquad
        c_m = \frac{(-\rho_I)_m\kappa^m}{m!},

    M Kummer's function (E only: m = 0), summed by its power series vectorised over p, with the
    Beta-function factor of the integral taken out analytically (so no cancellation at large
    :math:`|p|`). The series' rounding error is estimated from the moduli of its terms; where it
    exceeds 1e-11 (strong inhibition: the binomial series alternates), or where the series
    would need more than 19,000 terms per transform value (start and threshold together
    ~18,000 jumps from rest; decided from the parameters alone), the chain route below is used.
    Inverted by de Hoog's method with M doubled from 32 (up to 256) until two successive
    inversions agree to 1e-9 on fixed probe times of the window (a strongly driven neuron's
    density is far narrower than the window); measured error <= 2e-8 of the peak density against
    30-digit mpmath Talbot inversion (tests), cost ~0.05-0.3 s.

    *Fixed and arbitrary amplitudes* (and the fallback): the embedded chain of
    :func:`firing_rate` (grid aligned to ``v_start``): weighting each waiting time
    :math:`\Delta\sim` Exp(R) by :math:`e^{-p\Delta}` turns the relaxation factor into
    Beta(:math:`(R+p)\tau_m`, 1) with total weight :math:`R/(R+p)`, and :math:`\hat F = K_p^T B`,
    :math:`(I - P_p^T)B = s` (s the crossing probabilities), Richardson-extrapolated between two
    grids, inverted with 2M+1 = 21 values per window; the density integrates to 1 and reproduces
    the mean and variance of :func:`isi_moments` to ~1e-3 relative. Cost: 2(2M+1) dense complex
    solves of the grid size per window (n^3), about 0.2--1 s for excitatory input and tens of
    seconds when inhibition or small jumps widen the grid to ~1000 nodes. Such calls are refused
    before the solves with a :class:`~snntheory.errors.ConvergenceError` stating their estimated
    cost when it exceeds :data:`FPT_CHAIN_MAX_SECONDS` (1.5 s of one core; e.g. jumps of 1 % of
    the threshold distance, or strong inhibition with exponential amplitudes, over a range of
    times spanning several factor-8 windows); raising that module constant accepts them (the
    documented exception to the 2 s bound of issue 14).

    Both routes: ``t`` in :math:`(8^{k-1}, 8^k]\,\tau_m/2` uses the period :math:`8^k\tau_m`
    (an element's value does not depend on the other times asked for). Beyond the mean plus 12
    standard deviations of the FPT the tail is taken from the pole :math:`-\lambda_1` of
    :math:`\hat F` nearest 0 (found by a sign-change scan of the denominator, in mpmath's
    arbitrary precision where the alternating series cancel in double precision): with
    exponential amplitudes :math:`g(t) = e^{-\lambda_1 t}h(t)`, :math:`h` the inverse of
    :math:`\hat F(p-\lambda_1)`, so the tail keeps the inversion's relative accuracy (30-digit
    Talbot inversion: 1e-6 relative or better, tests) and is positive (where the poles crowd towards
    :math:`-R_E` with large residues of alternating sign, h cancels below what double precision
    keeps and is Talbot-inverted in 30 digits, ~0.05-0.5 s per time); otherwise (the chain
    route, or a transform neither precision can evaluate there) the slowest mode
    :math:`Ce^{-\lambda_1t}`, C the residue. If there is no pole on (-R, 0) (an Erlang-like
    passage), or none that double precision resolves where mpmath would cost too much (many
    small jumps: :math:`R\tau_m\,|v_\mathrm{th}-e_l|/a > 10^5`, whose far tail decays faster
    than any exponential before the pole takes over), exponential amplitudes are inverted at the
    saddle-point tilt :math:`g(t) = \hat F(-\lambda)e^{-\lambda t}h_\lambda(t)`, :math:`h_\lambda`
    the density tilted to have its mean at t (relative accuracy kept: 1e-7 of mpmath's 80-digit
    Talbot inversion at 1e-56 of the peak, tests; a ConvergenceError where the saddle point lies
    beyond the unresolved pole); so are, with exponential amplitudes, the early times before the
    mean minus 4 SD (tilt lambda < 0; 1e-7 of mpmath at 1e-20 of the peak) and any body value the
    plain inversion gives below 0 (a ConvergenceError where the tilt is not resolved either: no
    negative density); on the chain route the inversion continues, with an absolute error floor
    of ~1e-11 of the peak density, of either sign, in the far tail. The density agrees
    with the event-driven simulation within 4 standard errors. Fixed jumps give a density with
    jumps in t (e.g. where the last one-jump crossing becomes impossible); there the inversion
    shows Gibbs-type ripples over about ``T/M``.

    References
    ----------
    F. R. de Hoog, J. H. Knight & A. N. Stokes, SIAM J. Sci. Stat. Comput. 3, 357 (1982).
    M. Abramowitz & I. A. Stegun, Handbook of Mathematical Functions (1964), 13.1.2 and 13.2.1.

    Examples
    --------
    >>> import numpy as np
    >>> ts = np.linspace(0.0, 0.4, 2001)
    >>> g = fpt_density(ts, 500.0, 0.1, tau_m=0.02, v_th=1.0, v_start=0.0)
    >>> bool(abs(np.trapezoid(g, ts) - 1.0) < 1e-3)
    True
    """
    amp = _as_amplitudes(amplitude)
    t = _check("t", t)
    args = _prepare_start(rate_e, a_e, rate_i, a_i, tau_m, v_th, v_start, e_l)
    shape = np.broadcast_shapes(t.shape, args[0].shape)
    tb = np.broadcast_to(t, shape)
    pb = [np.broadcast_to(a, shape) for a in args]
    out = np.zeros(shape)
    groups: dict = {}
    for idx in np.ndindex(shape):
        groups.setdefault(tuple(float(a[idx]) for a in pb), []).append(idx)
    for key, idxs in groups.items():
        re, ae, ri, ai, tau, th, v0, el = key
        tt = np.array([tb[i] for i in idxs])
        vals = np.zeros_like(tt)
        if v0 >= th:
            vals[tt == 0.0] = math.inf
        elif re > 0.0:
            pos = (tt > 0.0) & np.isfinite(tt)
            if pos.any():
                vals[pos] = _fpt_density_scalar(tt[pos], re, ae, ri, ai, tau, th, v0, el, amp)
            if (tt == 0.0).any():
                vals[tt == 0.0] = _initial_crossing_rate(re, ae, ri, ai, tau, th, v0, el, amp)
        for i, val in zip(idxs, vals):
            out[i] = val
    return scalar_or_array(out)


def _initial_crossing_rate(re, ae, ri, ai, tau, th, v0, el, amp):
    """lim_{t->0+} of the FPT density: R_E P(a_e X >= v_th - v_start)."""
    d = (th - v0) / ae
    spec = amp.exc
    if isinstance(spec, str):
        return re * (math.exp(-d) if spec == "exponential" else float(d <= 1.0))
    if isinstance(spec, float):
        return re * float(spec >= d)
    if isinstance(spec, np.ndarray):
        return re * float(np.mean(spec >= d))
    return re * float(spec.sf(d) + (spec.pmf(d) if hasattr(spec, "pmf") else 0.0))


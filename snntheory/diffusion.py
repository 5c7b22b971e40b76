r"""The leaky integrate-and-fire neuron driven by white noise (diffusion / Ornstein--Uhlenbeck).

Model (Brunel 2000 convention)

.. math:: \tau_m \dot V = -V + \mu + \sigma \sqrt{\tau_m}\, \xi(t),

with an absorbing threshold ``v_th``, reset to ``v_reset`` and an absolute refractory period
``tau_ref``. Without threshold V is Gaussian with mean ``mu`` and standard deviation
``sigma/sqrt(2)`` (variance ``sigma**2/2``), which is the convention of every function here.

Dimensionless variables: ``y_th = (v_th - mu)/sigma``, ``y_r = (v_reset - mu)/sigma``; time in
units of ``tau_m``. All quantities are evaluated element by element with a regime split
(mean-driven ``y_th <= 0``, straddling ``y_r <= 0 < y_th``, fluctuation-driven ``y_r > 0``);
the accuracy of one element never depends on the other elements of a batch.

Derivations: :mod:`snntheory.symbolic.diffusion`, rendered in ``derivations/diffusion.md``.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import NamedTuple

import numpy as np
from scipy import integrate as _integrate
from scipy import special as _sp

from ._display import result_repr as _result_repr
from . import _special
from ._special import SQRT_PI, ZETA_HALF_ABS, erfcx_integral, erfcx_integral_scalar
from ._validate import DOMAINS, Domain, check, check_below, check_bool, scalar_or_array
from .errors import ApproximationWarning, ConvergenceError, ParameterError

__all__ = [
    "firing_rate",
    "log_firing_rate",
    "mean_fpt",
    "log_mean_fpt",
    "isi_cv",
    "stationary_density",
    "membrane_moments",
    "MembraneMoments",
    "fpt_density",
    "rate_gradient",
    "RateGradient",
    "deterministic_rate",
    "kramers_rate",
    "threshold_shift",
    "COLORED_NOISE_SHIFT",
    "DISCRETE_MONITORING_SHIFT",
    "COLORED_NOISE_K_MAX",
]

#: Fourcaud--Brunel shift coefficient ``|zeta(1/2)|/sqrt(2)`` = 1.0326 (Fourcaud & Brunel 2002): both
#: barriers move by ``COLORED_NOISE_SHIFT * sigma * sqrt(tau_s/tau_m)``.
COLORED_NOISE_SHIFT = ZETA_HALF_ABS / math.sqrt(2.0)
#: Siegmund / Broadie--Glasserman--Kou coefficient beta = ``|zeta(1/2)|/sqrt(2 pi)`` = 0.5826:
#: the threshold moves by ``DISCRETE_MONITORING_SHIFT * sigma * sqrt(dt/tau_m)``.
DISCRETE_MONITORING_SHIFT = ZETA_HALF_ABS / math.sqrt(2.0 * math.pi)
#: Validity limit of the first-order colored-noise shift, k = sqrt(tau_s/tau_m) <= sqrt(0.1).
COLORED_NOISE_K_MAX = math.sqrt(0.1)

# tau_m must be finite here (the Brunel convention scales the noise with sqrt(tau_m)).
_TAU_M = Domain(low=0.0, low_open=True, unit="s", typical=DOMAINS["tau_m"].typical)
# kramers_rate: the asymptote needs noise (sigma = 0 has no Kramers regime) and a finite
# threshold distance y_th > 0 (y_th = inf would be a zero rate the log form cannot hold).
_SIGMA_POS = Domain(low=0.0, low_open=True, unit="V", typical=DOMAINS["sigma"].typical)
_Y_TH_POS = Domain(low=0.0, low_open=True, unit="", typical=(0.5, 10.0))
_FD_GL = 12  # Gauss-Legendre nodes for the short fluctuation-driven interval (Delta < 1/2)
_FD_DELTA = 0.5
_FD_SKIP_G = 7.0  # e^{-49} * G(0, y) * y < 1e-19: the G term is below rounding


# ----------------------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------------------
def _check_one(name, value, domain=None, label=None):
    """:func:`check`, plus what it lets through: ``None``, strings and other non-numbers, and
    empty arrays (a public function returns a value per element, so an empty call is an error)."""
    dom = DOMAINS[name] if domain is None else domain
    label = label or name
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise ParameterError(f"{label} must be a real number ({dom.constraint()}); got {value!r}")
    arr = check(name, value, domain=dom, label=label)
    if arr.size == 0:
        raise ParameterError(f"{label} must not be empty; got an array of shape {arr.shape}")
    return arr


def _check_shapes(names, arrays):
    """The arrays must broadcast together; else a ParameterError naming their shapes."""
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays))
        raise ParameterError(f"the shapes of the arguments do not broadcast together: {shapes}") from None


def _check_all(names_values):
    """Validate (name, value) pairs against the table and their shapes against each other;
    return float arrays."""
    out = []
    for name, value in names_values:
        out.append(_check_one(name, value, domain=_TAU_M if name == "tau_m" else None))
    _check_shapes([n for n, _ in names_values], out)
    return out


def _fast_scalars(*vals) -> bool:
    return all(type(v) is float or type(v) is int for v in vals)


def _scalar_ok(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s=0.0, dt=0.0) -> bool:
    """Cheap scalar validation; False sends the call to the array path, which raises."""
    fin = math.isfinite
    return (
        fin(mu) and fin(v_th) and fin(v_reset) and fin(sigma) and sigma >= 0.0
        and fin(tau_m) and tau_m > 0.0 and fin(tau_ref) and tau_ref >= 0.0
        and fin(tau_s) and tau_s >= 0.0 and fin(dt) and dt >= 0.0 and v_reset < v_th
    )


def _warn_colored(k):
    kmax = float(np.max(k))
    if kmax > COLORED_NOISE_K_MAX:
        warnings.warn(
            f"sqrt(tau_s/tau_m)={kmax:.3g} exceeds {COLORED_NOISE_K_MAX:.3g}; the first-order "
            "colored-noise (Fourcaud-Brunel) shift is unreliable",
            ApproximationWarning,
            stacklevel=3,
        )


def threshold_shift(sigma, *, tau_m, tau_s=0.0, dt=0.0):
    r"""Shifts of threshold and reset that map coloured noise / discrete monitoring onto the
    white-noise Siegert rate.

    Returns ``(d_th, d_reset)`` in V: ``d_th = sigma*(c_s*sqrt(tau_s/tau_m) + beta*sqrt(dt/tau_m))``
    and ``d_reset = sigma*c_s*sqrt(tau_s/tau_m)``, with ``c_s = |zeta(1/2)|/sqrt(2)`` (Fourcaud &
    Brunel 2002) and ``beta = |zeta(1/2)|/sqrt(2 pi)`` (Broadie, Glasserman & Kou 1997).
    ``sigma`` is the Brunel noise amplitude (free V has SD ``sigma/sqrt(2)``).

    Raises
    ------
    ParameterError
        If ``sigma``, ``tau_s`` or ``dt`` is negative or NaN, or ``tau_m`` is not finite and > 0.

    Notes
    -----
    The reset is not an absorbing barrier, so discrete monitoring (``dt``) moves only the
    threshold; the coloured-noise boundary layer (``tau_s``) moves both (Fourcaud & Brunel 2002).
    Checked against the grid simulator :func:`snntheory.simulate.simulate_ou` (monitoring only
    on the grid): shifting the threshold alone predicts the grid rate within 4 standard errors
    (``tests/test_diffusion.py::test_discrete_monitoring_shift_matches_grid_simulation``).

    Examples
    --------
    >>> d_th, d_r = threshold_shift(1.0, tau_m=0.01, dt=0.01)
    >>> bool(abs(d_th - 0.5826) < 1e-4), float(d_r)
    (True, 0.0)
    """
    sigma, tau_m, tau_s, dt = _check_all([("sigma", sigma), ("tau_m", tau_m), ("tau_s", tau_s), ("dt", dt)])
    ks = (np.sqrt(tau_s) / np.sqrt(tau_m))
    kd = (np.sqrt(dt) / np.sqrt(tau_m))
    d_r = sigma * COLORED_NOISE_SHIFT * ks
    return scalar_or_array(d_r + sigma * DISCRETE_MONITORING_SHIFT * kd), scalar_or_array(d_r)


# ----------------------------------------------------------------------------------------
# dimensionless Siegert kernel: T/tau_m = exp(s) * A
# ----------------------------------------------------------------------------------------
def _siegert_parts(yth, yr, d=None):
    r"""Dimensionless mean FPT split as ``T/tau = exp(s) * A`` with ``s = max(y_th, 0)**2``.

    Arrays of equal shape (1-d), ``yr < yth`` (or equal: A = 0). Regimes per element:
    mean-driven ``A = sqrt(pi) G(|y_th|, |y_r|)``; straddling
    ``A = sqrt(pi) [2 D(y_th) + e^{-y_th^2} int_{y_th}^{|y_r|} erfcx]``; fluctuation-driven
    ``A = sqrt(pi) [2 D(y_th) - 2 e^{-Delta} D(y_r) - e^{-y_th^2} G(y_r, y_th)]``,
    ``Delta = y_th^2 - y_r^2``, or, when ``Delta < 1/2`` (cancellation), a 12-point
    Gauss--Legendre rule on ``int e^{u^2 - y_th^2} (1 + erf u) du``. ``d = y_th - y_r``
    computed from ``(v_th - v_reset)/sigma`` keeps short intervals far from 0 accurate.
    """
    if d is None:
        d = yth - yr
    A = np.empty(yth.shape)
    s = np.maximum(yth, 0.0)
    s *= s
    md = yth <= 0.0
    if md.any():
        A[md] = SQRT_PI * erfcx_integral(-yth[md], -yr[md], d[md])
    st = (yr <= 0.0) & ~md
    if st.any():
        b, r = yth[st], -yr[st]
        lo, hi = np.minimum(b, r), np.maximum(b, r)
        diff = np.where(r >= b, 1.0, -1.0) * erfcx_integral(lo, hi)
        A[st] = SQRT_PI * (2.0 * _sp.dawsn(b) + np.exp(-b * b) * diff)
    fd = yr > 0.0
    if fd.any():
        b, r, dd = yth[fd], yr[fd], d[fd]
        delta = dd * (b + r)
        out = np.empty_like(b)
        short = delta < _FD_DELTA
        if short.any():
            bs, rs = b[short], r[short]
            x, w = _special.gauss_legendre(_FD_GL)
            h = 0.5 * dd[short]
            m = rs + h
            u = m[:, None] + h[:, None] * x
            f = np.exp(-(bs[:, None] - u) * (bs[:, None] + u)) * (2.0 - _sp.erfc(u))
            out[short] = SQRT_PI * h * (f @ w)
        lg = ~short
        if lg.any():
            bl, rl = b[lg], r[lg]
            val = 2.0 * _sp.dawsn(bl) - 2.0 * np.exp(-delta[lg]) * _sp.dawsn(rl)
            # e^{-y_th^2} G(y_r, y_th) < 1e-20 * bracket for y_th >= 7: skip computing it
            need = bl < _FD_SKIP_G
            if need.any():
                bn = bl[need]
                val[need] -= np.exp(-bn * bn) * erfcx_integral(rl[need], bn, dd[lg][need])
            out[lg] = SQRT_PI * val
        A[fd] = out
    return s, A


_FD_GL_SCALAR = None


def _siegert_parts_scalar(yth: float, yr: float, d: float):
    """Scalar twin of :func:`_siegert_parts`."""
    if yth <= 0.0:
        return 0.0, SQRT_PI * erfcx_integral_scalar(-yth, -yr, d)
    s = yth * yth
    if yr <= 0.0:
        r = -yr
        diff = erfcx_integral_scalar(yth, r) if r >= yth else -erfcx_integral_scalar(r, yth)
        return s, SQRT_PI * (2.0 * float(_sp.dawsn(yth)) + math.exp(-s) * diff)
    delta = d * (yth + yr)
    if delta < _FD_DELTA:
        global _FD_GL_SCALAR
        if _FD_GL_SCALAR is None:
            x, w = _special.gauss_legendre(_FD_GL)
            _FD_GL_SCALAR = [(float(a), float(c)) for a, c in zip(x, w)]
        h = 0.5 * d
        m = yr + h
        erfc = _sp.erfc
        tot = 0.0
        for x, w in _FD_GL_SCALAR:
            u = m + h * x
            tot += w * math.exp(-(yth - u) * (yth + u)) * (2.0 - float(erfc(u)))
        return s, SQRT_PI * h * tot
    return s, SQRT_PI * (
        2.0 * float(_sp.dawsn(yth)) - 2.0 * math.exp(-delta) * float(_sp.dawsn(yr))
        - math.exp(-s) * erfcx_integral_scalar(yr, yth, d)
    )


#: Beyond ``|y|`` = 1e150 (noise tiny against the distances) the dimensionless kernel would square
#: or overflow its arguments; such elements take the asymptotic forms of :func:`_parts_big`.
_Y_BIG = 1e150
_LN_Y_BIG = math.log(_Y_BIG)


def _ln_diff(x: float, y: float) -> float:
    """ln(x - y) for x > y, also where ``x - y`` overflows a double."""
    dxy = x - y
    if math.isfinite(dxy):
        return math.log(dxy)
    return math.log(0.5 * x - 0.5 * y) + math.log(2.0)


def _parts_big(mu: float, sigma: float, v_th: float, v_reset: float):
    """``(s, A)`` of :func:`_siegert_parts` for an element whose dimensionless distances exceed
    ``_Y_BIG`` (or overflow): the integrated asymptotic series of ``G`` reduces to its logarithm
    (the omitted terms are below ``_Y_BIG**-2 = 1e-300`` relative), formed from the potentials.

    Mean-driven, ``a = (mu - v_th)/sigma > _Y_BIG``: ``A = ln((mu - v_reset)/(mu - v_th))`` (the
    deterministic travel time, free of sigma). Mean-driven or straddling with only the reset far:
    ``G(a, b) = G(a, _Y_BIG) + ln(b/_Y_BIG)/sqrt(pi)`` with ``ln b = ln(mu - v_reset) - ln sigma``.
    Threshold far above the mean: ``s = y_th**2`` (``inf`` when it overflows: the rate underflows)
    and ``A = sqrt(pi) 2 D(y_th) ~ sqrt(pi)/y_th``. ``v_reset == v_th`` (a mean FPT from the
    threshold) gives ``A = 0``."""
    if v_reset == v_th:
        return 0.0, 0.0
    if mu >= v_th:  # mean-driven
        if mu - v_th > _Y_BIG * sigma:
            return 0.0, math.log1p((v_th - v_reset) / (mu - v_th))
        a = (mu - v_th) / sigma
        ln_b = _ln_diff(mu, v_reset) - math.log(sigma)
        return 0.0, SQRT_PI * erfcx_integral_scalar(a, _Y_BIG) + (ln_b - _LN_Y_BIG)
    if v_th - mu > _Y_BIG * sigma:  # threshold far: rate exp(-y_th^2) underflows or nearly
        b = min((v_th - mu) / sigma, 1e300)
        return b * b if b < 1e154 else math.inf, SQRT_PI * 2.0 * float(_sp.dawsn(b))
    b = (v_th - mu) / sigma  # straddling with the reset far below: r = -y_r > _Y_BIG
    ln_r = _ln_diff(mu, v_reset) - math.log(sigma)
    diff = erfcx_integral_scalar(b, _Y_BIG) if b < _Y_BIG else 0.0
    return b * b, SQRT_PI * (2.0 * float(_sp.dawsn(b)) + math.exp(-b * b) * (diff + (ln_r - _LN_Y_BIG) / SQRT_PI))


def _is_big(mu, sigma, v_th, v_reset) -> bool:
    """True where a dimensionless distance exceeds ``_Y_BIG`` (scalar)."""
    lim = _Y_BIG * sigma
    return not (abs(v_th - mu) <= lim and abs(v_reset - mu) <= lim and v_th - v_reset <= lim)


def _parts(mu, sigma, v_th, v_reset):
    """``(s, A)`` of the Siegert kernel from the potentials (1-d arrays of one shape, sigma > 0),
    each element by its own regime, tiny noise included (:func:`_parts_big`)."""
    lim = _Y_BIG * sigma
    with np.errstate(over="ignore", invalid="ignore"):
        big = ~((np.abs(v_th - mu) <= lim) & (np.abs(v_reset - mu) <= lim) & (v_th - v_reset <= lim))
    if not big.any():
        return _siegert_parts((v_th - mu) / sigma, (v_reset - mu) / sigma, (v_th - v_reset) / sigma)
    s = np.empty(mu.shape)
    A = np.empty(mu.shape)
    ok = ~big
    if ok.any():
        m, sg, th, vr = mu[ok], sigma[ok], v_th[ok], v_reset[ok]
        s[ok], A[ok] = _siegert_parts((th - m) / sg, (vr - m) / sg, (th - vr) / sg)
    for i in np.flatnonzero(big):
        s[i], A[i] = _parts_big(float(mu[i]), float(sigma[i]), float(v_th[i]), float(v_reset[i]))
    return s, A


def _parts_scalar(mu: float, sigma: float, v_th: float, v_reset: float):
    """Scalar twin of :func:`_parts`."""
    if _is_big(mu, sigma, v_th, v_reset):
        return _parts_big(mu, sigma, v_th, v_reset)
    return _siegert_parts_scalar((v_th - mu) / sigma, (v_reset - mu) / sigma, (v_th - v_reset) / sigma)


# ----------------------------------------------------------------------------------------
# firing rate
# ----------------------------------------------------------------------------------------
def _rate_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt, log=True):
    """Validated inputs -> (ln rate, or the rate, as a flat array; broadcast shape)."""
    mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt = _check_all(
        [("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_reset", v_reset),
         ("tau_ref", tau_ref), ("tau_s", tau_s), ("dt", dt)]
    )
    check_below("v_reset", v_reset, "v_th", v_th)
    shape = np.broadcast_shapes(mu.shape, sigma.shape, tau_m.shape, v_th.shape, v_reset.shape,
                                tau_ref.shape, tau_s.shape, dt.shape)
    if np.any(tau_s > 0) or np.any(dt > 0):
        if np.any(tau_s > 0):
            _warn_colored((np.sqrt(tau_s) / np.sqrt(tau_m)))
        d_r = sigma * COLORED_NOISE_SHIFT * (np.sqrt(tau_s) / np.sqrt(tau_m))
        v_th = v_th + d_r + sigma * DISCRETE_MONITORING_SHIFT * (np.sqrt(dt) / np.sqrt(tau_m))
        v_reset = v_reset + d_r
    return _log_rate_flat(mu, sigma, tau_m, v_th, v_reset, tau_ref, shape, log), shape


def _flat(x, shape):
    """``x`` as a flat array of the broadcast shape (0-d stays 0-d: no copy)."""
    return x if x.ndim == 0 else np.broadcast_to(x, shape).ravel()


def _sub(x, mask):
    return x if x.ndim == 0 else x[mask]


def _from_parts(s, A, tau_m, tau_ref, log):
    """ln(rate) = -(s + ln(tau_m A + tau_ref e^{-s})), or the rate e^{-s}/(tau_m A + tau_ref e^{-s})."""
    es = np.exp(-s)
    if tau_ref.ndim == 0 and tau_ref == 0.0:
        den = A * tau_m
    else:
        den = A * tau_m + tau_ref * es
    if not log:
        return es / den
    out = np.log(den)
    out += s
    return np.negative(out, out=out)


def _log_rate_flat(mu, sigma, tau_m, v_th, v_reset, tau_ref, shape, log=True):
    """ln(rate) (or, with ``log=False``, the rate) as a flat array of ``shape``; sigma = 0 exact."""
    n = math.prod(shape)
    mu, sigma, tau_m, v_th, v_reset, tau_ref = (_flat(x, shape) for x in (mu, sigma, tau_m, v_th, v_reset, tau_ref))
    noisy = np.broadcast_to(sigma > 0.0, (n,))
    if noisy.all():
        s, A = _parts(*(np.broadcast_to(x, (n,)) for x in (mu, sigma, v_th, v_reset)))
        return _from_parts(s, A, tau_m, tau_ref, log)
    out = np.empty(n)
    if noisy.any():
        sg = _sub(sigma, noisy)
        m, th, vr = _sub(mu, noisy), _sub(v_th, noisy), _sub(v_reset, noisy)
        k = int(noisy.sum())
        s, A = _parts(*(np.broadcast_to(x, (k,)) for x in (m, sg, th, vr)))
        out[noisy] = _from_parts(s, A, _sub(tau_m, noisy), _sub(tau_ref, noisy), log)
    det = ~noisy
    if det.any():
        r = _det_rate(_sub(mu, det), _sub(tau_m, det), _sub(v_th, det), _sub(v_reset, det), _sub(tau_ref, det))
        if log:
            with np.errstate(divide="ignore"):
                r = np.log(r)
        out[det] = r
    return out


def _det_log_ratio(mu: float, v_th: float, v_reset: float) -> float:
    """``ln((mu - v_reset)/(mu - v_th))`` for ``mu > v_th``: ``log1p`` of the ratio, or, where the
    ratio overflows (mean a hair above threshold), the difference of the logarithms."""
    q = (v_th - v_reset) / (mu - v_th)
    if math.isfinite(q):
        return math.log1p(q)
    return _ln_diff(mu, v_reset) - math.log(mu - v_th)


def _det_rate(mu, tau_m, v_th, v_reset, tau_ref):
    above = mu > v_th
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        L = np.log1p((v_th - v_reset) / (mu - v_th))
    fix = above & ~np.isfinite(L)
    if fix.any():
        mu_, th_, vr_ = np.broadcast_arrays(mu, v_th, v_reset)
        L = np.array(L, dtype=float, copy=True)
        for i in zip(*np.nonzero(fix)) if L.ndim else [()]:
            L[i] = _det_log_ratio(float(mu_[i]), float(th_[i]), float(vr_[i]))
    T = tau_m * L
    return np.where(above, 1.0 / (tau_ref + np.where(above, T, 1.0)), 0.0)


def _rate_scalar(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt, log):
    if tau_s > 0.0:
        _warn_colored((math.sqrt(tau_s) / math.sqrt(tau_m)))
    if tau_s > 0.0 or dt > 0.0:
        d_r = sigma * COLORED_NOISE_SHIFT * (math.sqrt(tau_s) / math.sqrt(tau_m))
        v_th = v_th + d_r + sigma * DISCRETE_MONITORING_SHIFT * (math.sqrt(dt) / math.sqrt(tau_m))
        v_reset = v_reset + d_r
    if sigma == 0.0:
        if mu <= v_th:
            return np.float64(-math.inf if log else 0.0)
        r = 1.0 / (tau_ref + tau_m * _det_log_ratio(mu, v_th, v_reset))
        return np.float64(math.log(r) if log else r)
    s, A = _parts_scalar(mu, sigma, v_th, v_reset)
    if s == 0.0:
        r = 1.0 / (tau_ref + tau_m * A)
        return np.float64(math.log(r) if log else r)
    es = math.exp(-s)
    den = tau_m * A + tau_ref * es
    return np.float64(-(s + math.log(den)) if log else es / den)


_SIGMA_DOC = "free V has mean mu and SD sigma/sqrt(2)"


def firing_rate(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0, tau_s=0.0, dt=0.0):
    r"""Stationary firing rate of the white-noise-driven LIF neuron (Siegert formula).

    The membrane obeys ``tau_m dV/dt = -V + mu + sigma*sqrt(tau_m)*xi`` (Brunel convention:
    the free V has mean ``mu`` and SD ``sigma/sqrt(2)``), fires and resets to ``v_reset`` at
    ``v_th``, and is refractory for ``tau_ref``. ``sigma = 0`` gives the deterministic LIF
    rate; ``tau_s > 0`` and ``dt > 0`` apply threshold shifts for coloured noise and for a
    neuron monitored on a time grid.

    Parameters
    ----------
    mu : array_like
        Mean input (free-membrane mean) in V.
    sigma : array_like
        Noise amplitude in V, >= 0 (free V has SD ``sigma/sqrt(2)``); 0 is the noise-free limit.
    tau_m : array_like
        Membrane time constant in s, > 0 and finite.
    v_th, v_reset : array_like
        Threshold and reset in V, ``v_reset < v_th``.
    tau_ref : array_like, optional
        Absolute refractory period in s, >= 0.
    tau_s : array_like, optional
        Synaptic time constant in s (exponential current synapses), >= 0. Shifts threshold and
        reset by ``1.0326*sigma*sqrt(tau_s/tau_m)`` (Fourcaud & Brunel 2002); warns
        (ApproximationWarning) when ``sqrt(tau_s/tau_m) > sqrt(0.1)``.
    dt : array_like, optional
        Time step in s of a simulation that checks the threshold only on a grid, >= 0. Shifts
        the threshold by ``0.5826*sigma*sqrt(dt/tau_m)`` (Broadie, Glasserman & Kou 1997); the
        reset is not shifted.

    Returns
    -------
    ndarray or numpy scalar
        Rate in Hz, broadcast shape of the inputs (0-d input gives a numpy scalar).

    Raises
    ------
    ParameterError
        If any argument is outside its domain (NaN included) or ``v_reset >= v_th``.

    Notes
    -----
    .. math::

        \frac{1}{\nu} = \tau_\mathrm{ref} + \tau_m \sqrt{\pi} \int_{y_r}^{y_\theta}
        \operatorname{erfcx}(-u)\, du, \qquad y_\theta = \frac{v_\mathrm{th}-\mu}{\sigma},\;
        y_r = \frac{v_\mathrm{reset}-\mu}{\sigma}.

    **Assumptions and approximations.** Gaussian white-noise input (diffusion approximation of
    many small synaptic inputs); current-based input; stationarity. The ``tau_s`` shift is
    first order in ``sqrt(tau_s/tau_m)``; the ``dt`` shift is first order in ``sqrt(dt/tau_m)``.

    **Numerical method.** The stable rewrite is chosen per element (as in Layer et al. 2022,
    App. A.1): mean-driven ``y_th <= 0`` integrates the bounded ``erfcx``
    (:func:`snntheory._special.erfcx_integral`);
    straddling and fluctuation-driven elements use Dawson's function with the factor
    ``exp(y_th**2)`` kept apart, so the rate is ``exp(-y_th**2)/(...)`` and its logarithm is
    formed without overflow. Where the noise is tiny against the distances (``|y| > 1e150``)
    the integrals reduce to their logarithmic asymptotes, formed from the potentials (the mean-
    driven element is then the deterministic ``ln((mu - v_reset)/(mu - v_th))`` up to a relative
    1e-300), so ``sigma -> 0+`` reaches the deterministic rate continuously. Relative error
    <= 1e-12 against mpmath at 50 digits over all regimes, ``|y|`` up to 1e3
    (``tests/reference/diffusion_rate.csv``). A scalar call takes a
    separate, allocation-free path of the same formulas. Speed and accuracy against NNMT:
    ``benchmarks/results/diffusion.md``.

    **Derivation.** :func:`snntheory.symbolic.diffusion.mean_fpt_solution` (backward equation
    with absorbing threshold and reflecting infinity), tested in
    ``tests/test_symbolic_diffusion.py``.

    References
    ----------
    Siegert (1951), Phys. Rev. 81:617, doi:10.1103/PhysRev.81.617.
    Amit & Brunel (1997), Cereb. Cortex 7:237, Eq. A.2, doi:10.1093/cercor/7.3.237.
    Brunel (2000), J. Comput. Neurosci. 8:183, Eq. 21, doi:10.1023/A:1008925309027.
    Fourcaud & Brunel (2002), Neural Comput. 14:2057, doi:10.1162/089976602320264015.
    Layer et al. (2022), Front. Neuroinform. 16:835657, App. A.1, doi:10.3389/fninf.2022.835657.
    Broadie, Glasserman & Kou (1997), Math. Finance 7:325, doi:10.1111/1467-9965.00035.

    Examples
    --------
    The noise-free limit is the deterministic LIF rate:

    >>> r0 = firing_rate(1.5, 0.0, tau_m=0.01, v_th=1.0, v_reset=0.0)
    >>> bool(abs(r0 - 1 / (0.01 * np.log(3.0))) < 1e-12 * r0)
    True

    Far below threshold the rate underflows, but its logarithm does not:

    >>> float(firing_rate(0.0, 0.025, tau_m=0.01, v_th=1.0, v_reset=0.0))
    0.0
    >>> bool(np.isfinite(log_firing_rate(0.0, 0.025, tau_m=0.01, v_th=1.0, v_reset=0.0)))
    True
    """
    if _fast_scalars(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt) and _scalar_ok(
        mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt
    ):
        return _rate_scalar(float(mu), float(sigma), float(tau_m), float(v_th), float(v_reset),
                            float(tau_ref), float(tau_s), float(dt), False)
    rate, shape = _rate_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt, log=False)
    return scalar_or_array(rate.reshape(shape))


def log_firing_rate(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0, tau_s=0.0, dt=0.0):
    r"""Natural logarithm of :func:`firing_rate` (ln Hz), finite where the rate underflows.

    Same model and parameters as :func:`firing_rate` (Brunel convention: the free V has mean
    ``mu`` and SD ``sigma/sqrt(2)``).

    Returns
    -------
    ndarray or numpy scalar
        ``ln(rate/Hz)``; ``-inf`` only for ``sigma = 0`` at or below threshold (no spikes), and
        where ``ln(rate)`` itself lies below the double range (``(v_th - mu)/sigma > 1.3e154``).

    Raises
    ------
    ParameterError
        As :func:`firing_rate`.

    Notes
    -----
    .. math:: \ln\nu = -y_\theta^2 - \ln\!\left(\tau_m A + \tau_\mathrm{ref} e^{-y_\theta^2}\right),
              \quad \tau_m e^{y_\theta^2} A = \bar T \;(y_\theta > 0),

    with ``A`` the Dawson-form bracket of :func:`firing_rate`. Accuracy: absolute error
    <= 1e-12 * ``|ln nu|`` and relative error of ``exp`` of it <= 1e-12 wherever the rate is
    representable; finite for
    ``y_th`` = 40, 1000, 1e6. Strongly sub-threshold it approaches the Kramers asymptote
    :func:`kramers_rate`. Derivation and references as :func:`firing_rate`.

    Examples
    --------
    >>> lr = log_firing_rate(0.0, 1 / 1000, tau_m=0.01, v_th=1.0, v_reset=0.0)   # y_th = 1000
    >>> lk = kramers_rate(0.0, 1 / 1000, tau_m=0.01, v_th=1.0, log=True)
    >>> bool(abs(lr - lk) < 1e-6 * abs(lr))
    True
    """
    if _fast_scalars(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt) and _scalar_ok(
        mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt
    ):
        return _rate_scalar(float(mu), float(sigma), float(tau_m), float(v_th), float(v_reset),
                            float(tau_ref), float(tau_s), float(dt), True)
    logr, shape = _rate_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref, tau_s, dt)
    return scalar_or_array(logr.reshape(shape))


def deterministic_rate(mu, *, tau_m, v_th, v_reset, tau_ref=0.0):
    r"""Rate of the noise-free LIF (the ``sigma = 0`` limit of :func:`firing_rate`), in Hz.

    .. math:: \nu = \left[\tau_\mathrm{ref} + \tau_m \ln\frac{\mu - v_\mathrm{reset}}{\mu - v_\mathrm{th}}\right]^{-1}
              \text{ for } \mu > v_\mathrm{th},\ 0 \text{ otherwise.}

    Examples
    --------
    >>> float(deterministic_rate(0.9, tau_m=0.01, v_th=1.0, v_reset=0.0))
    0.0
    """
    return firing_rate(mu, 0.0, tau_m=tau_m, v_th=v_th, v_reset=v_reset, tau_ref=tau_ref)


def kramers_rate(mu, sigma, *, tau_m, v_th, log=False, y_th=None):
    r"""Kramers-type asymptote of the rate far below threshold (Brunel 2000, Eq. 22).

    .. math:: \nu \approx \frac{y_\theta}{\tau_m\sqrt{\pi}}\, e^{-y_\theta^2},\qquad y_\theta \gg 1,

    in the Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``). Relative
    error O(1/y_th**2) (about 1/(2 y_th**2)). With ``log=True`` returns ``ln nu``, finite for
    any ``y_th > 0``. ``y_th`` may be passed directly to avoid the rounding of
    ``(v_th - mu)/sigma``.

    Raises
    ------
    ParameterError
        If ``sigma <= 0`` (``sigma = 0``, valid in :func:`firing_rate`, has no Kramers regime),
        if ``y_th`` is not finite and > 0 (at or above threshold, NaN), or ``tau_m`` invalid.

    Examples
    --------
    >>> r = firing_rate(0.0, 0.1, tau_m=0.01, v_th=1.0, v_reset=-1.0)
    >>> bool(abs(kramers_rate(0.0, 0.1, tau_m=0.01, v_th=1.0) / r - 1) < 1 / 100)
    True
    """
    log = check_bool("log", log)
    if y_th is None:
        mu, sigma, v_th = _check_one("mu", mu), _check_one("sigma", sigma, domain=_SIGMA_POS), _check_one("v_th", v_th)
        tau_m = _check_one("tau_m", tau_m, domain=_TAU_M)
        _check_shapes(["mu", "sigma", "v_th", "tau_m"], [mu, sigma, v_th, tau_m])
        y_th = (v_th - mu) / sigma
    tau_m = _check_one("tau_m", tau_m, domain=_TAU_M)
    y = _check_one("y_th", y_th, domain=_Y_TH_POS, label="y_th = (v_th - mu)/sigma")
    _check_shapes(["tau_m", "y_th"], [tau_m, y])
    # ln y - ln(tau_m sqrt(pi)) in two terms: y / tau_m overflows for tiny sigma (the rate is then 0)
    with np.errstate(over="ignore"):
        lr = np.log(y) - np.log(tau_m * SQRT_PI) - y * y
    return scalar_or_array(lr if log else np.exp(lr))


# ----------------------------------------------------------------------------------------
# mean first-passage time
# ----------------------------------------------------------------------------------------
def _log_mean_fpt(mu, sigma, tau_m, v_th, v_start):
    mu, sigma, tau_m, v_th, v_start = _check_all(
        [("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_start", v_start)]
    )
    check_below("v_start", v_start, "v_th", v_th, strict=False)
    arrs = np.broadcast_arrays(mu, sigma, tau_m, v_th, v_start)
    shape = arrs[0].shape
    mu, sigma, tau_m, v_th, v_start = (a.ravel() for a in arrs)
    out = np.empty_like(mu)
    noisy = sigma > 0
    if noisy.any():
        sg = sigma[noisy]
        s, A = _parts(mu[noisy], sg, v_th[noisy], v_start[noisy])
        with np.errstate(divide="ignore"):
            out[noisy] = s + np.log(tau_m[noisy] * A)
    det = ~noisy
    if det.any():
        m, th, v0, tm = mu[det], v_th[det], v_start[det], tau_m[det]
        with np.errstate(divide="ignore", invalid="ignore"):
            T = np.where(m > th, tm * np.log1p((th - v0) / np.where(m > th, m - th, 1.0)), np.inf)
            T = np.where(v0 == th, 0.0, T)
            out[det] = np.log(T)
    return out.reshape(shape)


def mean_fpt(mu, sigma, *, tau_m, v_th, v_start):
    r"""Mean first-passage time of the OU membrane from ``v_start`` to ``v_th``, in s.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``); no reset, no
    refractoriness. ``sigma = 0`` gives the deterministic travel time (``inf`` when
    ``mu <= v_th`` and ``v_start < v_th``).

    Parameters
    ----------
    mu, sigma : array_like
        Mean input and noise amplitude in V (``sigma >= 0``).
    tau_m : array_like
        Membrane time constant in s, finite, > 0.
    v_th : array_like
        Absorbing threshold in V.
    v_start : array_like
        Start potential in V, ``v_start <= v_th`` (equal gives 0).

    Returns
    -------
    ndarray or numpy scalar
        Mean FPT in s (overflows to ``inf`` beyond ~1e308 s; use :func:`log_mean_fpt`).

    Raises
    ------
    ParameterError
        Invalid parameter or ``v_start > v_th``.

    Notes
    -----
    .. math:: \bar T(v_0) = \tau_m \sqrt{\pi} \int_{(v_0-\mu)/\sigma}^{(v_\mathrm{th}-\mu)/\sigma}
              \operatorname{erfcx}(-u)\, du,

    the solution of ``(sigma**2/(2 tau_m)) T'' + ((mu - v)/tau_m) T' = -1`` with ``T(v_th) = 0``
    and bounded ``T'`` exp(-y^2) at ``-inf``. Same stable kernel and accuracy (<= 1e-12
    relative) as :func:`firing_rate`, which is ``1/(tau_ref + mean_fpt(v_start=v_reset))``.
    Derivation: :func:`snntheory.symbolic.diffusion.mean_fpt_solution`.

    References
    ----------
    Siegert (1951), Phys. Rev. 81:617; Ricciardi (1977), Diffusion Processes and Related Topics
    in Biology, Eq. 5.104.

    Examples
    --------
    >>> T = mean_fpt(0.5, 0.3, tau_m=0.01, v_th=1.0, v_start=0.0)
    >>> r = firing_rate(0.5, 0.3, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    >>> bool(abs(1 / (0.002 + T) - r) < 1e-13 * r)
    True
    """
    with np.errstate(over="ignore"):  # beyond ~1e308 s the mean FPT is inf (log_mean_fpt stays finite)
        return scalar_or_array(np.exp(_log_mean_fpt(mu, sigma, tau_m, v_th, v_start)))


def log_mean_fpt(mu, sigma, *, tau_m, v_th, v_start):
    r"""``ln`` of :func:`mean_fpt` (ln s), finite where the mean FPT overflows.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``); parameters, errors
    and method as :func:`mean_fpt`.

    Examples
    --------
    >>> bool(np.isfinite(log_mean_fpt(0.0, 0.01, tau_m=0.01, v_th=1.0, v_start=0.0)))
    True
    """
    return scalar_or_array(_log_mean_fpt(mu, sigma, tau_m, v_th, v_start))


# ----------------------------------------------------------------------------------------
# gradient
# ----------------------------------------------------------------------------------------
_Q_ASYM = [(-1) ** (k + 1) * float(_sp.factorial2(2 * k - 1, exact=True)) / 2.0**k for k in range(1, 18)]


def _one_minus_x_erfcx(x):
    """``1/sqrt(pi) - x erfcx(x)`` for x >= 0 without cancellation (asymptotic series for x >= 7,
    truncation error < 1e-16 relative)."""
    x = np.asarray(x, float)
    out = np.empty_like(x)
    small = x < 7.0
    out[small] = 1.0 / SQRT_PI - x[small] * _sp.erfcx(x[small])
    xl = x[~small]
    z = (1.0 / xl) ** 2  # no overflow for x up to the largest double
    acc = np.zeros_like(xl)
    for c in reversed(_Q_ASYM):  # Horner in z: sum_k c_k z^k
        acc = (acc + c) * z
    out[~small] = acc / SQRT_PI
    return out


class RateGradient(NamedTuple):
    """Partial derivatives of the firing rate: ``dnu_dmu`` in Hz/V, ``dnu_dsigma`` in Hz/V."""

    __repr__ = _result_repr

    dnu_dmu: np.ndarray
    dnu_dsigma: np.ndarray


def rate_gradient(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0):
    r"""Analytic gradient of :func:`firing_rate` with respect to ``mu`` and ``sigma``.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``). Finite for every
    valid input with ``sigma > 0`` (NNMT returns NaN far below threshold, INM-6/nnmt#12).

    Parameters
    ----------
    mu, sigma, tau_m, v_th, v_reset, tau_ref
        As :func:`firing_rate`.

    Returns
    -------
    RateGradient
        ``(dnu_dmu, dnu_dsigma)`` in Hz/V, broadcast shape.

    Raises
    ------
    ParameterError
        As :func:`firing_rate`.

    Notes
    -----
    .. math::

        \frac{\partial\nu}{\partial\mu} = \frac{\sqrt\pi\,\tau_m\nu^2}{\sigma}
        \left[\operatorname{erfcx}(-y_\theta) - \operatorname{erfcx}(-y_r)\right],\quad
        \frac{\partial\nu}{\partial\sigma} = \frac{\sqrt\pi\,\tau_m\nu^2}{\sigma}
        \left[y_\theta\operatorname{erfcx}(-y_\theta) - y_r\operatorname{erfcx}(-y_r)\right].

    For ``y_th > 0`` the factor ``exp(y_th**2)`` of the brackets is cancelled against
    ``nu**2 = exp(-2 y_th**2)(...)`` analytically, so nothing overflows. At ``sigma = 0`` the
    derivative of the deterministic rate is returned: ``dnu/dmu = tau_m nu^2 (v_th - v_reset) /
    ((mu - v_th)(mu - v_reset))`` above threshold, 0 below, ``inf`` at ``mu = v_th``;
    ``dnu/dsigma = 0``. Mean-driven brackets of ``dnu/dsigma`` are differences of
    ``1/sqrt(pi) - x erfcx(x)`` (asymptotic series for x >= 7), so tiny ``sigma`` keeps full
    accuracy; the prefactor ``sqrt(pi) tau_m nu^2/sigma`` and the brackets are combined in logs
    (each alone over- or underflows at tiny noise). ``dnu/dmu`` exceeds the double range (inf)
    only within ~1e-300 V of a noise-free threshold crossing. Relative error <= 1e-12 against mpmath differentiation of the 40-digit Siegert
    integral, and agreement with central differences of :func:`firing_rate`.

    References
    ----------
    Brunel & Hakim (1999), Neural Comput. 11:1621, doi:10.1162/089976699300016179.

    Examples
    --------
    >>> g = rate_gradient(0.0, 0.05, tau_m=0.01, v_th=1.0, v_reset=0.0)   # y_th = 20
    >>> bool(np.isfinite(g.dnu_dmu) and g.dnu_dmu >= 0)
    True
    """
    mu, sigma, tau_m, v_th, v_reset, tau_ref = _check_all(
        [("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_reset", v_reset), ("tau_ref", tau_ref)]
    )
    check_below("v_reset", v_reset, "v_th", v_th)
    arrs = np.broadcast_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref)
    shape = arrs[0].shape
    mu, sigma, tau_m, v_th, v_reset, tau_ref = (a.ravel() for a in arrs)
    gmu = np.zeros_like(mu)
    gsg = np.zeros_like(mu)
    noisy = sigma > 0
    if noisy.any():
        sg, m, tm, tr = sigma[noisy], mu[noisy], tau_m[noisy], tau_ref[noisy]
        with np.errstate(over="ignore"):  # tiny noise: |y| beyond 1e308 behaves as inf below
            yth = (v_th[noisy] - m) / sg
            yr = (v_reset[noisy] - m) / sg
        s, A = _parts(m, sg, v_th[noisy], v_reset[noisy])
        es = np.exp(-s)
        with np.errstate(over="ignore"):  # squares of |y| > 1e154 only enter as exp(-inf) = 0
            R = 1.0 / (A + (tr / tm) * es)  # nu * tau_m * exp(s)
            pos = yth > 0
            q = np.empty_like(yth)
            p = np.empty_like(yth)
            # y_th <= 0: plain erfcx (both arguments >= 0); y erfcx(-y) = q(|y|) - 1/sqrt(pi)
            n_ = ~pos
            q[n_] = _sp.erfcx(-yth[n_]) - _sp.erfcx(-yr[n_])
            p[n_] = _one_minus_x_erfcx(-yth[n_]) - _one_minus_x_erfcx(-yr[n_])
            # y_th > 0: brackets divided by exp(y_th^2)
            b, r = yth[pos], yr[pos]
            rpos = r > 0
            scaled_r = np.where(
                rpos,
                np.exp(np.where(rpos, (r - b) * (r + b), 0.0)) * (2.0 - _sp.erfc(np.where(rpos, r, 0.0))),
                np.exp(-b * b) * _sp.erfcx(np.where(rpos, 0.0, -r)),
            )
            one_erf = 2.0 - _sp.erfc(b)
            q[pos] = one_erf - scaled_r
            p[pos] = b * one_erf - r * scaled_r
        # sqrt(pi) R^2 e^{-s}/(tau_m sigma) times the brackets, in logs: with tiny noise the
        # factor alone over- or underflows while the product is finite
        with np.errstate(divide="ignore", over="ignore"):
            lnfac = math.log(SQRT_PI) + 2.0 * np.log(R) - s - np.log(tm) - np.log(sg)
            gmu[noisy] = np.sign(q) * np.exp(lnfac + np.log(np.abs(q)))
            gsg[noisy] = np.sign(p) * np.exp(lnfac + np.log(np.abs(p)))
    det = ~noisy
    if det.any():
        m, th, vr, tm, tr = mu[det], v_th[det], v_reset[det], tau_m[det], tau_ref[det]
        nu = _det_rate(m, tm, th, vr, tr)
        above = m > th
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(above, tm * nu * nu * (th - vr) / ((m - th) * (m - vr)), 0.0)
        gmu[det] = np.where(m == th, np.inf, g)
    return RateGradient(scalar_or_array(gmu.reshape(shape)), scalar_or_array(gsg.reshape(shape)))


# ----------------------------------------------------------------------------------------
# membrane moments and stationary density
# ----------------------------------------------------------------------------------------
class MembraneMoments(NamedTuple):
    """Mean (V) and variance (V^2) of the membrane potential over all neurons."""

    __repr__ = _result_repr

    mean: np.ndarray
    var: np.ndarray


def _common(mu, sigma, tau_m, v_th, v_reset, tau_ref):
    mu, sigma, tau_m, v_th, v_reset, tau_ref = _check_all(
        [("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_reset", v_reset), ("tau_ref", tau_ref)]
    )
    check_below("v_reset", v_reset, "v_th", v_th)
    return mu, sigma, tau_m, v_th, v_reset, tau_ref


def membrane_moments(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0):
    r"""Mean and variance of the membrane potential of the stationary LIF population.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``). The average is over
    all neurons, refractory ones included (they sit at ``v_reset``); this is the membrane
    statistic an initialiser must target, not the free-membrane ``(mu, sigma**2/2)``.

    Parameters
    ----------
    mu, sigma, tau_m, v_th, v_reset, tau_ref
        As :func:`firing_rate` (``sigma`` in V, free V has SD ``sigma/sqrt(2)``).

    Returns
    -------
    MembraneMoments
        ``(mean, var)`` in V and V^2, broadcast shape.

    Raises
    ------
    ParameterError
        As :func:`firing_rate`.

    Notes
    -----
    With ``M_0 = 1 - nu tau_ref``, the moments of the density over the non-refractory neurons

    .. math::

        M_1 = \mu M_0 - \nu\tau_m(v_\mathrm{th} - v_\mathrm{reset}),\qquad
        M_2 = \mu M_1 + \tfrac{\sigma^2}{2} M_0 - \tfrac{\nu\tau_m}{2}(v_\mathrm{th}^2 - v_\mathrm{reset}^2),

    then ``E[V] = M_1 + nu tau_ref v_reset``, ``E[V^2] = M_2 + nu tau_ref v_reset^2``. Exact
    (moment balance of the Fokker--Planck equation with the reset flux,
    ``derivations/diffusion.md`` §5). Evaluated in the shifted variable ``V - mu`` to avoid
    cancellation; relative error <= 1e-10 against
    mpmath (``tests/reference/diffusion_cv_moments.csv``) and equal to the moments of
    :func:`stationary_density` integrated numerically. Far above threshold with a reset close
    to it (``mu - v_th`` many times ``v_th - v_reset``), the flux term balances the drift and
    the closed-form variance would lose digits (it can even come out negative); the same
    happens when a reset very close to threshold keeps nearly all neurons refractory. Where
    it would lose more than 5 digits, the element is evaluated instead from the same closed
    forms in mpmath, with the rate recomputed at a working precision raised until 30 digits
    survive (40 digits or more; milliseconds per such element): relative error of the variance
    <= 1e-16 (random cancelling cases, ``mu`` up to 1e6, ``v_th - v_reset`` down to 1e-10,
    against an 80-digit reference). Derivation:
    :func:`snntheory.symbolic.diffusion.moment_balance`.

    References
    ----------
    Brunel & Hakim (1999), Neural Comput. 11:1621; Brunel (2000), J. Comput. Neurosci. 8:183,
    Eq. 20 (density).

    Examples
    --------
    Without threshold crossings the free Gaussian moments are recovered:

    >>> m = membrane_moments(0.0, 0.1, tau_m=0.01, v_th=1.0, v_reset=0.0)
    >>> bool(abs(m.mean) < 1e-30 and abs(m.var - 0.1**2 / 2) < 1e-30)
    True
    """
    mu, sigma, tau_m, v_th, v_reset, tau_ref = _common(mu, sigma, tau_m, v_th, v_reset, tau_ref)
    shape = np.broadcast_shapes(*(x.shape for x in (mu, sigma, tau_m, v_th, v_reset, tau_ref)))
    nu = _log_rate_flat(mu, sigma, tau_m, v_th, v_reset, tau_ref, shape, log=False).reshape(shape)
    th, vr = v_th - mu, v_reset - mu  # shifted: W = V - mu has free mean 0
    m0 = 1.0 - nu * tau_ref
    ntm = nu * tau_m
    m1 = -ntm * (th - vr)
    m2 = sigma * sigma * m0 / 2.0 - ntm * (th - vr) * (th + vr) / 2.0
    pr = nu * tau_ref
    ew = m1 + pr * vr
    ew2 = m2 + pr * vr * vr
    var = ew2 - ew * ew
    mean = mu + ew
    # Far above threshold with a reset close to it, the closed forms cancel (the flux term
    # nu tau (v_th - v_reset) ~ mu balances the drift): more than 5 digits lost -> quadrature.
    bad = ~(var >= _MOMENT_CANCEL * np.maximum(np.abs(ew2), ew * ew))
    if np.any(bad):
        arrs = np.broadcast_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref, nu, mean, var)
        mean, var = arrs[7].copy(), arrs[8].copy()
        for idx in np.ndindex(mean.shape):
            if np.broadcast_to(bad, mean.shape)[idx]:
                mean[idx], var[idx] = _moments_by_mpmath(*(float(x[idx]) for x in arrs[:6]))
    return MembraneMoments(scalar_or_array(mean), scalar_or_array(var))


_MOMENT_CANCEL = 1e-5  # closed-form variance kept when it is >= 1e-5 of the terms it is formed from


_MP_DPS = 40  # first working precision of the mpmath moment fallback
_MP_SPARE = 30  # digits kept beyond those the closed-form variance cancels
_MP_DPS_MAX = 400  # beyond this working precision the fallback gives up (ConvergenceError)
_MP_ASYM = 30  # (mu - v_th)/sigma from which the rate uses the asymptotic series in mpmath


def _moments_by_mpmath(mu, sigma, tau_m, v_th, v_reset, tau_ref):
    """(E[V], Var V) from the exact closed forms (``derivations/diffusion.md`` §5) in mpmath, for
    the elements whose float closed forms cancel (far above threshold with a reset close to it, or
    a reset so close to
    threshold that nearly all neurons are refractory). The rate is recomputed at the working
    precision (Siegert integral ``int_a^b erfcx`` by tanh-sinh, with break points graded
    towards ``a`` on the scale ``1/|a|`` when ``a < 0`` and at powers of two for ``u > 0``;
    the deterministic ``log`` for sigma = 0) and ``1 - nu tau_ref`` is formed as ``nu T``;
    the precision is raised until 30 digits survive the cancellation."""
    import mpmath as mp

    dps = _MP_DPS
    for _ in range(8):
        with mp.workdps(dps):
            m_, s_, tm, th, vr, tr = (mp.mpf(x) for x in (mu, sigma, tau_m, v_th, v_reset, tau_ref))
            if sigma == 0.0:
                T = tm * mp.log((m_ - vr) / (m_ - th))
            elif (m_ - th) / s_ >= _MP_ASYM:
                # far mean-driven (tiny noise): the integrated asymptotic series of erfcx,
                # int_a^b erfcx = [ln(b/a) + sum_k e_k (a^-2k - b^-2k)]/sqrt(pi), converges to the
                # working precision within a few terms for a >= 30 (quadrature there is slow)
                a, b = (m_ - th) / s_, (m_ - vr) / s_
                acc, k, e_k = mp.log(b / a), 1, mp.mpf(-1) / 4
                while True:
                    term = e_k * (a ** (-2 * k) - b ** (-2 * k))
                    acc += term
                    if abs(term) < mp.mpf(10) ** (-dps - 5) * abs(acc) or k > 400:
                        break
                    e_k = -e_k * (2 * k + 1) * k / (2 * (k + 1))  # e_k = (-1)^k (2k-1)!!/(2^k 2k)
                    k += 1
                T = tm * acc
            else:
                a, b = (m_ - th) / s_, (m_ - vr) / s_
                pts = [a]
                if a < 0:  # erfcx(u) ~ 2 exp(u^2) peaks at a with width ~1/|a|
                    w = 1 / max(-a, 1)
                    x = a + w / 64
                    while x < min(b, 0):
                        pts.append(x)
                        x = a + 2 * (x - a)
                    if b > 0:
                        pts.append(mp.mpf(0))
                k0 = max(-4, math.frexp(float(max(a, 0)))[1] - 1)  # powers of two in (max(a, 0), b)
                pts += [mp.ldexp(1, k) for k in range(k0, math.frexp(float(b))[1] + 1)
                        if pts[-1] < mp.ldexp(1, k) < b] + [b]
                T = tm * mp.sqrt(mp.pi) * mp.quad(lambda u: mp.exp(u * u) * mp.erfc(u), pts)
            nu = 1 / (tr + T)
            pr = nu * tr
            m0 = T * nu  # = 1 - nu tau_ref without cancellation
            thw, vrw = th - m_, vr - m_  # shifted variable W = V - mu
            m1 = -nu * tm * (thw - vrw)
            m2 = s_ * s_ * m0 / 2 - nu * tm * (thw - vrw) * (thw + vrw) / 2
            ew = m1 + pr * vrw
            ew2 = m2 + pr * vrw * vrw
            var = ew2 - ew * ew
            scale = max(abs(ew2), ew * ew)
            lost = float(mp.log10(scale / var)) if var > 0 else float(dps)
            if dps - lost >= _MP_SPARE:
                return float(m_ + ew), float(var)
            dps = int(lost) + _MP_SPARE + 10
            if dps > _MP_DPS_MAX:
                break
    raise ConvergenceError(f"membrane_moments: variance cancels beyond {dps} digits at mu={mu!r}, sigma={sigma!r}")


def stationary_density(v, mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0):
    r"""Stationary membrane-potential density of the LIF neuron with reset (Brunel--Hakim).

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``). The density of the
    non-refractory neurons; it integrates to ``1 - nu*tau_ref`` (the refractory fraction sits
    at ``v_reset`` as a point mass not included here) and vanishes at and above ``v_th``.

    Parameters
    ----------
    v : array_like
        Membrane potential(s) in V at which to evaluate.
    mu, sigma, tau_m, v_th, v_reset, tau_ref
        As :func:`firing_rate`.

    Returns
    -------
    ndarray or numpy scalar
        Density in 1/V, broadcast shape of ``v`` and the parameters.

    Raises
    ------
    ParameterError
        As :func:`firing_rate`, or for non-finite ``v``.

    Notes
    -----
    .. math::

        P(V) = \frac{2\nu\tau_m}{\sigma} e^{-y^2}\int_{\max(y, y_r)}^{y_\theta} e^{u^2}\,du,
        \qquad y = \frac{V-\mu}{\sigma},\ V < v_\mathrm{th}.

    Evaluated with Dawson's function, ``e^{-y^2}\int_m^b e^{u^2} du = e^{b^2-y^2}D(b) -
    e^{m^2-y^2}D(m)`` arranged per sign of ``m`` and ``b`` so no exponential overflows, and
    ``exp(ln nu + y_th^2 - y^2)`` formed in log space. Relative error ~1e-14 away from the
    threshold (absolute ~1e-16 * peak near it, where P vanishes linearly). ``sigma = 0``:
    for ``mu > v_th`` the deterministic density ``nu tau_m/(mu - V)`` on ``[v_reset, v_th)``;
    for ``mu <= v_th`` all neurons sit at ``mu`` (returns ``inf`` at ``v = mu``, 0 elsewhere).
    Derivation: :func:`snntheory.symbolic.diffusion.stationary_density_solution`; the flux at
    threshold, ``-(sigma**2/(2 tau_m)) P'(v_th) = nu``, is tested.

    References
    ----------
    Brunel & Hakim (1999), Neural Comput. 11:1621, Eq. 19; Brunel (2000), Eq. 20.

    Examples
    --------
    >>> float(stationary_density(1.0, 0.5, 0.3, tau_m=0.01, v_th=1.0, v_reset=0.0))
    0.0
    """
    v, mu, sigma, tau_m, v_th, v_reset, tau_ref = _check_all(
        [("v", v), ("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_reset", v_reset),
         ("tau_ref", tau_ref)]
    )
    check_below("v_reset", v_reset, "v_th", v_th)
    arrs = np.broadcast_arrays(v, mu, sigma, tau_m, v_th, v_reset, tau_ref)
    shape = arrs[0].shape
    v, mu, sigma, tau_m, v_th, v_reset, tau_ref = (a.ravel() for a in arrs)
    out = np.zeros(v.shape)
    lognu = _log_rate_flat(mu, sigma, tau_m, v_th, v_reset, tau_ref, v.shape)
    below = v < v_th
    noisy = (sigma > 0) & below
    if noisy.any():
        sg = sigma[noisy]
        y = (v[noisy] - mu[noisy]) / sg
        b = (v_th[noisy] - mu[noisy]) / sg
        r = (v_reset[noisy] - mu[noisy]) / sg
        m = np.maximum(y, r)
        # ln(nu) = lnR - s with s = max(y_th, 0)^2 kept apart, so that tiny noise (s or y^2
        # beyond the double range) gives exp(-inf) = 0 rather than inf - inf
        s_, A_ = _parts(mu[noisy], sg, v_th[noisy], v_reset[noisy])
        lnR = -np.log(A_ * tau_m[noisy] + tau_ref[noisy] * np.exp(-s_))
        ln = lnR + np.log(2.0 * tau_m[noisy] / sg)
        Db, Dm = _sp.dawsn(b), _sp.dawsn(m)
        val = np.empty_like(y)
        # each term as exp(exponent + ln(positive bracket)): with tiny noise the prefactor
        # 2 nu tau_m/sigma alone overflows while the density (~1/(sqrt(pi) sigma)) does not
        with np.errstate(over="ignore", divide="ignore"):  # squares beyond 1e308: exp(-inf) = 0
            c1 = m >= 0  # 0 <= m < b: e^{b^2 - y^2} D(b) - e^{m^2 - y^2} D(m), times nu e^{-b^2}
            val[c1] = np.exp(ln[c1] - y[c1] * y[c1] + np.log(np.maximum(  # >= 0 up to rounding at v_th
                Db[c1] - np.exp((m[c1] - b[c1]) * (m[c1] + b[c1])) * Dm[c1], 0.0)))
            c2 = (m < 0) & (b > 0)
            val[c2] = np.exp(ln[c2] - y[c2] * y[c2] + np.log(Db[c2])) + np.exp(
                ln[c2] - s_[c2] + (m[c2] - y[c2]) * (m[c2] + y[c2]) + np.log(-Dm[c2]))
            c3 = b <= 0  # m < b <= 0 (s = 0)
            val[c3] = np.exp(ln[c3] + (m[c3] - y[c3]) * (m[c3] + y[c3]) + np.log(np.maximum(
                -Dm[c3] + np.exp((b[c3] - m[c3]) * (b[c3] + m[c3])) * Db[c3], 0.0)))
        out[noisy] = val
    det = (sigma == 0)
    if det.any():
        vv, m, th, vr = v[det], mu[det], v_th[det], v_reset[det]
        nu = np.exp(lognu[det])
        with np.errstate(divide="ignore", invalid="ignore"):
            fire = np.where((m > th) & (vv >= vr) & (vv < th), nu * tau_m[det] / (m - vv), 0.0)
        out[det] = np.where((m <= th) & (vv == m), np.inf, fire)
    return scalar_or_array(out.reshape(shape))


# ----------------------------------------------------------------------------------------
# ISI coefficient of variation
# ----------------------------------------------------------------------------------------
_CV_EPSREL = 1e-12  # requested relative accuracy of each quadrature piece
_CV_ACCEPT = 2e-11  # accepted total estimated relative error (CV^2; the CV target is 1e-10)


_EINT_GL = None


def _eint(m, b, width=None):
    """``int_m^b exp(x^2 - r^2) dx`` with ``r`` the end of larger modulus (``b`` for
    ``0 <= m < b``, ``m`` for ``m < b <= 0``): the Dawson difference, or, when the exponent
    varies by less than 1/2 over the interval (where that difference cancels), a 10-point
    Gauss--Legendre rule (error < 1e-16 relative)."""
    global _EINT_GL
    r = b if b > 0.0 else m
    if width is None:  # pass the width when m was computed as b - width (keeps its digits)
        width = b - m
    if width * (2.0 * abs(r) + width) <= 0.5:
        if _EINT_GL is None:
            x, w = _special.gauss_legendre(10)
            _EINT_GL = [(float(p), float(q)) for p, q in zip(x, w)]
        h = 0.5 * width
        tot = 0.0
        for p, q in _EINT_GL:  # x - r from offsets only (|x|, |r| may be ~1e7, the width ~1e-9)
            dx = h * (1.0 + p) - width if r == b else h * (1.0 + p)
            tot += q * math.exp(dx * (2.0 * r + dx))
        return h * tot
    if r == b:
        return float(_sp.dawsn(b)) - math.exp(-width * (m + b)) * float(_sp.dawsn(m))
    return float(_sp.dawsn(-m)) - math.exp(width * (b + m)) * float(_sp.dawsn(-b))


def _ln_w(m, b, scale):
    """ln(int_m^b e^{x^2} dx) - scale for m < b (any signs), without overflow.

    ``scale`` is ``b**2`` when ``b > 0`` (else 0); differences of squares are formed as
    products ``(m - b)(m + b)`` so nothing of size ``b**2`` is subtracted in floating point."""
    if b > 0.0:  # scale = b^2
        if m >= 0.0:
            return math.log(_eint(m, b))
        x1 = math.log(float(_sp.dawsn(b)))
        x2 = (m - b) * (m + b) + math.log(float(_sp.dawsn(-m)))
        hi = max(x1, x2)
        return hi + math.log(math.exp(x1 - hi) + math.exp(x2 - hi))
    return m * m + math.log(_eint(m, b))


def _ln_g(y, b):
    """ln[e^{y^2}(1 + erf y)^2] - max(b, 0)**2."""
    if y >= 0.0:
        sq = (y - b) * (y + b) if b > 0.0 else y * y
        return sq + 2.0 * math.log1p(math.erf(y))
    return 2.0 * math.log(float(_sp.erfcx(-y))) - y * y - (b * b if b > 0.0 else 0.0)


def _cv_scalar(yth, yr, A, s, tref_over_tau, epsrel=_CV_EPSREL, accept=_CV_ACCEPT, d=None):
    """CV for one element: CV^2 = 2 pi (nu tau e^s)^2 int g(y) W(y) e^{-2s} dy (swapped order).

    Exponents are formed from products such as ``(y - b)(y + b)``, and each piece is integrated
    in an offset variable from the end where its integrand peaks, so that neither ``y**2`` nor
    ``y`` itself is subtracted from a nearby large number (``|y|`` up to 1e9, widths down to 1e-9)."""
    b = yth
    if d is None:  # y_th - y_r; the caller's (v_th - v_reset)/sigma is more accurate
        d = yth - yr
    pieces = []  # (integrand, lower, upper)
    # lower tail y < min(y_r, 0): g decays like exp(-y^2)/y^2; cut where the exponent has dropped by 50
    lo_end = min(yr, 0.0)
    cut = lo_end - 50.0 / (math.sqrt(lo_end * lo_end + 50.0) - lo_end)
    if b > 0.0:  # everything scaled by exp(-2 y_th^2)
        d_b = float(_sp.dawsn(b))

        def f_neg(y):  # y < 0 inside (y_r, y_th): W = e^{b^2} D(b) + e^{y^2} D(-y)
            return float(_sp.erfcx(-y)) ** 2 * (d_b * math.exp(-y * y - s) + float(_sp.dawsn(-y)) * math.exp(-2.0 * s))

        def f_pos_u(u):  # y = y_th - u >= 0
            y = b - u
            q = -u * (2.0 * b - u)  # (y - b)(y + b)
            return math.exp(q + 2.0 * math.log1p(math.erf(y))) * _eint(y, b, u)

        if yr >= 0.0:
            lnW_r = math.log(_eint(yr, b, d))  # ln W(y_r) - y_th^2

            def f_low_pos(t):  # y = y_r - t, 0 <= y: (y - b)(y + b) = -(d + t)(2b - d - t)
                y = yr - t
                return math.exp(-(d + t) * (2.0 * b - d - t) + 2.0 * math.log1p(math.erf(y)) + lnW_r)

            def f_low_neg(y):  # y < 0 <= y_r
                return math.exp(_ln_g(y, b) + lnW_r)

            pts = [0.0] + [j / (2.0 * b) for j in (1.0, 4.0, 16.0, 64.0) if j / (2.0 * b) < yr] + [yr]
            pieces += [(f_low_pos, lo, hi) for lo, hi in zip(pts[:-1], pts[1:])]
            pieces.append((f_low_neg, cut, 0.0))
        else:
            x1 = math.log(d_b) - yr * yr - s
            x2 = math.log(float(_sp.dawsn(-yr))) - 2.0 * s
            hi_ = max(x1, x2)
            L = hi_ + math.log(math.exp(x1 - hi_) + math.exp(x2 - hi_))  # ln W_r - y_r^2 - 2 s
            pts = [yr] + [-(10.0**k) for k in range(18, -1, -1) if 10.0**k <= 0.5 * abs(yr)] + [0.0]
            pieces += [(f_neg, lo, hi) for lo, hi in zip(pts[:-1], pts[1:])]
        u_end = b - max(yr, 0.0)
        pts = [0.0] + [j / (2.0 * b) for j in (1.0, 4.0, 16.0, 64.0) if j / (2.0 * b) < u_end] + [u_end]
        pieces += [(f_pos_u, lo, hi) for lo, hi in zip(pts[:-1], pts[1:])]
    else:  # y < y_th <= 0: g W = erfcx(-y)^2 e^{m^2 - y^2} e^{-m^2} int_m^{y_th} e^{x^2}
        L = math.log(_eint(yr, yth, d))  # ln W_r - y_r^2

        def f_mid_w(w):  # y = y_th - w, w in (0, d): anchored where the integrand is largest
            return float(_sp.erfcx(w - yth)) ** 2 * _eint(yth - w, yth, w)

        # the integrand falls like 1/|y|^3 for y -> -inf: decade break points (as offsets)
        pts = [0.0] + [yth + 10.0**k for k in range(0, 19) if 2.0 * abs(yth) <= 10.0**k <= 0.5 * abs(yr)]
        pts.append(d)
        pieces += [(f_mid_w, lo, hi) for lo, hi in zip(pts[:-1], pts[1:])]
    if yr < 0.0:
        def f_low_t(t):  # y = y_r - t < y_r < 0; e^{-(y^2 - y_r^2)} = e^{-t (t - 2 y_r)}
            return math.exp(2.0 * math.log(float(_sp.erfcx(t - yr))) - t * (t - 2.0 * yr) + L)

        pieces.append((f_low_t, 0.0, yr - cut))
    K = 0.0
    err = 0.0
    with warnings.catch_warnings():  # judged below from the error estimates themselves
        warnings.simplefilter("ignore", _integrate.IntegrationWarning)
        for f, lo, hi in pieces:
            val, e = _integrate.quad(f, lo, hi, epsabs=0.0, epsrel=epsrel, limit=200)
            K += val
            err += e
    if not err <= accept * K:
        raise ConvergenceError(
            f"isi_cv: quadrature of the Brunel double integral reached an estimated relative error "
            f"{err / K if K > 0 else math.inf:.2e} (tolerance {accept:.0e}) at y_th={yth!r}, y_r={yr!r} "
            f"with {len(pieces)} adaptive Gauss-Kronrod pieces (limit 200 subintervals each)"
        )
    R = 1.0 / (A + tref_over_tau * math.exp(-s))  # nu tau e^{s}
    return math.sqrt(2.0 * math.pi * K) * R


def isi_cv(mu, sigma, *, tau_m, v_th, v_reset, tau_ref=0.0):
    r"""Coefficient of variation of the interspike interval of the white-noise LIF neuron.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``). The ISI is the
    refractory period plus the first-passage time from ``v_reset`` to ``v_th``.

    Parameters
    ----------
    mu, sigma, tau_m, v_th, v_reset, tau_ref
        As :func:`firing_rate`.

    Returns
    -------
    ndarray or numpy scalar
        CV (dimensionless), broadcast shape. ``sigma = 0`` returns the limit ``sigma -> 0+``:
        0 for ``mu > v_th`` (regular firing); 0 also at ``mu == v_th``, where the noise-free
        neuron does not fire (:func:`firing_rate` gives 0 Hz) but the limit exists: the ISI
        there is a deterministic approach of length ``~tau_m ln(1/sigma)`` plus an O(tau_m)
        random escape, so ``CV ~ 1.1/ln(1/sigma)`` (0.057 at sigma = 1e-8, 0.0096 at 1e-50,
        with ``v_th - v_reset = 1``) -> 0; and 1 for ``mu < v_th`` (the Poisson limit of rare
        escapes).

    Raises
    ------
    ParameterError
        As :func:`firing_rate`.
    ConvergenceError
        If the quadrature's own error estimate exceeds its tolerance (not seen on 3000 random
        parameter sets spanning ``|y|`` up to 1e7).

    Notes
    -----
    .. math::

        \mathrm{CV}^2 = 2\pi(\nu\tau_m)^2 \int_{y_r}^{y_\theta} dx\, e^{x^2}
        \int_{-\infty}^{x} dy\, e^{y^2}(1+\operatorname{erf} y)^2 .

    **Numerical method.** The order of integration is swapped, so the inner integral is the
    closed form ``W(y) = int_{max(y, y_r)}^{y_th} e^{x^2} dx`` (Dawson's function), and the
    single outer integral of ``g W e^{-2 y_th^2}`` is done with adaptive Gauss--Kronrod
    (``scipy.integrate.quad``, epsrel 1e-12) per element, piece by piece in offset variables
    anchored where each piece peaks (so ``|y|`` up to 1e9 and ``y_th - y_r`` down to 1e-9 keep
    their digits), with break points at 0, at decades of ``y`` and within ``1/(2 y_th)`` of
    ``y_th``; ``e^{-y^2} int e^{x^2}`` over short intervals uses Gauss--Legendre instead of a
    cancelling Dawson difference. ``nu e^{y_th^2}`` comes from the stable Siegert kernel. The
    summed error estimate must stay below 2e-11 of the integral, else ConvergenceError.
    Relative error <= 1e-10 against mpmath (``tests/reference/diffusion_cv_moments.csv``,
    ``|y|`` up to 3e5); about 1 ms per element.

    References
    ----------
    Brunel (2000), J. Comput. Neurosci. 8:183, Eq. A.1 (appendix A.1), doi:10.1023/A:1008925309027.

    Examples
    --------
    Far below threshold the spike train becomes Poisson:

    >>> bool(abs(isi_cv(0.0, 0.2, tau_m=0.01, v_th=1.0, v_reset=0.0) - 1) < 1e-3)
    True
    """
    mu, sigma, tau_m, v_th, v_reset, tau_ref = _common(mu, sigma, tau_m, v_th, v_reset, tau_ref)
    arrs = np.broadcast_arrays(mu, sigma, tau_m, v_th, v_reset, tau_ref)
    shape = arrs[0].shape
    out = np.empty(shape)
    for idx in np.ndindex(shape):
        m, sg, tm, th, vr, tr = (float(a[idx]) for a in arrs)
        if sg == 0.0:  # the sigma -> 0+ limits (Returns): 0 for m >= th, 1 below
            out[idx] = 0.0 if m >= th else 1.0
            continue
        yth, yr, d = (th - m) / sg, (vr - m) / sg, (th - vr) / sg
        s, A = _siegert_parts_scalar(yth, yr, d)
        out[idx] = _cv_scalar(yth, yr, A, s, tr / tm, d=d)
    return scalar_or_array(out)


# ----------------------------------------------------------------------------------------
# first-passage-time density (Volterra integral equation of the second kind)
# ----------------------------------------------------------------------------------------
_FPT_N = 500  # least base grid steps over [0, max t]; Richardson uses N, 2N and 4N
_FPT_N_MAX = 4000  # most base grid steps (the finest solve has 4 * 4000 steps, ~0.5 s)
_FPT_STEPS_PER_SCALE = 50  # base steps per min(mean, SD, tau_m) of the FPT
_FPT_S_TAIL = 40.0  # beyond 40 tau_m only the slowest mode is left (gap to the next >= ~1/tau_m)


def _psi(S, u, y):
    """Buonocore--Nobile--Ricciardi kernel for dy = -y ds + dW, constant boundary S."""
    e1 = np.exp(-u)
    om = -np.expm1(-2.0 * u)  # 1 - e^{-2u}
    v = 0.5 * om
    m = y * e1
    f = np.exp(-((S - m) ** 2) / (2.0 * v)) / np.sqrt(2.0 * np.pi * v)
    return f * (y * e1 - (S - m) * np.exp(-2.0 * u) / om - 0.5 * S)


def _volterra(S, y0, s0, s_end, n):
    """Trapezoid solution g(s_j), s_j = s0 + j (s_end - s0)/n, of
    g = -2 psi(S,s|y0) + 2 int g psi(S,s|S,r) dr, with g = 0 on [0, s0] (where the density is
    negligible by the choice of s0; s0 = 0 is exact)."""
    h = (s_end - s0) / n
    u = h * np.arange(1, n + 1)
    k = _psi(S, u, S)[::-1].copy()  # reversed kernel: k_rev[n-1-m] = psi(S, (m+1) h | S)
    f0 = -2.0 * _psi(S, s0 + u, y0)
    g = np.zeros(n + 1)
    for j in range(1, n + 1):
        # sum_{i=1}^{j-1} g_i psi((j-i) h): kernel lags j-1 ... 1
        acc = g[1:j] @ k[n - j + 1:] if j > 1 else 0.0
        g[j] = f0[j - 1] + 2.0 * h * acc
    return g


#: The grid starts at ``mean - _FPT_LEFT_SD`` SDs and ends at ``mean + _FPT_RIGHT_SD`` SDs of the FPT
#: (or at ``_FPT_S_TAIL``): the density outside is below ~exp(-200) of its peak
_FPT_LEFT_SD = 30.0
_FPT_RIGHT_SD = 40.0
#: Below this fraction of its peak the density at the window end is at the solver's resolution
#: (~1e-9 of the peak): where its log-slope cannot be used the density beyond is reported as 0
_FPT_END_REL = 1e-6
#: Largest accepted deviation of the solution's total mass (grid plus tail) from 1
_FPT_MASS_TOL = 1e-4


def _deterministic_fpt(S, y0, mean):
    """The error for vanishing noise, where the FPT is deterministic to within rounding."""
    return ConvergenceError(
        f"fpt_density: at (v_th - mu)/sigma = {S:.3g}, (v_start - mu)/sigma = {y0:.3g} the noise is vanishing "
        f"against the distances and the FPT is deterministic to within rounding (mean {mean:.3g} tau_m): the "
        "density is a spike the Volterra solver cannot resolve; increase sigma or use mean_fpt")


@functools.lru_cache(maxsize=64)
def _fpt_solution(S, y0):
    """The Volterra solution for one parameter set, on a grid chosen from the parameters alone
    (so the value at one ``t`` never depends on the other ``t`` of a call): a quintic spline on
    ``[s0, s_end]`` and the slowest mode ``(s_end, g_end, lam)`` beyond."""
    from scipy.interpolate import make_interp_spline

    s_, A = _siegert_parts_scalar(S, y0, S - y0)
    mean = math.exp(s_) * A if s_ < 700.0 else math.inf  # mean FPT in units of tau_m
    with warnings.catch_warnings():  # a rough SD suffices to size the grid
        warnings.simplefilter("ignore", _integrate.IntegrationWarning)
        sd = _cv_scalar(S, y0, A, s_, 0.0, epsrel=1e-4, accept=1e-2) * mean
    s0 = max(0.0, mean - _FPT_LEFT_SD * sd)
    s_end = min(_FPT_S_TAIL, mean + _FPT_RIGHT_SD * sd)
    if not s_end > s0:  # mean far beyond the tail start: the density there is a single mode
        s0 = 0.0
        s_end = _FPT_S_TAIL
    # resolve the relaxation (time scale tau_m) and the first arrivals, which come after the
    # diffusive time (S - y0)^2 of the start distance
    dist = abs(S - y0)   # the start distance in noise units; its square overflows at vanishing noise
    scale = min(mean, sd, 1.0, max(dist * dist if dist < 1e150 else math.inf, 1e-300))
    if not scale > 0.0:   # the FPT's SD is 0 to rounding
        raise _deterministic_fpt(S, y0, mean)
    need = math.ceil(_FPT_STEPS_PER_SCALE * (s_end - s0) / scale)
    if need > _FPT_N_MAX:
        raise ConvergenceError(
            f"fpt_density: the Volterra grid needs {need} steps (cap {_FPT_N_MAX}) to resolve an FPT "
            f"of mean {mean:.3g} tau_m and SD {sd:.3g} tau_m; increase sigma or use mean_fpt")
    n = int(max(need, _FPT_N))
    if (s_end - s0) / (4 * n) <= 4.0 * math.ulp(s_end):
        # the window is narrower than the grid's rounding (an FPT far longer than its spread)
        raise _deterministic_fpt(S, y0, mean)
    g1 = _volterra(S, y0, s0, s_end, n)
    g2 = _volterra(S, y0, s0, s_end, 2 * n)[::2]
    g4 = _volterra(S, y0, s0, s_end, 4 * n)[::4]
    a = 2.0**1.5  # leading error h^{3/2} (kernel ~ sqrt(t - r) at the diagonal), then h^2
    r1 = (a * g2 - g1) / (a - 1.0)
    r2 = (a * g4 - g2) / (a - 1.0)
    g = (4.0 * r2 - r1) / 3.0
    if not np.all(np.isfinite(g)):
        # the kernel overflows where the start and the threshold are ~1e13 noise SDs apart
        raise _deterministic_fpt(S, y0, mean)
    grid = np.linspace(s0, s_end, n + 1)
    spl = make_interp_spline(grid, g, k=5)
    g_end = max(float(spl(s_end)), 0.0)
    step = min(1.0, 0.25 * (s_end - s0))
    g_before = float(spl(s_end - step))
    lam = math.log(g_before / g_end) / step if g_end > 0 and g_before > 0 else math.inf
    anti = spl.antiderivative()
    inner_mass = float(anti(s_end) - anti(s0))
    if s_end == _FPT_S_TAIL and lam < 1e-2:  # slow escape: the log-slope is imprecise; use the mean
        surv = 1.0 - inner_mass  # survival at s_end
        anti2 = spl.antiderivative(2)
        # int_0^s_end survival: 1 on [0, s0], then 1 - (anti(s) - anti(s0))
        surv_int = s0 + (s_end - s0) * (1.0 + float(anti(s0))) - float(anti2(s_end) - anti2(s0))
        lam = surv / (mean - surv_int)
    if not lam > 0.0:
        # the window ends 40 SDs after the mean, where the density is below rounding of the
        # spline: its log-slope is noise, and the density beyond is smaller still
        peak = float(np.max(np.abs(g)))
        if g_end > _FPT_END_REL * peak:
            raise ConvergenceError(
                f"fpt_density: the density at the end of the window ({g_end:.3g}, peak {peak:.3g}) does "
                f"not decay at y_th={S!r}, y_start={y0!r}")
        lam = math.inf
    tail_mass = g_end / lam if g_end > 0 else 0.0
    mass = inner_mass + tail_mass
    if math.isfinite(mean) and not abs(mass - 1.0) <= _FPT_MASS_TOL:
        raise ConvergenceError(
            f"fpt_density: the Volterra solution has total mass {mass:.9g} (tolerance {_FPT_MASS_TOL:g}) "
            f"at y_th={S!r}, y_start={y0!r} with {4 * n} steps on [{s0:.4g}, {s_end:.4g}] tau_m")
    return spl, s0, s_end, g_end, lam


def _fpt_dimless(S, y0, s_query):
    """Dimensionless FPT density at s_query (1-d): Richardson-extrapolated Volterra solution on a
    window ``[s0, s_end]`` chosen from the parameters, a quintic spline between grid points, and
    beyond ``s_end`` the slowest mode ``g(s_end) exp(-lambda_1 (s - s_end))``."""
    spl, s0, s_end, g_end, lam = _fpt_solution(float(S), float(y0))
    s_query = np.asarray(s_query, float)
    out = np.zeros_like(s_query)
    inner = (s_query >= s0) & (s_query <= s_end)
    out[inner] = spl(s_query[inner])
    tail = s_query > s_end
    with np.errstate(under="ignore", invalid="ignore"):
        out[tail] = g_end * np.exp(-lam * (s_query[tail] - s_end)) if g_end > 0 else 0.0
    return np.maximum(out, 0.0)


def fpt_density(t, mu, sigma, *, tau_m, v_th, v_start):
    r"""First-passage-time density of the OU membrane from ``v_start`` to ``v_th``, in 1/s.

    Brunel convention (free V has mean ``mu`` and SD ``sigma/sqrt(2)``); no reset. Its
    mean is :func:`mean_fpt`; it integrates to 1 (the OU process hits any level surely).

    Parameters
    ----------
    t : array_like
        Time(s) in s, >= 0.
    mu, sigma : array_like
        Mean input and noise amplitude in V.
    tau_m : array_like
        Membrane time constant in s.
    v_th, v_start : array_like
        Threshold and start potential in V, ``v_start <= v_th``.

    Returns
    -------
    ndarray or numpy scalar
        Density in 1/s, broadcast shape. ``v_start = v_th``: the FPT is 0 (``inf`` at
        ``t = 0``, 0 elsewhere). ``sigma = 0``: the FPT is the deterministic travel time, a
        point mass, so the density is 0 for every ``t`` (use :func:`mean_fpt`).

    Raises
    ------
    ParameterError
        Invalid parameter or ``v_start > v_th``.
    ConvergenceError
        If resolving the density would take more than 4000 base steps (a start close to the
        threshold against the noise, ``((v_th - v_start)/sigma)^2`` below ~1/100 of the mean
        FPT in units of ``tau_m``), the solution's mass misses 1 by more than 1e-4, or its kernel
        overflows (vanishing noise: start and threshold ~1e13 noise SDs apart).

    Notes
    -----
    The Laplace transform of the density is ``exp((y_0^2 - y_th^2)/2) D_{-p tau}(-sqrt(2) y_0)
    / D_{-p tau}(-sqrt(2) y_th)`` (Siegert 1951; Darling & Siegert 1953). Here it is computed in
    the time domain from the second-kind Volterra equation of Buonocore, Nobile & Ricciardi (1987),
    in dimensionless
    time ``s = t/tau_m`` and ``y = (V - mu)/sigma`` (``dy = -y ds + dW``):

    .. math::

        g(s) = -2\Psi(S, s\,|\,y_0) + 2\int_0^s g(r)\,\Psi(S, s\,|\,S, r)\,dr,\quad
        \Psi = f(S, s|y, r)\Big[y e^{-u} - \frac{(S - y e^{-u}) e^{-2u}}{1 - e^{-2u}} - \frac S2\Big],

    ``u = s - r``, ``f`` the Gaussian OU transition density. The kernel vanishes like
    ``sqrt(u)`` on the diagonal, so the trapezoid rule converges as ``h^{3/2}``; three grids
    (N, 2N, 4N steps) and two Richardson steps (``h^{3/2}``, ``h^2``) give relative errors
    ~1e-9 at the grid points, and a quintic spline interpolates to the requested ``t``. The
    grid is chosen from the parameters alone, never from the requested ``t`` (so the value at
    one ``t`` does not depend on the others): it covers the window from 30 SDs before the mean
    FPT (or 0) to the smaller of 40 SDs after it and ``40 tau_m``, with a base step of 1/50 of
    the smallest of the mean FPT, its SD, ``tau_m`` and the diffusive time of the start distance
    ``tau_m ((v_th - v_start)/sigma)^2`` (500 <= N <= 4000). Before the window the density is
    below ``exp(-200)`` of its peak and is returned as 0. Beyond ``40 tau_m`` only the slowest
    mode survives (the next decays faster by about ``exp(-40)``), so the density continues as
    ``g(40 tau_m) exp(-lambda_1 (t - 40 tau_m))``, with ``lambda_1`` from the log-slope of the
    solution, or, for slow escape (``lambda_1 < 0.01/tau_m``), from the mean FPT and the
    survival at ``40 tau_m``; beyond a window that ends 40 SDs after the mean, where the
    density is below 1e-6 of its peak and its slope below the solver's resolution, it is
    returned as 0. The total mass (grid plus tail) must be 1 within 1e-4, else
    ConvergenceError. Laplace transform equal to the parabolic-cylinder ratio (mpmath) to
    < 3e-8, and ``tau_m -> inf`` gives ``scipy.stats.invgauss`` (1e-4, the O(t/tau_m)
    correction). Cost 0.05--1 s per parameter set (the solution of the last 64 parameter sets
    is cached).

    References
    ----------
    Buonocore, Nobile & Ricciardi (1987), Adv. Appl. Prob. 19:784, Eq. 2.7 and Sec. 4,
    doi:10.2307/1427102. Siegert (1951), Phys. Rev. 81:617 (Laplace transform).

    Examples
    --------
    >>> ts = np.linspace(0.0, 0.3, 3001)
    >>> g = fpt_density(ts, 0.8, 0.5, tau_m=0.01, v_th=1.0, v_start=0.0)
    >>> bool(abs(np.trapezoid(g, ts) - 1.0) < 1e-6)
    True
    """
    t, mu, sigma, tau_m, v_th, v_start = _check_all(
        [("t", t), ("mu", mu), ("sigma", sigma), ("tau_m", tau_m), ("v_th", v_th), ("v_start", v_start)]
    )
    check_below("v_start", v_start, "v_th", v_th, strict=False)
    arrs = np.broadcast_arrays(t, mu, sigma, tau_m, v_th, v_start)
    shape = arrs[0].shape
    t, mu, sigma, tau_m, v_th, v_start = (a.ravel() for a in arrs)
    out = np.zeros(t.shape)
    at_th = v_start == v_th
    out[at_th & (t == 0)] = np.inf
    todo = ~at_th & (sigma > 0) & (t > 0) & np.isfinite(t)
    if todo.any():
        keys = np.stack([mu, sigma, tau_m, v_th, v_start], axis=1)[todo]
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        idx_todo = np.flatnonzero(todo)
        for k, (m, sg, tm, th, v0) in enumerate(uniq):
            sel = idx_todo[inv.ravel() == k]
            S = (th - m) / sg
            y0 = (v0 - m) / sg
            out[sel] = _fpt_dimless(S, y0, t[sel] / tm) / tm
    return scalar_or_array(out.reshape(shape))

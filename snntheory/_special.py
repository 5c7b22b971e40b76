r"""Stable dimensionless kernels: erfcx/Dawson integrals, log-space helpers, quadrature rules.

Everything here is dimensionless and private. The central object is

.. math:: G(a, b) = \int_a^b \operatorname{erfcx}(s)\, ds, \qquad 0 \le a \le b,

the bounded integral behind the Siegert formula (``erfcx(s) = exp(s^2) erfc(s)`` decays like
``1/(sqrt(pi) s)``). It is evaluated per element, with an accuracy that depends only on that
element's own ``(a, b)``:

* ``b <= X0 = 7``: difference of the antiderivative ``F(x) = G(0, x)``, held as piecewise
  Chebyshev interpolants (14 panels of width 0.5, degree 14) built *at import* from
  30-point Gauss--Legendre integrals of :func:`scipy.special.erfcx` (no stored coefficients).
  When the interval is short, ``b - a < 0.025 (1 + b)``, the difference would cancel (at the
  switch the cancellation factor ``F(b)/G(a, b)`` is 1.2 at ``b = 0.03``, 17 at ``b = 0.5``,
  102 at ``b = 7``, growing without bound as ``b - a -> 0``), so an 8-point Gauss--Legendre
  rule on ``[a, b]`` itself is used instead (interval length <= 0.2, error < 1e-16 relative).
* ``a >= X0``: the integrated asymptotic series
  ``G = [ln(b/a) + sum_k e_k (a^{-2k} - b^{-2k})] / sqrt(pi)``, with
  ``e_k = (-1)^k (2k-1)!! / (2^k 2k)``, 17 terms (truncation error ~3.2e-16 relative at
  ``s = 7``: the first omitted term of the erfcx series is ``35!!/98^18 = 3.19e-16``);
  ``ln(b/a)`` via ``log1p`` and the differences ``a^{-2k} - b^{-2k}`` by a cancellation-free
  recurrence, so arbitrarily short or long intervals (``b`` up to 1e300)
  stay accurate.
* ``a < X0 < b``: the sum of the two pieces (both positive, no cancellation).

Achieved accuracy: relative error < 1e-13 against mpmath at 50 digits for ``G`` over
``0 <= a <= b <= 1e6`` (``tests/test_diffusion.py::test_erfcx_integral_matches_mpmath`` draws
``a`` = 0 or 1e-3 .. 1e6 and ``b - a`` = 1e-9 .. 1e6 log-uniformly; measured maximum 7.9e-15
over 300 such pairs, vectorised and scalar); the Siegert rate built on it < 1e-12.

Scalar twins (``*_scalar``) of the vectorised kernels use ``math`` and give the same values to
a few ulp; they keep a single scalar call cheap (a few microseconds).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
from numpy.polynomial import legendre as _legendre
from scipy import linalg
from scipy import special as _sp

__all__ = [
    "SQRT_PI",
    "ZETA_HALF_ABS",
    "gauss_legendre",
    "erfcx_integral",
    "erfcx_integral_scalar",
    "log_erfcx",
    "log1p_erf",
    "one_blas_thread",
    "gth_stationary",
    "ladder_overshoot_mean",
]

SQRT_PI = math.sqrt(math.pi)

#: |zeta(1/2)| = 1.4603545088095868..., computed at import with mpmath (used by the
#: colored-noise and discrete-monitoring threshold shifts).
def _zeta_half_abs() -> float:
    import mpmath

    return float(abs(mpmath.zeta(0.5)))


ZETA_HALF_ABS = _zeta_half_abs()

_GL_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def gauss_legendre(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cached ``n``-point Gauss--Legendre nodes and weights on [-1, 1]."""
    rule = _GL_CACHE.get(n)
    if rule is None:
        rule = _legendre.leggauss(n)
        _GL_CACHE[n] = rule
    return rule


_HERMITE_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def normal_nodes(mean: float, sd: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights (summing to 1) of ``order``-point Gauss--Hermite quadrature for
    :math:`E[f(X)]`, :math:`X \sim N(\text{mean}, \text{sd}^2)`: ``(mean + sd * x_k, w_k)``.

    The one rule behind every average over the neurons' quenched mean drives (the depth
    model of :mod:`snntheory.network`, :func:`snntheory.discrete.quenched_layer`,
    :func:`snntheory.wiener.layer_rates`); exact for polynomials of degree ``2 order - 1``.
    ``sd = 0`` gives ``order`` equal nodes (pass ``order=1`` for a single one).
    """
    rule = _HERMITE_CACHE.get(order)
    if rule is None:
        x, w = _sp.roots_hermitenorm(int(order))
        rule = (x, w / w.sum())
        _HERMITE_CACHE[order] = rule
    x, w = rule
    return mean + sd * x, w.copy()


# ----------------------------------------------------------------------------------------
# G(a, b) = int_a^b erfcx(s) ds
# ----------------------------------------------------------------------------------------
X0 = 7.0  #: switch point between the Chebyshev antiderivative and the asymptotic series
_PANEL = 0.5
_NPANEL = int(X0 / _PANEL)
_DEG = 14
_N_ASYM = 17
_SHORT = 0.025  # b - a < _SHORT * (1 + b): short interval, integrate directly
_N_SHORT = 8


def _gl_erfcx(a, b, n, d=None):
    """n-point Gauss--Legendre integral of erfcx over [a, b] (arrays of equal shape)."""
    x, w = gauss_legendre(n)
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    h = 0.5 * (b - a if d is None else d)
    m = a + h
    return h * (_sp.erfcx(m[..., None] + h[..., None] * x) @ w)


def _build_antiderivative():
    """Piecewise Chebyshev interpolants of F(x) - F(panel left end) on [0, X0]."""
    k = np.arange(_DEG + 1)
    t = np.cos(np.pi * (k + 0.5) / (_DEG + 1))  # Chebyshev points of the first kind
    left = np.arange(_NPANEL) * _PANEL
    panel_int = _gl_erfcx(left, left + _PANEL, 30)
    f_left = np.concatenate([[0.0], np.cumsum(panel_int)])
    coef = np.empty((_NPANEL, _DEG + 1))
    for i, lo in enumerate(left):
        xs = lo + 0.5 * _PANEL * (t + 1.0)
        vals = _gl_erfcx(np.full_like(xs, lo), xs, 30)
        coef[i] = np.polynomial.chebyshev.chebfit(t, vals, _DEG)
    return left, f_left, coef


_LEFT, _F_LEFT, _COEF = _build_antiderivative()
_COEF_T = np.ascontiguousarray(_COEF.T)  # (deg+1, npanel) for column gathers
_COEF_LIST = [[float(v) for v in c] for c in _COEF]
_LEFT_LIST = [float(v) for v in _LEFT]
_F_LEFT_LIST = [float(v) for v in _F_LEFT]
_E_K = [(-1) ** k * float(_sp.factorial2(2 * k - 1, exact=True)) / (2**k * 2 * k) for k in range(1, _N_ASYM + 1)]


def _antideriv(x):
    """F(x) = int_0^x erfcx for 0 <= x <= X0 (vectorised Clenshaw with per-panel coefficients)."""
    idx = np.minimum((x * (1.0 / _PANEL)).astype(np.intp), _NPANEL - 1)
    t = (x - _LEFT[idx]) * (2.0 / _PANEL) - 1.0
    t2 = 2.0 * t
    b1 = _COEF_T[_DEG][idx]
    b2 = np.zeros_like(x)
    tmp = np.empty_like(x)
    for k in range(_DEG - 1, 0, -1):
        # (b1, b2) <- (c_k + t2*b1 - b2, b1)
        np.multiply(t2, b1, out=tmp)
        np.subtract(tmp, b2, out=tmp)
        tmp += _COEF_T[k][idx]
        b1, b2, tmp = tmp, b1, b2
    return _F_LEFT[idx] + _COEF_T[0][idx] + t * b1 - b2


def _g_low(a, b, d):
    """G(a, b) for 0 <= a <= b <= X0 (d = b - a, possibly more accurate than b - a)."""
    out = np.empty_like(a)
    short = d < _SHORT * (1.0 + b)
    if short.any():
        out[short] = _gl_erfcx(a[short], b[short], _N_SHORT, d[short])
    long_ = ~short
    if long_.any():
        k = int(long_.sum())
        f = _antideriv(np.concatenate([b[long_], a[long_]]))  # one Clenshaw pass for both ends
        out[long_] = f[:k] - f[k:]
    return out


def _g_high(a, b, d):
    """G(a, b) for X0 <= a <= b (integrated asymptotic series, cancellation free)."""
    ia = 1.0 / a
    ib = 1.0 / b
    p = ia * ia  # 1/a^2 from 1/a: a, b up to the largest double neither overflows nor gives inf*0
    q = ib * ib
    d1 = (d * ia) * ib * (ia + ib)  # p - q = (b - a)(b + a)/(a b)^2 without cancellation
    s = d1.copy()  # S_k = p^k - q^k
    qk = d1.copy()  # q^(k-1) * d1
    acc = _E_K[0] * s
    tmp = np.empty_like(s)
    for k in range(1, _N_ASYM):
        np.multiply(qk, q, out=qk)
        np.multiply(p, s, out=s)
        np.add(s, qk, out=s)
        np.multiply(s, _E_K[k], out=tmp)
        np.add(acc, tmp, out=acc)
    acc += np.log1p(d / a)
    acc *= 1.0 / SQRT_PI
    return acc


def erfcx_integral(a, b, d=None):
    r"""``G(a, b) = int_a^b erfcx(s) ds`` for ``0 <= a <= b`` (arrays, broadcast), stable.

    ``d``, if given, is the interval length ``b - a`` computed by the caller more accurately
    than the difference of the rounded ends (short intervals far from 0). See the module
    docstring for the method; relative error < 1e-13 element by element.
    """
    if d is None:
        d = np.asarray(b, float) - a
    fast = all(isinstance(x, np.ndarray) and x.dtype == np.float64 for x in (a, b, d))
    if not (fast and a.ndim == 1 and a.shape == b.shape == d.shape):  # else convert to float64
        a, b, d = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(d, float))
    shape = a.shape
    a = a.ravel()
    b = b.ravel()
    d = d.ravel()
    out = np.empty(a.shape)
    lo = b <= X0
    if lo.any():
        out[lo] = _g_low(a[lo], b[lo], d[lo])
    hi = a >= X0
    if hi.any():
        out[hi] = _g_high(a[hi], b[hi], d[hi])
    mid = ~(lo | hi)
    if mid.any():
        am, bm = a[mid], b[mid]
        x0 = np.full_like(am, X0)
        out[mid] = _g_low(am, x0, x0 - am) + _g_high(x0, bm, bm - x0)
    return out.reshape(shape)


def _antideriv_scalar(x: float) -> float:
    i = min(int(x * (1.0 / _PANEL)), _NPANEL - 1)
    t = (x - _LEFT_LIST[i]) * (2.0 / _PANEL) - 1.0
    t2 = 2.0 * t
    c = _COEF_LIST[i]
    b1 = b2 = 0.0
    for k in range(_DEG, 0, -1):
        b1, b2 = c[k] + t2 * b1 - b2, b1
    return _F_LEFT_LIST[i] + c[0] + t * b1 - b2


_GL_SHORT = [(float(x), float(w)) for x, w in zip(*gauss_legendre(_N_SHORT))]


def _g_low_scalar(a: float, b: float, d: float) -> float:
    if d < _SHORT * (1.0 + b):
        h = 0.5 * d
        m = a + h
        erfcx = _sp.erfcx
        return h * sum(w * float(erfcx(m + h * x)) for x, w in _GL_SHORT)
    return _antideriv_scalar(b) - _antideriv_scalar(a)


def _g_high_scalar(a: float, b: float, d: float) -> float:
    ia = 1.0 / a
    ib = 1.0 / b
    p = ia * ia
    q = ib * ib
    d1 = (d * ia) * ib * (ia + ib)
    s = d1
    qk = 1.0
    acc = _E_K[0] * s
    for k in range(1, _N_ASYM):
        qk *= q
        s = p * s + qk * d1
        acc += _E_K[k] * s
    return (math.log1p(d / a) + acc) / SQRT_PI


def erfcx_integral_scalar(a: float, b: float, d: float | None = None) -> float:
    """Scalar twin of :func:`erfcx_integral` (Python floats in and out)."""
    if d is None:
        d = b - a
    if b <= X0:
        return _g_low_scalar(a, b, d)
    if a >= X0:
        return _g_high_scalar(a, b, d)
    return _g_low_scalar(a, X0, X0 - a) + _g_high_scalar(X0, b, b - X0)


# ----------------------------------------------------------------------------------------
# log-space helpers
# ----------------------------------------------------------------------------------------
def log_erfcx(x):
    """``ln erfcx(x)`` for all real x without overflow: for x < 0,
    ``erfcx(x) = exp(x^2) (1 + erf(-x))``."""
    x = np.asarray(x, float)
    with np.errstate(divide="ignore"):
        neg = x < 0
        out = np.where(neg, x * x + np.log1p(_sp.erf(-np.where(neg, x, 0.0))), np.log(_sp.erfcx(np.where(neg, 0.0, x))))
    return out


def log1p_erf(x):
    """``ln(1 + erf x)`` for all real x (``ln erfc(-x)``, accurate in the far left tail)."""
    x = np.asarray(x, float)
    return np.where(x >= 0, np.log1p(_sp.erf(np.where(x >= 0, x, 0.0))), _sp.log_ndtr(np.sqrt(2.0) * x) + math.log(2.0))


# ----------------------------------------------------------------------------------------
# BLAS threading for small dense solves
# ----------------------------------------------------------------------------------------
_CONTROLLER = []


@contextlib.contextmanager
def one_blas_thread():
    """Run the BLAS libraries (numpy's and scipy's OpenBLAS) single-threaded while solving
    small dense systems.

    The Nyström systems of ``discrete`` and the grid chains of ``shotnoise`` have a few hundred
    unknowns, where threading costs far more than it gains on a loaded machine. Uses
    threadpoolctl (one controller, made on first use, ~20 µs per call); the previous thread
    counts are restored on exit."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1, user_api="blas"):
        yield


_GTH_BLOCK = 128  # states eliminated per block (the rest of the matrix updated by one rank-128 product)


def gth_stationary(P) -> np.ndarray:
    """Stationary vector of the row-stochastic matrix ``P`` (``P[i, j]`` = prob i -> j) by
    Grassmann--Taksar--Heyman elimination.

    Only the off-diagonal entries are used (each row is implicitly completed to 1) and the
    elimination has no subtractions, so the result keeps high *relative* accuracy even for
    exponentially small stationary probabilities, where an LU solve of ``(P^T - I) pi = 0``
    loses them to cancellation (Grassmann, Taksar & Heyman 1985, Oper. Res. 33:1107).

    Blocked: the states are eliminated 128 at a time from the last. Within a block only the
    block itself and the row sums of its rows are updated state by state; the block's column
    panel (the rows above it) and row panel (its entries left of it) are then brought to their
    eliminated values by one triangular solve each, and the rest of the matrix by one matrix
    product. The triangular factors have non-negative entries off a positive diagonal of the
    opposite sign, so the solves add non-negative terms as the unblocked elimination does, in
    another order (still subtraction-free).
    """
    a = np.array(P, dtype=float, order="C")
    n = a.shape[0]
    tiny = np.finfo(float).tiny
    out = np.empty(n)
    k = n - 1
    while k >= 1:
        k0 = max(1, k - _GTH_BLOCK + 1)
        blk = a[k0:k + 1, k0:k + 1].copy()          # local index i <-> state k0 + i
        rs = a[k0:k + 1, :k0].sum(axis=1)          # row sums of the row panel, kept eliminated
        m = blk.shape[0]
        inflow = np.zeros((m, m))                  # unscaled inflow columns within the block
        s_blk = np.empty(m)
        for i in range(m - 1, -1, -1):
            s = max(rs[i] + blk[i, :i].sum(), tiny)
            s_blk[i] = s
            inflow[:i, i] = blk[:i, i]
            blk[:i, i] /= s
            if i:
                blk[:i, :i] += np.outer(blk[:i, i], blk[i, :i])
                rs[:i] += blk[:i, i] * rs[i]
        out[k0:k + 1] = s_blk
        # column panel C (states < k0 into the block), scaled at each state's elimination:
        # C_scaled[:, i] = (C[:, i] + sum_{j > i} C_scaled[:, j] blk[j, i]) / s_i, i.e.
        # C_scaled (D - L) = C with L the block's strict lower triangle (rows eliminated first)
        low = np.tril(blk, -1)
        c_scaled = linalg.solve_triangular((np.diag(s_blk) - low).T, a[:k0, k0:k + 1].T, lower=False,
                                           check_finite=False).T
        # row panel R (block into states < k0): R_i += sum_{j > i} blk_scaled[i, j] R_j, i.e.
        # (I - U) R_final = R with U the strict upper triangle (the scaled inflow columns)
        r_final = linalg.solve_triangular(np.eye(m) - np.triu(blk, 1), a[k0:k + 1, :k0], lower=False,
                                          unit_diagonal=True, check_finite=False)
        a[:k0, :k0] += c_scaled @ r_final
        # unscaled inflow columns for the back substitution: rows < k0 and the block's own
        a[:k0, k0:k + 1] = c_scaled * s_blk
        a[k0:k + 1, k0:k + 1] = inflow
        k = k0 - 1
    pi = np.empty(n)
    pi[0] = 1.0
    with np.errstate(under="ignore"):
        for k in range(1, n):
            inflow = pi[:k] @ a[:k, k]
            if inflow > out[k] * 1e100:
                # state k outweighs the earlier ones by > 1e100: rescale them so that nothing
                # overflows (those that underflow are below 1e-208 of the total)
                pi[:k] *= out[k] / inflow
                pi[k] = 1.0
            else:
                pi[k] = inflow / out[k]
            if pi[k] > 1e100:
                pi[: k + 1] /= pi[k]
    return pi / pi.sum()


# ----------------------------------------------------------------------------------------
# ladder overshoot of a Gaussian random walk
# ----------------------------------------------------------------------------------------
#: Siegmund's constant -zeta(1/2)/sqrt(2 pi): the driftless mean ladder overshoot in units of s
_BETA_STAR = 0.5825971579390106


def ladder_overshoot_mean(m, s):
    """Spitzer/Siegmund mean stationary overshoot of a Gaussian walk (scalar m, s > 0): the one
    kernel behind :func:`snntheory.wiener.ladder_overshoot` and the Wald branch of
    :func:`snntheory.discrete.firing_probability`."""
    if m <= 0.0:
        return _BETA_STAR * s
    if m < 0.01 * s:
        # small-drift expansion; its error is < 5e-6 s at m = 0.01 s (quadratic in m/s)
        return _BETA_STAR * s + 0.25 * m
    n = np.arange(1, int(80.0 * s * s / (m * m)) + 200, dtype=float)
    mu = n * m
    sd = s * np.sqrt(n)
    z = mu / sd
    e_neg = sd * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) - mu * _sp.ndtr(-z)
    return (s * s + m * m) / (2.0 * m) - float(np.sum(e_neg / n))

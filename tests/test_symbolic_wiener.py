"""snntheory.symbolic.wiener: each derived result satisfies its own equation and boundary
conditions, and (lambdified with mpmath at 50 digits) equals the numeric snntheory.wiener."""

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import wiener
from snntheory.symbolic import wiener as sw

#: 50-digit evaluation of the derived expression vs the double-precision numeric function
RTOL_NUMERIC = 1e-11
#: scipy-free quadrature (mpmath.quad at 30 digits) of the Laplace transform
RTOL_MPQUAD = 1e-20
#: lattice discretisation error of the exact discrete-time route (see tests/test_wiener.py)
RTOL_LATTICE = 3e-3

S = sw.symbols()


def _is_zero(expr, subs_list):
    """simplify(expr) == 0, or numerically zero at the given points (sympy's verify_numerically)."""
    if sp.simplify(expr) == 0:
        return True
    return all(abs(complex(expr.subs(sub).evalf(40))) < 1e-30 for sub in subs_list)


POINTS = [
    {S.v: sp.Rational(3, 10), S.sigma: sp.Rational(7, 10), S.p: sp.Rational(2), S.x: sp.Rational(-1, 3),
     S.a: sp.Rational(1, 2), S.L: sp.Rational(-1), S.theta: sp.Rational(1), S.d: sp.Rational(5, 4)},
    {S.v: sp.Rational(-6, 5), S.sigma: sp.Rational(3, 2), S.p: sp.Rational(1, 7), S.x: sp.Rational(1, 5),
     S.a: sp.Rational(2), S.L: sp.Rational(-1, 2), S.theta: sp.Rational(3, 2), S.d: sp.Rational(1, 3)},
]


def test_laplace_transform_solves_backward_equation():
    (eq, conds) = sw.laplace_backward_equation()
    roots, g = sw.laplace_transform_solution()
    residual = eq.lhs.subs(S.g(S.x), g).doit() - eq.rhs.subs(S.g(S.x), g)
    assert _is_zero(residual, POINTS)
    assert sp.simplify(g.subs(S.x, S.a)) == 1
    # bounded as x -> -inf: the kept root is positive
    for pt in POINTS:
        lam = sp.diff(g, S.x) / g
        assert float(sp.simplify(lam).subs(pt)) > 0
    assert len(roots) == 2


def test_levy_pair_and_inversion():
    f_levy, F = sw.levy_pair()
    assert sp.simplify(F - sp.exp(-S.k * sp.sqrt(S.p))) == 0
    g_hat, f_shifted, f = sw.fpt_density()
    pt = {S.d: sp.Rational(3, 4), S.v: sp.Rational(-2, 5), S.sigma: sp.Rational(6, 5), S.t: sp.Rational(7, 3)}
    assert _is_zero(f_shifted - f, [pt, {**pt, S.v: sp.Rational(9, 4)}])


@settings(max_examples=8)
@given(d=st.floats(0.2, 2.0), v=st.floats(-1.5, 1.5), sigma=st.floats(0.4, 2.0), p=st.floats(0.05, 5.0))
def test_density_has_the_derived_laplace_transform(d, v, sigma, p):
    # independent route: mpmath quadrature of the numeric density against the derived g_hat
    g_num = _G_HAT
    with mp.workdps(30):
        f = lambda t: mp.mpf(float(wiener.fpt_pdf(float(t), v, sigma, distance=d))) if t > 0 else mp.mpf(0)  # noqa: E731
        scale = d * d / (sigma * sigma)
        lap = mp.quad(lambda t: mp.exp(-p * t) * f(t), [0, scale / 10, scale, 10 * scale, mp.inf])
        ref = g_num(mp.mpf(d), mp.mpf(v), mp.mpf(sigma), mp.mpf(p))
    # the numeric density is double precision: the transform agrees to ~1e-12
    assert abs(lap - ref) <= 1e-10 * ref


_LOG_F = sp.lambdify((S.t, S.d, S.v, S.sigma), sp.expand_log(sp.log(sw.fpt_density()[2]), force=True),
                     modules="mpmath")
_T = sp.lambdify((S.v, S.sigma, S.L, S.x, S.theta), sw.mean_exit_time(), modules="mpmath")
_T0 = sp.lambdify((S.sigma, S.L, S.x, S.theta), sw.mean_exit_time_driftless(), modules="mpmath")
_G_HAT = sp.lambdify((S.d, S.v, S.sigma, S.p), sw.fpt_density()[0], modules="mpmath")


@given(t=st.floats(1e-3, 100.0), d=st.floats(0.05, 3.0), v=st.floats(-3.0, 3.0), sigma=st.floats(0.05, 3.0))
def test_density_matches_numeric_at_50_digits(t, d, v, sigma):
    log_f = _LOG_F
    with mp.workdps(50):
        ref = log_f(mp.mpf(t), mp.mpf(d), mp.mpf(v), mp.mpf(sigma))
    got = float(wiener.log_fpt_pdf(t, v, sigma, distance=d))
    assert abs(got - float(ref)) <= RTOL_NUMERIC * max(1.0, abs(float(ref)))


def test_hitting_probability_from_scale_function():
    gen, h = sw.hitting_probability()
    assert sp.simplify(sw.generator(gen)) == 0
    assert sp.simplify(h.subs(S.d, 0)) == 1
    # equals g_hat(p -> 0+) for negative drift
    g_hat, _, _ = sw.fpt_density()
    vneg = sp.Symbol("w", negative=True)
    assert sp.simplify(sp.limit(g_hat.subs(S.v, vneg), S.p, 0) - h.subs(S.v, vneg)) == 0
    h_num = sp.lambdify((S.d, S.v, S.sigma), h, modules="mpmath")
    for d, v, sig in ((1.0, -0.5, 1.0), (0.3, -2.0, 0.7), (2.0, -0.01, 3.0)):
        with mp.workdps(50):
            ref = h_num(mp.mpf(d), mp.mpf(v), mp.mpf(sig))
        assert math.isclose(float(wiener.hitting_probability(v, sig, distance=d)), float(ref), rel_tol=1e-14)


def test_mean_fpt_from_transform():
    assert sp.simplify(sw.mean_fpt() - S.d / S.v) == 0


def test_mean_exit_time_solves_its_equation():
    eq, conds = sw.mean_exit_equation()
    T = sw.mean_exit_time()
    assert _is_zero(sw.generator(T) + 1, POINTS)
    assert sp.simplify(T.subs(S.x, S.theta)) == 0
    assert _is_zero(sp.diff(T, S.x).subs(S.x, S.L), POINTS)
    T0 = sw.mean_exit_time_driftless()
    assert sp.simplify(T0 - ((S.theta - S.L) ** 2 - (S.x - S.L) ** 2) / S.sigma**2) == 0
    assert len(conds) == 2 and eq.rhs == -1


@given(v=st.floats(-3.0, 3.0), sigma=st.floats(0.2, 2.0), lo=st.floats(-2.0, 0.0), x0=st.floats(0.0, 0.9))
def test_mean_exit_time_matches_numeric_at_50_digits(v, sigma, lo, x0):
    # the closed form cancels like (kappa (theta - L))^2 for small drift: add those digits
    lost = 0 if v == 0.0 else max(0, int(-2 * math.log10(abs(2 * v / sigma**2) * (1 - lo))) + 5)
    with mp.workdps(50 + lost):
        if v == 0.0:
            ref = _T0(mp.mpf(sigma), mp.mpf(lo), mp.mpf(x0), mp.mpf(1))
        else:
            ref = _T(mp.mpf(v), mp.mpf(sigma), mp.mpf(lo), mp.mpf(x0), mp.mpf(1))
    got = float(wiener.mean_fpt(v, sigma, v_th=1.0, v_start=x0, v_lower=lo))
    assert math.isclose(got, float(ref), rel_tol=RTOL_NUMERIC)


@pytest.mark.parametrize("s,lo", [(0.01, 0.0), (0.03, -0.5)])
def test_discrete_shifted_barrier_rate_matches_lattice(s, lo):
    p_sym = sw.discrete_reflecting_rate()
    p = float(p_sym.subs({S.s: s, S.L: lo, S.theta: 1, S.beta_star: wiener.BETA_STAR}))
    exact = float(wiener.firing_probability(0.0, s, v_lower=lo))
    assert math.isclose(exact, p, rel_tol=RTOL_LATTICE)


def test_document_is_built_from_the_functions():
    doc = sw.document()
    assert len(doc.steps) == 7 and doc.feeds
    text = " ".join(str(e) for step in doc.steps for e in step.equations)
    assert str(sw.mean_exit_time_driftless()) in text
    assert np.isfinite(len(doc.sources))


def test_tilt_of_the_transient_walk():
    """The three identities behind wiener.mean_overshoot for m < 0 (harmonic e^{gamma x}, the
    tilted step law N(-m, s^2), the completed square of the tilted crossing density) hold; with
    a wrong gamma (-m/s^2) the first two do not (the check can fail). The numeric route is tested
    against simulation and importance sampling in tests/test_wiener.py."""
    assert sw.tilted_walk() == (0, 0, 0)
    m, y = sp.symbols("m y", real=True)
    wrong = -m / S.s**2
    assert sp.simplify(sp.exp(wrong * m + wrong**2 * S.s**2 / 2) - 1) != 0
    tilt = sp.expand(wrong * y - (y - m) ** 2 / (2 * S.s**2) + (y + m) ** 2 / (2 * S.s**2))
    assert sp.simplify(tilt) != 0

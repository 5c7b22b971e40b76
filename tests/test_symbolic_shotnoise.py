"""The sympy derivation of the shot-noise neuron: each step satisfies its own equations, and the
derived expressions, evaluated in mpmath, match the numeric functions of snntheory.shotnoise."""

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from snntheory import shotnoise as sn
from snntheory.symbolic import shotnoise as S

#: mpmath evaluation of the derived rate integral vs the double-precision F8 evaluation.
TOL_RATE = 1e-9
#: Residuals of the derived equations evaluated at 25 digits (the terms are O(1e2)).
TOL_RESIDUAL = 1e-15
#: Closed-form moments (derived) vs membrane_moments (same formula in floats, F8 rate).
TOL_MOMENTS = 1e-10

sym = S.symbols()


def test_flux_definitions_satisfy_the_ode_system():
    _, residuals = S.ode_system()
    assert residuals == [0, 0]


def test_integrating_factor_solves_the_laplace_equation():
    eq = S.laplace_equation()
    pt = S.Pt(sym["c"])
    dpt = sp.solve(eq, sp.Derivative(pt, sym["c"]))[0]
    factor, forcing = S.integrating_factor()
    lhs = sp.diff(factor * pt, sym["c"]).subs(sp.Derivative(pt, sym["c"]), dpt)
    assert sp.simplify(lhs - forcing) == 0
    # the rate integrand is -forcing/(nu tau)
    assert sp.simplify(-forcing / (sym["nu"] * sym["tau_m"]) - S.rate_integrand()) == 0


def _mp_rate(re, ae, ri, ai, tau, th, vr, tref):
    """1/nu from the derived rate equation, integrated by mpmath (tanh-sinh) at 30 digits."""
    mp.mp.dps = 30
    expr = S.rate_integrand()
    subs = {sym["R_E"]: re, sym["a"]: ae, sym["R_I"]: ri, sym["b"]: ai if ai > 0 else 1.0,
            sym["tau_m"]: tau, sym["theta"]: th, sym["V_r"]: vr}
    if ri == 0:
        subs[sym["R_I"]] = 0
    # c = (1 - s)/a, so that 1 - a c = s exactly near the end point (dc = ds/a)
    e_s = sp.simplify(expr.subs(sym["c"], (1 - sym["s"]) / sym["a"])) / sym["a"]
    f = sp.lambdify(sym["s"], e_s.subs(subs), "mpmath")
    val = mp.quad(f, mp.linspace(0, 1, 9))
    return 1 / (mp.mpf(tref) + tau * val)


@settings(max_examples=8, phases=[Phase.explicit, Phase.generate])
@given(re=st.floats(50.0, 3000.0), ae=st.floats(0.05, 0.5), ri=st.floats(0.0, 2000.0), ai=st.floats(0.02, 0.3),
       vr=st.floats(-0.5, 0.8), tref=st.floats(0.0, 0.004))
def test_derived_rate_matches_numeric(re, ae, ri, ai, vr, tref):
    ref = float(_mp_rate(re, ae, ri, ai, 0.02, 1.0, vr, tref))
    num = sn.firing_rate(re, ae, ri, ai, tau_m=0.02, v_th=1.0, v_reset=vr, tau_ref=tref)
    assert num == pytest.approx(ref, rel=TOL_RATE)


def test_rate_is_invariant_under_shifting_the_leak():
    # derivation works with e_l = 0; the numeric function shifts theta and V_r by e_l
    a = sn.firing_rate(800.0, 0.1, 300.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.3)
    b = float(_mp_rate(800.0, 0.1, 300.0, 0.1, 0.02, 1.3, 0.5, 0.0))
    assert a == pytest.approx(b, rel=TOL_RATE)


def test_excitatory_only_density_satisfies_the_flux_equations():
    dens, je = S.exc_only_density()
    v = sym["v"]
    residual = sp.diff(je, v) - (sym["R_E"] * dens - je / sym["a"])
    vals = {sym["R_E"]: 500, sym["a"]: sp.Rational(1, 10), sym["tau_m"]: sp.Rational(1, 50),
            sym["theta"]: 1, sym["nu"]: sp.Rational(47, 2)}
    for x in (sp.Rational(1, 10), sp.Rational(7, 10)):
        r = residual.subs(vals).subs(v, x)
        assert abs(sp.N(r, 25)) < TOL_RESIDUAL
    # P(theta) = 0
    assert dens.subs(v, sym["theta"]).doit() == 0


def test_excitatory_only_normalisation_and_rate_forms_agree():
    mp.mp.dps = 30
    R, a, tau, th = 500, mp.mpf("0.1"), mp.mpf("0.02"), 1
    f = sp.lambdify(sym["s"], S.exc_only_rate_integrand().subs(
        {sym["R_E"]: R, sym["a"]: sp.Rational(1, 10), sym["tau_m"]: sp.Rational(1, 50), sym["theta"]: 1}), "mpmath")
    rate = 1 / (mp.mpf(1) / R + tau * mp.quad(f, [0, 1]))
    assert float(rate) == pytest.approx(float(_mp_rate(R, 0.1, 0, 0, 0.02, 1.0, 0.0, 0.0)), rel=1e-20 ** 0.5)
    # the density integrates to 1 - (point mass nu/R)
    rho = R * tau
    dens = lambda v: rate * tau / (a * v) * mp.quad(lambda u: (v / u) ** rho * mp.exp((u - v) / a), [v, th])
    total = mp.quad(dens, [0, mp.mpf("0.5"), 1]) + rate / R
    assert abs(total - 1) < 1e-15
    # and the numeric density agrees in the bulk (grid accuracy, see test_shotnoise)
    p = sn.stationary_density(0.5, R, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0)
    assert p == pytest.approx(float(dens(mp.mpf("0.5"))), rel=5e-3)


@settings(max_examples=10, phases=[Phase.explicit, Phase.generate])
@given(re=st.floats(100.0, 3000.0), ae=st.floats(0.02, 0.4), ri=st.floats(0.0, 2000.0), ai=st.floats(0.02, 0.3),
       vr=st.floats(-0.5, 0.8), el=st.floats(-0.5, 0.5), tref=st.floats(0.0, 0.004))
def test_moment_balance_matches_membrane_moments(re, ae, ri, ai, vr, el, tref):
    m1, m2 = S.moment_balance()
    rate = sn.firing_rate(re, ae, ri, ai, tau_m=0.02, v_th=1.0, v_reset=vr, e_l=el, tau_ref=tref)
    vals = {sym["R_E"]: re, sym["a"]: ae, sym["R_I"]: ri, sym["b"]: ai, sym["tau_m"]: 0.02,
            sym["theta"]: 1.0 - el, sym["V_r"]: vr - el, sym["nu"]: float(rate), sym["tau_ref"]: tref}
    M1, M2 = float(m1.subs(vals)), float(m2.subs(vals))
    # back to absolute potentials, refractory neurons at v_reset
    mean = M1 + el * (1 - rate * tref) + rate * tref * vr
    second = M2 + 2 * el * M1 + el * el * (1 - rate * tref) + rate * tref * vr * vr
    mom = sn.membrane_moments(re, ae, ri, ai, tau_m=0.02, v_th=1.0, v_reset=vr, e_l=el, tau_ref=tref)
    assert mom.mean == pytest.approx(mean, rel=TOL_MOMENTS, abs=1e-12)
    assert mom.var == pytest.approx(second - mean * mean, rel=1e-8, abs=1e-12)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("tau_s", [0.002, 0.01, 0.03])
def test_campbell_kernel_integrals_match_free_cumulants(order, tau_s):
    expr = S.kernel_power_integral("exp", order).subs({sym["tau_m"]: 0.02, sym["tau_s"]: tau_s})
    num = sn._kernel_power_integral(order, 0.02, tau_s, 0.0)
    assert num == pytest.approx(float(expr), rel=1e-12)
    delta = S.kernel_power_integral("delta").subs({sym["tau_m"]: 0.02, sym["n"]: order})
    assert sn._kernel_power_integral(order, 0.02, 0.0, 0.0) == pytest.approx(float(delta), rel=1e-14)
    geo = S.kernel_power_integral("delta_discrete").subs({sym["beta"]: math.exp(-1e-3 / 0.02), sym["n"]: order})
    assert sn._kernel_power_integral(order, 0.02, 0.0, 1e-3) == pytest.approx(1e-3 * float(geo), rel=1e-12)


def test_campbell_cumulants_match_free_cumulants():
    kappa = S.campbell_cumulant()
    c = sn.free_cumulants(500.0, 0.1, tau_m=0.02, order=5)
    for n in range(2, 6):
        val = float(kappa.subs({sym["R_E"]: 500, sym["a"]: 0.1, sym["tau_m"]: 0.02, sym["n"]: n}))
        assert c.cumulants[n - 1] == pytest.approx(val, rel=1e-12)


def test_document_builds_from_the_same_expressions():
    doc = S.document()
    assert len(doc.steps) == 10 and doc.sources
    assert any(eq == S.rate_equation() for eq in doc.steps[3].equations)
    assert np.isfinite(float(S.rate_integrand().subs({sym["c"]: 1, sym["a"]: 0.1, sym["R_E"]: 100, sym["R_I"]: 0,
                                                     sym["b"]: 1, sym["tau_m"]: 0.02, sym["theta"]: 1,
                                                     sym["V_r"]: 0})))


# --- derived from the generator: Laplace-domain equation, first passage --------------------------

#: mpmath (30-50 digits) evaluation of the derived first-passage expressions vs the double-precision
#: numerics: ln T within 1e-9 (as the rate), the variance within 1e-8 (quadrature at epsrel 1e-11,
#: cancellation ~1/CV^2), the chain's transform within 5e-4 (grid, Richardson-extrapolated; measured
#: 1.1e-4 at p = 300/s, the grid error grows with p).
TOL_FPT = 1e-9
TOL_FPT_VAR = 1e-8
TOL_TRANSFORM = 5e-4


def _num(expr, **vals):
    return expr.subs({sym[k]: v for k, v in vals.items()})


def test_generator_symbol_is_the_generator_on_exponentials():
    """Lambda(c, v) e^{cv} equals the generator with its jump integrals done by mpmath quadrature."""
    mp.mp.dps = 30
    vals = dict(R_E=700, R_I=300, a=sp.Rational(1, 10), b=sp.Rational(1, 20), tau_m=sp.Rational(1, 50))
    cc, vv = mp.mpf(3), mp.mpf("0.4")
    lam = float(_num(S.generator_symbol(), **vals).subs({sym["c"]: 3, sym["v"]: sp.Rational(2, 5)}))
    f = lambda u: mp.exp(cc * u)
    exc = mp.quad(lambda x: (f(vv + x) - f(vv)) * mp.exp(-x * 10) * 10, [0, mp.inf])
    inh = mp.quad(lambda x: (f(vv - x) - f(vv)) * mp.exp(-x * 20) * 20, [0, mp.inf])
    direct = -vv * 50 * cc * f(vv) + 700 * exc + 300 * inh
    assert abs(direct / f(vv) - lam) < 1e-12 * abs(lam)


def test_derived_laplace_equation_is_the_flux_form():
    """The weak-form derivation reproduces the flux form of the Laplace-domain equation
    (Richardson & Swarbrick 2010), written here from the flux balance of step 1."""
    c, a, b, R_E, R_I, tau, nu = (sym[k] for k in ("c", "a", "b", "R_E", "R_I", "tau_m", "nu"))
    th, vr = sym["theta"], sym["V_r"]
    P_ = S.Pt(c)
    flux = a * (R_E * P_ - nu * sp.exp(c * th)) / (1 - a * c) - b * R_I * P_ / (1 + b * c) \
        - nu * (sp.exp(c * th) - sp.exp(c * vr)) / c
    assert sp.simplify(S.laplace_equation().rhs - flux) == 0


def test_transform_kernel_solves_its_equation_and_the_boundary_term_vanishes():
    ode, phi, boundary = S.transform_kernel()
    fn = ode.lhs.atoms(sp.Function)
    (phi_f,) = [f for f in fn if f.func.__name__ == "phi"]
    res = ode.lhs.subs(phi_f, phi).doit()
    assert sp.simplify(res / phi) == 0
    vals = {sym["R_E"]: 30, sym["R_I"]: 5, sym["a"]: sp.Rational(1, 10), sym["b"]: sp.Rational(1, 20),
            sym["tau_m"]: sp.Rational(1, 50), sym["v"]: sp.Rational(1, 2), sym["p"]: 10}
    bt = boundary.subs(vals)
    assert sp.limit(bt, sym["c"], 0, "+") == 0
    assert sp.limit(bt, sym["c"], 10, "-") == 0


def test_backward_hierarchy():
    _, hierarchy = S.backward_equations()
    assert [str(h.rhs) for h in hierarchy] == ["-1", "-2*T_1(v)", "-3*T_2(v)"]


def test_mean_fpt_solution_is_the_rate_integrand_at_the_start():
    m = S.mean_fpt_solution()
    ri = S.rate_integrand().subs(sym["V_r"], sym["v"])
    vals = {sym["R_E"]: 30, sym["R_I"]: 5, sym["a"]: sp.Rational(1, 10), sym["b"]: sp.Rational(1, 20),
            sym["tau_m"]: sp.Rational(1, 50), sym["v"]: sp.Rational(1, 3), sym["theta"]: 1}
    for cv in (sp.Rational(1, 7), sp.Rational(9, 2)):
        assert abs(sp.N((m - ri).subs(vals).subs(sym["c"], cv), 30)) < 1e-25


def _exc_only_T(R, a, tau, th):
    expr = S.exc_only_mean_fpt().subs({sym["R_E"]: R, sym["a"]: a, sym["tau_m"]: tau, sym["theta"]: th})
    return sp.lambdify(sym["v"], expr, "mpmath")


def test_exc_only_mean_fpt_satisfies_the_backward_equation():
    """-(v/tau) T' + R (E[T(v + A)] - T(v)) = -1 below threshold, T = 0 above (mpmath, 30 digits)."""
    mp.mp.dps = 30
    R, a, tau, th = 500, mp.mpf("0.1"), mp.mpf("0.02"), mp.mpf(1)
    T = _exc_only_T(R, sp.Rational(1, 10), sp.Rational(1, 50), 1)
    for v0 in (mp.mpf("0.3"), mp.mpf("-0.2"), mp.mpf("0.95")):
        jump = mp.quad(lambda x: T(v0 + x) * mp.exp(-x / a) / a, [0, th - v0])   # T = 0 beyond theta
        lhs = -v0 / tau * mp.diff(T, v0) + R * (jump - T(v0))
        assert abs(lhs + 1) < 1e-20


@settings(max_examples=6, phases=[Phase.explicit, Phase.generate])
@given(re=st.floats(50.0, 3000.0), ae=st.floats(0.05, 0.5), v0=st.floats(-0.5, 0.95))
def test_exc_only_mean_fpt_matches_numeric(re, ae, v0):
    mp.mp.dps = 50
    T = _exc_only_T(re, ae, 0.02, 1)
    ref = T(mp.mpf(v0))
    num = sn.log_mean_fpt(re, ae, tau_m=0.02, v_th=1.0, v_start=v0)
    assert abs(num - float(mp.log(ref))) < TOL_FPT


def _mp_cumulants(re, ae, ri, ai, tau, th, v0, dps=30):
    """kappa_1, kappa_2 of the derived transform, integrals by mpmath tanh-sinh."""
    mp.mp.dps = dps
    k1, k2, integrals = S.fpt_cumulants()
    vals = {sym["R_E"]: re, sym["a"]: ae, sym["R_I"]: ri, sym["b"]: ai, sym["tau_m"]: tau,
            sym["theta"]: th, sym["v"]: v0}
    num = {}
    for key, integral in integrals.items():
        f = sp.lambdify(sym["x"], integral.function.subs(vals), "mpmath")
        num[key] = mp.quad(f, [0, mp.mpf(1) / 2, 1])
    return (sp.lambdify(list(num), k1.subs({sym["tau_m"]: tau}), "mpmath")(*num.values()),
            sp.lambdify(list(num), k2.subs({sym["tau_m"]: tau}), "mpmath")(*num.values()))


@settings(max_examples=5, phases=[Phase.explicit, Phase.generate])
@given(re=st.floats(100.0, 3000.0), ae=st.floats(0.05, 0.4), ri=st.floats(0.0, 1500.0), ai=st.floats(0.02, 0.3),
       vr=st.floats(-0.4, 0.8))
def test_derived_fpt_cumulants_match_isi_moments(re, ae, ri, ai, vr):
    k1, k2 = _mp_cumulants(re, ae, ri, ai, 0.02, 1.0, vr)
    m = sn.isi_moments(re, ae, ri, ai, tau_m=0.02, v_th=1.0, v_reset=vr)
    assert m.mean == pytest.approx(float(k1), rel=TOL_FPT)
    assert m.variance == pytest.approx(float(k2), rel=TOL_FPT_VAR)


@pytest.mark.parametrize("args", [(500.0, 0.1, 0.0, 0.0, 0.0), (600.0, 0.15, 200.0, 0.1, 0.3)])
def test_derived_transform_matches_the_chain(args):
    """F(v; p) of step 9 at real p (mpmath) against the grid chain's transform used by fpt_density."""
    mp.mp.dps = 30
    re, ae, ri, ai, v0 = args
    _, F = S.transform_normalisation()
    amp = sn.Amplitudes()
    coarse, fine, _ = sn._grid_pair(re, ae, ri, ai, 0.02, 1.0, v0, 0.0, 0.0, amp)
    chains = [sn._chain(re, ae, ri, ai, 0.02, 1.0, v0, 0.0, amp, sol.h) for sol in (coarse, fine)]
    for p in (20.0, 300.0):
        vals = {sym["R_E"]: re, sym["a"]: ae, sym["R_I"]: ri, sym["b"]: ai if ai else 1, sym["tau_m"]: 0.02,
                sym["theta"]: 1, sym["v"]: v0, sym["p"]: p}
        num, den = sp.fraction(F)
        parts = []
        for integral in (num, den):
            f = sp.lambdify(sym["c"], integral.function.subs(vals), "mpmath")
            parts.append(mp.quad(f, [0, mp.mpf(1) / (2 * ae), mp.mpf(1) / ae]))
        ref = float(parts[0] / parts[1])
        fc, ff = (sn._chain_laplace(ch, p).real for ch in chains)
        assert ff + (ff - fc) / 3.0 == pytest.approx(ref, rel=TOL_TRANSFORM)

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
    assert len(doc.steps) == 7 and doc.sources
    assert any(eq == S.rate_equation() for eq in doc.steps[3].equations)
    assert np.isfinite(float(S.rate_integrand().subs({sym["c"]: 1, sym["a"]: 0.1, sym["R_E"]: 100, sym["R_I"]: 0,
                                                     sym["b"]: 1, sym["tau_m"]: 0.02, sym["theta"]: 1,
                                                     sym["V_r"]: 0})))

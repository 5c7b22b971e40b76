"""The symbolic derivation of the discrete-time chain satisfies its equations and matches the
numeric functions when evaluated with mpmath at 50 digits."""

import mpmath as mp
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import LIF
from snntheory.discrete import firing_probability, stationary_density
from snntheory.neuron import layer_input
from snntheory.symbolic import discrete as sd

#: double-precision closed forms against the 50-digit evaluation of the derived expressions
RTOL_REF = 1e-12
#: the Nyström solution inserted into its own integral equation (solver accuracy ~1e-10)
RTOL_EQUATION = 1e-7

S = sd.symbols()


@settings(max_examples=20)
@given(beta=st.floats(0.3, 0.99), alpha=st.floats(0.05, 0.9), gain=st.sampled_from(["unit", "1-beta"]),
       synapse=st.sampled_from(["delta", "exp"]))
def test_kernel_sums_match_lif(beta, alpha, gain, synapse):
    if synapse == "exp" and abs(alpha - beta) < 1e-3:
        alpha = beta / 2
    n = LIF.from_beta(beta, alpha=alpha if synapse == "exp" else 0.0, input_gain=gain)
    s1, s2 = sd.kernel_sums(synapse)
    subs = {S.beta: mp.mpf(beta), S.alpha: mp.mpf(alpha), S.g: mp.mpf(n.gain)}
    with mp.workdps(50):
        f1 = sp.lambdify((S.beta, S.alpha, S.g), s1, "mpmath")(*subs.values())
        f2 = sp.lambdify((S.beta, S.alpha, S.g), s2, "mpmath")(*subs.values())
        # and the series itself, summed by mpmath
        eps = sp.lambdify((S.k, S.beta, S.alpha, S.g), sd.kernel(synapse), "mpmath")
        direct1 = mp.nsum(lambda k: eps(k, *subs.values()), [0, mp.inf])
        assert abs(f1 / direct1 - 1) < 1e-30
    a1, a2 = n.kernel_sums()
    assert a1 == pytest.approx(float(f1), rel=RTOL_REF)
    assert a2 == pytest.approx(float(f2), rel=RTOL_REF)


@settings(max_examples=20)
@given(n=st.integers(1, 1000), p=st.floats(0.0, 1.0), mu_w=st.floats(-0.2, 0.2), sigma_w=st.floats(0.0, 0.3))
def test_layer_input_matches_derivation(n, p, mu_w, sigma_w):
    exprs = sd.layer_input_moments()
    li = layer_input(n, p, mu_w, sigma_w)
    with mp.workdps(50):
        vals = [sp.lambdify((S.n, S.p, S.mu_w, S.sigma_w), e, "mpmath")(n, mp.mpf(p), mp.mpf(mu_w), mp.mpf(sigma_w))
                for e in exprs]
    for got, ref in zip(li, vals):
        assert float(got) == pytest.approx(float(ref), rel=RTOL_REF, abs=1e-15)
    assert sp.simplify(exprs[1] - exprs[2] - exprs[3]) == 0


def test_free_chain_density_solves_threshold_free_equation():
    mean, var = sd.free_chain_moments()
    P = sd.free_chain_density
    vals = {S.beta: sp.Rational(9, 10), S.m: sp.Rational(1, 20), S.s: sp.Rational(1, 5)}
    with mp.workdps(50):
        f = sp.lambdify((S.v,), P().subs(vals), "mpmath")
        k = sp.lambdify((S.x,), sd.gaussian_kernel().subs(vals), "mpmath")
        for u in (mp.mpf("-0.3"), mp.mpf("0.5"), mp.mpf("1.2")):
            rhs = mp.quad(lambda v: f(v) * k(u - mp.mpf(9) / 10 * v), [-mp.inf, 0.5, mp.inf])
            assert abs(rhs / f(u) - 1) < mp.mpf(10) ** -40


def test_continuous_time_mapping_and_shift():
    beta, m, s2, free_mean, free_var, lim_m, lim_s2 = sd.continuous_time_mapping()
    assert sp.simplify(free_mean - S.mu) == 0 and sp.simplify(free_var - S.sigma**2 / 2) == 0
    assert sp.simplify(lim_m - S.mu / S.tau) == 0 and sp.simplify(lim_s2 - S.sigma**2 / S.tau) == 0
    assert float(sd.discrete_monitoring_shift()) == pytest.approx(0.5826, abs=5e-5)


@pytest.mark.parametrize("m,s,beta,v_reset", [(0.03, 0.15, 0.95, 0.0), (0.05, 0.2, 0.9, 0.4)])
def test_numeric_density_satisfies_the_forward_equation(m, s, beta, v_reset):
    """Insert the numeric stationary density (zero reset) into the derived forward equation and
    evaluate its right-hand side with mpmath quadrature at points between the solver's nodes."""
    eq, flux, norm = sd.forward_equation_zero()
    d = stationary_density(m, s, beta=beta, v_reset=v_reset)
    nu = float(firing_probability(m, s, beta=beta, v_reset=v_reset))
    vals = {S.beta: beta, S.m: m, S.s: s, S.theta: 1.0, S.V_r: v_reset, S.nu: nu}
    kern = sp.lambdify((S.x,), sd.gaussian_kernel().subs(vals), "mpmath")
    pdf = lambda v: mp.mpf(float(d.pdf(float(v))[0]))  # noqa: E731
    lo = float(d.v.min())
    cuts = np.linspace(lo, 1.0, 16).tolist()
    with mp.workdps(15):
        for u in (lo + 0.5, 0.9):
            rhs = mp.quad(lambda v: pdf(v) * kern(mp.mpf(u) - beta * v), cuts)
            rhs += nu * kern(mp.mpf(u) - beta * v_reset)
            assert float(rhs) == pytest.approx(float(d.pdf(u)[0]), rel=RTOL_EQUATION, abs=1e-12)
        # the flux condition: the outflux of the density and of the reset atom is the rate
        integral = flux.rhs.args[0] if isinstance(flux.rhs.args[0], sp.Integral) else flux.rhs.args[1]
        Q = sp.lambdify((S.v,), (integral.function / S.P(S.v)).subs(vals), "mpmath")
        total = mp.quad(lambda v: pdf(v) * Q(v), cuts) + nu * Q(v_reset)
    assert float(total) == pytest.approx(nu, rel=RTOL_EQUATION)

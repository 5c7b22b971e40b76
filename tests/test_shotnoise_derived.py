"""The excitatory-only rate integrand of snntheory.symbolic.shotnoise is derived from the general
rate integrand (no longer typed in): checks against its defining integral at 50 digits (mpmath)
and against the typed-in form it replaced."""

import mpmath as mp
import sympy as sp

from snntheory.symbolic import shotnoise as S

sym = S.symbols()
VALS = {sym["R_E"]: 500, sym["a"]: sp.Rational(1, 10), sym["tau_m"]: sp.Rational(1, 50), sym["theta"]: 1}


def _mp_integral(expr, var, lo, hi):
    f = sp.lambdify(var, expr.subs(VALS), "mpmath")
    with mp.workdps(50):
        return mp.quad(f, [lo, (lo + hi) / 2, hi])


def test_exc_only_integrand_is_the_general_one_after_substitution():
    """tau int_0^{1/a} (general integrand, R_I = V_r = 0) dc = 1/R_E + tau int_0^1 (derived) ds."""
    general = S.rate_integrand().subs({sym["R_I"]: 0, sym["V_r"]: 0})
    with mp.workdps(50):
        lhs = mp.mpf(1) / 50 * _mp_integral(general, sym["c"], 0, 10)
        rhs = mp.mpf(1) / 500 + mp.mpf(1) / 50 * _mp_integral(S.exc_only_rate_integrand(), sym["s"], 0, 1)
        assert abs(lhs - rhs) < mp.mpf(10) ** -40 * abs(lhs)


def test_exc_only_point_mass_and_the_former_typed_form():
    assert sp.simplify(S.exc_only_point_mass() - 1 / sym["R_E"]) == 0
    s, a, th, rho = sym["s"], sym["a"], sym["theta"], sym["R_E"] * sym["tau_m"]
    typed = s ** (rho - 1) * (sp.exp(th * (1 - s) / a) - 1) / (1 - s)
    assert S.exc_only_rate_integrand() == typed


def test_wrong_integrand_is_caught():
    """A wrong substitution (c = (1 - s)/(2a)) breaks the 50-digit identity above."""
    general = S.rate_integrand().subs({sym["R_I"]: 0, sym["V_r"]: 0})
    wrong = (general.subs(sym["c"], (1 - sym["s"]) / (2 * sym["a"])) / (2 * sym["a"]))
    with mp.workdps(50):
        lhs = mp.mpf(1) / 50 * _mp_integral(general, sym["c"], 0, 10)
        rhs = mp.mpf(1) / 500 + mp.mpf(1) / 50 * _mp_integral(wrong, sym["s"], 0, 1)
        assert abs(lhs - rhs) > mp.mpf(10) ** -3 * abs(lhs)

"""Tests of snntheory.shotnoise: F8 against 50-digit mpmath, the grid solver against F8, limits,
properties, validation, and everything against the exact event-driven simulator."""

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import Phase, assume, example, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from snntheory import diffusion, shotnoise as sn
from snntheory.errors import ConvergenceError, ParameterError
from snntheory.simulate import simulate_shot_noise

from strategies import invalid

REF = Path(__file__).parent / "reference" / "shotnoise_f8.csv"

#: F8 in double precision vs 50-digit mpmath: absolute error of ln(rate) (quadrature at epsrel 1e-11).
TOL_F8_LOG = 1e-9
#: Grid solver (Richardson-extrapolated) vs F8 with the exponential law: measured <= 2e-4.
TOL_GRID = 5e-4
#: Grid density (fine grid, second order, not extrapolated) vs the excitatory-only closed form
#: on [0.1, 0.9] v_th: measured 3.5e-3.
TOL_DENSITY = 5e-3
#: Grid moments vs the exact exponential moment balance (relative to the free SD scale).
TOL_MOMENTS = 1e-3
#: Simulation agreement: within 1 % or 4 standard errors (the issue's criterion).
SIM_REL, SIM_NSE = 0.01, 4.0
#: Normalisation of the reconstructed density: boundary layers at reset narrower than the grid
#: are smeared over one cell (measured up to 1.6e-3); the node masses themselves are exact (1e-12).
TOL_NORM = 2e-3

COMMON = dict(tau_m=0.02, v_th=1.0, v_reset=0.0)


def _ref_rows():
    lines = [ln for ln in REF.read_text().splitlines() if not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    return [{k: float(v) for k, v in r.items()} for r in rows]


def exc_only_rate(R, a, *, tau_m, v_th):
    """Independent route: the excitatory-only closed form (paper-reconstruction §5.4),
    1/r = 1/R + tau int_0^1 s^(R tau - 1) (e^{theta(1-s)/a} - 1)/(1-s) ds, v_reset = e_l = 0."""
    rho = R * tau_m
    f = lambda s: math.expm1(v_th * (1 - s) / a) / (1 - s) if s < 1 else v_th / a
    val = integrate.quad(f, 0.0, 1.0, weight="alg", wvar=(rho - 1.0, 0.0), epsrel=1e-12, epsabs=0)[0]
    return 1.0 / (1.0 / R + tau_m * val)


def exc_only_density(v, R, a, rate, *, tau_m, v_th):
    """P(v) = (r tau/(a v)) int_v^theta (v/u)^(R tau) e^{(u-v)/a} du (derivation step 5)."""
    rho = R * tau_m
    f = lambda u: math.exp(rho * math.log(v / u) + (u - v) / a)
    return rate * tau_m / (a * v) * integrate.quad(f, v, v_th, epsrel=1e-12)[0]


# ------------------------------------------------------------------------------------------
# exponential amplitudes: F8


@pytest.mark.parametrize("row", _ref_rows(), ids=lambda r: f"R{r['rate_e']:g}_a{r['a_e']:g}_I{r['rate_i']:g}")
def test_f8_matches_mpmath_reference(row):
    lr = sn.log_firing_rate(row["rate_e"], row["a_e"], row["rate_i"], row["a_i"], tau_m=row["tau_m"],
                            v_th=row["v_th"], v_reset=row["v_reset"], e_l=row["e_l"], tau_ref=row["tau_ref"])
    assert abs(lr - row["log_rate"]) < TOL_F8_LOG


@pytest.mark.parametrize("R,a", [(500, 0.1), (1000, 0.05), (200, 0.3), (2.5, 0.2), (5000, 0.02), (40, 2.0)])
def test_f8_equals_excitatory_only_closed_form(R, a):
    r = sn.firing_rate(R, a, **COMMON)
    assert r == pytest.approx(exc_only_rate(R, a, tau_m=0.02, v_th=1.0), rel=1e-9)


@settings(max_examples=30)
@given(R=st.floats(20.0, 3000.0), a=st.floats(0.02, 0.5), Ri=st.floats(10.0, 3000.0), b=st.floats(0.01, 0.3))
def test_inhibition_to_zero_tends_to_excitatory_only(R, a, Ri, b):
    ref = exc_only_rate(R, a, tau_m=0.02, v_th=1.0)
    assume(ref > 1e-6)
    errs = [abs(sn.firing_rate(R, a, eps * Ri, b, **COMMON) / ref - 1) for eps in (1e-2, 1e-4, 1e-6)]
    assert errs[2] < 1e-4
    assert errs[2] <= errs[1] <= errs[0] + 1e-12


@given(R=st.floats(1.0, 5000.0), a=st.floats(0.01, 0.5), Ri=st.floats(0.0, 3000.0), b=st.floats(0.0, 0.3),
       f=st.floats(1.05, 2.0))
def test_rate_increases_with_rate_e_and_a_e(R, a, Ri, b, f):
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)
    r0 = sn.log_firing_rate(R, a, Ri, b, **kw)
    assert sn.log_firing_rate(R * f, a, Ri, b, **kw) > r0
    assert sn.log_firing_rate(R, a * f, Ri, b, **kw) > r0


def test_rate_e_zero_and_tiny_rates_and_broadcasting():
    assert sn.firing_rate(0.0, 0.1, 500.0, 0.1, **COMMON) == 0.0
    assert sn.log_firing_rate(0.0, 0.1, **COMMON) == -math.inf
    # deep sub-threshold: finite log rate where the rate underflows
    lr = sn.log_firing_rate(2.0, 0.001, **COMMON)
    assert np.isfinite(lr) and lr < -745
    out = sn.firing_rate(np.array([[100.0], [500.0]]), np.array([0.05, 0.1, 0.2]), **COMMON)
    assert out.shape == (2, 3) and np.all(np.diff(out, axis=1) > 0)
    assert isinstance(sn.firing_rate(500.0, 0.1, **COMMON), np.floating)


def test_refractoriness_enters_as_dead_time():
    r0 = sn.firing_rate(800.0, 0.1, 400.0, 0.1, **COMMON)
    r1 = sn.firing_rate(800.0, 0.1, 400.0, 0.1, **COMMON, tau_ref=0.003)
    assert 1 / r1 == pytest.approx(1 / r0 + 0.003, rel=1e-12)


# ------------------------------------------------------------------------------------------
# the grid solver (fixed and arbitrary amplitudes) against F8


GRID_CASES = [
    dict(args=(500, 0.1, 0, 0), kw=COMMON),
    dict(args=(800, 0.1, 400, 0.1), kw=dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)),
    dict(args=(3000, 0.03, 0, 0), kw=dict(tau_m=0.02, v_th=1.0, v_reset=0.3, e_l=0.1)),
    dict(args=(30, 0.2, 0, 0), kw=COMMON),
]


@pytest.mark.parametrize("case", GRID_CASES)
def test_grid_solver_matches_f8_for_exponential_law(case):
    exact = sn.firing_rate(*case["args"], **case["kw"])
    amp = sn.Amplitudes(stats.expon(), stats.expon())
    assert sn.firing_rate(*case["args"], **case["kw"], amplitude=amp) == pytest.approx(exact, rel=TOL_GRID)
    # the same law given as a number/array route: fixed factor 1 == "fixed"
    assert sn.firing_rate(*case["args"], **case["kw"], amplitude=sn.Amplitudes(1.0, 1.0)) == \
        pytest.approx(sn.firing_rate(*case["args"], **case["kw"], amplitude="fixed"), rel=1e-12)


def test_grid_density_matches_excitatory_only_closed_form():
    R, a = 500.0, 0.1
    amp = sn.Amplitudes(stats.expon(), stats.expon())
    rate = sn.firing_rate(R, a, **COMMON)
    v = np.array([0.1, 0.3, 0.5, 0.7, 0.9])
    p = sn.stationary_density(v, R, a, **COMMON, amplitude=amp)
    ref = np.array([exc_only_density(x, R, a, rate, tau_m=0.02, v_th=1.0) for x in v])
    np.testing.assert_allclose(p, ref, rtol=TOL_DENSITY)
    # the point mass waiting at reset is rate/R
    assert sn.reset_mass(R, a, **COMMON) == pytest.approx(rate / R, rel=1e-14)


@settings(max_examples=8, phases=[Phase.explicit, Phase.generate])  # no slow shrinking
@given(R=st.floats(200.0, 2000.0), a=st.floats(0.06, 0.3), Ri=st.floats(0.0, 800.0), b=st.floats(0.06, 0.2),
       vr=st.floats(-0.3, 0.5), el=st.floats(-0.3, 0.5), tref=st.floats(0.0, 0.004),
       kind=st.sampled_from(["exponential", "fixed"]))
def test_density_nonnegative_and_normalised(R, a, Ri, b, vr, el, tref, kind):
    # stay where the neuron fires at all (free mean + 2 SD above 0.6 v_th): the integral test
    # needs the density resolved by the trapezoid grid below
    m2 = 2.0 if kind == "exponential" else 1.0
    assume(el + 0.02 * (R * a - Ri * b) + 2 * math.sqrt(0.01 * m2 * (R * a * a + Ri * b * b)) > 0.6)
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=vr, e_l=el, tau_ref=tref)
    rate = sn.firing_rate(R, a, Ri, b, **kw, amplitude=kind)
    lo = min(vr, el) - 12.0 * math.sqrt(0.01 * (R * a * a + Ri * b * b)) - 25 * b
    v = np.linspace(lo, 1.0, 40001)
    p = sn.stationary_density(v, R, a, Ri, b, **kw, amplitude=kind)
    assert np.all(p >= 0) and np.all(np.isfinite(p))
    total = np.trapezoid(p, v) + sn.reset_mass(R, a, Ri, b, **kw, amplitude=kind)
    assert total == pytest.approx(1.0 - rate * tref, abs=TOL_NORM)
    # the grid's probability masses (hat coefficients) sum to 1 - rate*tau_ref exactly
    _, fine, _ = sn._grid_pair(R, a, Ri, b, 0.02, 1.0, vr, el, tref, sn._as_amplitudes(kind))
    assert fine.mass.sum() == pytest.approx(1.0 - fine.rate * tref, abs=1e-12)


@pytest.mark.parametrize("case", GRID_CASES[:2])
def test_moments_grid_matches_exponential_balance(case):
    exact = sn.membrane_moments(*case["args"], **case["kw"])
    grid = sn.membrane_moments(*case["args"], **case["kw"], amplitude=sn.Amplitudes(stats.expon(), stats.expon()))
    scale = math.sqrt(exact.var)
    assert abs(grid.mean - exact.mean) < TOL_MOMENTS * scale
    assert grid.var == pytest.approx(exact.var, rel=TOL_MOMENTS)


# ------------------------------------------------------------------------------------------
# diffusion limit and comparison


@settings(max_examples=20)
@given(mu=st.floats(0.6, 1.4), sigma=st.floats(0.2, 0.6))
def test_small_jumps_tend_to_diffusion(mu, sigma):
    """Exponential excitatory jumps a -> 0 at fixed free mean mu and variance sigma^2/2: R = sigma^2/
    (2 tau a^2), bias e_l = mu - tau R a. The log-ratio to diffusion.firing_rate shrinks towards 0."""
    tau = 0.02
    errs = []
    for a in (0.04, 0.01, 0.0025):
        R = sigma**2 / (2 * tau * a * a)
        el = mu - tau * R * a
        cmp = sn.diffusion_error(R, a, tau_m=tau, v_th=1.0, v_reset=0.0, e_l=min(el, 0.99))
        assert cmp.mu == pytest.approx(mu, rel=1e-12) and cmp.sigma == pytest.approx(sigma, rel=1e-12)
        errs.append(abs(cmp.log_ratio))
    # first order in a (measured ratio ~1/16 per factor 16, ~1/10 deep sub-threshold); the error
    # can change sign on the way, hence the small absolute allowance
    assert errs[2] <= 0.25 * errs[0] + 2e-3
    assert errs[2] < 0.1


def test_small_fixed_jumps_tend_to_diffusion():
    tau, mu, sigma = 0.02, 0.9, 0.4
    errs = []
    for a in (0.1, 0.05, 0.025):
        R = sigma**2 / (tau * a * a)
        cmp = sn.diffusion_error(R, a, tau_m=tau, v_th=1.0, v_reset=0.0, e_l=mu - tau * R * a, amplitude="fixed")
        errs.append(abs(cmp.log_ratio))
    assert errs[2] < errs[1] < errs[0]


def test_diffusion_error_is_the_ratio_of_the_two_rates():
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)
    cmp = sn.diffusion_error(800.0, 0.1, 400.0, 0.1, **kw)
    mu = -0.1 + 0.02 * (800 * 0.1 - 400 * 0.1)
    sigma = math.sqrt(0.02 * (800 + 400) * 2 * 0.01)
    d = diffusion.firing_rate(mu, sigma, tau_m=0.02, v_th=1.0, v_reset=0.2, tau_ref=0.002)
    assert cmp.diffusion_rate == pytest.approx(d, rel=1e-12)
    assert cmp.relative_error == pytest.approx(d / sn.firing_rate(800.0, 0.1, 400.0, 0.1, **kw) - 1, rel=1e-9)
    assert sn.diffusion_error(0.0, 0.1, 300.0, 0.1, **COMMON).relative_error == math.inf


# ------------------------------------------------------------------------------------------
# Campbell cumulants


def test_free_cumulants_exponential_amplitudes_are_gamma():
    R, a, tau = 500.0, 0.1, 0.02
    c = sn.free_cumulants(R, a, tau_m=tau, e_l=0.3, order=5)
    g = stats.gamma(R * tau, loc=0.3, scale=a)
    k = [g.mean(), g.var()] + [R * tau * a**n * math.factorial(n - 1) for n in (3, 4, 5)]
    np.testing.assert_allclose(c.cumulants, k, rtol=1e-12)
    assert c.mean == pytest.approx(g.mean()) and c.variance == pytest.approx(g.var())


@pytest.mark.parametrize("tau_s", [0.0, 0.005, 0.0199, 0.02, 0.03])
@pytest.mark.parametrize("dt", [0.0, 1e-3])
def test_free_cumulants_kernel_integrals(tau_s, dt):
    tau = 0.02
    amp = sn.Amplitudes("fixed", "fixed")
    c = sn.free_cumulants(300.0, 0.1, 200.0, 0.05, tau_m=tau, tau_s=tau_s, dt=dt, order=4, amplitude=amp)

    def h(t):
        if tau_s == 0:
            return np.exp(-t / tau)
        if tau_s == tau:
            return t / tau * np.exp(-t / tau)
        return tau / (tau - tau_s) * (np.exp(-t / tau) - np.exp(-t / tau_s))

    for n in range(1, 5):
        if dt == 0:
            integral = integrate.quad(lambda t: h(t) ** n, 0, np.inf, epsrel=1e-12, limit=200)[0]
        else:
            kk = np.arange(200000) * dt
            integral = dt * np.sum(h(kk) ** n)
        expect = (300.0 * 0.1**n + (-1) ** n * 200.0 * 0.05**n) * integral
        assert c.cumulants[n - 1] == pytest.approx(expect, rel=1e-9, abs=1e-15)
    if dt == 0 and tau_s > 0:
        assert c.variance == pytest.approx((300 * 0.01 + 200 * 0.0025) * tau**2 / (2 * (tau + tau_s)), rel=1e-9)


def test_free_cumulants_discrete_tends_to_continuous():
    cont = sn.free_cumulants(500.0, 0.1, tau_m=0.02, order=3).cumulants
    disc = sn.free_cumulants(500.0, 0.1, tau_m=0.02, dt=1e-6, order=3).cumulants
    np.testing.assert_allclose(disc, cont, rtol=1e-4)


# ------------------------------------------------------------------------------------------
# Gaussian weights


def test_gaussian_weight_input_matches_weight_moments():
    n_in, nu, m, s = 200, 10.0, 0.01, 0.06
    inp = sn.gaussian_weight_input(n_in, nu, m, s)
    (x1, x2), (y1, y2) = inp.amplitude.moments()
    assert x1 == pytest.approx(1.0) and y1 == pytest.approx(1.0)
    assert inp.rate_e * inp.a_e - inp.rate_i * inp.a_i == pytest.approx(n_in * nu * m, rel=1e-10)
    second = inp.rate_e * inp.a_e**2 * x2 + inp.rate_i * inp.a_i**2 * y2
    assert second == pytest.approx(n_in * nu * (m * m + s * s), rel=1e-10)
    mu, sigma = sn.matched_diffusion(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, tau_m=0.02,
                                     amplitude=inp.amplitude)
    assert mu == pytest.approx(0.02 * n_in * nu * m) and sigma**2 == pytest.approx(0.02 * n_in * nu * (m * m + s * s))


# ------------------------------------------------------------------------------------------
# validation


@settings(max_examples=10)
@given(data=st.data(), name=st.sampled_from(["rate_e", "a_e", "rate_i", "a_i", "tau_m", "tau_ref"]))
def test_invalid_parameters_raise_naming_them(data, name):
    kw = dict(rate_e=500.0, a_e=0.1, rate_i=0.0, a_i=0.0, tau_m=0.02, tau_ref=0.0)
    kw[name] = data.draw(invalid(name))
    with pytest.raises(ParameterError, match=name):
        sn.firing_rate(kw.pop("rate_e"), kw.pop("a_e"), kw.pop("rate_i"), kw.pop("a_i"), v_th=1.0,
                       v_reset=0.0, **kw)


def test_relations_and_amplitudes_are_checked():
    with pytest.raises(ParameterError, match="e_l.*drift"):
        sn.firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0, e_l=1.0)
    with pytest.raises(ParameterError, match="v_reset"):
        sn.firing_rate(500.0, 0.1, tau_m=0.02, v_th=1.0, v_reset=1.0)
    with pytest.raises(ParameterError, match="tau_m"):
        sn.firing_rate(500.0, 0.1, tau_m=np.inf, v_th=1.0, v_reset=0.0)
    with pytest.raises(ParameterError, match="amplitude"):
        sn.firing_rate(500.0, 0.1, **COMMON, amplitude="gaussian")
    with pytest.raises(ParameterError, match="amplitude.exc"):
        sn.Amplitudes(stats.norm(), "fixed")
    with pytest.raises(ParameterError, match="amplitude.inh"):
        sn.Amplitudes("fixed", np.array([-1.0, 2.0]))


# ------------------------------------------------------------------------------------------
# against the exact event-driven simulation


def _sim_ok(theory, run):
    return abs(theory - run.rate) <= max(SIM_REL * theory, SIM_NSE * run.rate_stderr)


SIM_CASES = [
    ("exp-E", (500, 0.1, 0, 0), COMMON, "exponential"),
    ("exp-EI", (800, 0.1, 400, 0.1), dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002), "exponential"),
    ("fixed-E", (500, 0.1, 0, 0), COMMON, "fixed"),
    ("fixed-EI", (800, 0.08, 300, 0.1), dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002), "fixed"),
    ("gamma-fixed", (800, 0.08, 300, 0.1), dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1),
     sn.Amplitudes(stats.gamma(2.0, scale=0.5), "fixed")),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,args,kw,amp", SIM_CASES, ids=[c[0] for c in SIM_CASES])
def test_rate_matches_event_driven_simulation(name, args, kw, amp, mc_scale):
    theory = sn.firing_rate(*args, **kw, amplitude=amp)
    run = simulate_shot_noise(*args, **kw, amplitude=amp, n_neurons=int(2000 * mc_scale), t_max=8.0, seed=11)
    assert run.rate_stderr < 0.005 * theory          # the run resolves the tolerance
    assert _sim_ok(theory, run), (theory, run.rate, run.rate_stderr)


@pytest.mark.slow
def test_gaussian_weight_layer_matches_simulation(mc_scale):
    inp = sn.gaussian_weight_input(200, 10.0, 0.01, 0.06)
    theory = sn.firing_rate(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, **COMMON, amplitude=inp.amplitude)
    run = simulate_shot_noise(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, **COMMON, amplitude=inp.amplitude,
                              n_neurons=int(2000 * mc_scale), t_max=12.0, seed=5)
    assert _sim_ok(theory, run), (theory, run.rate, run.rate_stderr)
    # and the diffusion approximation is measurably off for these jumps
    assert sn.diffusion_error(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, **COMMON,
                              amplitude=inp.amplitude).diffusion_rate > run.rate + SIM_NSE * run.rate_stderr


@pytest.mark.slow
@pytest.mark.parametrize("amp", ["exponential", "fixed"])
def test_density_and_moments_match_simulation(amp, mc_scale):
    args = (800, 0.1, 400, 0.1)
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=0.2, e_l=-0.1, tau_ref=0.002)
    run = simulate_shot_noise(*args, **kw, amplitude=amp, n_neurons=int(2000 * mc_scale), t_max=8.0,
                              sample_interval=0.04, seed=7)
    vs = run.v_samples
    n_tot = run.n_samples_total
    rate = sn.firing_rate(*args, **kw, amplitude=amp)
    # refractory fraction
    frac_ref = 1 - vs.size / n_tot
    assert abs(frac_ref - rate * 0.002) < SIM_NSE * math.sqrt(rate * 0.002 / n_tot) + 1e-4
    # binned probabilities (samples 2 tau_m apart: close to independent)
    edges = np.linspace(-1.0, 1.0, 21)
    counts, _ = np.histogram(vs, edges)
    fine = np.linspace(-1.0, 1.0, 20001)
    p = sn.stationary_density(fine, *args, **kw, amplitude=amp)
    cdf = np.concatenate([[0.0], integrate.cumulative_trapezoid(p, fine)])
    prob = np.diff(np.interp(edges, fine, cdf))
    expected = prob * n_tot
    se = np.sqrt(expected) + 1.0
    assert np.all(np.abs(counts - expected) < SIM_NSE * se + 0.01 * expected), (counts, expected)
    # moments: all neurons, refractory ones at v_reset
    allv = np.concatenate([vs, np.full(n_tot - vs.size, 0.2)])
    mom = sn.membrane_moments(*args, **kw, amplitude=amp)
    assert abs(allv.mean() - mom.mean) < SIM_NSE * allv.std() / math.sqrt(allv.size)
    assert allv.var() == pytest.approx(mom.var, rel=0.01)


@pytest.mark.parametrize("amp", ["exponential", "fixed"])
def test_no_excitation_gives_the_free_inhibitory_membrane(amp):
    """rate_e = 0: no spikes; the grid's stationary law is the free shot noise of Campbell."""
    assert sn.firing_rate(0.0, 0.1, 300.0, 0.1, **COMMON, amplitude=amp) == 0.0
    free = sn.free_cumulants(0.0, 0.1, 300.0, 0.1, tau_m=0.02, amplitude=amp)
    mom = sn.membrane_moments(0.0, 0.1, 300.0, 0.1, **COMMON, amplitude=amp)
    assert mom.mean == pytest.approx(free.mean, rel=1e-12) and mom.var == pytest.approx(free.variance, rel=1e-12)
    v = np.linspace(-3.0, 1.0, 40001)
    p = sn.stationary_density(v, 0.0, 0.1, 300.0, 0.1, **COMMON, amplitude=amp)
    assert np.trapezoid(p, v) == pytest.approx(1.0, abs=1e-6)
    assert np.trapezoid(p * v, v) == pytest.approx(free.mean, abs=1e-6)
    assert sn.reset_mass(0.0, 0.1, 300.0, 0.1, **COMMON, amplitude=amp) == 0.0
    # no input at all: everybody at e_l
    assert sn.reset_mass(0.0, 0.1, **COMMON, amplitude=amp) == 1.0


@pytest.mark.parametrize("amp", ["fixed", sn.Amplitudes(stats.gamma(3.0, scale=1 / 3), "fixed")])
def test_grid_rate_increases_with_rate_e_and_a_e(amp):
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=0.1, e_l=0.0, tau_ref=0.001)
    rates = [sn.firing_rate(R, 0.12, 200.0, 0.1, **kw, amplitude=amp) for R in (300.0, 400.0, 600.0)]
    sizes = [sn.firing_rate(400.0, a, 200.0, 0.1, **kw, amplitude=amp) for a in (0.09, 0.12, 0.16)]
    assert np.all(np.diff(rates) > 0) and np.all(np.diff(sizes) > 0)


@given(w_mean=st.floats(-1.0, 1.0), log_w_std=st.floats(-5.0, 0.0))
@example(w_mean=-0.38736323192447747, log_w_std=math.log10(0.00017150316503695496))  # z = -2259
@example(w_mean=0.0123, log_w_std=-2.0)
def test_gaussian_weight_input_any_weights(w_mean, log_w_std):
    """Any Gaussian weight law gives a valid input: jump laws on [0, inf) starting exactly at 0
    (a rounding to -1e-17 was once rejected), rates that add up, mean drive preserved."""
    w_std = 10.0**log_w_std
    inp = sn.gaussian_weight_input(100, 10.0, w_mean, w_std)
    assert math.isclose(float(inp.rate_e + inp.rate_i), 1000.0, rel_tol=1e-12)
    for law in (inp.amplitude.exc, inp.amplitude.inh):
        if not isinstance(law, str):
            assert law.support()[0] == 0.0
    drift = float(inp.rate_e * inp.a_e - inp.rate_i * inp.a_i)
    assert math.isclose(drift, 1000.0 * w_mean, rel_tol=1e-9, abs_tol=1e-9 * 1000.0 * w_std)


@pytest.mark.parametrize("w_mean, w_std", [(0.0, 0.1), (0.02, 0.05), (0.1, 0.0), (-0.1, 0.0), (0.0, 0.0)])
def test_gaussian_weight_input_numpy_scalars(w_mean, w_std):
    """Review item 6: scalar in -> numpy scalar out in every numeric field."""
    inp = sn.gaussian_weight_input(100, 10.0, w_mean, w_std)
    for x in (inp.rate_e, inp.a_e, inp.rate_i, inp.a_i):
        assert isinstance(x, np.floating), type(x)


@pytest.mark.parametrize("a, lo, hi", [(0.1, 0.14, 0.16), (0.2, 0.28, 0.30)])
def test_diffusion_error_figures_in_docstring(a, lo, hi):
    """Review item 21: the figures stated in diffusion_error's Notes (mu 0.8..1.5, tau_m 20 ms)."""
    for mu in (0.8, 1.0, 1.2, 1.5):
        rel = float(sn.diffusion_error(mu / (0.02 * a), a, tau_m=0.02, v_th=1.0, v_reset=0.0).relative_error)
        assert lo <= round(rel, 2) <= hi, (mu, rel)  # the Notes quote whole per cent
    rel = float(sn.diffusion_error(0.6 / (0.02 * 0.1), 0.1, tau_m=0.02, v_th=1.0, v_reset=0.0).relative_error)
    assert round(rel, 2) == -0.05


# --- simulate_shot_noise: no NaN for valid input (issue 14) ----------------------------------

def test_simulate_shot_noise_tiny_run_is_finite_or_documented_nan():
    # the base call of benchmarks/bench_reliability.py: 10 neurons for 0.01 s, one ISI in all
    run = simulate_shot_noise(n_neurons=10, t_max=0.01, burn_in=0.0, rate_e=2000.0, a_e=0.1, tau_m=0.01,
                              v_th=1.0, v_reset=0.0)
    assert run.n_isi == 1
    for f in ("rate", "rate_stderr", "isi_mean", "overshoot_mean"):
        assert np.isfinite(getattr(run, f)), f
    assert np.isnan(run.isi_cv)  # documented: a CV needs two intervals
    # no spike at all: rate and its error exactly 0, the spike statistics documented NaN
    quiet = simulate_shot_noise(10.0, 0.1, n_neurons=1, t_max=0.01, burn_in=0.0, tau_m=0.01, v_th=1.0,
                                v_reset=0.0, seed=2)
    assert quiet.rate == 0.0 and quiet.rate_stderr == 0.0
    assert np.isnan(quiet.isi_mean) and np.isnan(quiet.overshoot_mean)
    # one neuron: the rate's error from blocks of time is finite
    one = simulate_shot_noise(2000.0, 0.1, n_neurons=1, t_max=0.05, burn_in=0.0, tau_m=0.01, v_th=1.0,
                              v_reset=0.0, seed=3)
    assert one.spike_counts.sum() > 0 and np.isfinite(one.rate_stderr) and one.rate_stderr > 0


def test_simulate_shot_noise_single_neuron_stderr_matches_repeats():
    # batch-means standard error of a single neuron against the spread of independent repeats;
    # tolerance: 3.5 SDs of ln(sample SD of r repeats) plus ~15 % batch-means bias (blocks of a
    # few ISIs)
    r = 40
    runs = [simulate_shot_noise(800.0, 0.1, n_neurons=1, t_max=2.0, burn_in=0.05, tau_m=0.01, v_th=1.0,
                                v_reset=0.0, seed=s) for s in range(r)]
    tol = 3.5 / np.sqrt(2 * (r - 1)) + 0.15
    spread = np.std([x.rate for x in runs], ddof=1)
    reported = np.sqrt(np.mean([x.rate_stderr ** 2 for x in runs]))
    assert abs(np.log(reported / spread)) < tol, (reported, spread)
    assert abs(np.log(reported * np.sqrt(20) / spread)) > tol  # a wrong estimator is rejected


def test_grid_refuses_fast_where_it_cannot_resolve():
    # issue 14: a drive ~90 free SDs below threshold gave a raw ZeroDivisionError (the GTH
    # stationary mass underflows); jumps too small for the grid spent ~2 s in the two finest
    # solves before refusing. Both are ConvergenceErrors now, the second from an O(h^2)
    # prediction before the costliest solve (the 1.8 s full route also refused: correction 0.67)
    import time
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, amplitude="fixed")
    with pytest.raises(ConvergenceError, match="underflows"):
        sn.firing_rate(5000.0, 0.002, **kw)
    t0 = time.process_time()
    with pytest.raises(ConvergenceError, match="Richardson"):
        sn.firing_rate(2000.0, 0.005, **kw)
    assert time.process_time() - t0 < 1.0


def test_fpt_density_tiny_jumps_refused_not_out_of_memory():
    # issue 14: a_e = 5e-10 against a distance of ~99 V made the exact (Kummer) series ask for
    # 2e11 terms (a 1.4 TiB array); it now leaves it to the chain route, which refuses
    import warnings
    from snntheory.errors import ConvergenceError
    with warnings.catch_warnings(), pytest.raises(ConvergenceError):
        warnings.simplefilter("ignore", integrate.IntegrationWarning)   # the grid's moment quadrature
        sn.fpt_density(10.0, 5e-6, 5e-10, tau_m=1000.0, v_th=1.18831, v_start=-97.6244)


def test_grid_spike_probability_in_the_subnormal_range_is_refused():
    """Issue 14's deep profile (seed 31): v_th = 15,000 with a free mean of ~4,080 (ln rate -14,846 by
    the closed form). The grid chain's spike probability per input came out subnormal (~1e-310),
    the events per spike inf, the rate 0 * inf, and stationary_density raised "math domain error";
    it is refused as the grid's underflow is, and the closed-form rate stays 0.0."""
    kw = dict(rate_e=500000.0, a_e=0.3773422261472335, tau_m=0.021638572167136702, v_th=15000.0,
              v_reset=-0.3311808032424154)
    with pytest.raises(ConvergenceError, match="underflows a double"):
        sn.stationary_density(0.5, **kw)
    assert sn.log_firing_rate(**kw) < -14000 and sn.firing_rate(**kw) == 0.0

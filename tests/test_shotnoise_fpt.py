"""Tests of the first-passage functions of snntheory.shotnoise: mean FPT from any start, ISI
moments and CV, FPT density. Independent routes: the event-driven simulation (within 4 standard
errors), the embedded-chain grid against the exact exponential-amplitude formulas, the density's
own mass and moments, and the diffusion limit (jumps shrinking at fixed mean and variance)."""

import math
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import diffusion, shotnoise as sn
from snntheory.errors import ConvergenceError, ParameterError
from snntheory.simulate import simulate_first_passage

#: Simulation agreement: 4 standard errors (the issue's criterion).
NSE = 4.0
#: Grid (Richardson-extrapolated) against the exact exponential-amplitude formulas: measured
#: <= 8e-5 (variance) and 2e-4 (mean, as the rate).
TOL_GRID = 5e-4
#: Mass, mean and variance of the inverted density against isi_moments: measured <= 1.2e-3.
TOL_DENSITY_MOMENTS = 3e-3

COMMON = dict(tau_m=0.02, v_th=1.0)

# (rate_e, a_e, rate_i, a_i, v_start, amplitude): E-only and E+I, exponential and fixed, jumps
# from 1 % to 50 % of the threshold distance
SIM_CASES = [
    (4500.0, 0.01, 0.0, 0.0, 0.0, "exponential"),
    (1500.0, 0.05, 500.0, 0.05, 0.2, "exponential"),
    (100.0, 0.5, 0.0, 0.0, -0.3, "exponential"),
    (4500.0, 0.01, 0.0, 0.0, 0.0, "fixed"),
    (800.0, 0.1, 300.0, 0.1, 0.0, "fixed"),
    (2000.0, 0.45, 0.0, 0.0, 0.3, "fixed"),
]
#: the density is checked on the cases whose grid is small enough for a fast inversion
DENSITY_CASES = [SIM_CASES[2], SIM_CASES[4], SIM_CASES[5], (500.0, 0.1, 0.0, 0.0, 0.0, "exponential")]


def _simulate(case, n, seed=3):
    re, ae, ri, ai, v0, amp = case
    run = simulate_first_passage(re, ae, ri, ai, v_start=v0, amplitude=amp, n_neurons=n, t_max=50.0,
                                 seed=seed, **COMMON)
    assert run.n_censored == 0
    return run.times


@pytest.mark.slow
@pytest.mark.parametrize("case", SIM_CASES)
def test_mean_fpt_and_cv_agree_with_simulation(case, mc_scale):
    re, ae, ri, ai, v0, amp = case
    times = _simulate(case, int(40000 * mc_scale))
    n = times.size
    mean = sn.mean_fpt(re, ae, ri, ai, v_start=v0, amplitude=amp, **COMMON)
    assert abs(times.mean() - mean) < NSE * times.std(ddof=1) / math.sqrt(n)
    # the ISI from reset v0 with a refractory period: CV of tau_ref + FPT; SE from 20 batches
    tref = 0.002
    cv = sn.isi_cv(re, ae, ri, ai, v_reset=v0, tau_ref=tref, amplitude=amp, **COMMON)
    isi = (tref + times).reshape(20, -1)
    batch = isi.std(axis=1, ddof=1) / isi.mean(axis=1)
    whole = isi.std(ddof=1) / isi.mean()
    assert abs(whole - cv) < NSE * batch.std(ddof=1) / math.sqrt(20)


@pytest.mark.slow
@pytest.mark.parametrize("case", DENSITY_CASES)
def test_fpt_density_agrees_with_simulation(case, mc_scale, monkeypatch):
    re, ae, ri, ai, v0, amp = case
    # the quantile bins span four inversion windows: the fixed-jump E+I case's chain route needs
    # ~2.6 s there, over the default cap FPT_CHAIN_MAX_SECONDS; this test checks that longer call
    monkeypatch.setattr(sn, "FPT_CHAIN_MAX_SECONDS", 10.0)
    times = _simulate(case, int(40000 * mc_scale), seed=5)
    n = times.size
    edges = np.quantile(times, np.linspace(0.0, 0.98, 16))
    edges[0] = 0.0
    t = np.concatenate([np.linspace(lo, hi, 41) for lo, hi in zip(edges[:-1], edges[1:])])
    g = sn.fpt_density(t, re, ae, ri, ai, v_start=v0, amplitude=amp, **COMMON).reshape(-1, 41)
    prob = np.array([np.trapezoid(gi, np.linspace(lo, hi, 41)) for gi, lo, hi in zip(g, edges[:-1], edges[1:])])
    counts = np.histogram(times, edges)[0]
    se = np.sqrt(prob * (1.0 - prob) / n)
    assert np.all(np.abs(counts / n - prob) < NSE * se + 2e-3 * prob), (counts / n - prob) / se


@pytest.mark.parametrize("case", [(500.0, 0.1, 0.0, 0.0, 0.0, "exponential"), DENSITY_CASES[2]])
def test_fpt_density_mass_mean_variance(case):
    re, ae, ri, ai, v0, amp = case
    m = sn.isi_moments(re, ae, ri, ai, v_reset=v0, amplitude=amp, **COMMON)
    t_end = m.mean + 20 * math.sqrt(m.variance)
    t = np.linspace(0.0, t_end, 8001)
    g = sn.fpt_density(t, re, ae, ri, ai, v_start=v0, amplitude=amp, **COMMON)
    mass = np.trapezoid(g, t)
    mean = np.trapezoid(g * t, t)
    var = np.trapezoid(g * t * t, t) - mean**2
    assert mass == pytest.approx(1.0, abs=TOL_DENSITY_MOMENTS)
    assert mean == pytest.approx(m.mean, rel=TOL_DENSITY_MOMENTS)
    assert var == pytest.approx(m.variance, rel=TOL_DENSITY_MOMENTS)
    assert np.all(g >= 0.0)


def test_fpt_density_chain_route_is_capped_before_it_runs():
    """The 75 s fixed-1 %-jump call of benchmarks/results/shotnoise.md is refused at once, with its cost."""
    t = np.linspace(1e-3, 0.2, 200)
    start = time.process_time()
    with pytest.raises(ConvergenceError, match="FPT_CHAIN_MAX_SECONDS"):
        sn.fpt_density(t, 4500.0, 0.01, v_start=0.0, amplitude="fixed", **COMMON)
    assert time.process_time() - start < 2.0


def test_fpt_density_element_does_not_depend_on_the_batch():
    args = (500.0, 0.1)
    alone = sn.fpt_density(0.03, *args, v_start=0.0, **COMMON)
    batch = sn.fpt_density(np.array([1e-4, 0.03, 0.3, 2.0]), *args, v_start=0.0, **COMMON)
    assert batch[1] == alone


def test_fpt_density_limits():
    assert sn.fpt_density(0.01, 500.0, 0.1, v_start=1.0, **COMMON) == 0.0
    assert sn.fpt_density(0.0, 500.0, 0.1, v_start=1.0, **COMMON) == math.inf
    assert sn.fpt_density(0.01, 0.0, 0.1, v_start=0.0, **COMMON) == 0.0
    # t -> 0+: the rate of inputs that cross at once, R_E P(A >= v_th - v_start)
    assert sn.fpt_density(0.0, 500.0, 0.1, v_start=0.8, **COMMON) == pytest.approx(500.0 * math.exp(-2.0))
    small = sn.fpt_density(1e-6, 500.0, 0.1, v_start=0.8, **COMMON)
    assert small == pytest.approx(500.0 * math.exp(-2.0), rel=2e-2)


def test_fpt_density_far_tail_when_the_window_loses_the_series():
    """Exponential jumps of 5 V at 50 kHz (mean FPT 24 us): at t = 1e3 and 1e4 s the inversion
    windows (8^k tau_m) sum Kummer's series where they lose every digit; those times belong to
    the tail (the slowest mode, lambda_1 = 4.9e4 /s, so the density underflows to 0), and were
    negative (-2.2e-18) and NaN when they were inverted first. Batch = element-wise."""
    kw = dict(rate_e=50_000.0, a_e=5.0, tau_m=0.0191561, v_th=0.733425, v_start=-0.202365)
    t = np.array([1e-5, 1e-3, 1e3, 1e4])
    g = sn.fpt_density(t, **kw)
    assert np.all(np.isfinite(g)) and np.all(g >= 0.0)
    assert g[2] == g[3] == 0.0 and g[0] > 1e4
    assert [float(sn.fpt_density(tk, **kw)) for tk in t] == list(g)


@pytest.mark.parametrize("amp", ["exponential", "fixed"])
def test_mean_fpt_from_reset_plus_refractory_is_the_inverse_rate(amp):
    kw = dict(tau_m=0.02, v_th=1.0, e_l=-0.1, amplitude=amp)
    r = sn.firing_rate(800.0, 0.12, 200.0, 0.08, v_reset=0.1, tau_ref=0.003, **kw)
    t = sn.mean_fpt(800.0, 0.12, 200.0, 0.08, v_start=0.1, **kw)
    # identical quadrature for the exponential law; the grid extrapolates ln(rate) with and
    # without tau_ref, which differ at the 1e-9 level (measured 9e-10)
    tol = 1e-12 if amp == "exponential" else 1e-8
    assert 1.0 / (0.003 + t) == pytest.approx(r, rel=tol)
    m = sn.isi_moments(800.0, 0.12, 200.0, 0.08, v_reset=0.1, tau_ref=0.003, **kw)
    assert m.mean == pytest.approx(1.0 / r, rel=tol)


@pytest.mark.parametrize("args", [(500.0, 0.1, 0.0, 0.0, 0.0), (700.0, 0.08, 300.0, 0.1, -0.2),
                                  (2000.0, 0.05, 0.0, 0.0, 0.6)])
def test_grid_agrees_with_the_exact_exponential_formulas(args):
    """The embedded chain with the exponential law (a number array-free Amplitudes spec routes it
    to the grid) against the closed forms."""
    re, ae, ri, ai, v0 = args
    grid_law = sn.Amplitudes(exc=_ExpLaw(), inh=_ExpLaw())
    exact = sn.isi_moments(re, ae, ri, ai, v_reset=v0, **COMMON)
    grid = sn.isi_moments(re, ae, ri, ai, v_reset=v0, amplitude=grid_law, **COMMON)
    assert grid.mean == pytest.approx(exact.mean, rel=TOL_GRID)
    assert grid.variance == pytest.approx(exact.variance, rel=TOL_GRID)


class _ExpLaw:
    """Exp(1) as a generic distribution object (so the grid solver, not the closed form, is used)."""

    def __init__(self):
        from scipy import stats
        self._d = stats.expon()

    def __getattr__(self, name):
        return getattr(self._d, name)


def test_validation_and_limits():
    with pytest.raises(ParameterError, match="v_start"):
        sn.mean_fpt(500.0, 0.1, v_start=1.5, **COMMON)
    with pytest.raises(ParameterError, match="e_l"):
        sn.mean_fpt(500.0, 0.1, v_start=0.0, e_l=1.0, **COMMON)
    with pytest.raises(ParameterError, match="rate_e"):
        sn.isi_cv(-1.0, 0.1, v_reset=0.0, **COMMON)
    assert sn.mean_fpt(500.0, 0.1, v_start=1.0, **COMMON) == 0.0
    assert sn.mean_fpt(0.0, 0.1, v_start=0.0, **COMMON) == math.inf
    m = sn.isi_moments(0.0, 0.1, v_reset=0.0, **COMMON)
    assert (m.mean, m.variance, m.cv) == (math.inf, math.inf, 1.0)
    # rare firing: the mean overflows, the CV stays finite and Poisson-like
    m = sn.isi_moments(500.0, 0.001, v_reset=0.0, **COMMON)
    assert m.mean == math.inf and m.cv == pytest.approx(1.0, abs=1e-6)
    t = sn.mean_fpt(np.array([500.0, 800.0]), 0.1, v_start=np.array([[0.0], [0.5]]), **COMMON)
    assert t.shape == (2, 2) and np.all(np.diff(t, axis=0) < 0)


@settings(max_examples=6, deadline=None)
@given(mu=st.floats(0.6, 1.3), sigma=st.floats(0.2, 0.6), v0=st.floats(-0.5, 0.8))
def test_diffusion_limit_of_mean_fpt_and_cv(mu, sigma, v0):
    """Excitatory exponential jumps with the leak lowered: the drive keeps mean mu and variance
    sigma^2/2 while a = sigma^2/(2(mu - e_l)) -> 0; the errors fall like a."""
    t_d = diffusion.mean_fpt(mu, sigma, tau_m=0.02, v_th=1.0, v_start=v0)
    cv_d = diffusion.isi_cv(mu, sigma, tau_m=0.02, v_th=1.0, v_reset=v0)
    errs = []
    for el in (-2.0, -8.0, -32.0):
        a = sigma**2 / (2.0 * (mu - el))
        rate = (mu - el) / (0.02 * a)
        t = sn.mean_fpt(rate, a, tau_m=0.02, v_th=1.0, v_start=v0, e_l=el)
        cv = sn.isi_cv(rate, a, tau_m=0.02, v_th=1.0, v_reset=v0, e_l=el)
        errs.append((abs(t / t_d - 1.0), abs(cv / cv_d - 1.0), a))
    # a falls 4x per step; first-order convergence: the errors fall at least 2x
    for (et0, ec0, _), (et1, ec1, _) in zip(errs[:-1], errs[1:]):
        assert et1 < 0.5 * et0 + 1e-9 and ec1 < 0.5 * ec0 + 1e-9
    # and their size is set by the jump in units of the noise, a/sigma, times the large-deviation
    # factor 1 + y_th^2 below threshold (y_th = (v_th - mu)/sigma)
    bound = 3.0 * errs[-1][2] / sigma * (1.0 + max(1.0 - mu, 0.0) ** 2 / sigma**2)
    assert errs[-1][0] < bound and errs[-1][1] < bound


def test_diffusion_limit_of_fpt_density():
    """The same limit for the density: its L1 distance to the diffusion FPT density shrinks."""
    mu, sigma, v0 = 0.9, 0.4, 0.0
    t = np.linspace(0.0, 0.3, 601)
    g_d = diffusion.fpt_density(t, mu, sigma, tau_m=0.02, v_th=1.0, v_start=v0)
    dist, jumps = [], []
    for el in (-0.25, -1.0):
        a = sigma**2 / (2.0 * (mu - el))
        g = sn.fpt_density(t, (mu - el) / (0.02 * a), a, tau_m=0.02, v_th=1.0, v_start=v0, e_l=el)
        dist.append(np.trapezoid(np.abs(g - g_d), t))
        jumps.append(a)
    # first order in the jump size (measured: L1 distance 0.168 -> 0.104 as a goes 0.070 -> 0.042)
    assert dist[1] < 1.2 * (jumps[1] / jumps[0]) * dist[0]


def test_diffusion_error_reports_the_cv_error():
    cmp = sn.diffusion_error(np.array([500.0, 2000.0]), 0.1, 300.0, 0.05, tau_m=0.02, v_th=1.0, v_reset=0.0,
                             tau_ref=0.002)
    shot = sn.isi_cv(np.array([500.0, 2000.0]), 0.1, 300.0, 0.05, tau_m=0.02, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    diff = diffusion.isi_cv(cmp.mu, cmp.sigma, tau_m=0.02, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    np.testing.assert_array_equal(cmp.shot_cv, shot)
    np.testing.assert_allclose(cmp.cv_error, diff / shot - 1.0, rtol=1e-14)


def test_isi_cv_when_the_quadrature_hits_the_end_point():
    """Regression: a*c rounding to 1 at the end point c = 1/a raised a math domain error (the
    figure's lowered-leak series, mean 0.9 V, sigma 0.4 V)."""
    el = -np.geomspace(0.05, 20.0, 12)
    a = 0.4**2 / (2.0 * (0.9 - el))
    cv = sn.isi_cv((0.9 - el) / (0.02 * a), a, tau_m=0.02, v_th=1.0, v_reset=0.0, e_l=el)
    assert np.all(np.isfinite(cv)) and np.all(np.diff(cv) < 0)

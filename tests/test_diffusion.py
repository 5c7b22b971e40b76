"""Tests of snntheory.diffusion: mpmath references, independent routes, limits, simulation,
shape contract and validation."""

from __future__ import annotations

import csv
import math
import warnings
from pathlib import Path

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from snntheory import diffusion as dif
from snntheory._special import erfcx_integral, erfcx_integral_scalar
from snntheory.errors import ApproximationWarning, ParameterError
from snntheory.simulate import simulate_ou
from tests.strategies import invalid

REF = Path(__file__).resolve().parent / "reference"

# --- tolerances (each with its justification) -------------------------------------------
RATE_RTOL = 1e-12  # issue 2 target for the Siegert rate against 50-digit mpmath
LOG_RATE_RTOL = 1e-12  # same target for ln(rate), relative to max(1, |ln rate|)
CV_RTOL = 1e-10  # issue 2 target for the ISI CV
MOMENT_RTOL = 1e-10  # issue 2 target for the closed-form membrane moments
G_RTOL = 1e-13  # erfcx-integral kernel: documented accuracy of snntheory._special
SCALAR_VS_ARRAY_RTOL = 1e-14  # the scalar fast path evaluates the same formulas (a few ulp)
QUAD_RTOL = 1e-10  # scipy.integrate.quad of the textbook integral with epsrel 1e-12
DENSITY_ROUTE_RTOL = 1e-8  # quad of the density (kink at v_reset, linear zero at v_th)
FLUX_RTOL = 1e-6  # finite-difference slope of the density at threshold (cubic extrapolation)
FPT_MOMENT_RTOL = 1e-6  # Volterra FPT density (documented ~1e-8 pointwise) integrated by GL
LAPLACE_RTOL = 1e-7  # the same, weighted by exp(-p t) (measured 2e-10 .. 3e-8)
GRAD_RTOL = 1e-6  # central differences with step 1e-4 relative: O(h^2) truncation
GRAD_MP_RTOL = 1e-12  # analytic gradient (erfcx / asymptotic forms) against mpmath differentiation
SIGMA0_RTOL = 1e-6  # sigma = 1e-7 (V) against the deterministic rate: O(sigma^2) correction
N_SE = 4.0  # simulations agree within 4 standard errors


def _read(name):
    with open(REF / name) as fh:
        rows = list(csv.reader(line for line in fh if not line.startswith("#")))
    head, body = rows[0], rows[1:]
    return [dict(zip(head, r)) for r in body]


RATE_ROWS = _read("diffusion_rate.csv")
CV_ROWS = _read("diffusion_cv_moments.csv")


def _params(row):
    return dict(tau_m=float(row["tau_m"]), v_th=float(row["v_th"]), v_reset=float(row["v_reset"]),
                tau_ref=float(row["tau_ref"]))


# --- mpmath references -------------------------------------------------------------------
@pytest.mark.parametrize("row", RATE_ROWS, ids=[f"{r['regime']}-{i}" for i, r in enumerate(RATE_ROWS)])
def test_rate_matches_mpmath(row):
    mu, sigma = float(row["mu"]), float(row["sigma"])
    ref, lref = mp.mpf(row["rate"]), mp.mpf(row["log_rate"])
    kw = _params(row)
    lr_scalar = dif.log_firing_rate(mu, sigma, **kw)
    lr_array = dif.log_firing_rate(np.array([mu]), sigma, **kw)[0]
    for lr in (lr_scalar, lr_array):
        assert abs(lr - lref) <= LOG_RATE_RTOL * max(1.0, abs(float(lref)))
    if ref > mp.mpf("1e-300"):  # representable in double precision
        for r in (dif.firing_rate(mu, sigma, **kw), dif.firing_rate(np.array([mu]), sigma, **kw)[0]):
            assert abs(r - ref) <= RATE_RTOL * ref


def test_rate_batch_equals_elementwise():
    """No batch-dependent accuracy: all reference rows in one call equal one-by-one calls."""
    cols = {k: np.array([float(r[k]) for r in RATE_ROWS]) for k in ("mu", "sigma", "tau_m", "v_th", "v_reset", "tau_ref")}
    batch = dif.log_firing_rate(cols["mu"], cols["sigma"], tau_m=cols["tau_m"], v_th=cols["v_th"],
                                v_reset=cols["v_reset"], tau_ref=cols["tau_ref"])
    for i, row in enumerate(RATE_ROWS):
        one = dif.log_firing_rate(np.array([float(row["mu"])]), float(row["sigma"]), **_params(row))[0]
        assert batch[i] == one


@pytest.mark.parametrize("row", CV_ROWS, ids=[f"{r['regime']}-{i}" for i, r in enumerate(CV_ROWS)])
def test_cv_and_moments_match_mpmath(row):
    mu, sigma, kw = float(row["mu"]), float(row["sigma"]), _params(row)
    cv = dif.isi_cv(mu, sigma, **kw)
    assert abs(cv - float(row["cv"])) <= CV_RTOL * float(row["cv"])
    m = dif.membrane_moments(mu, sigma, **kw)
    mean_ref, var_ref = mp.mpf(row["v_mean"]), mp.mpf(row["v_var"])
    scale = max(abs(mean_ref), mp.sqrt(var_ref))  # the mean can be 0 exactly
    assert abs(m.mean - mean_ref) <= MOMENT_RTOL * scale
    assert abs(m.var - var_ref) <= MOMENT_RTOL * var_ref


@settings(max_examples=40)
@given(
    a_exp=st.one_of(st.none(), st.floats(-3.0, 6.0)),  # a = 0 or 1e-3 .. 1e6 (the documented range)
    len_exp=st.floats(-9.0, 6.0),
)
def test_erfcx_integral_matches_mpmath(a_exp, len_exp):
    a = 0.0 if a_exp is None else 10.0**a_exp
    b = min(1e6, a + 10.0**len_exp)
    length = b - a
    if length <= 0.0:  # a = 1e6
        b, length = a, 0.0
    mp.mp.dps = 50
    ma, mb = mp.mpf(a), mp.mpf(a) + mp.mpf(length)  # the exact interval the kernel is told about
    # break points at powers of two keep tanh-sinh accurate over intervals up to 1e6 long
    pts = [ma] + [mp.mpf(2) ** k for k in range(-4, 21) if ma < mp.mpf(2) ** k < mb] + [mb]
    ref = mp.quad(lambda s: mp.exp(s * s) * mp.erfc(s), pts)
    assert abs(erfcx_integral(a, b, length) - ref) <= G_RTOL * ref
    assert abs(erfcx_integral_scalar(a, b, length) - ref) <= G_RTOL * ref


# --- independent routes ------------------------------------------------------------------
@pytest.mark.parametrize("mu,sigma,tau_ref", [(0.8, 0.5, 0.0), (1.6, 0.3, 0.002), (-0.5, 0.6, 0.001), (0.2, 0.15, 0.0)])
def test_rate_matches_textbook_quadrature(mu, sigma, tau_ref):
    yth, yr = (1.0 - mu) / sigma, (0.0 - mu) / sigma
    I, _ = integrate.quad(lambda u: special.erfcx(-u), yr, yth, epsabs=0, epsrel=1e-12, limit=200)
    ref = 1.0 / (tau_ref + 0.01 * math.sqrt(math.pi) * I)
    r = dif.firing_rate(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=tau_ref)
    assert abs(r - ref) <= QUAD_RTOL * ref


@pytest.mark.parametrize("mu,sigma,tau_ref", [(0.8, 0.5, 0.002), (1.5, 0.2, 0.001), (0.1, 0.3, 0.0), (0.5, 1.0, 0.004)])
def test_density_integrates_to_moments(mu, sigma, tau_ref):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=tau_ref)
    nu = dif.firing_rate(mu, sigma, **kw)
    P = lambda v: float(dif.stationary_density(v, mu, sigma, **kw))  # noqa: E731
    lo = min(mu, 0.0) - 12 * sigma
    opts = dict(epsabs=0, epsrel=1e-12, limit=200, points=[0.0])
    m0 = integrate.quad(P, lo, 1.0, **opts)[0]
    m1 = integrate.quad(lambda v: v * P(v), lo, 1.0, **opts)[0]
    m2 = integrate.quad(lambda v: v * v * P(v), lo, 1.0, **opts)[0]
    assert abs(m0 - (1 - nu * tau_ref)) <= DENSITY_ROUTE_RTOL
    pr = nu * tau_ref  # refractory mass at v_reset = 0
    mean, ev2 = m1 + pr * 0.0, m2 + pr * 0.0
    m = dif.membrane_moments(mu, sigma, **kw)
    assert abs(m.mean - mean) <= DENSITY_ROUTE_RTOL * max(abs(mean), sigma)
    assert abs(m.var - (ev2 - mean**2)) <= DENSITY_ROUTE_RTOL * m.var


@pytest.mark.parametrize("mu,sigma", [(0.8, 0.5), (1.5, 0.2), (-0.2, 0.4)])
def test_flux_at_threshold_equals_rate(mu, sigma):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0)
    h = 1e-3 * sigma
    x = h * np.arange(1, 5)
    q = dif.stationary_density(1.0 - x, mu, sigma, **kw) / x  # -> -P'(v_th) as x -> 0
    slope = np.polyval(np.polyfit(x, q, 3), 0.0)
    flux = sigma**2 / (2 * kw["tau_m"]) * slope
    nu = dif.firing_rate(mu, sigma, **kw)
    assert abs(flux - nu) <= FLUX_RTOL * nu


@pytest.mark.parametrize("mu,sigma,v_start", [(0.8, 0.5, 0.0), (1.4, 0.3, 0.2), (0.3, 0.6, -0.5)])
def test_fpt_density_first_moment_is_mean_fpt(mu, sigma, v_start):
    kw = dict(tau_m=0.01, v_th=1.0, v_start=v_start)
    T = dif.mean_fpt(mu, sigma, **kw)
    t_end = 20 * T  # survival beyond 20 mean FPTs (CV <= 1) is below 1e-8
    x, w = np.polynomial.legendre.leggauss(400)
    t = 0.5 * t_end * (x + 1)
    g = dif.fpt_density(t, mu, sigma, **kw)
    mass = 0.5 * t_end * np.sum(w * g)
    first = 0.5 * t_end * np.sum(w * g * t)
    assert abs(mass - 1.0) <= FPT_MOMENT_RTOL
    assert abs(first - T) <= FPT_MOMENT_RTOL * T


@pytest.mark.parametrize("mu,sigma,v_start", [(0.8, 0.5, 0.0), (0.2, 0.4, -0.3), (1.6, 0.2, 0.5)])
def test_fpt_density_laplace_transform_is_parabolic_cylinder_ratio(mu, sigma, v_start):
    """Independent route (F4): E[exp(-pT)] = e^{(y0^2 - y_th^2)/2} D_{-p tau}(-sqrt2 y0) / D_{-p tau}(-sqrt2 y_th)."""
    tau = 0.01
    kw = dict(tau_m=tau, v_th=1.0, v_start=v_start)
    t_end = 20 * dif.mean_fpt(mu, sigma, **kw)
    x, w = np.polynomial.legendre.leggauss(300)
    edges = [0.0, min(10 * tau, t_end / 2), t_end]  # resolve the first relaxation times separately
    t = np.concatenate([lo + 0.5 * (hi - lo) * (x + 1) for lo, hi in zip(edges[:-1], edges[1:])])
    w = np.concatenate([0.5 * (hi - lo) * w for lo, hi in zip(edges[:-1], edges[1:])])
    g = dif.fpt_density(t, mu, sigma, **kw)
    mp.mp.dps = 30
    yth, y0 = (1 - mp.mpf(mu)) / sigma, (mp.mpf(v_start) - mu) / sigma
    for p in (10.0, 50.0, 200.0):
        num = np.sum(w * g * np.exp(-p * t))
        ref = mp.exp((y0**2 - yth**2) / 2) * mp.pcfd(-p * tau, -mp.sqrt(2) * y0) / mp.pcfd(-p * tau, -mp.sqrt(2) * yth)
        assert abs(num - ref) <= LAPLACE_RTOL * ref


def test_mean_fpt_is_siegert_at_reset():
    T = dif.mean_fpt(0.5, 0.3, tau_m=0.01, v_th=1.0, v_start=-0.2)
    r = dif.firing_rate(0.5, 0.3, tau_m=0.01, v_th=1.0, v_reset=-0.2, tau_ref=0.003)
    assert abs(1 / (0.003 + T) - r) <= RATE_RTOL * r
    assert dif.mean_fpt(0.5, 0.3, tau_m=0.01, v_th=1.0, v_start=1.0) == 0.0


@pytest.mark.parametrize("mu,sigma", [(0.8, 0.5), (1.5, 0.2), (-0.5, 0.3), (0.0, 0.05), (3.0, 0.01)])
def test_rate_gradient_matches_finite_differences(mu, sigma):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.001)
    g = dif.rate_gradient(mu, sigma, **kw)
    y = (1.0 - mu) / sigma
    h = 1e-4 * sigma / (1 + max(y, 0.0) ** 2)  # ln(rate) varies on the scale sigma/y^2 below threshold
    dmu = (dif.firing_rate(mu + h, sigma, **kw) - dif.firing_rate(mu - h, sigma, **kw)) / (2 * h)
    dsg = (dif.firing_rate(mu, sigma + h, **kw) - dif.firing_rate(mu, sigma - h, **kw)) / (2 * h)
    assert abs(g.dnu_dmu - dmu) <= GRAD_RTOL * abs(dmu)
    assert abs(g.dnu_dsigma - dsg) <= GRAD_RTOL * max(abs(dsg), 1e-3 * abs(dmu))


@pytest.mark.parametrize("mu,sigma", [(3.0, 1e-3), (1.5, 1e-4), (0.5, 0.3), (1.2, 0.15), (-0.2, 0.2)])
def test_rate_gradient_matches_mpmath(mu, sigma):
    """Analytic gradient against mpmath differentiation of the 40-digit Siegert integral."""
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.001)
    mp.mp.dps = 40

    def rate(m, s):
        yth, yr = (1 - m) / s, (0 - m) / s
        f = lambda u: mp.exp(u * u) * mp.erfc(-u)  # noqa: E731
        pts = [yr, yth] if yth <= 5 else [yr, yth - 1 / yth, yth]
        return 1 / (mp.mpf("0.001") + mp.mpf("0.01") * mp.sqrt(mp.pi) * mp.quad(f, pts))

    g = dif.rate_gradient(mu, sigma, **kw)
    dm = mp.diff(lambda m: rate(m, mp.mpf(sigma)), mp.mpf(mu))
    ds = mp.diff(lambda s: rate(mp.mpf(mu), s), mp.mpf(sigma))
    assert abs(g.dnu_dmu - dm) <= GRAD_MP_RTOL * abs(dm)
    assert abs(g.dnu_dsigma - ds) <= GRAD_MP_RTOL * abs(ds)


def test_rate_gradient_finite_far_below_threshold():
    """NNMT returns NaN here (INM-6/nnmt#12); the log-space form stays finite and positive."""
    sig = np.array([1 / 10, 1 / 20, 1 / 30, 1 / 40, 1 / 200])
    g = dif.rate_gradient(0.0, sig, tau_m=0.01, v_th=1.0, v_reset=0.0)
    assert np.all(np.isfinite(g.dnu_dmu)) and np.all(np.isfinite(g.dnu_dsigma))
    assert np.all(g.dnu_dmu >= 0) and g.dnu_dmu[0] > 0
    # where representable, d ln(nu)/d mu -> 2 y_th / sigma (Kramers), up to O(1/y_th^2)
    lr = dif.log_firing_rate(0.0, sig[:2], tau_m=0.01, v_th=1.0, v_reset=0.0)
    y = 1 / sig[:2]
    dlog = np.log(g.dnu_dmu[:2]) - lr
    assert np.all(np.abs(dlog - np.log(2 * y / sig[:2])) < 1 / y**2)


# --- limits (hypothesis) -------------------------------------------------------------------
@given(mu=st.floats(1.05, 3.0), tau_ref=st.floats(0.0, 0.005))
def test_sigma_to_zero_is_deterministic(mu, tau_ref):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=tau_ref)
    det = 1 / (tau_ref + 0.01 * math.log((mu - 0.0) / (mu - 1.0)))
    assert dif.firing_rate(mu, 0.0, **kw) == pytest.approx(det, rel=1e-14)
    assert dif.firing_rate(np.array([mu]), 0.0, **kw)[0] == pytest.approx(det, rel=1e-14)
    assert abs(dif.firing_rate(mu, 1e-7, **kw) - det) <= SIGMA0_RTOL * det
    assert dif.firing_rate(0.99, 0.0, **kw) == 0.0
    assert dif.log_firing_rate(0.99, 0.0, **kw) == -math.inf


@settings(max_examples=6)
@given(drift=st.floats(0.5, 5.0), noise=st.floats(0.2, 1.5))
def test_perfect_integrator_limit_is_inverse_gaussian(drift, noise):
    """tau_m -> inf at fixed drift mu/tau_m and diffusion sigma/sqrt(tau_m): invgauss FPT law."""
    tau = 1e6
    dist = 1.0
    law = stats.invgauss(mu=noise**2 / (dist * drift), scale=dist**2 / noise**2)
    t = law.ppf(np.linspace(0.02, 0.98, 25))
    g = dif.fpt_density(t, drift * tau, noise * math.sqrt(tau), tau_m=tau, v_th=dist, v_start=0.0)
    # finite-tau_m correction is O(t/tau_m); 1e-4 covers it and the Volterra error
    assert np.max(np.abs(g / law.pdf(t) - 1)) < 1e-4
    T = dif.mean_fpt(drift * tau, noise * math.sqrt(tau), tau_m=tau, v_th=dist, v_start=0.0)
    assert abs(T / law.mean() - 1) < 1e-4


@given(y_th=st.floats(8.0, 1000.0), gap=st.floats(1.0, 5.0))
def test_kramers_asymptote(y_th, gap):
    sigma = 0.01
    mu = 1.0 - y_th * sigma
    v_reset = 1.0 - (y_th + 0.0) * sigma - gap * sigma * y_th  # reset far below: no reset effect
    lr = dif.log_firing_rate(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=min(v_reset, mu))
    lk = dif.kramers_rate(mu, sigma, tau_m=0.01, v_th=1.0, log=True, y_th=y_th)
    assert np.isfinite(lr)
    assert abs(math.expm1(lr - lk)) < 1.0 / y_th**2  # O(1/(2 y^2)) correction


@given(mu=st.floats(-1.0, 3.0), sigma=st.floats(0.05, 2.0))
def test_tau_ref_to_infinity(mu, sigma):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0)
    r = dif.firing_rate(mu, sigma, tau_ref=1e8, **kw)
    T = dif.mean_fpt(mu, sigma, tau_m=0.01, v_th=1.0, v_start=0.0)
    assert r <= 1e-8
    assert r * 1e8 == pytest.approx(1e8 / (1e8 + T), rel=1e-13)


@given(mu0=st.floats(-3.0, 3.0), sigma=st.floats(0.01, 2.0))
def test_rate_rises_with_mu(mu0, sigma):
    mu = mu0 + np.linspace(0.0, 1.0, 50)
    lr = dif.log_firing_rate(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    assert np.all(np.diff(lr) > 0)
    g = dif.rate_gradient(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.002)
    assert np.all(g.dnu_dmu >= 0)


@settings(max_examples=15)
@given(y_th=st.floats(4.0, 30.0))
def test_cv_tends_to_one_in_poisson_limit(y_th):
    sigma = 0.05
    cv = dif.isi_cv(1.0 - y_th * sigma, sigma, tau_m=0.01, v_th=1.0, v_reset=1.0 - (y_th + 2) * sigma)
    assert abs(cv - 1.0) < 1.0 / y_th**2


# --- coloured noise and discrete monitoring ------------------------------------------------
def test_tau_s_shift_and_warning():
    kw = dict(tau_m=0.02, v_th=1.0, v_reset=0.0)
    k = math.sqrt(0.001 / 0.02)
    shift = dif.COLORED_NOISE_SHIFT * 0.4 * k
    assert dif.COLORED_NOISE_SHIFT == pytest.approx(float(abs(mp.zeta(0.5)) / mp.sqrt(2)), rel=1e-15)
    assert dif.DISCRETE_MONITORING_SHIFT == pytest.approx(float(abs(mp.zeta(0.5)) / mp.sqrt(2 * mp.pi)), rel=1e-15)
    r = dif.firing_rate(0.7, 0.4, tau_s=0.001, **kw)
    assert r == pytest.approx(dif.firing_rate(0.7, 0.4, tau_m=0.02, v_th=1.0 + shift, v_reset=shift), rel=1e-14)
    with pytest.warns(ApproximationWarning, match=r"sqrt\(tau_s/tau_m\)=0\.5") as rec:
        dif.firing_rate(np.array([0.7, 0.8]), 0.4, tau_s=0.005, **kw)
    assert len(rec) == 1
    rd = dif.firing_rate(0.7, 0.4, dt=1e-3, **kw)
    dth = dif.DISCRETE_MONITORING_SHIFT * 0.4 * math.sqrt(1e-3 / 0.02)
    assert rd == pytest.approx(dif.firing_rate(0.7, 0.4, tau_m=0.02, v_th=1.0 + dth, v_reset=0.0), rel=1e-14)


# --- simulation ----------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("mu,sigma,tau_ref", [(0.8, 0.5, 0.002), (1.3, 0.2, 0.0), (0.45, 0.45, 0.001)])
def test_simulation_agrees(mu, sigma, tau_ref, mc_scale):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=tau_ref)
    # desynchronised start (v0 uniform) so that time averages are stationary; dt = tau_m/100
    edges = np.linspace(min(mu, 0.0) - 1.5 * sigma, 1.0, 17)
    run = simulate_ou(mu, sigma, dt=1e-4, t_max=2.0, n_neurons=int(2000 * mc_scale), burn_in=0.05, seed=11,
                      v_edges=edges, v0="uniform", **kw)
    nu = dif.firing_rate(mu, sigma, **kw)
    assert abs(run.rate - nu) <= N_SE * run.rate_stderr
    m = dif.membrane_moments(mu, sigma, **kw)
    assert abs(run.v_mean - m.mean) <= N_SE * run.v_mean_stderr
    assert abs(run.v_var - m.var) <= N_SE * run.v_var_stderr
    # the membrane histogram: each bin's mass is the integral of the stationary density
    P = lambda v: float(dif.stationary_density(v, mu, sigma, **kw))  # noqa: E731
    mass = np.array([integrate.quad(P, a, b, points=[0.0] if a < 0.0 < b else None, epsrel=1e-10)[0]
                     for a, b in zip(edges[:-1], edges[1:])])
    seen = mass > 1e-3  # bins the simulation populates (an empty bin has a zero standard error)
    assert np.all(np.abs(run.v_hist - mass)[seen] <= N_SE * run.v_hist_stderr[seen])
    cv = dif.isi_cv(mu, sigma, **kw)
    assert abs(run.isi_cv - cv) <= N_SE * run.isi_cv_stderr


@pytest.mark.slow
def test_discrete_monitoring_shift_matches_grid_simulation(mc_scale):
    """On a grid only the threshold moves (the reset is not an absorbing barrier)."""
    mu, sigma, dt = 0.5, 0.5, 5e-4
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0)
    run = simulate_ou(mu, sigma, dt=dt, t_max=4.0, n_neurons=int(4000 * mc_scale), burn_in=0.05, bridge=False,
                      seed=5, **kw)
    th_only = dif.firing_rate(mu, sigma, dt=dt, **kw)
    d = dif.DISCRETE_MONITORING_SHIFT * sigma * math.sqrt(dt / 0.01)
    both = dif.firing_rate(mu, sigma, tau_m=0.01, v_th=1.0 + d, v_reset=d)
    assert abs(run.rate - th_only) <= N_SE * run.rate_stderr
    assert abs(run.rate - both) > 3 * run.rate_stderr  # shifting the reset too is measurably wrong


# --- shape contract and validation ---------------------------------------------------------
def test_shapes_and_scalars():
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0)
    r = dif.firing_rate(np.zeros((2, 1)), np.array([0.1, 0.5, 1.0]), **kw)
    assert r.shape == (2, 3)
    s = dif.firing_rate(0.5, 0.5, **kw)
    assert isinstance(s, np.floating) and np.ndim(s) == 0
    s2 = dif.firing_rate(np.float64(0.5), np.array(0.5), **kw)
    assert isinstance(s2, np.floating) and s2 == pytest.approx(s, rel=SCALAR_VS_ARRAY_RTOL)
    assert dif.firing_rate([0.5, 0.6], 0.5, **kw).shape == (2,)
    m = dif.membrane_moments(np.zeros(4), 0.5, **kw)
    assert m.mean.shape == (4,) and m.var.shape == (4,)
    g = dif.rate_gradient(0.5, np.array([[0.2], [0.3]]), **kw)
    assert g.dnu_dmu.shape == (2, 1)
    assert dif.stationary_density(np.linspace(-1, 1, 5), 0.5, 0.5, **kw).shape == (5,)
    assert dif.isi_cv(np.array([0.5, 0.6]), 0.5, **kw).shape == (2,)
    assert np.ndim(dif.mean_fpt(0.5, 0.5, tau_m=0.01, v_th=1.0, v_start=0.0)) == 0
    assert dif.fpt_density(np.array([0.01, 0.02]), 0.5, 0.5, tau_m=0.01, v_th=1.0, v_start=0.0).shape == (2,)


@given(mu=st.floats(-3.0, 3.0), sigma=st.floats(1e-3, 3.0), v_reset=st.floats(-2.0, 0.99), tau_ref=st.floats(0, 0.01))
def test_scalar_path_equals_array_path(mu, sigma, v_reset, tau_ref):
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=v_reset, tau_ref=tau_ref)
    a = dif.log_firing_rate(np.array([mu]), sigma, **kw)[0]
    s = dif.log_firing_rate(mu, sigma, **kw)
    assert abs(a - s) <= SCALAR_VS_ARRAY_RTOL * max(1.0, abs(a))


def test_log_rate_finite_where_rate_underflows():
    for y in (40.0, 1000.0, 1e6):
        lr = dif.log_firing_rate(0.0, 1.0 / y, tau_m=0.01, v_th=1.0, v_reset=0.0)
        assert np.isfinite(lr) and lr < -y * y * 0.99


RATE_FUNCS = [dif.firing_rate, dif.log_firing_rate, dif.isi_cv, dif.membrane_moments, dif.rate_gradient]
GOOD = dict(mu=0.5, sigma=0.5, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.001)


def _call(f, **over):
    p = {**GOOD, **over}
    extra = {k: p.pop(k) for k in ("tau_s", "dt") if k in p}
    return f(p.pop("mu"), p.pop("sigma"), **p, **extra)


@pytest.mark.parametrize("func", RATE_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", ["mu", "sigma", "tau_m", "v_th", "v_reset", "tau_ref"])
@settings(max_examples=5)
@given(data=st.data())
def test_invalid_parameter_raises_naming_it(func, name, data):
    bad = data.draw(invalid(name) if name != "tau_m" else st.sampled_from([0.0, -1.0, math.inf, math.nan]))
    with pytest.raises(ParameterError, match=name):
        _call(func, **{name: bad})


OTHER_FUNCS = {
    "mean_fpt": lambda p: dif.mean_fpt(p["mu"], p["sigma"], tau_m=p["tau_m"], v_th=p["v_th"], v_start=p["v_reset"]),
    "fpt_density": lambda p: dif.fpt_density(0.01, p["mu"], p["sigma"], tau_m=p["tau_m"], v_th=p["v_th"],
                                             v_start=p["v_reset"]),
    "stationary_density": lambda p: dif.stationary_density(0.5, p["mu"], p["sigma"], tau_m=p["tau_m"],
                                                           v_th=p["v_th"], v_reset=p["v_reset"],
                                                           tau_ref=p["tau_ref"]),
}


@pytest.mark.parametrize("func", list(OTHER_FUNCS), ids=str)
@pytest.mark.parametrize("name", ["mu", "sigma", "tau_m", "v_th"])
def test_invalid_parameter_raises_in_fpt_and_density(func, name):
    for bad in (math.nan, math.inf, -1.0):
        if name in ("mu", "v_th") and bad == -1.0:
            continue  # negative potentials are valid
        with pytest.raises(ParameterError, match=name):
            OTHER_FUNCS[func]({**GOOD, name: bad})


@pytest.mark.parametrize("name", ["tau_s", "dt"])
def test_invalid_tau_s_dt(name):
    for f in (dif.firing_rate, dif.log_firing_rate):
        with pytest.raises(ParameterError, match=name):
            _call(f, **{name: -1e-3})
        with pytest.raises(ParameterError, match=name):
            _call(f, **{name: math.nan})


@pytest.mark.parametrize(
    "name,kw",
    [
        ("sigma", dict(sigma=-1.0)),
        ("sigma", dict(sigma=math.nan)),
        ("tau_m", dict(tau_m=-0.01)),
        ("tau_m", dict(tau_m=0.0)),
        ("tau_m", dict(tau_m=math.inf)),
        ("tau_s", dict(tau_s=-1e-3)),
        ("tau_s", dict(tau_s=math.nan)),
        ("dt", dict(dt=-1e-3)),
        ("dt", dict(dt=math.inf)),
        ("dt", dict(dt=np.array([1e-3, math.nan]))),
    ],
)
def test_threshold_shift_validates(name, kw):
    # review item 4: threshold_shift(-1.0, tau_m=-0.01, dt=1e-3) returned (nan, 0.0)
    args = {"sigma": 1.0, "tau_m": 0.01, "tau_s": 1e-3, "dt": 1e-3, **kw}
    with pytest.raises(ParameterError, match=name):
        dif.threshold_shift(args.pop("sigma"), **args)


def test_threshold_shift_values():
    d_th, d_r = dif.threshold_shift(np.array([0.5, 2.0]), tau_m=0.02, tau_s=2e-3, dt=5e-4)
    cs = dif.COLORED_NOISE_SHIFT * math.sqrt(0.1)
    cd = dif.DISCRETE_MONITORING_SHIFT * math.sqrt(0.025)
    assert np.allclose(d_r, [0.5 * cs, 2.0 * cs], rtol=1e-15, atol=0)
    assert np.allclose(d_th, [0.5 * (cs + cd), 2.0 * (cs + cd)], rtol=1e-15, atol=0)
    assert dif.threshold_shift(0.0, tau_m=0.01, dt=1e-3) == (0.0, 0.0)  # no noise, no shift


@pytest.mark.parametrize(
    "args,kw,name",
    [
        ((0.0, 0.0), {}, "sigma"),  # sigma = 0 is valid elsewhere but has no Kramers regime
        ((0.0, -0.1), {}, "sigma"),
        ((0.0, math.nan), {}, "sigma"),
        ((math.nan, 0.1), {}, "mu"),
        ((2.0, 0.1), {}, "y_th"),  # above threshold
        ((1.0, 0.1), {}, "y_th"),  # at threshold
        ((0.0, 0.1), dict(y_th=math.nan), "y_th"),
        ((0.0, 0.1), dict(y_th=math.inf), "y_th"),
        ((0.0, 0.1), dict(y_th=np.array([3.0, -1.0])), "y_th"),
        ((0.0, 0.1), dict(tau_m=-0.01), "tau_m"),
    ],
)
def test_kramers_rate_rejects_invalid(args, kw, name):
    # review item 5: kramers_rate(0.0, 0.0, ...) gave nan with RuntimeWarnings; y_th=nan passed
    kw = {"tau_m": 0.01, "v_th": 1.0, **kw}
    for log in (False, True):
        with pytest.raises(ParameterError, match=name):
            dif.kramers_rate(*args, log=log, **kw)


def test_isi_cv_at_threshold_without_noise_is_the_small_noise_limit():
    # review item 11: at mu == v_th, sigma = 0 the neuron does not fire; isi_cv returns the
    # sigma -> 0+ limit 0, approached like ~1.1/ln(1/sigma) (documented in isi_cv Returns)
    kw = dict(tau_m=0.01, v_th=1.0, v_reset=0.0)
    assert dif.firing_rate(1.0, 0.0, **kw) == 0.0
    assert dif.isi_cv(1.0, 0.0, **kw) == 0.0
    sig = np.array([1e-2, 1e-8, 1e-50])
    cv = dif.isi_cv(np.ones(3), sig, **kw)
    assert np.all(np.diff(cv) < 0)
    assert np.all((cv * np.log(1 / sig) > 0.9) & (cv * np.log(1 / sig) < 1.2))  # ~1.1/ln(1/sigma)
    assert cv[-1] < 0.011
    # just above threshold: regular firing, CV -> 0 as well; just below: Poisson, CV -> 1
    assert dif.isi_cv(1.0 + 1e-9, 0.0, **kw) == 0.0
    assert dif.isi_cv(1.0 - 1e-9, 0.0, **kw) == 1.0


def test_erfcx_integral_integer_input():
    # review item 23: integer arrays took the fast path and were truncated (0.0 for G(0, 0.5))
    ref = float(mp.quad(lambda s: mp.exp(s * s) * mp.erfc(s), [0, 0.5]))
    got = erfcx_integral(np.array([0]), np.array([0.5]))
    assert got.dtype == np.float64
    assert abs(got[0] - ref) <= G_RTOL * ref
    ints = erfcx_integral(np.array([0, 8]), np.array([1, 9]), np.array([1, 1]))
    flts = erfcx_integral(np.array([0.0, 8.0]), np.array([1.0, 9.0]), np.array([1.0, 1.0]))
    assert ints.dtype == np.float64
    assert np.array_equal(ints, flts)
    f32 = erfcx_integral(np.array([0.0], np.float32), np.array([0.5], np.float32))
    assert f32.dtype == np.float64 and abs(f32[0] - ref) <= G_RTOL * ref


@pytest.mark.parametrize("func", RATE_FUNCS, ids=lambda f: f.__name__)
def test_reset_at_or_above_threshold_raises(func):
    for vr in (1.0, 1.5, np.array([0.0, 1.2])):
        with pytest.raises(ParameterError, match="v_reset"):
            _call(func, v_reset=vr)


def test_v_start_above_threshold_and_bad_t_raise():
    with pytest.raises(ParameterError, match="v_start"):
        dif.mean_fpt(0.5, 0.5, tau_m=0.01, v_th=1.0, v_start=1.01)
    with pytest.raises(ParameterError, match="v_start"):
        dif.fpt_density(0.01, 0.5, 0.5, tau_m=0.01, v_th=1.0, v_start=1.01)
    with pytest.raises(ParameterError, match="t"):
        dif.fpt_density(-0.01, 0.5, 0.5, tau_m=0.01, v_th=1.0, v_start=0.0)
    with pytest.raises(ParameterError, match="v"):
        dif.stationary_density(math.nan, 0.5, 0.5, tau_m=0.01, v_th=1.0, v_reset=0.0)


@pytest.mark.parametrize("mu,sigma,v_reset,tau_ref", [(37.3, 1.35e-5, 1.0 - 1.2e-6, 0.0), (1.5e5, 19.6, 1.0 - 8.67e-6, 1.48e-4),
                                                    (1e4, 0.0, 0.999, 0.0),
                                                    # review item 18: the former density quadrature was off by
                                                    # 8e-3, 2.6e-5 and 6.5e-5 here (boundary layer of a few ulp)
                                                    (587547.9627728882, 3.2619557867612816e-05, 0.9999999859411062, 0.002),
                                                    (21742.12177710449, 0.00045521943467280993, 0.9999997868408813, 0.0),
                                                    (42985.98944253351, 0.0005117768517610609, 0.9999999897231089, 1e-4),
                                                    # below threshold, reset within 1e-6 of it: nearly all refractory
                                                    (-6.580211741312066, 17.6, 0.999999, 0.002)])
def test_moments_far_above_threshold_do_not_cancel(mu, sigma, v_reset, tau_ref):
    """The closed forms cancel here; the variance must stay positive and accurate (mpmath F3b at 80 digits)."""
    mp.mp.dps = 80
    tm, th = 0.01, 1.0
    m_, s_, vr_, tr_ = (mp.mpf(x) for x in (mu, sigma, v_reset, tau_ref))
    if sigma == 0:
        nu = 1 / (tr_ + tm * mp.log((m_ - vr_) / (m_ - th)))
    else:
        f = lambda u: mp.exp(u * u) * mp.erfc(u)  # noqa: E731  (mean-driven: erfcx(|u|))
        nu = 1 / (tr_ + tm * mp.sqrt(mp.pi) * mp.quad(f, [(m_ - th) / s_, (m_ - vr_) / s_]))
    m0 = 1 - nu * tr_
    m1 = m_ * m0 - nu * tm * (th - vr_)
    m2 = m_ * m1 + s_**2 * m0 / 2 - nu * tm * (th**2 - vr_**2) / 2
    ev, ev2 = m1 + nu * tr_ * vr_, m2 + nu * tr_ * vr_**2
    var = ev2 - ev**2
    m = dif.membrane_moments(mu, sigma, tau_m=tm, v_th=th, v_reset=v_reset, tau_ref=tau_ref)
    assert m.var > 0
    assert abs(m.var - var) <= MOMENT_RTOL * var
    assert abs(m.mean - ev) <= MOMENT_RTOL * abs(ev)


def test_no_warnings_on_extreme_batch():
    mu = np.concatenate([np.linspace(-50, 50, 101), [1.0, 1.0 - 1e-12, 1.0 + 1e-12]])
    sigma = np.array([[0.0], [1e-9], [1e-3], [0.5], [100.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = dif.firing_rate(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0, tau_ref=0.002)
        lr = dif.log_firing_rate(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0)
        g = dif.rate_gradient(mu, sigma[1:], tau_m=0.01, v_th=1.0, v_reset=0.0)
        m = dif.membrane_moments(mu, sigma, tau_m=0.01, v_th=1.0, v_reset=0.0)
    assert not np.any(np.isnan(r)) and not np.any(np.isnan(lr))
    assert np.all(np.isfinite(lr[1:]))  # -inf only for sigma = 0
    assert np.all(np.isfinite(g.dnu_dmu)) and np.all(np.isfinite(g.dnu_dsigma))
    assert not np.any(np.isnan(m.mean)) and not np.any(np.isnan(m.var))


def test_demo_table(capsys):
    from snntheory.__main__ import main

    assert main([]) == 0
    out = capsys.readouterr().out
    assert "rate (Hz)" in out and "ISI CV" in out and "e^-393.7" in out  # log rate where the rate underflows
    assert "rate = exp(x) Hz" in out  # review item 25: the e^x entries are explained


def test_demo_regime_labels_match_the_kernel_branches():
    # review item 25: "fluctuation-driven" had mu = v_reset (straddling) and "at threshold" was
    # not labelled mean-driven
    from snntheory.__main__ import CASES, NEURON, REGIMES, regime

    th, vr = NEURON["v_th"], NEURON["v_reset"]
    for label, mu, sigma in CASES:
        y_th, y_r = (th - mu) / sigma, (vr - mu) / sigma
        branch = REGIMES[0] if y_th <= 0 else (REGIMES[1] if y_r <= 0 else REGIMES[2])
        assert regime(mu) == branch
        assert [r for r in REGIMES if r in label] == [branch], label
    assert {regime(mu) for _, mu, _ in CASES} == set(REGIMES)


# --- simulate_ou: no NaN for valid input (issue 14) ------------------------------------------

#: |ln(reported SE / spread of repeats)| allowed: 3.5 SDs of the log of a sample SD from R
#: repeats (1/sqrt(2(R-1))) plus the batch-means bias of blocks a few ISIs long (about 15 %)
def _se_log_tol(r):
    return 3.5 / math.sqrt(2 * (r - 1)) + 0.15


def test_simulate_ou_tiny_run_is_finite_or_documented_nan():
    # the base call of benchmarks/bench_reliability.py: 10 neurons for 0.01 s, no spike
    run = simulate_ou(mu=0.8, sigma=0.3, dt=1e-4, t_max=0.01, n_neurons=10, tau_m=0.01, v_th=1.0, v_reset=0.0)
    assert run.spike_counts.sum() == 0 and run.n_isi == 0
    assert run.rate == 0.0 and run.rate_stderr == 0.0  # exact: no spike, no spread
    for f in ("v_mean", "v_var", "v_mean_stderr", "v_var_stderr"):
        assert math.isfinite(getattr(run, f)), f
    # documented: statistics of ISIs the run does not contain
    assert math.isnan(run.isi_mean) and math.isnan(run.isi_cv) and math.isnan(run.isi_cv_stderr)
    # one neuron: every standard error exists (blocks over time); one ISI gives a mean, no CV
    # (noise-free: spikes at tau_m ln 3 = 11.0 ms and 22.0 ms, one ISI of exactly tau_m ln 3)
    one = simulate_ou(1.5, 0.0, dt=1e-5, t_max=0.03, n_neurons=1, tau_m=0.01, v_th=1.0, v_reset=0.0,
                      v_edges=np.linspace(-0.5, 1.0, 4), seed=1)
    for f in ("rate", "rate_stderr", "v_mean", "v_var", "v_mean_stderr", "v_var_stderr"):
        assert math.isfinite(getattr(one, f)), f
    assert np.isfinite(one.v_hist).all() and np.isfinite(one.v_hist_stderr).all()
    assert one.n_isi == 1 and math.isnan(one.isi_cv)
    assert one.isi_mean == pytest.approx(0.01 * math.log(3.0), rel=1e-6)


def test_simulate_ou_single_neuron_stderr_matches_repeats():
    # batch-means standard errors of a single neuron against the spread of independent repeats
    r = 40
    runs = [simulate_ou(0.9, 0.3, dt=5e-4, t_max=1.0, n_neurons=1, tau_m=0.01, v_th=1.0, v_reset=0.0,
                        v0="uniform", seed=s) for s in range(r)]
    tol = _se_log_tol(r)
    for value, se in (("rate", "rate_stderr"), ("v_mean", "v_mean_stderr")):
        spread = np.std([getattr(x, value) for x in runs], ddof=1)
        reported = math.sqrt(np.mean([getattr(x, se) ** 2 for x in runs]))
        assert abs(math.log(reported / spread)) < tol, (value, reported, spread)
        # the check rejects a wrong estimator: the SD of the 20 block values, not of their mean
        assert abs(math.log(reported * math.sqrt(20) / spread)) > tol

"""Property-based reliability suite for ``snntheory.wiener`` (issues 12 and 14).

Typical, extreme-but-valid and invalid tiers for every public function; the perfect integrator's
stationary rate as the beta = 1 case of ``discrete.firing_probability`` (agreement to 1e-10, with
and without ``v_lower``, both resets); the deprecated ``step_mean=``/``step_std=`` keywords.
Independent references: the closed forms (m/theta, the inverse-Gaussian laws' limits), the
lattice route of ``spike_count`` (1e-3) and the step-map simulator (slow, ``mc_scale``).
"""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from snntheory import discrete, wiener
from snntheory.errors import ParameterError
from snntheory.simulate import run_step_map
from tests.strategies import typical

RESETS = st.sampled_from(["zero", "subtract"])
Z_MC = 4.5
#: wiener.firing_probability is discrete's solver at beta = 1: agreement to rounding
AGREE = 1e-10


def _prob(p):
    p = np.asarray(p, float)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1)), p


# ------------------------------------------------------------------------------------------
# issue 12: one step-map solver
# ------------------------------------------------------------------------------------------


@settings(max_examples=40)
@given(m=st.floats(-0.3, 1.5), s=st.floats(0.02, 3.0), reset=RESETS,
       lower=st.one_of(st.none(), st.floats(-1.5, 0.0)), v_th=st.floats(0.5, 1.5))
@example(m=5.0, s=0.02, reset="zero", lower=None, v_th=1.0).via("issue 14: 1.43")
@example(m=0.6, s=0.02, reset="zero", lower=None, v_th=1.0).via("issue 14: 0.461 (true 0.5)")
def test_firing_probability_is_discrete_at_beta_one(m, s, reset, lower, v_th):
    w = float(wiener.firing_probability(m, s, v_th=v_th, reset=reset, v_lower=lower))
    d = float(discrete.firing_probability(m, s, beta=1.0, v_th=v_th, reset=reset, v_lower=lower))
    _prob(w)
    assert w == pytest.approx(d, rel=AGREE, abs=1e-300)


def test_mean_driven_zero_reset_fires_every_other_step():
    # m = 0.6, theta = 1, s -> 0: two steps per spike (Wald with the ladder overshoot gave 0.461)
    assert float(wiener.firing_probability(0.6, 0.02)) == pytest.approx(0.5, abs=1e-12)
    assert float(wiener.firing_probability(5.0, 0.02)) == 1.0


@pytest.mark.parametrize("fn,args,kw", [
    ("firing_probability", (), dict(v_lower=-0.5)), ("spike_count", (50,), {}), ("mean_overshoot", (), {}),
    ("ladder_overshoot", (), {}),
])
def test_deprecated_keywords_warn_and_agree(fn, args, kw):
    f = getattr(wiener, fn)
    new = f(*args, 0.05, 0.2, **kw)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        old = f(*args, step_mean=0.05, step_std=0.2, **kw)
    assert float(old) == float(new)
    with pytest.raises(ParameterError, match="not together"):
        f(*args, 0.05, 0.2, step_mean=0.05, step_std=0.2, **kw)


# ------------------------------------------------------------------------------------------
# continuous-time first passage
# ------------------------------------------------------------------------------------------


@settings(max_examples=40)
@given(t=typical("t"), v=typical("drift"), s=typical("noise"), a=typical("distance"))
def test_fpt_laws_are_consistent(t, v, s, a):
    pdf, lp = wiener.fpt_pdf(t, v, s, distance=a), wiener.log_fpt_pdf(t, v, s, distance=a)
    cdf, lc = wiener.fpt_cdf(t, v, s, distance=a), wiener.log_fpt_cdf(t, v, s, distance=a)
    sf, ls = wiener.fpt_sf(t, v, s, distance=a), wiener.log_fpt_sf(t, v, s, distance=a)
    hit = float(wiener.hitting_probability(v, s, distance=a))
    _prob([cdf, sf, hit])
    assert not np.isnan(lp) and not np.isnan(lc) and not np.isnan(ls) and pdf >= 0
    assert lc <= 1e-15 and ls <= 1e-15
    assert cdf <= hit * (1 + 1e-12) + 1e-300
    if s > 0:
        assert cdf + sf == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=30)
@given(t1=st.floats(1e-3, 10.0), dt=st.floats(1e-3, 10.0), v=typical("drift"), s=st.floats(0.1, 5.0),
       a=typical("distance"))
def test_fpt_cdf_is_monotone(t1, dt, v, s, a):
    assert wiener.log_fpt_cdf(t1 + dt, v, s, distance=a) >= wiener.log_fpt_cdf(t1, v, s, distance=a) - 1e-12


@pytest.mark.parametrize("s", [1e-200, 1e-300, 5e-324, 0.0])
@pytest.mark.parametrize("v", [-1.0, -1e-300, 0.0, 1.0])
def test_vanishing_noise_is_the_deterministic_limit(s, v):
    # issue 14: NaN from 2 v a / s^2 with s^2 underflowing
    h = float(wiener.hitting_probability(v, s, distance=1.0))
    assert h == (1.0 if v > 0 or (v == 0 and s > 0) else 0.0) or (v == 0 and s == 0 and h == 0.0)
    for f in (wiener.log_fpt_cdf, wiener.log_fpt_sf, wiener.log_fpt_pdf):
        assert not np.isnan(f(np.array([0.5, 2.0, np.inf]), v, s, distance=1.0)).any()


@settings(max_examples=30)
@given(v=typical("drift"), s=typical("noise"), v_th=typical("v_th"), gap=st.floats(0.05, 2.0),
       below=st.one_of(st.none(), st.floats(0.0, 2.0)), ref=typical("tau_ref"))
def test_mean_fpt_and_rate(v, s, v_th, gap, below, ref):
    lower = None if below is None else v_th - gap - below
    t = float(wiener.mean_fpt(v, s, v_th=v_th, v_start=v_th - gap, v_lower=lower))
    assert t > 0 and not math.isnan(t)
    r = float(wiener.firing_rate(v, s, v_th=v_th, v_reset=v_th - gap, tau_ref=ref, v_lower=lower))
    assert r >= 0 and math.isfinite(r)
    if ref > 0:
        assert r <= 1 / ref


# ------------------------------------------------------------------------------------------
# discrete time: counts, overshoots, layers
# ------------------------------------------------------------------------------------------


@settings(max_examples=25)
@given(n=st.integers(1, 400), m=st.floats(-0.5, 10.0), s=st.floats(0.05, 1.0), reset=RESETS,
       method=st.sampled_from(["exact", "renewal"]))
@example(n=100, m=5.0, s=0.1, reset="zero", method="renewal").via("issue 14: 142 spikes in 100 steps")
def test_spike_count_is_at_most_one_per_step(n, m, s, reset, method):
    c = float(wiener.spike_count(n, m, s, reset=reset, method=method))
    assert 0.0 <= c <= n * (1 + 1e-12)


@settings(max_examples=10)
@given(n=st.lists(st.integers(1, 300), min_size=2, max_size=4), m=st.floats(-0.1, 0.3), s=st.floats(0.1, 0.5))
def test_spike_count_batch_is_elementwise_and_monotone(n, m, s):
    batch = wiener.spike_count(np.array(n), m, s)
    np.testing.assert_allclose(batch, [float(wiener.spike_count(k, m, s)) for k in n], rtol=1e-12)
    order = np.argsort(n)
    assert np.all(np.diff(np.asarray(batch)[order]) >= -1e-12)


@settings(max_examples=20)
@given(m=st.floats(-2.0, 1.0), s=st.floats(0.01, 0.5), v_th=st.floats(0.3, 2.0))
@example(m=-1.0, s=0.02, v_th=0.5).via("issue 14: NaN")
def test_overshoots_are_positive_and_finite(m, s, v_th):
    r = float(wiener.mean_overshoot(m, s, v_th=v_th))
    assert math.isfinite(r) and r > 0
    ladder = float(wiener.ladder_overshoot(m, s))
    assert math.isfinite(ladder) and ladder > 0
    # conditioned on crossing, a step that crosses from below overshoots by at most a few SDs
    # beyond its drift
    assert r <= max(m, 0.0) + 10 * s


def test_overshoot_of_strong_downward_drift_tends_to_the_gaussian_excess():
    # crossing only by a single huge jump from the reset: E[Z - c | Z > c] ~ s/c (c = 75)
    r = float(wiener.mean_overshoot(-1.0, 0.02, v_th=0.5))
    assert 0 < r < 0.02 * 0.1


@settings(max_examples=10)
@given(n_in=st.integers(1, 500), p_in=typical("p_in"), w_mean=typical("w_mean"), w_std=typical("w_std"))
def test_step_statistics(n_in, p_in, w_mean, w_std):
    st_ = wiener.step_statistics(n_in=n_in, p_in=p_in, w_mean=w_mean, w_std=w_std)
    assert math.isfinite(st_.step_mean) and st_.step_std >= 0


@settings(max_examples=8)
@given(depth=st.integers(1, 4), w_mean=st.floats(0.0, 0.2), w_std=st.floats(0.0, 0.2), p_in=st.floats(0.01, 0.9),
       reset=RESETS)
@example(depth=1, w_mean=1.0, w_std=0.1, p_in=0.5, reset="zero").via("issue 14: 1.9 spikes per step")
def test_layer_rates_are_probabilities(depth, w_mean, w_std, p_in, reset):
    r = wiener.layer_rates([50] * (depth + 1), w_mean, w_std, p_in=p_in, n_steps=100, reset=reset)
    _prob(r.rates)
    assert np.all(r.second_moment >= r.rates**2 * (1 - 1e-12))


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_inverse_functions_round_trip(reset):
    mu = float(wiener.weight_mean_for_rate(0.05, n_in=100, p_in=0.1, w_std=0.05, reset=reset))
    st_ = wiener.step_statistics(n_in=100, p_in=0.1, w_mean=mu, w_std=0.05)
    assert float(wiener.firing_probability(st_.step_mean, st_.step_std, reset=reset)) == pytest.approx(0.05, rel=1e-8)
    sw = float(wiener.weight_std_for_rate(0.02, n_in=100, p_in=0.1, v_lower=-0.5, reset=reset))
    assert float(wiener.firing_probability(0.0, sw * math.sqrt(10), v_lower=-0.5, reset=reset)) == pytest.approx(
        0.02, rel=1e-8)


# ------------------------------------------------------------------------------------------
# invalid tier
# ------------------------------------------------------------------------------------------

BAD = st.sampled_from([None, "x", math.nan, [0.1, math.nan], object()])


@settings(max_examples=25)
@given(fn=st.sampled_from(["firing_probability", "mean_overshoot", "ladder_overshoot"]), bad=BAD,
       which=st.sampled_from([0, 1]))
def test_invalid_per_step_arguments_raise(fn, bad, which):
    args = [0.05, 0.1]
    args[which] = bad
    with pytest.raises(ParameterError, match=r"\b" + ("m" if which == 0 else "s") + r"\b"):
        getattr(wiener, fn)(*args)


@settings(max_examples=20)
@given(fn=st.sampled_from(["fpt_pdf", "fpt_cdf", "fpt_sf", "log_fpt_pdf", "log_fpt_cdf", "log_fpt_sf"]), bad=BAD,
       which=st.sampled_from(["t", "drift", "noise", "distance"]))
def test_invalid_fpt_arguments_raise(fn, bad, which):
    kw = dict(t=1.0, drift=1.0, noise=1.0, distance=1.0)
    kw[which] = bad
    with pytest.raises(ParameterError, match=which):
        getattr(wiener, fn)(kw["t"], kw["drift"], kw["noise"], distance=kw["distance"])


def test_shapes_empties_and_missing_arguments_raise():
    with pytest.raises(ParameterError, match="broadcast"):
        wiener.firing_probability([0.1, 0.2], [0.1, 0.2, 0.3])
    with pytest.raises(ParameterError, match="broadcast"):
        wiener.fpt_cdf([1.0, 2.0], [1.0, 2.0, 3.0], 1.0, distance=1.0)
    with pytest.raises(ParameterError, match="empty"):
        wiener.spike_count([], 0.1, 0.1)
    with pytest.raises(ParameterError, match="m"):
        wiener.firing_probability()
    with pytest.raises(ParameterError, match="widths"):
        wiener.layer_rates(None, 0.0, 0.1, p_in=0.1, n_steps=10)
    with pytest.raises(ParameterError, match="w_means"):
        wiener.layer_rates([10, 10, 10], [0.0, 0.1, 0.2], 0.1, p_in=0.1, n_steps=10)
    with pytest.raises(ParameterError, match="method"):
        wiener.spike_count(10, 0.1, 0.1, method=None)


# ------------------------------------------------------------------------------------------
# against the step-map simulator
# ------------------------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=5, deadline=None)
@given(m=st.floats(-0.05, 1.5), s=st.floats(0.05, 1.0), reset=RESETS, lower=st.sampled_from([None, 0.0, -0.5]))
def test_rate_matches_simulation_on_random_draws(m, s, reset, lower, mc_scale):
    if lower is None and m <= 0:
        return
    p = float(wiener.firing_probability(m, s, reset=reset, v_lower=lower))
    run = run_step_map(lambda rng, shape: m + s * rng.standard_normal(shape), n_neurons=int(1000 * mc_scale),
                       n_steps=3000, beta=1.0, reset=reset, v_lower=lower, burn_in=3000, seed=3, chunk=500)
    se = max(run.rate_stderr, 1.0 / (run.n_steps * run.spike_counts.size))
    assert abs(p - run.rate) <= Z_MC * se, (p, run.rate, se)

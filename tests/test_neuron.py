"""Tests of snntheory.neuron: the LIF parameter object and the layer input statistics (Campbell)."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import LIF
from snntheory.errors import ParameterError
from snntheory.neuron import (
    IncrementDistribution, free_membrane, increment_distribution, layer_input, layer_membrane,
)
from snntheory.simulate import run_step_map

#: Closed-form geometric sums vs 20000-term direct sums (truncation below 1e-15 for beta <= 0.99).
RTOL_SUM = 1e-12
#: Monte Carlo agreement in standard errors.
Z_MC = 4.0


# ------------------------------------------------------------------------------------- LIF


def test_lif_views_and_from_beta():
    n = LIF(0.02, 1e-3, tau_ref=2e-3, tau_s=5e-3)
    assert n.beta == pytest.approx(math.exp(-0.05))
    assert n.alpha == pytest.approx(math.exp(-0.2))
    assert n.ref_steps == 2
    m = LIF.from_beta(n.beta, dt=1e-3)
    assert m.tau_m == pytest.approx(0.02, rel=1e-12)
    assert LIF.from_beta(1.0).tau_m == math.inf and LIF(math.inf, 1e-3).beta == 1.0
    assert "beta=0.951229" in repr(n)
    with pytest.raises(dataclasses.FrozenInstanceError):
        n.beta = 0.5


@pytest.mark.parametrize("kwargs,name", [
    (dict(tau_m=-0.01, dt=1e-3), "tau_m"), (dict(tau_m=0.02, dt=1e-3, v_reset=1.0), "v_reset"),
    (dict(tau_m=0.02, dt=1e-3, reset="hard"), "reset"), (dict(tau_m=0.02, dt=1e-3, tau_ref=1.5e-3), "tau_ref"),
    (dict(tau_m=math.inf, dt=1e-3, input_gain="1-beta"), "1-beta"),
])
def test_lif_validation(kwargs, name):
    with pytest.raises(ParameterError, match=name):
        LIF(**kwargs)
    with pytest.raises(ParameterError, match="beta"):
        LIF.from_beta(1.5)


@pytest.mark.parametrize("beta,alpha,gain", [(0.95, 0.0, "unit"), (0.9, 0.0, "1-beta"), (0.95, 0.8, "unit"),
                                             (0.9, 0.7, "1-beta"), (0.9, 0.9, "unit")])
def test_kernel_sums_match_direct_sums(beta, alpha, gain):
    n = LIF.from_beta(beta, alpha=alpha, input_gain=gain)
    k = n.kernel(20000)
    s1, s2 = n.kernel_sums()
    assert s1 == pytest.approx(k.sum(), rel=RTOL_SUM)
    assert s2 == pytest.approx((k * k).sum(), rel=RTOL_SUM)


def test_kernel_is_the_impulse_response_of_the_step_map():
    n = LIF.from_beta(0.9, alpha=0.6)
    j = v = 0.0
    out = []
    for t in range(30):
        j = n.alpha * j + (1.0 if t == 0 else 0.0)
        v = n.beta * v + n.gain * j
        out.append(v)
    np.testing.assert_allclose(out, n.kernel(30), rtol=1e-13)


# ------------------------------------------------------------------------------- Campbell


@settings(max_examples=30)
@given(n_in=st.integers(1, 400), p_in=st.floats(0.0, 1.0), w_mean=st.floats(-0.1, 0.1),
       w_std=st.floats(0.01, 0.3))
def test_layer_input_matches_the_mixture_moments(n_in, p_in, w_mean, w_std):
    li = layer_input(n_in, p_in, w_mean, w_std)
    d = increment_distribution(n_in, p_in, w_mean, w_std)
    assert d.mean == pytest.approx(float(li.mean), rel=1e-9, abs=1e-15)
    assert d.var == pytest.approx(float(li.var), rel=1e-9, abs=1e-15)
    assert float(li.var) == pytest.approx(float(li.temporal_var + li.quenched_var), rel=1e-12, abs=1e-18)
    assert d.atom_mass + d.weights.sum() == pytest.approx(1.0, abs=1e-12)


def test_layer_input_broadcasts():
    li = layer_input(np.array([10, 100]), 0.1, np.array([[0.0], [0.01]]), 0.1)
    assert li.mean.shape == (2, 2)
    assert np.isscalar(layer_input(10, 0.1, 0.0, 0.1).var)


@pytest.mark.parametrize("name,args", [("n_in", (0, 0.1, 0.0, 0.1)), ("n_in", (2.5, 0.1, 0.0, 0.1)),
                                       ("p_in", (10, 1.5, 0.0, 0.1)), ("w_std", (10, 0.1, 0.0, -0.1))])
def test_layer_input_validation(name, args):
    with pytest.raises(ParameterError, match=name):
        layer_input(*args)


def test_quenched_decomposition_matches_sampled_weights():
    """Across neurons with fixed weights, the mean increment p sum_j W_j has variance
    n p^2 w_std^2, and the average temporal variance is p(1-p) E[sum W^2]."""
    rng = np.random.default_rng(0)
    n_in, p, mu, sd, n_neurons = 200, 0.05, 0.01, 0.1, 20000
    W = mu + sd * rng.standard_normal((n_neurons, n_in))
    li = layer_input(n_in, p, mu, sd)
    means = p * W.sum(1)
    temporal = p * (1 - p) * (W**2).sum(1)
    assert means.var() == pytest.approx(li.quenched_var, rel=Z_MC * math.sqrt(2 / n_neurons))
    assert temporal.mean() == pytest.approx(li.temporal_var, rel=Z_MC * temporal.std() / temporal.mean()
                                            / math.sqrt(n_neurons))


def test_mixture_sampler_and_quenched_variance():
    rng = np.random.default_rng(1)
    d = increment_distribution(50, 0.1, 0.05, 0.2)
    x = d.sample(rng, 400000)
    assert x.mean() == pytest.approx(d.mean, abs=Z_MC * math.sqrt(d.var / x.size))
    assert x.var() == pytest.approx(d.var, rel=Z_MC * math.sqrt(2 / x.size) * 1.5)
    assert np.mean(x == 0.0) == pytest.approx(d.atom_mass, abs=Z_MC * math.sqrt(d.atom_mass / x.size))
    # without replacement from a fixed weight vector: variance factor (n - k)/(n - 1)
    q = increment_distribution(50, 0.1, 0.05, 0.2, quenched=True)
    k = np.rint(q.means / 0.05)
    np.testing.assert_allclose(q.sds**2, k * 0.04 * (50 - k) / 49, rtol=1e-12)
    with pytest.raises(ParameterError, match="w_std"):
        increment_distribution(50, 0.1, 0.05, 0.0)
    g = IncrementDistribution.gaussian(0.1, 0.0)
    assert g.atom_mass == 1.0 and g.mean == 0.1 and g.var == 0.0


@pytest.mark.parametrize("kw", [dict(), dict(alpha=0.7), dict(input_gain="1-beta"),
                                dict(alpha=0.5, input_gain="1-beta")])
def test_free_membrane_matches_threshold_free_simulation(kw):
    n = LIF.from_beta(0.9, v_th=1.0, **kw)
    m, s = 0.05, 0.2
    fm = free_membrane(n, m, s)
    run = run_step_map(lambda g, shape: m + s * g.standard_normal(shape), n_neurons=2000, n_steps=2000, beta=n.beta,
                       v_th=1e9, alpha=n.alpha, gain=n.gain, burn_in=300, seed=2)
    # neuron-steps are correlated over ~1/(1-beta) steps: ~2000*2000/20 effective samples
    n_eff = 2000 * 2000 / 20
    assert run.v_mean == pytest.approx(fm.mean, abs=Z_MC * math.sqrt(fm.var / n_eff) * 3)
    assert run.v_var == pytest.approx(fm.var, rel=0.02)


def test_free_membrane_perfect_integrator_and_layer_membrane():
    fm = free_membrane(LIF.from_beta(1.0), np.array([0.0, 0.1, -0.1]), 0.1)
    assert list(fm.mean) == [0.0, math.inf, -math.inf] and np.all(fm.var == math.inf)
    n = LIF.from_beta(0.95)
    lm = layer_membrane(n, 200, 0.05, 0.01, 0.1)
    li = layer_input(200, 0.05, 0.01, 0.1)
    s1, s2 = n.kernel_sums()
    assert lm.mean == pytest.approx(li.mean * s1) and lm.var == pytest.approx(li.var * s2)
    assert lm.quenched_var == pytest.approx(li.quenched_var * s1**2)
    lm1 = layer_membrane(LIF.from_beta(1.0), 200, 0.05, 0.0, 0.1)  # beta = 1 is accepted: not stationary
    assert lm1.mean == 0.0 and lm1.var == math.inf and lm1.quenched_var == math.inf


def test_from_beta_validates_dt_first():
    """Review item 15: a bad dt is reported as dt, not as the derived tau_m."""
    for dt in (-1e-3, 0.0, math.nan):
        with pytest.raises(ParameterError, match=r"^dt must be"):
            LIF.from_beta(0.9, dt=dt)


@pytest.mark.parametrize("gain", [math.nan, math.inf, 0.0, -1.0, "x"])
def test_increment_distribution_rejects_bad_gain(gain):
    """Review item 15: gain is validated (finite, > 0)."""
    with pytest.raises(ParameterError, match="gain"):
        increment_distribution(100, 0.05, 0.0, 0.1, gain=gain)


def test_increment_distribution_rejects_array_n_in():
    """Review item 15: an array fan-in is a ParameterError, not a TypeError."""
    with pytest.raises(ParameterError, match="n_in must be a scalar integer"):
        increment_distribution(np.array([10, 20]), 0.05, 0.0, 0.1)

"""Tests of snntheory.simulate.network: deep feed-forward networks of the canonical step map."""

import math

import numpy as np
import pytest

from snntheory import LIF
from snntheory.errors import ParameterError
from snntheory.simulate import NetworkRun, network, run_step_map

#: standard errors for Monte Carlo agreement
Z_MC = 4.0


def test_result_shapes_and_reproducibility():
    kw = dict(neuron=LIF(0.02, 1e-3), input_rate=40.0, n_steps=300, batch=2)
    a = network([50, 30, 20], 0.05, 0.1, seed=7, **kw)
    b = network([50, 30, 20], 0.05, 0.1, seed=7, **kw)
    c = network([50, 30, 20], 0.05, 0.1, seed=8, **kw)
    assert isinstance(a, NetworkRun)
    assert a.rates.shape == (3,) and a.population_spikes.shape == (3, 300)
    assert [r.shape for r in a.neuron_rates] == [(50,), (30,), (20,)]
    np.testing.assert_array_equal(a.population_spikes, b.population_spikes)
    assert not np.array_equal(a.population_spikes, c.population_spikes)
    np.testing.assert_allclose(a.p, a.rates * 1e-3)
    assert np.all((a.silent_fraction >= 0) & (a.silent_fraction <= 1))
    # population rate from the per-neuron rates and from the population spike counts agree
    np.testing.assert_allclose(a.rates, a.population_spikes.sum(1) / (np.array([50, 30, 20]) * 300 * 2) / 1e-3)


def test_same_step_convention():
    # one input, weight = threshold: a spike crosses every layer within the same step
    run = network([1, 1, 1, 1], 1.0, 0.0, neuron=LIF.from_beta(1.0), input_rate=300.0, n_steps=500, seed=3)
    pop = run.population_spikes
    assert pop[0].sum() > 100
    for layer in (1, 2, 3):
        np.testing.assert_array_equal(pop[layer], pop[0])


def test_subtractive_perfect_integrator_conserves_drive():
    # w_std = 0, w_mean = theta/n, subtract: every theta of drive is one spike, so each layer's
    # spike count equals its input spike count / n up to the charge left on the membrane (< 1 spike)
    n, steps = 100, 2000
    run = network([n, n, n], 1.0 / n, 0.0, neuron=LIF.from_beta(1.0, reset="subtract"), input_rate=80.0,
                  n_steps=steps, seed=4)
    total = run.population_spikes.sum(1)
    assert abs(total[1] / n - total[0] / n) < 1.0 + 1e-9
    assert abs(total[2] / n - total[1] / n) < 1.0 + 1e-9


@pytest.mark.slow
@pytest.mark.parametrize("neuron", [
    LIF(0.02, 1e-3),
    LIF(0.02, 1e-3, reset="subtract", tau_s=5e-3),
    LIF(0.01, 1e-3, tau_ref=2e-3, input_gain="1-beta"),
    LIF(0.02, 1e-3, reset="subtract", reset_delay=True),
], ids=["lif", "synaptic-subtract", "refractory-gain", "delayed-reset"])
def test_first_layer_matches_step_map_simulator(neuron, mc_scale):
    # the first hidden layer is a set of step-map neurons driven by I = S_in @ W; run_step_map
    # with the same quenched weights and fresh Bernoulli inputs is an independent implementation
    n_in, n_out, p = 100, int(2000 * mc_scale), 0.05
    steps = 2000
    w_mean, w_std = 0.02, 0.08
    run = network([n_in, n_out], w_mean, w_std, neuron=neuron, input_rate=p / neuron.dt, n_steps=steps, seed=1)
    rng = np.random.default_rng(1)
    weights = w_mean + w_std * rng.standard_normal((n_in, n_out))  # same law, independent draw
    ref = run_step_map(lambda g, shape: (g.random((shape[0], n_in)) < p).astype(float) @ weights,
                       n_neurons=n_out, n_steps=steps, beta=neuron.beta, v_th=neuron.v_th,
                       v_reset=neuron.v_reset, reset=neuron.reset, ref_steps=neuron.ref_steps, alpha=neuron.alpha,
                       gain=neuron.gain, reset_delay=neuron.reset_delay, seed=2)
    # two independent weight draws: the spread across neurons sets the standard error of each mean
    se = math.hypot(run.rate_stderr[1] * neuron.dt, ref.rate_stderr)
    assert abs(run.p[1] - ref.rate) <= Z_MC * se, (run.p[1], ref.rate, se)
    assert run.rates[0] * neuron.dt == pytest.approx(p, rel=0.05)


@pytest.mark.slow
def test_float32_and_float64_weights_give_the_same_rates():
    kw = dict(neuron=LIF.from_beta(1.0), input_rate=50.0, n_steps=1000, seed=5)
    a = network([300, 300, 300], 0.0, math.sqrt(2 / 300), dtype=np.float32, **kw)
    b = network([300, 300, 300], 0.0, math.sqrt(2 / 300), dtype=np.float64, **kw)
    # identical random streams; float32 rounding of the weights (6e-8 relative) can flip a spike
    # only when V lands within ~1e-7 of threshold, so the counts agree to a tiny fraction
    np.testing.assert_allclose(a.rates, b.rates, rtol=1e-3)


def test_dense_matmul_branch_matches_gather():
    # p = 0.5 > 1/8 active inputs: the matmul branch; compare with the same network at p = 0.5
    # run in float64 (gather and matmul give the same drive to rounding)
    kw = dict(neuron=LIF(0.02, 1e-3, reset="subtract"), input_rate=500.0, n_steps=400, seed=9)
    a = network([40, 30, 20], 0.01, 0.05, dtype=np.float64, **kw)
    b = network([40, 30, 20], 0.01, 0.05, dtype=np.float32, **kw)
    np.testing.assert_allclose(a.rates, b.rates, rtol=0.01)


def test_lower_bound_and_uniform_weights():
    n = 200
    kw = dict(neuron=LIF.from_beta(1.0), input_rate=50.0, n_steps=1000, seed=6)
    free = network([n, n], 0.0, 0.1, **kw)
    bounded = network([n, n], 0.0, 0.1, v_lower=0.0, **kw)
    assert bounded.rates[1] > free.rates[1]  # the floor removes the long excursions (S2)
    uni = network([n, n], 0.0, 1 / math.sqrt(3 * n), weight_dist="uniform", **kw)
    assert 0 < uni.rates[1] < kw["input_rate"]


def test_validation():
    nrn = LIF.from_beta(1.0)
    with pytest.raises(ParameterError, match="input_rate"):
        network([10, 10], 0.0, 0.1, neuron=nrn, input_rate=2000.0, n_steps=10)
    with pytest.raises(ParameterError, match="widths"):
        network([10], 0.0, 0.1, neuron=nrn, input_rate=10.0, n_steps=10)
    with pytest.raises(ParameterError, match="w_std"):
        network([10, 10], 0.0, -0.1, neuron=nrn, input_rate=10.0, n_steps=10)
    with pytest.raises(ParameterError, match="v_lower"):
        network([10, 10], 0.0, 0.1, neuron=nrn, input_rate=10.0, n_steps=10, v_lower=0.5)
    with pytest.raises(ParameterError, match="weight_dist"):
        network([10, 10], 0.0, 0.1, neuron=nrn, input_rate=10.0, n_steps=10, weight_dist="cauchy")


#: membrane SD, plan (depth-model chain) vs simulate.network: layer 1 sees Bernoulli input, for
#: which the chain is exact up to the Monte Carlo error (measured 1 %); deeper layers see LIF
#: trains whose temporal structure the model matches only in variance (measured 0-3 %)
V_STD_TOL_FIRST, V_STD_TOL_DEEP = 0.03, 0.08


@pytest.mark.slow
def test_membrane_statistics_per_layer_match_the_plan(mc_scale):
    from snntheory.inverse import init_network

    plan = init_network([200] * 5, neuron=LIF.from_beta(0.9), input_rate=50.0, map_gain=False)
    run = plan.simulate(n_steps=int(8000 * mc_scale) + 2000, seed=3)
    assert np.isnan(run.v_mean[0]) and np.isnan(run.v_std[0])
    v_std = np.array([layer.v_std for layer in plan.layers])
    np.testing.assert_allclose(run.v_std[1], v_std[0], rtol=V_STD_TOL_FIRST)
    np.testing.assert_allclose(run.v_std[2:], v_std[1:], rtol=V_STD_TOL_DEEP)
    # the post-reset potential never reaches the threshold (zero reset)
    assert np.all(run.v_mean[1:] < 1.0)


def test_tiny_run_is_finite_except_the_input_membrane():
    # the base call of benchmarks/bench_reliability.py; only the input layer's membrane entries
    # are NaN (documented: a Bernoulli source has no membrane potential)
    run = network(widths=[20, 10], w_means=[0.02], w_stds=[0.1], neuron=LIF.from_beta(0.9), input_rate=20.0,
                  n_steps=20)
    for f in ("rates", "silent_fraction", "rate_stderr"):
        assert np.isfinite(getattr(run, f)).all(), f
    assert np.isnan(run.v_mean[0]) and np.isnan(run.v_std[0])
    assert np.isfinite(run.v_mean[1:]).all() and np.isfinite(run.v_std[1:]).all()
    # layers of one neuron: the error comes from the batch, or from blocks of time
    for batch in (1, 3):
        one = network([1, 1], 1.0, 0.0, neuron=LIF.from_beta(0.9), input_rate=300.0, n_steps=50, batch=batch)
        assert np.isfinite(one.rate_stderr).all() and np.all(one.rate_stderr > 0)


def test_single_neuron_stderr_is_right():
    # an input layer of one Bernoulli neuron: the exact standard error of its rate is
    # sqrt(p (1 - p) / n_steps) / dt (binomial), which the batch-means estimate must reproduce on
    # average; the hidden neuron (w_std = 0: the same weights in every repeat) is checked against
    # the spread of independent repeats
    r, n_steps, p, dt = 30, 2000, 0.05, 1e-3
    runs = [network([50, 1], 0.05, 0.0, neuron=LIF.from_beta(0.9), input_rate=p / dt, n_steps=n_steps, seed=s)
            for s in range(r)]
    tol = 3.5 / math.sqrt(2 * (r - 1)) + 0.15  # ln of a sample SD of r repeats, + batch-means bias
    # the 50-neuron input layer uses the per-neuron spread: exact SE sqrt(p(1-p)/(50 n))/dt
    exact_in = math.sqrt(p * (1 - p) / (50 * n_steps)) / dt
    reported = np.sqrt(np.mean([x.rate_stderr ** 2 for x in runs], axis=0))
    assert abs(math.log(reported[0] / exact_in)) < 3.5 / math.sqrt(2 * (r * 50 - 1))
    spread = np.std([x.rates[1] for x in runs], ddof=1)
    assert abs(math.log(reported[1] / spread)) < tol, (reported[1], spread)
    assert abs(math.log(reported[1] * math.sqrt(20) / spread)) > tol  # a wrong estimator is rejected
    one = [network([1, 1], 1.0, 0.0, neuron=LIF.from_beta(0.9), input_rate=p / dt, n_steps=n_steps, seed=s)
           for s in range(r)]
    exact_one = math.sqrt(p * (1 - p) / n_steps) / dt
    reported_one = math.sqrt(np.mean([x.rate_stderr[0] ** 2 for x in one]))
    # 20 blocks x r runs of i.i.d. block means: the pooled variance has relative SD sqrt(2/(19 r))
    assert abs(math.log(reported_one / exact_one)) < 3.5 * math.sqrt(0.5 / (19 * r))

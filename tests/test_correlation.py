"""Correlation map of two replicas of a layer (snntheory.network.correlation_map and friends)
against the two-replica simulator (snntheory.simulate.replica_network): the same weight draw,
two Bernoulli inputs of per-step correlation c."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from snntheory import LIF
from snntheory.errors import ParameterError
from snntheory.network import CorrelationMap, correlation_depth, correlation_fixed_point, correlation_map
from snntheory.simulate import correlated_bernoulli, replica_network

#: standard errors for Monte Carlo agreement
Z_MC = 4.0
#: the issue's tolerance for one layer, in c
TOL_C = 0.05

CASES = [  # beta, reset, n, input rate (Hz), w_mean, w_std
    (0.9, "zero", 200, 100.0, 0.01, 0.05),
    (1.0, "subtract", 200, 100.0, 0.005, 0.05),
    (0.8, "subtract", 150, 100.0, 0.012, 0.06),
]


@pytest.fixture(autouse=True)
def _one_blas_thread():
    with threadpool_limits(1):
        yield


def _sim(beta, reset, n, rate, wm, ws, c, seed=1, n_steps=3000, widths=None):
    return replica_network(widths or [n, n], wm, ws, neuron=LIF.from_beta(beta, reset=reset), input_rate=rate, c=c,
                           n_steps=n_steps, seed=seed, batch=4)


def _sim_draws(case, c, seeds=(1, 2, 3), n_steps=2000):
    """Step and count correlation of layer 1 averaged over weight draws, with standard errors
    from the spread over the draws (a finite layer's quenched rate spread differs from draw to
    draw: ~sqrt(2/n) relative, the dominant error of one draw)."""
    runs = [_sim(*case, c, seed=s, n_steps=n_steps) for s in seeds]
    st = np.array([r.step_corr[1] for r in runs])
    ct = np.array([r.count_corr[1] for r in runs])
    k = len(seeds)
    return st.mean(), st.std(ddof=1) / np.sqrt(k), ct.mean(), ct.std(ddof=1) / np.sqrt(k)


@pytest.mark.parametrize("c", [0.0, 0.3, 0.8])
def test_correlated_input_generation(c):
    rng = np.random.default_rng(5)
    a, b = correlated_bernoulli(rng, (200_000,), 0.1, c)
    assert abs(a.mean() - 0.1) < Z_MC * np.sqrt(0.09 / a.size)
    assert abs(b.mean() - 0.1) < Z_MC * np.sqrt(0.09 / b.size)
    r = np.corrcoef(a, b)[0, 1]
    assert abs(r - c) < Z_MC / np.sqrt(a.size)      # SE of a correlation <= 1/sqrt(N)
    run = replica_network([300, 10], 0.01, 0.05, neuron=LIF.from_beta(0.9), input_rate=100.0, c=c, n_steps=800,
                          seed=2, batch=2)
    assert abs(run.step_corr[0] - c) < Z_MC / np.sqrt(300 * 800 * 2)
    assert abs(run.count_corr[0] - c) < Z_MC / np.sqrt(300 * 50 * 2)


@pytest.mark.parametrize("case", CASES)
def test_one_layer_matches_simulation(case):
    cs = [0.0, 0.6]
    cm = correlation_map(cs, neuron=LIF.from_beta(case[0], reset=case[1]), n_in=case[2], input_rate=case[3],
                         w_mean=case[4], w_std=case[5])
    assert isinstance(cm, CorrelationMap)
    for k, c in enumerate(cs):
        st, st_se, ct, ct_se = _sim_draws(case, c)
        assert abs(cm.c_step[k] - st) < TOL_C + Z_MC * st_se
        assert abs(cm.c_count[k] - ct) < TOL_C + Z_MC * ct_se
    # the map increases with the input correlation
    assert cm.c_step[1] > cm.c_step[0] and cm.c_count[1] > cm.c_count[0] and cm.rho_out[1] > cm.rho_out[0]


def test_wrong_weights_fail_the_comparison():
    beta, reset, n, rate, wm, ws = CASES[0]
    cm = correlation_map(0.0, neuron=LIF.from_beta(beta, reset=reset), n_in=n, input_rate=rate, w_mean=wm,
                         w_std=ws)
    # half the weight spread the theory assumes (5 draws: the draw-to-draw spread of a count
    # correlation at c = 0 is ~0.04)
    st, st_se, ct, ct_se = _sim_draws((beta, reset, n, rate, wm, 0.5 * ws), 0.0, seeds=(1, 2, 3, 4, 5))
    assert abs(cm.c_count[0] - ct) > TOL_C + Z_MC * ct_se


def test_limits():
    nrn = LIF.from_beta(0.9)
    # identical inputs from identical initial states: identical outputs
    cm = correlation_map(1.0, neuron=nrn, n_in=200, input_rate=100.0, w_mean=0.01, w_std=0.05)
    assert cm.c_step[0] == 1.0 and cm.c_count[0] == 1.0 and cm.rho_out[0] == 1.0
    run = _sim(0.9, "zero", 200, 100.0, 0.01, 0.05, 1.0, n_steps=300)
    assert run.step_corr[1] == pytest.approx(1.0) and run.count_corr[1] == pytest.approx(1.0)
    # no weight spread: no shared (quenched) rate differences, so independent inputs give
    # independent outputs
    cm0 = correlation_map(0.0, neuron=nrn, n_in=200, input_rate=100.0, w_mean=0.012, w_std=0.0)
    # (the count's lagged terms carry the chain's convergence tolerance, 1e-7 per step)
    assert abs(cm0.c_step[0]) < 1e-6 and abs(cm0.c_count[0]) < 1e-3
    run0 = _sim(0.9, "zero", 200, 100.0, 0.012, 0.0, 0.0)
    assert abs(run0.step_corr[1]) < Z_MC * run0.step_corr_se[1] + 0.01
    assert abs(run0.count_corr[1]) < Z_MC * run0.count_corr_se[1] + 0.01


def test_validation():
    kw = dict(n_in=100, input_rate=100.0, w_mean=0.01, w_std=0.05)
    with pytest.raises(ParameterError, match="c must be"):
        correlation_map(1.2, neuron=LIF.from_beta(0.9), **kw)
    with pytest.raises(ParameterError, match="refractor"):
        correlation_map(0.5, neuron=LIF(0.02, 1e-3, tau_ref=3e-3), **kw)
    with pytest.raises(ParameterError, match="c must be"):
        replica_network([10, 10], 0.0, 0.1, neuron=LIF.from_beta(0.9), input_rate=10.0, c=-0.1, n_steps=10)


@pytest.mark.slow
def test_fixed_point_and_slope(request):
    fp = correlation_fixed_point(neuron=LIF.from_beta(0.9), n_in=200, input_rate=100.0, w_mean=0.01, w_std=0.05,
                                 grid=6 if request.config.getoption("--full") else 4)
    assert fp["fixed_points"][0] == 0.0 and fp["fixed_points"][-1] == 1.0
    assert np.all(np.diff(fp["f"]) > 0)
    # the map lies below the identity: the drive correlation decays to c* = 0 (slope < 1 there),
    # and nearby inputs decorrelate (one-sided slope at c = 1 above 1: "chaotic" in ANN terms)
    assert fp["c_star"] == 0.0 and fp["chi_c"] > 1.0 and fp["chi_0"] < 1.0


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="10 layers: the issue's 5 % in c is not met in every layer "
                   "(benchmarks/results/correlation.md)")
@pytest.mark.parametrize("case", [(0.9, "zero"), (1.0, "subtract")])
def test_ten_layers(case, request):
    if not request.config.getoption("--full"):
        pytest.skip("10-layer comparison: ~40 s per case, run with --full (numbers in benchmarks/results/correlation.md)")
    from snntheory.inverse import init_network
    nrn = LIF.from_beta(case[0], reset=case[1])
    widths = [200] * 11
    plan = init_network(widths, neuron=nrn, input_rate=100.0, target_rate=100.0, weight_dist="normal",
                        calibrate=False, map_gain=False)
    cd = correlation_depth(0.5, plan)
    run = replica_network(widths, plan.w_means, plan.w_stds, neuron=nrn, input_rate=100.0, c=0.5, n_steps=3000,
                          seed=2, batch=4)
    np.testing.assert_allclose(cd.c_count, run.count_corr[1:], rtol=0.05)
    np.testing.assert_allclose(cd.c_step, run.step_corr[1:], rtol=0.05)


def test_depth_accepts_a_plan_and_starts_with_the_one_layer_map():
    from snntheory.network import predict_network
    nrn = LIF.from_beta(0.9, reset="subtract")
    plan = predict_network([150, 150, 150], 0.012, 0.06, neuron=nrn, input_rate=100.0)
    cd = correlation_depth(0.4, plan)
    cm = correlation_map(0.4, neuron=nrn, n_in=150, input_rate=100.0, w_mean=0.012, w_std=0.06)
    assert cd.c_in[0] == 0.4 and cd.c_in[1] == cd.rho_out[0]
    np.testing.assert_allclose([cd.c_step[0], cd.c_count[0], cd.rho_out[0]],
                               [cm.c_step[0], cm.c_count[0], cm.rho_out[0]], rtol=1e-12)
    # the drive correlation decays with depth here (ordered), the quenched part keeps c_step > 0
    assert 0.0 < cd.rho_out[1] < cd.rho_out[0] < 0.4 and cd.c_step[1] > 0.0

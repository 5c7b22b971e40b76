"""Tests of snntheory.inverse (the solvers): round trips through every forward model, deep
plans in simulation, the calibration, the baselines' collapse, and validation. The forward
model's own pieces are tested in tests/test_network.py."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from snntheory import LIF, diffusion, discrete, shotnoise, wiener
from snntheory.errors import NoSolutionError, ParameterError
from snntheory.inverse import ATTRACTING_SLOPE, BASELINES, baseline_weights, calibrate_means, init_network, weights_for_rate
from snntheory.network import gradient_gain, predict_network
from snntheory.simulate import network, run_step_map

#: round trip forward(weights_for_rate(target)) = target (issue 5: 1e-6; the solver is at 1e-12)
ROUND_TRIP = 1e-6
#: deep network: population rate of every layer within 10 % of the target (issue 5), per seed
DEPTH_TOL = 0.10
#: baselines: predicted vs simulated rate where the rate is above 1 Hz (measured 3-12 %: the
#: depth model ignores coloured input and correlations, which matter less than the collapse itself)
BASELINE_TOL = 0.2

NEURON = LIF.from_beta(0.95)


def _forward(method, neuron, n, p, wm, ws):
    """The public forward functions, written out here independently of inverse._forward."""
    if method == "discrete":
        return float(discrete.layer_rate(neuron, n, p, wm, ws, increments="gaussian"))
    if method == "diffusion":
        s1, s2 = neuron.kernel_sums()
        var = n * p * (ws**2 + wm**2) - n * p * p * wm**2
        return float(diffusion.firing_rate(n * p * wm * s1, math.sqrt(2 * var * s2), tau_m=neuron.tau_m,
                                           v_th=neuron.v_th, v_reset=neuron.v_reset, dt=neuron.dt)) * neuron.dt
    if method == "shotnoise":
        inp = shotnoise.gaussian_weight_input(n, p / neuron.dt, wm, ws)
        return float(shotnoise.firing_rate(inp.rate_e, inp.a_e, inp.rate_i, inp.a_i, tau_m=neuron.tau_m,
                                           v_th=neuron.v_th, v_reset=neuron.v_reset,
                                           amplitude=inp.amplitude)) * neuron.dt
    st_ = wiener.step_statistics(n_in=n, p_in=p, w_mean=wm, w_std=ws)
    return float(wiener.firing_probability(st_.step_mean, st_.step_std, v_th=neuron.v_th,
                                           v_reset=neuron.v_reset, reset=neuron.reset))


# ---------------------------------------------------------------------------------------------
# round trips
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method,neuron,w_std", [
    ("discrete", NEURON, None), ("discrete", NEURON, 0.08), ("discrete", LIF.from_beta(0.8, reset="subtract"), 0.1),
    ("diffusion", NEURON, None), ("diffusion", NEURON, 0.08),
    ("shotnoise", NEURON, 0.08),
    ("wiener", LIF.from_beta(1.0), None), ("wiener", LIF.from_beta(1.0, reset="subtract"), 0.05),
])
def test_round_trip(method, neuron, w_std):
    n, rate_in, target = 300, 40.0, 25.0
    res = weights_for_rate(target, n_in=n, input_rate=rate_in, neuron=neuron, method=method, w_std=w_std)
    p = _forward(method, neuron, n, rate_in * neuron.dt, res.mean, res.std)
    assert abs(p / (target * neuron.dt) - 1) < ROUND_TRIP
    assert abs(res.rate / target - 1) < ROUND_TRIP
    if w_std is not None:
        assert res.std == w_std
    assert 0.0 <= res.silent_fraction <= 1.0 and res.grad_gain > 0 and res.v_std > 0


def test_backward_condition_gives_unit_gain():
    res = weights_for_rate(50.0, n_in=200, input_rate=50.0, neuron=NEURON, w_std="backward", surrogate="triangle")
    assert abs(res.grad_gain - 1) < 1e-6
    assert abs(res.rate / 50.0 - 1) < ROUND_TRIP
    g = gradient_gain(neuron=NEURON, n_in=200, input_rate=50.0, w_mean=res.mean, w_std=res.std,
                      surrogate="triangle")
    assert abs(g - 1) < 1e-6


def test_init_network_depth_model_round_trip_and_table():
    """Uncalibrated, the plan's weights solve the depth model: its prediction at them (computed
    again, propagated from the input) is the target."""
    plan = init_network([200, 250, 300, 100], neuron=NEURON, input_rate=100.0, target_rate=[100.0, 80.0, 60.0],
                        calibrate=False)
    np.testing.assert_allclose(plan.rates, [100.0, 80.0, 60.0], rtol=ROUND_TRIP)
    np.testing.assert_array_equal(plan.targets, [100.0, 80.0, 60.0])
    assert [l.n_in for l in plan.layers] == [200, 250, 300] and [l.n_out for l in plan.layers] == [250, 300, 100]
    assert all(0 <= l.map_gain < 1 for l in plan.layers)  # the default weights make the target attracting
    text = str(plan)
    assert "map gain" in text and "target Hz" in text and len(text.splitlines()) == 5
    # no surrogate passed: the gains use snnTorch's fast sigmoid, and no trainability note is made
    assert plan.notes == ()
    noted = init_network([200, 250, 300, 100], neuron=NEURON, input_rate=100.0, target_rate=[100.0, 80.0, 60.0],
                         calibrate=False, surrogate="fast_sigmoid")
    # ... passed (as init_snn_ does): over 3 layers the error falls ~10^-3, a note naming a wider slope
    assert len(noted.notes) == 1 and "slope = " in noted.notes[0] and "note: " + noted.notes[0] in str(noted)


def test_init_network_other_methods_chain_their_targets():
    """A diffusion plan solves each layer on the diffusion model with the previous target as
    input; its reported rates are the depth model's at those weights, and they are what a
    simulation of the network gives (the diffusion approximation's error shows in both)."""
    plan = init_network([300, 300, 300], neuron=NEURON, input_rate=50.0, method="diffusion", w_std=0.06,
                        map_gain=False)
    assert plan.layers[1].w_mean == pytest.approx(plan.layers[0].w_mean, rel=1e-9)  # same problem twice
    np.testing.assert_array_equal(plan.targets, [50.0, 50.0])
    sim = plan.simulate(n_steps=3000, seed=2, batch=2).rates[1:]
    np.testing.assert_allclose(plan.rates, sim, rtol=0.05)
    assert np.all(np.abs(plan.rates / 50.0 - 1) > 0.02)   # not the target copied


# ---------------------------------------------------------------------------------------------
# the depth model's pieces against independent routes
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# deep networks in simulation
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("width, beta, reset, p_in", [(200, 1.0, "subtract", 0.05), (100, 0.8, "subtract", 0.3),
                                                       (200, 0.95, "zero", 0.05), (200, 0.9, "zero", 0.01)])
def test_default_plan_holds_rate_over_ten_layers(width, beta, reset, p_in, mc_scale):
    """The issue's 10 % over 10 layers, on weight draws and inputs independent of the plan's
    calibration (measured worst layer 1-7 % in these configurations; the horizon grows as
    1/p_in so that the simulation's own sampling error stays near 2 % per layer)."""
    neuron = LIF.from_beta(beta, reset=reset)
    plan = init_network([width] * 11, neuron=neuron, input_rate=p_in / neuron.dt, map_gain=False)
    np.testing.assert_allclose(plan.targets, p_in / neuron.dt)
    assert all(layer.weight_dist == "rows" for layer in plan.layers)
    n_steps = int(200 * mc_scale / p_in) + 1000
    for seed in (0, 1):
        ratio = plan.simulate(n_steps=n_steps, seed=seed, burn_in=300).rates[1:] / plan.targets
        assert np.all(np.abs(ratio - 1) < DEPTH_TOL), (seed, ratio)


def test_row_standardised_weights_are_exact():
    plan = init_network([120, 80, 40], neuron=NEURON, input_rate=50.0, map_gain=False, calibrate=False)
    for layer in plan.layers:
        w = layer.sample(3)
        assert w.shape == (layer.n_out, layer.n_in)
        np.testing.assert_allclose(w.mean(axis=1), layer.w_mean, rtol=0, atol=1e-12 * abs(layer.w_std))
        np.testing.assert_allclose(w.std(axis=1), layer.w_std, rtol=1e-12)
    iid = init_network([120, 80], neuron=NEURON, input_rate=50.0, map_gain=False, calibrate=False,
                       weight_dist="normal").layers[0].sample(3)
    assert np.ptp(iid.mean(axis=1)) > 0.1 * plan.layers[0].w_std   # i.i.d. rows scatter


#: calibrated rate vs target: log-rate interpolation between candidates 1/8 SD of the input
#: mean apart (measured <= 1.4 % over the depth grid)
CALIBRATION_TOL = 0.03


@pytest.mark.slow
def test_calibration_hits_targets_and_transfers_to_new_draws(mc_scale):
    neuron = LIF.from_beta(0.9, reset="zero")
    widths = [150] * 5
    model = init_network(widths, neuron=neuron, input_rate=30.0, map_gain=False, calibrate=False)
    cal = calibrate_means(widths, model.w_means, model.w_stds, model.targets, neuron=neuron, input_rate=30.0)
    np.testing.assert_allclose(cal.rates, 30.0, rtol=CALIBRATION_TOL)
    assert set(cal.status) <= {"calibrated", "unresolved"}
    plan = init_network(widths, neuron=neuron, input_rate=30.0, map_gain=False)
    again = init_network(widths, neuron=neuron, input_rate=30.0, map_gain=False)
    np.testing.assert_array_equal(plan.w_means, again.w_means)   # seeded: reproducible
    np.testing.assert_allclose([l.model_w_mean for l in plan.layers], model.w_means, rtol=1e-12)
    np.testing.assert_allclose([l.calibrated_rate for l in plan.layers], 30.0, rtol=CALIBRATION_TOL)
    assert all(0 < l.calibrated_stderr < 0.02 * 30.0 for l in plan.layers)
    # the independent verification run agrees with the calibration within its tolerance
    for l in plan.layers:
        assert abs(l.verified_rate - 30.0) < 4 * math.hypot(l.verified_stderr, l.calibrated_stderr) + 0.05 * 30.0
    run = plan.simulate(n_steps=int(4000 * mc_scale) + 1000, seed=5, burn_in=300)
    assert np.all(np.abs(run.rates[1:] / 30.0 - 1) < DEPTH_TOL), run.rates


@pytest.mark.slow
@pytest.mark.parametrize("name", ["kaiming", "fluctuation"])
def test_baseline_predicted_collapse_matches_simulation(name, mc_scale):
    plan = init_network([200] * 7, neuron=NEURON, input_rate=50.0, method=name, map_gain=False)
    sim = plan.simulate(n_steps=int(2000 * mc_scale) + 500, seed=0).rates[1:]
    pred = plan.rates
    live = sim > 1.0
    assert np.all(np.abs(pred[live] / sim[live] - 1) < BASELINE_TOL), (pred, sim)
    assert pred[-1] < 0.5 and sim[-1] < 0.5     # both collapse
    assert np.all(np.diff(pred) <= 0)


def test_baseline_formulas():
    n = LIF.from_beta(0.9)
    assert baseline_weights("glorot", n_in=100, n_out=300, neuron=n, input_rate=10.0)[1] ** 2 == pytest.approx(2 / 400)
    mu, sd, dist = baseline_weights("pytorch", n_in=300, n_out=10, neuron=n, input_rate=10.0)
    assert dist == "uniform" and sd == pytest.approx(1 / math.sqrt(900))
    # fluctuation-driven: free-membrane SD equals v_th / xi by Campbell's theorem
    _, sd, _ = baseline_weights("fluctuation", n_in=100, n_out=10, neuron=n, input_rate=50.0, xi=2.0)
    assert math.sqrt(100 * 0.05 * sd**2 / (1 - 0.81)) == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="beta < 1"):
        baseline_weights("fluctuation", n_in=100, n_out=10, neuron=LIF.from_beta(1.0), input_rate=50.0)
    assert set(BASELINES) == {"kaiming", "glorot", "pytorch", "fluctuation", "micheli"}


def test_micheli_rule_holds_unit_membrane_variance_in_its_leak_free_model():
    """Micheli et al. 2024: Var[w_l] = 1 / (n_l P(u_{l-1} > theta)), first matrix with the input's spike
    probability, deeper ones with the N(0, 1) tail beyond theta; checked by the formula (scipy's normal tail)
    and by simulating the paper's own leak-free model u_l = W_l s_{l-1}, s = [u > theta]."""
    from scipy.stats import norm

    neuron = LIF.from_beta(0.9, v_th=1.2, v_reset=0.2)    # theta = 1
    n, p0 = 400, 0.05
    plan = init_network([n] * 4, neuron=neuron, input_rate=p0 / neuron.dt, method="micheli", map_gain=False)
    assert np.all(plan.w_means == 0.0)
    assert plan.w_stds[0] ** 2 == pytest.approx(1.0 / (n * p0), rel=1e-12)
    assert plan.w_stds[1:] ** 2 == pytest.approx(1.0 / (n * norm.sf(1.0)), rel=1e-12)
    rng = np.random.default_rng(3)
    s = (rng.random((4000, n)) < p0).astype(float)
    for layer in plan.layers:
        u = s @ layer.sample(rng).T
        assert u.var() == pytest.approx(1.0, rel=0.08)          # the rule's invariant Var[u_l] = 1
        s = (u > neuron.theta).astype(float)
        assert s.mean() == pytest.approx(norm.sf(1.0), rel=0.15)   # P(u > theta) of a N(0, 1) membrane
    with pytest.raises(ParameterError, match="input_rate"):
        baseline_weights("micheli", n_in=10, n_out=10, neuron=neuron, input_rate=0.0)


# ---------------------------------------------------------------------------------------------
# reachability and validation (hypothesis)
# ---------------------------------------------------------------------------------------------

@settings(max_examples=8)
@given(n=st.integers(50, 500), p_in=st.floats(0.01, 0.3), frac=st.floats(0.05, 0.95),
       beta=st.floats(0.8, 0.98), reset=st.sampled_from(["zero", "subtract"]))
def test_reachable_targets_are_solved(n, p_in, frac, beta, reset):
    neuron = LIF.from_beta(beta, reset=reset)
    # a target between two rates the forward model actually produces at fixed w_std is reachable
    ws = 1.0 / math.sqrt(n)
    lo = _forward("discrete", neuron, n, p_in, -0.2 / (n * p_in), ws)
    hi = _forward("discrete", neuron, n, p_in, 2.0 / (n * p_in), ws)
    target = math.exp(math.log(lo) + frac * (math.log(hi) - math.log(lo))) / neuron.dt
    res = weights_for_rate(target, n_in=n, input_rate=p_in / neuron.dt, neuron=neuron, w_std=ws)
    assert abs(_forward("discrete", neuron, n, p_in, res.mean, ws) / (target * neuron.dt) - 1) < ROUND_TRIP


@settings(max_examples=20)
@given(excess=st.floats(1.0, 5.0), ref=st.integers(0, 3), method=st.sampled_from(["discrete", "diffusion"]))
def test_unreachable_targets_raise_with_range(excess, ref, method):
    neuron = LIF(0.02, 1e-3, tau_ref=ref * 1e-3)
    top = 1.0 / (1 + ref) / neuron.dt
    with pytest.raises(NoSolutionError, match="reachable") as e:
        weights_for_rate(top * excess, n_in=100, input_rate=20.0, neuron=neuron, method=method)
    assert e.value.reachable[1] == pytest.approx(top)


def test_unreachable_below_the_floor_and_silent_input():
    # few inputs, a short membrane and a huge weight SD: a negative mean adds as much noise as
    # it removes drive, so the rate has a floor (about 80 Hz here)
    neuron = LIF.from_beta(0.5)
    with pytest.raises(NoSolutionError, match="reachable range") as e:
        weights_for_rate(1.0, n_in=10, input_rate=20.0, neuron=neuron, w_std=2.0)
    lo, hi = e.value.reachable
    assert 1.0 < lo < hi == pytest.approx(1000.0)
    # the floor itself is reachable (just above it)
    res = weights_for_rate(lo * 1.01, n_in=10, input_rate=20.0, neuron=neuron, w_std=2.0)
    assert abs(res.rate / (lo * 1.01) - 1) < ROUND_TRIP
    with pytest.raises(NoSolutionError):
        weights_for_rate(10.0, n_in=100, input_rate=0.0, neuron=NEURON)


@settings(max_examples=20)
@given(which=st.sampled_from(["n_in", "input_rate", "target_rate", "w_std", "method", "surrogate"]),
       bad=st.sampled_from([-1.0, 0.0, math.nan]))
def test_bad_parameters_raise_naming_them(which, bad):
    kw = dict(n_in=100, input_rate=20.0, neuron=NEURON, w_std=0.1)
    target = 10.0
    if which == "target_rate":
        target = bad
        if bad == 0.0 or math.isnan(bad) or bad < 0:
            pass
    elif which == "method":
        kw["method"] = "siegert"
    elif which == "surrogate":
        kw["surrogate"] = "heaviside"
    elif which == "input_rate" and bad == 0.0:
        bad = -2.0
        kw[which] = bad
    elif which == "w_std" and bad == 0.0:
        bad = -0.5
        kw[which] = bad
    else:
        kw[which] = bad
    with pytest.raises(ParameterError, match=which):
        weights_for_rate(target, **kw)


def test_method_neuron_mismatch_and_widths():
    with pytest.raises(ParameterError, match="beta"):
        weights_for_rate(10.0, n_in=100, input_rate=20.0, neuron=LIF.from_beta(1.0), method="diffusion")
    with pytest.raises(ParameterError, match="beta"):
        weights_for_rate(10.0, n_in=100, input_rate=20.0, neuron=NEURON, method="wiener")
    with pytest.raises(ParameterError, match="widths"):
        init_network([100], neuron=NEURON, input_rate=10.0)
    with pytest.raises(ParameterError, match="neuron"):
        weights_for_rate(10.0, n_in=100, input_rate=20.0, neuron="lif")


def _run_trials(plan, raster, seed):
    """Independent check: draw the plan's weights (LayerInit.sample), run every layer of the
    canonical step map on ``raster`` [T, B, n_in] from v_reset, return each layer's rate per step."""
    neuron, (T, B, _) = plan.neuron, raster.shape
    spikes, rates = raster.astype(float), []
    for layer in plan.layers:
        w = layer.sample(seed + layer.index)
        drive = (spikes.reshape(T * B, -1) @ w.T).reshape(T, B * layer.n_out)
        out = np.zeros((T, B * layer.n_out), dtype=bool)

        def rec(t, _v, s, out=out):
            out[t] = s

        # chunk=T: the whole trial's drive is handed over in one draw
        run_step_map(lambda _rng, shape, d=drive: d[: shape[0]], n_neurons=B * layer.n_out, n_steps=T,
                     beta=neuron.beta, v_th=neuron.v_th, v_reset=neuron.v_reset, reset=neuron.reset, record=rec,
                     chunk=T)
        spikes = out.reshape(T, B, layer.n_out).astype(float)
        rates.append(spikes.mean())
    return np.array(rates)


@pytest.mark.slow
def test_calibration_on_recorded_trials_holds_their_rate(mc_scale):
    """Heterogeneous input rates in 16-step trials from rest (like rate-coded images): the plan
    calibrated on one set of trials holds its target on new trials and a new weight draw."""
    rng = np.random.default_rng(7)
    rates_in = rng.uniform(0.0, 0.3, 64)
    trials = int(1024 * mc_scale) + 256
    train = rng.random((16, trials, 64)) < rates_in
    neuron = LIF.from_beta(0.9, reset="subtract")
    plan = init_network([64] + [128] * 4, neuron=neuron, input_rate=1000 * rates_in.mean(), target_rate=50.0,
                        map_gain=False, calibration_input=train)
    np.testing.assert_allclose([l.calibrated_rate for l in plan.layers], 50.0, rtol=CALIBRATION_TOL)
    test = rng.random((16, trials, 64)) < rates_in
    measured = _run_trials(plan, test, seed=100) / neuron.dt   # measured 0.95-1.05 (stationary plan: 1.35-1.59)
    assert np.all(np.abs(measured / 50.0 - 1) < DEPTH_TOL), measured
    with pytest.raises(ParameterError, match="calibration_input"):
        init_network([64, 32], neuron=neuron, input_rate=50.0, calibration_input=train[:, :, :10])




@pytest.mark.slow
def test_calibration_safeguards(mc_scale):
    """The calibration corrects a deliberately wrong mean (resolved by its own simulation),
    leaves a right one alone ('unresolved'), and refuses to fit a layer that never becomes
    stationary (a zero-drift perfect integrator, whose rate decays like t^(-1/2): collapse
    over time) instead of fitting its transient."""
    neuron = LIF.from_beta(0.9, reset="subtract")
    widths = [200, 200, 200]
    model = init_network(widths, neuron=neuron, input_rate=40.0, map_gain=False, calibrate=False)
    wrong = model.w_means + np.array([0.0, 0.4]) * model.w_stds      # layer 2 fires far too much
    cal = calibrate_means(widths, wrong, model.w_stds, [40.0, 40.0], neuron=neuron, input_rate=40.0, verify=True)
    assert cal.status[1] == "calibrated", cal.status
    assert abs(cal.rates[1] / 40.0 - 1) < CALIBRATION_TOL and abs(cal.verified_rates[1] / 40.0 - 1) < DEPTH_TOL
    assert cal.w_means[1] < wrong[1] - 0.2 * model.w_stds[1]
    # the layer below kept its (right) model mean: its error is within the simulation's resolution
    assert cal.status[0] == "unresolved" and cal.w_means[0] == model.w_means[0]
    # perfect integrator without drift (the model's mean 0): its rate keeps falling like t^(-1/2),
    # which the half-window test detects, so the window is doubled until the fitted (positive)
    # mean fires stationarily; the fit then holds in an independent long run
    pi = LIF.from_beta(1.0)
    drift0 = calibrate_means([200, 200], [0.0], [0.05], [20.0], neuron=pi, input_rate=50.0, n_steps=400,
                             verify=False)
    assert drift0.n_steps > 400 and drift0.status == ("calibrated",) and drift0.w_means[0] > 0.0
    long = network([200, 200], drift0.w_means, [0.05], neuron=pi, input_rate=50.0, n_steps=8000, burn_in=2000,
                   batch=2, seed=9, weight_dist="rows")
    assert abs(long.rates[1] / 20.0 - 1) < DEPTH_TOL, long.rates


def test_calibration_leaves_a_target_below_its_resolution_to_the_model(monkeypatch):
    """A target far below one spike in the calibration's window (3e-7 Hz: 4e-4 expected spikes in
    1.28e6 neuron-steps) cannot be measured: with no spike the blocks' spread was 0, so 0 +- 0
    'missed' the target and the bracketing simulated in vain (init_network took 2.1 s). The
    standard error is now at least one spike per window: the layer is 'unresolved', keeps the
    model's mean, and one pass is simulated. With a deliberately resolvable target (40 Hz) the
    same call still calibrates."""
    import snntheory._calibrate as cal_mod

    calls = []
    run = cal_mod.run_step_map
    monkeypatch.setattr(cal_mod, "run_step_map", lambda *a, **k: calls.append(1) or run(*a, **k))
    neuron = LIF.from_beta(0.9, reset="subtract")
    cal = calibrate_means([100, 50], [0.0], [0.05], [3e-7], neuron=neuron, input_rate=0.3, verify=False)
    assert cal.status == ("unresolved",) and cal.w_means[0] == 0.0 and cal.rates[0] == 0.0
    assert len(calls) == 1 and cal.rate_stderr[0] * neuron.dt >= 1.0 / (cal.n_steps * cal.batch * 50)
    calls.clear()
    cal = calibrate_means([100, 50], [0.0], [0.05], [40.0], neuron=neuron, input_rate=40.0, verify=False)
    assert cal.status == ("calibrated",) and len(calls) > 1


def test_drift_detector_separates_stationary_from_decaying_counts():
    """The half-window statistic of the calibration on synthetic Poisson counts: |z| < 4 for a
    constant rate, z < -4 for a rate decaying like t^(-1/2) (collapse over time)."""
    from snntheory._calibrate import _block_stats

    rng = np.random.default_rng(0)
    t = np.arange(200, 1800)[:, None, None]
    steady = rng.poisson(0.03 * 100, size=(1600, 1, 8)).astype(float)
    decaying = rng.poisson(0.03 * 100 * np.sqrt(200 / t) * np.ones((1, 1, 8))).astype(float)
    assert abs(_block_stats(steady, 100)[2][0]) < 4.0
    assert _block_stats(decaying, 100)[2][0] < -4.0


# ---------------------------------------------------------------------------------------------
# the robust option: attracting layer maps
# ---------------------------------------------------------------------------------------------


def _measured_first_slope(plan, neuron, p_in, n_steps, eps=0.1, law="normal"):
    """d(rate_1)/d(input rate) of the first layer, relative, from two simulations of the same
    weights whose Bernoulli inputs are the same uniforms thresholded at p (1 +- eps)."""
    r = [network(plan.widths[:2], plan.w_means[:1], plan.w_stds[:1], neuron=neuron, input_rate=p_in * f / neuron.dt,
                 n_steps=n_steps, burn_in=200, seed=7, batch=4, weight_dist=law).rates[1]
         for f in (1 - eps, 1 + eps)]
    return (r[1] - r[0]) / (2 * eps * plan.targets[0])


def test_attracting_plan_has_the_slope_it_promises(mc_scale):
    """w_std='attracting': the model's layer maps have slope ATTRACTING_SLOPE, and the slope of
    layer 1 measured by simulation (common random numbers, +-10 % input, i.i.d. Gaussian weights)
    agrees within 0.1; the default family's map at the same target is not attracting for i.i.d.
    weights (model 0.99, measured > 0.8), so the check would catch a plan that only claimed to
    attract."""
    neuron, p_in, widths = LIF.from_beta(0.9, reset="subtract"), 0.05, [300, 300, 300, 300]
    robust, plain = (init_network(widths, neuron=neuron, input_rate=p_in / neuron.dt, w_std=w_std,
                                  weight_dist="normal", calibrate=False) for w_std in ("attracting", None))
    assert all(abs(l.map_gain - ATTRACTING_SLOPE) < 1e-3 or l.map_gain < ATTRACTING_SLOPE for l in robust.layers)
    n_steps = max(1000, round(4000 * mc_scale))
    measured = _measured_first_slope(robust, neuron, p_in, n_steps)
    assert abs(measured - robust.layers[0].map_gain) < 0.1
    assert _measured_first_slope(plain, neuron, p_in, n_steps) > 0.8
    with pytest.raises(ParameterError, match="perfect integrator"):
        init_network(widths, neuron=LIF.from_beta(1.0, reset="subtract"), input_rate=50.0, w_std="attracting")
    with pytest.raises(ParameterError, match="map_slope"):
        init_network(widths, neuron=neuron, input_rate=50.0, w_std="attracting", map_slope=1.5)


def test_attracting_refused_for_the_perfect_integrator_with_zero_reset():
    """w_std='attracting' is refused for beta = 1 with reset to zero where the attracting SD needs a
    mean weight <= 0 (width 300, 5 % input per step), and the reason holds: with jumps small
    against theta (weight SD 0.05 theta, i.i.d. Gaussian weights) the layer map is not
    attracting, neither in the model nor measured by simulation (common random numbers, +-10 %
    input: 0.91-0.95), so only large SDs attract."""
    neuron, p_in, widths = LIF.from_beta(1.0, reset="zero"), 0.05, [300, 300]
    with pytest.raises(ParameterError, match="w_std='attracting'.*perfect integrator with reset to zero.*<= 0"):
        init_network([300] * 4, neuron=neuron, input_rate=p_in / neuron.dt, w_std="attracting",
                     weight_dist="normal")
    plan = init_network(widths, neuron=neuron, input_rate=p_in / neuron.dt, w_std=0.05, weight_dist="normal",
                        calibrate=False, map_gain=True)
    assert plan.layers[0].map_gain > 0.85
    assert _measured_first_slope(plan, neuron, p_in, 3000) > 0.85


@pytest.mark.slow
def test_attracting_plan_holds_iid_draws_deep_where_the_default_drifts(mc_scale):
    """I.i.d. Gaussian draws of the planned mean and SD, 10 layers of width 300 (beta 0.9,
    subtractive reset): the default family's expanding maps (slopes 1.1-1.2) pass each draw's
    finite-width error on and deep layers drift by 30-50 %; the attracting plan keeps the RMS
    error over draws of the top layer at least 1.5x smaller (measured 2.5x)."""
    neuron, p_in, widths = LIF.from_beta(0.9, reset="subtract"), 0.05, [300] * 11
    rms = []
    for w_std in (None, "attracting"):
        plan = init_network(widths, neuron=neuron, input_rate=p_in / neuron.dt, w_std=w_std, weight_dist="normal",
                            calibrate=False)
        top = [network(widths, plan.w_means, plan.w_stds, neuron=neuron, input_rate=p_in / neuron.dt, n_steps=max(1000, round(3000 * mc_scale)),
                       burn_in=300, seed=300 + s, weight_dist="normal").rates[-1] / plan.targets[-1]
               for s in range(6)]
        rms.append(math.sqrt(np.mean((np.array(top) - 1.0) ** 2)))
    assert rms[1] * 1.5 < rms[0], rms


@pytest.mark.slow
def test_calibrated_iid_plan_predicts_the_draw_to_draw_spread(mc_scale):
    """A calibrated plan for i.i.d. Gaussian weights (width 100, beta 0.8, 1 % input per step,
    w_std fixed): its ``rate_spread`` matches the SD of every layer's population rate over 40
    independent draws within the issue's factor 1.5 (temporal noise of the simulations removed).
    The model's rates at the calibrated means run away with depth in this sparse regime, and the
    spread evaluated there (what the plan reported before) misses by more than 1.5x."""
    neuron, p_in, widths, depth = LIF.from_beta(0.8, reset="zero"), 0.01, [100] * 7, 6
    plan = init_network(widths, neuron=neuron, input_rate=p_in / neuron.dt, w_std=0.49, weight_dist="normal",
                        map_gain=True)
    target = plan.targets[0]
    spread = np.array([l.rate_spread for l in plan.layers])
    n_steps = int(2000 * mc_scale) + 1000
    runs = [network(widths, plan.w_means, plan.w_stds, neuron=neuron, input_rate=target, n_steps=n_steps,
                    burn_in=200, seed=3000 + k, weight_dist="normal") for k in range(40)]
    rates = np.array([r.rates[1:] for r in runs])
    blocks = np.array([r.population_spikes[1:].reshape(depth, 10, -1).mean(axis=2) for r in runs])
    temporal = np.mean(blocks.var(axis=2, ddof=1) / 10, axis=0) / (100 * neuron.dt) ** 2
    measured = np.sqrt(np.maximum(rates.var(axis=0, ddof=1) - temporal, 0.0))
    ratio = measured / spread
    assert np.all((ratio > 1 / 1.5) & (ratio < 1.5)), (measured / target, spread / target)
    at_means = predict_network(widths, plan.w_means, plan.w_stds, neuron=neuron, input_rate=target,
                               weight_dist="normal", map_gain=True)
    old = measured / np.array([l.rate_spread for l in at_means.layers])
    assert np.any((old < 1 / 1.5) | (old > 1.5)), old


def test_gradient_plan_refuses_rate_targets_and_calibration():
    from snntheory import LIF
    from snntheory.errors import ParameterError
    from snntheory.inverse import init_network
    nrn = LIF.from_beta(0.9)
    for kw, name in ((dict(target_rate=50.0), "target_rate"), (dict(calibrate=True), "calibrate"),
                     (dict(method="diffusion"), "method")):
        with pytest.raises(ParameterError, match=name):
            init_network([40, 40], neuron=nrn, input_rate=100.0, w_std="gradient", **kw)

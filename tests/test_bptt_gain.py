"""network.bptt_gain against PyTorch autograd on the same networks (tests/bptt_reference.py).

The reference draws its own weights and inputs with torch, runs the canonical step map in float64
with snnTorch's surrogate functions, and measures ||dL/dV_l||^2 and ||dL/dW_l||^2 per layer by
autograd (4 weight seeds x 8 input draws). The issue's criterion: the per-layer ratio to the top
layer within 20 %. Points where the theory meets it are fast tests; points where it does not are
``slow`` ``xfail(strict=False)`` tests that record the measured gap (see their reasons).
"""

import math
import warnings

import numpy as np
import pytest

from snntheory import LIF
from snntheory.errors import ApproximationWarning, ParameterError
from snntheory.network import _bptt_layer, _bptt_layer_coloured, _State, bptt_gain

torch = pytest.importorskip("torch")
pytest.importorskip("snntorch")
from bptt_reference import _TORCH_SURROGATE, _surrogate_grad, measure, step_map  # noqa: E402  (pytest puts tests/ on sys.path)

#: the issue's per-layer tolerance on the ratio of the error norm to the top layer's
TOL = 0.20
SEEDS = range(4)
WIDTHS = [200] * 5          # 4 spiking layers
T = 16
RATE = 100.0                # Hz, dt = 1 ms: 0.1 input spikes per step

# (beta, reset, w_mean, w_std, surrogate, width, detach_reset): weights at which the rates hold
# over depth (init_network's plans at 50 Hz, rounded)
FAST = {
    "zero-atan": (0.9, "zero", 0.0, 0.142, "atan", 1.0 / math.pi, True),
    "zero-sigmoid": (0.9, "zero", 0.0, 0.142, "sigmoid", 0.1, True),
    "subtract-attached-sigmoid": (0.9, "subtract", -0.015, 0.18, "sigmoid", 0.1, False),
}


def _compare(beta, reset, wm, ws, kind, width, detach, *, widths=WIDTHS, theory_ws=None, readout="count"):
    """(measured / predicted ratio to the top layer for ||dL/dV||^2 and ||dL/dW||^2, relative SE)."""
    neuron = LIF.from_beta(beta, reset=reset)
    pred = bptt_gain(widths, wm, ws if theory_ws is None else theory_ws, neuron=neuron, input_rate=RATE,
                     n_steps=T, surrogate=kind, surrogate_width=width, detach_reset=detach, readout=readout)
    m = measure(widths, wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt, surrogate=kind,
                width=width, detach_reset=detach, seeds=SEEDS, readout=readout)
    d = m["delta"] / m["delta"][-1] / pred.delta_ratio
    w = m["weight"] / m["weight"][-1] / pred.weight_ratio
    return d[:-1], w[:-1], (m["delta_se"] / m["delta"])[:-1]


_CACHE = {}


def _cached(name):
    if name not in _CACHE:
        _CACHE[name] = _compare(*FAST[name])
    return _CACHE[name]


@pytest.mark.parametrize("name", list(FAST))
def test_per_layer_ratio_matches_autograd(name):
    d, w, se = _cached(name)
    assert np.all(np.abs(d - 1.0) <= TOL), f"||dL/dV||^2 ratio measured/predicted per layer: {np.round(d, 3)}"
    assert np.all(np.abs(w - 1.0) <= TOL), f"||dL/dW||^2 ratio measured/predicted per layer: {np.round(w, 3)}"


# One spiking layer on the Bernoulli input: there the depth model's forward law is the input's
# own (up to the finite width), so the absolute norm checks the through-time part of the theory
# (the chain's two-path expectations, the leak and reset paths, detached or attached).
SINGLE = {
    "subtract-attached": (0.9, "subtract", -0.015, 0.18, False),
    "zero-attached": (0.9, "zero", 0.0, 0.142, False),
    "pif-zero-detached": (1.0, "zero", 0.005, 0.0166, True),
}


@pytest.mark.parametrize("name", list(SINGLE))
def test_single_layer_absolute_norm_matches_autograd(name):
    """||dL/dV||^2 of one layer, count readout: the prediction against autograd (4 weight draws x
    16 input draws; measured 0.98-1.05, relative SE <= 0.09) and against the expectation of the
    same backward map on the measured paths (``mean_field``, no readout noise; measured 1.00-1.07).
    The prediction with the other reset path (detached <-> attached) is 14-37 % off and fails."""
    beta, reset, wm, ws, detach = SINGLE[name]
    neuron = LIF.from_beta(beta, reset=reset)
    pred = {d: bptt_gain([200, 200], wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate="fast_sigmoid",
                         surrogate_width=0.04, detach_reset=d).delta_norm[0] for d in (True, False)}
    m = measure([200, 200], wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * neuron.dt,
                surrogate="fast_sigmoid", width=0.04, detach_reset=detach, seeds=SEEDS, batch=16)
    assert m["mean_field"][0] / pred[detach] == pytest.approx(1.0, abs=0.10)
    assert m["delta"][0] / pred[detach] == pytest.approx(1.0, abs=0.15)
    assert abs(m["mean_field"][0] / pred[not detach] - 1.0) > 0.10


def test_mean_field_map_holds_on_measured_paths():
    """The mean-field layer map (G_{l-1} = n(mu^2 + sigma^2) D_l + common mode), evaluated on the
    measured forward paths, against autograd with the error sent down through independent copies
    of the weights (which removes the weight-error correlation): per-layer ratio to the top within
    20 % (measured 1.06, 1.00, 1.04, standard errors 0.04-0.09 over 4 weight draws x 16 input draws).
    This isolates the backward map from the depth model's forward
    law."""
    beta, reset, wm, ws = 0.9, "subtract", -0.015, 0.18
    dt = LIF.from_beta(beta, reset=reset).dt
    m = measure(WIDTHS, wm, ws, beta=beta, reset=reset, n_steps=T, input_p=RATE * dt, surrogate="fast_sigmoid",
                width=0.04, seeds=SEEDS, feedback="independent", batch=16)
    r = (m["delta"] / m["delta"][-1]) / (m["mean_field"] / m["mean_field"][-1])
    assert np.all(np.abs(r[:-1] - 1.0) <= TOL), f"autograd / mean_field per layer: {np.round(r, 3)}"


def _autocov(S, burn, lags=48):
    """Population-averaged autocovariance of spike trains (steps, batch, n) at lags 0..lags."""
    p = S[burn:].mean((0, 1))
    dev = S[burn:] - p
    return float((dev * dev).mean()), np.array([float((dev[:-d] * dev[d:]).mean()) for d in range(1, lags + 1)])


def test_forward_law_exact_on_bernoulli_input_not_on_bursty_spike_trains():
    """The forward law bptt_gain builds on (the depth model's chain), given the measured rates of
    the layer below, against layer 2 of a simulation (beta 0.9, subtractive reset; 3 weight draws
    x 8 trials x 600 steps). Driven by Bernoulli trains at those rates the layer's rate and
    E[sigma'^2] are within 5 % of the chain (measured 0.96, 1.03); driven by the actual spike
    trains, which are bursty (autocorrelation 0.16 at lag 1), the rate is > 8 % higher (measured
    1.15, E[sigma'^2] 1.15): the white-input assumption is the forward gap (derivations/bptt.md
    section 7).

    The coloured law (``input_memory``, section 8: the trains' measured autocovariance as an
    AR(1) chain state) repairs it: on the spike trains within 7 % (measured 0.95, 0.97). Negative
    control: on the Bernoulli trains, whose measured autocovariance is ~0, it stays within 5 %
    (it adds no effect the input does not have), and given the spike trains' memory instead it
    misses the Bernoulli-driven layer by > 8 % (the memory, not the rates, moves it). The chain's
    own layer-1 memory (what bptt_gain uses) has the simulation's lag-1 autocorrelation within
    0.02."""
    beta, reset, wm, ws, n, burn = 0.9, "subtract", -0.015, 0.18, 200, 100
    neuron = LIF.from_beta(beta, reset=reset)
    acc, mem_s, mem_b = [], [], []
    for seed in range(3):
        gen = torch.Generator().manual_seed(seed)
        W1, W2 = (wm + ws * torch.randn(n, n, generator=gen, dtype=torch.float64) for _ in range(2))
        x = (torch.rand(600, 8, n, generator=gen, dtype=torch.float64) < RATE * neuron.dt).double()
        S1, _ = step_map(x @ W1.T, beta, reset)
        p = S1[burn:].mean((0, 1))
        dev = S1[burn:] - p
        lag1 = float((dev[:-1] * dev[1:]).mean() / (dev * dev).mean())
        xb = (torch.rand(600, 8, n, generator=gen, dtype=torch.float64) < p).double()
        row = [lag1]
        for inp in (S1, xb):
            S2, V2 = step_map(inp @ W2.T, beta, reset)
            d2 = _surrogate_grad(_TORCH_SURROGATE["fast_sigmoid"](0.04), V2[burn:] - 1.0)
            row += [float(S2[burn:].mean()), float((d2 ** 2).mean())]
        acc.append(row + [float(p.mean()), float((p ** 2).mean()), float((p * (1 - p)).mean())])
        mem_s.append(_autocov(S1, burn))
        mem_b.append(_autocov(xb, burn))
    lag1, rate_s, e2_s, rate_b, e2_b, ep, ep2, evf = np.mean(acc, axis=0)
    state = _State(ep, ep2, evf, False)
    _, _, e2_c, _, out = _bptt_layer(neuron, n, state, wm, ws, "fast_sigmoid", 0.04, True, 2)
    rate_c = out.ep
    assert rate_b / rate_c == pytest.approx(1.0, abs=0.05)
    assert e2_b / e2_c == pytest.approx(1.0, abs=0.05)
    assert lag1 > 0.1
    assert rate_s / rate_c > 1.08
    assert e2_s / e2_c > 1.08
    # the coloured law, given each input's measured memory
    col = {}
    for name, mem in (("spikes", mem_s), ("bernoulli", mem_b)):
        memory = (float(np.mean([m[0] for m in mem])), np.mean([m[1] for m in mem], axis=0))
        _, _, e2m, _, outm, _ = _bptt_layer_coloured(neuron, n, state, memory, wm, ws, "fast_sigmoid", 0.04, True, 2)
        col[name] = (outm.ep, e2m)
    assert rate_s / col["spikes"][0] == pytest.approx(1.0, abs=0.07)
    assert e2_s / col["spikes"][1] == pytest.approx(1.0, abs=0.07)
    assert rate_b / col["bernoulli"][0] == pytest.approx(1.0, abs=0.05)
    assert e2_b / col["bernoulli"][1] == pytest.approx(1.0, abs=0.05)
    assert rate_b / col["spikes"][0] < 0.92
    # the chain's own layer-1 memory (Bernoulli input, white) against the simulation's
    c0, c = _bptt_layer_coloured(neuron, n, _State.bernoulli(RATE * neuron.dt), None, wm, ws, "fast_sigmoid", 0.04,
                                 True, 2)[5]
    assert c[0] / c0 == pytest.approx(lag1, abs=0.02)


def test_wrong_weights_are_caught():
    """The theory evaluated at a 1.5x larger weight SD than the network has: the predicted
    per-layer gain grows (the forward model's surrogate moment falls with it, so not by the full
    2.25x) and the comparison fails (measured 0.72x the prediction three layers down)."""
    with warnings.catch_warnings():     # the wrong SD may leave the theory's validity bound: beside the point
        warnings.simplefilter("ignore", ApproximationWarning)
        d, _, _ = _compare(*FAST["zero-atan"], theory_ws=1.5 * FAST["zero-atan"][3])
    assert np.any(np.abs(d - 1.0) > TOL)
    assert d.min() < 1.0 - TOL        # the prediction is too large


def test_white_error_top_layer_closed_form():
    """Step readout, detached subtractive reset: the top layer's through-time factor is exactly
    (1/T) sum_t sum_{u>=t} beta^(2(u-t)) = (1/T) sum_t (1 - beta^(2(T-t)))/(1 - beta^2)."""
    beta = 0.8
    r = bptt_gain([100, 100, 100], 0.0, 0.15, neuron=LIF.from_beta(beta, reset="subtract"), input_rate=RATE,
                  n_steps=12, readout="step")
    t = np.arange(12)
    exact = np.mean((1.0 - beta ** (2 * (12 - t))) / (1.0 - beta * beta))
    assert r.through_time[-1] == pytest.approx(exact, rel=1e-9)


def test_rejects_delayed_reset():
    with pytest.raises(ParameterError, match="immediate reset"):
        bptt_gain([50, 50], 0.0, 0.1, neuron=LIF.from_beta(0.9, reset="subtract", reset_delay=True),
                  input_rate=RATE, n_steps=5)
    with pytest.raises(ParameterError, match="readout"):
        bptt_gain([50, 50], 0.0, 0.1, neuron=LIF.from_beta(0.9), input_rate=RATE, n_steps=5, readout="mean")


# Points where the 20 % criterion is not met: the measured/predicted ratio per layer (bottom first,
# 4 seeds x 8 draws, 2026-12-06) is in the reason. The gap factors per layer into forward law x
# independence (bptt_reference's mean_field; derivations/bptt.md section 7): (i) the depth model's
# chain takes white Bernoulli input, while a subtractive reset's spike trains are bursty
# (autocorrelation ~0.2 at lag 1: the next layer's rate +15-21 %, E[sigma'^2] +10-17 % at layer 2;
# the chain is within 2.5 % on Bernoulli trains at the same rates), compounding over the layers;
# (ii) a neuron's own spike kicks its targets, so the error it receives back depends on its state
# (not in mean-field independence; largest for the perfect integrator and the reset to zero).
# The through-time part holds (within 5 % on one layer): test_single_layer_absolute_norm_matches_autograd.
SLOW = [
    pytest.param((0.9, "subtract", -0.015, 0.18, "fast_sigmoid", 0.04, True), id="subtract-fastsig",
                 marks=pytest.mark.xfail(strict=False, reason="measured/predicted 1.90, 1.59, 1.21")),
    pytest.param((0.9, "subtract", -0.015, 0.18, "atan", 1.0 / math.pi, True), id="subtract-atan",
                 marks=pytest.mark.xfail(strict=False, reason="measured/predicted 1.44, 1.50, 1.16")),
    pytest.param((1.0, "subtract", 0.005, 0.0163, "fast_sigmoid", 0.04, True), id="pif-subtract-fastsig",
                 marks=pytest.mark.xfail(strict=False, reason="measured/predicted 1.49, 1.20, 1.05")),
    pytest.param((1.0, "zero", 0.005, 0.0166, "fast_sigmoid", 0.04, True), id="pif-zero-fastsig",
                 marks=pytest.mark.xfail(strict=False, reason="measured/predicted 0.64, 0.77, 1.04")),
]


@pytest.mark.slow
@pytest.mark.parametrize("point", SLOW)
def test_per_layer_ratio_known_gaps(point):
    d, _, _ = _compare(*point)
    assert np.all(np.abs(d - 1.0) <= TOL), f"measured/predicted per layer: {np.round(d, 3)}"


def test_silent_input_refused_not_nan():
    # issue 14: input_rate = 0 gave weight_ratio NaN (0/0: no input spikes, no weight gradient,
    # here checked directly: the first matrix's weight norm with a live input is positive)
    from snntheory.errors import NoSolutionError
    kw = dict(neuron=LIF.from_beta(0.9), n_steps=4)
    with pytest.raises(NoSolutionError, match="no gradient"):
        bptt_gain([50, 40], [0.02], [3e-7], input_rate=0.0, **kw)
    assert bptt_gain([50, 40], [0.02], [3e-7], input_rate=10.0, **kw).weight_norm[0] > 0.0


def test_silent_top_layers_against_autograd():
    # issue 16: a net whose upper layers are silent at init (the pytorch / glorot / fluctuation
    # baselines of experiments/compare_init.py) used to get no gradient prediction at all (the ratios
    # were to the top matrix's weight gradient, 0 when its input never spikes). A silent membrane sits
    # near rest, where snnTorch's ATan surrogate (polynomial tail) is still non-zero, so the error
    # passes: the membrane-error norms are checked against autograd through two silent layers.
    neuron = LIF.from_beta(0.9, reset="subtract")
    widths, wm, ws = [100] * 5, [0.0, 0.0, 0.0, 0.0], [0.15, 0.01, 0.01, 0.01]
    kind, width = "atan", 1.0 / math.pi
    pred = bptt_gain(widths, wm, ws, neuron=neuron, input_rate=RATE, n_steps=T, surrogate=kind, surrogate_width=width)
    assert pred.rate[0] > 0.03 and pred.rate[-2] == 0.0      # layer 1 fires, the top's input layer is silent
    assert np.all(np.isfinite(pred.delta_ratio)) and np.all(pred.delta_norm > 0.0)
    m = measure(widths, wm, ws, beta=0.9, reset="subtract", n_steps=T, input_p=RATE * neuron.dt, surrogate=kind,
                width=width, seeds=range(3), batch=4)
    assert np.all(m["rate"][1:] == 0.0) and np.all(m["weight"][2:] == 0.0)   # autograd: matrices on silent input get nothing
    assert pred.weight_ratio[-1] == 1.0 and np.all(pred.weight_ratio[:2] == np.inf)
    assert np.all(pred.weight_norm[2:] < 1e-6 * pred.weight_norm[1])          # the model: layer 2 fires ~1e-11 per step
    # absolute norms (the top layer's too): within 20 % + 3 standard errors of autograd's
    d = m["delta"] / pred.delta_norm
    assert np.all(np.abs(d - 1.0) <= TOL + 3.0 * m["delta_se"] / m["delta"]), np.round(d, 3)
    w = m["weight"][:2] / pred.weight_norm[:2]
    assert np.all(np.abs(w - 1.0) <= TOL + 3.0 * m["weight_se"][:2] / m["weight"][:2]), np.round(w, 3)


@pytest.mark.parametrize("beta,reset,wm,ws", [(1.0, "subtract", 0.01, 0.05), (0.9, "zero", 0.0, 0.2)])
def test_mean_field_map_exact_under_independent_feedback(beta, reset, wm, ws):
    # the decomposition of benchmarks/diag_bptt_gap.py (derivations/bptt.md section 9): with the error
    # sent down through independent feedback matrices B (the forward pass fixed), the expectation over
    # B and the readout of ||dL/dV_l||^2 is the mean-field map on the measured paths run per trial,
    # up to the 1/n common-mode term; autograd averaged over 32 draws of (B, readout) against
    # bptt_reference.mean_field_map
    from bptt_reference import _path_matrices, _time_path, mean_field_map, run_graph
    n, L, T_, burn, batch, draws = 60, 3, 8, 100, 16, 32
    spike = _TORCH_SURROGATE["fast_sigmoid"](0.04)
    gen = torch.Generator().manual_seed(3)
    W = [(wm + ws * torch.randn(n, n, generator=gen, dtype=torch.float64)).requires_grad_(True) for _ in range(L)]
    x = (torch.rand(burn + T_, batch, n, generator=gen, dtype=torch.float64) < 0.1).double()
    norms = []
    for _ in range(draws):
        B = [wm + ws * torch.randn(n, n, generator=gen, dtype=torch.float64) for _ in range(L)]
        vs, ss = run_graph(W, B, x, beta=beta, reset=reset, spike=spike, burn_in=burn)
        e = torch.randn(batch, n, generator=gen, dtype=torch.float64)
        (torch.stack(ss[-1]).sum(0) * e).sum().backward()
        norms.append([sum(float((a.grad ** 2).sum()) for a in vs[l]) / batch for l in range(L)])
    norms = np.array(norms)
    paths = []
    for l in range(L):
        vv = torch.stack(vs[l]).detach()
        sg = _surrogate_grad(spike, vv - 1.0)
        paths.append(_path_matrices(sg.numpy(), _time_path(vv, torch.stack(ss[l]).detach(), sg, beta, reset, 0.0, 1.0,
                                                            True).numpy()))
    mf = sum(mean_field_map([p[b:b + 1] for p in paths], [n] * (L + 1), wm, ws) for b in range(batch)) / batch
    got = norms.mean(axis=0)
    se = norms.std(axis=0, ddof=1) / math.sqrt(draws)
    # 3 SE + 5 %: with the true backward pass (B = W) this fails at beta = 1 (layer 1: 1.41 +- 0.10
    # of mf), the weight-symmetry term of section 9
    assert np.all(np.abs(got - mf) <= 3.0 * se + 0.05 * mf), (got, mf, se)

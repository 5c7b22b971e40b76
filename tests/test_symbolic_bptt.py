"""snntheory.symbolic.bptt: the closed forms against brute-force sums and against network.bptt_gain."""

import numpy as np
import pytest
import sympy as sp

from snntheory import LIF
from snntheory.network import bptt_gain
from snntheory.symbolic import bptt


@pytest.mark.parametrize("beta, T", [(0.5, 3), (0.9, 7), (0.99, 12)])
def test_white_top_factor_is_the_sum(beta, T):
    s = bptt.symbols()
    per_step, mean = bptt.white_top_factor()
    brute = np.mean([sum(beta ** (2 * (u - t)) for u in range(t, T)) for t in range(T)])
    assert float(mean.subs({s.beta: beta, s.T: T})) == pytest.approx(brute, rel=1e-12)
    assert float(per_step.subs({s.beta: beta, s.T: T, s.t: 2})) == pytest.approx(
        sum(beta ** (2 * (u - 2)) for u in range(2, T)), rel=1e-12)


def test_count_top_variance_is_the_sum():
    s = bptt.symbols()
    beta, T, t, m, v = 0.8, 9, 3, 0.3, 0.05
    expr = float(bptt.count_top_variance().subs({s.beta: beta, s.T: T, s.t: t, s.m1: m, s.v1: v}))
    K = lambda d: m * m + (v if d == 0 else 0.0)   # noqa: E731
    brute = sum(beta ** (u - t + w - t) * K(u - w) for u in range(t, T) for w in range(t, T))
    assert expr == pytest.approx(brute, rel=1e-12)


def test_white_top_factor_matches_bptt_gain():
    s = bptt.symbols()
    _, mean = bptt.white_top_factor()
    r = bptt_gain([80, 80], 0.0, 0.2, neuron=LIF.from_beta(0.7, reset="subtract"), input_rate=100.0, n_steps=10,
                  readout="step")
    assert r.through_time[-1] == pytest.approx(float(mean.subs({s.beta: 0.7, s.T: 10})), rel=1e-9)


def test_layer_map_reduces_to_within_step_gain_without_mean_weight():
    s = bptt.symbols()
    G, Gb = bptt.layer_map()
    assert sp.simplify(Gb.subs(s.mw, 0)) == 0
    assert sp.simplify(G.subs(s.mw, 0) - s.n * s.sw ** 2 * sp.Symbol("D_l")) == 0


def test_ar_memory_fit_matches_network_fit_and_sums():
    """The sympy AR(1) fit against network._ar_fit on covariances A0 a0^k (which it must recover),
    and the free membrane variance against the brute-force double sum over lags."""
    from snntheory.network import _CORR_AR_PROBE, _ar_fit
    s_a, s_A, s_var = bptt.ar_memory_fit()
    a0, A0, G = 0.6, 0.03, 2.0
    c = A0 * a0 ** np.arange(1, 200) / G
    A, a = _ar_fit(G, c)
    assert (A, a) == pytest.approx((A0, a0), rel=1e-9)
    S1 = G * c.sum()
    r = float((_CORR_AR_PROBE ** np.arange(1, 200)) @ c) / c.sum()
    sym = {sp.Symbol("r", positive=True): r, sp.Symbol("b", positive=True): _CORR_AR_PROBE,
           sp.Symbol("S_1", positive=True): S1}
    assert float(s_a.subs(sym)) == pytest.approx(a0, rel=1e-9)
    assert float(s_A.subs(sym)) == pytest.approx(A0, rel=1e-9)
    beta, sw = 0.9, 0.3
    j = np.arange(400)
    cov = lambda d: A0 * a0 ** abs(d) + (sw * sw if d == 0 else 0.0)   # noqa: E731
    brute = sum(beta ** (j1 + j2) * cov(j1 - j2) for j1 in range(120) for j2 in range(120))
    val = float(s_var.subs({sp.Symbol("A", positive=True): A0, sp.Symbol("a", positive=True): a0,
                            sp.Symbol("beta", positive=True): beta, sp.Symbol("s_w", positive=True): sw}))
    assert val == pytest.approx(brute, rel=1e-9)
    del j


def test_memory_drive_regular_trains_negative_ar_exact_membrane_variance():
    """Regular trains (negative lagged covariances): network._memory_drive gives a < 0 and keeps
    the membrane-weighted variance G (c0 + 2 u . c) exact (checked against the AR(1)'s own sum)."""
    from snntheory.network import _memory_drive
    beta, G, c0 = 0.9, 1.5, 0.06
    c = np.zeros(48)
    c[:2] = [-0.09 * c0, -0.02 * c0]
    u = beta ** np.arange(1, 49)
    s_w, sd, a = _memory_drive(G, c0, c, u)
    assert -1.0 < a < 0.0 and sd > 0.0
    k = np.arange(1, 2000)
    ar_u = sd * sd * (1.0 + 2.0 * float((beta ** k) @ (a ** k)))
    assert s_w ** 2 + ar_u == pytest.approx(G * (c0 + 2.0 * float(u @ c)), rel=1e-9)
    # white input (no lagged covariance): no AR part, the white variance is the per-step variance
    s_w, sd, a = _memory_drive(G, c0, np.zeros(48), u)
    assert sd == 0.0 and s_w ** 2 == pytest.approx(G * c0, rel=1e-12)

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

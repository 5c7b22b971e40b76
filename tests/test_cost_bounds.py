"""Regression tests for issue 14's time bound: the calls that the deep reliability profile
(``benchmarks/bench_reliability.py --deep``) found over 2 s now stop early, at their cause, or
refuse before spending the time. Each test counts the expensive steps (or bounds CPU time
generously) so that it can fail against the code before the fix."""

import math

import pytest

import snntheory.discrete as discrete
from snntheory.errors import ConvergenceError
from snntheory.neuron import LIF, increment_distribution


def test_atom_chain_refinement_stops_at_its_rounding_floor(monkeypatch):
    # a quenched_layer node of the profile (p_in = 0.005: P(no input) = 0.61, rate ~3e-7): the
    # refinement's rate changes stall at ~3e-3 relative (rounding of the bordered solve); it ran
    # all 6 halvings (11 solves of ~1,600-2,400 nodes, 10 s) before raising, now stops after the
    # first halving that does not shrink the change (at most 6 solves)
    n = LIF.from_beta(0.844348, reset="zero")
    inc = increment_distribution(100, 0.00491341, -0.1326699693855881, math.sqrt(0.03786837657623175),
                                 gain=n.gain, quenched=True)
    beta, v_th, v_reset, reset, ref = n.chain_params()
    chain = discrete._Chain(beta, inc, v_th, v_reset, reset, ref)
    calls = []
    solve = discrete._Chain.solve
    monkeypatch.setattr(discrete._Chain, "solve", lambda self, *a: calls.append(a) or solve(self, *a))
    with pytest.raises(ConvergenceError, match="stalled"):
        chain.converged()
    assert len(calls) <= 6, calls

"""The GTH stationary solver (snntheory._special.gth_stationary) that the discrete and shot-noise
chains use, against references it does not share code with."""

import mpmath as mp
import numpy as np
import pytest

from snntheory._special import gth_stationary


def test_birth_death_chain_keeps_relative_accuracy_down_to_1e_300():
    # a birth-death chain's stationary law is the product of its up/down ratios (detailed
    # balance): pi_k / pi_0 = prod_{i<k} up_i / down_{i+1}, summed here in mpmath at 50 digits.
    # It falls to ~1e-300 over 700 states, where an LU solve of (P^T - I) pi = 0 returns
    # rounding (~1e-17 absolute) and GTH keeps every probability to ~1e-13 relative
    rng = np.random.default_rng(1)
    n = 700
    up, down = rng.uniform(0.01, 0.1, n - 1), rng.uniform(0.5, 0.9, n - 1)
    P = np.zeros((n, n))
    P[np.arange(n - 1), np.arange(1, n)] = up
    P[np.arange(1, n), np.arange(n - 1)] = down
    P[np.arange(n), np.arange(n)] = 1.0 - P.sum(axis=1)
    with mp.workdps(50):
        w = [mp.mpf(1)]
        for u, d in zip(up, down):
            w.append(w[-1] * mp.mpf(float(u)) / mp.mpf(float(d)))
        total = mp.fsum(w)
        ref = np.array([float(x / total) for x in w])
    pi = gth_stationary(P)
    ok = ref > 1e-300
    assert ref[ok].min() < 1e-290
    np.testing.assert_allclose(pi[ok], ref[ok], rtol=2e-12, atol=0)


@pytest.mark.parametrize("n", [1, 2, 127, 128, 129, 300, 700])
def test_dense_chain_against_a_linear_solve(n):
    # every block boundary (128 states per block): a dense, well-conditioned random chain, whose
    # stationary law a least-squares solve of pi (P - I) = 0, sum pi = 1 gives to ~1e-14
    rng = np.random.default_rng(n)
    P = rng.random((n, n)) ** 4 + 1e-3
    P /= P.sum(axis=1, keepdims=True)
    A = np.vstack([(P - np.eye(n)).T, np.ones((1, n))])
    b = np.zeros(n + 1)
    b[-1] = 1.0
    ref = np.linalg.lstsq(A, b, rcond=None)[0]
    np.testing.assert_allclose(gth_stationary(P), ref, rtol=1e-11, atol=0)


def test_a_wrong_matrix_is_caught():
    # the check can fail: the law of a perturbed chain is not the law of the chain
    rng = np.random.default_rng(3)
    P = rng.random((200, 200))
    P /= P.sum(axis=1, keepdims=True)
    Q = P.copy()
    Q[150, 10] *= 1.01
    Q /= Q.sum(axis=1, keepdims=True)
    pi = gth_stationary(Q)
    assert np.max(np.abs(pi @ P - pi) / pi) > 1e-6
    assert np.max(np.abs(pi @ Q - pi) / pi) < 1e-12

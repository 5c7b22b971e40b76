"""Generate tests/reference/discrete_grid.csv: firing probabilities of the discrete-time LIF chain
by a plain dense-grid Markov chain, independent of snntheory.discrete's Nyström solver.

Method: uniform bins of width h on [L, U]; the transition probability from bin centre c_i to
bin j is the exact Gaussian mass Phi((e_{j+1} - beta c_i - m)/s) - Phi((e_j - beta c_i - m)/s);
mass at or above v_th goes to the reset bin (zero) or is shifted down by v_th - v_reset
(subtract, integrated over the shifted bins); refractory steps are extra states. The stationary
vector solves pi (I - P) = 0, sum pi = 1 (dense LU). The midpoint error is O(h^2);
Richardson extrapolation over h, h/2, h/4 removes the h^2 and h^4 terms.

It also writes tests/reference/discrete_mpmath.csv: the chain's integral equations solved in
mpmath at 30 digits (Nyström on composite Gauss–Legendre panels of width 2 s, orders 12 and 16,
the difference recorded), for a few short-range cases. Run:

    python tests/reference/generate_discrete.py
"""

import datetime
import math
from pathlib import Path

import mpmath as mp
import numpy as np
import scipy
from scipy import linalg, special

CASES = [  # case, m, s, beta, v_th, v_reset, reset, ref_steps
    ("zero-fluct", 0.03, 0.15, 0.95, 1.0, 0.0, "zero", 0),
    ("zero-driftless", 0.0, 0.25, 0.95, 1.0, 0.0, "zero", 0),
    ("zero-vr", 0.05, 0.2, 0.9, 1.0, 0.4, "zero", 0),
    ("zero-ref", 0.1, 0.3, 0.5, 1.0, -0.2, "zero", 2),
    ("zero-mean-driven", 0.2, 0.1, 0.8, 1.0, 0.0, "zero", 0),
    ("subtract-fluct", 0.03, 0.15, 0.95, 1.0, 0.0, "subtract", 0),
    ("subtract-vr", 0.0, 0.2, 0.85, 1.0, -0.5, "subtract", 0),
    ("subtract-high", 0.4, 0.3, 0.6, 1.0, 0.0, "subtract", 0),
    ("subtract-ref", 0.05, 0.3, 0.7, 1.0, 0.3, "subtract", 1),
    ("zero-vth2", 0.05, 0.2, 0.9, 2.0, 0.5, "zero", 0),
]


def grid_rate(m, s, beta, v_th, v_reset, reset, ref, h):
    mu_f, sd_f = m / (1 - beta), s / math.sqrt(1 - beta**2)
    low = min(v_reset, mu_f) - 9 * sd_f
    high = v_th if reset == "zero" or ref else v_th + max(0.0, m + 9 * s - (v_th - v_reset))
    nb = int(math.ceil((high - low) / h))
    edges = low + h * np.arange(nb + 1)
    c = 0.5 * (edges[1:] + edges[:-1])
    cdf = special.ndtr((edges[None, :] - beta * c[:, None] - m) / s)
    P = np.diff(cdf, axis=1)
    P[:, 0] += cdf[:, 0]  # below the grid: first bin (mass ~1e-19)
    below_th = special.ndtr((v_th - beta * c - m) / s)
    fire = 1.0 - below_th
    # bins lying above v_th cannot be landed in directly (those landings fire)
    above = c >= v_th
    P[:, above] = 0.0
    P[:, ~above] *= 1.0  # landing below threshold stays
    # correct the bin that straddles v_th: only mass below v_th stays
    j = np.searchsorted(edges, v_th) - 1
    if 0 <= j < nb and edges[j + 1] > v_th:
        P[:, j] = below_th - cdf[:, j]
    theta = v_th - v_reset
    n = nb + ref + (1 if (reset == "zero" or ref) else 0)
    T = np.zeros((n, n))
    T[:nb, :nb] = P
    if reset == "zero" or ref:
        r0 = nb  # post-spike state at v_reset
        T[:nb, r0] = fire
        for k in range(ref):
            T[r0 + k, r0 + k + 1] = 1.0
        last = r0 + ref
        T[last, :nb] = np.diff(special.ndtr((edges - beta * v_reset - m) / s))
        T[last, 0] += special.ndtr((edges[0] - beta * v_reset - m) / s)
        jr = np.searchsorted(edges, v_th) - 1
        T[last, nb:] *= 0
        T[last, :nb][c >= v_th] = 0.0
        if 0 <= jr < nb and edges[jr + 1] > v_th:
            T[last, jr] = special.ndtr((v_th - beta * v_reset - m) / s) - special.ndtr(
                (edges[jr] - beta * v_reset - m) / s)
        T[last, r0] += 1 - special.ndtr((v_th - beta * v_reset - m) / s)
    else:
        # subtract: landing z >= v_th goes to z - theta; integrate the Gaussian over shifted bins
        lo_e = np.maximum(edges + theta, v_th)
        hi_e = np.maximum(np.append(edges[1:], np.inf) + theta, v_th)
        hi_e[-1] = np.inf
        S = special.ndtr((hi_e[None, :nb] - beta * c[:, None] - m) / s) - special.ndtr(
            (lo_e[None, :nb] - beta * c[:, None] - m) / s)
        T[:nb, :nb] += S
    A = (np.eye(n) - T).T
    A[-1, :] = 1.0
    rhs = np.zeros(n)
    rhs[-1] = 1.0
    pi = linalg.solve(A, rhs)
    if reset == "zero" or ref:
        return float(pi[nb])
    return float(pi[:nb] @ fire)


MP_CASES = [  # case, m, s, beta, v_th, v_reset, reset
    ("mp-zero", 0.1, 0.3, 0.5, 1.0, 0.0, "zero"),
    ("mp-zero-vr", 0.2, 0.25, 0.6, 1.0, 0.3, "zero"),
    ("mp-subtract", 0.1, 0.3, 0.5, 1.0, 0.0, "subtract"),
    ("mp-subtract-vr", 0.3, 0.3, 0.6, 1.0, -0.2, "subtract"),
]


def mp_rate(m, s, beta, v_th, v_reset, reset, order):
    m, s, beta, v_th, v_reset = (mp.mpf(x) for x in (m, s, beta, v_th, v_reset))
    theta = v_th - v_reset
    mu_f, sd_f = m / (1 - beta), s / mp.sqrt(1 - beta**2)
    low = min(v_reset, mu_f) - 9 * sd_f
    high = v_th
    if reset == "subtract":
        high = max(v_th, v_th + m + mp.sqrt(2 * mp.log(mp.mpf(10) ** 18)) * s - theta)
    breaks = sorted({low, v_reset, v_th, high})
    nodes, weights = [], []
    xs, ws = np.polynomial.legendre.leggauss(order)  # nodes refined to 30 digits by Newton below
    xs = [mp.findroot(lambda t: mp.legendre(order, t), mp.mpf(x)) for x in xs]
    ws = [2 / ((1 - x**2) * mp.diff(lambda t: mp.legendre(order, t), x) ** 2) for x in xs]
    for a, b in zip(breaks[:-1], breaks[1:]):
        if not b > a:
            continue
        k = int(mp.ceil((b - a) / (2 * s)))
        for i in range(k):
            lo_, hi_ = a + (b - a) * i / k, a + (b - a) * (i + 1) / k
            for x, w in zip(xs, ws):
                nodes.append((lo_ + hi_) / 2 + (hi_ - lo_) / 2 * x)
                weights.append((hi_ - lo_) / 2 * w)
    n = len(nodes)
    kern = lambda z: mp.npdf(z, m, s)  # noqa: E731
    cross = lambda y: mp.ncdf(beta * y + m - v_th, 0, s)  # P(beta y + I >= v_th)  # noqa: E731
    A = mp.matrix(n, n)
    for i, u in enumerate(nodes):
        for j, v in enumerate(nodes):
            kij = kern(u - beta * v) if u < v_th else mp.mpf(0)
            if reset == "subtract" and u >= v_reset:
                kij += kern(u + theta - beta * v)
            A[i, j] = (1 if i == j else 0) - weights[j] * kij
    if reset == "zero":
        b = mp.matrix([kern(u - beta * v_reset) for u in nodes])
        g = mp.lu_solve(A, b)
        return 1 / (1 + mp.fsum(weights[j] * g[j] for j in range(n))), n
    for i in range(n):
        for j in range(n):
            A[i, j] += weights[j]
    p = mp.lu_solve(A, mp.matrix([1] * n))
    return mp.fsum(weights[j] * p[j] * cross(nodes[j]) for j in range(n)), n


def main():
    with mp.workdps(30):
        mp_lines = [
            "# firing probability per step of V <- beta V + N(m, s^2): the chain's integral equations in mpmath",
            "# generator: tests/reference/generate_discrete.py (Nystrom, composite Gauss-Legendre panels of width 2 s,",
            "#   orders 12 and 16, LU at 30 digits; 'order_change' is their relative difference)",
            f"# mpmath {mp.__version__}; generated {datetime.date.today().isoformat()}",
            "case,m,s,beta,v_th,v_reset,reset,ref_steps,rate,order_change",
        ]
        for case, m, s, beta, v_th, v_reset, reset in MP_CASES:
            r12, _ = mp_rate(m, s, beta, v_th, v_reset, reset, 12)
            r16, n = mp_rate(m, s, beta, v_th, v_reset, reset, 16)
            change = abs(r16 / r12 - 1)
            print(case, n, mp.nstr(r16, 20), mp.nstr(change, 3))
            mp_lines.append(f"{case},{m!r},{s!r},{beta!r},{v_th!r},{v_reset!r},{reset},0,{mp.nstr(r16, 20)},"
                            f"{mp.nstr(change, 3)}")
        Path(__file__).with_name("discrete_mpmath.csv").write_text("\n".join(mp_lines) + "\n")
    out = Path(__file__).with_name("discrete_grid.csv")
    lines = [
        "# firing probability per step of V <- beta V + N(m, s^2) with threshold and reset",
        "# generator: tests/reference/generate_discrete.py (dense-grid Markov chain, bin widths s/40, s/80, s/160,",
        "#   Richardson extrapolation of the h^2 and h^4 terms); independent of snntheory.discrete",
        f"# numpy {np.__version__}, scipy {scipy.__version__}; generated {datetime.date.today().isoformat()}",
        "case,m,s,beta,v_th,v_reset,reset,ref_steps,rate,richardson_change",
    ]
    for case, m, s, beta, v_th, v_reset, reset, ref in CASES:
        r = [grid_rate(m, s, beta, v_th, v_reset, reset, ref, s / k) for k in (40, 80, 160)]
        r1 = (4 * r[1] - r[0]) / 3
        r2 = (4 * r[2] - r[1]) / 3
        best = (16 * r2 - r1) / 15
        change = abs(best - r2) / best
        print(case, r, best, change)
        lines.append(f"{case},{m!r},{s!r},{beta!r},{v_th!r},{v_reset!r},{reset},{ref},{best:.12e},{change:.2e}")
    out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

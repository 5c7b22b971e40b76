r"""Symbolic derivation of the exact discrete-time LIF chain and of the layer input statistics.

Model (the canonical step map): ``V <- beta V + I`` per step, spike where ``V >= theta``, then reset
(``zero``: ``V = V_r``; ``subtract``: ``V -= theta - V_r``), i.i.d. increments with density
``k``; refractory steps ``n_ref``. Layer input: ``I = sum_j W_j S_j`` with ``S_j ~ Bernoulli(p)``.

Every function returns sympy objects; :func:`document` renders the same objects to
``derivations/discrete.md``. ``tests/test_symbolic_discrete.py`` checks that each result
satisfies its own equation and, evaluated with mpmath at 50 digits, matches
:mod:`snntheory.neuron` and :mod:`snntheory.discrete`.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import sympy as sp

from ._render import Document, Step

__all__ = [
    "symbols", "gaussian_kernel", "kernel", "kernel_sums", "layer_input_moments", "free_chain_moments",
    "free_chain_density", "renewal_equation", "forward_equation_zero", "stationary_equation_subtract",
    "continuous_time_mapping", "discrete_monitoring_shift", "document",
]


def symbols():
    """The symbols of the model (with assumptions) as a namespace."""
    v, u, m, V_r, theta, mu_w, x = sp.symbols("v u m V_r theta mu_w x", real=True)
    s, sigma_w, tau, dt, sigma = sp.symbols("s sigma_w tau Delta_t sigma", positive=True)
    beta, alpha, g, p = sp.symbols("beta alpha g p", positive=True)
    k = sp.Symbol("k", integer=True, nonnegative=True)
    n = sp.Symbol("n", integer=True, positive=True)
    nu = sp.Symbol("nu", nonnegative=True)
    n_ref = sp.Symbol("n_ref", integer=True, nonnegative=True)
    return SimpleNamespace(v=v, u=u, m=m, V_r=V_r, theta=theta, mu_w=mu_w, x=x, s=s, sigma_w=sigma_w, tau=tau,
                           dt=dt, sigma=sigma, beta=beta, alpha=alpha, g=g, p=p, k=k, n=n, nu=nu, n_ref=n_ref,
                           P=sp.Function("P"), T=sp.Function("T"), mu=sp.Symbol("mu", real=True))


def gaussian_kernel(x=None):
    """The Gaussian increment density ``k(x) = N(x; m, s^2)``."""
    S = symbols()
    x = S.x if x is None else x
    return sp.exp(-(x - S.m) ** 2 / (2 * S.s**2)) / (S.s * sp.sqrt(2 * sp.pi))


def kernel(synapse="delta"):
    r"""The PSP kernel :math:`\varepsilon[k]`: ``g beta^k`` (delta synapse) or
    ``g (beta^(k+1) - alpha^(k+1))/(beta - alpha)`` (exponential synapse, ``J <- alpha J + I``)."""
    S = symbols()
    if synapse == "delta":
        return S.g * S.beta**S.k
    return S.g * (S.beta ** (S.k + 1) - S.alpha ** (S.k + 1)) / (S.beta - S.alpha)


@lru_cache(maxsize=None)
def kernel_sums(synapse="delta"):
    r"""Closed forms of :math:`(\sum_k \varepsilon[k], \sum_k \varepsilon[k]^2)` for ``0 < alpha, beta < 1``
    (geometric series, summed by sympy)."""
    S = symbols()
    eps = kernel(synapse)
    out = []
    for e in (eps, sp.expand(eps**2)):
        total = sp.summation(sp.expand(e), (S.k, 0, sp.oo))
        total = total.replace(lambda a: isinstance(a, sp.Piecewise), lambda a: a.args[0][0])
        out.append(sp.simplify(total))
    return tuple(out)


@lru_cache(maxsize=None)
def layer_input_moments():
    r"""Mean and variance of ``I = sum_j W_j S_j`` (annealed), and the quenched split.

    Returns ``(mean, var, temporal_var, quenched_var)``: with ``E[W] = mu_w``,
    ``E[W^2] = sigma_w^2 + mu_w^2``, ``E[S] = E[S^2] = p`` and independence,
    ``E[I] = n p mu_w`` and ``E[I^2] = n E[W^2] p + n(n-1) (p mu_w)^2``.
    """
    S = symbols()
    EW, EW2 = S.mu_w, S.sigma_w**2 + S.mu_w**2
    mean = S.n * S.p * EW
    second = S.n * S.p * EW2 + S.n * (S.n - 1) * (S.p * EW) ** 2
    var = sp.expand(second - mean**2)
    temporal = S.n * S.p * (1 - S.p) * EW2  # p(1-p) E[sum W^2]
    quenched = sp.expand(S.n * (S.p**2) * S.sigma_w**2)  # Var_W[p sum W]
    return sp.factor(mean), sp.factor(var), sp.factor(temporal), quenched


@lru_cache(maxsize=None)
def free_chain_moments():
    r"""Stationary mean and variance of the threshold-free chain ``V <- beta V + I``: the fixed
    points of ``M1 = beta M1 + m`` and ``C = beta^2 C + s^2``."""
    S = symbols()
    M1, C = sp.symbols("M_1 C", real=True)
    mean = sp.solve(sp.Eq(M1, S.beta * M1 + S.m), M1)[0]
    var = sp.solve(sp.Eq(C, S.beta**2 * C + S.s**2), C)[0]
    return mean, var


def free_chain_density(v=None):
    """The Gaussian stationary density of the threshold-free chain (a solution of the threshold-free
    stationary equation ``P(u) = int P(v) k(u - beta v) dv``)."""
    S = symbols()
    v = S.v if v is None else v
    mean, var = free_chain_moments()
    return sp.exp(-(v - mean) ** 2 / (2 * var)) / sp.sqrt(2 * sp.pi * var)


def renewal_equation():
    r"""Backward (renewal) equation of the zero-reset chain: ``(equation, rate)``.

    :math:`T(v) = 1 + \int_{-\infty}^{\theta} k(u - \beta v)\,T(u)\,du` is the mean number of
    steps to the first crossing from ``v``; the rate is :math:`1/(n_\mathrm{ref} + T(V_r))`.
    """
    S = symbols()
    eq = sp.Eq(S.T(S.v), 1 + sp.Integral(gaussian_kernel(S.u - S.beta * S.v) * S.T(S.u), (S.u, -sp.oo, S.theta)))
    return eq, 1 / (S.n_ref + S.T(S.V_r))


def forward_equation_zero():
    r"""Forward (master) equation of the zero-reset chain without refractoriness: ``(equation, flux, norm)``.

    For ``u < theta``: :math:`P(u) = \int_{-\infty}^{\theta} P(v) k(u-\beta v)\,dv + \nu\,k(u - \beta V_r)`
    (continuous part; the reset atom of mass :math:`\nu` at :math:`V_r` feeds the second term);
    :math:`\nu = \int P(v)\,Q(v)\,dv + \nu\,Q(V_r)` with :math:`Q(v) = P(\beta v + I \ge \theta)`;
    :math:`\int P + \nu = 1`.
    """
    S = symbols()
    Q = lambda y: sp.erfc((S.theta - S.beta * y - S.m) / (sp.sqrt(2) * S.s)) / 2  # noqa: E731
    eq = sp.Eq(S.P(S.u), sp.Integral(S.P(S.v) * gaussian_kernel(S.u - S.beta * S.v), (S.v, -sp.oo, S.theta))
               + S.nu * gaussian_kernel(S.u - S.beta * S.V_r))
    flux = sp.Eq(S.nu, sp.Integral(S.P(S.v) * Q(S.v), (S.v, -sp.oo, S.theta)) + S.nu * Q(S.V_r))
    norm = sp.Eq(sp.Integral(S.P(S.v), (S.v, -sp.oo, S.theta)) + S.nu, 1)
    return eq, flux, norm


def stationary_equation_subtract():
    r"""Stationary equation of the subtract-reset chain (post-reset state on the whole line).

    :math:`P(u) = \int P(v)\,[k(u-\beta v)\,\Theta(\theta-u) + k(u+\theta-V_r-\beta v)\,\Theta(u-V_r)]\,dv`,
    :math:`\int P = 1`, rate :math:`\int P(v) Q(v)\,dv`.
    """
    S = symbols()
    integrand = S.P(S.v) * (gaussian_kernel(S.u - S.beta * S.v) * sp.Heaviside(S.theta - S.u)
                            + gaussian_kernel(S.u + S.theta - S.V_r - S.beta * S.v) * sp.Heaviside(S.u - S.V_r))
    return sp.Eq(S.P(S.u), sp.Integral(integrand, (S.v, -sp.oo, sp.oo)))


@lru_cache(maxsize=None)
def continuous_time_mapping():
    r"""The exact one-step map of the OU neuron ``tau dV/dt = mu - V + sigma sqrt(tau) xi`` over ``Delta_t``:
    ``(beta, m, s^2)`` with free mean ``m/(1-beta) = mu`` and free variance ``s^2/(1-beta^2) = sigma^2/2``
    for every ``Delta_t`` (Brunel convention), and the limits as ``Delta_t -> 0``."""
    S = symbols()
    beta = sp.exp(-S.dt / S.tau)
    m = S.mu * (1 - beta)
    s2 = S.sigma**2 / 2 * (1 - beta**2)
    free_mean = sp.simplify(m / (1 - beta))
    free_var = sp.simplify(s2 / (1 - beta**2))
    lim_m = sp.limit(m / S.dt, S.dt, 0)
    lim_s2 = sp.limit(s2 / S.dt, S.dt, 0)
    return beta, m, s2, free_mean, free_var, lim_m, lim_s2


def discrete_monitoring_shift():
    r"""The threshold shift of a discretely monitored diffusion, ``-zeta(1/2)/sqrt(2 pi)`` per
    increment SD (Siegmund 1979; Broadie, Glasserman & Kou 1997), used by the dt-corrected Siegert rate."""
    return -sp.zeta(sp.Rational(1, 2)) / sp.sqrt(2 * sp.pi)


def document() -> Document:
    """The discrete derivation as a :class:`~snntheory.symbolic.Document`, rendered to
    ``derivations/discrete.md`` by ``python -m snntheory.symbolic``."""
    S = symbols()
    s1d, s2d = kernel_sums("delta")
    s1e, s2e = kernel_sums("exp")
    mean, var, temporal, quenched = layer_input_moments()
    fm, fv = free_chain_moments()
    ren, rate = renewal_equation()
    fwd, flux, norm = forward_equation_zero()
    sub = stationary_equation_subtract()
    beta_c, m_c, s2_c, free_mean, free_var, lim_m, lim_s2 = continuous_time_mapping()
    return Document(
        title="Exact discrete-time LIF chain and layer input statistics",
        summary=(
            "The canonical step map $V \\leftarrow \\beta V + I$ with threshold $\\theta$ and reset (to $V_r$, or by "
            "subtracting $\\theta - V_r$) is a Markov chain on the membrane potential. Its stationary equations are "
            "integral equations (solved numerically by a Nyström method in `snntheory.discrete`); the layer input "
            "$I=\\sum_j W_j S_j$ and the threshold-free membrane have closed-form moments (Campbell's theorem with "
            "discrete kernels)."
        ),
        feeds=[
            ("kernel sums", "snntheory.neuron.LIF.kernel_sums"),
            ("layer input moments and quenched split", "snntheory.neuron.layer_input"),
            ("free-chain moments", "snntheory.neuron.free_membrane"),
            ("renewal / forward / subtract equations", "snntheory.discrete.firing_probability"),
            ("continuous-time mapping", "snntheory.discrete.siegert_comparison"),
        ],
        steps=[
            Step("PSP kernels and their sums (geometric series)",
                 "Response of $V$ to one unit input at step 0; delta synapse, then exponential synapse "
                 "$J\\leftarrow\\alpha J + I$, $V\\leftarrow\\beta V + gJ$.",
                 [("delta: $\\varepsilon[k]$", kernel("delta")), ("$\\sum\\varepsilon$", s1d),
                  ("$\\sum\\varepsilon^2$", s2d), ("exponential: $\\varepsilon[k]$", kernel("exp")),
                  ("$\\sum\\varepsilon$", s1e), ("$\\sum\\varepsilon^2$", s2e)]),
            Step("Layer input (Campbell, per step)",
                 "$n$ inputs, $S_j\\sim$ Bernoulli$(p)$, weights of mean $\\mu_w$ and SD $\\sigma_w$. The annealed "
                 "variance splits into the temporal variance of one neuron with fixed weights (averaged over "
                 "neurons) and the variance across neurons of each neuron's mean increment.",
                 [("$E[I]$", mean), ("Var$[I]$", var), ("temporal", temporal), ("quenched", quenched)]),
            Step("Threshold-free chain",
                 "Fixed points of the moment recursions; the Gaussian with these moments solves the threshold-free "
                 "stationary equation. The free membrane of a layer is $E[I]\\sum\\varepsilon$, "
                 "Var$[I]\\sum\\varepsilon^2$.",
                 [("mean", fm), ("variance", fv), ("density", free_chain_density())]),
            Step("Zero reset: renewal and forward equations",
                 "Mean steps to the first crossing (backward) and the stationary density with the reset atom "
                 "(forward); $Q(v)$ is the probability that a step from $v$ crosses.",
                 [("renewal", ren), ("rate", sp.Eq(S.nu, rate)), ("forward", fwd), ("flux", flux), ("norm", norm)]),
            Step("Subtract reset: stationary equation",
                 "The post-reset state keeps the overshoot; the density jumps at $V_r$ (reinjection) and at "
                 "$\\theta$ (only overshooting states lie above).",
                 [sub]),
            Step("Continuous-time limit",
                 "The exact one-step map of the OU neuron gives $(\\beta, m, s^2)$; its free statistics equal "
                 "the OU ones for every $\\Delta_t$, and $m/\\Delta_t$, $s^2/\\Delta_t$ tend to the drift and "
                 "diffusion. Checking the threshold only on the grid raises it by $-\\zeta(1/2)/\\sqrt{2\\pi}$ "
                 "increment SDs to first order.",
                 [("$\\beta$", beta_c), ("$m$", m_c), ("$s^2$", s2_c), ("free mean", free_mean),
                  ("free variance", free_var), ("$\\lim m/\\Delta_t$", lim_m), ("$\\lim s^2/\\Delta_t$", lim_s2),
                  ("shift", discrete_monitoring_shift())]),
        ],
        sources=[
            "Helias, Deger, Rotter & Diesmann (2010), Front. Comput. Neurosci. 3:29 (direct solution of the "
            "discrete-time Markov process).",
            "Campbell (1909), Proc. Camb. Phil. Soc. 15:117; Rice (1944), Bell Syst. Tech. J. 23:282.",
            "Siegmund (1979), Adv. Appl. Probab. 11:701; Broadie, Glasserman & Kou (1997), Math. Finance 7:325.",
            "Atkinson (1997), The Numerical Solution of Integral Equations of the Second Kind, Ch. 4 (Nyström).",
        ],
    )

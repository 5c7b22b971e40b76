r"""Symbolic derivation of the perfect integrator (drifted Wiener process): first-passage law,
hitting probability, mean exit time between a reflecting and an absorbing barrier.

Model: ``dX = v dt + sigma dW`` (``v`` drift, ``sigma`` the coefficient of dW, so the free
process has variance ``sigma**2 t``), started at ``x`` below an absorbing barrier at ``a``
(distance ``d = a - x``); optionally reflected at ``L < x``.

Every function returns sympy objects; :func:`document` renders the same objects to
``derivations/wiener.md``. ``tests/test_symbolic_wiener.py`` checks each result against its own
equation and boundary conditions and, evaluated with mpmath at 50 digits, against
:mod:`snntheory.wiener`.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import sympy as sp

from ._render import Document, Step

__all__ = [
    "symbols",
    "generator",
    "laplace_backward_equation",
    "laplace_transform_solution",
    "levy_pair",
    "fpt_density",
    "hitting_probability",
    "mean_fpt",
    "mean_exit_equation",
    "mean_exit_time",
    "mean_exit_time_driftless",
    "discrete_reflecting_rate",
    "tilted_walk",
    "document",
]


def symbols():
    """The symbols of the model (with assumptions) as a namespace."""
    x, v, a, L, theta = sp.symbols("x v a L theta", real=True)
    sigma, d, t, p, k, b = sp.symbols("sigma d t p k b", positive=True)
    s, beta_star = sp.symbols("s beta^*", positive=True)
    return SimpleNamespace(x=x, v=v, a=a, L=L, theta=theta, sigma=sigma, d=d, t=t, p=p, k=k, b=b, s=s,
                           beta_star=beta_star, g=sp.Function("g"), h=sp.Function("h"), T=sp.Function("T"))


def generator(u, x=None):
    r"""The backward generator :math:`\mathcal{A}u = \tfrac{\sigma^2}{2}u'' + v u'` applied to ``u(x)``."""
    s = symbols()
    x = s.x if x is None else x
    return s.sigma**2 / 2 * sp.diff(u, x, 2) + s.v * sp.diff(u, x)


def laplace_backward_equation():
    r"""Backward equation for :math:`g(x) = E_x[e^{-pT}]` and its boundary conditions.

    :math:`\mathcal{A}g = p\,g` on :math:`x < a`, :math:`g(a) = 1`, g bounded as x → -∞.
    Returned as ``(equation, conditions)``.
    """
    s = symbols()
    g = s.g(s.x)
    return sp.Eq(generator(g), s.p * g), [sp.Eq(s.g(s.a), 1)]


@lru_cache(maxsize=None)
def laplace_transform_solution():
    r"""Solve :func:`laplace_backward_equation`: returns ``(roots, g)`` with g as a function of x.

    The characteristic roots are :math:`\lambda_\pm = (-v \pm \sqrt{v^2 + 2\sigma^2 p})/\sigma^2`;
    boundedness at -∞ keeps :math:`\lambda_+ > 0`, and :math:`g(a) = 1` gives
    :math:`g = \exp\{-(a-x)(\sqrt{v^2 + 2\sigma^2 p} - v)/\sigma^2\}`.
    """
    s = symbols()
    lam = sp.Symbol("lambda")
    roots = sp.solve(sp.Eq(s.sigma**2 / 2 * lam**2 + s.v * lam - s.p, 0), lam)
    plus = max(roots, key=lambda r: r.subs({s.v: 0, s.p: 1, s.sigma: 1}))  # the positive root
    g = sp.exp(plus * (s.x - s.a))
    return roots, sp.simplify(g)


@lru_cache(maxsize=None)
def levy_pair():
    r"""The transform pair :math:`\mathcal{L}\{\tfrac{k}{2\sqrt\pi}t^{-3/2}e^{-k^2/4t}\}(p) = e^{-k\sqrt p}`.

    Returned as ``(f, F)`` with ``F`` computed by ``sympy.laplace_transform`` from ``f``.
    """
    s = symbols()
    f = s.k / (2 * sp.sqrt(sp.pi)) * s.t ** sp.Rational(-3, 2) * sp.exp(-(s.k**2) / (4 * s.t))
    F = sp.laplace_transform(f, s.t, s.p, noconds=True)
    return f, F


@lru_cache(maxsize=None)
def fpt_density():
    r"""Invert the Laplace transform: the inverse-Gaussian density of the first-passage time.

    In terms of the distance :math:`d = a - x`:
    :math:`\hat g(p) = e^{dv/\sigma^2}\,e^{-k\sqrt{p + b}}` with :math:`k = \sqrt2 d/\sigma` and
    :math:`b = v^2/(2\sigma^2)`. The shift theorem :math:`\mathcal{L}^{-1}\{F(p+b)\} =
    e^{-bt}\mathcal{L}^{-1}\{F\}` and the Lévy pair (:func:`levy_pair`) give
    :math:`f(t) = e^{dv/\sigma^2 - bt}\,\tfrac{k}{2\sqrt\pi}t^{-3/2}e^{-k^2/4t}`, which equals
    :math:`\frac{d}{\sigma\sqrt{2\pi t^3}}\exp(-\frac{(d - vt)^2}{2\sigma^2 t})`. Returns
    ``(g_hat, f_shifted, f)``: the transform in d, the density as obtained, and the
    simplified inverse-Gaussian form.
    """
    s = symbols()
    _, g = laplace_transform_solution()
    g_hat = sp.simplify(g.subs(s.x, s.a - s.d))
    f_levy, _ = levy_pair()
    kk = sp.sqrt(2) * s.d / s.sigma
    bb = s.v**2 / (2 * s.sigma**2)
    f_shifted = sp.exp(s.d * s.v / s.sigma**2) * sp.exp(-bb * s.t) * f_levy.subs(s.k, kk)
    f = s.d / (s.sigma * sp.sqrt(2 * sp.pi * s.t**3)) * sp.exp(-((s.d - s.v * s.t) ** 2) / (2 * s.sigma**2 * s.t))
    return g_hat, f_shifted, f


@lru_cache(maxsize=None)
def hitting_probability():
    r"""Probability of ever reaching the barrier with negative drift, from the scale function.

    :math:`h(x) = P_x(T < \infty)` solves :math:`\mathcal{A}h = 0`, :math:`h(a) = 1`,
    :math:`h(-\infty) = 0`. For v < 0 the bounded solution is :math:`e^{-2v(x-a)/\sigma^2}`, i.e.
    :math:`e^{2vd/\sigma^2}`; it equals :math:`\hat g(0^+)` for v < 0. Returns
    ``(general_solution, h)`` (h in terms of d).
    """
    s = symbols()
    gen = sp.dsolve(sp.Eq(generator(s.h(s.x)), 0), s.h(s.x)).rhs
    c1, c2 = sp.symbols("C1 C2")
    # v < 0: exp(-2 v x / sigma^2) -> 0 as x -> -inf, so boundedness (h -> 0) needs C1 = 0
    part = gen.subs(c1, 0)
    c2_val = sp.solve(sp.Eq(part.subs(s.x, s.a), 1), c2)[0]
    h = sp.simplify(part.subs(c2, c2_val).subs(s.x, s.a - s.d))
    return gen, h


@lru_cache(maxsize=None)
def mean_fpt():
    r"""Mean first-passage time without a lower barrier, :math:`-\hat g'(0) = d/v` for v > 0."""
    s = symbols()
    g_hat, _, _ = fpt_density()
    vpos = sp.Symbol("v", positive=True)
    return sp.simplify(-sp.diff(g_hat.subs(s.v, vpos), s.p).subs(s.p, 0)).subs(vpos, s.v)


def mean_exit_equation():
    r"""Mean exit time with a reflecting barrier at L: :math:`\mathcal{A}T = -1`,
    :math:`T(\theta) = 0`, :math:`T'(L) = 0`. Returns ``(equation, conditions)``."""
    s = symbols()
    T = s.T(s.x)
    return sp.Eq(generator(T), -1), [sp.Eq(s.T(s.theta), 0), sp.Eq(sp.diff(T, s.x).subs(s.x, s.L), 0)]


@lru_cache(maxsize=None)
def mean_exit_time():
    r"""Solve :func:`mean_exit_equation` with ``sympy.dsolve``: :math:`T(x)` for v != 0."""
    s = symbols()
    T = s.T(s.x)
    sol = sp.dsolve(sp.Eq(generator(T), -1), T, ics={s.T(s.theta): 0, sp.diff(T, s.x).subs(s.x, s.L): 0})
    return sp.simplify(sol.rhs)


@lru_cache(maxsize=None)
def mean_exit_time_driftless():
    r"""The v → 0 limit of :func:`mean_exit_time`: :math:`((\theta-L)^2 - (x-L)^2)/\sigma^2`."""
    s = symbols()
    return sp.factor(sp.limit(mean_exit_time(), s.v, 0))


@lru_cache(maxsize=None)
def discrete_reflecting_rate():
    r"""Discrete-time S2 rate with the discrete-monitoring shifts (display and tests).

    The reflecting barrier moves down by :math:`\beta^* s` and the threshold up by
    :math:`\beta^* s` (Siegmund 1979; Broadie, Glasserman & Kou 1997), with x = 0 (reset),
    and the step variance s² per step:
    :math:`p = s^2/((\theta - L + 2\beta^* s)^2 - (-L + \beta^* s)^2)`.
    """
    s = symbols()
    T0 = mean_exit_time_driftless().subs({s.x: 0, s.sigma: s.s})
    shifted = T0.subs({s.theta: s.theta + s.beta_star * s.s, s.L: s.L - s.beta_star * s.s}, simultaneous=True)
    return sp.simplify(1 / shifted)


@lru_cache(maxsize=None)
def tilted_walk():
    r"""The random walk with Gaussian steps N(m, s²), m < 0, conditioned on crossing (the route of
    :func:`snntheory.wiener.mean_overshoot` for a transient walk). With :math:`\gamma = -2m/s^2`:

    - :math:`h(x) = e^{\gamma x}` is harmonic for the walk: :math:`E[e^{\gamma X}] = 1`;
    - the tilted step law :math:`e^{\gamma y}\varphi((y-m)/s)/s` is N(-m, s²), the walk Q with
      drift :math:`|m|` (the likelihood ratio over a path up to the crossing is :math:`e^{-\gamma S_T}`);
    - from a source x (threshold θ, overshoot r) the tilt of Q's crossing density is P's:
      :math:`e^{-\gamma r}\varphi((r-\mu_Q)/s) = e^{-\gamma(x-\theta)}\varphi((r-\mu_P)/s)`,
      :math:`\mu_Q = x - m - \theta`, :math:`\mu_P = x + m - \theta`.

    Returns (mgf at gamma, log of the tilted step density minus Q's, log of the two sides' ratio
    in the third identity), each 0 when simplified."""
    s = symbols()
    m, y, r = sp.symbols("m y r", real=True)
    gamma = -2 * m / s.s**2
    phi = lambda z: sp.exp(-z**2 / 2)   # noqa: E731 - the Gaussian kernel (constants cancel)
    mgf = sp.exp(gamma * m + gamma**2 * s.s**2 / 2)                  # E[exp(gamma X)], X ~ N(m, s^2)
    tilt = sp.expand(sp.log(sp.exp(gamma * y) * phi((y - m) / s.s)) - sp.log(phi((y + m) / s.s)), force=True)
    mu_q, mu_p = s.x - m - s.theta, s.x + m - s.theta
    cross = sp.expand(sp.log(sp.exp(-gamma * r) * phi((r - mu_q) / s.s))
                      - sp.log(sp.exp(-gamma * (s.x - s.theta)) * phi((r - mu_p) / s.s)), force=True)
    return sp.simplify(mgf - 1), sp.simplify(tilt), sp.simplify(cross)


def document() -> Document:
    """The wiener derivation as a :class:`~snntheory.symbolic.Document`, rendered to
    ``derivations/wiener.md`` by ``python -m snntheory.symbolic``."""
    s = symbols()
    eq_g, cond_g = laplace_backward_equation()
    roots, g = laplace_transform_solution()
    f_levy, F_levy = levy_pair()
    g_hat, f_shifted, f = fpt_density()
    gen_h, h = hitting_probability()
    eq_T, cond_T = mean_exit_equation()
    T = mean_exit_time()
    T0 = mean_exit_time_driftless()
    p_disc = discrete_reflecting_rate()
    steps = [
        Step("Backward equation for the Laplace transform of the first-passage time",
             "For the drifted Wiener process dX = v dt + σ dW, the function g(x) = E_x[exp(-pT)] "
             "satisfies the backward equation with generator A = (σ²/2) d²/dx² + v d/dx, equals 1 at "
             "the barrier and stays bounded as x → -∞.",
             [eq_g, *cond_g]),
        Step("Solution",
             "The characteristic roots of (σ²/2)λ² + vλ - p = 0 are below; boundedness at -∞ keeps the "
             "positive one, and g(a) = 1 fixes the constant.",
             [("roots", sp.FiniteSet(*roots)), sp.Eq(s.g(s.x), g),
              ("in terms of the distance d = a - x", sp.Eq(sp.Symbol(r"\hat g"), g_hat))]),
        Step("Inversion: the inverse-Gaussian density",
             "sympy computes the Laplace transform of the Lévy kernel (first line). With "
             "k = √2 d/σ and b = v²/(2σ²), ĝ(p) = exp(dv/σ²) exp(-k√(p+b)); the shift theorem gives "
             "the density as obtained (second line), which simplifies to the inverse-Gaussian form "
             "(third line). Its mean -ĝ'(0) = d/v for v > 0.",
             [sp.Eq(sp.Symbol(r"\mathcal{L}\{f_{k}\}"), F_levy), sp.Eq(sp.Symbol("f(t)"), f_shifted),
              sp.Eq(sp.Symbol("f(t)"), f), sp.Eq(sp.Symbol("E[T]"), mean_fpt())]),
        Step("Hitting probability with negative drift",
             "P_x(T < ∞) solves A h = 0 with h(a) = 1; the general solution is below. For v < 0 the "
             "solution vanishing at -∞ gives the probability, which equals ĝ(0⁺); the density f is "
             "then defective and integrates to it.",
             [sp.Eq(s.h(s.x), gen_h), sp.Eq(sp.Symbol("P(T<\\infty)"), h)]),
        Step("Mean exit time between a reflecting and an absorbing barrier",
             "With a reflecting barrier at L (solution S2 of firing-rate collapse: V <- max(V, L)) "
             "the mean time to reach θ solves A T = -1 with T(θ) = 0 and T'(L) = 0.",
             [eq_T, *cond_T, sp.Eq(s.T(s.x), T), ("driftless limit", sp.Eq(s.T(s.x), T0))]),
        Step("Discrete time: the shifted barriers",
             "For the random walk with step SD s, checking the threshold only at steps raises it by "
             "β* s and lowers the reflecting barrier by β* s (β* = -ζ(1/2)/√(2π) ≈ 0.5826); from the "
             "reset x = 0 the spike probability per step is then the following (the numerical module "
             "computes the exact lattice value; this is its small-step form).",
             [sp.Eq(sp.Symbol("p"), p_disc)]),
        Step("Discrete time: the walk conditioned on crossing",
             "For a downward drift m < 0 the walk crosses θ with probability < 1. With γ = -2m/s², "
             "e^{γx} is harmonic (first line: E[e^{γX}] - 1), so the walk conditioned on crossing is "
             "the tilted walk whose steps e^{γy}φ((y-m)/s) are N(-m, s²) (second line: the log ratio "
             "of the two densities), up to the weight e^{-γ S_T} at the crossing. From a source x the "
             "tilted walk's crossing density times e^{-γr} is e^{-γ(x-θ)} times the untilted one "
             "(third line: the log ratio), so `mean_overshoot` weights the tilted walk's visits by "
             "e^{γ(θ-x)} Φ((x+m-θ)/s) and each source's mean excess is the untilted step's.",
             [sp.Eq(sp.Symbol(r"E[e^{\gamma X}] - 1"), tilted_walk()[0]),
              sp.Eq(sp.Symbol(r"\log\frac{e^{\gamma y}\varphi((y-m)/s)}{\varphi((y+m)/s)}"), tilted_walk()[1]),
              sp.Eq(sp.Symbol(r"\log\frac{e^{-\gamma r}\varphi((r-\mu_Q)/s)}{e^{-\gamma(x-\theta)}"
                              r"\varphi((r-\mu_P)/s)}"), tilted_walk()[2])]),
    ]
    return Document(
        title="Perfect integrator: drifted Wiener process and random walk",
        summary=("Derivations behind `snntheory.wiener`: the first-passage law of the drifted Wiener "
                 "process from the backward equation of its Laplace transform, the hitting probability "
                 "with negative drift, and the mean exit time between a reflecting and an absorbing "
                 "barrier (solution S2 of firing-rate collapse). Model: dX = v dt + σ dW, barrier a "
                 "distance d above the start."),
        steps=steps,
        sources=[
            "Schrödinger E (1915) Phys Z 16:289 (first-passage law of the drifted Wiener process).",
            "Chhikara RS & Folks JL (1989) The Inverse Gaussian Distribution, Dekker, Eq. (2.1).",
            "Cox DR & Miller HD (1965) The Theory of Stochastic Processes, §5.7 (absorbing and reflecting barriers).",
            "Gardiner CW (2009) Stochastic Methods, 4th ed., §5.2.7 (mean exit time).",
            "Siegmund D (1979) Adv Appl Prob 11:701; Broadie M, Glasserman P & Kou S (1997) Math Finance 7:325 (discrete monitoring).",
            "Siegmund D (1985) Sequential Analysis, Springer, Ch. VIII (exponential change of measure for random walks).",
        ],
        feeds=[
            ("inverse-Gaussian density f(t)", "snntheory.wiener.fpt_pdf / log_fpt_pdf"),
            ("its Laplace transform ĝ(p)", "tests (quadrature of fpt_pdf)"),
            ("hitting probability exp(2vd/σ²)", "snntheory.wiener.hitting_probability"),
            ("mean exit time T(x) with reflecting barrier", "snntheory.wiener.mean_fpt, firing_rate(v_lower=...)"),
            ("discrete shifted-barrier rate", "snntheory.wiener.firing_probability (small-step check)"),
            ("the tilt of the walk conditioned on crossing", "snntheory.wiener.mean_overshoot (m < 0, no v_lower)"),
        ],
    )

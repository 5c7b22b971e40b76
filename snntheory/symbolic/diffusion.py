r"""Symbolic derivation of the white-noise (diffusion) LIF neuron: density, Siegert rate, moments.

Model (Brunel 2000 convention): ``tau dV/dt = mu - V + sigma sqrt(tau) xi``, threshold
``theta``, reset ``V_r``, refractory period ``tau_ref``; the free V has mean ``mu`` and
variance ``sigma**2/2``.

Every function returns sympy objects; :func:`document` renders the same objects to
``derivations/diffusion.md``. The tests (``tests/test_symbolic_diffusion.py``) check that each
result satisfies its own equation and boundary conditions and that, evaluated with mpmath at
50 digits, it equals the numeric functions of :mod:`snntheory.diffusion`.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

import sympy as sp

from ._render import Document, Step

__all__ = [
    "symbols",
    "probability_flux",
    "fokker_planck_equation",
    "stationary_density_solution",
    "density_integral_form",
    "mean_fpt_equation",
    "mean_fpt_solution",
    "siegert_rate",
    "generator_symbol",
    "moment_balance",
    "membrane_moments",
    "document",
]


def symbols():
    """The symbols of the model (with assumptions) as a namespace."""
    V, mu, theta, V_r, y, u, x0 = sp.symbols("V mu theta V_r y u x_0", real=True)
    sigma, tau, nu = sp.symbols("sigma tau nu", positive=True)
    tau_ref = sp.Symbol("tau_ref", nonnegative=True)
    M0, M1, M2 = sp.symbols("M_0 M_1 M_2", real=True)
    return SimpleNamespace(V=V, mu=mu, theta=theta, V_r=V_r, y=y, u=u, x0=x0, sigma=sigma, tau=tau,
                           nu=nu, tau_ref=tau_ref, M0=M0, M1=M1, M2=M2, P=sp.Function("P"),
                           T=sp.Function("T"))


def probability_flux(P, V=None):
    r"""Probability flux ``J = ((mu - V)/tau) P - (sigma^2/(2 tau)) dP/dV`` of a density expression."""
    s = symbols()
    V = s.V if V is None else V
    return (s.mu - V) / s.tau * P - s.sigma**2 / (2 * s.tau) * sp.diff(P, V)


def fokker_planck_equation():
    r"""The stationary Fokker--Planck equation with reinjection, as ``(equation, conditions)``.

    ``0 = -dJ/dV + nu delta(V - V_r)`` on ``(-inf, theta)``; integrated once: ``J = nu`` on
    ``(V_r, theta)``, ``J = 0`` below ``V_r``; absorbing threshold ``P(theta) = 0``; ``P``
    continuous at ``V_r``; ``P -> 0`` at ``-inf``.
    """
    s = symbols()
    P = s.P(s.V)
    J = probability_flux(P)
    eq = sp.Eq(0, -sp.diff(sp.Function("J")(s.V), s.V) + s.nu * sp.DiracDelta(s.V - s.V_r))
    conds = [
        sp.Eq(J, s.nu),  # V_r < V < theta
        sp.Eq(sp.Function("J_-")(s.V), 0),  # V < V_r
        sp.Eq(s.P(s.theta), 0),
    ]
    return eq, conds


@lru_cache(maxsize=None)
def stationary_density_solution():
    r"""Solve the stationary equation: returns ``(P_above, P_below)`` (closed forms with erfi).

    ``P_above`` (``V_r < V < theta``) solves ``J = nu`` with ``P(theta) = 0`` (``sympy.dsolve``);
    ``P_below`` (``V < V_r``) solves ``J = 0``, continuous at ``V_r`` and vanishing at ``-inf``.
    """
    s = symbols()
    P = s.P
    ode = sp.Eq(probability_flux(P(s.V)), s.nu)
    above = sp.dsolve(ode, P(s.V), ics={P(s.theta): 0}).rhs
    # below the reset J = 0: P = C exp(-(V - mu)^2/sigma^2), C fixed by continuity at V_r
    gauss = sp.exp(-((s.V - s.mu) ** 2) / s.sigma**2)
    C = sp.simplify(above.subs(s.V, s.V_r) / gauss.subs(s.V, s.V_r))
    below = C * gauss
    return sp.simplify(above), sp.simplify(below)


def density_integral_form():
    r"""Brunel's form ``P = (2 nu tau/sigma) e^{-y^2} int_{max(y, y_r)}^{y_th} e^{u^2} du``.

    Returned as ``(P_above, P_below)`` in terms of ``V`` with unevaluated integrals; the tests
    check that it equals :func:`stationary_density_solution`.
    """
    s = symbols()
    y = (s.V - s.mu) / s.sigma
    yth = (s.theta - s.mu) / s.sigma
    yr = (s.V_r - s.mu) / s.sigma
    pref = 2 * s.nu * s.tau / s.sigma * sp.exp(-(y**2))
    return (pref * sp.Integral(sp.exp(s.u**2), (s.u, y, yth)), pref * sp.Integral(sp.exp(s.u**2), (s.u, yr, yth)))


def mean_fpt_equation():
    r"""Backward equation for the mean FPT ``T(x_0)`` to ``theta`` and its boundary conditions.

    ``(sigma^2/(2 tau)) T'' + ((mu - x_0)/tau) T' = -1``, ``T(theta) = 0``, and
    ``exp(-(x_0 - mu)^2/sigma^2) T'(x_0) -> 0`` as ``x_0 -> -inf`` (reflecting infinity).
    """
    s = symbols()
    T = s.T(s.x0)
    ode = sp.Eq(s.sigma**2 / (2 * s.tau) * sp.diff(T, s.x0, 2) + (s.mu - s.x0) / s.tau * sp.diff(T, s.x0), -1)
    return ode, [sp.Eq(s.T(s.theta), 0)]


@lru_cache(maxsize=None)
def mean_fpt_solution():
    r"""Derive the Siegert integral: returns ``(steps, T)`` with ``T(x_0)`` as an integral over u.

    In ``y = (x_0 - mu)/sigma`` the equation is ``T'' - 2 y T' = -2 tau``, i.e.
    ``(e^{-y^2} T')' = -2 tau e^{-y^2}``. Integrating from ``-inf`` (where ``e^{-y^2} T' -> 0``)
    gives ``T' = -tau sqrt(pi) e^{y^2} (1 + erf y)``, and ``T(theta) = 0`` gives
    ``T(y_0) = tau sqrt(pi) int_{y_0}^{y_th} e^{u^2}(1 + erf u) du``.
    """
    s = symbols()
    y, u = s.y, s.u
    Ty = sp.Function("T")(y)
    ode_y = sp.Eq(sp.diff(Ty, y, 2) - 2 * y * sp.diff(Ty, y), -2 * s.tau)
    exact = sp.Eq(sp.diff(sp.exp(-(y**2)) * sp.diff(Ty, y), y), -2 * s.tau * sp.exp(-(y**2)))
    first = -2 * s.tau * sp.integrate(sp.exp(-(u**2)), (u, -sp.oo, y))  # = e^{-y^2} T'(y)
    dT = sp.simplify(first * sp.exp(y**2))
    yth = (s.theta - s.mu) / s.sigma
    y0 = (s.x0 - s.mu) / s.sigma
    T = sp.Integral(-dT.subs(y, u), (u, y0, yth))
    steps = [ode_y, exact, sp.Eq(sp.exp(-(y**2)) * sp.Derivative(Ty, y), first), sp.Eq(sp.Derivative(Ty, y), dT)]
    return steps, T


def siegert_rate():
    r"""``nu = 1/(tau_ref + T(V_r))`` with the Siegert integral for ``T``."""
    s = symbols()
    _, T = mean_fpt_solution()
    return 1 / (s.tau_ref + T.subs(s.x0, s.V_r))


def generator_symbol():
    r""":math:`\Lambda(c, V)` with :math:`\mathcal{L}e^{cV} = \Lambda e^{cV}` for the generator of the free
    OU process, :math:`\mathcal{L}f = \frac{\mu - V}{\tau}f' + \frac{\sigma^2}{2\tau}f''` (differentiated by sympy)."""
    s = symbols()
    c = sp.Symbol("c", real=True)
    f = sp.exp(c * s.V)
    gen = (s.mu - s.V) / s.tau * sp.diff(f, s.V) + s.sigma**2 / (2 * s.tau) * sp.diff(f, s.V, 2)
    return c, sp.expand(sp.simplify(gen / f))


def moment_balance():
    r"""Moment equations of the stationary density and their solution ``{M_1: ..., M_2: ...}``.

    Derived from the generator: in the stationary state
    :math:`0 = \int P\,\mathcal{L}V^n\,dV + \nu(V_r^n - \theta^n)` (the outflux at
    :math:`\theta` is re-injected at :math:`V_r`), with
    :math:`\mathcal{L}V^n = \partial_c^n[\Lambda(c,V)e^{cV}]_{c=0}` (:func:`generator_symbol`)
    and :math:`\int V^kP\,dV = M_k`. Returns ``(equations, solution)``.
    """
    s = symbols()
    M = {0: s.M0, 1: s.M1, 2: s.M2}
    c, lam = generator_symbol()
    gen = lam * sp.exp(c * s.V)
    eqs = []
    for n in (1, 2):
        poly = sp.Poly(sp.expand(sp.diff(gen, c, n).subs(c, 0)), s.V)
        expect = sum(coef * M[mon[0]] for mon, coef in zip(poly.monoms(), poly.coeffs()))
        eqs.append(sp.Eq(0, -s.nu * s.theta**n + s.nu * s.V_r**n + expect))
    sol = sp.solve(eqs, [s.M1, s.M2], dict=True)[0]
    return eqs, sol


def membrane_moments():
    r"""``(E[V], Var V)`` over all neurons, refractory ones at ``V_r``, with ``M_0 = 1 - nu tau_ref``."""
    s = symbols()
    _, sol = moment_balance()
    sub = {s.M0: 1 - s.nu * s.tau_ref}
    m1 = sp.expand(sol[s.M1].subs(sub))
    m2 = sp.expand(sol[s.M2].subs(sub))
    mean = m1 + s.nu * s.tau_ref * s.V_r
    ev2 = m2 + s.nu * s.tau_ref * s.V_r**2
    return sp.simplify(mean), sp.expand(ev2 - mean**2)


def document() -> Document:
    """The diffusion derivation as a :class:`~snntheory.symbolic.Document`, rendered to
    ``derivations/diffusion.md`` by ``python -m snntheory.symbolic``."""
    s = symbols()
    eq_fp, conds = fokker_planck_equation()
    above, below = stationary_density_solution()
    ia, ib = density_integral_form()
    ode_T, bc_T = mean_fpt_equation()
    steps_T, T = mean_fpt_solution()
    eqs_m, sol_m = moment_balance()
    mean, var = membrane_moments()
    P = s.P(s.V)
    return Document(
        title="Diffusion (white-noise) LIF neuron: stationary density, Siegert rate, membrane moments",
        summary=(
            "Model (Brunel 2000): $\\tau\\dot V = \\mu - V + \\sigma\\sqrt{\\tau}\\,\\xi(t)$ with threshold "
            "$\\theta$, reset $V_r$ and refractory period $\\tau_{ref}$; the free membrane has mean $\\mu$ and "
            "variance $\\sigma^2/2$. The stationary Fokker--Planck equation with the reset flux gives the density; "
            "the backward equation gives the mean first-passage time (Siegert) and so the rate; the moment "
            "balance of the same equation gives the mean and variance of $V$ in closed form."
        ),
        steps=[
            Step("Stationary Fokker–Planck equation with reinjection at the reset",
                 "Probability flux $J$; the outflux $\\nu$ at $\\theta$ is reinjected at $V_r$ after $\\tau_{ref}$. "
                 "Integrated once: $J=\\nu$ between reset and threshold, $J=0$ below the reset; absorbing threshold.",
                 [("flux", sp.Eq(sp.Symbol("J"), probability_flux(P))), ("equation", eq_fp),
                  *[("condition", c) for c in conds]]),
            Step("Density: solve $J=\\nu$ with $P(\\theta)=0$ (sympy dsolve), then $J=0$ below $V_r$",
                 "The solution above the reset, and below it the Gaussian tail continuous at $V_r$.",
                 [("$V_r<V<\\theta$", sp.Eq(sp.Symbol("P_+"), above)), ("$V<V_r$", sp.Eq(sp.Symbol("P_-"), below)),
                  ("Brunel's integral form, equal to the above ($y=(V-\\mu)/\\sigma$)", sp.Eq(sp.Symbol("P_+"), ia)),
                  ("below the reset", sp.Eq(sp.Symbol("P_-"), ib))]),
            Step("Mean first-passage time: backward equation and boundary conditions",
                 "Absorbing threshold; reflecting $-\\infty$ ($e^{-y^2}T'\\to0$).",
                 [ode_T, *bc_T]),
            Step("Siegert integral",
                 "In $y=(x_0-\\mu)/\\sigma$ the equation is exact after the integrating factor $e^{-y^2}$; "
                 "integrate from $-\\infty$, then from $y_0$ to $y_\\theta$.",
                 [*steps_T, ("mean first-passage time", sp.Eq(sp.Symbol("T(x_0)"), T)),
                  ("rate", sp.Eq(s.nu, siegert_rate()))]),
            Step("Membrane moments from the moment balance",
                 "From the generator $\\mathcal{L}f=\\frac{\\mu-V}{\\tau}f'+\\frac{\\sigma^2}{2\\tau}f''$: "
                 "$\\mathcal{L}e^{cV}=\\Lambda e^{cV}$ and $\\mathcal{L}V^n=\\partial_c^n[\\Lambda e^{cV}]_{c=0}$; the "
                 "stationary balance $0=\\int P\\,\\mathcal{L}V^n\\,dV+\\nu(V_r^n-\\theta^n)$ (outflux $\\nu$ at "
                 "$\\theta$ re-injected at $V_r$), with $M_k=\\int V^kP\\,dV$.",
                 [("generator symbol $\\Lambda(c,V)$", generator_symbol()[1]), *eqs_m, *[sp.Eq(k, v) for k, v in sol_m.items()],
                  ("mean over all neurons (refractory ones at $V_r$, $M_0=1-\\nu\\tau_{ref}$)", sp.Eq(sp.Symbol("E[V]"), mean)),
                  ("variance", sp.Eq(sp.Symbol("Var V"), var))]),
        ],
        sources=[
            "Siegert (1951), Phys. Rev. 81:617 — mean first-passage time of the OU process.",
            "Amit & Brunel (1997), Cereb. Cortex 7:237, Eq. A.2 — Siegert rate of the LIF neuron.",
            "Brunel & Hakim (1999), Neural Comput. 11:1621, Eqs. 14–19 — stationary density with reset.",
            "Brunel (2000), J. Comput. Neurosci. 8:183, Eqs. 20–21 — density and rate in this convention.",
        ],
        feeds=[
            ("stationary density $P(V)$", "snntheory.diffusion.stationary_density"),
            ("mean first-passage time $T(x_0)$", "snntheory.diffusion.mean_fpt"),
            ("rate $\\nu$", "snntheory.diffusion.firing_rate"),
            ("$E[V]$, Var $V$", "snntheory.diffusion.membrane_moments"),
        ],
    )

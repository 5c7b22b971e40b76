r"""Shot-noise LIF: master equation (flux form), its ODE system, the Richardson–Swarbrick rate,
the excitatory-only density, the moment balance and Campbell's cumulants, in sympy.

Coordinates are shifted so that the leak potential is 0 (``theta = v_th - e_l``,
``V_r = v_reset - e_l``). Every function returns the sympy objects that :func:`document`
renders and the tests check.
"""

from __future__ import annotations

import sympy as sp

from ._render import Document, Step

__all__ = [
    "symbols", "master_equation", "ode_system", "laplace_equation", "integrating_factor",
    "rate_integrand", "rate_equation", "exc_only_density", "exc_only_rate_integrand",
    "moment_balance", "kernel_power_integral", "campbell_cumulant", "document",
]

v, u, c, s, t, k = sp.symbols("v u c s t k", real=True)
tau, R_E, R_I, a, b, theta, V_r, r, tau_ref, tau_s = sp.symbols(
    "tau_m R_E R_I a b V_th V_r nu tau_ref tau_s", positive=True)
beta = sp.Symbol("beta", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
P = sp.Function("P")
J_E = sp.Function("J_E")
J_I = sp.Function("J_I")
Pt = sp.Function(r"\tilde{P}")


def symbols() -> dict:
    """The symbols used, by name."""
    return dict(v=v, c=c, s=s, t=t, tau_m=tau, R_E=R_E, R_I=R_I, a=a, b=b, theta=theta, V_r=V_r, nu=r,
                tau_ref=tau_ref, tau_s=tau_s, beta=beta, n=n)


def master_equation() -> list:
    r"""The stationary master equation in flux form (exponential amplitudes, means a and b).

    Returns ``[flux balance, excitatory flux definition, inhibitory flux definition]``:
    the total flux across level v is the leak flux plus the upward jump flux minus the
    downward one, and equals the firing rate between reset and threshold.
    """
    balance = sp.Eq(-v * P(v) / tau + J_E(v) - J_I(v), r * sp.Heaviside(v - V_r))
    je = sp.Eq(J_E(v), R_E * sp.Integral(P(u) * sp.exp(-(v - u) / a), (u, -sp.oo, v)))
    ji = sp.Eq(J_I(v), R_I * sp.Integral(P(u) * sp.exp(-(u - v) / b), (u, v, theta)))
    return [balance, je, ji]


def ode_system():
    r"""The flux definitions differentiated (Leibniz rule): a linear ODE system.

    Returns ``(equations, check)`` where ``check`` is the list of residuals obtained by
    differentiating the integral definitions, which simplify to 0.
    """
    _, je, ji = master_equation()
    ode_e = sp.Eq(sp.Derivative(J_E(v), v), R_E * P(v) - J_E(v) / a)
    ode_i = sp.Eq(sp.Derivative(J_I(v), v), -R_I * P(v) + J_I(v) / b)
    res_e = sp.diff(je.rhs, v) - (R_E * P(v) - je.rhs / a)
    res_i = sp.diff(ji.rhs, v) - (-R_I * P(v) + ji.rhs / b)
    elim = sp.Eq(P(v), tau * (J_E(v) - J_I(v) - r * sp.Heaviside(v - V_r)) / v)
    return [ode_e, ode_i, elim], [sp.simplify(res_e), sp.simplify(res_i)]


def laplace_equation():
    r"""The equation for :math:`\tilde P(c)=\int e^{cv}P(v)dv` obtained by multiplying the
    master equation by :math:`e^{cv}` and integrating over :math:`v<\theta`, with the boundary
    values :math:`J_E(\theta)=\nu` (only jumps cross the threshold since the drift points down)
    and :math:`J_I(\theta)=0`:

    .. math:: \tilde J_E = \frac{a(R_E\tilde P - \nu e^{c\theta})}{1-ac},\quad
              \tilde J_I = \frac{bR_I\tilde P}{1+bc},\quad
              \tilde P'/\tau = \tilde J_E - \tilde J_I - \nu\frac{e^{c\theta}-e^{cV_r}}{c}.
    """
    P_ = Pt(c)
    jt_e = a * (R_E * P_ - r * sp.exp(c * theta)) / (1 - a * c)
    jt_i = b * R_I * P_ / (1 + b * c)
    return sp.Eq(sp.Derivative(P_, c) / tau, jt_e - jt_i - r * (sp.exp(c * theta) - sp.exp(c * V_r)) / c)


def integrating_factor():
    r"""``(factor, forcing)``: with :math:`Q=(1-ac)^{R_E\tau}(1+bc)^{R_I\tau}\tilde P`,
    :math:`Q'(c) = \text{forcing}`."""
    return ((1 - a * c) ** (R_E * tau) * (1 + b * c) ** (R_I * tau),
            -r * tau * (1 - a * c) ** (R_E * tau) * (1 + b * c) ** (R_I * tau)
            * (sp.exp(c * theta) / (1 - a * c) - sp.exp(c * V_r)) / c)


def rate_integrand():
    r"""The integrand of the Richardson–Swarbrick rate (2010, eq. 3), in c on (0, 1/a)."""
    return (1 - a * c) ** (R_E * tau) * (1 + b * c) ** (R_I * tau) / c \
        * (sp.exp(c * theta) / (1 - a * c) - sp.exp(c * V_r))


def rate_equation():
    r""":math:`1/\nu = \tau_{ref} + \tau_m\int_0^{1/a}(\text{integrand})\,dc`, from
    :math:`Q(0)=\tilde P(0)=1-\nu\tau_{ref}` and :math:`Q(1/a)=0`."""
    return sp.Eq(1 / r, tau_ref + tau * sp.Integral(rate_integrand(), (c, 0, 1 / a)))


def exc_only_density():
    r"""Excitation only, :math:`V_r = e_L = 0`: the density on :math:`0<v<\theta`,

    .. math:: P(v) = \frac{\nu\tau}{a v}\int_v^\theta (v/u)^{R\tau}e^{(u-v)/a}\,du,

    and the excitatory flux :math:`J_E = \nu + vP/\tau` that goes with it (from the flux balance).
    """
    rho = R_E * tau
    dens = r * tau / (a * v) * sp.Integral((v / u) ** rho * sp.exp((u - v) / a), (u, v, theta))
    return dens, r + v * dens / tau


def exc_only_rate_integrand():
    r"""Normalisation of :func:`exc_only_density` plus the point mass :math:`\nu/R` at reset:
    :math:`1/\nu = 1/R + \tau\int_0^1 s^{R\tau-1}(e^{\theta(1-s)/a}-1)/(1-s)\,ds`."""
    return s ** (R_E * tau - 1) * (sp.exp(theta * (1 - s) / a) - 1) / (1 - s)


def moment_balance():
    r"""Stationary first and second moments of the non-refractory membrane (leak at 0),
    exponential amplitudes, solved from the balance of leak, jumps, and the threshold/reset
    flux (overshoot Exp(a) by memorylessness). Returns ``(M1, M2)`` in terms of
    :math:`M_0 = 1-\nu\tau_{ref}`."""
    M0, M1, M2 = sp.symbols("M_0 M_1 M_2")
    drive = R_E * a - R_I * b
    eq1 = sp.Eq(-M1 / tau + drive * M0 - r * (theta + a) + r * V_r, 0)
    eq2 = sp.Eq(-2 * M2 / tau + 2 * drive * M1 + 2 * (R_E * a**2 + R_I * b**2) * M0
                - r * (theta**2 + 2 * theta * a + 2 * a**2) + r * V_r**2, 0)
    sol = sp.solve([eq1, eq2], [M1, M2], dict=True)[0]
    return sp.simplify(sol[M1].subs(M0, 1 - r * tau_ref)), sp.expand(sol[M2].subs(M0, 1 - r * tau_ref))


def _integrate_exponentials(expr):
    r""":math:`\int_0^\infty` of a finite sum of terms :math:`C e^{-\lambda t}` (:math:`\lambda>0`),
    term by term: :math:`\sum C/\lambda`."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.powsimp(sp.expand(expr), combine="exp")):
        coeff, rest = term.as_independent(t)
        if rest == 1:
            raise ValueError("constant term: the integral diverges")
        rate = sp.simplify(-rest.args[0] / t) if isinstance(rest, sp.exp) else None
        if rate is None or rate.has(t):
            raise ValueError(f"not an exponential in t: {rest}")
        total += coeff / rate
    return total


def _geometric(q):
    r""":math:`\sum_{k\ge0}q^k` for :math:`0<q<1`, from :math:`S = 1 + qS`."""
    S = sp.Symbol("S")
    return sp.solve(sp.Eq(S, 1 + q * S), S)[0]


def kernel_power_integral(kind: str, order=n):
    r""":math:`\int_0^\infty h^n dt` (continuous) or :math:`\sum_{k\ge0} h_k^n` (discrete, per step)
    for the unit-jump kernels: ``"delta"`` :math:`e^{-t/\tau}`; ``"exp"``
    :math:`\frac{\tau}{\tau-\tau_s}(e^{-t/\tau}-e^{-t/\tau_s})` (an explicit integer ``order``);
    ``"delta_discrete"`` :math:`\beta^k`."""
    if kind == "delta":
        return sp.simplify(sp.integrate(sp.exp(-order * t / tau), (t, 0, sp.oo), conds="none"))
    if kind == "exp":
        shape = sp.exp(-t / tau) - sp.exp(-t / tau_s)
        return sp.factor(sp.simplify((tau / (tau - tau_s)) ** order * _integrate_exponentials(shape**order)))
    if kind == "delta_discrete":
        return _geometric(beta**order)
    raise ValueError(kind)


def campbell_cumulant(order=n, kernel: str = "delta"):
    r"""n-th cumulant of the free membrane, excitatory exponential amplitudes (Campbell):
    :math:`\kappa_n = R\,E[A^n]\int h^n` with :math:`E[A^n] = n!\,a^n`."""
    x = sp.Symbol("x", positive=True)
    moment = sp.simplify(sp.integrate(x**order * sp.exp(-x / a) / a, (x, 0, sp.oo), conds="none"))
    return R_E * moment * kernel_power_integral(kernel, order)


def document() -> Document:
    """The shotnoise derivation as a :class:`~snntheory.symbolic.Document`, rendered to
    ``derivations/shotnoise.md`` by ``python -m snntheory.symbolic``."""
    eqs = master_equation()
    odes, _ = ode_system()
    f1, forcing = integrating_factor()
    m1, m2 = moment_balance()
    dens, _ = exc_only_density()
    return Document(
        title="Shot-noise LIF neuron: master equation, Richardson–Swarbrick rate, densities, Campbell",
        summary=(
            "Leak potential shifted to 0: V_th = v_th - e_l, V_r = v_reset - e_l (theta(x) below is the "
            "Heaviside step). Excitatory jumps "
            "Exp(a) at rate R_E, inhibitory jumps Exp(b) at rate R_I, spike when a jump reaches theta, "
            "reset to V_r after tau_ref. Requires e_l < v_th (the drift at threshold points down)."
        ),
        feeds=[
            ("rate integral (step 4)", "snntheory.shotnoise.firing_rate (amplitude='exponential')"),
            ("excitatory-only density (step 5)", "tests of snntheory.shotnoise.stationary_density"),
            ("moment balance (step 6)", "snntheory.shotnoise.membrane_moments"),
            ("Campbell cumulants (step 7)", "snntheory.shotnoise.free_cumulants"),
        ],
        steps=[
            Step("Master equation in flux form",
                 "Stationary probability flux across level v: leak flux -vP/tau, upward jump flux J_E "
                 "(neurons below v whose Exp(a) jump exceeds the distance), downward flux J_I; between "
                 "reset and threshold it carries the firing rate nu.",
                 eqs),
            Step("Reduction to an ODE system",
                 "Differentiating the flux definitions (Leibniz rule) gives a linear system; the flux "
                 "balance eliminates P. Boundary values: J_E(theta) = nu, J_I(theta) = 0, P(theta) = 0. "
                 "Integrating it from theta downwards is threshold integration (Richardson 2007, 2008); "
                 "the voltage v = 0 (the leak potential) is a singular point of the system.",
                 odes),
            Step("Laplace transform",
                 "Multiply by e^{cv}, integrate over v < theta, and use the boundary values; P~(c) is "
                 "finite for all c >= 0.",
                 [laplace_equation(), ("integrating factor", f1), ("Q'(c)", forcing)]),
            Step("Firing rate (Richardson & Swarbrick 2010, eq. 3)",
                 "Q(0) = P~(0) = 1 - nu tau_ref and Q(1/a) = 0 (P~ finite, the factor vanishes) give the "
                 "rate. The integrand is finite at c = 0 and behaves like (1-ac)^{R_E tau - 1} at "
                 "c = 1/a (integrable; singular for R_E tau < 1).",
                 [rate_equation()]),
            Step("Excitation only: density and point mass",
                 "With R_I = 0 and V_r = 0 the system integrates in closed form on (0, theta); neurons "
                 "reset to the leak potential wait there for their next input: a point mass nu/R_E at 0. "
                 "Normalisation gives the rate in the s = 1 - ac form.",
                 [("P(v)", dens), ("1/nu = 1/R + tau * integral over s in (0,1) of", exc_only_rate_integrand())]),
            Step("Moments of the membrane potential",
                 "Balance of leak, jumps (E[A] = a, E[A^2] = 2a^2), and the threshold/reset flux, with "
                 "overshoot Exp(a) (memoryless). M_1, M_2 are the non-refractory moments; refractory "
                 "neurons (mass nu tau_ref) sit at V_r.",
                 [("M_1", m1), ("M_2", m2)]),
            Step("Campbell's theorem for the free membrane",
                 "kappa_n = sum over input types of R E[A^n] times the integral of h^n (Campbell 1909; "
                 "Rice 1944); inhibitory amplitudes carry (-1)^n.",
                 [("delta synapse, integral of h^n", kernel_power_integral("delta")),
                  ("exponential synapse, integral of h", kernel_power_integral("exp", 1)),
                  ("exponential synapse, integral of h^2", kernel_power_integral("exp", 2)),
                  ("discrete time (per step), sum of beta^{nk}", kernel_power_integral("delta_discrete")),
                  ("kappa_n, exponential amplitudes, delta synapse", campbell_cumulant())]),
        ],
        sources=[
            "M. J. E. Richardson & R. Swarbrick, Phys. Rev. Lett. 105, 178102 (2010), eq. (3)",
            "M. J. E. Richardson, Phys. Rev. E 76, 021919 (2007); Biol. Cybern. 99, 381 (2008) (threshold integration)",
            "F. Droste & B. Lindner, J. Comput. Neurosci. 43, 81 (2017) (excitatory shot noise)",
            "N. Campbell, Proc. Camb. Phil. Soc. 15, 117 (1909); S. O. Rice, Bell Syst. Tech. J. 23, 282 (1944)",
        ],
    )

r"""Shot-noise LIF: master equation (flux form), its ODE system, the Richardson–Swarbrick rate,
the excitatory-only density, the moment balance and Campbell's cumulants, in sympy.

Coordinates are shifted so that the leak potential is 0 (``theta = v_th - e_l``,
``V_r = v_reset - e_l``). Every function returns the sympy objects that :func:`document`
renders and the tests check.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from ._render import Document, Step

__all__ = [
    "symbols", "master_equation", "ode_system", "generator", "generator_symbol", "laplace_equation",
    "integrating_factor", "rate_integrand", "rate_equation", "exc_only_density", "exc_only_rate_integrand",
    "exc_only_point_mass",
    "moment_balance", "moment_equations", "backward_equations", "transform_kernel", "transform_normalisation",
    "fpt_integrands", "fpt_cumulants", "mean_fpt_solution", "exc_only_mean_fpt", "kernel_power_integral",
    "campbell_cumulant", "document",
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
                tau_ref=tau_ref, tau_s=tau_s, beta=beta, n=n, p=p_, x=x_)


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


@lru_cache(maxsize=None)
def generator_symbol():
    r""":math:`\Lambda(c, v)` with :math:`\mathcal{L}e^{cv} = \Lambda(c,v)\,e^{cv}` for the free jump
    generator (no threshold), exponential amplitudes:

    .. math:: \mathcal{L}f(v) = -\frac{v}{\tau}f'(v) + R_E\!\int_0^\infty\! [f(v+x)-f(v)]\frac{e^{-x/a}}{a}dx
              + R_I\!\int_0^\infty\! [f(v-y)-f(v)]\frac{e^{-y/b}}{b}dy.

    The jump terms are integrated by sympy (they converge for :math:`-1/b < c < 1/a`)."""
    x = sp.Symbol("x", positive=True)
    f = sp.exp(c * v)
    drift = -v / tau * sp.diff(f, v)
    exc = R_E * sp.integrate((f.subs(v, v + x) - f) * sp.exp(-x / a) / a, (x, 0, sp.oo), conds="none")
    inh = R_I * sp.integrate((f.subs(v, v - x) - f) * sp.exp(-x / b) / b, (x, 0, sp.oo), conds="none")
    return sp.simplify(sp.expand((drift + exc + inh) / f))


def generator(f=None):
    r"""The generator :math:`\mathcal{L}` of the free jump process applied to ``f`` (a sympy
    function of v; default an undefined ``f``), jump integrals unevaluated."""
    f = sp.Function("f") if f is None else f
    x = sp.Symbol("x", positive=True)
    return (-v / tau * sp.diff(f(v), v)
            + R_E * sp.Integral((f(v + x) - f(v)) * sp.exp(-x / a) / a, (x, 0, sp.oo))
            + R_I * sp.Integral((f(v - x) - f(v)) * sp.exp(-x / b) / b, (x, 0, sp.oo)))


@lru_cache(maxsize=None)
def _overshoot_mgf():
    r""":math:`E[e^{c(\theta+X)}]`, X ~ Exp(a) the overshoot over threshold (memoryless)."""
    x = sp.Symbol("x", positive=True)
    return sp.simplify(sp.exp(c * theta) * sp.integrate(sp.exp(c * x) * sp.exp(-x / a) / a, (x, 0, sp.oo),
                                                        conds="none"))


@lru_cache(maxsize=None)
def laplace_equation():
    r"""The equation for :math:`\tilde P(c)=\int e^{cv}P(v)dv`, derived from the stationary
    master equation in weak form: for the test function :math:`e^{cv}`,
    :math:`0 = \int P\,\mathcal{L}e^{cv}\,dv + \nu(e^{cV_r} - E[e^{c(\theta+X)}])` (the spikes
    remove neurons at :math:`\theta+X` and re-inject them at :math:`V_r`), with
    :math:`\int vP e^{cv}dv = \tilde P'(c)`; solved for :math:`\tilde P'`:

    .. math:: \tilde J_E = \frac{a(R_E\tilde P - \nu e^{c\theta})}{1-ac},\quad
              \tilde J_I = \frac{bR_I\tilde P}{1+bc},\quad
              \tilde P'/\tau = \tilde J_E - \tilde J_I - \nu\frac{e^{c\theta}-e^{cV_r}}{c}.
    """
    lam = sp.expand(generator_symbol())
    P_, dP_ = Pt(c), sp.Derivative(Pt(c), c)
    # int P Lambda(c, v) e^{cv} dv: the part linear in v becomes P~'(c)
    lam_v = lam.coeff(v, 1)
    lam_0 = sp.simplify(lam - lam_v * v)
    weak = lam_0 * P_ + lam_v * dP_ + r * (sp.exp(c * V_r) - _overshoot_mgf())
    sol = sp.solve(sp.Eq(weak, 0), dP_)[0]
    rhs = sp.expand(sol / tau)
    coef = sp.apart(sp.simplify(rhs.coeff(P_)), c)
    return sp.Eq(dP_ / tau, coef * P_ + sp.factor(sp.simplify(rhs - rhs.coeff(P_) * P_)))


def _integrate_simple_poles(expr, var):
    r""":math:`\int_0^{var}` of a sum of simple poles :math:`k/(var - c_0)` with :math:`c_0` outside
    [0, var]: :math:`\sum k\ln(1 - var/c_0)` (the real branch)."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.apart(sp.together(expr), var)):
        num, den = sp.fraction(sp.factor(term))
        roots = sp.solve(den, var)
        if len(roots) != 1 or sp.degree(den, var) != 1 or num.has(var):
            raise ValueError(f"not a simple pole in {var}: {term}")
        c0 = roots[0]
        k = sp.simplify(num / sp.diff(den, var))
        # a pole at 0 integrates to k ln(var) up to a constant (absorbed in the normalisation)
        total += k * sp.log(var) if c0 == 0 else k * sp.log(1 - var / c0)
    return total


def _exp_of_logs(log_sum):
    r""":math:`\exp(\sum_k k\ln y_k) = \prod_k y_k^k` (each power kept separate)."""
    out = sp.Integer(1)
    for term in sp.Add.make_args(sp.expand(log_sum)):
        logs = [f for f in sp.Mul.make_args(term) if isinstance(f, sp.log)]
        if len(logs) != 1:
            raise ValueError(f"not k*log(y): {term}")
        out *= sp.Pow(logs[0].args[0], sp.simplify(term / logs[0]))
    return out


@lru_cache(maxsize=None)
def integrating_factor():
    r"""``(factor, forcing)`` derived from :func:`laplace_equation`: writing it as
    :math:`\tilde P' = \alpha(c)\tilde P + \beta(c)`, the factor is
    :math:`\exp(-\int_0^c\alpha)` (the simple poles integrated by sympy) and, with
    :math:`Q = \text{factor}\cdot\tilde P`, :math:`Q'(c) = \text{forcing} = \text{factor}\cdot\beta`."""
    eq = laplace_equation()
    rhs = sp.expand(eq.rhs * tau)
    P_ = Pt(c)
    alpha = sp.simplify(rhs.coeff(P_))
    beta = sp.simplify(rhs - alpha * P_)
    factor = _exp_of_logs(-_integrate_simple_poles(alpha, c))
    return factor, sp.simplify(factor * beta)


def rate_integrand():
    r"""The integrand of the Richardson–Swarbrick rate (2010, eq. 3), in c on (0, 1/a):
    ``-forcing/(nu tau)`` of :func:`integrating_factor` (so that
    :math:`Q(1/a) - Q(0) = -(1 - \nu\tau_{ref})` reads :math:`1/\nu = \tau_{ref} + \tau\int`)."""
    _, forcing = integrating_factor()
    return sp.simplify(-forcing / (r * tau))


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
    :math:`1/\nu = 1/R + \tau\int_0^1 s^{R\tau-1}(e^{\theta(1-s)/a}-1)/(1-s)\,ds`.

    Derived from :func:`rate_integrand` (not typed in): with :math:`R_I = V_r = 0` and
    :math:`c = (1-s)/a` (:math:`dc = -ds/a`, the limits swap), the integrand is
    :math:`A(s)E + B(s)` in :math:`E = e^{\theta c}`; it is split as :math:`A(E-1)` plus
    :math:`A + B`, whose integral over (0, 1) sympy evaluates to :math:`1/(R\tau)` (the point mass
    term, checked in :func:`exc_only_point_mass`)."""
    big_a, _ = _exc_only_split()
    return big_a * (sp.exp(theta * (1 - s) / a) - 1)


@lru_cache(maxsize=None)
def _exc_only_split():
    """``(A, A + B)`` of :func:`exc_only_rate_integrand`, A written over (1 - s)."""
    e_th = sp.Symbol("E")
    f = rate_integrand().subs({R_I: 0, V_r: 0}).subs(sp.exp(theta * c), e_th)
    g = sp.expand(f.subs(c, (1 - s) / a) / a)
    big_a = sp.factor(g.coeff(e_th))
    num, den = sp.fraction(big_a)
    if num.could_extract_minus_sign():
        big_a = (-num) / sp.expand(-den)
    rest = sp.powsimp(sp.factor(big_a + (g - g.coeff(e_th) * e_th)))
    return big_a, rest


def exc_only_point_mass():
    r""":math:`\tau\int_0^1 (A + B)\,ds` of :func:`exc_only_rate_integrand`, integrated by sympy:
    :math:`1/R_E`, the mean wait at reset (the point mass :math:`\nu/R_E`)."""
    _, rest = _exc_only_split()
    return sp.simplify(tau * sp.integrate(rest, (s, 0, 1), conds="none"))


def moment_balance():
    r"""Stationary first and second moments of the non-refractory membrane (leak at 0),
    exponential amplitudes, derived from the generator: the weak form
    :math:`0 = \int P\,\mathcal{L}v^n\,dv + \nu(V_r^n - E[(\theta+X)^n])` with
    :math:`\mathcal{L}v^n = \partial_c^n[\Lambda(c,v)e^{cv}]_{c=0}` (:func:`generator_symbol`) and
    :math:`E[(\theta+X)^n] = \partial_c^n E[e^{c(\theta+X)}]_{c=0}` (overshoot Exp(a)),
    :math:`\int v^kP = M_k`. Returns ``(M1, M2)`` in terms of :math:`M_0 = 1-\nu\tau_{ref}`."""
    eqs, sol = moment_equations()
    M0 = sp.Symbol("M_0")
    m1, m2 = (sol[sp.Symbol(f"M_{k}")] for k in (1, 2))
    return sp.simplify(m1.subs(M0, 1 - r * tau_ref)), sp.expand(m2.subs(M0, 1 - r * tau_ref))


@lru_cache(maxsize=None)
def moment_equations():
    """``(equations, solution)`` of :func:`moment_balance` (n = 1, 2), before substituting M_0."""
    M = [sp.Symbol(f"M_{k}") for k in range(3)]
    gen = generator_symbol() * sp.exp(c * v)
    over = _overshoot_mgf()
    eqs = []
    for order in (1, 2):
        l_vn = sp.expand(sp.simplify(sp.diff(gen, c, order).subs(c, 0)))
        poly = sp.Poly(l_vn, v)
        expect = sum(coef * M[mon[0]] for mon, coef in zip(poly.monoms(), poly.coeffs()))
        jump = sp.simplify(sp.diff(over, c, order).subs(c, 0))
        eqs.append(sp.Eq(expect + r * (V_r**order - jump), 0))
    sol = sp.solve(eqs, M[1:], dict=True)[0]
    return eqs, sol


# --------------------------------------------------------------------------------------------
# first passage: backward equation, its Laplace-type solution, moments

p_ = sp.Symbol("p", positive=True)
x_ = sp.Symbol("x", positive=True)


@lru_cache(maxsize=None)
def backward_equations():
    r"""The backward equations of the first passage to :math:`v\ge\theta`, from the generator.

    With :math:`\hat F(v;p) = E_v[e^{-pT}]` (Dynkin): :math:`\mathcal{L}\hat F = p\hat F` below
    threshold, :math:`\hat F = 1` at and above it. Expanding :math:`\hat F=\sum_n(-p)^nT_n/n!`
    (:math:`T_n = E_v[T^n]`, :math:`T_0 = 1`) and equating powers of p gives the hierarchy
    :math:`\mathcal{L}T_n = -nT_{n-1}`, :math:`T_n = 0` at and above threshold.
    Returns ``(transform equation, [L T_1 = -1, L T_2 = -2 T_1, L T_3 = -3 T_2])``."""
    F = sp.Function(r"\hat{F}")
    eq_f = sp.Eq(generator(F), p_ * F(v))
    T = [sp.Integer(1)] + [sp.Function(f"T_{k}")(v) for k in range(1, 4)]
    LT = [sp.Integer(0)] + [sp.Symbol(f"LT_{k}") for k in range(1, 4)]   # L applied to T_k (L is linear)
    series = sum((-p_) ** k / sp.factorial(k) * LT[k] for k in range(4)) \
        - p_ * sum((-p_) ** k / sp.factorial(k) * T[k] for k in range(4))
    poly = sp.Poly(sp.expand(series), p_)
    hierarchy = []
    for k in range(1, 4):
        lt = sp.solve(poly.coeff_monomial(p_**k), LT[k])[0]
        hierarchy.append(sp.Eq(generator(sp.Function(f"T_{k}")), lt))
    return eq_f, hierarchy


@lru_cache(maxsize=None)
def transform_kernel():
    r"""The Laplace-type solution :math:`\hat F(v) = \int_0^{1/a}\phi(c)e^{cv}dc` of
    :math:`\mathcal{L}\hat F = p\hat F`.

    Under the integral :math:`\mathcal{L}e^{cv} = \Lambda(c,v)e^{cv}`; the part of
    :math:`\Lambda` linear in v is :math:`-cv/\tau`, and :math:`v e^{cv} = \partial_ce^{cv}`
    is integrated by parts onto :math:`\phi`. The integrand vanishes when
    :math:`(c\phi)'/\tau = (p - \Lambda_0(c))\phi`, a separable ODE solved here by partial
    fractions: :math:`\phi = c^{p\tau-1}(1-ac)^{R_E\tau}(1+bc)^{R_I\tau}`. The boundary term
    :math:`[c\phi e^{cv}]_0^{1/a}/\tau` vanishes (:math:`c^{p\tau}\to0`, :math:`(1-ac)^{R_E\tau}\to0`).
    Returns ``(ode, phi, boundary term)``."""
    phi = sp.Function("phi")
    lam = sp.expand(generator_symbol())
    lam_v = lam.coeff(v, 1)
    lam_0 = sp.simplify(lam - lam_v * v)
    ode = sp.Eq(-sp.diff(lam_v * phi(c), c) + (lam_0 - p_) * phi(c), 0)
    # separable: phi'/phi = (the rest)/(-lam_v c)... solved for phi'/phi
    ratio = sp.solve(ode.lhs.subs(sp.Derivative(phi(c), c), sp.Symbol("D") * phi(c)), sp.Symbol("D"))[0]
    log_phi = _integrate_simple_poles(sp.simplify(ratio), c)
    sol = _exp_of_logs(log_phi)
    return ode, sol, -lam_v * sol * sp.exp(c * v)


@lru_cache(maxsize=None)
def transform_normalisation():
    r"""The threshold condition. For v < θ an excitatory jump beyond θ finds :math:`\hat F = 1`,
    not the continuation :math:`\int\phi e^{c(v+x)}dc`; the difference,
    :math:`\int_{\theta-v}^\infty[1 - \int\phi e^{c(v+x)}dc]e^{-x/a}/a\,dx`, is
    :math:`e^{-(\theta-v)/a}[1 - \int\phi\,e^{c\theta}/(1-ac)\,dc]` (the x-integral by sympy), so
    the solution needs :math:`\int_0^{1/a}\phi\,e^{c\theta}/(1-ac)\,dc = 1`. Returns
    ``(weight of phi in the normalisation, the transform N/D as an expression of Integrals)``."""
    tail = sp.integrate(sp.exp(c * (v + x_)) * sp.exp(-x_ / a) / a, (x_, theta - v, sp.oo), conds="none")
    weight = sp.simplify(tail * sp.exp((theta - v) / a))          # e^{c theta}/(1 - a c)
    _, phi, _ = transform_kernel()
    F = sp.Integral(phi * sp.exp(c * v), (c, 0, 1 / a)) / sp.Integral(phi * weight, (c, 0, 1 / a))
    return weight, F


@lru_cache(maxsize=None)
def fpt_integrands():
    r"""``(g_N, g_D)`` in :math:`x = ac \in (0,1)`: :math:`\hat F = \int_0^1x^{s-1}g_N\,dx /
    \int_0^1x^{s-1}g_D\,dx`, :math:`s = p\tau` (the factor :math:`a^{-s}` cancels)."""
    weight, _ = transform_normalisation()
    _, phi, _ = transform_kernel()
    psi = sp.powsimp(phi * c ** (1 - p_ * tau), force=True)
    g_n = psi * sp.exp(c * v)
    g_d = sp.simplify(psi * weight)
    return tuple(g.subs(c, x_ / a) for g in (g_n, g_d))


@lru_cache(maxsize=None)
def fpt_cumulants():
    r"""Mean and variance of the FPT from :func:`fpt_integrands`.

    :math:`s\int_0^1x^{s-1}g\,dx = 1 + s\int_0^1x^{s-1}(g-1)dx` (g(0) = 1) and
    :math:`x^{s-1} = x^{-1}(1 + s\ln x + \dots)`, so
    :math:`s\int x^{s-1}g = 1 + sA_0 + s^2A_1 + O(s^3)`, :math:`A_0 = \int(g-1)/x`,
    :math:`A_1 = \int(g-1)\ln x/x`. The series of :math:`\ln\hat F` in s (sympy) gives the
    cumulants :math:`\kappa_1 = \tau\Delta_0`, :math:`\kappa_2 = \tau^2(\Delta_0^2 + 2\Delta_0N_0
    - 2\Delta_1)`, with :math:`\Delta_k = A_k^D - A_k^N`, :math:`N_0 = A_0^N`. Returns
    ``(kappa_1, kappa_2, {Delta_0, N_0, Delta_1: integrals})``."""
    s_ = sp.Symbol("s", positive=True)
    norm = sp.integrate(s_ * x_ ** (s_ - 1), (x_, 0, 1), conds="none")
    assert sp.simplify(norm - 1) == 0
    n0, n1, d0, d1 = sp.symbols("A_0^N A_1^N A_0^D A_1^D")
    log_f = sp.log(1 + s_ * n0 + s_**2 * n1) - sp.log(1 + s_ * d0 + s_**2 * d1)
    ser = sp.series(log_f, s_, 0, 3).removeO()
    # ln F(p) = -p kappa_1 + p^2 kappa_2/2 - ..., s = p tau
    k1 = sp.expand(-tau * ser.coeff(s_, 1))
    k2 = sp.expand(2 * tau**2 * ser.coeff(s_, 2))
    D0, N0, D1 = sp.symbols("Delta_0 N_0 Delta_1")
    sub = {d0: D0 + n0, d1: D1 + n1}
    k1, k2 = sp.expand(k1.subs(sub)).subs(n0, N0), sp.expand(k2.subs(sub)).subs(n0, N0)
    g_n, g_d = fpt_integrands()
    integrals = {D0: sp.Integral((g_d - g_n) / x_, (x_, 0, 1)), N0: sp.Integral((g_n - 1) / x_, (x_, 0, 1)),
                 D1: sp.Integral((g_d - g_n) * sp.log(x_) / x_, (x_, 0, 1))}
    return k1, sp.factor(k2), integrals


def mean_fpt_solution():
    r""":math:`T(v) = \kappa_1 = \tau\int_0^1 (g_D - g_N)/x\,dx`, written in c = x/a: the
    Richardson–Swarbrick integrand (:func:`rate_integrand`) with :math:`V_r` replaced by the
    start v. Returns the integrand in c on (0, 1/a)."""
    g_n, g_d = fpt_integrands()
    return ((g_d - g_n) / x_).subs(x_, a * c) * a


def _beta_exp_integral(beta_, z):
    r""":math:`\int_0^1(1-x)^\beta(e^{xz}-1)/x\,dx = \sum_{k\ge1}\frac{z^k}{k!}B(k,\beta+1)`,
    term by term (sympy integrate and summation)."""
    kk = sp.Symbol("k", integer=True, positive=True)
    moment = sp.integrate((1 - x_) ** beta_ * x_ ** (kk - 1), (x_, 0, 1), conds="none")
    return sp.summation(sp.simplify(moment * z**kk / sp.factorial(kk)), (kk, 1, sp.oo))


@lru_cache(maxsize=None)
def exc_only_mean_fpt():
    r"""Closed form of the mean FPT, excitation only (:math:`R_I = 0`), :math:`\rho = R_E\tau`:
    :math:`\Delta_0 = \int_0^1[(1-x)^{\rho-1}e^{x\theta/a} - (1-x)^\rho e^{xv/a}]/x` split as
    :math:`\int(1-x)^{\rho-1}(e^{x\theta/a}-1)/x + \int[(1-x)^{\rho-1}-(1-x)^\rho]/x -
    \int(1-x)^\rho(e^{xv/a}-1)/x`, each integrated by sympy (generalised hypergeometric
    :math:`{}_2F_2`)."""
    rho = R_E * tau
    mid = sp.simplify(sp.integrate(sp.cancel(((1 - x_) ** (rho - 1) - (1 - x_) ** rho) / x_), (x_, 0, 1),
                                   conds="none"))
    total = _beta_exp_integral(rho - 1, theta / a) + mid - _beta_exp_integral(rho, v / a)
    return sp.simplify(tau * sp.hyperexpand(total))


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
    meqs, _ = moment_equations()
    dens, _ = exc_only_density()
    eq_f, hierarchy = backward_equations()
    ode_phi, phi, boundary = transform_kernel()
    weight, transform = transform_normalisation()
    g_n, g_d = fpt_integrands()
    k1, k2, integrals = fpt_cumulants()
    return Document(
        title="Shot-noise LIF neuron: master equation, Richardson–Swarbrick rate, densities, first passage, Campbell",
        summary=(
            "Leak potential shifted to 0: V_th = v_th - e_l, V_r = v_reset - e_l (theta(x) below is the "
            "Heaviside step). Excitatory jumps "
            "Exp(a) at rate R_E, inhibitory jumps Exp(b) at rate R_I, spike when a jump reaches theta, "
            "reset to V_r after tau_ref. Requires e_l < v_th (the drift at threshold points down). "
            "Steps 3, 6 and 8-10 are derived by sympy from the generator of the jump process."
        ),
        feeds=[
            ("rate integral (step 4)", "snntheory.shotnoise.firing_rate (amplitude='exponential')"),
            ("excitatory-only density (step 5)", "tests of snntheory.shotnoise.stationary_density"),
            ("moment balance (step 6)", "snntheory.shotnoise.membrane_moments"),
            ("Campbell cumulants (step 7)", "snntheory.shotnoise.free_cumulants"),
            ("mean FPT (steps 9-10)", "snntheory.shotnoise.mean_fpt (amplitude='exponential')"),
            ("FPT variance (step 10)", "snntheory.shotnoise.isi_moments, isi_cv (amplitude='exponential')"),
            ("FPT transform (step 9)", "tests of snntheory.shotnoise.fpt_density (the chain's transform)"),
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
            Step("Generator and Laplace transform",
                 "The generator L of the free jump process (no threshold) maps e^{cv} to Lambda(c, v) e^{cv} "
                 "(the jump integrals done by sympy, for -1/b < c < 1/a). The stationary master equation in "
                 "weak form with the test function e^{cv}: 0 = int P L e^{cv} dv + nu (e^{c V_r} - E[e^{c(theta+X)}]), "
                 "X ~ Exp(a) the overshoot (memoryless); int v P e^{cv} dv = P~'(c). Solved for P~'; the "
                 "integrating factor is exp(-int_0^c alpha) with the simple poles of alpha integrated by sympy.",
                 [("generator", generator()), ("Lambda(c, v)", generator_symbol()), laplace_equation(),
                  ("integrating factor", f1), ("Q'(c)", forcing)]),
            Step("Firing rate (Richardson & Swarbrick 2010, eq. 3)",
                 "Q(0) = P~(0) = 1 - nu tau_ref and Q(1/a) = 0 (P~ finite, the factor vanishes) give the "
                 "rate: 1/nu = tau_ref - (1/nu) int_0^{1/a} Q'(c) dc. The integrand is finite at c = 0 and behaves like "
                 "(1-ac)^{R_E tau - 1} at c = 1/a (integrable; singular for R_E tau < 1).",
                 [rate_equation()]),
            Step("Excitation only: density and point mass",
                 "With R_I = 0 and V_r = 0 the system integrates in closed form on (0, theta); neurons "
                 "reset to the leak potential wait there for their next input: a point mass nu/R_E at 0. "
                 "Normalisation gives the rate in the s = 1 - ac form.",
                 [("P(v)", dens), ("1/nu = 1/R + tau * integral over s in (0,1) of", exc_only_rate_integrand())]),
            Step("Moments of the membrane potential",
                 "From the generator: L v^n = d^n/dc^n [Lambda e^{cv}] at c = 0, and the stationary balance "
                 "0 = int P L v^n dv + nu (V_r^n - E[(theta + X)^n]) with M_k = int v^k P dv. M_1, M_2 are "
                 "the non-refractory moments; refractory neurons (mass nu tau_ref) sit at V_r.",
                 [*meqs, ("M_1", m1), ("M_2", m2)]),
            Step("Campbell's theorem for the free membrane",
                 "kappa_n = sum over input types of R E[A^n] times the integral of h^n (Campbell 1909; "
                 "Rice 1944); inhibitory amplitudes carry (-1)^n.",
                 [("delta synapse, integral of h^n", kernel_power_integral("delta")),
                  ("exponential synapse, integral of h", kernel_power_integral("exp", 1)),
                  ("exponential synapse, integral of h^2", kernel_power_integral("exp", 2)),
                  ("discrete time (per step), sum of beta^{nk}", kernel_power_integral("delta_discrete")),
                  ("kappa_n, exponential amplitudes, delta synapse", campbell_cumulant())]),
            Step("First passage: backward equations from the generator",
                 "F(v; p) = E_v[exp(-p T)], T the first time V >= theta, solves L F = p F below threshold with "
                 "F = 1 at and above it (Dynkin). Expanding F = sum_n (-p)^n T_n/n! (T_n = E_v[T^n]) and "
                 "equating powers of p gives the moment hierarchy, T_n = 0 at and above threshold.",
                 [eq_f, *hierarchy]),
            Step("Solution of the backward equation (exponential amplitudes, E and I)",
                 "Ansatz F(v) = int_0^{1/a} phi(c) e^{cv} dc. Under the integral L e^{cv} = Lambda e^{cv}; the "
                 "term -c v/tau is moved onto phi by parts (v e^{cv} = d/dc e^{cv}), leaving a first-order "
                 "equation for phi, solved by partial fractions; the boundary term vanishes at c = 0 "
                 "(Re p > 0) and c = 1/a. An excitatory jump across theta finds F = 1, not the continuation: "
                 "the mismatch is e^{-(theta-v)/a} (1 - int phi w dc) with the weight w below (x-integral by "
                 "sympy), so the normalisation is int phi w dc = 1. In x = ac the factor a^{-s} cancels.",
                 [("equation for phi", ode_phi), ("phi(c)", phi), ("boundary term", boundary),
                  ("weight w(c)", weight), ("F(v; p)", transform), ("g_N(x)", g_n), ("g_D(x)", g_d)]),
            Step("Mean and variance of the first-passage time",
                 "s int_0^1 x^{s-1} g dx = 1 + s A_0 + s^2 A_1 + O(s^3) with A_0 = int (g-1)/x dx, "
                 "A_1 = int (g-1) ln x/x dx (g(0) = 1); the series of ln F in s = p tau gives the cumulants. "
                 "The mean is the rate integral of step 4 with V_r replaced by the start v (so T(V_r) + "
                 "tau_ref = 1/nu). Excitation only, the three integrals of Delta_0 are summed term by term "
                 "(generalised hypergeometric 2F2).",
                 [("mean kappa_1", k1), ("variance kappa_2", k2),
                  *[(str(k), val) for k, val in integrals.items()],
                  ("T(v), integrand over c in (0, 1/a)", mean_fpt_solution()),
                  ("T(v), excitation only", exc_only_mean_fpt())]),
        ],
        sources=[
            "M. J. E. Richardson & R. Swarbrick, Phys. Rev. Lett. 105, 178102 (2010), eq. (3)",
            "M. J. E. Richardson, Phys. Rev. E 76, 021919 (2007); Biol. Cybern. 99, 381 (2008) (threshold integration)",
            "F. Droste & B. Lindner, J. Comput. Neurosci. 43, 81 (2017) (excitatory shot noise)",
            "N. Campbell, Proc. Camb. Phil. Soc. 15, 117 (1909); S. O. Rice, Bell Syst. Tech. J. 23, 282 (1944)",
            "C. W. Gardiner, Stochastic Methods, 4th ed., Springer (2009), sec. 5.5 (first-passage moments, backward equation)",
        ],
    )

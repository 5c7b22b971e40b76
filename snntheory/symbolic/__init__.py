"""Symbolic derivations (sympy) of snntheory's quantities, one module per model.

Each module states the defining equation (Fokker–Planck, backward or master equation, with
its boundary conditions), derives the closed form where sympy can, and exposes functions that
return the expressions and the equations they satisfy, plus ``document()`` for the rendered
Markdown in ``derivations/``. sympy is imported only here, never by the runtime modules.
"""

from ._render import Document, Step, models, render, render_all

__all__ = ["Document", "Step", "models", "render", "render_all"]

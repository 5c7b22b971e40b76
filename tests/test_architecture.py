"""The layout shows the architecture: single-neuron models -> ``network`` (forward, deep) ->
``inverse`` (solvers) -> ``torch``. Imports flow one way, with no cycle, counting the imports
inside functions too (a lazy import must not hide one), and every module imports on its own."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "snntheory"

#: layer of each runtime module: a module may import only modules of a lower or equal layer
#: (equal: between the single-neuron models, which may use each other's limits), never higher
LAYERS = {
    "errors": 0, "_validate": 0, "_special": 0, "_display": 0,
    "neuron": 1, "surrogate": 1,
    "_sim": 2, "diffusion": 2, "wiener": 2, "shotnoise": 2, "discrete": 2,
    "simulate": 3, "network": 3, "_calibrate": 3,
    "inverse": 4,
    "torch": 5, "__main__": 5,
    "plot": 6,   # draws the results of every layer; imports none of them (matplotlib lazily)
}


def _module_name(path):
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module, node):
    """Absolute module names imported by an ``import``/``from`` node inside ``module``."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    pkg = module.split(".")
    is_pkg = (PKG / Path(*pkg[1:]) / "__init__.py").exists() if len(pkg) > 1 else True
    base = pkg if is_pkg else pkg[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module
    out = [prefix]
    for a in node.names:   # "from . import discrete" imports the submodule
        cand = f"{prefix}.{a.name}"
        if (ROOT / Path(*cand.split("."))).with_suffix(".py").exists() or (ROOT / Path(*cand.split("."))).is_dir():
            out.append(cand)
    return out


def _graph():
    graph = {}
    for path in sorted(PKG.rglob("*.py")):
        mod = _module_name(path)
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                deps.update(d for d in _resolve(mod, node) if d.startswith("snntheory") and d != mod)
        graph[mod] = deps
    return graph


def _top(mod):
    """The layer key of a module: its first component below snntheory (``_sim`` for its files)."""
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else None


def test_import_graph_has_no_cycle():
    graph = _graph()
    state, stack = {}, []

    def visit(m):
        state[m] = "open"
        stack.append(m)
        for d in graph.get(m, ()):
            if d not in graph:
                continue
            if state.get(d) == "open":
                cycle = stack[stack.index(d):] + [d]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = "done"

    for m in graph:
        if m not in state:
            visit(m)


def test_imports_flow_one_way():
    """No module imports a module of a higher layer (models never import the network model,
    the network model never imports the solvers, nothing imports torch)."""
    bad = []
    for mod, deps in _graph().items():
        top = _top(mod)
        if top not in LAYERS:
            continue
        for d in deps:
            dt = _top(d)
            if dt in LAYERS and LAYERS[dt] > LAYERS[top]:
                bad.append(f"{mod} -> {d}")
    assert not bad, "imports against the layering: " + ", ".join(sorted(bad))


def test_every_module_imports_on_its_own():
    """Each module imported first, in a fresh interpreter state (no other snntheory module
    loaded before it), succeeds: no import depends on an earlier import having run."""
    mods = [m for m in sorted(_graph()) if m.split(".")[-1] != "__main__" and not m.endswith("torch")]
    code = (
        "import importlib, sys\n"
        f"for name in {mods!r}:\n"
        "    for k in [k for k in sys.modules if k == 'snntheory' or k.startswith('snntheory.')]:\n"
        "        del sys.modules[k]\n"
        "    importlib.import_module(name)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]


def test_import_snntheory_is_light():
    """``import snntheory`` loads no optional or heavy package (scipy.stats alone costs ~0.5 s):
    the import time is measured by benchmarks/bench_import.py, this checks its cause."""
    code = ("import sys, snntheory\n"
            "heavy = [m for m in ('scipy.stats', 'matplotlib', 'torch', 'sympy', 'mpmath') if m in sys.modules]\n"
            "print(','.join(heavy))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "", f"import snntheory loads {res.stdout.strip()}"

"""The committed Markdown in derivations/ is what the symbolic modules render now."""

import subprocess
import sys
from pathlib import Path

import pytest

from snntheory.symbolic import models, render

DERIVATIONS = Path(__file__).resolve().parents[1] / "derivations"


@pytest.mark.parametrize("model", models())
def test_rendered_derivation_is_current(model):
    committed = DERIVATIONS / f"{model}.md"
    assert committed.exists(), f"derivations/{model}.md is missing: run python -m snntheory.symbolic"
    assert committed.read_text() == render(model), (
        f"derivations/{model}.md is stale: run python -m snntheory.symbolic and commit the result"
    )


def test_cli_writes_anywhere(tmp_path):
    """``python -m snntheory.symbolic --out DIR`` writes every model's Markdown into DIR."""
    out = tmp_path / "derivations"
    res = subprocess.run([sys.executable, "-m", "snntheory.symbolic", "--out", str(out)], capture_output=True,
                         text=True, cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{m}.md" for m in models())
    assert (out / "wiener.md").read_text() == render("wiener")

"""The committed Markdown in derivations/ is what the symbolic modules render now."""

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

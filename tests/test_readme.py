"""The README's notebook examples are doctests: their printed output must stay true. Blocks
that import torch run only where torch is installed (the ``torch`` extra)."""

import doctest
import importlib.util
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples_run():
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    examples = [b for b in blocks if ">>>" in b]
    assert examples, "README.md has no >>> example"
    if importlib.util.find_spec("torch") is None:
        examples = [b for b in examples if "import torch" not in b]
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for i, block in enumerate(examples):
        test = parser.get_doctest(block, {}, f"README block {i}", str(README), 0)
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} README example(s) failed"

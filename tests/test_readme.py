"""The README's ten-line example runs as written, on real kernels, from the repository's root."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

pytestmark = pytest.mark.kernel


def readme_block(heading: str) -> str:
    """The first Python block under ``## heading`` in the README."""
    text = (ROOT / "README.md").read_text("utf-8")
    found = re.search(rf"^## {re.escape(heading)}\n.*?```python\n(.*?)```", text, re.S | re.M)
    assert found, f"no Python block under '## {heading}' in README.md"
    return found.group(1)


def test_the_ten_line_example_runs(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # its notebook paths are the repository's
    monkeypatch.setenv("GLUE_NB_HOME", str(tmp_path / "home"))
    code = readme_block("Ten lines")
    assert len(code.strip().splitlines()) <= 11  # the import, and ten lines
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md: Ten lines", "exec"), namespace)
    run = namespace["run"]
    assert run.succeeded, run.statistics
    assert run.statistics["SucceededActions"] == 3

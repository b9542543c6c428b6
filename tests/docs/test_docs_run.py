"""Every Python block of the guide and the README runs, and prints what the page says.

Each page runs in a fresh interpreter (its blocks in order, one namespace), inside
a temporary folder, with ``GLASSTORCH_DATA`` pointing at the shared data. A block
that is only a fragment says so with ``<!-- not run: REASON -->`` on the line above.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from run_page import blocks, expectations, matches

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
RUNNER = Path(__file__).with_name("run_page.py")


def _page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


@pytest.mark.parametrize("page", [p for p in PAGES if any(r is None for _, _, r in blocks(p.read_text()))],
                         ids=_page_id)
def test_page_blocks_run(page, data_dir, tmp_path):
    env = dict(os.environ, GLASSTORCH_DATA=str(data_dir), MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(RUNNER), str(page)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "DOCS-RUN" in proc.stderr


def test_skipped_blocks_say_why():
    # a skip is a decision written in the page, with its reason; never an accident
    skipped = [(p.name, line, reason) for p in PAGES for line, _, reason in blocks(p.read_text()) if reason]
    assert all(len(reason.split()) >= 2 for _, _, reason in skipped), skipped
    ran = sum(1 for p in PAGES for _, _, reason in blocks(p.read_text()) if reason is None)
    assert ran >= 25, ran  # the guide is mostly runnable


def test_runner_compares_output():
    src = "print(1 + 1)   # -> 2\nprint('a')\nprint('b')\n# -> a\n#    b\n"
    assert [text.strip() for _, text in expectations(src)] == ["2", "a\n    b"]
    assert matches("tensor([1., 2.])", "x\ntensor([1.,  2.])\n")
    assert matches("<MulBackward0 object at 0x...>", "<MulBackward0 object at 0x7f00>")
    assert not matches("tensor(0.0406)", "tensor(0.1075)\n")
    assert not matches("2", "12\n")  # whole tokens, not a suffix of one


def test_runner_reports_a_wrong_output(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\nprint(3)  # -> 4\n```\n")
    proc = subprocess.run([sys.executable, str(RUNNER), str(page)], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "expected output" in proc.stderr and "4" in proc.stderr

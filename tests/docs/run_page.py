"""Run the Python blocks of one Markdown page in order, in one namespace, and check outputs.

Usage: ``python run_page.py PAGE.md`` (from any folder; files the page writes land there).

A block is a fenced ```python block. A block preceded by the line
``<!-- not run: REASON -->`` is a fragment (or too long to run here) and is skipped;
the page says so where its readers can see the source. Printed output is checked
against ``# ->`` comments: ``print(x)  # -> tensor(1.)``, or ``# -> ...`` on the lines
right after a statement, continued by further comment lines. Whitespace is compared
loosely and ``...`` matches anything, so addresses and long reprs can be elided.

Exit status 0 when every block ran and every output matched; otherwise the first
failure is reported on stderr.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import sys
import textwrap
import traceback
from pathlib import Path

FENCE = re.compile(r"^\s*```python\s*$")
SKIP = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->\s*$")


def blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(first line number, source, skip reason or None) for each python block."""
    lines = text.splitlines()
    out, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            reason = None
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            if j >= 0 and (m := SKIP.match(lines[j].strip())):
                reason = m.group(1)
            start = i + 1
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                i += 1
            out.append((start + 1, textwrap.dedent("\n".join(lines[start:i])) + "\n", reason))
        i += 1
    return out


def expectations(source: str) -> list[tuple[int, str]]:
    """(line, expected text) for each ``# ->`` group, lines 1-based within the block."""
    lines = source.splitlines()
    groups, i = [], 0
    while i < len(lines):
        k = lines[i].find("# ->")
        if k >= 0:
            parts = [lines[i][k + 4:]]
            j = i + 1
            while j < len(lines) and lines[j].lstrip().startswith("#") and "# ->" not in lines[j]:
                parts.append(lines[j].lstrip()[1:])
                j += 1
            groups.append((i + 1, "\n".join(parts)))
            i = j
        else:
            i += 1
    return groups


def _normal(text: str) -> str:
    return " ".join(text.split())


def matches(expected: str, printed: str) -> bool:
    """Whether ``printed`` ends with ``expected`` (loose whitespace, ``...`` a wildcard)."""
    pattern = ".*?".join(re.escape(p) for p in _normal(expected).split("..."))
    return re.search("(?:^| )" + pattern + r"\Z", _normal(printed), re.S) is not None


def run_block(source: str, namespace: dict, where: str) -> None:
    tree = ast.parse(source)
    checks: dict[int, list[tuple[int, str]]] = {}
    for line, text in expectations(source):
        owner = [k for k, st in enumerate(tree.body) if st.lineno <= line]
        if not owner:
            raise AssertionError(f"{where}: '# ->' on line {line} follows no statement")
        checks.setdefault(owner[-1], []).append((line, text))
    for k, stmt in enumerate(tree.body):
        code = compile(ast.Module(body=[stmt], type_ignores=[]), where, "exec")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            exec(code, namespace)
        printed = buf.getvalue()
        sys.stdout.write(printed)
        for line, text in checks.get(k, []):
            if not matches(text, printed):
                raise AssertionError(
                    f"{where}, line {stmt.lineno + line - stmt.lineno}: expected output\n"
                    f"    {text.strip()}\nbut the statement printed\n    {printed.strip() or '(nothing)'}"
                )


def main(page: str) -> int:
    text = Path(page).read_text()
    namespace: dict = {"__name__": "__main__"}
    ran = skipped = 0
    for start, source, reason in blocks(text):
        if reason is not None:
            skipped += 1
            continue
        where = f"{page} (block at line {start})"
        try:
            run_block(source, namespace, where)
        except AssertionError as e:
            print(f"FAIL {e}", file=sys.stderr)
            return 1
        except BaseException:
            tb = traceback.format_exc()
            print(f"FAIL {where} raised:\n{tb}", file=sys.stderr)
            return 1
        ran += 1
    print(f"DOCS-RUN {page}: {ran} run, {skipped} not run", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))

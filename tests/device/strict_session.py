"""Pytest hooks that run a whole session on the strict stand-in device.

``tests/conftest.py`` imports them when ``GLASSTORCH_STRICT_DEVICE=1``. At the end
the run prints, per test file, how many tests failed and where: the innermost
line inside ``src/glasstorch`` and the error, so what still reaches NumPy (or
hands a NumPy array to the device) shows at a glance.
"""

from __future__ import annotations

import collections
import contextlib
import re

from device.strict import StrictArray, module

from glasstorch import backend

_STACK = contextlib.ExitStack()
_FAILED: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
_SITE = re.compile(r"(glasstorch/[\w/]+\.py):(\d+)")


def pytest_configure(config) -> None:
    _STACK.enter_context(backend.cpu_module_replaced(module, StrictArray))


def pytest_unconfigure(config) -> None:
    _STACK.close()


def pytest_report_header(config) -> str:
    return "glasstorch: the 'cpu' device runs on the strict stand-in module (tests/device/strict.py)"


def pytest_runtest_logreport(report) -> None:
    if not report.failed:
        return
    text = str(report.longrepr)
    sites = _SITE.findall(text)
    site = f"{sites[-1][0]}:{sites[-1][1]}" if sites else "(in the test)"
    errors = [line[2:].strip() for line in text.splitlines() if line.startswith("E ")]
    error = (errors[-1] if errors else text.strip().splitlines()[-1])[:110]
    _FAILED[report.nodeid.split("::")[0]][f"{site}  {error}"] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if not _FAILED:
        return
    write = terminalreporter.write_line
    terminalreporter.section("strict device: failures by test file (first error site)")
    for path in sorted(_FAILED):
        counts = _FAILED[path]
        write(f"{path}: {sum(counts.values())} failed")
        for where, n in counts.most_common(3):
            write(f"    {n:4d} x {where}")

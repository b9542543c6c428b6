"""Pytest hooks that run a whole session on the strict stand-in device.

``tests/conftest.py`` imports them when ``GLASSTORCH_STRICT_DEVICE=1``. At the end
the run prints, per test file, how many tests failed and where: the innermost
line inside ``src/glasstorch`` and the error, so what still reaches NumPy (or
hands a NumPy array to the device) shows at a glance.
"""

from __future__ import annotations

import collections
import contextlib
import os
import re

import pytest
from device.strict import StrictArray, allow_numpy_dispatch, module

from glasstorch import backend

_STACK = contextlib.ExitStack()
_FAILED: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
_SITE = re.compile(r"glasstorch/[\w/]+\.py:\d+")


def pytest_configure(config) -> None:
    if os.environ.get("GLASSTORCH_STRICT_DEVICE") == "cupy":
        allow_numpy_dispatch()
    _STACK.enter_context(backend.cpu_module_replaced(module, StrictArray))


def pytest_unconfigure(config) -> None:
    _STACK.close()


def pytest_report_header(config) -> str:
    return "glasstorch: the 'cpu' device runs on the strict stand-in module (tests/device/strict.py)"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Note the innermost glasstorch line of a failure on the report (it reaches the
    controller under xdist too), so the run can go with ``--tb=no``."""
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is None or not report.failed:
        return
    sites = [f"{e.path}:{e.lineno + 1}" for e in call.excinfo.traceback if _SITE.search(f"{e.path}:{e.lineno + 1}")]
    where = _SITE.search(sites[-1]).group(0) if sites else "(in the test)"
    error = f"{call.excinfo.typename}: {str(call.excinfo.value).splitlines()[0] if str(call.excinfo.value) else ''}"
    report.user_properties.append(("strict_site", f"{where}  {error[:110]}"))


def pytest_runtest_logreport(report) -> None:
    if not report.failed:
        return
    site = dict(report.user_properties).get("strict_site", "(setup)")
    _FAILED[report.nodeid.split("::")[0]][site] += 1


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

"""``python -m glasstorch``: info, demo, bench and compat, each with --help."""

import subprocess
import sys

import pytest

import glasstorch


def _run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "glasstorch", *args], capture_output=True, text=True,
                          timeout=120, **kw)


def test_info_names_versions_extras_and_data(tmp_path):
    import numpy as np

    res = _run("info", env={**__import__("os").environ, "GLASSTORCH_DATA": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    assert f"glasstorch {glasstorch.__version__}" in res.stdout
    assert f"NumPy      {np.__version__}" in res.stdout and "BLAS" in res.stdout
    for extra in ("progress", "plot", "graph", "weights"):
        assert f"extra      {extra}" in res.stdout
    assert str(tmp_path) in res.stdout and "download on first use" in res.stdout


@pytest.mark.parametrize("command", ["info", "demo", "bench", "compat"])
def test_each_command_has_help(command):
    res = _run(command, "--help")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith(f"usage: python -m glasstorch {command}")


def test_no_command_prints_help():
    res = _run()
    assert res.returncode == 2 and "info" in res.stdout and "compat" in res.stdout


def test_arguments_go_to_the_script(tmp_path):
    res = _run("demo", "--", "--help")
    assert res.returncode == 0 and "--train-limit" in res.stdout and "--no-progress" in res.stdout
    script = tmp_path / "s.py"
    script.write_text("import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    res = _run("compat", str(script), "--lr", "3")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "glasstorch ['--lr', '3']"

"""``python -m glasstorch``: what is installed, and the project's demo, benchmarks and compat runner.

    python -m glasstorch info                 version, NumPy and its BLAS, threads, extras, data folder
    python -m glasstorch demo [--epochs N]    train LeNet-5 on MNIST, pictures to out/
    python -m glasstorch bench [...]          time glasstorch against PyTorch (needs torch)
    python -m glasstorch compat script.py     run a PyTorch script on glasstorch, unchanged
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import runpy
import shutil
import sys
from pathlib import Path

# demo and bench run the repository's scripts: they exist in a source checkout
REPO = Path(__file__).resolve().parents[2]
EXTRAS = {"progress": "tqdm", "plot": "matplotlib", "graph": "graphviz", "weights": "safetensors"}


def _blas() -> str:
    import numpy as np

    try:
        config = np.show_config(mode="dicts")  # host: build configuration
        info = config.get("Build Dependencies", {}).get("blas", {})
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except (TypeError, AttributeError):  # NumPy older than 1.25
        return "unknown"


def info() -> int:
    import numpy as np

    import glasstorch
    from glasstorch.datasets import default_root

    print(f"glasstorch {glasstorch.__version__} ({Path(glasstorch.__file__).parent})")
    print(f"Python     {sys.version.split()[0]}")
    print(f"NumPy      {np.__version__}, BLAS: {_blas()}")
    threads = {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ}
    print(f"threads    {os.cpu_count()} CPUs" + (f", {threads}" if threads else ""))
    for extra, module in EXTRAS.items():
        found = importlib.util.find_spec(module) is not None
        print(f"extra      {extra:9} ({module}): {'installed' if found else f'not installed (pip install glasstorch[{extra}])'}")
    print(f"dot        {shutil.which('dot') or 'not found (graph drawings as SVG/PNG need Graphviz)'}")
    root = default_root()
    have = [d for d in ("mnist", "fashion-mnist", "tinyshakespeare", "MNIST", "FashionMNIST") if (root / d).exists()]
    print(f"data       {root} ({', '.join(have) if have else 'no datasets yet: they download on first use'};"
          " set GLASSTORCH_DATA to change)")
    return 0


def _run_repo_script(rel: str, args: list[str]) -> int:
    script = REPO / rel
    if not script.exists():
        print(f"{rel} is part of the glasstorch source repository, not of an installed package; "
              "run this from a clone (pip install -e .)", file=sys.stderr)
        return 2
    sys.argv = [str(script), *args]
    sys.path.insert(0, str(script.parent))
    runpy.run_path(str(script), run_name="__main__")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m glasstorch", description=__doc__.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.strip().splitlines()[2:]))
    sub = parser.add_subparsers(dest="command", metavar="{info,demo,bench,compat}")
    sub.add_parser("info", help="version, NumPy/BLAS, threads, optional extras, data folder",
                   description="Print the versions, NumPy's BLAS, the threads, which optional extras are "
                               "installed and where datasets are read from.")
    for name, text in (("demo", "train LeNet-5 on MNIST and write pictures to out/ (examples/demo.py)"),
                       ("bench", "time glasstorch against PyTorch (benchmarks/run.py; needs torch)"),
                       ("compat", "run a PyTorch script with `import torch` resolved to glasstorch")):
        p = sub.add_parser(name, help=text, description=text + ". Arguments after the command go to it; "
                           f"`python -m glasstorch {name} -- --help` shows its own options.",
                           add_help=True)
        p.add_argument("args", nargs=argparse.REMAINDER, help="passed on unchanged")
    ns = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if ns.command is None:
        parser.print_help()
        return 2
    if ns.command == "info":
        return info()
    args = [a for a in ns.args if a != "--"] if ns.args[:1] == ["--"] else ns.args
    if ns.command == "demo":
        return _run_repo_script("examples/demo.py", args)
    if ns.command == "bench":
        return _run_repo_script("benchmarks/run.py", args)
    from . import compat

    return compat.main(args)


if __name__ == "__main__":
    sys.exit(main())

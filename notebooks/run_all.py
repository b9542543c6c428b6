"""Run every notebook with its outputs into out/notebooks/ and export each as HTML (make notebooks).

    python notebooks/run_all.py [--only 01_one_scalar] [--out out/notebooks]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", action="append", help="run only this notebook (repeatable)")
    ap.add_argument("--out", default=str(HERE.parent / "out" / "notebooks"))
    args = ap.parse_args()
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    shared = HERE.parent.parent / "shared" / "data"
    if "GLASSTORCH_DATA" not in os.environ and shared.is_dir():
        os.environ["GLASSTORCH_DATA"] = str(shared)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(HERE.glob("*.ipynb")):
        if args.only and path.stem not in args.only:
            continue
        nb = nbformat.read(path, as_version=4)
        start = time.time()
        NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
        nbformat.write(nb, out / path.name)
        body, _ = HTMLExporter().from_notebook_node(nb)
        (out / f"{path.stem}.html").write_text(body, encoding="utf-8")
        print(f"{path.stem}: {time.time() - start:.0f} s -> {out / path.stem}.ipynb, .html", flush=True)


if __name__ == "__main__":
    main()

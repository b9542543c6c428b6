"""What each rank runs first (started by ``glasstorch.distributed.run``).

It reads the rank's place from MPI, sets torchrun's environment variables,
and runs the user's script as ``__main__``. An exception on any rank aborts
the whole job, so the other ranks do not wait forever in a collective.
"""

# host module: MPI buffers of host names and ranks, no tensor data

from __future__ import annotations

import os
import runpy
import socket
import sys
import traceback


def _set_environment(comm, MPI) -> int:
    import numpy as np

    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    # rank 0's host is where MASTER_ADDR points when several hosts take part
    name = np.zeros(256, dtype=np.uint8)
    raw = socket.gethostname().encode()[:256]
    name[: len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    comm.Bcast(name, root=0)
    master = name.tobytes().rstrip(b"\0").decode()
    host_ranks = np.empty(comm.Get_size(), dtype=np.int64)  # 1 where a rank is first on its host
    comm.Allgather(np.array([local.Get_rank() == 0], dtype=np.int64), host_ranks)
    host_ranks = host_ranks.tolist()
    env = {
        "RANK": comm.Get_rank(),
        "WORLD_SIZE": comm.Get_size(),
        "LOCAL_RANK": local.Get_rank(),
        "LOCAL_WORLD_SIZE": local.Get_size(),
        "GROUP_RANK": sum(host_ranks[: comm.Get_rank() + 1]) - 1,
        "ROLE_RANK": comm.Get_rank(),
        "ROLE_WORLD_SIZE": comm.Get_size(),
    }
    for key, value in env.items():
        os.environ[key] = str(value)
    if sum(host_ranks) > 1 and os.environ.get("MASTER_ADDR") in (None, "127.0.0.1"):
        os.environ["MASTER_ADDR"] = master
    os.environ.setdefault("MASTER_PORT", "29500")
    local.Free()
    return comm.Get_rank()


def main() -> None:
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank = _set_environment(comm, MPI)
    args = sys.argv[1:]
    if args and args[0] == "--compat":  # `import torch` in the script gives glasstorch
        from .. import compat

        compat.install()
        args = args[1:]
    as_module = bool(args) and args[0] == "-m"
    if as_module:
        args = args[1:]
    if not args:
        sys.stderr.write("usage: python -m glasstorch.distributed._bootstrap [-m] script [args...]\n")
        comm.Abort(2)
    target = args[0]
    sys.argv = list(args)
    if not as_module:
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
    try:
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if code:
            sys.stderr.write(f"[rank {rank}] exited with code {code}; aborting the job\n")
            sys.stderr.flush()
            comm.Abort(code)
    except BaseException:
        sys.stderr.write(f"[rank {rank}] failed; aborting the job:\n")
        traceback.print_exc()
        sys.stderr.flush()
        comm.Abort(1)


if __name__ == "__main__":
    main()

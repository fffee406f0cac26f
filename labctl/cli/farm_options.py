"""``--workers N`` and ``--scheduler ADDRESS``: where a run's pure work goes.

No option: everything in this process (the default). ``--workers N`` starts a
Dask ``LocalCluster`` of N worker processes (one thread each, 127.0.0.1) for
the duration of the command and prints its dashboard address;
``--scheduler ADDRESS`` (e.g. ``tcp://10.0.0.5:8786``, a lab cluster or
dask-jobqueue on SLURM) uses an existing Dask scheduler instead.
"""
from __future__ import annotations

import contextlib

from labctl.cli import UsageError


def add_farm_options(parser) -> None:
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--workers", type=int, help="farm pure work (generate batches or frames, sweep "
                   "points) out to N local Dask worker processes (default: none, all in this "
                   "process)")
    g.add_argument("--scheduler", help="address of an existing Dask scheduler to farm out to")


@contextlib.contextmanager
def farm_for(args):
    """The :class:`labctl.farm.Farm` the options ask for (None without them)."""
    from labctl.farm import Farm, FarmError

    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None and not scheduler:
        yield None
        return
    if workers is not None and workers < 1:
        raise UsageError(f"--workers: must be at least 1, got {workers}")
    try:
        farm = Farm(workers=workers, scheduler=scheduler).__enter__()
    except FarmError as exc:
        raise UsageError(str(exc)) from None
    try:
        print(f"dask: {farm.size} workers; dashboard {farm.dashboard or 'not served'}")
        yield farm
    finally:
        farm.close()

"""Scale-out on ``dask.distributed``: pure tasks farmed out, results back in order.

A :class:`Farm` is a Dask client: ``Farm(workers=N)`` starts a
:class:`distributed.LocalCluster` of N worker processes with one thread each
(BLAS and FFT threads pinned to 1 per worker) on 127.0.0.1;
``Farm(scheduler="tcp://host:8786")`` joins an existing scheduler instead (a
lab's cluster, dask-jobqueue on SLURM). Tasks are pure functions of their
arguments (bench, parameters, seed, index), so where they run does not change
their results; workers return arrays and never touch the run file (only the
parent process writes HDF5).

:meth:`Farm.map` submits every task, then yields results *in submission
order* as they complete, calling ``check_abort`` while it waits: an abort
(Ctrl-C, SIGTERM, the GUI) raised there cancels every outstanding future. A
worker that dies mid-task is replaced by its nanny and the task re-run by the
scheduler (``retries`` covers tasks that raise on a lost worker's data).
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator

from labctl.allocator import WORKER_ENV as ALLOCATOR_ENV

#: Environment of each local worker process: one BLAS/OpenMP thread.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in each worker by default
#: (to hand freed memory back to the OS). Setting it switches off glibc's
#: dynamic mmap threshold, so every array above 128 KiB is mmapped and
#: page-faulted afresh: a simulated frame then costs 3x the parent's (measured:
#: 20 frames 0.33 s in a worker vs 0.11 s in process). The workers get
#: labctl.allocator's thresholds instead, as the labctl command has them.
NANNY_ENV = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in ALLOCATOR_ENV.items()}
#: How long one wait for the next result lasts before abort is checked again (s).
POLL_S = 0.2
#: How long joining an existing scheduler may take before it counts as unreachable (s).
CONNECT_S = 20.0
#: Re-runs of a task that failed because its worker was lost.
RETRIES = 2


class FarmError(RuntimeError):
    """The cluster could not be started or reached."""


class Farm:
    """A Dask client for pure tasks (see the module docstring).

    ``workers``: local worker processes (>= 1); ``scheduler``: the address of
    an existing scheduler (then ``workers`` is ignored). One of them is needed.
    ``connect_timeout_s``: how long joining ``scheduler`` may take (s).
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 connect_timeout_s: float = CONNECT_S):
        if scheduler is None and (workers is None or workers < 1):
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers, self.scheduler = workers, scheduler
        self.connect_timeout_s = connect_timeout_s
        self.client = None
        self.cluster = None
        #: tasks submitted and completed (yielded) by :meth:`map` since the farm started
        self.submitted = self.completed = 0
        #: ``fn(completed, submitted)`` called when either count changes (progress bars)
        self.listeners: list[Callable[[int, int], None]] = []

    def __enter__(self) -> "Farm":
        try:
            import dask
            from distributed import Client, LocalCluster
        except ImportError as exc:  # pragma: no cover - dask is a dependency
            raise FarmError("dask.distributed is not installed (pip install 'dask[distributed]')") from exc
        os.environ.update(WORKER_ENV)          # inherited by the spawned worker processes
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=f"{self.connect_timeout_s}s")
            else:
                with dask.config.set(NANNY_ENV):
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                processes=True, host="127.0.0.1",
                                                dashboard_address="127.0.0.1:0")
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise FarmError(f"cannot reach the Dask scheduler {self.scheduler or '(local)'}: {exc}") from exc
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    @property
    def dashboard(self) -> str | None:
        """The Dask dashboard's address (None if it is not served)."""
        try:
            return self.client.dashboard_link if self.client is not None else None
        except (AttributeError, KeyError):
            return None

    @property
    def size(self) -> int:
        """Workers the scheduler knows now."""
        return len(self.client.scheduler_info().get("workers", {})) if self.client else 0

    def scatter(self, value: Any):
        """Send ``value`` to every worker once (a future to pass to tasks)."""
        return self.client.scatter(value, broadcast=True)

    def map(self, fn: Callable, tasks: Iterable[tuple], check_abort: Callable[[], None] | None = None,
            ) -> Iterator[Any]:
        """``fn(*task)`` for every task, results yielded in order (see the module docstring)."""
        from distributed import wait

        futures = [self.client.submit(fn, *task, pure=False, retries=RETRIES) for task in tasks]
        self.submitted += len(futures)
        self._notify()
        try:
            for fut in futures:
                while not fut.done():
                    if check_abort is not None:
                        check_abort()
                    try:
                        wait([fut], timeout=POLL_S)
                    except TimeoutError:
                        pass
                result = fut.result()
                self.completed += 1
                self._notify()
                yield result
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending)


    def _notify(self) -> None:
        for listener in self.listeners:
            listener(self.completed, self.submitted)


def farm_from_options(workers: int | None, scheduler: str | None) -> Farm | None:
    """The farm the command-line options ask for (None: run in process)."""
    if scheduler:
        return Farm(scheduler=scheduler)
    if workers:
        return Farm(workers=workers)
    return None

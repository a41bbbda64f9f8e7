"""Where the Dask tasks run: an existing cluster, or a local one started for the run.

dask.distributed starts local workers as new processes (spawn): a script that
calls :func:`connect` must do so under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from geo311.errors import InputError

__all__ = ["LOCAL_WORKER_CONFIG", "connect", "run"]

LOCAL_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}
"""Dask settings for the local cluster :func:`connect` starts, measured with
``bench/bench_scale.py`` and on an idle cluster of 2:

- no ``MALLOC_TRIM_THRESHOLD_=65536`` in the workers' environment (the nanny's default):
  it also switches off glibc's adaptive mmap threshold, so every large pandas array is
  mapped, faulted in and unmapped again; a partition's count took ~30 % more CPU;
- no statistical profiler (a stack sample every 10 ms, for the dashboard, which is off);
- the event-loop tick (a check for a blocked loop) every 1 s instead of 20 ms, the memory
  monitor every 1 s instead of 100 ms and the system monitor every 2 s: an idle cluster of
  2 used 0.15 of a core (nannies, workers, scheduler), 0.03 with these.

Set them on the workers of an existing cluster too (``DASK_DISTRIBUTED__...`` variables
or its configuration file, and no ``MALLOC_TRIM_THRESHOLD_`` in the nanny's environment).
"""


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None,
            memory_limit: str | None = None) -> Iterator[Any]:
    """Yield a ``distributed.Client``: of the cluster at ``scheduler`` (``tcp://host:port``),
    else of a local cluster of ``workers`` processes (default: one per core) with one
    thread each, closed on exit.

    The workers of an existing cluster must read the profile directory and its
    ``.geo311-cache`` at the same path as the client.

    Raises
    ------
    InputError
        If both are given, ``workers`` is below 1, or the scheduler cannot be reached.
    """
    import dask
    from distributed import Client, LocalCluster

    if scheduler and workers:
        raise InputError("give a scheduler address or a number of workers, not both",
                         field="workers")
    if workers is not None and workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}", field="workers")
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                             field="scheduler") from None
        with client:
            yield client
        return
    with dask.config.set(LOCAL_WORKER_CONFIG):
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None,
                               memory_limit=memory_limit or "auto", silence_logs=logging.ERROR)
    with cluster, Client(cluster) as client:
        yield client


def run(client: Any | None, tasks: Sequence[Any], desc: str,
        progress: bool | None = None) -> list:
    """Compute the delayed ``tasks`` on ``client`` and return their results in order,
    with a progress bar on stderr (``progress`` None: only on a terminal).

    A task whose worker dies is run again elsewhere by the scheduler; a task that
    fails raises its error here. Without a client the tasks run in this process, one
    after the other (the single-process path, memory bounded by one partition).
    """
    with tqdm(total=len(tasks), unit="part", desc=desc, file=sys.stderr,
              disable=None if progress is None else not progress) as bar:
        if client is None:
            import dask

            results = []
            for task in tasks:
                results.append(dask.compute(task, scheduler="synchronous")[0])
                bar.update()
            return results
        from distributed import as_completed

        futures = client.compute(list(tasks))
        try:
            for _ in as_completed(futures):
                bar.update()
            return client.gather(futures)
        finally:
            client.cancel(futures)

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
}
"""Dask settings for the workers :func:`connect` starts, measured on the partition counts
(``bench/bench_scale.py``): without the nanny's ``MALLOC_TRIM_THRESHOLD_=65536`` (which
also turns off glibc's adaptive mmap threshold, so every large pandas array is mapped,
faulted in and unmapped again) a task costs ~30 % less CPU; the statistical profiler (a
stack sample every 10 ms, for the dashboard, which is off) is not run. Set them on the
workers of an existing cluster too (``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``,
and no ``MALLOC_TRIM_THRESHOLD_`` in the nanny's environment)."""


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

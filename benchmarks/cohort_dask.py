"""Benchmark: cohort measures through Dask on aligned Parquet parts, next to in-memory pandas.

Draws ``--n`` inventories (clients x 4 sessions) with the table-level generator
(:func:`ipt_graph.cohort.synthetic_tables`), chunk by chunk, straight into aligned Parquet
parts (:func:`ipt_graph.io.tables.write_parquet_parts`), then measures them with
:func:`ipt_graph.cohort.dask_metrics` on a ``distributed.LocalCluster`` of 2 single-threaded
worker processes, gathering the result to the client. Prints the throughput next to in-memory
pandas (:meth:`ipt_graph.Cohort.metrics` on one part already in memory, best of 3), and the
peak memory: the summed resident memory (RSS) of the client, the scheduler (in the client
process) and the nannies and workers, sampled every 20 ms in a thread. Never asserts on time.

Run: ``.venv/bin/python benchmarks/cohort_dask.py [--n 200000] [--clients-per-part 12500]``
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import dask
import psutil

from ipt_graph.cohort import Cohort, dask_metrics, synthetic_tables
from ipt_graph.io.tables import parquet_parts, read_parquet_part, write_parquet_parts

SESSIONS = 4
GIB = 1024 ** 3


class PeakMemory:
    """Sample the summed RSS of this process and all its descendants in a thread.

    The process list is looked up once a second and each sample only reads their resident
    sizes, so the sampler takes next to no CPU from the workers (2 cores here).
    """

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._processes: list[psutil.Process] = []
        self._listed = 0.0

    def current(self) -> int:
        if time.monotonic() - self._listed > 1.0:
            me = psutil.Process()
            self._processes = [me, *me.children(recursive=True)]
            self._listed = time.monotonic()
        total = 0
        for process in self._processes:
            with contextlib.suppress(psutil.Error):  # a process that just ended
                total += process.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.current())
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self.peak = self.current()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.current())


def write_cohort(folder: Path, n_clients: int, per_part: int) -> None:
    def chunks():
        for index, start in enumerate(range(0, n_clients, per_part)):
            size = min(per_part, n_clients - start)
            yield synthetic_tables(size, sessions=SESSIONS, seed=index, start=start + 1)

    write_parquet_parts(chunks(), folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="inventories (clients x 4)")
    parser.add_argument("--clients-per-part", type=int, default=12_500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is printed)")
    parser.add_argument("--folder", type=Path, default=None,
                        help="where to write the Parquet parts (default: a temporary folder)")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    n_clients = args.n // SESSIONS
    folder = args.folder or Path(tempfile.mkdtemp(prefix="ipt_graph_dask_"))
    try:
        start = time.perf_counter()
        write_cohort(folder, n_clients, args.clients_per_part)
        parts = parquet_parts(folder)
        size = sum(p.stat().st_size for p in folder.rglob("*.parquet"))
        print(f"wrote {n_clients:,} clients x {SESSIONS} sessions = {n_clients * SESSIONS:,} "
              f"inventories in {len(parts)} aligned parts ({size / 2**20:,.0f} MiB) "
              f"in {time.perf_counter() - start:.1f} s")

        # in-memory pandas on a slice: one part, already read
        tables = read_parquet_part(folder, parts[0])
        cohort = Cohort(tables)
        n_slice = len(tables["sessions"])
        cohort.metrics()
        best = min(_timed(cohort.metrics) for _ in range(3))
        in_memory = n_slice / best
        print(f"pandas in memory (1 part, {n_slice:,} inventories): {best:7.3f} s  "
              f"{in_memory:12,.0f} inventories/s")
        del tables, cohort

        logging.getLogger("distributed").setLevel(logging.ERROR)
        # distributed's nannies set MALLOC_TRIM_THRESHOLD_, which (in glibc) also fixes the
        # mmap threshold at 128 KiB: every large temporary array is then mmapped and
        # page-faulted afresh. Raising the mmap threshold keeps them on the heap.
        environ = {**dask.config.get("distributed.nanny.pre-spawn-environ"),
                   "MALLOC_MMAP_THRESHOLD_": 32 * 2**20}
        with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}), \
                LocalCluster(n_workers=args.workers, processes=True, threads_per_worker=1,
                             dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
                Client(cluster) as client:
            start = time.perf_counter()
            client.run(_warm_up, str(folder), parts[0])
            print(f"cluster ready; each worker warmed up on one part (as pandas was) in "
                  f"{time.perf_counter() - start:.1f} s")
            idle = PeakMemory().current()
            times = []
            with PeakMemory() as memory:
                result = None
                for _ in range(args.repeat):
                    result = None  # the previous result is not held during the next run
                    start = time.perf_counter()
                    future = client.compute(dask_metrics(folder))
                    result = future.result()
                    times.append(time.perf_counter() - start)
                    # same graph, same keys: wait until the scheduler has forgotten this run
                    # so that the next one computes everything again
                    future.release()
                    del future
                    while client.run_on_scheduler(_n_tasks):
                        time.sleep(0.05)
            n = len(result)
            throughput = n / min(times)
            print(f"dask ({args.workers} workers, {len(parts)} partitions, {n:,} inventories): "
                  f"{min(times):7.3f} s (best of {args.repeat}; all: "
                  f"{', '.join(f'{t:.1f}' for t in times)})  {throughput:12,.0f} inventories/s")
            print(f"throughput dask / pandas in memory: {throughput / in_memory:6.2f} "
                  f"({100 * throughput / in_memory:.0f} %)")
            print(f"memory: idle cluster {idle / GIB:.2f} GiB, peak during compute "
                  f"{memory.peak / GIB:.2f} GiB (RSS of client + scheduler + workers)")
            print(f"load average (1, 5, 15 min) at the end: "
                  f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
            result_bytes = result.memory_usage(deep=True).sum()
            print(f"result held by the client: {result_bytes / GIB:.2f} GiB")

            # identical by construction: check the first part against pandas
            first = Cohort(read_parquet_part(folder, parts[0])).metrics()
            same = result.iloc[:len(first)].reset_index(drop=True).equals(first)
            print(f"first partition equals pandas: {'yes' if same else 'NO'}")
    finally:
        if args.folder is None:
            shutil.rmtree(folder, ignore_errors=True)


def _n_tasks(dask_scheduler=None) -> int:
    return len(dask_scheduler.tasks)


def _warm_up(folder: str, part: str) -> None:
    """Import the library in a worker and measure one part (what pandas had before timing)."""
    from ipt_graph.cohort import _part_metrics

    _part_metrics((folder, part), 1.5)


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()

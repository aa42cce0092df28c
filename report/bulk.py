"""Bulk rendering: run many small tasks on warm workers, on a local process pool or a Dask cluster.

Input: the pickled shared state of a build (``blob``, shipped once per worker, never per task),
the tasks (small picklable values: one respondent each), and a callback that receives each
result as soon as it is done.
Output: nothing returned; every task's result goes to the callback, in completion order. A task
never raises: the task function returns its failure as a value (see
:func:`report.personal_render.render_task`), so one bad report never stops the others.

Two runners with one behaviour:

* :func:`run_local` (the default): a pool of spawned processes, each warmed once by
  :func:`report.personal_render.install` in its initializer. A worker ends with its parent
  (:func:`report.processes.die_with_parent`: the kernel's parent-death signal on Linux, and a
  watchdog thread everywhere), killed outright or not, so no orphan keeps rendering.
* :func:`run_dask` (``--scheduler ADDRESS``): the same tasks on an existing Dask distributed
  cluster. A :class:`PersonalPlugin` (a ``distributed`` WorkerPlugin) carries the shared state to
  every worker, those already there and those that join later, and warms it once in each. The
  workers must see the project at the same path (a shared or identical checkout): the plugin
  checks that the project's templates, styles and fonts hash the same as the client's, and
  refuses to start otherwise.

Both keep a bounded number of tasks in flight (a few per worker), so memory stays flat for
10,000 reports and an interruption cancels little work.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from typing import Any

IN_FLIGHT_PER_WORKER = 4
PLUGIN = "es20-personal-reports"


# -- local pool -------------------------------------------------------------------------------
def _init_local(blob: bytes, parent: int) -> None:
    """A pool worker's start: die with the parent (report.processes), then build the warm state
    once."""
    from .processes import die_with_parent

    die_with_parent(parent)
    from .build import exit_without_collecting
    from .personal_render import install

    exit_without_collecting()
    install(blob)


def run_local(blob: bytes, tasks: Iterable[Any], on_result: Callable[[Any], None],
              workers: int = 2) -> None:
    """Run every task on ``workers`` spawned processes (warmed once each)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from .personal_render import render_task

    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_local, initargs=(blob, os.getpid()))
    pending: set[Any] = set()
    items = iter(tasks)
    try:
        for task in items:
            pending.add(pool.submit(render_task, task))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    on_result(future.result())
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                on_result(future.result())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


# -- Dask -------------------------------------------------------------------------------------
def _plugin_class() -> type:
    from distributed import WorkerPlugin

    class PersonalPlugin(WorkerPlugin):
        """Ships the shared state to each worker once and keeps it warm there."""

        name = PLUGIN

        def __init__(self, blob: bytes, assets: str) -> None:
            self.blob = blob
            self.assets = assets
            self.state: Any = None

        def setup(self, worker: Any) -> None:
            import pickle

            from .personal_render import install

            shared = pickle.loads(self.blob)
            found = asset_digest(shared.paths, shared.theme)
            if found != self.assets:
                from .errors import RenderError

                raise RenderError(
                    f"worker {worker.address} does not see the same project as the client",
                    file=shared.paths.root,
                    hint="run the Dask workers from the same checkout, at the same path")
            self.state = install(self.blob)

    return PersonalPlugin


def asset_digest(paths: Any, theme: Any) -> str:
    """A hash of the files a report is rendered from on a worker (templates, styles, fonts,
    the theme's folder), to check that a remote worker sees the client's project."""
    from .cache import hash_files

    folders = {paths.templates, paths.styles, theme.folder, *theme.font_dirs}
    files = {p for folder in folders for p in folder.rglob("*") if p.is_file()}
    return hash_files(files, paths.root)


def run_dask(address: str, blob: bytes, assets: str, tasks: Iterable[Any],
             on_result: Callable[[Any], None]) -> None:
    """Run every task on the Dask cluster whose scheduler is at ``address``."""
    from distributed import Client, as_completed

    from .errors import RenderError
    from .personal_render import render_task

    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except OSError as exc:
        raise RenderError(f"cannot reach the Dask scheduler at {address}: {exc}",
                          hint="start it with `dask scheduler`, and workers with "
                          "`dask worker ADDRESS --nthreads 1`") from None
    try:
        client.register_plugin(_plugin_class()(blob, assets), name=PLUGIN)
        workers = max(1, len(client.scheduler_info()["workers"]))
        window = workers * IN_FLIGHT_PER_WORKER
        items = iter(tasks)
        first = []
        for task in items:
            first.append(client.submit(render_task, task, pure=False))
            if len(first) >= window:
                break
        if not first:
            return
        running = as_completed(first, loop=client.loop, with_results=True)
        del first
        for _future, result in running:
            on_result(result)
            with contextlib.suppress(StopIteration):
                running.add(client.submit(render_task, next(items), pure=False))
    finally:
        client.close()

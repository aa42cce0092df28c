"""Worker processes that never outlive their build, and whose death is a readable error.

Input: how many workers a stage wants and what each runs as it starts (an initializer).
Output: a :class:`WorkerPool` (a spawned :class:`~concurrent.futures.ProcessPoolExecutor` with
three guarantees added), and :func:`die_with_parent`, the one function any other pool of this
project (the personal reports', say) runs first in its workers to get the first guarantee.

* **A worker ends when its parent ends**, however the parent ends: killed with SIGKILL, by the
  out-of-memory killer, or crashed. Otherwise an orphaned worker keeps rendering, holding hundreds
  of megabytes, for good. On Linux the kernel kills it at once (``prctl(PR_SET_PDEATHSIG)``,
  called through ctypes); everywhere, a watchdog thread waits on the parent's sentinel (the pipe
  that :mod:`multiprocessing` gives every child) and checks the parent's process id, and ends the
  worker within :data:`WATCH_INTERVAL` seconds.
* **Ctrl-C is the parent's business.** A terminal sends Ctrl-C (SIGINT) to every process of the
  group; a worker that received it while starting would print a ``KeyboardInterrupt`` traceback
  from the middle of its imports. Workers are started with SIGINT blocked (a blocked signal stays
  blocked across ``fork`` and ``exec``, so a worker cannot be interrupted even before its first
  line of Python), then ignore it; the parent, interrupted, ends its workers itself
  (:meth:`WorkerPool.close` with ``abort=True``, which sends SIGTERM).
* **A worker that dies is a located error**, not a ``BrokenProcessPool`` traceback:
  :meth:`WorkerPool.result` raises a :class:`~report.errors.RenderError` that says what the worker
  was doing, how it ended (``killed by SIGKILL``, ``exit status 3``) and what to do.

POSIX is the target (Linux and macOS); on Windows only the watchdog applies.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from .errors import RenderError

T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
WATCH_INTERVAL = 0.5  # seconds between two checks of the parent, where the kernel cannot help
ORPHANED = 70  # exit status of a worker whose parent has gone
START_FAILED = 71  # exit status of a worker whose initializer failed


def die_with_parent(parent: int, *, kernel: bool = True) -> None:
    """Make this process end when the process ``parent`` ends. Call it first in a child.

    ``kernel``: also ask Linux to send SIGKILL at the parent's death (``PR_SET_PDEATHSIG``). The
    kernel sends it when the *thread* that started this process ends, so pass False when the
    parent may have started it from a thread that ends before the parent does; the watchdog
    thread, which follows the process, still applies.
    """
    if kernel and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if not _parent_alive(parent):  # it ended before we could ask
        os._exit(ORPHANED)
    threading.Thread(target=_watch, args=(parent,), name="die-with-parent", daemon=True).start()


def _parent_alive(parent: int) -> bool:
    sentinel = multiprocessing.parent_process()
    if sentinel is not None and not sentinel.is_alive():
        return False
    # An orphan is adopted by init or a subreaper: its parent's id changes (not on Windows).
    return os.name != "posix" or os.getppid() == parent


def _watch(parent: int) -> None:
    sentinel = multiprocessing.parent_process()
    while True:
        if sentinel is not None:
            sentinel.join(WATCH_INTERVAL)  # returns at once when the parent's end closes the pipe
        else:
            time.sleep(WATCH_INTERVAL)
        if not _parent_alive(parent):
            os._exit(ORPHANED)


@contextlib.contextmanager
def _interrupts_blocked() -> Iterator[None]:
    """Block SIGINT in this thread while the block runs; one that arrives meanwhile is delivered
    after. Processes started meanwhile begin with it blocked (see :func:`_start_worker`)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _start_worker(parent: int, kernel: bool, initializer: Callable[..., None] | None,
                  initargs: tuple[Any, ...]) -> None:
    """The first thing a worker runs: ignore Ctrl-C (the parent ends its workers), die with the
    parent, then the pool's own initializer, whose failure is one line, not a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # discards a Ctrl-C pending since the start
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    die_with_parent(parent, kernel=kernel)
    if initializer is None:
        return
    try:
        initializer(*initargs)
    except BaseException as exc:  # reported in one line, and the worker ends
        print(f"worker process {os.getpid()}: could not start: {type(exc).__name__}: {exc}",
              file=sys.stderr, flush=True)
        os._exit(START_FAILED)


def how_it_ended(code: int | None) -> str:
    """A process's end in words, from its exit code (negative: the signal that killed it)."""
    if code is None:
        return "still running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}"
    if code == START_FAILED:
        return "could not start, as it said above"
    return f"exit status {code}"


class WorkerPool:
    """Spawned worker processes that die with this one, ignore Ctrl-C and fail readably.

    Every worker is started at once (not on the first task), so that its start-up overlaps with
    whatever the parent does next. Use :meth:`submit` and :meth:`result` as with an executor, and
    :meth:`close` at the end (``abort=True`` after an error or Ctrl-C: the workers are ended).
    """

    def __init__(self, workers: int, *, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = (), hint: str | None = None) -> None:
        self.hint = hint
        before = set(multiprocessing.active_children())
        kernel = threading.current_thread() is threading.main_thread()
        self.executor = ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker, initargs=(os.getpid(), kernel, initializer, initargs))
        self.processes: list[multiprocessing.process.BaseProcess] = []
        try:
            with _interrupts_blocked():
                for _ in range(workers):
                    self.executor.submit(int)  # start every worker now
        except BaseException:
            self.processes = [p for p in multiprocessing.active_children() if p not in before]
            self.close(abort=True)
            raise
        self.processes = [p for p in multiprocessing.active_children() if p not in before]

    def submit(self, fn: Callable[..., T], *args: Any, what: str = "its task") -> Future[T]:
        """Run ``fn(*args)`` in a worker; ``what`` names the work in an error («the en edition»)."""
        try:
            return self.executor.submit(fn, *args)
        except BrokenProcessPool:
            raise self._died(what) from None

    def result(self, future: Future[T], what: str = "its task") -> T:
        """The task's result; a worker that died is a :class:`RenderError` saying how."""
        try:
            return future.result()
        except BrokenProcessPool:
            raise self._died(what) from None

    def _died(self, what: str) -> RenderError:
        ends: list[str] = []
        deadline = time.monotonic() + 30  # a loaded machine may take a while to reap it
        while not ends and time.monotonic() < deadline:
            for process in self.processes:
                process.join(1)  # it is gone or going: its exit code says how it ended
                if process.exitcode not in (None, 0):
                    ends.append(f"process {process.pid} {how_it_ended(process.exitcode)}")
            if not any(p.is_alive() for p in self.processes) and not ends:
                break
        how = "; ".join(ends) or "it ended without a word"
        hint = self.hint
        if any("SIGKILL" in end for end in ends):
            hint = "the system may have run out of memory (its out-of-memory killer sends " \
                f"SIGKILL){': ' + hint if hint else ''}"
        return RenderError(f"the worker process for {what} died ({how})", hint=hint)

    def close(self, *, abort: bool = False) -> None:
        """Let the workers finish and end (``abort``: end them now, with SIGTERM)."""
        if abort:
            for process in self.processes:
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    process.terminate()
        self.executor.shutdown(wait=True, cancel_futures=True)

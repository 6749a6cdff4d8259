"""One file of ``emails/`` into an accumulator, by kind; the reading of many files, on all cores.

:func:`read_email_file` reads one file as its kind says (``email_walk``), turning every problem
into a quarantine row. :func:`read_email_files` reads a list of files in order: in this process,
or, for a large folder, cut into consecutive runs of files that forked worker processes read
into accumulators of their own (``EmailAccumulator.share``), merged back in order
(``EmailAccumulator.merge``), with the same result. Small folders, and tests, stay here.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from relationship_pipeline.sources.email_dedupe import EmailAccumulator, EmailShare
from relationship_pipeline.sources.email_files import read_mbox_file, read_message_file, read_unsupported_file
from relationship_pipeline.sources.email_tables import read_email_csv_file, read_email_parquet_file
from relationship_pipeline.sources.email_walk import SINGLE_MESSAGE_KINDS
from relationship_pipeline.sources.files import NotRegularFile, file_head, gc_paused, relative_source

READERS: dict[str, Callable[[Path, str, EmailAccumulator], None]] = {
    "mbox": read_mbox_file,
    **{kind: read_message_file for kind in SINGLE_MESSAGE_KINDS},
    "csv": read_email_csv_file,
    "parquet": read_email_parquet_file,
    "unsupported": read_unsupported_file,
}


def read_email_file(kind: str, path: Path, source: str, acc: EmailAccumulator) -> None:
    """Add one file's records to ``acc``: its problems become quarantine rows, never exceptions."""
    if kind == "skip":
        acc.counts["email.skipped_files"] += 1
        return
    acc.counts["email.files"] += 1
    try:
        READERS[kind](path, source, acc)
    except NotRegularFile:
        acc.quarantine(source, "file", "unsupported_file: not a regular file (FIFO, socket or device)")
    except OSError as exc:
        acc.quarantine(source, "file", f"unreadable_file: {type(exc).__name__}: {exc}")
    except Exception as exc:  # last resort: a parser bug must not stop the other files
        acc.quarantine(source, "file", f"parse_error: {type(exc).__name__}: {exc}", file_head(path))


# A folder this large is read by worker processes (below it, or on one core, in this process).
PARALLEL_MIN_FILES = 2_000
PARALLEL_MIN_BYTES = 8 << 20
MAX_WORKERS = 8
RUNS_PER_WORKER = 4  # runs of files per worker: enough to even out files of different sizes

File = tuple[str, "str | Path"]  # (kind, path)


def read_email_files(files: list[File], data_dir: Path, acc: EmailAccumulator) -> None:
    """Read ``files`` in order into ``acc`` (``source``: the path relative to ``data_dir``); a
    large folder on every core (module docstring).

    Worker processes are forked, so only from a process with no other thread running (forking a
    threaded process can deadlock); otherwise, and if the pool fails in any way, the files are
    read here, with the same result.
    """
    workers = _workers(files)
    if workers > 1:
        shares = _read_in_workers(files, data_dir, workers)
        if shares is not None:
            for share in shares:
                acc.merge(share)
            return
    _read_all(files, data_dir, acc)


def _read_all(files: list[File], data_dir: Path, acc: EmailAccumulator) -> None:
    for kind, path in files:
        read_email_file(kind, path, relative_source(path, data_dir), acc)


def _workers(files: list[File]) -> int:
    """How many processes should read ``files``: 1 unless the folder is large and forking is safe."""
    if len(files) < 2 or "fork" not in mp.get_all_start_methods() or threading.active_count() > 1:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2:
        return 1
    if len(files) < PARALLEL_MIN_FILES and sum(_size(path) for _, path in files) < PARALLEL_MIN_BYTES:
        return 1
    return min(cores, MAX_WORKERS)


def _read_in_workers(files: list[File], data_dir: Path, workers: int) -> list[EmailShare] | None:
    """Each run of files read by a worker, in order; None when the pool cannot be used."""
    runs = [(run, data_dir) for run in _runs(files, workers * RUNS_PER_WORKER)]
    try:
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            return list(pool.map(_read_run, runs))
    except Exception:  # no processes, a worker killed, ...: read here instead
        return None


def _read_run(job: tuple[list[File], Path]) -> EmailShare:
    """A worker's run of files, read into an accumulator of its own (records in reading order)."""
    acc = EmailAccumulator()
    with gc_paused():
        _read_all(*job, acc)
        return acc.share()


def _runs(files: list[File], n: int) -> list[list[File]]:
    """``files`` cut into at most ``n`` consecutive runs of about equal size (by bytes when the
    files are few, and so perhaps large; by count when they are many)."""
    if len(files) >= PARALLEL_MIN_FILES:
        sizes = np.ones(len(files), dtype=np.int64)
    else:
        sizes = np.array([_size(path) + 4096 for _, path in files], dtype=np.int64)  # + the cost of a file
    bounds = np.searchsorted(np.cumsum(sizes), np.linspace(0, sizes.sum(), n + 1)[1:-1], side="right")
    cuts = [0, *sorted(set(bounds.tolist())), len(files)]
    return [files[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


def _size(path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0

"""Files of the input folder: listing them, naming them (the ``source`` column), reading them safely."""

from __future__ import annotations

import contextlib
import gc
import os
import stat
from pathlib import Path

from relationship_pipeline.sources.batch import EXCERPT_CHARS
from relationship_pipeline.sources.text import clean_text

# Enough bytes for an excerpt of EXCERPT_CHARS characters of UTF-8 text.
HEAD_BYTES = EXCERPT_CHARS * 4
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


@contextlib.contextmanager
def gc_paused():
    """The cyclic garbage collector off for a while, then on again if it was on: a parser makes
    many small objects that all live until its batch is built, so collecting meanwhile is wasted
    work (any garbage is collected once it is back on)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class NotRegularFile(Exception):
    """A FIFO, socket or device where a file was expected (reading it could block forever)."""


def list_files(directory: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """Files under ``directory`` (recursively, sorted) whose suffix, lower-cased, is in ``suffixes``."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)


def relative_source(path: Path, data_dir: Path) -> str:
    """The ``source`` column: ``path`` relative to the data dir, posix style, as it is spelled there.

    Symlinks are not followed (the source names the file the user put in the folder);
    undecodable bytes in file names are recovered as text (``text.clean_text``).
    """
    text, top = os.fspath(path), os.fspath(data_dir)
    rel = text[len(top) + 1 :] if text.startswith(top + os.sep) else None
    if rel is None or not _plain(top) or not _plain(rel):  # let pathlib normalise
        try:
            rel = Path(path).relative_to(data_dir).as_posix()
        except ValueError:
            rel = Path(os.path.relpath(path, data_dir)).as_posix()
    elif os.sep != "/":
        rel = rel.replace(os.sep, "/")
    return clean_text(rel)


def _plain(path: str) -> bool:
    """Whether pathlib would spell ``path`` as it is (no empty, ``.`` or trailing parts)."""
    parts = path.split(os.sep)
    return all(p not in ("", ".") for p in parts[1:]) and (parts[0] != "." or len(parts) == 1)


def require_regular_file(path: Path) -> None:
    """Raise :class:`NotRegularFile` unless ``path`` is a regular file (``OSError`` if it cannot be stat'ed)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(str(path))


def read_regular_bytes(path: Path) -> bytes:
    """The bytes of a regular file; raises :class:`NotRegularFile` for anything else, ``OSError`` on failure."""
    fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # opening a FIFO must not wait for a writer
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(os.fspath(path))
        data = os.read(fd, info.st_size + 1)
        if len(data) <= info.st_size:  # the size is right (or the file shrank): all was read
            return data
        chunks = [data]  # the file grew while being read
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def file_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a regular file, for quarantine excerpts; ``b""`` when it cannot be read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""

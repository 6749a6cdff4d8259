"""Files of the input folder: listing them, naming them (the ``source`` column), reading them safely."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from relationship_pipeline.sources.batch import EXCERPT_CHARS
from relationship_pipeline.sources.text import clean_text

# Enough bytes for an excerpt of EXCERPT_CHARS characters of UTF-8 text.
HEAD_BYTES = EXCERPT_CHARS * 4


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
    path = Path(path)
    try:
        rel = path.relative_to(data_dir)
    except ValueError:
        rel = Path(os.path.relpath(path, data_dir))
    return clean_text(rel.as_posix())


def require_regular_file(path: Path) -> None:
    """Raise :class:`NotRegularFile` unless ``path`` is a regular file (``OSError`` if it cannot be stat'ed)."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise NotRegularFile(str(path))


def read_regular_bytes(path: Path) -> bytes:
    """The bytes of a regular file; raises :class:`NotRegularFile` for anything else, ``OSError`` on failure."""
    require_regular_file(path)
    with open(path, "rb") as fh:
        return fh.read()


def file_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a regular file, for quarantine excerpts; ``b""`` when it cannot be read."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return b""
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""

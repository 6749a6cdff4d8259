"""The messages of an mbox file, as ``mailbox.mbox`` gives them, found with ``bytes.find``.

``mailbox.mbox`` builds its table of contents line by line in Python (``_generate_toc``) and
reads each message with ``get_bytes``: a message starts at a line beginning ``From ``, its text
starts after that line and stops before the next one, or one byte earlier when the line before
is empty (exactly ``\\n``). :class:`Mbox` applies the same rules to the file's bytes at once,
through ``mmap``, so a large mbox is not read into memory.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from pathlib import Path

_SEP = os.linesep.encode("ascii")  # mailbox's line separator; its rules here assume b"\n"


class Mbox:
    """An open mbox file: its shape (:attr:`size`, :attr:`lead`, :attr:`ends_with_newline`) and
    :meth:`messages`. Use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 - closed by __exit__
        self.size = os.fstat(self._file.fileno()).st_size
        self._data = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if self.size else b""
        self.starts = _from_lines(self._data)
        self.lead = self.starts[0] if self.starts else self.size  # bytes before the first "From " line
        self.ends_with_newline = self._data[-1:] == b"\n"

    def __enter__(self) -> Mbox:
        return self

    def __exit__(self, *exc) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.close()
        self._file.close()

    def messages(self) -> Iterator[bytes]:
        """Each message's bytes, in order, exactly as ``mailbox.mbox(path).get_bytes(key)``."""
        if _SEP != b"\n":  # pragma: no cover - not POSIX: the standard library's own reading
            import mailbox

            box = mailbox.mbox(self.path, create=False)
            try:
                yield from (box.get_bytes(key) for key in box.keys())
            finally:
                box.close()
            return
        data, starts = self._data, self.starts
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else self.size
            stop = end - 1 if data[end - 2 : end] == b"\n\n" else end  # an empty line before the next one
            text = data.find(b"\n", start, stop)  # the end of the "From " line
            yield data[text + 1 if text >= 0 else stop : stop]


def _from_lines(data) -> list[int]:
    """Where the lines starting ``From `` start."""
    starts = [0] if data[:5] == b"From " else []
    pos = data.find(b"\nFrom ")
    while pos >= 0:
        starts.append(pos + 1)
        pos = data.find(b"\nFrom ", pos + 1)
    return starts

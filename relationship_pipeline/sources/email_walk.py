"""Which files under ``emails/`` hold mail, and of which kind: the folder walk and its one-file twin.

Kinds: ``mbox``, ``eml``, ``maildir_message`` (any file in a maildir's ``cur/`` or ``new/``),
``mh_message`` (a numbered file, MH / Enron ``12.``), ``csv``, ``parquet``, ``unsupported``
(quarantined as a whole) and ``skip`` (hidden files and folders, maildir ``tmp/`` and the
maildir's own metadata files; counted, not read). :func:`walk` and :func:`email_file_kind` give
every file the same kind.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

MBOX_SUFFIXES = (".mbox",)
EML_SUFFIXES = (".eml",)
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
MAILDIR_MESSAGE_DIRS = ("cur", "new")
SINGLE_MESSAGE_KINDS = ("eml", "maildir_message", "mh_message")

_DIGITS = frozenset("0123456789")


def walk(root: Path) -> list[tuple[str, str]]:
    """Every file under ``root`` (as a path string) with its kind, in natural sort order (``2.``
    before ``10.``)."""
    found: list[tuple[tuple, str, str]] = []  # (sort key, path, kind)
    top = os.fspath(root)
    if not os.path.isdir(top):
        return []
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        rel_dir = _natural_parts(dirpath[len(top) + 1 :]) if dirpath != top else ()
        kept_dirs = []
        for name in dirnames:
            if name.startswith(".") and not is_maildir(here / name):
                for dp, _, fs in os.walk(os.path.join(dirpath, name)):
                    rel = _natural_parts(os.path.relpath(dp, top))
                    found += [((*rel, _natural_part(f)), os.path.join(dp, f), "skip") for f in fs]
            else:
                kept_dirs.append(name)
        dirnames[:] = kept_dirs
        is_maildir_root = any(d in MAILDIR_MESSAGE_DIRS for d in dirnames)
        in_maildir = dirpath != top and here.name in MAILDIR_MESSAGE_DIRS
        in_maildir_tmp = here.name == "tmp" and is_maildir(here.parent)
        join = os.path.join
        for name in filenames:
            kind = _kind(name, is_maildir_root, in_maildir, in_maildir_tmp)
            found.append(((*rel_dir, _natural_part(name)), join(dirpath, name), kind))
    found.sort(key=lambda item: item[0])
    return [(path, kind) for _, path, kind in found]


def email_file_kind(root: Path, path: Path) -> str:
    """The kind :func:`walk` gives ``path`` (a file under ``root``), found without walking."""
    root, path = Path(root), Path(path)
    here = root
    for part in path.relative_to(root).parts[:-1]:
        here = here / part
        if part.startswith(".") and not is_maildir(here):
            return "skip"  # the walk does not look inside hidden folders
    here = path.parent
    return _kind(
        path.name,
        is_maildir(here),
        here != root and here.name in MAILDIR_MESSAGE_DIRS,
        here.name == "tmp" and is_maildir(here.parent),
    )


def _kind(name: str, is_maildir_root: bool, in_maildir: bool, in_maildir_tmp: bool) -> str:
    if _is_mh_name(name):  # the Enron case, quickly: the same answer as the rules below
        return (
            "skip"
            if in_maildir_tmp or (is_maildir_root and not in_maildir)
            else ("maildir_message" if in_maildir else "mh_message")
        )
    suffix = os.path.splitext(name)[1].lower()
    if name.startswith(".") or in_maildir_tmp:
        return "skip"
    if in_maildir:
        return "maildir_message"
    if suffix in MBOX_SUFFIXES or name.lower() == "mbox":  # Apple Mail exports Inbox.mbox/mbox
        return "mbox"
    if suffix in EML_SUFFIXES:
        return "eml"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if is_maildir_root:
        return "skip"  # dovecot-uidlist, maildirfolder, courierimapuiddb, ...
    if _is_mh_name(name):
        return "mh_message"
    return "unsupported"


def is_maildir(path: Path) -> bool:
    """Whether ``path`` is a maildir (has ``cur/`` or ``new/``)."""
    return any((path / d).is_dir() for d in MAILDIR_MESSAGE_DIRS)


def _is_mh_name(name: str) -> bool:
    core = name[:-1] if name.endswith(".") else name
    return core.isascii() and core.isdigit()  # 0-9 only


_RUNS = re.compile(r"[0-9]+|[^0-9]+")


@functools.lru_cache(maxsize=65536)  # MH folders repeat the same names (1., 2., ...)
def _natural_part(part: str) -> tuple:
    """A path part as runs of digits (by value) and of other characters, digits first."""
    return tuple((0, int(run), "") if run[0] in _DIGITS else (1, 0, run) for run in _RUNS.findall(part))


def _natural_parts(rel: str) -> tuple:
    return tuple(_natural_part(p) for p in rel.split(os.sep))

"""Which files under ``emails/`` hold mail, and of which kind: the folder walk and its one-file twin.

Kinds: ``mbox``, ``eml``, ``maildir_message`` (any file in a maildir's ``cur/`` or ``new/``),
``mh_message`` (a numbered file, MH / Enron ``12.``), ``csv``, ``parquet``, ``unsupported``
(quarantined as a whole) and ``skip`` (hidden files and folders, maildir ``tmp/`` and the
maildir's own metadata files; counted, not read). :func:`walk` and :func:`email_file_kind` give
every file the same kind.
"""

from __future__ import annotations

import os
from itertools import groupby
from pathlib import Path

MBOX_SUFFIXES = (".mbox",)
EML_SUFFIXES = (".eml",)
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet",)
MAILDIR_MESSAGE_DIRS = ("cur", "new")
SINGLE_MESSAGE_KINDS = ("eml", "maildir_message", "mh_message")

_DIGITS = frozenset("0123456789")


def walk(root: Path) -> list[tuple[Path, str]]:
    """Every file under ``root`` with its kind, in natural sort order (``2.`` before ``10.``)."""
    found: list[tuple[Path, str]] = []
    if not root.is_dir():
        return found
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        kept_dirs = []
        for name in dirnames:
            if name.startswith(".") and not is_maildir(here / name):
                found += [(Path(dp) / f, "skip") for dp, _, fs in os.walk(here / name) for f in fs]
            else:
                kept_dirs.append(name)
        dirnames[:] = kept_dirs
        is_maildir_root = any(d in MAILDIR_MESSAGE_DIRS for d in dirnames)
        in_maildir = here != root and here.name in MAILDIR_MESSAGE_DIRS
        in_maildir_tmp = here.name == "tmp" and is_maildir(here.parent)
        for name in filenames:
            found.append((here / name, _kind(name, is_maildir_root, in_maildir, in_maildir_tmp)))
    found.sort(key=lambda item: _natural_key(item[0].relative_to(root)))
    return found


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
    return bool(core) and all(ch in _DIGITS for ch in core)


def _natural_key(rel: Path) -> tuple:
    return tuple(
        tuple(
            (0, int("".join(g)), "") if is_digit else (1, 0, "".join(g))
            for is_digit, g in groupby(part, key=lambda c: c in _DIGITS)
        )
        for part in rel.parts
    )

"""Readers: turn files and folders into Documents; anything unusable becomes a Problem.

Formats, by file name: `copytrace.ingest.registry.READERS` (one row per format: its endings, its
reader, what becomes a document).
Folders are walked recursively in sorted order; hidden files are skipped.
A reader never raises for bad input: it yields a `Problem` naming the file (and record) and the
reason, and goes on with the next record or file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from copytrace.document import Document, Problem
from copytrace.ingest.dateline import date_of_page, date_of_url
from copytrace.ingest.registry import READERS, SUPPORTED, reader_for
from copytrace.ingest.text import valid_unicode


@dataclass(frozen=True)
class FieldMap:
    id: str = "id"
    text: str = "text"
    url: str = "url"
    date: str = "date"
    title: str = "title"
    source: str = "source"


def _not_regular(p: Path) -> str | None:
    """Why ``p`` (following symlinks) is not a regular file that can be read, or None. A FIFO
    would block the reader forever and a device (a link to /dev/zero) never ends."""
    try:
        mode = p.stat().st_mode
    except RuntimeError:  # pragma: no cover - Python < 3.13 raises this for some loops
        return "a symbolic link loop"
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link loop"
        if e.errno == errno.ENOENT and p.is_symlink():
            return "a broken symbolic link"
        return f"cannot be opened ({e.strerror or e})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
    return f"{kind}, not a regular file"


def iter_files(inputs: Iterable[str | os.PathLike]) -> Iterator[Path | Problem]:
    """Files named or found under folders, each once (by resolved path). What cannot be read
    as a file -- a FIFO, a device, a socket, a broken link or a link loop, a folder that cannot
    be listed -- is a Problem naming it, and the walk goes on."""
    done: set[Path] = set()

    def once(p: Path) -> bool:
        try:
            key = p.resolve()
        except (OSError, RuntimeError):
            key = p.absolute()
        if key in done:
            return False
        done.add(key)
        return True

    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            unlisted: list[OSError] = []  # os.walk's errors: folders it could not list

            def unreadable() -> Iterator[Problem]:
                while unlisted:
                    e = unlisted.pop(0)
                    yield Problem(str(e.filename or p), "folder cannot be read "
                                  f"({e.strerror or e}); skipped")

            for root, dirs, files in os.walk(p, onerror=unlisted.append):
                yield from unreadable()
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if f.startswith("."):
                        continue
                    path = Path(root) / f
                    why = _not_regular(path)
                    if why is not None:
                        yield Problem(str(path), f"{why}; skipped")
                    elif once(path):
                        yield path
            yield from unreadable()
        elif p.is_file():
            if once(p):
                yield p
        elif not p.exists() and not p.is_symlink():
            yield Problem(str(p), "no such file or folder")
        else:
            yield Problem(str(p), _not_regular(p) or "not a regular file or folder")


def read_file(path: Path, fields: FieldMap = FieldMap()) -> Iterator[Document | Problem]:
    """The Documents of one file, by its reader (`registry.reader_for`); a file that cannot be
    read is a Problem."""
    reader = reader_for(path)
    if reader is None:
        yield Problem(str(path), f"unsupported file type (supported: {SUPPORTED})")
        return
    try:
        read = reader.load()
        yield from (read(path, fields) if reader.record_fields else read(path))
    except PermissionError:
        yield Problem(str(path), "permission denied")
    except OSError as e:
        yield Problem(str(path), f"cannot read file: {e.strerror or e}")
    except Exception as e:  # a reader bug must not end the scan; say what happened
        yield Problem(str(path), f"could not be read ({type(e).__name__}: {e})")


def _valid(value):
    """A record value with every string made valid Unicode (`text.valid_unicode`)."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {valid_unicode(str(k)): _valid(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_valid(v) for v in value]
    return value


def admit(item: Document | Problem) -> Document | Problem:
    """A Document or Problem as every engine takes it in (each reader's output passes here,
    and every document given in Python or to the service):

    - its strings are ones every output can hold: a file name that is not UTF-8 or a lone
      surrogate in a record would otherwise fail the scan when its results are written, the
      index when it stores them, the terminal when it prints them;
    - a document given no date takes its page's dateline, when the text has one, else the
      date its URL files it under (`copytrace.ingest.dateline`; ``meta["date_from"]`` is then
      ``"dateline"`` or ``"url"``)."""
    if isinstance(item, Problem):
        return Problem(valid_unicode(item.path), valid_unicode(item.reason), item.record)
    for name in ("id", "text", "path", "url", "title", "date", "source_name"):
        value = getattr(item, name)
        if isinstance(value, str):
            setattr(item, name, valid_unicode(value))
    if item.meta:
        item.meta = _valid(item.meta)
    if not item.date and isinstance(item.text, str):
        item.date = date_of_page(item.text)
        found = "dateline"
        if not item.date and isinstance(item.url, str):
            item.date, found = date_of_url(item.url), "url"
        if item.date:
            item.meta = {**item.meta, "date_from": found}
    return item


def read_inputs(inputs: Iterable[str | os.PathLike], fields: FieldMap = FieldMap(),
                on_file: Callable[[], None] | None = None) -> Iterator[Document | Problem]:
    """Every Document (and Problem) from a mix of files and folders, with unique ids.

    A file-named document whose id is taken gets its path as id instead; a record whose id was
    already seen is a Problem (records are skipped, never silently renamed). ``on_file`` is called
    after each file (for progress bars).
    """
    seen: dict[str, str] = {}
    for item in iter_files(inputs):
        got_all = [item] if isinstance(item, Problem) else read_file(item, fields)
        for got in got_all:
            got = admit(got)
            if isinstance(got, Document) and got.id in seen:
                if got.meta.get("id_from_name") and isinstance(item, Path):
                    got.id = valid_unicode(str(item.with_suffix("")).replace(os.sep, "/"))
                if got.id in seen:
                    got = Problem(valid_unicode(str(item)), f"duplicate id {got.id!r} (first "
                                  f"seen in {seen[got.id]}); record skipped",
                                  got.meta.get("record"))
            if isinstance(got, Document):
                seen[got.id] = valid_unicode(str(item))
            yield got
        if on_file:
            on_file()


__all__ = ["FieldMap", "read_inputs", "read_file", "iter_files", "admit", "READERS",
           "SUPPORTED"]

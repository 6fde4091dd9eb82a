"""Readers: turn files and folders into Documents; anything unusable becomes a Problem.

Formats, by file name: `copytrace.ingest.registry.READERS` (one row per format: its endings, its
reader, what becomes a document).
Folders are walked recursively in sorted order; hidden files are skipped.
A reader never raises for bad input: it yields a `Problem` naming the file (and record) and the
reason, and goes on with the next record or file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from copytrace.document import Document, Problem
from copytrace.ingest.registry import READERS, SUPPORTED, reader_for


@dataclass(frozen=True)
class FieldMap:
    id: str = "id"
    text: str = "text"
    url: str = "url"
    date: str = "date"
    title: str = "title"
    source: str = "source"


def iter_files(inputs: Iterable[str | os.PathLike]) -> Iterator[Path | Problem]:
    """Files named or found under folders, each once (by resolved path)."""
    done: set[Path] = set()

    def once(p: Path) -> bool:
        key = p.resolve()
        if key in done:
            return False
        done.add(key)
        return True

    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for f in sorted(files):
                    if not f.startswith(".") and once(Path(root) / f):
                        yield Path(root) / f
        elif p.is_file():
            if once(p):
                yield p
        elif not p.exists():
            yield Problem(str(p), "no such file or folder")
        else:
            yield Problem(str(p), "not a regular file or folder")


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
            if isinstance(got, Document) and got.id in seen:
                if got.meta.get("id_from_name") and isinstance(item, Path):
                    got.id = str(item.with_suffix("")).replace(os.sep, "/")
                if got.id in seen:
                    got = Problem(str(item), f"duplicate id {got.id!r} (first seen in "
                                  f"{seen[got.id]}); record skipped", got.meta.get("record"))
            if isinstance(got, Document):
                seen[got.id] = str(item)
            yield got
        if on_file:
            on_file()


__all__ = ["FieldMap", "read_inputs", "read_file", "iter_files", "READERS", "SUPPORTED"]

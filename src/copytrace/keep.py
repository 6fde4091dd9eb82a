"""De-duplication: which member of each copy family a de-duplicated corpus keeps, and the
records it writes. `copytrace dedup` (families from a scan: `scan_kept`, `scan_records`) and
`copytrace dedup --fast` (families from the streaming engine, then a second read of the inputs:
`stream_kept`, `stream_records`) both keep members by `keep_one_per_family`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from copytrace.document import Document
from copytrace.relations import INDEPENDENT, SOURCE

if TYPE_CHECKING:
    import numpy as np

#: Which member a family keeps: its source (ties: the longest, then the first read), or its
#: longest, most complete member (ties: the source, then the first read).
PREFER = (SOURCE, "longest")


def keep_one_per_family(family: np.ndarray, is_source: np.ndarray, chars: np.ndarray,
                        prefer: str = SOURCE) -> np.ndarray:
    """Mask of the documents kept, one per family. ``family``: any label per document (its
    family); ``is_source``: is the document its family's source; ``chars``: its length;
    documents in reading order."""
    import numpy as np

    if prefer not in PREFER:
        raise ValueError(f"prefer must be one of {PREFER}, not {prefer!r}")
    n = len(family)
    _, fam = np.unique(np.asarray(family), return_inverse=True)
    first = np.arange(n)
    not_source = ~np.asarray(is_source, dtype=bool)
    longer = -np.asarray(chars, dtype=np.int64)
    keys = (first, longer, not_source) if prefer == SOURCE else (first, not_source, longer)
    order = np.lexsort(keys + (fam,))
    keep = np.zeros(n, dtype=bool)
    if n:
        keep[order[np.r_[True, fam[order][1:] != fam[order][:-1]]]] = True
    return keep


def output_record(d: Document) -> dict[str, Any]:
    """A document as a de-duplicated record: its fields, then the input record's other fields."""
    read = "date_from" in d.meta  # the record had none: give it back as it was
    rec = {"id": d.id, "text": d.text, "url": d.url, "title": d.title,
           "date": None if read else d.date, "source": d.source_name}
    rec.update({k: v for k, v in d.meta.items() if k not in ("id_from_name", "record",
                                                             "date_from") and k not in rec})
    return rec


def family_fields(family: str, relation: str, source: str | None) -> dict[str, Any]:
    """The fields ``--mark`` adds to a record."""
    return {"family": family, "relation": relation, "family_source": source}


def scan_kept(results, keep_one: bool, prefer: str = SOURCE) -> np.ndarray:
    """Mask of the scanned documents (`copytrace.document.DocResult`) a de-duplication keeps:
    one per family, or with ``keep_one`` False every one."""
    import numpy as np

    if not keep_one:
        return np.ones(len(results), dtype=bool)
    return keep_one_per_family(np.array([r.family for r in results]),
                               np.array([r.relation == SOURCE for r in results]),
                               np.array([r.chars for r in results]), prefer)


def scan_records(documents: list[Document], results, kept, mark: bool) -> Iterator[dict]:
    """The kept documents as records, with ``mark`` their family fields."""
    for d, r, k in zip(documents, results, kept):
        if k:
            rec = output_record(d)
            if mark:
                rec.update(family_fields(r.family, r.relation, r.source))
            yield rec


def stream_kept(res, keep_one: bool, prefer: str = SOURCE) -> np.ndarray:
    """Mask of the documents of a streaming result (`engines.stream.StreamResult`) kept."""
    import numpy as np

    n = len(res.ids)
    if not keep_one:
        return np.ones(n, dtype=bool)
    return keep_one_per_family(res.family, res.family == np.arange(n), res.chars, prefer)


def stream_family_fields(res, i: int) -> dict[str, Any]:
    """Document ``i``'s family fields in a streaming result."""
    src = int(res.family[i])
    rel = res.relation(i)
    return family_fields(res.ids[src], rel, None if rel == INDEPENDENT else res.ids[src])


def stream_records(items, res, kept, mark: bool, changed: list[str]) -> Iterator[dict]:
    """The kept records of a second read of the inputs (``items``: Documents and Problems in
    the first read's order). A document that is not the one the first read had at its place
    (the inputs changed between the reads) stops the records and is put in ``changed``."""
    i, n = 0, len(res.ids)
    for got in items:
        if not isinstance(got, Document):
            continue
        if i >= n or got.id != res.ids[i]:
            changed.append(got.id)
            return
        if kept[i]:
            rec = output_record(got)
            if mark:
                rec.update(stream_family_fields(res, i))
            yield rec
        i += 1


def families_file(res) -> Iterator[dict]:
    """``dedup --fast --families``: one record per document."""
    for i in range(len(res.ids)):
        yield {"id": res.ids[i], **stream_family_fields(res, i),
               "containment": round(float(res.containment[i]), 3), "chars": int(res.chars[i])}
